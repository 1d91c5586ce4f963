//! The random stream of one sampler episode, for reproducing metarl's episodes from Python.

use numpy::PyArray1;
use pyo3::prelude::*;
use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

use crate::arrays::{array1, at_most};

/// Most draws one `standard_normal` call returns.
const MAX_DRAWS: usize = 100_000_000;

/// The seed of episode `episode` of the batch after `stage` adaptation steps of
/// `metarl rollout --seed SEED` and `Policy.adapt(..., seed=SEED)`.
#[pyfunction]
pub fn rollout_episode_seed(seed: u64, stage: usize, episode: usize) -> u64 {
    metarl::rollout::episode_seed(seed, stage, episode)
}

/// The random stream metarl's sampler draws one episode from: a ChaCha8 generator seeded with
/// the episode seed, whose first draw is the env's reset seed ([`EpisodeRng::reset_seed`]) and
/// whose next draws are the policy's standard-normal action noise, `act_dim` per step
/// ([`EpisodeRng::standard_normal`]). Passed as `rng` to `Policy.act`, it reproduces the
/// sampler's episode.
#[pyclass(module = "metarl._metarl")]
pub struct EpisodeRng {
    rng: ChaCha8Rng,
}

#[pymethods]
impl EpisodeRng {
    /// The stream of the episode seeded with `seed`.
    #[new]
    fn new(seed: u64) -> Self {
        EpisodeRng {
            rng: ChaCha8Rng::seed_from_u64(seed),
        }
    }

    /// The next draw as a seed for `reset` (the sampler's first draw of an episode).
    fn reset_seed(&mut self) -> u64 {
        self.rng.next_u64()
    }

    /// The next `n` standard-normal draws.
    fn standard_normal<'py>(
        &mut self,
        py: Python<'py>,
        n: usize,
    ) -> PyResult<Bound<'py, PyArray1<f64>>> {
        at_most("n", n, MAX_DRAWS)?;
        let values = (0..n)
            .map(|_| StandardNormal.sample(&mut self.rng))
            .collect();
        Ok(array1(py, values))
    }
}
