//! One task's share of the MAML-TRPO meta-objective: the TRPO surrogate of the adapted policy,
//! its closed-form mean KL on the validation states, the meta-gradient `(I − αH) ∇_{θ'} L_out`
//! and the KL-Hessian product `J^T F J v` with `J = dθ'/dθ = Π_j (I − α_j H_j)`.
//!
//! The meta-gradient differentiates the surrogate through the inner steps with the Hessian of the
//! configured [`InnerEstimator`]'s objective. With the default fixed-sample one it is Finn et
//! al.'s (2017) estimator, which is not the full gradient of the expected post-adaptation
//! return: it omits the term that comes from the pre-update sampling distribution depending on
//! θ, which DiCE (Foerster et al. 2018) and LVC (ProMP, Rothfuss et al. 2019) keep (see
//! [`super::inner_estimator`]). Its Hessian-vector products `H v` and the Fisher products are exact forward-mode
//! (R-operator) products ([`crate::policy::forward_mode`]): each task linearizes the policy once
//! per meta-iteration at every θ_j and at θ', and every conjugate-gradient iteration reuses that.

use rand_chacha::ChaCha8Rng;

use super::adaptation::{Adaptation, AdvantageSettings, PolicyGradientData, StepSize};
use super::exploration::{ExplorationTerm, RewardMoments};
use super::inner_estimator::{subsample_rows, EstimatorTerms, InnerEstimator, InnerHessian};
use super::loss_rows::gather_rows;
use crate::baseline::FitCounts;
use crate::policy::{gaussian, matrix, FisherMetric, LogLikelihoodHessian, Network, PolicySpec};
use crate::trpo::Candidate;

/// A linearization kept for every product of a meta-iteration. dfdx's CPU tensors may cross
/// threads, so on the CPU it is built once. CUDA tensors may not (they are neither `Send` nor
/// `Sync`), so with the `cuda` feature it is rebuilt from host data for every product: correct,
/// slower, and untested here (no GPU).
#[cfg(not(feature = "cuda"))]
struct Kept<T>(T);

#[cfg(not(feature = "cuda"))]
impl<T> Kept<T> {
    fn new(build: impl Fn() -> T + Send + Sync + 'static) -> Self {
        Kept(build())
    }

    /// `value`, already built by `build`'s recipe.
    fn prebuilt(value: T, _build: impl Fn() -> T + Send + Sync + 'static) -> Self {
        Kept(value)
    }

    fn with<R>(&self, f: impl FnOnce(&T) -> R) -> R {
        f(&self.0)
    }
}

/// See the CPU definition.
#[cfg(feature = "cuda")]
struct Kept<T>(Box<dyn Fn() -> T + Send + Sync>);

#[cfg(feature = "cuda")]
impl<T> Kept<T> {
    fn new(build: impl Fn() -> T + Send + Sync + 'static) -> Self {
        Kept(Box::new(build))
    }

    /// A device value cannot be kept: `build` remakes it for every product.
    fn prebuilt(_value: T, build: impl Fn() -> T + Send + Sync + 'static) -> Self {
        Kept::new(build)
    }

    fn with<R>(&self, f: impl FnOnce(&T) -> R) -> R {
        f(&(self.0)())
    }
}

/// How a [`TaskObjective`] is prepared.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ObjectiveSettings {
    /// Advantage estimation of the validation batch.
    pub advantages: AdvantageSettings,
    /// Fraction of rows of the TRPO metric's curvature products, in (0, 1].
    pub curvature_subsample: f64,
    /// The inner loss whose Hessian the meta-gradient differentiates through.
    pub estimator: InnerEstimator,
    /// Keep E-MAML's exploration term (see [`super::exploration`]).
    pub exploration: bool,
}

/// One inner step's factor `(I − α_j H_j)` of the TRPO metric: the inner loss on a row
/// subsample, linearized at θ_j.
struct InnerCurvature {
    size: StepSize,
    hessian: Kept<InnerHessian>,
    /// The subsample is every row (the meta-gradient reuses `hessian`).
    every_row: bool,
}

