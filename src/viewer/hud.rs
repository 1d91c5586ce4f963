//! Text over the scene: the HUD (task, steps shown, mean return of each set, playback state),
//! the legend (one colour per adaptation step count) and the key bindings.

use bevy::prelude::*;

use super::cheetah::lane_sets;
use super::scene::{return_so_far, set_color, Playback, Shown, GOAL, TEXT};
use super::worker::Live;
use crate::rollout::{Recording, SceneKind};

/// The HUD text (top left; nav2d).
#[derive(Component)]
struct HudText;

/// The text of a cheetah lane (0 top, 1 bottom).
#[derive(Component)]
struct LaneText(usize);

/// Legend row of the set after `0` adaptation steps.
#[derive(Component)]
struct LegendRow(usize);

/// Legend row of the goal marker (nav2d only).
#[derive(Component)]
struct GoalRow;

/// The key bindings line.
#[derive(Component)]
struct KeysText;

const PANEL: Color = Color::srgba(0.0, 0.0, 0.0, 0.55);

pub(super) fn plugin(app: &mut App) {
    app.add_systems(Startup, spawn)
        .add_systems(Update, (hud_text, lane_text, legend));
}

fn font(size: f32) -> TextFont {
    TextFont::from_font_size(size)
}

/// An empty text panel at the left edge, `top` pixels down, at most `max_width` wide.
fn text_panel(top: f32, padding: f32, max_width: Val) -> impl Bundle {
    (
        Text::new(""),
        font(17.0),
        TextColor(TEXT),
        Node {
            position_type: PositionType::Absolute,
            left: Val::Px(16.0),
            top: Val::Px(top),
            padding: UiRect::all(Val::Px(padding)),
            max_width,
            ..default()
        },
        BackgroundColor(PANEL),
    )
}

fn spawn(mut commands: Commands) {
    commands.spawn((HudText, text_panel(16.0, 10.0, Val::Px(370.0))));
    for (lane, top) in [(0, 10.0), (1, 370.0)] {
        commands.spawn((LaneText(lane), text_panel(top, 8.0, Val::Auto)));
    }
    commands
        .spawn((
            Node {
                position_type: PositionType::Absolute,
                right: Val::Px(16.0),
                top: Val::Px(16.0),
                flex_direction: FlexDirection::Column,
                row_gap: Val::Px(6.0),
                padding: UiRect::all(Val::Px(10.0)),
                max_width: Val::Px(330.0),
                ..default()
            },
            BackgroundColor(PANEL),
        ))
        .with_children(|legend| {
            legend.spawn((Text::new("Legend"), font(18.0), TextColor(TEXT)));
            let row = |legend: &mut ChildSpawnerCommands, label: &str, color: Color| {
                let mut entity = legend.spawn(Node {
                    flex_direction: FlexDirection::Row,
                    align_items: AlignItems::Center,
                    column_gap: Val::Px(8.0),
                    ..default()
                });
                entity.with_children(|r| {
                    r.spawn((
                        Node {
                            width: Val::Px(26.0),
                            height: Val::Px(6.0),
                            ..default()
                        },
                        BackgroundColor(color),
                    ));
                    r.spawn((Text::new(label), font(16.0), TextColor(TEXT)));
                });
                entity.id()
            };
            let goal = row(legend, "goal (click to move it)", GOAL);
            legend.commands().entity(goal).insert(GoalRow);
            for (steps, label) in [
                "before adaptation (faded)",
                "after 1 adaptation step",
                "after 2 adaptation steps",
                "after 3 adaptation steps",
            ]
            .into_iter()
            .enumerate()
            {
                let id = row(legend, label, set_color(steps));
                legend.commands().entity(id).insert(LegendRow(steps));
            }
            legend.spawn((
                KeysText,
                Text::new(""),
                font(14.0),
                TextColor(Color::srgb(0.7, 0.72, 0.78)),
            ));
        });
}

fn status(playback: &Playback, live: Option<&Live>) -> String {
    let mut parts = vec![format!("speed {:.0} steps/s", playback.speed)];
    if playback.paused {
        parts.push("paused".into());
    }
    if let Some(live) = live {
        if live.pending > 0 {
            parts.push("adapting...".into());
        }
        if let Some(e) = &live.error {
            parts.push(format!("error: {e}"));
        }
    } else {
        parts.push("replay".into());
    }
    parts.join(" | ")
}

