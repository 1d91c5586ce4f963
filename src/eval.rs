//! `metarl eval`: the paper's adaptation table for a run's checkpoint.

use anyhow::{bail, Result};
use metarl_agents::evaluation::{evaluate_adaptation, AdaptationCurve, EvalProtocol, TaskSet};
use metarl_agents::maml::AdvantageSettings;
use metarl_agents::parallel::available_workers;
use serde::Serialize;

use crate::checkpoint::Checkpoint;
use crate::cli::EvalArgs;
use crate::config::Config;
use crate::run_dir::RunDir;

/// Default evaluation seed. Held-out tasks come from the evaluation stream, which training never
/// draws from, so any seed gives tasks unseen in training.
pub const DEFAULT_EVAL_SEED: u64 = 20_170_309;

/// The `--json` output of `metarl eval`.
#[derive(Clone, Debug, Serialize)]
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
    }
}

/// Runs `metarl eval`.
pub fn run(args: &EvalArgs) -> Result<()> {
    if args.tasks == 0 {
        bail!("--tasks must be >= 1");
    }
    let name = &args.checkpoint;
    let periodic = name
        .strip_prefix("iter-")
        .is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()));
    if !(matches!(name.as_str(), "best" | "latest") || periodic) {
        bail!("--checkpoint must be `best`, `latest` or `iter-NNNNN` (got `{name}`)");
    }
    let run = RunDir::open(&args.run_dir)?;
    let config = run.config()?;
    let dist = config.task_distribution()?;
    let spec = config.policy_spec(dist.as_ref());
    let checkpoint = Checkpoint::load(&run.checkpoint(&args.checkpoint))?;
    checkpoint.check_matches(&config.env.name, &spec)?;
    let workers = match args.workers {
        0 => available_workers(),
        n => n,
    };
    let curve = evaluate_adaptation(
        dist.as_ref(),
        &spec,
        &checkpoint.theta,
        &protocol(&config, args.tasks, args.steps),
        (TaskSet::HeldOut, args.seed),
        workers,
    );
    let report = report(&config.env.name, &curve);
    if args.json {
        crate::bench::print_report(&report, true);
    } else {
        print!("{}", table(&report, &checkpoint));
    }
    Ok(())
}

/// Summarizes a curve.
pub fn report(env: &str, curve: &AdaptationCurve) -> EvalReport {
    let mean = curve.mean();
    EvalReport {
        env: env.to_string(),
        tasks: curve.returns.len(),
        steps: (0..mean.len()).collect(),
        stderr: curve.stderr(),
        mean,
    }
}

/// The human-readable table.
fn table(report: &EvalReport, checkpoint: &Checkpoint) -> String {
    let mut out = format!(
        "{} — checkpoint of iteration {}, {} held-out tasks\n{:>6}  {:>10}  {:>8}\n",
        report.env, checkpoint.iteration, report.tasks, "steps", "return", "stderr"
    );
    for ((s, m), e) in report.steps.iter().zip(&report.mean).zip(&report.stderr) {
        out.push_str(&format!("{s:>6}  {m:>10.2}  {e:>8.2}\n"));
    }
    out
}
