//! End-to-end tests of the `metarl` binary: run directories, determinism across worker counts,
//! evaluation output, `--print-config`, and one-line errors for bad input.
//!
//! Every run uses a tiny nav2d config (horizon 10, hidden [8, 8], 3 tasks x 3 episodes,
//! 3 iterations, 3 eval episodes) so the whole file stays fast.

mod common;

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use common::{
    assert_bad_input, metarl_in, metarl_ok, metrics, tiny_with, train_tiny, write_config, TINY,
};
use serde_json::{Map, Value};

/// Keys every metrics.jsonl line must hold.
const METRIC_KEYS: &[&str] = &[
    "iteration",
    "return_pre",
    "return_post",
    "kl",
    "surrogate_before",
    "surrogate_after",
    "line_search_steps",
    "env_steps",
    "seconds",
];

/// Metrics keys that measure the machine (timings, memory) rather than the run.
fn is_measurement(key: &str) -> bool {
    key.starts_with("seconds") || key == "peak_rss_mib"
}

fn best(run: &Path) -> PathBuf {
    run.join("checkpoints").join("best.safetensors")
}

fn latest(run: &Path) -> PathBuf {
    run.join("checkpoints").join("latest.safetensors")
}

/// Every file under `dir`, recursively.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(files_under(&path));
        } else {
            files.push(path);
        }
    }
    files
}

fn parse_toml(text: &str) -> toml::Table {
    text.parse()
        .unwrap_or_else(|e| panic!("not TOML ({e}):\n{text}"))
}

#[test]
fn train_writes_a_complete_run_directory() {
    let tmp = tempfile::tempdir().unwrap();
    let overrides = ["--iterations", "2", "--seed", "9"];
    let run = train_tiny(tmp.path(), "run", TINY, &overrides);

    // config.toml is the effective config: the file plus the command-line overrides.
    let stored = parse_toml(&std::fs::read_to_string(run.join("config.toml")).unwrap());
    let config = tmp.path().join("run.toml");
    let mut args = vec![OsStr::new("train"), "--print-config".as_ref()];
    args.extend(["--config".as_ref(), config.as_os_str()]);
    args.extend(overrides.iter().map(OsStr::new));
    let effective = parse_toml(&metarl_ok(&args));
    assert_eq!(stored, effective);
    assert_eq!(stored["train"]["iterations"].as_integer(), Some(2));
    assert_eq!(stored["train"]["seed"].as_integer(), Some(9));
    assert_eq!(stored["env"]["horizon"].as_integer(), Some(10));
    assert_eq!(stored["maml"]["meta_batch_size"].as_integer(), Some(3));
    assert_eq!(stored["policy"]["hidden"], toml::Value::from(vec![8, 8]));

    // One metrics line per iteration, in order, with the documented keys.
    let lines = metrics(&run);
    assert_eq!(lines.len(), 2);
    for (i, line) in lines.iter().enumerate() {
        for key in METRIC_KEYS {
            assert!(line.contains_key(*key), "line {i} lacks `{key}`: {line:?}");
        }
        assert_eq!(line["iteration"].as_u64(), Some(i as u64), "{line:?}");
        // 3 tasks x 3 episodes x (1 inner + 1 validation batch) x at most 10 steps.
        let env_steps = line["env_steps"].as_u64().unwrap();
        assert!((1..=180).contains(&env_steps), "{line:?}");
        for key in ["return_pre", "return_post", "seconds"] {
            assert!(line[key].as_f64().unwrap().is_finite(), "{key}: {line:?}");
        }
    }

    assert!(latest(&run).is_file());
    assert!(best(&run).is_file());
    let tmp_files: Vec<_> = files_under(&run)
        .into_iter()
        .filter(|p| p.extension() == Some(OsStr::new("tmp")))
        .collect();
    assert!(tmp_files.is_empty(), "{tmp_files:?}");
}

