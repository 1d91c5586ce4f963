//! Recorded adaptations: `metarl rollout` and the data the viewer draws.
//!
//! A recording adapts a run's best checkpoint to one task with the eval protocol (`eval.episodes`
//! episodes per step, learning rate `eval.first_lr` for the first step and `eval.later_lr` after)
//! and keeps, for θ_0 (before adaptation) and for θ_1..θ_N, the first few episodes of each step's
//! batch frame by frame. Everything is drawn from the seed: the same run, task, steps, seed and
//! episode count give the same file.
//!
//! # JSON format, version 1
//!
//! ```text
//! {
//!   "format": "metarl-rollout", "version": 1,
//!   "env": "nav2d" | "cheetah-vel" | ...,   "scene": "nav2d" | "cheetah",
//!   "task": [gx, gy] | [v_goal] | [d],      "seed": 7,
//!   "horizon": 100, "dt": 1.0 (s per env step; cheetah 0.05), "capsule_radius": 0.0 (cheetah 0.046),
//!   "checkpoint_iteration": 90, "lrs": [0.1, 0.05, 0.05],
//!   "sets": [                                 // one per adaptation step count 0..=N
//!     { "steps": 0, "mean_return": -40.2, "batch_episodes": 40,
//!       "episodes": [
//!         { "return": -38.1, "terminated": false,
//!           "rewards": [r_1, ..., r_T],
//!           "frames": [                       // T + 1 frames: after reset, then after each step
//!             { "position": [x, y],           // nav2d agent; cheetah torso origin (m)
//!               "x_velocity": 1.2,            // cheetah only (m/s)
//!               "capsules": [[ax, ay, bx, by], ...] }  // cheetah only: 8 world-space segments
//!           ] } ] } ] }
//! ```
//!
//! Readers refuse another `format` or `version`, frames that are not one more than the rewards,
//! and non-finite values ([`Recording::check`]).

mod format;
mod record;

pub use format::{Episode, EpisodeSet, Frame, Recording, SceneKind, FORMAT, VERSION};
pub use record::{default_episodes, episode_seed, Recorder, MAX_STEPS};
