//! The extension module's contents: classes, functions, constants and exceptions.

use pyo3::prelude::*;

use crate::{env, episode_rng, errors, policy, vec_env};

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
