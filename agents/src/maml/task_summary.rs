//! What every rank needs of each task of a meta-iteration, whichever rank adapted it.

use std::time::Duration;

use super::adaptation::Adaptation;
use super::exploration::RewardMoments;
use super::task_objective::TaskObjective;
use crate::baseline::FitCounts;
use crate::policy::PolicySpec;
use crate::team::Exchanged;

/// A task's contribution to a meta-iteration's meta-gradient and metrics (the task's
/// [`TaskObjective`] itself stays on the rank that adapted it).
#[derive(Clone, Debug, PartialEq)]
pub struct TaskSummary {
    /// The task's meta-gradient.
    pub gradient: Vec<f64>,
    /// E-MAML's exploration gradient before its credit (empty for MAML).
    pub exploration_gradient: Vec<f64>,
    /// The moments of the rewards sampled with the adapted θ' (E-MAML's credit).
    pub validation_rewards: RewardMoments,
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
        spec: &PolicySpec,
        objective: &TaskObjective,
        gradient: Vec<f64>,
        adapt_time: Duration,
        meta_time: Duration,
    ) -> TaskSummary {
        let adaptation = objective.adaptation();
        TaskSummary {
            gradient,
            exploration_gradient: objective.exploration_gradient(spec),
            validation_rewards: objective.validation_rewards(),
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

impl TaskSummary {
    /// The summary of a task that has no TRPO objective (Reptile, ProMP): its adaptation and
    /// the learner's per-task update direction `gradient`.
    pub fn of_adaptation(
        adaptation: &Adaptation,
        gradient: Vec<f64>,
        adapt_time: Duration,
        meta_time: Duration,
    ) -> TaskSummary {
        TaskSummary {
            gradient,
            exploration_gradient: Vec::new(),
            validation_rewards: RewardMoments::default(),
            returns: adaptation.returns(),
            env_steps: adaptation.env_steps(),
            surrogate_before: 0.0,
            non_finite: adaptation.non_finite,
            baseline_fits: adaptation.baseline_fits(),
            adapt_time,
            sampling_time: adaptation.sampling_time,
            meta_time,
        }
    }
}

/// The sums over a meta-batch's task summaries that every learner reports.
#[derive(Clone, Debug, PartialEq)]
pub struct BatchTotals {
    /// Mean over tasks of the per-task gradients.
    pub gradient: Vec<f64>,
    /// Mean return before adaptation.
    pub return_pre: f64,
    /// Mean return after the last inner step.
    pub return_post: f64,
    /// Env steps sampled.
    pub env_steps: usize,
    /// Mean surrogate at θ.
    pub surrogate_before: f64,
    /// Some task met a non-finite value (or a mean is not finite).
    pub non_finite: bool,
    /// Baseline fits that needed help.
    pub baseline_fits: FitCounts,
    /// Summed adaptation, sampling and meta times (worker time).
    pub adapt_time: Duration,
    /// Summed sampling time.
    pub sampling_time: Duration,
    /// Summed meta time.
    pub meta_time: Duration,
}

impl BatchTotals {
    /// The totals of `summaries` (in task order; sums in that order).
    pub fn of(summaries: &[TaskSummary], params: usize) -> BatchTotals {
        let n = summaries.len() as f64;
        let mut totals = BatchTotals {
            gradient: vec![0.0; params],
            return_pre: 0.0,
            return_post: 0.0,
            env_steps: 0,
            surrogate_before: 0.0,
            non_finite: false,
            baseline_fits: FitCounts::default(),
            adapt_time: Duration::ZERO,
            sampling_time: Duration::ZERO,
            meta_time: Duration::ZERO,
        };
        for summary in summaries {
            for (acc, gi) in totals.gradient.iter_mut().zip(&summary.gradient) {
                *acc += gi / n;
            }
            totals.adapt_time += summary.adapt_time;
            totals.meta_time += summary.meta_time;
            totals.sampling_time += summary.sampling_time;
            totals.baseline_fits.add(summary.baseline_fits);
            totals.non_finite |= summary.non_finite;
        }
        totals.return_pre = summaries.iter().map(|s| s.returns[0]).sum::<f64>() / n;
        totals.return_post = summaries
            .iter()
            .map(|s| s.returns[s.returns.len() - 1])
            .sum::<f64>()
            / n;
        totals.env_steps = summaries.iter().map(|s| s.env_steps).sum();
        totals.surrogate_before = summaries.iter().map(|s| s.surrogate_before).sum::<f64>() / n;
        totals.non_finite |= !(totals.return_pre.is_finite() && totals.return_post.is_finite());
        totals
    }
}

impl Exchanged for TaskSummary {
    fn write(&self, out: &mut Vec<f64>) {
        self.gradient.write(out);
        self.exploration_gradient.write(out);
        self.validation_rewards.write(out);
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
        let exploration_gradient = Vec::read(values);
        let validation_rewards = RewardMoments::read(values);
        let returns = Vec::read(values);
        let mut next = || f64::read(values);
        TaskSummary {
            gradient,
            exploration_gradient,
            validation_rewards,
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
