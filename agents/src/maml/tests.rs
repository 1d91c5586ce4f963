//! The meta-gradient and the TRPO metric against independent checks: finite differences of the
//! meta-objective's *values* (re-adapting at shifted meta-parameters), for one and two inner
//! steps; determinism of whole meta-iterations across worker counts; the learner interface; and
//! episode observers.

use std::sync::Arc;

use metarl_envs::{task_distribution, Env, TaskDistribution};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

use super::*;
use crate::learner::{LearnerError, MetaLearner};
use crate::policy::test_problems::relative_error;
use crate::policy::{Activation, PolicySpec};
use crate::sampler::{sample_task, EnvPool, EpisodeEvent, SampleRequest};
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
    estimator: InnerEstimator,
) -> TaskObjective {
    objective_with_rates(dist, spec, theta, lrs, task_seed, estimator, None)
}

/// [`objective`] with Meta-SGD's per-parameter `rates` for the first inner step.
fn objective_with_rates(
    dist: &dyn TaskDistribution,
    spec: &PolicySpec,
    theta: &[f64],
    lrs: &[f64],
    task_seed: u64,
    estimator: InnerEstimator,
    rates: Option<&[f64]>,
) -> TaskObjective {
    let task = dist.sample_tasks(&mut ChaCha8Rng::seed_from_u64(task_seed), 1)[0].clone();
    let mut pool = EnvPool::new(dist);
    let request = AdaptRequest {
        spec,
        theta,
        task: &task,
        lrs,
        first_step_rates: rates,
        episodes: 6,
        advantages: &settings(),
    };
    let adaptation = adapt_task(&mut pool, &request, |s, e| {
        (s * 100 + e) as u64 + task_seed * 10_000
    });
    let objective_settings = ObjectiveSettings {
        advantages: settings(),
        curvature_subsample: 1.0,
        estimator,
        exploration: true,
    };
    TaskObjective::new(
        spec,
        adaptation,
        &objective_settings,
        &mut ChaCha8Rng::seed_from_u64(0),
    )
}

const ESTIMATORS: [InnerEstimator; 3] = [
    InnerEstimator::FixedSample,
    InnerEstimator::Lvc,
    InnerEstimator::Dice,
];

fn random_unit(n: usize, seed: u64) -> Vec<f64> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let v: Vec<f64> = (0..n).map(|_| StandardNormal.sample(&mut rng)).collect();
    let norm = dot(&v, &v).sqrt();
    v.iter().map(|x| x / norm).collect()
}

fn shifted(theta: &[f64], u: &[f64], h: f64) -> Vec<f64> {
    theta.iter().zip(u).map(|(t, ui)| t + h * ui).collect()
}

