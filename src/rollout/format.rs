//! The recording format (`metarl rollout --out FILE.json`, `metarl view --replay FILE.json`),
//! version [`VERSION`]. See the [module docs](super) for the layout.

use std::path::Path;

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};

/// Value of the `format` field.
pub const FORMAT: &str = "metarl-rollout";
/// Version of the layout written; readers refuse any other version.
pub const VERSION: u32 = 1;

/// Which scene a recording is drawn in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SceneKind {
    /// 2D navigation: frames hold the agent position.
    Nav2d,
    /// Half-cheetah: frames hold the torso origin and the capsule segments.
    Cheetah,
}

impl SceneKind {
    /// The scene of a built-in env name (`nav2d*` or `cheetah-*`); `None` for other envs.
    pub fn of_env(env: &str) -> Option<SceneKind> {
        if env.starts_with("nav2d") {
            Some(SceneKind::Nav2d)
        } else if env.starts_with("cheetah-") {
            Some(SceneKind::Cheetah)
        } else {
            None
        }
    }
}

/// A recorded adaptation: the task, and episodes of the policy after 0..=N adaptation steps.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Recording {
    /// Always [`FORMAT`].
    pub format: String,
    /// Layout version ([`VERSION`]).
    pub version: u32,
    /// Environment name (e.g. `nav2d`, `cheetah-vel`).
    pub env: String,
    /// Scene the frames are for.
    pub scene: SceneKind,
    /// Task parameters: nav2d `[gx, gy]`, cheetah-vel `[v_goal]`, cheetah-dir `[d]`.
    pub task: Vec<f64>,
    /// Seed the task (unless given) and every episode were drawn from.
    pub seed: u64,
    /// Episode time limit H.
    pub horizon: usize,
    /// Simulated seconds per env step (nav2d: 1, cheetah: 0.05).
    pub dt: f64,
    /// Capsule radius for drawing (m; cheetah), 0 for nav2d.
    pub capsule_radius: f64,
    /// Meta-iteration of the checkpoint the policy came from.
    pub checkpoint_iteration: u64,
    /// Learning rate of each adaptation step (eval protocol: first_lr, then later_lr).
    pub lrs: Vec<f64>,
    /// One set per adaptation step count 0..=N (set 0 = before adaptation).
    pub sets: Vec<EpisodeSet>,
}

/// Episodes of one parameter vector θ_j (after `steps` adaptation steps).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EpisodeSet {
    /// Adaptation steps taken (0 = the meta-learned initialization).
    pub steps: usize,
    /// Mean return over the whole batch sampled with θ_j (`batch_episodes` episodes; the recorded
    /// episodes are the first of them).
    pub mean_return: f64,
    /// Episodes in that batch (the eval protocol's `eval.episodes`).
    pub batch_episodes: usize,
    /// The recorded episodes.
    pub episodes: Vec<Episode>,
}

/// One recorded episode.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Episode {
    /// Undiscounted return (sum of `rewards`).
    #[serde(rename = "return")]
    pub total_return: f64,
    /// Ended in an MDP terminal state (nav2d: goal reached) rather than at the time limit.
    pub terminated: bool,
    /// Reward of each step (length = steps taken).
    pub rewards: Vec<f64>,
    /// State after reset, then after each step (length = steps taken + 1).
    pub frames: Vec<Frame>,
}

/// The drawable state at one time.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Frame {
    /// nav2d: the agent position (x, y); cheetah: the torso origin (x forward, y up), m.
    pub position: [f64; 2],
    /// Cheetah: torso x velocity over the step that led here (m/s; 0 after reset).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub x_velocity: Option<f64>,
    /// Cheetah: every capsule as a world-space segment `[ax, ay, bx, by]` (m): torso, head,
    /// bthigh, bshin, bfoot, fthigh, fshin, ffoot. Empty for nav2d.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub capsules: Vec<[f64; 4]>,
}

impl Recording {
    /// The set recorded after `steps` adaptation steps, if any.
    #[cfg_attr(not(feature = "viewer"), allow(dead_code))]
    pub fn set(&self, steps: usize) -> Option<&EpisodeSet> {
        self.sets.iter().find(|s| s.steps == steps)
    }

    /// Largest number of adaptation steps recorded.
    #[cfg_attr(not(feature = "viewer"), allow(dead_code))]
    pub fn max_steps(&self) -> usize {
        self.sets.iter().map(|s| s.steps).max().unwrap_or(0)
    }

    /// Longest episode, in frames.
    #[cfg_attr(not(feature = "viewer"), allow(dead_code))]
    pub fn max_frames(&self) -> usize {
        self.sets
            .iter()
            .flat_map(|s| &s.episodes)
            .map(|e| e.frames.len())
            .max()
            .unwrap_or(0)
    }

    /// Writes the recording as JSON.
    pub fn save(&self, path: &Path) -> Result<()> {
        let text = serde_json::to_string(self).context("cannot serialize the recording")?;
        std::fs::write(path, text)
            .with_context(|| format!("cannot write recording {}", path.display()))
    }