#[test]
fn same_seed_gives_identical_metrics_and_checkpoints_for_one_and_two_workers() {
    let tmp = tempfile::tempdir().unwrap();
    let one = train_tiny(tmp.path(), "one", TINY, &["--workers", "1", "--seed", "5"]);
    let two = train_tiny(tmp.path(), "two", TINY, &["--workers", "2", "--seed", "5"]);
    let without_timings = |run: &Path| -> Vec<Map<String, Value>> {
        metrics(run)
            .into_iter()
            .map(|mut m| {
                m.retain(|k, _| !is_measurement(k));
                m
            })
            .collect()
    };
    let metrics_one = without_timings(&one);
    assert_eq!(metrics_one.len(), 3);
    assert_eq!(metrics_one, without_timings(&two));
    for checkpoint in [latest, best] {
        let (a, b) = (checkpoint(&one), checkpoint(&two));
        assert!(
            std::fs::read(&a).unwrap() == std::fs::read(&b).unwrap(),
            "{} and {} differ",
            a.display(),
            b.display()
        );
    }
}

#[test]
fn eval_json_reports_mean_and_stderr_per_step_deterministically() {
    let tmp = tempfile::tempdir().unwrap();
    let run = train_tiny(tmp.path(), "run", TINY, &[]);
    let args = [
        OsStr::new("eval"),
        "--run-dir".as_ref(),
        run.as_os_str(),
        "--tasks".as_ref(),
        "4".as_ref(),
        "--steps".as_ref(),
        "2".as_ref(),
    ];
    let json_args: Vec<&OsStr> = args.iter().copied().chain(["--json".as_ref()]).collect();

    let stdout = metarl_ok(&json_args);
    assert_eq!(stdout.lines().count(), 1, "one JSON object: {stdout}");
    let report: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(report["env"], "nav2d", "{report}");
    assert_eq!(report["tasks"], 4, "{report}");
    assert_eq!(report["steps"], serde_json::json!([0, 1, 2]), "{report}");
    for key in ["mean", "stderr"] {
        let values: Vec<f64> = report[key]
            .as_array()
            .unwrap_or_else(|| panic!("{key} is an array: {report}"))
            .iter()
            .map(|v| v.as_f64().unwrap_or(f64::NAN))
            .collect();
        assert_eq!(values.len(), 3, "{key}: {report}");
        assert!(values.iter().all(|v| v.is_finite()), "{key}: {report}");
        if key == "stderr" {
            assert!(values.iter().all(|&v| v >= 0.0), "{report}");
        }
    }
    assert_eq!(metarl_ok(&json_args), stdout, "eval is deterministic");

    let table = metarl_ok(&args);
    for step in ["0", "1", "2"] {
        assert!(
            table
                .lines()
                .any(|l| l.split_whitespace().next() == Some(step)),
            "no row for step {step}:\n{table}"
        );
    }
}

#[test]
fn train_print_config_prints_the_effective_toml_and_creates_nothing() {
    let cwd = tempfile::tempdir().unwrap();
    let out = metarl_in(
        Some(cwd.path()),
        &["train", "--print-config", "--iterations", "7"],
    );
    assert!(out.status.success(), "{}", out.stderr);
    let printed = parse_toml(&out.stdout);
    assert_eq!(printed["train"]["iterations"].as_integer(), Some(7));
    assert_eq!(
        printed["policy"]["hidden"],
        toml::Value::from(vec![100, 100])
    );
    assert_eq!(printed["maml"]["meta_batch_size"].as_integer(), Some(20));

    // Exactly the shipped nav2d config, but for the override.
    let mut expected = parse_toml(include_str!("../assets/configs/nav2d.toml"));
    expected["train"]
        .as_table_mut()
        .unwrap()
        .insert("iterations".into(), 7.into());
    assert_eq!(printed, expected);

    let left: Vec<_> = std::fs::read_dir(cwd.path()).unwrap().collect();
    assert!(left.is_empty(), "--print-config created {left:?}");
}

/// `train --config CONFIG --run-dir RUN` must fail naming `fragments`.
fn assert_bad_train(config: &Path, run: &Path, fragments: &[&str]) {
    assert_bad_input(
        &[
            OsStr::new("train"),
            "--config".as_ref(),
            config.as_os_str(),
            "--run-dir".as_ref(),
            run.as_os_str(),
        ],
        fragments,
    );
}

