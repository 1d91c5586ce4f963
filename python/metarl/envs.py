"""Gymnasium environments for every task family of metarl's registry."""

from __future__ import annotations

from typing import Any, Optional

import gymnasium
import numpy as np
from gymnasium import spaces

from metarl import _metarl

#: Gymnasium namespace of metarl's env ids (``metarl/CheetahVel-v0``).
NAMESPACE = "metarl"


def gym_id(name: str) -> str:
    """The Gymnasium id of registry family ``name``: ``cheetah-vel`` -> ``metarl/CheetahVel-v0``."""
    camel = "".join(part[:1].upper() + part[1:] for part in name.split("-"))
    return f"{NAMESPACE}/{camel}-v0"


class MetaRLEnv(gymnasium.Env):
    """One environment of a metarl task family, as a ``gymnasium.Env``.

    The dynamics, rewards and termination are metarl's Rust env: ``terminated`` is an MDP
    terminal state (e.g. nav2d's goal reached), ``truncated`` the family's time limit
    ``horizon`` (the env truncates itself, so no ``TimeLimit`` wrapper is needed). Observations
    and actions are float64 boxes; actions outside the box are clipped by the env. ``info``
    holds the step's named reward terms and diagnostics (e.g. ``reward_run``, ``reward_ctrl``,
    ``x_velocity``).

    Meta-RL task interface (as in pytorch-maml-rl and learn2learn): ``sample_tasks(n, seed)``
    draws task-parameter arrays, ``set_task(task)`` (alias ``reset_task``) or
    ``reset(options={"task": task})`` sets the task of the following episodes. A new env has the
    task ``sample_tasks(1, seed=0)[0]``.

    Seeding: ``reset(seed=s)`` seeds ``self.np_random`` through ``super().reset`` and resets the
    Rust env with ``s`` itself, so the episode equals the Rust env's ``reset(s)`` episode;
    ``reset()`` without a seed draws the Rust seed from ``self.np_random``.
    """

    metadata = {"render_modes": []}

    def __init__(self, name: str = "nav2d", horizon: Optional[int] = None, render_mode: Optional[str] = None):
        if render_mode is not None:
            raise ValueError(f"metarl envs do not render through Gymnasium (render_mode={render_mode!r}); use `metarl view`")
        self._env = _metarl.Env(name, horizon)
        self.name = name
        self.render_mode = None
        obs_low, obs_high = self._env.observation_bounds
        act_low, act_high = self._env.action_bounds
        self.observation_space = spaces.Box(obs_low, obs_high, dtype=np.float64)
        self.action_space = spaces.Box(act_low, act_high, dtype=np.float64)

    @property
    def horizon(self) -> int:
        """Episode time limit H (steps)."""
        return self._env.horizon

    @property
    def dt(self) -> float:
        """Simulated seconds per step."""
        return self._env.dt

    @property
    def task(self) -> np.ndarray:
        """The current task's parameters (e.g. nav2d: the goal (x, y))."""
        return self._env.task

    def sample_tasks(self, n: int, seed: int = 0) -> list[np.ndarray]:
        """``n`` tasks of the family's distribution, drawn deterministically from ``seed``."""
        return self._env.sample_tasks(n, seed)

    def set_task(self, task) -> None:
        """Sets the task of the following episodes (checked: a ``ValueError`` names the rule)."""
        self._env.set_task(task)

    def reset_task(self, task) -> None:
        """``set_task`` under pytorch-maml-rl's name."""
        self.set_task(task)

    def reset(self, *, seed: Optional[int] = None, options: Optional[dict[str, Any]] = None):
        super().reset(seed=seed)
        if options and "task" in options:
            self.set_task(options["task"])
        rust_seed = seed if seed is not None else int(self.np_random.integers(0, 2**63))
        return self._env.reset(rust_seed), {}

    def step(self, action):
        return self._env.step(action)

    def close(self) -> None:
        pass

    def __repr__(self) -> str:
        return f"MetaRLEnv({self.name!r}, horizon={self.horizon})"


def make(name: str, horizon: Optional[int] = None, **kwargs) -> gymnasium.Env:
    """``gymnasium.make`` of registry family ``name`` (e.g. ``"cheetah-vel"``), with
    Gymnasium's usual wrappers; ``horizon`` overrides the family's time limit."""
    if name not in _metarl.env_names():
        known = ", ".join(_metarl.env_names())
        raise ValueError(f"unknown env `{name}` (known: {known})")
    return gymnasium.make(gym_id(name), horizon=horizon, **kwargs)


def register_envs() -> None:
    """Registers ``metarl/<Name>-v0`` with Gymnasium for every family (done on import)."""
    for name in _metarl.env_names():
        env_id = gym_id(name)
        if env_id not in gymnasium.registry:
            gymnasium.register(id=env_id, entry_point=MetaRLEnv, kwargs={"name": name})
