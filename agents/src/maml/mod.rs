//! Model-agnostic meta-learning for RL with a TRPO meta-optimizer (Finn et al. 2017).

pub mod adaptation;
pub mod config;
pub mod loss_rows;
pub mod meta_learner;
pub mod task_objective;
pub mod task_summary;

pub use adaptation::{
    adapt_task, adapt_task_observed, readapt, AdaptRequest, Adaptation, AdvantageSettings,
    InnerStep, PolicyGradientData, StageObserver,
};
pub use config::MamlConfig;
pub use loss_rows::LossRows;
pub use meta_learner::{IterationMetrics, MamlTrpo, MamlTrpoSettings};
pub use task_objective::TaskObjective;

#[cfg(test)]
mod tests;
