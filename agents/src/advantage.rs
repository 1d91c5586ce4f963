//! Returns and advantages for one task's batch of episodes.
//!
//! Generalized advantage estimation (GAE) follows Schulman et al. 2016, "High-Dimensional Continuous
//! Control Using Generalized Advantage Estimation", eq. 16:
//! `delta_t = r_t + gamma V(s_{t+1}) - V(s_t)`, `A_t = sum_l (gamma lambda)^l delta_{t+l}`,
//! with the values from the linear feature baseline ([`crate::baseline`]) fitted per task, as in
//! rllab and pytorch-maml-rl (`BatchEpisodes.compute_advantages`).
//!
//! Data layout (as produced by the sampler): episodes stored flat and time-major per episode;
//! `rewards` (and `values`) have one entry per time step, and episode `e` occupies the
//! `episode_lengths[e]` consecutive entries after the previous episodes.
//!
//! **Value after the last step.** Every function here uses `V = 0` after an episode's last step:
//! - `terminated` (MDP terminal state): the value of a terminal state is 0, exactly.
//! - truncated (time limit): the true `V(s_T)` is not 0, but the sampler does not keep the
//!   observation after the last step, so the baseline prediction there is not available; 0 is used,
//!   which is what the MAML paper's code does (rllab and pytorch-maml-rl with the linear baseline).

use crate::baseline::{FitOutcome, LinearFeatureBaseline};

/// `epsilon` added to the standard deviation in [`normalize`] (pytorch-maml-rl `weighted_normalize`).
pub const NORMALIZE_EPS: f64 = 1e-8;

/// Discounted returns-to-go `G_t = sum_{l >= 0} gamma^l r_{t+l}` computed inside each episode (no
/// bootstrap after an episode's last step), one per time step (rllab `discount_cumsum`).
///
/// # Panics
/// If `rewards.len()` differs from the sum of `episode_lengths`.
pub fn discounted_returns(rewards: &[f64], episode_lengths: &[usize], gamma: f64) -> Vec<f64> {
    check_steps("rewards", rewards.len(), episode_lengths);
    let mut returns = vec![0.0; rewards.len()];
    let mut start = 0;
    for &len in episode_lengths {
        let mut g = 0.0;
        for t in (start..start + len).rev() {
            g = rewards[t] + gamma * g;
            returns[t] = g;
        }
        start += len;
    }
    returns
}

/// Generalized advantage estimates (Schulman et al. 2016, eq. 16), one per time step:
/// `delta_t = r_t + gamma V(s_{t+1}) - V(s_t)` and `A_t = sum_{l >= 0} (gamma lambda)^l delta_{t+l}`,
/// both summed inside each episode, with `values[t] = V(s_t)`.
///
/// `terminated[e]` says whether episode `e` ended in an MDP terminal state (otherwise it was
/// truncated). Both cases use `V = 0` after the last step (see the module documentation: for a
/// truncated episode the next-state prediction is not available; 0 matches the paper's code). With
/// this convention `lambda = 1` gives `discounted_returns - values` and `lambda = 0` gives the
/// one-step TD residual `delta_t`.
///
/// # Panics
/// If `rewards` or `values` do not have one entry per time step, or `terminated` does not have one
/// entry per episode.
pub fn gae(
    rewards: &[f64],
    values: &[f64],
    episode_lengths: &[usize],
    terminated: &[bool],
    gamma: f64,
    lambda: f64,
) -> Vec<f64> {
    check_steps("rewards", rewards.len(), episode_lengths);
    check_steps("values", values.len(), episode_lengths);
    assert_eq!(
        terminated.len(),
        episode_lengths.len(),
        "terminated has {} entries, expected one per episode ({})",
        terminated.len(),
        episode_lengths.len()
    );
    let mut advantages = vec![0.0; rewards.len()];
    let mut start = 0;
    for (&len, &term) in episode_lengths.iter().zip(terminated) {
        let mut next_value = value_after_last_step(term);
        let mut a = 0.0;
        for t in (start..start + len).rev() {
            let delta = rewards[t] + gamma * next_value - values[t];
            a = delta + gamma * lambda * a;
            advantages[t] = a;
            next_value = values[t];
        }
        start += len;
    }
    advantages
}

/// `V` used after the last step of an episode that ended by termination (`true`) or truncation
/// (`false`). Both are 0: a terminal state has value 0; after truncation the next observation is
/// not kept by the sampler, so (like rllab and pytorch-maml-rl with the linear baseline) 0 is used.
fn value_after_last_step(_terminated: bool) -> f64 {
    0.0
}

/// Normalize in place to mean 0 and standard deviation 1: `a <- (a - mean) / (std + 1e-8)`, with
/// the population standard deviation (divide by `n`, not `n - 1`), over the whole slice
/// (pytorch-maml-rl `weighted_normalize`, applied per task). An empty slice is left unchanged; a
/// constant slice becomes all zeros.
pub fn normalize(advantages: &mut [f64]) {
    if advantages.is_empty() {
        return;
    }
    let (mean, scale) = normalization(advantages);
    for a in advantages.iter_mut() {
        *a = (*a - mean) * scale;
    }
}

