//! `nav2d-walls`: nav2d's point agent and goals among three fixed walls, which block the straight
//! paths to some goals; the agent stops at a wall and slides along it.
//!
//! | item | value |
//! |---|---|
//! | action | as nav2d: displacement (dx, dy) clipped to [-0.1, 0.1]^2 per component |
//! | observation | as nav2d: agent position (x, y), in [-0.1·H, 0.1·H]^2 |
//! | oracle observation (`nav2d-walls-oracle`) | (x, y, gx, gy), the goal in [-0.5, 0.5]^2 |
//! | walls | [`WALLS`]: three axis-aligned rectangles 0.05 thick inside the goal square (table below) |
//! | dynamics | the agent's disc (radius [`AGENT_RADIUS`] = 0.01) moves by the displacement unless a wall is in the way; then it stops [`CONTACT_GAP`] (0.001) short of the wall and slides along it with the rest of the displacement's part parallel to the wall (method below) |
//! | reward | as nav2d: minus the L2 distance to the goal after the move |
//! | start state | (0, 0), deterministic (the reset seed is unused) |
//! | termination | as nav2d: \|x - gx\| < 0.01 and \|y - gy\| < 0.01 after the move |
//! | truncation | at step H (default 100) |
//! | task | goal (gx, gy) uniform in the free part of [-0.5, 0.5)^2: nav2d's draws, where a draw closer than [`GOAL_CLEARANCE`] (0.02) to a wall is rejected and drawn again (about 13% of draws; deterministic given the rng) |
//! | metrics | `distance`: L2 distance to the goal after the move |
//! | scenery | no ground, the walls as [`Shape::Rect`], the goal with radius 0.01 |
//!
//! The walls (from the start at the origin, the straight path to a goal behind a wall is blocked):
//!
//! | wall | centre | half extents | x range | y range | hides goals |
//! |---|---|---|---|---|---|
//! | north | (0, 0.2) | (0.25, 0.025) | [-0.25, 0.25] | [0.175, 0.225] | above it |
//! | east | (0.3, -0.15) | (0.025, 0.2) | [0.275, 0.325] | [-0.35, 0.05] | right of it |
//! | south-west | (-0.2, -0.3) | (0.2, 0.025) | [-0.4, 0] | [-0.325, -0.275] | below it |
//!
//! The walls touch neither each other nor enclose anything, so the free space is connected and
//! every goal is reachable (the narrowest passage, between the north and east walls, is 0.127
//! wide); a goal is at least [`GOAL_CLEARANCE`] = agent radius + termination tolerance from
//! every wall, so the agent's disc fits wherever the episode terminates.
//!
//! Method: collide-and-slide with Rapier ray casts of the agent's centre against the walls'
//! configuration-space obstacles. The world holds each wall grown by [`GROWTH`] (the agent's
//! radius plus half the gap) as static colliders, two cuboids and four corner balls whose union
//! is the grown, rounded rectangle. A step casts a ray from the centre along the remaining
//! displacement through the world's query pipeline (`QueryPipeline::cast_ray_and_get_normal`).
//! No hit: the agent moves the rest of the way. A hit: the agent moves to the grown wall less a
//! further half gap along the wall's normal, so it comes to rest [`CONTACT_GAP`] from the wall;
//! the remaining displacement loses its component into the wall (along the wall's outward normal
//! there, computed exactly in f64 from [`WALLS`]) and is cast again, at most [`MAX_CASTS`] casts
//! a step (what is left after them is dropped; a slide takes two). A cast covers the whole move,
//! so nothing tunnels whatever the speed or wall thickness (a 0.1 step is longer than a wall is
//! thick), and every cast starts half a gap clear of the grown walls, so a slide along a face
//! does not catch on it. Rejected alternatives: shape casts of the agent's disc
//! (`QueryPipeline::cast_shape`, parry 0.31's f32 GJK) miss some face and corner hits, with or
//! without a target distance (in a 3M-step stress test, 181 moves ended inside a wall), where
//! ray casts against cuboids and balls are analytic (no miss in 10M steps); Rapier's
//! `KinematicCharacterController` moves by those shape casts and is a platformer controller (up
//! direction, slopes, ground snapping) that would treat x and y walls differently seen from
//! above; contacts of a pipeline step do not push a kinematic body back.
//!
//! Precision: the rays are f32 (origin = the f32 mirror of the position, direction, length, the
//! distance of the hit); the position, the displacement, its split at a hit and the normal are
//! f64, so a move that hits nothing is exactly nav2d's `position + displacement`. The f32
//! rounding of positions (~6e-8) is far below half the gap (5e-4): the agent's centre stays at
//! least radius + half a gap (0.0105) from every wall, less ~1e-7.

