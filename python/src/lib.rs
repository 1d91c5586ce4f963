//! Python bindings of metarl (the extension module `metarl._metarl`).
//!
//! The Python package `metarl` (in `python/metarl/`) wraps these classes into Gymnasium
//! environments (`metarl.make`, `gymnasium.make("metarl/…")`), a Gymnasium vector env
//! (`metarl.make_vec`) and trained policies (`metarl.load_policy`). Everything here is a thin
//! layer over the `metarl`, `metarl-envs` and `metarl-agents` crates: environments from the
//! task-family registry, policies from a run directory's checkpoints, evaluation with the
//! library's protocol. Bad arguments raise Python exceptions (`ValueError`, `RuntimeError`,
//! `metarl.CheckpointError`), never abort the interpreter.

mod arrays;
mod env;
mod episode_rng;
mod errors;
mod policy;
mod vec_env;

use pyo3::prelude::*;

/// The extension module: classes, functions and exceptions (see the crate docs).
#[pymodule]
fn _metarl(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("DEFAULT_EVAL_SEED", metarl::eval::DEFAULT_EVAL_SEED)?;
    m.add(
        "CheckpointError",
        m.py().get_type::<errors::CheckpointError>(),
    )?;
    m.add_class::<env::PyEnv>()?;
    m.add_class::<vec_env::PyVecEnv>()?;
    m.add_class::<policy::PyPolicy>()?;
    m.add_class::<episode_rng::EpisodeRng>()?;
    m.add_function(wrap_pyfunction!(env::env_names, m)?)?;
    m.add_function(wrap_pyfunction!(env::env_descriptions, m)?)?;
    m.add_function(wrap_pyfunction!(vec_env::autoreset_seed, m)?)?;
    m.add_function(wrap_pyfunction!(policy::load_policy, m)?)?;
    m.add_function(wrap_pyfunction!(episode_rng::rollout_episode_seed, m)?)?;
    Ok(())
}
