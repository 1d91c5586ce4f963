//! Every meta-learner end to end: trains nav2d and cheetah-dir for a few iterations from the
//! command line, evaluates, resumes bit for bit after a stop, and refuses a checkpoint written
//! by another learner with a one-line error.

mod common;

use std::ffi::OsStr;
use std::path::Path;

use common::*;

/// The learners besides MAML-TRPO (whose own tests are in `cli.rs`).
const LEARNERS: [&str; 3] = ["promp", "emaml", "reptile"];

/// The tiny config with a validation every 2 iterations, `iterations` long.
fn config(iterations: u64) -> String {
    tiny_with(
        "validate_every = 0",
        "validate_every = 2\nvalidation_tasks = 2",
    )
    .replace("iterations = 3", &format!("iterations = {iterations}"))
        + "\n[reptile]\ninner_steps = 2\n\n[promp]\nsteps = 2\n"
}

fn untimed(run: &Path) -> Vec<serde_json::Map<String, serde_json::Value>> {
    metrics(run)
        .into_iter()
        .map(|mut m| {
            m.retain(|k, _| !k.starts_with("seconds") && k != "peak_rss_mib");
            m
        })
        .collect()
}

#[test]
fn every_learner_trains_nav2d_and_cheetah_dir_and_evaluates() {
    let tmp = tempfile::tempdir().unwrap();
    for algo in LEARNERS {
        for env in ["nav2d", "cheetah-dir"] {
            let name = format!("{algo}-{env}");
            let run = train_tiny(
                tmp.path(),
                &name,
                &config(2),
                &["--algo", algo, "--env", env],
            );
            let lines = metrics(&run);
            assert_eq!(lines.len(), 2, "{name}");
            assert!(
                lines.iter().all(|l| l["step_accepted"] == true),
                "{name}: {lines:?}"
            );
            let stored = std::fs::read_to_string(run.join("config.toml")).unwrap();
            assert!(stored.contains(&format!("algo = \"{algo}\"")), "{name}");
            let out = metarl_ok(&[
                "eval".as_ref(),
                "--run-dir".as_ref(),
                run.as_os_str(),
                "--tasks".as_ref(),
                OsStr::new("2"),
            ]);
            assert!(out.contains("step"), "{name}: {out}");
        }
    }
}

#[test]
fn every_learner_resumes_bit_for_bit() {
    let tmp = tempfile::tempdir().unwrap();
    for algo in LEARNERS {
        let reference = train_tiny(
            tmp.path(),
            &format!("{algo}-ref"),
            &config(4),
            &["--algo", algo],
        );
        let run = train_tiny(
            tmp.path(),
            &format!("{algo}-stopped"),
            &config(2),
            &["--algo", algo],
        );
        metarl_ok(&[
            "train".as_ref(),
            "--resume".as_ref(),
            run.as_os_str(),
            "--iterations".as_ref(),
            OsStr::new("4"),
        ]);
        assert_eq!(untimed(&run), untimed(&reference), "{algo}");
        for file in [
            "checkpoints/latest.safetensors",
            "checkpoints/best.safetensors",
        ] {
            assert!(
                std::fs::read(run.join(file)).unwrap()
                    == std::fs::read(reference.join(file)).unwrap(),
                "{algo}: {file} differs"
            );
        }
    }
}

#[test]
fn bad_input_resuming_from_a_checkpoint_of_another_learner_is_one_error_line() {
    let tmp = tempfile::tempdir().unwrap();
    let promp = train_tiny(tmp.path(), "promp", &config(1), &["--algo", "promp"]);
    let reptile = train_tiny(tmp.path(), "reptile", &config(1), &["--algo", "reptile"]);
    let latest = "checkpoints/latest.safetensors";
    std::fs::copy(reptile.join(latest), promp.join(latest)).unwrap();
    assert_bad_input(
        &[
            "train".as_ref(),
            "--resume".as_ref(),
            promp.as_os_str(),
            "--iterations".as_ref(),
            OsStr::new("2"),
        ],
        &["reptile", "promp"],
    );
}
