//! Logging (`tracing`) to stderr: info on a terminal, warnings only otherwise; `RUST_LOG`
//! overrides. A panic prints one line instead of a backtrace.

use std::io::IsTerminal;

/// Installs the subscriber and the one-line panic hook.
pub fn init() {
    let default = if std::io::stderr().is_terminal() {
        "info"
    } else {
        "warn"
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .init();
    std::panic::set_hook(Box::new(|info| {
        let message = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".into());
        let location = info
            .location()
            .map(|l| format!(" at {l}"))
            .unwrap_or_default();
        eprintln!("internal error: {message}{location} (please report this)");
    }));
}
