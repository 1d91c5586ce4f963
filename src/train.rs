//! `metarl train`: meta-train MAML-TRPO into a run directory.

use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::{bail, Result};
use indicatif::{ProgressBar, ProgressStyle};
use metarl_agents::evaluation::{evaluate_adaptation, TaskSet};
use metarl_agents::parallel::available_workers;
use metarl_agents::seeding::{derive_rng, Stream};
use metarl_agents::{IterationMetrics, MamlTrpo, PolicySpec};
use metarl_envs::TaskDistribution;
use serde::Serialize;

use crate::bench::peak_rss_mib;
use crate::checkpoint::{write_atomically, Checkpoint};
use crate::cli::TrainArgs;
use crate::config::Config;
use crate::eval::{protocol, report, EvalReport};
use crate::run_dir::RunDir;

/// The worker count a config asks for (0 = all cores).
pub fn workers(config: &Config) -> usize {
    match config.train.workers {
        0 => available_workers(),
        n => n,
    }
}

/// One line of `metrics.jsonl`: the iteration's metrics, plus the validation returns after
/// 0..=eval.steps adaptation steps on the iterations that validate.
#[derive(Serialize)]
pub struct MetricsLine<'a> {
    /// The meta-iteration's metrics.
    #[serde(flatten)]
    pub metrics: &'a IterationMetrics,
    /// Steps rejected for non-finite values since the run started.
    pub rejected_steps: u64,
    /// Peak resident set size of the process so far (MiB; machine-dependent, like the timings).
    pub peak_rss_mib: f64,
    /// Validation mean return and standard error per adaptation step, when validated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub validation: Option<&'a EvalReport>,
}

/// Evaluates `theta` on the validation tasks with the `[eval]` protocol, for
/// [`Config::validation_steps`] adaptation steps; the best checkpoint is the one with the highest
/// return after the last of them.
fn validate(
    config: &Config,
    dist: &dyn TaskDistribution,
    spec: &PolicySpec,
    theta: &[f64],
) -> EvalReport {
    let protocol = protocol(
        config,
        config.train.validation_tasks,
        config.validation_steps(),
    );
    let curve = evaluate_adaptation(
        dist,
        spec,
        theta,
        &protocol,
        (TaskSet::Validation, config.train.seed),
        workers(config),
    );
    report(&config.env.name, &curve)
}

/// A learner at the config's initial parameters (drawn from the run seed's init stream). The
/// baselines (`train.algo` pretrained or oracle) run it with zero inner steps.
pub fn learner<'a>(config: &Config, dist: &'a dyn TaskDistribution) -> MamlTrpo<'a> {
    let spec = config.policy_spec(dist);
    let seed = config.train.seed;
    let theta = spec.init_params(&mut derive_rng(seed, Stream::Init, &[]));
    MamlTrpo::new(
        dist,
        spec,
        config.learner_maml(),
        config.trpo.clone(),
        seed,
        workers(config),
        theta,
    )
}

/// Set by SIGINT/SIGTERM: finish the current iteration, then stop with a resume hint.
pub static STOP_REQUESTED: AtomicBool = AtomicBool::new(false);

/// Where a training loop starts: a fresh run, or the state recovered from a run directory.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TrainState {
    /// First meta-iteration to run.
    pub start: u64,
    /// Score of the best checkpoint so far.
    pub best: f64,
    /// Steps rejected for non-finite values so far.
    pub rejected_total: u64,
    /// Consecutive rejected steps at the end of the run so far.
    pub rejected_consecutive: u64,
}

impl TrainState {
    /// A run that has not started.
    pub fn fresh() -> Self {
        TrainState {
            start: 0,
            best: f64::NEG_INFINITY,
            rejected_total: 0,
            rejected_consecutive: 0,
        }
    }
}

/// Runs `metarl train`.
pub fn run(args: &TrainArgs) -> Result<()> {
    if let Some(dir) = &args.resume {
        return resume(args, dir);
    }
    let mut config = args.config.resolve()?;
    if let Some(algo) = args.algo {
        config = config.for_algo(algo);
        config.validate()?;
    }
    if args.print_config {
        print!("{}", config.to_toml());
        return Ok(());
    }
    let root = args
        .run_dir
        .clone()
        .unwrap_or_else(|| RunDir::default_path(&config.env.name));
    let run = train_new_run(&config, &root)?;
    finished(&run);
    Ok(())
}

