//! The half-cheetah scene: two lanes on the same task, the pre-adaptation rollout on top and the
//! post-adaptation rollout below, capsules drawn from the recorded body poses over a ground with
//! distance ticks; each lane's view follows its cheetah.

use bevy::prelude::*;

use super::camera::overlay;
use super::scene::{
    frame_index, position_at, set_color, Playback, Shown, CHEETAH_PPU, LANE_GROUND, WIDTH,
};
use crate::rollout::{Recording, SceneKind};

/// Marker of every entity of this scene (despawned when a new recording arrives).
#[derive(Component)]
struct CheetahEntity;

/// Capsule `geom` of the cheetah in `lane` (0 top = pre-adaptation, 1 bottom = post).
#[derive(Component)]
struct Capsule {
    lane: usize,
    geom: usize,
}

/// Distance label `slot` of `lane`'s ground.
#[derive(Component)]
struct TickLabel {
    lane: usize,
    slot: usize,
}

/// Labelled ticks per lane (one per metre; the lane is ~5 m wide).
const LABELS: usize = 8;

pub(super) fn plugin(app: &mut App) {
    app.add_systems(
        Update,
        (rebuild, (move_capsules, draw, label_ticks))
            .chain()
            .run_if(is_cheetah),
    );
}

fn is_cheetah(shown: Res<Shown>) -> bool {
    shown.scene() == SceneKind::Cheetah
}

/// The set shown in each lane: before adaptation, and after `steps_shown` steps (at least 1
/// when recorded).
pub fn lane_sets(recording: &Recording, steps_shown: usize) -> [usize; 2] {
    let post = steps_shown.max(1).min(recording.max_steps());
    let index = |steps: usize| {
        recording
            .sets
            .iter()
            .position(|s| s.steps == steps)
            .unwrap_or(0)
    };
    [index(0), index(post)]
}

/// x the view of a lane follows (the torso's x at time t).
fn follow_x(recording: &Recording, set: usize, t: f32) -> f32 {
    recording.sets[set]
        .episodes
        .first()
        .map_or(0.0, |e| position_at(e, t).x)
}

/// Metres in lane `lane` (following `follow`) to world pixels.
fn px(p: Vec2, lane: usize, follow: f32) -> Vec2 {
    Vec2::new(
        (p.x - follow) * CHEETAH_PPU,
        p.y * CHEETAH_PPU + LANE_GROUND[lane],
    )
}

fn rebuild(
    mut commands: Commands,
    shown: Res<Shown>,
    mut built: Local<Option<u64>>,
    old: Query<Entity, With<CheetahEntity>>,
    mut meshes: ResMut<Assets<Mesh>>,
    mut materials: ResMut<Assets<ColorMaterial>>,
) {
    if !shown.rebuild_needed(&mut built, &mut commands, &old) {
        return;
    }
    let rec = &shown.recording;
    let Some(first) = rec.sets[0].episodes.first().and_then(|e| e.frames.first()) else {
        return;
    };
    let radius = rec.capsule_radius as f32 * CHEETAH_PPU;
    let shapes: Vec<Handle<Mesh>> = first
        .capsules
        .iter()
        .map(|c| {
            let length = Vec2::new((c[2] - c[0]) as f32, (c[3] - c[1]) as f32).length();
            meshes.add(Capsule2d::new(radius.max(1.0), length * CHEETAH_PPU))
        })
        .collect();
    for lane in 0..2 {
        // Colours are set every frame (the post lane's set follows the steps shown).
        let material = materials.add(ColorMaterial::from_color(set_color(lane)));
        for (geom, shape) in shapes.iter().enumerate() {
            commands.spawn((
                CheetahEntity,
                Capsule { lane, geom },
                Mesh2d(shape.clone()),
                MeshMaterial2d(material.clone()),
                Transform::from_xyz(0.0, 0.0, 1.0),
                overlay(),
            ));
        }
        for slot in 0..LABELS {
            commands.spawn((
                CheetahEntity,
                TickLabel { lane, slot },
                Text2d::new(""),
                TextFont::from_font_size(14.0),
                TextColor(Color::srgb(0.6, 0.63, 0.7)),
                Transform::from_xyz(0.0, 0.0, 2.0),
                overlay(),
            ));
        }
    }
}

