//! Two 2D cameras on the same target: the base camera clears to the background and draws the
//! gizmo lines (arena, trails, ground); the overlay camera (render layer 1) draws the meshes
//! (goal, agents, capsules) and the UI on top of them. Gizmos are always drawn after meshes on
//! one camera, so the overlay keeps the goal marker and the agents visible over the trails.

use bevy::camera::visibility::RenderLayers;
use bevy::camera::RenderTarget;
use bevy::prelude::*;

use super::scene::BACKGROUND;

/// Render layer of the meshes and the UI (drawn over the base camera's lines).
pub const OVERLAY_LAYER: usize = 1;

/// Marker of the camera that draws the lines (and converts the cursor to the world).
#[derive(Component)]
pub struct BaseCamera;

/// Marker of the camera that draws meshes and the UI over the lines.
#[derive(Component)]
pub struct OverlayCamera;

/// The image the cameras render into in screenshot mode (`None`: the primary window).
#[derive(Resource, Clone, Default)]
pub struct Target(pub Option<Handle<Image>>);

/// Render layers of an overlay entity.
pub fn overlay() -> RenderLayers {
    RenderLayers::layer(OVERLAY_LAYER)
}

pub(super) fn plugin(app: &mut App) {
    app.insert_resource(ClearColor(BACKGROUND))
        .add_systems(Startup, (spawn, line_width));
}

/// Trails and the ground are 3 px wide (their centre keeps the exact colour under MSAA).
fn line_width(mut store: ResMut<GizmoConfigStore>) {
    store.config_mut::<DefaultGizmoConfigGroup>().0.line.width = 3.0;
}

fn spawn(mut commands: Commands, target: Res<Target>) {
    let mut base = commands.spawn((
        BaseCamera,
        Camera2d,
        Camera {
            order: 0,
            ..default()
        },
    ));
    if let Some(image) = &target.0 {
        base.insert(RenderTarget::Image(image.clone().into()));
    }
    let mut top = commands.spawn((
        OverlayCamera,
        Camera2d,
        Camera {
            order: 1,
            clear_color: ClearColorConfig::None,
            ..default()
        },
        overlay(),
        IsDefaultUiCamera,
    ));
    if let Some(image) = &target.0 {
        top.insert(RenderTarget::Image(image.clone().into()));
    }
}
