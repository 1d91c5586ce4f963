//! The episode sampler: for a batch of tasks, K episodes per task with a given parameter vector,
//! tasks spread over the worker pool of [`crate::parallel`].
//!
//! Every episode's randomness (env reset seed and action noise) comes from its own seed, which the
//! caller derives from (run seed, iteration, task, phase, episode); a task's K episodes always run
//! together on one worker in lock step (one batched policy forward per time step), so results are
//! bit-identical for any number of workers.
//!
//! Policies act in the normalized box [-1, 1]^d, mapped affinely onto the env's action box
//! (rllab's `normalize`, Gymnasium's `RescaleAction`); the env then clips. The MAML paper's
//! results were produced this way: on 2D navigation a policy with sigma = 1 moves +-0.1 per step
//! instead of saturating the clip at every step.

use metarl_envs::{BoxSpace, Env, Step, Task, TaskDistribution};
use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

use crate::episodes::EpisodeBatch;
use crate::policy::{Network, PolicySpec};

/// Reusable environments of one worker (one per concurrent episode).
pub struct EnvPool<'a> {
    dist: &'a dyn TaskDistribution,
    envs: Vec<Box<dyn Env>>,
}

impl<'a> EnvPool<'a> {
    /// An empty pool that creates environments of `dist` on demand.
    pub fn new(dist: &'a dyn TaskDistribution) -> Self {
        EnvPool {
            dist,
            envs: Vec::new(),
        }
    }

    fn take(&mut self, n: usize) -> &mut [Box<dyn Env>] {
        while self.envs.len() < n {
            self.envs.push(self.dist.make_env());
        }
        &mut self.envs[..n]
    }
}

/// The affine map from the policy's normalized actions [-1, 1]^d onto an env's action box.
#[derive(Clone, Debug, PartialEq)]
pub struct ActionScaling {
    offset: Vec<f64>,
    scale: Vec<f64>,
}

impl ActionScaling {
    /// The map onto `space`: `a_env = low + (a + 1) (high - low) / 2`.
    pub fn new(space: &BoxSpace) -> Self {
        ActionScaling {
            offset: space
                .low
                .iter()
                .zip(&space.high)
                .map(|(l, h)| 0.5 * (l + h))
                .collect(),
            scale: space
                .low
                .iter()
                .zip(&space.high)
                .map(|(l, h)| 0.5 * (h - l))
                .collect(),
        }
    }

    /// The env action for the normalized action `a`.
    pub fn to_env(&self, a: &[f64], out: &mut [f64]) {
        for (j, o) in out.iter_mut().enumerate() {
            *o = self.offset[j] + self.scale[j] * a[j];
        }
    }
}

/// One episode in progress.
struct Running {
    rng: ChaCha8Rng,
    obs: Vec<f64>,
    record: EpisodeBatch,
    done: bool,
}

/// One event of an episode in progress, for observers (e.g. a recorder of frames).
#[derive(Clone, Copy, Debug)]
pub enum EpisodeEvent<'a> {
    /// Episode `episode` was reset; `obs` is its first observation.
    Reset {
        /// Index of the episode in its batch.
        episode: usize,
        /// The observation returned by the reset.
        obs: &'a [f64],
    },
    /// Episode `episode` took a step (its last one if `step.terminated || step.truncated`).
    Step {
        /// Index of the episode in its batch.
        episode: usize,
        /// The transition as the env returned it.
        step: &'a Step,
    },
}

