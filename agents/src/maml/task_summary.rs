//! What every rank needs of each task of a meta-iteration, whichever rank adapted it.

use std::time::Duration;

use super::task_objective::TaskObjective;
use crate::baseline::FitCounts;
use crate::team::Exchanged;

/// A task's contribution to a meta-iteration's meta-gradient and metrics (the task's
/// [`TaskObjective`] itself stays on the rank that adapted it).
#[derive(Clone, Debug, PartialEq)]
pub struct TaskSummary {
    /// The task's meta-gradient.
    pub gradient: Vec<f64>,
    /// Mean return after 0..=k inner steps.
    pub returns: Vec<f64>,
    /// Env steps sampled.
    pub env_steps: usize,
    /// The meta-surrogate at θ.
    pub surrogate_before: f64,
    /// A non-finite inner gradient was met.
    pub non_finite: bool,
    /// Baseline fits that escalated the ridge or fell back to zero weights.
    pub baseline_fits: FitCounts,
    /// Time adapting the task (sampling included), sampling it, and preparing its objective.
    pub adapt_time: Duration,
    /// Time sampling episodes.
    pub sampling_time: Duration,
    /// Time preparing the curvature data and the meta-gradient.
    pub meta_time: Duration,
}

impl TaskSummary {
    /// The summary of `objective`, whose meta-gradient is `gradient`.
    pub fn of(
        objective: &TaskObjective,
        gradient: Vec<f64>,
        adapt_time: Duration,
        meta_time: Duration,
    ) -> TaskSummary {
        let adaptation = objective.adaptation();
        TaskSummary {
            gradient,
            returns: adaptation.returns(),
            env_steps: adaptation.env_steps(),
            surrogate_before: objective.surrogate_before(),
            non_finite: adaptation.non_finite,
            baseline_fits: objective.baseline_fits(),
            adapt_time,
            sampling_time: adaptation.sampling_time,
            meta_time,
        }
    }
}

impl Exchanged for TaskSummary {
    fn write(&self, out: &mut Vec<f64>) {
        self.gradient.write(out);
        self.returns.write(out);
        out.extend([
            self.env_steps as f64,
            self.surrogate_before,
            f64::from(u8::from(self.non_finite)),
            self.baseline_fits.ridge_escalations as f64,
            self.baseline_fits.zero_fallbacks as f64,
            self.adapt_time.as_secs_f64(),
            self.sampling_time.as_secs_f64(),
            self.meta_time.as_secs_f64(),
        ]);
    }

    fn read(values: &mut &[f64]) -> Self {
        let gradient = Vec::read(values);
        let returns = Vec::read(values);
        let mut next = || f64::read(values);
        TaskSummary {
            gradient,
            returns,
            env_steps: next() as usize,
            surrogate_before: next(),
            non_finite: next() != 0.0,
            baseline_fits: FitCounts {
                ridge_escalations: next() as u64,
                zero_fallbacks: next() as u64,
            },
            adapt_time: Duration::from_secs_f64(next()),
            sampling_time: Duration::from_secs_f64(next()),
            meta_time: Duration::from_secs_f64(next()),
        }
    }
}
