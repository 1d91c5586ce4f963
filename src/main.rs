//! The `metarl` command: meta-train, evaluate and benchmark MAML-TRPO.

mod adapt;
mod bench;
mod checkpoint;
mod cli;
mod config;
mod eval;
mod logging;
mod rollout;
mod run_dir;
mod train;
#[cfg(feature = "viewer")]
mod viewer;

use clap::Parser;

/// Large per-batch temporaries make glibc malloc release and re-fault memory (measured 1.4-2x
/// slower gradients); mimalloc keeps them. The `system-allocator` feature turns it off, to
/// measure the difference.
#[cfg(not(feature = "system-allocator"))]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    let cli = cli::Cli::parse();
    logging::init();
    // First SIGINT/SIGTERM: finish the iteration, checkpoint, print how to resume. Second: quit.
    let _ = ctrlc::set_handler(|| {
        if train::STOP_REQUESTED.swap(true, std::sync::atomic::Ordering::SeqCst) {
            std::process::exit(130);
        }
        eprintln!("stopping after the current iteration (press again to quit at once)");
    });
    let result = match &cli.command {
        cli::Command::Train(args) => train::run(args),
        cli::Command::Eval(args) => eval::run(args),
        cli::Command::Bench(cli::BenchCommand::Speed(args)) => bench::speed(args),
        cli::Command::Bench(cli::BenchCommand::Soak(args)) => bench::soak(args),
        cli::Command::Bench(cli::BenchCommand::Envs(args)) => bench::envs(args),
        cli::Command::Bench(cli::BenchCommand::Adapt(args)) => adapt::run(args),
        cli::Command::Rollout(args) => rollout::run(args),
        #[cfg(feature = "viewer")]
        cli::Command::View(args) => viewer::run(args),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
