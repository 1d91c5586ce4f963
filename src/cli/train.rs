//! `metarl train` (under `mpirun`: rank 0 records the run, the other ranks follow it).

use anyhow::{bail, Result};
use metarl::{ResumeOptions, Trainer};

use super::distributed::{self, Job};
use super::progress::TrainBar;
use super::signals::stop_on_signals;
use super::TrainArgs;

/// Runs `metarl train`: a new run, or `--resume DIR`; distributed when started by `mpirun`.
pub fn run(args: &TrainArgs) -> Result<()> {
    let result = match distributed::join()? {
        None => match open(args, 1)? {
            Some(trainer) => train(trainer).map_err(anyhow::Error::from),
            None => Ok(()),
        },
        Some(job) if job.rank() == 0 => {
            let team = job.team();
            let opened = open(args, team.size()).and_then(|t| match t {
                Some(t) => Ok(t.with_team(team.clone())?),
                None => bail!("--print-config prints without training: run it without mpirun"),
            });
            let trained =
                distributed::send_from_rank_zero(team.as_ref(), opened, |t| Ok(t.snapshot()))
                    .and_then(|trainer| train(trainer).map_err(anyhow::Error::from));
            job.finish(trained)
        }
        Some(job) => job.finish(follow(&job, args)),
    };
    result.map_err(explain)
}

/// A rank other than 0: follows rank 0's run until it is done.
fn follow(job: &Job, args: &TrainArgs) -> Result<()> {
    let team = job.team();
    let snapshot = distributed::receive_from_rank_zero(team.as_ref())?;
    let mut trainer =
        Trainer::follow(team, &snapshot, args.config.workers)?.with_stop_signal(stop_on_signals());
    while trainer.step()?.is_some() {}
    Ok(())
}

/// The message of a training error, with how to resume a stopped run.
fn explain(e: anyhow::Error) -> anyhow::Error {
    match e.downcast_ref::<metarl::Error>() {
        Some(metarl::Error::Stopped { run_dir, .. }) => anyhow::anyhow!(
            "{e}; resume with: metarl train --resume {}",
            run_dir.display()
        ),
        _ => e,
    }
}

/// The trainer of a new run or of `--resume DIR`; `None` after `--print-config`. A new run's
/// config is checked to fit `ranks` processes before its directory is created.
fn open(args: &TrainArgs, ranks: usize) -> Result<Option<Trainer>> {
    let trainer = match &args.resume {
        Some(dir) => {
            let c = &args.config;
            if c.config.is_some()
                || c.env.is_some()
                || c.seed.is_some()
                || args.algo.is_some()
                || args.print_config
            {
                bail!("--resume continues with the run's own config; only --iterations and --workers may be given");
            }
            let options = ResumeOptions {
                iterations: c.iterations,
                workers: c.workers,
            };
            if ranks > 1 {
                // Before resuming, which truncates the run's metrics to its latest checkpoint.
                let config = metarl::Config::load(&dir.join("config.toml"))?;
                metarl::trainer::check_team_size(&config, ranks)?;
            }
            Trainer::resume_with(dir, options)?
        }
        None => {
            let config = args.config.resolve(args.algo)?;
            if args.print_config {
                print!("{}", config.to_toml());
                return Ok(None);
            }
            metarl::trainer::check_team_size(&config, ranks)?;
            let root = args
                .run_dir
                .clone()
                .unwrap_or_else(|| default_run_dir(&config.env.name));
            Trainer::create(config, root)?
        }
    };
    Ok(Some(trainer))
}

/// Trains until the run is done, with a progress bar and Ctrl-C stopping it resumably.
fn train(trainer: Trainer) -> Result<(), metarl::Error> {
    let mut trainer = trainer.with_stop_signal(stop_on_signals());
    let config = trainer.config();
    tracing::info!(
        env = %config.env.name, algo = config.train.algo.name(),
        run_dir = %trainer.run_dir().display(), "meta-training"
    );
    let bar = TrainBar::new(config.train.iterations, trainer.done());
    loop {
        match trainer.step() {
            Ok(Some(step)) => bar.update(&step),
            Ok(None) => break,
            Err(e) => {
                bar.abandon();
                return Err(e);
            }
        }
    }
    bar.finish();
    let root = trainer.run_dir().display();
    println!("run directory: {root}\nevaluate with: metarl eval --run-dir {root}");
    Ok(())
}

/// A fresh directory name under `runs/`: `<env>-<seconds since epoch>`.
pub(super) fn default_run_dir(env: &str) -> std::path::PathBuf {
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    std::path::PathBuf::from("runs").join(format!("{env}-{stamp}"))
}
