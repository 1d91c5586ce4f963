//! The planar hopper of Gymnasium `Hopper-v5` (`hopper.xml`), and its task families `hopper-vel`
//! (target velocity U(0, 2)) and `hopper-params` (dynamics randomization, ProMP/PEARL's
//! `HopperRandParams`), each with an oracle variant.
//!
//! | item | value |
//! |---|---|
//! | bodies | torso (capsule r 0.05 from z 1.45 to 1.05, friction 0.9), thigh (r 0.05, 1.05 to 0.6, friction 0.9), leg (r 0.04, 0.6 to 0.1, friction 0.9), foot (r 0.06, horizontal at z 0.1 from x -0.13 to 0.26, friction 2.0); density 1000; the ground's friction 1.0 |
//! | hinges | thigh at (0, 1.05), leg at (0, 0.6), foot at (0, 0.1), axis (0, -1, 0); ranges [-150°, 0°], [-150°, 0°], [-45°, 45°]; armature 1, damping 1; gear 200 |
//! | root | free in the plane; rootz is the height of the torso centre (1.25 at the start) |
//! | physics | time step 0.002 s, frame skip 4 (0.008 s per env step) |
//! | observation (11) | z, pitch, 3 hinge angles, clip(qvel, ±10) (6) |
//! | reward | `reward_run` + 1 while healthy − 1e-3 · \|a\|² |
//! | healthy | z > 0.7, \|pitch\| < 0.2, every `qpos[2..]` and `qvel` entry within ±100 |
//! | start state | uniform ±5e-3 on every `qpos` and `qvel` entry |
//! | horizon | 200 (ProMP / PEARL; Gymnasium's time limit is 1000) |

use super::body::{Body, Health, ResetNoise};
use super::family::Family;
use super::leg::{leg, LegSettings, TORSO};
use super::tasks;
use crate::planar::{ArmatureModel, Link, Robot};
use crate::registry::Builtin;

/// The hopper's only leg.
const LEG: [Link; 3] = leg(
    ["thigh", "leg", "foot"],
    1,
    LegSettings {
        armature: 1.0,
        damping: 1.0,
        gear: 200.0,
        foot_x: [-0.13, 0.26],
        foot_friction: 2.0,
    },
);

/// `hopper.xml` (see the module table).
pub static HOPPER_ROBOT: Robot = Robot {
    root: [0.0, 1.25],
    torso: &[TORSO],
    links: &LEG,
    axis: -1.0,
    density: 1000.0,
    total_mass: None,
    ground_friction: 1.0,
    timestep: 0.002,
    solver_iterations: 1,
    pgs_iterations: 8,
    armature_model: ArmatureModel::JointMotor,
    root_axis: 1.0,
    prediction_distance: 0.1,
};

/// The hopper env settings of Gymnasium `Hopper-v5` (see the module table).
pub static HOPPER: Body = Body {
    robot: &HOPPER_ROBOT,
    frame_skip: 4,
    ctrl_cost_weight: 1e-3,
    healthy_reward: 1.0,
    health: Some(Health {
        z: (0.7, f64::INFINITY),
        pitch: 0.2,
        state_bound: Some(100.0),
    }),
    velocity_clip: 10.0,
    reset_noise: ResetNoise::Uniform(5e-3),
    horizon: 200,
};

/// Upper bound of `hopper-vel`'s target velocities (m/s).
pub const MAX_TARGET_VELOCITY: f64 = 2.0;

/// The registry entries of the hopper families.
pub(crate) fn builtins() -> Vec<Builtin> {
    let velocity = Family::Velocity {
        max: MAX_TARGET_VELOCITY,
    };
    tasks::builtins(
        &HOPPER,
        vec![
            (
                "hopper-vel",
                "Gymnasium Hopper-v5 hopping at a random target velocity",
                velocity,
                false,
            ),
            (
                "hopper-vel-oracle",
                "Gymnasium Hopper-v5 hopping at a random target velocity, observing it",
                velocity,
                true,
            ),
            (
                "hopper-params",
                "Gymnasium Hopper-v5 with random mass, inertia, damping and friction (ProMP/PEARL rand-params)",
                Family::Params,
                false,
            ),
            (
                "hopper-params-oracle",
                "Gymnasium Hopper-v5 with random mass, inertia, damping and friction (ProMP/PEARL rand-params), observing the multipliers",
                Family::Params,
                true,
            ),
        ],
    )
}
