//! The planar walker of Gymnasium `Walker2d-v5` (`walker2d_v5.xml`), and its task families
//! `walker-dir` (walk forward or backward, ProMP's `Walker2DRandDirec`) and `walker-params`
//! (dynamics randomization, ProMP/PEARL's `Walker2DRandParams`), each with an oracle variant.
//!
//! | item | value |
//! |---|---|
//! | bodies | torso (capsule r 0.05 from z 1.45 to 1.05); per leg a thigh (r 0.05, 1.05 to 0.6), a leg (r 0.04, 0.6 to 0.1) and a foot (r 0.06, horizontal at z 0.1 from x 0 to 0.2, friction 1.9, both feet as in v5); other capsules friction 0.9; density 1000; the ground's friction 0.7 |
//! | hinges (right leg, then the left leg, a copy) | thigh at (0, 1.05), leg at (0, 0.6), foot at (0, 0.1), axis (0, -1, 0); ranges [-150°, 0°], [-150°, 0°], [-45°, 45°]; armature 0.01, damping 0.1; gear 100 |
//! | root | free in the plane; rootz is the height of the torso centre (1.25 at the start) |
//! | physics | time step 0.002 s, frame skip 4 (0.008 s per env step) |
//! | observation (17) | z, pitch, 6 hinge angles, clip(qvel, ±10) (9) |
//! | reward | `reward_run` + 1 while healthy − 1e-3 · \|a\|² |
//! | healthy | 0.8 < z < 2.0, \|pitch\| < 1 |
//! | start state | uniform ±5e-3 on every `qpos` and `qvel` entry |
//! | horizon | 200 (ProMP / PEARL; Gymnasium's time limit is 1000) |
//!
//! The two legs do not collide with each other (MuJoCo's `contype=1 conaffinity=0` geoms touch
//! only the floor).

use super::body::{Body, Health, ResetNoise};
use super::family::Family;
use super::leg::{leg, LegSettings, TORSO};
use super::tasks;
use crate::planar::{ArmatureModel, Link, Robot};
use crate::registry::Builtin;

/// Both legs' settings (`walker2d_v5.xml`).
const SETTINGS: LegSettings = LegSettings {
    armature: 0.01,
    damping: 0.1,
    gear: 100.0,
    foot_x: [0.0, 0.2],
    foot_friction: 1.9,
};
const RIGHT: [Link; 3] = leg(["thigh", "leg", "foot"], 1, SETTINGS);
const LEFT: [Link; 3] = leg(["thigh_left", "leg_left", "foot_left"], 4, SETTINGS);

/// `walker2d_v5.xml` (see the module table).
pub static WALKER_ROBOT: Robot = Robot {
    root: [0.0, 1.25],
    torso: &[TORSO],
    links: &[RIGHT[0], RIGHT[1], RIGHT[2], LEFT[0], LEFT[1], LEFT[2]],
    axis: -1.0,
    density: 1000.0,
    total_mass: None,
    ground_friction: 0.7,
    timestep: 0.002,
    solver_iterations: 1,
    pgs_iterations: 8,
    armature_model: ArmatureModel::JointMotor,
    root_axis: 1.0,
    prediction_distance: 0.1,
};

/// The walker env settings of Gymnasium `Walker2d-v5` (see the module table).
pub static WALKER: Body = Body {
    robot: &WALKER_ROBOT,
    frame_skip: 4,
    ctrl_cost_weight: 1e-3,
    healthy_reward: 1.0,
    health: Some(Health {
        z: (0.8, 2.0),
        pitch: 1.0,
        state_bound: None,
    }),
    velocity_clip: 10.0,
    reset_noise: ResetNoise::Uniform(5e-3),
    horizon: 200,
};

/// The registry entries of the walker families.
pub(crate) fn builtins() -> Vec<Builtin> {
    tasks::builtins(
        &WALKER,
        vec![
            (
                "walker-dir",
                "Gymnasium Walker2d-v5 walking forward or backward (ProMP)",
                Family::Direction,
                false,
            ),
            (
                "walker-dir-oracle",
                "Gymnasium Walker2d-v5 walking forward or backward (ProMP), observing the direction",
                Family::Direction,
                true,
            ),
            (
                "walker-params",
                "Gymnasium Walker2d-v5 with random mass, inertia, damping and friction (ProMP/PEARL rand-params)",
                Family::Params,
                false,
            ),
            (
                "walker-params-oracle",
                "Gymnasium Walker2d-v5 with random mass, inertia, damping and friction (ProMP/PEARL rand-params), observing the multipliers",
                Family::Params,
                true,
            ),
        ],
    )
}
