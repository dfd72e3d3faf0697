//! The Markdown summary (`--format markdown`, `-o x.md`): what a reviewer
//! reads in a pull request, a CI job summary (`$GITHUB_STEP_SUMMARY`), a
//! GitLab merge-request note or a terminal.
//!
//! For a source: a headline (the metric, files, languages, how much is the
//! user's own code) and two short tables, the largest languages and the
//! largest directories to depth 2, each with its share. For a diff: a
//! one-line verdict, the change per directory and per language, the files
//! with the most added and the most removed, and a line when generated,
//! vendored or documentation code changed.
//!
//! GitHub-flavoured Markdown, no raw HTML: tables stay short (the largest
//! N, then one "and 12 more" row that sums the rest), numbers are
//! right-aligned. Every string a user controls (paths, the source's name,
//! revisions) is escaped: paths and names go in code spans (`|` escaped in
//! tables, the fence longer than any run of backticks inside), after the
//! escaping of frames (so no control character or newline gets through);
//! other text has Markdown's punctuation backslash-escaped. Sorted
//! throughout, so the output is byte-for-byte reproducible.
//!
//! A directory "to depth 2" is a file's directory cut at two components,
//! as `--depth 2` folds the tree: `src/net` holds everything under it,
//! `src` the files directly in `src`, "(top level)" the files at the root.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use crate::config::Metric;
use crate::escape::{escape, escape_text};
use crate::record::{Counts, Record, Summary};
use crate::render::Run;
use crate::render::json::record_path_of;
use crate::render::table::{TOP_LANGUAGES, capitalized};
use crate::tree::Change;
use crate::units::{relative_change, rough_percent, signed, thousands};

/// How many directories a table lists before summing the rest.
pub(crate) const TOP_DIRECTORIES: usize = 10;
/// How many files each of a diff's file tables lists.
pub(crate) const TOP_FILES: usize = 5;

/// The name of the files at the root, in a table of directories.
const TOP_LEVEL: &str = "(top level)";

/// Writes the summary of a run: of a diff when it has several sides.
pub(crate) fn write<W: Write>(
    run: &Run<'_>,
    records: &[Record],
    metric: Metric,
    mut out: W,
) -> io::Result<()> {
    let text = if run.info.revisions.len() > 1 {
        diff(run, records, metric)
    } else {
        source(run, records, metric)
    };
    out.write_all(text.as_bytes())?;
    out.flush()
}

/// The summary of one side.
fn source(run: &Run<'_>, records: &[Record], metric: Metric) -> String {
    let summary = run.summary;
    let mut md = String::new();
    let name = code(&escape(&run.info.root_name), false);
    match run.info.revisions.as_slice() {
        [one] => {
            let rev = code(&escape_text(&one.rev), false);
            let _ = writeln!(md, "## repoflame: {name} at {rev}\n");
        }
        _ => {
            let _ = writeln!(md, "## repoflame: {name}\n");
        }
    }
    let total = summary.totals.get(metric);
    let languages = summary.languages.len();
    let _ = writeln!(
        md,
        "**{}** in {} · {} language{} · {}\n",
        metric.amount(total),
        crate::units::files(summary.totals.files),
        languages,
        if languages == 1 { "" } else { "s" },
        shares(summary, metric),
    );
    for line in notes(run) {
        let _ = writeln!(md, "{line}\n");
    }

    let unit = capitalized(metric);
    let header = ["Language", "Files", unit.as_str(), "Share"];
    let row = |name: String, c: &Counts| {
        vec![
            name,
            thousands(c.files),
            thousands(c.get(metric)),
            rough_percent(c.get(metric), total),
        ]
    };
    let (shown, rest) = split(&summary.languages, TOP_LANGUAGES);
    let mut rows: Vec<Vec<String>> = shown
        .iter()
        .map(|(language, c)| row(text(language.name()), c))
        .collect();
    if !rest.is_empty() {
        rows.push(row(more(rest.len()), &sum(rest.iter().map(|(_, c)| *c))));
    }
    rows.push(row("**Total**".into(), &summary.totals));
    table(&mut md, &header, &rows);

    let mut directories: Vec<(String, Counts)> = directories(records, |r| [r.last()])
        .into_iter()
        .map(|(dir, [c])| (dir, c))
        .collect();
    directories.sort_by(|(pa, a), (pb, b)| {
        b.get(metric)
            .cmp(&a.get(metric))
            .then(b.files.cmp(&a.files))
            .then(pa.cmp(pb))
    });
    let header = ["Directory", "Files", unit.as_str(), "Share"];
    let (shown, rest) = split(&directories, TOP_DIRECTORIES);
    let mut rows: Vec<Vec<String>> = shown
        .iter()
        .map(|(dir, c)| row(directory(dir), c))
        .collect();
    if !rest.is_empty() {
        rows.push(row(more(rest.len()), &sum(rest.iter().map(|(_, c)| *c))));
    }
    rows.push(row("**Total**".into(), &summary.totals));
    md.push('\n');
    table(&mut md, &header, &rows);
    md
}

