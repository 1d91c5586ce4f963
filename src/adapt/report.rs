//! `adapt.csv` (every number) and `adapt.md` (the paper-style table with the paper's numbers).

use std::fmt::Write;

use super::benchmark::{AdaptCheckpoint, Evaluation, MethodResult};

/// One row per method and step: `method,step,mean,stderr,task_0,…,task_{n-1}`, where `task_i`
/// is task i's mean episode return after `step` adaptation steps. Numbers are printed with
/// Rust's shortest round-trip formatting, so equal runs give byte-identical files.
pub fn csv(results: &[MethodResult]) -> String {
    let tasks = results.first().map_or(0, |r| r.curve.returns.len());
    let mut out = String::from("method,step,mean,stderr");
    for i in 0..tasks {
        let _ = write!(out, ",task_{i}");
    }
    out.push('\n');
    for r in results {
        let (mean, stderr) = (r.curve.mean(), r.curve.stderr());
        for step in 0..mean.len() {
            let _ = write!(
                out,
                "{},{step},{},{}",
                r.method.name(),
                mean[step],
                stderr[step]
            );
            for task in &r.curve.returns {
                let _ = write!(out, ",{}", task[step]);
            }
            out.push('\n');
        }
    }
    out
}

/// The comparison as a markdown table like the paper's Tables 4-5: mean ± standard error over
/// tasks after 0..N steps for every method, the paper's numbers (MuJoCo for the cheetah) below
/// ours, and where each method's parameters came from.
pub fn markdown(results: &[MethodResult], evaluation: &Evaluation) -> String {
    let p = &evaluation.protocol;
    let steps = p.steps + 1;
    let mut out = format!(
        "# Adaptation benchmark: {}\n\n{} held-out tasks (evaluation seed {}); return after 0..{} \
         policy-gradient steps (lr {} then {}, {} episodes per step); mean ± standard error over \
         tasks. Every method meets the same tasks and the same episode seeds. Checkpoints: {}.\n\n\
         | method |",
        evaluation.family,
        p.tasks,
        evaluation.seed,
        p.steps,
        p.first_lr,
        p.later_lr,
        p.episodes,
        match evaluation.checkpoint {
            AdaptCheckpoint::Best =>
                "the best of each run by validation return after the \
                                      validation's adaptation steps (one rule for every method)",
            AdaptCheckpoint::Latest => "the latest of each run (trained to the end)",
        }
    );
    for s in 0..steps {
        let _ = write!(out, " {s} step{} |", if s == 1 { "" } else { "s" });
    }
    out.push_str("\n|---|");
    out.push_str(&"---|".repeat(steps));
    out.push('\n');
    for r in results {
        let (mean, stderr) = (r.curve.mean(), r.curve.stderr());
        let shown = if r.method.adapts() { mean.len() } else { 1 };
        let _ = write!(out, "| {} |", r.method.label());
        for (m, e) in mean.iter().zip(&stderr).take(shown) {
            let _ = write!(out, " {m:.2} ± {e:.2} |");
        }
        out.push_str(&" |".repeat(mean.len() - shown));
        out.push('\n');
    }
    let family = evaluation.family.as_str();
    let mut paper_rows = String::new();
    for r in results {
        if let Some(paper) = r.method.paper_returns(family) {
            let _ = write!(paper_rows, "| {} (paper) |", r.method.label());
            for s in 0..steps {
                match paper.get(s) {
                    Some(v) => {
                        let _ = write!(paper_rows, " {v:.2} |");
                    }
                    None => paper_rows.push_str(" |"),
                }
            }
            paper_rows.push('\n');
        }
    }
    if !paper_rows.is_empty() {
        out.push_str(&paper_rows);
        if family.starts_with("cheetah") {
            out.push_str(
                "\nThe paper's cheetah ran on MuJoCo with horizon 200; this one is Rapier: raw \
                 returns differ, the ordering and the gap to the oracle compare.\n",
            );
        }
    }
    if results.iter().any(|r| !r.method.adapts()) {
        out.push_str(
            "\nThe oracle observes the task parameter; as in the paper it is shown without \
             adaptation (its fine-tuned returns are in the csv).\n",
        );
    }
    out.push_str("\nSources:\n\n");
    for r in results {
        let _ = writeln!(
            out,
            "- {} (env `{}`): {}",
            r.method.label(),
            r.env,
            r.source
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use metarl_agents::evaluation::AdaptationCurve;
    use metarl_agents::maml::AdvantageSettings;

    use super::*;
    use crate::adapt::method::Method;
    use metarl_agents::evaluation::EvalProtocol;

    fn result(method: Method, returns: Vec<Vec<f64>>) -> MethodResult {
        MethodResult {
            method,
            env: "nav2d".into(),
            source: "test".into(),
            curve: AdaptationCurve { returns },
        }
    }

    fn evaluation(tasks: usize, steps: usize) -> Evaluation {
        Evaluation {
            family: "nav2d".into(),
            protocol: EvalProtocol {
                tasks,
                steps,
                episodes: 40,
                first_lr: 0.1,
                later_lr: 0.05,
                advantages: AdvantageSettings {
                    gamma: 0.99,
                    gae_lambda: 1.0,
                    normalize: true,
                },
                first_step_rates: None,
            },
            seed: 7,
            workers: 1,
            checkpoint: AdaptCheckpoint::Best,
        }
    }

    #[test]
    fn csv_has_a_row_per_method_and_step_with_every_task() {
        let results = [
            result(Method::Maml, vec![vec![-40.0, -10.5], vec![-30.0, -3.0]]),
            result(Method::Random, vec![vec![-80.0, -60.0], vec![-70.0, -50.0]]),
        ];
        assert_eq!(
            csv(&results),
            "method,step,mean,stderr,task_0,task_1\n\
             maml,0,-35,5,-40,-30\n\
             maml,1,-6.75,3.75,-10.5,-3\n\
             random,0,-75,5,-80,-70\n\
             random,1,-55,5,-60,-50\n"
        );
    }

    #[test]
    fn markdown_puts_the_papers_numbers_under_ours() {
        let results = [
            result(Method::Maml, vec![vec![-40.0, -10.5], vec![-30.0, -3.0]]),
            result(Method::Oracle, vec![vec![-2.0, -2.5], vec![-3.0, -2.5]]),
        ];
        let md = markdown(&results, &evaluation(2, 1));
        assert!(md.contains("| method | 0 steps | 1 step |"), "{md}");
        assert!(
            md.contains("| MAML | -35.00 ± 5.00 | -6.75 ± 3.75 |"),
            "{md}"
        );
        assert!(md.contains("| MAML (paper) | -40.41 | -11.68 |"), "{md}");
        assert!(md.contains("| oracle (paper) | -2.29 | |"), "{md}");
        assert!(md.contains("| oracle | -2.50 ± 0.50 | |\n"), "{md}");
        assert!(md.contains("- oracle (env `nav2d`): test"), "{md}");
    }
}
