//! The benchmark itself: obtain a run of every trained method, evaluate all four methods with
//! the paper's protocol on the same held-out tasks, write the csv, markdown and plot.

use std::path::{Path, PathBuf};

use anyhow::Context;
use metarl_agents::evaluation::{evaluate_adaptation, AdaptationCurve, EvalProtocol, TaskSet};
use metarl_agents::maml::learned_rates;
use metarl_agents::PolicySpec;
use metarl_envs::TaskDistribution;

use super::method::Method;
use super::runs::{ensure_trained, supplied_runs, TrainingHooks};
use super::{plot, report};
use crate::checkpoint::write_atomically;
use crate::config::{Algo, Config};
use crate::error::{Error, Result};
use crate::eval::{protocol, TrainedPolicy, Which, DEFAULT_EVAL_SEED};
use crate::learners::initial_theta;

/// The checkpoint `bench adapt` evaluates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
pub enum AdaptCheckpoint {
    /// The best checkpoint (the latest where a run has none yet).
    Best,
    /// The parameters after the last iteration.
    Latest,
}

/// What `bench adapt` compares and where it writes.
#[derive(Clone, Debug)]
pub struct AdaptSettings {
    /// Config of the runs it trains (`for_algo` of it for each method).
    pub config: Config,
    /// Held-out tasks.
    pub tasks: usize,
    /// Adaptation steps (returns after 0..=steps).
    pub steps: usize,
    /// Episodes per adaptation step (`None`: the config's `eval.episodes`); e.g. 20 for the
    /// Meta-SGD paper's protocol.
    pub episodes: Option<usize>,
    /// Seed of the held-out tasks and of every step's episodes, shared by all methods.
    pub eval_seed: u64,
    /// Trained run directories to use (their `train.algo` says which method each is); the
    /// methods of `algos` not given are trained under `out/runs/`.
    pub runs: Vec<PathBuf>,
    /// The algorithms to compare (default: the MAML paper's MAML, pretrained and oracle); the
    /// random initialization is always evaluated, and so is every run of `runs`.
    pub algos: Vec<Algo>,
    /// Output directory.
    pub out: PathBuf,
    /// Which checkpoint of each trained run.
    pub checkpoint: AdaptCheckpoint,
}

impl AdaptSettings {
    /// The paper's comparison on `config`'s env: 40 tasks, 3 steps, default evaluation seed,
    /// best checkpoints, output under `runs/adapt-ENV`.
    pub fn paper(config: Config) -> AdaptSettings {
        let out = PathBuf::from("runs").join(format!("adapt-{}", config.env.name));
        AdaptSettings {
            config,
            tasks: 40,
            steps: 3,
            episodes: None,
            eval_seed: DEFAULT_EVAL_SEED,
            runs: Vec::new(),
            algos: Algo::PAPER.to_vec(),
            out,
            checkpoint: AdaptCheckpoint::Best,
        }
    }
}

/// What a finished `bench adapt` produced.
#[derive(Clone, Debug)]
pub struct AdaptOutcome {
    /// Every method's returns.
    pub results: Vec<MethodResult>,
    /// The protocol they were evaluated with.
    pub evaluation: Evaluation,
    /// The markdown table (also written to `STEM.md`).
    pub markdown: String,
    /// The files written (`STEM.csv`, `STEM.md`, `STEM.png`).
    pub files: Vec<PathBuf>,
}

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
    /// Adapts `theta` (a policy of `spec` on `dist`) to the held-out tasks with the protocol
    /// (the first step with Meta-SGD's learned `rates` if given).
    fn curve(
        &self,
        dist: &dyn TaskDistribution,
        spec: &PolicySpec,
        theta: &[f64],
        rates: Option<&[f64]>,
    ) -> AdaptationCurve {
        let protocol = EvalProtocol {
            first_step_rates: rates.map(<[f64]>::to_vec),
            ..self.protocol.clone()
        };
        evaluate_adaptation(
            dist,
            spec,
            theta,
            &protocol,
            (TaskSet::HeldOut, self.seed),
            self.workers,
        )
    }
}

