//! `metarl view`: load or record the first recording, then run the Bevy app in a window or
//! offscreen (screenshot mode: no window, no display, the `ScheduleRunnerPlugin` loop).

use std::time::Duration;

use anyhow::{bail, Result};
use bevy::app::ScheduleRunnerPlugin;
use bevy::prelude::*;
use bevy::render::render_resource::TextureFormat;
use bevy::window::ExitCondition;

use super::camera::Target;
use super::scene::{Playback, Shown, HEIGHT, WIDTH};
use super::screenshot::ScreenshotPlan;
use super::worker::{self, Live};
use crate::rollout::{Recorder, Recording, MAX_STEPS};

/// What `metarl view` shows and how.
#[derive(Clone, Debug, Default)]
pub struct ViewSettings {
    /// Run directory: sample and adapt live with its best checkpoint.
    pub run_dir: Option<std::path::PathBuf>,
    /// A recording written by `metarl rollout` to play (no policy needed).
    pub replay: Option<std::path::PathBuf>,
    /// Env to view instead of the run's (same observation and action sizes).
    pub env: Option<String>,
    /// Seed of the first task and of every episode.
    pub seed: u64,
    /// Render offscreen (no window, no display) and write this PNG, then exit.
    pub screenshot: Option<std::path::PathBuf>,
    /// Frames rendered before the screenshot is taken (>= 1).
    pub frames: u32,
}

/// Runs the viewer (`metarl view`) until its window closes or the screenshot is written.
pub fn run(args: &ViewSettings) -> Result<()> {
    if args.screenshot.is_some() && args.frames == 0 {
        bail!("--frames must be >= 1");
    }
    let (recording, live) = match (&args.replay, &args.run_dir) {
        (Some(path), _) => {
            if args.env.is_some() {
                bail!("--env applies to --run-dir, not to --replay");
            }
            (Recording::load(path)?, None)
        }
        (None, Some(dir)) => {
            let recorder = Recorder::open(dir, args.env.as_deref())?;
            let first = recorder.record(None, MAX_STEPS, args.seed, recorder.default_episodes())?;
            let live = args.screenshot.is_none().then(|| {
                let (requests, results) = worker::spawn(recorder, MAX_STEPS);
                Live {
                    requests,
                    results,
                    pending: 0,
                    seed: args.seed,
                    requested_task: None,
                    error: None,
                }
            });
            (first, live)
        }
        (None, None) => bail!("give --run-dir DIR or --replay FILE.json"),
    };
    let mut app = App::new();
    let playback = if args.screenshot.is_some() {
        Playback::at_end(&recording)
    } else {
        Playback::start(&recording)
    };
    app.insert_resource(Shown::new(recording))
        .insert_resource(playback);
    if let Some(live) = live {
        app.insert_resource(live);
    }
    let plugins = DefaultPlugins
        .build()
        .disable::<bevy::log::LogPlugin>()
        .disable::<bevy::app::TerminalCtrlCHandlerPlugin>();
    match &args.screenshot {
        Some(path) => {
            app.add_plugins(
                plugins
                    .disable::<bevy::winit::WinitPlugin>()
                    .set(WindowPlugin {
                        primary_window: None,
                        exit_condition: ExitCondition::DontExit,
                        ..default()
                    }),
            )
            .add_plugins(ScheduleRunnerPlugin::run_loop(Duration::from_millis(1)));
            let image =
                app.world_mut()
                    .resource_mut::<Assets<Image>>()
                    .add(Image::new_target_texture(
                        WIDTH,
                        HEIGHT,
                        TextureFormat::Rgba8UnormSrgb,
                        None,
                    ));
            app.insert_resource(Target(Some(image.clone())))
                .insert_resource(ScreenshotPlan {
                    path: path.clone(),
                    frames: args.frames,
                    image,
                })
                .add_plugins(super::screenshot::plugin);
        }
        None => {
            app.add_plugins(plugins.set(WindowPlugin {
                primary_window: Some(Window {
                    title: "metarl view".into(),
                    resolution: (WIDTH, HEIGHT).into(),
                    ..default()
                }),
                ..default()
            }))
            .insert_resource(Target(None));
        }
    }
    app.add_plugins((
        super::camera::plugin,
        super::scene::plugin,
        super::worker::plugin,
        super::input::plugin,
        super::top_down::plugin,
        super::side_view::plugin,
        super::hud::plugin,
    ));
    match app.run() {
        AppExit::Success => Ok(()),
        AppExit::Error(code) => bail!("the viewer failed (code {code}); see the log above"),
    }
}
