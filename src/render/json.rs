//! The machine-readable report (`--format json`), for CI.
//!
//! Shape (format version 1):
//!
//! ```text
//! { "repoflame": {"version", "format"},
//!   "source": {"name", "kind"},
//!   "metric": "code",
//!   "selection": {exclude, type, exclude_classes, hidden, no_ignore, follow},
//!   "history": {window, commits, max_commits, since, to, date},  with --color churn|age|authors
//!   "totals": {files, code, comments, blanks, lines, bytes},
//!   "marked": {generated, vendored, documentation: counts},  part of the totals
//!   "left_out": {… the same},  left out by --own or --exclude-…, when any
//!   "languages": [{name, files, code, comments, blanks, lines, bytes}],  largest first
//!   "files": [{path, language, code, comments, blanks, lines, bytes,
//!              history: {commits, authors, last_change}}],   sorted by path
//!   "problems": [{path, message}] }
//! ```
//!
//! A diff's report has `totals` and `languages` as `{before, after}` and
//! each file's counts `before` and `after` (`null` where it is absent).
//!
//! Paths, of files and of problems alike, are relative to the source,
//! components escaped as frames are and joined with `/`, and never
//! shortened (messages shorten very long ones).

use std::io::{self, Write};
use std::os::unix::ffi::OsStrExt;

use serde::{Deserialize, Serialize};

use crate::classify::{Class, Classification};
use crate::config::{Metric, WalkOptions};
use crate::escape::escape;
use crate::history::{Entry, History};
use crate::record::Counts;
use crate::record::Record;
use crate::render::Run;
use crate::source::RevisionInfo;
use crate::tree::{Change, Kind, Tree};
use std::collections::BTreeMap;
use tokei::LanguageType;

/// Version of the report's shape; bumped when a field changes meaning.
pub(crate) const FORMAT_VERSION: u32 = 1;

#[derive(Serialize)]
struct Report<'a> {
    repoflame: Tool,
    source: Source<'a>,
    metric: &'static str,
    /// The options that chose which files are counted.
    selection: Selection,
    totals: CountsOut,
    /// What linguist would call generated, vendored or documentation: part
    /// of the totals, counted separately too.
    marked: BTreeMap<&'static str, CountsOut>,
    /// What `--own` or an `--exclude-…` of a class left out: not part of
    /// the totals. Absent when nothing was.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    left_out: BTreeMap<&'static str, CountsOut>,
    /// The window of history, with `--color churn|age|authors`.
    #[serde(skip_serializing_if = "Option::is_none")]
    history: Option<WindowOut>,
    languages: Vec<LanguageOut>,
    files: Vec<FileOut>,
    problems: Vec<ProblemOut<'a>>,
}

/// The window a history was read from.
#[derive(Serialize)]
struct WindowOut {
    /// "the last 1,000 commits", "12 commits since 2025-01-01".
    window: String,
    /// Non-merge commits read.
    commits: usize,
    /// `--commits`, or null for no bound.
    max_commits: Option<usize>,
    /// The start of `--since`, `YYYY-MM-DD`, or null.
    since: Option<String>,
    /// The revision it ends at, and its date (what ages are measured
    /// from).
    to: String,
    date: String,
}

/// A file's (or folded directory's) history in the window.
#[derive(Serialize)]
struct HistoryOut {
    commits: u32,
    authors: u32,
    /// `YYYY-MM-DD` of the newest commit that changed it; null when none
    /// in the window did.
    last_change: Option<String>,
    /// False for a file of the work tree that is not in HEAD.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    uncommitted: bool,
}

/// The options of a run that decide which files are counted: what a
/// baseline made with them can be compared with (`baseline::selection`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Selection {
    /// `--exclude` globs, as given.
    pub(crate) exclude: Vec<String>,
    /// `--type`: tokei's names of the languages counted, sorted; empty
    /// for every language.
    #[serde(rename = "type")]
    pub(crate) types: Vec<String>,
    /// The classes left out (`--own`, `--exclude-generated`, …).
    pub(crate) exclude_classes: Vec<String>,
    /// `--hidden`, `--no-ignore`, `--follow`.
    pub(crate) hidden: bool,
    pub(crate) no_ignore: bool,
    pub(crate) follow: bool,
}

