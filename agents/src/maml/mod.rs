//! Model-agnostic meta-learning for RL with a TRPO meta-optimizer (Finn et al. 2017).

pub mod adaptation;
pub mod config;
pub mod exploration;
pub mod inner_estimator;
pub mod loss_rows;
pub mod meta_batch;
pub mod meta_learner;
pub mod task_objective;
pub mod task_summary;

pub use adaptation::{
    adapt_task, adapt_task_observed, gradient_step, AdaptRequest, Adaptation, AdvantageSettings,
    InnerStep, PolicyGradientData, StageObserver, StepSize,
};
pub use config::MamlConfig;
pub use inner_estimator::{EstimatorTerms, InnerEstimator, InnerHessian};
pub use loss_rows::LossRows;
pub use meta_learner::{learned_rates, IterationMetrics, MamlTrpo, MamlTrpoSettings};
pub use task_objective::{ObjectiveSettings, TaskObjective};

#[cfg(test)]
mod tests;
