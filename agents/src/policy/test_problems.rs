//! Problems shared by the derivative tests: small random policies, batches and loss weights,
//! with plain-f64 *values* of the loss and KL (computed with `gaussian`, not with dfdx's
//! backward) for finite differences.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::StandardNormal;

use super::derivatives::*;
use super::gaussian;
use super::network::{vector, Network, ReluPattern, Vector};
use super::spec::{Activation, PolicySpec};

pub const DIRECTIONS: usize = 20;

pub struct Problem {
    pub spec: PolicySpec,
    pub theta: Vec<f64>,
    pub batch: StateActionBatch,
    pub weights: Vec<f64>,
    pub pattern: ReluPattern,
}

pub fn gaussian_vec(rng: &mut ChaCha8Rng, n: usize) -> Vec<f64> {
    (0..n)
        .map(|_| rng.sample::<f64, _>(StandardNormal))
        .collect()
}

pub fn problem(activation: Activation, hidden: Vec<usize>, seed: u64) -> Problem {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let spec = PolicySpec {
        obs_dim: 3,
        act_dim: 2,
        hidden,
        activation,
    };
    let mut theta = spec.init_params(&mut rng);
    // Non-zero biases and log-stds so that every block of the gradient is exercised.
    for t in theta.iter_mut() {
        *t += 0.05 * rng.sample::<f64, _>(StandardNormal);
    }
    let rows = 64;
    let obs = gaussian_vec(&mut rng, rows * spec.obs_dim);
    let actions = gaussian_vec(&mut rng, rows * spec.act_dim);
    let weights = gaussian_vec(&mut rng, rows)
        .iter()
        .map(|w| w / rows as f64)
        .collect();
    let batch = StateActionBatch::new(&obs, spec.obs_dim, &actions, spec.act_dim);
    let pattern = relu_pattern(&spec, &theta, &batch.obs);
    Problem {
        spec,
        theta,
        batch,
        weights,
        pattern,
    }
}

pub fn problems() -> Vec<Problem> {
    vec![
        problem(Activation::Relu, vec![16, 16], 1),
        problem(Activation::Tanh, vec![16, 16], 2),
        problem(Activation::Relu, vec![100, 100], 3),
    ]
}

impl Problem {
    pub fn weights_tensor(&self) -> Vector {
        vector(&self.weights)
    }

    /// Means with the ReLU pattern frozen at the base point (the function whose exact
    /// derivatives the products compute).
    pub fn frozen_means(&self, theta: &[f64]) -> Vec<f64> {
        Network::new(&self.spec, theta)
            .mean(self.batch.obs.clone(), Some(&self.pattern.masks()))
            .as_vec()
    }

    pub fn log_std(&self, theta: &[f64]) -> Vec<f64> {
        theta[self.spec.log_std_offset()..].to_vec()
    }

    /// Σ w_t log π(a_t|s_t), from plain-f64 values.
    pub fn loss_value(&self, theta: &[f64]) -> f64 {
        let lp = gaussian::log_probs(
            &self.frozen_means(theta),
            &self.log_std(theta),
            &self.batch.actions.as_vec(),
        );
        lp.iter().zip(&self.weights).map(|(l, w)| l * w).sum()
    }

    pub fn gradient(&self) -> Vec<f64> {
        let w = self.weights_tensor();
        weighted_log_prob_gradient(&self.spec, &self.theta, &self.batch, &w, None)
    }

    pub fn hvp(&self, v: &[f64]) -> Vec<f64> {
        let w = self.weights_tensor();
        weighted_log_prob_hvp(&self.spec, &self.theta, &self.batch, &w, &self.pattern, v)
    }

    pub fn fvp(&self, v: &[f64]) -> Vec<f64> {
        fisher_vector_product(&self.spec, &self.theta, &self.batch.obs, &self.pattern, v)
    }

    pub fn shifted(&self, steps: &[(f64, &[f64])]) -> Vec<f64> {
        let mut t = self.theta.clone();
        for (h, d) in steps {
            for (ti, di) in t.iter_mut().zip(d.iter()) {
                *ti += h * di;
            }
        }
        t
    }

    /// `u·H v` of the loss from a mixed second difference of plain-f64 values (step 1e-3).
    pub fn mixed_second_difference(&self, u: &[f64], v: &[f64]) -> f64 {
        let h = 1e-3;
        let f = |a: f64, b: f64| self.loss_value(&self.shifted(&[(a, u), (b, v)]));
        (f(h, h) - f(h, -h) - f(-h, h) + f(-h, -h)) / (4.0 * h * h)
    }

    /// `u·F u` from the second difference of the closed-form KL from the base point (step 1e-3;
    /// the KL and its gradient vanish there).
    pub fn kl_curvature(&self, u: &[f64]) -> f64 {
        let h = 1e-3;
        (self.kl_from_base(&self.shifted(&[(h, u)])) + self.kl_from_base(&self.shifted(&[(-h, u)])))
            / (h * h)
    }

    pub fn kl_from_base(&self, theta: &[f64]) -> f64 {
        gaussian::mean_kl(
            &self.frozen_means(&self.theta),
            &self.log_std(&self.theta),
            &self.frozen_means(theta),
            &self.log_std(theta),
        )
    }
}

pub fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

pub fn unit(rng: &mut ChaCha8Rng, n: usize) -> Vec<f64> {
    let v = gaussian_vec(rng, n);
    let norm = dot(&v, &v).sqrt();
    v.iter().map(|x| x / norm).collect()
}

pub fn assert_close(a: f64, b: f64, rel: f64, what: &str) {
    let scale = a.abs().max(b.abs()).max(1e-8);
    assert!(
        (a - b).abs() <= rel * scale,
        "{what}: {a:e} vs {b:e} (relative error {:e} > {rel:e})",
        (a - b).abs() / scale
    );
}

/// ‖a − b‖ / ‖b‖.
pub fn relative_error(a: &[f64], b: &[f64]) -> f64 {
    let err: f64 = a.iter().zip(b).map(|(x, y)| (x - y).powi(2)).sum();
    (err / dot(b, b).max(1e-300)).sqrt()
}