use rand::RngCore;
use rapier2d::prelude::{ColliderBuilder, PhysicsWorld, QueryFilter, Ray, Vector};

use super::open::{Open, GOAL_TOLERANCE};
use super::point::{sealed::Sealed, Layout, PointEnv, AGENT_RADIUS};
use super::tasks::PointTasks;
use crate::env::Shape;

/// An axis-aligned rectangular wall.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Wall {
    /// Centre (x, y).
    pub center: [f64; 2],
    /// Half width and half height.
    pub half_extents: [f64; 2],
}

impl Wall {
    /// The point of the rectangle nearest to `point` (`point` itself inside it).
    pub fn nearest_point(&self, point: [f64; 2]) -> [f64; 2] {
        let along = |axis: usize| {
            let (c, h) = (self.center[axis], self.half_extents[axis]);
            point[axis].clamp(c - h, c + h)
        };
        [along(0), along(1)]
    }

    /// Euclidean distance from `point` to the rectangle (0 inside it).
    pub fn distance(&self, point: [f64; 2]) -> f64 {
        let nearest = self.nearest_point(point);
        (point[0] - nearest[0]).hypot(point[1] - nearest[1])
    }

    /// The wall as drawn.
    pub fn shape(&self) -> Shape {
        Shape::Rect {
            center: self.center,
            half_extents: self.half_extents,
            angle: 0.0,
        }
    }
}

/// The walls of `nav2d-walls` (north, east, south-west; see the module table).
pub const WALLS: [Wall; 3] = [
    Wall {
        center: [0.0, 0.2],
        half_extents: [0.25, 0.025],
    },
    Wall {
        center: [0.3, -0.15],
        half_extents: [0.025, 0.2],
    },
    Wall {
        center: [-0.2, -0.3],
        half_extents: [0.2, 0.025],
    },
];

/// Least distance from a goal to every wall: the agent's radius plus the termination tolerance.
pub const GOAL_CLEARANCE: f64 = AGENT_RADIUS as f64 + GOAL_TOLERANCE;

/// Gap the agent's disc keeps to a wall it runs into; it never comes nearer than half of it.
pub const CONTACT_GAP: f32 = 1e-3;

/// How much the walls' colliders are grown for the rays of the agent's centre: the agent's
/// radius plus half the contact gap.
pub const GROWTH: f32 = AGENT_RADIUS + CONTACT_GAP / 2.0;

/// Most ray casts per step (a hit and the slide after it take two).
pub const MAX_CASTS: usize = 4;

/// Whether `goal` is at least [`GOAL_CLEARANCE`] from every wall.
pub fn is_free(goal: [f64; 2]) -> bool {
    WALLS
        .iter()
        .all(|wall| wall.distance(goal) >= GOAL_CLEARANCE)
}

/// The outward normal of the wall nearest to `point` there: the unit vector from the wall's
/// nearest point to `point` (`None` inside a wall).
fn outward_normal(point: [f64; 2]) -> Option<[f64; 2]> {
    let wall = (WALLS.iter()).min_by(|a, b| a.distance(point).total_cmp(&b.distance(point)))?;
    let nearest = wall.nearest_point(point);
    let away = [point[0] - nearest[0], point[1] - nearest[1]];
    let length = away[0].hypot(away[1]);
    (length > 0.0).then(|| away.map(|a| a / length))
}

/// The `nav2d-walls` environment (see the module docs for the full specification).
pub type Nav2dWalls = PointEnv<Walls>;

/// The `nav2d-walls` task distribution: goals uniform in the free part of [-0.5, 0.5)^2.
pub type Nav2dWallsTasks = PointTasks<Walls>;

/// The layout of `nav2d-walls`: nav2d among [`WALLS`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Walls;

impl Sealed for Walls {}

impl Layout for Walls {
    const NAME: &'static str = "nav2d-walls";
    const ORACLE_NAME: &'static str = "nav2d-walls-oracle";
    const EXPECTED_TASK: &'static str =
        "two coordinates GX GY in [-0.5, 0.5], at least 0.02 from every wall";

