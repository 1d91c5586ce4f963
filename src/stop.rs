//! Stop requests: a cancellation flag the caller owns and the trainer polls between iterations.
//! The library installs no signal handler; the `metarl` binary connects SIGINT/SIGTERM to one.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// A shared flag: once [`request`](StopSignal::request)ed, training stops after the current
/// iteration with [`crate::Error::Stopped`], checkpointed and resumable. Clones share the flag.
#[derive(Clone, Debug, Default)]
pub struct StopSignal(Arc<AtomicBool>);

impl StopSignal {
    /// A signal nobody has requested yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Asks the holder to stop; returns whether a stop had already been requested.
    pub fn request(&self) -> bool {
        self.0.swap(true, Ordering::SeqCst)
    }

    /// Whether a stop was requested.
    pub fn is_requested(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}
