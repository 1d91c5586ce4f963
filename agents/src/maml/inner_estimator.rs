//! Estimators of the inner step's curvature (`maml.inner_estimator`): which objective's Hessian
//! `H_j` enters the meta-gradient's Jacobian `dθ'/dθ = Π_j (I − α_j H_j)`.
//!
//! Every estimator takes the same inner step: at the sampling parameters θ_j all three
//! objectives below have the policy gradient `∇L_j = −(1/N) Σ_t A_t ∇ log π_t` as their
//! gradient. They differ in their second derivatives, i.e. in how the meta-gradient accounts
//! for the pre-update episodes having been sampled from π_θ:
//!
//! * **fixed-sample** (Finn et al. 2017; pytorch-maml-rl): `L(θ) = Σ_t w_t log π_θ(a_t|s_t)`
//!   with `w_t = −A_t/N` on fixed samples, so `H = Σ_t w_t ∇² log π_t`. It drops the term that
//!   comes from the sampling distribution depending on θ.
//! * **LVC** (ProMP, Rothfuss et al. 2019, the low-variance curvature objective): each row's
//!   likelihood ratio `π_θ(a_t|s_t) / ⊥π_θ(a_t|s_t)` times `w_t`, so that
//!   `H = Σ_t w_t (∇² log π_t + ∇ log π_t ∇ log π_tᵀ)`. Its expectation is the Hessian of the
//!   expected return for one-step episodes; over longer episodes it drops the cross-time terms
//!   (biased, with low variance).
//! * **DiCE** (Foerster et al. 2018): the "magic box" `□(x) = exp(x − ⊥x)` of each step's
//!   cumulative log-likelihood `S_t = Σ_{t'≤t} log π_t'`, with the DiCE paper's baseline term:
//!   `L(θ) = Σ_t c_t □(S_t) + Σ_t b_t (1 − □(log π_t))`, so that
//!   `H = Σ_t c_t (∇² S_t + ∇S_t ∇S_tᵀ) − Σ_t b_t (∇² log π_t + ∇ log π_t ∇ log π_tᵀ)`, an
//!   unbiased estimate of the Hessian of the expected return when `c` are the rewards and `b`
//!   depends on states only. Here `c_t = −(G_t − G_{t+1})/N` from the returns-to-go `G` and
//!   `b_t = −(G_t − A_t)/N`, both in the (normalized) advantages' units, so that
//!   `Σ_{t'≥t} c_t' − b_t = w_t`: the gradient is the same policy gradient as the other two.
//!   With γ = 1 and GAE λ = 1 these are the rewards and a state baseline; with γ < 1, `c_t`
//!   also depends on later rewards, and with λ < 1, `b_t` on the action, so the Hessian is that
//!   of the same (biased) discounted surrogate as the policy gradient itself.
//!
//! All three Hessians are `H_fixed v` plus a score term `Σ_t q_t ∇ log π_t`, with `q` a linear
//! function of the per-row directional derivatives `u_t = ∇ log π_t · v`
//! ([`LogLikelihoodHessian::product_with_scores`]): LVC `q_t = w_t u_t`, DiCE
//! `q_t = Σ_{t'≥t} c_t' U_t' − b_t u_t` with `U_t = Σ_{t'≤t} u_t'` inside each episode.

use rand::seq::index::sample;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use super::adaptation::{AdvantageSettings, PolicyGradientData};
use super::loss_rows::LossRows;
use crate::advantage::{discounted_returns, normalization};
use crate::policy::{LogLikelihoodHessian, PolicySpec};

/// Which objective's Hessian the meta-gradient differentiates the inner step through (see the
/// module documentation).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum InnerEstimator {
    /// Finn et al.'s (2017) surrogate on fixed samples (the MAML paper's estimator).
    #[default]
    FixedSample,
    /// ProMP's low-variance curvature estimator (Rothfuss et al. 2019).
    Lvc,
    /// DiCE (Foerster et al. 2018) with its baseline term.
    Dice,
}

impl InnerEstimator {
    /// The name in configs ("fixed-sample", "lvc", "dice").
    pub fn name(self) -> &'static str {
        match self {
            InnerEstimator::FixedSample => "fixed-sample",
            InnerEstimator::Lvc => "lvc",
            InnerEstimator::Dice => "dice",
        }
    }
}

/// DiCE's per-row coefficients, in loss units (see the module documentation).
#[derive(Clone, Debug, PartialEq)]
struct DiceRows {
    episode_lengths: Vec<usize>,
    /// `c_t`: the reward increments.
    increments: Vec<f64>,
    /// `b_t`: the baselines.
    baselines: Vec<f64>,
}

