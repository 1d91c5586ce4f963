//! Recording: adapt the run's policy to one task with the eval protocol and record episodes of
//! θ_0 (before adaptation) and of θ_1..θ_N, frame by frame.

use anyhow::{bail, Result};
use metarl_agents::evaluation::EvalProtocol;
use metarl_agents::maml::adapt_task;
use metarl_agents::policy::Network;
use metarl_agents::sampler::{ActionScaling, EnvPool};
use metarl_agents::seeding::{derive_rng, derive_seed, Stream};
use metarl_agents::PolicySpec;
use metarl_envs::cheetah::render::{capsule_segments, CAPSULE_RADIUS};
use metarl_envs::cheetah::{Cheetah, CheetahFamily};
use metarl_envs::{Env, Task, TaskDistribution};
use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

use super::format::{Episode, EpisodeSet, Frame, Recording, SceneKind, FORMAT, VERSION};
use crate::checkpoint::Checkpoint;
use crate::config::Config;
use crate::run_dir::RunDir;

/// First index of every seed path of the recorder: keeps its draws apart from `eval`'s, which
/// use the same streams with paths starting at a task index.
const ROLLOUT_PATH: u64 = 0x726f_6c6c_6f75_7400;

/// Most adaptation steps a recording may hold.
pub const MAX_STEPS: usize = 3;

/// A trained policy ready to be adapted and recorded (everything loaded and checked once).
pub struct Recorder {
    env: String,
    scene: SceneKind,
    dist: Box<dyn TaskDistribution>,
    spec: PolicySpec,
    theta: Vec<f64>,
    iteration: u64,
    protocol: EvalProtocol,
}

impl Recorder {
    /// Loads `run_dir`'s config and best checkpoint; `env` replaces the run's env (it must have
    /// the same observation and action sizes, e.g. a cheetah-vel policy on cheetah-dir tasks).
    pub fn open(run_dir: &std::path::Path, env: Option<&str>) -> Result<Recorder> {
        let run = RunDir::open(run_dir)?;
        let mut config: Config = run.config()?;
        let checkpoint = Checkpoint::load(&run.checkpoint("best"))?;
        let trained = config.policy_spec(config.task_distribution()?.as_ref());
        checkpoint.check_matches(&config.env.name, &trained)?;
        if let Some(env) = env {
            config.env.name = env.to_string();
        }
        let dist = config.task_distribution()?;
        let scene = SceneKind::of_env(&config.env.name)
            .ok_or_else(|| anyhow::anyhow!("env `{}` has no viewer scene", config.env.name))?;
        let spec = config.policy_spec(dist.as_ref());
        if spec != trained {
            bail!(
                "env `{}` does not fit the policy trained on `{}` (observation/action sizes differ)",
                config.env.name,
                checkpoint.env
            );
        }
        Ok(Recorder {
            env: config.env.name.clone(),
            scene,
            spec,
            theta: checkpoint.theta,
            iteration: checkpoint.iteration,
            protocol: crate::eval::protocol(&config, 1, MAX_STEPS),
            dist,
        })
    }

    /// Scene of the env.
    pub fn scene(&self) -> SceneKind {
        self.scene
    }

    /// A task drawn from the env's distribution with `seed` (what `record` uses without a task).
    pub fn random_task(&self, seed: u64) -> Task {
        let mut rng = derive_rng(seed, Stream::EvalTasks, &[ROLLOUT_PATH]);
        self.dist.sample_tasks(&mut rng, 1).remove(0)
    }

    /// Checks task parameters given by a person (count and range), as a one-line error.
    pub fn check_task(&self, params: &[f64]) -> Result<Task> {
        let ok = match self.scene {
            SceneKind::Nav2d => {
                params.len() == 2
                    && params.iter().all(|p| {
                        (-metarl_envs::nav2d::GOAL_RANGE..=metarl_envs::nav2d::GOAL_RANGE)
                            .contains(p)
                    })
            }
            SceneKind::Cheetah => params.len() == 1 && self.family().is_valid_param(params[0]),
        };
        if !ok {
            bail!(
                "invalid --task {params:?} for {}: expected {}",
                self.env,
                match (self.scene, self.family()) {
                    (SceneKind::Nav2d, _) => "two coordinates GX GY in [-0.5, 0.5]",
                    (_, CheetahFamily::Velocity) => "one target velocity in [0, 2]",
                    (_, CheetahFamily::Direction) => "one direction, 1 or -1",
                }
            );
        }
        Ok(Task {
            params: params.to_vec(),
        })
    }

    fn family(&self) -> CheetahFamily {
        if self.env.starts_with("cheetah-dir") {
            CheetahFamily::Direction
        } else {
            CheetahFamily::Velocity
        }
    }

