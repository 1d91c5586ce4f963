//! Evaluation of a trained policy with the MAML paper's protocol (Finn et al. 2017, §5.3):
//! held-out tasks, the mean return after 0..N policy-gradient adaptation steps (learning rate
//! `eval.first_lr` for the first step, `eval.later_lr` after), mean and standard error over tasks.
//!
//! ```no_run
//! let policy = metarl::TrainedPolicy::load("runs/mine", &metarl::Which::Best)?;
//! let report = metarl::evaluate(&policy, &metarl::EvalOptions::paper(40, 3))?;
//! println!("{:?}", report.mean);
//! # Ok::<(), metarl::Error>(())
//! ```

use std::path::Path;
use std::str::FromStr;

use metarl_agents::evaluation::{evaluate_adaptation_in, AdaptationCurve, EvalProtocol, TaskSet};
use metarl_agents::maml::{
    adapt_task_observed, learned_rates, AdaptRequest, Adaptation, AdvantageSettings,
};
use metarl_agents::parallel::with_single_threaded_kernels;
use metarl_agents::sampler::EnvPool;
use metarl_agents::{PolicySpec, Solo, StageObserver, TaskTeam};
use metarl_envs::{Task, TaskDistribution};
use serde::Serialize;

use crate::checkpoint::Checkpoint;
use crate::config::Config;
use crate::error::{Error, Result};
use crate::run_dir::RunDir;

/// Default evaluation seed. Held-out tasks come from the evaluation stream, which training never
/// draws from, so any seed gives tasks unseen in training.
pub const DEFAULT_EVAL_SEED: u64 = 20_170_309;

/// The returns after 0..N adaptation steps, summarized over tasks (`metarl eval --json`).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EvalReport {
    /// Environment name.
    pub env: String,
    /// Number of held-out tasks.
    pub tasks: usize,
    /// Adaptation steps 0..=N.
    pub steps: Vec<usize>,
    /// Mean return over tasks after each number of steps.
    pub mean: Vec<f64>,
    /// Standard error over tasks after each number of steps.
    pub stderr: Vec<f64>,
}

impl EvalReport {
    /// Summarizes `curve` (per-task returns) of env `env`.
    pub fn of_curve(env: &str, curve: &AdaptationCurve) -> EvalReport {
        let mean = curve.mean();
        EvalReport {
            env: env.to_string(),
            tasks: curve.returns.len(),
            steps: (0..mean.len()).collect(),
            stderr: curve.stderr(),
            mean,
        }
    }

    /// The human-readable table (what `metarl eval` prints), for the checkpoint of iteration
    /// `iteration`.
    pub fn table(&self, iteration: u64) -> String {
        let mut out = format!(
            "{} — checkpoint of iteration {}, {} held-out tasks\n{:>6}  {:>10}  {:>8}\n",
            self.env, iteration, self.tasks, "steps", "return", "stderr"
        );
        for ((s, m), e) in self.steps.iter().zip(&self.mean).zip(&self.stderr) {
            out.push_str(&format!("{s:>6}  {m:>10.2}  {e:>8.2}\n"));
        }
        out
    }
}

/// The evaluation protocol of a run's config with `tasks` tasks and `steps` steps.
pub fn protocol(config: &Config, tasks: usize, steps: usize) -> EvalProtocol {
    EvalProtocol {
        tasks,
        steps,
        episodes: config.eval.episodes,
        first_lr: config.eval.first_lr,
        later_lr: config.eval.later_lr,
        advantages: AdvantageSettings {
            gamma: config.maml.gamma,
            gae_lambda: config.maml.gae_lambda,
            normalize: config.maml.normalize_advantages,
        },
        first_step_rates: None,
    }
}

/// Which checkpoint of a run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Which {
    /// The best by validation (the latest, with a warning, while a run has none).
    Best,
    /// The parameters after the last iteration.
    Latest,
    /// A periodic checkpoint `iter-NNNNN` (see `train.checkpoint_every`).
    Iteration(u64),
}

impl Which {
    /// The file stem in `checkpoints/`.
    pub fn file_stem(&self) -> String {
        match self {
            Which::Best => "best".into(),
            Which::Latest => "latest".into(),
            Which::Iteration(n) => format!("iter-{n:05}"),
        }
    }
}

impl FromStr for Which {
    type Err = Error;

