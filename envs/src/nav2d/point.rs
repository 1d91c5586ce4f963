//! The point agent shared by the nav2d families: [`PointEnv`], generic over the family's
//! [`Layout`] (what a family changes: action scale, goals, start, walls and reward).
//!
//! State and precision: the position is an f64 pair, the env's own state and the truth for
//! observations and rewards. The agent is also a kinematic position-based ball of radius
//! [`AGENT_RADIUS`] in a Rapier world whose translation mirrors the position as f32 after every
//! step and reset (`set_translation`: no pipeline step runs, since a step would compute nothing
//! observable and cost 1.6-1.8 us per env step, measured, most of the env's time). Families with
//! walls add static colliders to that world and ask its query pipeline, in f32, where a move is
//! blocked ([`Layout::advance`]; see [`super::walls`]). The position is then clamped to the
//! observation box, which only acts past the horizon or on a last-ulp rounding of a
//! maximal-speed run.

use std::marker::PhantomData;

use rand::RngCore;
use rapier2d::prelude::{ColliderBuilder, PhysicsWorld, RigidBodyBuilder, RigidBodyHandle, Vector};

use super::open;
use crate::env::{Env, GoalMarker, Region, RenderFrame, Scenery, Shape, Step};
use crate::space::BoxSpace;
use crate::task::Task;

/// Radius of the agent's disc, its Rapier collider (a point agent; only walls touch it).
pub const AGENT_RADIUS: f32 = 0.01;

pub(crate) mod sealed {
    /// Only the built-in layouts implement [`super::Layout`].
    pub trait Sealed {}
}

/// What one point-navigation family specifies; implemented by [`super::Open`] (`nav2d`),
/// [`super::Walls`] (`nav2d-walls`) and [`super::Corners`] (`nav2d-corners`) only (sealed).
/// What a family does not specify is nav2d's.
pub trait Layout: sealed::Sealed + Send + Sync + 'static {
    /// Registry name of the family.
    const NAME: &'static str;
    /// Registry name of its oracle variant.
    const ORACLE_NAME: &'static str;
    /// What `check_task` expects, for its error message (`expected {EXPECTED_TASK}`).
    const EXPECTED_TASK: &'static str;
    /// Actions are clipped to [-ACTION_BOUND, ACTION_BOUND]^2 (the action space).
    const ACTION_BOUND: f64 = open::MAX_STEP;
    /// Largest displacement per step along each axis: that of an action at the bound.
    const MAX_STEP: f64 = open::MAX_STEP;
    /// Start positions lie in [-START_RANGE, START_RANGE]^2 (0: the origin, always).
    const START_RANGE: f64 = 0.0;
    /// Goals lie in [-GOAL_BOUND, GOAL_BOUND]^2 (the bounds of an oracle observation's goal).
    const GOAL_BOUND: f64 = open::GOAL_RANGE;
    /// Radius of the goal marker in [`Env::scenery`].
    const GOAL_RADIUS: f64 = open::GOAL_TOLERANCE;
    /// Half extent of the square arena of [`Env::scenery`]: the goals' square by default.
    const ARENA_HALF_EXTENT: f64 = Self::GOAL_BOUND;

    /// The displacement along one axis for the action component `a`: the action, clipped to the
    /// bound.
    #[inline]
    fn displacement(a: f64) -> f64 {
        a.clamp(-Self::ACTION_BOUND, Self::ACTION_BOUND)
    }

    /// One goal (gx, gy) drawn from `rng` (deterministic given the rng state).
    fn sample_goal(rng: &mut dyn RngCore) -> [f64; 2];

    /// Whether `params` is a goal [gx, gy] of the family (for tasks given by a person).
    fn accepts_goal(params: &[f64]) -> bool;

    /// The start position of an episode reset with `seed`; the origin by default.
    #[inline]
    fn start(_seed: u64) -> [f64; 2] {
        [0.0, 0.0]
    }

    /// Adds the family's static colliders to the agent's world (none by default).
    fn build(_world: &mut PhysicsWorld) {}

    /// Where the agent ends up when it moves by `displacement` from `from`; by default nothing is
    /// in the way: `from + displacement`, computed in f64.
    #[inline]
    fn advance(_world: &PhysicsWorld, from: [f64; 2], displacement: [f64; 2]) -> [f64; 2] {
        [from[0] + displacement[0], from[1] + displacement[1]]
    }

    /// Reward, termination and goal distance of the move from `previous` to `position`:
    /// nav2d's minus the distance to the goal, terminal within the tolerance.
    #[inline]
    fn outcome(_previous: [f64; 2], position: [f64; 2], goal: [f64; 2]) -> Outcome {
        open::dense_outcome(position, goal)
    }

    /// The static obstacles, as drawn by [`Env::scenery`] (none by default).
    fn walls() -> Vec<Shape> {
        Vec::new()
    }
}

/// What a move earns ([`Layout::outcome`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Outcome {
    /// Reward of the transition.
    pub reward: f64,
    /// Whether the move reached a terminal state (the goal).
    pub terminated: bool,
    /// L2 distance to the goal after the move (the `distance` metric).
    pub distance: f64,
}

