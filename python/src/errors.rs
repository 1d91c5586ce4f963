//! Library errors as Python exceptions.

use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::PyErr;

pyo3::create_exception!(
    metarl,
    CheckpointError,
    pyo3::exceptions::PyValueError,
    "A checkpoint is missing, corrupt, or does not fit its run (env, architecture, learner)."
);

/// The Python exception for a library error: bad configs, env names and tasks are
/// `ValueError`s, checkpoint problems `metarl.CheckpointError` (a `ValueError`), the rest
/// `RuntimeError`s. The message is the library's one-line message.
pub fn to_py(error: metarl::Error) -> PyErr {
    let message = error.to_string();
    match error {
        metarl::Error::Config(_) | metarl::Error::Env(_) => PyValueError::new_err(message),
        metarl::Error::Checkpoint(_) => CheckpointError::new_err(message),
        _ => PyRuntimeError::new_err(message),
    }
}

/// A `ValueError` with `message`.
pub fn value_error(message: impl Into<String>) -> PyErr {
    PyValueError::new_err(message.into())
}
