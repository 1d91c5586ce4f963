//! End-to-end tests of `metarl bench adapt` and `train --algo`: the paper's comparison on a tiny
//! nav2d config (horizon 10, hidden [8, 8], 3 tasks x 3 episodes, 3 iterations).

mod common;

use std::path::Path;

use common::{assert_bad_input, metarl_ok, write_config, TINY};

/// The shared tiny config, validated every 2 iterations on 2 tasks, evaluated for 2 steps.
fn tiny_config() -> String {
    TINY.replace(
        "validate_every = 0\n",
        "validate_every = 2\nvalidation_tasks = 2\n",
    )
    .replace("episodes = 3", "steps = 2\nepisodes = 3")
}

const METHODS: [&str; 4] = ["maml", "pretrained", "random", "oracle"];
const TASKS: usize = 4;
const STEPS: usize = 2;

/// Runs the benchmark on the tiny config into `out` with `workers` workers; returns stdout.
fn bench_adapt(dir: &Path, out: &Path, workers: &str, extra: &[&str]) -> String {
    let config = write_config(dir, "tiny.toml", &tiny_config());
    let mut args = vec![
        "bench".to_string(),
        "adapt".into(),
        "--config".into(),
        config.display().to_string(),
        "--tasks".into(),
        TASKS.to_string(),
        "--steps".into(),
        STEPS.to_string(),
        "--workers".into(),
        workers.into(),
        "--out".into(),
        out.display().to_string(),
    ];
    args.extend(extra.iter().map(|s| s.to_string()));
    metarl_ok(&args)
}

/// Checks adapt.csv: a header, one row per method and step with every task's return, and a
/// mean and standard error that match the task columns.
fn check_csv(text: &str) {
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let mut expected = vec!["method", "step", "mean", "stderr"];
    let tasks: Vec<String> = (0..TASKS).map(|i| format!("task_{i}")).collect();
    expected.extend(tasks.iter().map(String::as_str));
    assert_eq!(header, expected);
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), METHODS.len() * (STEPS + 1), "{text}");
    for (i, row) in rows.iter().enumerate() {
        assert_eq!(row.len(), 4 + TASKS, "{row:?}");
        assert_eq!(row[0], METHODS[i / (STEPS + 1)]);
        assert_eq!(row[1], (i % (STEPS + 1)).to_string());
        let numbers: Vec<f64> = row[2..].iter().map(|x| x.parse().unwrap()).collect();
        assert!(numbers.iter().all(|x| x.is_finite()), "{row:?}");
        let returns = &numbers[2..];
        let mean = returns.iter().sum::<f64>() / TASKS as f64;
        assert!((numbers[0] - mean).abs() < 1e-9, "{row:?}");
        let var = returns.iter().map(|r| (r - mean).powi(2)).sum::<f64>() / (TASKS - 1) as f64;
        assert!((numbers[1] - (var / TASKS as f64).sqrt()).abs() < 1e-9);
        // nav2d returns are minus distances: negative, at most 10 steps x the farthest distance.
        assert!(
            returns.iter().all(|r| *r < 0.0 && *r > -10.0 * 1.5),
            "{row:?}"
        );
    }
}

/// Decodes adapt.png and checks it is a drawn plot: the expected size, mostly white, and every
/// method's line colour present.
fn check_png(path: &Path) {
    let decoder = png::Decoder::new(std::fs::File::open(path).unwrap());
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert_eq!((info.width, info.height), (900, 560));
    assert_eq!(info.color_type, png::ColorType::Rgb);
    let pixels: Vec<[u8; 3]> = buf[..info.buffer_size()]
        .chunks(3)
        .map(|c| [c[0], c[1], c[2]])
        .collect();
    let white = pixels.iter().filter(|p| **p == [255, 255, 255]).count();
    assert!(
        white > pixels.len() / 2 && white < pixels.len(),
        "{white} white"
    );
    let line_colours = [
        [31, 119, 180],
        [255, 127, 14],
        [127, 127, 127],
        [44, 160, 44],
    ];
    for colour in line_colours {
        let n = pixels.iter().filter(|p| **p == colour).count();
        assert!(n > 200, "colour {colour:?}: {n} pixels");
    }
}

