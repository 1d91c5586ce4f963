//! `metarl bench curves`: learning curves of several learners across training seeds, in the
//! format of ProMP's Figure 2 (Rothfuss et al. 2019): the validation return after one
//! adaptation step against the training env steps, the mean over seeds with a band of ± one
//! standard deviation, one line per learner.

mod aggregate;
mod draw;
mod run;

pub use aggregate::{CurvePoint, LearnerCurve, SeedCurve};
pub use run::{run, CurvesOutcome, CurvesSettings};
