//! Language colours.
//!
//! Every file frame is filled with the colour of its language, the same in
//! every repository and every run. Where GitHub linguist has a colour for the
//! language (the dots of GitHub's language bar), that colour is used: the
//! table in [`linguist`], generated from `scripts/linguist-colors.json` and
//! tokei's language list, and checked against both by a test (its
//! documentation says how to update it). Languages linguist has no colour for
//! get one derived from a stable hash of their name ([`language_color`]).
//! Directory frames are a nearly neutral light grey ([`directory_color`])
//! that no language colour comes close to.

use tokei::LanguageType;

mod linguist;

/// An sRGB colour.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Rgb(pub u8, pub u8, pub u8);

/// Relative luminance below which white text has more contrast than black:
/// the two contrast ratios (L + 0.05) / 0.05 and 1.05 / (L + 0.05) are equal at
/// L = sqrt(1.05 * 0.05) - 0.05 ≈ 0.179.
const DARK_LUMINANCE: f64 = 0.179;

impl Rgb {
    /// CSS notation, `#rrggbb` in lower case.
    pub(crate) fn hex(self) -> String {
        String::from_utf8_lossy(&self.hex_bytes()).into_owned()
    }

    /// [`Rgb::hex`] without a string: for the SVG's thirteen thousand
    /// frames.
    pub(crate) fn hex_bytes(self) -> [u8; 7] {
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        let mut out = *b"#000000";
        for (i, c) in [self.0, self.1, self.2].into_iter().enumerate() {
            out[1 + 2 * i] = DIGITS[usize::from(c >> 4)];
            out[2 + 2 * i] = DIGITS[usize::from(c & 15)];
        }
        out
    }

    /// Whether black text is hard to read on this colour, so labels should be
    /// white: its WCAG relative luminance is below the point (≈ 0.179) where
    /// white text has the better contrast ratio.
    pub(crate) fn is_dark(self) -> bool {
        self.relative_luminance() < DARK_LUMINANCE
    }

    /// The colour a little lighter or darker, by `seed`: neighbouring files
    /// of one language stay the same hue but can be told apart without
    /// borders. Five steps from 8% darker to 8% lighter.
    pub(crate) fn shade(self, seed: u64) -> Rgb {
        const STEPS: [f64; 5] = [-0.08, -0.04, 0.0, 0.04, 0.08];
        let f = STEPS[(seed % STEPS.len() as u64) as usize];
        let mix = |c: u8| {
            let c = f64::from(c);
            let v = if f >= 0.0 {
                c + (255.0 - c) * f
            } else {
                c * (1.0 + f)
            };
            v.round().clamp(0.0, 255.0) as u8
        };
        Rgb(mix(self.0), mix(self.1), mix(self.2))
    }

    /// The colour mixed with white: `t` = 0 is the colour, 1 is white.
    pub(crate) fn lighten(self, t: f64) -> Rgb {
        let mix = |c: u8| (f64::from(c) + (255.0 - f64::from(c)) * t).round() as u8;
        Rgb(mix(self.0), mix(self.1), mix(self.2))
    }

    /// WCAG 2 relative luminance, 0 (black) to 1 (white).
    fn relative_luminance(self) -> f64 {
        fn linear(c: u8) -> f64 {
            let c = f64::from(c) / 255.0;
            if c <= 0.040_45 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        }
        0.2126 * linear(self.0) + 0.7152 * linear(self.1) + 0.0722 * linear(self.2)
    }
}

/// The colour of a language, by tokei's language.
///
/// GitHub linguist's colour where linguist has one for the language (or for
/// the language linguist files it under, e.g. C headers under C), otherwise a
/// colour derived from an FNV-1a hash of [`LanguageType::name`]. Either way
/// the colour depends on nothing but the language: it is the same in every
/// repository, every run and on every platform.
pub(crate) fn language_color(lang: LanguageType) -> Rgb {
    let name = lang.name();
    linguist::color(name).unwrap_or_else(|| hash_color(name))
}

/// Warm light greys for directory frames (CIELAB L* 80, 82.5, 85 and 87.5,
/// a* 2, b* 8), in the order [`directory_color`] cycles through them: every
/// step changes the lightness by at least 2.5 L*. Warm, so they stay at least
/// ΔE 10 from the cool grey of INI (#d1dbe0), the taupe of Max (#c4a79c) and
/// the other pale language colours (checked by a test).
const DIRECTORY_SHADES: [Rgb; 4] = [
    Rgb(0xcb, 0xc7, 0xc0),
    Rgb(0xd9, 0xd5, 0xce),
    Rgb(0xd2, 0xce, 0xc7),
    Rgb(0xe0, 0xdc, 0xd5),
];

