"""The Gymnasium envs: conformance, the meta-RL task interface, errors, and the same episodes
as metarl's Rust sampler."""

from __future__ import annotations

import warnings

import gymnasium
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

import metarl
from conftest import recording


ENV_IDS = [metarl.gym_id(name) for name in metarl.env_names()]


def test_every_family_is_registered_with_gymnasium():
    assert "metarl/CheetahVel-v0" in gymnasium.registry
    assert "metarl/Nav2d-v0" in gymnasium.registry
    for env_id in ENV_IDS:
        assert env_id in gymnasium.registry


NORMALIZED_BOX_ADVICE = "For Box action spaces, we recommend using a symmetric and normalized space"


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_check_env_passes_without_warnings(env_id):
    """Gymnasium's checker finds nothing to warn about, except its advice to normalize the action
    box on families whose action box is deliberately wider than [-1, 1]: nav2d-corners keeps
    ProMP's ±10 bound with a 0.02 step scale, so that results compare with the ProMP paper."""
    env = gymnasium.make(env_id)
    wide_actions = bool(np.any(env.action_space.high > 1.0))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        check_env(env.unwrapped)
        env.close()
        env.close()
    messages = [str(w.message) for w in caught]
    expected = [m for m in messages if wide_actions and NORMALIZED_BOX_ADVICE in m]
    assert len(expected) == int(wide_actions)
    assert [m for m in messages if m not in expected] == []


@pytest.mark.parametrize("name", metarl.env_names())
def test_make_by_registry_name_matches_gymnasium_make(name):
    a, b = metarl.make(name), gymnasium.make(metarl.gym_id(name))
    obs_a, _ = a.reset(seed=3)
    obs_b, _ = b.reset(seed=3)
    np.testing.assert_array_equal(obs_a, obs_b)
    action = a.action_space.sample()
    for _ in range(5):
        sa, sb = a.step(action), b.step(action)
        np.testing.assert_array_equal(sa[0], sb[0])
        assert sa[1:4] == sb[1:4]


def test_spaces_are_float64_boxes_holding_every_observation():
    env = metarl.make("cheetah-vel")
    assert env.observation_space.dtype == np.float64
    assert env.action_space.dtype == np.float64
    obs, info = env.reset(seed=0)
    assert env.observation_space.contains(obs)
    obs, reward, terminated, truncated, info = env.step(env.action_space.sample())
    assert env.observation_space.contains(obs)
    assert isinstance(reward, float)
    assert {"reward_ctrl", "x_velocity"} <= set(info)


def test_truncation_at_the_horizon_and_termination_at_the_goal():
    env = metarl.make("nav2d", horizon=7)
    env.reset(seed=1, options={"task": [0.1, 0.0]})
    assert env.step([0.3, 0.0])[2:4] == (True, False)  # the move is clipped to 0.1: at the goal
    env.reset(seed=1, options={"task": [0.4, 0.4]})
    steps = 0
    while True:
        _, _, terminated, truncated, _ = env.step([0.0, 0.0])
        steps += 1
        if terminated or truncated:
            break
    assert (steps, terminated, truncated) == (7, False, True)


def test_task_interface():
    env = metarl.make("nav2d").unwrapped
    tasks = env.sample_tasks(5, seed=4)
    assert len(tasks) == 5 and all(t.shape == (2,) for t in tasks)
    np.testing.assert_array_equal(np.stack(tasks), np.stack(env.sample_tasks(5, seed=4)))
    assert not np.array_equal(np.stack(tasks), np.stack(env.sample_tasks(5, seed=5)))
    env.set_task(tasks[2])
    np.testing.assert_array_equal(env.task, tasks[2])
    env.reset_task(tasks[3])
    np.testing.assert_array_equal(env.task, tasks[3])
    env.reset(seed=0, options={"task": tasks[1]})
    np.testing.assert_array_equal(env.task, tasks[1])
    # The task changes the rewards: the same actions score differently.
    env.reset(seed=0, options={"task": tasks[0]})
    r0 = env.step([0.1, 0.1])[1]
    env.reset(seed=0, options={"task": tasks[4]})
    assert env.step([0.1, 0.1])[1] != r0


def test_bad_arguments_raise_python_exceptions():
    with pytest.raises(ValueError, match="unknown env `nope`"):
        metarl.make("nope")
    env = metarl.make("nav2d").unwrapped
    with pytest.raises(ValueError, match="invalid task"):
        env.set_task([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="invalid task"):
        env.set_task([float("nan"), 0.0])
    with pytest.raises(RuntimeError, match="call reset"):
        env.step([0.0, 0.0])
    env.reset(seed=0)
    with pytest.raises(ValueError, match="2 components"):
        env.step([0.0, 0.0, 0.0])
    with pytest.raises(ValueError, match="non-finite"):
        env.step([float("nan"), 0.0])
    with pytest.raises(ValueError):
        metarl.MetaRLEnv("nav2d", horizon=0)
    with pytest.raises(ValueError, match="render"):
        metarl.MetaRLEnv("nav2d", render_mode="human")
    with pytest.raises(OverflowError):
        env.reset(seed=2**70)


def test_step_after_the_end_of_an_episode_raises():
    env = metarl.make("nav2d", horizon=2).unwrapped
    env.reset(seed=0)
    env.step([0.0, 0.0])
    assert env.step([0.0, 0.0])[3]
    with pytest.raises(RuntimeError, match="episode is over"):
        env.step([0.0, 0.0])


def test_reset_without_seed_follows_the_seeded_generator():
    env = metarl.make("cheetah-vel")
    env.reset(seed=11)
    a = env.reset()[0]
    env.reset(seed=11)
    b = env.reset()[0]
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("run", ["nav_run", "cheetah_run"])
def test_python_episode_equals_the_recorded_rust_episode(run, request, tmp_path):
    """The sampler's episode as `metarl rollout` recorded it, replayed from Python with the same
    seeds: the policy's actions, the env's rewards and the end flag agree bit for bit."""
    run_dir = request.getfixturevalue(run)
    seed = 7
    rec = recording(run_dir, tmp_path / "rec.json", steps=0, seed=seed)
    episode = rec["sets"][0]["episodes"][0]
    policy = metarl.load_policy(run_dir)
    env = metarl.make(rec["env"], horizon=rec["horizon"])
    rng = metarl.EpisodeRng(metarl.rollout_episode_seed(seed, 0, 0))
    obs, _ = env.reset(seed=rng.reset_seed(), options={"task": rec["task"]})
    rewards, positions = [], [list(obs[:2])]
    while True:
        obs, reward, terminated, truncated, info = env.step(policy.act(obs, rng=rng))
        rewards.append(reward)
        positions.append(list(obs[:2]))
        if terminated or truncated:
            break
    assert rewards == episode["rewards"]
    assert terminated == episode["terminated"]
    if rec["env"] == "nav2d":
        # Frames hold the rendered body position (read back from the physics world), the
        # observation the env's own copy: equal up to the last bit.
        np.testing.assert_allclose(positions, [f["position"] for f in episode["frames"]], rtol=0, atol=1e-15)
