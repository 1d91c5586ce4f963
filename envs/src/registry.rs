//! Task distributions by name: an open registry of env families.
//!
//! The built-in families (nav2d, cheetah and their oracles) are always in the registry; nothing
//! else is registered behind the user's back. Library code adds its own family with
//! [`register_env`] and then builds it with [`task_distribution`] exactly like a built-in:
//!
//! ```
//! use metarl_envs::{register_env, task_distribution, Nav2dTasks};
//!
//! // A family of one's own (here a nav2d with a fixed horizon of 20 by default).
//! register_env("short-nav", "nav2d with 20-step episodes", |horizon| {
//!     Box::new(Nav2dTasks::new(horizon.unwrap_or(20)))
//! })
//! .unwrap();
//! assert_eq!(task_distribution("short-nav", None).unwrap().horizon(), 20);
//! assert!(metarl_envs::env_names().contains(&"short-nav".to_string()));
//! ```

use std::sync::{Arc, OnceLock, PoisonError, RwLock};

use crate::task::TaskDistribution;
use crate::{cheetah, locomotion, nav2d};

/// Builds a registered family's task distribution; the argument is the optional horizon
/// override (already checked to be >= 1), `None` meaning the family's default time limit.
pub type EnvFactory = Arc<dyn Fn(Option<usize>) -> Box<dyn TaskDistribution> + Send + Sync>;

/// Errors of building or registering an env family by name (one-line messages).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EnvError {
    /// No family is registered under `name`.
    #[error("unknown env `{name}` (known: {})", .known.join(", "))]
    UnknownEnv {
        /// The name asked for.
        name: String,
        /// The names registered when the lookup failed, in [`env_names`] order.
        known: Vec<String>,
    },
    /// A horizon override of 0 (episodes need at least one step).
    #[error("invalid horizon {0}: the episode time limit must be >= 1")]
    InvalidHorizon(usize),
    /// [`register_env`] with a name that is already taken (by a built-in or a user family).
    #[error("env `{0}` is already registered")]
    AlreadyRegistered(String),
    /// [`register_env`] with an empty name or one containing whitespace.
    #[error("invalid env name {0:?}: a name must be non-empty and contain no whitespace")]
    InvalidName(String),
}

/// One registered family.
struct Entry {
    name: String,
    description: String,
    factory: EnvFactory,
}

/// The registered families in registration order (built-ins first); a handful of entries, so
/// lookups scan.
type Registry = RwLock<Vec<Entry>>;

/// The registry, holding the built-in families from first use.
fn registry() -> &'static Registry {
    static REGISTRY: OnceLock<Registry> = OnceLock::new();
    REGISTRY.get_or_init(|| {
        let entries = builtins()
            .into_iter()
            .map(|builtin| Entry {
                name: builtin.name.to_string(),
                description: builtin.description.to_string(),
                factory: builtin.factory,
            })
            .collect();
        RwLock::new(entries)
    })
}

/// A built-in family: what [`register_env`] would be given for it.
pub(crate) struct Builtin {
    /// Registry name.
    pub name: &'static str,
    /// One-line description.
    pub description: &'static str,
    /// Builds the distribution from the horizon override.
    pub factory: EnvFactory,
}

impl Builtin {
    /// A built-in whose distribution is `make(horizon.unwrap_or(default_horizon))`.
    pub fn new<D: TaskDistribution + 'static>(
        name: &'static str,
        description: &'static str,
        default_horizon: usize,
        make: impl Fn(usize) -> D + Send + Sync + 'static,
    ) -> Self {
        Self {
            name,
            description,
            factory: Arc::new(move |horizon: Option<usize>| {
                Box::new(make(horizon.unwrap_or(default_horizon))) as Box<dyn TaskDistribution>
            }),
        }
    }
}

