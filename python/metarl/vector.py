"""A Gymnasium vector env whose batch is stepped in Rust."""

from __future__ import annotations

from typing import Any, Optional, Sequence

import numpy as np
from gymnasium import spaces
from gymnasium.vector import AutoresetMode, VectorEnv
from gymnasium.vector.utils import batch_space

from metarl import _metarl
from metarl.envs import MetaRLEnv


class MetaRLVectorEnv(VectorEnv):
    """``num_envs`` envs of one metarl family, stepped as one batch in Rust with the GIL
    released, on ``threads`` threads of the env's own pool (0: one per core, at most one per
    env; 1: on the calling thread, best for very cheap envs such as nav2d).

    Autoreset is Gymnasium's ``NEXT_STEP`` mode: the step after an env's episode ended resets it
    and returns its first observation with reward 0 and both flags false. ``reset(seed=s)``
    seeds env ``i`` with ``s + i`` (a list gives one seed per env); episode ``k`` of env ``i``
    after that reset is seeded with ``metarl.autoreset_seed(seeds[i], k)``, and
    ``episode_seeds`` holds every env's current seed, so each env's episodes can be replayed on
    a single ``MetaRLEnv``. ``infos`` holds each reward term as an array with a ``_name`` mask
    (false for envs that were reset instead of stepped).
    """

    metadata = {"autoreset_mode": AutoresetMode.NEXT_STEP, "render_modes": []}

    def __init__(self, name: str, num_envs: int, horizon: Optional[int] = None, threads: int = 0):
        self._envs = _metarl.VecEnv(name, num_envs, horizon, threads)
        single = MetaRLEnv(name, horizon)
        self.name = name
        self.num_envs = num_envs
        self.render_mode = None
        self.single_observation_space = single.observation_space
        self.single_action_space = single.action_space
        self.observation_space = batch_space(self.single_observation_space, num_envs)
        self.action_space = batch_space(self.single_action_space, num_envs)

    @property
    def threads(self) -> int:
        """Threads a step runs on."""
        return self._envs.threads

    @property
    def tasks(self) -> np.ndarray:
        """Every env's task parameters, one row per env."""
        return self._envs.tasks

    @property
    def episode_seeds(self) -> list[int]:
        """The seed of every env's current episode."""
        return self._envs.episode_seeds

    def sample_tasks(self, n: int, seed: int = 0) -> list[np.ndarray]:
        """``n`` tasks of the family's distribution, drawn deterministically from ``seed``."""
        return self._envs.sample_tasks(n, seed)

    def set_tasks(self, tasks: Sequence) -> None:
        """Sets env ``i``'s task to ``tasks[i]`` (takes effect at the next reset)."""
        self._envs.set_tasks(list(tasks))

    def set_task(self, task) -> None:
        """Sets every env's task to ``task`` (takes effect at the next reset)."""
        self.set_tasks([task] * self.num_envs)

    def reset(self, *, seed: Optional[int | Sequence[int]] = None, options: Optional[dict[str, Any]] = None):
        if seed is None:
            seeds = [int(s) for s in self.np_random.integers(0, 2**63, size=self.num_envs)]
        elif isinstance(seed, (int, np.integer)):
            self._np_random, self._np_random_seed = _seeded(int(seed))
            seeds = [int(seed) + i for i in range(self.num_envs)]
        else:
            seeds = [int(s) for s in seed]
            if len(seeds) != self.num_envs:
                raise ValueError(f"reset needs one seed per env ({self.num_envs} envs, got {len(seeds)} seeds)")
        if options:
            if "task" in options:
                self.set_task(options["task"])
            if "tasks" in options:
                self.set_tasks(options["tasks"])
        return self._envs.reset(seeds), {}

    def step(self, actions):
        obs, rewards, terminated, truncated, autoreset, metrics = self._envs.step(actions)
        infos: dict[str, Any] = {}
        for name, (values, present) in metrics.items():
            infos[name] = values
            infos[f"_{name}"] = present
        infos["autoreset"] = autoreset
        return obs, rewards, terminated, truncated, infos

    def close_extras(self, **kwargs) -> None:
        pass


def _seeded(seed: int):
    from gymnasium.utils import seeding

    return seeding.np_random(seed)


def make_vec(name: str, num_envs: int, horizon: Optional[int] = None, threads: int = 0) -> MetaRLVectorEnv:
    """A :class:`MetaRLVectorEnv` of ``num_envs`` envs of registry family ``name``."""
    if name not in _metarl.env_names():
        known = ", ".join(_metarl.env_names())
        raise ValueError(f"unknown env `{name}` (known: {known})")
    return MetaRLVectorEnv(name, num_envs, horizon, threads)
