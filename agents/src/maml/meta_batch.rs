//! What every learner's meta-iteration starts with: a meta-batch of tasks drawn from
//! (seed, iteration), each adapted from θ with the inner loop of [`super::adapt_task`] on
//! episodes seeded by (seed, iteration, task, stage, episode), shared among a team's ranks.

use std::time::{Duration, Instant};

use metarl_envs::TaskDistribution;

use super::adaptation::{adapt_task, adapt_task_keeping_hessians, AdaptRequest, Adaptation};
use super::config::MamlConfig;
use super::task_summary::TaskSummary;
use crate::policy::{LogLikelihoodHessian, PolicySpec};
use crate::sampler::EnvPool;
use crate::seeding::{derive_rng, derive_seed, Stream};
use crate::team::{map_tasks, TaskTeam};

/// One meta-iteration's batch: where tasks come from and how each is adapted.
#[derive(Clone, Copy)]
pub struct MetaBatch<'a> {
    /// The task distribution.
    pub dist: &'a dyn TaskDistribution,
    /// The policy architecture.
    pub spec: &'a PolicySpec,
    /// The parameters every task is adapted from.
    pub theta: &'a [f64],
    /// Meta-batch size, episodes per task and advantage settings.
    pub maml: &'a MamlConfig,
    /// Learning rate of each inner step.
    pub lrs: &'a [f64],
    /// Meta-SGD's rates of the first step.
    pub first_step_rates: Option<&'a [f64]>,
    /// Run seed.
    pub seed: u64,
    /// Meta-iteration.
    pub iteration: u64,
}

impl MetaBatch<'_> {
    /// Draws the meta-batch, adapts this rank's tasks on `workers` threads and hands each
    /// adaptation to `prepare(task index, adaptation, adaptation time)`, which returns what the
    /// rank keeps and the task's summary; every rank receives every summary, in task order.
    pub fn adapt<L: Send>(
        &self,
        team: &dyn TaskTeam,
        workers: usize,
        prepare: impl Fn(usize, Adaptation, Duration) -> (L, TaskSummary) + Sync,
    ) -> (Vec<L>, Vec<TaskSummary>) {
        self.adapt_each(
            team,
            workers,
            |pool, request, seed| adapt_task(pool, request, seed),
            prepare,
        )
    }

    /// [`MetaBatch::adapt`] with [`adapt_task_keeping_hessians`]: `prepare` also receives the
    /// Hessians of the inner steps' fixed-sample losses, on the worker that built them.
    pub fn adapt_keeping_hessians<L: Send>(
        &self,
        team: &dyn TaskTeam,
        workers: usize,
        prepare: impl Fn(usize, (Adaptation, Vec<LogLikelihoodHessian>), Duration) -> (L, TaskSummary)
            + Sync,
    ) -> (Vec<L>, Vec<TaskSummary>) {
        self.adapt_each(
            team,
            workers,
            |pool, request, seed| adapt_task_keeping_hessians(pool, request, seed),
            prepare,
        )
    }

    /// Draws the meta-batch and, for each of this rank's tasks, `prepare(i, adapt(pool, request,
    /// episode seeds), time)`.
    fn adapt_each<A, L: Send>(
        &self,
        team: &dyn TaskTeam,
        workers: usize,
        adapt: impl Fn(&mut EnvPool<'_>, &AdaptRequest<'_>, &dyn Fn(usize, usize) -> u64) -> A + Sync,
        prepare: impl Fn(usize, A, Duration) -> (L, TaskSummary) + Sync,
    ) -> (Vec<L>, Vec<TaskSummary>) {
        let (seed, iteration) = (self.seed, self.iteration);
        let tasks = self.dist.sample_tasks(
            &mut derive_rng(seed, Stream::TrainTasks, &[iteration]),
            self.maml.meta_batch_size,
        );
        let advantages = self.maml.advantage_settings();
        map_tasks(
            team,
            workers,
            tasks.len(),
            || EnvPool::new(self.dist),
            |pool, i| {
                let t0 = Instant::now();
                let request = AdaptRequest {
                    spec: self.spec,
                    theta: self.theta,
                    task: &tasks[i],
                    lrs: self.lrs,
                    first_step_rates: self.first_step_rates,
                    episodes: self.maml.episodes_per_task,
                    advantages: &advantages,
                };
                let episode_seed = |stage: usize, e: usize| {
                    derive_seed(
                        seed,
                        Stream::TrainEpisodes,
                        &[iteration, i as u64, stage as u64, e as u64],
                    )
                };
                let adapted = adapt(pool, &request, &episode_seed);
                prepare(i, adapted, t0.elapsed())
            },
        )
    }
}