    /// nav2d's goals, drawn again until one is free ([`is_free`]).
    fn sample_goal(rng: &mut dyn RngCore) -> [f64; 2] {
        loop {
            let goal = Open::sample_goal(rng);
            if is_free(goal) {
                return goal;
            }
        }
    }

    fn accepts_goal(params: &[f64]) -> bool {
        Open::accepts_goal(params) && is_free([params[0], params[1]])
    }

    /// Static colliders for the walls grown by [`GROWTH`] (each as two cuboids and four corner
    /// balls, whose union is the grown wall), registered in the broad phase for the queries.
    fn build(world: &mut PhysicsWorld) {
        for wall in WALLS {
            let [hx, hy] = wall.half_extents.map(|h| h as f32);
            let [cx, cy] = wall.center.map(|c| c as f32);
            let mut grown = vec![
                ColliderBuilder::cuboid(hx + GROWTH, hy).translation(Vector::new(cx, cy)),
                ColliderBuilder::cuboid(hx, hy + GROWTH).translation(Vector::new(cx, cy)),
            ];
            for (sx, sy) in [(-1.0, -1.0), (1.0, -1.0), (-1.0, 1.0), (1.0, 1.0)] {
                let corner = Vector::new(cx + sx * hx, cy + sy * hy);
                grown.push(ColliderBuilder::ball(GROWTH).translation(corner));
            }
            for collider in grown {
                world.insert_collider(collider, None);
            }
        }
        world.detect_collisions(&(), &());
    }

    /// Collide-and-slide (see the module docs).
    fn advance(world: &PhysicsWorld, from: [f64; 2], displacement: [f64; 2]) -> [f64; 2] {
        let queries = world.query_pipeline_with_filter(QueryFilter::only_fixed());
        let half_gap = f64::from(CONTACT_GAP) / 2.0;
        let mut position = from;
        let mut remaining = displacement;
        for _ in 0..MAX_CASTS {
            let length = remaining[0].hypot(remaining[1]);
            if length == 0.0 {
                break;
            }
            let direction = remaining.map(|r| r / length);
            let ray = Ray::new(
                Vector::new(position[0] as f32, position[1] as f32),
                Vector::new(direction[0] as f32, direction[1] as f32),
            );
            let Some((_, hit)) = queries.cast_ray_and_get_normal(&ray, length as f32, true) else {
                return [position[0] + remaining[0], position[1] + remaining[1]];
            };
            let toi = f64::from(hit.time_of_impact).clamp(0.0, length);
            let touching = [
                position[0] + direction[0] * toi,
                position[1] + direction[1] * toi,
            ];
            // The wall's outward normal there, exact in f64 (an f32 normal would make a slide
            // along a face drift sideways).
            let normal = outward_normal(touching)
                .unwrap_or([f64::from(hit.normal.x), f64::from(hit.normal.y)]);
            let approach = -(direction[0] * normal[0] + direction[1] * normal[1]);
            // Stop another half gap short along the normal: the gap from the wall. (A ray that
            // only grazes the grown wall, approach <= 0, cannot occur but by rounding: no move.)
            let travel = if approach > 0.0 {
                (toi - half_gap / approach).max(0.0)
            } else {
                0.0
            };
            position = [
                position[0] + direction[0] * travel,
                position[1] + direction[1] * travel,
            ];
            // The rest loses its part into the wall.
            remaining = remaining.map(|r| r * ((length - travel) / length));
            let into = remaining[0] * normal[0] + remaining[1] * normal[1];
            if into < 0.0 {
                remaining = [
                    remaining[0] - into * normal[0],
                    remaining[1] - into * normal[1],
                ];
            }
        }
        position
    }

    fn walls() -> Vec<Shape> {
        WALLS.iter().map(Wall::shape).collect()
    }
}

#[cfg(test)]
mod tests {
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    use super::*;
    use crate::env::{Env, GoalMarker, Step};
    use crate::nav2d::{Nav2d, Nav2dTasks};
    use crate::space::BoxSpace;
    use crate::task::{Task, TaskDistribution};

