//! ProMP: Proximal Meta-Policy Search (Rothfuss et al. 2019, arXiv 1810.06784, Algorithm 1).

pub mod adam;
pub mod config;
pub mod kl_penalty;
pub mod learner;
pub mod task_problem;

pub use adam::Adam;
pub use config::PrompConfig;
pub use learner::{Promp, PrompSettings};
pub use task_problem::TaskProblem;
