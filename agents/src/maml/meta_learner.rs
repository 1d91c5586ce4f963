//! MAML-TRPO meta-training (Finn et al. 2017, Algorithm 3 with TRPO as the meta-optimizer),
//! one meta-iteration at a time:
//!
//! 1. draw a meta-batch of tasks;
//! 2. per task (in parallel): sample K episodes with θ, adapt θ' = θ − α ∇L_in(θ) (repeat for
//!    more inner steps), sample K validation episodes with θ';
//! 3. meta-gradient g = mean_i (I − α H_i) ∇_{θ'} L_out,i with H_i the Hessian of the
//!    configured inner estimator (Finn et al.'s fixed-sample one by default, which ignores how
//!    the inner batches' distribution depends on θ; LVC or DiCE keep that term, see
//!    [`super::inner_estimator`]); FOMAML drops H;
//! 4. TRPO: x = CG(M + λI, g) with M = mean_i J_i^T F_i J_i, step scaled to the KL radius,
//!    backtracking until the surrogate improves with KL ≤ max_kl on the adapted policies.

use std::sync::Arc;
use std::time::{Duration, Instant};

use metarl_envs::TaskDistribution;
use serde::{Deserialize, Serialize};

use super::config::MamlConfig;
use super::exploration::credits;
use super::inner_estimator::InnerEstimator;
use super::meta_batch::MetaBatch;
use super::task_objective::{ObjectiveSettings, TaskObjective};
use super::task_summary::{BatchTotals, TaskSummary};
use crate::learner::{check_length, LearnerError, MetaLearner};
use crate::parallel::{parallel_map, resolve_workers};
use crate::policy::PolicySpec;
use crate::seeding::{derive_rng, Stream};
use crate::team::{gather_tasks, shard, Solo, TaskTeam};
use crate::trpo::{trpo_step, Candidate, TrpoConfig, TrpoStep};

/// What one meta-iteration did (one line of `metrics.jsonl`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct IterationMetrics {
    /// Meta-iteration index (0-based).
    pub iteration: u64,
    /// Mean return of the episodes sampled with θ (before adaptation).
    pub return_pre: f64,
    /// Mean return of the validation episodes sampled with the adapted θ'.
    pub return_post: f64,
    /// Mean KL between the old and new adapted policies (0 if the step was rejected). ProMP
    /// reports its penalty's KL here instead: the pre-update policies' KL from the sampling
    /// policies after its optimization steps, summed over inner steps; Reptile reports 0.
    pub kl: f64,
    /// Meta-surrogate at θ_old.
    pub surrogate_before: f64,
    /// Meta-surrogate after the update.
    pub surrogate_after: f64,
    /// Line-search steps evaluated.
    pub line_search_steps: usize,
    /// Whether the TRPO step was accepted.
    pub step_accepted: bool,
    /// Whether a non-finite value (returns, advantages, gradients, CG) rejected the step; the
    /// parameters are then unchanged.
    pub step_rejected: bool,
    /// Norm of the meta-gradient.
    pub gradient_norm: f64,
    /// Mean log standard deviation of the policy after the update.
    pub log_std_mean: f64,
    /// Env steps sampled this iteration (all inner and validation batches).
    pub env_steps: usize,
    /// Wall-clock seconds of the iteration.
    pub seconds: f64,
    /// Seconds sampling episodes (worker time divided by the worker count).
    pub seconds_sampling: f64,
    /// Seconds in inner-loop gradients and advantages (worker time / workers).
    pub seconds_inner: f64,
    /// Seconds preparing the curvature data and computing the meta-gradient.
    pub seconds_meta_gradient: f64,
    /// Seconds in conjugate gradient (metric-vector products).
    pub seconds_cg: f64,
    /// Seconds in the line search.
    pub seconds_line_search: f64,
    /// Linear-baseline fits of this iteration (every task's inner batches and validation batch)
    /// that succeeded only after escalating the ridge coefficient beyond 1e-5 (numerically rank
    /// deficient features).
    #[serde(default)]
    pub baseline_ridge_escalations: u64,
    /// Linear-baseline fits of this iteration that failed at every ridge coefficient (e.g.
    /// non-finite rewards) and fell back to zero weights (advantages = returns-to-go).
    #[serde(default)]
    pub baseline_zero_fallbacks: u64,
    /// Processes the meta-batch's tasks were shared among (1 without MPI).
    #[serde(default = "one")]
    pub ranks: usize,
    /// Seconds this iteration spent in the gathers of per-task results between ranks, waiting
    /// for the slowest rank included (0 for one process). `seconds_cg` and
    /// `seconds_line_search` include their gathers; validation's are not counted.
    #[serde(default)]
    pub seconds_communication: f64,
}