    /// Distance from the agent's centre to a wall when it stops there.
    const CONTACT: f64 = AGENT_RADIUS as f64 + CONTACT_GAP as f64;
    /// Least distance from the agent's centre to a wall (the cast disc's radius).
    const NEAREST: f64 = AGENT_RADIUS as f64 + CONTACT_GAP as f64 / 2.0;
    /// Accuracy of the stopping distance (f32 rays).
    const RAY_ACCURACY: f64 = 1e-6;

    fn env_with_goal(goal: [f64; 2]) -> Nav2dWalls {
        let mut env = Nav2dWalls::new(100);
        env.set_task(&Task {
            params: goal.to_vec(),
        });
        env.reset(0);
        env
    }

    fn clearance(p: [f64; 2]) -> f64 {
        WALLS
            .iter()
            .map(|w| w.distance(p))
            .fold(f64::INFINITY, f64::min)
    }

    /// nav2d's action toward `target` (full speed, clipped per axis).
    fn toward(from: [f64; 2], target: [f64; 2]) -> [f64; 2] {
        [target[0] - from[0], target[1] - from[1]]
    }

    #[test]
    fn full_speed_into_a_wall_stops_at_the_contact_gap_from_every_side() {
        // A 0.1 step from contact would clear the 0.05-thick wall and the disc (0.071 < 0.1):
        // only the continuous cast stops it.
        assert!(2.0 * WALLS[0].half_extents[1] + 2.0 * CONTACT < 0.1);
        for wall in WALLS {
            let [cx, cy] = wall.center;
            let [hx, hy] = wall.half_extents;
            // A start 0.05 outside the middle of each face, and the push into the wall.
            let approaches = [
                ([cx - hx - 0.05, cy], [1.0, 0.0]),
                ([cx + hx + 0.05, cy], [-1.0, 0.0]),
                ([cx, cy - hy - 0.05], [0.0, 1.0]),
                ([cx, cy + hy + 0.05], [0.0, -1.0]),
            ];
            for (start, push) in approaches {
                // Maximal actions, and far larger ones (clipped to the same).
                for speed in [0.1, 1e6] {
                    let mut env = env_with_goal([0.45, 0.45]);
                    env.place(start);
                    for t in 0..40 {
                        env.step(&[push[0] * speed, push[1] * speed]);
                        let p = env.position();
                        let side = |q: [f64; 2]| (q[0] - cx) * push[0] + (q[1] - cy) * push[1];
                        assert!(
                            side(p) < 0.0,
                            "{wall:?} {push:?} step {t}: crossed to {p:?}"
                        );
                        assert!(
                            wall.distance(p) > CONTACT - RAY_ACCURACY,
                            "{wall:?} {push:?} step {t}: overlaps at {p:?}"
                        );
                        // No motion across the push.
                        let across = p[0] * push[1].abs() + p[1] * push[0].abs();
                        assert_eq!(across, side_coord(start, push), "{p:?}");
                    }
                    let p = env.position();
                    assert!(
                        (wall.distance(p) - CONTACT).abs() < RAY_ACCURACY,
                        "{wall:?} {push:?}: stopped at {p:?}, {} from the wall",
                        wall.distance(p)
                    );
                }
            }
        }
    }

    /// The coordinate of `start` across the push direction.
    fn side_coord(start: [f64; 2], push: [f64; 2]) -> f64 {
        start[0] * push[1].abs() + start[1] * push[0].abs()
    }