/// `train --config FILE` with `text` as FILE must fail naming `fragments`, creating no run.
fn assert_bad_config(text: &str, fragments: &[&str]) {
    let tmp = tempfile::tempdir().unwrap();
    let config = write_config(tmp.path(), "bad.toml", text);
    let run = tmp.path().join("run");
    assert_bad_train(&config, &run, fragments);
    assert!(!run.exists(), "a rejected config created {}", run.display());
}

#[test]
fn bad_input_unknown_config_key_is_one_error_line_naming_the_key() {
    assert_bad_config(
        &tiny_with("[maml]\n", "[maml]\ninner_lrr = 0.1\n"),
        &["inner_lrr"],
    );
}

#[test]
fn bad_input_negative_inner_lr_is_one_error_line_naming_maml_inner_lr() {
    assert_bad_config(
        &tiny_with("[maml]\n", "[maml]\ninner_lr = -0.1\n"),
        &["maml.inner_lr"],
    );
}

#[test]
fn bad_input_zero_meta_batch_size_is_one_error_line_naming_the_key() {
    assert_bad_config(
        &tiny_with("meta_batch_size = 3", "meta_batch_size = 0"),
        &["maml.meta_batch_size"],
    );
}

#[test]
fn bad_input_unknown_env_name_is_one_error_line_naming_the_env() {
    let tmp = tempfile::tempdir().unwrap();
    let run = tmp.path().join("run");
    let run_arg = run.to_str().unwrap();
    assert_bad_input(
        &["train", "--env", "nav3d", "--run-dir", run_arg],
        &["nav3d"],
    );
    let config = write_config(tmp.path(), "tiny.toml", TINY);
    let config_arg = config.to_str().unwrap();
    assert_bad_input(
        &[
            "train",
            "--config",
            config_arg,
            "--env",
            "nav3d",
            "--run-dir",
            run_arg,
        ],
        &["nav3d"],
    );
    assert_bad_input(&["bench", "speed", "--env", "nav3d"], &["nav3d"]);
    assert!(!run.exists());
}

#[test]
fn bad_input_missing_config_file_is_one_error_line_naming_the_file() {
    let tmp = tempfile::tempdir().unwrap();
    let missing = tmp.path().join("no-such-config.toml");
    let run = tmp.path().join("run");
    assert_bad_input(
        &[
            OsStr::new("train"),
            "--config".as_ref(),
            missing.as_os_str(),
            "--run-dir".as_ref(),
            run.as_os_str(),
        ],
        &["no-such-config.toml"],
    );
    assert!(!run.exists());
}

#[test]
fn bad_input_eval_of_a_missing_run_dir_is_one_error_line() {
    let tmp = tempfile::tempdir().unwrap();
    let missing = tmp.path().join("no-such-run");
    assert_bad_input(
        &[
            OsStr::new("eval"),
            "--run-dir".as_ref(),
            missing.as_os_str(),
        ],
        &["no-such-run"],
    );
    // A directory that exists but holds no run.
    assert_bad_input(
        &[
            OsStr::new("eval"),
            "--run-dir".as_ref(),
            tmp.path().as_os_str(),
        ],
        &["config.toml"],
    );
}

#[test]
fn bad_input_eval_of_a_truncated_or_garbage_checkpoint_is_one_error_line() {
    let tmp = tempfile::tempdir().unwrap();
    let run = train_tiny(tmp.path(), "run", TINY, &["--iterations", "1"]);
    let good = std::fs::read(best(&run)).unwrap();
    let eval = [OsStr::new("eval"), "--run-dir".as_ref(), run.as_os_str()];

    std::fs::write(best(&run), &good[..good.len() / 2]).unwrap();
    assert_bad_input(&eval, &["best.safetensors"]);

    let garbage: Vec<u8> = (0..good.len()).map(|i| (i * 7919 % 251) as u8).collect();
    std::fs::write(best(&run), &garbage).unwrap();
    assert_bad_input(&eval, &["best.safetensors"]);

    std::fs::write(best(&run), b"").unwrap();
    assert_bad_input(&eval, &["best.safetensors"]);
}

