//! `metarl train`: meta-train MAML-TRPO into a run directory.

use anyhow::Result;
use indicatif::{ProgressBar, ProgressStyle};
use metarl_agents::parallel::available_workers;
use metarl_agents::seeding::{derive_rng, Stream};
use metarl_agents::MamlTrpo;
use metarl_envs::TaskDistribution;

use crate::checkpoint::Checkpoint;
use crate::cli::TrainArgs;
use crate::config::Config;
use crate::run_dir::RunDir;

/// The worker count a config asks for (0 = all cores).
pub fn workers(config: &Config) -> usize {
    match config.train.workers {
        0 => available_workers(),
        n => n,
    }
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
    let checkpoint = |theta: &[f64], iteration, return_post| Checkpoint {
        env: config.env.name.clone(),
        spec: spec.clone(),
        theta: theta.to_vec(),
        iteration,
        return_post,
    };
    let mut best = f64::NEG_INFINITY;
    for iteration in 0..config.train.iterations {
        let theta_used = learner.theta().to_vec();
        let metrics = learner.iteration(iteration);
        run.append_metrics(&metrics)?;
        let latest = checkpoint(learner.theta(), iteration + 1, f64::NAN);
        latest.save(&run.checkpoint("latest"))?;
        let every = config.train.checkpoint_every;
        if every > 0 && (iteration + 1) % every == 0 {
            latest.save(&run.checkpoint(&format!("iter-{:05}", iteration + 1)))?;
        }
        if metrics.return_post > best {
            best = metrics.return_post;
            checkpoint(&theta_used, iteration, best).save(&run.checkpoint("best"))?;
        }
        tracing::debug!(?metrics, "iteration");
        bar.set_message(format!(
            "pre {:.2} post {:.2} kl {:.4} {:.2}s/it",
            metrics.return_pre, metrics.return_post, metrics.kl, metrics.seconds
        ));
        bar.inc(1);
    }
    bar.finish();
    tracing::info!(best_return_post = best, "done");
    Ok(())
}