/// The rank count of metrics lines written before distributed training existed.
fn one() -> usize {
    1
}

/// Settings of a [`MamlTrpo`] learner besides the task distribution, the policy and θ.
#[derive(Clone, Debug, PartialEq)]
pub struct MamlTrpoSettings {
    /// Inner loop and meta-batch.
    pub maml: MamlConfig,
    /// The TRPO meta-optimizer.
    pub trpo: TrpoConfig,
    /// Run seed: every random draw derives from (seed, iteration, …).
    pub seed: u64,
    /// Threads that sample and differentiate tasks in parallel (`0` = all available cores, see
    /// [`resolve_workers`]); results do not depend on it.
    pub workers: usize,
    /// E-MAML (Stadie et al. 2018): add the exploration term of [`super::exploration`] to the
    /// meta-objective.
    pub exploration: bool,
    /// Meta-SGD (Li et al. 2017): learn a per-parameter rate vector α of the first inner step
    /// (`θ' = θ − α ∘ ∇L(θ)`, α initialized to `maml.inner_lr`) with θ by TRPO on `(θ, α)`;
    /// later inner steps keep `maml.inner_lr`.
    pub learn_rates: bool,
}

/// A MAML-TRPO meta-learner: the meta-parameters and everything needed to update them.
pub struct MamlTrpo {
    dist: Arc<dyn TaskDistribution>,
    spec: PolicySpec,
    maml: MamlConfig,
    trpo: TrpoConfig,
    seed: u64,
    workers: usize,
    exploration: bool,
    theta: Vec<f64>,
    /// Meta-SGD's learned rates α (`None` for the other learners).
    rates: Option<Vec<f64>>,
    team: Arc<dyn TaskTeam>,
}

impl MamlTrpo {
    /// A learner over `dist` starting from `theta`. With `maml.inner_steps = 0` there is no
    /// inner loop: θ' = θ and the update is plain TRPO on tasks drawn from `dist` (the paper's
    /// pretrained and oracle baselines).
    ///
    /// # Errors
    /// [`LearnerError::WrongLength`] if `theta` does not have `spec.num_params()` entries.
    pub fn new(
        dist: Arc<dyn TaskDistribution>,
        spec: PolicySpec,
        theta: Vec<f64>,
        settings: MamlTrpoSettings,
    ) -> Result<Self, LearnerError> {
        check_length("theta", spec.num_params(), &theta)?;
        let MamlTrpoSettings {
            maml,
            trpo,
            seed,
            workers,
            exploration,
            learn_rates,
        } = settings;
        let rates = learn_rates.then(|| vec![maml.inner_lr; theta.len()]);
        Ok(MamlTrpo {
            dist,
            spec,
            maml,
            trpo,
            seed,
            workers: resolve_workers(workers),
            exploration,
            theta,
            rates,
            team: Arc::new(Solo),
        })
    }

