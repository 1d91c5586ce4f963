//! The MAML paper's evaluation protocol: held-out tasks, returns after 0..N policy-gradient
//! adaptation steps (inner lr 0.1 for the first step, 0.05 after), mean and standard error over
//! tasks (Finn et al. 2017, §5.3 and Figures 4–5).

use metarl_envs::TaskDistribution;
use serde::{Deserialize, Serialize};

use crate::maml::{adapt_task, AdaptRequest, AdvantageSettings};
use crate::policy::PolicySpec;
use crate::sampler::EnvPool;
use crate::seeding::{derive_rng, derive_seed, Stream};
use crate::team::{map_tasks, Solo, TaskTeam};

/// How adaptation is evaluated.
#[derive(Clone, Debug, PartialEq)]
pub struct EvalProtocol {
    /// Held-out tasks (paper: 40).
    pub tasks: usize,
    /// Adaptation steps (returns are reported after 0..=steps).
    pub steps: usize,
    /// Episodes sampled per step (paper: 40 on 2D navigation, 20 on the cheetah).
    pub episodes: usize,
    /// Learning rate of the first step (paper: 0.1).
    pub first_lr: f64,
    /// Learning rate of later steps (paper: 0.05).
    pub later_lr: f64,
    /// Advantage estimation for the adaptation steps.
    pub advantages: AdvantageSettings,
    /// Meta-SGD's learned per-parameter rates, which replace `first_lr` for the first step
    /// (later steps keep `later_lr`); `None` for every other learner.
    pub first_step_rates: Option<Vec<f64>>,
}

impl EvalProtocol {
    /// Learning rate of each adaptation step.
    pub fn lrs(&self) -> Vec<f64> {
        (0..self.steps)
            .map(|j| if j == 0 { self.first_lr } else { self.later_lr })
            .collect()
    }
}

/// Which task set an evaluation draws: the held-out test tasks of `eval`, or the validation
/// tasks that pick the best checkpoint during training. Their random streams are disjoint from
/// each other and from every training stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TaskSet {
    /// Held-out test tasks (`metarl eval`).
    HeldOut,
    /// Validation tasks (checkpoint selection).
    Validation,
}

impl TaskSet {
    fn streams(self) -> (Stream, Stream) {
        match self {
            TaskSet::HeldOut => (Stream::EvalTasks, Stream::EvalEpisodes),
            TaskSet::Validation => (Stream::ValidationTasks, Stream::ValidationEpisodes),
        }
    }
}

/// Returns of every held-out task after 0..=steps adaptation steps.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AdaptationCurve {
    /// `returns[task][step]`: mean episode return of the task after `step` adaptation steps.
    pub returns: Vec<Vec<f64>>,
}

impl AdaptationCurve {
    /// Mean over tasks at each step.
    pub fn mean(&self) -> Vec<f64> {
        self.columns().map(|c| mean(&c)).collect()
    }

    /// Standard error of the mean over tasks at each step (sample std / sqrt(tasks)).
    pub fn stderr(&self) -> Vec<f64> {
        self.columns()
            .map(|c| {
                let n = c.len() as f64;
                if c.len() < 2 {
                    return 0.0;
                }
                let m = mean(&c);
                let var = c.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (n - 1.0);
                (var / n).sqrt()
            })
            .collect()
    }

    fn columns(&self) -> impl Iterator<Item = Vec<f64>> + '_ {
        let steps = self.returns.first().map_or(0, Vec::len);
        (0..steps).map(move |s| self.returns.iter().map(|r| r[s]).collect())
    }
}

fn mean(x: &[f64]) -> f64 {
    x.iter().sum::<f64>() / x.len().max(1) as f64
}

/// Evaluates the policy `theta` by adapting it to `protocol.tasks` tasks of `set` drawn with
/// `seed`. Task `i`'s episodes at step `s` use seeds derived from (seed, i, s, episode), so every
/// method evaluated with the same seed meets the same tasks and the same episode seeds.
/// `workers` threads adapt tasks in parallel (`0` = all available cores, see
/// [`crate::parallel::resolve_workers`]); results do not depend on it.
pub fn evaluate_adaptation(
    dist: &dyn TaskDistribution,
    spec: &PolicySpec,
    theta: &[f64],
    protocol: &EvalProtocol,
    (set, seed): (TaskSet, u64),
    workers: usize,
) -> AdaptationCurve {
    evaluate_adaptation_in(&Solo, dist, spec, theta, protocol, (set, seed), workers)
}

/// [`evaluate_adaptation`] with the tasks shared among the processes of `team` (each adapts its
/// [`crate::team::shard`]); every rank returns every task's returns, the same as one process.
pub fn evaluate_adaptation_in(
    team: &dyn TaskTeam,
    dist: &dyn TaskDistribution,
    spec: &PolicySpec,
    theta: &[f64],
    protocol: &EvalProtocol,
    (set, seed): (TaskSet, u64),
    workers: usize,
) -> AdaptationCurve {
    let (task_stream, episode_stream) = set.streams();
    let tasks = dist.sample_tasks(&mut derive_rng(seed, task_stream, &[]), protocol.tasks);
    let lrs = protocol.lrs();
    let (_, returns) = map_tasks(
        team,
        workers,
        tasks.len(),
        || EnvPool::new(dist),
        |pool, i| {
            let request = AdaptRequest {
                spec,
                theta,
                task: &tasks[i],
                lrs: &lrs,
                first_step_rates: protocol.first_step_rates.as_deref(),
                episodes: protocol.episodes,
                advantages: &protocol.advantages,
            };
            let returns = adapt_task(pool, &request, |stage, e| {
                derive_seed(seed, episode_stream, &[i as u64, stage as u64, e as u64])
            })
            .returns();
            ((), returns)
        },
    );
    AdaptationCurve { returns }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mean_and_stderr_are_per_step_over_tasks() {
        let curve = AdaptationCurve {
            returns: vec![vec![1.0, 10.0], vec![3.0, 10.0]],
        };
        assert_eq!(curve.mean(), vec![2.0, 10.0]);
        let se = curve.stderr();
        assert!((se[0] - (2.0f64 / 2.0).sqrt()).abs() < 1e-12);
        assert_eq!(se[1], 0.0);
    }
}
