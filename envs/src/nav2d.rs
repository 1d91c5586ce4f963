//! 2D point navigation to a goal: the 2D navigation task family of the MAML paper (Finn et al.
//! 2017, §5.2), as in cbfinn's `point_env_randgoal` and pytorch-maml-rl's `2DNavigation-v0`.
//!
//! | item | value |
//! |---|---|
//! | action | velocity displacement (dx, dy), clipped to [-[`MAX_STEP`], [`MAX_STEP`]]^2 = [-0.1, 0.1]^2 per component; infinities clip to the bounds, NaN is a caller error |
//! | observation | agent position (x, y), in [-0.1·H, 0.1·H]^2 (the set reachable in H steps) |
//! | oracle observation (`nav2d-oracle`) | (x, y, gx, gy): the position plus the episode's goal, in [-0.5, 0.5]^2 |
//! | reward | minus the plain L2 distance to the goal after the move (the paper text says squared; both public codes use plain) |
//! | start state | (0, 0), deterministic (the reset seed is unused: nothing is random) |
//! | termination | \|x - gx\| < [`GOAL_TOLERANCE`] and \|y - gy\| < [`GOAL_TOLERANCE`] (0.01) after the move |
//! | truncation | at step H (default [`DEFAULT_HORIZON`] = 100) |
//! | task | goal (gx, gy) uniform in [-0.5, 0.5)^2 (`Task::params = [gx, gy]`) |
//! | metrics | `distance`: L2 distance to the goal after the move |
//!
//! Dynamics: `position += clip(action)`, computed in f64 from the env's own state, which is the
//! truth for observations and rewards (so returns compare with the paper's). The agent is also a
//! kinematic position-based ball in a Rapier world that mirrors the position (as f32) each step;
//! later task families with walls use Rapier's contacts. With nothing else in the world a pipeline
//! step computes nothing observable, so the body is moved directly (`set_translation`, ~10 ns)
//! and the pipeline is stepped only when the world holds other colliders; a full step cost
//! 1.6-1.8 us per env step (measured), most of the env's time. The position is clamped to the observation
//! box, which only acts past the horizon or on a last-ulp rounding of a maximal-speed run.

use rand::distributions::{Distribution, Uniform};
use rapier2d::prelude::{ColliderBuilder, PhysicsWorld, RigidBodyBuilder, RigidBodyHandle, Vector};

use crate::env::{Env, GoalMarker, RenderFrame, Scenery, Shape, Step};
use crate::registry::Builtin;
use crate::space::BoxSpace;
use crate::task::{Task, TaskDistribution};

/// Largest displacement per step along each axis (action bound).
pub const MAX_STEP: f64 = 0.1;
/// Goals are drawn uniformly from [-GOAL_RANGE, GOAL_RANGE)^2.
pub const GOAL_RANGE: f64 = 0.5;
/// The episode terminates when both |x - gx| and |y - gy| are below this.
pub const GOAL_TOLERANCE: f64 = 0.01;
/// Default episode time limit H (MAML paper).
pub const DEFAULT_HORIZON: usize = 100;
/// Radius of the agent's Rapier collider (a point agent; only walls in later families touch it).
pub const AGENT_RADIUS: f32 = 0.01;

/// The registry entries of the nav2d families.
pub(crate) fn builtins() -> Vec<Builtin> {
    vec![
        Builtin::new(
            "nav2d",
            "2D navigation to a random goal (MAML paper)",
            DEFAULT_HORIZON,
            Nav2dTasks::new,
        ),
        Builtin::new(
            "nav2d-oracle",
            "2D navigation to a random goal (MAML paper), observing the goal",
            DEFAULT_HORIZON,
            Nav2dTasks::oracle,
        ),
    ]
}

/// The 2D navigation task distribution: goals uniform in [-0.5, 0.5)^2.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Nav2dTasks {
    /// Episode time limit H of the environments it makes (>= 1).
    pub horizon: usize,
    /// Whether the environments append the goal to the observation (`nav2d-oracle`, obs dim 4).
    pub oracle: bool,
}

impl Default for Nav2dTasks {
    /// Horizon [`DEFAULT_HORIZON`] (100), as in the paper.
    fn default() -> Self {
        Self::new(DEFAULT_HORIZON)
    }
}

impl Nav2dTasks {
    /// The distribution with episode time limit `horizon` (must be >= 1; `make_env` panics on 0).
    pub fn new(horizon: usize) -> Self {
        Self {
            horizon,
            oracle: false,
        }
    }

