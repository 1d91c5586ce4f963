//! Costs of the policy derivatives at the sizes the learners use, so a change can be compared:
//! the gradient (dfdx's taped backward and the tapeless reverse pass), Hessian- and Fisher-vector products by central differences (the previous
//! implementation, kept as the tests' independent check) and by forward mode, the linearization
//! a conjugate-gradient solve builds once per task, and one task's whole TRPO metric product
//! `Jᵀ F J v` on a real adapted task (one inner step, every row); and the tanh of a hidden layer,
//! dfdx's against the vectorized one.
//!
//! Every product runs on one thread, as inside the learners' workers.
//!
//! `cargo bench -p metarl-agents --bench derivatives` (criterion; add `-- <filter>` to pick).

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use metarl_agents::maml::{
    adapt_task, AdaptRequest, AdvantageSettings, InnerEstimator, ObjectiveSettings, TaskObjective,
};
use metarl_agents::parallel::with_single_threaded_kernels;
use metarl_agents::policy::tanh::tanh_in_place;
use metarl_agents::policy::{
    fisher_vector_product, log_likelihood_gradient, matrix, relu_pattern, vector,
    weighted_log_prob_gradient, weighted_log_prob_hvp, Activation, FisherMetric,
    LogLikelihoodHessian, PolicySpec, StateActionBatch,
};
use metarl_agents::sampler::EnvPool;
use metarl_envs::task_distribution;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// mimalloc keeps the products' temporaries mapped, so the timings hold no page faults. (The
/// `metarl` command gets the same from glibc with fixed mmap and trim thresholds,
/// `src/cli/malloc.rs`, at a lower peak RSS over long runs.)
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// One benchmarked size: an env, its horizon, a policy and the episodes per task.
struct Size {
    name: &'static str,
    env: &'static str,
    horizon: usize,
    hidden: Vec<usize>,
    activation: Activation,
    episodes: usize,
}

fn sizes() -> Vec<Size> {
    vec![
        Size {
            name: "nav2d-reference 2x64 tanh",
            env: "nav2d",
            horizon: 100,
            hidden: vec![64, 64],
            activation: Activation::Tanh,
            episodes: 20,
        },
        Size {
            name: "nav2d paper 2x100 relu",
            env: "nav2d",
            horizon: 100,
            hidden: vec![100, 100],
            activation: Activation::Relu,
            episodes: 20,
        },
        Size {
            name: "cheetah-vel-reference 2x64 tanh",
            env: "cheetah-vel",
            horizon: 100,
            hidden: vec![64, 64],
            activation: Activation::Tanh,
            episodes: 20,
        },
        Size {
            name: "cheetah-vel paper 2x100 relu",
            env: "cheetah-vel",
            horizon: 200,
            hidden: vec![100, 100],
            activation: Activation::Relu,
            episodes: 20,
        },
    ]
}

