//! A run directory: `config.toml` (the effective config), `metrics.jsonl` (one JSON object per
//! meta-iteration), `tb/` (the same metrics as TensorBoard event files) and
//! `checkpoints/{latest,best}.safetensors`.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

use crate::config::Config;

/// Paths of one run directory.
#[derive(Clone, Debug)]
pub struct RunDir {
    root: PathBuf,
}

impl RunDir {
    /// Creates a new run directory (it must not hold a run already) and writes its config.
    pub fn create(root: &Path, config: &Config) -> Result<RunDir> {
        let dir = RunDir {
            root: root.to_path_buf(),
        };
        if dir.config_path().exists() {
            bail!(
                "run directory {} already holds a run (choose another --run-dir)",
                root.display()
            );
        }
        std::fs::create_dir_all(dir.checkpoints())
            .with_context(|| format!("cannot create run directory {}", root.display()))?;
        crate::checkpoint::write_atomically(&dir.config_path(), config.to_toml().as_bytes())?;
        std::fs::File::create(dir.metrics_path())
            .with_context(|| format!("cannot write {}", dir.metrics_path().display()))?;
        Ok(dir)
    }

    /// Opens an existing run directory (it must hold a config).
    pub fn open(root: &Path) -> Result<RunDir> {
        let dir = RunDir {
            root: root.to_path_buf(),
        };
        if !root.is_dir() {
            bail!("run directory {} does not exist", root.display());
        }
        if !dir.config_path().is_file() {
            bail!("{} is not a run directory (no config.toml)", root.display());
        }
        Ok(dir)
    }

    /// The run directory at `root`, unchecked (a follower rank's name for rank 0's directory,
    /// which it never reads or writes).
    pub fn named(root: &Path) -> RunDir {
        RunDir {
            root: root.to_path_buf(),
        }
    }

    /// The run directory's path.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// `config.toml`.
    pub fn config_path(&self) -> PathBuf {
        self.root.join("config.toml")
    }

    /// `metrics.jsonl`.
    pub fn metrics_path(&self) -> PathBuf {
        self.root.join("metrics.jsonl")
    }

    /// `tb/`: TensorBoard event files.
    pub fn tensorboard(&self) -> PathBuf {
        self.root.join("tb")
    }

    /// `checkpoints/`.
    pub fn checkpoints(&self) -> PathBuf {
        self.root.join("checkpoints")
    }

    /// `checkpoints/<name>.safetensors` (name: "latest" or "best").
    pub fn checkpoint(&self, name: &str) -> PathBuf {
        self.checkpoints().join(format!("{name}.safetensors"))
    }

    /// The run's config.
    pub fn config(&self) -> Result<Config> {
        Ok(Config::load(&self.config_path())?)
    }

    /// Takes the run directory's lock file (`lock`, holding this process id) for as long as the
    /// guard lives. Fails if a live process holds it; a lock left by a dead process is taken over.
    pub fn lock(&self) -> Result<RunLock> {
        let path = self.root.join("lock");
        let ours = std::process::id();
        loop {
            match std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&path)
            {
                Ok(mut file) => {
                    file.write_all(ours.to_string().as_bytes())
                        .with_context(|| format!("cannot write {}", path.display()))?;
                    return Ok(RunLock { path });
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    let holder = std::fs::read_to_string(&path).unwrap_or_default();
                    let alive = holder.trim().parse::<u32>().is_ok_and(|pid| {
                        pid != ours && Path::new(&format!("/proc/{pid}")).exists()
                    });
                    if alive {
                        bail!(
                            "run directory {} is in use by process {} (lock file {})",
                            self.root.display(),
                            holder.trim(),
                            path.display()
                        );
                    }
                    std::fs::remove_file(&path)
                        .with_context(|| format!("cannot remove stale lock {}", path.display()))?;
                }
                Err(e) => {
                    return Err(e).with_context(|| format!("cannot create {}", path.display()))
                }
            }
        }
    }

    /// Keeps the first `keep` complete lines of `metrics.jsonl` (iterations 0..keep) and drops the
    /// rest, including a line cut short by a crash; returns the kept lines parsed.
    pub fn truncate_metrics(&self, keep: u64) -> Result<Vec<serde_json::Value>> {
        let path = self.metrics_path();
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let complete = &text[..text.rfind('\n').map_or(0, |i| i + 1)];
        let lines: Vec<&str> = complete.lines().take(keep as usize).collect();
        if (lines.len() as u64) < keep {
            bail!(
                "{} has {} lines but the latest checkpoint is at iteration {keep}",
                path.display(),
                lines.len()
            );
        }
        let parsed = lines
            .iter()
            .enumerate()
            .map(|(i, line)| {
                let value: serde_json::Value = serde_json::from_str(line)
                    .with_context(|| format!("{} line {} is not JSON", path.display(), i + 1))?;
                if value["iteration"].as_u64() != Some(i as u64) {
                    bail!("{} line {} is not iteration {i}", path.display(), i + 1);
                }
                Ok(value)
            })
            .collect::<Result<Vec<_>>>()?;
        let mut kept = lines.join("\n");
        if !kept.is_empty() {
            kept.push('\n');
        }
        crate::checkpoint::write_atomically(&path, kept.as_bytes())?;
        Ok(parsed)
    }

    /// Appends one metrics line, written whole in a single write.
    pub fn append_metrics(&self, metrics: &impl serde::Serialize) -> Result<()> {
        let mut line = serde_json::to_string(metrics).expect("metrics serialize");
        line.push('\n');
        let mut file = std::fs::OpenOptions::new()
            .append(true)
            .open(self.metrics_path())
            .with_context(|| format!("cannot append to {}", self.metrics_path().display()))?;
        file.write_all(line.as_bytes())
            .with_context(|| format!("cannot append to {}", self.metrics_path().display()))
    }
}

/// Holds a run directory's lock file; removes it when dropped.
#[derive(Debug)]
pub struct RunLock {
    path: PathBuf,
}

impl Drop for RunLock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}
