//! The trainer: one run directory, one meta-learner, stepped one meta-iteration at a time.
//!
//! Every iteration appends its metrics line (with validation results on validated iterations)
//! to `metrics.jsonl` and the same scalars as one TensorBoard event to `tb/`
//! ([`crate::tensorboard`]; each trainer, a resumed one too, writes a new event file there,
//! opened at its first iteration, so resuming a finished run adds none),
//! saves the best checkpoint if validation improved, then `latest` (this order makes a crash at
//! any moment resumable bit for bit). Validation runs every `train.validate_every` iterations
//! (multiples only, so a run stopped and extended equals the run trained in one go); a run with
//! no validation yet is evaluated at its latest checkpoint ([`TrainedPolicy::load`]).
//!
//! ```no_run
//! let config = metarl::Config::for_env("nav2d")?.with_iterations(50);
//! let mut trainer = metarl::Trainer::create(config, "runs/mine")?;
//! while let Some(step) = trainer.step()? {
//!     println!("{} {:.2}", step.metrics.iteration, step.metrics.return_post);
//! }
//! # Ok::<(), metarl::Error>(())
//! ```

use std::path::Path;
use std::sync::Arc;

use metarl_agents::evaluation::{evaluate_adaptation_in, EvalProtocol, TaskSet};
use metarl_agents::maml::learned_rates;
use metarl_agents::team::any_rank;
use metarl_agents::{IterationMetrics, MetaLearner, Solo, TaskTeam};
use metarl_envs::TaskDistribution;
use serde::{Deserialize, Serialize};

use crate::bench::peak_rss_mib;
use crate::checkpoint::{write_atomically, Checkpoint};
use crate::config::Config;
use crate::error::{Error, Result};
use crate::eval::{protocol, EvalReport, TrainedPolicy, Which};
use crate::learners::build_learner;
use crate::run_dir::{RunDir, RunLock};
use crate::stop::StopSignal;
use crate::tensorboard::EventWriter;

/// One line of `metrics.jsonl`: the iteration's metrics, plus the validation returns after
/// 0..=eval.steps adaptation steps on the iterations that validate.
#[derive(Serialize)]
struct MetricsLine<'a> {
    #[serde(flatten)]
    metrics: &'a IterationMetrics,
    rejected_steps: u64,
    peak_rss_mib: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    validation: Option<&'a EvalReport>,
}

/// What one [`Trainer::step`] did.
#[derive(Clone, Debug)]
pub struct StepReport {
    /// The learner's metrics of the iteration.
    pub metrics: IterationMetrics,
    /// Validation returns after 0..=`eval.steps` steps, on iterations that validate.
    pub validation: Option<EvalReport>,
    /// Score of the best checkpoint so far (`None` before the first one).
    pub best_score: Option<f64>,
    /// Steps rejected for non-finite values since the run started.
    pub rejected_steps: u64,
    /// Iterations done after this step.
    pub done: u64,
    /// Iterations the run trains in total.
    pub iterations: u64,
}

/// Where a training loop stands (recovered from the run directory on resume).
#[derive(Clone, Copy, Debug, PartialEq)]
struct TrainState {
    next: u64,
    best: Option<f64>,
    rejected_total: u64,
    rejected_consecutive: u64,
}

/// A training run: its config, run directory (locked while the trainer lives), task
/// distribution and meta-learner.
pub struct Trainer {
    config: Config,
    run: RunDir,
    /// The run directory's lock: held by the trainer that records the run (a single process, or
    /// rank 0 of a team); `None` on the other ranks of a team, which record nothing.
    lock: Option<RunLock>,
    /// The processes sharing each iteration's tasks ([`Solo`] unless [`Trainer::with_team`]).
    team: Arc<dyn TaskTeam>,
    dist: Arc<dyn TaskDistribution>,
    learner: Box<dyn MetaLearner>,
    /// The trainer's event file in `tb/`, opened at its first iteration.
    events: Option<EventWriter>,
    state: TrainState,
    stop: StopSignal,
    /// An iteration failed half-way (e.g. a checkpoint could not be written): the learner may be
    /// ahead of the run directory, so this trainer refuses to go on (resume from the directory).
    failed: bool,
}

