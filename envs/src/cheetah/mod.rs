//! Planar half-cheetah task families (MAML paper §5.3): goal velocity and goal direction, plus
//! oracle variants, and `cheetah-params`. [`model`] describes the robot from MuJoCo's
//! `half_cheetah.xml` (and records the simulation measurements), [`mod@env`] the env settings,
//! [`tasks`] the task distributions.

pub mod env;
pub mod model;
pub mod tasks;

pub(crate) use tasks::builtins;

pub use env::CheetahFamily;
pub use tasks::CheetahTasks;
