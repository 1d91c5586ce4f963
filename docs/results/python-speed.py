"""Env steps per second from Python: metarl's CheetahVel-v0 (single env and make_vec) against
MuJoCo's HalfCheetah-v5, all through Gymnasium, measured side by side (alternating rounds).

Needs `pip install ./python "gymnasium[mujoco]"` (MuJoCo for this measurement only).
Usage: python docs/results/python-speed.py [--rounds 5] [--steps 20000] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

import gymnasium as gym
import numpy as np

import metarl


def single_env_rate(env_id: str, steps: int) -> float:
    """Env steps/s of one env through `gymnasium.make` (its default wrappers), uniform random
    actions drawn beforehand, resets included."""
    env = gym.make(env_id)
    actions = np.random.default_rng(0).uniform(-1, 1, size=(steps,) + env.action_space.shape)
    env.reset(seed=0)
    start = time.perf_counter()
    for action in actions:
        _, _, terminated, truncated, _ = env.step(action)
        if terminated or truncated:
            env.reset()
    return steps / (time.perf_counter() - start)


def vector_rate(num_envs: int, steps: int, threads: int) -> float:
    """Env steps/s (all envs) of `metarl.make_vec("cheetah-vel", num_envs)`."""
    vec = metarl.make_vec("cheetah-vel", num_envs, threads=threads)
    batches = steps // num_envs
    actions = np.random.default_rng(0).uniform(-1, 1, size=(batches, num_envs, 6))
    vec.reset(seed=0)
    start = time.perf_counter()
    for action in actions:
        vec.step(action)
    return batches * num_envs / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--steps", type=int, default=20000)
    parser.add_argument("--json")
    args = parser.parse_args()
    cases = {
        "mujoco HalfCheetah-v5 (gymnasium.make)": lambda: single_env_rate("HalfCheetah-v5", args.steps),
        "metarl/CheetahVel-v0 (gymnasium.make)": lambda: single_env_rate("metarl/CheetahVel-v0", args.steps),
        "metarl.make_vec cheetah-vel, 16 envs, 1 thread": lambda: vector_rate(16, args.steps * 2, 1),
        "metarl.make_vec cheetah-vel, 16 envs, 2 threads": lambda: vector_rate(16, args.steps * 2, 2),
        "metarl.make_vec cheetah-vel, 64 envs, 2 threads": lambda: vector_rate(64, args.steps * 2, 2),
    }
    rates = {name: [] for name in cases}
    for _ in range(args.rounds):
        for name, case in cases.items():
            rates[name].append(case())
    medians = {name: statistics.median(r) for name, r in rates.items()}
    single = medians["metarl/CheetahVel-v0 (gymnasium.make)"]
    print(f"{'case':<50} {'median steps/s':>15} {'min':>9} {'max':>9}")
    for name, r in rates.items():
        print(f"{name:<50} {medians[name]:>15.0f} {min(r):>9.0f} {max(r):>9.0f}")
    print(f"metarl single / MuJoCo: {single / medians['mujoco HalfCheetah-v5 (gymnasium.make)']:.2f}x; "
          f"make_vec 16 (2 threads) / metarl single: "
          f"{medians['metarl.make_vec cheetah-vel, 16 envs, 2 threads'] / single:.2f}x")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"rounds": args.rounds, "steps": args.steps, "rates": rates, "medians": medians}, f, indent=1)


if __name__ == "__main__":
    main()
