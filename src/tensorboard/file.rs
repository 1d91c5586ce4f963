//! Event files: [`EventWriter`] appends events to a new file, [`read_events`] reads one back.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{anyhow, bail, Context};
use prost::Message;
use serde::Serialize;

use super::event::{Event, Summary, SummaryValue, What};
use super::record::{frame, unframe};
use super::scalars::{metrics_scalars, Scalar};
use crate::error::Result;

/// The file version TensorBoard expects in the first record.
pub const FILE_VERSION: &str = "brain.Event:2";

/// Writers tried per second, host and process before giving up on a free file name.
const MAX_WRITERS: u32 = 10_000;

/// Appends events to a new event file `events.out.tfevents.{unix_seconds}.{hostname}.{pid}.{n}`
/// in a directory (`n` makes the name unique: the first free one from 0). The first record is
/// the file version; every write is one whole record, handed to the operating system before the
/// call returns, so a crash loses nothing already written.
#[derive(Debug)]
pub struct EventWriter {
    file: File,
    path: PathBuf,
}

impl EventWriter {
    /// Creates `dir` if needed and a new event file in it, and writes its version record.
    pub fn create(dir: impl AsRef<Path>) -> Result<EventWriter> {
        let (file, path) = new_file(dir.as_ref())?;
        let mut writer = EventWriter { file, path };
        writer.write(What::FileVersion(FILE_VERSION.to_string()), 0)?;
        Ok(writer)
    }

    /// The event file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes one event at `step` holding `scalars`.
    pub fn write_scalars(&mut self, step: i64, scalars: &[Scalar]) -> Result<()> {
        let value = scalars
            .iter()
            .map(|s| SummaryValue {
                tag: s.tag.clone(),
                simple_value: Some(s.value),
            })
            .collect();
        self.write(What::Summary(Summary { value }), step)
    }

    /// Writes the scalars of a `metrics.jsonl` line as one event, tagged as in the
    /// [module docs](super) (see [`metrics_scalars`]).
    pub fn write_metrics_line(&mut self, line: &impl Serialize) -> Result<()> {
        let scalars = metrics_scalars(line)?;
        self.write_scalars(scalars.step, &scalars.scalars)
    }

    /// Appends one event, stamped with the current time, as a single write, then flushes.
    fn write(&mut self, what: What, step: i64) -> Result<()> {
        let wall_time = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0.0, |d| d.as_secs_f64());
        let event = Event {
            wall_time,
            step,
            what: Some(what),
        };
        let record = frame(&event.encode_to_vec());
        self.file
            .write_all(&record)
            .and_then(|()| self.file.flush())
            .with_context(|| format!("cannot append to {}", self.path.display()))?;
        Ok(())
    }
}

/// Creates `dir` if needed and the first free event file name in it.
fn new_file(dir: &Path) -> anyhow::Result<(File, PathBuf)> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let seconds = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let host = gethostname::gethostname()
        .to_string_lossy()
        .replace('/', "_");
    let pid = std::process::id();
    for n in 0..MAX_WRITERS {
        let path = dir.join(format!("events.out.tfevents.{seconds}.{host}.{pid}.{n}"));
        match File::options().append(true).create_new(true).open(&path) {
            Ok(file) => return Ok((file, path)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e).with_context(|| format!("cannot create {}", path.display())),
        }
    }
    bail!("no free event file name in {}", dir.display())
}

/// The events of the event file at `path`, in order. Every record's CRCs are checked; a record
/// cut short, a CRC mismatch or a payload that is not an `Event` is an error naming the file.
pub fn read_events(path: impl AsRef<Path>) -> Result<Vec<Event>> {
    Ok(read(path.as_ref())?)
}

fn read(path: &Path) -> anyhow::Result<Vec<Event>> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let payloads = unframe(&bytes).with_context(|| format!("{}", path.display()))?;
    let events = payloads
        .into_iter()
        .enumerate()
        .map(|(i, payload)| {
            Event::decode(payload)
                .map_err(|e| anyhow!("{} record {i} is not an Event: {e}", path.display()))
        })
        .collect::<anyhow::Result<Vec<Event>>>()?;
    if events.is_empty() {
        bail!("{} holds no events", path.display());
    }
    Ok(events)
}

