//! What every chart of `dsim plot` shares, sized for a projector: a
//! 1280×720 canvas, text of 18 px and more, and curve colours that stay
//! apart on a washed-out screen and for colour-blind eyes.

use anyhow::Context;
use plotters::style::{RGBAColor, RGBColor};
use resvg::{tiny_skia, usvg};
use std::path::{Path, PathBuf};

/// Pixels of a chart.
pub const SIZE: (u32, u32) = (1280, 720);
/// Font sizes (px) of the title, the tick labels, the axis names and the legend.
pub const TITLE: u32 = 30;
pub const TICKS: u32 = 18;
pub const AXES: u32 = 20;
pub const LEGEND: u32 = 18;

/// The Okabe–Ito palette (Okabe & Ito, "Color Universal Design", 2008).
const COLOURS: [RGBColor; 8] = [
    RGBColor(0, 114, 178),
    RGBColor(213, 94, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(230, 159, 0),
    RGBColor(86, 180, 233),
    RGBColor(0, 0, 0),
    RGBColor(240, 228, 66),
];

/// The colour of the `i`-th curve.
pub fn colour(i: usize) -> RGBAColor {
    let RGBColor(r, g, b) = COLOURS[i % COLOURS.len()];
    RGBAColor(r, g, b, 1.0)
}

/// Sans-serif families a PNG's text may take, the first installed wins
/// (the SVG names only `sans-serif`, which a viewer resolves itself).
const SANS: [&str; 4] = ["DejaVu Sans", "Liberation Sans", "Arial", "Helvetica"];

/// Writes the chart `svg` as `dir/stem.svg`, or rendered as `dir/stem.png`
/// (for slides and documents that take no SVG); returns the path.
pub fn save(dir: &Path, stem: &str, svg: &str, png: bool) -> anyhow::Result<PathBuf> {
    let path = dir.join(format!("{stem}.{}", if png { "png" } else { "svg" }));
    let written = if png {
        render_png(svg, &path)
    } else {
        std::fs::write(&path, svg).map_err(anyhow::Error::from)
    };
    written.with_context(|| format!("cannot write `{}`", path.display()))?;
    Ok(path)
}

/// Renders `svg` into a PNG file at `path`, with the system's fonts.
fn render_png(svg: &str, path: &Path) -> anyhow::Result<()> {
    let mut options = usvg::Options::default();
    let fonts = options.fontdb_mut();
    fonts.load_system_fonts();
    let installed = SANS.into_iter().find(|name| {
        fonts
            .faces()
            .any(|f| f.families.iter().any(|(family, _)| family == name))
    });
    if let Some(family) = installed {
        fonts.set_sans_serif_family(family);
    }
    let tree = usvg::Tree::from_str(svg, &options)?;
    let size = tree.size().to_int_size();
    let mut pixmap =
        tiny_skia::Pixmap::new(size.width(), size.height()).context("the chart has no size")?;
    resvg::render(&tree, tiny_skia::Transform::default(), &mut pixmap.as_mut());
    pixmap.save_png(path)?;
    Ok(())
}
