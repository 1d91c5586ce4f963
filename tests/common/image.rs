//! The viewer's pictures as the tests read them: an RGB image from a screenshot PNG or from an X
//! window dump (`xwd`), the viewer's layout and colours, and counts of pixels by colour.

use std::ops::Range;
use std::path::Path;

/// The viewer's layout (src/viewer/scene.rs, view.rs): 1280x720, the origin at the centre, y up;
/// nav2d's arena [-0.5, 0.5]^2 at 500 px per unit; side-view lanes split at the middle row.
pub const WIDTH: usize = 1280;
/// See [`WIDTH`].
pub const HEIGHT: usize = 720;
/// nav2d: pixels per env unit.
pub const NAV_PPU: f64 = 500.0;
/// Columns clear of the HUD (left, <= 406 px) and the legend (right, >= 934 px).
pub const SCENE_COLUMNS: Range<usize> = 410..920;
/// sRGB colours of src/viewer/scene.rs: the goal marker.
pub const GOAL: [u8; 3] = [255, 214, 0];
/// Trails and bodies before adaptation.
pub const PRE: [u8; 3] = [107, 117, 140];
/// Trails and bodies after 1, 2 and 3 adaptation steps.
pub const POST: [[u8; 3]; 3] = [[255, 77, 140], [51, 191, 255], [102, 255, 89]];

/// The window pixel of nav2d's env point `p` (x right, y up; the arena centred).
pub fn nav_pixel(p: [f64; 2]) -> (usize, usize) {
    (
        (WIDTH as f64 / 2.0 + p[0] * NAV_PPU).round() as usize,
        (HEIGHT as f64 / 2.0 - p[1] * NAV_PPU).round() as usize,
    )
}

/// The env point of nav2d's window pixel (the inverse of [`nav_pixel`]).
pub fn nav_point(x: f64, y: f64) -> [f64; 2] {
    [
        (x - WIDTH as f64 / 2.0) / NAV_PPU,
        (HEIGHT as f64 / 2.0 - y) / NAV_PPU,
    ]
}

/// Every channel of `a` within `tol` of `b`'s.
pub fn close(a: [u8; 3], b: [u8; 3], tol: i32) -> bool {
    a.iter()
        .zip(b)
        .all(|(&x, y)| (i32::from(x) - i32::from(y)).abs() <= tol)
}

/// An 8-bit RGB image, rows top to bottom.
pub struct Rgb {
    /// Width (px).
    pub width: usize,
    /// Height (px).
    pub height: usize,
    /// `3 * width * height` bytes.
    pub data: Vec<u8>,
}