#[test]
fn bad_input_eval_of_a_checkpoint_of_another_architecture_is_one_error_line() {
    let tmp = tempfile::tempdir().unwrap();
    let small = train_tiny(
        tmp.path(),
        "small",
        &tiny_with("hidden = [8, 8]", "hidden = [4, 4]"),
        &["--iterations", "1"],
    );
    let run = train_tiny(tmp.path(), "run", TINY, &["--iterations", "1"]);
    std::fs::copy(best(&small), best(&run)).unwrap();
    assert_bad_input(
        &[OsStr::new("eval"), "--run-dir".as_ref(), run.as_os_str()],
        &["does not match"],
    );
}

#[test]
fn bad_input_train_into_an_existing_run_dir_refuses_and_keeps_the_run() {
    let tmp = tempfile::tempdir().unwrap();
    let run = train_tiny(tmp.path(), "run", TINY, &["--iterations", "1"]);
    let before: Vec<(PathBuf, Vec<u8>)> = files_under(&run)
        .into_iter()
        .map(|p| {
            let bytes = std::fs::read(&p).unwrap();
            (p, bytes)
        })
        .collect();
    assert_bad_train(&tmp.path().join("run.toml"), &run, &["already holds a run"]);
    for (path, bytes) in before {
        assert!(
            std::fs::read(&path).unwrap() == bytes,
            "{} changed",
            path.display()
        );
    }
}

#[test]
fn bad_input_eval_with_zero_tasks_is_one_error_line() {
    let tmp = tempfile::tempdir().unwrap();
    let run = train_tiny(tmp.path(), "run", TINY, &["--iterations", "1"]);
    assert_bad_input(
        &[
            OsStr::new("eval"),
            "--run-dir".as_ref(),
            run.as_os_str(),
            "--tasks".as_ref(),
            "0".as_ref(),
        ],
        &["--tasks"],
    );
}

#[test]
fn validation_picks_the_best_checkpoint_and_periodic_checkpoints_are_kept() {
    let tmp = tempfile::tempdir().unwrap();
    let config = tiny_with(
        "validate_every = 0",
        "validate_every = 2\nvalidation_tasks = 2\ncheckpoint_every = 2",
    );
    let run = train_tiny(tmp.path(), "run", &config, &["--iterations", "5"]);
    let lines = metrics(&run);
    // Validated after iterations 2 and 4 (multiples of validate_every only, so resumed runs match).
    let validated: Vec<(u64, f64)> = lines
        .iter()
        .filter_map(|m| {
            let v = m.get("validation")?;
            assert_eq!(v["steps"], serde_json::json!([0, 1, 2, 3]));
            let mean = v["mean"].as_array().unwrap();
            Some((
                m["iteration"].as_u64().unwrap() + 1,
                mean[3].as_f64().unwrap(),
            ))
        })
        .collect();
    assert_eq!(
        validated.iter().map(|v| v.0).collect::<Vec<_>>(),
        vec![2, 4]
    );
    let best_at = validated
        .iter()
        .fold(validated[0], |b, v| if v.1 > b.1 { *v } else { b })
        .0;
    let table = metarl_ok(&[
        OsStr::new("eval"),
        "--run-dir".as_ref(),
        run.as_os_str(),
        "--tasks".as_ref(),
        "1".as_ref(),
        "--steps".as_ref(),
        "0".as_ref(),
    ]);
    assert!(
        table.contains(&format!("checkpoint of iteration {best_at},")),
        "{table}"
    );
    for kept in ["iter-00002", "iter-00004"] {
        assert!(run
            .join("checkpoints")
            .join(format!("{kept}.safetensors"))
            .is_file());
    }
    assert!(!run
        .join("checkpoints")
        .join("iter-00005.safetensors")
        .exists());
}

// ---------------------------------------------------------------------------------------------
// Resume, kill -9, graceful stop, lock file.

/// A config whose iterations take long enough to interrupt mid-run.
fn resumable_config(iterations: u64) -> String {
    tiny_with(
        "validate_every = 0",
        "validate_every = 3\nvalidation_tasks = 2",
    )
    .replace("iterations = 3", &format!("iterations = {iterations}"))
    .replace("horizon = 10", "horizon = 20")
}

