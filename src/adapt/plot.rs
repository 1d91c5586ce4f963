//! `adapt.png`: average return against the number of gradient steps, one line per method with
//! standard-error bars (the layout of the MAML paper's Figures 4-5).

use anyhow::{anyhow, Result};
use plotters::prelude::*;
use plotters::style::{register_font, FontStyle};

use super::benchmark::MethodResult;

/// DejaVu Sans (Bitstream Vera license, `assets/fonts/DejaVuSans-LICENSE.txt`), embedded so the
/// plot needs no system fonts.
const FONT: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");

/// Plot size in pixels.
pub const SIZE: (u32, u32) = (900, 560);

/// Renders the curves of `results` as a PNG image titled `title`.
pub fn render_png(results: &[MethodResult], title: &str) -> Result<Vec<u8>> {
    register_font("sans-serif", FontStyle::Normal, FONT)
        .map_err(|_| anyhow!("the embedded plot font does not load"))?;
    let (w, h) = SIZE;
    let mut rgb = vec![0u8; (w * h * 3) as usize];
    draw(results, title, &mut rgb).map_err(|e| anyhow!("cannot draw the plot: {e}"))?;
    let mut png_bytes = Vec::new();
    let mut encoder = png::Encoder::new(&mut png_bytes, w, h);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header()?;
    writer.write_image_data(&rgb)?;
    writer.finish()?;
    Ok(png_bytes)
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

/// The y range covering every plotted mean ± standard error, with a 5% margin.
fn y_range(results: &[MethodResult]) -> (f64, f64) {
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for (_, m, e) in results.iter().flat_map(plotted) {
        if m.is_finite() && e.is_finite() {
            lo = lo.min(m - e);
            hi = hi.max(m + e);
        }
    }
    if !(lo.is_finite() && hi.is_finite()) {
        return (-1.0, 1.0);
    }
    let margin = ((hi - lo) * 0.05).max(1e-3);
    (lo - margin, hi + margin)
}

fn draw(
    results: &[MethodResult],
    title: &str,
    rgb: &mut [u8],
) -> Result<(), Box<dyn std::error::Error>> {
    let root = BitMapBackend::with_buffer(rgb, SIZE).into_drawing_area();
    root.fill(&WHITE)?;
    let steps = results
        .iter()
        .map(|r| r.curve.mean().len())
        .max()
        .unwrap_or(1);
    let last = (steps - 1) as f64;
    let (y_lo, y_hi) = y_range(results);
    // Enough decimals to tell ~10 ticks apart.
    let decimals = (-((y_hi - y_lo) / 10.0).log10()).ceil().clamp(0.0, 6.0) as usize;
    // The x axis runs on past the last step to leave the legend a column of its own.
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 24))
        .margin(18)
        .x_label_area_size(50)
        .y_label_area_size(70)
        .build_cartesian_2d(-0.25f64..(last + 1.5), y_lo..y_hi)?;
    chart
        .configure_mesh()
        .x_desc("number of gradient steps")
        .y_desc("average return")
        .x_labels(steps + 2)
        .x_label_formatter(&|x| {
            let step = x.round();
            if (x - step).abs() < 1e-9 && step >= 0.0 && step <= last {
                format!("{step:.0}")
            } else {
                String::new()
            }
        })
        .y_label_formatter(&|y| format!("{y:.decimals$}"))
        .label_style(("sans-serif", 16))
        .axis_desc_style(("sans-serif", 18))
        .light_line_style(WHITE.mix(0.0))
        .draw()?;
    for r in results {
        let (red, green, blue) = r.method.color();
        let color = RGBColor(red, green, blue);
        let points = plotted(r);
        let line: Vec<(f64, f64)> = points.iter().map(|&(x, m, _)| (x, m)).collect();
        let legend = move |(x, y): (i32, i32)| {
            PathElement::new(vec![(x, y), (x + 24, y)], color.stroke_width(3))
        };
        if r.method.adapts() {
            chart
                .draw_series(LineSeries::new(line.clone(), color.stroke_width(3)))?
                .label(r.method.label())
                .legend(legend);
        } else {
            let level = line[0].1;
            let dashes =
                DashedLineSeries::new([(0.0, level), (last, level)], 10, 6, color.stroke_width(3));
            chart
                .draw_series(dashes)?
                .label(format!("{} (no adaptation)", r.method.label()))
                .legend(legend);
        }
        chart.draw_series(points.iter().map(|&(x, m, e)| {
            ErrorBar::new_vertical(x, m - e, m, m + e, color.stroke_width(2), 12)
        }))?;
        chart.draw_series(line.iter().map(|&p| Circle::new(p, 5, color.filled())))?;
    }
    chart
        .configure_series_labels()
        .label_font(("sans-serif", 16))
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .position(SeriesLabelPosition::UpperRight)
        .draw()?;
    root.present()?;
    Ok(())
}
