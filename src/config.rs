//! The run configuration: one TOML file, one serde struct per section, unknown keys rejected.
//!
//! One source of defaults: every key may be omitted, and [`Config::default`] (the Rust `Default`
//! of every section) equals the shipped `assets/configs/nav2d.toml`, the MAML paper's
//! 2D-navigation settings (a test asserts it, and another checks the README's table against it).
//! Build a config in code with [`Config::for_env`] and the `with_*` setters:
//!
//! ```
//! let config = metarl::Config::for_env("nav2d")?.with_iterations(50).with_seed(3);
//! assert_eq!(config.train.iterations, 50);
//! # Ok::<(), metarl::Error>(())
//! ```

use anyhow::{bail, Context};
use metarl_agents::{Activation, MamlConfig, PolicySpec, PrompConfig, ReptileConfig, TrpoConfig};
use metarl_envs::{task_distribution, TaskDistribution};

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};

/// The shipped default (paper settings on 2D navigation), embedded so `train` needs no file.
pub const DEFAULT_CONFIG: &str = include_str!("../assets/configs/nav2d.toml");

/// Shipped configs embedded in the binary, by env name (the default for `--env NAME`).
pub const EMBEDDED_CONFIGS: &[(&str, &str)] = &[
    ("nav2d", DEFAULT_CONFIG),
    (
        "nav2d-walls",
        include_str!("../assets/configs/nav2d-walls.toml"),
    ),
    (
        "nav2d-corners",
        include_str!("../assets/configs/nav2d-corners.toml"),
    ),
    (
        "cheetah-vel",
        include_str!("../assets/configs/cheetah-vel.toml"),
    ),
    (
        "cheetah-dir",
        include_str!("../assets/configs/cheetah-dir.toml"),
    ),
    (
        "cheetah-params",
        include_str!("../assets/configs/cheetah-params.toml"),
    ),
    (
        "hopper-vel",
        include_str!("../assets/configs/hopper-vel.toml"),
    ),
    (
        "hopper-params",
        include_str!("../assets/configs/hopper-params.toml"),
    ),
    (
        "walker-dir",
        include_str!("../assets/configs/walker-dir.toml"),
    ),
    (
        "walker-params",
        include_str!("../assets/configs/walker-params.toml"),
    ),
];

/// The embedded config of `env`, if one is shipped; an oracle variant (`NAME-oracle`) uses its
/// family's config.
pub fn embedded_config(env: &str) -> Option<&'static str> {
    let family = env_family(env);
    EMBEDDED_CONFIGS
        .iter()
        .find(|(name, _)| *name == family)
        .map(|(_, text)| *text)
}

/// The whole run configuration.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// `[env]`: which task distribution.
    #[serde(default)]
    pub env: EnvConfig,
    /// `[policy]`: the Gaussian MLP.
    #[serde(default)]
    pub policy: PolicyConfig,
    /// `[maml]`: meta-batch and inner loop.
    #[serde(default)]
    pub maml: MamlConfig,
    /// `[trpo]`: the meta-optimizer.
    #[serde(default)]
    pub trpo: TrpoConfig,
    /// `[train]`: length, seed and parallelism of the run.
    #[serde(default)]
    pub train: TrainConfig,
    /// `[eval]`: the adaptation evaluation protocol.
    #[serde(default)]
    pub eval: EvalConfig,
    /// `[promp]`: ProMP's outer loop (used by `train.algo = "promp"`).
    #[serde(default)]
    pub promp: PrompConfig,
    /// `[reptile]`: Reptile's inner steps and outer step size (used by `train.algo =
    /// "reptile"`).
    #[serde(default)]
    pub reptile: ReptileConfig,
}

/// `[env]` section.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EnvConfig {
    /// Task distribution name (see `metarl_envs::env_names`), e.g. "nav2d".
    pub name: String,
    /// Episode time limit H (steps).
    pub horizon: usize,
}

impl Default for EnvConfig {
    fn default() -> Self {
        EnvConfig {
            name: "nav2d".into(),
            horizon: 100,
        }
    }
}

/// `[policy]` section.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PolicyConfig {
    /// Hidden layer widths (paper: [100, 100]).
    pub hidden: Vec<usize>,
    /// "relu" (paper) or "tanh" (PyTorch reference).
    pub activation: Activation,
}

