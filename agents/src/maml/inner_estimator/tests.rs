//! The estimators against independent checks:
//!
//! * their Hessian products (exact, forward mode) against mixed second differences of their
//!   objective's *values* on tanh nets, and against central differences of their gradients on
//!   ReLU nets, on batches of episodes of several lengths;
//! * their gradient at the sampling parameters against the fixed-sample policy gradient;
//! * their meta-gradient estimates on a one-step linear-Gaussian bandit whose post-adaptation
//!   return and its gradient are known in closed form: the LVC and DiCE estimates converge to
//!   the gradient of `J(θ + α ∇J(θ))` as the batches grow, the fixed-sample one does not;
//! * their Hessian estimates on two-step episodes with a closed-form Hessian: DiCE's mean is
//!   the Hessian, LVC's (which drops the cross-time terms) is not.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::StandardNormal;

use super::*;
use crate::episodes::EpisodeBatch;
use crate::policy::test_problems::{assert_close, dot, gaussian_vec, relative_error, unit};
use crate::policy::Activation;

const ESTIMATORS: [InnerEstimator; 3] = [
    InnerEstimator::FixedSample,
    InnerEstimator::Lvc,
    InnerEstimator::Dice,
];

fn settings(normalize: bool) -> AdvantageSettings {
    AdvantageSettings {
        gamma: 0.95,
        gae_lambda: 1.0,
        normalize,
    }
}

/// A random policy and a batch of episodes of lengths 1..=7 with random rewards.
fn random_step(
    activation: Activation,
    seed: u64,
    normalize: bool,
) -> (PolicySpec, PolicyGradientData) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let spec = PolicySpec {
        obs_dim: 3,
        act_dim: 2,
        hidden: vec![12, 12],
        activation,
    };
    let mut theta = spec.init_params(&mut rng);
    for t in theta.iter_mut() {
        *t += 0.1 * rng.sample::<f64, _>(StandardNormal);
    }
    let episode_lengths = vec![3, 7, 1, 5, 4, 6, 2];
    let rows: usize = episode_lengths.iter().sum();
    let batch = EpisodeBatch {
        obs_dim: 3,
        act_dim: 2,
        obs: gaussian_vec(&mut rng, rows * 3),
        actions: gaussian_vec(&mut rng, rows * 2),
        rewards: gaussian_vec(&mut rng, rows),
        terminated: vec![false; episode_lengths.len()],
        episode_lengths,
    };
    let data = PolicyGradientData::new(theta, batch, &settings(normalize));
    (spec, data)
}

fn shifted(theta: &[f64], steps: &[(f64, &[f64])]) -> Vec<f64> {
    let mut t = theta.to_vec();
    for (h, d) in steps {
        for (ti, di) in t.iter_mut().zip(d.iter()) {
            *ti += h * di;
        }
    }
    t
}

#[test]
fn every_estimator_takes_the_policy_gradient_step_at_the_sampling_parameters() {
    for normalize in [false, true] {
        let (spec, data) = random_step(Activation::Tanh, 1, normalize);
        let expected = data.loss_gradient(&spec, &data.theta);
        for estimator in ESTIMATORS {
            let terms = EstimatorTerms::new(estimator, &spec, &data, &settings(normalize));
            let g = terms.gradient(&data.loss, &spec, &data.theta);
            assert!(
                relative_error(&g, &expected) < 1e-12,
                "{}: {:e}",
                estimator.name(),
                relative_error(&g, &expected)
            );
        }
    }
}

#[test]
fn the_hessians_gradient_is_the_estimators_gradient_bit_for_bit() {
    // ProMP takes each re-run inner step with `InnerHessian::gradient` and reuses the Hessian in
    // its backward sweep: the step must be the one `EstimatorTerms::gradient` takes.
    for activation in [Activation::Tanh, Activation::Relu] {
        let (spec, data) = random_step(activation, 11, true);
        let mut rng = ChaCha8Rng::seed_from_u64(12);
        let away = shifted(
            &data.theta,
            &[(0.05, &gaussian_vec(&mut rng, data.theta.len()))],
        );
        for estimator in ESTIMATORS {
            let terms = EstimatorTerms::new(estimator, &spec, &data, &settings(true));
            for theta in [&data.theta, &away] {
                let expected = terms.gradient(&data.loss, &spec, theta);
                let kept = terms.hessian(&data.loss, &spec, theta).gradient();
                assert_eq!(kept, expected, "{} {activation:?}", estimator.name());
            }
        }
    }
}

