//! Command-line interface: the arguments (clap) and, per command, the glue that turns them into
//! calls of the `metarl` library.

mod bench;
pub mod distributed;
mod eval;
pub mod logging;
pub mod malloc;
mod plot;
mod progress;
mod rollout;
mod signals;
mod train;
#[cfg(feature = "viewer")]
mod view;

use std::path::PathBuf;

use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand};
use metarl::adapt::AdaptCheckpoint;
use metarl::config::{Algo, Config};

/// Parses the command line; the `--env` help of every command lists the registered envs.
pub fn parse() -> Cli {
    let names = metarl::envs::env_names().join(", ");
    let command = with_env_help(Cli::command(), &names);
    let matches = command.get_matches();
    Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit())
}

/// `command` with the registered env names appended to every `--env` help, recursively.
fn with_env_help(mut command: clap::Command, names: &str) -> clap::Command {
    if command.get_arguments().any(|a| a.get_id() == "env") {
        command = command.mut_arg("env", |arg| {
            let help = arg.get_help().map(|h| h.to_string()).unwrap_or_default();
            arg.help(format!("{help} Registered: {names}."))
        });
    }
    let subcommands: Vec<String> = command
        .get_subcommands()
        .map(|c| c.get_name().to_string())
        .collect();
    for name in subcommands {
        command = command.mut_subcommand(name, |c| with_env_help(c, names));
    }
    command
}

/// Runs the parsed command.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    // Commands that do not run distributed refuse mpirun rather than run once per rank.
    let alone = match &cli.command {
        Command::Train(_) | Command::Eval(_) | Command::Bench(BenchCommand::Speed(_)) => None,
        Command::Bench(BenchCommand::Soak(_)) => Some("bench soak"),
        Command::Bench(BenchCommand::Envs(_)) => Some("bench envs"),
        Command::Bench(BenchCommand::Adapt(_)) => Some("bench adapt"),
        Command::Bench(BenchCommand::TimeToQuality(_)) => Some("bench time-to-quality"),
        Command::Bench(BenchCommand::Curves(_)) => Some("bench curves"),
        Command::Rollout(_) => Some("rollout"),
        Command::Plot(_) => Some("plot"),
        #[cfg(feature = "viewer")]
        Command::View(_) => Some("view"),
    };
    if let Some(command) = alone {
        distributed::refuse_ranks(command)?;
    }
    match &cli.command {
        Command::Train(args) => train::run(args),
        Command::Eval(args) => eval::run(args),
        Command::Bench(BenchCommand::Speed(args)) => bench::speed(args),
        Command::Bench(BenchCommand::Soak(args)) => bench::soak(args),
        Command::Bench(BenchCommand::Envs(args)) => bench::envs(args),
        Command::Bench(BenchCommand::Adapt(args)) => bench::adapt(args),
        Command::Bench(BenchCommand::TimeToQuality(args)) => bench::time_to_quality(args),
        Command::Bench(BenchCommand::Curves(args)) => bench::curves(args),
        Command::Rollout(args) => rollout::run(args),
        Command::Plot(args) => plot::run(args),
        #[cfg(feature = "viewer")]
        Command::View(args) => view::run(args),
    }
}

/// metarl: meta-reinforcement learning (MAML-TRPO) on Rapier environments.
#[derive(Debug, Parser)]
#[command(name = "metarl", version, about)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Meta-train a policy into a run directory with the learner of `train.algo` (`--algo`).
    Train(TrainArgs),
    /// Evaluate a run's best checkpoint: returns after 0..N adaptation steps on held-out tasks.
    Eval(EvalArgs),
    /// Benchmarks.
    #[command(subcommand)]
    Bench(BenchCommand),
    /// Record a policy adapting to one task (pre- and post-adaptation episodes) as JSON.
    Rollout(RolloutArgs),
    /// Learning curves of runs overlaid in a PNG: a metric of metrics.jsonl against the
    /// iteration, one line per run (for users without TensorBoard).
    Plot(PlotArgs),
    /// Watch a policy adapt (Bevy viewer; built with `--features viewer`).
    #[cfg(feature = "viewer")]
    View(ViewArgs),
}

