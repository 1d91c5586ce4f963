//! The Bevy viewer (`metarl view`, feature `viewer`): watch a policy adapt to a task.
//!
//! The viewer only draws recordings ([`crate::rollout::Recording`]); sampling and adaptation run
//! in a background thread ([`worker`]) fed through a crossbeam channel, so the window never
//! waits on the policy. One plugin per file; `app` assembles them.

mod app;
mod camera;
mod cheetah;
mod hud;
mod input;
mod nav;
mod scene;
mod screenshot;
mod worker;

pub use app::{run, ViewSettings};
