//! The side view (a scenery with a ground): two lanes on the same task, the episode before
//! adaptation on top and the one after below, the bodies drawn at their recorded shapes over the
//! ground with distance ticks; each lane's view follows its body's `position`. When the task is a
//! target forward velocity ([`target_velocity`]) a pace line shows where a body moving at that
//! velocity from the start would be.

use bevy::prelude::*;

use super::camera::overlay;
use super::scene::{
    body_at, position_at, set_color, target_velocity, Playback, Shown, GOAL, WALL, WIDTH,
};
use super::shapes::{add_meshes, placement};
use super::view::LANE_GROUND;
use crate::rollout::Recording;

/// Marker of every entity of this view (despawned when a new recording arrives).
#[derive(Component)]
struct SideEntity;

/// Body `index` of the episode shown in `lane` (0 top = before adaptation, 1 bottom = after).
#[derive(Component)]
struct LaneBody {
    lane: usize,
    index: usize,
}

/// Wall `index` of the scenery, drawn in `lane`.
#[derive(Component)]
struct LaneWall {
    lane: usize,
    index: usize,
}

/// Distance label `slot` of `lane`'s ground.
#[derive(Component)]
struct TickLabel {
    lane: usize,
    slot: usize,
}

/// Labelled ticks per lane (one per metre; a lane is 1280 px / 250 px per metre ≈ 5 m wide, about
/// 9 m when a 2 m tall body zooms the view out).
const LABELS: usize = 10;
/// Height (px) of the start and pace lines (0.9 m at the half-cheetah's scale).
const MARK_PX: f32 = 225.0;

pub(super) fn plugin(app: &mut App) {
    app.add_systems(
        Update,
        (rebuild, (move_bodies, draw, label_ticks))
            .chain()
            .run_if(is_side),
    );
}

