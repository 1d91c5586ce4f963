//! Reading runs' `metrics.jsonl` and picking one metric's curve out of them.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context, Result};
use serde_json::{Map, Value};

use super::metric::Metric;
use crate::run_dir::RunDir;

/// The metrics lines of one run directory.
pub struct RunMetrics {
    /// The run directory as given.
    pub dir: PathBuf,
    /// Its name in the legend: the directory's own name.
    pub name: String,
    /// Its lines, in order (each a JSON object with an integer `iteration`).
    lines: Vec<Map<String, Value>>,
}

/// One point of a curve: a finite value at an iteration, with its standard error if it has one.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Point {
    /// The metrics line's `iteration`.
    pub iteration: f64,
    /// The metric's value.
    pub value: f64,
    /// ± this, drawn as an error bar (validation returns).
    pub stderr: Option<f64>,
}

/// One run's curve of a metric.
#[derive(Clone, Debug, PartialEq)]
pub struct Curve {
    /// Legend entry: the run directory's name.
    pub name: String,
    /// The finite points, by iteration (non-finite values, `null` in `metrics.jsonl`, are left
    /// out).
    pub points: Vec<Point>,
}

impl RunMetrics {
    /// Reads the complete lines of `dir/metrics.jsonl` (a last line cut short by a crash is
    /// left out, as on resume). A directory that is not a run, a file without a complete line,
    /// or a line that is not a JSON object with an integer `iteration` is an error naming the
    /// file and line.
    pub fn read(dir: &Path) -> Result<RunMetrics> {
        let run = RunDir::open(dir)?;
        let path = run.metrics_path();
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let complete = &text[..text.rfind('\n').map_or(0, |i| i + 1)];
        let lines = complete
            .lines()
            .enumerate()
            .map(|(i, line)| {
                let at = || format!("{} line {}", path.display(), i + 1);
                let object = match serde_json::from_str(line) {
                    Ok(Value::Object(object)) => object,
                    Ok(_) => bail!("{} is not a JSON object", at()),
                    Err(e) => bail!("{} is not JSON: {e}", at()),
                };
                if !object.get("iteration").is_some_and(Value::is_u64) {
                    bail!("{} has no integer `iteration`", at());
                }
                Ok(object)
            })
            .collect::<Result<Vec<_>>>()?;
        if lines.is_empty() {
            bail!(
                "{} has no complete line yet (the run has not finished an iteration)",
                path.display()
            );
        }
        Ok(RunMetrics {
            name: legend_name(dir),
            dir: dir.to_path_buf(),
            lines,
        })
    }

    /// The top-level keys holding a number in some line, sorted.
    pub fn keys(&self) -> BTreeSet<&str> {
        self.lines
            .iter()
            .flatten()
            .filter(|(_, value)| value.is_number())
            .map(|(key, _)| key.as_str())
            .collect()
    }

    /// How many step counts the run's validation reports (`validation.mean` of 0..=N steps has
    /// N + 1); `None` if no line holds a validation.
    pub fn validation_steps(&self) -> Option<usize> {
        self.validations().map(|(_, mean, _)| mean.len()).max()
    }

    /// The curve of `metric`, or an error if this run does not have it.
    pub fn curve(&self, metric: &Metric) -> Result<Curve> {
        let points = match metric {
            Metric::Key(key) => {
                if !self.keys().contains(&key.as_str()) {
                    bail!("{} has no metric `{key}`", self.dir.display());
                }
                self.lines
                    .iter()
                    .filter_map(|line| {
                        Some(Point {
                            iteration: iteration(line),
                            value: line.get(key)?.as_f64()?,
                            stderr: None,
                        })
                    })
                    .collect()
            }
            Metric::Validation(steps) => {
                let count = self.validation_steps().ok_or_else(|| {
                    anyhow!(
                        "{} has no validation results (train.validate_every = 0, or no \
                         validated iteration yet)",
                        self.dir.display()
                    )
                })?;
                if let Some(n) = steps.filter(|&n| n >= count) {
                    bail!(
                        "{} validates after 0..={} adaptation steps, so it has no validation-{n}",
                        self.dir.display(),
                        count - 1
                    );
                }
                self.validations()
                    .filter_map(|(x, mean, stderr)| {
                        let i = steps.unwrap_or(mean.len().checked_sub(1)?);
                        Some(Point {
                            iteration: x,
                            value: mean.get(i)?.as_f64()?,
                            stderr: stderr.get(i).and_then(Value::as_f64),
                        })
                    })
                    .collect()
            }
        };
        Ok(Curve {
            name: self.name.clone(),
            points,
        })
    }