impl Selection {
    /// What `walk` counts.
    pub(crate) fn of(walk: &WalkOptions) -> Selection {
        let mut types: Vec<String> = walk.types.iter().map(|t| t.name().to_string()).collect();
        types.sort();
        types.dedup();
        let left_out = [
            walk.exclude_generated,
            walk.exclude_vendored,
            walk.exclude_documentation,
        ];
        Selection {
            exclude: walk.excludes.clone(),
            types,
            exclude_classes: Class::ALL
                .into_iter()
                .zip(left_out)
                .filter(|(_, out)| *out)
                .map(|(class, _)| class.name().to_string())
                .collect(),
            hidden: walk.hidden,
            no_ignore: walk.no_ignore,
            follow: walk.follow,
        }
    }
}

/// Who wrote a report, and in which shape.
#[derive(Serialize)]
pub(crate) struct Tool {
    version: &'static str,
    format: u32,
}

impl Tool {
    /// This build of repoflame, this report format.
    pub(crate) fn this() -> Tool {
        Tool {
            version: env!("CARGO_PKG_VERSION"),
            format: FORMAT_VERSION,
        }
    }
}

#[derive(Serialize)]
struct Source<'a> {
    name: &'a str,
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    revision: Option<RevisionOut<'a>>,
}

/// A revision as the reports write it.
#[derive(Serialize)]
pub(crate) struct RevisionOut<'a> {
    rev: &'a str,
    commit: Option<&'a str>,
    date: Option<&'a str>,
}

impl<'a> From<&'a RevisionInfo> for RevisionOut<'a> {
    fn from(r: &'a RevisionInfo) -> Self {
        RevisionOut {
            rev: &r.rev,
            commit: r.commit.as_deref(),
            date: r.date.as_deref(),
        }
    }
}

/// Counts as the reports write them.
#[derive(Serialize)]
pub(crate) struct CountsOut {
    files: u64,
    code: u64,
    comments: u64,
    blanks: u64,
    lines: u64,
    bytes: u64,
}

impl From<&Counts> for CountsOut {
    fn from(c: &Counts) -> Self {
        CountsOut {
            files: c.files,
            code: c.code,
            comments: c.comments,
            blanks: c.blanks,
            lines: c.lines(),
            bytes: c.bytes,
        }
    }
}

#[derive(Serialize)]
struct LanguageOut {
    name: &'static str,
    #[serde(flatten)]
    counts: CountsOut,
}

#[derive(Serialize)]
struct FileOut {
    path: String,
    /// `file`, or `directory` for a directory folded by `--depth`.
    kind: &'static str,
    /// The file's language; for a folded directory, the language with most
    /// of the metric in it.
    language: Option<&'static str>,
    files: u64,
    code: u64,
    comments: u64,
    blanks: u64,
    lines: u64,
    bytes: u64,
    /// `generated`, `vendored`, `documentation`, or null.
    class: Option<&'static str>,
    /// Why, when there is a class.
    reason: Option<String>,
    /// With a history: what it says of this path.
    #[serde(skip_serializing_if = "Option::is_none")]
    history: Option<HistoryOut>,
}

#[derive(Serialize)]
struct ProblemOut<'a> {
    path: &'a str,
    message: &'a str,
}

fn row(
    path: String,
    kind: &'static str,
    language: Option<LanguageType>,
    c: &Counts,
    class: Option<&Classification>,
) -> FileOut {
    FileOut {
        path,
        kind,
        language: language.map(LanguageType::name),
        files: c.files,
        code: c.code,
        comments: c.comments,
        blanks: c.blanks,
        lines: c.lines(),
        bytes: c.bytes,
        class: class.map(|c| c.class.name()),
        reason: class.map(|c| c.reason.to_string()),
        history: None,
    }
}