/// Runs the comparison: trains the missing runs (reporting through `hooks`), evaluates every
/// method on the same held-out tasks and writes `STEM.csv`, `STEM.md` and `STEM.png` into
/// `settings.out` (STEM: `adapt`, or `adapt-latest` for the latest checkpoints).
pub fn run(settings: &AdaptSettings, hooks: &mut TrainingHooks<'_>) -> Result<AdaptOutcome> {
    if settings.tasks == 0 {
        return Err(Error::Config(
            "the comparison needs at least one held-out task (tasks = 0)".into(),
        ));
    }
    if settings.episodes == Some(0) {
        return Err(Error::Config(
            "the comparison needs at least one episode per step (episodes = 0)".into(),
        ));
    }
    let base = settings.config.for_algo(Algo::Maml);
    base.validate()?;
    let family = base.env.name.clone();
    let out = &settings.out;
    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    let mut runs = supplied_runs(&settings.runs, &family)?;
    for &algo in &settings.algos {
        if let std::collections::btree_map::Entry::Vacant(slot) = runs.entry(Method::of_algo(algo))
        {
            slot.insert(ensure_trained(&base, algo, out, hooks)?);
        }
    }
    let evaluation = Evaluation {
        family,
        protocol: EvalProtocol {
            episodes: settings.episodes.unwrap_or(base.eval.episodes),
            ..protocol(&base, settings.tasks, settings.steps)
        },
        seed: settings.eval_seed,
        workers: base.train.workers,
        checkpoint: settings.checkpoint,
    };
    let mut results = Vec::with_capacity(Method::ALL.len());
    for method in Method::ALL {
        let result = match runs.get(&method) {
            Some(dir) => evaluate_run(method, dir, &evaluation)?,
            None if method == Method::Random => evaluate_initialization(&base, &evaluation)?,
            None => continue,
        };
        tracing::info!(method = method.name(), "evaluated");
        results.push(result);
    }
    let stem = match settings.checkpoint {
        AdaptCheckpoint::Best => "adapt",
        AdaptCheckpoint::Latest => "adapt-latest",
    };
    let files = write_outputs(out, stem, &results, &evaluation)?;
    Ok(AdaptOutcome {
        markdown: report::markdown(&results, &evaluation),
        results,
        evaluation,
        files,
    })
}

/// Evaluates `method`'s run in `dir` at the chosen checkpoint (`best` falls back to `latest`
/// while a run has none).
fn evaluate_run(method: Method, dir: &Path, evaluation: &Evaluation) -> Result<MethodResult> {
    let which = match evaluation.checkpoint {
        AdaptCheckpoint::Best => Which::Best,
        AdaptCheckpoint::Latest => Which::Latest,
    };
    let policy = TrainedPolicy::load(dir, &which)?;
    let dist = policy.config.task_distribution()?;
    Ok(MethodResult {
        method,
        env: policy.config.env.name.clone(),
        source: format!(
            "{} ({} checkpoint, iteration {})",
            dir.display(),
            policy.checkpoint_name,
            policy.checkpoint.iteration
        ),
        curve: evaluation.curve(
            dist.as_ref(),
            policy.spec(),
            policy.theta(),
            learned_rates(&policy.checkpoint.state),
        ),
    })
}

/// Evaluates the random initialization: MAML's own initial parameters of `base`'s seed.
fn evaluate_initialization(base: &Config, evaluation: &Evaluation) -> Result<MethodResult> {
    let dist = base.task_distribution()?;
    let spec = base.policy_spec(dist.as_ref());
    let theta = initial_theta(base, dist.as_ref());
    Ok(MethodResult {
        method: Method::Random,
        env: base.env.name.clone(),
        source: format!("initialization of seed {}", base.train.seed),
        curve: evaluation.curve(dist.as_ref(), &spec, &theta, None),
    })
}

/// Writes `STEM.csv`, `STEM.md` and `STEM.png` into `out`, each atomically.
fn write_outputs(
    out: &Path,
    stem: &str,
    results: &[MethodResult],
    evaluation: &Evaluation,
) -> Result<Vec<PathBuf>> {
    let files: Vec<PathBuf> = ["csv", "md", "png"]
        .iter()
        .map(|ext| out.join(format!("{stem}.{ext}")))
        .collect();
    let csv = report::csv(results);
    write_atomically(&files[0], csv.as_bytes())?;
    let md = report::markdown(results, evaluation);
    write_atomically(&files[1], md.as_bytes())?;
    let title = format!(
        "{}: return after adaptation ({} held-out tasks)",
        evaluation.family, evaluation.protocol.tasks
    );
    let png = plot::render_png(results, &title)?;
    write_atomically(&files[2], &png)?;
    Ok(files)
}
