//! Recording: adapt the run's policy to one task with the eval protocol and record episodes of
//! θ_0 (before adaptation) and of θ_1..θ_N, frame by frame.
//!
//! The recorder samples nothing of its own: it watches the adaptation's own sampler (through
//! `metarl_agents::StageObserver`) and keeps the first episodes of every step's batch, so a
//! recorded episode is, bit for bit, the episode the sampler drew with the same seeds. Frames
//! come from [`Env::render`] and the scenery from [`Env::scenery`] after the first reset, so any
//! env that implements them can be recorded.

use std::sync::Arc;

use metarl_agents::maml::StageObserver;
use metarl_agents::sampler::EpisodeEvent;
use metarl_agents::seeding::{derive_rng, derive_seed, Stream};
use metarl_envs::{Env, RenderFrame, Scenery, Task, TaskDistribution};

use super::format::{Episode, EpisodeSet, Frame, Recording, FORMAT, VERSION};
use crate::error::{Error, Result};
use crate::eval::{TrainedPolicy, Which};

/// First index of every seed path of the recorder: keeps its draws apart from `eval`'s, which
/// use the same streams with paths starting at a task index.
const ROLLOUT_PATH: u64 = 0x726f_6c6c_6f75_7400;

/// Most adaptation steps a recording may hold.
pub const MAX_STEPS: usize = 3;

/// The seed of episode `episode` of stage `stage` (θ_stage's batch) of a recording made with
/// `seed`: the sampler draws the episode's reset and action noise from it.
pub fn episode_seed(seed: u64, stage: usize, episode: usize) -> u64 {
    derive_seed(
        seed,
        Stream::EvalEpisodes,
        &[ROLLOUT_PATH, stage as u64, episode as u64],
    )
}

/// Recorded episodes per set by default: several trails when seen from above, one body per lane
/// in a side view (a scenery with a ground).
pub fn default_episodes(scenery: &Scenery) -> usize {
    if scenery.ground.is_some() {
        1
    } else {
        5
    }
}

/// A trained policy ready to be adapted and recorded (everything loaded and checked once).
pub struct Recorder {
    /// The scenery of a task drawn when opening (for defaults that depend on the view).
    probe: Scenery,
    dist: Arc<dyn TaskDistribution>,
    /// The run's policy, its config's env replaced by the recorded one.
    policy: TrainedPolicy,
}

impl Recorder {
    /// Loads `run_dir`'s config and best checkpoint (its latest while it has none); `env`
    /// replaces the run's env (it must have the same observation and action sizes, e.g. a
    /// cheetah-vel policy on cheetah-dir tasks).
    pub fn open(run_dir: &std::path::Path, env: Option<&str>) -> Result<Recorder> {
        Recorder::open_checkpoint(run_dir, env, &Which::Best)
    }

    /// [`Recorder::open`] with the checkpoint `which` instead of the best.
    pub fn open_checkpoint(
        run_dir: &std::path::Path,
        env: Option<&str>,
        which: &Which,
    ) -> Result<Recorder> {
        let mut policy = TrainedPolicy::load(run_dir, which)?;
        if let Some(env) = env {
            policy.config.env.name = env.to_string();
        }
        let config = &policy.config;
        let dist = config.task_distribution()?;
        let probe = probe_scenery(dist.as_ref())?;
        if &config.policy_spec(dist.as_ref()) != policy.spec() {
            return Err(Error::Config(format!(
                "env `{}` does not fit the policy trained on `{}` (observation/action sizes differ)",
                config.env.name, policy.checkpoint.env
            )));
        }
        Ok(Recorder {
            probe,
            dist,
            policy,
        })
    }

    /// Recorded episodes per set when none are asked for: [`default_episodes`] of the env's
    /// scenery.
    pub fn default_episodes(&self) -> usize {
        default_episodes(&self.probe)
    }

    /// A task drawn from the env's distribution with `seed` (what `record` uses without a task).
    pub fn random_task(&self, seed: u64) -> Task {
        let mut rng = derive_rng(seed, Stream::EvalTasks, &[ROLLOUT_PATH]);
        self.dist.sample_tasks(&mut rng, 1).remove(0)
    }

    /// Checks task parameters given by a person (the env's own rule), as a one-line error.
    pub fn check_task(&self, params: &[f64]) -> Result<Task> {
        self.dist.check_task(params).map_err(Error::Config)
    }