/// `metarl rollout`.
#[derive(Debug, Args)]
pub struct RolloutArgs {
    /// Run directory written by `metarl train`.
    #[arg(long)]
    pub run_dir: PathBuf,
    /// Which checkpoint: "best", "latest" or "iter-NNNNN" (see train.checkpoint_every).
    #[arg(long, default_value = "best")]
    pub checkpoint: String,
    /// Env to record in instead of the run's (same observation and action sizes).
    #[arg(long)]
    pub env: Option<String>,
    /// Task parameters, as the env's task distribution checks them: e.g. nav2d `GX GY` in
    /// [-0.5, 0.5], nav2d-corners `GX GY` with each ±2, cheetah-vel and hopper-vel `V` in [0, 2],
    /// cheetah-dir and walker-dir `1` or `-1`, the *-params families one log-multiplier exponent
    /// in [-3, 3] per element (default: a task drawn with --seed).
    #[arg(long, num_args = 1.., allow_negative_numbers = true)]
    pub task: Vec<f64>,
    /// Adaptation steps recorded after the pre-adaptation episodes (0..=3).
    #[arg(long, default_value_t = 3)]
    pub steps: usize,
    /// Seed of the task (unless --task) and of every episode.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Episodes recorded per step count (default: 5 in top-down scenes such as nav2d, 1 in side
    /// views of bodies on a ground).
    #[arg(long)]
    pub episodes: Option<usize>,
    /// Output JSON file.
    #[arg(long)]
    pub out: PathBuf,
}

/// `metarl plot`.
#[derive(Debug, Args)]
pub struct PlotArgs {
    /// Run directories written by `metarl train` (one curve each, labelled with the directory's
    /// name, or its path if two runs share a name).
    #[arg(required = true, value_name = "RUN_DIR")]
    pub runs: Vec<PathBuf>,
    /// Output PNG file (default: curves.png in the current directory).
    #[arg(long, value_name = "FILE.png")]
    pub out: Option<PathBuf>,
    /// What to plot: a numeric key of metrics.jsonl (return_post, return_pre, kl, seconds, ...),
    /// `validation` (the validation return after the most adaptation steps, with standard-error
    /// bars, at validated iterations) or `validation-N` (after N steps).
    #[arg(long, default_value = "return_post")]
    pub metric: String,
}

/// `metarl view`.
#[cfg(feature = "viewer")]
#[derive(Debug, Args)]
pub struct ViewArgs {
    /// Run directory written by `metarl train`: sample and adapt live (its best checkpoint).
    #[arg(long, required_unless_present = "replay", conflicts_with = "replay")]
    pub run_dir: Option<PathBuf>,
    /// Play a recording written by `metarl rollout` (no policy needed).
    #[arg(long)]
    pub replay: Option<PathBuf>,
    /// Env to view instead of the run's (same observation and action sizes).
    #[arg(long)]
    pub env: Option<String>,
    /// Seed of the first task and of every episode.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Render offscreen (no window, no display) and write this PNG, then exit.
    #[arg(long)]
    pub screenshot: Option<PathBuf>,
    /// Frames rendered before the screenshot is taken.
    #[arg(long, default_value_t = 10)]
    pub frames: u32,
}

/// Where the config comes from and what overrides it.
#[derive(Debug, Args, Clone)]
pub struct ConfigArgs {
    /// TOML config file (default: the embedded config of --env, or nav2d).
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Environment (task distribution) name; overrides the config's [env] name.
    #[arg(long)]
    pub env: Option<String>,
    /// Meta-iterations; overrides [train] iterations.
    #[arg(long)]
    pub iterations: Option<u64>,
    /// Run seed; overrides [train] seed.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Worker threads (0 = all cores); overrides [train] workers.
    #[arg(long)]
    pub workers: Option<usize>,
}

/// `metarl train`.
#[derive(Debug, Args)]
pub struct TrainArgs {
    /// Config source and overrides.
    #[command(flatten)]
    pub config: ConfigArgs,
    /// Run directory to create (default: runs/<env>-<timestamp>).
    #[arg(long, conflicts_with = "resume")]
    pub run_dir: Option<PathBuf>,
    /// Continue the run in this directory from its latest checkpoint.
    #[arg(long)]
    pub resume: Option<PathBuf>,
    /// What to train (sets train.algo): a meta-learner, or the MAML paper's pretrained or oracle
    /// baseline (the oracle trains on the env's `-oracle` variant).
    #[arg(long, value_enum)]
    pub algo: Option<Algo>,
    /// Print the effective config as TOML and exit.
    #[arg(long)]
    pub print_config: bool,
}