/// What `history` says of the entry at `row.path`.
fn history_of(history: &History, row: &FileOut) -> HistoryOut {
    let (stats, uncommitted) = match history.entry(&row.path, row.kind == "file") {
        Entry::Changed(stats) => (Some(stats), false),
        Entry::Unchanged => (None, false),
        Entry::Uncommitted => (None, true),
    };
    HistoryOut {
        commits: stats.as_ref().map_or(0, |s| s.commits),
        authors: stats.as_ref().map_or(0, |s| s.authors),
        last_change: stats.map(|s| crate::history::date(s.last.time, s.last.offset)),
        uncommitted,
    }
}

/// The window of `history`.
fn window_of(history: &History) -> WindowOut {
    use crate::config::Since;
    WindowOut {
        window: history.describe(),
        commits: history.commits.len(),
        max_commits: history.window.commits,
        since: history.window.since.map(|since| match since {
            Since::Date(t) => crate::history::date(t, 0),
            Since::Before(s) => crate::history::date(history.reference.0 - s, 0),
        }),
        to: history.revision.clone(),
        date: crate::history::date(history.reference.0, history.reference.1),
    }
}

/// The leaves of a tree folded by `--depth`, as report rows: files above
/// the depth, directories at it (a one-file source is its own leaf).
fn leaves(tree: &Tree) -> Vec<FileOut> {
    let mut out = Vec::new();
    let start = usize::from(tree.root().has_children());
    let mut names: Vec<&str> = Vec::new();
    for node in tree.nodes.iter().skip(start) {
        names.truncate((node.depth as usize).saturating_sub(start));
        names.push(&node.name);
        let path = names.join("/");
        match &node.kind {
            Kind::File(language) => out.push(row(
                path,
                "file",
                Some(*language),
                &node.counts,
                node.class.as_deref(),
            )),
            Kind::Dir | Kind::FileAndDir(_) if !node.has_children() => {
                out.push(row(path, "directory", node.tint, &node.counts, None))
            }
            _ => {
                if let Some(file) = node.file_side() {
                    let (language, class) = (Some(file.language), file.class.as_ref());
                    out.push(row(path, "file", language, &file.counts, class));
                }
            }
        }
    }
    out
}

/// A relative path for reports: escaped components joined by `/`.
pub(crate) fn record_path_of(relative: &std::path::Path) -> String {
    let mut path = String::new();
    for component in relative.components() {
        if !path.is_empty() {
            path.push('/');
        }
        path.push_str(&escape(component.as_os_str().as_bytes()));
    }
    path
}

/// The entries of the report: every file, or with `--depth` the leaves of
/// the folded tree (files above the depth, directories at it).
pub(crate) enum Entries<'a> {
    /// One entry per counted file.
    Files(&'a [Record]),
    /// The leaves of a tree folded by `--depth`.
    Folded(&'a Tree),
}

/// Writes the report of a run of one side; returns how many entries it
/// lists.
pub(crate) fn write<W: Write>(
    run: &Run<'_>,
    entries: Entries<'_>,
    metric: Metric,
    walk: &WalkOptions,
    mut out: W,
) -> io::Result<usize> {
    let mut files: Vec<FileOut> = match entries {
        Entries::Files(records) => records
            .iter()
            .map(|r| {
                row(
                    record_path_of(&r.path),
                    "file",
                    Some(r.language),
                    &r.counts,
                    r.class.as_deref(),
                )
            })
            .collect(),
        Entries::Folded(tree) => leaves(tree),
    };
    files.sort_unstable_by(|a, b| a.path.cmp(&b.path));
    if let Some(history) = run.history {
        for file in &mut files {
            file.history = Some(history_of(history, file));
        }
    }
    let listed = files.len();
    let summary = run.summary;
    let name = escape(&run.info.root_name);
    let revision = run.info.revisions.first();
    let report = Report {
        repoflame: Tool::this(),
        source: Source {
            name: &name,
            kind: if revision.is_some() {
                "revision"
            } else {
                "directory"
            },
            revision: revision.map(RevisionOut::from),
        },
        metric: metric.name(),
        selection: Selection::of(walk),
        history: run.history.map(window_of),
        totals: (&summary.totals).into(),
        marked: summary
            .marked
            .iter()
            .map(|(class, counts)| (class.name(), counts.into()))
            .collect(),
        left_out: summary
            .left_out
            .iter()
            .map(|(class, counts)| (class.name(), counts.into()))
            .collect(),
        languages: summary
            .languages
            .iter()
            .map(|(language, counts)| LanguageOut {
                name: language.name(),
                counts: counts.into(),
            })
            .collect(),
        files,
        problems: problems_out(run),
    };
    serde_json::to_writer_pretty(&mut out, &report)?;
    out.write_all(b"\n")?;
    out.flush()?;
    Ok(listed)
}

fn problems_out<'a>(run: &Run<'a>) -> Vec<ProblemOut<'a>> {
    run.problems
        .iter()
        .map(|p| ProblemOut {
            path: &p.relative,
            message: &p.message,
        })
        .collect()
}

