//! The training progress bar: iterations done, time, and the last iteration's returns.

use indicatif::{ProgressBar, ProgressStyle};
use metarl::StepReport;

/// A progress bar over a run's iterations.
pub struct TrainBar {
    bar: ProgressBar,
}

impl TrainBar {
    /// A bar for a run of `iterations` iterations, `done` of them already done.
    pub fn new(iterations: u64, done: u64) -> TrainBar {
        let bar = ProgressBar::new(iterations);
        bar.set_position(done.min(iterations));
        bar.set_style(
            ProgressStyle::with_template(
                "{bar:30} {pos}/{len} [{elapsed_precise}<{eta_precise}] {msg}",
            )
            .expect("valid template"),
        );
        TrainBar { bar }
    }

    /// Shows one finished iteration.
    pub fn update(&self, step: &StepReport) {
        let m = &step.metrics;
        let best = step
            .best_score
            .map_or_else(|| "–".to_string(), |b| format!("{b:.2}"));
        self.bar.set_message(format!(
            "pre {:.2} post {:.2} best {best} kl {:.4} {:.2}s/it",
            m.return_pre, m.return_post, m.kl, m.seconds
        ));
        self.bar.set_position(step.done);
    }

    /// Leaves the bar as it is (the run stopped early).
    pub fn abandon(&self) {
        self.bar.abandon();
    }

    /// Completes the bar.
    pub fn finish(&self) {
        self.bar.finish();
    }
}