#[test]
fn hessian_products_match_second_differences_of_the_objective_values_on_tanh_nets() {
    for (seed, normalize) in [(2, false), (3, true)] {
        let (spec, data) = random_step(Activation::Tanh, seed, normalize);
        let mut rng = ChaCha8Rng::seed_from_u64(seed + 10);
        // At the sampling parameters and away from them (ProMP's later steps: ratios ≠ 1).
        let away = shifted(&data.theta, &[(0.3, &unit(&mut rng, data.theta.len()))]);
        for (estimator, theta) in ESTIMATORS
            .iter()
            .flat_map(|&e| [(e, &data.theta), (e, &away)])
        {
            let terms = EstimatorTerms::new(estimator, &spec, &data, &settings(normalize));
            let hessian = terms.hessian(&data.loss, &spec, theta);
            let value = |t: &[f64]| terms.value(&data.loss, &spec, t);
            for _ in 0..10 {
                let u = unit(&mut rng, theta.len());
                let v = unit(&mut rng, theta.len());
                let h = 3e-4;
                let f = |a: f64, b: f64| value(&shifted(theta, &[(a, &u), (b, &v)]));
                let second = (f(h, h) - f(h, -h) - f(-h, h) + f(-h, -h)) / (4.0 * h * h);
                let exact = dot(&u, &hessian.product(&v));
                assert_close(exact, second, 1e-5, estimator.name());
                // Symmetry.
                let swapped = dot(&v, &hessian.product(&u));
                assert_close(exact, swapped, 1e-11, "symmetry");
                // The gradient is the objective's: first differences of values.
                let g = terms.gradient(&data.loss, &spec, theta);
                let h1 = 1e-5;
                let first = (value(&shifted(theta, &[(h1, &u)]))
                    - value(&shifted(theta, &[(-h1, &u)])))
                    / (2.0 * h1);
                assert_close(dot(&g, &u), first, 1e-5, "gradient");
            }
        }
    }
}

#[test]
fn score_terms_change_the_hessian() {
    let (spec, data) = random_step(Activation::Tanh, 4, true);
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    let v = unit(&mut rng, data.theta.len());
    let products: Vec<Vec<f64>> = ESTIMATORS
        .iter()
        .map(|&e| {
            let terms = EstimatorTerms::new(e, &spec, &data, &settings(true));
            terms.hessian(&data.loss, &spec, &data.theta).product(&v)
        })
        .collect();
    assert!(relative_error(&products[1], &products[0]) > 1e-2);
    assert!(relative_error(&products[2], &products[1]) > 1e-2);
}

#[test]
fn relu_hessian_products_match_central_differences_of_the_gradients() {
    for estimator in ESTIMATORS {
        let (spec, data) = random_step(Activation::Relu, 6, true);
        let theta = &data.theta;
        let terms = EstimatorTerms::new(estimator, &spec, &data, &settings(true));
        let hessian = terms.hessian(&data.loss, &spec, theta);
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let mut agree = 0;
        for _ in 0..10 {
            let v = unit(&mut rng, theta.len());
            let h = 1e-6;
            let plus = terms.gradient(&data.loss, &spec, &shifted(theta, &[(h, &v)]));
            let minus = terms.gradient(&data.loss, &spec, &shifted(theta, &[(-h, &v)]));
            let fd: Vec<f64> = plus
                .iter()
                .zip(&minus)
                .map(|(p, m)| (p - m) / (2.0 * h))
                .collect();
            if relative_error(&hessian.product(&v), &fd) < 1e-6 {
                agree += 1;
            }
        }
        // A difference may straddle a ReLU kink; the exact product uses the pattern at θ.
        assert!(
            agree >= 8,
            "{}: only {agree}/10 directions agree",
            estimator.name()
        );
    }
}

#[test]
fn dice_subsamples_whole_episodes_with_scaled_coefficients() {
    let (spec, data) = random_step(Activation::Tanh, 8, true);
    let terms = EstimatorTerms::new(InnerEstimator::Dice, &spec, &data, &settings(true));
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let (rows, sub) = terms.subsample(&data.loss, 0.5, &mut rng).unwrap();
    let Coupling::Dice(dice) = &sub.coupling else {
        panic!("DiCE terms")
    };
    // 4 of the 7 episodes, and all of their rows.
    assert_eq!(dice.episode_lengths.len(), 4);
    assert_eq!(dice.episode_lengths.iter().sum::<usize>(), rows.rows());
    assert_eq!(sub.sampled_log_likelihoods.len(), rows.rows());
    assert!(terms.subsample(&data.loss, 1.0, &mut rng).is_none());
}

/// A one-step bandit: a linear-Gaussian policy `a ~ N(w o + b, e^{2s})` at a fixed observation
/// `o`, reward `−(a − goal)²`. Its expected return `J(θ) = −(μ − goal)² − e^{2s}` and every
/// derivative are closed-form.
struct Bandit {
    spec: PolicySpec,
    obs: f64,
    goal: f64,
}