    /// Adapts θ to `task` (or a task drawn with `seed`) for `steps` steps with the eval protocol
    /// (`eval.episodes` episodes per step, lr `eval.first_lr` then `eval.later_lr`) and records
    /// `episodes` episodes of each θ_0..θ_steps: the first episodes of each step's batch, with the
    /// same seeds. Deterministic given (`task`, `steps`, `seed`, `episodes`).
    pub fn record(
        &self,
        task: Option<Task>,
        steps: usize,
        seed: u64,
        episodes: usize,
    ) -> Result<Recording> {
        if steps > MAX_STEPS {
            bail!("--steps must be at most {MAX_STEPS} (got {steps})");
        }
        if episodes == 0 {
            bail!("--episodes must be >= 1");
        }
        let task = match task {
            Some(task) => self.check_task(&task.params)?,
            None => self.random_task(seed),
        };
        let lrs: Vec<f64> = self.protocol.lrs()[..steps].to_vec();
        let episode_seed = |stage: usize, e: usize| {
            derive_seed(
                seed,
                Stream::EvalEpisodes,
                &[ROLLOUT_PATH, stage as u64, e as u64],
            )
        };
        let mut pool = EnvPool::new(self.dist.as_ref());
        let adaptation = adapt_task(
            &mut pool,
            &self.spec,
            &self.theta,
            &task,
            &lrs,
            self.protocol.episodes,
            &self.protocol.advantages,
            episode_seed,
        );
        let mut thetas: Vec<&[f64]> = adaptation.steps.iter().map(|s| &s.data.theta[..]).collect();
        thetas.push(&adaptation.adapted);
        let means = adaptation.returns();
        let sets = thetas
            .iter()
            .zip(means)
            .enumerate()
            .map(|(stage, (theta, mean_return))| EpisodeSet {
                steps: stage,
                mean_return,
                batch_episodes: self.protocol.episodes,
                episodes: (0..episodes)
                    .map(|e| self.record_episode(theta, &task, episode_seed(stage, e)))
                    .collect(),
            })
            .collect();
        Ok(Recording {
            format: FORMAT.into(),
            version: VERSION,
            env: self.env.clone(),
            scene: self.scene,
            task: task.params,
            seed,
            horizon: self.dist.horizon(),
            dt: match self.scene {
                SceneKind::Nav2d => 1.0,
                SceneKind::Cheetah => {
                    metarl_envs::cheetah::model::TIMESTEP
                        * metarl_envs::cheetah::env::FRAME_SKIP as f64
                }
            },
            capsule_radius: match self.scene {
                SceneKind::Nav2d => 0.0,
                SceneKind::Cheetah => CAPSULE_RADIUS,
            },
            checkpoint_iteration: self.iteration,
            lrs,
            sets,
        })
    }

    /// One episode of the Gaussian policy `theta`, drawn exactly as the sampler draws an episode
    /// with seed `seed` (same reset seed, same action noise), recorded frame by frame.
    fn record_episode(&self, theta: &[f64], task: &Task, seed: u64) -> Episode {
        let net = Network::new(&self.spec, theta);
        let std: Vec<f64> = net.log_std().iter().map(|ls| ls.exp()).collect();
        let mut env = SceneEnv::new(self);
        let scaling = ActionScaling::new(env.env().action_space());
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        env.env().set_task(task);
        let mut obs = env.env().reset(rng.next_u64());
        let mut frames = vec![env.frame(&obs, None)];
        let mut rewards = Vec::new();
        let act_dim = self.spec.act_dim;
        let mut action = vec![0.0; act_dim];
        let mut env_action = vec![0.0; act_dim];
        loop {
            let mean = net.mean_values(&obs, 1);
            for j in 0..act_dim {
                let xi: f64 = StandardNormal.sample(&mut rng);
                action[j] = mean[j] + std[j] * xi;
            }
            scaling.to_env(&action, &mut env_action);
            let step = env.env().step(&env_action);
            let x_velocity = step
                .metrics
                .iter()
                .find(|(name, _)| *name == "x_velocity")
                .map(|&(_, v)| v);
            rewards.push(step.reward);
            obs = step.obs;
            frames.push(env.frame(&obs, x_velocity));
            if step.terminated || step.truncated {
                return Episode {
                    total_return: rewards.iter().sum(),
                    terminated: step.terminated,
                    rewards,
                    frames,
                };
            }
        }
    }
}

/// The env of a recording, concrete where frames need more than the observation.
enum SceneEnv {
    /// nav2d: the position is the observation's first two entries.
    Nav2d(Box<dyn Env>),
    /// cheetah: capsule poses come from the Rapier world.
    Cheetah(Box<Cheetah>),
}

impl SceneEnv {
    fn new(recorder: &Recorder) -> Self {
        match recorder.scene {
            SceneKind::Nav2d => SceneEnv::Nav2d(recorder.dist.make_env()),
            SceneKind::Cheetah => SceneEnv::Cheetah(Box::new(Cheetah::new(
                recorder.family(),
                recorder.env.ends_with("-oracle"),
                recorder.dist.horizon(),
            ))),
        }
    }

    fn env(&mut self) -> &mut dyn Env {
        match self {
            SceneEnv::Nav2d(env) => env.as_mut(),
            SceneEnv::Cheetah(env) => env.as_mut(),
        }
    }

    fn frame(&self, obs: &[f64], x_velocity: Option<f64>) -> Frame {
        match self {
            SceneEnv::Nav2d(_) => Frame {
                position: [obs[0], obs[1]],
                x_velocity: None,
                capsules: Vec::new(),
            },
            SceneEnv::Cheetah(env) => {
                let state = env.world().state();
                Frame {
                    position: [state.qpos[0], state.qpos[1]],
                    x_velocity: Some(x_velocity.unwrap_or(0.0)),
                    capsules: capsule_segments(env.world())
                        .iter()
                        .map(|s| [s.a[0], s.a[1], s.b[0], s.b[1]])
                        .collect(),
                }
            }
        }
    }
}
