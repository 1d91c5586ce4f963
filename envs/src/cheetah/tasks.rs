//! The cheetah task distributions: goal velocity (`cheetah-vel`) and direction (`cheetah-dir`), each
//! with an oracle variant whose observation includes the task parameter.

use rand::distributions::{Distribution, Uniform};
use rand::Rng;

use super::env::{Cheetah, CheetahFamily, DEFAULT_HORIZON, FRAME_SKIP, MAX_GOAL_VELOCITY, OBS_DIM};
use super::model::{NUM_JOINTS, TIMESTEP};
use crate::env::Env;
use crate::registry::Builtin;
use crate::task::{Task, TaskDistribution};

/// The registry entries of the cheetah families.
pub(crate) fn builtins() -> Vec<Builtin> {
    let entry = |name, description, family, oracle| {
        Builtin::new(name, description, DEFAULT_HORIZON, move |horizon| {
            CheetahTasks::new(family, oracle, horizon)
        })
    };
    vec![
        entry(
            "cheetah-vel",
            "half-cheetah running at a random goal velocity (MAML paper)",
            CheetahFamily::Velocity,
            false,
        ),
        entry(
            "cheetah-dir",
            "half-cheetah running forward or backward (MAML paper)",
            CheetahFamily::Direction,
            false,
        ),
        entry(
            "cheetah-vel-oracle",
            "half-cheetah running at a random goal velocity (MAML paper), observing the goal velocity",
            CheetahFamily::Velocity,
            true,
        ),
        entry(
            "cheetah-dir-oracle",
            "half-cheetah running forward or backward (MAML paper), observing the direction",
            CheetahFamily::Direction,
            true,
        ),
    ]
}

/// A cheetah task distribution: velocity goals v_goal ~ U(0, 2) or directions d uniform in {-1, +1}.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheetahTasks {
    /// The task family (what the task parameter means).
    pub family: CheetahFamily,
    /// Whether the environments append the task parameter to the observation (obs dim 18).
    pub oracle: bool,
    /// Episode time limit H of the environments it makes (>= 1).
    pub horizon: usize,
}

impl CheetahTasks {
    /// The distribution of `family` with episode time limit `horizon` (must be >= 1; `make_env`
    /// panics on 0).
    pub fn new(family: CheetahFamily, oracle: bool, horizon: usize) -> Self {
        Self {
            family,
            oracle,
            horizon,
        }
    }

    /// `cheetah-vel` at the default horizon (200).
    pub fn velocity() -> Self {
        Self::new(CheetahFamily::Velocity, false, DEFAULT_HORIZON)
    }

    /// `cheetah-dir` at the default horizon (200).
    pub fn direction() -> Self {
        Self::new(CheetahFamily::Direction, false, DEFAULT_HORIZON)
    }
}

impl TaskDistribution for CheetahTasks {
    fn name(&self) -> &'static str {
        match (self.family, self.oracle) {
            (CheetahFamily::Velocity, false) => "cheetah-vel",
            (CheetahFamily::Velocity, true) => "cheetah-vel-oracle",
            (CheetahFamily::Direction, false) => "cheetah-dir",
            (CheetahFamily::Direction, true) => "cheetah-dir-oracle",
        }
    }

    /// Velocity: `[v_goal]`, v_goal uniform in [0, 2). Direction: `[d]`, d = +1 or -1 with
    /// probability 1/2 each (one `gen::<bool>()` per task).
    fn sample_tasks(&self, rng: &mut dyn rand::RngCore, n: usize) -> Vec<Task> {
        let goal = Uniform::new(0.0, MAX_GOAL_VELOCITY);
        (0..n)
            .map(|_| {
                let param = match self.family {
                    CheetahFamily::Velocity => goal.sample(rng),
                    CheetahFamily::Direction => {
                        if rng.gen::<bool>() {
                            1.0
                        } else {
                            -1.0
                        }
                    }
                };
                Task {
                    params: vec![param],
                }
            })
            .collect()
    }

    fn make_env(&self) -> Box<dyn Env> {
        Box::new(Cheetah::new(self.family, self.oracle, self.horizon))
    }

    fn obs_dim(&self) -> usize {
        OBS_DIM + usize::from(self.oracle)
    }

    fn act_dim(&self) -> usize {
        NUM_JOINTS
    }

    fn horizon(&self) -> usize {
        self.horizon
    }

    /// [`TIMESTEP`] · [`FRAME_SKIP`] = 0.05 s.
    fn dt(&self) -> f64 {
        TIMESTEP * FRAME_SKIP as f64
    }

    /// Accepts exactly one parameter of the family ([`CheetahFamily::is_valid_param`]): a target
    /// velocity in [0, 2], or a direction 1 or -1.
    fn check_task(&self, params: &[f64]) -> Result<Task, String> {
        if params.len() == 1 && self.family.is_valid_param(params[0]) {
            return Ok(Task {
                params: params.to_vec(),
            });
        }
        Err(format!(
            "invalid task {params:?} for {}: expected {}",
            self.name(),
            match self.family {
                CheetahFamily::Velocity => "one target velocity in [0, 2]",
                CheetahFamily::Direction => "one direction, 1 or -1",
            }
        ))
    }
}
