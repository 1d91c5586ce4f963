//! The background thread that samples and adapts: requests go in through a crossbeam channel,
//! recordings come back through another; the frame loop only polls.

use bevy::prelude::*;
use crossbeam_channel::{Receiver, Sender};

use super::scene::{Playback, Shown};
use crate::rollout::{Recorder, Recording};

/// What to record next.
#[derive(Clone, Debug, PartialEq)]
pub struct Request {
    /// Task parameters, or `None` for a task drawn with `seed`.
    pub task: Option<Vec<f64>>,
    /// Seed of the task (if drawn) and of the episodes.
    pub seed: u64,
}

/// The connection to the worker thread (live mode only; absent when replaying a file).
#[derive(Resource)]
pub struct Live {
    /// Requests to the worker.
    pub requests: Sender<Request>,
    /// Recordings (or one-line errors) from the worker.
    pub results: Receiver<Result<Recording, String>>,
    /// Requests sent and not yet answered.
    pub pending: usize,
    /// Seed of the last request (N draws the next task with seed + 1).
    pub seed: u64,
    /// The task asked for last (shown while the worker adapts).
    pub requested_task: Option<Vec<f64>>,
    /// The last error of the worker, shown in the HUD.
    pub error: Option<String>,
}

impl Live {
    /// Sends a request; the answer replaces the shown recording when it arrives.
    pub fn request(&mut self, task: Option<Vec<f64>>, seed: u64) {
        self.seed = seed;
        self.requested_task = task.clone();
        if self.requests.send(Request { task, seed }).is_ok() {
            self.pending += 1;
        }
    }
}

/// Starts the worker thread; it answers requests until the sender is dropped. Only the newest
/// pending request is served (clicks queued while adapting are coalesced).
pub fn spawn(
    recorder: Recorder,
    steps: usize,
) -> (Sender<Request>, Receiver<Result<Recording, String>>) {
    let (request_tx, request_rx) = crossbeam_channel::unbounded::<Request>();
    let (result_tx, result_rx) = crossbeam_channel::unbounded();
    std::thread::Builder::new()
        .name("metarl-viewer-worker".into())
        .spawn(move || {
            let episodes = recorder.default_episodes();
            while let Ok(mut request) = request_rx.recv() {
                let mut skipped = 0;
                while let Ok(newer) = request_rx.try_recv() {
                    request = newer;
                    skipped += 1;
                }
                for _ in 0..skipped {
                    // Answer the coalesced requests so the pending count stays right.
                    if result_tx.send(Err(String::new())).is_err() {
                        return;
                    }
                }
                let task = request.task.map(|params| metarl_envs::Task { params });
                let result = recorder
                    .record(task, steps, request.seed, episodes)
                    .map_err(|e| format!("{e:#}"));
                if result_tx.send(result).is_err() {
                    return;
                }
            }
        })
        .expect("the viewer worker thread starts");
    (request_tx, result_rx)
}

pub(super) fn plugin(app: &mut App) {
    app.add_systems(Update, receive.run_if(resource_exists::<Live>));
}

/// Takes finished recordings from the worker and shows them from the start.
fn receive(mut live: ResMut<Live>, mut shown: ResMut<Shown>, mut playback: ResMut<Playback>) {
    while let Ok(result) = live.results.try_recv() {
        live.pending = live.pending.saturating_sub(1);
        match result {
            Ok(recording) => {
                let steps_shown = playback.steps_shown.min(recording.max_steps());
                *playback = Playback {
                    steps_shown,
                    speed: playback.speed,
                    ..Playback::start(&recording)
                };
                shown.replace(recording);
                live.error = None;
            }
            Err(e) if e.is_empty() => {}
            Err(e) => live.error = Some(e),
        }
    }
}
