//! Linear feature baseline (rllab's `LinearFeatureBaseline`, also used by pytorch-maml-rl).
//!
//! A state-value estimate `V(s_t)` that is linear in hand-made features of the observation and of the
//! time step `t` inside its episode, refitted on every task's batch of episodes by ridge regression to
//! the discounted returns-to-go. The MAML paper (Finn et al. 2017) uses it for every RL experiment.
//!
//! Features of time step `t` (counted from 0 inside each episode) with observation `o`:
//!
//! | block | size | value |
//! |---|---|---|
//! | observation | `obs_dim` | `clip(o, -10, 10)` |
//! | squared observation | `obs_dim` | `clip(o, -10, 10)^2` |
//! | time | 3 | `t/100`, `(t/100)^2`, `(t/100)^3` |
//! | bias | 1 | `1` |
//!
//! so `2 * obs_dim + 4` features. The fit solves `(X^T X + reg I) w = X^T y` with a Cholesky
//! factorization, starting at `reg = 1e-5` and multiplying it by 10 while the factorization fails or
//! the weights are not finite (pytorch-maml-rl issue #48).
//!
//! Data layout (as produced by the sampler): one task's episodes stored flat and time-major per
//! episode: `obs` is `(total_steps x obs_dim)` row-major, episode `e` occupies the
//! `episode_lengths[e]` consecutive rows after the previous episodes.

use nalgebra::{DMatrix, DVector};

use crate::advantage::discounted_returns;

/// Observations are clipped to `[-OBS_CLIP, OBS_CLIP]` before building features (rllab).
pub const OBS_CLIP: f64 = 10.0;

/// The time feature is `t / TIME_SCALE` (rllab, pytorch-maml-rl).
pub const TIME_SCALE: f64 = 100.0;

/// First ridge coefficient tried by [`LinearFeatureBaseline::fit`] (rllab, pytorch-maml-rl).
pub const INITIAL_REG_COEFF: f64 = 1e-5;

/// Number of retries (each with the ridge coefficient multiplied by 10) after the first attempt;
/// after `1 + MAX_REG_RETRIES` failed attempts the fit falls back to zero weights.
pub const MAX_REG_RETRIES: usize = 10;

/// How a [`LinearFeatureBaseline`] fit went (the fit itself never fails).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum FitOutcome {
    /// Solved with the initial ridge coefficient [`INITIAL_REG_COEFF`].
    Solved,
    /// Solved only after escalating the ridge coefficient, to the value given
    /// (`1e-5 · 10^k`, `k >= 1`): the features were (numerically) rank deficient.
    RidgeEscalated(f64),
    /// Every attempt failed (e.g. non-finite rewards or observations): zero weights.
    ZeroFallback,
}

/// Counts of baseline fits that needed help, summed over any number of fits (e.g. one
/// meta-iteration). Fits that fell back to zero weights count only as fallbacks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FitCounts {
    /// Fits that succeeded only with an escalated ridge coefficient.
    pub ridge_escalations: u64,
    /// Fits that fell back to zero weights.
    pub zero_fallbacks: u64,
}

impl FitCounts {
    /// Counts one fit.
    pub fn record(&mut self, outcome: FitOutcome) {
        match outcome {
            FitOutcome::Solved => {}
            FitOutcome::RidgeEscalated(_) => self.ridge_escalations += 1,
            FitOutcome::ZeroFallback => self.zero_fallbacks += 1,
        }
    }

    /// Adds the counts of other fits.
    pub fn add(&mut self, other: FitCounts) {
        self.ridge_escalations += other.ridge_escalations;
        self.zero_fallbacks += other.zero_fallbacks;
    }
}