impl Trainer {
    /// Creates the run directory `dir` for `config` (it must not hold a run) and checkpoints the
    /// initial parameters, so an unwritable directory fails before any training.
    pub fn create(config: Config, dir: impl AsRef<Path>) -> Result<Trainer> {
        config.validate()?;
        let run = RunDir::create(dir.as_ref(), &config)?;
        let lock = run.lock()?;
        let dist = config.task_distribution()?;
        let learner = build_learner(&config, dist.clone())?;
        let trainer = Trainer {
            config,
            run,
            lock: Some(lock),
            team: Arc::new(Solo),
            dist,
            learner,
            events: None,
            state: TrainState {
                next: 0,
                best: None,
                rejected_total: 0,
                rejected_consecutive: 0,
            },
            stop: StopSignal::new(),
            failed: false,
        };
        trainer
            .checkpoint(0, f64::NAN)
            .save(&trainer.run.checkpoint("latest"))?;
        Ok(trainer)
    }

    /// Opens the run in `dir` to continue it from its latest checkpoint with its own config,
    /// bit for bit as if it had never stopped.
    pub fn resume(dir: impl AsRef<Path>) -> Result<Trainer> {
        Trainer::resume_with(dir, ResumeOptions::default())
    }

    /// [`Trainer::resume`], changing what a run may change when continued: its length and its
    /// worker count (results do not depend on the latter).
    pub fn resume_with(dir: impl AsRef<Path>, options: ResumeOptions) -> Result<Trainer> {
        let run = RunDir::open(dir.as_ref())?;
        let lock = run.lock()?;
        let mut config = run.config()?;
        let stored = config.clone();
        if let Some(n) = options.iterations {
            config.train.iterations = n;
        }
        if let Some(w) = options.workers {
            config.train.workers = w;
        }
        let dist = config.task_distribution()?;
        let mut learner = build_learner(&config, dist.clone())?;
        let latest = Checkpoint::load(&run.checkpoint("latest"))?;
        latest.check_matches(&config.env.name, learner.spec())?;
        latest.check_learner(learner.name())?;
        learner
            .restore(latest.theta.clone(), &latest.state)
            .map_err(|e| Error::Checkpoint(format!("cannot restore the learner: {e}")))?;
        if config != stored {
            write_atomically(&run.config_path(), config.to_toml().as_bytes())?;
        }
        let best_path = run.checkpoint("best");
        let best = if best_path.exists() {
            Some(Checkpoint::load(&best_path)?.score)
        } else {
            None
        };
        let lines = run.truncate_metrics(latest.iteration)?;
        let rejected = |line: &serde_json::Value| line["step_rejected"].as_bool() == Some(true);
        let state = TrainState {
            next: latest.iteration,
            best,
            rejected_total: lines.iter().filter(|l| rejected(l)).count() as u64,
            rejected_consecutive: lines.iter().rev().take_while(|l| rejected(l)).count() as u64,
        };
        tracing::info!(from_iteration = state.next, "resuming");
        Ok(Trainer {
            config,
            run,
            lock: Some(lock),
            team: Arc::new(Solo),
            dist,
            learner,
            events: None,
            state,
            stop: StopSignal::new(),
            failed: false,
        })
    }

    /// Makes the trainer stop (with [`Error::Stopped`]) at its next step once `stop` is
    /// requested, e.g. from a signal handler of the caller's.
    pub fn with_stop_signal(mut self, stop: StopSignal) -> Trainer {
        self.stop = stop;
        self
    }

    /// The run's effective config.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The run directory.
    pub fn run_dir(&self) -> &Path {
        self.run.root()
    }

    /// Iterations done so far.
    pub fn done(&self) -> u64 {
        self.state.next
    }

