//! `--baseline REPORT.json`: the before side of a diff read from a JSON
//! report saved earlier (the main branch's CI artifact), so that a
//! shallow checkout can be compared without git history.
//!
//! A baseline is a listing whose counts are already known: its entries
//! are joined with the records of this run by path, as the two sides of
//! `--diff` are, and everything after (summary, views, every renderer)
//! sees a run of two sides. Only a report that can be that is taken: the
//! report of one side (not a diff), of this report format, with every
//! file listed (not folded by `--depth`), counting the metric of this run.
//!
//! A baseline that can be compared but would give a misleading diff is
//! named in a warning: one made with options that count other files
//! (`selection`), or one of another project (few paths in common).

pub(crate) mod selection;

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use tokei::LanguageType;

use crate::classify::{Class, Classification};
use crate::config::Config;
use crate::error::{Error, display_path, io_reason};
use crate::record::{Counts, Record, widest};
use crate::render::json::FORMAT_VERSION;
use crate::source::RevisionInfo;
use selection::Selection;

/// A report read back: its revision (when it had one) and its entries.
#[derive(Debug)]
pub(crate) struct Baseline {
    /// The before side, as titles and reports name it.
    pub(crate) revision: RevisionInfo,
    entries: Vec<Entry>,
    /// Which files it counted.
    selection: Selection,
}

#[derive(Debug)]
struct Entry {
    path: PathBuf,
    language: LanguageType,
    counts: Counts,
    class: Option<Class>,
}

#[derive(Deserialize)]
struct ReportIn {
    repoflame: ToolIn,
    source: SourceIn,
    metric: String,
    files: Vec<FileIn>,
    /// Absent in reports of repoflame 0.1.0 before it was recorded.
    #[serde(default)]
    selection: Option<Selection>,
    #[serde(default)]
    left_out: BTreeMap<String, serde_json::Value>,
}

#[derive(Deserialize)]
struct ToolIn {
    format: u64,
}

#[derive(Deserialize)]
struct SourceIn {
    #[serde(default)]
    revision: Option<RevisionIn>,
}

#[derive(Deserialize)]
struct RevisionIn {
    rev: String,
    commit: Option<String>,
    date: Option<String>,
}

#[derive(Deserialize)]
struct FileIn {
    path: String,
    kind: String,
    language: Option<String>,
    files: u64,
    code: u64,
    comments: u64,
    blanks: u64,
    bytes: u64,
    class: Option<String>,
}

impl Baseline {
    /// Reads and checks the report at `path` for a run of `config`.
    pub(crate) fn load(path: &Path, config: &Config) -> Result<Baseline, Error> {
        let fail = |reason: String| Error::Baseline {
            path: display_path(path),
            reason,
        };
        let text = std::fs::read(path).map_err(|err| fail(io_reason(&err)))?;
        // The version first: a report of another format may not have the
        // fields this one reads.
        let value: serde_json::Value = serde_json::from_slice(&text)
            .map_err(|err| fail(format!("not a JSON report: {err}")))?;
        match value.pointer("/repoflame/format").and_then(|v| v.as_u64()) {
            Some(FORMAT_VERSION_U64) => {}
            Some(other) => {
                return Err(fail(format!(
                    "a report of format {other}; this repoflame reads format {FORMAT_VERSION}"
                )));
            }
            None => return Err(fail("not a repoflame JSON report".into())),
        }
        // A diff's report has another shape: say what it is.
        if value.pointer("/source/kind").and_then(|v| v.as_str()) == Some("diff") {
            return Err(fail(
                "the report of a diff: give the report of one directory or revision".into(),
            ));
        }
        let report: ReportIn = serde_json::from_value(value)
            .map_err(|err| fail(format!("not a repoflame JSON report: {err}")))?;
        debug_assert_eq!(report.repoflame.format, FORMAT_VERSION_U64);
        if report.metric != config.metric.name() {
            return Err(fail(format!(
                "counts --metric {}, this run --metric {}: give the same metric",
                report.metric,
                config.metric.name()
            )));
        }
        let mut entries = Vec::with_capacity(report.files.len());
        for file in report.files {
            if file.kind != "file" {
                return Err(fail(
                    "made with --depth (directories folded): give a report of every file".into(),
                ));
            }
            let bad = |what: &str| fail(format!("{}: {what}", file.path));
            let mut path = PathBuf::new();
            for component in file.path.split('/').filter(|c| !c.is_empty()) {
                let bytes = crate::escape::unescape(component).map_err(|_| bad("not a path"))?;
                path.push(OsStr::from_bytes(&bytes));
            }
            let name = file.language.as_deref().unwrap_or_default();
            let language = name
                .parse::<LanguageType>()
                .map_err(|_| bad(&format!("unknown language {name:?}")))?;
            let class = match file.class.as_deref() {
                None => None,
                Some(name) => Some(
                    Class::ALL
                        .into_iter()
                        .find(|c| c.name() == name)
                        .ok_or_else(|| bad(&format!("unknown class {name:?}")))?,
                ),
            };
            let counts = Counts {
                files: file.files,
                code: file.code,
                comments: file.comments,
                blanks: file.blanks,
                bytes: file.bytes,
                // A report has no history (and `--metric commits` is
                // refused with --baseline).
                commits: 0,
            };
            entries.push(Entry {
                path,
                language,
                counts,
                class,
            });
        }
        let revision = match report.source.revision {
            Some(mut r) => {
                // `HEAD` named the checkout that made the report, not
                // this one: its commit says which it was.
                if let (Some(commit), "HEAD") = (&r.commit, r.rev.as_str()) {
                    r.rev = commit.chars().take(7).collect();
                }
                RevisionInfo {
                    described: describe(&r.rev, r.commit.as_deref(), r.date.as_deref()),
                    rev: r.rev,
                    commit: r.commit,
                    date: r.date,
                }
            }
            None => {
                let shown = display_path(path);
                RevisionInfo {
                    described: format!("baseline {shown}"),
                    rev: shown,
                    commit: None,
                    date: None,
                }
            }
        };
        // A report that does not record its selection still names the
        // classes it left out files of.
        let selection = report.selection.unwrap_or_else(|| Selection {
            exclude_classes: Class::ALL
                .into_iter()
                .map(|class| class.name().to_string())
                .filter(|name| report.left_out.contains_key(name))
                .collect(),
            ..Selection::default()
        });
        Ok(Baseline {
            revision,
            entries,
            selection,
        })
    }

