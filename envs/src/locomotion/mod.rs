//! Planar runners on [`crate::planar`] robots, Gymnasium v5 style: the hopper and the walker, with
//! task families by target velocity, direction or dynamics ([`Family`]).

pub mod body;
pub mod env;
pub mod family;
pub mod hopper;
pub mod leg;
pub mod tasks;
pub mod walker;

pub use body::{Body, Health, ResetNoise};
pub use env::Locomotion;
pub use family::Family;
pub use hopper::{HOPPER, HOPPER_ROBOT};
pub use tasks::LocomotionTasks;
pub use walker::{WALKER, WALKER_ROBOT};
