//! Time to a paper-quality result (`metarl bench time-to-quality`): trains a config into a run
//! directory and reports the wall time and the training env steps until the validation returns
//! first reach a target, then evaluates the best checkpoint with the paper's protocol.
//!
//! The default target is the MAML paper's 2D-navigation result (Finn et al. 2017, §5.3: mean
//! return −11.68 after 1 adaptation step and −3.23 after 3, rounded to ≥ −11.7 and ≥ −3.3).
//! Validation runs every `train.validate_every` iterations on `train.validation_tasks` tasks
//! with the `[eval]` protocol, so the target is checked only there. A run that ends without
//! reaching it says so.

use std::path::Path;
use std::str::FromStr;
use std::time::Instant;

use serde::Serialize;

use crate::config::Config;
use crate::error::{Error, Result};
use crate::eval::{evaluate, EvalOptions, EvalReport, TrainedPolicy, Which};
use crate::stop::StopSignal;
use crate::trainer::Trainer;

/// Minimum mean validation returns after given numbers of adaptation steps.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct QualityTarget {
    /// `(adaptation steps, minimum mean return)` pairs, all of which must hold.
    pub min_returns: Vec<(usize, f64)>,
}

impl QualityTarget {
    /// The MAML paper's nav2d numbers: ≥ −11.7 after 1 step and ≥ −3.3 after 3 steps.
    pub fn maml_nav2d() -> Self {
        QualityTarget {
            min_returns: vec![(1, -11.7), (3, -3.3)],
        }
    }

    /// Whether a validation report meets every threshold.
    pub fn reached_by(&self, report: &EvalReport) -> bool {
        self.min_returns
            .iter()
            .all(|&(steps, min)| report.mean.get(steps).is_some_and(|&m| m >= min))
    }

    /// The most adaptation steps the target looks at.
    pub fn max_steps(&self) -> usize {
        self.min_returns.iter().map(|t| t.0).max().unwrap_or(0)
    }
}

impl FromStr for QualityTarget {
    type Err = Error;

