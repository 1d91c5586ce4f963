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
        serde_json::json!({"ground": null, "walls": [], "goal": {"position": [0.3, -0.2], "radius": 0.01}}),
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
        serde_json::json!({"ground": 0.0, "walls": [], "goal": null}),
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

    /// The viewer's layout (src/viewer/scene.rs): 1280x720 image, origin at the centre,
    /// nav2d 500 px per env unit, y up; cheetah lanes split at the middle row.
    const WIDTH: usize = 1280;
    const HEIGHT: usize = 720;
    const NAV_PPU: f64 = 500.0;
    /// Columns clear of the HUD (left, <= 406 px) and the legend (right, >= 934 px).
    const SCENE_COLUMNS: std::ops::Range<usize> = 410..920;
    /// sRGB colours of src/viewer/scene.rs.
    const GOAL: [u8; 3] = [255, 214, 0];
    const PRE: [u8; 3] = [107, 117, 140];
    const POST: [[u8; 3]; 3] = [[255, 77, 140], [51, 191, 255], [102, 255, 89]];

    struct Png {
        rgb: Vec<u8>,
    }

    impl Png {
        fn load(path: &Path) -> Png {
            let decoder = png::Decoder::new(std::fs::File::open(path).unwrap());
            let mut reader = decoder.read_info().unwrap();
            let mut buf = vec![0; reader.output_buffer_size()];
            let info = reader.next_frame(&mut buf).unwrap();
            assert_eq!((info.width as usize, info.height as usize), (WIDTH, HEIGHT));
            assert_eq!(info.color_type, png::ColorType::Rgb);
            buf.truncate(info.buffer_size());
            Png { rgb: buf }
        }

        fn pixel(&self, x: usize, y: usize) -> [u8; 3] {
            let i = 3 * (y * WIDTH + x);
            [self.rgb[i], self.rgb[i + 1], self.rgb[i + 2]]
        }

        /// Pixels close to `color` in rows `rows` of the scene's columns (the HUD is on the
        /// left, the legend, with a swatch of every colour, on the right).
        fn count(&self, color: [u8; 3], rows: std::ops::Range<usize>) -> usize {
            rows.flat_map(|y| SCENE_COLUMNS.map(move |x| (x, y)))
                .filter(|&(x, y)| close(self.pixel(x, y), color, 6))
                .count()
        }

        fn distinct_colors(&self) -> usize {
            let mut seen: Vec<[u8; 3]> = self
                .rgb
                .chunks_exact(3)
                .map(|c| [c[0], c[1], c[2]])
                .collect();
            seen.sort_unstable();
            seen.dedup();
            seen.len()
        }
    }

    fn close(a: [u8; 3], b: [u8; 3], tol: i32) -> bool {
        a.iter()
            .zip(b)
            .all(|(&x, y)| (i32::from(x) - i32::from(y)).abs() <= tol)
    }

    fn screenshot(args: &[&OsStr], png: &Path) -> Png {
        let mut all: Vec<&OsStr> = vec!["view".as_ref()];
        all.extend_from_slice(args);
        all.extend([
            "--screenshot".as_ref(),
            png.as_os_str(),
            "--frames".as_ref(),
            "5".as_ref(),
        ]);
        metarl_ok(&all);
        Png::load(png)
    }

    #[test]
    fn nav2d_screenshot_shows_goal_pre_and_post_trails() {
        let dir = tempfile::tempdir().unwrap();
        let run = train(dir.path(), "nav", &tiny_nav());
        let json = dir.path().join("nav.json");
        rollout(&run, &json, &["--task", "0.3", "0.2", "--seed", "2"]);
        let png = dir.path().join("nav.png");
        let image = screenshot(&["--replay".as_ref(), json.as_os_str()], &png);
        let (gx, gy) = (
            (WIDTH as f64 / 2.0 + 0.3 * NAV_PPU).round() as usize,
            (HEIGHT as f64 / 2.0 - 0.2 * NAV_PPU).round() as usize,
        );
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
