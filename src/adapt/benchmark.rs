//! The benchmark itself: obtain a run of every trained method, evaluate all four methods with
//! the paper's protocol on the same held-out tasks, write the csv, markdown and plot.

use std::path::{Path, PathBuf};

use anyhow::{bail, Result};
use indicatif::{ProgressBar, ProgressStyle};
use metarl_agents::evaluation::{evaluate_adaptation, AdaptationCurve, EvalProtocol, TaskSet};
use metarl_agents::seeding::{derive_rng, Stream};
use metarl_agents::PolicySpec;
use metarl_envs::TaskDistribution;

use super::method::Method;
use super::runs::{ensure_trained, supplied_runs};
use super::{plot, report};
use crate::checkpoint::{write_atomically, Checkpoint};
use crate::cli::{AdaptArgs, AdaptCheckpoint};
use crate::config::{Algo, Config};
use crate::eval::protocol;
use crate::run_dir::RunDir;
use crate::train::workers;

/// One method's evaluation.
#[derive(Clone, Debug)]
pub struct MethodResult {
    /// Which method.
    pub method: Method,
    /// The env it was evaluated on (the oracle's is the `-oracle` variant).
    pub env: String,
    /// Where its parameters came from (run directory and checkpoint, or the initialization).
    pub source: String,
    /// Returns of every held-out task after 0..=steps adaptation steps.
    pub curve: AdaptationCurve,
}

/// What every method is evaluated with.
#[derive(Clone, Debug)]
pub struct Evaluation {
    /// The env family ("nav2d", "cheetah-vel", ...).
    pub family: String,
    /// The adaptation protocol (tasks, steps, episodes per step, learning rates).
    pub protocol: EvalProtocol,
    /// Seed of the held-out tasks and of every step's episodes.
    pub seed: u64,
    /// Worker threads.
    pub workers: usize,
    /// Which checkpoint of the trained runs.
    pub checkpoint: AdaptCheckpoint,
}

impl Evaluation {
    /// Adapts `theta` (a policy of `spec` on `dist`) to the held-out tasks with the protocol.
    fn curve(
        &self,
        dist: &dyn TaskDistribution,
        spec: &PolicySpec,
        theta: &[f64],
    ) -> AdaptationCurve {
        evaluate_adaptation(
            dist,
            spec,
            theta,
            &self.protocol,
            (TaskSet::HeldOut, self.seed),
            self.workers,
        )
    }
}

/// Runs `metarl bench adapt`.
pub fn run(args: &AdaptArgs) -> Result<()> {
    if args.tasks == 0 {
        bail!("--tasks must be >= 1");
    }
    let base = args.config.resolve()?.for_algo(Algo::Maml);
    base.validate()?;
    let family = base.env.name.clone();
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("runs").join(format!("adapt-{family}")));
    std::fs::create_dir_all(&out)
        .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", out.display()))?;
    let mut runs = supplied_runs(&args.runs, &family)?;
    for algo in Algo::ALL {
        if let std::collections::btree_map::Entry::Vacant(slot) = runs.entry(Method::of_algo(algo))
        {
            slot.insert(ensure_trained(&base, algo, &out)?);
        }
    }
    let evaluation = Evaluation {
        family,
        protocol: protocol(&base, args.tasks, args.steps),
        seed: args.eval_seed,
        workers: workers(&base),
        checkpoint: args.checkpoint,
    };
    let bar = ProgressBar::new(Method::ALL.len() as u64).with_style(
        ProgressStyle::with_template("{bar:30} {pos}/{len} evaluating {msg}")
            .expect("valid template"),
    );
    let mut results = Vec::with_capacity(Method::ALL.len());
    for method in Method::ALL {
        bar.set_message(method.name());
        results.push(match runs.get(&method) {
            Some(dir) => evaluate_run(method, dir, &evaluation)?,
            None => evaluate_initialization(&base, &evaluation),
        });
        bar.inc(1);
    }
    bar.finish_and_clear();
    let stem = match args.checkpoint {
        AdaptCheckpoint::Best => "adapt",
        AdaptCheckpoint::Latest => "adapt-latest",
    };
    write_outputs(&out, stem, &results, &evaluation)?;
    print!("{}", report::markdown(&results, &evaluation));
    println!("wrote {}/{stem}.{{csv,md,png}}", out.display());
    Ok(())
}

/// Evaluates `method`'s run in `dir` at the chosen checkpoint (`best` falls back to `latest`
/// while a run has none).
fn evaluate_run(method: Method, dir: &Path, evaluation: &Evaluation) -> Result<MethodResult> {
    let run = RunDir::open(dir)?;
    let config = run.config()?;
    let dist = config.task_distribution()?;
    let spec = config.policy_spec(dist.as_ref());
    let best = evaluation.checkpoint == AdaptCheckpoint::Best;
    let name = if best && run.checkpoint("best").exists() {
        "best"
    } else {
        "latest"
    };
    let checkpoint = Checkpoint::load(&run.checkpoint(name))?;
    checkpoint.check_matches(&config.env.name, &spec)?;
    Ok(MethodResult {
        method,
        env: config.env.name.clone(),
        source: format!(
            "{} ({name} checkpoint, iteration {})",
            dir.display(),
            checkpoint.iteration
        ),
        curve: evaluation.curve(dist.as_ref(), &spec, &checkpoint.theta),
    })
}

/// Evaluates the random initialization: MAML's own initial parameters of `base`'s seed.
fn evaluate_initialization(base: &Config, evaluation: &Evaluation) -> MethodResult {
    let dist = base
        .task_distribution()
        .expect("a validated config builds its env");
    let spec = base.policy_spec(dist.as_ref());
    let theta = spec.init_params(&mut derive_rng(base.train.seed, Stream::Init, &[]));
    MethodResult {
        method: Method::Random,
        env: base.env.name.clone(),
        source: format!("initialization of seed {}", base.train.seed),
        curve: evaluation.curve(dist.as_ref(), &spec, &theta),
    }
}

/// Writes `STEM.csv`, `STEM.md` and `STEM.png` into `out`, each atomically.
fn write_outputs(
    out: &Path,
    stem: &str,
    results: &[MethodResult],
    evaluation: &Evaluation,
) -> Result<()> {
    let csv = report::csv(results);
    write_atomically(&out.join(format!("{stem}.csv")), csv.as_bytes())?;
    let md = report::markdown(results, evaluation);
    write_atomically(&out.join(format!("{stem}.md")), md.as_bytes())?;
    let title = format!(
        "{}: return after adaptation ({} held-out tasks)",
        evaluation.family, evaluation.protocol.tasks
    );
    let png = plot::render_png(results, &title)?;
    write_atomically(&out.join(format!("{stem}.png")), &png)?;
    Ok(())
}
