//! One environment of a registered task family (`metarl._metarl.Env`): the Rust side of
//! `metarl.MetaRLEnv`, the Gymnasium env.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use metarl_envs::{BoxSpace, Env, Task, TaskDistribution};
use numpy::{AllowTypeChange, PyArray1, PyArrayLike1};
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::sync::MutexExt;
use pyo3::types::PyDict;
use rand::SeedableRng;

use crate::arrays::{array1, at_most, finite, vector};
use crate::errors::value_error;

/// Names of the registered task families (e.g. `nav2d`, `cheetah-vel`), in registry order.
#[pyfunction]
pub fn env_names() -> Vec<String> {
    metarl_envs::env_names()
}

/// `(name, description)` of every registered task family.
#[pyfunction]
pub fn env_descriptions() -> Vec<(String, String)> {
    metarl_envs::env_descriptions()
}

/// The task distribution of family `name` (horizon override `horizon`), or a `ValueError`.
pub fn distribution(name: &str, horizon: Option<usize>) -> PyResult<Arc<dyn TaskDistribution>> {
    metarl_envs::task_distribution(name, horizon)
        .map(Arc::from)
        .map_err(|e| value_error(e.to_string()))
}

/// Most tasks one `sample_tasks` call draws.
pub const MAX_TASKS: usize = 1_000_000;

/// `n` tasks of `dist` drawn from `ChaCha8Rng::seed_from_u64(seed)`, as float64 arrays.
pub fn sample_tasks<'py>(
    py: Python<'py>,
    dist: &dyn TaskDistribution,
    n: usize,
    seed: u64,
) -> PyResult<Vec<Bound<'py, PyArray1<f64>>>> {
    at_most("n", n, MAX_TASKS)?;
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    Ok(dist
        .sample_tasks(&mut rng, n)
        .into_iter()
        .map(|t| array1(py, t.params))
        .collect())
}

/// The task given by the array-like `task`, checked by the family's rule (`ValueError`).
pub fn check_task(
    dist: &dyn TaskDistribution,
    task: &PyArrayLike1<'_, f64, AllowTypeChange>,
) -> PyResult<Task> {
    let params = vector("task", task, None)?;
    dist.check_task(&params).map_err(value_error)
}

/// The task every env starts with: the first task of `sample_tasks(1, 0)`.
pub fn default_task(dist: &dyn TaskDistribution) -> Task {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0);
    dist.sample_tasks(&mut rng, 1).remove(0)
}

/// The lower and upper bounds of a box, as arrays.
type Bounds<'py> = (Bound<'py, PyArray1<f64>>, Bound<'py, PyArray1<f64>>);

/// The bounds of `space` as arrays.
fn bounds<'py>(py: Python<'py>, space: &BoxSpace) -> Bounds<'py> {
    (
        array1(py, space.low.clone()),
        array1(py, space.high.clone()),
    )
}

/// Where an env is in its episode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// No episode started since creation or the last task change.
    NeedsReset,
    /// An episode is running.
    Running,
    /// The last step terminated or truncated the episode.
    Over,
}

impl Phase {
    /// Fails with a `RuntimeError` unless an episode is running.
    pub fn check_can_step(self) -> PyResult<()> {
        match self {
            Phase::Running => Ok(()),
            Phase::NeedsReset => Err(PyRuntimeError::new_err(
                "no episode is running: call reset() before step()",
            )),
            Phase::Over => Err(PyRuntimeError::new_err(
                "the episode is over (terminated or truncated): call reset() before step()",
            )),
        }
    }
}

/// The mutable part of an [`PyEnv`].
struct EnvState {
    env: Box<dyn Env>,
    task: Task,
    phase: Phase,
}

/// The named reward terms and diagnostics of a step as a dict.
pub fn metrics_dict<'py>(
    py: Python<'py>,
    metrics: &[(&'static str, f64)],
) -> PyResult<Bound<'py, PyDict>> {
    let info = PyDict::new(py);
    for (name, value) in metrics {
        info.set_item(*name, *value)?;
    }
    Ok(info)
}

/// One environment of the task family `name` (Gymnasium semantics, float64 boxes).
///
/// `set_task` then `reset(seed)` then `step(action)` until `terminated or truncated`; the env
/// starts with the task `sample_tasks(1, 0)[0]`.
#[pyclass(module = "metarl._metarl", name = "Env")]
pub struct PyEnv {
    name: String,
    dist: Arc<dyn TaskDistribution>,
    state: Mutex<EnvState>,
}

