//! `metarl rollout`: record one adaptation to a JSON file.

use anyhow::Result;
use metarl::envs::Task;
use metarl::rollout::{default_episodes, Recorder};

use super::RolloutArgs;

/// Runs `metarl rollout`.
pub fn run(args: &RolloutArgs) -> Result<()> {
    let recorder = Recorder::open(&args.run_dir, args.env.as_deref())?;
    let task = (!args.task.is_empty()).then(|| Task {
        params: args.task.clone(),
    });
    let episodes = args
        .episodes
        .unwrap_or_else(|| default_episodes(recorder.scene()));
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
