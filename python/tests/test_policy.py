"""Trained policies from Python: `metarl.load_policy` against the `metarl` binary's numbers."""

from __future__ import annotations

import json

import numpy as np
import pytest

import metarl
from conftest import recording, run_metarl


def test_evaluate_reproduces_metarl_eval_json(nav_run):
    cli = json.loads(run_metarl("eval", "--run-dir", str(nav_run), "--tasks", "6", "--steps", "2", "--json"))
    policy = metarl.load_policy(nav_run)
    assert policy.evaluate(tasks=6, steps=2) == cli
    assert policy.evaluate(tasks=6, steps=2, workers=1) == cli


def test_evaluate_of_another_checkpoint_and_seed(nav_run):
    args = ["--tasks", "4", "--steps", "1", "--seed", "5", "--checkpoint", "latest", "--json"]
    cli = json.loads(run_metarl("eval", "--run-dir", str(nav_run), *args))
    assert metarl.load_policy(nav_run, checkpoint="latest").evaluate(tasks=4, steps=1, seed=5) == cli


def test_adapt_returns_equal_the_recorded_rollout(cheetah_run, tmp_path):
    rec = recording(cheetah_run, tmp_path / "rec.json", steps=2, seed=3)
    policy = metarl.load_policy(cheetah_run)
    adapted, returns = policy.adapt(rec["task"], steps=2, seed=3)
    assert returns == [s["mean_return"] for s in rec["sets"]]
    assert adapted.adapted_steps == 2 and policy.adapted_steps == 0
    assert not np.array_equal(adapted.theta, policy.theta)


def test_act_maps_means_onto_the_action_box(nav_run):
    policy = metarl.load_policy(nav_run)
    env = metarl.make("nav2d")
    obs, _ = env.reset(seed=0)
    mean = policy.act(obs, deterministic=True)
    low, high = env.action_space.low, env.action_space.high
    # Rust rounds in its own order: allow a few ulps (the means sit near zero).
    np.testing.assert_allclose(mean, low + (policy.mean(obs) + 1) * (high - low) / 2, rtol=1e-12, atol=1e-15)
    batch = np.stack([obs, obs + 0.1, obs - 0.1])
    assert policy.act(batch, deterministic=True).shape == (3, 2)
    np.testing.assert_array_equal(policy.act(batch, deterministic=True)[0], mean)
    noisy = [policy.act(obs, rng=np.random.default_rng(4)) for _ in range(2)]
    np.testing.assert_array_equal(noisy[0], noisy[1])
    assert not np.array_equal(noisy[0], mean)
    np.testing.assert_array_equal(policy.act(obs, rng=4), noisy[0])


def test_policy_errors_are_python_exceptions(nav_run, cheetah_run, tmp_path):
    with pytest.raises(FileNotFoundError):
        metarl.load_policy(tmp_path / "missing")
    with pytest.raises(ValueError, match="iter-NNNNN"):
        metarl.load_policy(nav_run, checkpoint="first")
    with pytest.raises(metarl.CheckpointError):
        metarl.load_policy(nav_run, checkpoint="iter-00099")
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "config.toml").write_text((nav_run / "config.toml").read_text())
    (broken / "checkpoints").mkdir()
    (broken / "checkpoints" / "latest.safetensors").write_bytes(b"not a checkpoint")
    with pytest.raises(metarl.CheckpointError):
        metarl.load_policy(broken, checkpoint="latest")
    policy = metarl.load_policy(nav_run)
    with pytest.raises(ValueError, match=r"shape \(2,\) or \(n, 2\)"):
        policy.act(np.zeros(3))
    with pytest.raises(ValueError, match="invalid task"):
        policy.adapt([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="at least one held-out task"):
        policy.evaluate(tasks=0)


def test_degenerate_and_huge_arguments_raise_value_errors(nav_run):
    policy = metarl.load_policy(nav_run)
    with pytest.raises(ValueError, match="n >= 1"):
        policy.act(np.zeros((0, 2)))
    with pytest.raises(ValueError, match="obs must have shape"):
        policy.act(np.float64(1.0))
    with pytest.raises(ValueError, match="tasks must be at most"):
        policy.evaluate(tasks=10**9)
    with pytest.raises(ValueError, match="steps must be at most"):
        policy.adapt([0.1, 0.1], steps=10**9)
    with pytest.raises(ValueError, match="n must be at most"):
        metarl.EpisodeRng(0).standard_normal(10**12)