    /// (iteration, `validation.mean`, `validation.stderr`) of every line that validates.
    fn validations(&self) -> impl Iterator<Item = (f64, &Vec<Value>, &[Value])> {
        self.lines.iter().filter_map(|line| {
            let validation = line.get("validation")?.as_object()?;
            let mean = validation.get("mean")?.as_array()?;
            let stderr = validation.get("stderr").and_then(Value::as_array);
            Some((iteration(line), mean, stderr.map_or(&[][..], Vec::as_slice)))
        })
    }
}

/// Names runs that share a directory name (`a/seed-1`, `b/seed-1`) by their paths as given, so
/// the legend tells them apart.
pub fn tell_apart(runs: &mut [RunMetrics]) {
    let shared: Vec<bool> = runs
        .iter()
        .map(|run| runs.iter().filter(|r| r.name == run.name).count() > 1)
        .collect();
    for (run, shared) in runs.iter_mut().zip(shared) {
        if shared {
            run.name = run.dir.display().to_string();
        }
    }
}

/// A line's `iteration` (checked to be an integer when read).
fn iteration(line: &Map<String, Value>) -> f64 {
    line["iteration"].as_u64().unwrap_or_default() as f64
}

/// A run directory's name for the legend: its last component (of the absolute path for `.`).
fn legend_name(dir: &Path) -> String {
    // `absolute` drops `.` components (not `..`: such a directory is named as given).
    std::path::absolute(dir)
        .unwrap_or_else(|_| dir.to_path_buf())
        .file_name()
        .map_or_else(
            || dir.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A run directory `name` in `root` with these metrics lines (a config file only to mark
    /// it as a run).
    fn run(root: &Path, name: &str, metrics: &str) -> PathBuf {
        let dir = root.join(name);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("config.toml"), "").unwrap();
        std::fs::write(dir.join("metrics.jsonl"), metrics).unwrap();
        dir
    }

    const LINES: &str = r#"{"iteration":0,"return_post":-3.0,"kl":null,"step_accepted":true}
{"iteration":1,"return_post":-2.0,"kl":0.01,"step_accepted":true,"validation":{"env":"nav2d","tasks":2,"steps":[0,1],"mean":[-5.0,-4.0],"stderr":[0.5,0.25]}}
{"iteration":2,"return_post":-1.0,"kl":0.02,"step_accepted":false}
{"iteration":3,"return_post":-0.5,"kl":0.03,"step_accepted":true,"validation":{"env":"nav2d","tasks":2,"steps":[0,1],"mean":[-4.5,null],"stderr":[0.5,null]}}
{"iteration":4,"return_po"#;

    fn point(iteration: f64, value: f64, stderr: Option<f64>) -> Point {
        Point {
            iteration,
            value,
            stderr,
        }
    }

    #[test]
    fn a_key_gives_its_finite_values_by_iteration() {
        let tmp = tempfile::tempdir().unwrap();
        let metrics = RunMetrics::read(&run(tmp.path(), "seed-1", LINES)).unwrap();
        assert_eq!(metrics.name, "seed-1");
        let keys: Vec<&str> = metrics.keys().into_iter().collect();
        assert_eq!(keys, ["iteration", "kl", "return_post"]);
        let curve = metrics.curve(&Metric::default()).unwrap();
        let values: Vec<(f64, f64)> = curve
            .points
            .iter()
            .map(|p| (p.iteration, p.value))
            .collect();
        // The line cut short at the end is left out.
        assert_eq!(values, [(0.0, -3.0), (1.0, -2.0), (2.0, -1.0), (3.0, -0.5)]);
        // `null` (a non-finite value) is left out.
        let kl = metrics.curve(&Metric::Key("kl".into())).unwrap();
        assert_eq!(kl.points.first(), Some(&point(1.0, 0.01, None)));
        assert_eq!(kl.points.len(), 3);
        let err = metrics
            .curve(&Metric::Key("step_accepted".into()))
            .unwrap_err();
        assert!(
            err.to_string().contains("has no metric `step_accepted`"),
            "{err}"
        );
    }

    #[test]
    fn validation_gives_the_return_after_the_most_or_n_steps_with_its_stderr() {
        let tmp = tempfile::tempdir().unwrap();
        let metrics = RunMetrics::read(&run(tmp.path(), "r", LINES)).unwrap();
        assert_eq!(metrics.validation_steps(), Some(2));
        let last = metrics.curve(&Metric::Validation(None)).unwrap();
        assert_eq!(last.points, [point(1.0, -4.0, Some(0.25))]);
        let zero = metrics.curve(&Metric::Validation(Some(0))).unwrap();
        assert_eq!(
            zero.points,
            [point(1.0, -5.0, Some(0.5)), point(3.0, -4.5, Some(0.5))]
        );
        let err = metrics.curve(&Metric::Validation(Some(2))).unwrap_err();
        assert!(err.to_string().contains("0..=1 adaptation steps"), "{err}");

        let plain = run(tmp.path(), "plain", "{\"iteration\":0,\"kl\":1}\n");
        let err = RunMetrics::read(&plain)
            .unwrap()
            .curve(&Metric::Validation(None))
            .unwrap_err();
        assert!(
            err.to_string().contains("has no validation results"),
            "{err}"
        );
    }

    #[test]
    fn bad_metrics_files_name_the_file_and_line() {
        let tmp = tempfile::tempdir().unwrap();
        let cases = [
            ("", "has no complete line"),
            ("{\"iteration\":0", "has no complete line"),
            (
                "{\"iteration\":0}\nnot json\n",
                "metrics.jsonl line 2 is not JSON",
            ),
            ("[1, 2]\n", "metrics.jsonl line 1 is not a JSON object"),
            ("{\"kl\":1}\n", "line 1 has no integer `iteration`"),
        ];
        for (i, (text, expected)) in cases.iter().enumerate() {
            let dir = run(tmp.path(), &format!("run{i}"), text);
            let err = RunMetrics::read(&dir).err().unwrap().to_string();
            assert!(err.contains(expected), "{text:?}: {err}");
            assert!(err.contains(&format!("run{i}")), "{err}");
        }
        let err = RunMetrics::read(tmp.path()).err().unwrap().to_string();
        assert!(err.contains("is not a run directory"), "{err}");
    }

    #[test]
    fn runs_sharing_a_directory_name_are_named_by_their_paths() {
        let tmp = tempfile::tempdir().unwrap();
        let line = "{\"iteration\":0,\"kl\":1}\n";
        let dirs = [
            run(tmp.path(), "a/seed-1", line),
            run(tmp.path(), "b/seed-1", line),
            run(tmp.path(), "b/seed-2", line),
        ];
        let mut runs: Vec<RunMetrics> = dirs.iter().map(|d| RunMetrics::read(d).unwrap()).collect();
        tell_apart(&mut runs);
        let names: Vec<&str> = runs.iter().map(|r| r.name.as_str()).collect();
        let path = |i: usize| dirs[i].display().to_string();
        assert_eq!(names, [path(0).as_str(), path(1).as_str(), "seed-2"]);
    }

    #[test]
    fn the_legend_name_is_the_directorys_own_name() {
        assert_eq!(legend_name(Path::new("runs/nav2d-1/")), "nav2d-1");
        let cwd = std::env::current_dir().unwrap();
        let name = cwd.file_name().unwrap().to_string_lossy();
        assert_eq!(legend_name(Path::new(".")), name);
    }
}
