//! What is shown: the current recording, the playback clock, colours and layout shared by the
//! scenes, and the plugin that advances playback.

use bevy::prelude::*;

use crate::rollout::{Episode, Recording, SceneKind};

/// Window / screenshot size in pixels (the scenes are laid out for it; 1 world unit = 1 px).
pub const WIDTH: u32 = 1280;
/// See [`WIDTH`].
pub const HEIGHT: u32 = 720;
/// nav2d: pixels per env unit (the arena [-0.5, 0.5]^2 is 500 px wide, centred in the image).
pub const NAV_PPU: f32 = 500.0;
/// Cheetah: pixels per metre.
pub const CHEETAH_PPU: f32 = 250.0;
/// Cheetah: y (px, world) of the ground of the top (pre-adaptation) and bottom lanes.
pub const LANE_GROUND: [f32; 2] = [40.0, -320.0];

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

/// Colour of the episodes after `steps` adaptation steps.
pub fn set_color(steps: usize) -> Color {
    match steps {
        0 => PRE,
        s => POST[(s - 1).min(POST.len() - 1)],
    }
}

/// The recording being shown; `generation` changes whenever a new one arrives, so scenes rebuild.
#[derive(Resource)]
pub struct Shown {
    /// The recording.
    pub recording: Recording,
    /// Incremented on every new recording.
    pub generation: u64,
}

impl Shown {
    /// Replaces the recording (and bumps the generation).
    pub fn replace(&mut self, recording: Recording) {
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

    /// Scene kind of the recording.
    pub fn scene(&self) -> SceneKind {
        self.recording.scene
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

impl Playback {
    /// Playing from the start at the scene's default speed, showing every recorded step count.
    pub fn start(recording: &Recording) -> Self {
        Playback {
            t: 0.0,
            speed: match recording.scene {
                SceneKind::Nav2d => 25.0,
                SceneKind::Cheetah => 20.0,
            },
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
