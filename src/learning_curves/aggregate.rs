//! Reading one run's validation curve and averaging curves over seeds.

use std::path::Path;

use anyhow::{anyhow, Context, Result};
use serde_json::Value;

use crate::config::Algo;

/// One seed's curve: at every validated iteration, the training env steps sampled so far and
/// the validation return after `step` adaptation steps.
#[derive(Clone, Debug, PartialEq)]
pub struct SeedCurve {
    /// The training seed.
    pub seed: u64,
    /// `(iteration, cumulative training env steps, validation return)`, by iteration.
    pub points: Vec<(u64, f64, f64)>,
}

impl SeedCurve {
    /// Reads `dir/metrics.jsonl`: every line with a validation that reports `step` steps.
    /// Training env steps include every inner and post-update batch, not the validation's.
    pub fn read(dir: &Path, seed: u64, step: usize) -> Result<SeedCurve> {
        let path = dir.join("metrics.jsonl");
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let mut env_steps = 0.0;
        let mut points = Vec::new();
        for (n, line) in text.lines().enumerate() {
            let value: Value = serde_json::from_str(line)
                .with_context(|| format!("{} line {}: not JSON", path.display(), n + 1))?;
            let iteration = value["iteration"]
                .as_u64()
                .ok_or_else(|| anyhow!("{} line {}: no iteration", path.display(), n + 1))?;
            env_steps += value["env_steps"].as_f64().unwrap_or(0.0);
            if let Some(r) = value["validation"]["mean"]
                .get(step)
                .and_then(Value::as_f64)
            {
                points.push((iteration, env_steps, r));
            }
        }
        Ok(SeedCurve { seed, points })
    }
}

/// One point of a learner's curve over seeds.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CurvePoint {
    /// The validated iteration.
    pub iteration: u64,
    /// Mean over seeds of the training env steps sampled so far.
    pub env_steps: f64,
    /// Mean over seeds of the validation return.
    pub mean: f64,
    /// Sample standard deviation over seeds (0 for one seed).
    pub std: f64,
    /// Seeds that reached this iteration.
    pub seeds: usize,
}

/// A learner's curve: its seeds' curves and their mean at every iteration all of them reached.
#[derive(Clone, Debug, PartialEq)]
pub struct LearnerCurve {
    /// The learner.
    pub algo: Algo,
    /// Every seed's curve.
    pub seeds: Vec<SeedCurve>,
    /// Mean and spread over the seeds, at the iterations every seed validated.
    pub points: Vec<CurvePoint>,
}

impl LearnerCurve {
    /// Averages `seeds` (which must be non-empty) at the iterations they all validated.
    pub fn of(algo: Algo, seeds: Vec<SeedCurve>) -> LearnerCurve {
        let first = seeds.first().map_or(&[][..], |s| &s.points[..]);
        let points = first
            .iter()
            .filter_map(|&(iteration, _, _)| {
                let at: Vec<(f64, f64)> = seeds
                    .iter()
                    .map(|s| {
                        s.points
                            .iter()
                            .find(|p| p.0 == iteration)
                            .map(|&(_, steps, r)| (steps, r))
                    })
                    .collect::<Option<_>>()?;
                let n = at.len() as f64;
                let mean = at.iter().map(|p| p.1).sum::<f64>() / n;
                let var = if at.len() > 1 {
                    at.iter().map(|p| (p.1 - mean).powi(2)).sum::<f64>() / (n - 1.0)
                } else {
                    0.0
                };
                Some(CurvePoint {
                    iteration,
                    env_steps: at.iter().map(|p| p.0).sum::<f64>() / n,
                    mean,
                    std: var.sqrt(),
                    seeds: at.len(),
                })
            })
            .collect();
        LearnerCurve {
            algo,
            seeds,
            points,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn curves_average_over_the_iterations_every_seed_reached() {
        let a = SeedCurve {
            seed: 1,
            points: vec![(9, 100.0, -10.0), (19, 200.0, -6.0)],
        };
        let b = SeedCurve {
            seed: 2,
            points: vec![(9, 110.0, -12.0)],
        };
        let curve = LearnerCurve::of(Algo::Maml, vec![a, b]);
        assert_eq!(curve.points.len(), 1);
        let p = curve.points[0];
        assert_eq!((p.iteration, p.seeds), (9, 2));
        assert!((p.env_steps - 105.0).abs() < 1e-12 && (p.mean + 11.0).abs() < 1e-12);
        assert!((p.std - 2f64.sqrt()).abs() < 1e-12);
    }

    #[test]
    fn reading_counts_training_env_steps_up_to_each_validation() {
        let dir = tempfile::tempdir().unwrap();
        let lines = [
            r#"{"iteration":0,"env_steps":50}"#,
            r#"{"iteration":1,"env_steps":60,"validation":{"mean":[-9.0,-4.0]}}"#,
            r#"{"iteration":2,"env_steps":70,"validation":{"mean":[-8.0]}}"#,
        ];
        std::fs::write(dir.path().join("metrics.jsonl"), lines.join("\n")).unwrap();
        let curve = SeedCurve::read(dir.path(), 3, 1).unwrap();
        assert_eq!(curve.points, vec![(1, 110.0, -4.0)]);
    }
}