/// rllab's `LinearFeatureBaseline`: `V(s_t) = w · phi(o_t, t)`, refitted per task by ridge regression
/// of the discounted returns-to-go on the features (see the module documentation for `phi`).
///
/// A freshly created baseline has zero weights and predicts 0 everywhere.
#[derive(Clone, Debug, PartialEq)]
pub struct LinearFeatureBaseline {
    /// One weight per feature, `2 * obs_dim + 4` of them, in the feature order of the module table.
    weights: Vec<f64>,
    obs_dim: usize,
    /// Ridge coefficient of the last successful solve; `None` before any fit or after a fit that fell
    /// back to zero weights.
    reg_coeff: Option<f64>,
}

impl LinearFeatureBaseline {
    /// A baseline for observations of `obs_dim` components, with zero weights (predicts 0).
    pub fn new(obs_dim: usize) -> Self {
        Self {
            weights: vec![0.0; num_features(obs_dim)],
            obs_dim,
            reg_coeff: None,
        }
    }

    /// Observation dimension the baseline was built for.
    pub fn obs_dim(&self) -> usize {
        self.obs_dim
    }

    /// Number of features, `2 * obs_dim + 4`.
    pub fn num_features(&self) -> usize {
        self.weights.len()
    }

    /// The fitted weights, one per feature (module table order). Always finite.
    pub fn weights(&self) -> &[f64] {
        &self.weights
    }

    /// Ridge coefficient used by the last fit (`1e-5 · 10^k`), or `None` if the baseline was never
    /// fitted or the last fit fell back to zero weights. A diagnostic worth logging.
    pub fn reg_coeff(&self) -> Option<f64> {
        self.reg_coeff
    }

    /// Fit the weights to the discounted returns-to-go of one task's batch of episodes (rllab
    /// `LinearFeatureBaseline.fit`).
    ///
    /// `obs` is `(total_steps x obs_dim)` row-major, `rewards` has `total_steps` entries and
    /// `episode_lengths` sums to `total_steps`. Returns-to-go are computed inside each episode with
    /// `gamma` (no bootstrap after the last step, see [`discounted_returns`]).
    ///
    /// The fit never fails and always leaves finite weights: the ridge coefficient starts at `1e-5`
    /// and is multiplied by 10 while the Cholesky factorization fails or the solution is not finite,
    /// at most [`MAX_REG_RETRIES`] times; if every attempt fails (e.g. non-finite rewards or
    /// observations) the weights are set to zero and [`reg_coeff`](Self::reg_coeff) returns `None`.
    /// The returned [`FitOutcome`] says which of these happened.
    ///
    /// # Panics
    /// If the slice lengths disagree with `obs_dim` and `episode_lengths`.
    pub fn fit(
        &mut self,
        obs: &[f64],
        rewards: &[f64],
        episode_lengths: &[usize],
        gamma: f64,
    ) -> FitOutcome {
        let returns = discounted_returns(rewards, episode_lengths, gamma);
        self.fit_returns(obs, &returns, episode_lengths)
    }

    /// Fit the weights to given regression targets `returns` (one per time step), e.g. returns-to-go
    /// computed elsewhere. Same layout, regularization, guarantees and outcome as
    /// [`fit`](Self::fit).
    ///
    /// # Panics
    /// If the slice lengths disagree with `obs_dim` and `episode_lengths`.
    pub fn fit_returns(
        &mut self,
        obs: &[f64],
        returns: &[f64],
        episode_lengths: &[usize],
    ) -> FitOutcome {
        let total_steps = check_layout(obs, self.obs_dim, episode_lengths);
        assert_eq!(
            returns.len(),
            total_steps,
            "returns has {} entries, episode_lengths sum to {total_steps}",
            returns.len()
        );

        // Accumulate X^T X (upper triangle, row-major in a flat buffer so that the inner loop runs
        // over contiguous slices) and X^T y row by row; X is never materialized.
        let n = self.num_features();
        let mut upper = vec![0.0; n * n];
        let mut xty = DVector::<f64>::zeros(n);
        let mut phi = vec![0.0; n];
        for_each_row(obs, self.obs_dim, episode_lengths, |row, o, t| {
            features(o, t, &mut phi);
            let y = returns[row];
            for (i, &fi) in phi.iter().enumerate() {
                xty[i] += fi * y;
                let acc = &mut upper[i * n + i..(i + 1) * n];
                for (a, &fj) in acc.iter_mut().zip(&phi[i..]) {
                    *a += fi * fj;
                }
            }
        });
        let xtx = DMatrix::from_fn(n, n, |i, j| upper[i.min(j) * n + i.max(j)]);

        match solve_ridge(&xtx, &xty) {
            Some((w, reg)) => {
                self.weights.copy_from_slice(w.as_slice());
                self.reg_coeff = Some(reg);
                if reg == INITIAL_REG_COEFF {
                    FitOutcome::Solved
                } else {
                    FitOutcome::RidgeEscalated(reg)
                }
            }
            None => {
                self.weights.fill(0.0);
                self.reg_coeff = None;
                FitOutcome::ZeroFallback
            }
        }
    }