impl Bandit {
    fn mean(&self, theta: &[f64]) -> f64 {
        theta[0] * self.obs + theta[1]
    }

    /// `∇J(θ)` over (w, b, s).
    fn gradient(&self, theta: &[f64]) -> Vec<f64> {
        let dmu = -2.0 * (self.mean(theta) - self.goal);
        vec![dmu * self.obs, dmu, -2.0 * (2.0 * theta[2]).exp()]
    }

    /// `∇²J(θ) v`.
    fn hessian_product(&self, theta: &[f64], v: &[f64]) -> Vec<f64> {
        let dmu = v[0] * self.obs + v[1];
        vec![
            -2.0 * dmu * self.obs,
            -2.0 * dmu,
            -4.0 * (2.0 * theta[2]).exp() * v[2],
        ]
    }

    /// The gradient of the loss `−J(θ + α ∇J(θ))` after one exact policy-gradient step:
    /// `−(I + α ∇²J(θ)) ∇J(θ')`.
    fn meta_gradient(&self, theta: &[f64], lr: f64) -> Vec<f64> {
        let adapted = shifted(theta, &[(lr, &self.gradient(theta))]);
        let outer = self.gradient(&adapted);
        let h = self.hessian_product(theta, &outer);
        outer.iter().zip(h).map(|(g, h)| -(g + lr * h)).collect()
    }

    /// `k` one-step episodes sampled with θ.
    fn episodes(&self, theta: &[f64], k: usize, rng: &mut ChaCha8Rng) -> EpisodeBatch {
        let (mu, sigma) = (self.mean(theta), theta[2].exp());
        let actions: Vec<f64> = (0..k)
            .map(|_| mu + sigma * rng.sample::<f64, _>(StandardNormal))
            .collect();
        EpisodeBatch {
            obs_dim: 1,
            act_dim: 1,
            obs: vec![self.obs; k],
            rewards: actions.iter().map(|a| -(a - self.goal).powi(2)).collect(),
            actions,
            episode_lengths: vec![1; k],
            terminated: vec![true; k],
        }
    }

    /// The estimate `(I − α H) ∇_θ' L_out` of one batch of `k` inner episodes, with the exact
    /// outer gradient `−∇J(θ')` at the adapted θ' (so that only the inner estimator varies).
    fn estimate(
        &self,
        estimator: InnerEstimator,
        theta: &[f64],
        lr: f64,
        k: usize,
        rng: &mut ChaCha8Rng,
    ) -> Vec<f64> {
        let settings = AdvantageSettings {
            gamma: 1.0,
            gae_lambda: 1.0,
            normalize: false,
        };
        let data = PolicyGradientData::new(theta.to_vec(), self.episodes(theta, k, rng), &settings);
        let step = data.loss_gradient(&self.spec, theta);
        let adapted = shifted(theta, &[(-lr, &step)]);
        let outer: Vec<f64> = self.gradient(&adapted).iter().map(|g| -g).collect();
        let terms = EstimatorTerms::new(estimator, &self.spec, &data, &settings);
        let h = terms.hessian(&data.loss, &self.spec, theta).product(&outer);
        outer.iter().zip(h).map(|(g, h)| g - lr * h).collect()
    }

    /// Mean and standard error (per coordinate) of `repeats` estimates.
    fn mean_estimate(
        &self,
        estimator: InnerEstimator,
        theta: &[f64],
        lr: f64,
        k: usize,
        repeats: usize,
    ) -> (Vec<f64>, Vec<f64>) {
        let mut rng = ChaCha8Rng::seed_from_u64(k as u64);
        let samples: Vec<Vec<f64>> = (0..repeats)
            .map(|_| self.estimate(estimator, theta, lr, k, &mut rng))
            .collect();
        let n = repeats as f64;
        let mean: Vec<f64> = (0..theta.len())
            .map(|i| samples.iter().map(|s| s[i]).sum::<f64>() / n)
            .collect();
        let stderr = (0..theta.len())
            .map(|i| {
                let var = samples
                    .iter()
                    .map(|s| (s[i] - mean[i]).powi(2))
                    .sum::<f64>()
                    / (n - 1.0);
                (var / n).sqrt()
            })
            .collect();
        (mean, stderr)
    }
}

