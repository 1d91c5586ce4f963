//! End-to-end tests of `metarl rollout` (recording a tiny trained run to JSON) and, with the
//! `viewer` feature, of `metarl view --screenshot` (the rendered PNG is decoded and checked).

mod common;

use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use common::{assert_bad_input, metarl_ok, write_config, TINY};
use serde_json::Value;

/// The shared tiny nav2d config (horizon 10: trails are short but visible), 2 iterations, 6
/// episodes per adaptation step (a recording keeps the first episodes of each step's batch).
fn tiny_nav() -> String {
    TINY.replace("iterations = 3", "iterations = 2")
        .replace("[eval]\nepisodes = 3", "[eval]\nepisodes = 6")
}

/// The same on cheetah-vel: 2 tasks x 2 episodes, 1 iteration, 2 eval episodes.
fn tiny_cheetah() -> String {
    tiny_nav()
        .replace("name = \"nav2d\"", "name = \"cheetah-vel\"")
        .replace("meta_batch_size = 3", "meta_batch_size = 2")
        .replace("episodes_per_task = 3", "episodes_per_task = 2")
        .replace("iterations = 2", "iterations = 1")
        .replace("episodes = 3", "episodes = 2")
}

fn train(dir: &Path, name: &str, config: &str) -> PathBuf {
    let config = write_config(dir, &format!("{name}.toml"), config);
    let run = dir.join(name);
    metarl_ok(&[
        "train".as_ref(),
        "--config".as_ref(),
        config.as_os_str(),
        "--run-dir".as_ref(),
        run.as_os_str(),
    ]);
    run
}

/// `metarl rollout --run-dir RUN --out OUT EXTRA...`, returning the parsed JSON.
fn rollout(run: &Path, out: &Path, extra: &[&str]) -> Value {
    let mut args: Vec<&OsStr> = vec![
        "rollout".as_ref(),
        "--run-dir".as_ref(),
        run.as_os_str(),
        "--out".as_ref(),
        out.as_os_str(),
    ];
    args.extend(extra.iter().map(OsStr::new));
    metarl_ok(&args);
    serde_json::from_str(&std::fs::read_to_string(out).unwrap()).unwrap()
}

fn f(v: &Value) -> f64 {
    v.as_f64().unwrap()
}