    /// Adapts θ to `task` (or a task drawn with `seed`) for `steps` steps with the eval protocol
    /// (`eval.episodes` episodes per step, lr `eval.first_lr` then `eval.later_lr`) and records
    /// the first `episodes` episodes (at most `eval.episodes`) of each θ_0..θ_steps batch.
    /// Deterministic given (`task`, `steps`, `seed`, `episodes`).
    pub fn record(
        &self,
        task: Option<Task>,
        steps: usize,
        seed: u64,
        episodes: usize,
    ) -> Result<Recording> {
        if steps > MAX_STEPS {
            return Err(Error::Config(format!(
                "a recording holds at most {MAX_STEPS} adaptation steps (got {steps})"
            )));
        }
        if episodes == 0 {
            return Err(Error::Config(
                "a recording needs at least one episode per set (episodes = 0)".into(),
            ));
        }
        let task = match task {
            Some(task) => self.check_task(&task.params)?,
            None => self.random_task(seed),
        };
        let batch_episodes = self.policy.config.eval.episodes;
        let mut frames = FrameRecorder::new(steps + 1, episodes.min(batch_episodes));
        let adaptation =
            self.policy
                .adapt_observed(self.dist.as_ref(), &task, steps, seed, &mut frames)?;
        let FrameRecorder {
            stages, scenery, ..
        } = frames;
        let sets = stages
            .into_iter()
            .zip(adaptation.returns())
            .enumerate()
            .map(|(stage, (episodes, mean_return))| EpisodeSet {
                steps: stage,
                mean_return,
                batch_episodes,
                episodes,
            })
            .collect();
        Ok(Recording {
            format: FORMAT.into(),
            version: VERSION,
            env: self.policy.config.env.name.clone(),
            task: task.params,
            seed,
            horizon: self.dist.horizon(),
            dt: self.dist.dt(),
            scenery: scenery.unwrap_or_default(),
            checkpoint_iteration: self.policy.checkpoint.iteration,
            lrs: crate::eval::protocol(&self.policy.config, 1, steps).lrs(),
            sets,
        })
    }
}

/// The scenery of a task drawn with a fixed seed, after a reset. Fails for an env that does not
/// implement [`Env::render`].
fn probe_scenery(dist: &dyn TaskDistribution) -> Result<Scenery> {
    let mut env = dist.make_env();
    let task = dist.sample_tasks(&mut derive_rng(0, Stream::EvalTasks, &[ROLLOUT_PATH]), 1);
    env.set_task(&task[0]);
    env.reset(0);
    match env.render() {
        Some(_) => Ok(env.scenery()),
        None => Err(Error::Config(format!(
            "env `{}` cannot be drawn: its Env::render returns nothing",
            dist.name()
        ))),
    }
}

/// Watches an adaptation's sampler and keeps the first `keep` episodes of every stage, and the
/// scenery after the first reset.
struct FrameRecorder {
    keep: usize,
    stages: Vec<Vec<Episode>>,
    scenery: Option<Scenery>,
}

impl FrameRecorder {
    fn new(stages: usize, keep: usize) -> Self {
        FrameRecorder {
            keep,
            stages: (0..stages)
                .map(|_| (0..keep).map(|_| Episode::default()).collect())
                .collect(),
            scenery: None,
        }
    }
}

impl StageObserver for FrameRecorder {
    fn observe(&mut self, stage: usize, event: EpisodeEvent<'_>, env: &dyn Env) {
        let episode = match event {
            EpisodeEvent::Reset { episode, .. } | EpisodeEvent::Step { episode, .. } => episode,
        };
        if self.scenery.is_none() {
            self.scenery = Some(env.scenery());
        }
        if episode >= self.keep {
            return;
        }
        let record = &mut self.stages[stage][episode];
        let frame = env.render().map(frame_of).unwrap_or_default();
        if let EpisodeEvent::Step { step, .. } = event {
            record.rewards.push(step.reward);
            record.total_return += step.reward;
            record.terminated = step.terminated;
        }
        record.frames.push(frame);
    }
}

/// A recording frame of an env's render.
fn frame_of(render: RenderFrame) -> Frame {
    Frame {
        position: render.position,
        x_velocity: render.x_velocity,
        bodies: render.bodies,
    }
}