#[test]
fn bench_adapt_writes_csv_md_and_png_identically_for_any_worker_count_and_reuses_its_runs() {
    let tmp = tempfile::tempdir().unwrap();
    let (one, two) = (tmp.path().join("one"), tmp.path().join("two"));
    let stdout = bench_adapt(tmp.path(), &one, "1", &[]);
    bench_adapt(tmp.path(), &two, "2", &[]);
    assert!(stdout.contains("| MAML |"), "{stdout}");

    let csv = std::fs::read_to_string(one.join("adapt.csv")).unwrap();
    check_csv(&csv);
    assert_eq!(csv, std::fs::read_to_string(two.join("adapt.csv")).unwrap());

    let md = std::fs::read_to_string(one.join("adapt.md")).unwrap();
    assert!(
        md.contains("| method | 0 steps | 1 step | 2 steps |"),
        "{md}"
    );
    for label in ["MAML", "pretrained", "random", "oracle"] {
        assert!(md.contains(&format!("\n| {label} | ")), "{label}: {md}");
        assert!(
            md.contains(&format!("\n| {label} (paper) | ")),
            "{label}: {md}"
        );
    }
    assert!(md.contains("oracle (env `nav2d-oracle`)"), "{md}");
    check_png(&one.join("adapt.png"));

    // The trained runs are reused: a second benchmark into the same directory trains nothing
    // and writes the same numbers.
    let metrics = std::fs::read(one.join("runs/maml/metrics.jsonl")).unwrap();
    bench_adapt(tmp.path(), &one, "2", &[]);
    assert_eq!(
        std::fs::read(one.join("runs/maml/metrics.jsonl")).unwrap(),
        metrics
    );
    assert_eq!(std::fs::read_to_string(one.join("adapt.csv")).unwrap(), csv);

    // The latest checkpoints (trained to the end) go to adapt-latest.*, next to the best ones.
    bench_adapt(tmp.path(), &one, "2", &["--checkpoint", "latest"]);
    check_csv(&std::fs::read_to_string(one.join("adapt-latest.csv")).unwrap());
    let latest_md = std::fs::read_to_string(one.join("adapt-latest.md")).unwrap();
    assert!(
        latest_md.contains("runs/maml (latest checkpoint, iteration 3)"),
        "{latest_md}"
    );
    assert!(
        md.contains("runs/maml (best checkpoint, iteration 2)"),
        "{md}"
    );
    check_png(&one.join("adapt-latest.png"));

    // Supplied runs are used as they are: the same numbers from another output directory.
    let three = tmp.path().join("three");
    let runs: Vec<String> = ["maml", "pretrained", "oracle"]
        .iter()
        .map(|m| one.join("runs").join(m).display().to_string())
        .collect();
    let mut extra = vec!["--runs"];
    extra.extend(runs.iter().map(String::as_str));
    bench_adapt(tmp.path(), &three, "2", &extra);
    assert!(!three.join("runs").exists(), "nothing trained");
    assert_eq!(
        std::fs::read_to_string(three.join("adapt.csv")).unwrap(),
        csv
    );
}

#[test]
fn train_algo_oracle_trains_on_the_oracle_env_and_pretrained_has_no_inner_loop() {
    let tmp = tempfile::tempdir().unwrap();
    let config = write_config(tmp.path(), "tiny.toml", &tiny_config());
    for algo in ["oracle", "pretrained"] {
        let run = tmp.path().join(algo);
        metarl_ok(&[
            "train",
            "--algo",
            algo,
            "--config",
            &config.display().to_string(),
            "--run-dir",
            &run.display().to_string(),
        ]);
        let stored: toml::Table = std::fs::read_to_string(run.join("config.toml"))
            .unwrap()
            .parse()
            .unwrap();
        assert_eq!(stored["train"]["algo"].as_str(), Some(algo));
        let env = if algo == "oracle" {
            "nav2d-oracle"
        } else {
            "nav2d"
        };
        assert_eq!(stored["env"]["name"].as_str(), Some(env));
        // Without an inner loop the episodes are sampled once: pre == post, half the env steps.
        for line in std::fs::read_to_string(run.join("metrics.jsonl"))
            .unwrap()
            .lines()
        {
            let m: serde_json::Value = serde_json::from_str(line).unwrap();
            assert_eq!(m["return_pre"], m["return_post"], "{m}");
            assert!(m["env_steps"].as_u64().unwrap() <= 3 * 3 * 10, "{m}");
            // The oracle is selected on its return without adaptation, the others after 2 steps.
            if let Some(steps) = m.get("validation").map(|v| v["steps"].clone()) {
                let expected = if algo == "oracle" {
                    vec![0]
                } else {
                    vec![0, 1, 2]
                };
                assert_eq!(steps, serde_json::json!(expected), "{m}");
            }
        }
    }
}

#[test]
fn bad_input_bench_adapt_runs_of_another_env_or_twice_the_same_method_are_one_error_line() {
    let tmp = tempfile::tempdir().unwrap();
    let config = write_config(tmp.path(), "tiny.toml", &tiny_config());
    let run = tmp.path().join("maml");
    let (config, run) = (config.display().to_string(), run.display().to_string());
    metarl_ok(&["train", "--config", &config, "--run-dir", &run]);
    let out = tmp.path().join("out").display().to_string();
    let base = ["bench", "adapt", "--config", &config, "--out", &out];
    let twice: Vec<&str> = base.iter().copied().chain(["--runs", &run, &run]).collect();
    assert_bad_input(&twice, &["two maml runs"]);
    let cheetah: Vec<&str> = base
        .iter()
        .copied()
        .chain(["--env", "cheetah-vel", "--runs", &run])
        .collect();
    assert_bad_input(&cheetah, &["is a nav2d run, not cheetah-vel"]);
    let zero: Vec<&str> = base.iter().copied().chain(["--tasks", "0"]).collect();
    assert_bad_input(&zero, &["--tasks must be >= 1"]);
}