    /// The learner's current meta-parameters.
    pub fn theta(&self) -> &[f64] {
        self.learner.theta()
    }

    /// Runs the next meta-iteration and records it in the run directory; `Ok(None)` once
    /// `train.iterations` are done. Fails with [`Error::Stopped`] if a stop was requested (the
    /// run stays resumable) and with [`Error::NonFinite`] after `train.max_rejected_steps`
    /// consecutive non-finite steps (the last good parameters stay in `latest`).
    pub fn step(&mut self) -> Result<Option<StepReport>> {
        if self.failed {
            return Err(Error::Other(anyhow::anyhow!(
                "an earlier iteration of {} failed; resume the run from its directory",
                self.run.root().display()
            )));
        }
        let result = self.step_once();
        if matches!(&result, Err(e) if !matches!(e, Error::Stopped { .. })) {
            self.failed = true;
        }
        result
    }

    fn step_once(&mut self) -> Result<Option<StepReport>> {
        let iterations = self.config.train.iterations;
        let iteration = self.state.next;
        if iteration >= iterations {
            return Ok(None);
        }
        // A stop requested on any rank stops every rank before the same iteration.
        if any_rank(self.team.as_ref(), self.stop.is_requested()) {
            return Err(Error::Stopped {
                iteration,
                run_dir: self.run.root().to_path_buf(),
            });
        }
        let every = self.config.train.validate_every;
        // Best by training return (no validation): the candidate is the parameters (and state)
        // the iteration's post-adaptation return was measured with, i.e. those before the step.
        let used = (every == 0 && self.lock.is_some())
            .then(|| (self.learner.theta().to_vec(), self.learner.state()));
        let metrics = self.learner.iteration(iteration);
        let done = iteration + 1;
        let state = &mut self.state;
        if metrics.step_rejected {
            state.rejected_total += 1;
            state.rejected_consecutive += 1;
        } else {
            state.rejected_consecutive = 0;
        }
        let validation = (every > 0 && done.is_multiple_of(every)).then(|| self.validate());
        if self.lock.is_some() {
            self.record(&metrics, validation.as_ref(), used, iteration)?;
        }
        self.state.next = done;
        tracing::debug!(?metrics, "iteration");
        if self.state.rejected_consecutive >= self.config.train.max_rejected_steps {
            return Err(Error::NonFinite {
                consecutive: self.state.rejected_consecutive,
                checkpoint: self.run.checkpoint("latest"),
            });
        }
        Ok(Some(StepReport {
            metrics,
            validation,
            best_score: self.state.best,
            rejected_steps: self.state.rejected_total,
            done,
            iterations,
        }))
    }

    /// Records iteration `iteration` in the run directory: its metrics line and events, the best
    /// checkpoint if it improved (`used`: the parameters the iteration's return was measured
    /// with, when there is no validation), the periodic and the latest checkpoint, in an order
    /// that leaves the run resumable bit for bit after a crash at any point.
    fn record(
        &mut self,
        metrics: &IterationMetrics,
        validation: Option<&EvalReport>,
        used: Option<LearnerPoint>,
        iteration: u64,
    ) -> Result<()> {
        let done = iteration + 1;
        let line = MetricsLine {
            metrics,
            rejected_steps: self.state.rejected_total,
            peak_rss_mib: peak_rss_mib(),
            validation,
        };
        self.run.append_metrics(&line)?;
        let events = match &mut self.events {
            Some(events) => events,
            None => self
                .events
                .insert(EventWriter::create(self.run.tensorboard())?),
        };
        events.write_metrics_line(&line)?;
        // The best candidate: the parameters just validated, or those of `used`.
        let candidate = match (validation, used) {
            (Some(v), _) => Some((v.mean[v.mean.len() - 1], self.current(), done)),
            (None, Some(used)) => Some((metrics.return_post, used, iteration)),
            (None, None) => None,
        };
        if let Some((score, (theta, state), at)) =
            candidate.filter(|c| c.0 > self.state.best.unwrap_or(f64::NEG_INFINITY))
        {
            self.state.best = Some(score);
            self.checkpoint_of(theta, state, at, score)
                .save(&self.run.checkpoint("best"))?;
        }
        let latest = self.checkpoint(done, f64::NAN);
        let keep = self.config.train.checkpoint_every;
        if keep > 0 && done.is_multiple_of(keep) {
            latest.save(&self.run.checkpoint(&format!("iter-{done:05}")))?;
        }
        latest.save(&self.run.checkpoint("latest"))
    }

