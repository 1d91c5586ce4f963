//! The task distribution of a planar runner and one family.

use super::body::Body;
use super::env::Locomotion;
use super::family::Family;
use crate::env::Env;
use crate::registry::Builtin;
use crate::task::{Task, TaskDistribution};

/// Tasks of `family` for the runner `body`, and environments set to them.
#[derive(Clone, Debug, PartialEq)]
pub struct LocomotionTasks {
    /// Registry name, e.g. `hopper-params` (a label for messages).
    pub name: &'static str,
    /// The runner.
    pub body: &'static Body,
    /// What a task is.
    pub family: Family,
    /// Whether the environments append the task parameters to the observation.
    pub oracle: bool,
    /// Episode time limit H of the environments it makes (>= 1).
    pub horizon: usize,
}

impl TaskDistribution for LocomotionTasks {
    fn name(&self) -> &'static str {
        self.name
    }

    /// `n` draws of [`Family::sample`], one task after the other.
    fn sample_tasks(&self, rng: &mut dyn rand::RngCore, n: usize) -> Vec<Task> {
        (0..n)
            .map(|_| Task {
                params: self.family.sample(self.body.robot, rng),
            })
            .collect()
    }

    fn make_env(&self) -> Box<dyn Env> {
        Box::new(Locomotion::new(
            self.body,
            self.family,
            self.oracle,
            self.horizon,
        ))
    }

    fn obs_dim(&self) -> usize {
        let extra = if self.oracle {
            self.family.task_len(self.body.robot)
        } else {
            0
        };
        self.body.obs_dim() + extra
    }

    fn act_dim(&self) -> usize {
        self.body.robot.links.len()
    }

    fn horizon(&self) -> usize {
        self.horizon
    }

    /// [`Body::dt`].
    fn dt(&self) -> f64 {
        self.body.dt()
    }

    /// [`Family::check`].
    fn check_task(&self, params: &[f64]) -> Result<Task, String> {
        self.family
            .check(self.body.robot, params)
            .map(|()| Task {
                params: params.to_vec(),
            })
            .map_err(|expected| {
                format!(
                    "invalid task {params:?} for {}: expected {expected}",
                    self.name
                )
            })
    }
}

/// Registry entries for `body`: one per `(name, description, family, oracle)`, at the body's
/// default horizon.
pub(crate) fn builtins(
    body: &'static Body,
    entries: Vec<(&'static str, &'static str, Family, bool)>,
) -> Vec<Builtin> {
    entries
        .into_iter()
        .map(|(name, description, family, oracle)| {
            Builtin::new(name, description, body.horizon, move |horizon| {
                LocomotionTasks {
                    name,
                    body,
                    family,
                    oracle,
                    horizon,
                }
            })
        })
        .collect()
}
