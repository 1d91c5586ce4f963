//! The 2D-navigation scene: the arena (the goal range [-0.5, 0.5]^2), the goal, the
//! pre-adaptation trails (faded) and the post-adaptation trails (one bright colour per step
//! count), and an agent moving along every trail.

use bevy::prelude::*;

use super::camera::overlay;
use super::scene::{position_at, set_color, Playback, Shown, GOAL, NAV_PPU};
use super::worker::Live;
use crate::rollout::SceneKind;

/// Marker of every entity of this scene (despawned when a new recording arrives).
#[derive(Component)]
struct NavEntity;

/// An agent: episode `episode` of the set after `steps` adaptation steps.
#[derive(Component)]
struct Agent {
    steps: usize,
    set: usize,
    episode: usize,
}

/// Goal marker radius (px).
pub const GOAL_RADIUS: f32 = 11.0;
const AGENT_RADIUS: f32 = 5.0;

pub(super) fn plugin(app: &mut App) {
    app.add_systems(
        Update,
        (rebuild, (move_agents, draw)).chain().run_if(is_nav),
    );
}

fn is_nav(shown: Res<Shown>) -> bool {
    shown.scene() == SceneKind::Nav2d
}

/// Env coordinates to world pixels.
fn px(p: Vec2) -> Vec2 {
    p * NAV_PPU
}

/// On a new recording: the goal marker and one agent per recorded episode.
fn rebuild(
    mut commands: Commands,
    shown: Res<Shown>,
    mut built: Local<Option<u64>>,
    old: Query<Entity, With<NavEntity>>,
    mut meshes: ResMut<Assets<Mesh>>,
    mut materials: ResMut<Assets<ColorMaterial>>,
) {
    if !shown.rebuild_needed(&mut built, &mut commands, &old) {
        return;
    }
    let rec = &shown.recording;
    if let Some([gx, gy]) = rec.goal() {
        let disc = meshes.add(Circle::new(GOAL_RADIUS));
        commands.spawn((
            NavEntity,
            Mesh2d(disc),
            MeshMaterial2d(materials.add(ColorMaterial::from_color(GOAL))),
            Transform::from_translation(px(Vec2::new(gx as f32, gy as f32)).extend(5.0)),
            overlay(),
        ));
    }
    let dot = meshes.add(Circle::new(AGENT_RADIUS));
    for (set, episodes) in rec.sets.iter().enumerate() {
        let material = materials.add(ColorMaterial::from_color(set_color(episodes.steps)));
        for episode in 0..episodes.episodes.len() {
            commands.spawn((
                NavEntity,
                Agent {
                    steps: episodes.steps,
                    set,
                    episode,
                },
                Mesh2d(dot.clone()),
                MeshMaterial2d(material.clone()),
                Transform::from_xyz(0.0, 0.0, 1.0 + episodes.steps as f32),
                overlay(),
            ));
        }
    }
}

fn move_agents(
    shown: Res<Shown>,
    playback: Res<Playback>,
    mut agents: Query<(&Agent, &mut Transform, &mut Visibility)>,
) {
    for (agent, mut transform, mut visibility) in &mut agents {
        let episode = &shown.recording.sets[agent.set].episodes[agent.episode];
        let p = px(position_at(episode, playback.t));
        transform.translation.x = p.x;
        transform.translation.y = p.y;
        *visibility = if agent.steps <= playback.steps_shown {
            Visibility::Inherited
        } else {
            Visibility::Hidden
        };
    }
}

/// Arena, grid, start, pending goal and trails up to the playback time.
fn draw(mut gizmos: Gizmos, shown: Res<Shown>, playback: Res<Playback>, live: Option<Res<Live>>) {
    let grid = Color::srgb(0.16, 0.18, 0.22);
    for i in -5..=5 {
        let v = i as f32 * 0.1;
        gizmos.line_2d(px(Vec2::new(v, -0.5)), px(Vec2::new(v, 0.5)), grid);
        gizmos.line_2d(px(Vec2::new(-0.5, v)), px(Vec2::new(0.5, v)), grid);
    }
    gizmos.rect_2d(
        Isometry2d::IDENTITY,
        Vec2::splat(NAV_PPU),
        Color::srgb(0.55, 0.58, 0.65),
    );
    // Start (the origin).
    let start = Color::srgb(0.85, 0.85, 0.85);
    gizmos.line_2d(Vec2::new(-8.0, 0.0), Vec2::new(8.0, 0.0), start);
    gizmos.line_2d(Vec2::new(0.0, -8.0), Vec2::new(0.0, 8.0), start);
    let rec = &shown.recording;
    if let Some([gx, gy]) = rec.goal() {
        let goal = px(Vec2::new(gx as f32, gy as f32));
        gizmos.circle_2d(Isometry2d::from_translation(goal), GOAL_RADIUS + 6.0, GOAL);
    }
    if let Some(live) = live {
        if let (true, Some(task)) = (live.pending > 0, &live.requested_task) {
            if task.len() == 2 {
                let p = px(Vec2::new(task[0] as f32, task[1] as f32));
                gizmos.circle_2d(Isometry2d::from_translation(p), GOAL_RADIUS + 6.0, GOAL);
                gizmos.circle_2d(Isometry2d::from_translation(p), 4.0, GOAL);
            }
        }
    }
    // Pre-adaptation first, then post-adaptation sets in step order, so brighter lines are on top.
    for set in rec.sets.iter().filter(|s| s.steps <= playback.steps_shown) {
        let color = set_color(set.steps);
        for episode in &set.episodes {
            let n = super::scene::frame_index(episode, playback.t);
            let points = episode.frames[..=n]
                .iter()
                .map(|f| px(Vec2::new(f.position[0] as f32, f.position[1] as f32)))
                .chain(std::iter::once(px(position_at(episode, playback.t))));
            gizmos.linestrip_2d(points, color);
        }
    }
}
