//! The meta-gradient and the TRPO metric against independent checks: finite differences of the
//! meta-objective's *values* (re-adapting at shifted meta-parameters), for one and two inner
//! steps; and determinism of whole meta-iterations across worker counts.

use metarl_envs::{task_distribution, TaskDistribution};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

use super::*;
use crate::policy::{Activation, PolicySpec};
use crate::sampler::EnvPool;
use crate::seeding::{derive_rng, Stream};
use crate::trpo::{dot, TrpoConfig};

fn setup(activation: Activation) -> (Box<dyn TaskDistribution>, PolicySpec, Vec<f64>) {
    let dist = task_distribution("nav2d", Some(12)).unwrap();
    let spec = PolicySpec {
        obs_dim: dist.obs_dim(),
        act_dim: dist.act_dim(),
        hidden: vec![16, 16],
        activation,
    };
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let mut theta = spec.init_params(&mut rng);
    // Off the zero biases of the initialization: nav2d starts at the origin, so with zero biases
    // the first step's pre-activations sit exactly on the ReLU kinks.
    for t in &mut theta {
        *t += 0.05 * Distribution::<f64>::sample(&StandardNormal, &mut rng);
    }
    let ls = spec.log_std_offset();
    for t in &mut theta[ls..] {
        *t = -0.5;
    }
    (dist, spec, theta)
}

fn settings() -> AdvantageSettings {
    AdvantageSettings {
        gamma: 0.99,
        gae_lambda: 1.0,
        normalize: true,
    }
}

fn objective(
    dist: &dyn TaskDistribution,
    spec: &PolicySpec,
    theta: &[f64],
    lrs: &[f64],
    task_seed: u64,
) -> TaskObjective {
    let task = dist.sample_tasks(&mut ChaCha8Rng::seed_from_u64(task_seed), 1)[0].clone();
    let mut pool = EnvPool::new(dist);
    let adaptation = adapt_task(
        &mut pool,
        spec,
        theta,
        &task,
        lrs,
        6,
        &settings(),
        |s, e| (s * 100 + e) as u64 + task_seed * 10_000,
    );
    TaskObjective::new(
        spec,
        adaptation,
        &settings(),
        1.0,
        &mut ChaCha8Rng::seed_from_u64(0),
    )
}

fn random_unit(n: usize, seed: u64) -> Vec<f64> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let v: Vec<f64> = (0..n).map(|_| StandardNormal.sample(&mut rng)).collect();
    let norm = dot(&v, &v).sqrt();
    v.iter().map(|x| x / norm).collect()
}

fn shifted(theta: &[f64], u: &[f64], h: f64) -> Vec<f64> {
    theta.iter().zip(u).map(|(t, ui)| t + h * ui).collect()
}

fn check_meta_gradient(lrs: &[f64]) {
    let (dist, spec, theta) = setup(Activation::Tanh);
    for task_seed in 0..3 {
        let obj = objective(dist.as_ref(), &spec, &theta, lrs, task_seed);
        let g = obj.meta_gradient(&spec, false);
        let g_first_order = obj.meta_gradient(&spec, true);
        let mut second_order_matters = false;
        for dir in 0..8 {
            let u = random_unit(theta.len(), 100 + dir);
            let h = 1e-5;
            let value = |t: &[f64]| obj.evaluate(&spec, t).surrogate;
            let fd = (value(&shifted(&theta, &u, h)) - value(&shifted(&theta, &u, -h))) / (2.0 * h);
            let exact = dot(&g, &u);
            let scale = fd.abs().max(exact.abs()).max(1e-6);
            assert!(
                (exact - fd).abs() <= 1e-5 * scale,
                "{} inner steps: meta-gradient {exact:e} vs finite difference {fd:e}",
                lrs.len()
            );
            let fo = dot(&g_first_order, &u);
            second_order_matters |= (fo - fd).abs() > 1e-3 * scale;
        }
        assert!(
            second_order_matters,
            "the Hessian term must change the meta-gradient"
        );
    }
}

#[test]
fn meta_gradient_matches_finite_differences_of_the_readapted_surrogate_one_step() {
    check_meta_gradient(&[0.5]);
}

#[test]
fn meta_gradient_matches_finite_differences_of_the_readapted_surrogate_two_steps() {
    check_meta_gradient(&[0.5, 0.3]);
}

#[test]
fn metric_product_matches_the_curvature_of_the_exact_kl_for_one_and_two_steps() {
    let (dist, spec, theta) = setup(Activation::Tanh);
    for lrs in [vec![0.5], vec![0.5, 0.3]] {
        let obj = objective(dist.as_ref(), &spec, &theta, &lrs, 7);
        for dir in 0..8 {
            let u = random_unit(theta.len(), 200 + dir);
            let v = random_unit(theta.len(), 300 + dir);
            let mu = obj.metric_product(&spec, &u, false);
            let umu = dot(&u, &mu);
            assert!(umu > 0.0);
            let h = 1e-3;
            let kl = |t: &[f64]| obj.evaluate(&spec, t).kl;
            let curvature = (kl(&shifted(&theta, &u, h)) + kl(&shifted(&theta, &u, -h))) / (h * h);
            assert!(
                (umu - curvature).abs() <= 1e-4 * umu,
                "{} steps: u.Mu {umu:e} vs KL curvature {curvature:e}",
                lrs.len()
            );
            let vmu = dot(&v, &mu);
            let umv = dot(&u, &obj.metric_product(&spec, &v, false));
            assert!(
                (vmu - umv).abs() <= 1e-7 * umu.max(vmu.abs()),
                "symmetry {vmu:e} {umv:e}"
            );
        }
    }
}

