//! `metarl train`: meta-train MAML-TRPO into a run directory.

use anyhow::Result;
use indicatif::{ProgressBar, ProgressStyle};
use metarl_agents::evaluation::{evaluate_adaptation, TaskSet};
use metarl_agents::parallel::available_workers;
use metarl_agents::seeding::{derive_rng, Stream};
use metarl_agents::{IterationMetrics, MamlTrpo, PolicySpec};
use metarl_envs::TaskDistribution;
use serde::Serialize;

use crate::checkpoint::Checkpoint;
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
    /// Validation mean return and standard error per adaptation step, when validated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub validation: Option<&'a EvalReport>,
}

/// Evaluates `theta` on the validation tasks with the `[eval]` protocol.
fn validate(
    config: &Config,
    dist: &dyn TaskDistribution,
    spec: &PolicySpec,
    theta: &[f64],
) -> EvalReport {
    let protocol = protocol(config, config.train.validation_tasks, config.eval.steps);
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

/// A learner at the config's initial parameters (drawn from the run seed's init stream).
pub fn learner<'a>(config: &Config, dist: &'a dyn TaskDistribution) -> MamlTrpo<'a> {
    let spec = config.policy_spec(dist);
    let seed = config.train.seed;
    let theta = spec.init_params(&mut derive_rng(seed, Stream::Init, &[]));
    MamlTrpo::new(
        dist,
        spec,
        config.maml.clone(),
        config.trpo.clone(),
        seed,
        workers(config),
        theta,
    )
}

/// Runs `metarl train`.
pub fn run(args: &TrainArgs) -> Result<()> {
    let config = args.config.resolve()?;
    if args.print_config {
        print!("{}", config.to_toml());
        return Ok(());
    }
    let root = args
        .run_dir
        .clone()
        .unwrap_or_else(|| RunDir::default_path(&config.env.name));
    let run = RunDir::create(&root, &config)?;
    train(&config, &run)?;
    println!(
        "run directory: {}\nevaluate with: metarl eval --run-dir {}",
        run.root().display(),
        run.root().display()
    );
    Ok(())
}

/// Meta-trains for `config.train.iterations`, appending metrics and writing the latest and best
/// checkpoints after every iteration.
pub fn train(config: &Config, run: &RunDir) -> Result<()> {
    let dist = config.task_distribution()?;
    let mut learner = learner(config, dist.as_ref());
    let spec = learner.spec().clone();
    tracing::info!(
        env = %config.env.name, params = spec.num_params(), workers = workers(config),
        run_dir = %run.root().display(), "meta-training"
    );
    let bar = ProgressBar::new(config.train.iterations);
    bar.set_style(
        ProgressStyle::with_template(
            "{bar:30} {pos}/{len} [{elapsed_precise}<{eta_precise}] {msg}",
        )
        .expect("valid template"),
    );
    let checkpoint = |theta: &[f64], iteration, score| Checkpoint {
        env: config.env.name.clone(),
        spec: spec.clone(),
        theta: theta.to_vec(),
        iteration,
        score,
    };
    let iterations = config.train.iterations;
    let mut best = f64::NEG_INFINITY;
    for iteration in 0..iterations {
        let theta_used = learner.theta().to_vec();
        let metrics = learner.iteration(iteration);
        let done = iteration + 1;
        let every = config.train.validate_every;
        let validation = (every > 0 && (done % every == 0 || done == iterations))
            .then(|| validate(config, dist.as_ref(), &spec, learner.theta()));
        run.append_metrics(&MetricsLine {
            metrics: &metrics,
            validation: validation.as_ref(),
        })?;
        let latest = checkpoint(learner.theta(), done, f64::NAN);
        latest.save(&run.checkpoint("latest"))?;
        let keep = config.train.checkpoint_every;
        if keep > 0 && done % keep == 0 {
            latest.save(&run.checkpoint(&format!("iter-{done:05}")))?;
        }
        let candidate = match &validation {
            Some(v) => Some((v.mean[v.mean.len() - 1], learner.theta(), done)),
            None if every == 0 => Some((metrics.return_post, theta_used.as_slice(), iteration)),
            None => None,
        };
        if let Some((score, theta, at)) = candidate.filter(|c| c.0 > best) {
            best = score;
            checkpoint(theta, at, score).save(&run.checkpoint("best"))?;
        }
        tracing::debug!(?metrics, "iteration");
        bar.set_message(format!(
            "pre {:.2} post {:.2} best {:.2} kl {:.4} {:.2}s/it",
            metrics.return_pre, metrics.return_post, best, metrics.kl, metrics.seconds
        ));
        bar.inc(1);
    }
    bar.finish();
    tracing::info!(best_score = best, "done");
    Ok(())
}
