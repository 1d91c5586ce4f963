//! The ProMP gradient (clipped surrogate through the LVC inner steps, plus the KL penalty)
//! against central differences of the objective's values, at θ_o and away from it.

use metarl_envs::task_distribution;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use super::*;
use crate::maml::{adapt_task, AdaptRequest};
use crate::policy::test_problems::{dot, unit};
use crate::policy::Activation;
use crate::sampler::EnvPool;

fn problem(lrs: &[f64]) -> (PolicySpec, Vec<f64>, TaskProblem) {
    let dist = task_distribution("nav2d", Some(12)).unwrap();
    let spec = PolicySpec {
        obs_dim: dist.obs_dim(),
        act_dim: dist.act_dim(),
        hidden: vec![16, 16],
        activation: Activation::Tanh,
    };
    let mut rng = ChaCha8Rng::seed_from_u64(4);
    let mut theta = spec.init_params(&mut rng);
    let noise = unit(&mut rng, theta.len());
    for (t, n) in theta.iter_mut().zip(noise) {
        *t += 0.3 * n;
    }
    let task = dist.sample_tasks(&mut rng, 1)[0].clone();
    let settings = AdvantageSettings {
        gamma: 0.99,
        gae_lambda: 1.0,
        normalize: true,
    };
    let mut pool = EnvPool::new(dist.as_ref());
    let request = AdaptRequest {
        spec: &spec,
        theta: &theta,
        task: &task,
        lrs,
        first_step_rates: None,
        episodes: 6,
        advantages: &settings,
    };
    let adaptation = adapt_task(&mut pool, &request, |s, e| (s * 100 + e) as u64);
    let problem = TaskProblem::new(&spec, adaptation, &settings, 0.3);
    (spec, theta, problem)
}

#[test]
fn gradient_matches_central_differences_of_the_objective() {
    let eta = 0.7;
    for lrs in [vec![0.3], vec![0.3, 0.2]] {
        let (spec, theta_o, problem) = problem(&lrs);
        let mut rng = ChaCha8Rng::seed_from_u64(lrs.len() as u64);
        let away: Vec<f64> = (theta_o.iter())
            .zip(unit(&mut rng, theta_o.len()))
            .map(|(t, d)| t + 0.02 * d)
            .collect();
        for theta in [&theta_o, &away] {
            let (value, g) = problem.gradient(&spec, theta, eta);
            assert_eq!(value, problem.value(&spec, theta));
            let objective = |t: &[f64]| {
                let v = problem.value(&spec, t);
                v.loss + eta * v.kl
            };
            for _ in 0..6 {
                let u = unit(&mut rng, theta.len());
                let h = 1e-5;
                let plus: Vec<f64> = theta.iter().zip(&u).map(|(t, d)| t + h * d).collect();
                let minus: Vec<f64> = theta.iter().zip(&u).map(|(t, d)| t - h * d).collect();
                let fd = (objective(&plus) - objective(&minus)) / (2.0 * h);
                let exact = dot(&g, &u);
                assert!(
                    (exact - fd).abs() <= 1e-5 * exact.abs().max(fd.abs()).max(1e-8),
                    "{} steps: {exact:e} vs {fd:e}",
                    lrs.len()
                );
            }
        }
        // At θ_o the KL is zero and every ratio is 1: the loss is minus the mean advantage.
        let at_o = problem.value(&spec, &theta_o);
        assert!(at_o.kl.abs() < 1e-12, "{}", at_o.kl);
    }
}
