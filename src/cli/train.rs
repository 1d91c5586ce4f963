//! `metarl train`.

use anyhow::{bail, Result};
use metarl::{ResumeOptions, Trainer};

use super::progress::TrainBar;
use super::signals::stop_on_signals;
use super::TrainArgs;

/// Runs `metarl train`: a new run, or `--resume DIR`.
pub fn run(args: &TrainArgs) -> Result<()> {
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
            Trainer::resume_with(dir, options)?
        }
        None => {
            let config = args.config.resolve(args.algo)?;
            if args.print_config {
                print!("{}", config.to_toml());
                return Ok(());
            }
            let root = args
                .run_dir
                .clone()
                .unwrap_or_else(|| default_run_dir(&config.env.name));
            Trainer::create(config, root)?
        }
    };
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
                if let metarl::Error::Stopped { run_dir, .. } = &e {
                    bail!(
                        "{e}; resume with: metarl train --resume {}",
                        run_dir.display()
                    );
                }
                return Err(e.into());
            }
        }
    }
    bar.finish();
    let root = trainer.run_dir().display();
    println!("run directory: {root}\nevaluate with: metarl eval --run-dir {root}");
    Ok(())
}

/// A fresh directory name under `runs/`: `<env>-<seconds since epoch>`.
fn default_run_dir(env: &str) -> std::path::PathBuf {
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    std::path::PathBuf::from("runs").join(format!("{env}-{stamp}"))
}