    /// `best`, `latest` or `iter-NNNNN`.
    fn from_str(name: &str) -> Result<Which> {
        let periodic = name
            .strip_prefix("iter-")
            .filter(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
            .and_then(|n| n.parse().ok());
        match (name, periodic) {
            ("best", _) => Ok(Which::Best),
            ("latest", _) => Ok(Which::Latest),
            (_, Some(n)) => Ok(Which::Iteration(n)),
            _ => Err(Error::Config(format!(
                "a checkpoint is `best`, `latest` or `iter-NNNNN` (got `{name}`)"
            ))),
        }
    }
}

/// A trained policy: a run's config and one of its checkpoints, checked to fit each other.
#[derive(Clone, Debug)]
pub struct TrainedPolicy {
    /// The run's config (env, policy, evaluation protocol).
    pub config: Config,
    /// The checkpoint.
    pub checkpoint: Checkpoint,
    /// The checkpoint's file stem (`best`, `latest`, `iter-NNNNN`).
    pub checkpoint_name: String,
}

impl TrainedPolicy {
    /// Loads `which` checkpoint of the run in `run_dir`. A run without a best checkpoint yet
    /// (stopped before its first validation) gives its latest one, with a warning.
    pub fn load(run_dir: impl AsRef<Path>, which: &Which) -> Result<TrainedPolicy> {
        let run = RunDir::open(run_dir.as_ref())?;
        let config = run.config()?;
        let mut name = which.file_stem();
        if *which == Which::Best && !run.checkpoint("best").exists() {
            tracing::warn!(
                "{} has no best checkpoint yet (no validation ran); using the latest",
                run.root().display()
            );
            name = Which::Latest.file_stem();
        }
        let checkpoint = Checkpoint::load(&run.checkpoint(&name))?;
        let dist = config.task_distribution()?;
        checkpoint.check_matches(&config.env.name, &config.policy_spec(dist.as_ref()))?;
        if let Some(rates) = learned_rates(&checkpoint.state) {
            if rates.len() != checkpoint.theta.len() {
                return Err(Error::Checkpoint(format!(
                    "{}: its learned rates have {} values, its parameters {}",
                    run.checkpoint(&name).display(),
                    rates.len(),
                    checkpoint.theta.len()
                )));
            }
        }
        Ok(TrainedPolicy {
            config,
            checkpoint,
            checkpoint_name: name,
        })
    }

    /// The policy as bytes (its config and checkpoint), e.g. to send it to other processes.
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        let shipped = ShippedPolicy {
            config: self.config.to_toml(),
            checkpoint: self.checkpoint.encode()?,
            checkpoint_name: self.checkpoint_name.clone(),
        };
        Ok(serde_json::to_vec(&shipped).map_err(anyhow::Error::from)?)
    }

    /// The policy of [`TrainedPolicy::to_bytes`].
    pub fn from_bytes(bytes: &[u8]) -> Result<TrainedPolicy> {
        let shipped: ShippedPolicy = serde_json::from_slice(bytes)
            .map_err(|e| Error::Checkpoint(format!("corrupt policy bytes: {e}")))?;
        Ok(TrainedPolicy {
            config: Config::parse(&shipped.config, "the shipped policy's config")?,
            checkpoint: Checkpoint::decode(&shipped.checkpoint)
                .map_err(|e| Error::Checkpoint(format!("corrupt shipped checkpoint: {e:#}")))?,
            checkpoint_name: shipped.checkpoint_name,
        })
    }

    /// The policy architecture.
    pub fn spec(&self) -> &PolicySpec {
        &self.checkpoint.spec
    }

    /// The parameters.
    pub fn theta(&self) -> &[f64] {
        &self.checkpoint.theta
    }

    /// The run's evaluation protocol with `tasks` tasks and `steps` steps, with the learned
    /// first-step rates of a Meta-SGD checkpoint.
    pub fn protocol(&self, tasks: usize, steps: usize) -> EvalProtocol {
        EvalProtocol {
            first_step_rates: learned_rates(&self.checkpoint.state).map(<[f64]>::to_vec),
            ..protocol(&self.config, tasks, steps)
        }
    }

    /// Adapts the policy to `task` with `steps` policy-gradient steps of the run's evaluation
    /// protocol (`eval.episodes` episodes per step, learning rate `eval.first_lr` for the first
    /// step and `eval.later_lr` after; Finn et al. 2017, Eq. 1) and samples a final batch with the
    /// adapted parameters. Episode `e` of the batch after `j` steps is drawn from
    /// [`crate::rollout::episode_seed`]`(seed, j, e)`, as in `metarl rollout --seed`, so the
    /// returns equal that recording's `mean_return`s. The task is checked with the family's
    /// [`TaskDistribution::check_task`].
    pub fn adapt(&self, task: &[f64], steps: usize, seed: u64) -> Result<Adapted> {
        let dist = self.config.task_distribution()?;
        let task = dist.check_task(task).map_err(Error::Config)?;
        let adaptation = self.adapt_observed(dist.as_ref(), &task, steps, seed, &mut ())?;
        let mut policy = self.clone();
        policy.checkpoint.theta = adaptation.adapted.clone();
        Ok(Adapted {
            returns: adaptation.returns(),
            policy,
            non_finite: adaptation.non_finite,
        })
    }