/// Everything one task contributes to a MAML-TRPO update, fixed at θ_old: host data, and the
/// policy linearized (on this thread's device) at θ_j and θ' on the curvature products' rows.
pub struct TaskObjective {
    adaptation: Adaptation,
    /// The estimator's terms of every inner step, on every row.
    terms: Vec<EstimatorTerms>,
    inner: Vec<InnerCurvature>,
    validation: PolicyGradientData,
    old_log_probs: Vec<f64>,
    old_means: Vec<f64>,
    old_log_std: Vec<f64>,
    surrogate_before: f64,
    fisher: Kept<FisherMetric>,
    exploration: Option<ExplorationTerm>,
    /// Meta-SGD: the first inner step's gradient `∇L_0(θ_0)`, when its rates are learned.
    inner_gradient: Option<Vec<f64>>,
}

impl TaskObjective {
    /// Prepares a task after its adaptation: validation advantages and old log-probs at θ'_old,
    /// and the linearizations of the curvature products on their row subsamples (`subsample` of
    /// the rows, drawn from `rng`).
    pub fn new(
        spec: &PolicySpec,
        adaptation: Adaptation,
        settings: &ObjectiveSettings,
        rng: &mut ChaCha8Rng,
    ) -> Self {
        Self::with_kept_hessians(spec, adaptation, settings, rng, Vec::new()).0
    }

    /// [`TaskObjective::new`] with `kept[j]`, the fixed-sample Hessian of inner step `j` on every
    /// row that [`super::adaptation::adapt_task_keeping_hessians`] built for the step's gradient.
    /// A step whose metric uses every row takes its Hessian from there instead of linearizing
    /// the policy again; the others are returned, for [`TaskObjective::meta_gradient_with`].
    /// The same products either way, so the same bits.
    pub fn with_kept_hessians(
        spec: &PolicySpec,
        adaptation: Adaptation,
        settings: &ObjectiveSettings,
        rng: &mut ChaCha8Rng,
        kept: Vec<LogLikelihoodHessian>,
    ) -> (Self, Vec<Option<LogLikelihoodHessian>>) {
        let subsample = settings.curvature_subsample;
        let terms: Vec<EstimatorTerms> = (adaptation.steps.iter())
            .map(|step| {
                EstimatorTerms::new(settings.estimator, spec, &step.data, &settings.advantages)
            })
            .collect();
        let mut kept = kept.into_iter();
        let (inner, unused): (Vec<InnerCurvature>, Vec<_>) = (adaptation.steps.iter())
            .zip(&terms)
            .map(|(step, terms)| {
                let data = &step.data;
                let kept = kept.next();
                let sub = terms.subsample(&data.loss, subsample, rng);
                let every_row = sub.is_none();
                let (ready, unused) = if every_row {
                    (kept.and_then(|h| terms.fixed_sample_hessian(h)), None)
                } else {
                    (None, kept)
                };
                let (loss, terms) = sub.unwrap_or_else(|| (data.loss.clone(), terms.clone()));
                let (spec, theta) = (spec.clone(), data.theta.clone());
                let build = move || terms.hessian(&loss, &spec, &theta);
                let hessian = match ready {
                    Some(h) => Kept::prebuilt(h, build),
                    None => Kept::new(build),
                };
                let curvature = InnerCurvature {
                    size: step.size.clone(),
                    hessian,
                    every_row,
                };
                (curvature, unused)
            })
            .unzip();
        let adapted = adaptation.adapted.clone();
        let validation = PolicyGradientData::new(
            adapted.clone(),
            adaptation.validation.clone(),
            &settings.advantages,
        );
        let net = Network::new(spec, &adapted);
        let eps = &validation.episodes;
        let old_means = net.mean_values(&eps.obs, eps.rows());
        let old_log_std = net.log_std();
        let old_log_probs = gaussian::log_probs(&old_means, &old_log_std, &eps.actions);
        let rows = subsample_rows(eps.rows(), subsample, rng);
        let fisher_obs = gather_rows(&eps.obs, eps.obs_dim, &rows);
        let fisher = {
            let (spec, theta, n) = (spec.clone(), adapted.clone(), rows.len());
            let obs = fisher_obs;
            Kept::new(move || FisherMetric::new(&spec, &theta, &matrix(&obs, n, spec.obs_dim)))
        };
        // At θ'_old every ratio is exp(0) = 1: the surrogate is minus the mean advantage.
        let advantages = &validation.advantages;
        let surrogate_before = -advantages.iter().sum::<f64>() / advantages.len().max(1) as f64;
        let exploration = settings
            .exploration
            .then(|| ExplorationTerm::new(spec, &adaptation))
            .flatten();
        let inner_gradient = adaptation.steps.first().and_then(|step| {
            matches!(step.size, StepSize::PerParameter(_))
                .then(|| step.data.loss_gradient(spec, &step.data.theta))
        });
        let objective = TaskObjective {
            inner_gradient,
            exploration,
            adaptation,
            terms,
            inner,
            validation,
            old_log_probs,
            old_means,
            old_log_std,
            surrogate_before,
            fisher,
        };
        (objective, unused)
    }

