//! Values of options, parsed with messages in repoflame's words: what to
//! give, not what the parser's type can hold ("give 100 to 100000 pixels",
//! not "5 is not in 100..=100000"). clap puts the option and the value in
//! front (`--width 5: give 100 to 100000 pixels`, see `usage_error`).
//!
//! The options that take numbers accept a leading `-` as a value
//! (`allow_negative_numbers`), so that `--depth -1` is told what a depth
//! is rather than that `-1` is an unknown flag.

/// A whole number in `range`, of `unit`s ("pixels") for the message.
fn whole(text: &str, range: std::ops::RangeInclusive<u64>, unit: &str) -> Result<u64, String> {
    let (low, high) = (*range.start(), *range.end());
    let wanted = if high == u64::MAX {
        format!("give {low} {unit} or more")
    } else {
        format!("give {low} to {high} {unit}")
    };
    match text.trim().parse::<u64>() {
        Ok(n) if range.contains(&n) => Ok(n),
        _ => Err(wanted),
    }
}

/// `--depth N`: 1 or more. Depth 0 would be the root alone, the total,
/// which the summary says already and a flame graph cannot draw.
pub(super) fn depth(text: &str) -> Result<u32, String> {
    match text.trim().parse::<u32>() {
        Ok(depth) if depth >= 1 => Ok(depth),
        _ => Err(
            "give 1 or more: depth 1 is the root's entries (the root is depth 0); \
                  leave --depth out for every file"
                .to_string(),
        ),
    }
}

/// The most worker threads `--threads` takes. The walk's idle threads
/// poll every other thread's queue each millisecond, so the cost grows
/// with the square of the count: measured on 2 cores over a one-file
/// tree, 0.2 s with 128 threads, 2.7 s with 256, 50 s with 1024, a panic
/// (no memory map left for a guard page) or a hang with 100,000.
pub(super) const MAX_THREADS: usize = 256;

/// `--threads N`: 0 (one per core) to [`MAX_THREADS`].
pub(super) fn threads(text: &str) -> Result<usize, String> {
    match text.trim().parse::<u64>() {
        Ok(n) if n <= MAX_THREADS as u64 => Ok(n as usize),
        _ => Err(format!(
            "give 1 to {MAX_THREADS} worker threads, or 0 for one per core"
        )),
    }
}

/// `--width PX`.
pub(super) fn width(text: &str) -> Result<u32, String> {
    whole(text, 100..=100_000, "pixels").map(|n| n as u32)
}

/// `--timeout SECS`.
pub(super) fn timeout(text: &str) -> Result<u64, String> {
    whole(text, 1..=3600, "seconds")
}

/// `--max-frames N`: enough for a root, a few directories and files.
pub(super) fn max_frames(text: &str) -> Result<usize, String> {
    whole(text, 10..=u64::MAX, "frames").map(|n| n.min(usize::MAX as u64) as usize)
}

/// `--min-width PX`: a number of pixels, fractions too.
pub(super) fn min_width(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(px) if px >= 0.0 && px.is_finite() => Ok(px),
        _ => Err("give a number of pixels, 0 or more".to_string()),
    }
}

/// `1024`, `64K`, `32M`, `1G` (binary units), more than 0.
pub(super) fn size(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let (digits, shift) = match text.chars().last().map(|c| c.to_ascii_uppercase()) {
        Some('K') => (&text[..text.len() - 1], 10),
        Some('M') => (&text[..text.len() - 1], 20),
        Some('G') => (&text[..text.len() - 1], 30),
        _ => (text, 0),
    };
    digits
        .trim()
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(1 << shift))
        .filter(|&n| n > 0)
        .ok_or_else(|| "give a size like 4096, 64K, 32M or 1G, more than 0".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_parse_within_their_bounds() {
        assert_eq!(size("32M"), Ok(32 << 20));
        assert_eq!(size("7"), Ok(7));
        for bad in ["0", "lots", "-5", "99999999999G", ""] {
            assert_eq!(
                size(bad),
                Err("give a size like 4096, 64K, 32M or 1G, more than 0".to_string()),
                "{bad:?}"
            );
        }
        assert_eq!(depth("1"), Ok(1));
        assert_eq!(depth("3"), Ok(3));
        assert!(depth("0").is_err());
        assert!(depth("-1").is_err());
        assert_eq!(threads("256"), Ok(256));
        assert_eq!(threads("0"), Ok(0));
        for bad in ["257", "-1", "many"] {
            assert_eq!(
                threads(bad),
                Err("give 1 to 256 worker threads, or 0 for one per core".to_string())
            );
        }
        assert_eq!(width("100"), Ok(100));
        assert_eq!(width("5"), Err("give 100 to 100000 pixels".to_string()));
        assert_eq!(timeout("0"), Err("give 1 to 3600 seconds".to_string()));
        assert_eq!(max_frames("10"), Ok(10));
        assert_eq!(max_frames("9"), Err("give 10 frames or more".to_string()));
        assert_eq!(min_width("2.5"), Ok(2.5));
        for bad in ["-1", "NaN", "inf", "wide"] {
            assert!(min_width(bad).is_err(), "{bad}");
        }
    }
}
