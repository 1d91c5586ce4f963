//! `metarl bench speed|soak|envs|adapt|time-to-quality|curves`.

use std::path::PathBuf;

use anyhow::{bail, Result};
use metarl::adapt::{AdaptSettings, TrainingHooks};
use metarl::bench::DEFAULT_SPEED_ITERATIONS;
use metarl::Algo;
use serde::Serialize;

use super::distributed;
use super::progress::TrainBar;
use super::signals::stop_on_signals;
use super::{AdaptArgs, CurvesArgs, EnvsArgs, SoakArgs, SpeedArgs, TimeToQualityArgs};

/// Prints a report as one JSON object or as its table.
fn print(report: &(impl Serialize + std::fmt::Display), json: bool) -> Result<()> {
    if json {
        println!("{}", serde_json::to_string(report)?);
    } else {
        print!("{report}");
    }
    Ok(())
}

/// `metarl bench speed`.
pub fn speed(args: &SpeedArgs) -> Result<()> {
    let mut config_args = args.config.clone();
    config_args
        .iterations
        .get_or_insert(DEFAULT_SPEED_ITERATIONS);
    // Under mpirun every rank times its share of each meta-batch; rank 0 prints. Every rank
    // resolves the same command line, so a bad config fails on all of them alike.
    let Some(job) = distributed::join()? else {
        return print(
            &metarl::bench::speed(&config_args.resolve(None)?)?,
            args.json,
        );
    };
    let timed = config_args
        .resolve(None)
        .and_then(|config| Ok(metarl::bench::speed_in(job.team(), &config)?));
    match timed {
        Ok(report) if job.rank() == 0 => print(&report, args.json),
        Ok(_) => Ok(()),
        Err(e) => job.finish(Err(distributed::SameOnEveryRank(e).into())),
    }
}

/// `metarl bench soak`: fails if any step produced a non-finite value.
pub fn soak(args: &SoakArgs) -> Result<()> {
    let report = metarl::bench::random_rollout(&args.env, args.steps, args.seed)?;
    print(&report, args.json)?;
    if report.non_finite_steps > 0 {
        bail!(
            "{} steps produced non-finite values",
            report.non_finite_steps
        );
    }
    Ok(())
}

/// `metarl bench envs`.
pub fn envs(args: &EnvsArgs) -> Result<()> {
    print(&metarl::bench::envs(&args.env, args.steps)?, args.json)
}

/// `metarl bench adapt`: trains what is missing (progress bars, Ctrl-C stops resumably), then
/// prints the table.
pub fn adapt(args: &AdaptArgs) -> Result<()> {
    if args.tasks == 0 {
        bail!("--tasks must be >= 1");
    }
    let config = args.config.resolve(Some(Algo::Maml))?;
    let mut settings = AdaptSettings::paper(config);
    settings.tasks = args.tasks;
    settings.steps = args.steps;
    settings.episodes = args.episodes;
    settings.eval_seed = args.eval_seed;
    settings.runs = args.runs.clone();
    settings.algos = args.algos.clone();
    settings.checkpoint = args.checkpoint;
    if let Some(out) = &args.out {
        settings.out = out.clone();
    }
    let outcome = with_training_bars(|hooks| metarl::adapt::run(&settings, hooks))
        .map_err(|e| resumable(e, "metarl bench adapt"))?;
    print!("{}", outcome.markdown);
    let stem = outcome.files[0].with_extension("");
    println!("wrote {}.{{csv,md,png}}", stem.display());
    Ok(())
}

/// `metarl bench time-to-quality`: trains until the target is met (Ctrl-C stops resumably: the
/// run directory can be continued with `metarl train --resume`), then prints the report.
pub fn time_to_quality(args: &TimeToQualityArgs) -> Result<()> {
    if args.tasks == 0 {
        bail!("--tasks must be >= 1");
    }
    let config = args.config.resolve(Some(Algo::Maml))?;
    let target: metarl::time_to_quality::QualityTarget = args.target.parse()?;
    let run_dir = args.run_dir.clone().unwrap_or_else(|| {
        super::train::default_run_dir(&format!("time-to-quality-{}", config.env.name))
    });
    let final_eval = metarl::EvalOptions::paper(args.tasks, config.eval.steps)
        .with_workers(config.train.workers);
    let report = metarl::time_to_quality::time_to_quality(
        config,
        &run_dir,
        &target,
        &final_eval,
        stop_on_signals(),
    )?;
    print(&report, args.json)
}

/// Runs `f` with training hooks that show one progress bar per training (Ctrl-C stops the
/// training in progress resumably).
fn with_training_bars<T>(
    f: impl FnOnce(&mut TrainingHooks<'_>) -> metarl::Result<T>,
) -> metarl::Result<T> {
    let mut bar: Option<(Algo, TrainBar)> = None;
    let mut on_step = |algo: Algo, step: &metarl::StepReport| {
        if bar.as_ref().is_none_or(|(a, _)| *a != algo) {
            if let Some((_, old)) = bar.take() {
                old.finish();
            }
            bar = Some((algo, TrainBar::new(step.iterations, step.done - 1)));
        }
        if let Some((_, b)) = &bar {
            b.update(step);
        }
    };
    let mut hooks = TrainingHooks {
        on_step: &mut on_step,
        stop: stop_on_signals(),
    };
    let outcome = f(&mut hooks);
    drop(hooks);
    if let Some((_, b)) = bar {
        b.finish();
    }
    outcome
}

/// A stopped benchmark's error says how to continue it.
fn resumable(e: metarl::Error, command: &str) -> anyhow::Error {
    match e {
        metarl::Error::Stopped { .. } => {
            anyhow::anyhow!("{e}; run the same `{command}` again to continue it")
        }
        e => e.into(),
    }
}

/// `metarl bench curves`: trains (or reuses) one run per learner and seed, then writes the
/// learning curves.
pub fn curves(args: &CurvesArgs) -> Result<()> {
    if args.seeds == 0 {
        bail!("--seeds must be >= 1");
    }
    let config = args.config.resolve(Some(Algo::Maml))?;
    let out = (args.out.clone())
        .unwrap_or_else(|| PathBuf::from("runs").join(format!("curves-{}", config.env.name)));
    let settings = metarl::learning_curves::CurvesSettings {
        config,
        algos: args.algos.clone(),
        seeds: (1..=args.seeds).collect(),
        step: args.step,
        out,
        train: !args.no_train,
    };
    let outcome = with_training_bars(|hooks| metarl::learning_curves::run(&settings, hooks))
        .map_err(|e| resumable(e, "metarl bench curves"))?;
    println!(
        "| learner | seeds | last iteration | env steps | return after {} step(s) (mean ± std) |",
        args.step
    );
    println!("|---|---|---|---|---|");
    for curve in &outcome.curves {
        if let Some(p) = curve.points.last() {
            println!(
                "| {} | {} | {} | {:.0} | {:.2} ± {:.2} |",
                curve.algo.name(),
                p.seeds,
                p.iteration,
                p.env_steps,
                p.mean,
                p.std
            );
        }
    }
    for file in &outcome.files {
        println!("wrote {}", file.display());
    }
    Ok(())
}
