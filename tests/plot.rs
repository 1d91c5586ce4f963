//! End-to-end tests of `metarl plot`: learning curves of several runs overlaid in one PNG, and
//! one-line errors for bad input.

mod common;

use std::path::{Path, PathBuf};

use common::{assert_bad_input, metarl_in, tiny_with, train_tiny, TINY};

/// The first two line colours of the plot (matplotlib's tab10).
const FIRST: [u8; 3] = [31, 119, 180];
const SECOND: [u8; 3] = [255, 127, 14];

/// The tiny config validating every iteration.
fn validating() -> String {
    tiny_with(
        "validate_every = 0",
        "validate_every = 1\nvalidation_tasks = 2",
    )
}

/// Runs `metarl ARGS` in `cwd`, asserting it succeeds.
fn plot_ok(cwd: &Path, args: &[&str]) {
    let out = metarl_in(Some(cwd), args);
    assert!(
        out.status.success(),
        "metarl {args:?}: {}\n{}",
        out.stdout,
        out.stderr
    );
}

/// Decodes a PNG into its size and RGB pixels.
fn pixels(path: &Path) -> ((u32, u32), Vec<[u8; 3]>) {
    let decoder = png::Decoder::new(std::fs::File::open(path).unwrap());
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert_eq!(info.color_type, png::ColorType::Rgb);
    let pixels = buf[..info.buffer_size()]
        .chunks(3)
        .map(|c| [c[0], c[1], c[2]])
        .collect();
    ((info.width, info.height), pixels)
}

/// Pixels of exactly `colour`.
fn count(pixels: &[[u8; 3]], colour: [u8; 3]) -> usize {
    pixels.iter().filter(|p| **p == colour).count()
}

/// Asserts `path` is a drawn 900 x 560 plot, mostly white, with `runs` curves in the first
/// palette colours (and not the next one).
fn assert_plot(path: &Path, runs: usize) {
    let (size, pixels) = pixels(path);
    assert_eq!(size, (900, 560), "{}", path.display());
    let white = count(&pixels, [255, 255, 255]);
    assert!(white > pixels.len() / 2 && white < pixels.len(), "{white}");
    for (i, colour) in [FIRST, SECOND].into_iter().enumerate() {
        let n = count(&pixels, colour);
        if i < runs {
            assert!(n > 300, "colour {colour:?} of run {i}: {n} pixels");
        } else {
            assert_eq!(n, 0, "colour {colour:?}: no run {i}");
        }
    }
}

/// Two tiny runs in `dir`: `a` without validation (3 iterations), `b` validating every
/// iteration (4 iterations).
fn two_runs(dir: &Path) -> (PathBuf, PathBuf) {
    let a = train_tiny(dir, "a", TINY, &[]);
    let b = train_tiny(
        dir,
        "b",
        &validating(),
        &["--iterations", "4", "--seed", "2"],
    );
    (a, b)
}

#[test]
fn plot_overlays_runs_into_curves_png_by_default_and_any_metric_into_out() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = two_runs(tmp.path());
    let (a, b) = (a.to_str().unwrap(), b.to_str().unwrap());

    plot_ok(tmp.path(), &["plot", a, b]);
    assert_plot(&tmp.path().join("curves.png"), 2);

    let one = tmp.path().join("one.png");
    plot_ok(
        tmp.path(),
        &["plot", a, "--out", one.to_str().unwrap(), "--metric", "kl"],
    );
    assert_plot(&one, 1);

    // Validation of the validating run, with error bars; after 0 steps too.
    for metric in ["validation", "validation-0"] {
        let out = tmp.path().join(format!("{metric}.png"));
        plot_ok(
            tmp.path(),
            &[
                "plot",
                b,
                "--metric",
                metric,
                "--out",
                out.to_str().unwrap(),
            ],
        );
        assert_plot(&out, 1);
    }
    let files: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".tmp"))
        .collect();
    assert!(files.is_empty(), "written atomically: {files:?}");
}

#[test]
fn bad_input_to_plot_is_one_error_line_and_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = two_runs(tmp.path());
    let out = tmp.path().join("out.png");
    let plot = |runs: &[&Path], extra: &[&str], fragments: &[&str]| {
        let mut args: Vec<String> = vec!["plot".into()];
        args.extend(runs.iter().map(|r| r.display().to_string()));
        args.extend(["--out".into(), out.display().to_string()]);
        args.extend(extra.iter().map(|s| s.to_string()));
        assert_bad_input(&args, fragments);
        assert!(!out.exists(), "{args:?} wrote a plot");
    };

    let missing = tmp.path().join("missing");
    plot(
        &[&a, &missing],
        &[],
        &["run directory", "missing", "does not exist"],
    );
    // The message is said once (not repeated as its own cause).
    let said = metarl_in(None, &["plot".as_ref(), missing.as_os_str()]).stderr;
    let expected = format!(
        "error: run directory {} does not exist\n",
        missing.display()
    );
    assert_eq!(said, expected);
    plot(
        &[tmp.path()],
        &[],
        &["is not a run directory (no config.toml)"],
    );

    // A run directory whose metrics.jsonl is empty, or holds a line that is not JSON.
    let broken = tmp.path().join("broken");
    std::fs::create_dir(&broken).unwrap();
    std::fs::copy(a.join("config.toml"), broken.join("config.toml")).unwrap();
    std::fs::write(broken.join("metrics.jsonl"), "").unwrap();
    let metrics = broken.join("metrics.jsonl").display().to_string();
    plot(&[&broken], &[], &[&metrics, "has no complete line"]);
    let first = std::fs::read_to_string(a.join("metrics.jsonl")).unwrap();
    let first = first.lines().next().unwrap();
    std::fs::write(
        broken.join("metrics.jsonl"),
        format!("{first}\n{{\"iteration\": 1,\n"),
    )
    .unwrap();
    plot(
        &[&a, &broken],
        &[],
        &[&format!("{metrics} line 2 is not JSON")],
    );

    plot(
        &[&a, &b],
        &["--metric", "return_psot"],
        &[
            "unknown metric `return_psot`",
            "available: ",
            "return_post",
            "kl",
            "validation",
        ],
    );
    plot(
        &[&b, &a],
        &["--metric", "validation"],
        &[
            &a.display().to_string(),
            "has no validation results",
            "validate_every = 0",
        ],
    );
    plot(
        &[&b],
        &["--metric", "validation-9"],
        &["0..=3 adaptation steps", "no validation-9"],
    );
    plot(
        &[&b],
        &["--metric", "validation-x"],
        &["--metric", "validation-N"],
    );
}