#[test]
fn lvc_and_dice_meta_gradients_converge_to_the_true_gradient_on_a_bandit_and_fixed_sample_does_not()
{
    let bandit = Bandit {
        spec: PolicySpec {
            obs_dim: 1,
            act_dim: 1,
            hidden: vec![],
            activation: Activation::Tanh,
        },
        obs: 1.0,
        goal: 1.5,
    };
    let theta = vec![0.3, 0.2, (0.8f64).ln()];
    let lr = 0.1;
    let target = bandit.meta_gradient(&theta, lr);
    let norm = dot(&target, &target).sqrt();
    let error = |mean: &[f64]| relative_error(mean, &target);
    let mut means = Vec::new();
    for estimator in ESTIMATORS {
        let (small, _) = bandit.mean_estimate(estimator, &theta, lr, 10, 4000);
        let (large, stderr) = bandit.mean_estimate(estimator, &theta, lr, 400, 4000);
        let noise = dot(&stderr, &stderr).sqrt() / norm;
        let (small, large) = (error(&small), error(&large));
        eprintln!(
            "{}: relative error {small:.4} at K=10, {large:.4} at K=400 (Monte-Carlo s.e. {noise:.4})",
            estimator.name()
        );
        if estimator == InnerEstimator::FixedSample {
            // The missing score term: a bias that more samples do not remove.
            assert!(large > 0.5 && large > 20.0 * noise, "fixed-sample {large}");
        } else {
            assert!(
                large < 0.05 && large < small / 5.0,
                "{}: {large}",
                estimator.name()
            );
        }
        means.push(large);
    }
    // One-step episodes: DiCE's score term is LVC's.
    assert!((means[1] - means[2]).abs() < 1e-9);
}

/// Two-step episodes at a fixed observation: actions `a_0, a_1 ~ N(w o + b, e^{2s})`, reward
/// `−(a_0 + a_1 − goal)²` at the second step only. `J(θ) = −(2μ − goal)² − 2σ²`: its Hessian is
/// closed-form and has cross-time terms (the first action's score times the second step's
/// reward) that DiCE keeps and LVC drops.
#[test]
fn on_two_step_episodes_dice_estimates_the_hessian_without_bias_and_lvc_does_not() {
    let spec = PolicySpec {
        obs_dim: 1,
        act_dim: 1,
        hidden: vec![],
        activation: Activation::Tanh,
    };
    let (goal, theta) = (1.0, vec![0.2, 0.1, (0.7f64).ln()]);
    let (mu, var) = (theta[0] + theta[1], (2.0 * theta[2]).exp());
    let v = [0.3, -0.5, 0.8];
    // Loss = −(1/N_rows) Σ ...: its expectation is −J/2 (two rows per episode), Hessian −∇²J/2.
    let dmu = v[0] + v[1];
    let exact = [8.0 * dmu / 2.0, 8.0 * dmu / 2.0, 8.0 * var * v[2] / 2.0];
    let settings = AdvantageSettings {
        gamma: 1.0,
        gae_lambda: 1.0,
        normalize: false,
    };
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    let (k, repeats) = (200, 2000);
    let mut errors = Vec::new();
    for estimator in [InnerEstimator::Lvc, InnerEstimator::Dice] {
        let mut mean = [0.0; 3];
        let mut sq = [0.0; 3];
        for _ in 0..repeats {
            let sigma = var.sqrt();
            let actions: Vec<f64> = (0..2 * k)
                .map(|_| mu + sigma * rng.sample::<f64, _>(StandardNormal))
                .collect();
            let rewards = (0..2 * k)
                .map(|i| {
                    if i % 2 == 1 {
                        -(actions[i - 1] + actions[i] - goal).powi(2)
                    } else {
                        0.0
                    }
                })
                .collect();
            let batch = EpisodeBatch {
                obs_dim: 1,
                act_dim: 1,
                obs: vec![1.0; 2 * k],
                actions,
                rewards,
                episode_lengths: vec![2; k],
                terminated: vec![true; k],
            };
            let data = PolicyGradientData::new(theta.clone(), batch, &settings);
            let terms = EstimatorTerms::new(estimator, &spec, &data, &settings);
            let hv = terms.hessian(&data.loss, &spec, &theta).product(&v);
            for i in 0..3 {
                mean[i] += hv[i] / repeats as f64;
                sq[i] += hv[i] * hv[i] / repeats as f64;
            }
        }
        let stderr: Vec<f64> = (0..3)
            .map(|i| ((sq[i] - mean[i] * mean[i]) / repeats as f64).sqrt())
            .collect();
        let error = relative_error(&mean, &exact);
        let noise = dot(&stderr, &stderr).sqrt() / dot(&exact, &exact).sqrt();
        eprintln!(
            "{}: relative error {error:.4} (Monte-Carlo s.e. {noise:.4})",
            estimator.name()
        );
        errors.push((error, noise));
    }
    let ((lvc, lvc_noise), (dice, dice_noise)) = (errors[0], errors[1]);
    assert!(dice < 0.05 && dice < 4.0 * dice_noise + 0.01, "DiCE {dice}");
    assert!(lvc > 0.2 && lvc > 6.0 * lvc_noise, "LVC {lvc}");
}
