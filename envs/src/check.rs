//! The generic env conformance check, run over every registered env (like Gymnasium's
//! `utils/env_checker.py`).
//!
//! [`check_env`] verifies, in order:
//! 1. tasks: `sample_tasks` gives `n` tasks of finite parameters, identical for the same rng seed
//!    and different for different seeds;
//! 2. spaces: dimensions and horizon agree with the distribution, the horizon is >= 1 and the
//!    action box is finite;
//! 3. episodes (actions uniform in the action box, drawn from an rng seeded with the reset seed):
//!    every observation (reset and step) has the space's dimension, is finite and lies in the
//!    observation space; rewards and metrics are finite; `truncated` is false before step H and true
//!    at step H; every episode ends with `terminated` or `truncated`;
//! 4. determinism: the same seed gives the same episode (on a fresh env, and again on an env that
//!    ran other episodes in between, so reset restarts cleanly); a different seed gives a different
//!    episode;
//! 5. tasks in the env: `set_task` during an episode does not change it (it takes effect at reset),
//!    and a different task changes the episode;
//! 6. clipping: actions far outside the action box (±1e6 widths, ±f64::MAX, ±inf) are accepted
//!    without panicking and act exactly like the same actions clipped to the box.

use std::panic::{catch_unwind, AssertUnwindSafe};

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::env::Env;
use crate::space::BoxSpace;
use crate::task::{Task, TaskDistribution};

/// Runs the env contract checks on a distribution; returns Err(description) on the first violation.
pub fn check_env(dist: &dyn TaskDistribution, seed: u64) -> Result<(), String> {
    let name = dist.name();
    let tasks = check_tasks(dist, seed).map_err(|e| format!("{name}: tasks: {e}"))?;
    let mut env = dist.make_env();
    check_spaces(dist, env.as_ref()).map_err(|e| format!("{name}: spaces: {e}"))?;
    check_episodes(dist, env.as_mut(), &tasks, seed).map_err(|e| format!("{name}: {e}"))?;
    check_out_of_box_actions(env.as_mut(), &tasks[0], seed)
        .map_err(|e| format!("{name}: out-of-box actions: {e}"))
}

/// Number of tasks drawn per `sample_tasks` call in the checks.
const CHECKED_TASKS: usize = 8;

fn check_tasks(dist: &dyn TaskDistribution, seed: u64) -> Result<Vec<Task>, String> {
    let draw = |s: u64| dist.sample_tasks(&mut ChaCha8Rng::seed_from_u64(s), CHECKED_TASKS);
    let tasks = draw(seed);
    if tasks.len() != CHECKED_TASKS {
        return Err(format!(
            "asked for {CHECKED_TASKS} tasks, got {}",
            tasks.len()
        ));
    }
    if let Some(t) = tasks
        .iter()
        .find(|t| t.params.iter().any(|p| !p.is_finite()))
    {
        return Err(format!("non-finite task parameters {:?}", t.params));
    }
    if draw(seed) != tasks {
        return Err(format!("two draws with rng seed {seed} differ"));
    }
    if draw(seed.wrapping_add(1)) == tasks {
        return Err(format!(
            "rng seeds {seed} and {} give the same tasks",
            seed.wrapping_add(1)
        ));
    }
    if !dist
        .sample_tasks(&mut ChaCha8Rng::seed_from_u64(seed), 0)
        .is_empty()
    {
        return Err("asked for 0 tasks, got some".into());
    }
    Ok(tasks)
}

fn check_spaces(dist: &dyn TaskDistribution, env: &dyn Env) -> Result<(), String> {
    let (obs_dim, act_dim) = (env.observation_space().dim(), env.action_space().dim());
    if obs_dim != dist.obs_dim() {
        return Err(format!(
            "observation space dim {obs_dim} != obs_dim() {}",
            dist.obs_dim()
        ));
    }
    if act_dim != dist.act_dim() {
        return Err(format!(
            "action space dim {act_dim} != act_dim() {}",
            dist.act_dim()
        ));
    }
    if env.horizon() != dist.horizon() {
        return Err(format!(
            "env horizon {} != distribution horizon {}",
            env.horizon(),
            dist.horizon()
        ));
    }
    if env.horizon() == 0 {
        return Err("horizon is 0".into());
    }
    let act = env.action_space();
    if act.low.iter().chain(&act.high).any(|b| !b.is_finite()) {
        return Err(format!("action space is not finite: {act:?}"));
    }
    Ok(())
}

