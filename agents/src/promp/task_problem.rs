//! One task's share of the ProMP objective (Rothfuss et al. 2019, Eq. (10) and Algorithm 1),
//! fixed at the iteration's sampling parameters θ_o: with the inner steps re-run from θ on the
//! stored pre-update episodes with the LVC objective (`θ_{j+1} = θ_j − α_j ∇L^LVC_j(θ_j)`, the
//! likelihood ratios taken against the sampling policies), the loss is
//!
//! `L_i(θ) = −(1/N) Σ_t min(r_t A_t, clip(r_t, 1 − ε, 1 + ε) A_t) + η Σ_j KL_j(θ_j)`
//!
//! with `r_t = π_θ'(a_t|s_t) / π_θ'_o(a_t|s_t)` on the post-update episodes and `KL_j` the mean
//! `KL(π_θj,o || π_θj)` over inner batch j's states (the penalty between the pre-update policies
//! of consecutive iterations). Its gradient is back-propagated through the inner steps with the
//! exact LVC Hessian products: `a ← (I − α_j H_j(θ_j)) a + η ∇KL_j(θ_j)`.

use crate::maml::inner_estimator::{EstimatorTerms, InnerEstimator};
use crate::maml::{Adaptation, AdvantageSettings, LossRows, PolicyGradientData};
use crate::policy::PolicySpec;

use super::kl_penalty::KlAnchor;

/// The value of a task's ProMP objective at some θ.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct PrompValue {
    /// The clipped surrogate loss `−(1/N) Σ_t min(r_t A_t, clip(r_t) A_t)` (lower is better).
    pub loss: f64,
    /// `Σ_j KL_j(θ_j)`, the pre-update policies' KL from the sampling policies.
    pub kl: f64,
}

/// Everything one task contributes to ProMP's optimization steps of a meta-iteration.
pub struct TaskProblem {
    adaptation: Adaptation,
    terms: Vec<EstimatorTerms>,
    anchors: Vec<KlAnchor>,
    validation: PolicyGradientData,
    old_log_likelihoods: Vec<f64>,
    clip: f64,
}

impl TaskProblem {
    /// Prepares a task after its adaptation at θ_o, with PPO clip range `clip`.
    pub fn new(
        spec: &PolicySpec,
        adaptation: Adaptation,
        settings: &AdvantageSettings,
        clip: f64,
    ) -> Self {
        let terms = (adaptation.steps.iter())
            .map(|s| EstimatorTerms::new(InnerEstimator::Lvc, spec, &s.data, settings))
            .collect();
        let anchors = (adaptation.steps.iter())
            .map(|s| KlAnchor::new(spec, &s.data.theta, &s.data.episodes.obs))
            .collect();
        let validation = PolicyGradientData::new(
            adaptation.adapted.clone(),
            adaptation.validation.clone(),
            settings,
        );
        let old_log_likelihoods = validation.loss.log_likelihoods(spec, &adaptation.adapted);
        TaskProblem {
            adaptation,
            terms,
            anchors,
            validation,
            old_log_likelihoods,
            clip,
        }
    }

    /// The task's adaptation at θ_o.
    pub fn adaptation(&self) -> &Adaptation {
        &self.adaptation
    }

    /// θ_0 = θ and every θ_{j+1} of the re-run inner steps, each step's gradient from
    /// `gradient(terms_j, rows_j, θ_j)`, which also returns what the caller keeps of the step.
    fn inner_path<K>(
        &self,
        theta: &[f64],
        mut gradient: impl FnMut(&EstimatorTerms, &LossRows, &[f64]) -> (Vec<f64>, K),
    ) -> (Vec<Vec<f64>>, Vec<K>) {
        let mut path = vec![theta.to_vec()];
        let mut kept = Vec::with_capacity(self.terms.len());
        for (step, terms) in self.adaptation.steps.iter().zip(&self.terms) {
            let current = &path[path.len() - 1];
            let (g, k) = gradient(terms, &step.data.loss, current);
            path.push(step.size.step(current, &g));
            kept.push(k);
        }
        (path, kept)
    }

    /// The clipped loss at adapted θ' and the row weights of its gradient
    /// (`w_t r_t` where the unclipped term is the minimum, else 0).
    fn clipped(&self, spec: &PolicySpec, adapted: &[f64]) -> (f64, Vec<f64>) {
        let rows = &self.validation.loss;
        let (lo, hi) = (1.0 - self.clip, 1.0 + self.clip);
        let mut loss = 0.0;
        let weights = (rows.log_likelihoods(spec, adapted).iter())
            .zip(&self.old_log_likelihoods)
            .zip(rows.weights())
            .map(|((l, old), w)| {
                // w = −A/N: the loss terms are −min(rA, clip(r)A)/N = max(r w, clip(r) w).
                let r = (l - old).exp();
                let (unclipped, clipped) = (r * w, r.clamp(lo, hi) * w);
                loss += unclipped.max(clipped);
                if unclipped >= clipped {
                    r * w
                } else {
                    0.0
                }
            })
            .collect();
        (loss, weights)
    }

    /// The objective's parts at `theta`.
    pub fn value(&self, spec: &PolicySpec, theta: &[f64]) -> PrompValue {
        let (path, _) = self.inner_path(theta, |terms, rows, at| {
            (terms.gradient(rows, spec, at), ())
        });
        let kl = (self.anchors.iter())
            .zip(&path)
            .map(|(a, t)| a.value(spec, t))
            .sum();
        PrompValue {
            loss: self.clipped(spec, &path[path.len() - 1]).0,
            kl,
        }
    }

    /// The objective's parts at `theta` and the gradient of `loss + kl_penalty · kl`.
    pub fn gradient(
        &self,
        spec: &PolicySpec,
        theta: &[f64],
        kl_penalty: f64,
    ) -> (PrompValue, Vec<f64>) {
        // Each inner step linearized once: its Hessian gives the step's gradient now and its
        // products in the backward sweep.
        let (path, hessians) = self.inner_path(theta, |terms, rows, at| {
            let hessian = terms.hessian(rows, spec, at);
            (hessian.gradient(), hessian)
        });
        let adapted = &path[path.len() - 1];
        let (loss, weights) = self.clipped(spec, adapted);
        let mut adjoint = self
            .validation
            .loss
            .weighted_gradient(spec, adapted, &weights);
        let mut kl = 0.0;
        let steps = self
            .adaptation
            .steps
            .iter()
            .zip(&hessians)
            .zip(&self.anchors);
        for (j, ((step, hessian), anchor)) in steps.enumerate().rev() {
            let at = &path[j];
            step.size
                .apply_jacobian_transpose(&mut adjoint, |v| hessian.product(v));
            let (kl_value, kl_gradient) = anchor.value_and_gradient(spec, at);
            for (a, k) in adjoint.iter_mut().zip(kl_gradient) {
                *a += kl_penalty * k;
            }
            kl += kl_value;
        }
        (PrompValue { loss, kl }, adjoint)
    }
}

#[cfg(test)]
mod tests;
