"""Policies trained by ``metarl train``, from Python."""

from __future__ import annotations

import os
from typing import Optional, Union

import numpy as np

from metarl import _metarl

#: Where action noise comes from: a NumPy generator, metarl's per-episode stream, or a seed.
Rng = Union[np.random.Generator, _metarl.EpisodeRng, int, None]


class Policy:
    """A trained Gaussian policy: ``act`` for acting in your own loop, ``adapt`` and
    ``evaluate`` for metarl's adaptation protocol (Finn et al. 2017, §5.3).

    Actions live in the env's action box: the network's normalized mean ``m`` plus
    ``std * noise`` is mapped from ``[-1, 1]`` onto the box, as metarl's sampler does.
    """

    def __init__(self, inner: _metarl.Policy):
        self._inner = inner
        self._rng = np.random.default_rng()

    env = property(lambda self: self._inner.env, doc="Env the policy was trained on.")
    checkpoint = property(lambda self: self._inner.checkpoint, doc="Checkpoint name.")
    iteration = property(lambda self: self._inner.iteration, doc="Meta-iteration of the checkpoint.")
    learner = property(lambda self: self._inner.learner, doc="Learner that trained the policy.")
    adapted_steps = property(lambda self: self._inner.adapted_steps, doc="Adaptation steps taken since loading.")
    obs_dim = property(lambda self: self._inner.obs_dim, doc="Observation size.")
    act_dim = property(lambda self: self._inner.act_dim, doc="Action size.")
    theta = property(lambda self: self._inner.theta, doc="The flat parameter vector (a copy).")
    std = property(lambda self: self._inner.std, doc="Standard deviation of the normalized actions.")
    config_toml = property(lambda self: self._inner.config_toml, doc="The run's config as TOML.")

    def mean(self, obs) -> np.ndarray:
        """Normalized action means for ``obs`` (one observation or a batch of rows)."""
        return self._inner.mean(obs)

    def act(self, obs, deterministic: bool = False, rng: Rng = None) -> np.ndarray:
        """Env actions for ``obs`` (one observation or a batch of rows).

        ``deterministic=True`` gives the mean action. Otherwise the noise is drawn from ``rng``:
        a ``numpy.random.Generator``, an int seed, a :class:`metarl.EpisodeRng` (which
        reproduces metarl's sampler episode by episode), or the policy's own generator.
        """
        obs = np.asarray(obs, dtype=np.float64)
        if obs.ndim not in (1, 2):
            raise ValueError(f"obs must have shape ({self.obs_dim},) or (n, {self.obs_dim}) (got {obs.shape})")
        if deterministic:
            return self._inner.act(obs)
        rows = 1 if obs.ndim == 1 else obs.shape[0]
        shape = (self.act_dim,) if obs.ndim == 1 else (rows, self.act_dim)
        if isinstance(rng, _metarl.EpisodeRng):
            noise = rng.standard_normal(rows * self.act_dim).reshape(shape)
        else:
            generator = np.random.default_rng(rng) if isinstance(rng, (int, np.integer)) else (rng or self._rng)
            noise = generator.standard_normal(shape)
        return self._inner.act(obs, noise)

    def adapt(self, task, steps: int = 1, seed: int = 0) -> tuple["Policy", list[float]]:
        """Adapts to ``task`` with ``steps`` policy-gradient steps of the run's protocol
        (``eval.episodes`` episodes per step; lr ``eval.first_lr``, then ``eval.later_lr``).

        Returns the adapted policy and the mean return of the batch sampled after 0..steps steps
        (episodes seeded as ``metarl rollout --seed seed``).
        """
        inner, returns = self._inner.adapt(task, steps, seed)
        return Policy(inner), returns

    def evaluate(self, tasks: int = 40, steps: int = 3, seed: int = _metarl.DEFAULT_EVAL_SEED, workers: int = 0) -> dict:
        """The evaluation ``metarl eval --tasks T --steps S --seed X --json`` prints: held-out
        tasks, the mean and standard error of the return after 0..steps adaptation steps."""
        return self._inner.evaluate(tasks, steps, seed, workers)

    def __repr__(self) -> str:
        return repr(self._inner)


def load_policy(run_dir: Union[str, os.PathLike], checkpoint: str = "best") -> Policy:
    """The policy of checkpoint ``checkpoint`` (``best``, ``latest`` or ``iter-NNNNN``) of the run
    trained by ``metarl train`` in ``run_dir``."""
    if not os.path.isdir(run_dir):
        raise FileNotFoundError(f"{run_dir} is not a directory (expected a run directory of `metarl train`)")
    return Policy(_metarl.load_policy(os.fspath(run_dir), checkpoint))