/// Everything an episode returned, compared exactly between runs.
#[derive(Debug, PartialEq)]
struct Episode {
    obs: Vec<Vec<f64>>,
    rewards: Vec<f64>,
    terminated: Vec<bool>,
    truncated: Vec<bool>,
    metrics: Vec<Vec<(&'static str, f64)>>,
}

/// Uniform actions in the action box, from an rng seeded with `seed`.
fn uniform_actions(space: &BoxSpace, seed: u64) -> impl FnMut() -> Vec<f64> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let space = space.clone();
    move || {
        let mut a = vec![0.0; space.dim()];
        for (a, (l, h)) in a.iter_mut().zip(space.low.iter().zip(&space.high)) {
            *a = l + (h - l) * rng.gen::<f64>();
        }
        a
    }
}

/// Actions far outside the action box (and some inside), from an rng seeded with `seed`.
fn out_of_box_actions(space: &BoxSpace, seed: u64) -> impl FnMut() -> Vec<f64> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let space = space.clone();
    move || {
        let mut a = vec![0.0; space.dim()];
        for (a, (l, h)) in a.iter_mut().zip(space.low.iter().zip(&space.high)) {
            let width = (h - l).max(1.0);
            *a = match rng.gen_range(0..7) {
                0 => h + 1e6 * width,
                1 => l - 1e6 * width,
                2 => f64::MAX,
                3 => -f64::MAX,
                4 => f64::INFINITY,
                5 => f64::NEG_INFINITY,
                _ => l + (h - l) * rng.gen::<f64>(),
            };
        }
        a
    }
}

/// Resets with `seed` and steps with `actions` until the episode ends, checking every transition.
/// If `switch_task` is `Some((k, task))`, `set_task(task)` is called after step k.
fn rollout(
    env: &mut dyn Env,
    seed: u64,
    mut actions: impl FnMut() -> Vec<f64>,
    switch_task: Option<(usize, &Task)>,
) -> Result<Episode, String> {
    let horizon = env.horizon();
    let space = env.observation_space().clone();
    let check_obs = |obs: &[f64], t: usize| {
        if obs.len() != space.dim() {
            return Err(format!(
                "seed {seed} step {t}: observation has {} values, space {}",
                obs.len(),
                space.dim()
            ));
        }
        if obs.iter().any(|v| !v.is_finite()) {
            return Err(format!(
                "seed {seed} step {t}: non-finite observation {obs:?}"
            ));
        }
        if !space.contains(obs) {
            return Err(format!(
                "seed {seed} step {t}: observation {obs:?} outside the observation space {space:?}"
            ));
        }
        Ok(())
    };
    let first = env.reset(seed);
    check_obs(&first, 0)?;
    let mut ep = Episode {
        obs: vec![first],
        rewards: vec![],
        terminated: vec![],
        truncated: vec![],
        metrics: vec![],
    };
    for t in 1..=horizon {
        let step = env.step(&actions());
        check_obs(&step.obs, t)?;
        if !step.reward.is_finite() {
            return Err(format!(
                "seed {seed} step {t}: non-finite reward {}",
                step.reward
            ));
        }
        if let Some((name, v)) = step.metrics.iter().find(|(_, v)| !v.is_finite()) {
            return Err(format!(
                "seed {seed} step {t}: non-finite metric {name} = {v}"
            ));
        }
        if step.truncated && t < horizon {
            return Err(format!(
                "seed {seed}: truncated at step {t} before the horizon {horizon}"
            ));
        }
        if !step.truncated && t == horizon {
            return Err(format!(
                "seed {seed}: not truncated at the horizon (step {horizon})"
            ));
        }
        let done = step.terminated || step.truncated;
        ep.obs.push(step.obs);
        ep.rewards.push(step.reward);
        ep.terminated.push(step.terminated);
        ep.truncated.push(step.truncated);
        ep.metrics.push(step.metrics);
        if let Some((k, task)) = switch_task {
            if k == t {
                env.set_task(task);
            }
        }
        if done {
            return Ok(ep);
        }
    }
    // Unreachable for a conforming env (truncated at step H is checked above).
    Err(format!(
        "seed {seed}: neither terminated nor truncated after {horizon} steps"
    ))
}