/// Neutral colour for directory frames; `seed` (e.g. a hash of the name or
/// the depth) gives a slight, deterministic lightness variation so adjacent
/// directories can be told apart.
///
/// One of four nearly neutral light greys, chosen by `seed` modulo four, so that
/// consecutive seeds (such as depths) always get different shades. Black
/// labels are readable on all of them.
pub(crate) fn directory_color(seed: u64) -> Rgb {
    DIRECTORY_SHADES[(seed % DIRECTORY_SHADES.len() as u64) as usize]
}

/// Saturation and lightness of hash colours: saturated enough never to look
/// like a directory grey, mid-light so that both label colours occur.
const HASH_SATURATION: f64 = 0.55;
const HASH_LIGHTNESS: f64 = 0.60;

/// Colour of a language linguist has no colour for: the hue comes from the
/// FNV-1a hash of its name, saturation and lightness are fixed.
fn hash_color(name: &str) -> Rgb {
    let hue = fnv1a64(name.as_bytes()) % 360;
    hsl(hue as f64, HASH_SATURATION, HASH_LIGHTNESS)
}

/// 64-bit FNV-1a: tiny, fixed, and unlike `std`'s `DefaultHasher` not seeded
/// or subject to change between Rust versions.
pub(crate) const fn fnv1a64(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut i = 0;
    while i < bytes.len() {
        hash ^= bytes[i] as u64;
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        i += 1;
    }
    hash
}

/// HSL to sRGB; hue in degrees [0, 360), saturation and lightness in [0, 1].
/// Only exact IEEE operations (no transcendental functions), so the result is
/// the same everywhere.
fn hsl(hue: f64, saturation: f64, lightness: f64) -> Rgb {
    let chroma = (1.0 - (2.0 * lightness - 1.0).abs()) * saturation;
    let h = hue / 60.0;
    let x = chroma * (1.0 - (h % 2.0 - 1.0).abs());
    let (r, g, b) = match h as u32 {
        0 => (chroma, x, 0.0),
        1 => (x, chroma, 0.0),
        2 => (0.0, chroma, x),
        3 => (0.0, x, chroma),
        4 => (x, 0.0, chroma),
        _ => (chroma, 0.0, x),
    };
    let m = lightness - chroma / 2.0;
    let channel = |v: f64| ((v + m) * 255.0 + 0.5).floor() as u8;
    Rgb(channel(r), channel(g), channel(b))
}

/// The measure of every colour test, in one copy outside the code under
/// test (see its header).
#[cfg(test)]
#[path = "../../tests/support/color.rs"]
mod color;