/// The built-in families, in their listing order: each family module lists its own.
fn builtins() -> Vec<Builtin> {
    [
        nav2d::builtins(),
        cheetah::builtins(),
        locomotion::hopper::builtins(),
        locomotion::walker::builtins(),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// `f` of every entry, in registration order (built-ins first).
fn ordered<R>(f: impl Fn(&Entry) -> R) -> Vec<R> {
    let entries = registry().read().unwrap_or_else(PoisonError::into_inner);
    entries.iter().map(f).collect()
}

/// Registers a task family under `name`, to be built by [`task_distribution`] like a built-in.
///
/// `factory` gets the horizon override (`None`: the family's default; `Some(h)` has h >= 1) and
/// returns the distribution. Its [`TaskDistribution::name`] (a label for messages) is usually
/// `name`, but need not be, e.g. for a built-in distribution registered with other settings as
/// in the module example. `description` is a one-line summary for listings
/// ([`env_descriptions`]). Registration lasts for the rest of the process.
///
/// # Errors
/// [`EnvError::InvalidName`] if `name` is empty or contains whitespace;
/// [`EnvError::AlreadyRegistered`] if `name` is taken (built-in or registered earlier).
pub fn register_env(
    name: &str,
    description: &str,
    factory: impl Fn(Option<usize>) -> Box<dyn TaskDistribution> + Send + Sync + 'static,
) -> Result<(), EnvError> {
    if name.is_empty() || name.chars().any(char::is_whitespace) {
        return Err(EnvError::InvalidName(name.to_string()));
    }
    let mut entries = registry().write().unwrap_or_else(PoisonError::into_inner);
    if entries.iter().any(|entry| entry.name == name) {
        return Err(EnvError::AlreadyRegistered(name.to_string()));
    }
    entries.push(Entry {
        name: name.to_string(),
        description: description.to_string(),
        factory: Arc::new(factory),
    });
    Ok(())
}

/// Builds a task distribution by name; `horizon` overrides the env's default time limit (must be >= 1).
///
/// # Errors
/// [`EnvError::InvalidHorizon`] for `Some(0)`; [`EnvError::UnknownEnv`] (listing the registered
/// names) if no family is registered under `name`.
pub fn task_distribution(
    name: &str,
    horizon: Option<usize>,
) -> Result<Box<dyn TaskDistribution>, EnvError> {
    if horizon == Some(0) {
        return Err(EnvError::InvalidHorizon(0));
    }
    let factory = registry()
        .read()
        .unwrap_or_else(PoisonError::into_inner)
        .iter()
        .find(|entry| entry.name == name)
        .map(|entry| Arc::clone(&entry.factory));
    // The lock is released before the factory runs (a factory may use the registry).
    match factory {
        Some(factory) => Ok(factory(horizon)),
        None => Err(EnvError::UnknownEnv {
            name: name.to_string(),
            known: env_names(),
        }),
    }
}

/// Every registered name, built-ins first (nav2d, nav2d-oracle, nav2d-walls, nav2d-walls-oracle,
/// nav2d-corners, nav2d-corners-oracle, cheetah-vel, cheetah-dir, cheetah-vel-oracle,
/// cheetah-dir-oracle), then user families in registration order.
pub fn env_names() -> Vec<String> {
    ordered(|entry| entry.name.clone())
}

/// `(name, description)` of every registered family, in [`env_names`] order.
pub fn env_descriptions() -> Vec<(String, String)> {
    ordered(|entry| (entry.name.clone(), entry.description.clone()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Nav2dTasks;

    const BUILTINS: [&str; 10] = [
        "nav2d",
        "nav2d-oracle",
        "nav2d-walls",
        "nav2d-walls-oracle",
        "nav2d-corners",
        "nav2d-corners-oracle",
        "cheetah-vel",
        "cheetah-dir",
        "cheetah-vel-oracle",
        "cheetah-dir-oracle",
    ];

    #[test]
    fn builtins_come_first_in_their_order_and_build_a_distribution_of_their_name() {
        let names = env_names();
        assert_eq!(names[..BUILTINS.len()], BUILTINS);
        for name in BUILTINS {
            let dist = task_distribution(name, None).unwrap();
            assert_eq!(dist.name(), name);
        }
    }

    #[test]
    fn every_builtin_has_a_one_line_description() {
        let descriptions = env_descriptions();
        for (name, (listed, description)) in BUILTINS.iter().zip(&descriptions) {
            assert_eq!(listed, name);
            let maml_paper = !name.contains("-walls") && !name.contains("-corners");
            assert_eq!(
                description.contains("MAML paper"),
                maml_paper,
                "{name}: {description}"
            );
            assert!(!description.contains('\n'), "{name}: {description}");
            assert_eq!(description.contains("observing"), name.ends_with("-oracle"));
        }
        assert_eq!(
            descriptions[0].1,
            "2D navigation to a random goal (MAML paper)"
        );
    }

    #[test]
    fn unknown_env_message_lists_every_registered_name() {
        let err = task_distribution("cartpole", None).err().unwrap();
        let msg = err.to_string();
        assert!(!msg.contains('\n'), "{msg}");
        assert!(msg.starts_with("unknown env `cartpole` (known: "), "{msg}");
        let EnvError::UnknownEnv { name, known } = err else {
            panic!("{err:?}")
        };
        assert_eq!(name, "cartpole");
        assert!(
            msg.ends_with(&format!("(known: {})", known.join(", "))),
            "{msg}"
        );
        assert_eq!(known[..BUILTINS.len()], BUILTINS);
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
        assert_eq!(
            task_distribution("nav2d", Some(0)).err(),
            Some(EnvError::InvalidHorizon(0))
        );
        // Checked before the name.
        assert_eq!(
            task_distribution("cartpole", Some(0)).err(),
            Some(EnvError::InvalidHorizon(0))
        );
    }

    #[test]
    fn builtin_names_cannot_be_registered_again() {
        for name in BUILTINS {
            let err = register_env(name, "impostor", |h| {
                Box::new(Nav2dTasks::new(h.unwrap_or(5)))
            })
            .unwrap_err();
            assert_eq!(err, EnvError::AlreadyRegistered(name.to_string()));
            assert_eq!(
                err.to_string(),
                format!("env `{name}` is already registered")
            );
        }
        assert_eq!(
            task_distribution("cheetah-vel", None).unwrap().horizon(),
            200
        );
    }

    #[test]
    fn empty_names_and_names_with_whitespace_are_invalid() {
        for name in ["", "my env", " nav", "nav\n", "a\tb"] {
            let err = register_env(name, "bad", |h| Box::new(Nav2dTasks::new(h.unwrap_or(5))))
                .unwrap_err();
            assert_eq!(err, EnvError::InvalidName(name.to_string()));
            assert!(!err.to_string().contains('\n'), "{err}");
        }
        assert!(!env_names().iter().any(|n| n.is_empty() || n.contains(' ')));
    }
}
