//! The recording format (`metarl rollout --out FILE.json`, `metarl view --replay FILE.json`),
//! version [`VERSION`]. See the [module docs](super) for the layout.

use std::path::Path;

use anyhow::{bail, Context, Result};
use metarl_envs::{Scenery, Shape};
use serde::{Deserialize, Serialize};

/// Value of the `format` field.
pub const FORMAT: &str = "metarl-rollout";
/// Version of the layout written; readers refuse any other version.
pub const VERSION: u32 = 2;

/// A recorded adaptation: the task, and episodes of the policy after 0..=N adaptation steps.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Recording {
    /// Always [`FORMAT`].
    pub format: String,
    /// Layout version ([`VERSION`]).
    pub version: u32,
    /// Environment name (e.g. `nav2d`, `cheetah-vel`).
    pub env: String,
    /// Task parameters: nav2d `[gx, gy]`, cheetah-vel `[v_goal]`, cheetah-dir `[d]`.
    pub task: Vec<f64>,
    /// Seed the task (unless given) and every episode were drawn from.
    pub seed: u64,
    /// Episode time limit H.
    pub horizon: usize,
    /// Simulated seconds per env step (nav2d: 1, cheetah: 0.05).
    pub dt: f64,
    /// What does not move in the recorded task (ground, walls, goal), from the env after reset.
    pub scenery: Scenery,
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
    /// The point agent's position, or the torso origin of an articulated body (m; what trails
    /// follow and the side view's camera tracks).
    pub position: [f64; 2],
    /// Forward velocity over the step that led here, for envs that have one (m/s; 0 after reset).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub x_velocity: Option<f64>,
    /// Every moving body's shape in world coordinates (m), in the env's order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub bodies: Vec<Shape>,
}

/// The fields read before the rest, so another version is refused with a clear message rather
/// than a missing-field error.
#[derive(Deserialize)]
struct Header {
    format: String,
    version: u32,
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
        let header: Header = serde_json::from_str(text).map_err(|e| anyhow::anyhow!("{e}"))?;
        check_header(&header.format, header.version)?;
        let recording: Recording =
            serde_json::from_str(text).map_err(|e| anyhow::anyhow!("{e}"))?;
        recording.check()?;
        Ok(recording)
    }

    /// The position of the task's goal, for tasks that are a place ([`Scenery::goal`]).
    pub fn goal(&self) -> Option<[f64; 2]> {
        self.scenery.goal.map(|g| g.position)
    }

    /// Checks what the viewer relies on: format and version, a task the env accepts (when the
    /// env is registered in this process; else any non-empty finite task), dt > 0, at least one set,
    /// frames = rewards + 1, finite values, and the same bodies (count and kinds) in every frame.
    pub fn check(&self) -> Result<()> {
        check_header(&self.format, self.version)?;
        if self.task.is_empty() || !self.task.iter().all(|p| p.is_finite()) {
            bail!("task {:?} is not a {} task", self.task, self.env);
        }
        if let Ok(dist) = metarl_envs::task_distribution(&self.env, None) {
            if let Err(e) = dist.check_task(&self.task) {
                bail!("{e}");
            }
        }
        if !(self.dt > 0.0 && self.dt.is_finite()) {
            bail!("dt {} is not a positive duration", self.dt);
        }
        if !scenery_is_finite(&self.scenery) {
            bail!("scenery: non-finite value");
        }
        if self.sets.is_empty() {
            bail!("no episode sets");
        }
        let kinds = |f: &Frame| {
            f.bodies
                .iter()
                .map(std::mem::discriminant)
                .collect::<Vec<_>>()
        };
        let first = self
            .sets
            .iter()
            .flat_map(|s| &s.episodes)
            .flat_map(|e| e.frames.first())
            .next()
            .map(kinds);
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
                            && f.x_velocity.is_none_or(f64::is_finite)
                            && f.bodies.iter().all(shape_is_finite)
                    });
                if !finite {
                    bail!("{}: non-finite value", where_());
                }
                if episode.frames.iter().any(|f| Some(kinds(f)) != first) {
                    bail!(
                        "{}: the bodies differ from the first frame's (count or kinds)",
                        where_()
                    );
                }
            }
        }
        Ok(())
    }
}

/// Refuses another format or version (one line; version 1 asks for a new recording).
fn check_header(format: &str, version: u32) -> Result<()> {
    if format != FORMAT {
        bail!("format is `{format}`, not `{FORMAT}`");
    }
    if version != VERSION {
        bail!(
            "version {version} is not supported (this build reads {VERSION}); re-record it with \
             `metarl rollout`"
        );
    }
    Ok(())
}

