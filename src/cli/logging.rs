//! Logging (`tracing`) to stderr: info on a terminal, warnings only otherwise; `RUST_LOG`
//! overrides. A panic prints one line, and the full backtrace too when `RUST_BACKTRACE` asks
//! for it. Process-global, so the binary's business, not the library's.

use std::io::IsTerminal;

/// Installs the subscriber and the panic hook.
pub fn init() {
    let terminal = std::io::stderr().is_terminal();
    let default = if terminal { "info" } else { "warn" };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .with_ansi(terminal)
        .init();
    let backtrace_asked = std::env::var("RUST_BACKTRACE").is_ok_and(|v| v != "0");
    std::panic::set_hook(Box::new(move |info| {
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
        if backtrace_asked {
            eprintln!("{}", std::backtrace::Backtrace::force_capture());
        }
    }));
}