    /// Predicted values `V(s_t)`, one per time step, for a batch in the same layout as
    /// [`fit`](Self::fit); the time feature restarts at `t = 0` at the start of every episode (rllab
    /// `LinearFeatureBaseline.predict`).
    ///
    /// Predictions are finite whenever the observations contain no NaN (infinite components are
    /// clipped to ±10 like every other component).
    ///
    /// # Panics
    /// If `obs.len()` is not `obs_dim` times the sum of `episode_lengths`.
    pub fn predict(&self, obs: &[f64], episode_lengths: &[usize]) -> Vec<f64> {
        let total_steps = check_layout(obs, self.obs_dim, episode_lengths);
        let mut values = Vec::with_capacity(total_steps);
        let mut phi = vec![0.0; self.num_features()];
        for_each_row(obs, self.obs_dim, episode_lengths, |_, o, t| {
            features(o, t, &mut phi);
            values.push(phi.iter().zip(&self.weights).map(|(f, w)| f * w).sum());
        });
        values
    }
}

/// Number of linear-baseline features for observations of `obs_dim` components: `2 * obs_dim + 4`.
pub fn num_features(obs_dim: usize) -> usize {
    2 * obs_dim + 4
}

/// Write the rllab features of observation `o` at time step `t` (counted from 0 inside its episode)
/// into `out` (length `2 * o.len() + 4`): `[clip(o), clip(o)^2, t/100, (t/100)^2, (t/100)^3, 1]`
/// with `clip` to `[-10, 10]`.
///
/// # Panics
/// If `out.len() != 2 * o.len() + 4`.
pub fn features(o: &[f64], t: usize, out: &mut [f64]) {
    let d = o.len();
    assert_eq!(
        out.len(),
        num_features(d),
        "feature buffer has the wrong length"
    );
    let (lin, rest) = out.split_at_mut(d);
    let (sq, time) = rest.split_at_mut(d);
    for ((l, s), &x) in lin.iter_mut().zip(sq.iter_mut()).zip(o) {
        let c = x.clamp(-OBS_CLIP, OBS_CLIP);
        *l = c;
        *s = c * c;
    }
    let tau = t as f64 / TIME_SCALE;
    time[0] = tau;
    time[1] = tau * tau;
    time[2] = tau * tau * tau;
    time[3] = 1.0;
}

/// Check `obs` against `obs_dim` and `episode_lengths`; returns the total number of steps.
fn check_layout(obs: &[f64], obs_dim: usize, episode_lengths: &[usize]) -> usize {
    let total_steps: usize = episode_lengths.iter().sum();
    assert_eq!(
        obs.len(),
        total_steps * obs_dim,
        "obs has {} entries, expected total_steps {total_steps} x obs_dim {obs_dim}",
        obs.len()
    );
    total_steps
}

/// Call `f(row, observation, t)` for every time step of every episode, `t` counted from 0 inside
/// each episode and `row` over the whole batch.
fn for_each_row(
    obs: &[f64],
    obs_dim: usize,
    episode_lengths: &[usize],
    mut f: impl FnMut(usize, &[f64], usize),
) {
    let mut row = 0;
    for &len in episode_lengths {
        for t in 0..len {
            f(row, &obs[row * obs_dim..(row + 1) * obs_dim], t);
            row += 1;
        }
    }
}