impl Default for PolicyConfig {
    fn default() -> Self {
        PolicyConfig {
            hidden: vec![100, 100],
            activation: Activation::Relu,
        }
    }
}

/// What `metarl train` trains (`train.algo`, `--algo`): the meta-learner or one of the MAML
/// paper's baselines (Finn et al. 2017, §5.3). All share the sampler, TRPO and the run directory.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
#[serde(rename_all = "lowercase")]
pub enum Algo {
    /// MAML-TRPO: a meta-learned initialization that adapts in a few policy-gradient steps.
    #[default]
    Maml,
    /// "Pretrained": one policy trained with TRPO on tasks drawn from the distribution, with no
    /// inner loop; fine-tuned at test time with the same adaptation steps.
    Pretrained,
    /// "Oracle": TRPO on the `-oracle` env, whose observation includes the task parameter.
    Oracle,
    /// ProMP (Rothfuss et al. 2019): clipped post-update surrogate through the LVC inner step,
    /// KL penalty, Adam (`[promp]`).
    Promp,
    /// E-MAML (Stadie et al. 2018): MAML-TRPO plus the exploration term that credits the
    /// post-update return to the pre-update episodes.
    Emaml,
    /// Reptile (Nichol et al. 2018): k inner policy-gradient steps per task, then
    /// θ ← θ + ε · mean(θ'_k − θ) (`[reptile]`).
    Reptile,
    /// Meta-SGD (Li et al. 2017): MAML-TRPO that also learns a per-parameter rate vector α of
    /// the first inner step (stored in checkpoints and used when adapting).
    #[serde(rename = "metasgd")]
    #[cfg_attr(feature = "cli", value(name = "metasgd"))]
    MetaSgd,
}

impl Algo {
    /// Every algorithm: the meta-learners, then the MAML paper's baselines.
    pub const ALL: [Algo; 7] = [
        Algo::Maml,
        Algo::Promp,
        Algo::Emaml,
        Algo::MetaSgd,
        Algo::Reptile,
        Algo::Pretrained,
        Algo::Oracle,
    ];

    /// The MAML paper's comparison (what `bench adapt` trains by default).
    pub const PAPER: [Algo; 3] = [Algo::Maml, Algo::Pretrained, Algo::Oracle];

    /// What an env trains by default: the oracle on an `-oracle` env, MAML otherwise.
    pub fn of_env(env: &str) -> Algo {
        if env.ends_with("-oracle") {
            Algo::Oracle
        } else {
            Algo::Maml
        }
    }

    /// The lower-case name (as in configs and on the command line).
    pub fn name(self) -> &'static str {
        match self {
            Algo::Maml => "maml",
            Algo::Pretrained => "pretrained",
            Algo::Oracle => "oracle",
            Algo::Promp => "promp",
            Algo::Emaml => "emaml",
            Algo::Reptile => "reptile",
            Algo::MetaSgd => "metasgd",
        }
    }

    /// Whether training adapts to each task in an inner loop (every meta-learner); the
    /// baselines are plain TRPO on the task distribution, i.e. MAML-TRPO with zero inner steps.
    pub fn has_inner_loop(self) -> bool {
        !matches!(self, Algo::Pretrained | Algo::Oracle)
    }
}

/// The env family of an env name: the name without an `-oracle` suffix.
pub fn env_family(env: &str) -> &str {
    env.strip_suffix("-oracle").unwrap_or(env)
}

/// `[train]` section.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TrainConfig {
    /// What to train: "maml" (default), "pretrained" or "oracle" (see [`Algo`]).
    pub algo: Algo,
    /// Meta-iterations to run.
    pub iterations: u64,
    /// Run seed: every random draw of the run derives from it.
    pub seed: u64,
    /// Worker threads (0 = all available cores). Results do not depend on it.
    pub workers: usize,
    /// Also keep `checkpoints/iter-NNNNN.safetensors` every this many iterations (0 = never).
    pub checkpoint_every: u64,
    /// Every this many iterations, evaluate the parameters on validation tasks with the `[eval]`
    /// protocol; the best checkpoint is then the one with the highest validation return after
    /// `eval.steps` steps. 0 = pick the best checkpoint by the training post-adaptation return
    /// instead (the paper's rule). A run shorter than this is evaluated at its latest
    /// checkpoint.
    pub validate_every: u64,
    /// Validation tasks per validation (drawn from a stream disjoint from training and `eval`).
    pub validation_tasks: usize,
    /// Stop after this many consecutive steps rejected for non-finite values (>= 1).
    pub max_rejected_steps: u64,
}