fn check_episodes(
    dist: &dyn TaskDistribution,
    env: &mut dyn Env,
    tasks: &[Task],
    seed: u64,
) -> Result<(), String> {
    let other_seed = seed.wrapping_add(1);
    let space = env.action_space().clone();
    let task = &tasks[0];
    env.set_task(task);
    let first = rollout(env, seed, uniform_actions(&space, seed), None)?;
    let other = rollout(env, other_seed, uniform_actions(&space, other_seed), None)?;
    if other == first {
        return Err(format!(
            "seeds {seed} and {other_seed} give the same episode"
        ));
    }
    let again = rollout(env, seed, uniform_actions(&space, seed), None)?;
    if again != first {
        return Err(format!(
            "seed {seed} gives a different episode after other episodes ran (reset does not restart cleanly)"
        ));
    }
    let mut fresh = dist.make_env();
    fresh.set_task(task);
    let fresh_ep = rollout(fresh.as_mut(), seed, uniform_actions(&space, seed), None)?;
    if fresh_ep != first {
        return Err(format!(
            "seed {seed} gives a different episode on a fresh env"
        ));
    }

    // set_task takes effect at the next reset only, and a different task changes the episode.
    if let Some(other_task) = tasks.iter().find(|t| *t != task) {
        let switch = Some(((first.rewards.len() / 2).max(1), other_task));
        let switched = rollout(env, seed, uniform_actions(&space, seed), switch)?;
        if switched != first {
            return Err(
                "set_task during an episode changed that episode (it must wait for reset)".into(),
            );
        }
        env.set_task(other_task);
        let on_other = rollout(env, seed, uniform_actions(&space, seed), None)?;
        if on_other == first {
            return Err(format!(
                "tasks {:?} and {:?} give the same episode",
                task.params, other_task.params
            ));
        }
        env.set_task(task);
    }

    // More seeds, for the per-step checks (observation space, finiteness, truncation at H).
    for s in 2..6 {
        let s = seed.wrapping_add(s);
        env.set_task(&tasks[s as usize % tasks.len()]);
        rollout(env, s, uniform_actions(&space, s), None)?;
    }
    env.set_task(task);
    Ok(())
}

