//! `metarl plot`.

use anyhow::Result;
use metarl::curves::{plot, PlotSettings};

use super::PlotArgs;

/// Runs `metarl plot`: the learning curves of the runs into one PNG.
pub fn run(args: &PlotArgs) -> Result<()> {
    let mut settings = PlotSettings::new(args.runs.clone());
    settings.metric = args
        .metric
        .parse()
        .map_err(|e| anyhow::anyhow!("--metric: {e}"))?;
    if let Some(out) = &args.out {
        settings.out = out.clone();
    }
    plot(&settings)?;
    println!("wrote {}", settings.out.display());
    Ok(())
}
