//! The run configuration: one TOML file, one serde struct per section, unknown keys rejected.
//! `assets/configs/nav2d.toml` holds the MAML paper's 2D-navigation settings and is embedded in
//! the binary as the default.

use anyhow::{bail, Context, Result};
use metarl_agents::{Activation, MamlConfig, PolicySpec, TrpoConfig};
use metarl_envs::{task_distribution, TaskDistribution};
use serde::{Deserialize, Serialize};

/// The shipped default (paper settings on 2D navigation), embedded so `train` needs no file.
pub const DEFAULT_CONFIG: &str = include_str!("../assets/configs/nav2d.toml");

/// Shipped configs embedded in the binary, by env name (the default for `--env NAME`).
pub const EMBEDDED_CONFIGS: &[(&str, &str)] = &[
    ("nav2d", DEFAULT_CONFIG),
    (
        "cheetah-vel",
        include_str!("../assets/configs/cheetah-vel.toml"),
    ),
    (
        "cheetah-dir",
        include_str!("../assets/configs/cheetah-dir.toml"),
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
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// `[env]`: which task distribution.
    pub env: EnvConfig,
    /// `[policy]`: the Gaussian MLP.
    pub policy: PolicyConfig,
    /// `[maml]`: meta-batch and inner loop.
    #[serde(default)]
    pub maml: MamlConfig,
    /// `[trpo]`: the meta-optimizer.
    #[serde(default)]
    pub trpo: TrpoConfig,
    /// `[train]`: length, seed and parallelism of the run.
    pub train: TrainConfig,
    /// `[eval]`: the adaptation evaluation protocol.
    #[serde(default)]
    pub eval: EvalConfig,
}

/// `[env]` section.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnvConfig {
    /// Task distribution name (see `metarl_envs::ENV_NAMES`), e.g. "nav2d".
    pub name: String,
    /// Episode time limit H (steps).
    pub horizon: usize,
}

/// `[policy]` section.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyConfig {
    /// Hidden layer widths (paper: [100, 100]).
    pub hidden: Vec<usize>,
    /// "relu" (paper) or "tanh" (PyTorch reference).
    pub activation: Activation,
}

/// What `metarl train` trains (`train.algo`, `--algo`): the meta-learner or one of the MAML
/// paper's baselines (Finn et al. 2017, §5.3). All share the sampler, TRPO and the run directory.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
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
}

impl Algo {
    /// Every algorithm, in the order of the paper's tables.
    pub const ALL: [Algo; 3] = [Algo::Maml, Algo::Pretrained, Algo::Oracle];

    /// The lower-case name (as in configs and on the command line).
    pub fn name(self) -> &'static str {
        match self {
            Algo::Maml => "maml",
            Algo::Pretrained => "pretrained",
            Algo::Oracle => "oracle",
        }
    }

    /// Whether training adapts to each task in an inner loop (only MAML); the baselines are
    /// plain TRPO on the task distribution, i.e. MAML-TRPO with zero inner steps.
    pub fn has_inner_loop(self) -> bool {
        self == Algo::Maml
    }
}

/// The env family of an env name: the name without an `-oracle` suffix.
pub fn env_family(env: &str) -> &str {
    env.strip_suffix("-oracle").unwrap_or(env)
}

/// `[train]` section.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrainConfig {
    /// What to train: "maml" (default), "pretrained" or "oracle" (see [`Algo`]).
    #[serde(default)]
    pub algo: Algo,
    /// Meta-iterations to run.
    pub iterations: u64,
    /// Run seed: every random draw of the run derives from it.
    pub seed: u64,
    /// Worker threads (0 = all available cores). Results do not depend on it.
    pub workers: usize,
    /// Also keep `checkpoints/iter-NNNNN.safetensors` every this many iterations (0 = never).
    #[serde(default)]
    pub checkpoint_every: u64,
    /// Every this many iterations, evaluate the parameters on validation
    /// tasks with the `[eval]` protocol; the best checkpoint is then the one with the highest
    /// validation return after `eval.steps` steps. 0 = pick the best checkpoint by the training
    /// post-adaptation return instead (the paper's rule).
    #[serde(default)]
    pub validate_every: u64,
    /// Validation tasks per validation (drawn from a stream disjoint from training and `eval`).
    #[serde(default = "default_validation_tasks")]
    pub validation_tasks: usize,
    /// Stop after this many consecutive steps rejected for non-finite values (>= 1).
    #[serde(default = "default_max_rejected_steps")]
    pub max_rejected_steps: u64,
}

fn default_validation_tasks() -> usize {
    20
}

fn default_max_rejected_steps() -> u64 {
    10
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
    /// The embedded default configuration.
    pub fn default_config() -> Config {
        Config::parse(DEFAULT_CONFIG, "embedded default").expect("the embedded default is valid")
    }

    /// Parses and validates TOML text; `origin` names the source in errors.
    pub fn parse(text: &str, origin: &str) -> Result<Config> {
        let config: Config = toml::from_str(text)
            .map_err(|e| anyhow::anyhow!("{}", one_line(&e.to_string())))
            .with_context(|| format!("invalid config {origin}"))?;
        config
            .validate()
            .with_context(|| format!("invalid config {origin}"))?;
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
            Algo::Maml | Algo::Pretrained => family.to_string(),
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
            Algo::Maml | Algo::Pretrained => self.eval.steps,
            Algo::Oracle => 0,
        }
    }

    /// Checks every value is in range.
    pub fn validate(&self) -> Result<()> {
        self.task_distribution()?;
        let oracle_env = self.env.name.ends_with("-oracle");
        if oracle_env != (self.train.algo == Algo::Oracle) {
            bail!(
                "train.algo = \"{}\" does not fit env.name = \"{}\": the oracle trains on an `-oracle` env, maml and pretrained on a plain one",
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
    pub fn task_distribution(&self) -> Result<Box<dyn TaskDistribution>> {
        task_distribution(&self.env.name, Some(self.env.horizon))
            .map_err(|e| anyhow::anyhow!("{e}"))
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
        let c = Config::default_config();
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
        let maml = Config::default_config();
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
    fn config_round_trips_through_toml() {
        let c = Config::default_config();
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
