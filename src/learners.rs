//! The meta-learners `train.algo` selects, built behind the [`MetaLearner`] interface: the
//! trainer, checkpoints, evaluation and `bench adapt` never know which one they drive.
//!
//! A new learner implements `metarl_agents::MetaLearner` (one meta-iteration, parameters in and
//! out, the state its checkpoints must hold) and gets an arm in [`build_learner`] and a value of
//! [`Algo`].

use std::sync::Arc;

use metarl_agents::seeding::{derive_rng, Stream};
use metarl_agents::{
    LearnerError, MamlTrpo, MamlTrpoSettings, MetaLearner, Promp, PrompSettings, Reptile,
    ReptileSettings,
};
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
/// MAML trains MAML-TRPO (Finn et al. 2017) and E-MAML the same with its exploration term; the
/// paper's baselines (pretrained, oracle) are MAML-TRPO with zero inner steps, i.e. TRPO on
/// tasks drawn from the distribution; ProMP and Reptile are their own learners.
pub fn build_learner(
    config: &Config,
    dist: Arc<dyn TaskDistribution>,
) -> Result<Box<dyn MetaLearner>> {
    let spec = config.policy_spec(dist.as_ref());
    let theta = initial_theta(config, dist.as_ref());
    let (seed, workers) = (config.train.seed, config.train.workers);
    let learner: Result<Box<dyn MetaLearner>, LearnerError> = match config.train.algo {
        Algo::Maml | Algo::Emaml | Algo::MetaSgd | Algo::Pretrained | Algo::Oracle => {
            let settings = MamlTrpoSettings {
                maml: config.learner_maml(),
                trpo: config.trpo.clone(),
                seed,
                workers,
                exploration: config.train.algo == Algo::Emaml,
                learn_rates: config.train.algo == Algo::MetaSgd,
            };
            MamlTrpo::new(dist, spec, theta, settings).map(|l| Box::new(l) as _)
        }
        Algo::Promp => {
            let settings = PrompSettings {
                maml: config.maml.clone(),
                promp: config.promp.clone(),
                seed,
                workers,
            };
            Promp::new(dist, spec, theta, settings).map(|l| Box::new(l) as _)
        }
        Algo::Reptile => {
            let settings = ReptileSettings {
                maml: config.maml.clone(),
                reptile: config.reptile.clone(),
                seed,
                workers,
            };
            Reptile::new(dist, spec, theta, settings).map(|l| Box::new(l) as _)
        }
    };
    learner.map_err(|e| Error::Config(format!("cannot build the learner: {e}")))
}
