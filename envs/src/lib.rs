//! Environments and task distributions for meta-reinforcement learning.
//!
//! The contract ([`Env`], [`TaskDistribution`], [`BoxSpace`]) follows Gymnasium's semantics;
//! [`check_env`] is its conformance check; [`task_distribution`] builds a family by name from an
//! open registry ([`register_env`] adds one's own families next to the built-ins).

#![warn(missing_docs)]

pub mod check;
pub mod cheetah;
pub mod env;
pub mod locomotion;
pub mod nav2d;
pub mod planar;
pub mod registry;
pub mod space;
pub mod task;
#[cfg(any(test, feature = "testing"))]
pub mod testing;

pub use check::check_env;
pub use cheetah::{CheetahFamily, CheetahTasks};
pub use env::{Env, GoalMarker, Region, RenderFrame, Scenery, Shape, Step};
pub use locomotion::{Locomotion, LocomotionTasks};
pub use nav2d::{Nav2d, Nav2dCorners, Nav2dCornersTasks, Nav2dTasks, Nav2dWalls, Nav2dWallsTasks};
pub use registry::{
    env_descriptions, env_names, register_env, task_distribution, EnvError, EnvFactory,
};
pub use space::BoxSpace;
pub use task::{Task, TaskDistribution};
