//! The planar half-cheetah running task families of the MAML paper (Finn et al. 2017, §5.3; rllab's
//! `half_cheetah_env_rand` and `half_cheetah_env_rand_direc`), on the MuJoCo `half_cheetah.xml`
//! robot rebuilt in Rapier (see [`super::model`] for the physics and conventions).
//!
//! | item | value |
//! |---|---|
//! | action | 6 hinge torques in [-1, 1]^6 (bthigh, bshin, bfoot, fthigh, fshin, ffoot), times the gears (120, 90, 60, 120, 60, 30) N·m; each component is clipped to [-1, 1] (infinities clip to the bounds, NaN is a caller error) |
//! | observation (17) | Gymnasium HalfCheetah-v5 layout: torso height y (absolute, not measured from 0.7), torso pitch, 6 hinge angles, torso vx, vy, pitch rate, 6 hinge velocities; angles and rates in MuJoCo's sign convention, angles wrapped to [-π, π]; velocities of the torso origin |
//! | oracle observation (18) | the 17 values plus the task parameter (goal velocity or direction) |
//! | reward, velocity task | `reward_run + reward_ctrl`, `reward_run = -\|v_x - v_goal\|` |
//! | reward, direction task | `reward_run + reward_ctrl`, `reward_run = d · v_x` |
//! | control cost | `reward_ctrl = -0.05 · \|clip(a)\|²` ([`CTRL_COST_WEIGHT`]) |
//! | v_x | torso x displacement over the env step / 0.05 s (5 physics steps of 0.01 s, [`FRAME_SKIP`]) |
//! | start state | torso origin at (0, 0.7), all angles 0, at rest; plus uniform ±0.1 on the height, pitch and hinge angles and 0.1·N(0, 1) on all 9 velocities ([`RESET_NOISE_SCALE`]), drawn from ChaCha8Rng seeded with the reset seed (8 uniforms in observation order, then 9 normals) |
//! | termination | none (`terminated` is always false) |
//! | truncation | at step H (default [`DEFAULT_HORIZON`] = 200) |
//! | metrics | `reward_run`, `reward_ctrl`, `x_velocity`; diagnostics `penetration` (m, deepest capsule point below the ground) and `joint_limit_violation` (rad, largest hinge angle beyond its range) |
//!
//! The env is a [`Locomotion`] on the cheetah [`body`] (a [`PlanarWorld`](crate::planar::PlanarWorld)
//! of [`super::model::robot`]). Observation box: height [-1, 20] m, angles [-π, π] (wrapped),
//! velocities ±[`VELOCITY_CLIP`] (the clip is never reached: Rapier caps each body's angular speed
//! at π/4 per physics step, 78.5 rad/s, a hinge rate is a difference of two capped rates, and the
//! torso's linear speed is far below); the oracle's extra component lies in the family's task
//! range. The height bound is an energy argument with margin: 20 m takes 2.6 kJ of potential
//! energy, while one push-off through every hinge's full range at full torque does at most 0.76 kJ
//! of work. Largest values in the 1e5-step random-action test: height 1.17 m, |vx|, |vy| 3.8 m/s,
//! pitch rate 9.3 rad/s, hinge rates 32 rad/s.

use std::sync::OnceLock;

use super::model::robot;
use crate::locomotion::{Body, Family, Locomotion, ResetNoise};

/// Physics steps per env step (0.05 s per env step).
pub const FRAME_SKIP: usize = 5;
/// Weight of the squared action norm in `reward_ctrl`.
pub const CTRL_COST_WEIGHT: f64 = 0.05;
/// Scale of the reset noise: uniform ±0.1 on positions, 0.1·N(0, 1) on velocities.
pub const RESET_NOISE_SCALE: f64 = 0.1;
/// Default episode time limit H (MAML paper).
pub const DEFAULT_HORIZON: usize = 200;
/// Goal velocities of the velocity family are drawn from U(0, MAX_GOAL_VELOCITY).
pub const MAX_GOAL_VELOCITY: f64 = 2.0;
/// Bound of the observed velocities (m/s and rad/s; never reached, see the module docs).
pub const VELOCITY_CLIP: f64 = 200.0;
/// Dimension of the base observation (without the oracle's task parameter).
pub const OBS_DIM: usize = 17;

/// The cheetah's env settings (module table): frame skip 5, `reward_ctrl = -0.05 · |a|²`, no
/// healthy reward, no termination, the MAML cheetah's reset noise, horizon 200.
pub fn body() -> &'static Body {
    static BODY: OnceLock<Body> = OnceLock::new();
    BODY.get_or_init(|| Body {
        robot: robot(),
        frame_skip: FRAME_SKIP,
        ctrl_cost_weight: CTRL_COST_WEIGHT,
        healthy_reward: 0.0,
        health: None,
        velocity_clip: VELOCITY_CLIP,
        reset_noise: ResetNoise::UniformPositionsNormalVelocities(RESET_NOISE_SCALE),
        horizon: DEFAULT_HORIZON,
    })
}

/// A cheetah task family of the MAML paper: what the task parameter means for the reward.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CheetahFamily {
    /// Run at the goal velocity `v_goal` (task params `[v_goal]`, v_goal in [0, 2]).
    Velocity,
    /// Run forward (d = +1) or backward (d = -1) (task params `[d]`).
    Direction,
}

impl CheetahFamily {
    /// The planar-runner family: [`Family::Velocity`] up to [`MAX_GOAL_VELOCITY`], or
    /// [`Family::Direction`].
    pub fn family(self) -> Family {
        match self {
            CheetahFamily::Velocity => Family::Velocity {
                max: MAX_GOAL_VELOCITY,
            },
            CheetahFamily::Direction => Family::Direction,
        }
    }

    /// A cheetah env of this family with episode time limit `horizon`; `oracle` appends the task
    /// parameter to the observation. Until `set_task` the task is v_goal = 0 or d = +1.
    ///
    /// # Panics
    /// If `horizon` is 0.
    pub fn env(self, oracle: bool, horizon: usize) -> Locomotion {
        Locomotion::new(body(), self.family(), oracle, horizon)
    }
}