/// Solve `(xtx + reg I) w = xty` by Cholesky, with `reg = 1e-5 · 10^k`, `k = 0..=MAX_REG_RETRIES`,
/// stopping at the first `k` whose factorization succeeds with finite weights (pytorch-maml-rl #48).
/// Returns the weights and the `reg` used, or `None` if every attempt failed.
fn solve_ridge(xtx: &DMatrix<f64>, xty: &DVector<f64>) -> Option<(DVector<f64>, f64)> {
    let n = xtx.nrows();
    let mut reg = INITIAL_REG_COEFF;
    for _ in 0..=MAX_REG_RETRIES {
        let mut a = xtx.clone();
        for i in 0..n {
            a[(i, i)] += reg;
        }
        if let Some(chol) = a.cholesky() {
            let w = chol.solve(xty);
            if w.iter().all(|v| v.is_finite()) {
                return Some((w, reg));
            }
        }
        reg *= 10.0;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    /// Dense feature matrix, one row per time step (test helper).
    fn feature_rows(obs: &[f64], obs_dim: usize, lengths: &[usize]) -> Vec<Vec<f64>> {
        let mut rows = Vec::new();
        for_each_row(obs, obs_dim, lengths, |_, o, t| {
            let mut phi = vec![0.0; num_features(obs_dim)];
            features(o, t, &mut phi);
            rows.push(phi);
        });
        rows
    }

    fn all_finite(v: &[f64]) -> bool {
        v.iter().all(|x| x.is_finite())
    }

    #[test]
    fn features_follow_rllab_layout_and_clip_observations() {
        let mut phi = vec![0.0; num_features(3)];
        features(&[20.0, -0.5, f64::NEG_INFINITY], 3, &mut phi);
        let expected = [
            10.0, -0.5, -10.0, // clip(o)
            100.0, 0.25, 100.0, // clip(o)^2
            0.03, 0.0009, 0.000027, 1.0, // t/100, ^2, ^3, bias
        ];
        assert_eq!(phi.len(), 10);
        for (a, b) in phi.iter().zip(expected) {
            assert!((a - b).abs() < 1e-15, "{phi:?}");
        }
    }

    #[test]
    fn new_baseline_predicts_zero() {
        let b = LinearFeatureBaseline::new(2);
        assert_eq!(b.num_features(), 8);
        assert_eq!(b.reg_coeff(), None);
        assert_eq!(b.predict(&[1.0, 2.0, 3.0, 4.0], &[2]), vec![0.0, 0.0]);
    }

    #[test]
    fn fit_recovers_returns_exactly_when_they_are_linear_in_the_features() {
        let obs_dim = 3;
        let lengths = [100, 37, 100, 64, 1, 100];
        let total: usize = lengths.iter().sum();
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        // Some components exceed the clip range: the targets use the clipped features.
        let obs: Vec<f64> = (0..total * obs_dim)
            .map(|_| rng.gen_range(-12.0..12.0))
            .collect();
        let w_true: Vec<f64> = (0..num_features(obs_dim))
            .map(|_| rng.gen_range(-2.0..2.0))
            .collect();
        let y: Vec<f64> = feature_rows(&obs, obs_dim, &lengths)
            .iter()
            .map(|phi| phi.iter().zip(&w_true).map(|(f, w)| f * w).sum())
            .collect();

        // Rewards whose discounted returns-to-go are exactly y: r_t = y_t - gamma * y_{t+1}.
        let gamma = 0.99;
        let mut rewards = vec![0.0; total];
        let mut start = 0;
        for &len in &lengths {
            for t in 0..len {
                let next = if t + 1 < len { y[start + t + 1] } else { 0.0 };
                rewards[start + t] = y[start + t] - gamma * next;
            }
            start += len;
        }

        let mut b = LinearFeatureBaseline::new(obs_dim);
        assert_eq!(b.fit(&obs, &rewards, &lengths, gamma), FitOutcome::Solved);
        assert_eq!(b.reg_coeff(), Some(INITIAL_REG_COEFF));
        // Exact up to the ridge bias of reg = 1e-5 (relative 2.4e-8 measured here); the weights of
        // the nearly collinear time polynomial absorb most of that bias.
        let pred = b.predict(&obs, &lengths);
        let y_max = y.iter().fold(0.0, |m: f64, v| m.max(v.abs()));
        let max_err = pred
            .iter()
            .zip(&y)
            .map(|(p, y)| (p - y).abs())
            .fold(0.0, f64::max);
        assert!(
            max_err < 1e-7 * y_max,
            "max error {max_err}, max |y| {y_max}"
        );
        for (w, wt) in b.weights().iter().zip(&w_true) {
            assert!((w - wt).abs() < 1e-3, "{:?} vs {w_true:?}", b.weights());
        }
    }

    #[test]
    fn fit_equals_the_dense_ridge_solution() {
        let obs_dim = 2;
        let lengths = [40, 9, 25];
        let total: usize = lengths.iter().sum();
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        let obs: Vec<f64> = (0..total * obs_dim)
            .map(|_| rng.gen_range(-3.0..3.0))
            .collect();
        let rewards: Vec<f64> = (0..total).map(|_| rng.gen_range(-1.0..0.0)).collect();
        let gamma = 0.95;
        let mut b = LinearFeatureBaseline::new(obs_dim);
        b.fit(&obs, &rewards, &lengths, gamma);

        // (X^T X + 1e-5 I)^-1 X^T y with X materialized and an LU solve.
        let rows = feature_rows(&obs, obs_dim, &lengths);
        let n = num_features(obs_dim);
        let x = DMatrix::from_fn(total, n, |r, c| rows[r][c]);
        let y = DVector::from_vec(discounted_returns(&rewards, &lengths, gamma));
        let a = x.transpose() * &x + DMatrix::identity(n, n) * INITIAL_REG_COEFF;
        let w = a.lu().solve(&(x.transpose() * y)).unwrap();
        for (got, want) in b.weights().iter().zip(w.iter()) {
            assert!(
                (got - want).abs() < 1e-8 * (1.0 + want.abs()),
                "{got} vs {want}"
            );
        }
    }

    #[test]
    fn fit_on_rank_deficient_data_gives_finite_weights_and_predictions() {
        // All-zero observations: the observation columns of X are zero.
        let lengths = [50, 50];
        let zeros = vec![0.0; 100 * 4];
        let rewards: Vec<f64> = (0..100).map(|i| (i % 7) as f64 - 3.0).collect();
        let mut b = LinearFeatureBaseline::new(4);
        b.fit(&zeros, &rewards, &lengths, 0.99);
        assert!(b.reg_coeff().is_some());
        assert!(all_finite(b.weights()));
        assert!(all_finite(&b.predict(&zeros, &lengths)));

        // Duplicated rows: the same episode repeated, and a constant observation.
        let ep: Vec<f64> = (0..20).flat_map(|t| [1.0, t as f64 * 0.1]).collect();
        let obs: Vec<f64> = ep.iter().chain(&ep).chain(&ep).copied().collect();
        let rewards: Vec<f64> = (0..60).map(|i| -((i % 20) as f64)).collect();
        let mut b = LinearFeatureBaseline::new(2);
        b.fit(&obs, &rewards, &[20, 20, 20], 0.99);
        assert!(all_finite(b.weights()));
        assert!(all_finite(&b.predict(&obs, &[20, 20, 20])));

        // A single row.
        let mut b = LinearFeatureBaseline::new(2);
        b.fit(&[0.3, -0.2], &[-1.5], &[1], 0.99);
        assert!(all_finite(b.weights()));
        let p = b.predict(&[0.3, -0.2], &[1]);
        assert!(all_finite(&p));
        assert!(
            (p[0] + 1.5).abs() < 1e-3,
            "single-row fit should nearly interpolate: {p:?}"
        );

        // No data at all: zero weights.
        let mut b = LinearFeatureBaseline::new(2);
        b.fit(&[], &[], &[], 0.99);
        assert!(b.weights().iter().all(|&w| w == 0.0));

        // Observations far outside the clip range and huge returns.
        let obs: Vec<f64> = (0..200)
            .map(|i| if i % 2 == 0 { 1e12 } else { -1e300 })
            .collect();
        let rewards = vec![1e6; 100];
        let mut b = LinearFeatureBaseline::new(2);
        b.fit(&obs, &rewards, &[100], 1.0);
        assert!(all_finite(b.weights()));
        assert!(all_finite(&b.predict(&obs, &[100])));
    }

    #[test]
    fn fit_with_non_finite_returns_falls_back_to_zero_weights() {
        let mut b = LinearFeatureBaseline::new(1);
        let outcome = b.fit(&[0.1, 0.2, 0.3], &[1.0, f64::NAN, 1.0], &[3], 0.99);
        assert_eq!(outcome, FitOutcome::ZeroFallback);
        assert_eq!(b.reg_coeff(), None);
        assert!(b.weights().iter().all(|&w| w == 0.0));
        assert_eq!(b.predict(&[0.1, 0.2, 0.3], &[3]), vec![0.0; 3]);
    }

    #[test]
    fn ridge_solve_multiplies_reg_by_ten_until_cholesky_succeeds() {
        // -1 + reg > 0 first at reg = 1e-5 * 10^6 = 10.
        let xtx = DMatrix::from_row_slice(1, 1, &[-1.0]);
        let xty = DVector::from_row_slice(&[9.0]);
        let (w, reg) = solve_ridge(&xtx, &xty).expect("succeeds once reg > 1");
        assert!((reg - 10.0).abs() < 1e-9, "reg {reg}");
        assert!((w[0] - 1.0).abs() < 1e-9, "w {w}");
    }

    #[test]
    fn fit_counts_tell_escalations_from_fallbacks() {
        let mut counts = FitCounts::default();
        for outcome in [
            FitOutcome::Solved,
            FitOutcome::RidgeEscalated(1e-3),
            FitOutcome::ZeroFallback,
            FitOutcome::RidgeEscalated(10.0),
        ] {
            counts.record(outcome);
        }
        assert_eq!(
            counts,
            FitCounts {
                ridge_escalations: 2,
                zero_fallbacks: 1
            }
        );
    }

    #[test]
    fn ridge_solve_gives_up_after_max_retries() {
        // Needs reg > 1e9 but the last attempt uses 1e-5 * 10^MAX_REG_RETRIES = 1e5.
        let xtx = DMatrix::from_row_slice(1, 1, &[-1e9]);
        let xty = DVector::from_row_slice(&[1.0]);
        assert!(solve_ridge(&xtx, &xty).is_none());
    }

    #[test]
    fn predictions_restart_the_time_feature_at_each_episode() {
        let mut b = LinearFeatureBaseline::new(1);
        // Weight 1 on t/100 and 1000 on (t/100)^3, nothing on the observation.
        b.weights = vec![0.0, 0.0, 1.0, 0.0, 1000.0, 0.0];
        let obs = [5.0, 5.0, 5.0, 5.0, 5.0, 5.0];
        let p = b.predict(&obs, &[3, 2, 1]);
        let v = |t: f64| t / 100.0 + 1000.0 * (t / 100.0).powi(3);
        let expected = [v(0.0), v(1.0), v(2.0), v(0.0), v(1.0), v(0.0)];
        for (a, e) in p.iter().zip(expected) {
            assert!((a - e).abs() < 1e-15, "{p:?} vs {expected:?}");
        }
    }

    #[test]
    #[should_panic(expected = "obs has")]
    fn predict_rejects_obs_that_do_not_match_episode_lengths() {
        LinearFeatureBaseline::new(2).predict(&[0.0; 5], &[3]);
    }
}