/// Metrics lines without their timings.
fn untimed_metrics(run: &Path) -> Vec<Map<String, Value>> {
    metrics(run)
        .into_iter()
        .map(|mut m| {
            m.retain(|k, _| !is_measurement(k));
            m
        })
        .collect()
}

fn resume_args(run: &Path, iterations: u64) -> Vec<std::ffi::OsString> {
    vec![
        "train".into(),
        "--resume".into(),
        run.as_os_str().to_owned(),
        "--iterations".into(),
        iterations.to_string().into(),
    ]
}

/// The resumed run equals the uninterrupted one: metrics (without timings), config and
/// checkpoints byte for byte.
fn assert_same_run(resumed: &Path, reference: &Path) {
    assert_eq!(untimed_metrics(resumed), untimed_metrics(reference));
    for file in [
        "checkpoints/latest.safetensors",
        "checkpoints/best.safetensors",
        "config.toml",
    ] {
        assert!(
            std::fs::read(resumed.join(file)).unwrap()
                == std::fs::read(reference.join(file)).unwrap(),
            "{file} differs"
        );
    }
    assert!(!resumed.join("lock").exists(), "the lock is released");
}

/// Spawns `metarl train` on `config` into `run` and waits until `lines` metrics lines exist.
fn spawn_until(config: &Path, run: &Path, lines: usize) -> std::process::Child {
    let mut child = Command::new(env!("CARGO_BIN_EXE_metarl"))
        .args([OsStr::new("train"), "--config".as_ref(), config.as_os_str()])
        .args([OsStr::new("--run-dir"), run.as_os_str()])
        .env_remove("RUST_LOG")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let n = std::fs::read_to_string(run.join("metrics.jsonl")).map_or(0, |t| t.lines().count());
        if n >= lines {
            break;
        }
        assert!(
            child.try_wait().unwrap().is_none(),
            "training ended before the interruption"
        );
        assert!(std::time::Instant::now() < deadline, "training too slow");
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    assert!(
        child.try_wait().unwrap().is_none(),
        "still running when interrupted"
    );
    child
}

#[test]
fn resume_from_any_iteration_reproduces_the_uninterrupted_run_bit_for_bit() {
    let tmp = tempfile::tempdir().unwrap();
    let reference = train_tiny(tmp.path(), "reference", &resumable_config(7), &[]);
    for stop in [1, 3, 5] {
        let name = format!("stopped-{stop}");
        let run = train_tiny(tmp.path(), &name, &resumable_config(stop), &[]);
        metarl_ok(&resume_args(&run, 7));
        assert_same_run(&run, &reference);
    }
}

#[test]
fn kill_9_mid_training_then_resume_reproduces_the_uninterrupted_run() {
    let tmp = tempfile::tempdir().unwrap();
    let text = resumable_config(150);
    let reference = train_tiny(tmp.path(), "reference", &text, &[]);
    let config = write_config(tmp.path(), "killed.toml", &text);
    let run = tmp.path().join("killed");
    let mut child = spawn_until(&config, &run, 4);
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    assert!(
        run.join("lock").exists(),
        "a killed run leaves its lock behind"
    );
    let done = metrics(&run).len();
    assert!(done < 150, "killed mid-run ({done} lines)");
    metarl_ok(&resume_args(&run, 150));
    assert_same_run(&run, &reference);
}

