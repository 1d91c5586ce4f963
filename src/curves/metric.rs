//! Which metric a learning-curve plot shows.

use std::fmt;
use std::str::FromStr;

/// A metric of `metrics.jsonl` to plot against the iteration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Metric {
    /// A top-level numeric key of the metrics lines, e.g. `return_post`, `kl`, `seconds`.
    Key(String),
    /// The validation return (`validation.mean`) with ± its standard error
    /// (`validation.stderr`), at validated iterations only: after `Some(n)` adaptation steps
    /// (`validation-N`), or `None` after the most steps the run validates (`validation`).
    Validation(Option<usize>),
}

impl Default for Metric {
    /// `return_post`: the training return after adaptation.
    fn default() -> Metric {
        Metric::Key("return_post".to_string())
    }
}

impl FromStr for Metric {
    type Err = String;

    /// `validation`, `validation-N` or a key (`return_post`, `kl`, …).
    fn from_str(s: &str) -> Result<Metric, String> {
        if s == "validation" {
            return Ok(Metric::Validation(None));
        }
        if let Some(n) = s.strip_prefix("validation-") {
            return n.parse().map(|n| Metric::Validation(Some(n))).map_err(|_| {
                format!(
                    "`{s}`: validation-N needs a number of adaptation steps N, e.g. validation-1"
                )
            });
        }
        if s.is_empty() {
            return Err("the metric name is empty".to_string());
        }
        Ok(Metric::Key(s.to_string()))
    }
}

impl fmt::Display for Metric {
    /// The name as given on the command line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Metric::Key(key) => f.write_str(key),
            Metric::Validation(None) => f.write_str("validation"),
            Metric::Validation(Some(n)) => write!(f, "validation-{n}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metric_names_parse_and_print_back() {
        for (name, metric) in [
            ("return_post", Metric::Key("return_post".into())),
            ("kl", Metric::Key("kl".into())),
            ("validation", Metric::Validation(None)),
            ("validation-0", Metric::Validation(Some(0))),
            ("validation-3", Metric::Validation(Some(3))),
        ] {
            assert_eq!(name.parse::<Metric>().unwrap(), metric);
            assert_eq!(metric.to_string(), name);
        }
        assert_eq!(Metric::default().to_string(), "return_post");
        let err = "validation-x".parse::<Metric>().unwrap_err();
        assert!(err.contains("validation-N"), "{err}");
        assert!("".parse::<Metric>().is_err());
    }
}
