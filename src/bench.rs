//! Benchmarks: seconds per meta-iteration split by phase (`bench speed`), random-action physics
//! soaks (`bench soak`) and env and sampler throughput (`bench envs`). Each returns a report
//! that serializes to JSON and displays as a table.

use std::fmt;
use std::sync::Arc;

use metarl_agents::parallel::{parallel_map, resolve_workers};
use metarl_agents::sampler::{sample_task, EnvPool, SampleRequest};
use metarl_agents::{IterationMetrics, Solo, TaskTeam};
use serde::Serialize;

use crate::config::Config;
use crate::error::Result;
use crate::learners::build_learner;

/// Timed meta-iterations of `bench speed` when none are given.
pub const DEFAULT_SPEED_ITERATIONS: u64 = 5;

/// Medians over the timed iterations.
#[derive(Debug, Serialize)]
pub struct SpeedReport {
    /// Environment name.
    pub env: String,
    /// Timed meta-iterations.
    pub iterations: u64,
    /// Worker threads (per process).
    pub workers: usize,
    /// Processes sharing each meta-batch (1 outside `mpirun`).
    pub ranks: usize,
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
    /// Median seconds exchanging per-task results between processes (0 for one process).
    pub seconds_communication: f64,
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

/// Times `config.train.iterations` meta-iterations of a fresh learner of `config` (nothing is
/// written) and reports the medians.
pub fn speed(config: &Config) -> Result<SpeedReport> {
    speed_in(Arc::new(Solo), config)
}

/// [`speed`] with each meta-batch shared among the processes of `team` (every rank calls it
/// with the same config; see [`crate::Trainer::with_team`]).
pub fn speed_in(team: Arc<dyn TaskTeam>, config: &Config) -> Result<SpeedReport> {
    config.validate()?;
    crate::trainer::check_team_size(config, team.size())?;
    let dist = config.task_distribution()?;
    let workers = resolve_workers(config.train.workers);
    let mut learner = build_learner(config, dist)?;
    let ranks = team.size();
    learner.set_team(team);
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
        ranks,
        seconds_per_iteration: med(|m| m.seconds),
        seconds_sampling: med(|m| m.seconds_sampling),
        seconds_inner: med(|m| m.seconds_inner),
        seconds_meta_gradient: med(|m| m.seconds_meta_gradient),
        seconds_cg: med(|m| m.seconds_cg),
        seconds_line_search: med(|m| m.seconds_line_search),
        seconds_communication: med(|m| m.seconds_communication),
        env_steps_per_iteration: metrics.first().map_or(0, |m| m.env_steps),
        env_steps_per_sampling_second: med(|m| m.env_steps as f64 / m.seconds_sampling),
        peak_rss_mib: peak_rss_mib(),
    };
    Ok(report)
}

impl fmt::Display for SpeedReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{} — median of {} meta-iterations, {} workers x {} process(es)",
            self.env, self.iterations, self.workers, self.ranks
        )?;
        let rows = [
            ("meta-iteration", self.seconds_per_iteration),
            ("sampling", self.seconds_sampling),
            ("inner loop", self.seconds_inner),
            ("meta-gradient", self.seconds_meta_gradient),
            ("conjugate gradient", self.seconds_cg),
            ("line search", self.seconds_line_search),
            ("communication", self.seconds_communication),
        ];
        writeln!(f, "{:<20} {:>10}", "phase", "seconds")?;
        for (name, seconds) in rows {
            writeln!(f, "{name:<20} {seconds:>10.3}")?;
        }
        writeln!(
            f,
            "env steps per iteration {}, {:.0} per second of sampling; peak RSS {:.0} MiB",
            self.env_steps_per_iteration, self.env_steps_per_sampling_second, self.peak_rss_mib
        )
    }
}

/// What a physics soak saw.
#[derive(Debug, Serialize)]
pub struct SoakReport {
    /// Environment name.
    pub env: String,
    /// Env steps run.
    pub steps: u64,
    /// Episodes started.
    pub episodes: u64,
    /// Steps whose observation or reward held a non-finite value.
    pub non_finite_steps: u64,
    /// Largest value of every env metric over the soak (e.g. `penetration`).
    pub max_metrics: std::collections::BTreeMap<String, f64>,
    /// Env steps per second (single thread, random actions).
    pub steps_per_sec: f64,
}