/// `metarl eval`.
#[derive(Debug, Args)]
pub struct EvalArgs {
    /// Run directory written by `metarl train`.
    #[arg(long)]
    pub run_dir: PathBuf,
    /// Held-out tasks.
    #[arg(long, default_value_t = 40)]
    pub tasks: usize,
    /// Adaptation steps (returns are reported after 0..=steps).
    #[arg(long, default_value_t = 3)]
    pub steps: usize,
    /// Evaluation seed (its task stream is never used in training).
    #[arg(long, default_value_t = metarl::eval::DEFAULT_EVAL_SEED)]
    pub seed: u64,
    /// Which checkpoint: "best", "latest" or "iter-NNNNN" (see train.checkpoint_every).
    #[arg(long, default_value = "best")]
    pub checkpoint: String,
    /// Worker threads (0 = all cores).
    #[arg(long, default_value_t = 0)]
    pub workers: usize,
    /// Print one JSON object instead of the table.
    #[arg(long)]
    pub json: bool,
}

/// `metarl bench …`.
#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Seconds per meta-iteration (median) with the split by phase, env steps/s and peak RSS.
    Speed(SpeedArgs),
    /// Physics soak: random actions for many steps; counts non-finite values and reports the
    /// worst value of every env metric (e.g. penetration, joint-limit violation).
    Soak(SoakArgs),
    /// Env speed: single-threaded env steps/s, and sampler throughput with 1 and 2 workers.
    Envs(EnvsArgs),
    /// The paper's comparison: MAML, pretrained, random and oracle adapted for 0..N steps on the
    /// same held-out tasks; writes adapt.csv, adapt.md and adapt.png, training missing runs.
    Adapt(AdaptArgs),
    /// Wall time and env steps until the validation returns first reach a target (default: the
    /// MAML paper's nav2d numbers), then the best checkpoint's eval table.
    TimeToQuality(TimeToQualityArgs),
    /// Learning curves of several learners over training seeds (ProMP's Figure 2): validation
    /// return after one adaptation step against env steps; writes curves.csv and curves.png.
    Curves(CurvesArgs),
}

/// `metarl bench curves`.
#[derive(Debug, Args)]
pub struct CurvesArgs {
    /// Config of the runs (default: the env's shipped config); --iterations is their length;
    /// --seed is ignored (see --seeds).
    #[command(flatten)]
    pub config: ConfigArgs,
    /// Learners to compare, comma-separated.
    #[arg(long, value_enum, value_delimiter = ',', default_value = "maml,promp")]
    pub algos: Vec<Algo>,
    /// Training seeds 1..=N of every learner.
    #[arg(long, default_value_t = 3)]
    pub seeds: u64,
    /// Adaptation steps of the plotted validation return.
    #[arg(long, default_value_t = 1)]
    pub step: usize,
    /// Output directory; runs are kept (and reused) under OUT/runs/ALGO-sSEED (default:
    /// runs/curves-ENV).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Train nothing: draw the runs under OUT/runs as they are, runs still in progress
    /// included (each learner's mean stops at the shortest seed).
    #[arg(long)]
    pub no_train: bool,
}

/// `metarl bench time-to-quality`.
#[derive(Debug, Args)]
pub struct TimeToQualityArgs {
    /// Config source and overrides (default: the env's shipped config; --iterations caps the
    /// training).
    #[command(flatten)]
    pub config: ConfigArgs,
    /// Target: minimum mean validation return after given adaptation steps,
    /// STEPS:RETURN[,STEPS:RETURN...].
    #[arg(long, default_value = "1:-11.7,3:-3.3")]
    pub target: String,
    /// Run directory to create (default: runs/time-to-quality-<env>-<seconds since epoch>).
    #[arg(long)]
    pub run_dir: Option<PathBuf>,
    /// Held-out tasks of the final evaluation (paper protocol, eval seed default).
    #[arg(long, default_value_t = 40)]
    pub tasks: usize,
    /// Print one JSON object instead of the summary.
    #[arg(long)]
    pub json: bool,
}

