//! Screenshot mode: after N frames, capture the offscreen target image, write it as a PNG
//! (with the `png` crate) and exit; a failed capture or write exits with an error.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use bevy::prelude::*;
use bevy::render::view::screenshot::{Screenshot, ScreenshotCaptured};

/// What to capture.
#[derive(Resource, Clone)]
pub struct ScreenshotPlan {
    /// Output PNG.
    pub path: PathBuf,
    /// Frames rendered before the capture.
    pub frames: u32,
    /// The offscreen image the cameras render into.
    pub image: Handle<Image>,
}

/// Outcome of the capture, filled in by the observer (`None` while waiting).
#[derive(Resource, Clone, Default)]
pub struct ScreenshotOutcome(pub Arc<Mutex<Option<Result<(), String>>>>);

/// Frames to wait for the capture after requesting it before giving up.
const CAPTURE_TIMEOUT_FRAMES: u32 = 600;

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<ScreenshotOutcome>()
        .add_systems(Last, (capture, finish).chain());
}

fn capture(
    mut commands: Commands,
    plan: Res<ScreenshotPlan>,
    outcome: Res<ScreenshotOutcome>,
    mut frame: Local<u32>,
    mut exit: MessageWriter<AppExit>,
) {
    *frame += 1;
    if *frame == plan.frames.max(1) {
        let path = plan.path.clone();
        let slot = outcome.0.clone();
        commands
            .spawn(Screenshot::image(plan.image.clone()))
            .observe(move |captured: On<ScreenshotCaptured>| {
                let result = write_png(&captured.image, &path);
                *slot.lock().unwrap_or_else(|p| p.into_inner()) = Some(result);
            });
    }
    if *frame > plan.frames.max(1) + CAPTURE_TIMEOUT_FRAMES {
        error!("the screenshot was not captured");
        exit.write(AppExit::error());
    }
}

fn finish(outcome: Res<ScreenshotOutcome>, mut exit: MessageWriter<AppExit>) {
    let done = outcome.0.lock().unwrap_or_else(|p| p.into_inner()).clone();
    match done {
        None => {}
        Some(Ok(())) => {
            exit.write(AppExit::Success);
        }
        Some(Err(e)) => {
            error!("{e}");
            exit.write(AppExit::error());
        }
    }
}

/// Writes an 8-bit RGBA or BGRA image as an RGB PNG.
fn write_png(image: &Image, path: &std::path::Path) -> Result<(), String> {
    use bevy::render::render_resource::TextureFormat;
    let (w, h) = (image.width(), image.height());
    let data = image
        .data
        .as_ref()
        .ok_or_else(|| "the captured image has no data".to_string())?;
    let bgra = match image.texture_descriptor.format {
        TextureFormat::Rgba8UnormSrgb | TextureFormat::Rgba8Unorm => false,
        TextureFormat::Bgra8UnormSrgb | TextureFormat::Bgra8Unorm => true,
        other => return Err(format!("unsupported screenshot format {other:?}")),
    };
    let mut rgb = Vec::with_capacity((w * h * 3) as usize);
    for px in data.chunks_exact(4) {
        if bgra {
            rgb.extend([px[2], px[1], px[0]]);
        } else {
            rgb.extend([px[0], px[1], px[2]]);
        }
    }
    let file = std::fs::File::create(path)
        .map_err(|e| format!("cannot write screenshot {}: {e}", path.display()))?;
    let mut encoder = png::Encoder::new(std::io::BufWriter::new(file), w, h);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    encoder
        .write_header()
        .and_then(|mut writer| writer.write_image_data(&rgb))
        .map_err(|e| format!("cannot write screenshot {}: {e}", path.display()))
}
