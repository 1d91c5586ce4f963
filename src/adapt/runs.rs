//! The trained runs behind the benchmark: given with `--runs`, or trained (or continued) under
//! `OUT/runs/<algo>` so that a second `bench adapt` with the same `--out` only re-evaluates.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::bail;

use super::method::Method;
use crate::config::{env_family, Algo, Config};
use crate::error::{Error, Result};
use crate::run_dir::RunDir;
use crate::stop::StopSignal;
use crate::trainer::{ResumeOptions, StepReport, Trainer};

/// Reads the `--runs` directories: each run's `train.algo` says which method it is. Every run
/// must be of the env `family` (or its oracle variant), and each method may appear once.
pub fn supplied_runs(dirs: &[PathBuf], family: &str) -> Result<BTreeMap<Method, PathBuf>> {
    Ok(supplied(dirs, family)?)
}

fn supplied(dirs: &[PathBuf], family: &str) -> anyhow::Result<BTreeMap<Method, PathBuf>> {
    let mut runs = BTreeMap::new();
    for dir in dirs {
        let config = RunDir::open(dir)?.config()?;
        if env_family(&config.env.name) != family {
            bail!(
                "--runs {} is a {} run, not {family}",
                dir.display(),
                config.env.name
            );
        }
        let method = Method::of_algo(config.train.algo);
        if let Some(other) = runs.insert(method, dir.clone()) {
            bail!(
                "--runs gives two {} runs: {} and {}",
                method.name(),
                other.display(),
                dir.display()
            );
        }
    }
    Ok(runs)
}

/// `config` without the settings a run may change when continued (length and worker count).
fn identity(config: &Config) -> Config {
    let mut c = config.clone();
    c.train.iterations = 0;
    c.train.workers = 0;
    c
}

/// The directory of `algo`'s run under `out`.
pub fn run_path(out: &Path, algo: Algo) -> PathBuf {
    out.join("runs").join(algo.name())
}

/// How the benchmark's trainings report progress and learn of stop requests.
pub struct TrainingHooks<'a> {
    /// Called after every meta-iteration with the method trained and its report.
    pub on_step: &'a mut dyn FnMut(Algo, &StepReport),
    /// Stops the training in progress (resumably) once requested.
    pub stop: StopSignal,
}

/// Makes sure `out/runs/<algo>` holds a finished run of `base.for_algo(algo)`: trains it if the
/// directory is new, continues it if it stopped early (bit for bit, as `train --resume`), and
/// refuses a run of another config there.
pub fn ensure_trained(
    base: &Config,
    algo: Algo,
    out: &Path,
    hooks: &mut TrainingHooks<'_>,
) -> Result<PathBuf> {
    let dir = run_path(out, algo);
    ensure_trained_in(&base.for_algo(algo), &dir, hooks)?;
    Ok(dir)
}

/// Makes sure `dir` holds a finished run of `config`: trains it if the directory is new,
/// continues it if it stopped early (bit for bit, as `train --resume`), and refuses a run of
/// another config there.
pub fn ensure_trained_in(config: &Config, dir: &Path, hooks: &mut TrainingHooks<'_>) -> Result<()> {
    config.validate()?;
    let algo = config.train.algo;
    if dir.join("config.toml").exists() {
        let stored = RunDir::open(dir)?.config()?;
        if identity(&stored) != identity(config) {
            return Err(Error::Config(format!(
                "{} holds a {} run of another config; choose another --out or pass it with --runs",
                dir.display(),
                algo.name()
            )));
        }
        let iterations = config.train.iterations.max(stored.train.iterations);
        tracing::info!(
            "{}: continuing {} to {iterations} iterations",
            algo.name(),
            dir.display()
        );
        let options = ResumeOptions {
            iterations: Some(iterations),
            workers: Some(config.train.workers),
        };
        train_with(Trainer::resume_with(dir, options)?, algo, hooks)
    } else {
        tracing::info!(
            "{}: training {} iterations into {}",
            algo.name(),
            config.train.iterations,
            dir.display()
        );
        train_with(Trainer::create(config.clone(), dir)?, algo, hooks)
    }
}

fn train_with(trainer: Trainer, algo: Algo, hooks: &mut TrainingHooks<'_>) -> Result<()> {
    let mut trainer = trainer.with_stop_signal(hooks.stop.clone());
    while let Some(report) = trainer.step()? {
        (hooks.on_step)(algo, &report);
    }
    Ok(())
}