/// A writer whose every write fails (`/dev/full`), for tests of how failures are reported.
#[cfg(test)]
impl EventWriter {
    pub(crate) fn failing() -> EventWriter {
        let path = PathBuf::from("/dev/full");
        let file = File::options()
            .append(true)
            .open(&path)
            .expect("/dev/full opens");
        EventWriter { file, path }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The events of the only file in `dir`, with the raw bytes of that file.
    fn only_file(dir: &Path) -> (PathBuf, Vec<u8>) {
        let files: Vec<PathBuf> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        assert_eq!(files.len(), 1, "{files:?}");
        let bytes = std::fs::read(&files[0]).unwrap();
        (files[0].clone(), bytes)
    }

    #[test]
    fn the_first_record_is_the_file_version_with_tensorflows_wire_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let tb = dir.path().join("tb");
        let writer = EventWriter::create(&tb).unwrap();
        let (path, bytes) = only_file(&tb);
        assert_eq!(path, writer.path());
        let name = path.file_name().unwrap().to_str().unwrap();
        let parts: Vec<&str> = name.split('.').collect();
        assert_eq!(parts[..3], ["events", "out", "tfevents"], "{name}");
        assert!(parts[3].parse::<u64>().unwrap() > 1_600_000_000, "{name}");
        assert_eq!(parts[parts.len() - 2], std::process::id().to_string());
        assert_eq!(parts[parts.len() - 1], "0");

        // Hand-encoded: field 1 (wall_time) as a 64-bit double, field 3 (file_version) as a
        // length-delimited string; step 0 is the default and not written.
        let payloads = unframe(&bytes).unwrap();
        assert_eq!(payloads.len(), 1);
        let payload = payloads[0];
        assert_eq!(payload.len(), 1 + 8 + 2 + FILE_VERSION.len());
        assert_eq!(payload[0], 1 << 3 | 1);
        let wall_time = f64::from_le_bytes(payload[1..9].try_into().unwrap());
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
        assert!((now.as_secs_f64() - wall_time).abs() < 60.0, "{wall_time}");
        assert_eq!(payload[9..11], [3 << 3 | 2, FILE_VERSION.len() as u8]);
        assert_eq!(&payload[11..], FILE_VERSION.as_bytes());
    }

    #[test]
    fn scalars_are_written_one_event_per_call_and_decode_back() {
        let dir = tempfile::tempdir().unwrap();
        let mut writer = EventWriter::create(dir.path()).unwrap();
        let scalars = |v: f32| {
            vec![
                Scalar {
                    tag: "train/a".into(),
                    value: v,
                },
                Scalar {
                    tag: "train/zero".into(),
                    value: 0.0,
                },
            ]
        };
        writer.write_scalars(0, &scalars(1.5)).unwrap();
        // Each write reaches the file at once (a crash after it loses nothing).
        assert_eq!(read_events(writer.path()).unwrap().len(), 2);
        writer.write_scalars(41, &scalars(f32::NAN)).unwrap();
        let events = read_events(writer.path()).unwrap();
        assert_eq!(events.len(), 3);
        assert_eq!(events[0].what, Some(What::FileVersion(FILE_VERSION.into())));
        for (event, (step, a)) in events[1..].iter().zip([(0, 1.5f32), (41, f32::NAN)]) {
            assert_eq!(event.step, step);
            let Some(What::Summary(summary)) = &event.what else {
                panic!("{event:?}")
            };
            assert_eq!(summary.value.len(), 2);
            assert_eq!(summary.value[0].tag, "train/a");
            let got = summary.value[0].simple_value.unwrap();
            assert!(got == a || (got.is_nan() && a.is_nan()), "{got}");
            // 0.0 is written, not left out as a proto3 default.
            assert_eq!(summary.value[1].simple_value, Some(0.0));
        }
        // The zero value is on the wire: tag 2, fixed32, four zero bytes.
        let (_, bytes) = only_file(dir.path());
        let zero = [2 << 3 | 5, 0, 0, 0, 0];
        let payloads = unframe(&bytes).unwrap();
        assert!(payloads[1].windows(5).any(|w| w == zero));
    }

    #[test]
    fn every_writer_gets_its_own_file_in_the_same_directory() {
        let dir = tempfile::tempdir().unwrap();
        let a = EventWriter::create(dir.path()).unwrap();
        let b = EventWriter::create(dir.path()).unwrap();
        assert_ne!(a.path(), b.path());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
    }

    #[test]
    fn an_unwritable_directory_or_a_corrupt_file_is_an_error_not_a_panic() {
        let dir = tempfile::tempdir().unwrap();
        let blocker = dir.path().join("file");
        std::fs::write(&blocker, "").unwrap();
        let err = EventWriter::create(blocker.join("tb"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("cannot create"), "{err}");
        assert!(!err.contains('\n'), "{err}");

        let scalars = [Scalar {
            tag: "train/a".into(),
            value: 1.0,
        }];
        let err = EventWriter::failing()
            .write_scalars(0, &scalars)
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("cannot append to /dev/full"), "{err}");
        assert!(!err.contains('\n'), "{err}");

        let writer = EventWriter::create(dir.path().join("tb")).unwrap();
        let mut bytes = std::fs::read(writer.path()).unwrap();
        let last = bytes.len() - 5;
        bytes[last] ^= 0xff;
        std::fs::write(writer.path(), &bytes).unwrap();
        let err = read_events(writer.path()).unwrap_err().to_string();
        assert!(err.contains("CRC"), "{err}");
        assert!(err.contains("tfevents"), "{err}");
    }
}
