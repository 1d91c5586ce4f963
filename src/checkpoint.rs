//! Policy checkpoints: a safetensors file holding the flat parameter vector (f64), the learner's
//! own state (named f64 tensors `state.NAME`, e.g. optimizer moments; none for MAML-TRPO) and
//! metadata that rebuilds the policy and ties it to its environment and learner. Written
//! atomically (temp file, fsync, rename), so a crash never leaves a half-written checkpoint
//! behind. Checkpoints written before the `learner` key existed are MAML-TRPO's.

use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::path::Path;

use anyhow::{anyhow, bail, Context};
use metarl_agents::{Activation, PolicySpec};
use safetensors::tensor::{Dtype, SafeTensors, TensorView};

use crate::error::{Error, Result};

/// Format tag stored in every checkpoint.
const FORMAT: &str = "metarl-policy-v1";
const THETA: &str = "theta";
/// Prefix of the learner-state tensors.
const STATE_PREFIX: &str = "state.";
/// The learner of checkpoints that predate the `learner` metadata key.
const DEFAULT_LEARNER: &str = "maml-trpo";

/// A saved policy.
#[derive(Clone, Debug, PartialEq)]
pub struct Checkpoint {
    /// Environment (task distribution) the policy was trained on.
    pub env: String,
    /// The meta-learner that wrote it (`MetaLearner::name`, e.g. "maml-trpo").
    pub learner: String,
    /// The learner's state besides θ (named vectors, unique names), restored on resume; stored
    /// and read back sorted by name.
    pub state: Vec<(String, Vec<f64>)>,
    /// Architecture.
    pub spec: PolicySpec,
    /// Flat parameters.
    pub theta: Vec<f64>,
    /// Meta-iteration the parameters were used in (or reached after).
    pub iteration: u64,
    /// The return the best checkpoint was chosen by (validation or training post-adaptation
    /// return; NaN for other checkpoints).
    pub score: f64,
}

impl Checkpoint {
    /// Writes the checkpoint to `path` atomically.
    pub fn save(&self, path: &Path) -> Result<()> {
        Ok(write_atomically(path, &self.encode()?)?)
    }

