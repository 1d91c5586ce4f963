//! `metarl bench adapt`: the MAML paper's comparison (Finn et al. 2017, §5.3, Tables 4-5 and
//! Figures 4-5): MAML and the pretrained, random and oracle baselines adapted on the same
//! held-out tasks, written as `adapt.csv`, `adapt.md` and `adapt.png`.

mod benchmark;
mod method;
mod plot;
mod report;
mod runs;

pub use benchmark::{run, AdaptCheckpoint, AdaptOutcome, AdaptSettings, Evaluation, MethodResult};
pub use method::Method;
pub use runs::{ensure_trained_in, TrainingHooks};
