//! `metarl rollout`: record one adaptation to a JSON file.

use anyhow::Result;
use metarl_envs::Task;

use super::format::SceneKind;
use super::record::Recorder;
use crate::cli::RolloutArgs;

/// Recorded episodes per set when `--episodes` is not given: several trails on nav2d, one
/// cheetah per lane.
pub fn default_episodes(scene: SceneKind) -> usize {
    match scene {
        SceneKind::Nav2d => 5,
        SceneKind::Cheetah => 1,
    }
}

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