fn is_side(shown: Res<Shown>) -> bool {
    shown.is_side()
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

/// x the view of a lane follows (the body's `position` x at time t).
fn follow_x(recording: &Recording, set: usize, t: f32) -> f32 {
    recording.sets[set]
        .episodes
        .first()
        .map_or(0.0, |e| position_at(e, t).x)
}

/// x where the lane's episode starts.
fn start_x(recording: &Recording, set: usize) -> f32 {
    recording.sets[set]
        .episodes
        .first()
        .and_then(|e| e.frames.first())
        .map_or(0.0, |f| f.position[0] as f32)
}

fn rebuild(
    mut commands: Commands,
    shown: Res<Shown>,
    mut built: Local<Option<u64>>,
    old: Query<Entity, With<SideEntity>>,
    mut meshes: ResMut<Assets<Mesh>>,
    mut materials: ResMut<Assets<ColorMaterial>>,
) {
    if !shown.rebuild_needed(&mut built, &mut commands, &old) {
        return;
    }
    let Some(view) = shown.side() else { return };
    let rec = &shown.recording;
    let Some(first) = shown.first_frame() else {
        return;
    };
    let shapes = add_meshes(&first.bodies, view.ppu, &mut meshes);
    let walls = add_meshes(&rec.scenery.walls, view.ppu, &mut meshes);
    let wall = materials.add(ColorMaterial::from_color(WALL));
    for lane in 0..2 {
        // Colours are set every frame (the post lane's set follows the steps shown).
        let material = materials.add(ColorMaterial::from_color(set_color(lane)));
        for (index, shape) in shapes.iter().enumerate() {
            commands.spawn((
                SideEntity,
                LaneBody { lane, index },
                Mesh2d(shape.clone()),
                MeshMaterial2d(material.clone()),
                Transform::from_xyz(0.0, 0.0, 1.0),
                overlay(),
            ));
        }
        for (index, shape) in walls.iter().enumerate() {
            commands.spawn((
                SideEntity,
                LaneWall { lane, index },
                Mesh2d(shape.clone()),
                MeshMaterial2d(wall.clone()),
                Transform::from_xyz(0.0, 0.0, 0.5),
                overlay(),
            ));
        }
        for slot in 0..LABELS {
            commands.spawn((
                SideEntity,
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

/// Places the bodies at the playback time and the walls in each lane's view.
fn move_bodies(
    shown: Res<Shown>,
    playback: Res<Playback>,
    mut bodies: Query<(&LaneBody, &mut Transform, &MeshMaterial2d<ColorMaterial>)>,
    mut walls: Query<(&LaneWall, &mut Transform), Without<LaneBody>>,
    mut materials: ResMut<Assets<ColorMaterial>>,
) {
    let Some(view) = shown.side() else { return };
    let rec = &shown.recording;
    let sets = lane_sets(rec, playback.steps_shown);
    let follow = sets.map(|set| follow_x(rec, set, playback.t));
    let Some(base) = shown.first_frame() else {
        return;
    };
    for (body, mut transform, material) in &mut bodies {
        let set = &rec.sets[sets[body.lane]];
        let Some(episode) = set.episodes.first() else {
            continue;
        };
        if let Some(mut m) = materials.get_mut(&material.0) {
            m.color = set_color(set.steps);
        }
        if let Some(shape) = body_at(episode, body.index, playback.t) {
            let to_px = |p| view.to_px(p, body.lane, follow[body.lane]);
            *transform = placement(&shape, &base.bodies[body.index], to_px, 1.0);
        }
    }
    for (wall, mut transform) in &mut walls {
        let shape = &rec.scenery.walls[wall.index];
        let to_px = |p| view.to_px(p, wall.lane, follow[wall.lane]);
        *transform = placement(shape, shape, to_px, 0.5);
    }
}

/// Ground lines with a tick every 0.5 m (long ones at whole metres), the start line and the pace
/// line.
fn draw(mut gizmos: Gizmos, shown: Res<Shown>, playback: Res<Playback>) {
    let Some(view) = shown.side() else { return };
    let rec = &shown.recording;
    let sets = lane_sets(rec, playback.steps_shown);
    let half = WIDTH as f32 / 2.0;
    let ground = Color::srgb(0.55, 0.58, 0.65);
    let velocity = target_velocity(rec);
    for (lane, &set) in sets.iter().enumerate() {
        let follow = follow_x(rec, set, playback.t);
        let y = LANE_GROUND[lane];
        gizmos.line_2d(Vec2::new(-half, y), Vec2::new(half, y), ground);
        let metres = half / view.ppu;
        let first = ((follow - metres) * 2.0).floor() as i32;
        let last = ((follow + metres) * 2.0).ceil() as i32;
        for k in first..=last {
            let x = (k as f32 / 2.0 - follow) * view.ppu;
            let len = if k % 2 == 0 { 14.0 } else { 7.0 };
            gizmos.line_2d(Vec2::new(x, y), Vec2::new(x, y - len), ground);
        }
        let start = start_x(rec, set);
        let mark = |gizmos: &mut Gizmos, x: f32, color: Color| {
            let x = (x - follow) * view.ppu;
            gizmos.line_2d(Vec2::new(x, y), Vec2::new(x, y + MARK_PX), color);
        };
        mark(&mut gizmos, start, Color::srgb(0.3, 0.33, 0.4));
        if let (Some(v), Some(episode)) = (velocity, rec.sets[set].episodes.first()) {
            // Held at the episode's end, like the body.
            let end = episode.frames.len().saturating_sub(1) as f32;
            let seconds = playback.t.clamp(0.0, end) * rec.dt as f32;
            mark(&mut gizmos, start + v as f32 * seconds, GOAL);
        }
    }
}

/// Distance labels under the whole-metre ticks in view.
fn label_ticks(
    shown: Res<Shown>,
    playback: Res<Playback>,
    mut labels: Query<(&TickLabel, &mut Text2d, &mut Transform)>,
) {
    let Some(view) = shown.side() else { return };
    let rec = &shown.recording;
    let sets = lane_sets(rec, playback.steps_shown);
    let half = WIDTH as f32 / 2.0;
    for (label, mut text, mut transform) in &mut labels {
        let follow = follow_x(rec, sets[label.lane], playback.t);
        let first = (follow - half / view.ppu).floor() as i32;
        let metre = first + label.slot as i32;
        let x = (metre as f32 - follow) * view.ppu;
        let content = format!("{metre} m");
        if text.0 != content {
            text.0 = content;
        }
        transform.translation = Vec3::new(x, LANE_GROUND[label.lane] - 26.0, 2.0);
    }
}