    #[test]
    fn motion_parallel_to_a_wall_continues() {
        // Under the north wall (bottom face y = 0.175), pushing up and right.
        let mut env = env_with_goal([0.45, 0.45]);
        env.place([-0.1, 0.1]);
        env.step(&[0.0, 0.1]);
        let y_contact = 0.175 - CONTACT;
        assert!(
            (env.position()[1] - y_contact).abs() < RAY_ACCURACY,
            "{:?}",
            env.position()
        );
        for _ in 0..3 {
            let before = env.position();
            env.step(&[0.1, 0.1]);
            let p = env.position();
            assert!(
                (p[0] - before[0] - 0.1).abs() < RAY_ACCURACY,
                "{before:?} -> {p:?}"
            );
            assert!(
                (p[1] - y_contact).abs() < RAY_ACCURACY,
                "{before:?} -> {p:?}"
            );
        }
        // A move along the face hits nothing: exactly nav2d's f64 move.
        let before = env.position();
        env.step(&[0.05, 0.0]);
        assert_eq!(env.position(), [before[0] + 0.05, before[1]]);
        // x = 0.25, the wall's end: the rounded corner deflects the disc a little upward; once
        // past it, the upward part of the motion is free again.
        let before = env.position();
        env.step(&[0.1, 0.1]);
        let p = env.position();
        assert!(p[0] > 0.25 + CONTACT, "{before:?} -> {p:?}");
        assert!(
            p[1] > y_contact && p[1] < y_contact + 0.01,
            "{before:?} -> {p:?}"
        );
        env.step(&[0.1, 0.1]);
        assert_eq!(env.position(), [p[0] + 0.1, p[1] + 0.1]);

        // Along the east wall (left face x = 0.275), pushing right and down.
        let mut env = env_with_goal([0.45, 0.45]);
        env.place([0.2, 0.0]);
        let x_contact = 0.275 - CONTACT;
        for t in 0..3 {
            let before = env.position();
            env.step(&[0.1, -0.1]);
            let p = env.position();
            assert!((p[0] - x_contact).abs() < RAY_ACCURACY, "step {t}: {p:?}");
            assert!(
                (p[1] - before[1] + 0.1).abs() < RAY_ACCURACY,
                "step {t}: {before:?} -> {p:?}"
            );
        }
    }

    #[test]
    fn random_and_maximal_actions_never_overlap_a_wall() {
        let dist = Nav2dWallsTasks::default();
        let tasks = dist.sample_tasks(&mut ChaCha8Rng::seed_from_u64(5), 60);
        let mut env = Nav2dWalls::new(100);
        let mut rng = ChaCha8Rng::seed_from_u64(6);
        let mut blocked = 0;
        for (i, task) in tasks.iter().enumerate() {
            env.set_task(task);
            env.reset(i as u64);
            let mut target = [0.0, 0.0];
            for t in 0..100 {
                if t % 10 == 0 {
                    target = [rng.gen_range(-0.6..0.6), rng.gen_range(-0.6..0.6)];
                }
                let before = env.position();
                let a: [f64; 2] = match i % 3 {
                    0 => [rng.gen_range(-0.1..0.1), rng.gen_range(-0.1..0.1)],
                    // Maximal steps in random diagonal directions.
                    1 => [0.1, 0.1].map(|m| if rng.gen::<bool>() { m } else { -m }),
                    // Toward random targets, often across a wall, hitting faces and corners.
                    _ => toward(before, target).map(|d| 10.0 * d + rng.gen_range(-0.05..0.05)),
                };
                env.step(&a);
                let p = env.position();
                assert!(
                    clearance(p) > NEAREST - RAY_ACCURACY,
                    "task {i} step {t}: {before:?} + {a:?} -> {p:?} is {} from a wall",
                    clearance(p)
                );
                let moved = (p[0] - before[0]).hypot(p[1] - before[1]);
                let d = a.map(Walls::displacement);
                if moved < d[0].hypot(d[1]) - 1e-9 {
                    blocked += 1;
                }
            }
        }
        // The walls were hit often (the check above is not vacuous).
        assert!(blocked > 500, "only {blocked} blocked steps");
    }

    #[test]
    fn corner_hits_that_parrys_gjk_shape_casts_miss_are_blocked() {
        // Moves that a parry 0.31 GJK disc cast (with or without a target distance) let through
        // a wall's corner or face; the rays stop them.
        let cases = [
            ([-0.4609915856110892, -0.22499159614830608], [0.1, -0.1]),
            ([0.22175483529200635, -0.4018845245081092], [0.1, 0.1]),
            (
                [-0.13438028843229077, 0.16449299858853644],
                [-0.09731499295151731, 0.059367626050436245],
            ),
        ];
        for (start, action) in cases {
            let mut env = env_with_goal([0.45, 0.45]);
            env.place(start);
            env.step(&action);
            let p = env.position();
            assert!(clearance(p) > NEAREST - RAY_ACCURACY, "{start:?} -> {p:?}");
            assert_ne!(p, [start[0] + action[0], start[1] + action[1]]);
        }
    }

