//! E-MAML's exploration term (Stadie et al. 2018, "Some considerations on learning to explore
//! via meta-reinforcement learning", §4): the return of the post-update episodes credited to the
//! log-likelihood of the pre-update episodes, so that the meta-gradient also rewards the
//! pre-update policy for collecting data that adapts well.
//!
//! As in ProMP's implementation of E-MAML (`TRPOMAML(exploration=True)`), task i adds
//! `−R̂_i · mean_t log π_θ(a_t|s_t)` over its first inner batch to the meta-surrogate, with
//! `R̂_i` the mean of the task's post-update rewards after normalizing every per-step reward by
//! the meta-batch's mean and standard deviation (the normalization acts as a baseline across
//! tasks). Its gradient enters the meta-gradient and its value the line search's surrogate.

use super::adaptation::Adaptation;
use super::loss_rows::LossRows;
use crate::advantage::NORMALIZE_EPS;
use crate::policy::PolicySpec;
use crate::team::Exchanged;

/// Count, mean and sum of squared deviations of one task's post-update rewards (combined over
/// tasks with Chan et al.'s pairwise update, so that no rank needs another's rewards).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct RewardMoments {
    /// Number of rewards.
    pub count: f64,
    /// Their mean.
    pub mean: f64,
    /// Sum of squared deviations from the mean.
    pub m2: f64,
}

impl RewardMoments {
    /// The moments of `rewards`.
    pub fn of(rewards: &[f64]) -> Self {
        let count = rewards.len() as f64;
        if rewards.is_empty() {
            return RewardMoments::default();
        }
        let mean = rewards.iter().sum::<f64>() / count;
        let m2 = rewards.iter().map(|r| (r - mean).powi(2)).sum();
        RewardMoments { count, mean, m2 }
    }

    /// The moments of the union of two samples.
    pub fn combine(self, other: RewardMoments) -> Self {
        let count = self.count + other.count;
        if count == 0.0 {
            return RewardMoments::default();
        }
        let delta = other.mean - self.mean;
        RewardMoments {
            count,
            mean: self.mean + delta * other.count / count,
            m2: self.m2 + other.m2 + delta * delta * self.count * other.count / count,
        }
    }

    /// Population standard deviation.
    pub fn std(&self) -> f64 {
        if self.count == 0.0 {
            0.0
        } else {
            (self.m2 / self.count).sqrt()
        }
    }
}

impl Exchanged for RewardMoments {
    fn write(&self, out: &mut Vec<f64>) {
        out.extend([self.count, self.mean, self.m2]);
    }

    fn read(values: &mut &[f64]) -> Self {
        let mut next = || f64::read(values);
        RewardMoments {
            count: next(),
            mean: next(),
            m2: next(),
        }
    }
}

/// The credit `R̂_i` of every task: its post-update mean reward, normalized by the meta-batch's
/// per-step mean and standard deviation.
pub fn credits(tasks: &[RewardMoments]) -> Vec<f64> {
    let all = tasks
        .iter()
        .fold(RewardMoments::default(), |acc, m| acc.combine(*m));
    let scale = 1.0 / (all.std() + NORMALIZE_EPS);
    tasks.iter().map(|m| (m.mean - all.mean) * scale).collect()
}

/// One task's pre-update rows, for `−mean_t log π_θ(a_t|s_t)`.
pub struct ExplorationTerm {
    rows: LossRows,
    base: f64,
}

impl ExplorationTerm {
    /// The first inner batch of `adaptation` (sampled with θ_old), with the value at θ_old.
    pub fn new(spec: &PolicySpec, adaptation: &Adaptation) -> Option<Self> {
        let first = adaptation.steps.first()?;
        let rows = &first.data.loss;
        let n = rows.rows().max(1) as f64;
        let rows = rows.reweighted(vec![-1.0 / n; rows.rows()]);
        let base = rows
            .log_likelihoods(spec, &first.data.theta)
            .iter()
            .sum::<f64>()
            / n;
        Some(ExplorationTerm { rows, base })
    }

    /// `∇_θ (−mean_t log π_θ)`, at `theta`.
    pub fn gradient(&self, spec: &PolicySpec, theta: &[f64]) -> Vec<f64> {
        self.rows.gradient(spec, theta)
    }

    /// `−(mean_t log π_θ − mean_t log π_θold)`: zero at θ_old, so that the surrogate before the
    /// step is MAML's.
    pub fn value(&self, spec: &PolicySpec, theta: &[f64]) -> f64 {
        let n = self.rows.rows().max(1) as f64;
        -(self.rows.log_likelihoods(spec, theta).iter().sum::<f64>() / n - self.base)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn combined_moments_equal_the_moments_of_the_union() {
        let a = [1.0, -2.0, 3.5];
        let b = [0.25, 7.0];
        let union: Vec<f64> = a.iter().chain(&b).copied().collect();
        let combined = RewardMoments::of(&a).combine(RewardMoments::of(&b));
        let direct = RewardMoments::of(&union);
        assert!((combined.mean - direct.mean).abs() < 1e-14);
        assert!((combined.m2 - direct.m2).abs() < 1e-12);
        assert_eq!(combined.count, 5.0);
    }

    #[test]
    fn credits_are_normalized_task_means() {
        let tasks = [
            RewardMoments::of(&[1.0, 3.0]),
            RewardMoments::of(&[-1.0, -3.0]),
        ];
        // Mean 0, population std sqrt(5): credits ±2/sqrt(5).
        let c = credits(&tasks);
        assert!((c[0] - 2.0 / 5f64.sqrt()).abs() < 1e-7 && (c[0] + c[1]).abs() < 1e-12);
    }
}