#[test]
fn sigterm_finishes_the_iteration_saves_and_exits_nonzero_with_a_resume_hint() {
    let tmp = tempfile::tempdir().unwrap();
    let text = resumable_config(150);
    let reference = train_tiny(tmp.path(), "reference", &text, &[]);
    let config = write_config(tmp.path(), "stopped.toml", &text);
    let run = tmp.path().join("stopped");
    let child = spawn_until(&config, &run, 3);
    let pid = child.id().to_string();
    assert!(Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap()
        .success());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("resume with: metarl train --resume"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    // Stopped cleanly after a whole iteration: the checkpoint is at the last metrics line.
    let lines = metrics(&run).len();
    assert!(lines < 150, "stopped early ({lines} lines)");
    assert!(
        !run.join("lock").exists(),
        "a graceful stop releases the lock"
    );
    metarl_ok(&resume_args(&run, 150));
    assert_same_run(&run, &reference);
}

#[test]
fn a_run_directory_locked_by_a_live_process_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let run = train_tiny(tmp.path(), "run", TINY, &["--iterations", "1"]);
    // This test process is alive: its pid in the lock file means "in use".
    std::fs::write(run.join("lock"), std::process::id().to_string()).unwrap();
    assert_bad_input(&resume_args(&run, 2), &["in use by process"]);
    std::fs::remove_file(run.join("lock")).unwrap();
    metarl_ok(&resume_args(&run, 2));
    assert_eq!(metrics(&run).len(), 2);
}

#[test]
fn resume_refuses_to_change_the_runs_config() {
    let tmp = tempfile::tempdir().unwrap();
    let run = train_tiny(tmp.path(), "run", TINY, &["--iterations", "1"]);
    let mut args = resume_args(&run, 2);
    args.extend(["--seed".into(), "3".into()]);
    assert_bad_input(&args, &["only --iterations and --workers"]);
}

#[test]
fn bad_input_unwritable_run_directory_fails_before_training() {
    let tmp = tempfile::tempdir().unwrap();
    let config = write_config(tmp.path(), "tiny.toml", TINY);
    // A regular file where a directory should be: nothing can be created below it (even as root).
    let blocker = tmp.path().join("blocker");
    std::fs::write(&blocker, b"not a directory").unwrap();
    assert_bad_train(
        &config,
        &blocker.join("run"),
        &["cannot create run directory"],
    );
}

#[test]
fn short_physics_soak_of_every_env_finds_no_non_finite_value() {
    for env in metarl_envs::env_names() {
        let env = env.as_str();
        let out = metarl_ok(&["bench", "soak", "--env", env, "--steps", "5000", "--json"]);
        let report: Value = serde_json::from_str(out.trim()).unwrap();
        assert_eq!(report["env"], env);
        assert_eq!(report["steps"], 5000);
        assert_eq!(report["non_finite_steps"], 0, "{out}");
        assert!(report["episodes"].as_u64().unwrap() >= 5, "{out}");
    }
}

#[test]
fn bench_envs_reports_env_and_sampler_throughput_as_json() {
    let out = metarl_ok(&[
        "bench", "envs", "--env", "nav2d", "--steps", "2000", "--json",
    ]);
    let report: Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(report["env"], "nav2d");
    assert!(report["env_steps_per_sec"].as_f64().unwrap() > 0.0, "{out}");
    for workers in ["1", "2"] {
        assert!(
            report["sampler_steps_per_sec"][workers].as_f64().unwrap() > 0.0,
            "{out}"
        );
    }
}

/// The env names `metarl train --help` lists.
fn envs_in_help() -> Vec<String> {
    let help = metarl_ok(&["train", "--help"]);
    let names: Vec<String> = metarl_envs::env_names()
        .into_iter()
        .filter(|name| help.contains(name.as_str()))
        .collect();
    assert_eq!(
        names,
        metarl_envs::env_names(),
        "--help lists every env: {help}"
    );
    names
}

#[test]
fn every_env_trains_two_iterations_from_the_command_line() {
    let tmp = tempfile::tempdir().unwrap();
    let config = write_config(
        tmp.path(),
        "tiny.toml",
        &tiny_with("validate_every = 0", "validate_every = 10"),
    );
    for env in envs_in_help() {
        let run = tmp.path().join(&env);
        metarl_ok(&[
            "train".as_ref(),
            "--config".as_ref(),
            config.as_os_str(),
            "--env".as_ref(),
            env.as_ref(),
            "--iterations".as_ref(),
            "2".as_ref(),
            "--run-dir".as_ref(),
            run.as_os_str(),
        ]);
        assert_eq!(metrics(&run).len(), 2, "{env}");
        let stored = parse_toml(&std::fs::read_to_string(run.join("config.toml")).unwrap());
        let algo = if env.ends_with("-oracle") {
            "oracle"
        } else {
            "maml"
        };
        assert_eq!(stored["train"]["algo"].as_str(), Some(algo), "{env}");
        // Shorter than validate_every: no best checkpoint yet, evaluable all the same.
        assert!(!best(&run).exists(), "{env}");
        metarl_ok(&[
            "eval".as_ref(),
            "--run-dir".as_ref(),
            run.as_os_str(),
            "--tasks".as_ref(),
            "2".as_ref(),
        ]);
    }
}