/// Creates the run directory `root` for `config` and trains it to `train.iterations`.
pub fn train_new_run(config: &Config, root: &std::path::Path) -> Result<RunDir> {
    let run = RunDir::create(root, config)?;
    let _lock = run.lock()?;
    let dist = config.task_distribution()?;
    let learner = learner(config, dist.as_ref());
    // The initial parameters as `latest`: an unwritable or full directory fails here, before
    // any training time is spent.
    checkpoint_of(config, learner.spec(), learner.theta(), 0, f64::NAN)
        .save(&run.checkpoint("latest"))?;
    train(config, &run, learner, TrainState::fresh())?;
    Ok(run)
}

/// `metarl train --resume DIR`: continues from `checkpoints/latest.safetensors` with the run's
/// own config (only `--iterations` and `--workers` may change), bit for bit as if uninterrupted.
fn resume(args: &TrainArgs, dir: &std::path::Path) -> Result<()> {
    let c = &args.config;
    if c.config.is_some()
        || c.env.is_some()
        || c.seed.is_some()
        || args.algo.is_some()
        || args.print_config
    {
        bail!("--resume continues with the run's own config; only --iterations and --workers may be given");
    }
    let run = resume_run(dir, c.iterations, c.workers)?;
    finished(&run);
    Ok(())
}

/// Continues the run in `dir` from its latest checkpoint to `train.iterations` (or `iterations`
/// if given; `workers` may change too), bit for bit as if uninterrupted. A finished run is left
/// as it is.
pub fn resume_run(
    dir: &std::path::Path,
    iterations: Option<u64>,
    workers: Option<usize>,
) -> Result<RunDir> {
    let run = RunDir::open(dir)?;
    let _lock = run.lock()?;
    let mut config = run.config()?;
    let stored = config.clone();
    if let Some(n) = iterations {
        config.train.iterations = n;
    }
    if let Some(w) = workers {
        config.train.workers = w;
    }
    if config != stored {
        write_atomically(&run.config_path(), config.to_toml().as_bytes())?;
    }
    let dist = config.task_distribution()?;
    let latest = Checkpoint::load(&run.checkpoint("latest"))?;
    let mut learner = learner(&config, dist.as_ref());
    latest.check_matches(&config.env.name, learner.spec())?;
    learner.set_theta(latest.theta.clone());
    let best = match Checkpoint::load(&run.checkpoint("best")) {
        Ok(best) => best.score,
        Err(_) if !run.checkpoint("best").exists() => f64::NEG_INFINITY,
        Err(e) => return Err(e),
    };
    let lines = run.truncate_metrics(latest.iteration)?;
    let rejected = |line: &serde_json::Value| line["step_rejected"].as_bool() == Some(true);
    let state = TrainState {
        start: latest.iteration,
        best,
        rejected_total: lines.iter().filter(|l| rejected(l)).count() as u64,
        rejected_consecutive: lines.iter().rev().take_while(|l| rejected(l)).count() as u64,
    };
    tracing::info!(from_iteration = state.start, "resuming");
    train(&config, &run, learner, state)?;
    Ok(run)
}

fn finished(run: &RunDir) {
    println!(
        "run directory: {}\nevaluate with: metarl eval --run-dir {}",
        run.root().display(),
        run.root().display()
    );
}

/// A checkpoint of `theta` for `config`'s env.
fn checkpoint_of(
    config: &Config,
    spec: &PolicySpec,
    theta: &[f64],
    iteration: u64,
    score: f64,
) -> Checkpoint {
    Checkpoint {
        env: config.env.name.clone(),
        spec: spec.clone(),
        theta: theta.to_vec(),
        iteration,
        score,
    }
}

