//! `nav2d-corners`: ProMP's sparse-reward point task (Rothfuss et al. 2019): the goal is one of
//! four far corners and the reward says only whether the agent is heading home in the goal's
//! quadrant, so a pre-adaptation policy has to explore to tell the tasks apart (where MAML's
//! inner-step credit assignment fails and ProMP's LVC succeeds).
//!
//! Source: ProMP's `MetaPointEnvCorner` (`meta_policy_search/envs/point_envs/point_env_2d_corner.py`,
//! `reward_type='sparse'`, `sparse_reward_radius=0.5`) as its run script
//! `run_scripts/pro-mp_run_point_mass.py` uses it (`normalize(env)`, `max_path_length` 100).
//!
//! | item | value |
//! |---|---|
//! | action | ProMP's normalized action (ax, ay), clipped to [-[`ACTION_BOUND`], [`ACTION_BOUND`]]^2 = [-10, 10]^2; the displacement is [`ACTION_SCALE`]·a = 0.02·a, in [-0.2, 0.2]^2 |
//! | observation | agent position (x, y), in [-(0.2 + 0.2·H), 0.2 + 0.2·H]^2 (the set reachable in H steps) |
//! | oracle observation (`nav2d-corners-oracle`) | (x, y, gx, gy), the goal in [-2, 2]^2 |
//! | reward | sparse: with p the position before and p' after the move, ‖p − g‖ − ‖p' − g‖ (the progress toward the goal g) if p' is rewarded, else 0. p' is rewarded when it is outside the L1 ball ‖p'‖₁ < [`SPARSE_RADIUS`] (0.5) about the start and g is a nearest corner to it, i.e. p' is in g's closed quadrant: x·gx ≥ 0 and y·gy ≥ 0 ([`rewarded`]) |
//! | start state | uniform in [-[`START_RANGE`], [`START_RANGE`])^2 = [-0.2, 0.2)^2, x then y, drawn from a ChaCha8 rng seeded with the reset seed |
//! | termination | none (ProMP's `done` is always false) |
//! | truncation | at step H (default 100, ProMP's `max_path_length`) |
//! | task | goal (gx, gy) one of [`CORNERS`] (-2, -2), (2, -2), (-2, 2), (2, 2), uniformly (`Task::params = [gx, gy]`) |
//! | metrics | `distance`: L2 distance to the goal after the move |
//! | scenery | no ground, no walls, the goal with radius 0 (a point: the rewarded region is a quadrant, not a disc) |
//!
//! Deviations from ProMP:
//! - Action: ProMP's env takes the displacement, clipped to [-0.2, 0.2]^2, and its experiment
//!   wraps the env in `normalize`, which maps the policy's [-10, 10]^2 linearly onto that box
//!   (−0.2 + (a + 10)·0.02, clipped). Here the env takes the policy's action and applies the
//!   composition, 0.02·clip(a, -10, 10) (equal up to rounding), so a Gaussian policy of std 1
//!   explores with steps of about 0.02 as in ProMP rather than saturating at the box.
//! - Start: ProMP draws it from numpy's global rng; here from the reset seed (reproducible).
//! - Observation box: ProMP's is unbounded; here the reachable set, the position clamped to it
//!   (which only acts on a last-ulp rounding within the horizon).
//! - Nearest corner: ProMP compares the computed distances to the four corners for equality;
//!   here the exact equivalent sign test (the same but for roundings on the axes).
//! - ProMP's `sparse_reward_radius` is an L1 radius about the start, not about the goal, so the
//!   goal marker's radius is 0.

use rand::distributions::{Distribution, Uniform};
use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::point::{sealed::Sealed, Layout, Outcome, PointEnv};
use super::tasks::PointTasks;

