//! `metarl plot`: the settings and the one call that reads the runs and writes the figure.

use std::collections::BTreeSet;
use std::path::PathBuf;

use anyhow::{anyhow, bail};

use super::draw::render_png;
use super::metric::Metric;
use super::runs::{tell_apart, RunMetrics};
use crate::checkpoint::write_atomically;
use crate::error::Result;

/// What [`plot`] draws and where.
#[derive(Clone, Debug, PartialEq)]
pub struct PlotSettings {
    /// Run directories written by the trainer, one curve each (legend: the directory's name, or
    /// its path as given if two runs share a name).
    pub runs: Vec<PathBuf>,
    /// The metric on the y axis (default `return_post`).
    pub metric: Metric,
    /// The PNG file written (default `curves.png` in the current directory).
    pub out: PathBuf,
    /// Width and height in pixels (default 900 x 560).
    pub size: (u32, u32),
}

impl PlotSettings {
    /// `return_post` of `runs` into `curves.png`, 900 x 560 pixels.
    pub fn new(runs: Vec<PathBuf>) -> PlotSettings {
        PlotSettings {
            runs,
            metric: Metric::default(),
            out: PathBuf::from("curves.png"),
            size: (900, 560),
        }
    }
}

/// Draws the learning curves of `settings.runs` (the metric against the iteration, one line per
/// run, overlaid) and writes them as a PNG to `settings.out` atomically (temp file, rename).
///
/// Fails with a one-line error, writing nothing, on a directory that is not a run, an empty or
/// corrupt `metrics.jsonl` (naming the file and line), a metric that no run has (listing the
/// available ones), or one that a run lacks (e.g. `validation` of a run with
/// `train.validate_every = 0`).
pub fn plot(settings: &PlotSettings) -> Result<()> {
    if settings.runs.is_empty() {
        return Err(anyhow!("no run directory to plot").into());
    }
    if settings.size.0 == 0 || settings.size.1 == 0 {
        return Err(anyhow!("the plot size must be at least 1 x 1 pixels").into());
    }
    let mut runs = settings
        .runs
        .iter()
        .map(|dir| RunMetrics::read(dir))
        .collect::<anyhow::Result<Vec<_>>>()?;
    tell_apart(&mut runs);
    let keys: BTreeSet<&str> = runs.iter().flat_map(RunMetrics::keys).collect();
    if let Metric::Key(key) = &settings.metric {
        if !keys.contains(key.as_str()) {
            let available: Vec<&str> = keys.into_iter().collect();
            return Err(anyhow!(
                "unknown metric `{key}`; available: {}, validation, validation-N (the return \
                 after N adaptation steps)",
                available.join(", ")
            )
            .into());
        }
    }
    let curves = runs
        .iter()
        .map(|run| run.curve(&settings.metric))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let y_desc = y_desc(&settings.metric, &runs)?;
    let png = render_png(&curves, &y_desc, settings.size)?;
    write_atomically(&settings.out, &png)?;
    Ok(())
}

/// The y axis description of `metric` on `runs` (which all have it).
fn y_desc(metric: &Metric, runs: &[RunMetrics]) -> anyhow::Result<String> {
    let after = |n: usize| {
        let s = if n == 1 { "" } else { "s" };
        format!("validation return after {n} step{s}")
    };
    Ok(match metric {
        Metric::Key(key) => key.clone(),
        Metric::Validation(Some(n)) => after(*n),
        Metric::Validation(None) => {
            let counts: BTreeSet<usize> =
                runs.iter().filter_map(|r| r.validation_steps()).collect();
            match counts.iter().collect::<Vec<_>>()[..] {
                [&count] => after(count - 1),
                [] => bail!("no run has validation results"),
                _ => "validation return after each run's most steps".to_string(),
            }
        }
    })
}
