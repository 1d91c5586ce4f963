//! `metarl bench adapt`: the MAML paper's comparison (Finn et al. 2017, §5.3, Tables 4-5 and
//! Figures 4-5): MAML and the pretrained, random and oracle baselines adapted on the same
//! held-out tasks, written as `adapt.csv`, `adapt.md` and `adapt.png`.

pub mod benchmark;
pub mod method;
pub mod plot;
pub mod report;
pub mod runs;

pub use benchmark::run;