/// The goals, in ProMP's order.
pub const CORNERS: [[f64; 2]; 4] = [[-2.0, -2.0], [2.0, -2.0], [-2.0, 2.0], [2.0, 2.0]];
/// Actions are clipped to [-ACTION_BOUND, ACTION_BOUND]^2 (ProMP's `normalization_scale`).
pub const ACTION_BOUND: f64 = 10.0;
/// Displacement per unit of action: ProMP's action box half-width 0.2 over [`ACTION_BOUND`].
pub const ACTION_SCALE: f64 = 0.02;
/// Largest displacement per step along each axis (ProMP's action clip, 0.2).
pub const MAX_STEP: f64 = ACTION_BOUND * ACTION_SCALE;
/// Starts are drawn uniformly from [-START_RANGE, START_RANGE)^2.
pub const START_RANGE: f64 = 0.2;
/// No reward within this L1 distance of the origin (ProMP's `sparse_reward_radius`).
pub const SPARSE_RADIUS: f64 = 0.5;

/// Whether a position earns the progress reward toward `goal`: outside the L1 ball of radius
/// [`SPARSE_RADIUS`] about the origin and in the goal's closed quadrant.
pub fn rewarded(position: [f64; 2], goal: [f64; 2]) -> bool {
    position[0].abs() + position[1].abs() >= SPARSE_RADIUS
        && position[0] * goal[0] >= 0.0
        && position[1] * goal[1] >= 0.0
}

/// The `nav2d-corners` environment (see the module docs for the full specification).
pub type Nav2dCorners = PointEnv<Corners>;

/// The `nav2d-corners` task distribution: one of the four [`CORNERS`], uniformly.
pub type Nav2dCornersTasks = PointTasks<Corners>;

/// The layout of `nav2d-corners`: corner goals, random start, sparse progress reward.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Corners;

impl Sealed for Corners {}

fn distance(a: [f64; 2], b: [f64; 2]) -> f64 {
    let dx = a[0] - b[0];
    let dy = a[1] - b[1];
    (dx * dx + dy * dy).sqrt()
}

impl Layout for Corners {
    const NAME: &'static str = "nav2d-corners";
    const ORACLE_NAME: &'static str = "nav2d-corners-oracle";
    const ACTION_BOUND: f64 = ACTION_BOUND;
    const MAX_STEP: f64 = MAX_STEP;
    const START_RANGE: f64 = START_RANGE;
    const GOAL_BOUND: f64 = 2.0;
    const GOAL_RADIUS: f64 = 0.0;
    /// Room around the corners for episodes that overshoot them.
    const ARENA_HALF_EXTENT: f64 = 2.5;
    const EXPECTED_TASK: &'static str = "a corner GX GY with GX and GY in {-2, 2}";

    #[inline]
    fn displacement(a: f64) -> f64 {
        a.clamp(-ACTION_BOUND, ACTION_BOUND) * ACTION_SCALE
    }

    /// A corner index uniform in {0, 1, 2, 3}.
    fn sample_goal(rng: &mut dyn RngCore) -> [f64; 2] {
        CORNERS[Uniform::new(0, CORNERS.len()).sample(rng)]
    }

    fn accepts_goal(params: &[f64]) -> bool {
        CORNERS.iter().any(|corner| params == corner)
    }

    fn start(seed: u64) -> [f64; 2] {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let coordinate = Uniform::new(-START_RANGE, START_RANGE);
        let x = coordinate.sample(&mut rng);
        let y = coordinate.sample(&mut rng);
        [x, y]
    }

    #[inline]
    fn outcome(previous: [f64; 2], position: [f64; 2], goal: [f64; 2]) -> Outcome {
        let after = distance(position, goal);
        let reward = if rewarded(position, goal) {
            distance(previous, goal) - after
        } else {
            0.0
        };
        Outcome {
            reward,
            terminated: false,
            distance: after,
        }
    }
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    use super::*;
    use crate::env::{Env, GoalMarker, Region};
    use crate::space::BoxSpace;
    use crate::task::{Task, TaskDistribution};

    fn env_with_goal(goal: [f64; 2], seed: u64) -> Nav2dCorners {
        let mut env = Nav2dCorners::new(100);
        env.set_task(&Task {
            params: goal.to_vec(),
        });
        env.reset(seed);
        env
    }

    fn norm(v: [f64; 2]) -> f64 {
        (v[0] * v[0] + v[1] * v[1]).sqrt()
    }