    /// The task's adaptation (episodes and parameters).
    pub fn adaptation(&self) -> &Adaptation {
        &self.adaptation
    }

    /// Baseline fits of this task (inner steps and validation batch) that needed an escalated
    /// ridge or fell back to zero weights.
    pub fn baseline_fits(&self) -> FitCounts {
        let mut counts = self.adaptation.baseline_fits();
        counts.record(self.validation.baseline_fit);
        counts
    }

    /// The moments of the rewards of the batch sampled with the adapted θ'.
    pub fn validation_rewards(&self) -> RewardMoments {
        RewardMoments::of(&self.validation.episodes.rewards)
    }

    /// E-MAML's `∇_θ (−mean_t log π_θ)` over the first inner batch at θ_old (empty without the
    /// exploration term).
    pub fn exploration_gradient(&self, spec: &PolicySpec) -> Vec<f64> {
        match (&self.exploration, self.adaptation.steps.first()) {
            (Some(e), Some(first)) => e.gradient(spec, &first.data.theta),
            _ => Vec::new(),
        }
    }

    /// E-MAML's exploration term at `theta` before its credit: `−(mean_t log π_θ −
    /// mean_t log π_θold)` (0 without the term).
    pub fn exploration_value(&self, spec: &PolicySpec, theta: &[f64]) -> f64 {
        (self.exploration.as_ref()).map_or(0.0, |e| e.value(spec, theta))
    }

    /// The surrogate at θ_old (−mean advantage, ratio 1).
    pub fn surrogate_before(&self) -> f64 {
        self.surrogate_before
    }

    /// TRPO surrogate `−(1/N) Σ_t exp(log π_θ'(a_t|s_t) − log π_old(a_t|s_t)) A_t` and mean
    /// KL(π_old || π_θ') over the validation states, for adapted parameters θ'.
    pub fn surrogate_and_kl(&self, spec: &PolicySpec, adapted: &[f64]) -> Candidate {
        let net = Network::new(spec, adapted);
        let eps = &self.validation.episodes;
        let means = net.mean_values(&eps.obs, eps.rows());
        let log_std = net.log_std();
        let log_probs = gaussian::log_probs(&means, &log_std, &eps.actions);
        let n = log_probs.len().max(1) as f64;
        let surrogate = -log_probs
            .iter()
            .zip(&self.old_log_probs)
            .zip(&self.validation.advantages)
            .map(|((lp, old), a)| (lp - old).exp() * a)
            .sum::<f64>()
            / n;
        let kl = gaussian::mean_kl(&self.old_means, &self.old_log_std, &means, &log_std);
        Candidate { surrogate, kl }
    }

    /// Adapts candidate meta-parameters on the stored inner data and evaluates the result.
    pub fn evaluate(&self, spec: &PolicySpec, theta: &[f64]) -> Candidate {
        self.surrogate_and_kl(spec, &self.readapt(spec, theta))
    }

    /// Re-runs the inner updates from candidate meta-parameters on the same data:
    /// `θ_{j+1} = θ_j − α_j ∇L_j(θ_j)` with each step's estimator objective `L_j` (see
    /// [`EstimatorTerms::gradient`]). Returns θ_k.
    /// With learned rates (Meta-SGD), `theta` is followed by the first step's rates, which
    /// replace the stored ones.
    pub fn readapt(&self, spec: &PolicySpec, theta: &[f64]) -> Vec<f64> {
        let (theta, rates) = theta.split_at(spec.num_params());
        let candidate_rates = (!rates.is_empty()).then(|| StepSize::PerParameter(rates.to_vec()));
        (self.adaptation.steps.iter())
            .zip(&self.terms)
            .enumerate()
            .fold(theta.to_vec(), |current, (j, (step, terms))| {
                let gradient = terms.gradient(&step.data.loss, spec, &current);
                let size = match (j, &candidate_rates) {
                    (0, Some(size)) => size,
                    _ => &step.size,
                };
                size.step(&current, &gradient)
            })
    }

