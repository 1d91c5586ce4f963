//! Text over the scene: the HUD (task, steps shown, mean return of each set, playback state),
//! the legend (one colour per adaptation step count) and the key bindings.

use bevy::prelude::*;

use super::scene::{return_so_far, set_color, target_velocity, Playback, Shown, GOAL, TEXT};
use super::side_view::lane_sets;
use super::worker::Live;
use crate::rollout::Recording;

/// The HUD text (top left; top-down view).
#[derive(Component)]
struct HudText;

/// The text of a side view's lane (0 top, 1 bottom).
#[derive(Component)]
struct LaneText(usize);

/// Legend row of the set after `0` adaptation steps.
#[derive(Component)]
struct LegendRow(usize);

/// Legend row of the goal marker (top-down view with a goal) or of the pace line (side view
/// with a target velocity).
#[derive(Component)]
struct GoalRow;

/// The label of the [`GoalRow`].
#[derive(Component)]
struct GoalLabel;

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
            // A colour swatch and a label; returns the row and the label.
            let row = |legend: &mut ChildSpawnerCommands, label: &str, color: Color| {
                let mut entity = legend.spawn(Node {
                    flex_direction: FlexDirection::Row,
                    align_items: AlignItems::Center,
                    column_gap: Val::Px(8.0),
                    ..default()
                });
                let mut text = Entity::PLACEHOLDER;
                entity.with_children(|r| {
                    r.spawn((
                        Node {
                            width: Val::Px(26.0),
                            height: Val::Px(6.0),
                            ..default()
                        },
                        BackgroundColor(color),
                    ));
                    text = r
                        .spawn((Text::new(label), font(16.0), TextColor(TEXT)))
                        .id();
                });
                (entity.id(), text)
            };
            let (goal, label) = row(legend, "goal", GOAL);
            legend.commands().entity(goal).insert(GoalRow);
            legend.commands().entity(label).insert(GoalLabel);
            for (steps, label) in [
                "before adaptation (faded)",
                "after 1 adaptation step",
                "after 2 adaptation steps",
                "after 3 adaptation steps",
            ]
            .into_iter()
            .enumerate()
            {
                let (id, _) = row(legend, label, set_color(steps));
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

/// The top-down HUD: task, steps shown, mean return of each set, playback.
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
    if shown.is_side() {
        *visibility = Visibility::Hidden;
        return;
    }
    *visibility = Visibility::Inherited;
    let task = match rec.goal() {
        Some([gx, gy]) => format!("goal ({gx:+.3}, {gy:+.3})"),
        None => task_label(&rec.task),
    };
    let mut s = format!(
        "{}\ncheckpoint iteration {}\n{task}\nshowing 0..{} adaptation steps\nt = {} of {} steps\nmean return ({} episodes per set):\n",
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

/// Most task parameters the HUD lists one by one; longer tasks (the `-params` families' exponent
/// vectors) are summarised by their size and range.
const LISTED_PARAMS: usize = 3;

/// "task +1.50" or "task +0.05, -0.20"; a longer task as "task of N parameters in [lo, hi]".
fn task_label(task: &[f64]) -> String {
    if task.len() <= LISTED_PARAMS {
        let listed: Vec<String> = task.iter().map(|p| format!("{p:+.2}")).collect();
        return format!("task {}", listed.join(", "));
    }
    let lo = task.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = task.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    format!("task of {} parameters in [{lo:+.2}, {hi:+.2}]", task.len())
}

/// The side view lanes' HUD: task, current forward velocity (envs that have one), return so far.
fn lane_text(
    shown: Res<Shown>,
    playback: Res<Playback>,
    live: Option<Res<Live>>,
    mut lanes: Query<(&LaneText, &mut Text, &mut Visibility)>,
) {
    let rec = &shown.recording;
    let sets = lane_sets(rec, playback.steps_shown);
    let task = task_label(&rec.task);
    for (lane, mut text, mut visibility) in &mut lanes {
        if !shown.is_side() {
            *visibility = Visibility::Hidden;
            continue;
        }
        *visibility = Visibility::Inherited;
        let set = &rec.sets[sets[lane.0]];
        let Some(episode) = set.episodes.first() else {
            continue;
        };
        let i = super::scene::frame_index(episode, playback.t);
        let velocity = episode.frames[i]
            .x_velocity
            .map_or(String::new(), |v| format!("velocity {v:+.2} m/s | "));
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
            "{title} | {task}\n{velocity}return so far {:.1} | mean return {:.1}\nt = {:.1} s",
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

/// What the goal row of the legend says, if the view shows a goal or a pace line.
fn goal_label(shown: &Shown, live: bool) -> Option<&'static str> {
    let rec = &shown.recording;
    match (shown.is_side(), rec.scenery.goal.is_some(), live) {
        (false, true, true) => Some("goal (click to move it)"),
        (false, true, false) => Some("goal"),
        (true, _, _) if target_velocity(rec).is_some() => Some("pace line (task as m/s)"),
        _ => None,
    }
}

/// The key bindings of the live mode that change the task (none when replaying).
fn live_keys(shown: &Shown, live: bool) -> &'static str {
    if !live {
        ""
    } else if !shown.is_side() && shown.recording.scenery.goal.is_some() {
        "click: new goal | N: new task\n"
    } else if shown.recording.task.len() == 1 {
        "Up/Down: change the task | N: new task\n"
    } else {
        "N: new task\n"
    }
}

/// The goal row's label (flagged) and the key bindings line.
type LegendTexts<'w, 's> =
    Query<'w, 's, (&'static mut Text, Has<GoalLabel>), Or<(With<GoalLabel>, With<KeysText>)>>;

/// Dims the legend rows of sets not shown or not recorded; the goal row and the key line of the
/// view.
fn legend(
    shown: Res<Shown>,
    playback: Res<Playback>,
    live: Option<Res<Live>>,
    mut rows: Query<(&LegendRow, &mut Node)>,
    mut goal: Query<&mut Node, (With<GoalRow>, Without<LegendRow>)>,
    mut texts: LegendTexts,
) {
    let rec = &shown.recording;
    let top = !shown.is_side();
    for (row, mut node) in &mut rows {
        let on = rec.set(row.0).is_some()
            && if top {
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
    let label = goal_label(&shown, live.is_some());
    for mut node in &mut goal {
        let display = if label.is_some() {
            Display::Flex
        } else {
            Display::None
        };
        if node.display != display {
            node.display = display;
        }
    }
    let keys = format!(
        "{}0-3: steps shown | Space: pause\n+/-: speed | R: replay",
        live_keys(&shown, live.is_some())
    );
    for (mut text, is_label) in &mut texts {
        let s = if is_label {
            label.unwrap_or_default()
        } else {
            &keys
        };
        if text.0 != s {
            text.0 = s.to_string();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_recording::recording;
    use super::*;

    #[test]
    fn short_tasks_are_listed_and_long_ones_summarised() {
        assert_eq!(task_label(&[1.5]), "task +1.50");
        assert_eq!(task_label(&[0.05, -0.2]), "task +0.05, -0.20");
        let params = [-2.79, 0.19, 2.67, -0.46, -1.19];
        assert_eq!(
            task_label(&params),
            "task of 5 parameters in [-2.79, +2.67]"
        );
    }

    #[test]
    fn the_legend_and_keys_follow_the_view_not_the_env_name() {
        let nav = Shown::new(recording("nav2d", vec![0.1, 0.2]));
        assert_eq!(goal_label(&nav, true), Some("goal (click to move it)"));
        assert_eq!(goal_label(&nav, false), Some("goal"));
        assert_eq!(live_keys(&nav, true), "click: new goal | N: new task\n");
        assert_eq!(live_keys(&nav, false), "", "replay: no task keys");

        // From above without a goal: nothing to click, a two-parameter task.
        let plain = Shown::new(recording("test-plain", vec![0.1, 0.2]));
        assert_eq!(goal_label(&plain, true), None);
        assert_eq!(live_keys(&plain, true), "N: new task\n");

        // From the side, one parameter and a forward velocity: a pace line and Up/Down.
        let side = Shown::new(recording("cheetah-vel", vec![1.5]));
        assert_eq!(goal_label(&side, true), Some("pace line (task as m/s)"));
        assert_eq!(
            live_keys(&side, true),
            "Up/Down: change the task | N: new task\n"
        );
    }
}
