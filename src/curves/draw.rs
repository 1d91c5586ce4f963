//! Drawing learning curves: one coloured line per run against the iteration, with error bars
//! where the points have them.

use anyhow::Result;
use plotters::prelude::*;

use super::runs::Curve;
use crate::figure::{self, Axes, Drawn};

/// Line colours of the runs in order (matplotlib's "tab10"), repeated after ten runs.
const PALETTE: [(u8, u8, u8); 10] = [
    (31, 119, 180),
    (255, 127, 14),
    (44, 160, 44),
    (214, 39, 40),
    (148, 103, 189),
    (140, 86, 75),
    (227, 119, 194),
    (127, 127, 127),
    (188, 189, 34),
    (23, 190, 207),
];

/// Curves with at most this many points also get a marker on every point.
const MARKED: usize = 50;

/// Renders `curves` (of the metric described by `y_desc`) as a `size` PNG image.
pub fn render_png(curves: &[Curve], y_desc: &str, size: (u32, u32)) -> Result<Vec<u8>> {
    figure::render_png(size, |area| draw(curves, y_desc, area))
}

fn draw(curves: &[Curve], y_desc: &str, area: &figure::Area) -> Drawn {
    let points = || curves.iter().flat_map(|c| &c.points);
    let last = points().map(|p| p.iteration).fold(0.0, f64::max);
    let pad = last.max(1.0) * 0.02;
    let integer = |x: &f64| {
        let i = x.round();
        if (x - i).abs() < 1e-9 && i >= 0.0 {
            format!("{i:.0}")
        } else {
            String::new()
        }
    };
    let title = format!("learning curves: {y_desc}");
    let axes = Axes {
        title: &title,
        x_desc: "iteration",
        y_desc,
        x: -pad..(last + pad),
        y: figure::y_range(points().map(|p| (p.value, p.stderr.unwrap_or(0.0)))),
        x_ticks: (last as usize + 1).min(10),
        x_label: &integer,
    };
    let mut chart = figure::chart(area, &axes)?;
    for (curve, &(red, green, blue)) in curves.iter().zip(PALETTE.iter().cycle()) {
        let color = RGBColor(red, green, blue);
        let line: Vec<(f64, f64)> = curve
            .points
            .iter()
            .map(|p| (p.iteration, p.value))
            .collect();
        chart
            .draw_series(LineSeries::new(line.clone(), color.stroke_width(2)))?
            .label(curve.name.as_str())
            .legend(figure::legend_mark(color));
        let bars = curve.points.iter().filter_map(|p| {
            let e = p.stderr?;
            let (x, m) = (p.iteration, p.value);
            Some(ErrorBar::new_vertical(
                x,
                m - e,
                m,
                m + e,
                color.stroke_width(2),
                10,
            ))
        });
        chart.draw_series(bars)?;
        let marked =
            curve.points.len() <= MARKED || curve.points.iter().any(|p| p.stderr.is_some());
        if marked {
            chart.draw_series(line.iter().map(|&p| Circle::new(p, 4, color.filled())))?;
        }
    }
    figure::draw_legend(&mut chart, SeriesLabelPosition::LowerRight)
}
