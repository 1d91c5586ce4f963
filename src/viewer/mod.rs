//! The Bevy viewer (`metarl view`, feature `viewer`): watch a policy adapt to a task.
//!
//! The viewer only draws recordings ([`crate::rollout::Recording`]); sampling and adaptation run
//! in a background thread ([`worker`]) fed through a crossbeam channel, so the window never
//! waits on the policy. Nothing is specific to an env: a recording whose scenery has a ground
//! is drawn from the side ([`side_view`]), any other from above ([`top_down`]), both laid out
//! by [`view`] from the recorded shapes. One plugin per file; `app` assembles them.

mod app;
mod camera;
mod hud;
mod input;
mod scene;
mod screenshot;
mod shapes;
mod side_view;
#[cfg(test)]
mod test_recording;
mod top_down;
mod view;
mod worker;

pub use app::{run, ViewSettings};