    /// Joins the baseline (before) with `records` of one side (after) by
    /// path: records of two sides, sorted by path, and the warnings a
    /// misleading comparison deserves. Entries this run would not count
    /// (a class of `--own` or `--exclude-…`, an `--exclude` glob, a
    /// language not given with `--type`) are left out of the baseline
    /// too.
    pub(crate) fn join(
        self,
        records: Vec<Record>,
        config: &Config,
    ) -> Result<(Vec<Record>, Vec<String>), Error> {
        let mut notes = Vec::new();
        notes.extend(self.selection.warning(&Selection::of(&config.walk)));
        let excludes = crate::source::excludes(Path::new("/"), &config.walk.excludes)?;
        let types = &config.walk.types;
        let mut joined: BTreeMap<PathBuf, (Option<Entry>, Option<Record>)> = BTreeMap::new();
        for entry in self.entries {
            let class = entry.class.map(|class| Classification {
                class,
                reason: "".into(),
            });
            // As the listing of a revision applies them: to the file and
            // to every directory above it.
            let absolute = Path::new("/").join(&entry.path);
            let excluded = absolute
                .ancestors()
                .take_while(|p| p.parent().is_some())
                .any(|p| excludes.matched(p, p != absolute).is_ignore());
            if crate::classify::kept(class.as_ref(), &config.walk)
                && (types.is_empty() || types.contains(&entry.language))
                && !excluded
            {
                let path = entry.path.clone();
                joined.entry(path).or_default().0 = Some(entry);
            }
        }
        let before = joined.len();
        let (after, mut common) = (records.len(), 0);
        for record in records {
            let path = record.path.to_path_buf();
            let sides = joined.entry(path).or_default();
            common += usize::from(sides.0.is_some());
            sides.1 = Some(record);
        }
        notes.extend(kinship(before, after, common));
        let records = joined
            .into_iter()
            .map(|(path, (before, after))| {
                let sides: Box<[Counts]> = Box::new([
                    before.as_ref().map(|e| e.counts).unwrap_or_default(),
                    after.as_ref().map(|r| r.counts).unwrap_or_default(),
                ]);
                let counts = widest(&sides);
                match (after, before) {
                    (Some(after), _) => Record {
                        counts,
                        sides: Some(sides),
                        ..after
                    },
                    (None, Some(before)) => Record {
                        path: path.into_boxed_path(),
                        language: before.language,
                        counts,
                        sides: Some(sides),
                        class: before.class.map(|class| {
                            Box::new(Classification {
                                class,
                                reason: "in the baseline".into(),
                            })
                        }),
                    },
                    (None, None) => unreachable!("every path comes from one side"),
                }
            })
            .collect();
        Ok((records, notes))
    }
}

/// The warning for a baseline that seems to be of another project: fewer
/// than a quarter of the files of the smaller side are at paths the other
/// side has too. Paths, not names or remotes: a CI checkout's directory
/// and remote say little, while a project keeps most of its paths from
/// one report to the next. The smaller side, so that a change adding or
/// deleting many files does not count; a quarter, so that even a
/// refactoring that moves half the files passes, while two unrelated
/// projects share only conventional names (`README.md`, `src/main.rs`),
/// a handful, short of a quarter of all but the smallest trees.
fn kinship(before: usize, after: usize, common: usize) -> Option<String> {
    let smaller = before.min(after);
    if smaller == 0 || common * 4 >= smaller {
        return None;
    }
    let (whose, other) = if before <= after {
        ("its", "this source has")
    } else {
        ("this source's", "the baseline has")
    };
    let share = crate::units::rough_percent(common as u64, smaller as u64);
    Some(format!(
        "the baseline seems to be another project's: only {common} of {whose} {smaller} files \
         ({share}) are at paths {other} too; compare with a report of this project"
    ))
}

/// The report format as JSON holds it.
const FORMAT_VERSION_U64: u64 = FORMAT_VERSION as u64;

/// `v1.2 = 1a2b3c4 (2026-11-20)`, as a revision is described when it is
/// counted from git (`source::git`), so that titles and subtitles are
/// those of the same diff.
fn describe(rev: &str, commit: Option<&str>, date: Option<&str>) -> String {
    match (commit, date) {
        (Some(commit), Some(date)) => {
            let short: String = commit.chars().take(7).collect();
            if commit.starts_with(rev) {
                format!("{short} ({date})")
            } else {
                format!("{rev} = {short} ({date})")
            }
        }
        _ => rev.to_string(),
    }
}

/// The after side of a run compared with a baseline, when it is not a
/// revision: the files as they are.
pub(crate) fn working_tree() -> RevisionInfo {
    RevisionInfo {
        rev: "working tree".into(),
        commit: None,
        date: None,
        described: "the working tree".into(),
    }
}
