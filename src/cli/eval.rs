//! `metarl eval`.

use anyhow::{bail, Result};
use metarl::eval::evaluate_curve_in;
use metarl::{EvalOptions, EvalReport, TrainedPolicy, Which};

use super::distributed;
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
    let options = EvalOptions {
        tasks: args.tasks,
        steps: args.steps,
        seed: args.seed,
        workers: args.workers,
    };
    // Under mpirun every rank adapts its share of the held-out tasks; rank 0 loads the policy,
    // sends it to the others and prints the table.
    let job = distributed::join()?;
    let team = job.as_ref().map_or_else(
        || std::sync::Arc::new(metarl::agents::Solo) as _,
        |j| j.team(),
    );
    let policy = if team.rank() == 0 {
        let loaded = TrainedPolicy::load(&args.run_dir, &which).map_err(anyhow::Error::from);
        distributed::send_from_rank_zero(team.as_ref(), loaded, |p| Ok(p.to_bytes()?))?
    } else {
        TrainedPolicy::from_bytes(&distributed::receive_from_rank_zero(team.as_ref())?)?
    };
    let curve = evaluate_curve_in(team.as_ref(), &policy, &options)?;
    if team.rank() != 0 {
        return Ok(());
    }
    let report = EvalReport::of_curve(&policy.config.env.name, &curve);
    if args.json {
        println!("{}", serde_json::to_string(&report)?);
    } else {
        print!("{}", report.table(policy.checkpoint.iteration));
    }
    Ok(())
}
