//! The trained runs behind the benchmark: given with `--runs`, or trained (or continued) under
//! `OUT/runs/<algo>` so that a second `bench adapt` with the same `--out` only re-evaluates.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{bail, Result};

use super::method::Method;
use crate::config::{env_family, Algo, Config};
use crate::run_dir::RunDir;
use crate::train::{resume_run, train_new_run};

/// Reads the `--runs` directories: each run's `train.algo` says which method it is. Every run
/// must be of the env `family` (or its oracle variant), and each method may appear once.
pub fn supplied_runs(dirs: &[PathBuf], family: &str) -> Result<BTreeMap<Method, PathBuf>> {
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

/// Makes sure `out/runs/<algo>` holds a finished run of `base.for_algo(algo)`: trains it if the
/// directory is new, continues it if it stopped early (bit for bit, as `train --resume`), and
/// refuses a run of another config there.
pub fn ensure_trained(base: &Config, algo: Algo, out: &Path) -> Result<PathBuf> {
    let config = base.for_algo(algo);
    config.validate()?;
    let dir = run_path(out, algo);
    if dir.join("config.toml").exists() {
        let stored = RunDir::open(&dir)?.config()?;
        if identity(&stored) != identity(&config) {
            bail!(
                "{} holds a {} run of another config; choose another --out or pass it with --runs",
                dir.display(),
                algo.name()
            );
        }
        let iterations = config.train.iterations.max(stored.train.iterations);
        eprintln!(
            "{}: continuing {} to {iterations} iterations",
            algo.name(),
            dir.display()
        );
        resume_run(&dir, Some(iterations), Some(config.train.workers))?;
    } else {
        eprintln!(
            "{}: training {} iterations into {}",
            algo.name(),
            config.train.iterations,
            dir.display()
        );
        train_new_run(&config, &dir)?;
    }
    Ok(dir)
}