    /// The checkpoint as safetensors bytes (header keys sorted: same checkpoint, same bytes).
    pub fn encode(&self) -> anyhow::Result<Vec<u8>> {
        let le = |v: &[f64]| -> Vec<u8> { v.iter().flat_map(|x| x.to_le_bytes()).collect() };
        let mut buffers = vec![(THETA.to_string(), le(&self.theta), self.theta.len())];
        let mut state: Vec<&(String, Vec<f64>)> = self.state.iter().collect();
        state.sort_by(|a, b| a.0.cmp(&b.0));
        if state.windows(2).any(|w| w[0].0 == w[1].0) {
            bail!("learner state names must be unique");
        }
        for (name, values) in state {
            buffers.push((format!("{STATE_PREFIX}{name}"), le(values), values.len()));
        }
        let mut views = Vec::with_capacity(buffers.len());
        for (name, bytes, len) in &buffers {
            let view =
                TensorView::new(Dtype::F64, vec![*len], bytes).map_err(|e| anyhow!("{e:?}"))?;
            views.push((name.as_str(), view));
        }
        let hidden: Vec<String> = self.spec.hidden.iter().map(|h| h.to_string()).collect();
        let metadata: HashMap<String, String> = [
            ("format", FORMAT.to_string()),
            ("env", self.env.clone()),
            ("learner", self.learner.clone()),
            ("obs_dim", self.spec.obs_dim.to_string()),
            ("act_dim", self.spec.act_dim.to_string()),
            ("hidden", hidden.join(",")),
            ("activation", self.spec.activation.name().to_string()),
            ("iteration", self.iteration.to_string()),
            ("score", self.score.to_string()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        let data = safetensors::serialize(views, &Some(metadata))
            .map_err(|e| anyhow!("cannot serialize checkpoint: {e:?}"))?;
        sort_header(&data)
    }

    /// Reads and checks a checkpoint; every problem is a one-line error naming the file.
    pub fn load(path: &Path) -> Result<Checkpoint> {
        let bytes = std::fs::read(path).map_err(|e| {
            Error::Checkpoint(format!("cannot read checkpoint {}: {e}", path.display()))
        })?;
        Checkpoint::decode(&bytes).map_err(|e| {
            Error::Checkpoint(format!(
                "corrupt or incompatible checkpoint {}: {e:#}",
                path.display()
            ))
        })
    }

    /// The checkpoint of [`Checkpoint::encode`]'s bytes.
    pub(crate) fn decode(bytes: &[u8]) -> anyhow::Result<Checkpoint> {
        let (_, header) = SafeTensors::read_metadata(bytes).map_err(|e| anyhow!("{e:?}"))?;
        let meta = header.metadata().clone().unwrap_or_default();
        let field = |key: &str| -> anyhow::Result<&String> {
            meta.get(key)
                .ok_or_else(|| anyhow!("missing metadata `{key}`"))
        };
        if field("format")? != FORMAT {
            bail!("unknown format `{}`", field("format")?);
        }
        /// Larger sizes are corrupt metadata (and would overflow the parameter count).
        const MAX_SIZE: usize = 1 << 24;
        let number = |key: &str| -> anyhow::Result<usize> {
            field(key)?
                .parse()
                .ok()
                .filter(|n| *n <= MAX_SIZE)
                .ok_or_else(|| anyhow!("bad metadata `{key}`"))
        };
        let hidden = field("hidden")?;
        let hidden = if hidden.is_empty() {
            Vec::new()
        } else {
            hidden
                .split(',')
                .map(|h| {
                    h.parse()
                        .ok()
                        .filter(|n| *n <= MAX_SIZE)
                        .ok_or_else(|| anyhow!("bad metadata `hidden`"))
                })
                .collect::<anyhow::Result<Vec<usize>>>()?
        };
        let activation = match field("activation")?.as_str() {
            "relu" => Activation::Relu,
            "tanh" => Activation::Tanh,
            other => bail!("unknown activation `{other}`"),
        };
        let spec = PolicySpec {
            obs_dim: number("obs_dim")?,
            act_dim: number("act_dim")?,
            hidden,
            activation,
        };
        let tensors = SafeTensors::deserialize(bytes).map_err(|e| anyhow!("{e:?}"))?;
        let view = tensors.tensor(THETA).map_err(|e| anyhow!("{e:?}"))?;
        if view.dtype() != Dtype::F64 || view.shape() != [spec.num_params()] {
            bail!(
                "parameter tensor has shape {:?} {:?}, the policy needs [{}] F64",
                view.shape(),
                view.dtype(),
                spec.num_params()
            );
        }
        let floats = |view: &TensorView<'_>| -> anyhow::Result<Vec<f64>> {
            if view.dtype() != Dtype::F64 || view.shape().len() != 1 {
                bail!(
                    "tensor {:?} {:?} is not a F64 vector",
                    view.shape(),
                    view.dtype()
                );
            }
            let values: Vec<f64> = view
                .data()
                .chunks_exact(8)
                .map(|c| f64::from_le_bytes(c.try_into().expect("8 bytes")))
                .collect();
            if values.iter().any(|x| !x.is_finite()) {
                bail!("non-finite parameters");
            }
            Ok(values)
        };
        let theta = floats(&view)?;
        let mut state = Vec::new();
        let mut names = tensors.names();
        names.sort();
        for name in names {
            if let Some(key) = name.strip_prefix(STATE_PREFIX) {
                let view = tensors.tensor(name).map_err(|e| anyhow!("{e:?}"))?;
                state.push((key.to_string(), floats(&view)?));
            }
        }
        Ok(Checkpoint {
            env: field("env")?.clone(),
            learner: meta
                .get("learner")
                .cloned()
                .unwrap_or_else(|| DEFAULT_LEARNER.to_string()),
            state,
            spec,
            theta,
            iteration: field("iteration")?
                .parse()
                .map_err(|_| anyhow!("bad metadata `iteration`"))?,
            score: field("score")?.parse().unwrap_or(f64::NAN),
        })
    }

    /// Fails unless this checkpoint's policy fits environment `env` with spec `spec`.
    pub fn check_matches(&self, env: &str, spec: &PolicySpec) -> Result<()> {
        if self.env != env {
            return Err(Error::Checkpoint(format!(
                "checkpoint is for env `{}`, not `{env}`",
                self.env
            )));
        }
        if &self.spec != spec {
            return Err(Error::Checkpoint(format!(
                "checkpoint policy {:?} does not match the configured policy {:?}",
                self.spec, spec
            )));
        }
        Ok(())
    }

    /// Fails unless this checkpoint was written by the learner named `learner`.
    pub fn check_learner(&self, learner: &str) -> Result<()> {
        if self.learner != learner {
            return Err(Error::Checkpoint(format!(
                "checkpoint was written by learner `{}`, not `{learner}`",
                self.learner
            )));
        }
        Ok(())
    }
}

/// Rewrites a serialized safetensors file with its JSON header's keys sorted. `safetensors` writes
/// the metadata `HashMap` in its iteration order, which is random per process, so the same
/// checkpoint would otherwise be different bytes on every run.
fn sort_header(data: &[u8]) -> anyhow::Result<Vec<u8>> {
    // Top level: "__metadata__" (string values) and the tensors (dtype, shape, offsets): no
    // deeper objects, so two levels of BTreeMap order every key.
    type Header = BTreeMap<String, BTreeMap<String, serde_json::Value>>;
    let len = u64::from_le_bytes(data[..8].try_into().expect("8 bytes")) as usize;
    let header: Header = serde_json::from_slice(&data[8..8 + len])
        .map_err(|e| anyhow!("cannot serialize checkpoint: {e}"))?;
    let mut header = serde_json::to_string(&header).expect("a JSON header serializes");
    // safetensors pads the header with spaces to a multiple of 8 bytes.
    header.push_str(&" ".repeat((8 - header.len() % 8) % 8));
    let mut out = Vec::with_capacity(8 + header.len() + data.len() - 8 - len);
    out.extend_from_slice(&(header.len() as u64).to_le_bytes());
    out.extend_from_slice(header.as_bytes());
    out.extend_from_slice(&data[8 + len..]);
    Ok(out)
}

/// Writes `data` to `path` through a temp file in the same directory, fsync, rename, then fsync
/// of the directory (so the rename itself survives a power cut).
pub fn write_atomically(path: &Path, data: &[u8]) -> anyhow::Result<()> {
    let tmp = path.with_extension("tmp");
    let result = (|| -> std::io::Result<()> {
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(data)?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)?;
        let dir = path.parent().filter(|d| !d.as_os_str().is_empty());
        std::fs::File::open(dir.unwrap_or(Path::new(".")))?.sync_all()
    })();
    result.with_context(|| format!("cannot write {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Checkpoint {
        let spec = PolicySpec {
            obs_dim: 2,
            act_dim: 2,
            hidden: vec![4, 3],
            activation: Activation::Relu,
        };
        let theta = (0..spec.num_params())
            .map(|i| i as f64 * 0.25 - 1.0)
            .collect();
        Checkpoint {
            env: "nav2d".into(),
            learner: "maml-trpo".into(),
            state: vec![("moments".into(), vec![0.5, -2.0])],
            spec,
            theta,
            iteration: 7,
            score: -12.5,
        }
    }

    #[test]
    fn checkpoint_round_trips_bit_for_bit() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.safetensors");
        let c = sample();
        c.save(&path).unwrap();
        assert_eq!(Checkpoint::load(&path).unwrap(), c);
        assert!(!path.with_extension("tmp").exists());
    }

