//! What every chart of `dsim plot` shares, sized for a projector: a
//! 1280×720 canvas, text of 18 px and more, and curve colours that stay
//! apart on a washed-out screen and for colour-blind eyes.

use plotters::style::{RGBAColor, RGBColor};

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
