//! The inner loop: adapt a parameter vector to one task by vanilla policy-gradient steps on
//! trajectories sampled from that task (MAML paper, eq. (1) with the REINFORCE loss of eq. (4)).
//! Training, evaluation and the baselines' fine-tuning all go through [`adapt_task`].

use std::time::{Duration, Instant};

use metarl_envs::{Env, Task};

use super::loss_rows::LossRows;
use crate::advantage::advantages;
use crate::baseline::{FitCounts, FitOutcome};
use crate::episodes::EpisodeBatch;
use crate::policy::{LogLikelihoodHessian, PolicySpec};
use crate::sampler::{sample_task_observed, EnvPool, EpisodeEvent, EpisodeObserver, SampleRequest};

/// How advantages are estimated from one task's episodes.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AdvantageSettings {
    /// Discount gamma.
    pub gamma: f64,
    /// GAE lambda.
    pub gae_lambda: f64,
    /// Normalize per task.
    pub normalize: bool,
}

impl AdvantageSettings {
    /// Linear-feature-baseline GAE advantages of every row of `episodes`, and how the baseline
    /// fit went.
    pub fn advantages(&self, episodes: &EpisodeBatch) -> (Vec<f64>, FitOutcome) {
        advantages(
            &episodes.obs,
            episodes.obs_dim,
            &episodes.rewards,
            &episodes.episode_lengths,
            &episodes.terminated,
            self.gamma,
            self.gae_lambda,
            self.normalize,
        )
    }
}

/// Episodes of one task sampled with one parameter vector, ready for differentiation: the
/// policy-gradient loss `L(θ) = −(1/N) Σ_t A_t log π_θ(a_t|s_t)` (eq. (4) of the paper with the
/// REINFORCE estimator).
#[derive(Clone, Debug)]
pub struct PolicyGradientData {
    /// The parameters the episodes were sampled with.
    pub theta: Vec<f64>,
    /// The episodes.
    pub episodes: EpisodeBatch,
    /// Their advantages (one per row).
    pub advantages: Vec<f64>,
    /// The loss rows (weights `−A_t / N`).
    pub loss: LossRows,
    /// How the linear baseline behind the advantages was fitted.
    pub baseline_fit: FitOutcome,
}

impl PolicyGradientData {
    /// Computes advantages and loss weights for `episodes` sampled with `theta`.
    pub fn new(theta: Vec<f64>, episodes: EpisodeBatch, settings: &AdvantageSettings) -> Self {
        let (advantages, baseline_fit) = settings.advantages(&episodes);
        let loss = LossRows::policy_gradient(
            &episodes.obs,
            episodes.obs_dim,
            &episodes.actions,
            episodes.act_dim,
            &advantages,
        );
        PolicyGradientData {
            theta,
            episodes,
            advantages,
            loss,
            baseline_fit,
        }
    }

    /// Gradient of the policy-gradient loss at `theta` (the data stay fixed).
    pub fn loss_gradient(&self, spec: &PolicySpec, theta: &[f64]) -> Vec<f64> {
        self.loss.gradient(spec, theta)
    }
}

/// The step size of an inner step: MAML's learning rate α, or Meta-SGD's learned
/// per-parameter rates (Li et al. 2017, Eq. (1): `θ' = θ − α ∘ ∇L(θ)`).
#[derive(Clone, Debug, PartialEq)]
pub enum StepSize {
    /// One learning rate for every parameter.
    Scalar(f64),
    /// One rate per parameter.
    PerParameter(Vec<f64>),
}

impl StepSize {
    /// `θ − α ∘ g`.
    pub fn step(&self, theta: &[f64], g: &[f64]) -> Vec<f64> {
        match self {
            StepSize::Scalar(lr) => gradient_step(theta, g, *lr),
            StepSize::PerParameter(rates) => (theta.iter())
                .zip(g)
                .zip(rates)
                .map(|((t, g), a)| t - a * g)
                .collect(),
        }
    }

    /// `x ← (I − diag(α) H) x`: the step's Jacobian `dθ_{j+1}/dθ_j` applied to `x`, with
    /// `hessian` the product with the inner loss's Hessian `H` at θ_j.
    pub fn apply_jacobian(&self, x: &mut [f64], hessian: impl Fn(&[f64]) -> Vec<f64>) {
        let hx = hessian(x);
        match self {
            StepSize::Scalar(lr) => axpy(-lr, &hx, x),
            StepSize::PerParameter(rates) => {
                for ((xi, h), a) in x.iter_mut().zip(hx).zip(rates) {
                    *xi -= a * h;
                }
            }
        }
    }

