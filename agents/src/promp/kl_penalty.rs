//! ProMP's KL penalty: the mean over a batch of states of `KL(π_old(·|s) || π_θ(·|s))` for the
//! diagonal Gaussian policy, and its gradient in θ.
//!
//! Per action dimension, with `σ = e^s`: `KL = s − s_old + (σ_old² + (μ − μ_old)²) / (2σ²) − ½`,
//! so `∂KL/∂μ = (μ − μ_old)/σ²` (pulled back through the mean network by one reverse pass) and
//! `∂KL/∂s = 1 − (σ_old² + (μ − μ_old)²)/σ²`.

use crate::policy::{gaussian, matrix, Linearization, Network, PolicySpec};

/// The old policy's means and log-stds on a batch of states.
#[derive(Clone, Debug, PartialEq)]
pub struct KlAnchor {
    obs: Vec<f64>,
    means: Vec<f64>,
    log_std: Vec<f64>,
}

impl KlAnchor {
    /// The policy `theta` on the states `obs` (rows x obs_dim).
    pub fn new(spec: &PolicySpec, theta: &[f64], obs: &[f64]) -> Self {
        let net = Network::new(spec, theta);
        let rows = obs.len() / spec.obs_dim.max(1);
        KlAnchor {
            obs: obs.to_vec(),
            means: net.mean_values(obs, rows),
            log_std: net.log_std(),
        }
    }

    fn rows(&self) -> usize {
        self.means.len() / self.log_std.len().max(1)
    }

    /// Mean `KL(π_old || π_θ)` over the states.
    pub fn value(&self, spec: &PolicySpec, theta: &[f64]) -> f64 {
        let (_, means) = self.means_at(spec, theta);
        gaussian::mean_kl(
            &self.means,
            &self.log_std,
            &means,
            &theta[spec.log_std_offset()..],
        )
    }

    /// Its gradient at `theta`.
    pub fn gradient(&self, spec: &PolicySpec, theta: &[f64]) -> Vec<f64> {
        self.value_and_gradient(spec, theta).1
    }

    /// The mean network linearized at `theta` on the states, and its means.
    fn means_at(&self, spec: &PolicySpec, theta: &[f64]) -> (Linearization, Vec<f64>) {
        let lin = Linearization::new(spec, theta, &matrix(&self.obs, self.rows(), spec.obs_dim));
        let means = lin.means().as_vec();
        (lin, means)
    }

    /// [`KlAnchor::value`] and [`KlAnchor::gradient`] from one forward pass.
    pub fn value_and_gradient(&self, spec: &PolicySpec, theta: &[f64]) -> (f64, Vec<f64>) {
        let rows = self.rows();
        let act = spec.act_dim;
        let (lin, means) = self.means_at(spec, theta);
        let log_std = &theta[spec.log_std_offset()..];
        let value = gaussian::mean_kl(&self.means, &self.log_std, &means, log_std);
        let n = rows.max(1) as f64;
        let cotangent: Vec<f64> = (0..rows * act)
            .map(|k| (means[k] - self.means[k]) / (2.0 * log_std[k % act]).exp() / n)
            .collect();
        let mut flat = lin.vector_jacobian_product(matrix(&cotangent, rows, act));
        let offset = spec.log_std_offset();
        for j in 0..act {
            let variance = (2.0 * log_std[j]).exp();
            let old_variance = (2.0 * self.log_std[j]).exp();
            let spread: f64 = (0..rows)
                .map(|r| (means[r * act + j] - self.means[r * act + j]).powi(2))
                .sum::<f64>()
                / n;
            flat[offset + j] = 1.0 - (old_variance + spread) / variance;
        }
        (value, flat)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::test_problems::{dot, problems, unit};
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn gradient_matches_central_differences_of_the_closed_form_kl() {
        for p in problems() {
            let mut rng = ChaCha8Rng::seed_from_u64(9);
            let obs = p.batch.obs.as_vec();
            let anchor = KlAnchor::new(&p.spec, &p.theta, &obs);
            // Away from the anchor, where the gradient is not zero.
            let theta = p.shifted(&[(0.05, &unit(&mut rng, p.theta.len()))]);
            let g = anchor.gradient(&p.spec, &theta);
            for _ in 0..6 {
                let u = unit(&mut rng, theta.len());
                let h = 1e-6;
                let plus: Vec<f64> = theta.iter().zip(&u).map(|(t, d)| t + h * d).collect();
                let minus: Vec<f64> = theta.iter().zip(&u).map(|(t, d)| t - h * d).collect();
                let diff =
                    (anchor.value(&p.spec, &plus) - anchor.value(&p.spec, &minus)) / (2.0 * h);
                let exact = dot(&g, &u);
                assert!(
                    (exact - diff).abs() <= 1e-5 * exact.abs().max(diff.abs()).max(1e-9),
                    "{exact:e} vs {diff:e}"
                );
            }
            // At the anchor the KL and its gradient vanish.
            assert!(anchor.value(&p.spec, &p.theta).abs() < 1e-15);
            let at_anchor = anchor.gradient(&p.spec, &p.theta);
            assert!(dot(&at_anchor, &at_anchor).sqrt() < 1e-12);
        }
    }
}
