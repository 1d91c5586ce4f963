//! Keyboard and mouse: a click in a top-down view with a goal sets a new goal, N draws a new
//! task, 0-3 choose the adaptation steps shown, Space pauses, +/- change the speed, R replays,
//! Up/Down change a one-parameter task. Handlers are plain systems over `ButtonInput` and
//! [`CursorWorld`], so tests drive them without a window.

use bevy::prelude::*;
use bevy::window::PrimaryWindow;

use super::scene::{Playback, Shown, SPEED_RANGE};
use super::worker::Live;

/// The cursor position in env coordinates, if the cursor is over a top-down view.
#[derive(Resource, Default, Debug, Clone, Copy, PartialEq)]
pub struct CursorWorld(pub Option<Vec2>);

/// Playback speed factor of one +/- press.
const SPEED_STEP: f32 = 1.5;
/// Change of a one-parameter task by one Up/Down press (cheetah-vel: m/s).
const TASK_STEP: f64 = 0.25;

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<CursorWorld>().add_systems(
        Update,
        (track_cursor, (playback_keys, task_keys, click_to_goal)).chain(),
    );
}

/// Cursor position (window pixels) to env coordinates through the camera and the top-down view.
fn track_cursor(
    windows: Query<&Window, With<PrimaryWindow>>,
    cameras: Query<(&Camera, &GlobalTransform), With<super::camera::BaseCamera>>,
    shown: Res<Shown>,
    mut cursor: ResMut<CursorWorld>,
) {
    let position = windows.single().ok().and_then(Window::cursor_position);
    let world = position.and_then(|p| {
        let (camera, transform) = cameras.single().ok()?;
        camera.viewport_to_world_2d(transform, p).ok()
    });
    cursor.0 = shown.top().zip(world).map(|(view, w)| view.to_env(w));
}

/// 0-3: steps shown; Space: pause; +/-: speed; R: replay from the start.
pub fn playback_keys(
    keys: Res<ButtonInput<KeyCode>>,
    shown: Res<Shown>,
    mut playback: ResMut<Playback>,
) {
    let digits = [
        KeyCode::Digit0,
        KeyCode::Digit1,
        KeyCode::Digit2,
        KeyCode::Digit3,
    ];
    let numpad = [
        KeyCode::Numpad0,
        KeyCode::Numpad1,
        KeyCode::Numpad2,
        KeyCode::Numpad3,
    ];
    for (k, (d, n)) in digits.iter().zip(&numpad).enumerate() {
        if keys.just_pressed(*d) || keys.just_pressed(*n) {
            playback.steps_shown = k.min(shown.recording.max_steps());
        }
    }
    if keys.just_pressed(KeyCode::Space) {
        playback.paused = !playback.paused;
    }
    if keys.any_just_pressed([KeyCode::Equal, KeyCode::NumpadAdd]) {
        playback.speed = (playback.speed * SPEED_STEP).min(SPEED_RANGE.1);
    }
    if keys.any_just_pressed([KeyCode::Minus, KeyCode::NumpadSubtract]) {
        playback.speed = (playback.speed / SPEED_STEP).max(SPEED_RANGE.0);
    }
    if keys.just_pressed(KeyCode::KeyR) {
        playback.t = 0.0;
        playback.paused = false;
    }
}

/// N: a new random task. Up/Down, for a task of one parameter: that parameter plus or minus
/// [`TASK_STEP`] if the env accepts it (cheetah-vel: faster or slower, within [0, 2] m/s), else
/// its negation if the env accepts that (cheetah-dir: the direction flips), else nothing. Each
/// sends a request to the worker (live mode only).
pub fn task_keys(keys: Res<ButtonInput<KeyCode>>, shown: Res<Shown>, live: Option<ResMut<Live>>) {
    let Some(mut live) = live else { return };
    if keys.just_pressed(KeyCode::KeyN) {
        let seed = live.seed.wrapping_add(1);
        live.request(None, seed);
        return;
    }
    let up = keys.just_pressed(KeyCode::ArrowUp);
    let down = keys.just_pressed(KeyCode::ArrowDown);
    if !(up || down) {
        return;
    }
    let current = live
        .requested_task
        .clone()
        .unwrap_or_else(|| shown.recording.task.clone());
    let &[p] = current.as_slice() else { return };
    let Ok(dist) = metarl_envs::task_distribution(&shown.recording.env, None) else {
        return;
    };
    let step = if up { TASK_STEP } else { -TASK_STEP };
    let target = [p + step, -p]
        .into_iter()
        .find(|&q| q != p && dist.check_task(&[q]).is_ok());
    if let Some(target) = target {
        let seed = live.seed;
        live.request(Some(vec![target]), seed);
    }
}