    #[test]
    fn truncated_or_flipped_checkpoints_are_errors_not_panics() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.safetensors");
        sample().save(&path).unwrap();
        let good = std::fs::read(&path).unwrap();
        for cut in [0, 1, 7, 8, 20, good.len() / 2, good.len() - 1] {
            std::fs::write(&path, &good[..cut]).unwrap();
            assert!(Checkpoint::load(&path).is_err(), "truncated at {cut}");
        }
        for i in (0..good.len()).step_by(7) {
            let mut bad = good.clone();
            bad[i] ^= 0xff;
            std::fs::write(&path, &bad).unwrap();
            let _ = Checkpoint::load(&path); // must not panic
        }
    }

    #[test]
    fn a_parameter_tensor_of_the_wrong_shape_is_rejected() {
        let mut c = sample();
        c.theta.pop();
        let err = format!(
            "{:#}",
            Checkpoint::decode(&c.encode().unwrap()).unwrap_err()
        );
        assert!(err.contains("shape"), "{err}");
    }

    #[test]
    fn a_checkpoint_of_another_env_or_architecture_is_rejected() {
        let c = sample();
        assert!(c.check_matches("nav2d", &c.spec).is_ok());
        assert!(c.check_matches("cheetah-vel", &c.spec).is_err());
        let mut other = c.spec.clone();
        other.hidden = vec![100, 100];
        assert!(c.check_matches("nav2d", &other).is_err());
        assert!(c.check_learner("maml-trpo").is_ok());
        let err = c.check_learner("promp").unwrap_err().to_string();
        assert!(
            err.contains("`maml-trpo`") && err.contains("`promp`"),
            "{err}"
        );
    }
}

#[cfg(test)]
mod fuzz {
    //! Property tests: truncated, flipped or spliced checkpoint files never panic the loader.
    use proptest::prelude::*;

    use super::*;

    fn checkpoint_bytes(hidden: Vec<usize>, relu: bool) -> Vec<u8> {
        let spec = PolicySpec {
            obs_dim: 2,
            act_dim: 2,
            hidden,
            activation: if relu {
                Activation::Relu
            } else {
                Activation::Tanh
            },
        };
        Checkpoint {
            env: "nav2d".into(),
            learner: "maml-trpo".into(),
            state: Vec::new(),
            theta: vec![0.5; spec.num_params()],
            spec,
            iteration: 3,
            score: -1.0,
        }
        .encode()
        .unwrap()
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 3000, ..ProptestConfig::default() })]

        #[test]
        fn corrupted_checkpoints_load_or_fail_with_one_line(
            hidden in proptest::collection::vec(1usize..6, 0..3),
            relu in any::<bool>(),
            cut in any::<proptest::sample::Index>(),
            flips in proptest::collection::vec((any::<proptest::sample::Index>(), 1u8..=255), 0..6),
            truncate in any::<bool>(),
        ) {
            let mut bytes = checkpoint_bytes(hidden, relu);
            for (at, mask) in flips {
                let i = at.index(bytes.len());
                bytes[i] ^= mask;
            }
            if truncate {
                bytes.truncate(cut.index(bytes.len()));
            }
            if let Err(e) = Checkpoint::decode(&bytes) {
                let message = format!("{e:#}");
                prop_assert!(!message.contains('\n'), "{}", message);
            }
        }
    }
}
