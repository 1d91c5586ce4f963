//! ProMP settings (`[promp]`). Defaults are those of the authors' code for HalfCheetahRandDirec
//! (`meta_policy_search`, `pro-mp_run_mujoco.py`); the meta-batch, episodes per task, inner
//! learning rate and advantage settings come from `[maml]`.

use serde::{Deserialize, Serialize};

/// ProMP's outer-loop settings.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PrompConfig {
    /// Adam learning rate of the meta-parameters (authors: 1e-3).
    pub learning_rate: f64,
    /// ProMP optimization steps per sampled meta-batch (authors: 5; 3 on rand-params).
    pub steps: usize,
    /// PPO clip range ε of the likelihood ratio (authors: 0.3).
    pub clip: f64,
    /// Coefficient η of the KL penalty between the pre-update policies of consecutive
    /// iterations (authors: 5e-4 fixed; 1e-3 as the start of the adaptive penalty).
    pub kl_penalty: f64,
    /// Adapt η after every iteration: halve it when the KL is below `target_kl / 1.5`, double
    /// it above `target_kl · 1.5`.
    pub adaptive_kl: bool,
    /// KL target of the adaptive penalty (authors: 0.01).
    pub target_kl: f64,
}

impl Default for PrompConfig {
    fn default() -> Self {
        PrompConfig {
            learning_rate: 1e-3,
            steps: 5,
            clip: 0.3,
            kl_penalty: 5e-4,
            adaptive_kl: false,
            target_kl: 0.01,
        }
    }
}

impl PrompConfig {
    /// Checks every value is in range; the error names the key.
    pub fn validate(&self) -> Result<(), String> {
        let positive = |name: &str, v: f64| {
            if v > 0.0 && v.is_finite() {
                Ok(())
            } else {
                Err(format!("promp.{name} must be > 0 (got {v})"))
            }
        };
        positive("learning_rate", self.learning_rate)?;
        positive("clip", self.clip)?;
        positive("target_kl", self.target_kl)?;
        if !(self.kl_penalty >= 0.0 && self.kl_penalty.is_finite()) {
            return Err(format!(
                "promp.kl_penalty must be >= 0 (got {})",
                self.kl_penalty
            ));
        }
        if self.steps == 0 {
            return Err("promp.steps must be >= 1".into());
        }
        Ok(())
    }
}
