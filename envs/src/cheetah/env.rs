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
//! Observation box: height [[`MIN_HEIGHT`], [`MAX_HEIGHT`]], angles [-π, π] (wrapped),
//! torso velocities ±[`MAX_LINEAR_SPEED`] m/s, pitch rate ±[`MAX_PITCH_RATE`] rad/s, hinge
//! velocities ±[`MAX_JOINT_SPEED`] rad/s; the oracle's extra component lies in the family's task
//! range. Nothing is clamped. Rapier caps each body's speed at 400 m/s and its angular speed at
//! π/4 per physics step (78.5 rad/s), so the velocity bounds hold with margin (a hinge rate is a
//! difference of two capped rates, the torso origin is within 0.16 m of its center of mass). The
//! height bound is an energy argument with margin: 20 m takes 2.6 kJ of potential energy, while one
//! push-off through every hinge's full range at full torque does at most 0.76 kJ of work. Largest
//! values in the 1e5-step random-action test: height 1.17 m, |vx|, |vy| 3.8 m/s, pitch rate
//! 9.3 rad/s, hinge rates 32 rad/s.

use rand::distributions::{Distribution, Uniform};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::StandardNormal;

use super::model::{
    CheetahState, CheetahWorld, JOINTS, NUM_DOFS, NUM_JOINTS, SOLVER_ITERATIONS, TIMESTEP,
};
use super::render::{capsule_segments, CAPSULE_RADIUS};
use crate::env::{Env, RenderFrame, Scenery, Shape, Step};
use crate::space::BoxSpace;
use crate::task::Task;

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
/// Lower bound of the torso height observation (m).
pub const MIN_HEIGHT: f64 = -1.0;
/// Upper bound of the torso height observation (m).
pub const MAX_HEIGHT: f64 = 20.0;
/// Bound on |vx| and |vy| of the torso origin (m/s).
pub const MAX_LINEAR_SPEED: f64 = 500.0;
/// Bound on the torso pitch rate (rad/s).
pub const MAX_PITCH_RATE: f64 = 100.0;
/// Bound on the hinge velocities (rad/s).
pub const MAX_JOINT_SPEED: f64 = 200.0;
/// Dimension of the base observation (without the oracle's task parameter).
pub const OBS_DIM: usize = 17;

/// A cheetah task family: what the task parameter means for the reward.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CheetahFamily {
    /// Run at the goal velocity `v_goal` (task params `[v_goal]`, v_goal in [0, 2]).
    Velocity,
    /// Run forward (d = +1) or backward (d = -1) (task params `[d]`).
    Direction,
}

impl CheetahFamily {
    /// The task parameter used before the first `set_task`: v_goal = 0, or d = +1.
    pub fn default_param(self) -> f64 {
        match self {
            CheetahFamily::Velocity => 0.0,
            CheetahFamily::Direction => 1.0,
        }
    }

    /// Whether `param` is a task of this family (v_goal in [0, 2]; d = ±1).
    pub fn is_valid_param(self, param: f64) -> bool {
        match self {
            CheetahFamily::Velocity => (0.0..=MAX_GOAL_VELOCITY).contains(&param),
            CheetahFamily::Direction => param == 1.0 || param == -1.0,
        }
    }

    /// `reward_run` at forward velocity `x_velocity` for task parameter `param`.
    pub fn reward_run(self, param: f64, x_velocity: f64) -> f64 {
        match self {
            CheetahFamily::Velocity => -(x_velocity - param).abs(),
            CheetahFamily::Direction => param * x_velocity,
        }
    }

    /// Range `[low, high]` of the task parameter (the oracle's extra observation).
    fn param_bounds(self) -> (f64, f64) {
        match self {
            CheetahFamily::Velocity => (0.0, MAX_GOAL_VELOCITY),
            CheetahFamily::Direction => (-1.0, 1.0),
        }
    }
}

