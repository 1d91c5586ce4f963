//! `adapt.png`: average return against the number of gradient steps, one line per method with
//! standard-error bars (the layout of the MAML paper's Figures 4-5).

use anyhow::Result;
use plotters::prelude::*;

use super::benchmark::MethodResult;
use crate::figure::{self, Axes, Drawn};

/// Plot size in pixels.
pub const SIZE: (u32, u32) = (900, 560);

/// Renders the curves of `results` as a PNG image titled `title`.
pub fn render_png(results: &[MethodResult], title: &str) -> Result<Vec<u8>> {
    figure::render_png(SIZE, |area| draw(results, title, area))
}

/// The (step, mean, standard error) points drawn for a method: every step, or step 0 only for
/// a method shown without adaptation (drawn as a level line).
fn plotted(r: &MethodResult) -> Vec<(f64, f64, f64)> {
    let shown = if r.method.adapts() { usize::MAX } else { 1 };
    r.curve
        .mean()
        .into_iter()
        .zip(r.curve.stderr())
        .enumerate()
        .take(shown)
        .map(|(s, (m, e))| (s as f64, m, e))
        .collect()
}

fn draw(results: &[MethodResult], title: &str, area: &figure::Area) -> Drawn {
    let steps = results
        .iter()
        .map(|r| r.curve.mean().len())
        .max()
        .unwrap_or(1);
    let last = (steps - 1) as f64;
    let step_label = |x: &f64| {
        let step = x.round();
        if (x - step).abs() < 1e-9 && step >= 0.0 && step <= last {
            format!("{step:.0}")
        } else {
            String::new()
        }
    };
    // The x axis runs on past the last step to leave the legend a column of its own.
    let axes = Axes {
        title,
        x_desc: "number of gradient steps",
        y_desc: "average return",
        x: -0.25..(last + 1.5),
        y: figure::y_range(results.iter().flat_map(plotted).map(|(_, m, e)| (m, e))),
        x_ticks: steps + 2,
        x_label: &step_label,
    };
    let mut chart = figure::chart(area, &axes)?;
    for r in results {
        let (red, green, blue) = r.method.color();
        let color = RGBColor(red, green, blue);
        let points = plotted(r);
        let line: Vec<(f64, f64)> = points.iter().map(|&(x, m, _)| (x, m)).collect();
        if r.method.adapts() {
            chart
                .draw_series(LineSeries::new(line.clone(), color.stroke_width(3)))?
                .label(r.method.label())
                .legend(figure::legend_mark(color));
        } else {
            let level = line[0].1;
            let dashes =
                DashedLineSeries::new([(0.0, level), (last, level)], 10, 6, color.stroke_width(3));
            chart
                .draw_series(dashes)?
                .label(format!("{} (no adaptation)", r.method.label()))
                .legend(figure::legend_mark(color));
        }
        chart.draw_series(points.iter().map(|&(x, m, e)| {
            ErrorBar::new_vertical(x, m - e, m, m + e, color.stroke_width(2), 12)
        }))?;
        chart.draw_series(line.iter().map(|&p| Circle::new(p, 5, color.filled())))?;
    }
    figure::draw_legend(&mut chart, SeriesLabelPosition::UpperRight)
}