    /// `x ← (I − H diag(α)) x`, the transpose of [`StepSize::apply_jacobian`] (the same for a
    /// scalar rate).
    pub fn apply_jacobian_transpose(&self, x: &mut [f64], hessian: impl Fn(&[f64]) -> Vec<f64>) {
        match self {
            StepSize::Scalar(_) => self.apply_jacobian(x, hessian),
            StepSize::PerParameter(rates) => {
                let scaled: Vec<f64> = x.iter().zip(rates).map(|(xi, a)| a * xi).collect();
                for (xi, h) in x.iter_mut().zip(hessian(&scaled)) {
                    *xi -= h;
                }
            }
        }
    }
}

/// y ← y + a x.
pub(crate) fn axpy(a: f64, x: &[f64], y: &mut [f64]) {
    for (yi, xi) in y.iter_mut().zip(x) {
        *yi += a * xi;
    }
}

/// One inner step: the data it used and its step size.
#[derive(Clone, Debug)]
pub struct InnerStep {
    /// Episodes sampled with θ_j and their loss.
    pub data: PolicyGradientData,
    /// Step size α_j of θ_{j+1} = θ_j − α_j ∘ ∇L_j(θ_j).
    pub size: StepSize,
}

/// An adapted task: the inner steps taken and the final batch sampled with the adapted θ'.
#[derive(Clone, Debug)]
pub struct Adaptation {
    /// One entry per inner step (θ_0 = the meta-parameters).
    pub steps: Vec<InnerStep>,
    /// The adapted parameters θ' = θ_k.
    pub adapted: Vec<f64>,
    /// Episodes sampled with θ' (MAML's validation batch; the evaluation's last row).
    pub validation: EpisodeBatch,
    /// Time spent sampling episodes (the rest of the adaptation is advantages and gradients).
    pub sampling_time: Duration,
    /// A non-finite inner gradient was met; that step (and the rest) kept θ_j unchanged.
    pub non_finite: bool,
}

impl Adaptation {
    /// Mean return after 0, 1, …, k inner steps.
    pub fn returns(&self) -> Vec<f64> {
        let mut r: Vec<f64> = self
            .steps
            .iter()
            .map(|s| s.data.episodes.mean_return())
            .collect();
        r.push(self.validation.mean_return());
        r
    }

    /// Baseline fits of the inner steps that needed an escalated ridge or fell back to zero
    /// weights (the final batch has no advantages here).
    pub fn baseline_fits(&self) -> FitCounts {
        let mut counts = FitCounts::default();
        for step in &self.steps {
            counts.record(step.data.baseline_fit);
        }
        counts
    }

    /// Env steps sampled in total.
    pub fn env_steps(&self) -> usize {
        self.steps
            .iter()
            .map(|s| s.data.episodes.rows())
            .sum::<usize>()
            + self.validation.rows()
    }
}

/// What [`adapt_task`] does: adapt `theta` to `task` with one inner step per learning rate in
/// `lrs`, sampling `episodes` episodes per stage.
#[derive(Clone, Copy, Debug)]
pub struct AdaptRequest<'a> {
    /// The policy architecture.
    pub spec: &'a PolicySpec,
    /// The parameters to adapt (θ_0).
    pub theta: &'a [f64],
    /// The task to adapt to.
    pub task: &'a Task,
    /// Learning rate α_j of each inner step (none: no inner step, only the final batch).
    pub lrs: &'a [f64],
    /// Meta-SGD's learned per-parameter rates: replace the first step's learning rate.
    pub first_step_rates: Option<&'a [f64]>,
    /// Episodes sampled per stage (K).
    pub episodes: usize,
    /// Advantage estimation of the inner steps.
    pub advantages: &'a AdvantageSettings,
}

/// Sees the episodes of an adaptation as they are sampled: stage `j < k` is the batch sampled
/// with θ_j for inner step `j`, stage `k = lrs.len()` is the final batch sampled with θ_k.
pub trait StageObserver {
    /// Called once per event of every episode (see [`EpisodeObserver`] for the order).
    fn observe(&mut self, stage: usize, event: EpisodeEvent<'_>, env: &dyn Env);
}

/// The observer that ignores everything.
impl StageObserver for () {
    fn observe(&mut self, _stage: usize, _event: EpisodeEvent<'_>, _env: &dyn Env) {}
}

/// An [`EpisodeObserver`] that forwards to a [`StageObserver`] with a fixed stage.
struct AtStage<'o> {
    stage: usize,
    observer: &'o mut dyn StageObserver,
}

impl EpisodeObserver for AtStage<'_> {
    fn observe(&mut self, event: EpisodeEvent<'_>, env: &dyn Env) {
        self.observer.observe(self.stage, event, env);
    }
}

