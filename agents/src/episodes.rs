//! Episodes of one task, stored flat: rows are time steps, episode after episode.

/// The episodes sampled for one task with one parameter vector. Row `r` of `obs`/`actions`/
/// `rewards` is one time step; episode `e` occupies `episode_lengths[e]` consecutive rows.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct EpisodeBatch {
    /// Observation dimension.
    pub obs_dim: usize,
    /// Action dimension.
    pub act_dim: usize,
    /// Observations s_t (rows x obs_dim), the state each action was taken in.
    pub obs: Vec<f64>,
    /// Actions a_t as sampled from the policy, before the env's clipping (rows x act_dim).
    pub actions: Vec<f64>,
    /// Rewards r_t.
    pub rewards: Vec<f64>,
    /// Length of each episode.
    pub episode_lengths: Vec<usize>,
    /// Whether each episode ended in an MDP terminal state (else it was truncated).
    pub terminated: Vec<bool>,
}

impl EpisodeBatch {
    /// An empty batch for the given dimensions.
    pub fn new(obs_dim: usize, act_dim: usize) -> Self {
        EpisodeBatch {
            obs_dim,
            act_dim,
            ..Default::default()
        }
    }

    /// Total number of time steps.
    pub fn rows(&self) -> usize {
        self.rewards.len()
    }

    /// Undiscounted return of each episode.
    pub fn episode_returns(&self) -> Vec<f64> {
        let mut start = 0;
        self.episode_lengths
            .iter()
            .map(|&len| {
                let r = self.rewards[start..start + len].iter().sum();
                start += len;
                r
            })
            .collect()
    }

    /// Mean undiscounted return over the episodes (the paper's reported quantity).
    pub fn mean_return(&self) -> f64 {
        let returns = self.episode_returns();
        returns.iter().sum::<f64>() / returns.len().max(1) as f64
    }

    /// Appends one finished episode.
    pub fn push_episode(&mut self, episode: &EpisodeBatch) {
        self.obs.extend(&episode.obs);
        self.actions.extend(&episode.actions);
        self.rewards.extend(&episode.rewards);
        self.episode_lengths.extend(&episode.episode_lengths);
        self.terminated.extend(&episode.terminated);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn returns_are_summed_per_episode_and_averaged() {
        let batch = EpisodeBatch {
            obs_dim: 1,
            act_dim: 1,
            obs: vec![0.0; 5],
            actions: vec![0.0; 5],
            rewards: vec![1.0, 2.0, 3.0, -1.0, -1.0],
            episode_lengths: vec![3, 2],
            terminated: vec![true, false],
        };
        assert_eq!(batch.episode_returns(), vec![6.0, -2.0]);
        assert_eq!(batch.mean_return(), 2.0);
    }
}
