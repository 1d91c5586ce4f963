//! The `metarl` command: a thin shell over the `metarl` library (parse arguments, call it).

mod cli;

fn main() -> std::process::ExitCode {
    cli::malloc::tune();
    let args = cli::parse();
    cli::logging::init();
    match cli::run(args) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        // Under mpirun, an error every rank met is reported by rank 0, whose non-zero exit is
        // the job's status. The other ranks exit quietly with 0: a non-zero exit of theirs
        // could make mpirun end the job before rank 0 has printed the error.
        Err(e) if e.is::<cli::distributed::ReportedByRankZero>() => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
