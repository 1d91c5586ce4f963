//! NumPy arrays in and out: any array-like of numbers is accepted (converted to float64), shapes
//! are checked with a `ValueError` naming the argument.

use numpy::{AllowTypeChange, PyArray1, PyArray2, PyArrayLike1, PyArrayLikeDyn, PyArrayMethods};
use pyo3::prelude::*;

use crate::errors::value_error;

/// A batch of row vectors given as one vector (`[d]`) or a matrix (`[n, d]`).
pub struct Rows {
    /// Row-major values.
    pub values: Vec<f64>,
    /// Number of rows (1 for a vector).
    pub rows: usize,
    /// Whether the input was a single vector (results are returned as vectors then).
    pub single: bool,
}

/// The components of a 1-D array-like `name` of length `len` (any length if `None`).
pub fn vector(
    name: &str,
    array: &PyArrayLike1<'_, f64, AllowTypeChange>,
    len: Option<usize>,
) -> PyResult<Vec<f64>> {
    let values: Vec<f64> = array.as_array().iter().copied().collect();
    match len {
        Some(len) if values.len() != len => Err(value_error(format!(
            "{name} must have {len} components (got {})",
            values.len()
        ))),
        _ => Ok(values),
    }
}

/// The rows of `name`, a `[cols]` vector or an `[n, cols]` matrix.
pub fn rows(
    name: &str,
    array: &PyArrayLikeDyn<'_, f64, AllowTypeChange>,
    cols: usize,
) -> PyResult<Rows> {
    let view = array.as_array();
    let shape = view.shape().to_vec();
    let (rows, single) = match shape.as_slice() {
        [c] if *c == cols => (1, true),
        [n, c] if *c == cols && *n >= 1 => (*n, false),
        _ => {
            return Err(value_error(format!(
                "{name} must have shape ({cols},) or (n, {cols}) with n >= 1 (got {shape:?})"
            )))
        }
    };
    Ok(Rows {
        values: view.iter().copied().collect(),
        rows,
        single,
    })
}

/// Fails with a `ValueError` if some component of `name` is NaN or infinite.
pub fn finite(name: &str, values: &[f64]) -> PyResult<()> {
    if values.iter().all(|v| v.is_finite()) {
        Ok(())
    } else {
        Err(value_error(format!(
            "{name} has non-finite components: {values:?}"
        )))
    }
}

/// A 1-D float64 array.
pub fn array1(py: Python<'_>, values: Vec<f64>) -> Bound<'_, PyArray1<f64>> {
    PyArray1::from_vec(py, values)
}

/// A `[rows, cols]` float64 array of row-major `values`.
pub fn array2(
    py: Python<'_>,
    values: Vec<f64>,
    rows: usize,
    cols: usize,
) -> PyResult<Bound<'_, PyArray2<f64>>> {
    PyArray1::from_vec(py, values).reshape([rows, cols])
}

/// Fails with a `ValueError` unless `value` (argument `name`) is at most `max` (sizes beyond
/// what memory can hold would abort the interpreter instead of raising).
pub fn at_most(name: &str, value: usize, max: usize) -> PyResult<()> {
    if value <= max {
        Ok(())
    } else {
        Err(value_error(format!(
            "{name} must be at most {max} (got {value})"
        )))
    }
}

/// `values` as the caller gave its rows: a vector for a single row, else a matrix.
pub fn like_rows<'py>(
    py: Python<'py>,
    values: Vec<f64>,
    shape: &Rows,
) -> PyResult<Bound<'py, PyAny>> {
    if shape.single {
        Ok(array1(py, values).into_any())
    } else {
        let cols = values.len() / shape.rows;
        Ok(array2(py, values, shape.rows, cols)?.into_any())
    }
}