#[test]
fn nav2d_rollout_records_pre_and_post_episodes_deterministically() {
    let dir = tempfile::tempdir().unwrap();
    let run = train(dir.path(), "nav", &tiny_nav());
    let a = dir.path().join("a.json");
    let b = dir.path().join("b.json");
    let json = rollout(&run, &a, &["--seed", "4", "--task", "0.3", "-0.2"]);
    rollout(&run, &b, &["--seed", "4", "--task", "0.3", "-0.2"]);
    assert_eq!(
        std::fs::read(&a).unwrap(),
        std::fs::read(&b).unwrap(),
        "same seed, same file"
    );

    assert_eq!(json["format"], "metarl-rollout");
    assert_eq!(json["version"], 2);
    assert_eq!(json["env"], "nav2d");
    assert_eq!(json["task"], serde_json::json!([0.3, -0.2]));
    assert_eq!(
        json["scenery"],
        serde_json::json!({"ground": null, "walls": [], "goal": {"position": [0.3, -0.2], "radius": 0.01},
            "arena": {"min": [-0.5, -0.5], "max": [0.5, 0.5]}}),
        "seen from above, the task's goal"
    );
    assert_eq!(
        json["lrs"],
        serde_json::json!([0.1, 0.05, 0.05]),
        "eval protocol rates"
    );
    let sets = json["sets"].as_array().unwrap();
    assert_eq!(sets.len(), 4, "0..=3 steps");
    for (k, set) in sets.iter().enumerate() {
        assert_eq!(set["steps"], k);
        assert_eq!(set["batch_episodes"], 6);
        let episodes = set["episodes"].as_array().unwrap();
        assert_eq!(episodes.len(), 5, "default: 5 recorded nav2d episodes");
        for episode in episodes {
            let rewards: Vec<f64> = episode["rewards"]
                .as_array()
                .unwrap()
                .iter()
                .map(f)
                .collect();
            let frames = episode["frames"].as_array().unwrap();
            assert_eq!(frames.len(), rewards.len() + 1);
            assert!(rewards.len() <= 10);
            assert_eq!(
                frames[0],
                serde_json::json!({"position": [0.0, 0.0],
                    "bodies": [{"kind": "disc", "center": [0.0, 0.0], "radius": f64::from(0.01_f32)}]}),
                "start at the origin, the agent a disc (its f32 collider's radius)"
            );
            let total: f64 = rewards.iter().sum();
            assert!((f(&episode["return"]) - total).abs() < 1e-9);
            // The reward is minus the distance to the goal after the move, and a move is at
            // most 0.1 per axis: the frames are the env's positions.
            for (t, r) in rewards.iter().enumerate() {
                let p = &frames[t + 1]["position"];
                let q = &frames[t]["position"];
                let d = (f(&p[0]) - 0.3).hypot(f(&p[1]) + 0.2);
                assert!((r + d).abs() < 1e-9, "reward {r} vs distance {d}");
                assert!((f(&p[0]) - f(&q[0])).abs() <= 0.1 + 1e-12);
                assert!((f(&p[1]) - f(&q[1])).abs() <= 0.1 + 1e-12);
            }
        }
    }
    // Another seed draws other episodes (and, without --task, another goal).
    let c = rollout(
        &run,
        &dir.path().join("c.json"),
        &["--seed", "5", "--steps", "1", "--episodes", "2"],
    );
    assert_eq!(c["sets"].as_array().unwrap().len(), 2);
    assert_eq!(c["sets"][0]["episodes"].as_array().unwrap().len(), 2);
    assert_ne!(c["task"], json["task"]);
}

#[test]
fn rollout_records_the_checkpoint_asked_for() {
    let dir = tempfile::tempdir().unwrap();
    let config = tiny_nav().replace("[train]\n", "[train]\ncheckpoint_every = 1\n");
    let run = train(dir.path(), "nav", &config);
    let iteration_of = |which: &str| {
        let out = dir.path().join(format!("{which}.json"));
        let json = rollout(&run, &out, &["--checkpoint", which, "--steps", "0"]);
        json["checkpoint_iteration"].as_u64().unwrap()
    };
    let (first, second) = (iteration_of("iter-00001"), iteration_of("iter-00002"));
    assert_eq!((first, second), (1, 2));
    assert_eq!(iteration_of("latest"), 2);
}

#[test]
fn cheetah_rollout_records_capsule_segments() {
    let dir = tempfile::tempdir().unwrap();
    let run = train(dir.path(), "cheetah", &tiny_cheetah());
    let json = rollout(
        &run,
        &dir.path().join("c.json"),
        &["--task", "1.5", "--steps", "1"],
    );
    assert_eq!(json["task"], serde_json::json!([1.5]));
    assert!((f(&json["dt"]) - 0.05).abs() < 1e-12);
    assert_eq!(
        json["scenery"],
        serde_json::json!({"ground": 0.0, "walls": [], "goal": null, "arena": null}),
        "a side view over the ground, no goal"
    );
    for set in json["sets"].as_array().unwrap() {
        let episodes = set["episodes"].as_array().unwrap();
        assert_eq!(episodes.len(), 1);
        let frames = episodes[0]["frames"].as_array().unwrap();
        assert_eq!(frames.len(), 11, "reset + 10 steps");
        for frame in frames {
            let bodies = frame["bodies"].as_array().unwrap();
            assert_eq!(bodies.len(), 8);
            for body in bodies {
                assert_eq!(body["kind"], "capsule");
                assert!((f(&body["radius"]) - 0.046).abs() < 1e-12);
            }
            // The torso is a rigid 1 m segment whose midpoint is the torso origin.
            let (a, b) = (&bodies[0]["a"], &bodies[0]["b"]);
            let t: Vec<f64> = [&a[0], &a[1], &b[0], &b[1]].into_iter().map(f).collect();
            assert!(((t[2] - t[0]).hypot(t[3] - t[1]) - 1.0).abs() < 1e-4);
            let p = &frame["position"];
            assert!((0.5 * (t[0] + t[2]) - f(&p[0])).abs() < 1e-4);
            assert!(frame["x_velocity"].is_f64());
        }
    }
}

