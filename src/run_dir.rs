//! A run directory: `config.toml` (the effective config), `metrics.jsonl` (one JSON object per
//! meta-iteration) and `checkpoints/{latest,best}.safetensors`.

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

    /// A fresh directory name under `runs/`: `<env>-<seconds since epoch>`.
    pub fn default_path(env: &str) -> PathBuf {
        let stamp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        PathBuf::from("runs").join(format!("{env}-{stamp}"))
    }

    /// The directory.
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
        Config::load(&self.config_path())
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
