//! Distributed training under `mpirun` (feature `mpi`; needs an MPI library and `mpirun` on
//! PATH): the same bits as one process for any rank and worker count, prompt failure when a
//! rank dies and a bit-for-bit resume, one-line errors for bad launches.
#![cfg(feature = "mpi")]

mod common;

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::{metarl_ok, metrics, tiny_with, train_tiny, write_config, TINY};

/// `mpirun -np ranks metarl ARGS` (as root and oversubscribed, as on a 2-core CI machine).
fn mpirun(ranks: usize, args: &[&str]) -> Output {
    mpirun_command(ranks, args).output().expect("mpirun runs")
}

fn mpirun_command(ranks: usize, args: &[&str]) -> Command {
    let mut command = Command::new("mpirun");
    command
        .args(["--allow-run-as-root", "--oversubscribe", "-np"])
        .arg(ranks.to_string())
        .arg(env!("CARGO_BIN_EXE_metarl"))
        .args(args)
        .env_remove("RUST_LOG")
        .stdin(Stdio::null());
    command
}

fn assert_success(out: &Output) {
    assert!(
        out.status.success(),
        "{}\nstdout:\n{}\nstderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Every checkpoint file of `a` equals `b`'s byte for byte, and the metrics agree except timings
/// and the rank count.
fn assert_same_run(a: &Path, b: &Path) {
    let names: Vec<_> = std::fs::read_dir(a.join("checkpoints"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(names.len() >= 2, "{names:?}");
    for name in names {
        let (x, y) = (
            a.join("checkpoints").join(&name),
            b.join("checkpoints").join(&name),
        );
        assert!(
            std::fs::read(&x).unwrap() == std::fs::read(&y).unwrap(),
            "{} differs from {}",
            x.display(),
            y.display()
        );
    }
    let strip = |lines: Vec<serde_json::Map<String, serde_json::Value>>| -> Vec<_> {
        lines
            .into_iter()
            .map(|mut l| {
                l.retain(|k, _| !k.starts_with("seconds") && k != "peak_rss_mib" && k != "ranks");
                l
            })
            .collect()
    };
    assert_eq!(strip(metrics(a)), strip(metrics(b)));
}

#[test]
fn ranks_and_workers_do_not_change_a_single_bit() {
    let dir = tempfile::tempdir().unwrap();
    let text = tiny_with("validate_every = 0", "validate_every = 1");
    let plain = train_tiny(dir.path(), "plain", &text, &[]);
    let config = write_config(dir.path(), "tiny.toml", &text);
    let config = config.to_str().unwrap();
    for (ranks, workers) in [(1, "1"), (2, "1"), (3, "2")] {
        let run = dir.path().join(format!("np{ranks}"));
        let out = mpirun(
            ranks,
            &[
                "train",
                "--config",
                config,
                "--workers",
                workers,
                "--run-dir",
                run.to_str().unwrap(),
            ],
        );
        assert_success(&out);
        assert_same_run(&plain, &run);
        let lines = metrics(&run);
        assert!(lines.iter().all(|l| l["ranks"] == ranks));
        assert!(lines
            .iter()
            .all(|l| l["seconds_communication"].as_f64().unwrap() >= 0.0));
    }
}

#[test]
fn distributed_eval_prints_the_single_process_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let run = train_tiny(dir.path(), "run", TINY, &[]);
    let args = [
        "eval",
        "--run-dir",
        run.to_str().unwrap(),
        "--tasks",
        "5",
        "--steps",
        "2",
        "--json",
    ];
    let plain = metarl_ok(&args);
    let out = mpirun(2, &args);
    assert_success(&out);
    assert_eq!(String::from_utf8(out.stdout).unwrap(), plain);
}

#[test]
fn a_killed_rank_ends_the_job_promptly_and_resume_completes_the_run_bit_for_bit() {
    let dir = tempfile::tempdir().unwrap();
    let text = tiny_with("iterations = 3", "iterations = 150");
    let reference = train_tiny(dir.path(), "reference", &text, &[]);
    let config = write_config(dir.path(), "long.toml", &text);
    let run = dir.path().join("killed");
    let mut job = mpirun_command(
        2,
        &[
            "train",
            "--config",
            config.to_str().unwrap(),
            "--run-dir",
            run.to_str().unwrap(),
        ],
    )
    .stdout(Stdio::null())
    .stderr(Stdio::null())
    .spawn()
    .unwrap();
    // Wait until a few iterations are recorded, then kill rank 1 (the child of mpirun that is
    // not rank 0, i.e. the one not holding the run's lock).
    let metrics_file = run.join("metrics.jsonl");
    let started = Instant::now();
    while std::fs::read_to_string(&metrics_file).map_or(0, |t| t.lines().count()) < 5 {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the job does not progress"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let rank0: u32 = std::fs::read_to_string(run.join("lock"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let children =
        std::fs::read_to_string(format!("/proc/{}/task/{}/children", job.id(), job.id())).unwrap();
    let rank1: u32 = children
        .split_whitespace()
        .map(|p| p.parse().unwrap())
        .find(|&p| p != rank0)
        .expect("mpirun has a second rank");
    let killed = Instant::now();
    assert!(Command::new("kill")
        .args(["-9", &rank1.to_string()])
        .status()
        .unwrap()
        .success());
    let status = job.wait().unwrap();
    let waited = killed.elapsed();
    assert!(!status.success(), "the job must fail when a rank dies");
    assert!(
        waited < Duration::from_secs(20),
        "the job took {waited:?} to end"
    );
    let done = metrics(&run).len();
    assert!(
        done < 150,
        "the run must have been cut short ({done} iterations)"
    );
    // Rank 0's lock names a dead process now: resume takes it over.
    while Path::new(&format!("/proc/{rank0}")).exists() {
        std::thread::sleep(Duration::from_millis(20));
    }
    metarl_ok(&["train", "--resume", run.to_str().unwrap()]);
    assert_same_run(&reference, &run);
}

#[test]
fn bad_launches_fail_with_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), "tiny.toml", TINY);
    let config = config.to_str().unwrap();
    // More ranks than the meta-batch has tasks (3): nothing is created.
    let run = dir.path().join("too-many");
    let out = mpirun(
        4,
        &[
            "train",
            "--config",
            config,
            "--run-dir",
            run.to_str().unwrap(),
        ],
    );
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    let errors: Vec<&str> = stderr.lines().filter(|l| l.starts_with("error")).collect();
    assert_eq!(errors, ["error: 4 processes share a meta-batch of 3 tasks: use at most 3 ranks (maml.meta_batch_size)"]);
    assert!(!run.exists());
    // The same from bench speed (rank 0 reports, the others exit quietly).
    let out = mpirun(
        4,
        &["bench", "speed", "--config", config, "--iterations", "1"],
    );
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    let errors: Vec<&str> = stderr.lines().filter(|l| l.starts_with("error")).collect();
    assert_eq!(errors, ["error: 4 processes share a meta-batch of 3 tasks: use at most 3 ranks (maml.meta_batch_size)"]);
    // Commands that do not run distributed refuse rather than run once per rank.
    let out = mpirun(2, &["bench", "envs", "--env", "nav2d", "--steps", "10"]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    let errors: Vec<&str> = stderr.lines().filter(|l| l.starts_with("error")).collect();
    assert_eq!(errors, ["error: `metarl bench envs` does not run distributed: start it without mpirun (2 ranks)"]);
    // Ranks started with different command lines (MPMD launch).
    let bin = env!("CARGO_BIN_EXE_metarl");
    let out = Command::new("mpirun")
        .args([
            "--allow-run-as-root",
            "--oversubscribe",
            "-np",
            "1",
            bin,
            "train",
            "--config",
            config,
            "--seed",
            "1",
        ])
        .args([
            ":", "-np", "1", bin, "train", "--config", config, "--seed", "2",
        ])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    let errors: Vec<&str> = stderr.lines().filter(|l| l.starts_with("error")).collect();
    assert_eq!(
        errors,
        ["error: ranks [1] run a different metarl binary or command line than rank 0"]
    );
}

#[test]
fn every_learner_computes_the_same_bits_on_two_ranks() {
    let dir = tempfile::tempdir().unwrap();
    let text = tiny_with("validate_every = 0", "validate_every = 1")
        + "\n[promp]\nsteps = 2\n\n[reptile]\ninner_steps = 2\n";
    let config = write_config(dir.path(), "tiny.toml", &text);
    let config = config.to_str().unwrap();
    for algo in ["promp", "emaml", "metasgd", "reptile"] {
        let plain = train_tiny(
            dir.path(),
            &format!("{algo}-plain"),
            &text,
            &["--algo", algo],
        );
        let run = dir.path().join(format!("{algo}-np2"));
        let out = mpirun(
            2,
            &[
                "train",
                "--algo",
                algo,
                "--config",
                config,
                "--workers",
                "1",
                "--run-dir",
                run.to_str().unwrap(),
            ],
        );
        assert_success(&out);
        assert_same_run(&plain, &run);
    }
}
