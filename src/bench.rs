//! `metarl bench speed`: seconds per meta-iteration at a given config, split by phase.

use anyhow::Result;
use metarl_agents::IterationMetrics;
use serde::Serialize;

use crate::cli::SpeedArgs;
use crate::train::{learner, workers};

/// Timed meta-iterations when --iterations is not given.
const DEFAULT_ITERATIONS: u64 = 5;

/// Medians over the timed iterations.
#[derive(Debug, Serialize)]
pub struct SpeedReport {
    /// Environment name.
    pub env: String,
    /// Timed meta-iterations.
    pub iterations: u64,
    /// Worker threads.
    pub workers: usize,
    /// Median seconds per meta-iteration.
    pub seconds_per_iteration: f64,
    /// Median seconds sampling episodes.
    pub seconds_sampling: f64,
    /// Median seconds in inner-loop advantages and gradients.
    pub seconds_inner: f64,
    /// Median seconds preparing curvature data and the meta-gradient.
    pub seconds_meta_gradient: f64,
    /// Median seconds in conjugate gradient.
    pub seconds_cg: f64,
    /// Median seconds in the line search.
    pub seconds_line_search: f64,
    /// Env steps sampled per meta-iteration.
    pub env_steps_per_iteration: usize,
    /// Env steps per second of sampling time.
    pub env_steps_per_sampling_second: f64,
    /// Peak resident set size of the process (MiB).
    pub peak_rss_mib: f64,
}

fn median(mut x: Vec<f64>) -> f64 {
    x.sort_by(f64::total_cmp);
    let n = x.len();
    if n == 0 {
        return f64::NAN;
    }
    if n % 2 == 1 {
        x[n / 2]
    } else {
        0.5 * (x[n / 2 - 1] + x[n / 2])
    }
}

/// Peak resident set size (VmHWM) in MiB, from /proc (NaN where unavailable).
pub fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(f64::NAN, |kib| kib / 1024.0)
}

/// Runs `metarl bench speed`.
pub fn speed(args: &SpeedArgs) -> Result<()> {
    let mut config_args = args.config.clone();
    config_args.iterations.get_or_insert(DEFAULT_ITERATIONS);
    let config = config_args.resolve()?;
    let dist = config.task_distribution()?;
    let workers = workers(&config);
    let mut learner = learner(&config, dist.as_ref());
    let metrics: Vec<IterationMetrics> = (0..config.train.iterations)
        .map(|i| {
            let m = learner.iteration(i);
            tracing::info!(iteration = i, seconds = m.seconds, "timed");
            m
        })
        .collect();
    let med = |f: fn(&IterationMetrics) -> f64| median(metrics.iter().map(f).collect());
    let report = SpeedReport {
        env: config.env.name.clone(),
        iterations: config.train.iterations,
        workers,
        seconds_per_iteration: med(|m| m.seconds),
        seconds_sampling: med(|m| m.seconds_sampling),
        seconds_inner: med(|m| m.seconds_inner),
        seconds_meta_gradient: med(|m| m.seconds_meta_gradient),
        seconds_cg: med(|m| m.seconds_cg),
        seconds_line_search: med(|m| m.seconds_line_search),
        env_steps_per_iteration: metrics.first().map_or(0, |m| m.env_steps),
        env_steps_per_sampling_second: med(|m| m.env_steps as f64 / m.seconds_sampling),
        peak_rss_mib: peak_rss_mib(),
    };
    if args.json {
        println!(
            "{}",
            serde_json::to_string(&report).expect("report serializes")
        );
    } else {
        println!("{report:#?}");
    }
    Ok(())
}