    /// The oracle variant `nav2d-oracle`: the same goals, observed (x, y, gx, gy).
    pub fn oracle(horizon: usize) -> Self {
        Self {
            horizon,
            oracle: true,
        }
    }
}

impl TaskDistribution for Nav2dTasks {
    fn name(&self) -> &'static str {
        if self.oracle {
            "nav2d-oracle"
        } else {
            "nav2d"
        }
    }

    /// Goals (gx, gy), gx drawn before gy, each uniform in [-0.5, 0.5).
    fn sample_tasks(&self, rng: &mut dyn rand::RngCore, n: usize) -> Vec<Task> {
        let coordinate = Uniform::new(-GOAL_RANGE, GOAL_RANGE);
        (0..n)
            .map(|_| {
                let gx = coordinate.sample(rng);
                let gy = coordinate.sample(rng);
                Task {
                    params: vec![gx, gy],
                }
            })
            .collect()
    }

    fn make_env(&self) -> Box<dyn Env> {
        if self.oracle {
            Box::new(Nav2d::oracle(self.horizon))
        } else {
            Box::new(Nav2d::new(self.horizon))
        }
    }

    fn obs_dim(&self) -> usize {
        if self.oracle {
            4
        } else {
            2
        }
    }

    fn act_dim(&self) -> usize {
        2
    }

    fn horizon(&self) -> usize {
        self.horizon
    }

    /// Accepts exactly two coordinates `[gx, gy]`, each in [-0.5, 0.5] (the closed goal square).
    fn check_task(&self, params: &[f64]) -> Result<Task, String> {
        if params.len() == 2
            && params
                .iter()
                .all(|p| (-GOAL_RANGE..=GOAL_RANGE).contains(p))
        {
            Ok(Task {
                params: params.to_vec(),
            })
        } else {
            Err(format!(
                "invalid task {params:?} for {}: expected two coordinates GX GY in [-0.5, 0.5]",
                self.name()
            ))
        }
    }
}

/// The 2D navigation environment (see the module docs for the full specification).
///
/// Until [`Env::set_task`] is called the goal is the origin; `step` before the first `reset`
/// starts from the reset state (origin, step 0).
pub struct Nav2d {
    // Settings.
    horizon: usize,
    oracle: bool,
    observation_space: BoxSpace,
    action_space: BoxSpace,
    /// Half-width of the observation box: MAX_STEP · H.
    reach: f64,
    // Task: `next_goal` is set by `set_task` and becomes `goal` at reset.
    next_goal: [f64; 2],
    goal: [f64; 2],
    // Episode state (the truth for observations and rewards).
    position: [f64; 2],
    elapsed_steps: usize,
    // Rapier mirror of the agent.
    world: PhysicsWorld,
    agent: RigidBodyHandle,
}

impl Nav2d {
    /// A nav2d env with episode time limit `horizon`, goal at the origin, in its reset state.
    ///
    /// # Panics
    /// If `horizon` is 0.
    pub fn new(horizon: usize) -> Self {
        Self::with_observation(horizon, false)
    }

    /// The oracle variant: observations (x, y, gx, gy) append the episode's goal.
    ///
    /// # Panics
    /// If `horizon` is 0.
    pub fn oracle(horizon: usize) -> Self {
        Self::with_observation(horizon, true)
    }

    fn with_observation(horizon: usize, oracle: bool) -> Self {
        assert!(horizon >= 1, "Nav2d: the horizon must be >= 1");
        let reach = MAX_STEP * horizon as f64;
        let observation_space = if oracle {
            BoxSpace::new(
                vec![-reach, -reach, -GOAL_RANGE, -GOAL_RANGE],
                vec![reach, reach, GOAL_RANGE, GOAL_RANGE],
            )
        } else {
            BoxSpace::uniform(2, -reach, reach)
        };
        let mut world = PhysicsWorld::new();
        world.gravity = Vector::ZERO;
        // One physics step per env step, one time unit long: the body's velocity equals the action.
        world.integration_parameters.dt = 1.0;
        let (agent, _) = world.insert(
            RigidBodyBuilder::kinematic_position_based(),
            ColliderBuilder::ball(AGENT_RADIUS),
        );
        Self {
            horizon,
            oracle,
            observation_space,
            action_space: BoxSpace::uniform(2, -MAX_STEP, MAX_STEP),
            reach,
            next_goal: [0.0, 0.0],
            goal: [0.0, 0.0],
            position: [0.0, 0.0],
            elapsed_steps: 0,
            world,
            agent,
        }
    }

    /// Current agent position (x, y) (the f64 state; equals the last observation).
    pub fn position(&self) -> [f64; 2] {
        self.position
    }

