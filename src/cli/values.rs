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

/// `--commits N`: 1 or more.
pub(super) fn commits(text: &str) -> Result<usize, String> {
    match text.trim().parse::<usize>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err("give a number of commits, 1 or more".to_string()),
    }
}

/// `--since DATE|DURATION`: a day (`2025-01-01`, from midnight UTC) or a
/// span before the counted revision's commit (`6months`, `1y`, `2 weeks`,
/// `90d`).
/// `--every`: a span (30d, 3months, 1y), in seconds.
pub(super) fn every(text: &str) -> Result<i64, String> {
    match since(text) {
        Ok(repoflame::Since::Before(seconds)) => Ok(seconds),
        _ => Err("give a span between samples (30d, 6weeks, 3months, 1y)".to_string()),
    }
}

pub(super) fn since(text: &str) -> Result<repoflame::Since, String> {
    let wanted = "give a date (2025-01-01) or a span before the revision counted \
                  (90days, 6weeks, 6months, 1year; or d, w, m, y)";
    let text = text.trim();
    if let Some(seconds) = day(text) {
        return Ok(repoflame::Since::Date(seconds));
    }
    let digits = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(digits);
    let n: i64 = number.parse().map_err(|_| wanted.to_string())?;
    let day = 86_400;
    let unit = match unit.trim().to_ascii_lowercase().as_str() {
        "d" | "day" | "days" => day,
        "w" | "week" | "weeks" => 7 * day,
        // As git counts them: 30 days, 365 days.
        "m" | "month" | "months" => 30 * day,
        "y" | "year" | "years" => 365 * day,
        _ => return Err(wanted.to_string()),
    };
    n.checked_mul(unit)
        .filter(|&s| s > 0)
        .map(repoflame::Since::Before)
        .ok_or_else(|| wanted.to_string())
}

/// Midnight UTC of `YYYY-MM-DD`, in seconds since the epoch; `None` when
/// `text` is not a valid date.
fn day(text: &str) -> Option<i64> {
    let mut parts = text.splitn(3, '-');
    let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
    if y.len() != 4 || m.len() != 2 || d.len() != 2 {
        return None;
    }
    let (y, m, d): (i64, i64, i64) = (y.parse().ok()?, m.parse().ok()?, d.parse().ok()?);
    let leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
    let days_in_month = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    if !(1..=12).contains(&m) || d < 1 || d > days_in_month[(m - 1) as usize] {
        return None;
    }
    // Howard Hinnant's days_from_civil.
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Some((era * 146_097 + doe - 719_468) * 86_400)
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

    #[test]
    fn since_takes_dates_and_spans() {
        use repoflame::Since;
        assert_eq!(since("2025-01-01"), Ok(Since::Date(1_735_689_600)));
        assert_eq!(since("1970-01-01"), Ok(Since::Date(0)));
        assert_eq!(since("2024-02-29"), Ok(Since::Date(1_709_164_800)));
        assert_eq!(since("6months"), Ok(Since::Before(180 * 86_400)));
        assert_eq!(since("1y"), Ok(Since::Before(365 * 86_400)));
        assert_eq!(since("2 weeks"), Ok(Since::Before(14 * 86_400)));
        for bad in [
            "2025-02-30",
            "2023-02-29",
            "25-01-01",
            "0d",
            "y",
            "6 fortnights",
            "-1y",
            "",
        ] {
            assert!(since(bad).is_err(), "{bad}");
        }
        assert_eq!(commits("1"), Ok(1));
        assert!(commits("0").is_err());
    }
}
