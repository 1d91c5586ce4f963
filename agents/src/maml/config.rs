//! MAML settings (`[maml]` in the config). Defaults are the MAML paper's 2D-navigation values
//! (Finn et al. 2017, §5.3 and appendix A.2; pytorch-maml-rl where the paper is silent).

use serde::{Deserialize, Serialize};

use super::adaptation::AdvantageSettings;
use super::inner_estimator::InnerEstimator;

/// Settings of the inner loop and the meta-batch.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MamlConfig {
    /// Tasks per meta-iteration (the meta-batch, N).
    pub meta_batch_size: usize,
    /// Episodes sampled per task for each inner step and for the validation batch (K).
    pub episodes_per_task: usize,
    /// Policy-gradient steps of the inner loop (>= 1).
    pub inner_steps: usize,
    /// Inner-loop learning rate alpha (eq. (1): theta' = theta - alpha grad L_T(theta)).
    pub inner_lr: f64,
    /// First-order MAML: drop the Hessian terms of the meta-gradient and the metric.
    pub first_order: bool,
    /// The inner loss whose Hessian the meta-gradient differentiates through: "fixed-sample"
    /// (Finn et al. 2017, the default), "lvc" (ProMP) or "dice" (see [`InnerEstimator`]).
    pub inner_estimator: InnerEstimator,
    /// Discount factor gamma.
    pub gamma: f64,
    /// GAE lambda (1.0 = Monte-Carlo returns minus the baseline).
    pub gae_lambda: f64,
    /// Normalize advantages per task (zero mean, unit std).
    pub normalize_advantages: bool,
    /// Fraction of rows (states) used for the TRPO metric's curvature products, in (0, 1]. The
    /// meta-gradient itself always uses every row.
    pub curvature_subsample: f64,
}

impl Default for MamlConfig {
    fn default() -> Self {
        MamlConfig {
            meta_batch_size: 20,
            episodes_per_task: 20,
            inner_steps: 1,
            inner_lr: 0.1,
            first_order: false,
            inner_estimator: InnerEstimator::FixedSample,
            gamma: 0.99,
            gae_lambda: 1.0,
            normalize_advantages: true,
            curvature_subsample: 0.2,
        }
    }
}

impl MamlConfig {
    /// Checks every value is in range; the error names the key.
    pub fn validate(&self) -> Result<(), String> {
        if self.meta_batch_size == 0 {
            return Err("maml.meta_batch_size must be >= 1".into());
        }
        if self.episodes_per_task == 0 {
            return Err("maml.episodes_per_task must be >= 1".into());
        }
        if self.inner_steps == 0 {
            return Err("maml.inner_steps must be >= 1".into());
        }
        if !(self.inner_lr > 0.0 && self.inner_lr.is_finite()) {
            return Err(format!("maml.inner_lr must be > 0 (got {})", self.inner_lr));
        }
        if !(self.gamma > 0.0 && self.gamma <= 1.0) {
            return Err(format!("maml.gamma must be in (0, 1] (got {})", self.gamma));
        }
        if !(0.0..=1.0).contains(&self.gae_lambda) {
            return Err(format!(
                "maml.gae_lambda must be in [0, 1] (got {})",
                self.gae_lambda
            ));
        }
        if !(self.curvature_subsample > 0.0 && self.curvature_subsample <= 1.0) {
            return Err(format!(
                "maml.curvature_subsample must be in (0, 1] (got {})",
                self.curvature_subsample
            ));
        }
        Ok(())
    }

    /// How the inner batches' advantages are estimated.
    pub fn advantage_settings(&self) -> AdvantageSettings {
        AdvantageSettings {
            gamma: self.gamma,
            gae_lambda: self.gae_lambda,
            normalize: self.normalize_advantages,
        }
    }

    /// The inner learning rate of each inner step during training.
    pub fn inner_lrs(&self) -> Vec<f64> {
        vec![self.inner_lr; self.inner_steps]
    }
}