/// "own code 81% · vendored 15% · generated 4%": the user's own share of
/// the metric, and each class's that has any.
fn shares(summary: &Summary, metric: Metric) -> String {
    let total = summary.totals.get(metric);
    let marked: u64 = summary.marked.iter().map(|(_, c)| c.get(metric)).sum();
    let mut classes: Vec<(u64, &str)> = summary
        .marked
        .iter()
        .map(|(class, c)| (c.get(metric), class.name()))
        .filter(|(value, _)| *value > 0)
        .collect();
    classes.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(b.1)));
    std::iter::once(format!(
        "own code {}",
        rough_percent(total.saturating_sub(marked), total)
    ))
    .chain(
        classes
            .iter()
            .map(|(value, name)| format!("{name} {}", rough_percent(*value, total))),
    )
    .collect::<Vec<_>>()
    .join(" · ")
}

/// Lines under the headline: what `--own` or `--exclude-…` left out, and
/// how many entries could not be read.
fn notes(run: &Run<'_>) -> Vec<String> {
    let mut lines = Vec::new();
    if let Some(left_out) = crate::render::labels::left_out(run.summary) {
        lines.push(format!("{} (not counted above).", text(&left_out)));
    }
    if !run.problems.is_empty() {
        lines.push(format!(
            "**{} could not be read** (see the job's log).",
            crate::units::amount(run.problems.len() as u64, "entries")
        ));
    }
    lines
}