/// The observation box of the base (17) or oracle (18) observation.
fn observation_space(family: CheetahFamily, oracle: bool) -> BoxSpace {
    use std::f64::consts::PI;
    let mut low = vec![MIN_HEIGHT];
    let mut high = vec![MAX_HEIGHT];
    // Pitch and hinge angles.
    low.extend([-PI; 1 + NUM_JOINTS]);
    high.extend([PI; 1 + NUM_JOINTS]);
    // vx, vy, pitch rate, hinge rates.
    low.extend([-MAX_LINEAR_SPEED, -MAX_LINEAR_SPEED, -MAX_PITCH_RATE]);
    high.extend([MAX_LINEAR_SPEED, MAX_LINEAR_SPEED, MAX_PITCH_RATE]);
    low.extend([-MAX_JOINT_SPEED; NUM_JOINTS]);
    high.extend([MAX_JOINT_SPEED; NUM_JOINTS]);
    if oracle {
        let (l, h) = family.param_bounds();
        low.push(l);
        high.push(h);
    }
    BoxSpace::new(low, high)
}

/// The half-cheetah environment of one task family (see the module docs for the specification).
///
/// Until [`Env::set_task`] is called the task parameter is [`CheetahFamily::default_param`];
/// `step` before the first `reset` starts from the noise-free initial state.
pub struct Cheetah {
    // Settings.
    family: CheetahFamily,
    oracle: bool,
    horizon: usize,
    observation_space: BoxSpace,
    action_space: BoxSpace,
    // Task: `next_param` is set by `set_task` and becomes `param` at reset.
    next_param: f64,
    param: f64,
    // Episode state.
    world: CheetahWorld,
    elapsed_steps: usize,
    /// Forward velocity of the last step (the `x_velocity` metric); 0 after a reset.
    x_velocity: f64,
}

impl Cheetah {
    /// A cheetah env of `family` with episode time limit `horizon`; `oracle` appends the task
    /// parameter to the observation.
    ///
    /// # Panics
    /// If `horizon` is 0.
    pub fn new(family: CheetahFamily, oracle: bool, horizon: usize) -> Self {
        assert!(horizon >= 1, "Cheetah: the horizon must be >= 1");
        Self {
            family,
            oracle,
            horizon,
            observation_space: observation_space(family, oracle),
            action_space: BoxSpace::uniform(NUM_JOINTS, -1.0, 1.0),
            next_param: family.default_param(),
            param: family.default_param(),
            world: CheetahWorld::new(&CheetahState::initial(), SOLVER_ITERATIONS),
            elapsed_steps: 0,
            x_velocity: 0.0,
        }
    }

    /// Task parameter of the current episode.
    pub fn task_param(&self) -> f64 {
        self.param
    }

    /// Steps taken since the last reset.
    pub fn elapsed_steps(&self) -> usize {
        self.elapsed_steps
    }

    /// The Rapier world of the current episode (for inspection: poses, contacts, energies).
    pub fn world(&self) -> &CheetahWorld {
        &self.world
    }

    fn observation(&self) -> Vec<f64> {
        let state = self.world.state();
        let mut obs = Vec::with_capacity(OBS_DIM + 1);
        obs.extend_from_slice(&state.qpos[1..]);
        obs.extend_from_slice(&state.qvel);
        if self.oracle {
            obs.push(self.param);
        }
        obs
    }
}

impl Env for Cheetah {
    fn observation_space(&self) -> &BoxSpace {
        &self.observation_space
    }

    fn action_space(&self) -> &BoxSpace {
        &self.action_space
    }

    fn horizon(&self) -> usize {
        self.horizon
    }

    /// Sets the task parameter to `task.params[0]` from the next reset on.
    ///
    /// # Panics
    /// If `task.params` does not hold exactly one value, or it is not a task of the family
    /// (v_goal outside [0, 2]; d other than ±1).
    fn set_task(&mut self, task: &Task) {
        assert_eq!(
            task.params.len(),
            1,
            "Cheetah: a task is one parameter, got {} params",
            task.params.len()
        );
        let param = task.params[0];
        assert!(
            self.family.is_valid_param(param),
            "Cheetah: {param} is not a task of the {:?} family",
            self.family
        );
        self.next_param = param;
    }

