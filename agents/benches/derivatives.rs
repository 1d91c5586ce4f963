//! Costs of the policy derivatives on batches of the paper's sizes (median of repeated runs).
//! `cargo bench -p metarl-agents --bench derivatives`

use std::time::Instant;

use metarl_agents::policy::{
    fisher_vector_product, relu_pattern, vector, weighted_log_prob_gradient, weighted_log_prob_hvp,
    Activation, PolicySpec, StateActionBatch,
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn median_ms(mut f: impl FnMut()) -> f64 {
    let mut times: Vec<f64> = (0..15)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
}

fn main() {
    for (name, activation, hidden, obs_dim, act_dim, rows) in [
        ("nav 2x64 tanh", Activation::Tanh, vec![64, 64], 2, 2, 2000),
        (
            "nav 2x100 relu",
            Activation::Relu,
            vec![100, 100],
            2,
            2,
            2000,
        ),
        (
            "cheetah 2x64 tanh",
            Activation::Tanh,
            vec![64, 64],
            17,
            6,
            2000,
        ),
    ] {
        let spec = PolicySpec {
            obs_dim,
            act_dim,
            hidden,
            activation,
        };
        let mut rng = ChaCha8Rng::seed_from_u64(0);
        let theta = spec.init_params(&mut rng);
        let obs: Vec<f64> = (0..rows * obs_dim)
            .map(|_| rng.gen_range(-1.0..1.0))
            .collect();
        let act: Vec<f64> = (0..rows * act_dim)
            .map(|_| rng.gen_range(-1.0..1.0))
            .collect();
        let w = vector(
            &(0..rows)
                .map(|_| rng.gen_range(-1.0..1.0))
                .collect::<Vec<f64>>(),
        );
        let batch = StateActionBatch::new(&obs, obs_dim, &act, act_dim);
        let pattern = relu_pattern(&spec, &theta, &batch.obs);
        let v: Vec<f64> = (0..theta.len()).map(|_| rng.gen_range(-1.0..1.0)).collect();
        let grad = median_ms(|| {
            weighted_log_prob_gradient(&spec, &theta, &batch, &w, None);
        });
        let hvp = median_ms(|| {
            weighted_log_prob_hvp(&spec, &theta, &batch, &w, &pattern, &v);
        });
        let fvp = median_ms(|| {
            fisher_vector_product(&spec, &theta, &batch.obs, &pattern, &v);
        });
        println!("{name} ({rows} rows): gradient {grad:.2} ms, HVP {hvp:.2} ms, FVP {fvp:.2} ms");
    }
}
