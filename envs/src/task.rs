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
    /// Simulated seconds per env step (for playback at real speed); 1 by default.
    fn dt(&self) -> f64 {
        1.0
    }
    /// Checks task parameters given by a person (count and range) and makes them a task.
    ///
    /// The default accepts finite parameters as many as a sampled task has; families with
    /// range rules override it.
    ///
    /// # Errors
    /// A one-line message `invalid task {params:?} for {name}: expected ...`.
    fn check_task(&self, params: &[f64]) -> Result<Task, String> {
        use rand::SeedableRng;
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0);
        let expected = self
            .sample_tasks(&mut rng, 1)
            .first()
            .map_or(0, |t| t.params.len());
        if params.len() != expected || !params.iter().all(|p| p.is_finite()) {
            return Err(format!(
                "invalid task {params:?} for {}: expected {expected} finite parameters",
                self.name()
            ));
        }
        Ok(Task {
            params: params.to_vec(),
        })
    }
}