/// Meta-trains from `state` to `config.train.iterations`. Each iteration appends its metrics
/// line, then saves the best checkpoint if it improved, then `latest` (this order makes a crash
/// at any moment resumable bit for bit). Stops early, with an error saying how to resume, on
/// SIGINT/SIGTERM or after `train.max_rejected_steps` consecutive non-finite steps.
pub fn train(
    config: &Config,
    run: &RunDir,
    mut learner: MamlTrpo<'_>,
    mut state: TrainState,
) -> Result<()> {
    let dist = config.task_distribution()?;
    let spec = learner.spec().clone();
    tracing::info!(
        env = %config.env.name, params = spec.num_params(), workers = workers(config),
        run_dir = %run.root().display(), "meta-training"
    );
    let iterations = config.train.iterations;
    let bar = ProgressBar::new(iterations);
    bar.set_position(state.start.min(iterations));
    bar.set_style(
        ProgressStyle::with_template(
            "{bar:30} {pos}/{len} [{elapsed_precise}<{eta_precise}] {msg}",
        )
        .expect("valid template"),
    );
    let resume_hint = format!(
        "resume with: metarl train --resume {}",
        run.root().display()
    );
    for iteration in state.start..iterations {
        if STOP_REQUESTED.load(Ordering::SeqCst) {
            bar.abandon();
            bail!("stopped before iteration {iteration} (checkpoint saved); {resume_hint}");
        }
        let theta_used = learner.theta().to_vec();
        let metrics = learner.iteration(iteration);
        let done = iteration + 1;
        if metrics.step_rejected {
            state.rejected_total += 1;
            state.rejected_consecutive += 1;
        } else {
            state.rejected_consecutive = 0;
        }
        let every = config.train.validate_every;
        let validation = (every > 0 && done % every == 0)
            .then(|| validate(config, dist.as_ref(), &spec, learner.theta()));
        run.append_metrics(&MetricsLine {
            metrics: &metrics,
            rejected_steps: state.rejected_total,
            peak_rss_mib: peak_rss_mib(),
            validation: validation.as_ref(),
        })?;
        let candidate = match &validation {
            Some(v) => Some((v.mean[v.mean.len() - 1], learner.theta(), done)),
            None if every == 0 => Some((metrics.return_post, theta_used.as_slice(), iteration)),
            None => None,
        };
        if let Some((score, theta, at)) = candidate.filter(|c| c.0 > state.best) {
            state.best = score;
            checkpoint_of(config, &spec, theta, at, score).save(&run.checkpoint("best"))?;
        }
        let latest = checkpoint_of(config, &spec, learner.theta(), done, f64::NAN);
        let keep = config.train.checkpoint_every;
        if keep > 0 && done % keep == 0 {
            latest.save(&run.checkpoint(&format!("iter-{done:05}")))?;
        }
        latest.save(&run.checkpoint("latest"))?;
        tracing::debug!(?metrics, "iteration");
        bar.set_message(format!(
            "pre {:.2} post {:.2} best {:.2} kl {:.4} {:.2}s/it",
            metrics.return_pre, metrics.return_post, state.best, metrics.kl, metrics.seconds
        ));
        bar.inc(1);
        if state.rejected_consecutive >= config.train.max_rejected_steps {
            bar.abandon();
            bail!(
                "{} consecutive steps rejected for non-finite values; the last good parameters are in {}",
                state.rejected_consecutive,
                run.checkpoint("latest").display()
            );
        }
    }
    bar.finish();
    tracing::info!(best_score = state.best, "done");
    Ok(())
}

#[cfg(test)]
mod tests {
    use metarl_envs::testing::NanRewards;

    use super::*;

    #[test]
    fn consecutive_non_finite_steps_stop_the_run_with_the_last_good_checkpoint_intact() {
        let text = crate::config::DEFAULT_CONFIG
            .replace("hidden = [100, 100]", "hidden = [8, 8]")
            .replace("meta_batch_size = 20", "meta_batch_size = 2")
            .replace("episodes_per_task = 20", "episodes_per_task = 2")
            .replace("horizon = 100", "horizon = 5")
            .replace("validate_every = 10", "validate_every = 0")
            .replace("max_rejected_steps = 10", "max_rejected_steps = 3");
        let config = Config::parse(&text, "test").unwrap();
        let dir = tempfile::tempdir().unwrap();
        let run = RunDir::create(&dir.path().join("run"), &config).unwrap();
        let nan = NanRewards(config.task_distribution().unwrap());
        let learner = learner(&config, &nan);
        let theta0 = learner.theta().to_vec();
        let err = format!(
            "{:#}",
            train(&config, &run, learner, TrainState::fresh()).unwrap_err()
        );
        assert!(err.contains("3 consecutive steps rejected"), "{err}");
        assert!(!err.contains('\n'));
        let lines = run.truncate_metrics(3).unwrap();
        let rejected: Vec<u64> = lines
            .iter()
            .map(|l| l["rejected_steps"].as_u64().unwrap())
            .collect();
        assert_eq!(rejected, vec![1, 2, 3]);
        assert!(lines.iter().all(|l| l["step_rejected"] == true));
        let latest = Checkpoint::load(&run.checkpoint("latest")).unwrap();
        assert_eq!(latest.theta, theta0, "the last good parameters are kept");
        assert_eq!(latest.iteration, 3);
    }
}