fn move_capsules(
    shown: Res<Shown>,
    playback: Res<Playback>,
    mut capsules: Query<(&Capsule, &mut Transform, &MeshMaterial2d<ColorMaterial>)>,
    mut materials: ResMut<Assets<ColorMaterial>>,
) {
    let rec = &shown.recording;
    let sets = lane_sets(rec, playback.steps_shown);
    for (capsule, mut transform, material) in &mut capsules {
        let set = &rec.sets[sets[capsule.lane]];
        let Some(episode) = set.episodes.first() else {
            continue;
        };
        if let Some(mut m) = materials.get_mut(&material.0) {
            m.color = set_color(set.steps);
        }
        let follow = follow_x(rec, sets[capsule.lane], playback.t);
        let i = frame_index(episode, playback.t);
        let j = (i + 1).min(episode.frames.len() - 1);
        let s = (playback.t - i as f32).clamp(0.0, 1.0);
        let seg = |k: usize| {
            let c = episode.frames[k].capsules[capsule.geom];
            (
                Vec2::new(c[0] as f32, c[1] as f32),
                Vec2::new(c[2] as f32, c[3] as f32),
            )
        };
        let ((a0, b0), (a1, b1)) = (seg(i), seg(j));
        let (a, b) = (a0.lerp(a1, s), b0.lerp(b1, s));
        let (pa, pb) = (px(a, capsule.lane, follow), px(b, capsule.lane, follow));
        let d = pb - pa;
        transform.translation = ((pa + pb) / 2.0).extend(1.0);
        transform.rotation = Quat::from_rotation_z(d.y.atan2(d.x) - std::f32::consts::FRAC_PI_2);
    }
}

/// Ground lines with a tick every 0.5 m (long ones at whole metres), and the start line.
fn draw(mut gizmos: Gizmos, shown: Res<Shown>, playback: Res<Playback>) {
    let rec = &shown.recording;
    let sets = lane_sets(rec, playback.steps_shown);
    let half = WIDTH as f32 / 2.0;
    let ground = Color::srgb(0.55, 0.58, 0.65);
    for lane in 0..2 {
        let follow = follow_x(rec, sets[lane], playback.t);
        let y = LANE_GROUND[lane];
        gizmos.line_2d(Vec2::new(-half, y), Vec2::new(half, y), ground);
        let metres = half / CHEETAH_PPU;
        let first = ((follow - metres) * 2.0).floor() as i32;
        let last = ((follow + metres) * 2.0).ceil() as i32;
        for k in first..=last {
            let x = (k as f32 / 2.0 - follow) * CHEETAH_PPU;
            let len = if k % 2 == 0 { 14.0 } else { 7.0 };
            gizmos.line_2d(Vec2::new(x, y), Vec2::new(x, y - len), ground);
        }
        let start = -follow * CHEETAH_PPU;
        gizmos.line_2d(
            Vec2::new(start, y),
            Vec2::new(start, y + 0.9 * CHEETAH_PPU),
            Color::srgb(0.3, 0.33, 0.4),
        );
    }
}

/// Distance labels under the whole-metre ticks in view.
fn label_ticks(
    shown: Res<Shown>,
    playback: Res<Playback>,
    mut labels: Query<(&TickLabel, &mut Text2d, &mut Transform)>,
) {
    let rec = &shown.recording;
    let sets = lane_sets(rec, playback.steps_shown);
    let half = WIDTH as f32 / 2.0;
    for (label, mut text, mut transform) in &mut labels {
        let follow = follow_x(rec, sets[label.lane], playback.t);
        let first = (follow - half / CHEETAH_PPU).floor() as i32;
        let metre = first + label.slot as i32;
        let x = (metre as f32 - follow) * CHEETAH_PPU;
        let content = format!("{metre} m");
        if text.0 != content {
            text.0 = content;
        }
        transform.translation = Vec3::new(x, LANE_GROUND[label.lane] - 26.0, 2.0);
    }
}