    /// Shares every following iteration's tasks (and validation tasks) with the processes of
    /// `team`; on rank 0, which records the run. The other ranks join with [`Trainer::follow`]
    /// and the [`Trainer::snapshot`] of this trainer. Results are the same bits for any team.
    ///
    /// # Errors
    /// [`Error::Config`] if the team has more processes than the meta-batch has tasks.
    pub fn with_team(mut self, team: Arc<dyn TaskTeam>) -> Result<Trainer> {
        check_team_size(&self.config, team.size())?;
        self.learner.set_team(team.clone());
        self.team = team;
        Ok(self)
    }

    /// What another rank of the team needs to follow this run from where it stands (rank 0
    /// sends it; see [`Trainer::follow`]).
    pub fn snapshot(&self) -> Vec<u8> {
        let snapshot = Snapshot {
            config: self.config.to_toml(),
            run_dir: self.run.root().to_path_buf(),
            theta: bits(self.learner.theta()),
            state: self
                .learner
                .state()
                .into_iter()
                .map(|(name, values)| (name, bits(&values)))
                .collect(),
            next: self.state.next,
            rejected_total: self.state.rejected_total,
            rejected_consecutive: self.state.rejected_consecutive,
        };
        serde_json::to_vec(&snapshot).expect("snapshots serialize")
    }

    /// A trainer on a rank other than 0 of `team`, from rank 0's [`Trainer::snapshot`]: it
    /// computes its share of every iteration and validation with rank 0 and records nothing.
    /// `workers` replaces the run's worker count on this rank (results do not depend on it).
    pub fn follow(
        team: Arc<dyn TaskTeam>,
        snapshot: &[u8],
        workers: Option<usize>,
    ) -> Result<Trainer> {
        let snapshot: Snapshot = serde_json::from_slice(snapshot)
            .map_err(|e| Error::Other(anyhow::anyhow!("corrupt snapshot from rank 0: {e}")))?;
        let mut config = Config::parse(&snapshot.config, "rank 0's config")?;
        if let Some(w) = workers {
            config.train.workers = w;
        }
        let dist = config.task_distribution()?;
        let mut learner = build_learner(&config, dist.clone())?;
        let state: Vec<(String, Vec<f64>)> = snapshot
            .state
            .into_iter()
            .map(|(name, values)| (name, from_bits(&values)))
            .collect();
        learner
            .restore(from_bits(&snapshot.theta), &state)
            .map_err(|e| Error::Checkpoint(format!("cannot restore the learner: {e}")))?;
        learner.set_team(team.clone());
        Ok(Trainer {
            config,
            run: RunDir::named(&snapshot.run_dir),
            lock: None,
            team,
            dist,
            learner,
            events: None,
            state: TrainState {
                next: snapshot.next,
                best: None,
                rejected_total: snapshot.rejected_total,
                rejected_consecutive: snapshot.rejected_consecutive,
            },
            stop: StopSignal::new(),
            failed: false,
        })
    }

    /// Steps until `train.iterations` are done.
    pub fn run(&mut self) -> Result<()> {
        while self.step()?.is_some() {}
        Ok(())
    }

    /// The run's best checkpoint (or, for a run that has none yet, its latest one, with a
    /// warning), ready to evaluate.
    pub fn best_checkpoint(&self) -> Result<TrainedPolicy> {
        TrainedPolicy::load(self.run.root(), &Which::Best)
    }

