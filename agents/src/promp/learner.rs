//! The ProMP meta-learner (Rothfuss et al. 2019, Algorithm 1): per meta-iteration, sample the
//! pre-update episodes with θ_o, adapt with the LVC inner step and sample the post-update
//! episodes; then take `promp.steps` Adam steps on the mean over tasks of the
//! [`TaskProblem`] loss, re-running the inner steps from the current θ on the same episodes.

use std::sync::Arc;
use std::time::Instant;

use metarl_envs::TaskDistribution;

use super::adam::Adam;
use super::config::PrompConfig;
use super::task_problem::{PrompValue, TaskProblem};
use crate::learner::{check_length, LearnerError, MetaLearner};
use crate::maml::meta_batch::MetaBatch;
use crate::maml::task_summary::{BatchTotals, TaskSummary};
use crate::maml::{IterationMetrics, MamlConfig};
use crate::parallel::{parallel_map, resolve_workers};
use crate::policy::PolicySpec;
use crate::team::{gather_tasks, Solo, TaskTeam};

/// Settings of a [`Promp`] learner besides the task distribution, the policy and θ.
#[derive(Clone, Debug, PartialEq)]
pub struct PrompSettings {
    /// Meta-batch, episodes per task, inner steps and learning rate, advantages.
    pub maml: MamlConfig,
    /// The outer loop.
    pub promp: PrompConfig,
    /// Run seed: every random draw derives from (seed, iteration, …).
    pub seed: u64,
    /// Worker threads (`0` = all cores); results do not depend on it.
    pub workers: usize,
}

/// A ProMP meta-learner: θ, Adam's moments and the KL penalty coefficient.
pub struct Promp {
    dist: Arc<dyn TaskDistribution>,
    spec: PolicySpec,
    settings: PrompSettings,
    theta: Vec<f64>,
    adam: Adam,
    kl_penalty: f64,
    team: Arc<dyn TaskTeam>,
}

/// Names of the learner state in checkpoints.
const ADAM_M: &str = "adam_m";
const ADAM_V: &str = "adam_v";
const ADAM_STEPS: &str = "adam_steps";
const KL_PENALTY: &str = "kl_penalty";

impl Promp {
    /// A learner over `dist` starting from `theta`, with fresh Adam moments.
    ///
    /// # Errors
    /// [`LearnerError::WrongLength`] if `theta` does not have `spec.num_params()` entries.
    pub fn new(
        dist: Arc<dyn TaskDistribution>,
        spec: PolicySpec,
        theta: Vec<f64>,
        mut settings: PrompSettings,
    ) -> Result<Self, LearnerError> {
        check_length("theta", spec.num_params(), &theta)?;
        settings.workers = resolve_workers(settings.workers);
        Ok(Promp {
            adam: Adam::new(settings.promp.learning_rate, theta.len()),
            kl_penalty: settings.promp.kl_penalty,
            dist,
            spec,
            settings,
            theta,
            team: Arc::new(Solo),
        })
    }

    /// Every task's objective (and, with `penalty`, gradient) at `theta`, gathered in task
    /// order; the mean value and mean gradient over tasks.
    fn mean_over_tasks(
        &self,
        problems: &[TaskProblem],
        tasks: usize,
        penalty: Option<f64>,
    ) -> (PrompValue, Vec<f64>) {
        let (spec, theta) = (&self.spec, &self.theta);
        let local: Vec<(Vec<f64>, (f64, f64))> = parallel_map(
            self.settings.workers,
            problems.len(),
            || (),
            |_, i| {
                let (value, g) = match penalty {
                    Some(eta) => problems[i].gradient(spec, theta, eta),
                    None => (problems[i].value(spec, theta), Vec::new()),
                };
                (g, (value.loss, value.kl))
            },
        );
        let all = gather_tasks(self.team.as_ref(), tasks, local);
        let n = tasks.max(1) as f64;
        let mut mean = PrompValue::default();
        let mut gradient = vec![0.0; if penalty.is_some() { theta.len() } else { 0 }];
        for (g, (loss, kl)) in &all {
            mean.loss += loss / n;
            mean.kl += kl / n;
            for (acc, gi) in gradient.iter_mut().zip(g) {
                *acc += gi / n;
            }
        }
        (mean, gradient)
    }
}

