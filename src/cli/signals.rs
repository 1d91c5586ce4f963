//! SIGINT/SIGTERM for the commands that train: the first signal requests a stop after the
//! current iteration (checkpointed, resumable), a second one quits at once. Other commands keep
//! the default handling, so Ctrl-C stops them promptly.

use metarl::StopSignal;

/// Connects SIGINT/SIGTERM to a new [`StopSignal`] and returns it.
pub fn stop_on_signals() -> StopSignal {
    let stop = StopSignal::new();
    let handler = stop.clone();
    let installed = ctrlc::set_handler(move || {
        if handler.request() {
            std::process::exit(130);
        }
        eprintln!("stopping after the current iteration (press again to quit at once)");
    });
    if let Err(e) = installed {
        tracing::warn!("Ctrl-C will not stop the run gracefully: {e}");
    }
    stop
}
