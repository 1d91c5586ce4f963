"""`metarl.make_vec`: a Gymnasium vector env equal to stepping the single envs."""

from __future__ import annotations

import numpy as np
import pytest
from gymnasium.utils.env_checker import data_equivalence

import metarl


def replay_single(name, horizon, seeds_per_step, tasks, actions):
    """Steps one MetaRLEnv per vector slot with the same seeds, tasks and actions, applying the
    NEXT_STEP autoreset rule by hand."""
    n = len(tasks)
    envs = [metarl.make(name, horizon=horizon).unwrapped for _ in range(n)]
    obs, done = [], [False] * n
    for i, env in enumerate(envs):
        env.set_task(tasks[i])
        obs.append(env.reset(seed=seeds_per_step[0][i])[0])
    out = [(np.stack(obs), np.zeros(n), np.zeros(n, bool), np.zeros(n, bool))]
    for t, action in enumerate(actions):
        o, r, te, tr = [], [], [], []
        for i, env in enumerate(envs):
            if done[i]:
                o.append(env.reset(seed=seeds_per_step[t + 1][i])[0])
                r.append(0.0), te.append(False), tr.append(False)
                done[i] = False
            else:
                ob, rew, ter, tru, _ = env.step(action[i])
                o.append(ob), r.append(rew), te.append(ter), tr.append(tru)
                done[i] = ter or tru
        out.append((np.stack(o), np.array(r), np.array(te), np.array(tr)))
    return out


@pytest.mark.parametrize("name,threads", [("nav2d", 1), ("cheetah-vel", 2), ("cheetah-dir", 1)])
def test_make_vec_equals_stepping_the_single_envs(name, threads):
    n, horizon, steps = 5, 4, 11  # several autoresets per env
    vec = metarl.make_vec(name, n, horizon=horizon, threads=threads)
    tasks = vec.sample_tasks(n, seed=2)
    obs, _ = vec.reset(seed=100, options={"tasks": tasks})
    seeds = [vec.episode_seeds]
    assert seeds[0] == [100 + i for i in range(n)]
    rng = np.random.default_rng(0)
    actions = [rng.uniform(-1, 1, size=(n, vec.single_action_space.shape[0])) for _ in range(steps)]
    got = [(obs, np.zeros(n), np.zeros(n, bool), np.zeros(n, bool))]
    for action in actions:
        o, r, te, tr, info = vec.step(action)
        assert vec.observation_space.contains(o)
        got.append((o, r, te, tr))
        seeds.append(vec.episode_seeds)
    expected = replay_single(name, horizon, seeds, tasks, actions)
    for (go, gr, gte, gtr), (eo, er, ete, etr) in zip(got, expected):
        np.testing.assert_array_equal(go, eo)
        np.testing.assert_array_equal(gr, er)
        np.testing.assert_array_equal(gte, ete)
        np.testing.assert_array_equal(gtr, etr)
    assert any(s != seeds[0] for s in seeds[1:]), "autoresets drew new seeds"
    assert seeds[-1][0] == metarl.autoreset_seed(100, 2)


def test_threads_do_not_change_results():
    runs = []
    for threads in (1, 2):
        vec = metarl.make_vec("cheetah-vel", 4, horizon=6, threads=threads)
        assert vec.threads == threads
        obs, _ = vec.reset(seed=9)
        trace = [obs]
        rng = np.random.default_rng(1)
        for _ in range(9):
            trace.append(vec.step(rng.uniform(-1, 1, size=(4, 6)))[0])
        runs.append(np.stack(trace))
    np.testing.assert_array_equal(runs[0], runs[1])


def test_infos_hold_reward_terms_with_masks():
    vec = metarl.make_vec("cheetah-vel", 3, horizon=2, threads=1)
    vec.reset(seed=0)
    zeros = np.zeros((3, 6))
    _, _, _, truncated, info = vec.step(zeros)
    assert info["_x_velocity"].all() and info["x_velocity"].shape == (3,)
    _, _, _, truncated, info = vec.step(zeros)
    assert truncated.all()
    _, rewards, _, _, info = vec.step(zeros)  # every env autoresets
    assert info["autoreset"].all() and (rewards == 0).all()
    assert "_x_velocity" not in info or not info["_x_velocity"].any()


def test_reset_with_the_same_seed_is_reproducible():
    a, b = metarl.make_vec("nav2d", 3), metarl.make_vec("nav2d", 3)
    assert data_equivalence(a.reset(seed=5), b.reset(seed=5))


def test_bad_vector_arguments_raise():
    with pytest.raises(ValueError, match="num_envs"):
        metarl.make_vec("nav2d", 0)
    with pytest.raises(ValueError, match="unknown env"):
        metarl.make_vec("nope", 2)
    vec = metarl.make_vec("nav2d", 2)
    with pytest.raises(RuntimeError, match="call reset"):
        vec.step(np.zeros((2, 2)))
    vec.reset(seed=0)
    with pytest.raises(ValueError, match=r"shape \(2, 2\)"):
        vec.step(np.zeros((3, 2)))
    with pytest.raises(ValueError, match="one seed per env"):
        vec.reset(seed=[1, 2, 3])
    with pytest.raises(ValueError, match="one task per env"):
        vec.set_tasks([[0.1, 0.1]])


def test_huge_sizes_raise_value_errors():
    with pytest.raises(ValueError, match="num_envs must be in"):
        metarl.make_vec("nav2d", 10**7)
    with pytest.raises(ValueError, match="n must be at most"):
        metarl.make("nav2d").unwrapped.sample_tasks(10**9)


def test_other_threads_are_not_blocked_while_a_batch_steps():
    """A step holds the batch's lock with the GIL released; other threads calling the same
    object wait for the lock without holding the GIL, so neither side deadlocks."""
    import threading

    vec = metarl.make_vec("cheetah-vel", 8, horizon=50, threads=2)
    vec.reset(seed=0)
    actions = np.zeros((8, 6))
    done = threading.Event()

    def stepper():
        for _ in range(300):
            vec.step(actions)
        done.set()

    thread = threading.Thread(target=stepper)
    thread.start()
    reads = 0
    while not done.is_set():
        assert vec.num_envs == 8 and len(vec.episode_seeds) == 8 and vec.tasks.shape == (8, 1)
        reads += 1
    thread.join(timeout=60)
    assert not thread.is_alive() and reads > 0
