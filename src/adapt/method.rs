//! The methods of the adaptation benchmark and the MAML paper's numbers for them.

use crate::config::Algo;

/// A policy initialization compared by the benchmark (Finn et al. 2017, §5.3: each is adapted
/// with the same policy-gradient steps on the same held-out tasks).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Method {
    /// The MAML-TRPO meta-learned initialization.
    Maml,
    /// ProMP's meta-learned initialization.
    Promp,
    /// E-MAML's meta-learned initialization.
    Emaml,
    /// Meta-SGD's meta-learned initialization and first-step rates.
    MetaSgd,
    /// Reptile's meta-learned initialization.
    Reptile,
    /// One TRPO policy trained on the task distribution, fine-tuned at test time.
    Pretrained,
    /// A freshly initialized policy (MAML's own initial parameters), fine-tuned the same way.
    Random,
    /// A TRPO policy that observes the task parameter.
    Oracle,
}

impl Method {
    /// Every method, in the order of the paper's tables.
    pub const ALL: [Method; 8] = [
        Method::Maml,
        Method::Promp,
        Method::Emaml,
        Method::MetaSgd,
        Method::Reptile,
        Method::Pretrained,
        Method::Random,
        Method::Oracle,
    ];

    /// Lower-case name, as in `adapt.csv`.
    pub fn name(self) -> &'static str {
        match self {
            Method::Maml => "maml",
            Method::Promp => "promp",
            Method::Emaml => "emaml",
            Method::MetaSgd => "metasgd",
            Method::Reptile => "reptile",
            Method::Pretrained => "pretrained",
            Method::Random => "random",
            Method::Oracle => "oracle",
        }
    }

    /// Display label, as in the paper's tables and figures.
    pub fn label(self) -> &'static str {
        match self {
            Method::Maml => "MAML",
            Method::Promp => "ProMP",
            Method::Emaml => "E-MAML",
            Method::MetaSgd => "Meta-SGD",
            Method::Reptile => "Reptile",
            Method::Pretrained => "pretrained",
            Method::Random => "random",
            Method::Oracle => "oracle",
        }
    }

    /// Whether the method is compared after adaptation: all but the oracle, which observes the
    /// task and which the paper reports without adaptation (its fine-tuned returns are still in
    /// `adapt.csv`).
    pub fn adapts(self) -> bool {
        self != Method::Oracle
    }

    /// The method a training algorithm produces.
    pub fn of_algo(algo: Algo) -> Method {
        match algo {
            Algo::Maml => Method::Maml,
            Algo::Promp => Method::Promp,
            Algo::Emaml => Method::Emaml,
            Algo::MetaSgd => Method::MetaSgd,
            Algo::Reptile => Method::Reptile,
            Algo::Pretrained => Method::Pretrained,
            Algo::Oracle => Method::Oracle,
        }
    }

    /// Plot colour (RGB).
    pub fn color(self) -> (u8, u8, u8) {
        match self {
            Method::Maml => (31, 119, 180),
            Method::Promp => (214, 39, 40),
            Method::Emaml => (148, 103, 189),
            Method::MetaSgd => (227, 119, 194),
            Method::Reptile => (140, 86, 75),
            Method::Pretrained => (255, 127, 14),
            Method::Random => (127, 127, 127),
            Method::Oracle => (44, 160, 44),
        }
    }

    /// The MAML paper's mean returns after 0, 1, 2, 3 gradient steps on 40 test tasks of
    /// `family`, recomputed from the result files published with the paper's code (the paper
    /// plots them, Figures 4-5). The oracle is reported without adaptation only. `None` where
    /// the paper has no number.
    pub fn paper_returns(self, family: &str) -> Option<&'static [f64]> {
        let table: &[f64] = match (family, self) {
            ("nav2d", Method::Maml) => &[-40.41, -11.68, -3.33, -3.23],
            ("nav2d", Method::Pretrained) => &[-40.81, -19.73, -11.72, -8.47],
            ("nav2d", Method::Random) => &[-82.66, -57.96, -53.84, -46.81],
            ("nav2d", Method::Oracle) => &[-2.29],
            ("cheetah-vel", Method::Maml) => &[-129.53, -78.57, -66.62, -60.78],
            ("cheetah-vel", Method::Pretrained) => &[-158.00, -135.39, -128.47, -133.61],
            ("cheetah-vel", Method::Random) => &[-254.83, -254.33, -246.79, -230.83],
            ("cheetah-vel", Method::Oracle) => &[-54.47],
            ("cheetah-dir", Method::Maml) => &[-50.69, 293.19, 313.48, 315.65],
            ("cheetah-dir", Method::Pretrained) => &[-43.03, -24.75, -12.85, 19.57],
            ("cheetah-dir", Method::Random) => &[-35.73, 21.83, 62.32, 86.18],
            ("cheetah-dir", Method::Oracle) => &[442.69],
            _ => return None,
        };
        Some(table)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_algorithm_is_a_distinct_method_and_random_needs_none() {
        let methods: Vec<Method> = Algo::ALL.into_iter().map(Method::of_algo).collect();
        assert_eq!(
            methods,
            vec![
                Method::Maml,
                Method::Promp,
                Method::Emaml,
                Method::MetaSgd,
                Method::Reptile,
                Method::Pretrained,
                Method::Oracle
            ]
        );
        assert!(!methods.contains(&Method::Random));
    }

    #[test]
    fn paper_numbers_cover_every_method_of_the_three_families() {
        for family in ["nav2d", "cheetah-vel", "cheetah-dir"] {
            let paper = [
                Method::Maml,
                Method::Pretrained,
                Method::Random,
                Method::Oracle,
            ];
            for method in paper {
                let n = method.paper_returns(family).unwrap().len();
                assert_eq!(n, if method == Method::Oracle { 1 } else { 4 });
            }
        }
        assert_eq!(Method::Maml.paper_returns("nav2d-walls"), None);
    }
}
