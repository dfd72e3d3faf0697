//! The summary printed on a terminal after a run, like tokei's: the
//! largest languages (all of them when asked: a monorepo has forty, and a
//! table that long scrolls its own header away), the totals, and what was
//! written where. For a diff each language is shown before, after and
//! changed, since the totals of one side alone would not say which.

use std::io::{self, Write};

use crate::config::{Format, Metric};
use crate::escape::escape_text;
use crate::output::Written;
use crate::record::{Counts, Summary};
use crate::render::labels;
use crate::units::{human_bytes, relative_change, signed, thousands};

/// How many languages are listed before the rest are summed into one line.
pub(crate) const TOP_LANGUAGES: usize = 10;

/// The summary of a run, ready to be printed.
pub(crate) struct Table<'a> {
    pub(crate) summary: &'a Summary,
    /// The revisions of the sides, as given: a diff's are named in its
    /// caption.
    pub(crate) revisions: &'a [String],
    /// What was written where: the last line.
    pub(crate) written: Option<&'a Written>,
    /// Every language, not only the largest.
    pub(crate) all_languages: bool,
}

impl Table<'_> {
    /// Writes the table, and the line saying what was written where.
    pub(crate) fn write<W: Write>(&self, mut out: W) -> io::Result<()> {
        let diff = match &self.summary.sides {
            Some(sides) if sides.totals.len() > 1 => Some(sides),
            _ => None,
        };
        let grid = match diff {
            Some(sides) => self.diff_grid(sides),
            None => self.grid(),
        };
        grid.write(&mut out)?;
        // What is not the user's own is counted at the last side.
        let at = match (diff, self.revisions) {
            (Some(_), [.., last]) => format!(" at {}", escape_text(last)),
            _ => String::new(),
        };
        if let Some((share, classes)) = labels::marked_share(self.summary) {
            writeln!(
                out,
                " {share} of the {}{at} are {classes}: {}",
                self.summary.metric.unit(),
                labels::OWN_HINT
            )?;
        }
        // A single side's table has rows for it.
        if let (Some(_), Some(left_out)) = (diff, labels::left_out(self.summary)) {
            writeln!(out, " {left_out}{at}")?;
        }
        if let Some(written) = self.written {
            writeln!(out, "{}", wrote(written))?;
        }
        out.flush()
    }

    /// Languages with their files, code, comments and blanks (of the only
    /// side).
    fn grid(&self) -> Grid {
        let summary = self.summary;
        let cells = |name: String, c: &Counts| {
            vec![
                name,
                thousands(c.files),
                thousands(c.code),
                thousands(c.comments),
                thousands(c.blanks),
            ]
        };
        let (shown, rest) = self.split(&summary.languages);
        let mut rows: Vec<Vec<String>> = shown
            .iter()
            .map(|(language, c)| cells(language.name().to_string(), c))
            .collect();
        if !rest.is_empty() {
            let mut sum = Counts::default();
            for (_, c) in rest {
                sum += *c;
            }
            rows.push(cells(more(rest.len()), &sum));
        }
        // What is generated, vendored or documentation, under the total;
        // and what --own or --exclude-… left out of it.
        let marked = summary
            .marked
            .iter()
            .map(|(class, c)| cells(format!("  of which {}", class.name()), c))
            .chain(
                summary
                    .left_out
                    .iter()
                    .map(|(class, c)| cells(format!("  left out: {}", class.name()), c)),
            )
            .collect();
        Grid {
            caption: None,
            header: ["Language", "Files", "Code", "Comments", "Blanks"]
                .map(String::from)
                .to_vec(),
            rows,
            total: cells("Total".into(), &summary.totals),
            marked,
        }
    }

    /// Languages before and after, and the change, in the metric of the
    /// run (first and last side of a run of several).
    fn diff_grid(&self, sides: &crate::record::Sides) -> Grid {
        let metric = self.summary.metric;
        let ends = |counts: &[Counts]| {
            let get = |c: Option<&Counts>| c.map_or(0, |c| c.get(metric));
            (get(counts.first()), get(counts.last()))
        };
        let cells = |name: String, (before, after): (u64, u64)| {
            vec![
                name,
                thousands(before),
                thousands(after),
                signed(i128::from(after) - i128::from(before)),
                relative_change(before, after),
            ]
        };
        let (shown, rest) = self.split(&sides.languages);
        let mut rows: Vec<Vec<String>> = shown
            .iter()
            .map(|(language, c)| cells(language.name().to_string(), ends(c)))
            .collect();
        if !rest.is_empty() {
            let (mut before, mut after) = (0, 0);
            for (_, c) in rest {
                let (b, a) = ends(c);
                before += b;
                after += a;
            }
            rows.push(cells(more(rest.len()), (before, after)));
        }
        let marked = sides
            .marked
            .iter()
            .map(|(class, c)| cells(format!("  of which {}", class.name()), ends(c)))
            .collect();
        let caption = match self.revisions {
            [first, .., last] => format!(
                "{}: {} → {}",
                capitalized(metric),
                escape_text(first),
                escape_text(last)
            ),
            _ => capitalized(metric),
        };
        Grid {
            caption: Some(caption),
            header: ["Language", "Before", "After", "Change", "%"]
                .map(String::from)
                .to_vec(),
            rows,
            total: cells("Total".into(), ends(&sides.totals)),
            marked,
        }
    }

    /// The languages listed, and those summed into one line: all are
    /// listed when asked, or when only one would be left over (its line
    /// takes the room of the sum's).
    fn split<'l, T>(&self, languages: &'l [T]) -> (&'l [T], &'l [T]) {
        if self.all_languages || languages.len() <= TOP_LANGUAGES + 1 {
            (languages, &[])
        } else {
            languages.split_at(TOP_LANGUAGES)
        }
    }
}

