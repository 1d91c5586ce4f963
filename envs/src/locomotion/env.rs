//! A planar runner as an environment (Gymnasium `Hopper-v5` / `Walker2d-v5` semantics on a
//! [`PlanarWorld`]), set to a task of one [`Family`].
//!
//! | item | value |
//! |---|---|
//! | action | one torque per hinge in [-1, 1], times the gear; each component is clipped to [-1, 1] (infinities clip to the bounds, NaN is a caller error) |
//! | observation | `qpos[1..]` (torso height, pitch, hinge angles; MuJoCo signs, angles wrapped to [-π, π]) then `qvel` clipped to ±[`Body::velocity_clip`] (root velocity, pitch rate, hinge rates) |
//! | oracle observation | the same plus the task parameters |
//! | reward | `reward_run + reward_healthy + reward_ctrl`; `reward_run` by the [`Family`] from `v_x`; `reward_healthy` = [`Body::healthy_reward`] while healthy (0 on the terminating step); `reward_ctrl = -w · \|clip(a)\|²` |
//! | v_x | rootx displacement over the env step / ([`Body::frame_skip`] physics steps) |
//! | start state | [`PlanarState::initial`] plus the body's [`ResetNoise`] drawn from ChaCha8Rng seeded with the reset seed; hinge angles are then clamped into their ranges (Gymnasium does not clamp: MuJoCo's soft limits push a hinge that starts 5e-3 rad beyond its range back gently, Rapier's hard limits would kick it back within one physics step) |
//! | termination | when the state after the step is unhealthy ([`Health`](super::Health)) |
//! | truncation | at step H |
//! | metrics | `reward_run`, `reward_ctrl`, `x_velocity`; diagnostics `penetration` (m) and `joint_limit_violation` (rad); `reward_healthy` for bodies with a health rule |
//!
//! Observation box: height [[`MIN_HEIGHT`], [`MAX_HEIGHT`]] (with the same energy argument as the
//! cheetah's: the soaks stay below 3 m), angles [-π, π], velocities ±[`Body::velocity_clip`]; the
//! oracle's extra components lie in the family's task bounds. The task of an episode (and so its
//! dynamics) is fixed at reset; the world is rebuilt there.

use rand::distributions::{Distribution, Uniform};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::StandardNormal;

use super::body::{Body, ResetNoise};
use super::family::Family;
use crate::env::{Env, RenderFrame, Scenery, Shape, Step};
use crate::planar::{PlanarState, PlanarWorld};
use crate::space::BoxSpace;
use crate::task::Task;

/// Lower bound of the torso height observation (m).
pub const MIN_HEIGHT: f64 = -1.0;
/// Upper bound of the torso height observation (m).
pub const MAX_HEIGHT: f64 = 20.0;

/// The observation box of `body` (plus `extra` task parameters in `bounds` for the oracle).
fn observation_space(body: &Body, extra: usize, bounds: (f64, f64)) -> BoxSpace {
    use std::f64::consts::PI;
    let joints = body.robot.links.len();
    let v = body.velocity_clip;
    let mut low = vec![MIN_HEIGHT];
    let mut high = vec![MAX_HEIGHT];
    low.extend(std::iter::repeat_n(-PI, 1 + joints));
    high.extend(std::iter::repeat_n(PI, 1 + joints));
    low.extend(std::iter::repeat_n(-v, 3 + joints));
    high.extend(std::iter::repeat_n(v, 3 + joints));
    low.extend(std::iter::repeat_n(bounds.0, extra));
    high.extend(std::iter::repeat_n(bounds.1, extra));
    BoxSpace::new(low, high)
}

/// A planar runner set to a task of one family (see the module docs).
pub struct Locomotion {
    body: &'static Body,
    family: Family,
    oracle: bool,
    horizon: usize,
    observation_space: BoxSpace,
    action_space: BoxSpace,
    // Task: `next_task` is set by `set_task` and becomes `task` at reset.
    next_task: Vec<f64>,
    task: Vec<f64>,
    // Episode state.
    world: PlanarWorld,
    elapsed_steps: usize,
    /// Forward velocity of the last step; 0 after a reset.
    x_velocity: f64,
}

impl Locomotion {
    /// The runner `body` with tasks of `family` and time limit `horizon`; `oracle` appends the
    /// task parameters to the observation.
    ///
    /// # Panics
    /// If `horizon` is 0.
    pub fn new(body: &'static Body, family: Family, oracle: bool, horizon: usize) -> Self {
        assert!(horizon >= 1, "Locomotion: the horizon must be >= 1");
        let robot = body.robot;
        let task = family.default_task(robot);
        let extra = if oracle { task.len() } else { 0 };
        Self {
            body,
            family,
            oracle,
            horizon,
            observation_space: observation_space(body, extra, family.param_bounds()),
            action_space: BoxSpace::uniform(robot.links.len(), -1.0, 1.0),
            world: PlanarWorld::new(
                robot,
                &family.dynamics(robot, &task),
                &PlanarState::initial(robot),
            ),
            next_task: task.clone(),
            task,
            elapsed_steps: 0,
            x_velocity: 0.0,
        }
    }

    /// Task parameters of the current episode.
    pub fn task(&self) -> &[f64] {
        &self.task
    }

    /// The physics world of the current episode (for inspection).
    pub fn world(&self) -> &PlanarWorld {
        &self.world
    }

    /// Steps taken since the last reset.
    pub fn elapsed_steps(&self) -> usize {
        self.elapsed_steps
    }