    #[test]
    fn a_goal_behind_a_wall_needs_a_detour() {
        let goal = [0.0, 0.35];
        assert!(is_free(goal));
        // Straight toward it: stuck under the north wall for the whole episode.
        let mut env = env_with_goal(goal);
        for t in 1..=100 {
            let step = env.step(&toward(env.position(), goal));
            assert!(!step.terminated, "step {t}");
        }
        assert_eq!(env.position()[0], 0.0);
        assert!((env.position()[1] - (0.175 - CONTACT)).abs() < RAY_ACCURACY);
        // Around the west end of the wall: reached, terminates.
        let mut env = env_with_goal(goal);
        let mut steps = 0;
        'route: for waypoint in [[-0.3, 0.0], [-0.3, 0.35], goal] {
            loop {
                let step = env.step(&toward(env.position(), waypoint));
                steps += 1;
                if step.terminated {
                    break 'route;
                }
                if env.position() == waypoint {
                    break;
                }
            }
        }
        assert!(env.step(&[0.0, 0.0]).terminated);
        assert_eq!(steps, 10, "3 steps left, 4 up, 3 right");
    }

    #[test]
    fn free_moves_are_exactly_nav2ds() {
        // Small moves near the start touch no wall: same observations and rewards as nav2d.
        let goal = [0.3, -0.4];
        let mut walls = env_with_goal(goal);
        let mut open = Nav2d::new(100);
        open.set_task(&Task {
            params: goal.to_vec(),
        });
        open.reset(0);
        let mut rng = ChaCha8Rng::seed_from_u64(2);
        for _ in 0..100 {
            let a = [rng.gen_range(-0.1..0.1), rng.gen_range(-0.1..0.1)];
            // Keep within 0.1 of the origin, far from every wall.
            let a = [
                a[0] - walls.position()[0] * 0.5,
                a[1] - walls.position()[1] * 0.5,
            ];
            let (w, o) = (walls.step(&a), open.step(&a));
            assert_eq!(
                (w.obs, w.reward, w.terminated),
                (o.obs, o.reward, o.terminated)
            );
            assert_eq!(w.metrics, o.metrics);
        }
    }

    #[test]
    fn episodes_are_deterministic_with_wall_contacts() {
        let run = |env: &mut Nav2dWalls| -> Vec<Step> {
            env.set_task(&Task {
                params: vec![0.0, 0.4],
            });
            env.reset(3);
            let mut rng = ChaCha8Rng::seed_from_u64(8);
            (0..100)
                .map(|_| env.step(&[rng.gen_range(-0.1..0.1), rng.gen_range(0.0..0.1)]))
                .collect()
        };
        let key = |steps: Vec<Step>| -> Vec<(Vec<f64>, f64, bool)> {
            steps
                .into_iter()
                .map(|s| (s.obs, s.reward, s.terminated))
                .collect()
        };
        let mut env = Nav2dWalls::new(100);
        let first = key(run(&mut env));
        env.set_task(&Task {
            params: vec![-0.45, -0.45],
        });
        env.reset(9);
        for _ in 0..50 {
            env.step(&[-0.1, -0.07]);
        }
        assert_eq!(key(run(&mut env)), first, "after another episode");
        assert_eq!(key(run(&mut Nav2dWalls::new(100))), first, "on a fresh env");
        // The episode did press against the north wall.
        assert!(first
            .iter()
            .any(|(obs, ..)| (obs[1] - (0.175 - CONTACT)).abs() < RAY_ACCURACY));
    }

    #[test]
    fn goals_are_nav2ds_draws_clear_of_the_walls() {
        let n = 20_000;
        let goals = Nav2dWallsTasks::default().sample_tasks(&mut ChaCha8Rng::seed_from_u64(11), n);
        assert_eq!(goals.len(), n);
        for t in &goals {
            let g = [t.params[0], t.params[1]];
            assert!(g.iter().all(|c| (-0.5..0.5).contains(c)), "{g:?}");
            assert!(
                clearance(g) >= GOAL_CLEARANCE,
                "{g:?} is {} from a wall",
                clearance(g)
            );
        }
        // The same rng stream as nav2d, the goals near a wall left out.
        let open = Nav2dTasks::default().sample_tasks(&mut ChaCha8Rng::seed_from_u64(11), 2 * n);
        let kept: Vec<Task> = (open.iter())
            .filter(|t| is_free([t.params[0], t.params[1]]))
            .take(n)
            .cloned()
            .collect();
        assert_eq!(goals, kept);
        let drawn = open.iter().position(|t| *t == kept[n - 1]).unwrap() + 1;
        let rejected = 1.0 - n as f64 / drawn as f64;
        assert!((0.11..0.145).contains(&rejected), "rejected {rejected}");
        // Behind every wall lie goals whose straight path from the start it blocks.
        for wall in WALLS {
            let hidden = (goals.iter())
                .filter(|t| {
                    (1..100).any(|k| {
                        let s = f64::from(k) / 100.0;
                        wall.distance([t.params[0] * s, t.params[1] * s]) < f64::from(AGENT_RADIUS)
                    })
                })
                .count();
            assert!(hidden > n / 50, "{wall:?}: {hidden} hidden goals");
        }
    }

    #[test]
    fn check_task_accepts_free_goals_in_the_square_only() {
        for dist in [Nav2dWallsTasks::new(100), Nav2dWallsTasks::oracle(100)] {
            for ok in [[0.0, 0.0], [0.5, -0.5], [0.0, 0.35], [0.0, 0.175 - 0.02]] {
                assert_eq!(
                    dist.check_task(&ok),
                    Ok(Task {
                        params: ok.to_vec()
                    })
                );
            }
            for bad in [
                vec![0.0, 0.2],
                vec![0.0, 0.175 - 0.019],
                vec![0.3, -0.1],
                vec![0.6, 0.0],
                vec![f64::NAN, 0.0],
                vec![0.1],
                vec![0.1, 0.1, 0.1],
            ] {
                assert_eq!(
                    dist.check_task(&bad),
                    Err(format!(
                        "invalid task {bad:?} for {}: expected two coordinates GX GY in [-0.5, 0.5], at least 0.02 from every wall",
                        dist.name()
                    ))
                );
            }
        }
    }

    #[test]
    fn oracle_observes_the_goal_and_draws_the_same_goals() {
        let mut env = Nav2dWalls::oracle(100);
        env.set_task(&Task {
            params: vec![0.0, 0.35],
        });
        assert_eq!(env.reset(0), vec![0.0, 0.0, 0.0, 0.35]);
        for _ in 0..3 {
            env.step(&[0.0, 0.1]);
        }
        // Blocked by the north wall, the goal still observed.
        let obs = env.step(&[0.0, 0.1]).obs;
        assert_eq!(obs[..2], env.position());
        assert_eq!(obs[2..], [0.0, 0.35]);
        assert!(env.observation_space().contains(&obs));
        assert_eq!(
            *env.observation_space(),
            BoxSpace::new(vec![-10.0, -10.0, -0.5, -0.5], vec![10.0, 10.0, 0.5, 0.5])
        );
        let plain = Nav2dWallsTasks::new(100).sample_tasks(&mut ChaCha8Rng::seed_from_u64(4), 9);
        let oracle =
            Nav2dWallsTasks::oracle(100).sample_tasks(&mut ChaCha8Rng::seed_from_u64(4), 9);
        assert_eq!(plain, oracle);
        assert_eq!(Nav2dWallsTasks::oracle(100).obs_dim(), 4);
        assert_eq!(Nav2dWallsTasks::oracle(100).name(), "nav2d-walls-oracle");
        assert_eq!(Nav2dWallsTasks::new(100).name(), "nav2d-walls");
    }

    #[test]
    fn scenery_has_the_walls_and_the_goal_and_the_body_mirrors_the_position() {
        let mut env = env_with_goal([0.0, 0.35]);
        let scenery = env.scenery();
        assert_eq!(scenery.ground, None);
        assert_eq!(
            scenery.walls,
            vec![
                Shape::Rect {
                    center: [0.0, 0.2],
                    half_extents: [0.25, 0.025],
                    angle: 0.0
                },
                Shape::Rect {
                    center: [0.3, -0.15],
                    half_extents: [0.025, 0.2],
                    angle: 0.0
                },
                Shape::Rect {
                    center: [-0.2, -0.3],
                    half_extents: [0.2, 0.025],
                    angle: 0.0
                },
            ]
        );
        assert_eq!(
            scenery.goal,
            Some(GoalMarker {
                position: [0.0, 0.35],
                radius: 0.01
            })
        );
        for _ in 0..3 {
            env.step(&[0.0, 0.1]);
            let p = env.position();
            assert_eq!(env.body_translation(), [p[0] as f32, p[1] as f32]);
            let frame = env.render().unwrap();
            assert_eq!(
                frame.bodies,
                vec![Shape::Disc {
                    center: p,
                    radius: f64::from(AGENT_RADIUS)
                }]
            );
        }
    }
}
