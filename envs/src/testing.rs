//! Fault injection for testing the numeric guards of learners: a task distribution whose
//! environments return NaN rewards (a stand-in for a physics blow-up).
//!
//! Only built with the crate feature `testing` (or in this crate's own tests).

use crate::{BoxSpace, Env, RenderFrame, Scenery, Step, Task, TaskDistribution};

/// Wraps a task distribution so that every step's reward is NaN.
pub struct NanRewards(pub Box<dyn TaskDistribution>);

/// An environment whose rewards are NaN; everything else is the wrapped env's.
pub struct NanRewardEnv(Box<dyn Env>);

impl Env for NanRewardEnv {
    fn observation_space(&self) -> &BoxSpace {
        self.0.observation_space()
    }
    fn action_space(&self) -> &BoxSpace {
        self.0.action_space()
    }
    fn horizon(&self) -> usize {
        self.0.horizon()
    }
    fn set_task(&mut self, task: &Task) {
        self.0.set_task(task)
    }
    fn reset(&mut self, seed: u64) -> Vec<f64> {
        self.0.reset(seed)
    }
    fn step(&mut self, action: &[f64]) -> Step {
        let mut step = self.0.step(action);
        step.reward = f64::NAN;
        step
    }
    fn render(&self) -> Option<RenderFrame> {
        self.0.render()
    }
    fn scenery(&self) -> Scenery {
        self.0.scenery()
    }
}

impl TaskDistribution for NanRewards {
    fn name(&self) -> &'static str {
        self.0.name()
    }
    fn sample_tasks(&self, rng: &mut dyn rand::RngCore, n: usize) -> Vec<Task> {
        self.0.sample_tasks(rng, n)
    }
    fn make_env(&self) -> Box<dyn Env> {
        Box::new(NanRewardEnv(self.0.make_env()))
    }
    fn obs_dim(&self) -> usize {
        self.0.obs_dim()
    }
    fn act_dim(&self) -> usize {
        self.0.act_dim()
    }
    fn horizon(&self) -> usize {
        self.0.horizon()
    }
    fn dt(&self) -> f64 {
        self.0.dt()
    }
    fn check_task(&self, params: &[f64]) -> Result<Task, String> {
        self.0.check_task(params)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cheetah::CheetahTasks;
    use crate::Nav2dTasks;

    #[test]
    fn rewards_are_nan_and_everything_else_is_forwarded() {
        let nan = NanRewards(Box::new(Nav2dTasks::new(5)));
        let mut env = nan.make_env();
        env.reset(0);
        assert!(env.step(&[0.1, 0.0]).reward.is_nan());
        assert_eq!(env.render().unwrap().position, [0.1, 0.0]);
        assert_eq!((nan.name(), nan.horizon(), nan.dt()), ("nav2d", 5, 1.0));
        assert!(nan.check_task(&[0.9, 0.0]).is_err());
        let cheetah = NanRewards(Box::new(CheetahTasks::velocity()));
        assert_eq!(cheetah.dt(), CheetahTasks::velocity().dt());
        assert_eq!(
            cheetah.check_task(&[2.5]),
            CheetahTasks::velocity().check_task(&[2.5])
        );
    }
}
