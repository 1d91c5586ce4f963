//! Every meta-learner end to end: trains nav2d and cheetah-dir for a few iterations from the
//! command line, evaluates, resumes bit for bit after a stop, and refuses a checkpoint written
//! by another learner with a one-line error.

mod common;

use std::ffi::OsStr;
use std::path::Path;

use common::*;

/// The learners besides MAML-TRPO (whose own tests are in `cli.rs`).
const LEARNERS: [&str; 4] = ["promp", "emaml", "metasgd", "reptile"];

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

#[test]
fn meta_sgd_checkpoints_hold_learned_rates_that_evaluation_uses() {
    use metarl::eval::{TrainedPolicy, Which};
    let tmp = tempfile::tempdir().unwrap();
    let run = train_tiny(tmp.path(), "metasgd", &config(2), &["--algo", "metasgd"]);
    let policy = TrainedPolicy::load(&run, &Which::Latest).unwrap();
    assert_eq!(policy.checkpoint.learner, "meta-sgd");
    let rates = metarl_agents::maml::learned_rates(&policy.checkpoint.state).unwrap();
    assert_eq!(rates.len(), policy.theta().len());
    // Initialized to maml.inner_lr (0.1) and moved by TRPO.
    assert!(rates.iter().any(|&a| (a - 0.1).abs() > 1e-9));
    let protocol = policy.protocol(2, 1);
    assert_eq!(protocol.first_step_rates.as_deref(), Some(rates));
    // Adapting with the learned rates differs from adapting with eval.first_lr.
    let task = [0.3, -0.2];
    let with_rates = policy.adapt(&task, 1, 5).unwrap();
    let mut plain = policy.clone();
    plain.checkpoint.state.clear();
    let without = plain.adapt(&task, 1, 5).unwrap();
    assert_eq!(with_rates.returns[0], without.returns[0]);
    assert_ne!(with_rates.policy.theta(), without.policy.theta());
}

#[test]
fn bench_curves_writes_mean_and_per_seed_curves_against_env_steps_and_reuses_its_runs() {
    let tmp = tempfile::tempdir().unwrap();
    let config = write_config(tmp.path(), "tiny.toml", &config(4));
    let out = tmp.path().join("curves");
    let args: Vec<&OsStr> = vec![
        "bench".as_ref(),
        "curves".as_ref(),
        "--config".as_ref(),
        config.as_os_str(),
        "--algos".as_ref(),
        "maml,reptile".as_ref(),
        "--seeds".as_ref(),
        "2".as_ref(),
        "--out".as_ref(),
        out.as_os_str(),
    ];
    let printed = metarl_ok(&args);
    assert!(printed.contains("| maml | 2 | 3 |"), "{printed}");
    let csv = std::fs::read_to_string(out.join("curves.csv")).unwrap();
    let rows: Vec<Vec<&str>> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect())
        .collect();
    // Validated after iterations 2 and 4 (indices 1 and 3), for each learner.
    assert_eq!(rows.len(), 4, "{csv}");
    assert_eq!(rows[0][..2], ["maml", "1"]);
    assert_eq!(rows[3][..2], ["reptile", "3"]);
    let steps: Vec<f64> = rows.iter().map(|r| r[2].parse().unwrap()).collect();
    assert!(
        steps[1] > steps[0] && steps[0] > 0.0,
        "env steps grow: {steps:?}"
    );
    let seeds = std::fs::read_to_string(out.join("curves-seeds.csv")).unwrap();
    assert_eq!(seeds.lines().count(), 1 + 2 * 2 * 2, "{seeds}");
    let png = std::fs::read(out.join("curves.png")).unwrap();
    assert_eq!(&png[1..4], b"PNG");
    // A second call reuses the runs: same files.
    metarl_ok(&args);
    assert_eq!(
        std::fs::read_to_string(out.join("curves.csv")).unwrap(),
        csv
    );
    // --no-train draws the runs as they are: asked for more iterations, it trains none.
    let metrics = out.join("runs/maml-s1/metrics.jsonl");
    let lines = std::fs::read_to_string(&metrics).unwrap().lines().count();
    let mut longer = args.clone();
    longer.extend(["--iterations", "8", "--no-train"].map(OsStr::new));
    metarl_ok(&longer);
    assert_eq!(
        std::fs::read_to_string(&metrics).unwrap().lines().count(),
        lines
    );
    assert_eq!(
        std::fs::read_to_string(out.join("curves.csv")).unwrap(),
        csv
    );
    // ... and refuses a run it would have to train.
    let mut missing = longer.clone();
    missing[7] = "3".as_ref();
    assert_bad_input(&missing, &["maml-s3 holds no run to draw"]);
}