    /// Runs meta-iteration `iteration`; every random draw derives from (seed, iteration).
    pub fn iteration(&mut self, iteration: u64) -> IterationMetrics {
        let start = Instant::now();
        // Communication is counted from here (not the validation or stop flag before).
        self.team.take_communication_time();
        let (spec, maml, seed) = (&self.spec, &self.maml, self.seed);
        let settings = maml.advantage_settings();
        let objective_settings = ObjectiveSettings {
            advantages: settings,
            curvature_subsample: maml.curvature_subsample,
            estimator: maml.inner_estimator,
            exploration: self.exploration,
        };
        let lrs = maml.inner_lrs();
        let theta = &self.theta;
        let first_step_rates = self.rates.as_deref();
        // TRPO's variables: θ, followed by Meta-SGD's rates.
        let phi: Vec<f64> = theta
            .iter()
            .chain(self.rates.iter().flatten())
            .copied()
            .collect();
        let dist = self.dist.as_ref();

        // 2. Adapt every task (sampling + inner gradients), then prepare its objective. Each
        // rank of the team adapts its share of the tasks and keeps their objectives; every rank
        // receives every task's summary, in task order.
        let team = self.team.as_ref();
        let batch = MetaBatch {
            dist,
            spec,
            theta,
            maml,
            lrs: &lrs,
            first_step_rates,
            seed,
            iteration,
        };
        let prepare = |i: usize, adaptation, hessians, adapt_time| {
            let t1 = Instant::now();
            let mut rng = derive_rng(seed, Stream::Subsample, &[iteration, i as u64]);
            let (objective, hessians) = TaskObjective::with_kept_hessians(
                spec,
                adaptation,
                &objective_settings,
                &mut rng,
                hessians,
            );
            let gradient = objective.meta_gradient_with(spec, maml.first_order, hessians);
            let summary = TaskSummary::of(spec, &objective, gradient, adapt_time, t1.elapsed());
            (objective, summary)
        };
        // The fixed-sample meta-gradient differentiates through the inner steps with the
        // Hessians of their losses: keep the ones the inner gradients came from.
        let (objectives, summaries) =
            if maml.inner_estimator == InnerEstimator::FixedSample && !maml.first_order {
                batch.adapt_keeping_hessians(team, self.workers, |i, (a, h), t| prepare(i, a, h, t))
            } else {
                batch.adapt(team, self.workers, |i, a, t| prepare(i, a, Vec::new(), t))
            };
        let n = summaries.len() as f64;
        let workers = (self.workers * team.size()).min(summaries.len()).max(1) as f64;
        let totals = BatchTotals::of(&summaries, phi.len());
        let mut gradient = totals.gradient.clone();
        // E-MAML: each task's exploration gradient, weighted by its normalized post-update reward.
        let credits = if self.exploration {
            credits(
                &summaries
                    .iter()
                    .map(|s| s.validation_rewards)
                    .collect::<Vec<_>>(),
            )
        } else {
            vec![0.0; summaries.len()]
        };
        for (summary, credit) in summaries.iter().zip(&credits) {
            for (acc, ei) in gradient.iter_mut().zip(&summary.exploration_gradient) {
                *acc += credit * ei / n;
            }
        }
        let surrogate_before = totals.surrogate_before;

        // 3-4. TRPO on the meta-objective, unless a non-finite value already showed up: then the
        // step is rejected and θ stays as it is. Every metric product and line-search candidate
        // is a mean over all tasks: each rank computes its tasks' terms, every rank sums all.
        let non_finite_data = totals.non_finite || !gradient.iter().all(|g| g.is_finite());
        let first_order = maml.first_order;
        let workers_n = self.workers;
        let tasks_n = summaries.len();
        let first_task = shard(tasks_n, team.size(), team.rank()).start;
        let n_params = theta.len();
        let credits = &credits;
        let mut cg_time = Duration::ZERO;
        let mut line_search_time = Duration::ZERO;
        let step = if non_finite_data {
            None
        } else {
            let objectives = &objectives;
            Some(trpo_step(
                &self.trpo,
                &phi,
                &gradient,
                surrogate_before,
                |v| {
                    let t = Instant::now();
                    let local = parallel_map(
                        workers_n,
                        objectives.len(),
                        || (),
                        |_, i| objectives[i].metric_product(v, first_order),
                    );
                    let products = gather_tasks(team, tasks_n, local);
                    cg_time += t.elapsed();
                    mean_of(&products)
                },
                |candidate| {
                    let t = Instant::now();
                    let local: Vec<(f64, f64)> = parallel_map(
                        workers_n,
                        objectives.len(),
                        || (),
                        |_, i| {
                            let objective = &objectives[i];
                            let c = objective.evaluate(spec, candidate);
                            let credit = credits[first_task + i];
                            let explore = if credit == 0.0 {
                                0.0
                            } else {
                                credit * objective.exploration_value(spec, &candidate[..n_params])
                            };
                            (c.surrogate + explore, c.kl)
                        },
                    );
                    let values = gather_tasks(team, tasks_n, local);
                    line_search_time += t.elapsed();
                    Candidate {
                        surrogate: values.iter().map(|c| c.0).sum::<f64>() / n,
                        kl: values.iter().map(|c| c.1).sum::<f64>() / n,
                    }
                },
            ))
        };
        let step_rejected = step.as_ref().is_none_or(|s| s.non_finite);
        let step = step.filter(|s| !s.non_finite).unwrap_or_else(|| TrpoStep {
            theta: phi.clone(),
            accepted: false,
            line_search_steps: 0,
            surrogate: surrogate_before,
            kl: 0.0,
            gradient_norm: gradient.iter().map(|g| g * g).sum::<f64>().sqrt(),
            non_finite: true,
        });
        let (new_theta, new_rates) = step.theta.split_at(theta.len());
        if let Some(rates) = &mut self.rates {
            rates.copy_from_slice(new_rates);
        }
        self.theta = new_theta.to_vec();
        IterationMetrics {
            kl: step.kl,
            surrogate_after: step.surrogate,
            line_search_steps: step.line_search_steps,
            step_accepted: step.accepted,
            step_rejected,
            gradient_norm: step.gradient_norm,
            seconds: start.elapsed().as_secs_f64(),
            seconds_cg: cg_time.as_secs_f64(),
            seconds_line_search: line_search_time.as_secs_f64(),
            ..IterationMetrics::of_batch(iteration, &totals, workers, spec, &self.theta, team)
        }
    }
}

