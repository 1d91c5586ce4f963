//! TensorBoard event files: every run written by the [`Trainer`](crate::Trainer) logs its
//! metrics to `RUN_DIR/tb/`, so that `tensorboard --logdir runs/` shows them.
//!
//! ## Format
//!
//! An event file is a sequence of TFRecords (length as u64 little-endian, masked CRC32C of the
//! length bytes, payload, masked CRC32C of the payload; mask = `((crc >> 15) | (crc << 17)) +
//! 0xa282ead8`) whose payloads are `tensorflow.Event` protobufs. The first record of every file
//! holds the file version `brain.Event:2`; then the trainer writes one event per iteration with
//! all of that iteration's scalars, handed to the operating system before the iteration's
//! checkpoints are saved. Files are named `events.out.tfevents.{unix_seconds}.{hostname}.{pid}.{n}`;
//! each [`EventWriter`] writes a new one, so a resumed run adds a file to the same `tb/`.
//!
//! The three messages needed ([`Event`], [`Summary`], [`SummaryValue`]) are declared here with
//! prost's derive macros and framed with the `crc32c` crate. The `tboard` crate was not used
//! because it compiles TensorFlow's `.proto` files with `protoc` at build time (a fresh machine
//! without `protoc` could not `cargo run`), nor `tensorboard-rs` (unmaintained); three tiny
//! messages do not justify either.
//!
//! ## Tags
//!
//! The scalars of an event are derived from the same metrics line that is appended to
//! `metrics.jsonl` ([`metrics_scalars`]), so TensorBoard holds every scalar of that file:
//!
//! | `metrics.jsonl` | tag | value |
//! |---|---|---|
//! | every top-level number `key` (`iteration`, `return_pre`, `return_post`, `kl`, `surrogate_before`, `seconds_*`, `peak_rss_mib`, `rejected_steps`, …) | `train/<key>` | the number as `f32` |
//! | every top-level bool `key` (`step_accepted`, `step_rejected`) | `train/<key>` | `0.0` or `1.0` |
//! | `validation.mean[i]` | `validation/return_after_{i}_steps` | as `f32` |
//! | `validation.stderr[i]` | `validation/stderr_after_{i}_steps` | as `f32` |
//!
//! `validation.env`, `validation.tasks` and `validation.steps` are not scalars over time and are
//! left out. The event's step is the line's `iteration`. Non-finite values (shown as `null` in
//! `metrics.jsonl`) are written as they are (NaN, ±∞).
//!
//! ```no_run
//! use metarl::tensorboard::{read_events, EventWriter, Scalar};
//!
//! let mut writer = EventWriter::create("runs/mine/tb")?;
//! let scalars = [Scalar { tag: "train/return_post".into(), value: -12.5 }];
//! writer.write_scalars(0, &scalars)?;
//! let events = read_events(writer.path())?; // the version record, then step 0
//! assert_eq!(events.len(), 2);
//! # Ok::<(), metarl::Error>(())
//! ```

mod event;
mod file;
mod record;
mod scalars;

pub use event::{Event, Summary, SummaryValue, What};
pub use file::{read_events, EventWriter, FILE_VERSION};
pub use scalars::{metrics_scalars, Scalar, StepScalars};