#[test]
fn train_env_nav2d_oracle_works_with_and_without_algo_oracle() {
    let tmp = tempfile::tempdir().unwrap();
    for (name, extra) in [("plain", &[][..]), ("algo", &["--algo", "oracle"][..])] {
        let run = tmp.path().join(name);
        let mut args: Vec<&OsStr> = vec![
            "train".as_ref(),
            "--env".as_ref(),
            "nav2d-oracle".as_ref(),
            "--iterations".as_ref(),
            "2".as_ref(),
            "--run-dir".as_ref(),
            run.as_os_str(),
        ];
        args.extend(extra.iter().map(OsStr::new));
        metarl_ok(&args);
        let stored = parse_toml(&std::fs::read_to_string(run.join("config.toml")).unwrap());
        assert_eq!(stored["env"]["name"].as_str(), Some("nav2d-oracle"));
        assert_eq!(stored["train"]["algo"].as_str(), Some("oracle"));
    }
}

#[test]
fn eval_of_a_run_stopped_before_its_first_validation_uses_latest_with_a_notice() {
    let tmp = tempfile::tempdir().unwrap();
    let config = tiny_with("validate_every = 0", "validate_every = 10");
    let run = train_tiny(tmp.path(), "run", &config, &["--iterations", "1"]);
    assert!(!best(&run).exists());
    let out = metarl_in(
        None,
        &[
            "eval".as_ref(),
            "--run-dir".as_ref(),
            run.as_os_str(),
            "--tasks".as_ref(),
            "2".as_ref(),
        ],
    );
    assert!(out.status.success(), "{}", out.stderr);
    assert!(
        out.stdout.contains("checkpoint of iteration 1"),
        "{}",
        out.stdout
    );
    assert!(out.stderr.contains("no best checkpoint"), "{}", out.stderr);
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
}

#[test]
fn bench_speed_prints_a_table_not_a_debug_dump() {
    let tmp = tempfile::tempdir().unwrap();
    let config = write_config(tmp.path(), "tiny.toml", TINY);
    let out = metarl_ok(&[
        "bench".as_ref(),
        "speed".as_ref(),
        "--config".as_ref(),
        config.as_os_str(),
        "--iterations".as_ref(),
        "1".as_ref(),
    ]);
    assert!(!out.contains('{') && !out.contains("SpeedReport"), "{out}");
    for row in [
        "meta-iteration",
        "sampling",
        "conjugate gradient",
        "line search",
    ] {
        assert!(out.contains(row), "{row}: {out}");
    }
}

