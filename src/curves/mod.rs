//! Learning curves of runs (`metarl plot`): one metric of `metrics.jsonl` against the
//! iteration, one line per run directory, overlaid in a PNG for users without TensorBoard (drawn
//! like `bench adapt`'s `adapt.png`).
//!
//! The metric is any top-level numeric key of the metrics lines (`return_post`, the default;
//! `return_pre`, `kl`, `seconds`, …), or `validation`: the validation return after the most
//! adaptation steps (the last element of `validation.mean`) with ± its standard error as error
//! bars, at validated iterations only; `validation-N` is the return after N steps. Non-finite
//! values (`null` in `metrics.jsonl`) are left out of the curves.
//!
//! ```no_run
//! use metarl::curves::{plot, Metric, PlotSettings};
//!
//! let mut settings = PlotSettings::new(vec!["runs/seed-1".into(), "runs/seed-2".into()]);
//! settings.metric = Metric::Validation(None);
//! settings.out = "validation.png".into();
//! plot(&settings)?;
//! # Ok::<(), metarl::Error>(())
//! ```

mod draw;
mod metric;
mod plot;
mod runs;

pub use metric::Metric;
pub use plot::{plot, PlotSettings};