    /// [`TrainedPolicy::adapt`] on `dist`'s envs (which must fit the policy), showing every
    /// episode event to `observer`.
    pub(crate) fn adapt_observed(
        &self,
        dist: &dyn TaskDistribution,
        task: &Task,
        steps: usize,
        seed: u64,
        observer: &mut (impl StageObserver + Send),
    ) -> Result<Adaptation> {
        let protocol = self.protocol(1, steps);
        if protocol.episodes == 0 {
            return Err(Error::Config(
                "an adaptation needs at least one episode per step (eval.episodes = 0)".into(),
            ));
        }
        let lrs = protocol.lrs();
        let mut pool = EnvPool::new(dist);
        let request = AdaptRequest {
            spec: self.spec(),
            theta: self.theta(),
            task,
            lrs: &lrs,
            first_step_rates: protocol.first_step_rates.as_deref(),
            episodes: protocol.episodes,
            advantages: &protocol.advantages,
        };
        // Matrix kernels on one thread, as in the trainer's workers (no global pool).
        Ok(with_single_threaded_kernels(|| {
            adapt_task_observed(
                &mut pool,
                &request,
                |stage, e| crate::rollout::episode_seed(seed, stage, e),
                observer,
            )
        }))
    }
}

/// [`TrainedPolicy::to_bytes`]'s layout.
#[derive(serde::Serialize, serde::Deserialize)]
struct ShippedPolicy {
    config: String,
    checkpoint: Vec<u8>,
    checkpoint_name: String,
}

/// A [`TrainedPolicy`] adapted to one task by [`TrainedPolicy::adapt`].
#[derive(Clone, Debug)]
pub struct Adapted {
    /// The policy with the adapted parameters θ' (same config and checkpoint metadata).
    pub policy: TrainedPolicy,
    /// Mean return of the batch sampled after 0, 1, …, `steps` adaptation steps.
    pub returns: Vec<f64>,
    /// A non-finite inner gradient was met; that step (and the rest) kept the parameters.
    pub non_finite: bool,
}

/// How many held-out tasks and steps an evaluation runs, with which seed and workers; episodes
/// per step and learning rates come from the run's `[eval]` section.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EvalOptions {
    /// Held-out tasks (paper: 40).
    pub tasks: usize,
    /// Adaptation steps: returns are reported after 0..=steps (paper: 3).
    pub steps: usize,
    /// Evaluation seed (the held-out tasks and every episode).
    pub seed: u64,
    /// Worker threads (0 = all cores); results do not depend on it.
    pub workers: usize,
}

impl EvalOptions {
    /// The paper's protocol with `tasks` held-out tasks and `steps` steps, default seed, all
    /// cores.
    pub fn paper(tasks: usize, steps: usize) -> EvalOptions {
        EvalOptions {
            tasks,
            steps,
            seed: DEFAULT_EVAL_SEED,
            workers: 0,
        }
    }

    /// The same options with another evaluation seed.
    pub fn with_seed(mut self, seed: u64) -> EvalOptions {
        self.seed = seed;
        self
    }

    /// The same options with another worker count.
    pub fn with_workers(mut self, workers: usize) -> EvalOptions {
        self.workers = workers;
        self
    }
}

/// Adapts `policy` to `options.tasks` held-out tasks for 0..=`options.steps` steps with its
/// run's protocol and summarizes the returns.
pub fn evaluate(policy: &TrainedPolicy, options: &EvalOptions) -> Result<EvalReport> {
    Ok(EvalReport::of_curve(
        &policy.config.env.name,
        &evaluate_curve(policy, options)?,
    ))
}

/// [`evaluate`], returning every task's returns.
pub fn evaluate_curve(policy: &TrainedPolicy, options: &EvalOptions) -> Result<AdaptationCurve> {
    evaluate_curve_in(&Solo, policy, options)
}

/// [`evaluate_curve`] with the held-out tasks shared among the processes of `team` (every rank
/// holds the same `policy`, e.g. from [`TrainedPolicy::to_bytes`]); every rank returns every
/// task's returns, the same bits as one process.
pub fn evaluate_curve_in(
    team: &dyn TaskTeam,
    policy: &TrainedPolicy,
    options: &EvalOptions,
) -> Result<AdaptationCurve> {
    if options.tasks == 0 {
        return Err(Error::Config(
            "an evaluation needs at least one held-out task (tasks = 0)".into(),
        ));
    }
    let config = &policy.config;
    let dist = config.task_distribution()?;
    Ok(evaluate_adaptation_in(
        team,
        dist.as_ref(),
        policy.spec(),
        policy.theta(),
        &policy.protocol(options.tasks, options.steps),
        (TaskSet::HeldOut, options.seed),
        options.workers,
    ))
}
