//! First derivatives through dfdx and second-order products by central differences in f64.
//!
//! dfdx 0.13 cannot differentiate a gradient, so curvature products are central differences of
//! dfdx gradients (the MAML paper computed its TRPO products the same way):
//!
//! * Hessian-vector product of a weighted log-likelihood loss:
//!   `H v ≈ |v| (g(θ + ε u) − g(θ − ε u)) / (2 ε)`, `u = v / |v|`, with the ReLU on/off pattern
//!   frozen at θ. Without the frozen pattern the difference straddles ReLU kinks and was measured
//!   wrong by factors of 10–1000; with it, it is a central difference of the smooth
//!   piecewise-multilinear net: an O(ε²) approximation of its Hessian (relative error near 1e-10
//!   measured at ε = 1e-4..1e-5; the tests bound the difference between ε = 1e-4 and 1e-5 by
//!   1e-7 relative, and the agreement with second differences of values by 1e-4).
//! * Fisher-vector product of the Gaussian policy: `F v = mean_rows J^T M J v`, with `J v` a
//!   central difference of the network's means, `J^T (·)` one dfdx backward pass, and
//!   `M = diag(1/σ²)` for the means and 2 for each log-std.

use dfdx::prelude::*;

use super::network::{matrix, Matrix, Network, ReluMasks, ReluPattern, Vector};
use super::spec::PolicySpec;

/// Step of the central differences (on a unit direction). Central differences are O(ε²)
/// approximations; with f64 gradients the relative error of the products was measured near 1e-10
/// for steps 1e-4..1e-5 (truncation and rounding error balance there).
pub const FD_EPSILON: f64 = 1e-5;

/// The states and actions of one batch, moved to the device once and reused by every derivative
/// evaluated on it (a conjugate-gradient solve evaluates dozens).
#[derive(Clone, Debug)]
pub struct StateActionBatch {
    /// Observations (rows x obs_dim).
    pub obs: Matrix,
    /// Actions taken (rows x act_dim).
    pub actions: Matrix,
}

impl StateActionBatch {
    /// Copies row-major observations and actions to the device.
    pub fn new(obs: &[f64], obs_dim: usize, actions: &[f64], act_dim: usize) -> Self {
        let rows = obs.len() / obs_dim;
        assert_eq!(actions.len(), rows * act_dim, "one action per observation");
        StateActionBatch {
            obs: matrix(obs, rows, obs_dim),
            actions: matrix(actions, rows, act_dim),
        }
    }

    /// Number of rows.
    pub fn rows(&self) -> usize {
        self.obs.shape().0
    }
}

/// Gradient of `Σ_t w_t log π_θ(a_t | s_t)` with respect to the flat parameters θ.
///
/// Policy-gradient losses are this with `w_t = −A_t / N` (the inner loss of MAML, eq. (4) of the
/// paper with the REINFORCE estimator, and the TRPO surrogate's gradient at the sampling policy).
/// With `masks`, ReLU units use that frozen on/off pattern.
pub fn weighted_log_prob_gradient(
    spec: &PolicySpec,
    theta: &[f64],
    batch: &StateActionBatch,
    weights: &Vector,
    masks: Option<&ReluMasks>,
) -> Vec<f64> {
    let net = Network::new(spec, theta);
    let rows = batch.rows();
    let mean = net.mean(batch.obs.leaky_trace(), masks);
    let inv_std = net.log_std_rows::<OwnedTape<f64, _>>(rows).negate().exp();
    let z = (mean - batch.actions.clone()) * inv_std;
    let per_dim = z.square() * -0.5 - net.log_std_rows::<OwnedTape<f64, _>>(rows);
    let log_prob = per_dim.sum::<(usize,), Axis<1>>();
    let loss = (log_prob * weights.clone()).sum::<(), _>();
    net.flat_gradient(&loss.backward(), true)
}