    /// Reads and checks a recording; every problem is a one-line error naming the file.
    #[cfg_attr(not(feature = "viewer"), allow(dead_code))]
    pub fn load(path: &Path) -> Result<Recording> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read recording {}", path.display()))?;
        Recording::parse(&text)
            .with_context(|| format!("corrupt or incompatible recording {}", path.display()))
    }

    /// Parses and checks recording JSON.
    pub fn parse(text: &str) -> Result<Recording> {
        let recording: Recording =
            serde_json::from_str(text).map_err(|e| anyhow::anyhow!("{e}"))?;
        recording.check()?;
        Ok(recording)
    }

    /// The goal to draw in the point scene: a 2-parameter task there (nav2d's goal), else none.
    pub fn goal(&self) -> Option<[f64; 2]> {
        match (self.scene, self.task.as_slice()) {
            (SceneKind::Nav2d, &[gx, gy]) => Some([gx, gy]),
            _ => None,
        }
    }

    /// Checks what the viewer relies on: format and version, the scene of the env, at least one
    /// set, frames = rewards + 1, finite values, capsules present for the cheetah.
    pub fn check(&self) -> Result<()> {
        if self.format != FORMAT {
            bail!("format is `{}`, not `{FORMAT}`", self.format);
        }
        if self.version != VERSION {
            bail!(
                "version {} is not supported (this build reads {VERSION})",
                self.version
            );
        }
        // The built-in families have a known scene and task size; an env registered by a user
        // is drawn in the scene its frames call for, with a task of any size.
        let expected_task = match SceneKind::of_env(&self.env) {
            Some(scene) if scene != self.scene => {
                bail!("scene {:?} does not match env `{}`", self.scene, self.env)
            }
            Some(SceneKind::Nav2d) => Some(2),
            Some(SceneKind::Cheetah) => Some(1),
            None => None,
        };
        if expected_task.is_some_and(|n| self.task.len() != n)
            || self.task.is_empty()
            || !self.task.iter().all(|p| p.is_finite())
        {
            bail!("task {:?} is not a {} task", self.task, self.env);
        }
        if self.sets.is_empty() {
            bail!("no episode sets");
        }
        for set in &self.sets {
            for (e, episode) in set.episodes.iter().enumerate() {
                let where_ = || format!("set {} episode {e}", set.steps);
                if episode.frames.len() != episode.rewards.len() + 1 {
                    bail!(
                        "{}: {} frames for {} rewards",
                        where_(),
                        episode.frames.len(),
                        episode.rewards.len()
                    );
                }
                let finite = episode.rewards.iter().all(|r| r.is_finite())
                    && episode.frames.iter().all(|f| {
                        f.position.iter().all(|v| v.is_finite())
                            && f.capsules.iter().flatten().all(|v| v.is_finite())
                    });
                if !finite {
                    bail!("{}: non-finite value", where_());
                }
                if self.scene == SceneKind::Cheetah
                    && episode.frames.iter().any(|f| f.capsules.is_empty())
                {
                    bail!("{}: cheetah frame without capsules", where_());
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tiny() -> Recording {
        Recording {
            format: FORMAT.into(),
            version: VERSION,
            env: "nav2d".into(),
            scene: SceneKind::Nav2d,
            task: vec![0.1, -0.2],
            seed: 3,
            horizon: 2,
            dt: 1.0,
            capsule_radius: 0.0,
            checkpoint_iteration: 0,
            lrs: vec![0.1],
            sets: vec![EpisodeSet {
                steps: 0,
                mean_return: -1.0,
                batch_episodes: 1,
                episodes: vec![Episode {
                    total_return: -1.0,
                    terminated: false,
                    rewards: vec![-0.5, -0.5],
                    frames: vec![
                        Frame {
                            position: [0.0, 0.0],
                            x_velocity: None,
                            capsules: vec![],
                        };
                        3
                    ],
                }],
            }],
        }
    }

    #[test]
    fn json_round_trip_keeps_the_recording() {
        let r = tiny();
        let text = serde_json::to_string(&r).unwrap();
        assert!(text.contains("\"return\":-1.0"), "{text}");
        assert!(!text.contains("capsules"), "{text}");
        assert_eq!(Recording::parse(&text).unwrap(), r);
    }

    #[test]
    fn corrupt_or_inconsistent_recordings_are_rejected_with_one_line() {
        let mut bad = tiny();
        bad.version = 99;
        let mut frames = tiny();
        frames.sets[0].episodes[0].frames.pop();
        let mut scene = tiny();
        scene.scene = SceneKind::Cheetah;
        for text in [
            "{".to_string(),
            "[]".to_string(),
            serde_json::to_string(&bad).unwrap(),
            serde_json::to_string(&frames).unwrap(),
            serde_json::to_string(&scene).unwrap(),
        ] {
            let err = Recording::parse(&text).unwrap_err().to_string();
            assert!(!err.contains('\n'), "{err}");
        }
    }
}
