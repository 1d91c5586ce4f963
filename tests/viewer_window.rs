//! The viewer in a real window (feature `viewer`): `metarl view --run-dir RUN` on an X server of
//! its own (Xvfb), driven with xdotool and read back with xwd. A click in the nav2d arena sets a
//! new goal: the goal marker moves there and new trails are drawn; key 0 hides the trails after
//! adaptation; N draws another task.
//!
//! Needs Xvfb, xdotool and xwd (Debian: `xvfb xdotool x11-apps`; `.ci/run` installs them) and a
//! Vulkan driver (Mesa's lavapipe). Missing tools fail the test with the install line.

#![cfg(feature = "viewer")]

mod common;

use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::image::{nav_pixel, nav_point, Rgb, GOAL, POST, PRE};
use common::{tiny_with, train_tiny};

/// How long the viewer may take to open its window, or to show what a step waits for.
const PATIENCE: Duration = Duration::from_secs(90);
/// The window title of `metarl view`.
const TITLE: &str = "metarl view";

/// Child processes killed (and reaped) when the test ends, on every path, and the files of the
/// X server they leave behind (a killed Xvfb keeps its lock file and socket).
#[derive(Default)]
struct Processes {
    children: Vec<Child>,
    leftovers: Vec<PathBuf>,
}