impl DiceRows {
    /// `c_t = −(G_t − G_{t+1})/N`, `b_t = −(G_t − A_t)/N` with `G` and `A` mapped as the
    /// advantages' normalization maps them.
    fn new(data: &PolicyGradientData, settings: &AdvantageSettings) -> Self {
        let eps = &data.episodes;
        let returns = discounted_returns(&eps.rewards, &eps.episode_lengths, settings.gamma);
        let raw = AdvantageSettings {
            normalize: false,
            ..*settings
        }
        .advantages(eps)
        .0;
        let (mean, scale) = if settings.normalize {
            normalization(&raw)
        } else {
            (0.0, 1.0)
        };
        let n = raw.len().max(1) as f64;
        let returns: Vec<f64> = returns.iter().map(|g| (g - mean) * scale).collect();
        let mut increments = vec![0.0; returns.len()];
        let mut start = 0;
        for &len in &eps.episode_lengths {
            for t in start..start + len {
                let next = if t + 1 < start + len {
                    returns[t + 1]
                } else {
                    0.0
                };
                increments[t] = -(returns[t] - next) / n;
            }
            start += len;
        }
        let baselines = returns
            .iter()
            .zip(&raw)
            .map(|(g, a)| -(g - (a - mean) * scale) / n)
            .collect();
        DiceRows {
            episode_lengths: eps.episode_lengths.clone(),
            increments,
            baselines,
        }
    }

    /// The row ranges of the episodes.
    fn episodes(&self) -> impl Iterator<Item = std::ops::Range<usize>> + '_ {
        self.episode_lengths.iter().scan(0, |start, &len| {
            let range = *start..*start + len;
            *start += len;
            Some(range)
        })
    }

    /// Row weights of the gradient at θ from the per-row log-likelihood changes
    /// `Δ_t = log π_θ − log π_θj`: `Σ_{t'≥t} c_t' □(S_t') − b_t □(log π_t)`.
    fn weights(&self, changes: &[f64]) -> Vec<f64> {
        let mut weights = vec![0.0; changes.len()];
        for range in self.episodes() {
            let boxes = cumulative(&changes[range.clone()]).map(f64::exp);
            let mut acc = 0.0;
            for (t, boxed) in range.zip(boxes.collect::<Vec<_>>()).rev() {
                acc += self.increments[t] * boxed;
                weights[t] = acc - self.baselines[t] * changes[t].exp();
            }
        }
        weights
    }

    /// The coefficients at log-likelihood changes `Δ`: `c_t □(S_t)` and `b_t □(log π_t)`.
    fn boxed(&self, changes: &[f64]) -> DiceRows {
        let mut increments = self.increments.clone();
        for range in self.episodes() {
            for (t, s) in range
                .clone()
                .zip(cumulative(&changes[range]).collect::<Vec<_>>())
            {
                increments[t] *= s.exp();
            }
        }
        DiceRows {
            episode_lengths: self.episode_lengths.clone(),
            increments,
            baselines: (self.baselines.iter())
                .zip(changes)
                .map(|(b, d)| b * d.exp())
                .collect(),
        }
    }

    /// `q_t = Σ_{t'≥t} c_t' U_t' − b_t u_t`.
    fn couple(&self, u: &[f64]) -> Vec<f64> {
        let mut q = vec![0.0; u.len()];
        for range in self.episodes() {
            let sums: Vec<f64> = cumulative(&u[range.clone()]).collect();
            let mut acc = 0.0;
            for (t, sum) in range.zip(sums).rev() {
                acc += self.increments[t] * sum;
                q[t] = acc - self.baselines[t] * u[t];
            }
        }
        q
    }

    /// The episodes `chosen`, their rows' coefficients scaled by `scale`.
    fn subsample(&self, chosen: &[usize], scale: f64) -> (DiceRows, Vec<usize>) {
        let ranges: Vec<_> = self.episodes().collect();
        let rows: Vec<usize> = chosen.iter().flat_map(|&e| ranges[e].clone()).collect();
        let pick = |v: &[f64]| rows.iter().map(|&r| v[r] * scale).collect();
        let sub = DiceRows {
            episode_lengths: chosen.iter().map(|&e| self.episode_lengths[e]).collect(),
            increments: pick(&self.increments),
            baselines: pick(&self.baselines),
        };
        (sub, rows)
    }
}

/// Running sums.
fn cumulative(values: &[f64]) -> impl Iterator<Item = f64> + '_ {
    values.iter().scan(0.0, |acc, x| {
        *acc += x;
        Some(*acc)
    })
}