impl IterationMetrics {
    /// The metrics of a meta-batch's `totals` (adapted on `workers` threads over all ranks) and
    /// of the parameters `theta` after the update, with the update's own fields (KL, surrogate
    /// after, line search, CG time, wall time) zero and `step_accepted` true unless the batch
    /// met a non-finite value: the learner sets those. Reads (and resets) the team's
    /// communication time.
    pub fn of_batch(
        iteration: u64,
        totals: &BatchTotals,
        workers: f64,
        spec: &PolicySpec,
        theta: &[f64],
        team: &dyn TaskTeam,
    ) -> IterationMetrics {
        let log_std = &theta[spec.log_std_offset()..];
        let sampling_seconds = totals.sampling_time.as_secs_f64() / workers;
        IterationMetrics {
            iteration,
            return_pre: totals.return_pre,
            return_post: totals.return_post,
            kl: 0.0,
            surrogate_before: totals.surrogate_before,
            surrogate_after: totals.surrogate_before,
            line_search_steps: 0,
            step_accepted: !totals.non_finite,
            step_rejected: totals.non_finite,
            gradient_norm: totals.gradient.iter().map(|g| g * g).sum::<f64>().sqrt(),
            log_std_mean: log_std.iter().sum::<f64>() / log_std.len() as f64,
            env_steps: totals.env_steps,
            seconds: 0.0,
            seconds_sampling: sampling_seconds,
            seconds_inner: totals.adapt_time.as_secs_f64() / workers - sampling_seconds,
            seconds_meta_gradient: totals.meta_time.as_secs_f64() / workers,
            seconds_cg: 0.0,
            seconds_line_search: 0.0,
            baseline_ridge_escalations: totals.baseline_fits.ridge_escalations,
            baseline_zero_fallbacks: totals.baseline_fits.zero_fallbacks,
            ranks: team.size(),
            seconds_communication: team.take_communication_time().as_secs_f64(),
        }
    }
}

impl MetaLearner for MamlTrpo {
    fn name(&self) -> &'static str {
        match (self.exploration, self.rates.is_some()) {
            (true, true) => "e-maml-meta-sgd",
            (true, false) => "e-maml-trpo",
            (false, true) => "meta-sgd",
            (false, false) => "maml-trpo",
        }
    }

    fn spec(&self) -> &PolicySpec {
        &self.spec
    }

    fn theta(&self) -> &[f64] {
        &self.theta
    }

    fn iteration(&mut self, iteration: u64) -> IterationMetrics {
        MamlTrpo::iteration(self, iteration)
    }

    fn set_team(&mut self, team: Arc<dyn TaskTeam>) {
        self.team = team;
    }

    fn restore(
        &mut self,
        theta: Vec<f64>,
        state: &[(String, Vec<f64>)],
    ) -> Result<(), LearnerError> {
        let n = self.spec.num_params();
        check_length("theta", n, &theta)?;
        let mut rates = None;
        for (name, values) in state {
            if name != RATES || self.rates.is_none() {
                return Err(LearnerError::UnknownState(name.clone()));
            }
            check_length(RATES, n, values)?;
            rates = Some(values.clone());
        }
        if self.rates.is_some() {
            self.rates = Some(rates.ok_or(LearnerError::MissingState(RATES.into()))?);
        }
        self.theta = theta;
        Ok(())
    }

    fn state(&self) -> Vec<(String, Vec<f64>)> {
        (self.rates.iter())
            .map(|r| (RATES.to_string(), r.clone()))
            .collect()
    }
}

/// Meta-SGD's rates α in checkpoints (see [`learned_rates`]).
const RATES: &str = "alpha";

/// Meta-SGD's learned per-parameter rates of the first adaptation step, from a learner's
/// checkpoint state (`None` for the other learners).
pub fn learned_rates(state: &[(String, Vec<f64>)]) -> Option<&[f64]> {
    state
        .iter()
        .find(|(name, _)| name == RATES)
        .map(|(_, values)| values.as_slice())
}

/// Element-wise mean of equally long vectors, summed in index order.
fn mean_of(vectors: &[Vec<f64>]) -> Vec<f64> {
    let n = vectors.len().max(1) as f64;
    let mut out = vec![0.0; vectors.first().map_or(0, Vec::len)];
    for v in vectors {
        for (o, x) in out.iter_mut().zip(v) {
            *o += x / n;
        }
    }
    out
}
