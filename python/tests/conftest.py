"""Shared fixtures: tiny runs trained by the `metarl` binary (the Rust side the Python package
is compared with)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

TINY = """
[env]
name = "{env}"
horizon = 10

[policy]
hidden = [8, 8]
activation = "{activation}"

[maml]
meta_batch_size = 3
episodes_per_task = 3

[train]
iterations = 3
seed = 1
workers = 1
validate_every = {validate_every}

[eval]
episodes = 3
"""


def metarl_binary() -> str:
    """The `metarl` binary: $METARL_BIN, else the newer of the workspace's release and debug builds,
    else PATH."""
    if os.environ.get("METARL_BIN"):
        return os.environ["METARL_BIN"]
    builds = [REPO / "target" / profile / "metarl" for profile in ("release", "debug")]
    builds = [b for b in builds if b.exists()]
    if builds:
        return str(max(builds, key=lambda b: b.stat().st_mtime))
    found = shutil.which("metarl")
    if found is None:
        pytest.fail("the metarl binary is needed: build it with `cargo build --release` or set METARL_BIN")
    return found


def run_metarl(*args: str, cwd: Path | None = None) -> str:
    """Runs `metarl ARGS`, failing the test with its stderr if it fails; returns stdout."""
    done = subprocess.run([metarl_binary(), *args], capture_output=True, text=True, cwd=cwd)
    if done.returncode != 0:
        pytest.fail(f"metarl {' '.join(args)} failed:\n{done.stderr}")
    return done.stdout


def train_tiny(root: Path, env: str, activation: str = "relu", validate_every: int = 0) -> Path:
    """Trains a 3-iteration run of `env` in `root/env` and returns its directory."""
    config = root / f"{env}.toml"
    config.write_text(TINY.format(env=env, activation=activation, validate_every=validate_every))
    run_dir = root / env
    run_metarl("train", "--config", str(config), "--run-dir", str(run_dir))
    return run_dir


@pytest.fixture(scope="session")
def nav_run(tmp_path_factory) -> Path:
    """A tiny nav2d run with validation every iteration (so it has a best checkpoint)."""
    return train_tiny(tmp_path_factory.mktemp("runs"), "nav2d", validate_every=1)


@pytest.fixture(scope="session")
def cheetah_run(tmp_path_factory) -> Path:
    """A tiny cheetah-vel run (tanh)."""
    return train_tiny(tmp_path_factory.mktemp("runs"), "cheetah-vel", activation="tanh")


def recording(run_dir: Path, out: Path, steps: int, seed: int, episodes: int = 1) -> dict:
    """`metarl rollout` of `run_dir`, parsed."""
    run_metarl(
        "rollout", "--run-dir", str(run_dir), "--steps", str(steps), "--seed", str(seed),
        "--episodes", str(episodes), "--out", str(out),
    )
    return json.loads(out.read_text())
