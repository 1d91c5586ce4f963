//! `metarl rollout`: record one adaptation to a JSON file.

use anyhow::{bail, Result};
use metarl::eval::Which;
use metarl::rollout::{Recorder, MAX_STEPS};

use super::RolloutArgs;

/// Runs `metarl rollout`.
pub fn run(args: &RolloutArgs) -> Result<()> {
    if args.steps > MAX_STEPS {
        bail!("--steps must be at most {MAX_STEPS} (got {})", args.steps);
    }
    if args.episodes == Some(0) {
        bail!("--episodes must be >= 1");
    }
    let which =
        (args.checkpoint.parse::<Which>()).map_err(|e| anyhow::anyhow!("--checkpoint: {e}"))?;
    let recorder = Recorder::open_checkpoint(&args.run_dir, args.env.as_deref(), &which)?;
    let task = match args.task.as_slice() {
        [] => None,
        params => Some(
            recorder
                .check_task(params)
                .map_err(|e| anyhow::anyhow!("--task: {e}"))?,
        ),
    };
    let episodes = args.episodes.unwrap_or_else(|| recorder.default_episodes());
    let recording = recorder.record(task, args.steps, args.seed, episodes)?;
    recording.save(&args.out)?;
    let means: Vec<String> = recording
        .sets
        .iter()
        .map(|s| format!("{} steps {:.2}", s.steps, s.mean_return))
        .collect();
    println!(
        "{}: task {:?}, mean return {} -> {}",
        recording.env,
        recording.task,
        means.join(", "),
        args.out.display()
    );
    Ok(())
}