    /// Rebuilds the world in the initial state plus noise drawn from ChaCha8Rng(`seed`).
    fn reset(&mut self, seed: u64) -> Vec<f64> {
        self.param = self.next_param;
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut state = CheetahState::initial();
        let position_noise = Uniform::new_inclusive(-RESET_NOISE_SCALE, RESET_NOISE_SCALE);
        // Height, pitch, hinge angles (rootx is not observed and gets no noise).
        for q in &mut state.qpos[1..] {
            *q += position_noise.sample(&mut rng);
        }
        for v in &mut state.qvel {
            let n: f64 = StandardNormal.sample(&mut rng);
            *v += RESET_NOISE_SCALE * n;
        }
        debug_assert_eq!(state.qvel.len(), NUM_DOFS);
        self.world = CheetahWorld::new(&state, SOLVER_ITERATIONS);
        self.elapsed_steps = 0;
        self.x_velocity = 0.0;
        self.observation()
    }

    /// Applies `gear · clip(action, -1, 1)` for [`FRAME_SKIP`] physics steps (module table).
    ///
    /// # Panics
    /// If `action` does not have 6 values; in debug builds also if one is NaN.
    fn step(&mut self, action: &[f64]) -> Step {
        assert_eq!(
            action.len(),
            NUM_JOINTS,
            "Cheetah: an action has {NUM_JOINTS} values, got {}",
            action.len()
        );
        debug_assert!(
            !action.iter().any(|a| a.is_nan()),
            "Cheetah: NaN action {action:?}"
        );
        let mut ctrl = [0.0; NUM_JOINTS];
        for (c, a) in ctrl.iter_mut().zip(action) {
            *c = a.clamp(-1.0, 1.0);
        }
        let x_before = self.world.torso_x();
        self.world.set_controls(&ctrl);
        for _ in 0..FRAME_SKIP {
            self.world.step();
        }
        self.elapsed_steps += 1;

        let x_velocity = (self.world.torso_x() - x_before) / (FRAME_SKIP as f64 * TIMESTEP);
        self.x_velocity = x_velocity;
        let reward_run = self.family.reward_run(self.param, x_velocity);
        let reward_ctrl = -CTRL_COST_WEIGHT * ctrl.iter().map(|c| c * c).sum::<f64>();
        let obs = self.observation();
        // Physics diagnostics (for soaks): deepest capsule point below the ground and largest
        // hinge angle beyond its range (MuJoCo convention, obs[2..8]).
        let penetration = self
            .world
            .geom_bottoms()
            .into_iter()
            .fold(0.0f64, |deepest, bottom| deepest.max(-bottom));
        let joint_limit_violation = JOINTS
            .iter()
            .zip(&obs[2..2 + NUM_JOINTS])
            .map(|(spec, &q)| (spec.range[0] - q).max(q - spec.range[1]).max(0.0))
            .fold(0.0, f64::max);
        Step {
            obs,
            reward: reward_run + reward_ctrl,
            terminated: false,
            truncated: self.elapsed_steps >= self.horizon,
            metrics: vec![
                ("reward_run", reward_run),
                ("reward_ctrl", reward_ctrl),
                ("x_velocity", x_velocity),
                ("penetration", penetration),
                ("joint_limit_violation", joint_limit_violation),
            ],
        }
    }

    /// The torso origin (rootx, rootz), the last step's `x_velocity` (0 after a reset) and the
    /// capsule geoms of [`capsule_segments`] with radius [`CAPSULE_RADIUS`].
    fn render(&self) -> Option<RenderFrame> {
        let state = self.world.state();
        Some(RenderFrame {
            position: [state.qpos[0], state.qpos[1]],
            x_velocity: Some(self.x_velocity),
            bodies: capsule_segments(&self.world)
                .iter()
                .map(|s| Shape::Capsule {
                    a: s.a,
                    b: s.b,
                    radius: CAPSULE_RADIUS,
                })
                .collect(),
        })
    }

    /// The ground plane y = 0; no walls, no goal (the task is a velocity or a direction).
    fn scenery(&self) -> Scenery {
        Scenery {
            ground: Some(0.0),
            ..Scenery::default()
        }
    }
}