#[test]
fn relu_meta_gradient_agrees_with_finite_differences_in_most_directions() {
    // The ReLU objective is only piecewise smooth: value differences may straddle a kink, so
    // require agreement in most (not all) random directions at a small step.
    let (dist, spec, theta) = setup(Activation::Relu);
    let obj = objective(dist.as_ref(), &spec, &theta, &[0.5], 11);
    let g = obj.meta_gradient(&spec, false);
    let mut agree = 0;
    for dir in 0..10 {
        let u = random_unit(theta.len(), 400 + dir);
        let h = 1e-6;
        let value = |t: &[f64]| obj.evaluate(&spec, t).surrogate;
        let fd = (value(&shifted(&theta, &u, h)) - value(&shifted(&theta, &u, -h))) / (2.0 * h);
        let exact = dot(&g, &u);
        if (exact - fd).abs() <= 1e-4 * fd.abs().max(exact.abs()).max(1e-6) {
            agree += 1;
        }
    }
    assert!(agree >= 8, "only {agree}/10 directions agree");
}

fn tiny_config(inner_steps: usize) -> (MamlConfig, TrpoConfig) {
    let maml = MamlConfig {
        meta_batch_size: 3,
        episodes_per_task: 4,
        inner_steps,
        curvature_subsample: 0.5,
        ..MamlConfig::default()
    };
    (maml, TrpoConfig::default())
}

fn run(workers: usize, inner_steps: usize, iterations: u64) -> (Vec<IterationMetrics>, Vec<f64>) {
    run_with(workers, tiny_config(inner_steps), iterations)
}

fn run_with(
    workers: usize,
    (maml, trpo): (MamlConfig, TrpoConfig),
    iterations: u64,
) -> (Vec<IterationMetrics>, Vec<f64>) {
    let (dist, spec, _) = setup(Activation::Relu);
    let theta = spec.init_params(&mut derive_rng(5, Stream::Init, &[]));
    let mut learner = MamlTrpo::new(dist.as_ref(), spec, maml, trpo, 5, workers, theta);
    let metrics = (0..iterations)
        .map(|i| {
            let mut m = learner.iteration(i);
            m.seconds = 0.0;
            m.seconds_sampling = 0.0;
            m.seconds_inner = 0.0;
            m.seconds_meta_gradient = 0.0;
            m.seconds_cg = 0.0;
            m.seconds_line_search = 0.0;
            m
        })
        .collect();
    (metrics, learner.theta().to_vec())
}

#[test]
fn meta_iterations_are_bit_identical_for_one_and_two_workers() {
    let (m1, t1) = run(1, 1, 3);
    let (m2, t2) = run(2, 1, 3);
    assert_eq!(m1, m2);
    assert_eq!(t1, t2);
    let (m3, _) = run(1, 1, 3);
    assert_eq!(m1, m3, "same seed, same run");
}

#[test]
fn multi_step_inner_loop_trains_and_counts_every_batch() {
    let (metrics, theta) = run(2, 2, 2);
    assert!(theta.iter().all(|x| x.is_finite()));
    for m in &metrics {
        // 3 tasks x 4 episodes x 12 steps x (2 inner batches + 1 validation batch), at most.
        assert!(m.env_steps <= 3 * 4 * 12 * 3 && m.env_steps > 3 * 4 * 3);
        assert!(m.kl <= TrpoConfig::default().max_kl);
        assert!(m.surrogate_after <= m.surrogate_before);
    }
    assert!(metrics.iter().any(|m| m.step_accepted));
}

#[test]
fn first_order_maml_takes_trust_region_steps_different_from_second_order() {
    let (mut maml, trpo) = tiny_config(1);
    maml.first_order = true;
    let (first_order, theta_fo) = run_with(1, (maml, trpo), 2);
    let (second_order, theta_so) = run(1, 1, 2);
    assert!(first_order.iter().any(|m| m.step_accepted));
    assert!(first_order
        .iter()
        .all(|m| m.kl <= TrpoConfig::default().max_kl));
    // Same samples in the first iteration (same seed and parameters), different updates.
    assert_eq!(first_order[0].return_pre, second_order[0].return_pre);
    assert_ne!(theta_fo, theta_so);
}

#[test]
fn non_finite_rewards_reject_the_step_and_leave_theta_unchanged() {
    let (dist, spec, theta) = setup(Activation::Relu);
    let nan = metarl_envs::testing::NanRewards(dist);
    let (maml, trpo) = tiny_config(1);
    let mut learner = MamlTrpo::new(&nan, spec, maml, trpo, 5, 2, theta.clone());
    let m = learner.iteration(0);
    assert!(m.step_rejected);
    assert!(!m.step_accepted);
    assert_eq!(m.kl, 0.0);
    assert_eq!(learner.theta(), theta.as_slice());
}