/// How an estimator couples the rows of one inner step's loss.
#[derive(Clone, Debug, PartialEq)]
enum Coupling {
    FixedSample,
    Lvc,
    Dice(DiceRows),
}

/// What an [`InnerEstimator`] adds to the fixed-sample loss rows of one inner step: the
/// coupling of its rows and the log-likelihoods at the sampling parameters θ_j (the ratios'
/// denominators). The rows themselves stay in [`PolicyGradientData::loss`].
#[derive(Clone, Debug, PartialEq)]
pub struct EstimatorTerms {
    coupling: Coupling,
    sampled_log_likelihoods: Vec<f64>,
}

impl EstimatorTerms {
    /// The terms of `estimator` for an inner step's data (`data.loss` rows at `data.theta`).
    pub fn new(
        estimator: InnerEstimator,
        spec: &PolicySpec,
        data: &PolicyGradientData,
        settings: &AdvantageSettings,
    ) -> Self {
        let coupling = match estimator {
            InnerEstimator::FixedSample => Coupling::FixedSample,
            InnerEstimator::Lvc => Coupling::Lvc,
            InnerEstimator::Dice => Coupling::Dice(DiceRows::new(data, settings)),
        };
        let sampled_log_likelihoods = match coupling {
            Coupling::FixedSample => Vec::new(),
            _ => data.loss.log_likelihoods(spec, &data.theta),
        };
        EstimatorTerms {
            coupling,
            sampled_log_likelihoods,
        }
    }

    /// Per-row log-likelihood changes from θ_j to `theta`.
    fn changes(&self, rows: &LossRows, spec: &PolicySpec, theta: &[f64]) -> Vec<f64> {
        rows.log_likelihoods(spec, theta)
            .iter()
            .zip(&self.sampled_log_likelihoods)
            .map(|(l, old)| l - old)
            .collect()
    }

    /// Gradient of the estimator's objective at `theta` on `rows` (the fixed-sample loss's
    /// gradient at θ_j for every estimator; away from θ_j the ratios reweight the rows). The
    /// line search re-adapts its candidates with it, so that its surrogate's derivative at θ_old
    /// is the meta-gradient.
    pub fn gradient(&self, rows: &LossRows, spec: &PolicySpec, theta: &[f64]) -> Vec<f64> {
        match &self.coupling {
            Coupling::FixedSample => rows.gradient(spec, theta),
            Coupling::Lvc => {
                let weights = (rows.weights().iter())
                    .zip(self.changes(rows, spec, theta))
                    .map(|(w, d)| w * d.exp())
                    .collect::<Vec<_>>();
                rows.weighted_gradient(spec, theta, &weights)
            }
            Coupling::Dice(dice) => {
                let weights = dice.weights(&self.changes(rows, spec, theta));
                rows.weighted_gradient(spec, theta, &weights)
            }
        }
    }

    /// The estimator's objective at `theta` (the tests' value-based check of the Hessian).
    #[cfg(test)]
    pub fn value(&self, rows: &LossRows, spec: &PolicySpec, theta: &[f64]) -> f64 {
        match &self.coupling {
            Coupling::FixedSample => (rows.weights().iter())
                .zip(rows.log_likelihoods(spec, theta))
                .map(|(w, l)| w * l)
                .sum(),
            Coupling::Lvc => (rows.weights().iter())
                .zip(self.changes(rows, spec, theta))
                .map(|(w, d)| w * d.exp())
                .sum(),
            Coupling::Dice(dice) => {
                let changes = self.changes(rows, spec, theta);
                let mut value = 0.0;
                for range in dice.episodes() {
                    for (t, s) in range.clone().zip(cumulative(&changes[range])) {
                        value += dice.increments[t] * s.exp()
                            + dice.baselines[t] * (1.0 - changes[t].exp());
                    }
                }
                value
            }
        }
    }

    /// With the fixed-sample estimator, its Hessian on every row at the sampling parameters
    /// θ_j is `LossRows::hessian` there: `kept` (built by
    /// [`super::adaptation::adapt_task_keeping_hessians`]) is it. `None` for the other
    /// estimators, whose Hessians differ.
    pub fn fixed_sample_hessian(&self, kept: LogLikelihoodHessian) -> Option<InnerHessian> {
        matches!(self.coupling, Coupling::FixedSample).then_some(InnerHessian {
            hessian: kept,
            coupling: RowCoupling::None,
        })
    }

