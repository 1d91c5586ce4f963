//! `metarl eval`.

use anyhow::{bail, Result};
use metarl::agents::{Solo, TaskTeam};
use metarl::eval::evaluate_curve_in;
use metarl::{EvalOptions, EvalReport, TrainedPolicy, Which};

use super::distributed;
use super::EvalArgs;

/// Runs `metarl eval`: the adaptation table of one checkpoint of a run. Under mpirun every
/// rank adapts its share of the held-out tasks; rank 0 loads the policy, sends it to the others
/// and prints the table.
pub fn run(args: &EvalArgs) -> Result<()> {
    match distributed::join()? {
        None => evaluate(args, &Solo),
        Some(job) => job.finish(evaluate(args, job.team().as_ref())),
    }
}

/// Evaluates with the tasks shared among `team` (checked arguments and the policy come from
/// rank 0, so every rank fails or goes on together).
fn evaluate(args: &EvalArgs, team: &dyn TaskTeam) -> Result<()> {
    let policy = if team.rank() == 0 {
        let loaded = check(args).and_then(|which| Ok(TrainedPolicy::load(&args.run_dir, &which)?));
        distributed::send_from_rank_zero(team, loaded, |p| Ok(p.to_bytes()?))?
    } else {
        TrainedPolicy::from_bytes(&distributed::receive_from_rank_zero(team)?)?
    };
    let options = EvalOptions {
        tasks: args.tasks,
        steps: args.steps,
        seed: args.seed,
        workers: args.workers,
    };
    let curve = evaluate_curve_in(team, &policy, &options)?;
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

/// The checkpoint `--checkpoint` names, after checking the arguments.
fn check(args: &EvalArgs) -> Result<Which> {
    if args.tasks == 0 {
        bail!("--tasks must be >= 1");
    }
    args.checkpoint
        .parse()
        .map_err(|e| anyhow::anyhow!("--checkpoint: {e}"))
}
