//! Task distributions by name.

use crate::cheetah::env::DEFAULT_HORIZON as CHEETAH_DEFAULT_HORIZON;
use crate::cheetah::{CheetahFamily, CheetahTasks};
use crate::nav2d::{self, Nav2dTasks};
use crate::task::TaskDistribution;

/// Names accepted by `task_distribution`.
pub const ENV_NAMES: &[&str] = &[
    "nav2d",
    "nav2d-oracle",
    "cheetah-vel",
    "cheetah-dir",
    "cheetah-vel-oracle",
    "cheetah-dir-oracle",
];

/// Error for an unknown env name (one-line message listing the known names).
#[derive(Debug, thiserror::Error)]
pub enum EnvError {
    /// The name is not in [`ENV_NAMES`].
    #[error(
        "unknown env `{0}` (known: nav2d, nav2d-oracle, cheetah-vel, cheetah-dir, cheetah-vel-oracle, cheetah-dir-oracle)"
    )]
    UnknownEnv(String),
    /// A horizon override of 0 (episodes need at least one step).
    #[error("invalid horizon {0}: the episode time limit must be >= 1")]
    InvalidHorizon(usize),
}

/// Builds a task distribution by name; `horizon` overrides the env's default time limit (must be >= 1).
pub fn task_distribution(
    name: &str,
    horizon: Option<usize>,
) -> Result<Box<dyn TaskDistribution>, EnvError> {
    if horizon == Some(0) {
        return Err(EnvError::InvalidHorizon(0));
    }
    match name {
        "nav2d" => Ok(Box::new(Nav2dTasks::new(
            horizon.unwrap_or(nav2d::DEFAULT_HORIZON),
        ))),
        "nav2d-oracle" => Ok(Box::new(Nav2dTasks::oracle(
            horizon.unwrap_or(nav2d::DEFAULT_HORIZON),
        ))),
        "cheetah-vel" | "cheetah-dir" | "cheetah-vel-oracle" | "cheetah-dir-oracle" => {
            let family = if name.starts_with("cheetah-vel") {
                CheetahFamily::Velocity
            } else {
                CheetahFamily::Direction
            };
            Ok(Box::new(CheetahTasks::new(
                family,
                name.ends_with("-oracle"),
                horizon.unwrap_or(CHEETAH_DEFAULT_HORIZON),
            )))
        }
        _ => Err(EnvError::UnknownEnv(name.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_env_name_builds_a_distribution_of_that_name() {
        for &name in ENV_NAMES {
            let dist = task_distribution(name, None).unwrap();
            assert_eq!(dist.name(), name);
        }
    }

    #[test]
    fn unknown_env_message_lists_every_registered_name() {
        let msg = task_distribution("cartpole", None)
            .err()
            .unwrap()
            .to_string();
        assert!(!msg.contains('\n'), "{msg}");
        assert!(msg.contains("`cartpole`"), "{msg}");
        assert!(
            msg.ends_with(&format!("(known: {})", ENV_NAMES.join(", "))),
            "{msg}"
        );
    }

    #[test]
    fn horizon_override_is_used_and_zero_is_rejected() {
        let dist = task_distribution("nav2d", Some(7)).unwrap();
        assert_eq!(dist.horizon(), 7);
        assert_eq!(dist.make_env().horizon(), 7);
        assert_eq!(task_distribution("nav2d", None).unwrap().horizon(), 100);
        for name in ["cheetah-vel", "cheetah-dir-oracle"] {
            assert_eq!(task_distribution(name, None).unwrap().horizon(), 200);
            let dist = task_distribution(name, Some(9)).unwrap();
            assert_eq!((dist.horizon(), dist.make_env().horizon()), (9, 9));
        }
        assert!(matches!(
            task_distribution("nav2d", Some(0)),
            Err(EnvError::InvalidHorizon(0))
        ));
    }
}
