//! User-registered env families: a family defined here (outside the crate) is built by name
//! exactly like the built-ins.

use metarl_envs::{
    check_env, env_descriptions, env_names, register_env, task_distribution, BoxSpace, Env,
    EnvError, Step, Task, TaskDistribution,
};
use rand::distributions::{Distribution, Uniform};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// A point on a line moving toward a random target in [-1, 1).
struct Point1dTasks {
    horizon: usize,
}

/// The env of [`Point1dTasks`]: `x += 0.1 · clip(a, -1, 1)`, reward `-|x - target|`.
struct Point1d {
    horizon: usize,
    observation_space: BoxSpace,
    action_space: BoxSpace,
    next_target: f64,
    target: f64,
    x: f64,
    steps: usize,
}

impl Env for Point1d {
    fn observation_space(&self) -> &BoxSpace {
        &self.observation_space
    }
    fn action_space(&self) -> &BoxSpace {
        &self.action_space
    }
    fn horizon(&self) -> usize {
        self.horizon
    }
    fn set_task(&mut self, task: &Task) {
        self.next_target = task.params[0];
    }
    fn reset(&mut self, _seed: u64) -> Vec<f64> {
        (self.target, self.x, self.steps) = (self.next_target, 0.0, 0);
        vec![self.x]
    }
    fn step(&mut self, action: &[f64]) -> Step {
        self.x += 0.1 * action[0].clamp(-1.0, 1.0);
        self.steps += 1;
        let distance = (self.x - self.target).abs();
        Step {
            obs: vec![self.x],
            reward: -distance,
            terminated: false,
            truncated: self.steps >= self.horizon,
            metrics: vec![("distance", distance)],
        }
    }
}

impl TaskDistribution for Point1dTasks {
    fn name(&self) -> &'static str {
        "point1d"
    }
    fn sample_tasks(&self, rng: &mut dyn rand::RngCore, n: usize) -> Vec<Task> {
        let target = Uniform::new(-1.0, 1.0);
        (0..n)
            .map(|_| Task {
                params: vec![target.sample(rng)],
            })
            .collect()
    }
    fn make_env(&self) -> Box<dyn Env> {
        let reach = 0.1 * self.horizon as f64;
        Box::new(Point1d {
            horizon: self.horizon,
            observation_space: BoxSpace::uniform(1, -reach, reach),
            action_space: BoxSpace::uniform(1, -1.0, 1.0),
            next_target: 0.0,
            target: 0.0,
            x: 0.0,
            steps: 0,
        })
    }
    fn obs_dim(&self) -> usize {
        1
    }
    fn act_dim(&self) -> usize {
        1
    }
    fn horizon(&self) -> usize {
        self.horizon
    }
}

fn register_point1d(name: &str) -> Result<(), EnvError> {
    register_env(name, "1-D point moving toward a random target", |horizon| {
        Box::new(Point1dTasks {
            horizon: horizon.unwrap_or(30),
        })
    })
}

#[test]
fn a_registered_family_builds_by_name_and_passes_check_env() {
    let name = "test-point1d-build";
    register_point1d(name).unwrap();
    let dist = task_distribution(name, None).unwrap();
    assert_eq!((dist.name(), dist.horizon()), ("point1d", 30));
    assert_eq!(task_distribution(name, Some(4)).unwrap().horizon(), 4);
    assert_eq!(
        task_distribution(name, Some(0)).err(),
        Some(EnvError::InvalidHorizon(0))
    );
    for seed in [0, 1, 42] {
        check_env(dist.as_ref(), seed).unwrap();
    }
    check_env(task_distribution(name, Some(1)).unwrap().as_ref(), 3).unwrap();
    // Defaults of the optional trait methods.
    assert_eq!(dist.dt(), 1.0);
    assert_eq!(dist.check_task(&[0.25]), Ok(Task { params: vec![0.25] }));
    assert_eq!(dist.make_env().render(), None);
}

#[test]
fn a_registered_family_is_listed_after_the_builtins_and_in_unknown_env_messages() {
    let name = "test-point1d-listed";
    register_point1d(name).unwrap();
    let names = env_names();
    let position = names.iter().position(|n| n == name).unwrap();
    assert!(position >= 10, "{names:?}");
    assert_eq!(names[0], "nav2d");
    assert!(env_descriptions().contains(&(
        name.to_string(),
        "1-D point moving toward a random target".to_string()
    )));
    let msg = task_distribution("no-such-env", None)
        .err()
        .unwrap()
        .to_string();
    assert!(!msg.contains('\n'), "{msg}");
    assert!(
        msg.starts_with("unknown env `no-such-env` (known: nav2d, nav2d-oracle, nav2d-walls, "),
        "{msg}"
    );
    assert!(msg.contains(name), "{msg}");
}

#[test]
fn user_families_are_listed_in_registration_order() {
    let (first, second) = ("test-point1d-zz-first", "test-point1d-aa-second");
    register_point1d(first).unwrap();
    register_point1d(second).unwrap();
    let names = env_names();
    let index = |n: &str| names.iter().position(|m| m == n).unwrap();
    assert!(index(first) < index(second), "{names:?}");
}

#[test]
fn a_taken_name_cannot_be_registered_again() {
    let name = "test-point1d-twice";
    register_point1d(name).unwrap();
    assert_eq!(
        register_point1d(name),
        Err(EnvError::AlreadyRegistered(name.to_string()))
    );
    assert_eq!(
        register_point1d("cheetah-vel"),
        Err(EnvError::AlreadyRegistered("cheetah-vel".to_string()))
    );
    assert_eq!(
        register_point1d("point 1d"),
        Err(EnvError::InvalidName("point 1d".to_string()))
    );
    // The first registration is kept; the built-in is untouched.
    assert_eq!(task_distribution(name, None).unwrap().name(), "point1d");
    assert_eq!(
        task_distribution("cheetah-vel", None).unwrap().name(),
        "cheetah-vel"
    );
}

#[test]
fn the_nav2d_families_come_first_each_followed_by_its_oracle() {
    let names = env_names();
    for (i, family) in ["nav2d", "nav2d-walls", "nav2d-corners"].iter().enumerate() {
        assert_eq!(names[2 * i], *family);
        assert_eq!(names[2 * i + 1], format!("{family}-oracle"));
    }
    for (name, description) in &env_descriptions()[..6] {
        let oracle = name.ends_with("-oracle");
        assert!(!description.contains('\n'), "{name}: {description}");
        assert_eq!(
            description.contains("observing"),
            oracle,
            "{name}: {description}"
        );
        let dist = task_distribution(name, None).unwrap();
        assert_eq!(dist.name(), name);
        assert_eq!((dist.horizon(), dist.act_dim()), (100, 2));
        assert_eq!(dist.obs_dim(), if oracle { 4 } else { 2 });
        let short = task_distribution(name, Some(7)).unwrap();
        assert_eq!((short.horizon(), short.make_env().horizon()), (7, 7));
        // A drawn task passes check_task; one far outside gets a one-line error naming the env.
        let task = dist
            .sample_tasks(&mut ChaCha8Rng::seed_from_u64(0), 1)
            .remove(0);
        assert_eq!(dist.check_task(&task.params), Ok(task.clone()));
        let err = dist.check_task(&[9.0, 9.0]).unwrap_err();
        assert!(
            err.starts_with(&format!("invalid task [9.0, 9.0] for {name}: expected ")),
            "{err}"
        );
        assert!(!err.contains('\n'), "{err}");
    }
}
