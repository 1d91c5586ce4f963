//! 2D point navigation: the MAML paper's task family `nav2d` and two harder families on the same
//! point agent, each with an `-oracle` variant that observes the goal.
//!
//! | family | goals | what is new | module |
//! |---|---|---|---|
//! | `nav2d` | uniform in [-0.5, 0.5)^2 | the MAML paper's 2D navigation (Finn et al. 2017, §5.2) | [`open`] |
//! | `nav2d-walls` | uniform in the free part of [-0.5, 0.5)^2 | three fixed walls block straight paths to some goals | [`walls`] |
//! | `nav2d-corners` | one of the 4 corners (±2, ±2) | ProMP's sparse reward: exploration is needed (Rothfuss et al. 2019) | [`corners`] |
//!
//! Each family module has the full specification table. The families share the agent and the
//! episode logic: [`point::PointEnv`] is the environment and [`tasks::PointTasks`] the task
//! distribution, both generic over a [`point::Layout`] that holds what a family changes (action
//! scale, goals, start, walls, reward). The concrete types are aliases: [`Nav2d`] /
//! [`Nav2dTasks`], [`Nav2dWalls`] / [`Nav2dWallsTasks`], [`Nav2dCorners`] / [`Nav2dCornersTasks`].

pub mod corners;
pub mod open;
pub mod point;
pub mod tasks;
pub mod walls;

pub(crate) use tasks::builtins;

pub use corners::{Corners, Nav2dCorners, Nav2dCornersTasks};
pub use open::{Nav2d, Nav2dTasks, Open, DEFAULT_HORIZON, GOAL_RANGE, GOAL_TOLERANCE, MAX_STEP};
pub use point::{Layout, Outcome, PointEnv, AGENT_RADIUS};
pub use tasks::PointTasks;
pub use walls::{Nav2dWalls, Nav2dWallsTasks, Wall, Walls, WALLS};
