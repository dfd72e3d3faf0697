//! The machine-readable report (`--format json`), for CI.
//!
//! Shape (format version 1):
//!
//! ```text
//! { "repoflame": {"version", "format"},
//!   "source": {"name", "kind"},
//!   "metric": "code",
//!   "totals": {files, code, comments, blanks, lines, bytes},
//!   "languages": [{name, files, code, comments, blanks, lines, bytes}],  largest first
//!   "files": [{path, language, code, comments, blanks, lines, bytes}],   sorted by path
//!   "problems": [{path, message}] }
//! ```
//!
//! Paths, of files and of problems alike, are relative to the source,
//! components escaped as frames are and joined with `/`, and never
//! shortened (messages shorten very long ones).

use std::io::{self, Write};
use std::os::unix::ffi::OsStrExt;

use serde::Serialize;

use crate::classify::Classification;
use crate::config::Metric;
use crate::count::{Counts, FileRecord};
use crate::error::Problem;
use crate::escape::escape;
use crate::source::git::Revision;
use crate::tree::{Kind, Node, Summary, Tree};
use std::collections::BTreeMap;
use tokei::LanguageType;

/// Version of the report's shape; bumped when a field changes meaning.
pub const FORMAT_VERSION: u32 = 1;

#[derive(Serialize)]
struct Report<'a> {
    repoflame: Tool,
    source: Source<'a>,
    metric: &'static str,
    totals: CountsOut,
    /// What linguist would call generated, vendored or documentation: part
    /// of the totals, counted separately too.
    marked: BTreeMap<&'static str, CountsOut>,
    languages: Vec<LanguageOut>,
    files: Vec<FileOut>,
    problems: Vec<ProblemOut<'a>>,
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

impl<'a> From<&'a Revision> for RevisionOut<'a> {
    fn from(r: &'a Revision) -> Self {
        RevisionOut {
            rev: &r.rev,
            commit: r.commit.as_deref(),
            date: r.date.as_deref(),
        }
    }
}

/// What the report says about the source.
pub struct SourceInfo<'a> {
    /// The root frame's name, escaped.
    pub name: &'a str,
    /// The revision counted, for a git source.
    pub revision: Option<&'a Revision>,
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
    }
}

/// The leaves below `node` (whose path is `prefix`), as report rows.
fn leaves(node: &Node, prefix: String, out: &mut Vec<FileOut>) {
    let path = if prefix.is_empty() {
        node.name.clone()
    } else {
        format!("{prefix}/{}", node.name)
    };
    match &node.kind {
        Kind::File(language) => out.push(row(
            path,
            "file",
            Some(*language),
            &node.counts,
            node.class.as_deref(),
        )),
        Kind::Dir | Kind::FileAndDir(_) if node.children.is_empty() => {
            out.push(row(path, "directory", node.tint, &node.counts, None))
        }
        _ => {
            if let Some(file) = node.file_side() {
                let (language, class) = (Some(file.language), file.class.as_ref());
                out.push(row(path.clone(), "file", language, &file.counts, class));
            }
            for child in &node.children {
                leaves(child, path.clone(), out);
            }
        }
    }
}

/// The path of a record for reports: escaped components joined by `/`.
pub fn record_path(record: &FileRecord) -> String {
    record_path_of(&record.path)
}

/// A relative path for reports: escaped components joined by `/`.
pub fn record_path_of(relative: &std::path::Path) -> String {
    let mut path = String::new();
    for component in relative.components() {
        if !path.is_empty() {
            path.push('/');
        }
        path.push_str(&escape(component.as_os_str().as_bytes()));
    }
    path
}

/// Writes the report. `records` need not be sorted.
/// The entries of the report: every file, or with `--depth` the leaves of
/// the folded tree (files above the depth, directories at it).
pub enum Entries<'a> {
    /// One entry per counted file.
    Files(&'a [FileRecord]),
    /// The leaves of a tree folded by `--depth`.
    Folded(&'a Tree),
}

/// Writes the report.
pub fn write<W: Write>(
    source: &SourceInfo<'_>,
    entries: Entries<'_>,
    summary: &Summary,
    metric: Metric,
    problems: &[Problem],
    mut out: W,
) -> io::Result<()> {
    let mut files: Vec<FileOut> = match entries {
        Entries::Files(records) => records
            .iter()
            .map(|r| {
                row(
                    record_path(r),
                    "file",
                    Some(r.language),
                    &r.counts,
                    r.class.as_ref(),
                )
            })
            .collect(),
        Entries::Folded(tree) => {
            let mut rows = Vec::new();
            for child in &tree.root.children {
                leaves(child, String::new(), &mut rows);
            }
            if tree.root.children.is_empty() {
                leaves(&tree.root, String::new(), &mut rows);
            }
            rows
        }
    };
    files.sort_unstable_by(|a, b| a.path.cmp(&b.path));
    let report = Report {
        repoflame: Tool::this(),
        source: Source {
            name: source.name,
            kind: if source.revision.is_some() {
                "revision"
            } else {
                "directory"
            },
            revision: source.revision.map(RevisionOut::from),
        },
        metric: metric.name(),
        totals: (&summary.totals).into(),
        marked: summary
            .marked
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
        problems: problems
            .iter()
            .map(|p| ProblemOut {
                path: &p.relative,
                message: &p.message,
            })
            .collect(),
    };
    serde_json::to_writer_pretty(&mut out, &report)?;
    out.write_all(b"\n")?;
    out.flush()
}
