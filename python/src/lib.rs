//! Python bindings of metarl (the extension module `metarl._metarl`).
//!
//! The Python package `metarl` (in `python/metarl/`) wraps these classes into Gymnasium
//! environments (`metarl.make`, `gymnasium.make("metarl/…")`), a Gymnasium vector env
//! (`metarl.make_vec`) and trained policies (`metarl.load_policy`). Everything here is a thin
//! layer over the `metarl`, `metarl-envs` and `metarl-agents` crates: environments from the
//! task-family registry, policies from a run directory's checkpoints, evaluation with the
//! library's protocol. Bad arguments raise Python exceptions (`ValueError`, `RuntimeError`,
//! `metarl.CheckpointError`), never abort the interpreter.

#![warn(missing_docs)]

mod arrays;
mod env;
mod episode_rng;
mod errors;
mod module;
mod policy;
mod vec_env;