#[test]
fn the_first_ctrl_c_stops_a_command_that_does_not_train() {
    // A soak this long would run for minutes.
    let mut child = Command::new(env!("CARGO_BIN_EXE_metarl"))
        .args([
            "bench",
            "soak",
            "--env",
            "cheetah-vel",
            "--steps",
            "1000000000",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(500));
    let pid = child.id().to_string();
    assert!(Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .unwrap()
        .success());
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if std::time::Instant::now() > deadline {
            child.kill().unwrap();
            panic!("metarl bench soak ignored SIGINT");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    use std::os::unix::process::ExitStatusExt;
    assert_eq!(
        status.signal(),
        Some(2),
        "ended by the SIGINT itself: {status}"
    );
}

#[test]
fn env_and_algo_flags_combine_with_the_config_file() {
    let tmp = tempfile::tempdir().unwrap();
    let pretrained = tiny_with("seed = 1", "seed = 1\nalgo = \"pretrained\"");
    let config = write_config(tmp.path(), "pretrained.toml", &pretrained);
    let printed = |extra: &[&str]| {
        let mut args: Vec<&OsStr> = vec![
            "train".as_ref(),
            "--config".as_ref(),
            config.as_os_str(),
            "--print-config".as_ref(),
        ];
        args.extend(extra.iter().map(OsStr::new));
        let table = parse_toml(&metarl_ok(&args));
        (
            table["env"]["name"].as_str().unwrap().to_string(),
            table["train"]["algo"].as_str().unwrap().to_string(),
        )
    };
    let pair = |env: &str, algo: &str| (env.to_string(), algo.to_string());
    // The file's algo survives --env; an -oracle env trains the oracle.
    assert_eq!(
        printed(&["--env", "cheetah-vel"]),
        pair("cheetah-vel", "pretrained")
    );
    assert_eq!(
        printed(&["--env", "nav2d-oracle"]),
        pair("nav2d-oracle", "oracle")
    );
    assert_eq!(
        printed(&["--algo", "oracle"]),
        pair("nav2d-oracle", "oracle")
    );
    assert_eq!(printed(&["--algo", "maml"]), pair("nav2d", "maml"));
    assert_bad_input(
        &[
            OsStr::new("train"),
            "--config".as_ref(),
            config.as_os_str(),
            "--env".as_ref(),
            "nav2d-oracle".as_ref(),
            "--algo".as_ref(),
            "pretrained".as_ref(),
        ],
        &["--algo pretrained", "nav2d-oracle"],
    );
}

/// `mpirun -np 2` of a build without the `mpi` feature would train R independent copies: each
/// rank refuses with one line instead (the launcher's variables are set here by hand).
#[cfg(not(feature = "mpi"))]
#[test]
fn an_mpi_launch_of_a_build_without_mpi_fails_with_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), "tiny.toml", TINY);
    let run = dir.path().join("run");
    for var in ["OMPI_COMM_WORLD_SIZE", "PMI_SIZE"] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_metarl"))
            .args([
                "train",
                "--config",
                config.to_str().unwrap(),
                "--run-dir",
                run.to_str().unwrap(),
            ])
            .env(var, "2")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1));
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(
            stderr.contains("built without the `mpi` feature"),
            "{stderr}"
        );
        assert!(!run.exists());
    }
}

/// Runs `bench time-to-quality` on the tiny config (validating every iteration) with `target`.
fn time_to_quality(dir: &Path, name: &str, target: &str) -> Value {
    let config = write_config(
        dir,
        &format!("{name}.toml"),
        &tiny_with("validate_every = 0", "validate_every = 1"),
    );
    let run = dir.join(name);
    let mut args = vec![OsStr::new("bench"), "time-to-quality".as_ref()];
    args.extend(["--config".as_ref(), config.as_os_str()]);
    args.extend(["--run-dir".as_ref(), run.as_os_str()]);
    args.extend(["--target", target, "--tasks", "2", "--json"].map(OsStr::new));
    serde_json::from_str(&metarl_ok(&args)).unwrap()
}

#[test]
fn time_to_quality_stops_when_the_target_is_met_and_says_when_it_is_not() {
    let tmp = tempfile::tempdir().unwrap();
    let easy = time_to_quality(tmp.path(), "easy", "0:-1e9,1:-1e9");
    assert_eq!(easy["reached"]["iterations"], 1, "{easy}");
    assert_eq!(easy["iterations"], 1);
    assert!(easy["reached"]["env_steps"].as_u64().unwrap() > 0);
    assert_eq!(easy["final_eval"]["tasks"], 2);
    let hard = time_to_quality(tmp.path(), "hard", "1:1e9");
    assert!(hard["reached"].is_null(), "{hard}");
    assert_eq!(hard["iterations"], 3);
    assert_eq!(hard["final_eval"]["mean"].as_array().unwrap().len(), 4);
    assert_bad_input(
        &["bench", "time-to-quality", "--target", "1:-3,x"],
        &["quality target"],
    );
    let config = write_config(tmp.path(), "novalidation.toml", TINY);
    assert_bad_input(
        &[
            "bench",
            "time-to-quality",
            "--config",
            config.to_str().unwrap(),
        ],
        &["validate_every"],
    );
}