impl Rgb {
    /// A viewer screenshot (an RGB PNG of [`WIDTH`] x [`HEIGHT`]).
    pub fn load_png(path: &Path) -> Rgb {
        let decoder = png::Decoder::new(std::fs::File::open(path).unwrap());
        let mut reader = decoder.read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size()];
        let info = reader.next_frame(&mut buf).unwrap();
        assert_eq!((info.width as usize, info.height as usize), (WIDTH, HEIGHT));
        assert_eq!(info.color_type, png::ColorType::Rgb);
        buf.truncate(info.buffer_size());
        Rgb {
            width: WIDTH,
            height: HEIGHT,
            data: buf,
        }
    }

    /// An X window dump (`xwd` output): a ZPixmap of 24 or 32 bits per pixel with 8-bit
    /// channel masks, either byte order.
    pub fn from_xwd(bytes: &[u8]) -> Result<Rgb, String> {
        let field = |i: usize| -> Result<u32, String> {
            let b = bytes.get(4 * i..4 * i + 4).ok_or("xwd: short header")?;
            Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
        };
        let header_size = field(0)? as usize;
        let (format, width, height) = (field(2)?, field(4)? as usize, field(5)? as usize);
        let (byte_order, bits_per_pixel, bytes_per_line) =
            (field(7)?, field(11)? as usize, field(12)? as usize);
        let masks = [field(14)?, field(15)?, field(16)?];
        let colors = field(19)? as usize;
        if format != 2 || !(bits_per_pixel == 24 || bits_per_pixel == 32) {
            return Err(format!(
                "xwd: format {format} with {bits_per_pixel} bits per pixel is not a ZPixmap of 24/32"
            ));
        }
        let start = header_size + 12 * colors;
        let pixels = bytes
            .get(start..start + bytes_per_line * height)
            .ok_or("xwd: short pixel data")?;
        let step = bits_per_pixel / 8;
        let mut data = Vec::with_capacity(3 * width * height);
        for row in pixels.chunks_exact(bytes_per_line) {
            for px in row[..width * step].chunks_exact(step) {
                let mut word = [0u8; 4];
                word[..step].copy_from_slice(px);
                let value = if byte_order == 0 {
                    u32::from_le_bytes(word)
                } else {
                    u32::from_be_bytes(word) >> (8 * (4 - step))
                };
                data.extend(masks.map(|mask| ((value & mask) >> mask.trailing_zeros()) as u8));
            }
        }
        Ok(Rgb {
            width,
            height,
            data,
        })
    }

    /// The pixel at column `x`, row `y`.
    pub fn pixel(&self, x: usize, y: usize) -> [u8; 3] {
        let i = 3 * (y * self.width + x);
        [self.data[i], self.data[i + 1], self.data[i + 2]]
    }

    /// Pixels close to `color` in rows `rows` of the scene's columns (the HUD is on the left,
    /// the legend, with a swatch of every colour, on the right).
    pub fn count(&self, color: [u8; 3], rows: Range<usize>) -> usize {
        self.scene_pixels(rows)
            .filter(|&(x, y)| close(self.pixel(x, y), color, 6))
            .count()
    }

    /// Pixels close to `color` within `radius` px of (`x`, `y`).
    pub fn count_near(&self, color: [u8; 3], (x, y): (usize, usize), radius: usize) -> usize {
        let (x0, y0) = (x.saturating_sub(radius), y.saturating_sub(radius));
        let (x1, y1) = (
            (x + radius).min(self.width - 1),
            (y + radius).min(self.height - 1),
        );
        (y0..=y1)
            .flat_map(|py| (x0..=x1).map(move |px| (px, py)))
            .filter(|&(px, py)| px.abs_diff(x).pow(2) + py.abs_diff(y).pow(2) <= radius.pow(2))
            .filter(|&(px, py)| close(self.pixel(px, py), color, 6))
            .count()
    }

    /// The centroid of the pixels close to `color` in the scene's columns, if any.
    pub fn centroid(&self, color: [u8; 3]) -> Option<(f64, f64)> {
        let hits: Vec<(usize, usize)> = self
            .scene_pixels(0..self.height)
            .filter(|&(x, y)| close(self.pixel(x, y), color, 6))
            .collect();
        let n = hits.len() as f64;
        (!hits.is_empty()).then(|| {
            let sx: usize = hits.iter().map(|h| h.0).sum();
            let sy: usize = hits.iter().map(|h| h.1).sum();
            (sx as f64 / n, sy as f64 / n)
        })
    }

    /// The scene's pixels (columns [`SCENE_COLUMNS`], every row) whose colour is one of
    /// `colors`, as a sorted list of positions.
    pub fn positions_of(&self, colors: &[[u8; 3]]) -> Vec<(usize, usize)> {
        let mut hits: Vec<(usize, usize)> = self
            .scene_pixels(0..self.height)
            .filter(|&(x, y)| colors.iter().any(|c| close(self.pixel(x, y), *c, 6)))
            .collect();
        hits.sort_unstable();
        hits
    }

    /// Number of distinct colours (a blank image has one).
    pub fn distinct_colors(&self) -> usize {
        let mut seen: Vec<[u8; 3]> = self
            .data
            .chunks_exact(3)
            .map(|c| [c[0], c[1], c[2]])
            .collect();
        seen.sort_unstable();
        seen.dedup();
        seen.len()
    }

    fn scene_pixels(&self, rows: Range<usize>) -> impl Iterator<Item = (usize, usize)> {
        let columns = SCENE_COLUMNS.start..SCENE_COLUMNS.end.min(self.width);
        rows.flat_map(move |y| columns.clone().map(move |x| (x, y)))
    }
}