impl Default for TrainConfig {
    fn default() -> Self {
        TrainConfig {
            algo: Algo::Maml,
            iterations: 500,
            seed: 1,
            workers: 0,
            checkpoint_every: 0,
            validate_every: 10,
            validation_tasks: 20,
            max_rejected_steps: 10,
        }
    }
}

/// `[eval]` section: the paper's evaluation protocol.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EvalConfig {
    /// Adaptation steps of the validation during training (`eval --steps` sets its own).
    pub steps: usize,
    /// Episodes sampled per adaptation step (paper: 40 on nav2d, 20 on the cheetah).
    pub episodes: usize,
    /// Learning rate of the first adaptation step (paper: 0.1).
    pub first_lr: f64,
    /// Learning rate of later adaptation steps (paper: 0.05).
    pub later_lr: f64,
}

impl Default for EvalConfig {
    fn default() -> Self {
        EvalConfig {
            steps: 3,
            episodes: 40,
            first_lr: 0.1,
            later_lr: 0.05,
        }
    }
}

impl Config {
    /// The shipped config of env `name` (`assets/configs/FAMILY.toml`, embedded in the crate),
    /// set to train on `name`: an `-oracle` env trains the oracle baseline (`train.algo =
    /// "oracle"`). An env registered by the user, with no shipped config, gets the defaults.
    /// Fails for an env the registry does not know.
    pub fn for_env(name: &str) -> Result<Config> {
        let mut config = match embedded_config(name) {
            Some(text) => Config::parse(text, "embedded default")?,
            None => {
                // A family registered by the user: the defaults, at the env's own horizon.
                let mut config = Config::default();
                config.env.horizon = task_distribution(name, None)?.horizon();
                config
            }
        };
        config.env.name = name.to_string();
        config.train.algo = Algo::of_env(name);
        config.validate()?;
        Ok(config)
    }

    /// The same config with `train.iterations = n`.
    pub fn with_iterations(mut self, n: u64) -> Config {
        self.train.iterations = n;
        self
    }

    /// The same config with `train.seed = seed`.
    pub fn with_seed(mut self, seed: u64) -> Config {
        self.train.seed = seed;
        self
    }

    /// The same config with `train.workers = workers` (0 = all cores; results do not depend
    /// on it).
    pub fn with_workers(mut self, workers: usize) -> Config {
        self.train.workers = workers;
        self
    }

    /// Parses and validates TOML text; `origin` names the source in errors. Omitted keys take
    /// their defaults ([`Config::default`]).
    pub fn parse(text: &str, origin: &str) -> Result<Config> {
        let config: Config = toml::from_str(text).map_err(|e| {
            Error::Config(format!(
                "invalid config {origin}: {}",
                one_line(&e.to_string())
            ))
        })?;
        config
            .validate()
            .map_err(|e| Error::Config(format!("invalid config {origin}: {e:#}")))?;
        Ok(config)
    }