fn check_out_of_box_actions(env: &mut dyn Env, task: &Task, seed: u64) -> Result<(), String> {
    let space = env.action_space().clone();
    env.set_task(task);
    let result = catch_unwind(AssertUnwindSafe(|| -> Result<(), String> {
        let wild = rollout(env, seed, out_of_box_actions(&space, seed), None)?;
        let mut wild_actions = out_of_box_actions(&space, seed);
        let clipped = rollout(env, seed, || space.clip(&wild_actions()), None)?;
        if wild != clipped {
            return Err(
                "actions outside the box act differently from the same actions clipped".into(),
            );
        }
        Ok(())
    }));
    match result {
        Ok(r) => r,
        Err(panic) => {
            let msg = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            Err(format!("the env panicked: {msg}"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::env::Step;
    use crate::nav2d::{Nav2d, Nav2dTasks};

    /// One contract violation planted in a nav2d env, to show `check_env` catches it.
    #[derive(Clone, Copy, Debug)]
    enum Fault {
        TruncatesOneStepEarly,
        NeverTruncates,
        ObservationOutsideSpace,
        PanicsOnLargeActions,
        ScalesInsteadOfClipping,
        StateLeaksAcrossResets,
        SetTaskActsImmediately,
        IgnoresTasks,
        SameTasksForEverySeed,
        NonFiniteReward,
    }

    struct FaultyEnv {
        inner: Nav2d,
        fault: Fault,
        episodes: u32,
    }

    impl Env for FaultyEnv {
        fn observation_space(&self) -> &BoxSpace {
            self.inner.observation_space()
        }
        fn action_space(&self) -> &BoxSpace {
            self.inner.action_space()
        }
        fn horizon(&self) -> usize {
            self.inner.horizon()
        }
        fn set_task(&mut self, task: &Task) {
            match self.fault {
                Fault::IgnoresTasks => {}
                Fault::SetTaskActsImmediately => {
                    let t = self.inner.elapsed_steps();
                    self.inner.set_task(task);
                    self.inner.reset(0);
                    for _ in 0..t {
                        self.inner.step(&[0.0, 0.0]);
                    }
                }
                _ => self.inner.set_task(task),
            }
        }
        fn reset(&mut self, seed: u64) -> Vec<f64> {
            self.episodes += 1;
            let mut obs = self.inner.reset(seed);
            if let Fault::StateLeaksAcrossResets = self.fault {
                obs[0] = 1e-3 * f64::from(self.episodes);
            }
            obs
        }
        fn step(&mut self, action: &[f64]) -> Step {
            let action = match self.fault {
                Fault::PanicsOnLargeActions => {
                    assert!(action.iter().all(|a| a.abs() < 1.0), "action too large");
                    action.to_vec()
                }
                Fault::ScalesInsteadOfClipping => action
                    .iter()
                    .map(|a| {
                        if a.is_finite() {
                            (a / 1e300).clamp(-0.1, 0.1)
                        } else {
                            0.0
                        }
                    })
                    .collect(),
                _ => action.to_vec(),
            };
            let mut step = self.inner.step(&action);
            let t = self.inner.elapsed_steps();
            match self.fault {
                Fault::TruncatesOneStepEarly => step.truncated = t + 1 >= self.horizon(),
                Fault::NeverTruncates => step.truncated = false,
                Fault::ObservationOutsideSpace if t == 3 => step.obs[1] = 1e9,
                Fault::NonFiniteReward if t == 2 => step.reward = f64::NAN,
                _ => {}
            }
            step
        }
    }

    struct FaultyTasks(Fault);

    impl TaskDistribution for FaultyTasks {
        fn name(&self) -> &'static str {
            "faulty"
        }
        fn sample_tasks(&self, rng: &mut dyn rand::RngCore, n: usize) -> Vec<Task> {
            match self.0 {
                Fault::SameTasksForEverySeed => {
                    Nav2dTasks::default().sample_tasks(&mut ChaCha8Rng::seed_from_u64(0), n)
                }
                _ => Nav2dTasks::default().sample_tasks(rng, n),
            }
        }
        fn make_env(&self) -> Box<dyn Env> {
            Box::new(FaultyEnv {
                inner: Nav2d::new(20),
                fault: self.0,
                episodes: 0,
            })
        }
        fn obs_dim(&self) -> usize {
            2
        }
        fn act_dim(&self) -> usize {
            2
        }
        fn horizon(&self) -> usize {
            20
        }
    }

    fn assert_caught(fault: Fault, expected: &str) {
        let err = check_env(&FaultyTasks(fault), 11).expect_err(&format!("{fault:?} not caught"));
        assert!(err.contains(expected), "{fault:?}: {err}");
    }

    #[test]
    fn check_env_accepts_nav2d() {
        check_env(&Nav2dTasks::default(), 3).unwrap();
    }

    #[test]
    fn check_env_catches_truncation_before_the_horizon() {
        assert_caught(
            Fault::TruncatesOneStepEarly,
            "truncated at step 19 before the horizon 20",
        );
    }

    #[test]
    fn check_env_catches_missing_truncation_at_the_horizon() {
        assert_caught(Fault::NeverTruncates, "not truncated at the horizon");
    }

    #[test]
    fn check_env_catches_observations_outside_the_space() {
        assert_caught(
            Fault::ObservationOutsideSpace,
            "outside the observation space",
        );
    }

    #[test]
    fn check_env_catches_non_finite_rewards() {
        assert_caught(Fault::NonFiniteReward, "non-finite reward");
    }

    #[test]
    fn check_env_catches_panics_on_out_of_box_actions() {
        assert_caught(
            Fault::PanicsOnLargeActions,
            "the env panicked: action too large",
        );
    }

    #[test]
    fn check_env_catches_out_of_box_actions_not_acting_as_clipped() {
        assert_caught(
            Fault::ScalesInsteadOfClipping,
            "act differently from the same actions clipped",
        );
    }

    #[test]
    fn check_env_catches_state_leaking_across_resets() {
        assert_caught(
            Fault::StateLeaksAcrossResets,
            "reset does not restart cleanly",
        );
    }

    #[test]
    fn check_env_catches_set_task_changing_the_running_episode() {
        assert_caught(Fault::SetTaskActsImmediately, "set_task during an episode");
    }

    #[test]
    fn check_env_catches_tasks_that_do_not_change_the_episode() {
        assert_caught(Fault::IgnoresTasks, "give the same episode");
    }

    #[test]
    fn check_env_catches_task_sampling_that_ignores_the_rng() {
        assert_caught(Fault::SameTasksForEverySeed, "give the same tasks");
    }
}
