//! End-to-end: every `metarl train` run writes TensorBoard event files into `RUN_DIR/tb/` that
//! hold every scalar of `metrics.jsonl`, tagged as documented in `metarl::tensorboard`, at the
//! step of its line's `iteration`; a resumed run adds a file.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use common::{metarl_ok, metrics, tiny_with, train_tiny, TINY};
use metarl::tensorboard::{read_events, Event, What, FILE_VERSION};
use serde_json::{Map, Value};

/// The event files in `run/tb`, oldest first (by the time of their first record).
fn event_files(run: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(run.join("tb"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort_by(|a, b| {
        let started = |file: &PathBuf| read_events(file).unwrap()[0].wall_time;
        started(a).total_cmp(&started(b))
    });
    for file in &files {
        let name = file.file_name().unwrap().to_string_lossy();
        assert!(name.starts_with("events.out.tfevents."), "{name}");
    }
    files
}

/// The scalar events of one file (after checking its first record is the file version), as
/// (step, tag → value).
fn scalar_events(file: &Path) -> Vec<(i64, BTreeMap<String, f32>)> {
    let events: Vec<Event> = read_events(file).unwrap();
    assert_eq!(
        events[0].what,
        Some(What::FileVersion(FILE_VERSION.to_string())),
        "{}",
        file.display()
    );
    events[1..]
        .iter()
        .map(|event| {
            let Some(What::Summary(summary)) = &event.what else {
                panic!("not a summary: {event:?}");
            };
            let values = summary
                .value
                .iter()
                .map(|v| (v.tag.clone(), v.simple_value.expect("a simple value")))
                .collect::<BTreeMap<_, _>>();
            assert_eq!(values.len(), summary.value.len(), "tags are unique");
            (event.step, values)
        })
        .collect()
}

/// What TensorBoard must hold for one metrics line: every top-level number and bool as
/// `train/<key>`, the validation means and standard errors by step count; `None` for a value
/// that `metrics.jsonl` shows as `null` (non-finite).
fn expected_scalars(line: &Map<String, Value>) -> BTreeMap<String, Option<f32>> {
    let mut expected = BTreeMap::new();
    for (key, value) in line {
        match value {
            Value::Number(n) => {
                expected.insert(format!("train/{key}"), Some(n.as_f64().unwrap() as f32));
            }
            Value::Bool(b) => {
                expected.insert(format!("train/{key}"), Some(f32::from(u8::from(*b))));
            }
            Value::Null => {
                expected.insert(format!("train/{key}"), None);
            }
            Value::Object(validation) => {
                assert_eq!(key, "validation");
                for (field, name) in [("mean", "return"), ("stderr", "stderr")] {
                    let values = validation[field].as_array().unwrap();
                    for (i, v) in values.iter().enumerate() {
                        expected.insert(
                            format!("validation/{name}_after_{i}_steps"),
                            v.as_f64().map(|v| v as f32),
                        );
                    }
                }
            }
            other => panic!("unexpected top-level value {key}: {other}"),
        }
    }
    expected
}

/// Asserts the events are exactly the metrics lines, in order: same steps, same tags, same
/// values (as f32; a `null` must be non-finite in TensorBoard).
fn assert_events_match(events: &[(i64, BTreeMap<String, f32>)], lines: &[Map<String, Value>]) {
    assert_eq!(events.len(), lines.len());
    for ((step, got), line) in events.iter().zip(lines) {
        assert_eq!(Some(*step as u64), line["iteration"].as_u64(), "{line:?}");
        let expected = expected_scalars(line);
        assert_eq!(
            got.keys().collect::<Vec<_>>(),
            expected.keys().collect::<Vec<_>>(),
            "tags at step {step}"
        );
        for (tag, want) in &expected {
            let value = got[tag];
            match want {
                Some(want) => assert_eq!(value, *want, "{tag} at step {step}"),
                None => assert!(!value.is_finite(), "{tag} at step {step}: {value}"),
            }
        }
    }
}

#[test]
fn tensorboard_holds_every_scalar_of_metrics_jsonl_with_its_tag_step_and_value() {
    let tmp = tempfile::tempdir().unwrap();
    let run = train_tiny(tmp.path(), "run", TINY, &[]);
    let lines = metrics(&run);
    assert_eq!(lines.len(), 3);
    let files = event_files(&run);
    assert_eq!(files.len(), 1, "{files:?}");
    let events = scalar_events(&files[0]);
    assert_events_match(&events, &lines);
    // The documented tags are there, bools as 0/1, timings and counters included.
    for tag in [
        "train/iteration",
        "train/return_pre",
        "train/return_post",
        "train/kl",
        "train/surrogate_before",
        "train/surrogate_after",
        "train/seconds",
        "train/seconds_sampling",
        "train/peak_rss_mib",
        "train/rejected_steps",
        "train/step_accepted",
        "train/step_rejected",
    ] {
        assert!(events[0].1.contains_key(tag), "{tag}: {:?}", events[0].1);
    }
    assert!(!events[0].1.keys().any(|t| t.starts_with("validation/")));
}

#[test]
fn validation_is_tagged_by_step_count_and_a_resumed_run_adds_an_event_file() {
    let tmp = tempfile::tempdir().unwrap();
    let config = tiny_with(
        "validate_every = 0",
        "validate_every = 1\nvalidation_tasks = 2",
    );
    let run = train_tiny(tmp.path(), "run", &config, &["--iterations", "2"]);
    let mut resume = vec![
        "train".into(),
        "--resume".into(),
        run.clone().into_os_string(),
    ];
    resume.extend(["--iterations".into(), "3".into()]);
    metarl_ok(&resume);
    // Resuming a finished run trains nothing and adds no event file.
    metarl_ok(&resume);

    let lines = metrics(&run);
    assert_eq!(lines.len(), 3);
    let files = event_files(&run);
    assert_eq!(files.len(), 2, "{files:?}");
    let (first, second) = (scalar_events(&files[0]), scalar_events(&files[1]));
    assert_eq!(first.iter().map(|e| e.0).collect::<Vec<_>>(), [0, 1]);
    assert_eq!(second.iter().map(|e| e.0).collect::<Vec<_>>(), [2]);
    let events: Vec<_> = first.into_iter().chain(second).collect();
    assert_events_match(&events, &lines);
    // eval.steps = 3 by default: returns and standard errors after 0..=3 steps.
    for (_, values) in &events {
        for i in 0..=3 {
            for name in ["return", "stderr"] {
                let tag = format!("validation/{name}_after_{i}_steps");
                assert!(values.contains_key(&tag), "{tag}: {values:?}");
            }
        }
        assert!(!values.contains_key("validation/return_after_4_steps"));
    }
}
