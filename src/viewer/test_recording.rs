//! Recordings for the viewer's unit tests, shaped like the envs record them.

use metarl_envs::{GoalMarker, Scenery, Shape};

use crate::rollout::{Episode, EpisodeSet, Frame, Recording, FORMAT, VERSION};

/// A recording of `env` on `task` with one still episode per step count 0..=3: `nav2d` from
/// above with the task as its goal, `cheetah-*` from the side with an `x_velocity`, any other
/// env from above without a goal.
pub fn recording(env: &str, task: Vec<f64>) -> Recording {
    let nav = env == "nav2d";
    let side = env.starts_with("cheetah-");
    let frame = Frame {
        position: [0.0, 0.0],
        x_velocity: side.then_some(0.0),
        bodies: vec![Shape::Disc {
            center: [0.0, 0.0],
            radius: 0.01,
        }],
    };
    let scenery = Scenery {
        ground: side.then_some(0.0),
        walls: vec![],
        goal: nav.then(|| GoalMarker {
            position: [task[0], task[1]],
            radius: 0.01,
        }),
        arena: None,
    };
    Recording {
        format: FORMAT.into(),
        version: VERSION,
        env: env.into(),
        task,
        seed: 5,
        horizon: 3,
        dt: 1.0,
        scenery,
        checkpoint_iteration: 0,
        lrs: vec![0.1, 0.05, 0.05],
        sets: (0..=3)
            .map(|steps| EpisodeSet {
                steps,
                mean_return: 0.0,
                batch_episodes: 1,
                episodes: vec![Episode {
                    total_return: 0.0,
                    terminated: false,
                    rewards: vec![0.0; 3],
                    frames: vec![frame.clone(); 4],
                }],
            })
            .collect(),
    }
}
