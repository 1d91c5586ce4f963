//! What a task of a planar runner is: a target velocity, a direction, or the dynamics.

use crate::planar::{Dynamics, Robot, LOG_SCALE_LIMIT};

/// A task family of a planar runner; it fixes what the task parameters mean.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Family {
    /// Run at `v*` (task `[v*]`, v* ~ U(0, max)): `reward_run = -|v_x - v*|` (MAML's cheetah-vel).
    Velocity {
        /// Upper bound of the target velocities (m/s).
        max: f64,
    },
    /// Run forward (d = 1) or backward (d = -1) (task `[d]`): `reward_run = d · v_x`.
    Direction,
    /// The nominal reward `reward_run = v_x` on dynamics scaled per task (task: the exponents of
    /// [`Dynamics`], each in [-3, 3]; the `rand_param_envs` recipe).
    Params,
}

impl Family {
    /// Number of task parameters for `robot`.
    pub fn task_len(self, robot: &Robot) -> usize {
        match self {
            Family::Velocity { .. } | Family::Direction => 1,
            Family::Params => Dynamics::task_len(robot),
        }
    }

    /// The task used before the first `set_task`: v* = 0, d = 1, or the nominal dynamics.
    pub fn default_task(self, robot: &Robot) -> Vec<f64> {
        match self {
            Family::Velocity { .. } => vec![0.0],
            Family::Direction => vec![1.0],
            Family::Params => vec![0.0; Dynamics::task_len(robot)],
        }
    }

    /// Bounds `[low, high]` of every task parameter (the oracle's extra observations).
    pub fn param_bounds(self) -> (f64, f64) {
        match self {
            Family::Velocity { max } => (0.0, max),
            Family::Direction => (-1.0, 1.0),
            Family::Params => (-LOG_SCALE_LIMIT, LOG_SCALE_LIMIT),
        }
    }

    /// Checks a task of this family for `robot`.
    ///
    /// # Errors
    /// What is expected, as the end of a one-line message.
    pub fn check(self, robot: &Robot, params: &[f64]) -> Result<(), String> {
        let ok = match self {
            Family::Velocity { max } => params.len() == 1 && (0.0..=max).contains(&params[0]),
            Family::Direction => params.len() == 1 && (params[0] == 1.0 || params[0] == -1.0),
            Family::Params => Dynamics::from_exponents(robot, params).is_ok(),
        };
        if ok {
            return Ok(());
        }
        Err(match self {
            Family::Velocity { max } => format!("one target velocity in [0, {max}]"),
            Family::Direction => "one direction, 1 or -1".to_string(),
            Family::Params => format!(
                "{} exponents in [-{LOG_SCALE_LIMIT}, {LOG_SCALE_LIMIT}]",
                Dynamics::task_len(robot)
            ),
        })
    }

    /// Draws one task from `rng` (velocity: one uniform; direction: one `bool`; params: the
    /// exponents in order).
    pub fn sample(self, robot: &Robot, rng: &mut dyn rand::RngCore) -> Vec<f64> {
        use rand::distributions::{Distribution, Uniform};
        use rand::Rng;
        match self {
            Family::Velocity { max } => vec![Uniform::new(0.0, max).sample(rng)],
            Family::Direction => vec![if rng.gen::<bool>() { 1.0 } else { -1.0 }],
            Family::Params => Dynamics::sample_exponents(robot, rng),
        }
    }

    /// `reward_run` at forward velocity `v` for task `task`.
    pub fn reward_run(self, task: &[f64], v: f64) -> f64 {
        match self {
            Family::Velocity { .. } => -(v - task[0]).abs(),
            Family::Direction => task[0] * v,
            Family::Params => v,
        }
    }

    /// The dynamics multipliers of `task` (nominal unless the family randomizes dynamics).
    pub fn dynamics(self, robot: &Robot, task: &[f64]) -> Dynamics {
        match self {
            Family::Params => Dynamics::from_exponents(robot, task)
                .expect("Family::dynamics: a task checked by Family::check"),
            _ => Dynamics::nominal(robot),
        }
    }
}