    fn observation(&self, state: &PlanarState) -> Vec<f64> {
        let clip = self.body.velocity_clip;
        let mut obs = Vec::with_capacity(self.observation_space.dim());
        obs.extend_from_slice(&state.qpos[1..]);
        obs.extend(state.qvel.iter().map(|v| v.clamp(-clip, clip)));
        if self.oracle {
            obs.extend_from_slice(&self.task);
        }
        obs
    }
}

impl Env for Locomotion {
    fn observation_space(&self) -> &BoxSpace {
        &self.observation_space
    }

    fn action_space(&self) -> &BoxSpace {
        &self.action_space
    }

    fn horizon(&self) -> usize {
        self.horizon
    }

    /// Sets the task from the next reset on.
    ///
    /// # Panics
    /// If the task is not one of the family's ([`Family::check`]).
    fn set_task(&mut self, task: &Task) {
        if let Err(expected) = self.family.check(self.body.robot, &task.params) {
            panic!(
                "Locomotion: invalid task {:?}: expected {expected}",
                task.params
            );
        }
        self.next_task = task.params.clone();
    }

    /// Rebuilds the world with the task's dynamics in the initial state plus reset noise drawn
    /// from ChaCha8Rng(`seed`).
    fn reset(&mut self, seed: u64) -> Vec<f64> {
        self.task = self.next_task.clone();
        let robot = self.body.robot;
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut state = PlanarState::initial(robot);
        match self.body.reset_noise {
            ResetNoise::Uniform(scale) => {
                let noise = Uniform::new_inclusive(-scale, scale);
                for x in state.qpos.iter_mut().chain(state.qvel.iter_mut()) {
                    *x += noise.sample(&mut rng);
                }
            }
            ResetNoise::UniformPositionsNormalVelocities(scale) => {
                let noise = Uniform::new_inclusive(-scale, scale);
                for x in &mut state.qpos[1..] {
                    *x += noise.sample(&mut rng);
                }
                for v in &mut state.qvel {
                    let n: f64 = StandardNormal.sample(&mut rng);
                    *v += scale * n;
                }
            }
        }
        // Hinges that start at a range end (the hopper's and walker's hips and knees at 0) would
        // start beyond it, where Rapier's hard limits kick them back within one physics step
        // (MuJoCo's soft limits push back gently); they start at the end instead.
        for (q, link) in state.qpos[3..].iter_mut().zip(robot.links) {
            *q = q.clamp(link.range[0], link.range[1]);
        }
        self.world = PlanarWorld::new(robot, &self.family.dynamics(robot, &self.task), &state);
        self.elapsed_steps = 0;
        self.x_velocity = 0.0;
        self.observation(&self.world.state())
    }

    /// Applies `gear · clip(action, -1, 1)` for [`Body::frame_skip`] physics steps (module table).
    ///
    /// # Panics
    /// If `action` has the wrong length; in debug builds also if one is NaN.
    fn step(&mut self, action: &[f64]) -> Step {
        let joints = self.body.robot.links.len();
        assert_eq!(
            action.len(),
            joints,
            "Locomotion: an action has {joints} values, got {}",
            action.len()
        );
        debug_assert!(
            !action.iter().any(|a| a.is_nan()),
            "Locomotion: NaN action {action:?}"
        );
        let ctrl: Vec<f64> = action.iter().map(|a| a.clamp(-1.0, 1.0)).collect();
        let x_before = self.world.root_x();
        self.world.set_controls(&ctrl);
        for _ in 0..self.body.frame_skip {
            self.world.step();
        }
        self.elapsed_steps += 1;

        let x_velocity = (self.world.root_x() - x_before) / self.body.dt();
        self.x_velocity = x_velocity;
        let state = self.world.state();
        let healthy = self
            .body
            .health
            .is_none_or(|h| h.is_healthy(&state.qpos, &state.qvel));
        let reward_run = self.family.reward_run(&self.task, x_velocity);
        let reward_healthy = if healthy {
            self.body.healthy_reward
        } else {
            0.0
        };
        let reward_ctrl = -self.body.ctrl_cost_weight * ctrl.iter().map(|c| c * c).sum::<f64>();
        let mut metrics = vec![
            ("reward_run", reward_run),
            ("reward_ctrl", reward_ctrl),
            ("x_velocity", x_velocity),
            ("penetration", self.world.penetration()),
            (
                "joint_limit_violation",
                self.body.robot.joint_limit_violation(&state.qpos[3..]),
            ),
        ];
        if self.body.health.is_some() {
            metrics.push(("reward_healthy", reward_healthy));
        }
        Step {
            obs: self.observation(&state),
            reward: reward_run + reward_healthy + reward_ctrl,
            terminated: !healthy,
            truncated: self.elapsed_steps >= self.horizon,
            metrics,
        }
    }

    /// The root point, the last step's `x_velocity` (0 after a reset) and every capsule.
    fn render(&self) -> Option<RenderFrame> {
        let state = self.world.state();
        Some(RenderFrame {
            position: [state.qpos[0], state.qpos[1]],
            x_velocity: Some(self.x_velocity),
            bodies: self
                .world
                .capsules()
                .iter()
                .map(|c| Shape::Capsule {
                    a: c.a,
                    b: c.b,
                    radius: c.radius,
                })
                .collect(),
        })
    }

    /// The ground plane y = 0; no walls, no goal.
    fn scenery(&self) -> Scenery {
        Scenery {
            ground: Some(0.0),
            ..Scenery::default()
        }
    }
}