    /// The meta-gradient estimate `J^T ∇_{θ'} L_out` of the surrogate `L_out(θ'(θ))` (the
    /// surrogate's gradient at the sampling policy is the policy gradient of the validation
    /// batch) with `J = Π_j (I − α_j H_j)` and `H_j` the Hessian of the configured
    /// [`InnerEstimator`]'s objective: Finn et al.'s estimator with the fixed-sample one, which
    /// ignores the dependence of the inner batches' distribution on θ (see the module
    /// documentation). First-order MAML takes J = I. The Hessians use every row.
    pub fn meta_gradient(&self, spec: &PolicySpec, first_order: bool) -> Vec<f64> {
        self.meta_gradient_with(spec, first_order, Vec::new())
    }

    /// [`TaskObjective::meta_gradient`], differentiating through inner step `j` with `kept[j]`
    /// where one is given and the estimator is the fixed-sample one: the Hessian of the step's
    /// loss at θ_j on every row that [`super::adaptation::adapt_task_keeping_hessians`] built
    /// for the step's gradient (what [`TaskObjective::with_kept_hessians`] returns). The same
    /// products, so the same bits, without linearizing the policy on the inner batch again.
    pub fn meta_gradient_with(
        &self,
        spec: &PolicySpec,
        first_order: bool,
        mut kept: Vec<Option<LogLikelihoodHessian>>,
    ) -> Vec<f64> {
        let v = &self.validation;
        let mut g = v.loss.gradient(spec, &v.theta);
        let mut rates_part = None;
        let steps = self.adaptation.steps.iter().zip(&self.terms);
        for (j, ((step, terms), curv)) in steps.zip(&self.inner).enumerate().rev() {
            if j == 0 {
                rates_part = self.rates_part(&g);
            }
            if first_order {
                continue;
            }
            if curv.every_row {
                step.size
                    .apply_jacobian_transpose(&mut g, |v| curv.hessian.with(|h| h.product(v)));
            } else {
                let data = &step.data;
                let hessian = (kept.get_mut(j).and_then(Option::take))
                    .and_then(|h| terms.fixed_sample_hessian(h))
                    .unwrap_or_else(|| terms.hessian(&data.loss, spec, &data.theta));
                step.size
                    .apply_jacobian_transpose(&mut g, |v| hessian.product(v));
            }
        }
        g.extend(rates_part.unwrap_or_default());
        g
    }

    /// Meta-SGD: `∂θ_1/∂α` applied to an adjoint `a` at θ_1, i.e. `−∇L_0(θ_0) ∘ a` (`None`
    /// when the rates are not learned).
    fn rates_part(&self, adjoint: &[f64]) -> Option<Vec<f64>> {
        let g_in = self.inner_gradient.as_ref()?;
        Some(g_in.iter().zip(adjoint).map(|(g, a)| -g * a).collect())
    }

    /// `J^T F J v`: the Hessian at θ_old of this task's mean KL(π_θ'_old || π_θ'(θ)) applied to v,
    /// with F the Fisher of the adapted policy, on the row subsample.
    pub fn metric_product(&self, v: &[f64], first_order: bool) -> Vec<f64> {
        let (v_theta, v_rates) = v.split_at(self.adaptation.adapted.len());
        let mut x = v_theta.to_vec();
        for (j, curv) in self.inner.iter().enumerate() {
            if !first_order {
                curv.size
                    .apply_jacobian(&mut x, |v| curv.hessian.with(|h| h.product(v)));
            }
            if let (0, Some(g_in)) = (j, &self.inner_gradient) {
                for ((xi, g), dv) in x.iter_mut().zip(g_in).zip(v_rates) {
                    *xi -= g * dv;
                }
            }
        }
        let mut y = self.fisher.with(|f| f.product(&x));
        let mut rates_part = None;
        for (j, curv) in self.inner.iter().enumerate().rev() {
            if j == 0 {
                rates_part = self.rates_part(&y);
            }
            if !first_order {
                (curv.size)
                    .apply_jacobian_transpose(&mut y, |v| curv.hessian.with(|h| h.product(v)));
            }
        }
        y.extend(rates_part.unwrap_or_default());
        y
    }
}
