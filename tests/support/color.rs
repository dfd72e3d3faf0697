//! How far apart two colours look: CIELAB (D65) of an sRGB colour, and
//! the CIE76 ΔE between two (their distance in CIELAB; about 2.3 is just
//! noticeable, 10 plainly different).
//!
//! One copy, the measuring instrument of every colour test: the browser
//! tests measure the colours Chromium draws with it, and the unit tests
//! of `src/render/palette.rs` and `labels.rs` include this file
//! (`#[path]`) to measure the palette. It lives here, outside the code
//! under test, so that no test measures repoflame's colours with
//! repoflame's own maths; it is checked by reference values in
//! `palette.rs` (black to white is 100).

/// CIELAB (D65) of the sRGB colour `(r, g, b)`: `[L*, a*, b*]`.
pub(crate) fn lab((r, g, b): (u8, u8, u8)) -> [f64; 3] {
    let linear = |c: u8| {
        let c = f64::from(c) / 255.0;
        if c <= 0.040_45 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    let (r, g, b) = (linear(r), linear(g), linear(b));
    let x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.950_47;
    let y = 0.2126 * r + 0.7152 * g + 0.0722 * b;
    let z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.088_83;
    let f = |t: f64| {
        if t > 216.0 / 24389.0 {
            t.cbrt()
        } else {
            (24389.0 / 27.0 * t + 16.0) / 116.0
        }
    };
    [
        116.0 * f(y) - 16.0,
        500.0 * (f(x) - f(y)),
        200.0 * (f(y) - f(z)),
    ]
}

/// The CIE76 colour difference of two sRGB colours.
pub(crate) fn delta_e(a: (u8, u8, u8), b: (u8, u8, u8)) -> f64 {
    let (a, b) = (lab(a), lab(b));
    ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2) + (a[2] - b[2]).powi(2)).sqrt()
}