/// The summary of a diff: its first and last side.
fn diff(run: &Run<'_>, records: &[Record], metric: Metric) -> String {
    let mut md = String::new();
    let name = code(&escape(&run.info.root_name), false);
    let revisions = &run.info.revisions;
    let (first, last) = (&revisions[0], &revisions[revisions.len() - 1]);
    let _ = writeln!(
        md,
        "## repoflame: {name}, {} → {}\n",
        code(&escape_text(&first.rev), false),
        code(&escape_text(&last.rev), false)
    );
    let get = |c: &Counts| c.get(metric);
    let ends = |sides: &[Counts]| {
        let change = Change::of(sides);
        (get(&change.before), get(&change.after))
    };

    // Changed directories, most changed first.
    let mut directories: Vec<(String, (u64, u64))> = directories(records, |r| {
        let change = Change::of(r.sides.as_deref().unwrap_or_default());
        [change.before, change.after]
    })
    .into_iter()
    .map(|(dir, [before, after])| (dir, (get(&before), get(&after))))
    .filter(|(_, (before, after))| before != after)
    .collect();
    directories.sort_by(|(pa, a), (pb, b)| {
        delta(*b)
            .unsigned_abs()
            .cmp(&delta(*a).unsigned_abs())
            .then(pa.cmp(pb))
    });

    // The verdict: each file's net change, summed by sign.
    let (mut grown, mut shrunk, mut changed) = (0u64, 0u64, 0u64);
    let mut files: Vec<(String, (u64, u64))> = Vec::new();
    for record in records {
        let (before, after) = ends(record.sides.as_deref().unwrap_or_default());
        if before == after {
            continue;
        }
        changed += 1;
        if after > before {
            grown += after - before;
        } else {
            shrunk += before - after;
        }
        files.push((record_path_of(&record.path), (before, after)));
    }
    let unit = metric.unit();
    let verdict = if changed == 0 {
        format!("No change in {unit}")
    } else {
        let most = match directories.first() {
            Some((dir, ends)) if dir.is_empty() => {
                format!("; most at the top level ({})", signed(delta(*ends)))
            }
            Some((dir, ends)) => {
                format!("; most in {} ({})", code(dir, false), signed(delta(*ends)))
            }
            None => String::new(),
        };
        format!(
            "+{} \u{2212}{} {unit} in {}{most}",
            thousands(grown),
            thousands(shrunk),
            crate::units::files(changed)
        )
    };
    let _ = writeln!(md, "**{verdict}**\n");
    let sides = run.summary.sides.as_ref();
    let totals = sides.map(|s| s.totals.as_slice()).unwrap_or_default();
    let total = Change::of(totals);
    let (before, after) = (get(&total.before), get(&total.after));
    let _ = writeln!(
        md,
        "{} → {} ({}, {}) · {} → {}\n",
        thousands(before),
        metric.amount(after),
        signed(delta((before, after))),
        relative_change(before, after),
        thousands(total.before.files),
        crate::units::files(total.after.files),
    );
    if let Some(line) = class_changes(run.summary, metric) {
        let _ = writeln!(md, "{line}\n");
    }
    for line in notes(run) {
        let _ = writeln!(md, "{line}\n");
    }

    let header = ["Directory", "Before", "After", "Change", "%"];
    let row = |name: String, (before, after): (u64, u64)| {
        vec![
            name,
            thousands(before),
            thousands(after),
            signed(delta((before, after))),
            relative_change(before, after),
        ]
    };
    let add = |rest: &[(String, (u64, u64))]| {
        rest.iter().fold((0, 0), |(b, a), (_, (before, after))| {
            (b + before, a + after)
        })
    };
    if !directories.is_empty() {
        let _ = writeln!(md, "### Changed directories\n");
        let (shown, rest) = split(&directories, TOP_DIRECTORIES);
        let mut rows: Vec<Vec<String>> = shown
            .iter()
            .map(|(dir, ends)| row(directory(dir), *ends))
            .collect();
        if !rest.is_empty() {
            rows.push(row(more(rest.len()), add(rest)));
        }
        table(&mut md, &header, &rows);
        md.push('\n');
    }

    let _ = writeln!(md, "### Languages\n");
    let languages = sides.map(|s| s.languages.as_slice()).unwrap_or_default();
    let (shown, rest) = split(languages, TOP_LANGUAGES);
    let mut rows: Vec<Vec<String>> = shown
        .iter()
        .map(|(language, sides)| row(text(language.name()), ends(sides)))
        .collect();
    if !rest.is_empty() {
        let ends = rest.iter().fold((0, 0), |(b, a), (_, sides)| {
            let (before, after) = ends(sides);
            (b + before, a + after)
        });
        rows.push(row(more(rest.len()), ends));
    }
    rows.push(row("**Total**".into(), (before, after)));
    let header = ["Language", "Before", "After", "Change", "%"];
    table(&mut md, &header, &rows);

    // The files with the most added, and with the most removed.
    files.sort_by(|(pa, a), (pb, b)| delta(*b).cmp(&delta(*a)).then(pa.cmp(pb)));
    let split_at = files.partition_point(|(_, ends)| delta(*ends) > 0);
    let (added, removed) = files.split_at(split_at);
    let mut removed = removed.to_vec();
    removed.sort_by(|(pa, a), (pb, b)| delta(*a).cmp(&delta(*b)).then(pa.cmp(pb)));
    let header = ["File", "Before", "After", "Change", "%"];
    for (title, files) in [("Most added", added), ("Most removed", removed.as_slice())] {
        if files.is_empty() {
            continue;
        }
        let _ = writeln!(md, "\n### {title}\n");
        let (shown, rest) = split(files, TOP_FILES);
        let mut rows: Vec<Vec<String>> = shown
            .iter()
            .map(|(path, ends)| row(code(path, true), *ends))
            .collect();
        if !rest.is_empty() {
            rows.push(row(more(rest.len()), add(rest)));
        }
        table(&mut md, &header, &rows);
    }
    md
}

/// "Changed outside your own code: vendored +200 (1,000 → 1,200 code
/// lines) · generated −50 (50 → 0 code lines)"; `None` when no class's
/// metric changed.
fn class_changes(summary: &Summary, metric: Metric) -> Option<String> {
    let sides = summary.sides.as_ref()?;
    let changes: Vec<String> = sides
        .marked
        .iter()
        .filter_map(|(class, sides)| {
            let change = Change::of(sides);
            let (before, after) = (change.before.get(metric), change.after.get(metric));
            (before != after).then(|| {
                format!(
                    "{} {} ({} → {})",
                    class.name(),
                    signed(delta((before, after))),
                    thousands(before),
                    metric.amount(after)
                )
            })
        })
        .collect();
    (!changes.is_empty()).then(|| {
        format!(
            "**Changed outside your own code:** {}.",
            changes.join(" · ")
        )
    })
}

/// `after − before`.
fn delta((before, after): (u64, u64)) -> i128 {
    i128::from(after) - i128::from(before)
}

