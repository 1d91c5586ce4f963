//! The top-down view (a scenery without a ground): a grid over the fitted region, the walls, the
//! goal and its radius, the trails of `position` (faded before adaptation, one bright colour per
//! step count after) and every episode's bodies moving along them.

use bevy::prelude::*;

use super::camera::overlay;
use super::scene::{body_at, position_at, set_color, Playback, Shown, GOAL, WALL};
use super::shapes::{add_meshes, placement, v as vec};
use super::worker::Live;

/// Marker of every entity of this view (despawned when a new recording arrives).
#[derive(Component)]
struct TopEntity;

/// Body `index` of episode `episode` of the set at index `set` (after `steps` adaptation steps).
#[derive(Component)]
struct Body {
    steps: usize,
    set: usize,
    episode: usize,
    index: usize,
}

/// Goal marker radius (px).
pub const GOAL_RADIUS: f32 = 11.0;
/// Radius (px) of the ring around the goal marker (and around a goal being adapted to).
const GOAL_RING: f32 = GOAL_RADIUS + 6.0;

pub(super) fn plugin(app: &mut App) {
    app.add_systems(
        Update,
        (rebuild, (move_bodies, draw)).chain().run_if(is_top),
    );
}

fn is_top(shown: Res<Shown>) -> bool {
    !shown.is_side()
}

/// On a new recording: the goal marker, the walls and every episode's bodies.
fn rebuild(
    mut commands: Commands,
    shown: Res<Shown>,
    mut built: Local<Option<u64>>,
    old: Query<Entity, With<TopEntity>>,
    mut meshes: ResMut<Assets<Mesh>>,
    mut materials: ResMut<Assets<ColorMaterial>>,
) {
    if !shown.rebuild_needed(&mut built, &mut commands, &old) {
        return;
    }
    let Some(view) = shown.top() else { return };
    let rec = &shown.recording;
    if let Some(goal) = rec.scenery.goal {
        commands.spawn((
            TopEntity,
            Mesh2d(meshes.add(Circle::new(GOAL_RADIUS))),
            MeshMaterial2d(materials.add(ColorMaterial::from_color(GOAL))),
            Transform::from_translation(view.to_px(vec(goal.position)).extend(5.0)),
            overlay(),
        ));
    }
    let wall = materials.add(ColorMaterial::from_color(WALL));
    let walls = add_meshes(&rec.scenery.walls, view.ppu, &mut meshes);
    for (shape, handle) in rec.scenery.walls.iter().zip(walls) {
        // Over the grid and the trails (which do not go through walls), under the bodies.
        commands.spawn((
            TopEntity,
            Mesh2d(handle),
            MeshMaterial2d(wall.clone()),
            placement(shape, shape, |p| view.to_px(p), 0.5),
            overlay(),
        ));
    }
    let Some(base) = shown.first_frame() else {
        return;
    };
    let shapes = add_meshes(&base.bodies, view.ppu, &mut meshes);
    for (set, episodes) in rec.sets.iter().enumerate() {
        let material = materials.add(ColorMaterial::from_color(set_color(episodes.steps)));
        for episode in 0..episodes.episodes.len() {
            for (index, shape) in shapes.iter().enumerate() {
                commands.spawn((
                    TopEntity,
                    Body {
                        steps: episodes.steps,
                        set,
                        episode,
                        index,
                    },
                    Mesh2d(shape.clone()),
                    MeshMaterial2d(material.clone()),
                    Transform::from_xyz(0.0, 0.0, 1.0 + episodes.steps as f32),
                    overlay(),
                ));
            }
        }
    }
}

fn move_bodies(
    shown: Res<Shown>,
    playback: Res<Playback>,
    mut bodies: Query<(&Body, &mut Transform, &mut Visibility)>,
) {
    let Some(view) = shown.top() else { return };
    let rec = &shown.recording;
    let Some(base) = shown.first_frame() else {
        return;
    };
    for (body, mut transform, mut visibility) in &mut bodies {
        let episode = &rec.sets[body.set].episodes[body.episode];
        if let Some(shape) = body_at(episode, body.index, playback.t) {
            let z = transform.translation.z;
            *transform = placement(&shape, &base.bodies[body.index], |p| view.to_px(p), z);
        }
        *visibility = if body.steps <= playback.steps_shown {
            Visibility::Inherited
        } else {
            Visibility::Hidden
        };
    }
}

/// Grid and border of the region, the start, the goal's rings, a goal being adapted to, and the
/// trails up to the playback time.
fn draw(mut gizmos: Gizmos, shown: Res<Shown>, playback: Res<Playback>, live: Option<Res<Live>>) {
    let Some(view) = shown.top() else { return };
    let px = |p: Vec2| view.to_px(p);
    let grid = Color::srgb(0.16, 0.18, 0.22);
    let cells = ((view.max - view.min) / view.grid).round().as_ivec2();
    for i in 0..=cells.x {
        let x = view.min.x + i as f32 * view.grid;
        gizmos.line_2d(
            px(Vec2::new(x, view.min.y)),
            px(Vec2::new(x, view.max.y)),
            grid,
        );
    }
    for i in 0..=cells.y {
        let y = view.min.y + i as f32 * view.grid;
        gizmos.line_2d(
            px(Vec2::new(view.min.x, y)),
            px(Vec2::new(view.max.x, y)),
            grid,
        );
    }
    gizmos.rect_2d(
        Isometry2d::from_translation(px(view.centre())),
        (view.max - view.min) * view.ppu,
        Color::srgb(0.55, 0.58, 0.65),
    );
    let rec = &shown.recording;
    // The start: where the first episode begins.
    if let Some(first) = rec.sets[0].episodes.first().and_then(|e| e.frames.first()) {
        let start = px(vec(first.position));
        let color = Color::srgb(0.85, 0.85, 0.85);
        gizmos.line_2d(start - Vec2::X * 8.0, start + Vec2::X * 8.0, color);
        gizmos.line_2d(start - Vec2::Y * 8.0, start + Vec2::Y * 8.0, color);
    }
    if let Some(goal) = rec.scenery.goal {
        let at = Isometry2d::from_translation(px(vec(goal.position)));
        gizmos.circle_2d(at, GOAL_RING, GOAL);
        // The region that counts as the goal (seen when larger than the marker).
        if goal.radius > 0.0 {
            gizmos.circle_2d(at, goal.radius as f32 * view.ppu, GOAL);
        }
    }
    if let (Some(live), Some(_)) = (live, rec.scenery.goal) {
        if let (true, Some(&[x, y])) = (live.pending > 0, live.requested_task.as_deref()) {
            let at = Isometry2d::from_translation(px(vec([x, y])));
            gizmos.circle_2d(at, GOAL_RING, GOAL);
            gizmos.circle_2d(at, 4.0, GOAL);
        }
    }
    // Pre-adaptation first, then post-adaptation sets in step order, so brighter lines are on top.
    for set in rec.sets.iter().filter(|s| s.steps <= playback.steps_shown) {
        let color = set_color(set.steps);
        for episode in &set.episodes {
            let n = super::scene::frame_index(episode, playback.t);
            let points = episode.frames[..=n]
                .iter()
                .map(|f| px(vec(f.position)))
                .chain(std::iter::once(px(position_at(episode, playback.t))));
            gizmos.linestrip_2d(points, color);
        }
    }
}
