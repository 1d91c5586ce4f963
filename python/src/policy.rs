//! A trained policy from a run directory (`metarl._metarl.Policy`): action means, actions,
//! adaptation and evaluation with the run's protocol.

use std::path::PathBuf;

use metarl::eval::DEFAULT_EVAL_SEED;
use metarl::{EvalOptions, TrainedPolicy, Which};
use metarl_agents::parallel::with_single_threaded_kernels;
use metarl_agents::policy::Network;
use metarl_agents::sampler::ActionScaling;
use numpy::{AllowTypeChange, PyArray1, PyArrayLike1, PyArrayLikeDyn};
use pyo3::prelude::*;

use crate::arrays::{array1, at_most, finite, like_rows, rows, vector};
use crate::env::MAX_TASKS;

/// Most adaptation steps one `adapt` or `evaluate` call takes.
const MAX_STEPS: usize = 10_000;
use crate::errors::{to_py, value_error};

/// Loads checkpoint `checkpoint` (`best`, `latest` or `iter-NNNNN`) of the run in `run_dir`,
/// checked against the run's config (env, architecture, learner).
#[pyfunction]
#[pyo3(signature = (run_dir, checkpoint = "best"))]
pub fn load_policy(run_dir: PathBuf, checkpoint: &str) -> PyResult<PyPolicy> {
    let which: Which = checkpoint.parse().map_err(to_py)?;
    let policy = TrainedPolicy::load(&run_dir, &which).map_err(to_py)?;
    PyPolicy::new(policy)
}

/// A trained Gaussian policy: means from the network, a state-independent standard deviation,
/// actions mapped from the policy's normalized box `[-1, 1]^d` onto the env's action box (as the
/// sampler does).
#[pyclass(module = "metarl._metarl", name = "Policy")]
pub struct PyPolicy {
    policy: TrainedPolicy,
    scaling: ActionScaling,
    std: Vec<f64>,
    /// Adaptation steps taken from the checkpoint's parameters (0 for a loaded policy).
    adapted_steps: usize,
}

impl PyPolicy {
    /// The loaded `policy` (no adaptation steps taken).
    fn new(policy: TrainedPolicy) -> PyResult<Self> {
        let dist = policy.config.task_distribution().map_err(to_py)?;
        let scaling = ActionScaling::new(dist.make_env().action_space());
        Ok(PyPolicy::with_scaling(policy, scaling, 0))
    }

    /// `policy` with its action map and its standard deviation exp(log_std) from θ.
    fn with_scaling(policy: TrainedPolicy, scaling: ActionScaling, adapted_steps: usize) -> Self {
        let std = policy.theta()[policy.spec().log_std_offset()..]
            .iter()
            .map(|ls| ls.exp())
            .collect();
        PyPolicy {
            policy,
            scaling,
            std,
            adapted_steps,
        }
    }

    /// Normalized action means of `obs` rows (no tape; matrix kernels on one thread).
    fn means(&self, obs: &[f64], rows: usize) -> Vec<f64> {
        let (spec, theta) = (self.policy.spec(), self.policy.theta());
        with_single_threaded_kernels(|| Network::new(spec, theta).mean_values(obs, rows))
    }
}

#[pymethods]
impl PyPolicy {
    /// Env the policy was trained on.
    #[getter]
    fn env(&self) -> &str {
        &self.policy.config.env.name
    }

    /// The checkpoint's name (`best`, `latest`, `iter-NNNNN`).
    #[getter]
    fn checkpoint(&self) -> &str {
        &self.policy.checkpoint_name
    }

    /// Meta-iteration the checkpoint was taken at.
    #[getter]
    fn iteration(&self) -> u64 {
        self.policy.checkpoint.iteration
    }

    /// The learner that trained the policy (e.g. `maml-trpo`).
    #[getter]
    fn learner(&self) -> &str {
        &self.policy.checkpoint.learner
    }

    /// Adaptation steps taken from the checkpoint's parameters (0 for a loaded policy).
    #[getter]
    fn adapted_steps(&self) -> usize {
        self.adapted_steps
    }

    /// Observation size.
    #[getter]
    fn obs_dim(&self) -> usize {
        self.policy.spec().obs_dim
    }

    /// Action size.
    #[getter]
    fn act_dim(&self) -> usize {
        self.policy.spec().act_dim
    }