    /// Reads, parses and validates a config file.
    pub fn load(path: &std::path::Path) -> Result<Config> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read config {}", path.display()))?;
        Config::parse(&text, &path.display().to_string())
    }

    /// The same config set to train `algo`: the oracle trains on the `-oracle` variant of the
    /// env, the others on the plain env.
    pub fn for_algo(&self, algo: Algo) -> Config {
        let mut config = self.clone();
        let family = env_family(&self.env.name);
        config.train.algo = algo;
        config.env.name = match algo {
            Algo::Oracle => format!("{family}-oracle"),
            _ => family.to_string(),
        };
        config
    }

    /// The MAML settings the learner runs with: the `[maml]` section, with zero inner steps for
    /// the baselines (MAML-TRPO without an inner loop is TRPO on the task distribution).
    pub fn learner_maml(&self) -> MamlConfig {
        let mut maml = self.maml.clone();
        if !self.train.algo.has_inner_loop() {
            maml.inner_steps = 0;
        }
        maml
    }

    /// Adaptation steps of the validation that picks the best checkpoint: `eval.steps` for the
    /// policies meant to be fine-tuned (MAML, pretrained), 0 for the oracle, which observes the
    /// task and is used as it is (the paper reports it without adaptation).
    pub fn validation_steps(&self) -> usize {
        match self.train.algo {
            Algo::Oracle => 0,
            _ => self.eval.steps,
        }
    }

    /// Checks every value is in range; the one-line error names the key.
    pub fn validate(&self) -> Result<()> {
        self.check_ranges()
            .map_err(|e| Error::Config(format!("{e:#}")))
    }

    fn check_ranges(&self) -> anyhow::Result<()> {
        self.task_distribution()?;
        let oracle_env = self.env.name.ends_with("-oracle");
        if oracle_env != (self.train.algo == Algo::Oracle) {
            bail!(
                "train.algo = \"{}\" does not fit env.name = \"{}\": the oracle trains on an `-oracle` env, every other algorithm on a plain one",
                self.train.algo.name(),
                self.env.name
            );
        }
        if self.policy.hidden.contains(&0) {
            bail!(
                "policy.hidden widths must be >= 1 (got {:?})",
                self.policy.hidden
            );
        }
        self.maml.validate().map_err(anyhow::Error::msg)?;
        self.trpo.validate().map_err(anyhow::Error::msg)?;
        self.promp.validate().map_err(anyhow::Error::msg)?;
        self.reptile.validate().map_err(anyhow::Error::msg)?;
        if self.eval.episodes == 0 {
            bail!("eval.episodes must be >= 1");
        }
        if self.train.max_rejected_steps == 0 {
            bail!("train.max_rejected_steps must be >= 1");
        }
        if self.train.validate_every > 0 && self.train.validation_tasks == 0 {
            bail!("train.validation_tasks must be >= 1 when train.validate_every > 0");
        }
        for (key, lr) in [
            ("first_lr", self.eval.first_lr),
            ("later_lr", self.eval.later_lr),
        ] {
            if !(lr > 0.0 && lr.is_finite()) {
                bail!("eval.{key} must be > 0 (got {lr})");
            }
        }
        Ok(())
    }

    /// The configured task distribution.
    pub fn task_distribution(&self) -> Result<std::sync::Arc<dyn TaskDistribution>> {
        Ok(task_distribution(&self.env.name, Some(self.env.horizon))?.into())
    }

    /// The policy architecture for `dist`.
    pub fn policy_spec(&self, dist: &dyn TaskDistribution) -> PolicySpec {
        PolicySpec {
            obs_dim: dist.obs_dim(),
            act_dim: dist.act_dim(),
            hidden: self.policy.hidden.clone(),
            activation: self.policy.activation,
        }
    }

    /// The config as TOML text (what `--print-config` shows and run directories store).
    pub fn to_toml(&self) -> String {
        toml::to_string(self).expect("configs serialize")
    }
}