#[test]
fn rollout_bad_input_is_one_line_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("x.json");
    let out = out.to_str().unwrap();
    assert_bad_input(
        &["rollout", "--run-dir", "/nonexistent/run", "--out", out],
        &["does not exist"],
    );
    let run = train(dir.path(), "nav", &tiny_nav());
    let run = run.to_str().unwrap();
    // `rollout --run-dir RUN` with `extra` arguments must fail naming `fragments`.
    let bad = |extra: &[&str], fragments: &[&str]| {
        let mut args = vec!["rollout", "--run-dir", run];
        args.extend_from_slice(extra);
        assert_bad_input(&args, fragments);
    };
    bad(
        &["--out", out, "--task", "0.1"],
        &["--task", "two coordinates"],
    );
    bad(&["--out", out, "--task", "0.9", "0.0"], &["--task"]);
    bad(&["--out", out, "--steps", "4"], &["--steps"]);
    bad(&["--out", out, "--checkpoint", "newest"], &["--checkpoint"]);
    bad(
        &["--out", out, "--checkpoint", "iter-00099"],
        &["iter-00099"],
    );
    bad(
        &["--out", out, "--env", "cartpole"],
        &["unknown env `cartpole`"],
    );
    bad(&["--out", out, "--env", "cheetah-vel"], &["does not fit"]);
    bad(
        &["--out", "/nonexistent/dir/x.json"],
        &["cannot write recording"],
    );
}

/// With the `viewer` feature: the screenshot mode renders recordings offscreen (Mesa's software
/// Vulkan is enough) and the PNG shows what it should.
#[cfg(feature = "viewer")]
mod viewer {
    use super::*;
    use common::image::{close, nav_pixel, Rgb, GOAL, HEIGHT, POST, PRE};

    fn screenshot(args: &[&OsStr], png: &Path) -> Rgb {
        let mut all: Vec<&OsStr> = vec!["view".as_ref()];
        all.extend_from_slice(args);
        all.extend([
            "--screenshot".as_ref(),
            png.as_os_str(),
            "--frames".as_ref(),
            "5".as_ref(),
        ]);
        metarl_ok(&all);
        Rgb::load_png(png)
    }

    #[test]
    fn nav2d_screenshot_shows_goal_pre_and_post_trails() {
        let dir = tempfile::tempdir().unwrap();
        let run = train(dir.path(), "nav", &tiny_nav());
        let json = dir.path().join("nav.json");
        rollout(&run, &json, &["--task", "0.3", "0.2", "--seed", "2"]);
        let png = dir.path().join("nav.png");
        let image = screenshot(&["--replay".as_ref(), json.as_os_str()], &png);
        let (gx, gy) = nav_pixel([0.3, 0.2]);
        assert!(
            close(image.pixel(gx, gy), GOAL, 8),
            "goal pixel {:?}",
            image.pixel(gx, gy)
        );
        assert!(image.count(PRE, 0..HEIGHT) > 30, "pre-adaptation trails");
        for (k, post) in POST.iter().enumerate() {
            assert!(
                image.count(*post, 0..HEIGHT) > 30,
                "trails after {} steps",
                k + 1
            );
        }
        assert!(image.distinct_colors() > 50, "not blank");

        // Live mode from the run directory renders the same way (no window, no worker thread).
        let live = screenshot(
            &[
                "--run-dir".as_ref(),
                run.as_os_str(),
                "--seed".as_ref(),
                "3".as_ref(),
            ],
            &dir.path().join("live.png"),
        );
        assert!(live.count(GOAL, 0..HEIGHT) > 100, "goal marker");
        assert!(live.count(PRE, 0..HEIGHT) > 30);
    }

