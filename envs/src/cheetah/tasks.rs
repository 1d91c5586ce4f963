//! The cheetah task distributions: goal velocity (`cheetah-vel`) and direction (`cheetah-dir`), each
//! with an oracle variant whose observation includes the task parameter, and `cheetah-params`
//! (dynamics randomized per task by the `rand_param_envs` recipe of [`crate::planar::dynamics`];
//! nobody ships it, it completes the rand-params set next to the hopper and walker).
//!
//! Randomized dynamics loosen the cheetah's hard joint limits: links down to 0.3x their mass and
//! inertia overshoot further. Worst over `metarl bench soak --env cheetah-params --steps
//! 1000000`: 0.52 rad beyond a range and 3.6 cm below the ground (the nominal cheetah: 0.14 rad
//! and 3.5 cm, see [`super::model`]).

use super::env::{body, CheetahFamily, DEFAULT_HORIZON};
use crate::locomotion::{tasks, Family, LocomotionTasks};
use crate::registry::Builtin;

/// The registry entries of the cheetah families.
pub(crate) fn builtins() -> Vec<Builtin> {
    let (velocity, direction) = (
        CheetahFamily::Velocity.family(),
        CheetahFamily::Direction.family(),
    );
    tasks::builtins(
        body(),
        vec![
            (
                "cheetah-vel",
                "half-cheetah running at a random goal velocity (MAML paper)",
                velocity,
                false,
            ),
            (
                "cheetah-dir",
                "half-cheetah running forward or backward (MAML paper)",
                direction,
                false,
            ),
            (
                "cheetah-vel-oracle",
                "half-cheetah running at a random goal velocity (MAML paper), observing the goal velocity",
                velocity,
                true,
            ),
            (
                "cheetah-dir-oracle",
                "half-cheetah running forward or backward (MAML paper), observing the direction",
                direction,
                true,
            ),
            (
                "cheetah-params",
                "half-cheetah (MAML paper) with random mass, inertia, damping and friction (rand-params recipe)",
                Family::Params,
                false,
            ),
            (
                "cheetah-params-oracle",
                "half-cheetah (MAML paper) with random mass, inertia, damping and friction (rand-params recipe), observing the multipliers",
                Family::Params,
                true,
            ),
        ],
    )
}

/// Constructors of the MAML paper's cheetah task distributions: velocity goals v_goal ~ U(0, 2)
/// or directions d uniform in {-1, +1} (one `gen::<bool>()` per task).
pub struct CheetahTasks;

impl CheetahTasks {
    /// The distribution of `family` with episode time limit `horizon` (must be >= 1; `make_env`
    /// panics on 0); `oracle` appends the task parameter to the observation (obs dim 18).
    #[allow(clippy::new_ret_no_self)] // a namespace of constructors for the shared distribution type
    pub fn new(family: CheetahFamily, oracle: bool, horizon: usize) -> LocomotionTasks {
        let name = match (family, oracle) {
            (CheetahFamily::Velocity, false) => "cheetah-vel",
            (CheetahFamily::Velocity, true) => "cheetah-vel-oracle",
            (CheetahFamily::Direction, false) => "cheetah-dir",
            (CheetahFamily::Direction, true) => "cheetah-dir-oracle",
        };
        LocomotionTasks {
            name,
            body: body(),
            family: family.family(),
            oracle,
            horizon,
        }
    }

    /// `cheetah-vel` at the default horizon (200).
    pub fn velocity() -> LocomotionTasks {
        Self::new(CheetahFamily::Velocity, false, DEFAULT_HORIZON)
    }

    /// `cheetah-dir` at the default horizon (200).
    pub fn direction() -> LocomotionTasks {
        Self::new(CheetahFamily::Direction, false, DEFAULT_HORIZON)
    }
}
