//! What the PNG figures share (`adapt.png` of `bench adapt`, the learning curves of
//! `metarl plot`): the embedded font, an RGB buffer encoded as PNG, the chart frame and axes,
//! the y range and the legend.

use std::ops::Range;

use anyhow::{anyhow, Result};
use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::{register_font, FontStyle};

/// DejaVu Sans (Bitstream Vera license, `assets/fonts/DejaVuSans-LICENSE.txt`), embedded so the
/// figures need no system fonts.
const FONT: &[u8] = include_bytes!("../assets/fonts/DejaVuSans.ttf");

/// A figure's drawing area.
pub type Area<'b> = DrawingArea<BitMapBackend<'b>, Shift>;

/// A chart with f64 axes on a figure.
pub type Chart<'a, 'b> =
    ChartContext<'a, BitMapBackend<'b>, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// What drawing returns (plotters' errors boxed).
pub type Drawn = std::result::Result<(), Box<dyn std::error::Error>>;

/// A `size` (width, height) figure drawn by `draw` on white, encoded as an RGB PNG.
pub fn render_png(size: (u32, u32), draw: impl FnOnce(&Area) -> Drawn) -> Result<Vec<u8>> {
    register_font("sans-serif", FontStyle::Normal, FONT)
        .map_err(|_| anyhow!("the embedded plot font does not load"))?;
    let (w, h) = size;
    let mut rgb = vec![0u8; w as usize * h as usize * 3];
    {
        let area = BitMapBackend::with_buffer(&mut rgb, size).into_drawing_area();
        let drawn = area
            .fill(&WHITE)
            .map_err(Into::into)
            .and_then(|()| draw(&area));
        drawn
            .and_then(|()| area.present().map_err(Into::into))
            .map_err(|e| anyhow!("cannot draw the plot: {e}"))?;
    }
    let mut png_bytes = Vec::new();
    let mut encoder = png::Encoder::new(&mut png_bytes, w, h);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header()?;
    writer.write_image_data(&rgb)?;
    writer.finish()?;
    Ok(png_bytes)
}

/// The frame of a chart: title, axis ranges and descriptions, and how x ticks are labelled.
pub struct Axes<'f> {
    /// Caption above the chart.
    pub title: &'f str,
    /// Description of the x axis.
    pub x_desc: &'f str,
    /// Description of the y axis.
    pub y_desc: &'f str,
    /// x range.
    pub x: Range<f64>,
    /// y range (see [`y_range`]).
    pub y: Range<f64>,
    /// How many x ticks to aim for.
    pub x_ticks: usize,
    /// The label of an x tick (empty: no label).
    pub x_label: &'f dyn Fn(&f64) -> String,
}

/// A chart on `area` with the frame, mesh and tick labels of `axes` drawn (y ticks with enough
/// decimals to tell ~10 of them apart).
pub fn chart<'a, 'b>(
    area: &'a Area<'b>,
    axes: &Axes,
) -> std::result::Result<Chart<'a, 'b>, Box<dyn std::error::Error>> {
    let mut chart = ChartBuilder::on(area)
        .caption(axes.title, ("sans-serif", 24))
        .margin(18)
        .x_label_area_size(50)
        .y_label_area_size(70)
        .build_cartesian_2d(axes.x.clone(), axes.y.clone())?;
    let decimals = (-((axes.y.end - axes.y.start) / 10.0).log10())
        .ceil()
        .clamp(0.0, 6.0) as usize;
    chart
        .configure_mesh()
        .x_desc(axes.x_desc)
        .y_desc(axes.y_desc)
        .x_labels(axes.x_ticks)
        .x_label_formatter(axes.x_label)
        .y_label_formatter(&|y| format!("{y:.decimals$}"))
        .label_style(("sans-serif", 16))
        .axis_desc_style(("sans-serif", 18))
        .light_line_style(WHITE.mix(0.0))
        .draw()?;
    Ok(chart)
}

/// The y range covering every finite `(value, error)` as value ± error, with a 5% margin
/// (`-1..1` if there is none).
pub fn y_range(points: impl IntoIterator<Item = (f64, f64)>) -> Range<f64> {
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for (v, e) in points {
        if v.is_finite() && e.is_finite() {
            lo = lo.min(v - e);
            hi = hi.max(v + e);
        }
    }
    if !(lo.is_finite() && hi.is_finite()) {
        return -1.0..1.0;
    }
    let margin = ((hi - lo) * 0.05).max(1e-3);
    (lo - margin)..(hi + margin)
}

/// The legend entry of a series drawn in `color`: a short thick line.
pub fn legend_mark(color: RGBColor) -> impl Fn((i32, i32)) -> PathElement<(i32, i32)> {
    move |(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], color.stroke_width(3))
}

/// Draws the legend of the labelled series at `position`.
pub fn draw_legend<'a, 'b: 'a>(chart: &mut Chart<'a, 'b>, position: SeriesLabelPosition) -> Drawn {
    chart
        .configure_series_labels()
        .label_font(("sans-serif", 16))
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .position(position)
        .draw()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn y_range_covers_the_error_bars_of_finite_points_with_a_margin() {
        let range = y_range([
            (1.0, 0.5),
            (3.0, 0.0),
            (f64::NAN, 1.0),
            (9.0, f64::INFINITY),
        ]);
        assert!((range.start - 0.375).abs() < 1e-12, "{range:?}");
        assert!((range.end - 3.125).abs() < 1e-12, "{range:?}");
        assert_eq!(y_range([(f64::NAN, 0.0)]), -1.0..1.0);
        let flat = y_range([(2.0, 0.0)]);
        assert!(flat.start < 2.0 && flat.end > 2.0, "{flat:?}");
    }

    #[test]
    fn render_png_encodes_what_was_drawn_at_the_given_size() {
        let png = render_png((40, 30), |area| {
            area.draw(&Rectangle::new([(0, 0), (10, 10)], RED.filled()))?;
            Ok(())
        })
        .unwrap();
        let decoder = png::Decoder::new(std::io::Cursor::new(png));
        let mut reader = decoder.read_info().unwrap();
        let mut rgb = vec![0; reader.output_buffer_size()];
        let info = reader.next_frame(&mut rgb).unwrap();
        assert_eq!((info.width, info.height), (40, 30));
        assert_eq!(rgb[..3], [255, 0, 0]);
        let last = rgb.len() - 3;
        assert_eq!(rgb[last..], [255, 255, 255]);
    }
}