    /// Evaluates the current parameters on the validation tasks with the `[eval]` protocol,
    /// for [`Config::validation_steps`] adaptation steps.
    fn validate(&self) -> EvalReport {
        let config = &self.config;
        let protocol = EvalProtocol {
            first_step_rates: learned_rates(&self.learner.state()).map(<[f64]>::to_vec),
            ..protocol(
                config,
                config.train.validation_tasks,
                config.validation_steps(),
            )
        };
        let curve = evaluate_adaptation_in(
            self.team.as_ref(),
            self.dist.as_ref(),
            self.learner.spec(),
            self.learner.theta(),
            &protocol,
            (TaskSet::Validation, config.train.seed),
            config.train.workers,
        );
        EvalReport::of_curve(&config.env.name, &curve)
    }

    /// The learner's current parameters and state.
    fn current(&self) -> LearnerPoint {
        (self.learner.theta().to_vec(), self.learner.state())
    }

    /// A checkpoint of the learner's current parameters and state.
    fn checkpoint(&self, iteration: u64, score: f64) -> Checkpoint {
        let (theta, state) = self.current();
        self.checkpoint_of(theta, state, iteration, score)
    }

    /// A checkpoint of `theta` and `state` of this run's learner, env and policy.
    fn checkpoint_of(
        &self,
        theta: Vec<f64>,
        state: Vec<(String, Vec<f64>)>,
        iteration: u64,
        score: f64,
    ) -> Checkpoint {
        Checkpoint {
            env: self.config.env.name.clone(),
            learner: self.learner.name().to_string(),
            state,
            spec: self.learner.spec().clone(),
            theta,
            iteration,
            score,
        }
    }
}

/// A learner's parameters θ and state (what a checkpoint holds of it).
type LearnerPoint = (Vec<f64>, Vec<(String, Vec<f64>)>);

/// What a follower rank needs of rank 0's trainer (see [`Trainer::snapshot`]).
#[derive(Serialize, Deserialize)]
struct Snapshot {
    /// The effective config, as TOML.
    config: String,
    /// Rank 0's run directory (for messages).
    run_dir: std::path::PathBuf,
    /// The learner's parameters and state, as f64 bit patterns (JSON's decimal floats would
    /// not come back bit for bit).
    theta: Vec<u64>,
    state: Vec<(String, Vec<u64>)>,
    /// The next iteration and the rejected-step counters.
    next: u64,
    rejected_total: u64,
    rejected_consecutive: u64,
}

/// Fails with [`Error::Config`] if `ranks` processes cannot share `config`'s meta-batch (more
/// ranks than tasks).
pub fn check_team_size(config: &Config, ranks: usize) -> Result<()> {
    let tasks = config.maml.meta_batch_size;
    if ranks > tasks {
        return Err(Error::Config(format!(
            "{ranks} processes share a meta-batch of {tasks} tasks: use at most {tasks} ranks (maml.meta_batch_size)"
        )));
    }
    Ok(())
}

/// The bit patterns of `values`.
fn bits(values: &[f64]) -> Vec<u64> {
    values.iter().map(|v| v.to_bits()).collect()
}

/// The values of bit patterns `bits`.
fn from_bits(bits: &[u64]) -> Vec<f64> {
    bits.iter().map(|&b| f64::from_bits(b)).collect()
}

/// What a resumed run may change.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ResumeOptions {
    /// New `train.iterations` (longer or shorter than the stored one).
    pub iterations: Option<u64>,
    /// New `train.workers` (results do not depend on it).
    pub workers: Option<usize>,
}

#[cfg(test)]
mod tests {
    use metarl_envs::testing::NanRewards;

    use super::*;

