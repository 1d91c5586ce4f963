//! Tasks and task distributions (the "p(T)" of meta-learning).

use crate::env::Env;

/// One MDP of a task family, as its parameters (nav2d: the goal (x, y)).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Task {
    /// The task parameters, in the order the family documents.
    pub params: Vec<f64>,
}

/// A distribution over tasks plus a factory for environments that can be set to them.
pub trait TaskDistribution: Send + Sync {
    /// Stable registry name, e.g. "nav2d".
    fn name(&self) -> &'static str;
    /// Draws `n` tasks from `rng` (deterministic given the rng state).
    fn sample_tasks(&self, rng: &mut dyn rand::RngCore, n: usize) -> Vec<Task>;
    /// A fresh environment (not yet set to a task).
    fn make_env(&self) -> Box<dyn Env>;
    /// Observation dimension of the environments (same as `make_env()`'s observation space).
    fn obs_dim(&self) -> usize;
    /// Action dimension of the environments (same as `make_env()`'s action space).
    fn act_dim(&self) -> usize;
    /// Episode time limit H of the environments.
    fn horizon(&self) -> usize;
}
