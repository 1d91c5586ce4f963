//! Closed-form quantities of diagonal Gaussians N(mu, diag(exp(log_std))^2), evaluated row by row
//! in plain f64 (values only; their derivatives go through dfdx in `derivatives`).

const HALF_LOG_TWO_PI: f64 = 0.918_938_533_204_672_7;

/// log N(action | mean, diag(exp(log_std))^2) for one row.
pub fn log_prob(mean: &[f64], log_std: &[f64], action: &[f64]) -> f64 {
    mean.iter()
        .zip(log_std)
        .zip(action)
        .map(|((&mu, &ls), &a)| {
            let z = (a - mu) * (-ls).exp();
            -0.5 * z * z - ls - HALF_LOG_TWO_PI
        })
        .sum()
}

/// KL(old || new) between two diagonal Gaussians for one row.
pub fn kl(mean_old: &[f64], log_std_old: &[f64], mean_new: &[f64], log_std_new: &[f64]) -> f64 {
    (0..mean_old.len())
        .map(|j| {
            let var_old = (2.0 * log_std_old[j]).exp();
            let var_new = (2.0 * log_std_new[j]).exp();
            let dm = mean_old[j] - mean_new[j];
            log_std_new[j] - log_std_old[j] + (var_old + dm * dm) / (2.0 * var_new) - 0.5
        })
        .sum()
}

/// Differential entropy of a diagonal Gaussian (state independent here).
#[cfg(test)]
pub fn entropy(log_std: &[f64]) -> f64 {
    log_std.iter().map(|ls| ls + 0.5 + HALF_LOG_TWO_PI).sum()
}

/// Row-wise log-probabilities of `actions` (rows x act_dim) under means `means` (same shape).
pub fn log_probs(means: &[f64], log_std: &[f64], actions: &[f64]) -> Vec<f64> {
    let act_dim = log_std.len();
    means
        .chunks_exact(act_dim)
        .zip(actions.chunks_exact(act_dim))
        .map(|(mu, a)| log_prob(mu, log_std, a))
        .collect()
}

/// Mean over rows of KL(old || new) for row-wise means and shared log-stds.
pub fn mean_kl(
    means_old: &[f64],
    log_std_old: &[f64],
    means_new: &[f64],
    log_std_new: &[f64],
) -> f64 {
    let act_dim = log_std_old.len();
    let rows = means_old.len() / act_dim;
    let total: f64 = means_old
        .chunks_exact(act_dim)
        .zip(means_new.chunks_exact(act_dim))
        .map(|(mo, mn)| kl(mo, log_std_old, mn, log_std_new))
        .sum();
    total / rows.max(1) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_prob_of_standard_normal_at_zero_is_minus_half_log_two_pi_per_dim() {
        let lp = log_prob(&[0.0, 0.0], &[0.0, 0.0], &[0.0, 0.0]);
        assert!((lp + 2.0 * HALF_LOG_TWO_PI).abs() < 1e-15);
        assert!((HALF_LOG_TWO_PI - 0.5 * (2.0 * std::f64::consts::PI).ln()).abs() < 1e-15);
    }

    #[test]
    fn kl_is_zero_for_identical_and_positive_for_different_gaussians() {
        assert_eq!(kl(&[0.3], &[-0.2], &[0.3], &[-0.2]), 0.0);
        let k = kl(&[0.0], &[0.0], &[1.0], &[0.5]);
        // log(s1/s0) + (s0^2 + dm^2)/(2 s1^2) - 1/2 with s0 = 1, s1 = e^0.5, dm = 1
        let expected = 0.5 + 2.0 / (2.0 * 1f64.exp()) - 0.5;
        assert!((k - expected).abs() < 1e-14);
    }

    #[test]
    fn entropy_of_unit_gaussian_matches_closed_form() {
        let h = entropy(&[0.0]);
        assert!((h - 0.5 * (2.0 * std::f64::consts::PI * std::f64::consts::E).ln()).abs() < 1e-14);
    }
}