/// The nav2d HUD: task, steps shown, mean return of each set, playback.
fn hud_text(
    shown: Res<Shown>,
    playback: Res<Playback>,
    live: Option<Res<Live>>,
    mut hud: Query<(&mut Text, &mut Visibility), With<HudText>>,
) {
    let Ok((mut text, mut visibility)) = hud.single_mut() else {
        return;
    };
    let rec = &shown.recording;
    if rec.scene != SceneKind::Nav2d {
        *visibility = Visibility::Hidden;
        return;
    }
    *visibility = Visibility::Inherited;
    let task = match rec.goal() {
        Some([gx, gy]) => format!("goal ({gx:+.3}, {gy:+.3})"),
        None => format!("task {:?}", rec.task),
    };
    let mut s = format!(
        "{} | checkpoint iteration {}\n{task}\nshowing 0..{} adaptation steps\nt = {} of {} steps\nmean return ({} episodes per set):\n",
        rec.env,
        rec.checkpoint_iteration,
        playback.steps_shown,
        playback.t.min(rec.max_frames().saturating_sub(1) as f32) as usize,
        rec.horizon,
        rec.sets[0].batch_episodes,
    );
    s.push_str(&mean_returns(rec, playback.steps_shown));
    s.push_str(&status(&playback, live.as_deref()));
    if text.0 != s {
        text.0 = s;
    }
}

/// "after k steps: r" lines of the sets shown.
fn mean_returns(rec: &Recording, steps_shown: usize) -> String {
    rec.sets
        .iter()
        .filter(|set| set.steps <= steps_shown)
        .map(|set| {
            format!(
                "  after {} step{}: {:8.2}\n",
                set.steps,
                if set.steps == 1 { " " } else { "s" },
                set.mean_return,
            )
        })
        .collect()
}

/// The cheetah lanes' HUD: target, current velocity, return so far.
fn lane_text(
    shown: Res<Shown>,
    playback: Res<Playback>,
    live: Option<Res<Live>>,
    mut lanes: Query<(&LaneText, &mut Text, &mut Visibility)>,
) {
    let rec = &shown.recording;
    let cheetah = rec.scene == SceneKind::Cheetah;
    let sets = lane_sets(rec, playback.steps_shown);
    for (lane, mut text, mut visibility) in &mut lanes {
        if !cheetah {
            *visibility = Visibility::Hidden;
            continue;
        }
        *visibility = Visibility::Inherited;
        let set = &rec.sets[sets[lane.0]];
        let Some(episode) = set.episodes.first() else {
            continue;
        };
        let i = super::scene::frame_index(episode, playback.t);
        let velocity = episode.frames[i].x_velocity.unwrap_or(0.0);
        let target = if rec.env.starts_with("cheetah-dir") {
            format!(
                "direction {}",
                if rec.task[0] > 0.0 {
                    "forward (+1)"
                } else {
                    "backward (-1)"
                }
            )
        } else {
            format!("target velocity {:.2} m/s", rec.task[0])
        };
        let title = if set.steps == 0 {
            "before adaptation".to_string()
        } else {
            format!(
                "after {} adaptation step{}",
                set.steps,
                if set.steps == 1 { "" } else { "s" }
            )
        };
        let mut s = format!(
            "{title} | {target}\nvelocity {velocity:+.2} m/s | return so far {:.1} | mean return {:.1}\nt = {:.1} s",
            return_so_far(episode, playback.t),
            set.mean_return,
            i as f64 * rec.dt,
        );
        if lane.0 == 0 {
            s.push_str(&format!(
                " | {} | {}",
                rec.env,
                status(&playback, live.as_deref())
            ));
        }
        if text.0 != s {
            text.0 = s;
        }
    }
}

/// Dims the legend rows of sets not shown or not recorded; the key line of the scene.
fn legend(
    shown: Res<Shown>,
    playback: Res<Playback>,
    live: Option<Res<Live>>,
    mut rows: Query<(&LegendRow, &mut Node)>,
    mut goal: Query<&mut Node, (With<GoalRow>, Without<LegendRow>)>,
    mut keys: Query<&mut Text, With<KeysText>>,
) {
    let rec = &shown.recording;
    let nav = rec.scene == SceneKind::Nav2d;
    for (row, mut node) in &mut rows {
        let on = rec.set(row.0).is_some()
            && if nav {
                row.0 <= playback.steps_shown
            } else {
                lane_sets(rec, playback.steps_shown)
                    .iter()
                    .any(|&i| rec.sets[i].steps == row.0)
            };
        let display = if on { Display::Flex } else { Display::None };
        if node.display != display {
            node.display = display;
        }
    }
    for mut node in &mut goal {
        let display = if nav { Display::Flex } else { Display::None };
        if node.display != display {
            node.display = display;
        }
    }
    let live_keys = match (live.is_some(), nav) {
        (true, true) => "click: new goal | N: new task\n",
        (true, false) => "Up/Down: change target | N: new task\n",
        (false, _) => "",
    };
    let s = format!("{live_keys}0-3: steps shown | Space: pause\n+/-: speed | R: replay");
    for mut text in &mut keys {
        if text.0 != s {
            text.0 = s.clone();
        }
    }
}
