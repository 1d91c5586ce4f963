//! Train MAML-TRPO on 2D navigation from your own code, then evaluate the best checkpoint with
//! the MAML paper's protocol.
//!
//! ```text
//! cargo run --release --example train_nav2d [-- ITERATIONS [RUN_DIR]]
//! ```

use metarl::{evaluate, Config, EvalOptions, Trainer};

fn main() -> Result<(), metarl::Error> {
    let mut args = std::env::args().skip(1);
    let iterations = args.next().and_then(|n| n.parse().ok()).unwrap_or(50);
    let dir = args.next().unwrap_or_else(|| "runs/example-nav2d".into());

    let config = Config::for_env("nav2d")?.with_iterations(iterations);
    // Continue the run if the directory already holds one.
    let mut trainer = if std::path::Path::new(&dir).join("config.toml").exists() {
        Trainer::resume(&dir)?
    } else {
        Trainer::create(config, &dir)?
    };
    while let Some(step) = trainer.step()? {
        let m = &step.metrics;
        let validation = step.validation.as_ref().map(|v| v.mean[v.mean.len() - 1]);
        println!(
            "iteration {:>4}  return before {:>8.2}  after {:>8.2}  validation {}",
            m.iteration,
            m.return_pre,
            m.return_post,
            validation.map_or_else(|| "-".into(), |v| format!("{v:.2}"))
        );
    }

    let report = evaluate(&trainer.best_checkpoint()?, &EvalOptions::paper(40, 3))?;
    for (steps, (mean, stderr)) in report.mean.iter().zip(&report.stderr).enumerate() {
        println!("after {steps} adaptation steps: {mean:.2} ± {stderr:.2}");
    }
    Ok(())
}
