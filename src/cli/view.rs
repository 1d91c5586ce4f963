//! `metarl view` (feature `viewer`).

use anyhow::Result;
use metarl::viewer::ViewSettings;

use super::ViewArgs;

/// Runs `metarl view`.
pub fn run(args: &ViewArgs) -> Result<()> {
    metarl::viewer::run(&ViewSettings {
        run_dir: args.run_dir.clone(),
        replay: args.replay.clone(),
        env: args.env.clone(),
        seed: args.seed,
        screenshot: args.screenshot.clone(),
        frames: args.frames,
    })
}
