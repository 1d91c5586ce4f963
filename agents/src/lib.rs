//! metarl-agents: the Gaussian MLP policy and its derivatives, the linear feature baseline,
//! the parallel episode sampler and MAML-TRPO (Finn et al. 2017, arXiv 1703.03400).
//!
//! The root crate drives learners through [`MetaLearner`] (see [`learner`] for how a new
//! learner plugs in). The modules stay public for the pieces the root crate uses directly
//! (seeding, the sampler, evaluation); the re-exports below are the curated surface.

#![warn(missing_docs)]

pub mod advantage;
pub mod baseline;
pub mod episodes;
pub mod evaluation;
pub mod learner;
pub mod maml;
pub mod parallel;
pub mod policy;
pub mod promp;
pub mod reptile;
pub mod sampler;
pub mod seeding;
pub mod team;
pub mod trpo;

pub use episodes::EpisodeBatch;
pub use evaluation::{AdaptationCurve, EvalProtocol, TaskSet};
pub use learner::{LearnerError, MetaLearner};
pub use maml::{IterationMetrics, MamlConfig, MamlTrpo, MamlTrpoSettings, StageObserver};
pub use parallel::resolve_workers;
pub use policy::{Activation, PolicySpec};
pub use promp::{Promp, PrompConfig, PrompSettings};
pub use reptile::{Reptile, ReptileConfig, ReptileSettings};
pub use sampler::{EpisodeEvent, EpisodeObserver};
pub use team::{Solo, TaskTeam};
pub use trpo::TrpoConfig;
