//! The scalars of one `metrics.jsonl` line, with their TensorBoard tags.

use anyhow::{anyhow, Context};
use serde::Serialize;

use crate::error::Result;

/// One tagged value of an event.
#[derive(Clone, Debug, PartialEq)]
pub struct Scalar {
    /// The tag, e.g. `train/return_post` or `validation/return_after_3_steps`.
    pub tag: String,
    /// The value (TensorBoard stores `f32`; non-finite values are kept as they are).
    pub value: f32,
}

/// The scalars of one metrics line and the step they belong to.
#[derive(Clone, Debug, PartialEq)]
pub struct StepScalars {
    /// The event step: the line's `iteration`.
    pub step: i64,
    /// Every scalar of the line, tagged as in the [module docs](super).
    pub scalars: Vec<Scalar>,
}

/// The scalars of `line`, a metrics line as written to `metrics.jsonl`: every top-level number
/// as `train/<key>`, every top-level bool as `train/<key>` (0.0 or 1.0), and of the object
/// `validation` its `mean[i]` as `validation/return_after_{i}_steps` and `stderr[i]` as
/// `validation/stderr_after_{i}_steps`; strings, other arrays and other objects are skipped. The
/// step is the line's `iteration`, which must be an integer.
///
/// The line is serialized into a `toml::Value` tree rather than a `serde_json::Value`: JSON has
/// no NaN or ±∞ (`metrics.jsonl` shows them as `null`), while the TOML tree keeps them, so a
/// non-finite value reaches TensorBoard as it is.
pub fn metrics_scalars(line: &impl Serialize) -> Result<StepScalars> {
    let value = toml::Value::try_from(line).context("cannot serialize the metrics line")?;
    let toml::Value::Table(table) = value else {
        return Err(anyhow!("a metrics line must serialize as an object").into());
    };
    let step = table
        .get("iteration")
        .and_then(toml::Value::as_integer)
        .ok_or_else(|| anyhow!("a metrics line needs an integer `iteration`"))?;
    let mut scalars = Vec::new();
    for (key, value) in &table {
        match value {
            toml::Value::Table(validation) if key == "validation" => {
                for (field, name) in [("mean", "return"), ("stderr", "stderr")] {
                    let values = validation.get(field).and_then(toml::Value::as_array);
                    for (i, v) in values.into_iter().flatten().enumerate() {
                        if let Some(v) = number(v) {
                            scalars.push(Scalar {
                                tag: format!("validation/{name}_after_{i}_steps"),
                                value: v,
                            });
                        }
                    }
                }
            }
            value => {
                if let Some(v) = number(value) {
                    scalars.push(Scalar {
                        tag: format!("train/{key}"),
                        value: v,
                    });
                }
            }
        }
    }
    Ok(StepScalars { step, scalars })
}

/// A number or a bool (0.0 or 1.0) as `f32`; `None` for anything else.
fn number(value: &toml::Value) -> Option<f32> {
    match *value {
        toml::Value::Integer(i) => Some(i as f32),
        toml::Value::Float(f) => Some(f as f32),
        toml::Value::Boolean(b) => Some(if b { 1.0 } else { 0.0 }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize)]
    struct Line {
        iteration: u64,
        return_post: f64,
        kl: f64,
        rejected: f64,
        step_accepted: bool,
        step_rejected: bool,
        name: &'static str,
        hidden: Vec<u32>,
        #[serde(skip_serializing_if = "Option::is_none")]
        validation: Option<Validation>,
    }

    #[derive(Serialize)]
    struct Validation {
        env: &'static str,
        tasks: usize,
        steps: Vec<usize>,
        mean: Vec<f64>,
        stderr: Vec<f64>,
    }

    fn line(validation: Option<Validation>) -> Line {
        Line {
            iteration: 7,
            return_post: -12.5,
            kl: 0.0,
            rejected: f64::NEG_INFINITY,
            step_accepted: true,
            step_rejected: false,
            name: "skipped",
            hidden: vec![8, 8],
            validation,
        }
    }

    fn sorted(mut scalars: Vec<Scalar>) -> Vec<(String, f32)> {
        scalars.sort_by(|a, b| a.tag.cmp(&b.tag));
        scalars.into_iter().map(|s| (s.tag, s.value)).collect()
    }

    #[test]
    fn numbers_and_bools_become_train_tags_and_the_step_is_the_iteration() {
        let got = metrics_scalars(&line(None)).unwrap();
        assert_eq!(got.step, 7);
        let expected = [
            ("train/iteration", 7.0),
            ("train/kl", 0.0),
            ("train/rejected", f32::NEG_INFINITY),
            ("train/return_post", -12.5),
            ("train/step_accepted", 1.0),
            ("train/step_rejected", 0.0),
        ];
        let expected: Vec<(String, f32)> =
            expected.iter().map(|&(t, v)| (t.to_string(), v)).collect();
        assert_eq!(sorted(got.scalars), expected);
    }

    #[test]
    fn validation_means_and_stderrs_are_tagged_by_step_count_and_nan_is_kept() {
        let validation = Validation {
            env: "nav2d",
            tasks: 2,
            steps: vec![0, 1],
            mean: vec![-40.0, f64::NAN],
            stderr: vec![1.5, 0.25],
        };
        let got = sorted(metrics_scalars(&line(Some(validation))).unwrap().scalars);
        let validation: Vec<&(String, f32)> = got
            .iter()
            .filter(|(t, _)| t.starts_with("validation/"))
            .collect();
        let tags: Vec<&str> = validation.iter().map(|(t, _)| t.as_str()).collect();
        assert_eq!(
            tags,
            [
                "validation/return_after_0_steps",
                "validation/return_after_1_steps",
                "validation/stderr_after_0_steps",
                "validation/stderr_after_1_steps",
            ]
        );
        assert_eq!(validation[0].1, -40.0);
        assert!(validation[1].1.is_nan());
        assert_eq!((validation[2].1, validation[3].1), (1.5, 0.25));
        assert_eq!(
            got.len(),
            6 + 4,
            "env, tasks and steps are not scalars: {got:?}"
        );
    }

    #[test]
    fn a_line_without_an_integer_iteration_is_an_error() {
        #[derive(Serialize)]
        struct NoIteration {
            kl: f64,
        }
        let err = metrics_scalars(&NoIteration { kl: 1.0 }).unwrap_err();
        assert!(err.to_string().contains("iteration"), "{err}");
        assert!(metrics_scalars(&3.0).is_err());
    }
}
