//! `metarl eval`.

use anyhow::{bail, Result};
use metarl::{evaluate, EvalOptions, TrainedPolicy, Which};

use super::EvalArgs;

/// Runs `metarl eval`: the adaptation table of one checkpoint of a run.
pub fn run(args: &EvalArgs) -> Result<()> {
    if args.tasks == 0 {
        bail!("--tasks must be >= 1");
    }
    let which: Which = args
        .checkpoint
        .parse()
        .map_err(|e| anyhow::anyhow!("--checkpoint: {e}"))?;
    let policy = TrainedPolicy::load(&args.run_dir, &which)?;
    let options = EvalOptions {
        tasks: args.tasks,
        steps: args.steps,
        seed: args.seed,
        workers: args.workers,
    };
    let report = evaluate(&policy, &options)?;
    if args.json {
        println!("{}", serde_json::to_string(&report)?);
    } else {
        print!("{}", report.table(policy.checkpoint.iteration));
    }
    Ok(())
}
