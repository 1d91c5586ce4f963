//! The environment contract (Gymnasium `Env` semantics, in Rust).

use crate::space::BoxSpace;
use crate::task::Task;

/// One transition (Gymnasium step semantics: `terminated` = MDP terminal state, `truncated` = time limit).
///
/// Bootstrapping needs the distinction: a terminated episode's value after the last step is 0,
/// a truncated one's is not.
#[derive(Clone, Debug)]
pub struct Step {
    /// Observation after the step (inside the env's observation space).
    pub obs: Vec<f64>,
    /// Reward of the transition.
    pub reward: f64,
    /// The step reached a terminal state of the MDP (e.g. the goal).
    pub terminated: bool,
    /// The step reached the time limit (step number `horizon()` of the episode).
    pub truncated: bool,
    /// Named diagnostics of the transition (reward terms, distances, velocities).
    pub metrics: Vec<(&'static str, f64)>,
}

/// A simulated environment set to one task of a task distribution.
///
/// Use: `set_task`, then `reset(seed)`, then `step` until `terminated || truncated`.
/// Stepping past the end of an episode is not part of the contract.
pub trait Env: Send {
    /// The box every observation lies in.
    fn observation_space(&self) -> &BoxSpace;
    /// The box actions are clipped to.
    fn action_space(&self) -> &BoxSpace;
    /// Episode time limit H (steps); `step` returns truncated = true at step H.
    fn horizon(&self) -> usize;
    /// Sets the task used by the following episodes (takes effect at the next reset).
    fn set_task(&mut self, task: &Task);
    /// Starts an episode; the env's RNG is reseeded only here.
    fn reset(&mut self, seed: u64) -> Vec<f64>;
    /// Advances one step; actions outside the action space are clipped (documented per env).
    fn step(&mut self, action: &[f64]) -> Step;
}
