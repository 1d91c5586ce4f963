//! The task distributions of the nav2d families ([`PointTasks`], generic over the [`Layout`]) and
//! their registry entries.

use std::marker::PhantomData;

use super::corners::Nav2dCornersTasks;
use super::open::{Nav2dTasks, DEFAULT_HORIZON};
use super::point::{Layout, PointEnv};
use super::walls::Nav2dWallsTasks;
use crate::env::Env;
use crate::registry::Builtin;
use crate::task::{Task, TaskDistribution};

/// The registry entries of the nav2d families, each followed by its oracle variant.
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
        Builtin::new(
            "nav2d-walls",
            "2D navigation to a random goal among fixed walls",
            DEFAULT_HORIZON,
            Nav2dWallsTasks::new,
        ),
        Builtin::new(
            "nav2d-walls-oracle",
            "2D navigation to a random goal among fixed walls, observing the goal",
            DEFAULT_HORIZON,
            Nav2dWallsTasks::oracle,
        ),
        Builtin::new(
            "nav2d-corners",
            "2D navigation to one of four corners, sparse reward (ProMP paper)",
            DEFAULT_HORIZON,
            Nav2dCornersTasks::new,
        ),
        Builtin::new(
            "nav2d-corners-oracle",
            "2D navigation to one of four corners, sparse reward (ProMP paper), observing the goal",
            DEFAULT_HORIZON,
            Nav2dCornersTasks::oracle,
        ),
    ]
}

/// The task distribution of a nav2d family: a task is a goal `params = [gx, gy]` drawn by the
/// layout `L`; the environments are [`PointEnv<L>`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PointTasks<L: Layout> {
    /// Episode time limit H of the environments it makes (>= 1).
    pub horizon: usize,
    /// Whether the environments append the goal to the observation (the `-oracle` variant, obs
    /// dim 4).
    pub oracle: bool,
    layout: PhantomData<L>,
}

impl<L: Layout> Default for PointTasks<L> {
    /// Horizon [`DEFAULT_HORIZON`] (100), as in the papers.
    fn default() -> Self {
        Self::new(DEFAULT_HORIZON)
    }
}

impl<L: Layout> PointTasks<L> {
    /// The distribution with episode time limit `horizon` (must be >= 1; `make_env` panics on 0).
    pub fn new(horizon: usize) -> Self {
        Self {
            horizon,
            oracle: false,
            layout: PhantomData,
        }
    }

    /// The oracle variant (`NAME-oracle`): the same goals, observed (x, y, gx, gy).
    pub fn oracle(horizon: usize) -> Self {
        Self {
            horizon,
            oracle: true,
            layout: PhantomData,
        }
    }
}

impl<L: Layout> TaskDistribution for PointTasks<L> {
    fn name(&self) -> &'static str {
        if self.oracle {
            L::ORACLE_NAME
        } else {
            L::NAME
        }
    }

    /// Goals [`Layout::sample_goal`], one after the other (the same for the oracle variant).
    fn sample_tasks(&self, rng: &mut dyn rand::RngCore, n: usize) -> Vec<Task> {
        (0..n)
            .map(|_| Task {
                params: L::sample_goal(rng).to_vec(),
            })
            .collect()
    }

    fn make_env(&self) -> Box<dyn Env> {
        Box::new(PointEnv::<L>::with_observation(self.horizon, self.oracle))
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

    /// Accepts exactly the goals [gx, gy] of [`Layout::accepts_goal`].
    fn check_task(&self, params: &[f64]) -> Result<Task, String> {
        if L::accepts_goal(params) {
            Ok(Task {
                params: params.to_vec(),
            })
        } else {
            Err(format!(
                "invalid task {params:?} for {}: expected {}",
                self.name(),
                L::EXPECTED_TASK
            ))
        }
    }
}