impl MetaLearner for Promp {
    fn name(&self) -> &'static str {
        "promp"
    }

    fn spec(&self) -> &PolicySpec {
        &self.spec
    }

    fn theta(&self) -> &[f64] {
        &self.theta
    }

    fn iteration(&mut self, iteration: u64) -> IterationMetrics {
        let start = Instant::now();
        self.team.take_communication_time();
        let PrompSettings {
            maml,
            promp,
            seed,
            workers,
        } = self.settings.clone();
        let spec = &self.spec;
        let advantages = maml.advantage_settings();
        let lrs = maml.inner_lrs();
        let theta_o = self.theta.clone();
        let team = self.team.as_ref();
        let batch = MetaBatch {
            dist: self.dist.as_ref(),
            spec,
            theta: &theta_o,
            maml: &maml,
            lrs: &lrs,
            first_step_rates: None,
            seed,
            iteration,
        };
        let (problems, summaries) = batch.adapt(team, workers, |_, adaptation, adapt_time| {
            let t1 = Instant::now();
            let problem = TaskProblem::new(spec, adaptation, &advantages, promp.clip);
            let summary = TaskSummary::of_adaptation(
                problem.adaptation(),
                Vec::new(),
                adapt_time,
                t1.elapsed(),
            );
            (problem, summary)
        });
        let tasks = summaries.len();
        let totals = BatchTotals::of(&summaries, 0);
        let t_optimize = Instant::now();
        let mut before = None;
        let mut gradient_norm = 0.0;
        let mut finite = !totals.non_finite;
        for _ in 0..promp.steps {
            if !finite {
                break;
            }
            let (value, gradient) = self.mean_over_tasks(&problems, tasks, Some(self.kl_penalty));
            before.get_or_insert(value);
            gradient_norm = gradient.iter().map(|g| g * g).sum::<f64>().sqrt();
            finite = gradient_norm.is_finite() && value.loss.is_finite();
            if finite {
                self.adam.step(&mut self.theta, &gradient);
            }
        }
        if !finite {
            // A non-finite value: keep θ_o (Adam's moments may have moved; they are state).
            self.theta = theta_o;
        }
        let (after, _) = self.mean_over_tasks(&problems, tasks, None);
        if promp.adaptive_kl && after.kl.is_finite() {
            if after.kl < promp.target_kl / 1.5 {
                self.kl_penalty /= 2.0;
            } else if after.kl > promp.target_kl * 1.5 {
                self.kl_penalty *= 2.0;
            }
        }
        let workers = (workers * team.size()).min(summaries.len()).max(1) as f64;
        let before = before.unwrap_or(after);
        IterationMetrics {
            kl: after.kl,
            surrogate_before: before.loss,
            surrogate_after: after.loss,
            step_accepted: finite,
            step_rejected: !finite,
            gradient_norm,
            seconds: start.elapsed().as_secs_f64(),
            // The optimization steps: meta-gradients through the inner steps.
            seconds_meta_gradient: t_optimize.elapsed().as_secs_f64(),
            ..IterationMetrics::of_batch(iteration, &totals, workers, spec, &self.theta, team)
        }
    }

    fn set_team(&mut self, team: Arc<dyn TaskTeam>) {
        self.team = team;
    }

    fn state(&self) -> Vec<(String, Vec<f64>)> {
        vec![
            (ADAM_M.into(), self.adam.m.clone()),
            (ADAM_V.into(), self.adam.v.clone()),
            (ADAM_STEPS.into(), vec![self.adam.steps as f64]),
            (KL_PENALTY.into(), vec![self.kl_penalty]),
        ]
    }

    fn restore(
        &mut self,
        theta: Vec<f64>,
        state: &[(String, Vec<f64>)],
    ) -> Result<(), LearnerError> {
        let n = self.spec.num_params();
        check_length("theta", n, &theta)?;
        let mut adam = Adam::new(self.settings.promp.learning_rate, n);
        let mut kl_penalty = self.settings.promp.kl_penalty;
        // Every entry is needed to continue bit for bit.
        for needed in [ADAM_M, ADAM_V, ADAM_STEPS, KL_PENALTY] {
            if !state.iter().any(|(name, _)| name == needed) {
                return Err(LearnerError::MissingState(needed.into()));
            }
        }
        for (name, values) in state {
            match name.as_str() {
                ADAM_M => {
                    check_length(ADAM_M, n, values)?;
                    adam.m = values.clone();
                }
                ADAM_V => {
                    check_length(ADAM_V, n, values)?;
                    adam.v = values.clone();
                }
                ADAM_STEPS => {
                    check_length(ADAM_STEPS, 1, values)?;
                    adam.steps = values[0] as u64;
                }
                KL_PENALTY => {
                    check_length(KL_PENALTY, 1, values)?;
                    kl_penalty = values[0];
                }
                other => return Err(LearnerError::UnknownState(other.to_string())),
            }
        }
        self.theta = theta;
        self.adam = adam;
        self.kl_penalty = kl_penalty;
        Ok(())
    }
}
