//! `curves.png`: every learner's mean curve with its ± one standard deviation band.

use anyhow::Result;
use plotters::prelude::*;

use super::aggregate::LearnerCurve;
use crate::adapt::Method;
use crate::figure::{self, Axes, Drawn};

/// Renders the curves (validation return after `step` steps against env steps) of `family`.
pub fn render_png(curves: &[LearnerCurve], family: &str, step: usize) -> Result<Vec<u8>> {
    figure::render_png((1000, 640), |area| draw(curves, family, step, area))
}

/// Env steps with an SI suffix (k, M).
fn steps_label(x: &f64) -> String {
    match x.abs() {
        a if a >= 1e6 => format!("{:.1}M", x / 1e6),
        a if a >= 1e3 => format!("{:.0}k", x / 1e3),
        _ => format!("{x:.0}"),
    }
}

fn draw(curves: &[LearnerCurve], family: &str, step: usize, area: &figure::Area) -> Drawn {
    let points = || curves.iter().flat_map(|c| &c.points);
    let last = points().map(|p| p.env_steps).fold(0.0, f64::max).max(1.0);
    let title = format!("{family}: validation return after {step} step(s), mean ± std over seeds");
    let y_desc = format!("return after {step} step(s)");
    let axes = Axes {
        title: &title,
        x_desc: "training env steps",
        y_desc: &y_desc,
        x: 0.0..last * 1.02,
        y: figure::y_range(points().map(|p| (p.mean, p.std))),
        x_ticks: 8,
        x_label: &steps_label,
    };
    let mut chart = figure::chart(area, &axes)?;
    for curve in curves {
        let (r, g, b) = Method::of_algo(curve.algo).color();
        let color = RGBColor(r, g, b);
        let upper = curve.points.iter().map(|p| (p.env_steps, p.mean + p.std));
        let lower = curve
            .points
            .iter()
            .rev()
            .map(|p| (p.env_steps, p.mean - p.std));
        let band: Vec<(f64, f64)> = upper.chain(lower).collect();
        if band.len() > 2 {
            chart.draw_series(std::iter::once(Polygon::new(band, color.mix(0.2).filled())))?;
        }
        let line: Vec<(f64, f64)> = curve.points.iter().map(|p| (p.env_steps, p.mean)).collect();
        let seeds = curve.seeds.len();
        chart
            .draw_series(LineSeries::new(line, color.stroke_width(2)))?
            .label(format!(
                "{} ({seeds} seeds)",
                Method::of_algo(curve.algo).label()
            ))
            .legend(figure::legend_mark(color));
    }
    figure::draw_legend(&mut chart, SeriesLabelPosition::LowerRight)
}