    /// A tiny nav2d config: horizon 5, an 8x8 net, 2 tasks x 2 episodes, 3 iterations, 2
    /// validation tasks of 2 episodes every 10 iterations.
    fn tiny() -> Config {
        let mut config = Config::default().with_iterations(3);
        config.env.horizon = 5;
        config.policy.hidden = vec![8, 8];
        config.maml.meta_batch_size = 2;
        config.maml.episodes_per_task = 2;
        config.train.validation_tasks = 2;
        config.eval.episodes = 2;
        config
    }

    #[test]
    fn consecutive_non_finite_steps_stop_the_run_with_the_last_good_checkpoint_intact() {
        let mut config = tiny().with_iterations(500);
        config.train.validate_every = 0;
        config.train.max_rejected_steps = 3;
        let dir = tempfile::tempdir().unwrap();
        let mut trainer = Trainer::create(config.clone(), dir.path().join("run")).unwrap();
        let nan: Arc<dyn TaskDistribution> = Arc::new(NanRewards(
            metarl_envs::task_distribution("nav2d", Some(5)).unwrap(),
        ));
        trainer.learner = build_learner(&config, nan).unwrap();
        let theta0 = trainer.theta().to_vec();
        let err = loop {
            match trainer.step() {
                Ok(Some(_)) => {}
                Ok(None) => panic!("the run must stop early"),
                Err(e) => break e,
            }
        };
        assert!(
            matches!(err, Error::NonFinite { consecutive: 3, .. }),
            "{err}"
        );
        assert!(!err.to_string().contains('\n'));
        let run = RunDir::open(&dir.path().join("run")).unwrap();
        let lines = run.truncate_metrics(3).unwrap();
        let rejected: Vec<u64> = lines
            .iter()
            .map(|l| l["rejected_steps"].as_u64().unwrap())
            .collect();
        assert_eq!(rejected, vec![1, 2, 3]);
        assert!(lines.iter().all(|l| l["step_rejected"] == true));
        let latest = Checkpoint::load(&run.checkpoint("latest")).unwrap();
        assert_eq!(latest.theta, theta0, "the last good parameters are kept");
        assert_eq!(latest.iteration, 3);
    }

    #[test]
    fn a_failed_event_write_fails_the_step_like_a_metrics_write_and_the_trainer_stops() {
        let dir = tempfile::tempdir().unwrap();
        let mut trainer = Trainer::create(tiny(), dir.path().join("run")).unwrap();
        assert!(trainer.step().unwrap().is_some());
        trainer.events = Some(EventWriter::failing());
        let err = trainer.step().unwrap_err().to_string();
        assert!(err.starts_with("cannot append to /dev/full"), "{err}");
        assert!(!err.contains('\n'), "{err}");
        let err = trainer.step().unwrap_err().to_string();
        assert!(err.contains("an earlier iteration"), "{err}");
        drop(trainer);
        // `latest` was not saved after the failed write: the run resumes from iteration 1.
        assert_eq!(Trainer::resume(dir.path().join("run")).unwrap().done(), 1);
    }

    #[test]
    fn a_requested_stop_ends_the_run_resumably_before_the_next_iteration() {
        let config = tiny();
        let dir = tempfile::tempdir().unwrap();
        let stop = StopSignal::new();
        let mut trainer = Trainer::create(config, dir.path().join("run"))
            .unwrap()
            .with_stop_signal(stop.clone());
        assert!(trainer.step().unwrap().is_some());
        stop.request();
        let err = trainer.step().unwrap_err();
        assert!(matches!(err, Error::Stopped { iteration: 1, .. }), "{err}");
        drop(trainer);
        let mut resumed = Trainer::resume(dir.path().join("run")).unwrap();
        assert_eq!(resumed.done(), 1);
        resumed.run().unwrap();
        assert_eq!(resumed.done(), 3);
        // Three iterations, validate_every = 10: no validation yet, so the latest checkpoint.
        let best = resumed.best_checkpoint().unwrap();
        assert_eq!(best.checkpoint.iteration, 3);
        assert_eq!(best.checkpoint_name, "latest");
    }
}
