//! Planar half-cheetah task families (MAML paper §5.3): goal velocity and goal direction, plus
//! oracle variants. [`model`] builds the Rapier robot from MuJoCo's `half_cheetah.xml` (and records
//! the joint-type measurements), [`mod@env`] is the environment, [`tasks`] the task distributions.

pub mod env;
pub mod model;
pub mod render;
pub mod tasks;

pub(crate) use tasks::builtins;

pub use env::{Cheetah, CheetahFamily};
pub use model::{CheetahState, CheetahWorld};
pub use tasks::CheetahTasks;