/// The `(mean, scale)` of [`normalize`]: it maps `a` to `(a − mean) · scale` (`(0, 1)` for an
/// empty slice).
pub fn normalization(advantages: &[f64]) -> (f64, f64) {
    if advantages.is_empty() {
        return (0.0, 1.0);
    }
    let n = advantages.len() as f64;
    let mean = advantages.iter().sum::<f64>() / n;
    let var = advantages.iter().map(|a| (a - mean).powi(2)).sum::<f64>() / n;
    (mean, 1.0 / (var.sqrt() + NORMALIZE_EPS))
}

/// Advantages for one task's batch, as pytorch-maml-rl computes them per task: fit a
/// [`LinearFeatureBaseline`] (rllab) to this batch's discounted returns, predict `V(s_t)`, compute
/// [`gae`] (Schulman et al. 2016, eq. 16) and, if `normalize` is set, [`normalize`] them.
///
/// `obs` is `(total_steps x obs_dim)` row-major; the other slices follow [`gae`]. The baseline fit
/// never fails (see [`LinearFeatureBaseline::fit`]); its [`FitOutcome`] (whether the ridge had to
/// be escalated or the weights fell back to zero) is returned with the advantages.
///
/// # Panics
/// If the slice lengths disagree with `obs_dim` and `episode_lengths`.
// The arguments mirror the sampler's flat layout one to one; a wrapper struct would only rename them.
#[allow(clippy::too_many_arguments)]
pub fn advantages(
    obs: &[f64],
    obs_dim: usize,
    rewards: &[f64],
    episode_lengths: &[usize],
    terminated: &[bool],
    gamma: f64,
    lambda: f64,
    normalize: bool,
) -> (Vec<f64>, FitOutcome) {
    let mut baseline = LinearFeatureBaseline::new(obs_dim);
    let fit = baseline.fit(obs, rewards, episode_lengths, gamma);
    let values = baseline.predict(obs, episode_lengths);
    let mut adv = gae(rewards, &values, episode_lengths, terminated, gamma, lambda);
    if normalize {
        self::normalize(&mut adv);
    }
    (adv, fit)
}

