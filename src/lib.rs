//! # metarl — meta-reinforcement learning on Rapier environments
//!
//! The `metarl` crate is the training product as a library: configuration, run directories,
//! checkpoints, the trainer (train loop, validation, best checkpoint, resume, stop requests),
//! evaluation with the MAML paper's protocol, benchmarks and rollout recording. The `metarl`
//! binary is a thin command line over it.
//!
//! ## Architecture: where data flows, and where new things go
//!
//! ```text
//! task distribution ──> sampler ──> episodes ──> meta-learner ──> trainer ──> run directory
//!   (metarl-envs)     (metarl-agents)            (metarl-agents)   (here)    (config.toml,
//!                                                                             metrics.jsonl,
//!                                                                             checkpoints/)
//!                                                        run directory ──> eval / bench / rollout
//!                                                                           / viewer (here)
//! ```
//!
//! * **A task family** implements [`envs::TaskDistribution`] and [`envs::Env`] (in
//!   `metarl-envs`, or in your own crate) and is registered by name with
//!   [`envs::register_env`]; from then on `Config::for_env(NAME)`, the trainer, evaluation and
//!   recording use it like the built-in ones.
//! * **A meta-learner** implements [`agents::MetaLearner`] (one meta-iteration, parameters in and
//!   out, the state its checkpoints hold) and gets an arm in `learners.rs` and a
//!   [`config::Algo`] value; the trainer, checkpoints, evaluation and `bench adapt` drive it
//!   through the trait. It runs its per-task work through [`agents::team`] so that a
//!   distributed run (feature `mpi`, [`Trainer::with_team`], [`Trainer::follow`]) computes the
//!   single process's bits.
//! * **An output** (a new report, plot or metric sink) reads the run directory or consumes the
//!   [`StepReport`]s of [`Trainer::step`]. The trainer itself writes `metrics.jsonl` and the
//!   same scalars as TensorBoard event files into `tb/` ([`tensorboard`]); [`curves`] draws
//!   learning curves of runs from their `metrics.jsonl` (`metarl plot`).
//!
//! The library sets no process-global state: no signal handler (pass a [`StopSignal`] to the
//! trainer and request it from your own handler), no logger (it emits `tracing` events), no
//! global thread pool, no MPI initialization. The same seed gives the same run, bit for bit, for
//! any worker count and any number of MPI ranks.
//!
//! ## Training and evaluating from Rust
//!
//! ```no_run
//! use metarl::{evaluate, Config, EvalOptions, Trainer};
//!
//! let config = Config::for_env("nav2d")?.with_iterations(50);
//! let mut trainer = Trainer::create(config, "runs/mine")?; // or Trainer::resume("runs/mine")
//! while let Some(step) = trainer.step()? {
//!     let m = &step.metrics;
//!     println!("{:>3} pre {:.2} post {:.2}", m.iteration, m.return_pre, m.return_post);
//! }
//! let report = evaluate(&trainer.best_checkpoint()?, &EvalOptions::paper(40, 3))?;
//! println!("return after 0..3 steps: {:?}", report.mean);
//! # Ok::<(), metarl::Error>(())
//! ```
//!
//! The meta-gradient is Finn et al.'s estimator: the fixed-sample surrogate differentiated through
//! the inner step. It omits the term from the pre-update sampling distribution that DiCE
//! (Foerster et al. 2018) and ProMP's LVC (Rothfuss et al. 2019) include.

#![warn(missing_docs)]

pub mod adapt;
pub mod bench;
pub mod checkpoint;
pub mod config;
pub mod curves;
#[cfg(feature = "mpi")]
pub mod distributed;
pub mod error;
pub mod eval;
mod figure;
pub mod learners;
pub mod learning_curves;
pub mod rollout;
mod run_dir;
pub mod stop;
pub mod tensorboard;
pub mod time_to_quality;
pub mod trainer;
#[cfg(feature = "viewer")]
pub mod viewer;

pub use checkpoint::Checkpoint;
pub use config::{Algo, Config};
pub use error::{Error, Result};
pub use eval::{evaluate, Adapted, EvalOptions, EvalReport, TrainedPolicy, Which};
pub use metarl_agents as agents;
pub use metarl_envs as envs;
pub use stop::StopSignal;
pub use trainer::{ResumeOptions, StepReport, Trainer};
