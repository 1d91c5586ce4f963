//! Recorded adaptations: `metarl rollout` and the data the viewer draws.
//!
//! A recording adapts a run's best checkpoint to one task with the eval protocol (`eval.episodes`
//! episodes per step, learning rate `eval.first_lr` for the first step and `eval.later_lr` after)
//! and keeps, for θ_0 (before adaptation) and for θ_1..θ_N, the first few episodes of each step's
//! batch frame by frame. Everything is drawn from the seed: the same run, task, steps, seed and
//! episode count give the same file.
//!
//! # JSON format, version 2
//!
//! ```text
//! {
//!   "format": "metarl-rollout", "version": 2,
//!   "env": "nav2d" | "cheetah-vel" | ...,   // any registered env whose Env::render draws it
//!   "task": [gx, gy] | [v_goal] | [d],      "seed": 7,
//!   "horizon": 100, "dt": 1.0,              // s per env step (cheetah 0.05)
//!   "scenery": {                            // Env::scenery after reset, for the recorded task
//!     "ground": null | 0.0,                 // y of the ground: a side view; null: seen from above
//!     "walls": [SHAPE, ...],
//!     "goal": null | { "position": [gx, gy], "radius": 0.01 },
//!     "arena": null | { "min": [x, y], "max": [x, y] } },  // the same for every task (optional)
//!   "checkpoint_iteration": 90, "lrs": [0.1, 0.05, 0.05],
//!   "sets": [                                 // one per adaptation step count 0..=N
//!     { "steps": 0, "mean_return": -40.2, "batch_episodes": 40,
//!       "episodes": [
//!         { "return": -38.1, "terminated": false,
//!           "rewards": [r_1, ..., r_T],
//!           "frames": [                       // T + 1 frames: after reset, then after each step
//!             { "position": [x, y],           // the point agent, or the torso origin (m)
//!               "x_velocity": 1.2,            // envs with a forward velocity only (m/s)
//!               "bodies": [SHAPE, ...] }      // Env::render's bodies, same kinds every frame
//!           ] } ] } ] }
//!
//! SHAPE (world coordinates, m; angles in rad, counter-clockwise):
//!   { "kind": "capsule", "a": [x, y], "b": [x, y], "radius": r }
//!   { "kind": "rect", "center": [x, y], "half_extents": [hw, hh], "angle": a }
//!   { "kind": "disc", "center": [x, y], "radius": r }
//! ```
//!
//! Readers refuse another `format` or `version` (version 1, with `scene`, `capsule_radius` and
//! `capsules`, must be recorded again), a task the env (when registered) refuses, frames that are
//! not one more than the rewards, bodies that change count or kinds, and non-finite values
//! ([`Recording::check`]).

mod format;
mod record;

pub use format::{Episode, EpisodeSet, Frame, Recording, FORMAT, VERSION};
pub use record::{default_episodes, episode_seed, Recorder, MAX_STEPS};