    #[test]
    fn cheetah_screenshot_shows_both_lanes() {
        let dir = tempfile::tempdir().unwrap();
        let run = train(dir.path(), "cheetah", &tiny_cheetah());
        let json = dir.path().join("cheetah.json");
        rollout(&run, &json, &["--task", "1.0"]);
        let image = screenshot(
            &["--replay".as_ref(), json.as_os_str()],
            &dir.path().join("c.png"),
        );
        let (top, bottom) = (0..HEIGHT / 2, HEIGHT / 2..HEIGHT);
        assert!(
            image.count(PRE, top.clone()) > 300,
            "pre-adaptation cheetah in the top lane"
        );
        assert!(
            image.count(POST[2], bottom.clone()) > 300,
            "adapted cheetah in the bottom lane"
        );
        assert!(image.count(POST[2], top) < 10 && image.count(PRE, bottom) < 10);
        assert!(image.distinct_colors() > 50, "not blank");
    }

    /// A recording of an env nothing in the viewer knows: `scenery` and, for each set (before
    /// and after 1 step), one episode at `positions` whose only frame body is `body(p)`.
    fn handmade(
        dir: &Path,
        task: Value,
        scenery: Value,
        positions: &[[f64; 2]],
        body: fn([f64; 2]) -> Value,
    ) -> PathBuf {
        let frames: Vec<Value> = positions
            .iter()
            .map(|&p| serde_json::json!({"position": p, "x_velocity": 0.4, "bodies": [body(p)]}))
            .collect();
        let steps = positions.len() - 1;
        let sets: Vec<Value> = (0..2)
            .map(|k| {
                serde_json::json!({"steps": k, "mean_return": -1.0, "batch_episodes": 1,
                    "episodes": [{"return": 0.0, "terminated": false,
                        "rewards": vec![0.0; steps], "frames": frames}]})
            })
            .collect();
        let recording = serde_json::json!({
            "format": "metarl-rollout", "version": 2, "env": "test-handmade", "task": task,
            "seed": 0, "horizon": steps, "dt": 0.05, "scenery": scenery,
            "checkpoint_iteration": 0, "lrs": [0.1], "sets": sets});
        write_config(dir, "handmade.json", &recording.to_string())
    }

    #[test]
    fn walls_and_a_sparse_goal_radius_are_drawn_from_above() {
        let dir = tempfile::tempdir().unwrap();
        let scenery = serde_json::json!({"ground": null,
            "walls": [{"kind": "rect", "center": [0.0, 0.2], "half_extents": [0.3, 0.03], "angle": 0.0}],
            "goal": {"position": [0.0, 0.4], "radius": 0.1}});
        let path: Vec<[f64; 2]> = (0..=10).map(|k| [0.03 * k as f64, -0.4]).collect();
        let disc = |p: [f64; 2]| serde_json::json!({"kind": "disc", "center": p, "radius": 0.02});
        let json = handmade(
            dir.path(),
            serde_json::json!([0.0, 0.4]),
            scenery,
            &path,
            disc,
        );
        let image = screenshot(
            &["--replay".as_ref(), json.as_os_str()],
            &dir.path().join("w.png"),
        );
        // The arena is nav2d's (everything lies in [-0.5, 0.5]^2): the wall is filled.
        const WALL: [u8; 3] = [92, 97, 115];
        for p in [[-0.25, 0.2], [0.0, 0.2], [0.25, 0.2]] {
            assert!(
                close(image.pixel(nav_pixel(p).0, nav_pixel(p).1), WALL, 6),
                "wall at {p:?}"
            );
        }
        assert!(!close(
            image.pixel(nav_pixel([0.0, 0.1]).0, nav_pixel([0.0, 0.1]).1),
            WALL,
            6
        ));
        // The goal region (0.1 = 50 px) is a ring around the marker, empty between them.
        assert!(
            image.count_near(GOAL, nav_pixel([0.0, 0.3]), 3) > 3,
            "ring below the goal"
        );
        assert!(
            image.count_near(GOAL, nav_pixel([0.1, 0.4]), 3) > 3,
            "ring right of it"
        );
        assert!(
            image.count_near(GOAL, nav_pixel([0.0, 0.335]), 2) == 0,
            "not a disc"
        );
        assert!(
            image.count_near(GOAL, nav_pixel([0.0, 0.4]), 8) > 150,
            "the marker"
        );
        // The agent disc (0.02 = 10 px) at the end of its trail, in the adapted colour.
        assert!(image.count_near(POST[0], nav_pixel([0.3, -0.4]), 8) > 100);
    }