    /// The estimator's Hessian at `theta` on `rows`, linearized for exact products. Away from
    /// the sampling parameters θ_j (ProMP's later optimization steps) the likelihood ratios
    /// scale each row's terms: LVC's by `□(log π_t)`, DiCE's `c_t` by `□(S_t)` and `b_t` by
    /// `□(log π_t)`.
    pub fn hessian(&self, rows: &LossRows, spec: &PolicySpec, theta: &[f64]) -> InnerHessian {
        let (rows, coupling) = match &self.coupling {
            Coupling::FixedSample => {
                return InnerHessian {
                    hessian: rows.hessian(spec, theta),
                    coupling: RowCoupling::None,
                }
            }
            Coupling::Lvc => {
                let weights: Vec<f64> = (rows.weights().iter())
                    .zip(self.changes(rows, spec, theta))
                    .map(|(w, d)| w * d.exp())
                    .collect();
                (
                    rows.reweighted(weights.clone()),
                    RowCoupling::PerRow(weights),
                )
            }
            Coupling::Dice(dice) => {
                let changes = self.changes(rows, spec, theta);
                let boxed = dice.boxed(&changes);
                (
                    rows.reweighted(dice.weights(&changes)),
                    RowCoupling::Dice(boxed),
                )
            }
        };
        InnerHessian {
            hessian: rows.hessian(spec, theta),
            coupling,
        }
    }

    /// The same loss on a subsample of `fraction` of the rows drawn from `rng` (whole episodes
    /// for DiCE, whose rows couple within an episode), weights scaled to estimate the same
    /// mean; `None` when the subsample is every row.
    pub fn subsample(
        &self,
        rows: &LossRows,
        fraction: f64,
        rng: &mut ChaCha8Rng,
    ) -> Option<(LossRows, EstimatorTerms)> {
        let (coupling, kept) = match &self.coupling {
            Coupling::Dice(dice) => {
                let episodes = dice.episode_lengths.len();
                let chosen = subsample_rows(episodes, fraction, rng);
                if chosen.len() == episodes {
                    return None;
                }
                let scale_rows: usize = chosen.iter().map(|&e| dice.episode_lengths[e]).sum();
                let scale = rows.rows() as f64 / scale_rows.max(1) as f64;
                let (sub, kept) = dice.subsample(&chosen, scale);
                (Coupling::Dice(sub), kept)
            }
            other => {
                let kept = subsample_rows(rows.rows(), fraction, rng);
                if kept.len() == rows.rows() {
                    return None;
                }
                (other.clone(), kept)
            }
        };
        let sampled_log_likelihoods = (self.sampled_log_likelihoods.is_empty())
            .then(Vec::new)
            .unwrap_or_else(|| {
                kept.iter()
                    .map(|&r| self.sampled_log_likelihoods[r])
                    .collect()
            });
        let terms = EstimatorTerms {
            coupling,
            sampled_log_likelihoods,
        };
        Some((rows.subsample(&kept), terms))
    }
}

/// How the rows of a linearized inner loss couple in its Hessian's score term.
enum RowCoupling {
    None,
    PerRow(Vec<f64>),
    Dice(DiceRows),
}

/// An estimator's inner-loss Hessian at some θ (θ_j for MAML-TRPO, ProMP's current θ_j(θ) away
/// from it), kept for exact products.
pub struct InnerHessian {
    hessian: LogLikelihoodHessian,
    coupling: RowCoupling,
}

impl InnerHessian {
    /// The estimator's gradient at this Hessian's θ: the same bits as
    /// [`EstimatorTerms::gradient`] there, from the reverse pass the linearization keeps, so an
    /// inner step and its backward sweep share one forward pass.
    pub fn gradient(&self) -> Vec<f64> {
        self.hessian.gradient()
    }

    /// `H v` of the estimator's objective.
    pub fn product(&self, v: &[f64]) -> Vec<f64> {
        match &self.coupling {
            RowCoupling::None => self.hessian.product(v),
            RowCoupling::PerRow(weights) => self
                .hessian
                .product_with_scores(v, |u| u.iter().zip(weights).map(|(u, w)| u * w).collect()),
            RowCoupling::Dice(dice) => self.hessian.product_with_scores(v, |u| dice.couple(u)),
        }
    }
}

/// Rows kept by a subsample of `fraction` of `rows` (sorted; all rows for fraction 1).
pub(super) fn subsample_rows(rows: usize, fraction: f64, rng: &mut ChaCha8Rng) -> Vec<usize> {
    let keep = ((rows as f64 * fraction).ceil() as usize).clamp(1.min(rows), rows);
    if keep == rows {
        return (0..rows).collect();
    }
    let mut idx = sample(rng, rows, keep).into_vec();
    idx.sort_unstable();
    idx
}

#[cfg(test)]
mod tests;