    #[test]
    fn reward_is_zero_outside_the_rewarded_region_and_the_progress_inside() {
        let goal = [2.0, -2.0];
        let cases = [
            // (previous, position, rewarded)
            ([0.1, -0.1], [0.2, -0.25], false), // the goal's quadrant, but ‖·‖₁ = 0.45 < 0.5
            ([0.2, -0.2], [0.3, -0.25], true),  // ‖·‖₁ = 0.55
            ([0.3, -0.1], [0.5, 0.0], true),    // on the quadrant's edge y = 0
            ([0.5, 0.1], [0.6, 0.1], false),    // the neighbouring quadrant (2, 2)
            ([-0.5, -0.5], [-0.6, -0.7], false), // the quadrant of (-2, -2)
            ([-1.0, 1.0], [-1.2, 1.0], false),  // the opposite quadrant
            ([1.9, -1.9], [2.0, -2.0], true),   // at the goal
            ([2.0, -2.0], [2.1, -2.2], true),   // past it, moving away: negative
        ];
        for (previous, position, expected) in cases {
            assert_eq!(rewarded(position, goal), expected, "{position:?}");
            let outcome = Corners::outcome(previous, position, goal);
            let distance = norm([position[0] - goal[0], position[1] - goal[1]]);
            let progress = norm([previous[0] - goal[0], previous[1] - goal[1]]) - distance;
            let reward = if expected { progress } else { 0.0 };
            assert_eq!(
                outcome,
                Outcome {
                    reward,
                    terminated: false,
                    distance
                },
                "{previous:?} -> {position:?}"
            );
            assert!(!expected || reward != 0.0);
        }
    }

    #[test]
    fn an_episode_toward_the_goal_earns_the_distance_covered_in_its_quadrant() {
        for (i, goal) in CORNERS.into_iter().enumerate() {
            let mut env = env_with_goal(goal, i as u64);
            let start = env.position();
            let mut ret = 0.0;
            let mut entered = None;
            for t in 1..=100 {
                let p = env.position();
                // Full speed toward the goal, then stay (actions are 50 times the displacement).
                let step = env.step(&[(goal[0] - p[0]) * 50.0, (goal[1] - p[1]) * 50.0]);
                assert!(!step.terminated);
                assert_eq!(step.truncated, t == 100);
                if entered.is_none() && rewarded(env.position(), goal) {
                    entered = Some(p);
                }
                ret += step.reward;
            }
            assert_eq!(env.position(), goal, "start {start:?}");
            // The rewards telescope from the last position before the rewarded region.
            let entered = entered.unwrap();
            let expected = norm([entered[0] - goal[0], entered[1] - goal[1]]);
            assert!(
                (ret - expected).abs() < 1e-12,
                "{goal:?}: {ret} vs {expected}"
            );
            // A wrong corner earns nothing.
            let mut env = env_with_goal(CORNERS[(i + 1) % 4], i as u64);
            let mut wrong = 0.0;
            for _ in 0..100 {
                let p = env.position();
                wrong += env
                    .step(&[(goal[0] - p[0]) * 50.0, (goal[1] - p[1]) * 50.0])
                    .reward;
            }
            assert_eq!(wrong, 0.0);
        }
    }

    #[test]
    fn actions_are_scaled_by_a_fiftieth_and_clipped_at_ten() {
        let mut env = env_with_goal([2.0, 2.0], 0);
        let cases = [
            [5.0, -2.5],
            [10.0, -10.0],
            [30.0, -1e300],
            [f64::INFINITY, f64::NEG_INFINITY],
            [-0.0, 0.001],
        ];
        for a in cases {
            let before = env.position();
            let obs = env.step(&a).obs;
            let expected = [
                before[0] + a[0].clamp(-10.0, 10.0) * 0.02,
                before[1] + a[1].clamp(-10.0, 10.0) * 0.02,
            ];
            assert_eq!(obs, expected.to_vec());
        }
        assert_eq!(*env.action_space(), BoxSpace::uniform(2, -10.0, 10.0));
        assert!((MAX_STEP - 0.2).abs() < 1e-15);
    }