    #[test]
    fn a_tall_body_on_a_ground_is_fitted_into_its_lane_with_a_pace_line() {
        let dir = tempfile::tempdir().unwrap();
        let scenery = serde_json::json!({"ground": 0.0, "walls": [], "goal": null});
        // A 1.85 m pole walking slower than the task's 1 m/s: 300 px tall at 162 px per metre.
        let path: Vec<[f64; 2]> = (0..=10).map(|k| [0.02 * k as f64, 0.9]).collect();
        let pole = |p: [f64; 2]| serde_json::json!({"kind": "capsule", "a": [p[0], 0.05], "b": [p[0], 1.8], "radius": 0.05});
        let json = handmade(dir.path(), serde_json::json!([1.0]), scenery, &path, pole);
        let image = screenshot(
            &["--replay".as_ref(), json.as_os_str()],
            &dir.path().join("s.png"),
        );
        // Top lane: ground at row 320, the pole's top at about row 20 (at the cheetah's 250 px
        // per metre it would leave the image). Rows above 90 are under the lane's text.
        let top = image.count(PRE, 0..12);
        assert_eq!(top, 0, "the pole fits below the top edge");
        assert!(image.count(PRE, 100..300) > 1000, "the pole, 16 px wide");
        assert!(
            image.count(POST[0], 400..700) > 300,
            "the adapted pole in the bottom lane"
        );
        // The pace line: 0.5 s at 1 m/s from the start, 0.3 m (49 px) ahead of the pole.
        assert!(
            image.count(GOAL, 100..300) > 100,
            "pace line in the top lane"
        );
    }

    #[test]
    fn view_bad_input_is_one_line_error() {
        let dir = tempfile::tempdir().unwrap();
        let bad = write_config(dir.path(), "bad.json", "{\"format\": \"metarl-rollout\"");
        let png = dir.path().join("x.png");
        let png = png.to_str().unwrap();
        assert_bad_input(
            &[
                "view",
                "--replay",
                bad.to_str().unwrap(),
                "--screenshot",
                png,
            ],
            &["corrupt or incompatible recording"],
        );
        let v1 = write_config(
            dir.path(),
            "v1.json",
            r#"{"format": "metarl-rollout", "version": 1, "env": "nav2d", "scene": "nav2d",
                "task": [0.1, 0.2], "capsule_radius": 0.0, "sets": []}"#,
        );
        assert_bad_input(
            &[
                "view",
                "--replay",
                v1.to_str().unwrap(),
                "--screenshot",
                png,
            ],
            &[
                "version 1 is not supported (this build reads 2)",
                "re-record it with `metarl rollout`",
            ],
        );
        assert_bad_input(
            &["view", "--run-dir", "/nonexistent/run", "--screenshot", png],
            &["does not exist"],
        );
        let run = train(dir.path(), "nav", &tiny_nav());
        assert_bad_input(
            &[
                "view",
                "--run-dir",
                run.to_str().unwrap(),
                "--env",
                "bogus",
                "--screenshot",
                png,
            ],
            &["unknown env `bogus`"],
        );
    }
}
