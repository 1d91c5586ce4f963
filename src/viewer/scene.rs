//! What is shown: the current recording and its [`View`], the playback clock, colours shared by
//! the views, and the plugin that advances playback.

use bevy::prelude::*;

use metarl_envs::Shape;

use super::shapes::lerp;
use super::view::{SideView, TopView, View};
use crate::rollout::{Episode, Frame, Recording};

/// Window / screenshot size in pixels (the views are laid out for it; 1 world unit = 1 px).
pub const WIDTH: u32 = 1280;
/// See [`WIDTH`].
pub const HEIGHT: u32 = 720;

/// Background colour.
pub const BACKGROUND: Color = Color::srgb(0.07, 0.08, 0.10);
/// Goal marker.
pub const GOAL: Color = Color::srgb(1.0, 0.84, 0.0);
/// Pre-adaptation episodes (faded).
pub const PRE: Color = Color::srgb(0.42, 0.46, 0.55);
/// Post-adaptation episodes after 1, 2, 3 steps (bright).
pub const POST: [Color; 3] = [
    Color::srgb(1.0, 0.30, 0.55),
    Color::srgb(0.20, 0.75, 1.0),
    Color::srgb(0.40, 1.0, 0.35),
];
/// Text colour.
pub const TEXT: Color = Color::srgb(0.92, 0.93, 0.95);
/// Walls (filled).
pub const WALL: Color = Color::srgb(0.36, 0.38, 0.45);

/// Colour of the episodes after `steps` adaptation steps.
pub fn set_color(steps: usize) -> Color {
    match steps {
        0 => PRE,
        s => POST[(s - 1).min(POST.len() - 1)],
    }
}

/// The recording being shown and its layout; `generation` changes whenever a new one arrives, so
/// the views rebuild.
#[derive(Resource)]
pub struct Shown {
    /// The recording.
    pub recording: Recording,
    /// Its layout ([`View::of`] the recording).
    pub view: View,
    /// Incremented on every new recording.
    pub generation: u64,
}

impl Shown {
    /// The first recording (generation 0).
    pub fn new(recording: Recording) -> Self {
        Shown {
            view: View::of(&recording),
            recording,
            generation: 0,
        }
    }

    /// Replaces the recording and its view (and bumps the generation).
    pub fn replace(&mut self, recording: Recording) {
        self.view = View::of(&recording);
        self.recording = recording;
        self.generation += 1;
    }

    /// True once per new recording for a scene that last built `built`: marks it built and
    /// despawns the scene's old entities `old`, so the caller rebuilds from scratch.
    pub fn rebuild_needed<M: Component>(
        &self,
        built: &mut Option<u64>,
        commands: &mut Commands,
        old: &Query<Entity, With<M>>,
    ) -> bool {
        if *built == Some(self.generation) {
            return false;
        }
        *built = Some(self.generation);
        for e in old {
            commands.entity(e).despawn();
        }
        true
    }

    /// The recording is seen from the side (its scenery has a ground).
    pub fn is_side(&self) -> bool {
        self.side().is_some()
    }

    /// The side view, if the recording is seen from the side.
    pub fn side(&self) -> Option<&SideView> {
        match &self.view {
            View::Side(view) => Some(view),
            View::Top(_) => None,
        }
    }

    /// The top-down view, if the recording is seen from above.
    pub fn top(&self) -> Option<&TopView> {
        match &self.view {
            View::Top(view) => Some(view),
            View::Side(_) => None,
        }
    }

    /// The first frame of the first episode before adaptation: its bodies are the ones every
    /// frame has (Recording::check), the meshes are built from them.
    pub fn first_frame(&self) -> Option<&Frame> {
        self.recording.sets[0].episodes.first()?.frames.first()
    }
}

