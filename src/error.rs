//! The library's error type: one-line messages, with variants for the failures a caller may
//! want to tell apart (a stop request, a run of non-finite steps, bad configuration, a checkpoint
//! that does not fit).

use std::path::PathBuf;

/// What can go wrong in the library. `Display` is always one line.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A stop was requested ([`crate::StopSignal`]); the run is checkpointed and resumable.
    #[error("stopped before iteration {iteration} (checkpointed; the run in {} can be resumed)", run_dir.display())]
    Stopped {
        /// The first iteration that did not run.
        iteration: u64,
        /// The run directory to resume.
        run_dir: PathBuf,
    },
    /// `train.max_rejected_steps` consecutive steps met non-finite values; the last good
    /// parameters are checkpointed.
    #[error("{consecutive} consecutive steps rejected for non-finite values; the last good parameters are in {}", checkpoint.display())]
    NonFinite {
        /// Consecutive rejected steps.
        consecutive: u64,
        /// The checkpoint holding the last good parameters.
        checkpoint: PathBuf,
    },
    /// An env name the registry does not know, or a bad horizon.
    #[error(transparent)]
    Env(#[from] metarl_envs::EnvError),
    /// An invalid configuration value or file (the message names the key).
    #[error("{0}")]
    Config(String),
    /// A checkpoint that cannot be read, or does not fit the run (env, architecture, learner).
    #[error("{0}")]
    Checkpoint(String),
    /// Anything else (I/O, run directories, recordings), as a one-line chain of causes.
    #[error("{}", one_line(.0))]
    Other(anyhow::Error),
}

/// Not `#[from]`: that would also make the error its own source, and a caller printing the
/// chain of causes (`{:#}` of an `anyhow::Error` holding it) would show every message twice.
impl From<anyhow::Error> for Error {
    fn from(error: anyhow::Error) -> Error {
        Error::Other(error)
    }
}

impl Error {
    /// Whether every rank of a distributed run meets this error at the same point of the same
    /// iteration (a stop request, a run of non-finite steps), so that every process can end
    /// normally. Any other error of a distributed trainer may be one rank's alone (e.g. rank 0
    /// cannot write a checkpoint): the caller must then end the whole job (e.g.
    /// `MpiTeam::abort` with the `mpi` feature) so that the other ranks do not wait for it
    /// forever.
    pub fn is_same_on_every_rank(&self) -> bool {
        matches!(self, Error::Stopped { .. } | Error::NonFinite { .. })
    }
}

/// `Result` with the library's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

fn one_line(error: &anyhow::Error) -> String {
    format!("{error:#}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wrapped_error_shows_each_message_once_in_a_chain_of_causes() {
        let error: Error = anyhow::anyhow!("inner").context("outer").into();
        assert_eq!(error.to_string(), "outer: inner");
        assert_eq!(format!("{:#}", anyhow::Error::from(error)), "outer: inner");
    }
}