/// Left click in a top-down view whose scenery has a goal: adapt to the task whose goal is at
/// the cursor, clamped to the region shown (the env's `check_task` refuses goals it cannot have;
/// the HUD shows why).
pub fn click_to_goal(
    buttons: Res<ButtonInput<MouseButton>>,
    cursor: Res<CursorWorld>,
    shown: Res<Shown>,
    live: Option<ResMut<Live>>,
) {
    let Some(mut live) = live else { return };
    let Some(view) = shown.top() else { return };
    if shown.recording.scenery.goal.is_none() || !buttons.just_pressed(MouseButton::Left) {
        return;
    }
    let Some(p) = cursor.0 else { return };
    let goal = p.clamp(view.min, view.max);
    let seed = live.seed;
    live.request(Some(vec![f64::from(goal.x), f64::from(goal.y)]), seed);
}

#[cfg(test)]
mod tests {
    use super::super::test_recording::recording;
    use super::super::worker::Request;
    use super::*;
    use crossbeam_channel::Receiver;

    /// An app with the input systems (no window, no renderer) and a live worker channel whose
    /// requests the test reads.
    fn test_app(env: &str, task: Vec<f64>) -> (App, Receiver<Request>) {
        let mut app = App::new();
        let rec = recording(env, task);
        let (tx, rx) = crossbeam_channel::unbounded();
        let (_result_tx, result_rx) = crossbeam_channel::unbounded();
        app.insert_resource(Playback::start(&rec))
            .insert_resource(Shown::new(rec))
            .insert_resource(Live {
                requests: tx,
                results: result_rx,
                pending: 0,
                seed: 5,
                requested_task: None,
                error: None,
            })
            .init_resource::<ButtonInput<KeyCode>>()
            .init_resource::<ButtonInput<MouseButton>>()
            .init_resource::<CursorWorld>()
            .add_systems(Update, (playback_keys, task_keys, click_to_goal));
        (app, rx)
    }

    fn press(app: &mut App, key: KeyCode) {
        let mut keys = app.world_mut().resource_mut::<ButtonInput<KeyCode>>();
        keys.clear();
        keys.release_all();
        keys.press(key);
        app.update();
    }

    /// A fresh left click (no key held) at the current cursor.
    fn click(app: &mut App) {
        app.world_mut()
            .resource_mut::<ButtonInput<KeyCode>>()
            .reset_all();
        let mut buttons = app.world_mut().resource_mut::<ButtonInput<MouseButton>>();
        buttons.reset_all();
        buttons.press(MouseButton::Left);
        app.update();
    }

    fn playback(app: &App) -> Playback {
        app.world().resource::<Playback>().clone()
    }

    #[test]
    fn click_sends_the_clicked_point_as_the_new_goal() {
        let (mut app, requests) = test_app("nav2d", vec![0.1, 0.1]);
        app.world_mut().resource_mut::<CursorWorld>().0 = Some(Vec2::new(0.25, -0.375));
        app.world_mut()
            .resource_mut::<ButtonInput<MouseButton>>()
            .press(MouseButton::Left);
        app.update();
        let request = requests.try_recv().expect("a request");
        assert_eq!(request.task, Some(vec![0.25, -0.375]));
        assert_eq!(request.seed, 5);
        let live = app.world().resource::<Live>();
        assert_eq!(
            (live.pending, live.requested_task.clone()),
            (1, Some(vec![0.25, -0.375]))
        );
        // Held, not pressed again: no second request.
        app.world_mut()
            .resource_mut::<ButtonInput<MouseButton>>()
            .clear();
        app.update();
        assert!(requests.try_recv().is_err());
    }

    #[test]
    fn click_outside_the_view_is_clamped_to_it_and_no_cursor_sends_nothing() {
        let (mut app, requests) = test_app("nav2d", vec![0.1, 0.1]);
        click(&mut app);
        assert!(requests.try_recv().is_err(), "no cursor, no request");
        app.world_mut().resource_mut::<CursorWorld>().0 = Some(Vec2::new(2.0, -0.75));
        click(&mut app);
        assert_eq!(requests.try_recv().unwrap().task, Some(vec![0.5, -0.5]));
    }

