//! `nav2d`: 2D point navigation to a goal, the 2D navigation task family of the MAML paper (Finn
//! et al. 2017, §5.2), as in cbfinn's `point_env_randgoal` and pytorch-maml-rl's `2DNavigation-v0`.
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
//! | scenery | no ground, no walls, the goal with radius [`GOAL_TOLERANCE`] |
//!
//! Dynamics: `position += clip(action)`, computed in f64 from the env's own state, which is the
//! truth for observations and rewards (so returns compare with the paper's). The agent's Rapier
//! body mirrors the position as f32 ([`super::point`]); with nothing else in the world it
//! takes no part in the dynamics.

use rand::distributions::{Distribution, Uniform};
use rand::RngCore;

use super::point::{sealed::Sealed, Layout, Outcome, PointEnv};
use super::tasks::PointTasks;

/// Largest displacement per step along each axis (action bound).
pub const MAX_STEP: f64 = 0.1;
/// Goals are drawn uniformly from [-GOAL_RANGE, GOAL_RANGE)^2.
pub const GOAL_RANGE: f64 = 0.5;
/// The episode terminates when both |x - gx| and |y - gy| are below this.
pub const GOAL_TOLERANCE: f64 = 0.01;
/// Default episode time limit H (MAML paper; also `nav2d-walls` and `nav2d-corners`).
pub const DEFAULT_HORIZON: usize = 100;

/// The 2D navigation environment (see the module docs for the full specification).
pub type Nav2d = PointEnv<Open>;

/// The 2D navigation task distribution: goals uniform in [-0.5, 0.5)^2.
pub type Nav2dTasks = PointTasks<Open>;

/// The layout of `nav2d`: an open plane, goals uniform in [-0.5, 0.5)^2, minus the distance to
/// the goal as reward.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Open;

impl Sealed for Open {}

impl Layout for Open {
    const NAME: &'static str = "nav2d";
    const ORACLE_NAME: &'static str = "nav2d-oracle";
    const EXPECTED_TASK: &'static str = "two coordinates GX GY in [-0.5, 0.5]";

    /// gx drawn before gy, each uniform in [-0.5, 0.5).
    fn sample_goal(rng: &mut dyn RngCore) -> [f64; 2] {
        let coordinate = Uniform::new(-GOAL_RANGE, GOAL_RANGE);
        let gx = coordinate.sample(rng);
        let gy = coordinate.sample(rng);
        [gx, gy]
    }

    /// Exactly two coordinates, each in [-0.5, 0.5] (the closed goal square).
    fn accepts_goal(params: &[f64]) -> bool {
        params.len() == 2
            && params
                .iter()
                .all(|p| (-GOAL_RANGE..=GOAL_RANGE).contains(p))
    }
}

/// nav2d's reward and termination: minus the L2 distance to the goal; terminal within
/// [`GOAL_TOLERANCE`] of it in both coordinates.
#[inline]
pub(crate) fn dense_outcome(position: [f64; 2], goal: [f64; 2]) -> Outcome {
    let dx = position[0] - goal[0];
    let dy = position[1] - goal[1];
    let distance = (dx * dx + dy * dy).sqrt();
    Outcome {
        reward: -distance,
        terminated: dx.abs() < GOAL_TOLERANCE && dy.abs() < GOAL_TOLERANCE,
        distance,
    }
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    use super::*;
    use crate::env::{Env, GoalMarker, RenderFrame, Shape};
    use crate::nav2d::AGENT_RADIUS;
    use crate::space::BoxSpace;
    use crate::task::{Task, TaskDistribution};

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