/// `metarl bench adapt`.
#[derive(Debug, Args)]
pub struct AdaptArgs {
    /// Config of the runs it trains (default: the env's shipped config); --seed is their
    /// training seed.
    #[command(flatten)]
    pub config: ConfigArgs,
    /// Held-out tasks.
    #[arg(long, default_value_t = 40)]
    pub tasks: usize,
    /// Adaptation steps (returns after 0..=steps).
    #[arg(long, default_value_t = 3)]
    pub steps: usize,
    /// Episodes per adaptation step (default: the config's eval.episodes; the Meta-SGD paper's
    /// protocol uses 20).
    #[arg(long)]
    pub episodes: Option<usize>,
    /// Evaluation seed: the held-out tasks and the episode seeds of every step, shared by all
    /// methods (its streams are never used in training).
    #[arg(long, default_value_t = metarl::eval::DEFAULT_EVAL_SEED)]
    pub eval_seed: u64,
    /// Trained run directories to use (their train.algo says which method each is); the
    /// algorithms of --algos not given are trained under OUT/runs/.
    #[arg(long, num_args = 1..)]
    pub runs: Vec<PathBuf>,
    /// Algorithms to compare, comma-separated (the random initialization is always
    /// evaluated, and so is every run of --runs).
    #[arg(
        long,
        value_enum,
        value_delimiter = ',',
        default_value = "maml,pretrained,oracle"
    )]
    pub algos: Vec<Algo>,
    /// Output directory (default: runs/adapt-ENV).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Which checkpoint of each trained run: "best" (by validation, the same rule for every
    /// method) or "latest" (trained to the end).
    #[arg(long, value_enum, default_value = "best")]
    pub checkpoint: AdaptCheckpoint,
}

/// `metarl bench envs`.
#[derive(Debug, Args)]
pub struct EnvsArgs {
    /// Environment (task distribution) name.
    #[arg(long, default_value = "nav2d")]
    pub env: String,
    /// Env steps of the single-threaded measurement.
    #[arg(long, default_value_t = 200_000)]
    pub steps: u64,
    /// Print one JSON object instead of the summary.
    #[arg(long)]
    pub json: bool,
}

/// `metarl bench soak`.
#[derive(Debug, Args)]
pub struct SoakArgs {
    /// Environment (task distribution) name.
    #[arg(long, default_value = "nav2d")]
    pub env: String,
    /// Env steps to run (episodes are reset at the horizon or on termination).
    #[arg(long, default_value_t = 1_000_000)]
    pub steps: u64,
    /// Seed of tasks, resets and actions.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Print one JSON object instead of the summary.
    #[arg(long)]
    pub json: bool,
}

/// `metarl bench speed`.
#[derive(Debug, Args)]
pub struct SpeedArgs {
    /// Config source and overrides (--iterations = timed meta-iterations, default 5).
    #[command(flatten)]
    pub config: ConfigArgs,
    /// Print one JSON object instead of the table.
    #[arg(long)]
    pub json: bool,
}

impl ConfigArgs {
    /// The effective config: the file (or the embedded config of --env, or the default), then
    /// the command-line overrides, then `algo` (default: the oracle on an `-oracle` env, else
    /// the config's), validated once at the end.
    pub fn resolve(&self, algo: Option<Algo>) -> anyhow::Result<Config> {
        let mut config = match (&self.config, &self.env) {
            (Some(path), _) => Config::load(path)?,
            (None, Some(env)) => Config::for_env(env)?,
            (None, None) => Config::default(),
        };
        if let Some(env) = &self.env {
            config.env.name = env.clone();
            // An -oracle env trains the oracle; a plain env keeps the file's algo unless that
            // was the oracle's.
            config.train.algo = match (Algo::of_env(env), config.train.algo) {
                (Algo::Oracle, _) => Algo::Oracle,
                (_, Algo::Oracle) => Algo::Maml,
                (_, kept) => kept,
            };
            if algo.is_some_and(|a| a != Algo::Oracle) && Algo::of_env(env) == Algo::Oracle {
                anyhow::bail!(
                    "--algo {} trains on a plain env, not on the oracle's --env {env}",
                    algo.map_or("", Algo::name)
                );
            }
        }
        if let Some(algo) = algo {
            config = config.for_algo(algo);
        }
        if let Some(n) = self.iterations {
            config.train.iterations = n;
        }
        if let Some(s) = self.seed {
            config.train.seed = s;
        }
        if let Some(w) = self.workers {
            config.train.workers = w;
        }
        config.validate()?;
        Ok(config)
    }
}