    /// Goal (gx, gy) of the current episode.
    pub fn goal(&self) -> [f64; 2] {
        self.goal
    }

    /// Steps taken since the last reset.
    pub fn elapsed_steps(&self) -> usize {
        self.elapsed_steps
    }

    /// Translation of the agent's Rapier body (the f32 mirror of [`Self::position`]).
    pub fn body_translation(&self) -> [f32; 2] {
        let t = self.world.bodies[self.agent].translation();
        [t.x, t.y]
    }

    fn observation(&self) -> Vec<f64> {
        if self.oracle {
            vec![
                self.position[0],
                self.position[1],
                self.goal[0],
                self.goal[1],
            ]
        } else {
            self.position.to_vec()
        }
    }

    /// Moves the Rapier body to the current f64 position: directly while the agent is alone in
    /// the world, else as a kinematic target followed by one pipeline step (contacts).
    fn sync_body(&mut self) {
        let target = Vector::new(self.position[0] as f32, self.position[1] as f32);
        if self.world.colliders.len() <= 1 {
            self.world.bodies[self.agent].set_translation(target, false);
        } else {
            self.world.bodies[self.agent].set_next_kinematic_translation(target);
            self.world.step();
        }
    }
}

impl Env for Nav2d {
    fn observation_space(&self) -> &BoxSpace {
        &self.observation_space
    }

    fn action_space(&self) -> &BoxSpace {
        &self.action_space
    }

    fn horizon(&self) -> usize {
        self.horizon
    }

    /// Sets the goal to `task.params = [gx, gy]` from the next reset on.
    ///
    /// # Panics
    /// If `task.params` does not have exactly 2 values.
    fn set_task(&mut self, task: &Task) {
        assert_eq!(
            task.params.len(),
            2,
            "Nav2d: a task is the goal [gx, gy], got {} params",
            task.params.len()
        );
        self.next_goal = [task.params[0], task.params[1]];
    }

    /// Puts the agent at the origin with the last set goal; `seed` is unused (nothing is random).
    fn reset(&mut self, _seed: u64) -> Vec<f64> {
        self.goal = self.next_goal;
        self.position = [0.0, 0.0];
        self.elapsed_steps = 0;
        self.world.bodies[self.agent].set_translation(Vector::ZERO, true);
        self.observation()
    }

    /// Moves by `action` clipped to [-0.1, 0.1]^2 (see the module table).
    ///
    /// # Panics
    /// If `action` does not have 2 values; in debug builds also if one is NaN.
    fn step(&mut self, action: &[f64]) -> Step {
        assert_eq!(
            action.len(),
            2,
            "Nav2d: an action has 2 values, got {}",
            action.len()
        );
        debug_assert!(
            !action.iter().any(|a| a.is_nan()),
            "Nav2d: NaN action {action:?}"
        );
        for (p, a) in self.position.iter_mut().zip(action) {
            *p = (*p + a.clamp(-MAX_STEP, MAX_STEP)).clamp(-self.reach, self.reach);
        }
        self.sync_body();
        self.elapsed_steps += 1;

        let dx = self.position[0] - self.goal[0];
        let dy = self.position[1] - self.goal[1];
        let distance = (dx * dx + dy * dy).sqrt();
        Step {
            obs: self.observation(),
            reward: -distance,
            terminated: dx.abs() < GOAL_TOLERANCE && dy.abs() < GOAL_TOLERANCE,
            truncated: self.elapsed_steps >= self.horizon,
            metrics: vec![("distance", distance)],
        }
    }

    /// The agent position (the f64 state) and its disc of radius [`AGENT_RADIUS`]; no velocity.
    fn render(&self) -> Option<RenderFrame> {
        Some(RenderFrame {
            position: self.position,
            x_velocity: None,
            bodies: vec![Shape::Disc {
                center: self.position,
                radius: f64::from(AGENT_RADIUS),
            }],
        })
    }