/// Every coordinate and size of `shape` is finite (and sizes are not negative).
fn shape_is_finite(shape: &Shape) -> bool {
    let values: Vec<f64> = match *shape {
        Shape::Capsule { a, b, radius } => vec![a[0], a[1], b[0], b[1], radius],
        Shape::Rect {
            center,
            half_extents,
            angle,
        } => vec![
            center[0],
            center[1],
            half_extents[0],
            half_extents[1],
            angle,
        ],
        Shape::Disc { center, radius } => vec![center[0], center[1], radius],
    };
    let sizes_ok = match *shape {
        Shape::Capsule { radius, .. } | Shape::Disc { radius, .. } => radius >= 0.0,
        Shape::Rect { half_extents, .. } => half_extents.iter().all(|h| *h >= 0.0),
    };
    values.iter().all(|v| v.is_finite()) && sizes_ok
}

/// The scenery's ground, walls and goal are finite.
fn scenery_is_finite(scenery: &Scenery) -> bool {
    scenery.ground.is_none_or(f64::is_finite)
        && scenery.walls.iter().all(shape_is_finite)
        && scenery.goal.is_none_or(|g| {
            g.position.iter().chain([&g.radius]).all(|v| v.is_finite()) && g.radius >= 0.0
        })
        && scenery.arena.is_none_or(|a| {
            (0..2).all(|i| a.min[i].is_finite() && a.max[i].is_finite() && a.min[i] <= a.max[i])
        })
}

#[cfg(test)]
mod tests {
    use metarl_envs::GoalMarker;

    use super::*;

    fn tiny() -> Recording {
        Recording {
            format: FORMAT.into(),
            version: VERSION,
            env: "nav2d".into(),
            task: vec![0.1, -0.2],
            seed: 3,
            horizon: 2,
            dt: 1.0,
            scenery: Scenery {
                ground: None,
                walls: vec![],
                goal: Some(GoalMarker {
                    position: [0.1, -0.2],
                    radius: 0.01,
                }),
                arena: None,
            },
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
                            bodies: vec![Shape::Disc {
                                center: [0.0, 0.0],
                                radius: 0.01,
                            }],
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
        assert!(text.contains("\"kind\":\"disc\""), "{text}");
        assert!(!text.contains("x_velocity"), "{text}");
        assert_eq!(Recording::parse(&text).unwrap(), r);
        assert_eq!(r.goal(), Some([0.1, -0.2]));
    }

    #[test]
    fn the_scenery_arena_is_optional_and_checked() {
        let mut r = tiny();
        // Written before the arena existed: no key at all.
        let text = serde_json::to_string(&r).unwrap();
        assert!(text.contains("\"arena\":null"), "{text}");
        let without = text.replace(",\"arena\":null", "");
        assert_eq!(Recording::parse(&without).unwrap(), r);
        r.scenery.arena = Some(metarl_envs::Region::square(2.5));
        let text = serde_json::to_string(&r).unwrap();
        assert_eq!(Recording::parse(&text).unwrap(), r);
        for bad in [[f64::NAN, 0.0], [3.0, 0.0]] {
            r.scenery.arena = Some(metarl_envs::Region {
                min: bad,
                max: [2.5, 2.5],
            });
            let text = serde_json::to_string(&r).unwrap().replace("NaN", "null");
            assert!(Recording::parse(&text).is_err(), "{text}");
        }
    }

    #[test]
    fn corrupt_or_inconsistent_recordings_are_rejected_with_one_line() {
        let mut bad = tiny();
        bad.version = 99;
        let mut frames = tiny();
        frames.sets[0].episodes[0].frames.pop();
        let mut task = tiny();
        task.task = vec![0.1];
        let mut out_of_range = tiny();
        out_of_range.task = vec![3.0, 0.0];
        let mut bodies = tiny();
        bodies.sets[0].episodes[0].frames[2].bodies.clear();
        let mut nan = tiny();
        nan.scenery.goal.as_mut().unwrap().radius = f64::NAN;
        for (text, fragment) in [
            ("{".to_string(), "EOF"),
            ("[]".to_string(), "expected"),
            (serde_json::to_string(&bad).unwrap(), "version 99"),
            (
                serde_json::to_string(&frames).unwrap(),
                "2 frames for 2 rewards",
            ),
            (serde_json::to_string(&task).unwrap(), "nav2d"),
            (serde_json::to_string(&out_of_range).unwrap(), "nav2d"),
            (serde_json::to_string(&bodies).unwrap(), "bodies differ"),
        ] {
            let err = Recording::parse(&text).unwrap_err().to_string();
            assert!(!err.contains('\n'), "{err}");
            assert!(err.contains(fragment), "{fragment}: {err}");
        }
        // JSON has no NaN (serde_json writes null, which does not parse as a number).
        let err = nan.check().unwrap_err().to_string();
        assert!(err.contains("scenery: non-finite"), "{err}");
    }

    #[test]
    fn a_version_1_recording_asks_for_a_new_recording() {
        let v1 = r#"{"format": "metarl-rollout", "version": 1, "env": "nav2d", "scene": "nav2d",
            "task": [0.1, 0.2], "capsule_radius": 0.0, "sets": []}"#;
        let err = Recording::parse(v1).unwrap_err().to_string();
        assert_eq!(
            err,
            "version 1 is not supported (this build reads 2); re-record it with `metarl rollout`"
        );
    }
}