/// Sums `counts` of records per directory cut at depth 2 (escaped
/// components joined by `/`; "" for the files at the root), sorted by
/// path. `N` counts per record: one side, or before and after.
fn directories<const N: usize>(
    records: &[Record],
    counts: impl Fn(&Record) -> [Counts; N],
) -> Vec<(String, [Counts; N])> {
    let mut per_dir: BTreeMap<PathBuf, [Counts; N]> = BTreeMap::new();
    for record in records {
        let dir: PathBuf = record
            .path
            .parent()
            .unwrap_or(Path::new(""))
            .components()
            .take(2)
            .collect();
        let sums = per_dir.entry(dir).or_insert([Counts::default(); N]);
        for (sum, c) in sums.iter_mut().zip(counts(record)) {
            *sum += c;
        }
    }
    let mut out: Vec<(String, [Counts; N])> = per_dir
        .into_iter()
        .map(|(dir, sums)| (record_path_of(&dir), sums))
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// A directory's cell: its path in a code span, or "(top level)".
fn directory(dir: &str) -> String {
    if dir.is_empty() {
        TOP_LEVEL.to_string()
    } else {
        code(dir, true)
    }
}

fn sum(counts: impl Iterator<Item = Counts>) -> Counts {
    let mut total = Counts::default();
    for c in counts {
        total += c;
    }
    total
}

/// The entries listed, and those summed into one row (none when only one
/// would be: its own row takes the room of the sum's).
fn split<T>(items: &[T], top: usize) -> (&[T], &[T]) {
    if items.len() <= top + 1 {
        (items, &[])
    } else {
        items.split_at(top)
    }
}

/// The row that sums what is not listed.
fn more(n: usize) -> String {
    format!("*and {n} more*")
}

/// A table: the first column left-aligned, the others right-aligned.
fn table(md: &mut String, header: &[&str], rows: &[Vec<String>]) {
    let _ = writeln!(md, "| {} |", header.join(" | "));
    let rule: Vec<&str> = (0..header.len())
        .map(|i| if i == 0 { ":---" } else { "---:" })
        .collect();
    let _ = writeln!(md, "| {} |", rule.join(" | "));
    for row in rows {
        let _ = writeln!(md, "| {} |", row.join(" | "));
    }
}

/// `text` in a code span that shows it literally, whatever it holds: the
/// fence is one backtick longer than the longest run inside, with a space
/// inside each end when the text starts or ends with a backtick or a space
/// (CommonMark strips exactly one from each end). In a table cell `|`
/// is escaped, which GFM undoes inside code spans too. `text` has no
/// control characters (escaped as frames are), hence no line breaks.
pub(crate) fn code(text: &str, in_table: bool) -> String {
    let mut longest = 0;
    let mut run = 0;
    for c in text.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    let fence = "`".repeat(longest + 1);
    let pad = match (text.chars().next(), text.chars().last()) {
        (Some(a), Some(b)) => matches!(a, '`' | ' ') || matches!(b, '`' | ' '),
        _ => false,
    };
    let pad = if pad { " " } else { "" };
    let body = if in_table {
        text.replace('|', "\\|")
    } else {
        text.to_string()
    };
    format!("{fence}{pad}{body}{pad}{fence}")
}

/// `text` with the characters that Markdown (and GitHub's extensions:
/// strikethrough, math, tables) would read as syntax backslash-escaped,
/// and control characters escaped as in titles.
pub(crate) fn text(text: &str) -> String {
    let text = escape_text(text);
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(
            c,
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '&' | '|' | '~' | '$' | '#' | '!'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_spans_hold_any_text() {
        assert_eq!(code("src/net", true), "`src/net`");
        assert_eq!(code("a|b", true), "`a\\|b`");
        assert_eq!(code("a|b", false), "`a|b`");
        assert_eq!(code("a`b", false), "``a`b``");
        assert_eq!(code("``x", false), "``` ``x ```");
        assert_eq!(code(" x", false), "`  x `");
        assert_eq!(code("x*_<b>", false), "`x*_<b>`");
    }

    #[test]
    fn text_escapes_markdown_syntax() {
        assert_eq!(text("C++"), "C++");
        assert_eq!(text("F*"), "F\\*");
        assert_eq!(text("a_b|c<d>"), "a\\_b\\|c\\<d\\>");
        assert_eq!(text("x\ny"), "x\\\\x0Ay");
    }

    #[test]
    fn short_lists_are_not_cut_for_one_row() {
        let items: Vec<u32> = (0..11).collect();
        assert_eq!(split(&items, 10).1.len(), 0);
        let items: Vec<u32> = (0..12).collect();
        assert_eq!(split(&items, 10), (&items[..10], &items[10..]));
    }
}
