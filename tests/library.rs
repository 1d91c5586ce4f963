//! The `metarl` library as a user drives it: a task family registered from library code is
//! trained, evaluated and recorded like the built-in ones; a recorded episode is the sampler's
//! episode bit for bit; training learns.

use std::sync::Arc;

use metarl::agents::sampler::{sample_task, EnvPool, SampleRequest};
use metarl::envs::{
    register_env, BoxSpace, Env, GoalMarker, RenderFrame, Scenery, Shape, Step, Task,
    TaskDistribution,
};
use metarl::rollout::Recorder;
use metarl::{evaluate, Config, EvalOptions, Trainer};

/// A 1-D point that should move to a target drawn from [-1, 1]; reward −|x − target|.
struct Line {
    target: f64,
    x: f64,
    t: usize,
    obs_space: BoxSpace,
    act_space: BoxSpace,
}

const LINE_HORIZON: usize = 8;

impl Env for Line {
    fn observation_space(&self) -> &BoxSpace {
        &self.obs_space
    }
    fn action_space(&self) -> &BoxSpace {
        &self.act_space
    }
    fn horizon(&self) -> usize {
        LINE_HORIZON
    }
    fn set_task(&mut self, task: &Task) {
        self.target = task.params[0];
    }
    fn reset(&mut self, seed: u64) -> Vec<f64> {
        self.x = (seed % 100) as f64 / 1000.0;
        self.t = 0;
        vec![self.x]
    }
    fn step(&mut self, action: &[f64]) -> Step {
        self.x = (self.x + action[0].clamp(-0.2, 0.2)).clamp(-2.0, 2.0);
        self.t += 1;
        Step {
            obs: vec![self.x],
            reward: -(self.x - self.target).abs(),
            terminated: false,
            truncated: self.t >= LINE_HORIZON,
            metrics: Vec::new(),
        }
    }
    fn render(&self) -> Option<RenderFrame> {
        Some(RenderFrame {
            position: [self.x, 0.0],
            x_velocity: None,
            bodies: vec![Shape::Disc {
                center: [self.x, 0.0],
                radius: 0.05,
            }],
        })
    }
    fn scenery(&self) -> Scenery {
        Scenery {
            goal: Some(GoalMarker {
                position: [self.target, 0.0],
                radius: 0.0,
            }),
            ..Scenery::default()
        }
    }
}

struct LineTasks;

impl TaskDistribution for LineTasks {
    fn name(&self) -> &'static str {
        "test-line"
    }
    fn sample_tasks(&self, rng: &mut dyn rand::RngCore, n: usize) -> Vec<Task> {
        (0..n)
            .map(|_| Task {
                params: vec![(rng.next_u64() % 2001) as f64 / 1000.0 - 1.0],
            })
            .collect()
    }
    fn make_env(&self) -> Box<dyn Env> {
        Box::new(Line {
            target: 0.0,
            x: 0.0,
            t: 0,
            obs_space: BoxSpace::new(vec![-2.0], vec![2.0]),
            act_space: BoxSpace::new(vec![-0.2], vec![0.2]),
        })
    }
    fn obs_dim(&self) -> usize {
        1
    }
    fn act_dim(&self) -> usize {
        1
    }
    fn horizon(&self) -> usize {
        LINE_HORIZON
    }
}

/// A small config on `env`: 3 tasks x 3 episodes, a 8x8 net, 3 evaluation episodes.
fn tiny(env: &str) -> Config {
    let mut config = Config::default();
    config.env.name = env.into();
    config.env.horizon = LINE_HORIZON;
    config.policy.hidden = vec![8, 8];
    config.maml.meta_batch_size = 3;
    config.maml.episodes_per_task = 3;
    config.train.iterations = 2;
    config.train.workers = 1;
    config.train.validation_tasks = 2;
    config.eval.episodes = 3;
    config
}

#[test]
fn a_task_family_registered_from_library_code_trains_evaluates_and_records() {
    register_env("test-line", "a 1-D point moving to a target", |_| {
        Box::new(LineTasks)
    })
    .unwrap();
    let err = Config::for_env("test-nothing").unwrap_err().to_string();
    assert!(err.contains("test-line"), "the registry lists it: {err}");

    let dir = tempfile::tempdir().unwrap();
    let config = Config::for_env("test-line").unwrap();
    assert_eq!(config.env.name, "test-line");
    let mut trainer = Trainer::create(tiny("test-line"), dir.path().join("run")).unwrap();
    let mut steps = 0;
    while let Some(step) = trainer.step().unwrap() {
        assert!(step.metrics.return_pre.is_finite());
        steps += 1;
    }
    assert_eq!(steps, 2);
    let policy = trainer.best_checkpoint().unwrap();
    assert_eq!(policy.checkpoint.env, "test-line");
    let report = evaluate(&policy, &EvalOptions::paper(4, 2).with_workers(1)).unwrap();
    assert_eq!(report.mean.len(), 3);
    assert!(report.mean.iter().all(|m| m.is_finite() && *m <= 0.0));

    let recorder = Recorder::open(&dir.path().join("run"), None).unwrap();
    assert_eq!(
        recorder.default_episodes(),
        5,
        "seen from above: several trails"
    );
    let recording = recorder.record(None, 1, 5, 2).unwrap();
    recording.check().unwrap();
    assert_eq!(
        recording.goal(),
        Some([recording.task[0], 0.0]),
        "the scenery of the recorded task"
    );
    assert_eq!(recording.sets.len(), 2);
    let episode = &recording.sets[0].episodes[0];
    assert_eq!(episode.rewards.len(), LINE_HORIZON);
    assert_eq!(episode.frames.len(), LINE_HORIZON + 1);
    // The frames are the env's render: reward −|x − target| at every frame after reset.
    for (frame, reward) in episode.frames[1..].iter().zip(&episode.rewards) {
        assert_eq!(-(frame.position[0] - recording.task[0]).abs(), *reward);
    }
}

#[test]
fn a_recorded_episode_is_the_samplers_episode_bit_for_bit() {
    let dir = tempfile::tempdir().unwrap();
    for env in ["nav2d", "cheetah-vel"] {
        let mut config = tiny(env);
        config.env.horizon = 12;
        config.train.iterations = 1;
        let run = dir.path().join(env);
        Trainer::create(config.clone(), &run)
            .unwrap()
            .run()
            .unwrap();
        let recorder = Recorder::open(&run, None).unwrap();
        let recording = recorder.record(None, 0, 9, 2).unwrap();
        let task = Task {
            params: recording.task.clone(),
        };
        // Stage 0 is θ_0, the checkpoint itself: sample its batch with the recorder's seeds.
        let policy = metarl::TrainedPolicy::load(&run, &metarl::Which::Best).unwrap();
        let dist: Arc<dyn TaskDistribution> = config.task_distribution().unwrap();
        let seeds = |e: usize| metarl::rollout::episode_seed(recording.seed, 0, e);
        let mut pool = EnvPool::new(dist.as_ref());
        let batch = sample_task(
            &mut pool,
            &SampleRequest {
                spec: policy.spec(),
                theta: policy.theta(),
                task: &task,
                episodes: config.eval.episodes,
            },
            seeds,
        );
        let mut start = 0;
        for (e, recorded) in recording.sets[0].episodes.iter().enumerate() {
            let len = batch.episode_lengths[e];
            let rewards = &batch.rewards[start..start + len];
            assert_eq!(recorded.rewards, rewards, "{env} episode {e}");
            start += len;
        }
        assert_eq!(recording.sets[0].mean_return, batch.mean_return(), "{env}");
    }
}
