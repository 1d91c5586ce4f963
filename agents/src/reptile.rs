//! Reptile (Nichol, Achiam & Schulman 2018, "On First-Order Meta-Learning Algorithms",
//! Algorithm 2, the batched version) with policy-gradient inner steps.
//!
//! Per meta-iteration: draw a meta-batch of tasks; for each task take `k` vanilla
//! policy-gradient steps from θ on freshly sampled episodes (the same inner step as MAML's,
//! [`crate::maml::adapt_task`]), giving `θ'_i`; then `θ ← θ + ε · mean_i (θ'_i − θ)`. There is
//! no meta-gradient through the inner loop (first order) and no trust region. The batch sampled
//! with `θ'_i` after the last step is only reported (`return_post`), as MAML's validation batch.
//!
//! There is no published RL result for Reptile; compare it with MAML on the same tasks.

use std::sync::Arc;
use std::time::{Duration, Instant};

use metarl_envs::TaskDistribution;
use serde::{Deserialize, Serialize};

use crate::learner::{check_length, LearnerError, MetaLearner};
use crate::maml::meta_batch::MetaBatch;
use crate::maml::task_summary::{BatchTotals, TaskSummary};
use crate::maml::{IterationMetrics, MamlConfig};
use crate::parallel::resolve_workers;
use crate::policy::PolicySpec;
use crate::team::{Solo, TaskTeam};

/// Reptile's own settings (`[reptile]`); the meta-batch, episodes per task, inner learning rate
/// and advantage settings come from `[maml]`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ReptileConfig {
    /// Inner policy-gradient steps per task (k; with k = 1 Reptile is joint training on the
    /// task distribution in expectation, Nichol et al. §5).
    pub inner_steps: usize,
    /// Outer step size ε of `θ ← θ + ε · mean_i (θ'_i − θ)` (Nichol et al.'s batched version
    /// starts at 1.0).
    pub outer_lr: f64,
}

impl Default for ReptileConfig {
    fn default() -> Self {
        ReptileConfig {
            inner_steps: 3,
            outer_lr: 1.0,
        }
    }
}

impl ReptileConfig {
    /// Checks every value is in range; the error names the key.
    pub fn validate(&self) -> Result<(), String> {
        if self.inner_steps == 0 {
            return Err("reptile.inner_steps must be >= 1".into());
        }
        if !(self.outer_lr > 0.0 && self.outer_lr.is_finite()) {
            return Err(format!(
                "reptile.outer_lr must be > 0 (got {})",
                self.outer_lr
            ));
        }
        Ok(())
    }
}

/// Settings of a [`Reptile`] learner besides the task distribution, the policy and θ.
#[derive(Clone, Debug, PartialEq)]
pub struct ReptileSettings {
    /// Meta-batch, episodes per task, inner learning rate and advantages.
    pub maml: MamlConfig,
    /// Inner steps and outer step size.
    pub reptile: ReptileConfig,
    /// Run seed: every random draw derives from (seed, iteration, …).
    pub seed: u64,
    /// Worker threads (`0` = all cores); results do not depend on it.
    pub workers: usize,
}

/// A Reptile meta-learner.
pub struct Reptile {
    dist: Arc<dyn TaskDistribution>,
    spec: PolicySpec,
    settings: ReptileSettings,
    theta: Vec<f64>,
    team: Arc<dyn TaskTeam>,
}

impl Reptile {
    /// A learner over `dist` starting from `theta`.
    ///
    /// # Errors
    /// [`LearnerError::WrongLength`] if `theta` does not have `spec.num_params()` entries.
    pub fn new(
        dist: Arc<dyn TaskDistribution>,
        spec: PolicySpec,
        theta: Vec<f64>,
        mut settings: ReptileSettings,
    ) -> Result<Self, LearnerError> {
        check_length("theta", spec.num_params(), &theta)?;
        settings.workers = resolve_workers(settings.workers);
        Ok(Reptile {
            dist,
            spec,
            settings,
            theta,
            team: Arc::new(Solo),
        })
    }
}

impl MetaLearner for Reptile {
    fn name(&self) -> &'static str {
        "reptile"
    }

    fn spec(&self) -> &PolicySpec {
        &self.spec
    }

    fn theta(&self) -> &[f64] {
        &self.theta
    }

    fn iteration(&mut self, iteration: u64) -> IterationMetrics {
        let start = Instant::now();
        self.team.take_communication_time();
        let ReptileSettings {
            maml,
            reptile,
            seed,
            workers,
        } = &self.settings;
        let (spec, seed) = (&self.spec, *seed);
        let lrs = vec![maml.inner_lr; reptile.inner_steps];
        let theta = &self.theta;
        let team = self.team.as_ref();
        let batch = MetaBatch {
            dist: self.dist.as_ref(),
            spec,
            theta,
            maml,
            lrs: &lrs,
            first_step_rates: None,
            seed,
            iteration,
        };
        let (_, summaries) = batch.adapt(team, *workers, |_, adaptation, adapt_time| {
            // The "Reptile gradient" θ − θ'_i.
            let gradient = (theta.iter())
                .zip(&adaptation.adapted)
                .map(|(t, a)| t - a)
                .collect();
            let summary =
                TaskSummary::of_adaptation(&adaptation, gradient, adapt_time, Duration::ZERO);
            ((), summary)
        });
        let totals = BatchTotals::of(&summaries, theta.len());
        let finite = !totals.non_finite && totals.gradient.iter().all(|g| g.is_finite());
        if finite {
            for (t, g) in self.theta.iter_mut().zip(&totals.gradient) {
                *t -= reptile.outer_lr * g;
            }
        }
        let workers = (*workers * team.size()).min(summaries.len()).max(1) as f64;
        IterationMetrics {
            step_accepted: finite,
            step_rejected: !finite,
            seconds: start.elapsed().as_secs_f64(),
            ..IterationMetrics::of_batch(iteration, &totals, workers, spec, &self.theta, team)
        }
    }

    fn set_team(&mut self, team: Arc<dyn TaskTeam>) {
        self.team = team;
    }

    fn restore(
        &mut self,
        theta: Vec<f64>,
        state: &[(String, Vec<f64>)],
    ) -> Result<(), LearnerError> {
        check_length("theta", self.spec.num_params(), &theta)?;
        if let Some((name, _)) = state.first() {
            return Err(LearnerError::UnknownState(name.clone()));
        }
        self.theta = theta;
        Ok(())
    }
}
