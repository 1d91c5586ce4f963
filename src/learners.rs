//! The meta-learners `train.algo` selects, built behind the [`MetaLearner`] interface: the
//! trainer, checkpoints, evaluation and `bench adapt` never know which one they drive.
//!
//! A new learner implements `metarl_agents::MetaLearner` (one meta-iteration, parameters in and
//! out, the state its checkpoints must hold) and gets an arm in [`build_learner`] and a value of
//! [`Algo`].

use std::sync::Arc;

use metarl_agents::seeding::{derive_rng, Stream};
use metarl_agents::{MamlTrpo, MamlTrpoSettings, MetaLearner};
use metarl_envs::TaskDistribution;

use crate::config::{Algo, Config};
use crate::error::{Error, Result};

/// The initial meta-parameters of a run: drawn from the run seed's init stream (also the
/// "random initialization" of `bench adapt`).
pub fn initial_theta(config: &Config, dist: &dyn TaskDistribution) -> Vec<f64> {
    let spec = config.policy_spec(dist);
    spec.init_params(&mut derive_rng(config.train.seed, Stream::Init, &[]))
}

/// The learner `config.train.algo` names, over `dist`, at the run's initial parameters.
/// MAML trains MAML-TRPO (Finn et al. 2017); the paper's baselines (pretrained, oracle) are
/// MAML-TRPO with zero inner steps, i.e. TRPO on tasks drawn from the distribution.
pub fn build_learner(
    config: &Config,
    dist: Arc<dyn TaskDistribution>,
) -> Result<Box<dyn MetaLearner>> {
    let spec = config.policy_spec(dist.as_ref());
    let theta = initial_theta(config, dist.as_ref());
    match config.train.algo {
        Algo::Maml | Algo::Pretrained | Algo::Oracle => {
            let settings = MamlTrpoSettings {
                maml: config.learner_maml(),
                trpo: config.trpo.clone(),
                seed: config.train.seed,
                workers: config.train.workers,
                exploration: false,
            };
            let learner = MamlTrpo::new(dist, spec, theta, settings)
                .map_err(|e| Error::Config(format!("cannot build the learner: {e}")))?;
            Ok(Box::new(learner))
        }
    }
}