/// Sees every event of the episodes a sampler runs, with the env right after the event (e.g. to
/// read poses for a frame). The episodes of a batch run in lock step, so the events of different
/// episodes interleave: all resets first (in episode order), then one step of every running
/// episode per time step (in episode order).
pub trait EpisodeObserver {
    /// Called once per event.
    fn observe(&mut self, event: EpisodeEvent<'_>, env: &dyn Env);
}

/// The observer that ignores everything.
impl EpisodeObserver for () {
    fn observe(&mut self, _event: EpisodeEvent<'_>, _env: &dyn Env) {}
}

/// What [`sample_task`] samples: `episodes` episodes of `task` with the Gaussian policy `theta`.
#[derive(Clone, Copy, Debug)]
pub struct SampleRequest<'a> {
    /// The policy architecture.
    pub spec: &'a PolicySpec,
    /// The policy parameters.
    pub theta: &'a [f64],
    /// The task every episode runs on.
    pub task: &'a Task,
    /// Number of episodes (run in lock step).
    pub episodes: usize,
}

/// Samples `request.episodes` episodes of `request.task` with the Gaussian policy
/// `request.theta`, in lock step. Episode `e` draws its env reset seed and its action noise from
/// `episode_seed(e)`. Actions are recorded as sampled in the normalized box
/// (a = mu + sigma * xi), then mapped onto the env's action box by [`ActionScaling`]; the env
/// clips them.
pub fn sample_task(
    pool: &mut EnvPool<'_>,
    request: &SampleRequest<'_>,
    episode_seed: impl Fn(usize) -> u64,
) -> EpisodeBatch {
    sample_task_observed(pool, request, episode_seed, &mut ())
}

/// [`sample_task`], showing every reset and step to `observer` as it happens. The episodes are
/// the same as without an observer.
pub fn sample_task_observed(
    pool: &mut EnvPool<'_>,
    request: &SampleRequest<'_>,
    episode_seed: impl Fn(usize) -> u64,
    observer: &mut dyn EpisodeObserver,
) -> EpisodeBatch {
    let SampleRequest {
        spec,
        theta,
        task,
        episodes,
    } = *request;
    let (obs_dim, act_dim) = (spec.obs_dim, spec.act_dim);
    let net = Network::new(spec, theta);
    let std: Vec<f64> = net.log_std().iter().map(|ls| ls.exp()).collect();
    let envs = pool.take(episodes);
    let scaling = ActionScaling::new(envs[0].action_space());
    let mut running: Vec<Running> = envs
        .iter_mut()
        .enumerate()
        .map(|(e, env)| {
            let mut rng = ChaCha8Rng::seed_from_u64(episode_seed(e));
            env.set_task(task);
            let obs = env.reset(rng.next_u64());
            observer.observe(
                EpisodeEvent::Reset {
                    episode: e,
                    obs: &obs,
                },
                env.as_ref(),
            );
            Running {
                rng,
                obs,
                record: EpisodeBatch::new(obs_dim, act_dim),
                done: false,
            }
        })
        .collect();
    let mut active: Vec<usize> = (0..episodes).collect();
    let mut obs_rows = Vec::with_capacity(episodes * obs_dim);
    let mut action = vec![0.0; act_dim];
    let mut env_action = vec![0.0; act_dim];
    while !active.is_empty() {
        obs_rows.clear();
        for &e in &active {
            obs_rows.extend(&running[e].obs);
        }
        let means = net.mean_values(&obs_rows, active.len());
        for (row, &e) in active.iter().enumerate() {
            let ep = &mut running[e];
            for j in 0..act_dim {
                let xi: f64 = StandardNormal.sample(&mut ep.rng);
                action[j] = means[row * act_dim + j] + std[j] * xi;
            }
            scaling.to_env(&action, &mut env_action);
            let step = envs[e].step(&env_action);
            observer.observe(
                EpisodeEvent::Step {
                    episode: e,
                    step: &step,
                },
                envs[e].as_ref(),
            );
            ep.record.obs.extend(&ep.obs);
            ep.record.actions.extend(&action);
            ep.record.rewards.push(step.reward);
            ep.obs = step.obs;
            if step.terminated || step.truncated {
                ep.record.episode_lengths.push(ep.record.rewards.len());
                ep.record.terminated.push(step.terminated);
                ep.done = true;
            }
        }
        active.retain(|&e| !running[e].done);
    }
    let mut batch = EpisodeBatch::new(obs_dim, act_dim);
    for ep in &running {
        batch.push_episode(&ep.record);
    }
    batch
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalized_actions_map_onto_the_box_ends_and_center() {
        let scaling = ActionScaling::new(&BoxSpace::new(vec![-0.1, 0.0], vec![0.1, 2.0]));
        let mut out = [0.0; 2];
        scaling.to_env(&[-1.0, -1.0], &mut out);
        assert_eq!(out, [-0.1, 0.0]);
        scaling.to_env(&[1.0, 1.0], &mut out);
        assert_eq!(out, [0.1, 2.0]);
        scaling.to_env(&[0.0, 0.5], &mut out);
        assert_eq!(out, [0.0, 1.5]);
    }
}
