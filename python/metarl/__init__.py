"""metarl from Python: meta-RL task families on Rapier physics with the Gymnasium API, and
trained metarl policies.

>>> import gymnasium, metarl
>>> env = gymnasium.make("metarl/CheetahVel-v0")          # every family is registered on import
>>> tasks = env.unwrapped.sample_tasks(4, seed=0)         # the meta-RL task interface
>>> obs, info = env.reset(seed=1, options={"task": tasks[0]})

``metarl.make(name)`` builds the same env from a registry name (``"cheetah-vel"``),
``metarl.make_vec(name, num_envs)`` a vector env stepped in Rust with the GIL released, and
``metarl.load_policy(run_dir)`` a policy trained by ``metarl train``.
"""

from metarl._metarl import (
    DEFAULT_EVAL_SEED,
    CheckpointError,
    EpisodeRng,
    __version__,
    autoreset_seed,
    env_descriptions,
    env_names,
    rollout_episode_seed,
)
from metarl.envs import MetaRLEnv, gym_id, make, register_envs
from metarl.policy import Policy, load_policy
from metarl.vector import MetaRLVectorEnv, make_vec

__all__ = [
    "DEFAULT_EVAL_SEED",
    "CheckpointError",
    "EpisodeRng",
    "MetaRLEnv",
    "MetaRLVectorEnv",
    "Policy",
    "__version__",
    "autoreset_seed",
    "env_descriptions",
    "env_names",
    "gym_id",
    "load_policy",
    "make",
    "make_vec",
    "register_envs",
    "rollout_episode_seed",
]

register_envs()