    /// Seen from above (no ground), no walls, the episode's goal with radius
    /// [`GOAL_TOLERANCE`].
    fn scenery(&self) -> Scenery {
        Scenery {
            ground: None,
            walls: Vec::new(),
            goal: Some(GoalMarker {
                position: self.goal,
                radius: GOAL_TOLERANCE,
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    use super::*;

    fn env_with_goal(goal: [f64; 2], horizon: usize) -> Nav2d {
        let mut env = Nav2d::new(horizon);
        env.set_task(&Task {
            params: goal.to_vec(),
        });
        env.reset(0);
        env
    }

    #[test]
    fn step_moves_position_by_exactly_the_clipped_action() {
        let mut env = env_with_goal([0.4, -0.3], 100);
        let actions = [
            [0.05, -0.02],
            [0.3, -7.0],
            [-0.1, 0.1],
            [f64::INFINITY, -1e300],
            [-0.0, 0.099],
        ];
        for a in actions {
            let before = env.position();
            let step = env.step(&a);
            let expected = [
                before[0] + a[0].clamp(-0.1, 0.1),
                before[1] + a[1].clamp(-0.1, 0.1),
            ];
            assert_eq!(step.obs, expected.to_vec());
            assert_eq!(env.position(), expected);
        }
    }

    #[test]
    fn rapier_body_mirrors_the_position_as_f32() {
        let mut env = env_with_goal([0.2, 0.2], 100);
        for a in [[0.1, 0.03], [-0.07, 0.1], [0.1, 0.1]] {
            env.step(&a);
            let p = env.position();
            assert_eq!(env.body_translation(), [p[0] as f32, p[1] as f32]);
        }
        env.reset(1);
        assert_eq!(env.body_translation(), [0.0, 0.0]);
    }

    #[test]
    fn reward_is_minus_distance_to_goal_after_the_move() {
        let goal = [0.35, -0.45];
        let mut env = env_with_goal(goal, 100);
        for a in [[0.1, -0.1], [0.02, -0.07], [-0.1, 0.05]] {
            let step = env.step(&a);
            let p = env.position();
            let distance = ((p[0] - goal[0]).powi(2) + (p[1] - goal[1]).powi(2)).sqrt();
            assert_eq!(step.reward, -distance);
            assert_eq!(step.metrics, vec![("distance", distance)]);
        }
    }

    #[test]
    fn straight_line_policy_terminates_at_the_goal_without_truncation() {
        let goal = [0.37, -0.22];
        let mut env = env_with_goal(goal, 100);
        let mut steps = 0;
        loop {
            let p = env.position();
            let step = env.step(&[goal[0] - p[0], goal[1] - p[1]]);
            steps += 1;
            let p = env.position();
            let near = (p[0] - goal[0]).abs() < 0.01 && (p[1] - goal[1]).abs() < 0.01;
            assert_eq!(step.terminated, near, "step {steps}");
            assert!(!step.truncated);
            if step.terminated {
                break;
            }
        }
        // x: 0.1, 0.2, 0.3, 0.37; y reaches -0.22 on step 3, x only on step 4.
        assert_eq!(steps, 4);
    }

    #[test]
    fn termination_needs_both_coordinates_strictly_within_tolerance() {
        let mut env = env_with_goal([0.3, 0.3], 100);
        env.step(&[0.1, 0.1]);
        env.step(&[0.1, 0.1]);
        assert!(!env.step(&[0.07, 0.1]).terminated); // dx = 0.03
        assert!(env.step(&[0.025, 0.0]).terminated); // dx = 0.005, dy = 0
    }

    #[test]
    fn sampled_goals_lie_in_the_half_unit_square() {
        let tasks = Nav2dTasks::default().sample_tasks(&mut ChaCha8Rng::seed_from_u64(3), 10_000);
        assert_eq!(tasks.len(), 10_000);
        for t in &tasks {
            assert_eq!(t.params.len(), 2);
            assert!(t.params.iter().all(|g| (-0.5..0.5).contains(g)), "{t:?}");
        }
        // Spread over the whole square, not a corner of it.
        let min = tasks
            .iter()
            .map(|t| t.params[0])
            .fold(f64::INFINITY, f64::min);
        let max = tasks
            .iter()
            .map(|t| t.params[1])
            .fold(f64::NEG_INFINITY, f64::max);
        assert!(min < -0.49 && max > 0.49);
    }

    #[test]
    fn zero_action_episode_returns_minus_horizon_times_goal_norm() {
        let goal = [0.3, -0.4];
        let mut env = env_with_goal(goal, DEFAULT_HORIZON);
        let mut ret = 0.0;
        for t in 1..=100 {
            let step = env.step(&[0.0, 0.0]);
            ret += step.reward;
            assert!(!step.terminated);
            assert_eq!(step.truncated, t == 100);
        }
        assert!((ret - (-100.0 * 0.5)).abs() < 1e-12, "{ret}");
    }

    #[test]
    fn set_task_takes_effect_at_the_next_reset() {
        let mut env = env_with_goal([0.1, 0.1], 100);
        env.set_task(&Task {
            params: vec![-0.2, 0.3],
        });
        assert_eq!(env.goal(), [0.1, 0.1]);
        assert_eq!(
            env.step(&[0.0, 0.0]).reward,
            -(0.1f64 * 0.1 + 0.1 * 0.1).sqrt()
        );
        env.reset(5);
        assert_eq!(env.goal(), [-0.2, 0.3]);
    }

    #[test]
    fn reset_returns_the_origin_and_restarts_the_step_count() {
        let mut env = env_with_goal([0.1, 0.1], 3);
        for _ in 0..3 {
            env.step(&[0.1, -0.1]);
        }
        assert_eq!(env.reset(9), vec![0.0, 0.0]);
        assert_eq!(env.elapsed_steps(), 0);
        assert!(!env.step(&[0.0, 0.0]).truncated);
    }

    #[test]
    fn oracle_observes_position_and_goal_and_draws_the_same_goals() {
        let mut env = Nav2d::oracle(100);
        env.set_task(&Task {
            params: vec![0.25, -0.5],
        });
        assert_eq!(env.reset(0), vec![0.0, 0.0, 0.25, -0.5]);
        let step = env.step(&[0.1, -0.05]);
        assert_eq!(step.obs, vec![0.1, -0.05, 0.25, -0.5]);
        assert!(env.observation_space().contains(&step.obs));
        assert_eq!(env.observation_space().dim(), 4);
        let plain = Nav2dTasks::new(100).sample_tasks(&mut ChaCha8Rng::seed_from_u64(9), 5);
        let oracle = Nav2dTasks::oracle(100).sample_tasks(&mut ChaCha8Rng::seed_from_u64(9), 5);
        assert_eq!(plain, oracle, "held-out tasks match across the variants");
        assert_eq!(Nav2dTasks::oracle(100).obs_dim(), 4);
        assert_eq!(Nav2dTasks::oracle(100).name(), "nav2d-oracle");
    }

    #[test]
    fn render_draws_the_agent_disc_and_the_scenery_the_goal() {
        let mut env = env_with_goal([0.3, -0.2], 100);
        let frame = |env: &Nav2d| env.render().unwrap();
        assert_eq!(
            frame(&env),
            RenderFrame {
                position: [0.0, 0.0],
                x_velocity: None,
                bodies: vec![Shape::Disc {
                    center: [0.0, 0.0],
                    radius: f64::from(AGENT_RADIUS),
                }],
            }
        );
        let scenery = env.scenery();
        assert_eq!(scenery.ground, None);
        assert!(scenery.walls.is_empty());
        assert_eq!(
            scenery.goal,
            Some(GoalMarker {
                position: [0.3, -0.2],
                radius: GOAL_TOLERANCE
            })
        );
        let step = env.step(&[0.07, -0.1]);
        assert_eq!(frame(&env).position.to_vec(), step.obs);
        let mut oracle = Nav2d::oracle(100);
        oracle.reset(0);
        let step = oracle.step(&[-0.05, 0.02]);
        assert_eq!(frame(&oracle).position.to_vec(), step.obs[..2]);
    }

    #[test]
    fn check_task_accepts_goals_in_the_closed_square_only() {
        for dist in [Nav2dTasks::new(100), Nav2dTasks::oracle(100)] {
            for ok in [[0.0, 0.0], [0.5, -0.5], [-0.25, 0.49]] {
                assert_eq!(
                    dist.check_task(&ok),
                    Ok(Task {
                        params: ok.to_vec()
                    })
                );
            }
            for bad in [
                vec![0.6, 0.0],
                vec![0.0, -0.51],
                vec![f64::NAN, 0.0],
                vec![0.1],
                vec![0.1, 0.1, 0.1],
                vec![],
            ] {
                assert_eq!(
                    dist.check_task(&bad),
                    Err(format!(
                        "invalid task {bad:?} for {}: expected two coordinates GX GY in [-0.5, 0.5]",
                        dist.name()
                    ))
                );
            }
            assert_eq!(dist.dt(), 1.0);
        }
    }

    #[test]
    fn maximal_speed_run_stays_in_the_observation_space() {
        for horizon in [1, 3, 7, 100, 1000] {
            let mut env = env_with_goal([0.5, 0.5], horizon);
            let space = env.observation_space().clone();
            assert_eq!(
                space,
                BoxSpace::uniform(2, -0.1 * horizon as f64, 0.1 * horizon as f64)
            );
            for _ in 0..horizon {
                let step = env.step(&[1.0, -1.0]);
                assert!(space.contains(&step.obs), "H {horizon}: {:?}", step.obs);
            }
        }
    }
}