    /// The flat parameter vector θ (a copy).
    #[getter]
    fn theta<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        array1(py, self.policy.theta().to_vec())
    }

    /// Standard deviation of the normalized actions, per component.
    #[getter]
    fn std<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        array1(py, self.std.clone())
    }

    /// The run's config as TOML text.
    #[getter]
    fn config_toml(&self) -> String {
        self.policy.config.to_toml()
    }

    /// Normalized action means of `obs` (shape `(obs_dim,)` or `(n, obs_dim)`; same shape out
    /// with `act_dim` columns).
    fn mean<'py>(
        &self,
        py: Python<'py>,
        obs: PyArrayLikeDyn<'_, f64, AllowTypeChange>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let obs = rows("obs", &obs, self.obs_dim())?;
        let means = py.detach(|| self.means(&obs.values, obs.rows));
        like_rows(py, means, &obs)
    }

    /// Env actions for `obs`: `low + (m + std * noise + 1) (high - low) / 2` with `m` the
    /// normalized mean; `noise` (same shape as the means; zeros when omitted) is the caller's
    /// standard-normal draw. The env clips actions outside its box.
    #[pyo3(signature = (obs, noise = None))]
    fn act<'py>(
        &self,
        py: Python<'py>,
        obs: PyArrayLikeDyn<'_, f64, AllowTypeChange>,
        noise: Option<PyArrayLikeDyn<'_, f64, AllowTypeChange>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let act_dim = self.act_dim();
        let obs = rows("obs", &obs, self.obs_dim())?;
        let noise = match noise {
            Some(noise) => {
                let noise = rows("noise", &noise, act_dim)?;
                if noise.rows != obs.rows {
                    return Err(value_error(format!(
                        "noise must have one row per observation ({} rows, got {})",
                        obs.rows, noise.rows
                    )));
                }
                noise.values
            }
            None => vec![0.0; obs.rows * act_dim],
        };
        let mut means = py.detach(|| self.means(&obs.values, obs.rows));
        let mut action = vec![0.0; act_dim];
        for (row, xi) in means.chunks_mut(act_dim).zip(noise.chunks(act_dim)) {
            for j in 0..act_dim {
                action[j] = row[j] + self.std[j] * xi[j];
            }
            self.scaling.to_env(&action, row);
        }
        like_rows(py, means, &obs)
    }

    /// Adapts the policy to `task` with `steps` policy-gradient steps of the run's evaluation
    /// protocol (`eval.episodes` episodes per step, lr `eval.first_lr` then `eval.later_lr`; a
    /// Meta-SGD policy's first step uses its learned per-parameter rates),
    /// episodes seeded as `metarl rollout --seed seed`. Returns `(adapted_policy, returns)`,
    /// `returns[j]` the mean return of the batch sampled after `j` steps.
    #[pyo3(signature = (task, steps = 1, seed = 0))]
    fn adapt(
        &self,
        py: Python<'_>,
        task: PyArrayLike1<'_, f64, AllowTypeChange>,
        steps: usize,
        seed: u64,
    ) -> PyResult<(PyPolicy, Vec<f64>)> {
        at_most("steps", steps, MAX_STEPS)?;
        let task = vector("task", &task, None)?;
        finite("task", &task)?;
        let adapted = py
            .detach(|| self.policy.adapt(&task, steps, seed))
            .map_err(to_py)?;
        let policy = PyPolicy::with_scaling(
            adapted.policy,
            self.scaling.clone(),
            self.adapted_steps + steps,
        );
        Ok((policy, adapted.returns))
    }

    /// The run's evaluation protocol (Finn et al. 2017, §5.3) on `tasks` held-out tasks after
    /// 0..=`steps` adaptation steps: the dict `metarl eval --json` prints (`env`, `tasks`,
    /// `steps`, `mean`, `stderr`). `workers = 0` uses all cores; results do not depend on it.
    #[pyo3(signature = (tasks = 40, steps = 3, seed = DEFAULT_EVAL_SEED, workers = 0))]
    fn evaluate<'py>(
        &self,
        py: Python<'py>,
        tasks: usize,
        steps: usize,
        seed: u64,
        workers: usize,
    ) -> PyResult<Bound<'py, PyAny>> {
        at_most("tasks", tasks, MAX_TASKS)?;
        at_most("steps", steps, MAX_STEPS)?;
        let options = EvalOptions {
            tasks,
            steps,
            seed,
            workers,
        };
        let report = py
            .detach(|| metarl::evaluate(&self.policy, &options))
            .map_err(to_py)?;
        let json = serde_json::to_string(&report)
            .map_err(|e| pyo3::exceptions::PyRuntimeError::new_err(e.to_string()))?;
        py.import("json")?.call_method1("loads", (json,))
    }

    fn __repr__(&self) -> String {
        format!(
            "metarl.Policy(env={:?}, checkpoint={:?}, iteration={}, adapted_steps={})",
            self.env(),
            self.checkpoint(),
            self.iteration(),
            self.adapted_steps
        )
    }
}