fn check_meta_gradient(lrs: &[f64], estimator: InnerEstimator) {
    let (dist, spec, theta) = setup(Activation::Tanh);
    for task_seed in 0..3 {
        let obj = objective(dist.as_ref(), &spec, &theta, lrs, task_seed, estimator);
        let g = obj.meta_gradient(&spec, false);
        let g_first_order = obj.meta_gradient(&spec, true);
        let mut second_order_matters = false;
        for dir in 0..8 {
            let u = random_unit(theta.len(), 100 + dir);
            let h = 1e-5;
            let value = |t: &[f64]| obj.evaluate(&spec, t).surrogate;
            let fd = (value(&shifted(&theta, &u, h)) - value(&shifted(&theta, &u, -h))) / (2.0 * h);
            let estimate = dot(&g, &u);
            let scale = fd.abs().max(estimate.abs()).max(1e-6);
            assert!(
                (estimate - fd).abs() <= 1e-5 * scale,
                "{} inner steps, {}: meta-gradient {estimate:e} vs finite difference {fd:e}",
                lrs.len(),
                estimator.name()
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
    for estimator in ESTIMATORS {
        check_meta_gradient(&[0.5], estimator);
    }
}

#[test]
fn meta_gradient_matches_finite_differences_of_the_readapted_surrogate_two_steps() {
    for estimator in ESTIMATORS {
        check_meta_gradient(&[0.5, 0.3], estimator);
    }
}

#[test]
fn exploration_gradient_matches_finite_differences_of_the_exploration_value() {
    let (dist, spec, theta) = setup(Activation::Tanh);
    let obj = objective(
        dist.as_ref(),
        &spec,
        &theta,
        &[0.5],
        2,
        InnerEstimator::FixedSample,
    );
    let e = obj.exploration_gradient(&spec);
    assert_eq!(obj.exploration_value(&spec, &theta), 0.0);
    for dir in 0..8 {
        let u = random_unit(theta.len(), 500 + dir);
        let h = 1e-5;
        let value = |t: &[f64]| obj.exploration_value(&spec, t);
        let fd = (value(&shifted(&theta, &u, h)) - value(&shifted(&theta, &u, -h))) / (2.0 * h);
        let estimate = dot(&e, &u);
        assert!(
            (estimate - fd).abs() <= 1e-6 * fd.abs().max(estimate.abs()).max(1e-6),
            "{estimate:e} vs {fd:e}"
        );
    }
}

#[test]
fn meta_sgd_gradient_and_metric_over_theta_and_rates_match_finite_differences() {
    let (dist, spec, theta) = setup(Activation::Tanh);
    let n = theta.len();
    let mut rng = ChaCha8Rng::seed_from_u64(21);
    let rates: Vec<f64> = (0..n)
        .map(|_| 0.2 + 0.3 * rand::Rng::gen::<f64>(&mut rng))
        .collect();
    let obj = objective_with_rates(
        dist.as_ref(),
        &spec,
        &theta,
        &[0.5],
        3,
        InnerEstimator::FixedSample,
        Some(&rates),
    );
    let phi: Vec<f64> = theta.iter().chain(&rates).copied().collect();
    let g = obj.meta_gradient(&spec, false);
    assert_eq!(g.len(), 2 * n);
    for dir in 0..8 {
        let u = random_unit(2 * n, 600 + dir);
        let h = 1e-5;
        let value = |t: &[f64]| obj.evaluate(&spec, t).surrogate;
        let fd = (value(&shifted(&phi, &u, h)) - value(&shifted(&phi, &u, -h))) / (2.0 * h);
        let estimate = dot(&g, &u);
        assert!(
            (estimate - fd).abs() <= 1e-5 * fd.abs().max(estimate.abs()).max(1e-6),
            "meta-gradient {estimate:e} vs {fd:e}"
        );
        let mu = obj.metric_product(&u, false);
        let umu = dot(&u, &mu);
        let hk = 2e-4;
        let kl = |t: &[f64]| obj.evaluate(&spec, t).kl;
        let curvature = (kl(&shifted(&phi, &u, hk)) + kl(&shifted(&phi, &u, -hk))) / (hk * hk);
        assert!(
            (umu - curvature).abs() <= 1e-4 * umu,
            "u.Mu {umu:e} vs KL curvature {curvature:e}"
        );
    }
}

#[test]
fn metric_product_matches_the_curvature_of_the_closed_form_kl_for_one_and_two_steps() {
    let (dist, spec, theta) = setup(Activation::Tanh);
    let lrs_cases = [vec![0.5], vec![0.5, 0.3]];
    let cases = lrs_cases
        .iter()
        .flat_map(|l| ESTIMATORS.map(|e| (l.clone(), e)));
    for (lrs, estimator) in cases {
        let obj = objective(dist.as_ref(), &spec, &theta, &lrs, 7, estimator);
        for dir in 0..8 {
            let u = random_unit(theta.len(), 200 + dir);
            let v = random_unit(theta.len(), 300 + dir);
            let mu = obj.metric_product(&u, false);
            let umu = dot(&u, &mu);
            assert!(umu > 0.0);
            let h = 2e-4;
            let kl = |t: &[f64]| obj.evaluate(&spec, t).kl;
            let curvature = (kl(&shifted(&theta, &u, h)) + kl(&shifted(&theta, &u, -h))) / (h * h);
            assert!(
                (umu - curvature).abs() <= 1e-4 * umu,
                "{} steps, {}: u.Mu {umu:e} vs KL curvature {curvature:e}",
                lrs.len(),
                estimator.name()
            );
            let vmu = dot(&v, &mu);
            let umv = dot(&u, &obj.metric_product(&v, false));
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
    let obj = objective(
        dist.as_ref(),
        &spec,
        &theta,
        &[0.5],
        11,
        InnerEstimator::FixedSample,
    );
    let g = obj.meta_gradient(&spec, false);
    let mut agree = 0;
    for dir in 0..10 {
        let u = random_unit(theta.len(), 400 + dir);
        let h = 1e-6;
        let value = |t: &[f64]| obj.evaluate(&spec, t).surrogate;
        let fd = (value(&shifted(&theta, &u, h)) - value(&shifted(&theta, &u, -h))) / (2.0 * h);
        let estimate = dot(&g, &u);
        if (estimate - fd).abs() <= 1e-4 * fd.abs().max(estimate.abs()).max(1e-6) {
            agree += 1;
        }
    }
    assert!(agree >= 8, "only {agree}/10 directions agree");
}

/// Finn et al.'s meta-gradient and the TRPO metric product of `obj` (curvature on every row)
/// recomposed from the central-difference products of `policy::derivatives`.
fn finite_difference_products(
    obj: &TaskObjective,
    spec: &PolicySpec,
    u: &[f64],
) -> (Vec<f64>, Vec<f64>) {
    let adaptation = obj.adaptation();
    let steps = &adaptation.steps;
    let validation = PolicyGradientData::new(
        adaptation.adapted.clone(),
        adaptation.validation.clone(),
        &settings(),
    );
    let inner_factor = |step: &InnerStep, x: &mut Vec<f64>| {
        let data = &step.data;
        step.size
            .apply_jacobian(x, |v| data.loss.finite_difference_hvp(spec, &data.theta, v));
    };
    let mut g = validation.loss_gradient(spec, &adaptation.adapted);
    for step in steps.iter().rev() {
        inner_factor(step, &mut g);
    }
    let mut x = u.to_vec();
    for step in steps {
        inner_factor(step, &mut x);
    }
    let eps = &validation.episodes;
    let obs = crate::policy::matrix(&eps.obs, eps.rows(), eps.obs_dim);
    let pattern = crate::policy::relu_pattern(spec, &adaptation.adapted, &obs);
    let mut y = crate::policy::fisher_vector_product(spec, &adaptation.adapted, &obs, &pattern, &x);
    for step in steps.iter().rev() {
        inner_factor(step, &mut y);
    }
    (g, y)
}

#[test]
fn exact_products_agree_with_the_finite_difference_path_for_one_and_two_steps() {
    for activation in [Activation::Tanh, Activation::Relu] {
        let (dist, spec, theta) = setup(activation);
        for lrs in [vec![0.5], vec![0.5, 0.3]] {
            let obj = objective(
                dist.as_ref(),
                &spec,
                &theta,
                &lrs,
                5,
                InnerEstimator::FixedSample,
            );
            for dir in 0..8 {
                let u = random_unit(theta.len(), 500 + dir);
                let (g_fd, metric_fd) = finite_difference_products(&obj, &spec, &u);
                let g = obj.meta_gradient(&spec, false);
                let metric = obj.metric_product(&u, false);
                let (rel_g, rel_m) = (
                    relative_error(&g, &g_fd),
                    relative_error(&metric, &metric_fd),
                );
                let what = format!("{activation:?}, {} steps", lrs.len());
                assert!(rel_g < 1e-8, "{what}: meta-gradient {rel_g:e}");
                assert!(rel_m < 1e-8, "{what}: metric product {rel_m:e}");
            }
        }
    }
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
    let mut learner = tiny_learner(workers, (maml, trpo));
    let metrics = (0..iterations)
        .map(|i| without_timings(learner.iteration(i)))
        .collect();
    (metrics, learner.theta().to_vec())
}

fn tiny_learner(workers: usize, (maml, trpo): (MamlConfig, TrpoConfig)) -> MamlTrpo {
    let (dist, spec, _) = setup(Activation::Relu);
    let theta = spec.init_params(&mut derive_rng(5, Stream::Init, &[]));
    let settings = MamlTrpoSettings {
        maml,
        trpo,
        seed: 5,
        workers,
        exploration: false,
        learn_rates: false,
    };
    MamlTrpo::new(Arc::from(dist), spec, theta, settings).unwrap()
}

fn without_timings(mut m: IterationMetrics) -> IterationMetrics {
    m.seconds = 0.0;
    m.seconds_sampling = 0.0;
    m.seconds_inner = 0.0;
    m.seconds_meta_gradient = 0.0;
    m.seconds_cg = 0.0;
    m.seconds_line_search = 0.0;
    m.seconds_communication = 0.0;
    m.ranks = 1;
    m
}

/// A team of `size` ranks on threads of this process: `all_gather` publishes each rank's
/// values and waits for all of them (a barrier before and after reading).
struct ThreadTeam {
    size: usize,
    rank: usize,
    slots: Arc<(std::sync::Mutex<Vec<Vec<f64>>>, std::sync::Barrier)>,
}

impl crate::team::TaskTeam for ThreadTeam {
    fn size(&self) -> usize {
        self.size
    }
    fn rank(&self) -> usize {
        self.rank
    }
    fn all_gather(&self, local: &[f64], lengths: &[usize]) -> Vec<f64> {
        let (slots, barrier) = &*self.slots;
        slots.lock().unwrap()[self.rank] = local.to_vec();
        barrier.wait();
        let all = slots.lock().unwrap().concat();
        barrier.wait();
        assert_eq!(all.len(), lengths.iter().sum::<usize>());
        all
    }
}

#[test]
fn teams_of_any_size_compute_the_single_process_bits() {
    let (solo_metrics, solo_theta) = run(1, 2, 2);
    for size in 1..=3 {
        let slots = Arc::new((
            std::sync::Mutex::new(vec![Vec::new(); size]),
            std::sync::Barrier::new(size),
        ));
        let ranks: Vec<_> = (0..size)
            .map(|rank| {
                let slots = slots.clone();
                std::thread::spawn(move || {
                    let mut learner = tiny_learner(1, tiny_config(2));
                    learner.set_team(Arc::new(ThreadTeam { size, rank, slots }));
                    let metrics: Vec<IterationMetrics> = (0..2)
                        .map(|i| {
                            let m = learner.iteration(i);
                            assert_eq!(m.ranks, size);
                            without_timings(m)
                        })
                        .collect();
                    (metrics, learner.theta().to_vec())
                })
            })
            .collect();
        for handle in ranks {
            let (metrics, theta) = handle.join().unwrap();
            assert_eq!(metrics, solo_metrics, "team of {size}");
            assert_eq!(theta, solo_theta, "team of {size}");
        }
    }
}

#[test]
fn meta_iterations_are_bit_identical_for_one_and_two_workers() {
    let (m1, t1) = run(1, 1, 3);
    let (m2, t2) = run(2, 1, 3);
    assert_eq!(m1, m2);
    assert_eq!(t1, t2);
    let (m3, _) = run(1, 1, 3);
    assert_eq!(m1, m3, "same seed, same run");
    let (m0, t0) = run(0, 1, 3);
    assert_eq!((m1, t1), (m0, t0), "0 workers = all cores, same results");
}

#[test]
fn multi_step_inner_loop_trains_and_counts_every_batch() {
    let (metrics, theta) = run(2, 2, 2);
    assert!(theta.iter().all(|x| x.is_finite()));
    for m in &metrics {
        // 3 tasks x 4 episodes x 12 steps x (2 inner batches + 1 validation batch), at most.
        assert!(m.env_steps <= 3 * 4 * 12 * 3 && m.env_steps > 3 * 4 * 3);
        // An accepted step moved the adapted policies and improved the surrogate.
        if m.step_accepted {
            assert!(m.kl > 0.0, "accepted step with zero KL: {m:?}");
            assert!(m.surrogate_after < m.surrogate_before, "{m:?}");
        }
        assert_eq!(m.baseline_zero_fallbacks, 0);
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
        .filter(|m| m.step_accepted)
        .all(|m| m.kl > 0.0));
    // Same samples in the first iteration (same seed and parameters), different updates.
    assert_eq!(first_order[0].return_pre, second_order[0].return_pre);
    assert_ne!(theta_fo, theta_so);
}

#[test]
fn non_finite_rewards_reject_the_step_and_leave_theta_unchanged() {
    let (dist, spec, theta) = setup(Activation::Relu);
    let nan = metarl_envs::testing::NanRewards(dist);
    let (maml, trpo) = tiny_config(1);
    let settings = MamlTrpoSettings {
        maml,
        trpo,
        seed: 5,
        workers: 2,
        exploration: false,
        learn_rates: false,
    };
    let mut learner = MamlTrpo::new(Arc::new(nan), spec, theta.clone(), settings).unwrap();
    let m = learner.iteration(0);
    assert!(m.step_rejected);
    assert!(!m.step_accepted);
    assert_eq!(m.kl, 0.0);
    assert_eq!(learner.theta(), theta.as_slice());
    // Every baseline fit (3 tasks x (1 inner batch + 1 validation batch)) met NaN returns.
    assert_eq!(m.baseline_zero_fallbacks, 6);
    assert_eq!(m.baseline_ridge_escalations, 0);
}

#[test]
fn learner_rejects_a_theta_of_the_wrong_length() {
    let (dist, spec, theta) = setup(Activation::Relu);
    let settings = MamlTrpoSettings {
        maml: tiny_config(1).0,
        trpo: TrpoConfig::default(),
        seed: 5,
        workers: 1,
        exploration: false,
        learn_rates: false,
    };
    let short = theta[1..].to_vec();
    let err = MamlTrpo::new(Arc::from(dist), spec, short, settings).err();
    assert_eq!(
        err,
        Some(LearnerError::WrongLength {
            what: "theta".into(),
            expected: theta.len(),
            got: theta.len() - 1
        })
    );
}

#[test]
fn restoring_a_checkpoint_resumes_bit_for_bit() {
    let (m_straight, t_straight) = run(1, 1, 3);
    let mut first = tiny_learner(1, tiny_config(1));
    first.iteration(0);
    first.iteration(1);
    let saved: Box<dyn MetaLearner> = Box::new(first);
    assert_eq!(saved.name(), "maml-trpo");
    assert!(saved.state().is_empty());

    let mut resumed: Box<dyn MetaLearner> = Box::new(tiny_learner(2, tiny_config(1)));
    let n = resumed.theta().len();
    assert_eq!(
        resumed.restore(vec![0.0; n + 1], &[]),
        Err(LearnerError::WrongLength {
            what: "theta".into(),
            expected: n,
            got: n + 1
        })
    );
    assert_eq!(
        resumed.restore(saved.theta().to_vec(), &[("adam_m".into(), vec![0.0])]),
        Err(LearnerError::UnknownState("adam_m".into()))
    );
    resumed
        .restore(saved.theta().to_vec(), &saved.state())
        .unwrap();
    let m = without_timings(resumed.iteration(2));
    assert_eq!(m, m_straight[2]);
    assert_eq!(resumed.theta(), t_straight.as_slice());
}

/// Rewards and first observations of every episode of every stage, from observer events.
#[derive(Default)]
struct Recorded {
    /// `rewards[stage][episode]`.
    rewards: Vec<Vec<Vec<f64>>>,
    /// `resets[stage][episode]`.
    resets: Vec<Vec<Vec<f64>>>,
    /// Steps seen with a terminated or truncated flag, per stage.
    ends: Vec<usize>,
}

impl StageObserver for Recorded {
    fn observe(&mut self, stage: usize, event: EpisodeEvent<'_>, env: &dyn Env) {
        assert_eq!(env.horizon(), 12);
        while self.rewards.len() <= stage {
            self.rewards.push(Vec::new());
            self.resets.push(Vec::new());
            self.ends.push(0);
        }
        match event {
            EpisodeEvent::Reset { episode, obs } => {
                assert_eq!(episode, self.resets[stage].len(), "resets in episode order");
                self.resets[stage].push(obs.to_vec());
                self.rewards[stage].push(Vec::new());
            }
            EpisodeEvent::Step { episode, step } => {
                self.rewards[stage][episode].push(step.reward);
                self.ends[stage] += usize::from(step.terminated || step.truncated);
            }
        }
    }
}

/// The episodes of `batch` split into (first observation, rewards) per episode.
fn split(batch: &crate::EpisodeBatch) -> (Vec<Vec<f64>>, Vec<Vec<f64>>) {
    let mut start = 0;
    let mut firsts = Vec::new();
    let mut rewards = Vec::new();
    for &len in &batch.episode_lengths {
        firsts.push(batch.obs[start * batch.obs_dim..(start + 1) * batch.obs_dim].to_vec());
        rewards.push(batch.rewards[start..start + len].to_vec());
        start += len;
    }
    (firsts, rewards)
}

#[test]
fn observed_episodes_are_the_adaptation_batches_and_resampling_reproduces_them() {
    let (dist, spec, theta) = setup(Activation::Tanh);
    let task = dist.sample_tasks(&mut ChaCha8Rng::seed_from_u64(4), 1)[0].clone();
    let lrs = [0.5, 0.3];
    let request = AdaptRequest {
        spec: &spec,
        theta: &theta,
        task: &task,
        lrs: &lrs,
        first_step_rates: None,
        episodes: 5,
        advantages: &settings(),
    };
    let seed = |s: usize, e: usize| (s * 100 + e) as u64 + 77;
    let mut pool = EnvPool::new(dist.as_ref());
    let mut recorded = Recorded::default();
    let adaptation = adapt_task_observed(&mut pool, &request, seed, &mut recorded);
    let plain = adapt_task(&mut EnvPool::new(dist.as_ref()), &request, seed);
    assert_eq!(
        adaptation.adapted, plain.adapted,
        "observing changes nothing"
    );
    assert_eq!(adaptation.validation, plain.validation);

    let mut batches: Vec<(&[f64], &crate::EpisodeBatch)> = adaptation
        .steps
        .iter()
        .map(|s| (&s.data.theta[..], &s.data.episodes))
        .collect();
    batches.push((&adaptation.adapted, &adaptation.validation));
    assert_eq!(recorded.rewards.len(), lrs.len() + 1);
    for (stage, (theta_stage, batch)) in batches.into_iter().enumerate() {
        let (firsts, rewards) = split(batch);
        let bits = |v: &[Vec<f64>]| -> Vec<Vec<u64>> {
            v.iter()
                .map(|r| r.iter().map(|x| x.to_bits()).collect())
                .collect()
        };
        assert_eq!(
            bits(&recorded.rewards[stage]),
            bits(&rewards),
            "stage {stage}"
        );
        assert_eq!(
            bits(&recorded.resets[stage]),
            bits(&firsts),
            "stage {stage}"
        );
        assert_eq!(recorded.ends[stage], 5);
        let resampled = sample_task(
            &mut pool,
            &SampleRequest {
                spec: &spec,
                theta: theta_stage,
                task: &task,
                episodes: 5,
            },
            |e| seed(stage, e),
        );
        assert_eq!(&resampled, batch, "stage {stage}");
    }
}

#[test]
fn kept_inner_hessians_give_the_same_adaptation_and_meta_gradient_bit_for_bit() {
    let bits = |g: &[f64]| g.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    for activation in [Activation::Relu, Activation::Tanh] {
        let (dist, spec, theta) = setup(activation);
        let task = dist.sample_tasks(&mut ChaCha8Rng::seed_from_u64(5), 1)[0].clone();
        for lrs in [&[0.5][..], &[0.5, 0.3][..]] {
            let request = AdaptRequest {
                spec: &spec,
                theta: &theta,
                task: &task,
                lrs,
                first_step_rates: None,
                episodes: 6,
                advantages: &settings(),
            };
            let seed = |s: usize, e: usize| (s * 100 + e) as u64;
            let plain = adapt_task(&mut EnvPool::new(dist.as_ref()), &request, seed);
            let (kept, hessians) = adaptation::adapt_task_keeping_hessians(
                &mut EnvPool::new(dist.as_ref()),
                &request,
                seed,
            );
            assert_eq!(
                bits(&plain.adapted),
                bits(&kept.adapted),
                "{activation:?} {lrs:?}"
            );
            assert_eq!(hessians.len(), lrs.len());
            // A subsampled metric (the meta-gradient's Hessians are built on every row) and the
            // exact one (the metric's Hessians are the kept ones).
            for (estimator, subsample) in ESTIMATORS.into_iter().flat_map(|e| [(e, 0.5), (e, 1.0)])
            {
                let objective_settings = ObjectiveSettings {
                    advantages: settings(),
                    curvature_subsample: subsample,
                    estimator,
                    exploration: false,
                };
                let rng = || ChaCha8Rng::seed_from_u64(0);
                let expected =
                    TaskObjective::new(&spec, plain.clone(), &objective_settings, &mut rng());
                let (_, hessians) = adaptation::adapt_task_keeping_hessians(
                    &mut EnvPool::new(dist.as_ref()),
                    &request,
                    seed,
                );
                let (got, unused) = TaskObjective::with_kept_hessians(
                    &spec,
                    kept.clone(),
                    &objective_settings,
                    &mut rng(),
                    hessians,
                );
                let what = format!("{activation:?} {lrs:?} {estimator:?} {subsample}");
                assert_eq!(
                    bits(&expected.meta_gradient(&spec, false)),
                    bits(&got.meta_gradient_with(&spec, false, unused)),
                    "meta-gradient, {what}"
                );
                let v = random_unit(theta.len(), 7);
                assert_eq!(
                    bits(&expected.metric_product(&v, false)),
                    bits(&got.metric_product(&v, false)),
                    "metric product, {what}"
                );
            }
        }
    }
}
