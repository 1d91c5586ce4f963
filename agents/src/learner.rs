//! The interface between meta-learners and the code that drives them.
//!
//! The root crate's trainer, checkpoints and evaluation drive a learner only through
//! [`MetaLearner`]: they call [`MetaLearner::iteration`] once per meta-iteration and log its
//! [`IterationMetrics`], store [`MetaLearner::name`], [`MetaLearner::theta`] and
//! [`MetaLearner::state`] in checkpoints and hand them back through [`MetaLearner::restore`]
//! when resuming, and evaluate θ (the initialization adapted at test time) with
//! [`crate::evaluation::evaluate_adaptation`].
//!
//! To plug in a new learner: implement [`MetaLearner`] for it (its own settings go into its
//! constructor), draw every random number from (run seed, iteration) with [`crate::seeding`] so
//! that a resumed run continues bit for bit, run per-task work through
//! [`crate::team::map_tasks`] and [`crate::team::gather_tasks`] so that it can be distributed, return everything besides θ that the next iteration
//! depends on (e.g. optimizer moments) from `state`, and accept exactly that in `restore`.
//! [`crate::maml::MamlTrpo`] is the reference implementation.

use std::sync::Arc;

use crate::maml::IterationMetrics;
use crate::policy::PolicySpec;
use crate::team::TaskTeam;

/// Why a learner could not be built or restored.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum LearnerError {
    /// A vector (θ or a state entry) has the wrong number of values.
    #[error("{what} has {got} values, expected {expected}")]
    WrongLength {
        /// Which vector.
        what: String,
        /// The length the learner needs.
        expected: usize,
        /// The length given.
        got: usize,
    },
    /// A checkpoint holds a state entry this learner does not know.
    #[error("unknown learner state `{0}`")]
    UnknownState(String),
    /// A checkpoint lacks a state entry this learner needs.
    #[error("the checkpoint has no learner state `{0}`")]
    MissingState(String),
}

/// A trajectory-sampling meta-learner, as the trainer drives it (one meta-iteration at a time).
pub trait MetaLearner: Send {
    /// Stable name stored in checkpoints ("maml-trpo").
    fn name(&self) -> &'static str;
    /// The policy architecture.
    fn spec(&self) -> &PolicySpec;
    /// The meta-parameters θ (the initialization that is adapted at test time).
    fn theta(&self) -> &[f64];
    /// Runs meta-iteration `iteration`; every random draw derives from (seed, iteration).
    fn iteration(&mut self, iteration: u64) -> IterationMetrics;
    /// Shares the tasks of every following iteration with the processes of `team` (see
    /// [`crate::team`]): the learner must give each rank its [`crate::team::shard`] of the tasks
    /// and combine every cross-task sum over all tasks in task order, so that a team of any
    /// size computes the same bits as one process. Learners start with [`crate::team::Solo`].
    fn set_team(&mut self, team: Arc<dyn TaskTeam>);
    /// Learner state besides θ that a checkpoint must hold to resume bit for bit (named f64
    /// vectors; empty for MAML-TRPO).
    fn state(&self) -> Vec<(String, Vec<f64>)> {
        Vec::new()
    }
    /// Restores θ and the state from a checkpoint.
    ///
    /// # Errors
    /// [`LearnerError::WrongLength`] if θ (or a state vector) does not fit the learner,
    /// [`LearnerError::UnknownState`] for a state entry the learner does not know.
    fn restore(
        &mut self,
        theta: Vec<f64>,
        state: &[(String, Vec<f64>)],
    ) -> Result<(), LearnerError>;
}

/// `values` must have `expected` entries (`what` names them in the error).
pub(crate) fn check_length(
    what: &str,
    expected: usize,
    values: &[f64],
) -> Result<(), LearnerError> {
    if values.len() == expected {
        Ok(())
    } else {
        Err(LearnerError::WrongLength {
            what: what.into(),
            expected,
            got: values.len(),
        })
    }
}