/// CIE76 colour difference (Euclidean distance in CIELAB, D65); about 2.3
/// is just noticeable, 10 is plainly different.
#[cfg(test)]
pub(crate) fn delta_e(a: Rgb, b: Rgb) -> f64 {
    color::delta_e((a.0, a.1, a.2), (b.0, b.1, b.2))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The tokei language whose `name()` is `name` (by name, not by enum
    /// variant, like the table).
    fn lang(name: &str) -> LanguageType {
        LanguageType::list()
            .iter()
            .map(|&(lang, _)| lang)
            .find(|lang| lang.name() == name)
            .unwrap_or_else(|| panic!("no tokei language named {name:?}"))
    }

    fn color(name: &str) -> String {
        language_color(lang(name)).hex()
    }

    fn rgb(hex: &str) -> Rgb {
        let channel = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).unwrap();
        assert!(hex.len() == 7 && hex.starts_with('#'), "{hex}");
        Rgb(channel(1), channel(3), channel(5))
    }

    #[test]
    fn linguist_colours() {
        // As in linguist's languages.yml at the commit named in the table.
        assert_eq!(color("Rust"), "#dea584");
        assert_eq!(color("Python"), "#3572a5");
        assert_eq!(color("Go"), "#00add8");
        assert_eq!(color("JavaScript"), "#f1e05a");
        assert_eq!(color("C"), "#555555");
        assert_eq!(color("TypeScript"), "#3178c6");
        assert_eq!(color("C#"), "#178600");
        // Matched case-insensitively, by alias, by group and by hand.
        assert_eq!(color("AWK"), "#c30e9b");
        assert_eq!(color("BASH"), color("Shell"));
        assert_eq!(color("Zsh"), color("Shell"));
        assert_eq!(color("C Shell"), color("Shell"));
        assert_eq!(color("C Header"), color("C"));
        assert_eq!(color("C++ Header"), color("C++"));
        assert_eq!(color("JSX"), color("JavaScript"));
        assert_eq!(color("TSX"), color("TypeScript"));
        assert_eq!(color("GNU Style Assembly"), color("Assembly"));
        assert_eq!(color("Markdown"), "#083fa1");
        assert_eq!(color("Vue"), "#41b883");
    }

    #[test]
    fn every_tokei_language_has_a_colour() {
        for &(lang, _) in LanguageType::list() {
            let name = lang.name();
            let colour = language_color(lang);
            if linguist::color(name).is_none() {
                assert_eq!(colour, hash_color(name), "{name}");
            }
            for (seed, shade) in DIRECTORY_SHADES.iter().enumerate() {
                let d = delta_e(colour, *shade);
                // ΔE 5 is plainly visible side by side; 7.5 leaves room for
                // the ±8% shading of file frames.
                assert!(
                    d >= 7.5,
                    "{name} {} is ΔE {d:.1} from directory shade {seed}",
                    colour.hex()
                );
            }
        }
    }

    #[test]
    fn fallback_is_deterministic() {
        // Neither linguist's Text nor COBOL has a colour.
        assert_eq!(linguist::color("Plain Text"), None);
        assert_eq!(
            language_color(lang("Plain Text")),
            language_color(lang("Plain Text"))
        );
        // Snapshots, computed independently of this code (in Python, with
        // the same IEEE arithmetic).
        assert_eq!(color("Plain Text"), "#92d161");
        assert_eq!(color("COBOL"), "#b361d1");
        assert_eq!(hash_color("Protocol Buffers"), rgb("#d1616c"));
        assert_eq!(hash_color("Plain Text"), hash_color("Plain Text"));
    }

    #[test]
    fn fnv1a64_reference_values() {
        assert_eq!(fnv1a64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a64(b"foobar"), 0x8594_4171_f739_67e8);
    }

    #[test]
    fn hsl_primaries() {
        assert_eq!(hsl(0.0, 1.0, 0.5), Rgb(255, 0, 0));
        assert_eq!(hsl(120.0, 1.0, 0.5), Rgb(0, 255, 0));
        assert_eq!(hsl(240.0, 1.0, 0.5), Rgb(0, 0, 255));
        assert_eq!(hsl(0.0, 0.0, 1.0), Rgb(255, 255, 255));
        assert_eq!(hsl(359.0, 0.0, 0.0), Rgb(0, 0, 0));
    }

    #[test]
    fn hex_format() {
        assert_eq!(Rgb(0, 0x0a, 0xff).hex(), "#000aff");
        assert_eq!(rgb("#dea584").hex(), "#dea584");
        for c in [0u8, 9, 10, 15, 16, 0x7f, 0xa0, 0xff] {
            let colour = Rgb(c, c.wrapping_add(1), c.wrapping_mul(3));
            let expected = format!("#{:02x}{:02x}{:02x}", colour.0, colour.1, colour.2);
            assert_eq!(colour.hex(), expected);
        }
    }

    #[test]
    fn dark_colours_want_white_labels() {
        assert!(rgb("#000080").is_dark()); // Lua
        assert!(rgb("#000000").is_dark());
        assert!(rgb("#555555").is_dark()); // C
        assert!(!rgb("#f1e05a").is_dark()); // JavaScript
        assert!(!rgb("#ffffff").is_dark());
        assert!(!rgb("#dea584").is_dark()); // Rust
        // Around the threshold: white is better on #757575, black on #777777.
        assert!(rgb("#757575").is_dark());
        assert!(!rgb("#777777").is_dark());
    }

    #[test]
    fn delta_e_reference_values() {
        assert!((delta_e(Rgb(0, 0, 0), Rgb(255, 255, 255)) - 100.0).abs() < 0.01);
        assert_eq!(delta_e(rgb("#dea584"), rgb("#dea584")), 0.0);
    }

    #[test]
    fn directory_colours() {
        assert_eq!(directory_color(7), directory_color(7));
        for seed in 0..16 {
            let (a, b) = (directory_color(seed), directory_color(seed + 1));
            assert_ne!(a, b, "seeds {seed} and {}", seed + 1);
            assert!(delta_e(a, b) >= 2.0, "seeds {seed} and {}", seed + 1);
        }
        for shade in DIRECTORY_SHADES {
            assert!(!shade.is_dark(), "{}", shade.hex());
            // Neutral grey: red >= green >= blue, and nearly neutral.
            assert!(shade.0 >= shade.1 && shade.1 >= shade.2, "{}", shade.hex());
            assert!(shade.0 - shade.2 <= 0x1a, "{}", shade.hex());
        }
        assert_eq!(directory_color(u64::MAX), DIRECTORY_SHADES[3]);
    }
}