/// Adapts `request.theta` to `request.task`: for each learning rate α_j, samples
/// `request.episodes` episodes with θ_j, takes θ_{j+1} = θ_j − α_j ∇L_j(θ_j), and finally samples
/// `request.episodes` episodes with θ_k. Episode `e` of stage `j` (j = k is the final batch) uses
/// seed `episode_seed(j, e)`.
pub fn adapt_task(
    pool: &mut EnvPool<'_>,
    request: &AdaptRequest<'_>,
    episode_seed: impl Fn(usize, usize) -> u64,
) -> Adaptation {
    adapt_task_observed(pool, request, episode_seed, &mut ())
}

/// [`adapt_task`], showing every episode event of every stage to `observer` as it happens. The
/// adaptation is the same as without an observer.
pub fn adapt_task_observed(
    pool: &mut EnvPool<'_>,
    request: &AdaptRequest<'_>,
    episode_seed: impl Fn(usize, usize) -> u64,
    observer: &mut dyn StageObserver,
) -> Adaptation {
    let spec = request.spec;
    adapt_stages(pool, request, episode_seed, observer, |data, theta| {
        data.loss_gradient(spec, theta)
    })
}

/// [`adapt_task`], also returning the Hessian of every inner step's loss at its θ_j on every row
/// (Finn et al.'s fixed-sample loss, [`LossRows::hessian`]), whose reverse pass gave the step's
/// gradient: the meta-gradient differentiates through the steps with these
/// ([`super::TaskObjective::meta_gradient_with`]), so the policy is linearized on the inner
/// batches once instead of twice. The adaptation is bit for bit [`adapt_task`]'s.
pub fn adapt_task_keeping_hessians(
    pool: &mut EnvPool<'_>,
    request: &AdaptRequest<'_>,
    episode_seed: impl Fn(usize, usize) -> u64,
) -> (Adaptation, Vec<LogLikelihoodHessian>) {
    let spec = request.spec;
    let mut hessians = Vec::with_capacity(request.lrs.len());
    let adaptation = adapt_stages(pool, request, episode_seed, &mut (), |data, theta| {
        let hessian = data.loss.hessian(spec, theta);
        let gradient = hessian.gradient();
        hessians.push(hessian);
        gradient
    });
    (adaptation, hessians)
}

/// The inner loop of [`adapt_task_observed`], with `gradient(data, θ_j)` the gradient of step
/// `j`'s loss.
fn adapt_stages(
    pool: &mut EnvPool<'_>,
    request: &AdaptRequest<'_>,
    episode_seed: impl Fn(usize, usize) -> u64,
    observer: &mut dyn StageObserver,
    mut gradient: impl FnMut(&PolicyGradientData, &[f64]) -> Vec<f64>,
) -> Adaptation {
    let AdaptRequest {
        spec,
        theta,
        task,
        lrs,
        first_step_rates,
        episodes,
        advantages: settings,
    } = *request;
    let mut current = theta.to_vec();
    let mut steps = Vec::with_capacity(lrs.len());
    let mut sampling_time = Duration::ZERO;
    let mut sample = |theta: &[f64], stage: usize| {
        let t = Instant::now();
        let request = SampleRequest {
            spec,
            theta,
            task,
            episodes,
        };
        let mut at_stage = AtStage {
            stage,
            observer: &mut *observer,
        };
        let batch = sample_task_observed(pool, &request, |e| episode_seed(stage, e), &mut at_stage);
        sampling_time += t.elapsed();
        batch
    };
    let mut non_finite = false;
    for (j, &lr) in lrs.iter().enumerate() {
        let batch = sample(&current, j);
        let data = PolicyGradientData::new(current.clone(), batch, settings);
        let gradient = gradient(&data, &current);
        non_finite |= !gradient.iter().all(|g| g.is_finite());
        let size = match (j, first_step_rates) {
            (0, Some(rates)) => StepSize::PerParameter(rates.to_vec()),
            _ => StepSize::Scalar(lr),
        };
        if !non_finite {
            current = size.step(&current, &gradient);
        }
        steps.push(InnerStep { data, size });
    }
    let validation = sample(&current, lrs.len());
    Adaptation {
        steps,
        adapted: current,
        validation,
        sampling_time,
        non_finite,
    }
}

/// θ − α g.
pub fn gradient_step(theta: &[f64], gradient: &[f64], lr: f64) -> Vec<f64> {
    theta
        .iter()
        .zip(gradient)
        .map(|(t, g)| t - lr * g)
        .collect()
}