/// `Σ_rows Σ_j C_rj ∂μ_rj/∂θ` (a vector-Jacobian product of the means), log-std block zero.
pub fn mean_vjp(
    spec: &PolicySpec,
    theta: &[f64],
    obs: &Matrix,
    cotangent: &Matrix,
    masks: Option<&ReluMasks>,
) -> Vec<f64> {
    let net = Network::new(spec, theta);
    let mean = net.mean(obs.leaky_trace(), masks);
    let loss = (mean * cotangent.clone()).sum::<(), _>();
    net.flat_gradient(&loss.backward(), false)
}

/// The ReLU pattern of the policy at `theta` on `obs` (empty for tanh policies).
pub fn relu_pattern(spec: &PolicySpec, theta: &[f64], obs: &Matrix) -> ReluPattern {
    Network::new(spec, theta).relu_pattern(obs)
}

/// Central difference of `f` along `v` with step [`FD_EPSILON`]; see [`central_difference_at`].
pub fn central_difference(theta: &[f64], v: &[f64], f: impl Fn(&[f64]) -> Vec<f64>) -> Vec<f64> {
    central_difference_at(FD_EPSILON, theta, v, f)
}

/// Central difference of `f` along `v`: `|v| (f(θ + ε u) − f(θ − ε u)) / (2 ε)`, `u = v/|v|`.
/// Zero for a zero direction.
pub fn central_difference_at(
    epsilon: f64,
    theta: &[f64],
    v: &[f64],
    f: impl Fn(&[f64]) -> Vec<f64>,
) -> Vec<f64> {
    let norm = v.iter().map(|x| x * x).sum::<f64>().sqrt();
    if norm == 0.0 {
        return vec![0.0; f(theta).len()];
    }
    let shifted = |sign: f64| -> Vec<f64> {
        theta
            .iter()
            .zip(v)
            .map(|(t, vi)| t + sign * epsilon * vi / norm)
            .collect()
    };
    let plus = f(&shifted(1.0));
    let minus = f(&shifted(-1.0));
    let scale = norm / (2.0 * epsilon);
    plus.iter()
        .zip(&minus)
        .map(|(p, m)| (p - m) * scale)
        .collect()
}

/// Hessian-vector product of `Σ_t w_t log π_θ(a_t|s_t)` at θ, by a central difference of
/// gradients with the ReLU pattern frozen at θ (`pattern` must be [`relu_pattern`] at `theta` on
/// `batch.obs`).
pub fn weighted_log_prob_hvp(
    spec: &PolicySpec,
    theta: &[f64],
    batch: &StateActionBatch,
    weights: &Vector,
    pattern: &ReluPattern,
    v: &[f64],
) -> Vec<f64> {
    let masks = pattern.masks();
    central_difference(theta, v, |t| {
        weighted_log_prob_gradient(spec, t, batch, weights, Some(&masks))
    })
}

/// Fisher-vector product of the Gaussian policy at θ averaged over the rows of `obs`:
/// `F v = mean_rows J_μ^T diag(1/σ²) J_μ v + 2 v_logstd` (`pattern` frozen at θ).
pub fn fisher_vector_product(
    spec: &PolicySpec,
    theta: &[f64],
    obs: &Matrix,
    pattern: &ReluPattern,
    v: &[f64],
) -> Vec<f64> {
    let rows = obs.shape().0;
    let act = spec.act_dim;
    let net = Network::new(spec, theta);
    let masks = pattern.masks();
    let jv = central_difference(theta, v, |t| {
        Network::new(spec, t)
            .mean(obs.clone(), Some(&masks))
            .as_vec()
    });
    let inv_var: Vec<f64> = net.log_std().iter().map(|ls| (-2.0 * ls).exp()).collect();
    let weighted: Vec<f64> = jv
        .iter()
        .enumerate()
        .map(|(k, x)| x * inv_var[k % act] / rows as f64)
        .collect();
    let mut fv = mean_vjp(
        spec,
        theta,
        obs,
        &matrix(&weighted, rows, act),
        Some(&masks),
    );
    let ls = spec.log_std_offset();
    for j in 0..act {
        fv[ls + j] = 2.0 * v[ls + j];
    }
    fv
}

#[cfg(test)]
mod tests;