/// The report of a diff: each file's counts before and after.
#[derive(Serialize)]
struct DiffReport<'a> {
    repoflame: Tool,
    source: DiffSource<'a>,
    metric: &'static str,
    totals: DiffTotals,
    /// Per language, largest first by the larger of before and after.
    languages: Vec<DiffLanguageOut>,
    /// Distinct (path, blob) pairs read: unchanged files count once.
    distinct_files_counted: usize,
    files: Vec<DiffFileOut>,
    problems: Vec<ProblemOut<'a>>,
}

#[derive(Serialize)]
struct DiffSource<'a> {
    name: &'a str,
    kind: &'static str,
    from: RevisionOut<'a>,
    to: RevisionOut<'a>,
}

#[derive(Serialize)]
struct DiffTotals {
    before: CountsOut,
    after: CountsOut,
}

#[derive(Serialize)]
struct DiffLanguageOut {
    name: &'static str,
    before: CountsOut,
    after: CountsOut,
}

#[derive(Serialize)]
struct DiffFileOut {
    path: String,
    language: &'static str,
    before: Option<CountsOut>,
    after: Option<CountsOut>,
}

/// Writes the report of a diff (a run of two sides).
pub(crate) fn write_diff<W: Write>(
    run: &Run<'_>,
    records: &[Record],
    metric: Metric,
    mut out: W,
) -> io::Result<()> {
    let mut totals = Change::default();
    let there = |c: Counts| (c.files > 0).then_some(c);
    let mut files: Vec<DiffFileOut> = records
        .iter()
        .map(|r| {
            let change = Change::of(r.sides.as_deref().unwrap_or_default());
            totals.before += change.before;
            totals.after += change.after;
            DiffFileOut {
                path: record_path_of(&r.path),
                language: r.language.name(),
                before: there(change.before).as_ref().map(Into::into),
                after: there(change.after).as_ref().map(Into::into),
            }
        })
        .collect();
    files.sort_unstable_by(|a, b| a.path.cmp(&b.path));
    let name = escape(&run.info.root_name);
    let revisions = &run.info.revisions;
    let report = DiffReport {
        repoflame: Tool::this(),
        source: DiffSource {
            name: &name,
            kind: "diff",
            from: (&revisions[0]).into(),
            to: (&revisions[revisions.len() - 1]).into(),
        },
        metric: metric.name(),
        totals: DiffTotals {
            before: (&totals.before).into(),
            after: (&totals.after).into(),
        },
        languages: run
            .summary
            .sides
            .iter()
            .flat_map(|sides| &sides.languages)
            .map(|(language, sides)| {
                let change = Change::of(sides);
                DiffLanguageOut {
                    name: language.name(),
                    before: (&change.before).into(),
                    after: (&change.after).into(),
                }
            })
            .collect(),
        distinct_files_counted: run.distinct,
        files,
        problems: problems_out(run),
    };
    serde_json::to_writer_pretty(&mut out, &report)?;
    out.write_all(b"\n")?;
    out.flush()
}