/// The line that sums the languages not listed.
fn more(n: usize) -> String {
    format!("{n} more (--verbose)")
}

/// "Code lines", "Bytes".
pub(crate) fn capitalized(metric: Metric) -> String {
    let unit = metric.unit();
    let mut chars = unit.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// "wrote moby.svg: 5.5 MiB, 13,702 frames".
fn wrote(written: &Written) -> String {
    let what = match written.format {
        Format::Svg => "an SVG",
        Format::Html => "an HTML page",
        Format::Json => "a JSON report",
        Format::Folded => "folded stacks",
        Format::Markdown => "a Markdown summary",
        Format::Csv => "CSV",
    };
    let size = human_bytes(written.bytes);
    match (&written.target, written.cut_short) {
        (Some(target), false) => format!("wrote {target}: {size}, {}", written.holds),
        (None, false) => format!("wrote {what} to stdout: {size}, {}", written.holds),
        (target, true) => format!(
            "wrote {size} of {what} to {}: its reader closed it before the end",
            target.as_deref().unwrap_or("stdout")
        ),
    }
}

/// Rows of cells: the first column left-aligned, the others right-aligned,
/// between rules.
struct Grid {
    /// A line above the table.
    caption: Option<String>,
    header: Vec<String>,
    rows: Vec<Vec<String>>,
    total: Vec<String>,
    /// Under the total, after a rule.
    marked: Vec<Vec<String>>,
}

impl Grid {
    fn write<W: Write>(&self, out: &mut W) -> io::Result<()> {
        let mut widths = vec![0usize; self.header.len()];
        let all = [&self.header, &self.total]
            .into_iter()
            .chain(&self.rows)
            .chain(&self.marked);
        for row in all {
            for (w, cell) in widths.iter_mut().zip(row) {
                *w = (*w).max(cell.chars().count());
            }
        }
        let rule = "─".repeat(widths.iter().sum::<usize>() + 2 * (widths.len() - 1) + 2);
        let line = |out: &mut W, row: &[String]| -> io::Result<()> {
            write!(out, " {:<w$}", row[0], w = widths[0])?;
            for (cell, w) in row[1..].iter().zip(&widths[1..]) {
                // Right-aligned by characters: `−` is one.
                let pad = w.saturating_sub(cell.chars().count());
                write!(out, "  {:pad$}{cell}", "")?;
            }
            writeln!(out)
        };
        if let Some(caption) = &self.caption {
            writeln!(out, " {caption}")?;
        }
        writeln!(out, "{rule}")?;
        line(out, &self.header)?;
        writeln!(out, "{rule}")?;
        for row in &self.rows {
            line(out, row)?;
        }
        writeln!(out, "{rule}")?;
        line(out, &self.total)?;
        writeln!(out, "{rule}")?;
        for row in &self.marked {
            line(out, row)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::Sides;
    use tokei::LanguageType;

    fn code(files: u64, code: u64) -> Counts {
        Counts {
            files,
            code,
            ..Counts::default()
        }
    }

    fn text(table: &Table<'_>) -> String {
        let mut out = Vec::new();
        table.write(&mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn the_rest_of_the_languages_is_one_line_that_adds_up() {
        let languages: Vec<(LanguageType, Counts)> = LanguageType::list()
            .iter()
            .take(TOP_LANGUAGES + 5)
            .enumerate()
            .map(|(i, (l, _))| (*l, code(1, 100 - i as u64)))
            .collect();
        let summary = Summary {
            totals: code(15, languages.iter().map(|(_, c)| c.code).sum()),
            languages,
            ..Summary::default()
        };
        let table = Table {
            summary: &summary,
            revisions: &[],
            written: None,
            all_languages: false,
        };
        let shown = text(&table);
        let rest = shown
            .lines()
            .find(|l| l.contains("5 more (--verbose)"))
            .unwrap_or_else(|| panic!("no line for the rest: {shown}"));
        // The five smallest: 90 + 89 + 88 + 87 + 86 code lines in 5 files.
        let numbers: Vec<&str> = rest.split_whitespace().skip(3).collect();
        assert_eq!(numbers, ["5", "440", "0", "0"], "{rest}");
        assert_eq!(shown.lines().count(), 4 + TOP_LANGUAGES + 1 + 2);
        let all = text(&Table {
            all_languages: true,
            ..table
        });
        assert!(!all.contains("more"), "{all}");
        assert_eq!(all.lines().count(), 4 + TOP_LANGUAGES + 5 + 2);
    }

    #[test]
    fn a_diff_shows_before_after_and_change() {
        let sides = Sides {
            totals: vec![code(3, 120), code(3, 125)],
            languages: vec![
                (LanguageType::Rust, vec![code(2, 100), code(1, 80)]),
                (LanguageType::Go, vec![code(0, 0), code(1, 40)]),
                (LanguageType::Python, vec![code(1, 20), code(1, 5)]),
            ],
            marked: vec![],
            own_languages: vec![],
        };
        let summary = Summary {
            sides: Some(sides),
            ..Summary::default()
        };
        let revisions = ["v1".to_string(), "v2".to_string()];
        let shown = text(&Table {
            summary: &summary,
            revisions: &revisions,
            written: None,
            all_languages: false,
        });
        let lines: Vec<&str> = shown.lines().collect();
        assert_eq!(lines[0], " Code lines: v1 → v2");
        let row = |name: &str| -> Vec<&str> {
            lines
                .iter()
                .find(|l| l.starts_with(&format!(" {name} ")))
                .unwrap_or_else(|| panic!("no {name} in {shown}"))
                .split_whitespace()
                .collect()
        };
        assert_eq!(
            row("Language"),
            ["Language", "Before", "After", "Change", "%"]
        );
        assert_eq!(
            row("Rust"),
            ["Rust", "100", "80", "\u{2212}20", "\u{2212}20.0%"]
        );
        assert_eq!(row("Go"), ["Go", "0", "40", "+40", "new"]);
        assert_eq!(row("Total"), ["Total", "120", "125", "+5", "+4.2%"]);
    }

    #[test]
    fn the_last_line_says_what_was_written_where() {
        let mut written = Written {
            target: Some("moby.svg".into()),
            format: Format::Svg,
            bytes: 5_767_168,
            holds: "13,702 frames".into(),
            cut_short: false,
        };
        assert_eq!(wrote(&written), "wrote moby.svg: 5.5 MiB, 13,702 frames");
        written.target = None;
        assert_eq!(
            wrote(&written),
            "wrote an SVG to stdout: 5.5 MiB, 13,702 frames"
        );
        written.cut_short = true;
        written.bytes = 65536;
        assert_eq!(
            wrote(&written),
            "wrote 64 KiB of an SVG to stdout: its reader closed it before the end"
        );
    }
}