/// Folds a multi-line parser message into one line.
fn one_line(message: &str) -> String {
    message
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.chars().all(|c| "|^ ".contains(c)))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_default_is_the_papers_nav2d_setting() {
        let c = Config::parse(DEFAULT_CONFIG, "embedded").unwrap();
        assert_eq!(c.env.name, "nav2d");
        assert_eq!(c.env.horizon, 100);
        assert_eq!(c.policy.hidden, vec![100, 100]);
        assert_eq!(c.policy.activation, Activation::Relu);
        assert_eq!(c.maml.meta_batch_size, 20);
        assert_eq!(c.maml.episodes_per_task, 20);
        assert_eq!(c.maml.inner_lr, 0.1);
        assert_eq!(c.trpo.max_kl, 0.01);
        assert_eq!(c.train.iterations, 500);
    }

    #[test]
    fn every_shipped_config_is_valid_and_names_its_env() {
        for (env, text) in EMBEDDED_CONFIGS {
            assert_eq!(&Config::parse(text, env).unwrap().env.name, env);
        }
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/configs");
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            Config::load(&path).unwrap_or_else(|e| panic!("{}: {e:#}", path.display()));
        }
        assert_eq!(
            embedded_config("cheetah-dir-oracle"),
            embedded_config("cheetah-dir")
        );
    }

    #[test]
    fn for_algo_picks_the_oracle_env_and_drops_the_inner_loop_of_the_baselines() {
        let maml = Config::parse(DEFAULT_CONFIG, "embedded").unwrap();
        assert_eq!(maml.train.algo, Algo::Maml);
        assert_eq!(maml.learner_maml().inner_steps, 1);
        let oracle = maml.for_algo(Algo::Oracle);
        assert_eq!(oracle.env.name, "nav2d-oracle");
        assert_eq!(oracle.learner_maml().inner_steps, 0);
        oracle.validate().unwrap();
        let pretrained = oracle.for_algo(Algo::Pretrained);
        assert_eq!(pretrained.env.name, "nav2d");
        assert_eq!(pretrained.learner_maml().inner_steps, 0);
        assert_eq!(pretrained.for_algo(Algo::Maml), maml);
        assert_eq!(maml.validation_steps(), 3);
        assert_eq!(pretrained.validation_steps(), 3);
        assert_eq!(oracle.validation_steps(), 0);
        let text = DEFAULT_CONFIG.replace("algo = \"maml\"", "algo = \"oracle\"");
        let err = format!("{:#}", Config::parse(&text, "t").unwrap_err());
        assert!(err.contains("train.algo") && !err.contains('\n'), "{err}");
    }

    #[test]
    fn rust_defaults_equal_the_shipped_nav2d_toml() {
        let shipped = Config::parse(DEFAULT_CONFIG, "embedded").unwrap();
        assert_eq!(Config::default(), shipped);
        assert_eq!(Config::parse("", "empty").unwrap(), shipped);
        for section in ["[env]", "[policy]", "[maml]", "[trpo]", "[train]", "[eval]"] {
            let text = format!("{section}\n");
            assert_eq!(Config::parse(&text, section).unwrap(), shipped, "{section}");
        }
        assert_eq!(Config::for_env("nav2d").unwrap(), shipped);
    }

    /// The README's configuration table states the real defaults: every `| \`key\` | value |`
    /// row equals the key's value in `Config::default()`, and every key of the config has a row.
    #[test]
    fn readme_configuration_table_states_the_real_defaults() {
        let readme = include_str!("../README.md");
        let defaults: toml::Table = toml::from_str(&Config::default().to_toml()).unwrap();
        let mut documented = std::collections::BTreeSet::new();
        for line in readme.lines() {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            if cells.len() < 4 || !cells[1].starts_with('`') || !cells[1].contains('.') {
                continue;
            }
            let keys: Vec<&str> = cells[1].split(" / ").map(|k| k.trim_matches('`')).collect();
            let values: Vec<&str> = cells[2].split(" / ").map(|v| v.trim_matches('`')).collect();
            if keys.iter().any(|k| !k.contains('.') || k.contains(' ')) {
                continue;
            }
            assert_eq!(keys.len(), values.len(), "{line}");
            for (key, value) in keys.iter().zip(values) {
                let (section, name) = key.split_once('.').unwrap();
                let Some(actual) = defaults.get(section).and_then(|s| s.get(name)) else {
                    continue; // a row of another table (e.g. metrics keys)
                };
                let stated: toml::Table = toml::from_str(&format!("v = {value}"))
                    .unwrap_or_else(|e| panic!("README default of {key} `{value}`: {e}"));
                let stated = &stated["v"];
                let same = match (stated.as_float(), actual.as_float(), stated.as_integer()) {
                    (Some(a), Some(b), _) => a == b,
                    (None, Some(b), Some(a)) => a as f64 == b,
                    _ => stated == actual,
                };
                assert!(
                    same,
                    "README says {key} = {value}, the code's default is {actual}"
                );
                documented.insert(key.to_string());
            }
        }
        for (section, table) in &defaults {
            for name in table.as_table().unwrap().keys() {
                let key = format!("{section}.{name}");
                assert!(documented.contains(&key), "README's table lacks `{key}`");
            }
        }
    }

    #[test]
    fn for_env_trains_the_oracle_on_an_oracle_env() {
        let oracle = Config::for_env("nav2d-oracle").unwrap();
        assert_eq!(oracle.train.algo, Algo::Oracle);
        assert_eq!(oracle.env.name, "nav2d-oracle");
        let cheetah = Config::for_env("cheetah-dir-oracle").unwrap();
        assert_eq!(cheetah.maml.meta_batch_size, 40);
        assert_eq!(cheetah.train.algo, Algo::Oracle);
        let err = Config::for_env("nav3d").unwrap_err().to_string();
        assert!(
            err.contains("unknown env `nav3d`") && !err.contains('\n'),
            "{err}"
        );
    }

    #[test]
    fn config_round_trips_through_toml() {
        let c = Config::parse(DEFAULT_CONFIG, "embedded").unwrap();
        assert_eq!(Config::parse(&c.to_toml(), "round trip").unwrap(), c);
    }

    #[test]
    fn unknown_keys_are_rejected_with_one_line() {
        let text = DEFAULT_CONFIG.replace("[maml]", "[maml]\ninner_lrr = 0.2");
        let err = format!("{:#}", Config::parse(&text, "test").unwrap_err());
        assert!(err.contains("inner_lrr"), "{err}");
        assert!(!err.contains('\n'), "{err}");
    }

    #[test]
    fn out_of_range_values_are_rejected_naming_the_key() {
        for (from, to, key) in [
            ("inner_lr = 0.1", "inner_lr = -0.1", "maml.inner_lr"),
            (
                "meta_batch_size = 20",
                "meta_batch_size = 0",
                "maml.meta_batch_size",
            ),
            ("max_kl = 0.01", "max_kl = 0.0", "trpo.max_kl"),
            ("name = \"nav2d\"", "name = \"nav3d\"", "unknown env"),
            ("horizon = 100", "horizon = 0", "horizon"),
        ] {
            assert!(DEFAULT_CONFIG.contains(from), "{from}");
            let err = format!(
                "{:#}",
                Config::parse(&DEFAULT_CONFIG.replace(from, to), "t").unwrap_err()
            );
            assert!(err.contains(key), "{to}: {err}");
        }
    }
}