    #[test]
    fn the_start_is_drawn_from_the_reset_seed() {
        let mut env = env_with_goal([-2.0, 2.0], 0);
        let mut starts = Vec::new();
        for seed in 0..200 {
            let obs = env.reset(seed);
            assert!(obs.iter().all(|c| (-0.2..0.2).contains(c)), "{obs:?}");
            assert_eq!(obs, env.position().to_vec());
            assert_eq!(env_with_goal([2.0, 2.0], seed).position().to_vec(), obs);
            starts.push(obs);
        }
        starts.sort_by(|a, b| a[0].total_cmp(&b[0]));
        starts.dedup();
        assert_eq!(starts.len(), 200);
        assert!(starts[0][0] < -0.18 && starts[199][0] > 0.18);
    }

    #[test]
    fn goals_are_the_four_corners_uniformly() {
        let tasks =
            Nav2dCornersTasks::default().sample_tasks(&mut ChaCha8Rng::seed_from_u64(1), 8000);
        let mut counts = [0; 4];
        for t in &tasks {
            let i = CORNERS.iter().position(|c| t.params == c).unwrap();
            counts[i] += 1;
        }
        assert!(
            counts.iter().all(|&c| (1800..2200).contains(&c)),
            "{counts:?}"
        );
        let again =
            Nav2dCornersTasks::oracle(100).sample_tasks(&mut ChaCha8Rng::seed_from_u64(1), 8000);
        assert_eq!(again, tasks, "the oracle variant draws the same goals");
    }

    #[test]
    fn check_task_accepts_the_corners_only() {
        for dist in [Nav2dCornersTasks::new(100), Nav2dCornersTasks::oracle(100)] {
            for corner in CORNERS {
                assert_eq!(
                    dist.check_task(&corner),
                    Ok(Task {
                        params: corner.to_vec()
                    })
                );
            }
            for bad in [
                vec![2.0, 1.9],
                vec![0.0, 0.0],
                vec![2.0],
                vec![2.0, 2.0, 2.0],
                vec![f64::NAN, 2.0],
            ] {
                assert_eq!(
                    dist.check_task(&bad),
                    Err(format!(
                        "invalid task {bad:?} for {}: expected a corner GX GY with GX and GY in {{-2, 2}}",
                        dist.name()
                    ))
                );
            }
        }
    }

    #[test]
    fn oracle_observes_the_goal_and_the_spaces_bound_a_maximal_run() {
        let mut env = Nav2dCorners::oracle(100);
        env.set_task(&Task {
            params: vec![-2.0, 2.0],
        });
        let obs = env.reset(4);
        assert_eq!(obs[2..], [-2.0, 2.0]);
        assert_eq!(Nav2dCornersTasks::oracle(100).obs_dim(), 4);
        assert_eq!(
            Nav2dCornersTasks::oracle(100).name(),
            "nav2d-corners-oracle"
        );
        assert_eq!(Nav2dCornersTasks::new(100).name(), "nav2d-corners");
        for horizon in [1, 2, 100] {
            for seed in 0..20 {
                let mut env = Nav2dCorners::oracle(horizon);
                env.reset(seed);
                let reach = 0.2 + MAX_STEP * horizon as f64;
                assert_eq!(
                    *env.observation_space(),
                    BoxSpace::new(
                        vec![-reach, -reach, -2.0, -2.0],
                        vec![reach, reach, 2.0, 2.0]
                    )
                );
                for _ in 0..horizon {
                    let obs = env.step(&[1e9, -1e9]).obs;
                    assert!(env.observation_space().contains(&obs), "{obs:?}");
                }
            }
        }
    }

    #[test]
    fn scenery_marks_the_point_goal_without_walls() {
        let mut env = env_with_goal([2.0, -2.0], 1);
        let scenery = env.scenery();
        assert_eq!((scenery.ground, scenery.walls.len()), (None, 0));
        assert_eq!(
            scenery.goal,
            Some(GoalMarker {
                position: [2.0, -2.0],
                radius: 0.0
            })
        );
        // The same square arena around all four corners, whichever is the goal.
        assert_eq!(scenery.arena, Some(Region::square(2.5)));
        env.step(&[3.0, 1.0]);
        let p = env.position();
        assert_eq!(env.render().unwrap().position, p);
        assert_eq!(env.body_translation(), [p[0] as f32, p[1] as f32]);
    }
}
