//! A batch of environments stepped together in Rust (`metarl._metarl.VecEnv`): the Rust side of
//! `metarl.make_vec`'s Gymnasium vector env.
//!
//! A step releases the GIL and steps the envs in contiguous chunks on the calling thread and
//! the batch's own helper threads (never a global pool). Envs whose episode ended are reset at their next step (Gymnasium's `NEXT_STEP`
//! autoreset): that step returns the reset observation, reward 0 and both flags false. Episode
//! `k >= 1` of env `i` is seeded with [`autoreset_seed`]`(seeds[i], k)`, where `seeds` are the
//! seeds of the last `reset`, so a batch's episodes are reproducible one env at a time.

use std::sync::{Arc, Mutex, MutexGuard};

use metarl_envs::{Env, Task, TaskDistribution};
use numpy::{AllowTypeChange, PyArray1, PyArray2, PyArrayLike1, PyArrayLike2};
use pyo3::prelude::*;
use pyo3::sync::MutexExt;
use pyo3::types::PyDict;

use crate::arrays::{array1, array2, finite};
use crate::env::{
    check_task, default_task, distribution, interrupted, recover, sample_tasks, Phase,
};
use crate::errors::value_error;

/// The seed of episode `episode` of an env whose last `reset` seed was `base`: `base` itself for
/// episode 0, then a SplitMix64 hash of `base` and `episode` (the seeds of a vector env's
/// autoresets).
#[pyfunction]
pub fn autoreset_seed(base: u64, episode: u64) -> u64 {
    if episode == 0 {
        return base;
    }
    let mut z = base ^ episode.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Most envs in one vector env.
const MAX_ENVS: usize = 65_536;

/// One env of the batch.
struct Slot {
    env: Box<dyn Env>,
    task: Task,
    phase: Phase,
    /// Seed of the last `reset` (episode 0).
    base_seed: u64,
    /// Episodes started since the last `reset` (0 = the reset's own).
    episode: u64,
}

/// What one env returned for one batch step.
struct SlotStep {
    obs: Vec<f64>,
    reward: f64,
    terminated: bool,
    truncated: bool,
    /// The env was reset instead of stepped (autoreset); no metrics.
    reset: bool,
    metrics: Vec<(&'static str, f64)>,
}

impl Slot {
    fn step(&mut self, action: &[f64]) -> SlotStep {
        if self.phase == Phase::Over {
            self.episode += 1;
            let obs = self.env.reset(autoreset_seed(self.base_seed, self.episode));
            self.phase = Phase::Running;
            return SlotStep {
                obs,
                reward: 0.0,
                terminated: false,
                truncated: false,
                reset: true,
                metrics: Vec::new(),
            };
        }
        let step = self.env.step(action);
        if step.terminated || step.truncated {
            self.phase = Phase::Over;
        }
        SlotStep {
            obs: step.obs,
            reward: step.reward,
            terminated: step.terminated,
            truncated: step.truncated,
            reset: false,
            metrics: step.metrics,
        }
    }
}

/// `num_envs` environments of the family `name`, stepped as one batch.
#[pyclass(module = "metarl._metarl", name = "VecEnv")]
pub struct PyVecEnv {
    name: String,
    dist: Arc<dyn TaskDistribution>,
    slots: Mutex<Vec<Slot>>,
    /// Number of envs.
    num_envs: usize,
    /// Threads a step runs on (the calling thread and `threads - 1` of `pool`).
    threads: usize,
    /// The batch's own helper threads (none when it steps on the calling thread alone).
    pool: Option<rayon::ThreadPool>,
}

/// Steps `slots` with their rows of `actions`, in order.
fn step_all(slots: &mut [Slot], actions: &[f64], act_dim: usize) -> Vec<SlotStep> {
    slots
        .iter_mut()
        .zip(actions.chunks(act_dim))
        .map(|(s, a)| s.step(a))
        .collect()
}

impl PyVecEnv {
    /// The envs, locked without holding the GIL while waiting (another thread may be stepping
    /// with the GIL released). After a panic inside an earlier step every episode is
    /// abandoned: a `RuntimeError` asks for a reset.
    fn slots(&self, py: Python<'_>) -> PyResult<MutexGuard<'_, Vec<Slot>>> {
        self.slots.lock_py_attached(py).map_err(|poisoned| {
            drop(recover(&self.slots, poisoned, abandon_all));
            interrupted()
        })
    }

    /// The envs for a call that starts over (`reset`, `set_tasks`): after a panic inside an
    /// earlier step they are taken as they are.
    fn slots_to_restart(&self, py: Python<'_>) -> MutexGuard<'_, Vec<Slot>> {
        self.slots
            .lock_py_attached(py)
            .unwrap_or_else(|poisoned| recover(&self.slots, poisoned, abandon_all))
    }
}

/// Marks every env's episode as abandoned (a reset is required).
fn abandon_all(slots: &mut Vec<Slot>) {
    for slot in slots {
        slot.phase = Phase::NeedsReset;
    }
}

/// What a batch step returns: observations, rewards, terminated, truncated, the autoreset mask
/// and the named metrics (values, and whether each env has them).
type BatchStep<'py> = (
    Bound<'py, PyArray2<f64>>,
    Bound<'py, PyArray1<f64>>,
    Bound<'py, PyArray1<bool>>,
    Bound<'py, PyArray1<bool>>,
    Bound<'py, PyArray1<bool>>,
    Bound<'py, PyDict>,
);

#[pymethods]
impl PyVecEnv {
    /// `num_envs` envs of family `name` (horizon override `horizon`), stepped on `threads`
    /// threads (0: as many as cores, at most one per env; 1 steps on the calling thread).
    #[new]
    #[pyo3(signature = (name, num_envs, horizon = None, threads = 0))]
    fn new(name: &str, num_envs: usize, horizon: Option<usize>, threads: usize) -> PyResult<Self> {
        if !(1..=MAX_ENVS).contains(&num_envs) {
            return Err(value_error(format!(
                "num_envs must be in 1..={MAX_ENVS} (got {num_envs})"
            )));
        }
        let dist = distribution(name, horizon)?;
        let task = default_task(dist.as_ref());
        let slots = (0..num_envs)
            .map(|_| {
                let mut env = dist.make_env();
                env.set_task(&task);
                Slot {
                    env,
                    task: task.clone(),
                    phase: Phase::NeedsReset,
                    base_seed: 0,
                    episode: 0,
                }
            })
            .collect();
        let threads = metarl_agents::resolve_workers(threads).clamp(1, num_envs);
        let pool = if threads > 1 {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads - 1)
                .thread_name(|i| format!("metarl-vec-{i}"))
                .build()
                .map_err(|e| {
                    pyo3::exceptions::PyRuntimeError::new_err(format!(
                        "cannot start the vector env's threads: {e}"
                    ))
                })?;
            Some(pool)
        } else {
            None
        };
        Ok(PyVecEnv {
            name: name.to_string(),
            dist,
            slots: Mutex::new(slots),
            num_envs,
            threads,
            pool,
        })
    }

    /// Registry name of the family.
    #[getter]
    fn name(&self) -> &str {
        &self.name
    }

    /// Number of envs.
    #[getter]
    fn num_envs(&self) -> usize {
        self.num_envs
    }

    /// Threads a step runs on.
    #[getter]
    fn threads(&self) -> usize {
        self.threads
    }

    /// `n` tasks drawn from the family's distribution with `ChaCha8Rng::seed_from_u64(seed)`.
    fn sample_tasks<'py>(
        &self,
        py: Python<'py>,
        n: usize,
        seed: u64,
    ) -> PyResult<Vec<Bound<'py, PyArray1<f64>>>> {
        sample_tasks(py, self.dist.as_ref(), n, seed)
    }

    /// Sets env `i`'s task to `tasks[i]` (one task per env; each checked by the family's rule).
    /// Takes effect at the next reset, which is then required before stepping.
    fn set_tasks(
        &self,
        py: Python<'_>,
        tasks: Vec<PyArrayLike1<'_, f64, AllowTypeChange>>,
    ) -> PyResult<()> {
        let mut slots = self.slots_to_restart(py);
        if tasks.len() != slots.len() {
            return Err(value_error(format!(
                "set_tasks needs one task per env ({} envs, got {} tasks)",
                slots.len(),
                tasks.len()
            )));
        }
        let tasks = tasks
            .iter()
            .map(|t| check_task(self.dist.as_ref(), t))
            .collect::<PyResult<Vec<Task>>>()?;
        for (slot, task) in slots.iter_mut().zip(tasks) {
            slot.env.set_task(&task);
            slot.task = task;
            slot.phase = Phase::NeedsReset;
        }
        Ok(())
    }

    /// The tasks of the envs, one row per env.
    #[getter]
    fn tasks<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyArray2<f64>>> {
        let slots = self.slots_to_restart(py);
        let values: Vec<f64> = slots.iter().flat_map(|s| s.task.params.clone()).collect();
        let cols = values.len() / slots.len();
        array2(py, values, slots.len(), cols)
    }

    /// The seed of every env's current episode (see [`autoreset_seed`]).
    #[getter]
    fn episode_seeds(&self, py: Python<'_>) -> Vec<u64> {
        self.slots_to_restart(py)
            .iter()
            .map(|s| autoreset_seed(s.base_seed, s.episode))
            .collect()
    }

    /// Starts an episode in every env, env `i` seeded with `seeds[i]`; returns the observations
    /// (one row per env).
    fn reset<'py>(&self, py: Python<'py>, seeds: Vec<u64>) -> PyResult<Bound<'py, PyArray2<f64>>> {
        let mut slots = self.slots_to_restart(py);
        if seeds.len() != slots.len() {
            return Err(value_error(format!(
                "reset needs one seed per env ({} envs, got {} seeds)",
                slots.len(),
                seeds.len()
            )));
        }
        let obs: Vec<f64> = slots
            .iter_mut()
            .zip(seeds)
            .flat_map(|(slot, seed)| {
                slot.base_seed = seed;
                slot.episode = 0;
                slot.phase = Phase::Running;
                slot.env.reset(seed)
            })
            .collect();
        array2(py, obs, slots.len(), self.dist.obs_dim())
    }

    /// Steps every env with its row of `actions` (envs whose episode ended are reset instead,
    /// see the module docs). Returns `(obs, rewards, terminated, truncated, autoreset, metrics)`,
    /// `metrics` mapping each metric name to `(values, present)` arrays.
    fn step<'py>(
        &self,
        py: Python<'py>,
        actions: PyArrayLike2<'_, f64, AllowTypeChange>,
    ) -> PyResult<BatchStep<'py>> {
        let act_dim = self.dist.act_dim();
        let mut slots = self.slots(py)?;
        let n = slots.len();
        let shape = actions.as_array().shape().to_vec();
        if shape != [n, act_dim] {
            return Err(value_error(format!(
                "actions must have shape ({n}, {act_dim}) (got {shape:?})"
            )));
        }
        let actions: Vec<f64> = actions.as_array().iter().copied().collect();
        finite("actions", &actions)?;
        for slot in slots.iter() {
            if slot.phase == Phase::NeedsReset {
                slot.phase.check_can_step()?;
            }
        }
        let slots: &mut Vec<Slot> = &mut slots;
        let (pool, threads) = (&self.pool, self.threads);
        let steps: Vec<SlotStep> = py.detach(|| match pool {
            None => step_all(slots, &actions, act_dim),
            Some(pool) => {
                // Contiguous chunks, one per thread; the calling thread steps the first while
                // the pool's threads step the others.
                let chunk = n.div_ceil(threads);
                let mut parts: Vec<Vec<SlotStep>> = (0..threads).map(|_| Vec::new()).collect();
                pool.in_place_scope(|scope| {
                    let mut pieces = slots
                        .chunks_mut(chunk)
                        .zip(actions.chunks(chunk * act_dim))
                        .zip(parts.iter_mut());
                    let first = pieces.next();
                    for ((s, a), out) in pieces {
                        scope.spawn(move |_| *out = step_all(s, a, act_dim));
                    }
                    if let Some(((s, a), out)) = first {
                        *out = step_all(s, a, act_dim);
                    }
                });
                parts.into_iter().flatten().collect()
            }
        });
        let obs: Vec<f64> = steps.iter().flat_map(|s| s.obs.iter().copied()).collect();
        let metrics = PyDict::new(py);
        let names: Vec<&'static str> = steps
            .iter()
            .find(|s| !s.reset)
            .map(|s| s.metrics.iter().map(|(name, _)| *name).collect())
            .unwrap_or_default();
        for name in names {
            let mut values = vec![0.0; n];
            let mut present = vec![false; n];
            for (i, step) in steps.iter().enumerate() {
                if let Some((_, v)) = step.metrics.iter().find(|(m, _)| *m == name) {
                    values[i] = *v;
                    present[i] = true;
                }
            }
            metrics.set_item(name, (array1(py, values), PyArray1::from_vec(py, present)))?;
        }
        Ok((
            array2(py, obs, n, self.dist.obs_dim())?,
            array1(py, steps.iter().map(|s| s.reward).collect()),
            PyArray1::from_vec(py, steps.iter().map(|s| s.terminated).collect()),
            PyArray1::from_vec(py, steps.iter().map(|s| s.truncated).collect()),
            PyArray1::from_vec(py, steps.iter().map(|s| s.reset).collect()),
            metrics,
        ))
    }

    fn __repr__(&self) -> String {
        format!(
            "metarl._metarl.VecEnv({:?}, num_envs={}, threads={})",
            self.name,
            self.num_envs(),
            self.threads()
        )
    }
}
