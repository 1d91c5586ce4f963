//! The generic env conformance check over every registered env.

use metarl_envs::{check_env, env_names, task_distribution};

#[test]
fn every_registered_env_passes_check_env_at_default_horizon() {
    for name in env_names() {
        let dist = task_distribution(&name, None).unwrap();
        for seed in [0, 1, 42, u64::MAX] {
            check_env(dist.as_ref(), seed).unwrap_or_else(|e| panic!("seed {seed}: {e}"));
        }
    }
}

#[test]
fn every_registered_env_passes_check_env_at_short_horizons() {
    for name in env_names() {
        for horizon in [1, 2, 5] {
            let dist = task_distribution(&name, Some(horizon)).unwrap();
            check_env(dist.as_ref(), 7).unwrap_or_else(|e| panic!("horizon {horizon}: {e}"));
        }
    }
}