/// The playback clock and what is shown.
#[derive(Resource, Clone, Debug, PartialEq)]
pub struct Playback {
    /// Time in env steps since the episodes started (fractional: frames are interpolated).
    pub t: f32,
    /// Env steps per second of real time.
    pub speed: f32,
    /// Paused.
    pub paused: bool,
    /// Post-adaptation sets shown: those after 1..=steps_shown steps (0 = only pre-adaptation).
    pub steps_shown: usize,
}

/// Playback speed limits (env steps per second).
pub const SPEED_RANGE: (f32, f32) = (1.0, 400.0);
/// Default playback speed seen from above (env steps per second).
const TOP_SPEED: f32 = 25.0;

impl Playback {
    /// Playing from the start at the default speed, showing every recorded step count: real time
    /// (1 / dt steps per second) in a side view, [`TOP_SPEED`] from above.
    pub fn start(recording: &Recording) -> Self {
        let speed = match recording.scenery.ground {
            Some(_) => (1.0 / recording.dt as f32).clamp(SPEED_RANGE.0, SPEED_RANGE.1),
            None => TOP_SPEED,
        };
        Playback {
            t: 0.0,
            speed,
            paused: false,
            steps_shown: recording.max_steps(),
        }
    }

    /// Showing the end of every episode (screenshots).
    pub fn at_end(recording: &Recording) -> Self {
        Playback {
            t: recording.max_frames() as f32,
            paused: true,
            ..Playback::start(recording)
        }
    }
}

/// Position of `episode` at time `t` (env steps), linearly interpolated; holds the last frame.
pub fn position_at(episode: &Episode, t: f32) -> Vec2 {
    let last = episode.frames.len().saturating_sub(1);
    let i = (t.max(0.0).floor() as usize).min(last);
    let j = (i + 1).min(last);
    let s = (t - i as f32).clamp(0.0, 1.0);
    let p = |k: usize| {
        let f = &episode.frames[k].position;
        Vec2::new(f[0] as f32, f[1] as f32)
    };
    p(i).lerp(p(j), s)
}

/// Body `index` of `episode` at time `t`, interpolated like [`position_at`].
pub fn body_at(episode: &Episode, index: usize, t: f32) -> Option<Shape> {
    let i = frame_index(episode, t);
    let j = (i + 1).min(episode.frames.len().saturating_sub(1));
    let s = (t - i as f32).clamp(0.0, 1.0);
    let body = |k: usize| episode.frames.get(k).and_then(|f| f.bodies.get(index));
    Some(lerp(body(i)?, body(j)?, s))
}

/// The target forward velocity a side view draws as a pace line: the task's one parameter, for
/// envs whose frames carry `x_velocity` (cheetah-vel's goal velocity; cheetah-dir's direction
/// ±1, a pace of 1 m/s forward or backward). `None` for other tasks.
pub fn target_velocity(recording: &Recording) -> Option<f64> {
    let has_velocity = recording
        .sets
        .iter()
        .flat_map(|s| &s.episodes)
        .flat_map(|e| e.frames.first())
        .any(|f| f.x_velocity.is_some());
    match recording.task.as_slice() {
        &[v] if has_velocity => Some(v),
        _ => None,
    }
}

/// Index of the last frame reached at time `t`.
pub fn frame_index(episode: &Episode, t: f32) -> usize {
    (t.max(0.0).floor() as usize).min(episode.frames.len().saturating_sub(1))
}

/// Sum of the rewards received up to time `t`.
pub fn return_so_far(episode: &Episode, t: f32) -> f64 {
    episode.rewards[..frame_index(episode, t)].iter().sum()
}

pub(super) fn plugin(app: &mut App) {
    app.add_systems(Update, advance);
}

/// Advances the clock unless paused, stopping at the end of the longest episode.
fn advance(time: Res<Time>, shown: Res<Shown>, mut playback: ResMut<Playback>) {
    if playback.paused {
        return;
    }
    let end = shown.recording.max_frames().saturating_sub(1) as f32;
    playback.t = (playback.t + playback.speed * time.delta_secs()).min(end);
}
