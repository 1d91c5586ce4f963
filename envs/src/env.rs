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

/// One drawn shape in world coordinates (metres; x forward or right, y up).
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Shape {
    /// The points within `radius` of the segment from `a` to `b` (a link of an articulated body).
    Capsule {
        /// One endpoint of the segment.
        a: [f64; 2],
        /// The other endpoint.
        b: [f64; 2],
        /// Radius (m).
        radius: f64,
    },
    /// A rectangle (a wall or a box-shaped body).
    Rect {
        /// Centre.
        center: [f64; 2],
        /// Half width and half height before the rotation.
        half_extents: [f64; 2],
        /// Counter-clockwise rotation about the centre (rad).
        angle: f64,
    },
    /// A disc (a point agent drawn with its collider's radius).
    Disc {
        /// Centre.
        center: [f64; 2],
        /// Radius (m).
        radius: f64,
    },
}

/// What a viewer draws of an env's moving bodies at one instant (world coordinates, metres).
///
/// Viewers and recordings take it from [`Env::render`], so they need no env-specific code.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RenderFrame {
    /// Position (x, y) of the point agent, or of the torso origin of an articulated body (what
    /// trails follow and cameras track).
    pub position: [f64; 2],
    /// Forward (x) velocity of the last step, for envs that have one (`None` otherwise); 0 right
    /// after a reset.
    pub x_velocity: Option<f64>,
    /// The shapes of every moving body (links of an articulated body, the agent's disc).
    pub bodies: Vec<Shape>,
}

/// A goal marker: where the task's goal is and how near counts as reaching it.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct GoalMarker {
    /// Goal position (world coordinates).
    pub position: [f64; 2],
    /// Radius of the region that counts as the goal (the termination tolerance or the sparse
    /// reward's radius); 0 for a point goal.
    pub radius: f64,
}

/// An axis-aligned rectangle of the plane (world coordinates).
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Region {
    /// Lower-left corner (x, y).
    pub min: [f64; 2],
    /// Upper-right corner (x, y).
    pub max: [f64; 2],
}

impl Region {
    /// The square [-half_extent, half_extent]^2 about the origin.
    pub fn square(half_extent: f64) -> Region {
        Region {
            min: [-half_extent; 2],
            max: [half_extent; 2],
        }
    }
}

/// What does not move during an episode: the ground, the walls, the task's goal.
///
/// [`Env::scenery`] gives it for the current task; it changes only with the task.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Scenery {
    /// Height (y) of a flat ground plane, for envs with gravity (`None`: seen from above).
    pub ground: Option<f64>,
    /// Static obstacles.
    pub walls: Vec<Shape>,
    /// The goal of the current task, for tasks that are a place.
    pub goal: Option<GoalMarker>,
    /// Where every task of the family plays out when seen from above (its goals and what the
    /// agent needs around them), the same for every task so that a view of it does not move when
    /// the task changes; `None`: a viewer fits the walls and the goal.
    #[serde(default)]
    pub arena: Option<Region>,
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
    /// The static part of the scene for the task of the current episode (set at reset); empty
    /// by default.
    fn scenery(&self) -> Scenery {
        Scenery::default()
    }
}
