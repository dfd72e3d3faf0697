//! Numbers and units for people: `1,234,567`, `32 MiB`, `+1,204`, `12.5%`, `−4.2%`,
//! `3 files`. Every message, label and report formats numbers here.

/// `1,234,567`.
pub(crate) fn thousands(n: u64) -> String {
    let mut grouped = String::with_capacity(26);
    push_thousands(&mut grouped, n);
    grouped
}

/// Appends `n` as [`thousands`] writes it (thousands of labels are
/// written for a graph: no string of its own for each number).
pub(crate) fn push_thousands(out: &mut String, n: u64) {
    let mut buffer = itoa::Buffer::new();
    let digits = buffer.format(n);
    // The digits before the first comma: one to three.
    let head = (digits.len() - 1) % 3 + 1;
    out.push_str(&digits[..head]);
    let mut at = head;
    while at < digits.len() {
        out.push(',');
        out.push_str(&digits[at..at + 3]);
        at += 3;
    }
}

/// `1.0 GiB`, `32 MiB`, `512 B`.
pub(crate) fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else if value.fract() == 0.0 {
        format!("{value:.0} {}", UNITS[unit])
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

/// `+1,234` or `−56` (a real minus sign) or `±0`.
pub(crate) fn signed(delta: i128) -> String {
    match delta.signum() {
        1 => format!("+{}", thousands(delta as u64)),
        -1 => format!("\u{2212}{}", thousands(delta.unsigned_abs() as u64)),
        _ => "±0".to_string(),
    }
}

/// `12.34%`, `<0.01%`, `100%`.
pub(crate) fn percent(value: u64, total: u64) -> String {
    if total == 0 {
        return "0%".into();
    }
    if value == total {
        return "100%".into();
    }
    let p = 100.0 * value as f64 / total as f64;
    if p > 0.0 && p < 0.01 {
        "<0.01%".into()
    } else {
        format!("{p:.2}%")
    }
}

/// The change from `before` to `after` relative to `before`: `+4.9%`,
/// `−100%`, `new`, `±0%`.
pub(crate) fn relative_change(before: u64, after: u64) -> String {
    if before == after {
        return "±0%".into();
    }
    if before == 0 {
        return "new".into();
    }
    let pct = (after as f64 - before as f64) * 100.0 / before as f64;
    let sign = if pct > 0.0 { "+" } else { "\u{2212}" };
    let size = pct.abs();
    if size < 0.05 {
        format!("{sign}<0.1%")
    } else if size >= 100.0 && size.fract() == 0.0 {
        format!("{sign}{size:.0}%")
    } else {
        format!("{sign}{size:.1}%")
    }
}

/// `81%`, `<1%`, `>99%`, `100%`: a share at a glance, never rounded to
/// none or all.
pub(crate) fn rough_percent(value: u64, total: u64) -> String {
    if total == 0 || value == 0 {
        return "0%".into();
    }
    if value >= total {
        return "100%".into();
    }
    let p = 100.0 * value as f64 / total as f64;
    if p < 1.0 {
        "<1%".into()
    } else if p > 99.0 {
        ">99%".into()
    } else {
        format!("{p:.0}%")
    }
}

/// `a`, `a or b`, `a, b or c`.
pub(crate) fn either(words: &[&str]) -> String {
    match words {
        [] => String::new(),
        [one] => one.to_string(),
        [rest @ .., last] => format!("{} or {last}", rest.join(", ")),
    }
}

/// `1 file`, `1,234 files`.
pub(crate) fn files(n: u64) -> String {
    amount(n, "files")
}

/// `n` of a plural `unit` in prose: "1 code line", "1,234 code lines".
pub(crate) fn amount(n: u64, unit: &str) -> String {
    let mut out = String::with_capacity(unit.len() + 27);
    push_amount(&mut out, n, unit);
    out
}

/// Appends [`amount`]`(n, unit)` to `out`.
pub(crate) fn push_amount(out: &mut String, n: u64, unit: &str) {
    if n == 1 {
        out.push_str("1 ");
        out.push_str(unit.strip_suffix('s').unwrap_or(unit));
    } else {
        push_thousands(out, n);
        out.push(' ');
        out.push_str(unit);
    }
}

/// `YYYY-MM-DD` of a Unix time (days since 1970 to a civil date).
pub(crate) fn civil_date(seconds: i64) -> String {
    let days = seconds.div_euclid(86_400);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    format!("{y:04}-{m:02}-{d:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_changes_read_as_people_write_them() {
        assert_eq!(relative_change(1000, 1006), "+0.6%");
        assert_eq!(relative_change(100, 50), "\u{2212}50.0%");
        assert_eq!(relative_change(10, 0), "\u{2212}100%");
        assert_eq!(relative_change(0, 7), "new");
        assert_eq!(relative_change(7, 7), "±0%");
        assert_eq!(relative_change(100_000, 100_001), "+<0.1%");
        assert_eq!(relative_change(100, 300), "+200%");
    }

    /// Every length of number, grouped as by hand: the digits from the
    /// right in threes.
    #[test]
    fn thousands_groups_every_number_by_three() {
        let by_hand = |n: u64| {
            let digits: Vec<char> = n.to_string().chars().collect();
            let mut groups: Vec<String> = digits
                .rchunks(3)
                .map(|group| group.iter().collect())
                .collect();
            groups.reverse();
            groups.join(",")
        };
        let mut numbers = vec![0, 1, 9, 10, 99, 100, 999, u64::MAX, u64::MAX - 1];
        let mut power = 1u64;
        while let Some(next) = power.checked_mul(10) {
            numbers.extend([next - 1, next, next + 1, next / 2 * 3]);
            power = next;
        }
        for n in numbers {
            assert_eq!(thousands(n), by_hand(n), "{n}");
            let files = match n {
                1 => "1 file".to_string(),
                _ => format!("{} files", by_hand(n)),
            };
            assert_eq!(amount(n, "files"), files);
        }
        assert_eq!(thousands(1_000), "1,000");
        assert_eq!(amount(1_234, "code lines"), "1,234 code lines");
    }

    #[test]
    fn numbers_read_well() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(human_bytes(512), "512 B");
        assert_eq!(human_bytes(32 << 20), "32 MiB");
        assert_eq!(human_bytes(1536), "1.5 KiB");
        assert_eq!(human_bytes(1 << 30), "1 GiB");
        assert_eq!(signed(1204), "+1,204");
        assert_eq!(signed(-310), "\u{2212}310");
        assert_eq!(signed(0), "±0");
        assert_eq!(percent(1, 3), "33.33%");
        assert_eq!(percent(1, 1_000_000), "<0.01%");
        assert_eq!(percent(5, 5), "100%");
        assert_eq!(files(1), "1 file");
        assert_eq!(amount(2, "code lines"), "2 code lines");
        assert_eq!(rough_percent(72, 100), "72%");
        assert_eq!(rough_percent(1, 1000), "<1%");
        assert_eq!(rough_percent(999, 1000), ">99%");
        assert_eq!(rough_percent(5, 5), "100%");
        assert_eq!(rough_percent(0, 5), "0%");
        assert_eq!(either(&["vendored"]), "vendored");
        assert_eq!(either(&["vendored", "generated"]), "vendored or generated");
        assert_eq!(either(&["a", "b", "c"]), "a, b or c");
    }
}