    /// `STEPS:RETURN[,STEPS:RETURN…]`, e.g. `1:-11.7,3:-3.3`.
    fn from_str(text: &str) -> Result<Self> {
        let bad = || {
            Error::Config(format!(
                "a quality target is STEPS:RETURN[,STEPS:RETURN...], e.g. 1:-11.7,3:-3.3 (got `{text}`)"
            ))
        };
        let min_returns = text
            .split(',')
            .map(|pair| {
                let (steps, value) = pair.split_once(':').ok_or_else(bad)?;
                let steps = steps.trim().parse::<usize>().map_err(|_| bad())?;
                let value = value.trim().parse::<f64>().map_err(|_| bad())?;
                if value.is_finite() {
                    Ok((steps, value))
                } else {
                    Err(bad())
                }
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(QualityTarget { min_returns })
    }
}

/// When the target was first met.
#[derive(Clone, Debug, Serialize)]
pub struct Reached {
    /// Iterations done when the validation met the target.
    pub iterations: u64,
    /// Wall seconds from the start of training (validation included).
    pub wall_seconds: f64,
    /// Env steps sampled by training up to then (validation episodes not counted).
    pub env_steps: u64,
    /// The validation returns that met it.
    pub validation: EvalReport,
}

/// What `bench time-to-quality` reports.
#[derive(Clone, Debug, Serialize)]
pub struct TimeToQualityReport {
    /// Environment name.
    pub env: String,
    /// The target.
    pub target: QualityTarget,
    /// When the target was first met; `None`: not reached.
    pub reached: Option<Reached>,
    /// Iterations trained (training stops when the target is met).
    pub iterations: u64,
    /// Wall seconds of the whole training.
    pub wall_seconds: f64,
    /// Env steps sampled by the whole training.
    pub env_steps: u64,
    /// The best checkpoint evaluated with `final_eval`'s protocol (held-out tasks).
    pub final_eval: EvalReport,
}

/// Trains `config` into `run_dir` until its validation meets `target` (or `train.iterations`
/// are done), then evaluates the best checkpoint with `final_eval`. `stop` interrupts training
/// resumably ([`Error::Stopped`]).
pub fn time_to_quality(
    config: Config,
    run_dir: &Path,
    target: &QualityTarget,
    final_eval: &EvalOptions,
    stop: StopSignal,
) -> Result<TimeToQualityReport> {
    if config.train.validate_every == 0 {
        return Err(Error::Config(
            "time-to-quality needs validation: set train.validate_every >= 1".into(),
        ));
    }
    if target.max_steps() > config.eval.steps {
        return Err(Error::Config(format!(
            "the target looks at {} adaptation steps but validation adapts for eval.steps = {}",
            target.max_steps(),
            config.eval.steps
        )));
    }
    let env = config.env.name.clone();
    let start = Instant::now();
    let mut trainer = Trainer::create(config, run_dir)?.with_stop_signal(stop);
    let (mut env_steps, mut iterations, mut reached) = (0u64, 0u64, None);
    while let Some(step) = trainer.step()? {
        env_steps += step.metrics.env_steps as u64;
        iterations = step.done;
        if let Some(validation) = step.validation.filter(|v| target.reached_by(v)) {
            reached = Some(Reached {
                iterations,
                wall_seconds: start.elapsed().as_secs_f64(),
                env_steps,
                validation,
            });
            break;
        }
    }
    let wall_seconds = start.elapsed().as_secs_f64();
    drop(trainer);
    let best = TrainedPolicy::load(run_dir, &Which::Best)?;
    Ok(TimeToQualityReport {
        env,
        target: target.clone(),
        reached,
        iterations,
        wall_seconds,
        env_steps,
        final_eval: evaluate(&best, final_eval)?,
    })
}

impl std::fmt::Display for TimeToQualityReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let target: Vec<String> = self
            .target
            .min_returns
            .iter()
            .map(|(s, r)| format!("≥ {r} after {s} step(s)"))
            .collect();
        writeln!(f, "{} — target: {}", self.env, target.join(", "))?;
        match &self.reached {
            Some(r) => writeln!(
                f,
                "reached after {} iterations: {:.1} s, {} env steps (validation {:?})",
                r.iterations,
                r.wall_seconds,
                r.env_steps,
                r.validation
                    .mean
                    .iter()
                    .map(|m| (m * 100.0).round() / 100.0)
                    .collect::<Vec<_>>()
            )?,
            None => writeln!(
                f,
                "not reached in {} iterations ({:.1} s, {} env steps)",
                self.iterations, self.wall_seconds, self.env_steps
            )?,
        }
        let e = &self.final_eval;
        writeln!(f, "best checkpoint on {} held-out tasks:", e.tasks)?;
        writeln!(f, "{:>6} {:>10} {:>8}", "steps", "return", "s.e.")?;
        for ((s, m), se) in e.steps.iter().zip(&e.mean).zip(&e.stderr) {
            writeln!(f, "{s:>6} {m:>10.2} {se:>8.2}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_parse_and_bad_ones_are_config_errors() {
        let t: QualityTarget = "1:-11.7, 3:-3.3".parse().unwrap();
        assert_eq!(t, QualityTarget::maml_nav2d());
        for bad in ["", "1", "x:-3", "1:abc", "1:-3,", "1:inf"] {
            assert!(
                matches!(bad.parse::<QualityTarget>(), Err(Error::Config(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn a_target_is_reached_only_when_every_threshold_holds() {
        let report = |mean: Vec<f64>| EvalReport {
            env: "nav2d".into(),
            tasks: 1,
            steps: (0..mean.len()).collect(),
            stderr: vec![0.0; mean.len()],
            mean,
        };
        let t = QualityTarget::maml_nav2d();
        assert!(t.reached_by(&report(vec![-40.0, -11.0, -4.0, -3.0])));
        assert!(!t.reached_by(&report(vec![-40.0, -12.0, -4.0, -3.0])));
        assert!(!t.reached_by(&report(vec![-40.0, -11.0, -4.0, -3.4])));
        assert!(!t.reached_by(&report(vec![-40.0, -11.0])));
    }
}
