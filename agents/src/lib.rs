//! metarl-agents: the Gaussian MLP policy and its derivatives, the linear feature baseline,
//! the parallel episode sampler and MAML-TRPO (Finn et al. 2017, arXiv 1703.03400).

#![warn(missing_docs)]

pub mod advantage;
pub mod baseline;
pub mod episodes;
pub mod evaluation;
pub mod maml;
pub mod parallel;
pub mod policy;
pub mod sampler;
pub mod seeding;
pub mod trpo;

pub use episodes::EpisodeBatch;
pub use maml::{IterationMetrics, MamlConfig, MamlTrpo};
pub use policy::{Activation, PolicySpec};
pub use trpo::TrpoConfig;