impl PyEnv {
    /// The env's state, locked without holding the GIL while waiting (another thread may be
    /// stepping with the GIL released). After a panic inside an earlier call the episode is
    /// abandoned: a `RuntimeError` asks for a reset.
    fn state(&self, py: Python<'_>) -> PyResult<MutexGuard<'_, EnvState>> {
        self.state.lock_py_attached(py).map_err(|poisoned| {
            drop(recover(&self.state, poisoned, |s| {
                s.phase = Phase::NeedsReset
            }));
            interrupted()
        })
    }

    /// The env's state for a call that starts over (`reset`, `set_task`): after a panic inside
    /// an earlier call it is taken as it is.
    fn state_to_restart(&self, py: Python<'_>) -> MutexGuard<'_, EnvState> {
        self.state.lock_py_attached(py).unwrap_or_else(|poisoned| {
            recover(&self.state, poisoned, |s| s.phase = Phase::NeedsReset)
        })
    }
}

/// The guard of a mutex poisoned by a panic, with `abandon` applied and the poison cleared.
pub fn recover<'a, T>(
    mutex: &'a Mutex<T>,
    poisoned: PoisonError<MutexGuard<'a, T>>,
    abandon: impl FnOnce(&mut T),
) -> MutexGuard<'a, T> {
    let mut guard = poisoned.into_inner();
    abandon(&mut guard);
    mutex.clear_poison();
    guard
}

/// The error after a panic inside an earlier call (its episode is abandoned).
pub fn interrupted() -> PyErr {
    PyRuntimeError::new_err(
        "an earlier call failed inside the env: call reset() to start a new episode",
    )
}

#[pymethods]
impl PyEnv {
    /// The family `name` with its default horizon, or `horizon` steps per episode.
    #[new]
    #[pyo3(signature = (name, horizon = None))]
    fn new(name: &str, horizon: Option<usize>) -> PyResult<Self> {
        let dist = distribution(name, horizon)?;
        let mut env = dist.make_env();
        let task = default_task(dist.as_ref());
        env.set_task(&task);
        Ok(PyEnv {
            name: name.to_string(),
            state: Mutex::new(EnvState {
                env,
                task,
                phase: Phase::NeedsReset,
            }),
            dist,
        })
    }

    /// Registry name of the family.
    #[getter]
    fn name(&self) -> &str {
        &self.name
    }

    /// Episode time limit H: the step that reaches it returns `truncated = True`.
    #[getter]
    fn horizon(&self) -> usize {
        self.dist.horizon()
    }

    /// Simulated seconds per step.
    #[getter]
    fn dt(&self) -> f64 {
        self.dist.dt()
    }

    /// Lower and upper bounds of the observation box.
    #[getter]
    fn observation_bounds<'py>(&self, py: Python<'py>) -> PyResult<Bounds<'py>> {
        Ok(bounds(py, self.state(py)?.env.observation_space()))
    }

    /// Lower and upper bounds of the action box (actions outside it are clipped by the env).
    #[getter]
    fn action_bounds<'py>(&self, py: Python<'py>) -> PyResult<Bounds<'py>> {
        Ok(bounds(py, self.state(py)?.env.action_space()))
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

    /// The current task's parameters.
    #[getter]
    fn task<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        array1(py, self.state_to_restart(py).task.params.clone())
    }

    /// Sets the task of the following episodes (checked by the family's rule; takes effect at
    /// the next reset, which is then required before stepping).
    fn set_task(
        &self,
        py: Python<'_>,
        task: PyArrayLike1<'_, f64, AllowTypeChange>,
    ) -> PyResult<()> {
        let task = check_task(self.dist.as_ref(), &task)?;
        let mut state = self.state_to_restart(py);
        state.env.set_task(&task);
        state.task = task;
        state.phase = Phase::NeedsReset;
        Ok(())
    }

    /// Starts an episode of the current task; the env's randomness comes only from `seed`.
    fn reset<'py>(&self, py: Python<'py>, seed: u64) -> Bound<'py, PyArray1<f64>> {
        let mut state = self.state_to_restart(py);
        let obs = state.env.reset(seed);
        state.phase = Phase::Running;
        array1(py, obs)
    }

    /// One step: `(obs, reward, terminated, truncated, info)`, `info` holding the named reward
    /// terms and diagnostics. Actions outside the action box are clipped; non-finite actions
    /// and steps outside an episode raise.
    #[allow(clippy::type_complexity)]
    fn step<'py>(
        &self,
        py: Python<'py>,
        action: PyArrayLike1<'_, f64, AllowTypeChange>,
    ) -> PyResult<(
        Bound<'py, PyArray1<f64>>,
        f64,
        bool,
        bool,
        Bound<'py, PyDict>,
    )> {
        let action = vector("action", &action, Some(self.dist.act_dim()))?;
        finite("action", &action)?;
        let mut state = self.state(py)?;
        state.phase.check_can_step()?;
        let env = &mut state.env;
        let step = py.detach(|| env.step(&action));
        if step.terminated || step.truncated {
            state.phase = Phase::Over;
        }
        let info = metrics_dict(py, &step.metrics)?;
        Ok((
            array1(py, step.obs),
            step.reward,
            step.terminated,
            step.truncated,
            info,
        ))
    }

    fn __repr__(&self) -> String {
        format!(
            "metarl._metarl.Env({:?}, horizon={})",
            self.name,
            self.dist.horizon()
        )
    }
}