/// A point agent of layout `L` (see the family modules for the full specifications).
///
/// Until [`Env::set_task`] is called the goal is the origin; `step` before the first `reset`
/// starts from the origin at step 0.
pub struct PointEnv<L: Layout> {
    // Settings.
    horizon: usize,
    oracle: bool,
    observation_space: BoxSpace,
    action_space: BoxSpace,
    /// Half-width of the observation box: START_RANGE + MAX_STEP · H.
    reach: f64,
    // Task: `next_goal` is set by `set_task` and becomes `goal` at reset.
    next_goal: [f64; 2],
    goal: [f64; 2],
    // Episode state (the truth for observations and rewards).
    position: [f64; 2],
    elapsed_steps: usize,
    // Rapier world: the agent's mirror body and the layout's static colliders.
    world: PhysicsWorld,
    agent: RigidBodyHandle,
    layout: PhantomData<L>,
}

impl<L: Layout> PointEnv<L> {
    /// An env of the family with episode time limit `horizon`, goal at the origin, agent at the
    /// origin at step 0.
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

    pub(crate) fn with_observation(horizon: usize, oracle: bool) -> Self {
        assert!(horizon >= 1, "{}: the horizon must be >= 1", L::NAME);
        let reach = L::START_RANGE + L::MAX_STEP * horizon as f64;
        let observation_space = if oracle {
            let goal = L::GOAL_BOUND;
            BoxSpace::new(
                vec![-reach, -reach, -goal, -goal],
                vec![reach, reach, goal, goal],
            )
        } else {
            BoxSpace::uniform(2, -reach, reach)
        };
        let mut world = PhysicsWorld::new();
        world.gravity = Vector::ZERO;
        // One time unit per env step, were the pipeline ever stepped.
        world.integration_parameters.dt = 1.0;
        let (agent, _) = world.insert(
            RigidBodyBuilder::kinematic_position_based(),
            ColliderBuilder::ball(AGENT_RADIUS),
        );
        L::build(&mut world);
        Self {
            horizon,
            oracle,
            observation_space,
            action_space: BoxSpace::uniform(2, -L::ACTION_BOUND, L::ACTION_BOUND),
            reach,
            next_goal: [0.0, 0.0],
            goal: [0.0, 0.0],
            position: [0.0, 0.0],
            elapsed_steps: 0,
            world,
            agent,
            layout: PhantomData,
        }
    }

    /// Current agent position (x, y) (the f64 state; equals the last observation's first two
    /// values).
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

    /// Puts the agent at `position` mid-episode (tests only: to start next to a wall).
    #[cfg(test)]
    pub(crate) fn place(&mut self, position: [f64; 2]) {
        self.position = position;
        self.sync_body();
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

    /// Moves the Rapier body to the current f64 position (rounded to f32).
    fn sync_body(&mut self) {
        let target = Vector::new(self.position[0] as f32, self.position[1] as f32);
        self.world.bodies[self.agent].set_translation(target, false);
    }
}

impl<L: Layout> Env for PointEnv<L> {
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
            "{}: a task is the goal [gx, gy], got {} params",
            L::NAME,
            task.params.len()
        );
        self.next_goal = [task.params[0], task.params[1]];
    }

    /// Puts the agent at the layout's start for `seed` (the origin, except on `nav2d-corners`)
    /// with the last set goal.
    fn reset(&mut self, seed: u64) -> Vec<f64> {
        self.goal = self.next_goal;
        self.position = L::start(seed);
        self.elapsed_steps = 0;
        self.sync_body();
        self.observation()
    }

    /// Moves by the displacement of `action` (clipped to the action space; see the family's
    /// table), stopped and deflected by walls if the layout has any.
    ///
    /// # Panics
    /// If `action` does not have 2 values; in debug builds also if one is NaN.
    fn step(&mut self, action: &[f64]) -> Step {
        assert_eq!(
            action.len(),
            2,
            "{}: an action has 2 values, got {}",
            L::NAME,
            action.len()
        );
        debug_assert!(
            !action.iter().any(|a| a.is_nan()),
            "{}: NaN action {action:?}",
            L::NAME
        );
        let previous = self.position;
        let displacement = [L::displacement(action[0]), L::displacement(action[1])];
        let moved = L::advance(&self.world, previous, displacement);
        self.position = moved.map(|p| p.clamp(-self.reach, self.reach));
        self.sync_body();
        self.elapsed_steps += 1;

        let outcome = L::outcome(previous, self.position, self.goal);
        Step {
            obs: self.observation(),
            reward: outcome.reward,
            terminated: outcome.terminated,
            truncated: self.elapsed_steps >= self.horizon,
            metrics: vec![("distance", outcome.distance)],
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

    /// Seen from above (no ground), the layout's walls, the episode's goal with the layout's
    /// marker radius, the layout's square arena.
    fn scenery(&self) -> Scenery {
        Scenery {
            ground: None,
            walls: L::walls(),
            goal: Some(GoalMarker {
                position: self.goal,
                radius: L::GOAL_RADIUS,
            }),
            arena: Some(Region::square(L::ARENA_HALF_EXTENT)),
        }
    }
}