#[cfg(test)]
mod fuzz {
    //! Property tests: no mutation of a config file makes the parser or validator panic, and
    //! every rejection is a one-line message.
    use proptest::prelude::*;

    use super::*;

    /// Mutations of the default config, line by line.
    fn mutated_config() -> impl Strategy<Value = String> {
        let lines: Vec<String> = DEFAULT_CONFIG.lines().map(str::to_string).collect();
        let n = lines.len();
        let values = prop_oneof![
            Just("-1".to_string()),
            Just("0".to_string()),
            Just("1e400".to_string()),
            Just("nan".to_string()),
            Just("\"text\"".to_string()),
            Just("[]".to_string()),
            Just("true".to_string()),
            any::<i64>().prop_map(|v| v.to_string()),
            any::<f64>().prop_map(|v| format!("{v:?}")),
        ];
        let edit = prop_oneof![
            (0..n).prop_map(|i| (i, None)),
            (0..n, values).prop_map(|(i, v)| (i, Some(v))),
        ];
        proptest::collection::vec(edit, 1..4).prop_map(move |edits| {
            let mut lines = lines.clone();
            for (i, value) in edits {
                match value {
                    None => lines[i].clear(),
                    Some(v) => {
                        if let Some((key, _)) = lines[i].split_once('=') {
                            lines[i] = format!("{key}= {v}");
                        } else {
                            lines[i] = format!("{}x = {v}", lines[i]);
                        }
                    }
                }
            }
            lines.join("\n")
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 3000, ..ProptestConfig::default() })]

        #[test]
        fn mutated_configs_parse_or_fail_with_one_line(text in mutated_config()) {
            if let Err(e) = Config::parse(&text, "fuzz") {
                let message = format!("{e:#}");
                prop_assert!(!message.contains('\n'), "{}", message);
            }
        }

        #[test]
        fn arbitrary_bytes_never_panic_the_parser(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
            let text = String::from_utf8_lossy(&bytes);
            if let Err(e) = Config::parse(&text, "fuzz") {
                let message = format!("{e:#}");
                prop_assert!(!message.contains('\n'), "{}", message);
            }
        }
    }
}
