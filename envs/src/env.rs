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

/// What a viewer draws of an env's current state (world coordinates, metres).
///
/// Viewers and recordings take it from [`Env::render`], so they need no env-specific code.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RenderFrame {
    /// Position (x, y) of the point agent, or of the torso origin of an articulated body.
    pub position: [f64; 2],
    /// Forward (x) velocity of the last step, for envs that have one (`None` otherwise); 0 right
    /// after a reset.
    pub x_velocity: Option<f64>,
    /// Capsules of the body as world-space segments `[ax, ay, bx, by]` (each capsule is the set of
    /// points within [`crate::TaskDistribution::capsule_radius`] of its segment); empty for point
    /// envs.
    pub capsules: Vec<[f64; 4]>,
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
    /// What a viewer draws of the current state; `None` (the default) if the env cannot be drawn.
    fn render(&self) -> Option<RenderFrame> {
        None
    }
}
