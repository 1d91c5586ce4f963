//! Planar articulated robots in Rapier: the robot description ([`Robot`]), per-task dynamics
//! multipliers ([`Dynamics`]) and the simulated world ([`PlanarWorld`]).

pub mod dynamics;
pub mod robot;
pub mod world;

pub use dynamics::{Dynamics, LOG_SCALE_LIMIT};
pub use robot::{ArmatureModel, BodyMass, CapsuleGeom, Link, Robot};
pub use world::{PlanarState, PlanarWorld};