fn check_steps(name: &str, len: usize, episode_lengths: &[usize]) {
    let total_steps: usize = episode_lengths.iter().sum();
    assert_eq!(
        len, total_steps,
        "{name} has {len} entries, episode_lengths sum to {total_steps}"
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    fn assert_close(a: &[f64], b: &[f64], tol: f64) {
        assert_eq!(a.len(), b.len());
        for (x, y) in a.iter().zip(b) {
            assert!((x - y).abs() <= tol, "{a:?} vs {b:?}");
        }
    }

    /// Three episodes of different lengths, the middle one terminated.
    fn random_batch(seed: u64) -> (Vec<f64>, Vec<f64>, Vec<usize>, Vec<bool>) {
        let lengths = vec![7, 3, 11];
        let total = lengths.iter().sum();
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let rewards = (0..total).map(|_| rng.gen_range(-2.0..1.0)).collect();
        let values = (0..total).map(|_| rng.gen_range(-5.0..5.0)).collect();
        (rewards, values, lengths, vec![false, true, false])
    }

    fn mean_std(v: &[f64]) -> (f64, f64) {
        let n = v.len() as f64;
        let mean = v.iter().sum::<f64>() / n;
        let var = v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n;
        (mean, var.sqrt())
    }

    #[test]
    fn discounted_returns_hand_computed_two_episodes() {
        // Episode 1: r = [1, 2, 3]; episode 2: r = [4, 5]; gamma = 0.5.
        // G = [1 + .5 (2 + .5 * 3), 2 + .5 * 3, 3] = [2.75, 3.5, 3]; [4 + .5 * 5, 5] = [6.5, 5].
        let g = discounted_returns(&[1.0, 2.0, 3.0, 4.0, 5.0], &[3, 2], 0.5);
        assert_eq!(g, vec![2.75, 3.5, 3.0, 6.5, 5.0]);
    }

    #[test]
    fn discounted_returns_handle_empty_episodes_and_gamma_one() {
        let g = discounted_returns(&[1.0, 1.0, 2.0], &[0, 2, 0, 1], 1.0);
        assert_eq!(g, vec![2.0, 1.0, 2.0]);
        assert!(discounted_returns(&[], &[], 0.99).is_empty());
    }

    #[test]
    fn gae_with_lambda_one_equals_discounted_returns_minus_values() {
        let (rewards, values, lengths, terminated) = random_batch(1);
        let gamma = 0.99;
        let adv = gae(&rewards, &values, &lengths, &terminated, gamma, 1.0);
        let expected: Vec<f64> = discounted_returns(&rewards, &lengths, gamma)
            .iter()
            .zip(&values)
            .map(|(g, v)| g - v)
            .collect();
        assert_close(&adv, &expected, 1e-12);
    }

    #[test]
    fn gae_with_lambda_zero_equals_one_step_td_residual() {
        let (rewards, values, lengths, terminated) = random_batch(2);
        let gamma = 0.9;
        let adv = gae(&rewards, &values, &lengths, &terminated, gamma, 0.0);
        let mut expected = Vec::new();
        let mut start = 0;
        for &len in &lengths {
            for t in start..start + len {
                let next = if t + 1 < start + len {
                    values[t + 1]
                } else {
                    0.0
                };
                expected.push(rewards[t] + gamma * next - values[t]);
            }
            start += len;
        }
        assert_close(&adv, &expected, 1e-12);
    }

    #[test]
    fn gae_hand_computed_with_intermediate_lambda() {
        // One episode r = [1, 2], V = [0.5, 1], gamma = 0.5, lambda = 0.5.
        // delta_1 = 2 - 1 = 1; delta_0 = 1 + 0.5 * 1 - 0.5 = 1; A_1 = 1; A_0 = 1 + 0.25 * 1 = 1.25.
        let adv = gae(&[1.0, 2.0], &[0.5, 1.0], &[2], &[false], 0.5, 0.5);
        assert_eq!(adv, vec![1.25, 1.0]);
    }

    #[test]
    fn gae_uses_zero_value_after_the_last_step_for_terminated_and_truncated_episodes() {
        let rewards = [1.0, 1.0];
        let values = [3.0, 3.0];
        let truncated = gae(&rewards, &values, &[1, 1], &[false, false], 0.99, 0.95);
        let terminated = gae(&rewards, &values, &[1, 1], &[true, true], 0.99, 0.95);
        assert_eq!(truncated, vec![-2.0, -2.0]);
        assert_eq!(terminated, truncated);
    }

    #[test]
    #[should_panic(expected = "terminated has")]
    fn gae_rejects_terminated_flags_not_one_per_episode() {
        gae(&[1.0, 1.0], &[0.0, 0.0], &[1, 1], &[true], 0.99, 1.0);
    }

    #[test]
    fn normalize_gives_mean_zero_and_population_std_one() {
        let mut v = vec![1.0, 2.0, 3.0, 4.0, 10.0, -7.5];
        normalize(&mut v);
        let (mean, std) = mean_std(&v);
        assert!(mean.abs() < 1e-12, "mean {mean}");
        assert!((std - 1.0).abs() < 1e-8, "std {std}");
        // Population std: [0, 2] -> mean 1, std 1 -> [-1, 1] (up to the 1e-8 epsilon).
        let mut v = vec![0.0, 2.0];
        normalize(&mut v);
        assert_close(&v, &[-1.0, 1.0], 1e-7);
    }

    #[test]
    fn normalize_leaves_empty_slices_and_maps_constants_to_zero() {
        let mut empty: Vec<f64> = Vec::new();
        normalize(&mut empty);
        assert!(empty.is_empty());
        let mut c = vec![4.2; 5];
        normalize(&mut c);
        assert_eq!(c, vec![0.0; 5]);
    }

    #[test]
    fn advantages_report_a_degenerate_baseline_fit() {
        // NaN rewards: every ridge fails, the baseline falls back to zero weights.
        let obs = vec![0.0; 8];
        let rewards = [0.0, f64::NAN, 0.0, 0.0];
        let (_, fit) = advantages(&obs, 2, &rewards, &[4], &[false], 0.99, 1.0, true);
        assert_eq!(fit, FitOutcome::ZeroFallback);
    }

    #[test]
    fn advantages_fit_the_linear_baseline_then_apply_gae() {
        let obs_dim = 2;
        let lengths = [30, 12, 30];
        let terminated = [false, true, false];
        let total: usize = lengths.iter().sum();
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let obs: Vec<f64> = (0..total * obs_dim)
            .map(|_| rng.gen_range(-1.0..1.0))
            .collect();
        let rewards: Vec<f64> = (0..total).map(|_| rng.gen_range(-1.0..0.0)).collect();
        let (gamma, lambda) = (0.99, 0.95);

        let mut baseline = LinearFeatureBaseline::new(obs_dim);
        baseline.fit(&obs, &rewards, &lengths, gamma);
        let values = baseline.predict(&obs, &lengths);
        let expected = gae(&rewards, &values, &lengths, &terminated, gamma, lambda);

        let (adv, fit) = advantages(
            &obs,
            obs_dim,
            &rewards,
            &lengths,
            &terminated,
            gamma,
            lambda,
            false,
        );
        assert_eq!(adv, expected);
        assert_eq!(fit, FitOutcome::Solved);

        let (adv_n, _) = advantages(
            &obs,
            obs_dim,
            &rewards,
            &lengths,
            &terminated,
            gamma,
            lambda,
            true,
        );
        let (mean, std) = mean_std(&adv_n);
        assert!(mean.abs() < 1e-12 && (std - 1.0).abs() < 1e-8);
        let mut expected_n = expected;
        normalize(&mut expected_n);
        assert_eq!(adv_n, expected_n);
    }
}