impl Drop for Processes {
    fn drop(&mut self) {
        // The viewer first (it holds the display), then Xvfb.
        for child in self.children.iter_mut().rev() {
            let _ = child.kill();
            let _ = child.wait();
        }
        for path in &self.leftovers {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// Fails with the Debian packages to install if `tool` is not on the PATH.
fn require(tool: &str) {
    let found = std::env::var_os("PATH")
        .is_some_and(|path| std::env::split_paths(&path).any(|dir| dir.join(tool).is_file()));
    assert!(
        found,
        "`{tool}` is not installed: this test needs an X server and X tools \
         (Debian: apt-get install xvfb xdotool x11-apps)"
    );
}

/// The lock file and the socket of X display `n`.
fn x_files(n: u32) -> [PathBuf; 2] {
    [
        PathBuf::from(format!("/tmp/.X{n}-lock")),
        PathBuf::from(format!("/tmp/.X11-unix/X{n}")),
    ]
}

/// A display number with no X server (neither lock file nor socket), from 90 up.
fn free_display() -> u32 {
    (90..190)
        .find(|&n| x_files(n).iter().all(|f| !f.exists()))
        .expect("a free X display number in :90..:189")
}

/// Starts `Xvfb :n` (big enough for the 1280x720 window) and waits for its socket.
fn start_xvfb(processes: &mut Processes) -> String {
    let n = free_display();
    let display = format!(":{n}");
    let child = Command::new("Xvfb")
        .args([
            &display,
            "-screen",
            "0",
            "1400x800x24",
            "-dpi",
            "96",
            "-nolisten",
            "tcp",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("Xvfb starts");
    processes.children.push(child);
    processes.leftovers.extend(x_files(n));
    let socket = x_files(n)[1].clone();
    wait_for(&format!("the X server {display}"), || {
        socket.exists().then_some(())
    });
    display
}

/// Polls `check` every 200 ms until it gives a value, failing after [`PATIENCE`].
fn wait_for<T>(what: &str, mut check: impl FnMut() -> Option<T>) -> T {
    let start = Instant::now();
    loop {
        if let Some(value) = check() {
            return value;
        }
        assert!(start.elapsed() < PATIENCE, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Runs an X tool on `display`, failing the test unless it succeeds.
fn x_tool(display: &str, program: &str, args: &[&str]) -> Output {
    let out = Command::new(program)
        .args(args)
        .env("DISPLAY", display)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("{program} runs: {e}"));
    assert!(
        out.status.success(),
        "{program} {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// The viewer's window and the display it is on.
struct Window<'a> {
    display: &'a str,
    id: String,
}

impl Window<'_> {
    /// The window's pixels (xwd), checked to be the viewer's 1280x720.
    fn capture(&self) -> Rgb {
        let out = x_tool(self.display, "xwd", &["-id", &self.id, "-silent"]);
        let image = Rgb::from_xwd(&out.stdout).expect("xwd writes a ZPixmap");
        assert_eq!((image.width, image.height), (1280, 720), "window size");
        image
    }

    /// Captures until `ready` holds for the image (the viewer draws asynchronously).
    fn capture_when(&self, what: &str, ready: impl Fn(&Rgb) -> bool) -> Rgb {
        wait_for(what, || Some(self.capture()).filter(|image| ready(image)))
    }

    /// Moves the pointer to window pixel (`x`, `y`) and clicks the left button.
    fn click(&self, (x, y): (usize, usize)) {
        let (x, y) = (x.to_string(), y.to_string());
        let args = ["mousemove", "--window", &self.id, &x, &y];
        x_tool(self.display, "xdotool", &args);
        std::thread::sleep(Duration::from_millis(300));
        x_tool(self.display, "xdotool", &["click", "1"]);
    }

    /// Presses and releases `key` (an X keysym name) with the window focused (real XTEST
    /// events: events sent to a window are flagged synthetic, and winit ignores those).
    fn key(&self, key: &str) {
        x_tool(
            self.display,
            "xdotool",
            &["windowfocus", "--sync", &self.id],
        );
        x_tool(self.display, "xdotool", &["key", key]);
    }
}

/// Pixels of the trails after adaptation, of every step count.
fn post_pixels(image: &Rgb) -> usize {
    POST.iter().map(|c| image.count(*c, 0..image.height)).sum()
}

#[test]
fn clicking_in_the_nav2d_window_moves_the_goal_and_draws_new_trails() {
    for tool in ["Xvfb", "xdotool", "xwd"] {
        require(tool);
    }
    let dir = tempfile::tempdir().unwrap();
    // 6 evaluation episodes per step (the viewer records 5), 2 meta-iterations.
    let config = tiny_with("iterations = 3", "iterations = 2")
        .replace("[eval]\nepisodes = 3", "[eval]\nepisodes = 6");
    let run = train_tiny(dir.path(), "nav", &config, &[]);

    let mut processes = Processes::default();
    let display = start_xvfb(&mut processes);
    let viewer = Command::new(env!("CARGO_BIN_EXE_metarl"))
        .args(["view", "--run-dir"])
        .arg(&run)
        .args(["--seed", "3"])
        .env("DISPLAY", &display)
        .env("WINIT_X11_SCALE_FACTOR", "1")
        .env_remove("WAYLAND_DISPLAY")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("metarl view starts");
    processes.children.push(viewer);
    let id = wait_for("the viewer's window", || {
        if let Ok(Some(status)) = processes.children[1].try_wait() {
            panic!("metarl view exited ({status}) before opening its window");
        }
        let out = Command::new("xdotool")
            .args(["search", "--name", &format!("^{TITLE}$")])
            .env("DISPLAY", &display)
            .output()
            .ok()?;
        let text = String::from_utf8_lossy(&out.stdout);
        text.lines().next().map(str::to_string)
    });
    let window = Window {
        display: &display,
        id,
    };

    // The first task, fully played: a goal marker and trails before and after adaptation.
    let before = window.capture_when("the first goal and its trails", |image| {
        image.count(GOAL, 0..image.height) > 200
            && image.count(PRE, 0..image.height) > 30
            && post_pixels(image) > 90
    });
    let (old_x, old_y) = before.centroid(GOAL).unwrap();
    // A new goal in the arena, far from the old one.
    let goal = [[0.3, 0.3], [-0.3, 0.3], [0.3, -0.3], [-0.3, -0.3]]
        .into_iter()
        .map(nav_pixel)
        .max_by_key(|&(x, y)| (x as f64 - old_x).hypot(y as f64 - old_y) as u64)
        .unwrap();
    assert!(
        before.count_near(GOAL, goal, 12) < 20,
        "no goal marker at {goal:?} before the click"
    );
    let old_trails = before.positions_of(&POST);

    window.click(goal);
    let after = window.capture_when("the goal marker at the clicked point", |image| {
        image.count_near(GOAL, goal, 12) > 200 && post_pixels(image) > 90
    });
    let new_trails = after.positions_of(&POST);
    let changed = old_trails
        .iter()
        .filter(|p| new_trails.binary_search(p).is_err())
        .count()
        + new_trails
            .iter()
            .filter(|p| old_trails.binary_search(p).is_err())
            .count();
    assert!(
        changed > 100,
        "the trails after adaptation are new: {changed} pixels changed (goal {:?})",
        nav_point(goal.0 as f64, goal.1 as f64)
    );
    assert!(
        after.count_near(GOAL, (old_x as usize, old_y as usize), 8) < 20,
        "the old goal marker is gone"
    );

    // Key 0: only the episodes before adaptation; 3: all of them again.
    window.key("0");
    window.capture_when("key 0 hiding the trails after adaptation", |image| {
        post_pixels(image) < 10 && image.count(PRE, 0..image.height) > 30
    });
    window.key("3");
    window.capture_when("key 3 showing them again", |image| post_pixels(image) > 90);

    // N: another task drawn at random, its goal elsewhere.
    window.key("n");
    window.capture_when("N moving the goal", |image| {
        image.count_near(GOAL, goal, 12) < 20 && image.count(GOAL, 0..image.height) > 100
    });
}