    #[test]
    fn clicks_need_a_goal_in_the_scenery() {
        let (mut app, requests) = test_app("test-plain", vec![0.1, 0.1]);
        app.world_mut().resource_mut::<CursorWorld>().0 = Some(Vec2::ZERO);
        click(&mut app);
        assert!(requests.try_recv().is_err(), "no goal, no click");
    }

    #[test]
    fn digit_keys_choose_the_steps_shown_and_space_pauses() {
        let (mut app, _requests) = test_app("nav2d", vec![0.1, 0.1]);
        assert_eq!(playback(&app).steps_shown, 3);
        press(&mut app, KeyCode::Digit1);
        assert_eq!(playback(&app).steps_shown, 1);
        press(&mut app, KeyCode::Digit0);
        assert_eq!(playback(&app).steps_shown, 0);
        press(&mut app, KeyCode::Numpad2);
        assert_eq!(playback(&app).steps_shown, 2);
        assert!(!playback(&app).paused);
        press(&mut app, KeyCode::Space);
        assert!(playback(&app).paused);
        press(&mut app, KeyCode::Space);
        assert!(!playback(&app).paused);
    }

    #[test]
    fn plus_minus_change_speed_within_limits_and_r_replays() {
        let (mut app, _requests) = test_app("nav2d", vec![0.1, 0.1]);
        let speed = playback(&app).speed;
        press(&mut app, KeyCode::Equal);
        assert_eq!(playback(&app).speed, speed * SPEED_STEP);
        press(&mut app, KeyCode::Minus);
        press(&mut app, KeyCode::NumpadSubtract);
        assert_eq!(playback(&app).speed, speed / SPEED_STEP);
        for _ in 0..40 {
            press(&mut app, KeyCode::Minus);
        }
        assert_eq!(playback(&app).speed, SPEED_RANGE.0);
        app.world_mut().resource_mut::<Playback>().t = 2.5;
        app.world_mut().resource_mut::<Playback>().paused = true;
        press(&mut app, KeyCode::KeyR);
        assert_eq!((playback(&app).t, playback(&app).paused), (0.0, false));
    }

    #[test]
    fn n_requests_a_random_task_with_the_next_seed() {
        let (mut app, requests) = test_app("nav2d", vec![0.1, 0.1]);
        press(&mut app, KeyCode::KeyN);
        assert_eq!(
            requests.try_recv().unwrap(),
            Request {
                task: None,
                seed: 6
            }
        );
        press(&mut app, KeyCode::KeyN);
        assert_eq!(requests.try_recv().unwrap().seed, 7);
    }

    #[test]
    fn up_down_change_the_cheetah_target_velocity_and_flip_the_direction() {
        let (mut app, requests) = test_app("cheetah-vel", vec![1.0]);
        press(&mut app, KeyCode::ArrowUp);
        assert_eq!(requests.try_recv().unwrap().task, Some(vec![1.25]));
        // Relative to the target asked for last, even before the worker answered.
        press(&mut app, KeyCode::ArrowUp);
        assert_eq!(requests.try_recv().unwrap().task, Some(vec![1.5]));
        for _ in 0..10 {
            press(&mut app, KeyCode::ArrowDown);
        }
        let last = requests.try_iter().last().unwrap();
        assert_eq!(last.task, Some(vec![0.0]));

        let (mut app, requests) = test_app("cheetah-dir", vec![1.0]);
        press(&mut app, KeyCode::ArrowDown);
        assert_eq!(requests.try_recv().unwrap().task, Some(vec![-1.0]));
        press(&mut app, KeyCode::ArrowUp);
        assert_eq!(requests.try_recv().unwrap().task, Some(vec![1.0]));
        // Clicks do nothing in the cheetah scene.
        app.world_mut().resource_mut::<CursorWorld>().0 = Some(Vec2::ZERO);
        click(&mut app);
        assert!(requests.try_recv().is_err());
    }

    #[test]
    fn replay_mode_without_a_worker_ignores_task_keys() {
        let (mut app, _requests) = test_app("nav2d", vec![0.1, 0.1]);
        app.world_mut().remove_resource::<Live>();
        press(&mut app, KeyCode::KeyN);
        press(&mut app, KeyCode::Digit1);
        assert_eq!(playback(&app).steps_shown, 1);
    }
}
