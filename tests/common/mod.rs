//! Helpers shared by the end-to-end test binaries: run `metarl`, check success or a one-line
//! error, write config files, train tiny runs and read their metrics.

#![allow(dead_code)] // each test binary uses its own subset

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};

use serde_json::{Map, Value};

pub mod image;

/// The tiny config every test trains with.
pub const TINY: &str = r#"
[env]
name = "nav2d"
horizon = 10

[policy]
hidden = [8, 8]
activation = "relu"

[maml]
meta_batch_size = 3
episodes_per_task = 3

[train]
iterations = 3
seed = 1
workers = 1
validate_every = 0

[eval]
episodes = 3
"#;

/// What one invocation of the binary produced.
pub struct Output {
    /// Exit status.
    pub status: ExitStatus,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

/// Runs `metarl ARGS` in `cwd` (or the test's working directory) with default logging.
pub fn metarl_in<S: AsRef<OsStr>>(cwd: Option<&Path>, args: &[S]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_metarl"));
    command
        .args(args)
        .env_remove("RUST_LOG")
        .env_remove("RUST_BACKTRACE")
        .stdin(Stdio::null());
    if let Some(cwd) = cwd {
        command.current_dir(cwd);
    }
    let out = command.output().expect("the metarl binary runs");
    Output {
        status: out.status,
        stdout: String::from_utf8(out.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(out.stderr).expect("stderr is UTF-8"),
    }
}

/// Runs `metarl ARGS`.
pub fn metarl<S: AsRef<OsStr>>(args: &[S]) -> Output {
    metarl_in(None, args)
}

/// Runs `metarl ARGS` and returns its stdout, failing the test unless it succeeds.
pub fn metarl_ok<S: AsRef<OsStr>>(args: &[S]) -> String {
    let out = metarl(args);
    assert!(
        out.status.success(),
        "metarl {:?} failed ({}):\nstdout:\n{}\nstderr:\n{}",
        args.iter().map(|a| a.as_ref()).collect::<Vec<_>>(),
        out.status,
        out.stdout,
        out.stderr
    );
    out.stdout
}

/// Asserts `metarl ARGS` fails the way bad input should: exit code 1 (not a panic, not a
/// clap usage error), nothing on stdout, and stderr exactly one line `error: ...` that contains
/// every one of `fragments`.
pub fn assert_bad_input<S: AsRef<OsStr>>(args: &[S], fragments: &[&str]) {
    let out = metarl(args);
    let shown = format!(
        "metarl {:?} ({}):\nstdout:\n{}\nstderr:\n{}",
        args.iter().map(|a| a.as_ref()).collect::<Vec<_>>(),
        out.status,
        out.stdout,
        out.stderr
    );
    assert_eq!(out.status.code(), Some(1), "{shown}");
    assert!(out.stdout.is_empty(), "{shown}");
    let lines: Vec<&str> = out.stderr.lines().collect();
    assert_eq!(lines.len(), 1, "stderr must be one line: {shown}");
    let line = lines[0];
    assert!(line.starts_with("error:"), "{shown}");
    assert!(!line["error:".len()..].trim().is_empty(), "{shown}");
    for banned in ["panicked", "internal error", "RUST_BACKTRACE"] {
        assert!(!out.stderr.contains(banned), "{shown}");
    }
    for fragment in fragments {
        assert!(line.contains(fragment), "missing `{fragment}`: {shown}");
    }
}

/// Writes `text` as a config file `name` in `dir`.
pub fn write_config(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// The tiny config with `from` replaced by `to` (which must occur).
pub fn tiny_with(from: &str, to: &str) -> String {
    assert!(TINY.contains(from), "{from}");
    TINY.replace(from, to)
}

/// Trains the tiny config (with `extra` CLI args) into `dir/name` and returns the run directory.
pub fn train_tiny(dir: &Path, name: &str, config_text: &str, extra: &[&str]) -> PathBuf {
    let config = write_config(dir, &format!("{name}.toml"), config_text);
    let run = dir.join(name);
    let mut args: Vec<&OsStr> = vec![
        "train".as_ref(),
        "--config".as_ref(),
        config.as_os_str(),
        "--run-dir".as_ref(),
        run.as_os_str(),
    ];
    args.extend(extra.iter().map(OsStr::new));
    let stdout = metarl_ok(&args);
    assert!(stdout.contains(&*run.to_string_lossy()), "{stdout}");
    run
}

/// The lines of a run's metrics.jsonl, each parsed as a JSON object.
pub fn metrics(run: &Path) -> Vec<Map<String, Value>> {
    let text = std::fs::read_to_string(run.join("metrics.jsonl")).unwrap();
    assert!(text.ends_with('\n'), "metrics.jsonl ends with a newline");
    text.lines()
        .map(|line| match serde_json::from_str(line) {
            Ok(Value::Object(map)) => map,
            other => panic!("metrics line {line:?} is not a JSON object: {other:?}"),
        })
        .collect()
}
