//! Training (or reusing) one run per learner and seed, then writing `curves.csv`,
//! `curves-seeds.csv` and `curves.png`.

use std::fmt::Write as _;
use std::path::PathBuf;

use anyhow::Context;

use super::aggregate::{LearnerCurve, SeedCurve};
use super::draw;
use crate::adapt::{ensure_trained_in, TrainingHooks};
use crate::checkpoint::write_atomically;
use crate::config::{env_family, Algo, Config};
use crate::error::{Error, Result};

/// What `bench curves` trains and where it writes.
#[derive(Clone, Debug)]
pub struct CurvesSettings {
    /// The config every run starts from (`for_algo` of it, with each seed).
    pub config: Config,
    /// The learners.
    pub algos: Vec<Algo>,
    /// The training seeds of every learner.
    pub seeds: Vec<u64>,
    /// Adaptation steps of the plotted validation return (ProMP's Figure 2: 1).
    pub step: usize,
    /// Output directory; runs go to `out/runs/ALGO-sSEED` and are reused (continued to
    /// `config.train.iterations` if they stopped short).
    pub out: PathBuf,
    /// Train missing runs and continue short ones. `false` draws the runs as they are (runs
    /// still in progress included) and trains nothing; a missing run is then an error.
    pub train: bool,
}

/// What a finished `bench curves` produced.
#[derive(Clone, Debug)]
pub struct CurvesOutcome {
    /// Every learner's curve.
    pub curves: Vec<LearnerCurve>,
    /// The files written.
    pub files: Vec<PathBuf>,
}

/// Trains what is missing, reads every run's validation curve and writes the outputs.
pub fn run(settings: &CurvesSettings, hooks: &mut TrainingHooks<'_>) -> Result<CurvesOutcome> {
    let config = &settings.config;
    if settings.algos.is_empty() || settings.seeds.is_empty() {
        return Err(Error::Config(
            "bench curves needs at least one algo and one seed".into(),
        ));
    }
    if config.train.validate_every == 0 || config.eval.steps < settings.step {
        return Err(Error::Config(format!(
            "bench curves plots the validation return after {} step(s): it needs train.validate_every > 0 and eval.steps >= {}",
            settings.step, settings.step
        )));
    }
    if let Some(algo) = settings.algos.iter().find(|a| **a == Algo::Oracle) {
        return Err(Error::Config(format!(
            "bench curves compares learners that adapt; `{}` is validated without adaptation",
            algo.name()
        )));
    }
    let out = &settings.out;
    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    let mut curves = Vec::new();
    for &algo in &settings.algos {
        let mut seeds = Vec::new();
        for &seed in &settings.seeds {
            let run_config = config.for_algo(algo).with_seed(seed);
            let dir = out.join("runs").join(format!("{}-s{seed}", algo.name()));
            if settings.train {
                ensure_trained_in(&run_config, &dir, hooks)?;
            } else if !dir.join("metrics.jsonl").is_file() {
                return Err(Error::Config(format!(
                    "{} holds no run to draw (drop --no-train to train it)",
                    dir.display()
                )));
            }
            seeds.push(SeedCurve::read(&dir, seed, settings.step)?);
        }
        curves.push(LearnerCurve::of(algo, seeds));
    }
    let files: Vec<PathBuf> = ["curves.csv", "curves-seeds.csv", "curves.png"]
        .iter()
        .map(|f| out.join(f))
        .collect();
    write_atomically(&files[0], mean_csv(&curves).as_bytes())?;
    write_atomically(&files[1], seeds_csv(&curves).as_bytes())?;
    let family = env_family(&config.env.name);
    write_atomically(
        &files[2],
        &draw::render_png(&curves, family, settings.step)?,
    )?;
    Ok(CurvesOutcome { curves, files })
}

/// `algo,iteration,env_steps,mean,std,seeds`: the mean curves.
fn mean_csv(curves: &[LearnerCurve]) -> String {
    let mut csv = String::from("algo,iteration,env_steps,mean,std,seeds\n");
    for c in curves {
        for p in &c.points {
            let _ = writeln!(
                csv,
                "{},{},{},{},{},{}",
                c.algo.name(),
                p.iteration,
                p.env_steps,
                p.mean,
                p.std,
                p.seeds
            );
        }
    }
    csv
}

/// `algo,seed,iteration,env_steps,return`: every seed's curve.
fn seeds_csv(curves: &[LearnerCurve]) -> String {
    let mut csv = String::from("algo,seed,iteration,env_steps,return\n");
    for c in curves {
        for s in &c.seeds {
            for (iteration, steps, r) in &s.points {
                let _ = writeln!(csv, "{},{},{iteration},{steps},{r}", c.algo.name(), s.seed);
            }
        }
    }
    csv
}