/// Runs `steps` env steps with uniform random actions in the action box, a fresh task every
/// episode, reset at the horizon or on termination; single-threaded.
pub fn random_rollout(env_name: &str, steps: u64, seed: u64) -> Result<SoakReport> {
    use rand::{Rng, SeedableRng};
    let dist = metarl_envs::task_distribution(env_name, None)?;
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let mut env = dist.make_env();
    let space = env.action_space().clone();
    let mut report = SoakReport {
        env: env_name.to_string(),
        steps,
        episodes: 0,
        non_finite_steps: 0,
        max_metrics: Default::default(),
        steps_per_sec: 0.0,
    };
    let mut action = vec![0.0; space.dim()];
    let mut need_reset = true;
    let start = std::time::Instant::now();
    for _ in 0..steps {
        if need_reset {
            let task = dist.sample_tasks(&mut rng, 1).remove(0);
            env.set_task(&task);
            env.reset(rng.gen());
            report.episodes += 1;
        }
        for (a, (lo, hi)) in action.iter_mut().zip(space.low.iter().zip(&space.high)) {
            *a = rng.gen_range(*lo..=*hi);
        }
        let step = env.step(&action);
        if !(step.reward.is_finite() && step.obs.iter().all(|x| x.is_finite())) {
            report.non_finite_steps += 1;
        }
        for (name, value) in &step.metrics {
            let worst = report
                .max_metrics
                .entry(name.to_string())
                .or_insert(f64::NEG_INFINITY);
            // NaN metrics win, so they show up in the report.
            if value.is_nan() || *value > *worst {
                *worst = *value;
            }
        }
        need_reset = step.terminated || step.truncated;
    }
    report.steps_per_sec = steps as f64 / start.elapsed().as_secs_f64();
    Ok(report)
}

impl fmt::Display for SoakReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{} — {} random-action steps in {} episodes, {:.0} steps/s, {} non-finite steps",
            self.env, self.steps, self.episodes, self.steps_per_sec, self.non_finite_steps
        )?;
        writeln!(f, "{:<24} {:>12}", "metric", "max")?;
        for (name, value) in &self.max_metrics {
            writeln!(f, "{name:<24} {value:>12.4}")?;
        }
        Ok(())
    }
}

/// `metarl bench envs` output.
#[derive(Debug, Serialize)]
pub struct EnvsReport {
    /// Environment name.
    pub env: String,
    /// Single-threaded env steps per second (random actions, reset at the horizon).
    pub env_steps_per_sec: f64,
    /// Sampler throughput by worker count: env steps per second including policy forward passes
    /// (a meta-batch of the env's shipped config, median of 3 runs).
    pub sampler_steps_per_sec: std::collections::BTreeMap<String, f64>,
}

/// Measures env `env`: `steps` single-threaded random-action steps, then the sampler on a
/// meta-batch of the env's shipped config with 1 and 2 workers.
pub fn envs(env: &str, steps: u64) -> Result<EnvsReport> {
    let raw = random_rollout(env, steps, 0)?;
    let config = Config::for_env(env)?;
    let dist = config.task_distribution()?;
    let spec = config.policy_spec(dist.as_ref());
    let theta = spec.init_params(&mut metarl_agents::seeding::derive_rng(
        0,
        metarl_agents::seeding::Stream::Init,
        &[],
    ));
    let tasks = dist.sample_tasks(
        &mut metarl_agents::seeding::derive_rng(
            0,
            metarl_agents::seeding::Stream::TrainTasks,
            &[0],
        ),
        config.maml.meta_batch_size,
    );
    let mut sampler = std::collections::BTreeMap::new();
    for workers in [1usize, 2] {
        let rates = (0..3)
            .map(|_| {
                let start = std::time::Instant::now();
                let steps: usize = parallel_map(
                    workers,
                    tasks.len(),
                    || EnvPool::new(dist.as_ref()),
                    |pool, i| {
                        let request = SampleRequest {
                            spec: &spec,
                            theta: &theta,
                            task: &tasks[i],
                            episodes: config.maml.episodes_per_task,
                        };
                        sample_task(pool, &request, |e| (i * 1000 + e) as u64).rows()
                    },
                )
                .into_iter()
                .sum();
                steps as f64 / start.elapsed().as_secs_f64()
            })
            .collect();
        sampler.insert(workers.to_string(), median(rates));
    }
    Ok(EnvsReport {
        env: env.to_string(),
        env_steps_per_sec: raw.steps_per_sec,
        sampler_steps_per_sec: sampler,
    })
}

impl fmt::Display for EnvsReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{} — {:.0} env steps/s single-threaded",
            self.env, self.env_steps_per_sec
        )?;
        for (workers, rate) in &self.sampler_steps_per_sec {
            writeln!(f, "sampler, {workers} worker(s): {rate:.0} env steps/s")?;
        }
        Ok(())
    }
}
