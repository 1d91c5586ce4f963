//! The rows of a weighted log-likelihood loss `Σ_t w_t log π_θ(a_t|s_t)`, kept on the host.
//!
//! Plain vectors are `Send` on every dfdx device (CUDA tensors are not), so task data can move
//! between worker threads; each evaluation copies the rows to its thread's device, which costs
//! well under 1% of the gradient it feeds.

use crate::policy::{
    gaussian, log_likelihood_gradient, vector, LogLikelihoodHessian, Network, PolicySpec,
    StateActionBatch,
};

/// The rows `rows` of a row-major matrix with `width` columns.
pub fn gather_rows(values: &[f64], width: usize, rows: &[usize]) -> Vec<f64> {
    rows.iter()
        .flat_map(|&r| &values[r * width..(r + 1) * width])
        .copied()
        .collect()
}

/// States, actions and per-row loss weights.
#[derive(Clone, Debug, PartialEq)]
pub struct LossRows {
    obs: Vec<f64>,
    obs_dim: usize,
    actions: Vec<f64>,
    act_dim: usize,
    weights: Vec<f64>,
}

impl LossRows {
    /// The policy-gradient loss `−(1/N) Σ_t A_t log π_θ(a_t|s_t)` (weights `−A_t / N`).
    pub fn policy_gradient(
        obs: &[f64],
        obs_dim: usize,
        actions: &[f64],
        act_dim: usize,
        advantages: &[f64],
    ) -> Self {
        let n = advantages.len().max(1) as f64;
        LossRows {
            obs: obs.to_vec(),
            obs_dim,
            actions: actions.to_vec(),
            act_dim,
            weights: advantages.iter().map(|a| -a / n).collect(),
        }
    }

    /// The per-row weights `w_t`.
    pub fn weights(&self) -> &[f64] {
        &self.weights
    }

    /// The same states and actions with other row weights.
    ///
    /// # Panics
    /// If `weights` does not have one entry per row.
    pub fn reweighted(&self, weights: Vec<f64>) -> Self {
        assert_eq!(weights.len(), self.rows(), "one weight per row");
        LossRows {
            weights,
            ..self.clone()
        }
    }

    /// `log π_θ(a_t|s_t)` of every row.
    pub fn log_likelihoods(&self, spec: &PolicySpec, theta: &[f64]) -> Vec<f64> {
        let net = Network::new(spec, theta);
        let means = net.mean_values(&self.obs, self.rows());
        gaussian::log_probs(&means, &net.log_std(), &self.actions)
    }

    /// Gradient of `Σ_t weights_t log π_θ(a_t|s_t)` on these rows at `theta` (the rows' own
    /// weights are ignored).
    pub fn weighted_gradient(&self, spec: &PolicySpec, theta: &[f64], weights: &[f64]) -> Vec<f64> {
        assert_eq!(weights.len(), self.rows(), "one weight per row");
        log_likelihood_gradient(spec, theta, &self.batch(), &vector(weights))
    }

    /// Number of rows.
    pub fn rows(&self) -> usize {
        self.weights.len()
    }

    /// The same loss estimated on a subset of rows: weights scaled by N / m so the subsample
    /// estimates the same mean.
    pub fn subsample(&self, rows: &[usize]) -> Self {
        let scale = self.rows() as f64 / rows.len().max(1) as f64;
        LossRows {
            obs: gather_rows(&self.obs, self.obs_dim, rows),
            obs_dim: self.obs_dim,
            actions: gather_rows(&self.actions, self.act_dim, rows),
            act_dim: self.act_dim,
            weights: rows.iter().map(|&r| self.weights[r] * scale).collect(),
        }
    }

    /// The states and actions on this thread's device.
    pub fn batch(&self) -> StateActionBatch {
        StateActionBatch::new(&self.obs, self.obs_dim, &self.actions, self.act_dim)
    }

    /// Gradient of the loss at `theta`.
    pub fn gradient(&self, spec: &PolicySpec, theta: &[f64]) -> Vec<f64> {
        log_likelihood_gradient(spec, theta, &self.batch(), &vector(&self.weights))
    }

    /// Central-difference Hessian-vector product at `theta` with the ReLU pattern frozen at
    /// `theta`: the independent check of [`LossRows::hessian`] in the tests.
    #[cfg(test)]
    pub fn finite_difference_hvp(&self, spec: &PolicySpec, theta: &[f64], v: &[f64]) -> Vec<f64> {
        let batch = self.batch();
        let pattern = crate::policy::relu_pattern(spec, theta, &batch.obs);
        let weights = vector(&self.weights);
        crate::policy::weighted_log_prob_hvp(spec, theta, &batch, &weights, &pattern, v)
    }

    /// The loss linearized at `theta` for exact Hessian-vector products (see
    /// `policy::forward_mode`).
    pub fn hessian(&self, spec: &PolicySpec, theta: &[f64]) -> LogLikelihoodHessian {
        LogLikelihoodHessian::new(spec, theta, &self.batch(), &vector(&self.weights))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subsample_keeps_the_mean_weight_and_the_chosen_rows() {
        let rows = LossRows::policy_gradient(
            &[0.0, 1.0, 2.0, 3.0],
            1,
            &[10.0, 11.0, 12.0, 13.0],
            1,
            &[1.0, -1.0, 2.0, -2.0],
        );
        let sub = rows.subsample(&[1, 3]);
        assert_eq!(sub.obs, vec![1.0, 3.0]);
        assert_eq!(sub.actions, vec![11.0, 13.0]);
        // Full weights -A/4; on 2 of 4 rows they double: -A/2.
        assert_eq!(sub.weights, vec![0.5, 1.0]);
    }
}