fn products(c: &mut Criterion) {
    let mut group = c.benchmark_group("products");
    group.sample_size(10);
    for size in sizes() {
        let dist = task_distribution(size.env, Some(size.horizon)).expect("registered env");
        let spec = PolicySpec {
            obs_dim: dist.obs_dim(),
            act_dim: dist.act_dim(),
            hidden: size.hidden.clone(),
            activation: size.activation,
        };
        let mut rng = ChaCha8Rng::seed_from_u64(0);
        let theta = spec.init_params(&mut rng);
        let task = dist.sample_tasks(&mut rng, 1).remove(0);
        let settings = AdvantageSettings {
            gamma: 0.99,
            gae_lambda: 1.0,
            normalize: true,
        };
        let request = AdaptRequest {
            spec: &spec,
            theta: &theta,
            task: &task,
            lrs: &[0.1],
            first_step_rates: None,
            episodes: size.episodes,
            advantages: &settings,
        };
        let adaptation = adapt_task(&mut EnvPool::new(dist.as_ref()), &request, |s, e| {
            (s * 1000 + e) as u64
        });
        let inner = &adaptation.steps[0].data;
        let rows = inner.episodes.rows();
        let batch = StateActionBatch::new(
            &inner.episodes.obs,
            spec.obs_dim,
            &inner.episodes.actions,
            spec.act_dim,
        );
        let w = vector(
            &(0..rows)
                .map(|_| rng.gen_range(-1.0..1.0))
                .collect::<Vec<_>>(),
        );
        let v: Vec<f64> = (0..theta.len()).map(|_| rng.gen_range(-1.0..1.0)).collect();
        let label = |what: &str| BenchmarkId::new(what, format!("{} ({rows} rows)", size.name));

        group.bench_function(label("gradient"), |b| {
            b.iter(|| {
                with_single_threaded_kernels(|| {
                    weighted_log_prob_gradient(&spec, &theta, &batch, &w, None)
                })
            })
        });
        group.bench_function(label("gradient tapeless"), |b| {
            b.iter(|| {
                with_single_threaded_kernels(|| log_likelihood_gradient(&spec, &theta, &batch, &w))
            })
        });
        // The previous learner took the ReLU pattern once per task and CG solve, like the
        // forward-mode linearization below: neither is inside the per-product timing.
        let pattern = relu_pattern(&spec, &theta, &batch.obs);
        group.bench_function(label("hvp central difference"), |b| {
            b.iter(|| {
                with_single_threaded_kernels(|| {
                    weighted_log_prob_hvp(&spec, &theta, &batch, &w, &pattern, &v)
                })
            })
        });
        let hessian = LogLikelihoodHessian::new(&spec, &theta, &batch, &w);
        group.bench_function(label("hvp forward mode"), |b| {
            b.iter(|| with_single_threaded_kernels(|| hessian.product(&v)))
        });
        group.bench_function(label("hvp linearize"), |b| {
            b.iter(|| {
                with_single_threaded_kernels(|| {
                    LogLikelihoodHessian::new(&spec, &theta, &batch, &w)
                })
            })
        });
        group.bench_function(label("fvp central difference"), |b| {
            b.iter(|| {
                with_single_threaded_kernels(|| {
                    fisher_vector_product(&spec, &theta, &batch.obs, &pattern, &v)
                })
            })
        });
        let fisher = FisherMetric::new(&spec, &theta, &batch.obs);
        group.bench_function(label("fvp forward mode"), |b| {
            b.iter(|| with_single_threaded_kernels(|| fisher.product(&v)))
        });
        let objective_settings = ObjectiveSettings {
            advantages: settings,
            curvature_subsample: 1.0,
            estimator: InnerEstimator::FixedSample,
            exploration: false,
        };
        let objective = TaskObjective::new(
            &spec,
            adaptation,
            &objective_settings,
            &mut ChaCha8Rng::seed_from_u64(1),
        );
        group.bench_function(label("task metric product"), |b| {
            b.iter(|| with_single_threaded_kernels(|| objective.metric_product(&v, false)))
        });
    }
    group.finish();
}

/// The tanh of one hidden layer at nav2d-reference size (2000 rows x 64 units): dfdx's
/// `2σ(2z) − 1` (what the taped network computes, one value at a time through libm's `exp`)
/// against the vectorized pass the tapeless paths use (`metarl_agents::policy::tanh`).
fn tanh(c: &mut Criterion) {
    let mut group = c.benchmark_group("tanh");
    let mut rng = ChaCha8Rng::seed_from_u64(0);
    let (rows, units) = (2000, 64);
    let values: Vec<f64> = (0..rows * units)
        .map(|_| rng.gen_range(-3.0..3.0))
        .collect();
    let z = matrix(&values, rows, units);
    group.bench_function("dfdx 2σ(2z) − 1, 2000x64", |b| {
        b.iter(|| (z.clone() * 2.0).sigmoid() * 2.0 - 1.0)
    });
    group.bench_function("vectorized, 2000x64", |b| {
        b.iter(|| {
            let mut h = values.clone();
            tanh_in_place(&mut h);
            h
        })
    });
    group.finish();
}

criterion_group!(benches, products, tanh);
criterion_main!(benches);
