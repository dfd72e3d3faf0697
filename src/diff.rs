//! What changed between two revisions: both are counted (each distinct
//! blob once), folded into one tree whose frames are as wide as the larger
//! of before and after, and written as a differential SVG, `stack before
//! after` folded lines, or a JSON report.

use std::io::{self, Write};

use serde::Serialize;

use crate::config::{Config, Format, Metric, Repo};
use crate::count::Counts;
use crate::error::Error;
use crate::progress::Progress;
use crate::render::json::{CountsOut, RevisionOut, Tool, record_path_of};
use crate::render::labels::{signed, thousands};
use crate::source::git::{self, DiffRecord, Revision};
use crate::tree::{Summary, Tree};
use crate::{Outcome, escape, output, source};

/// Counts both revisions of `repo` and writes the diff.
pub fn run(
    config: &Config,
    repo: &Repo,
    from: &str,
    to: &str,
    output: output::Output,
    pool: &rayon::ThreadPool,
    progress: &Progress,
) -> Result<Outcome, Error> {
    let opened = git::open(repo, None, config.timeout, progress)?;
    let before = git::resolve(&opened, Some(from))?;
    let after = git::resolve(&opened, Some(to))?;
    let options = source::count_options(config);
    let count = git::count_diff(
        &opened,
        &before,
        &after,
        &config.walk,
        &options,
        pool,
        progress,
    )?;
    let mut problems = count.problems;
    problems.sort();
    let prefix = opened.prefix().to_path_buf();
    let file = count.shape == git::Shape::File;
    let mut records = count.records;
    for record in &mut records {
        // A one-file tree (as in the directory mode) is the file at prefix.
        if file {
            record.path = std::path::PathBuf::new();
        }
        let path = if file {
            prefix.clone()
        } else {
            prefix.join(&record.path)
        };
        record.class = crate::classify::classify(&count.attributes, &path, record.class.as_ref());
    }
    records.retain(|r| match r.class.as_ref().map(|c| c.class) {
        Some(crate::classify::Class::Generated) => !config.walk.exclude_generated,
        Some(crate::classify::Class::Vendored) => !config.walk.exclude_vendored,
        _ => true,
    });
    let mut notes = count.notes;
    notes.extend(before.notes.iter().chain(&after.notes).cloned());
    notes.sort();
    notes.dedup();
    if records.is_empty() {
        return Err(Error::NothingCountable {
            path: repo.describe(),
            detail: format!(
                "no file in a language tokei knows at {} or {}",
                before.rev, after.rev
            ),
        });
    }
    let metric = config.metric;
    let root_name = match &config.root_name {
        Some(name) => name.as_bytes().to_vec(),
        None => opened.name.clone(),
    };
    let root_label = escape::escape(&root_name).into_owned();
    let range = format!("{}..{}", before.rev, after.rev);
    // The summary table on a terminal shows the later revision.
    let later: Vec<_> = records
        .iter()
        .filter_map(|r| {
            r.after.map(|counts| crate::count::FileRecord {
                path: r.path.clone(),
                language: r.language,
                counts,
                class: r.class.clone(),
            })
        })
        .collect();
    let summary = Summary::of(&later, metric);

    // On a worker, whose stack suits trees thousands of levels deep.
    let blobs_counted = count.blobs_counted;
    let (root_name, root_label, range) = (&root_name, &root_label, &range);
    let (before, after, summary_ref, problems_ref) = (&before, &after, &summary, &problems);
    pool.install(move || -> Result<(), Error> {
        let (summary, problems) = (summary_ref, problems_ref);
        match config.format {
            Format::Folded => {
                let tree = shaped(root_name, records, config);
                output.write(|out| write_folded(&tree, metric, out))?;
            }
            Format::Json => {
                let mut report = Report::new(root_label, before, after, metric, &records, problems);
                report.distinct_files_counted = blobs_counted;
                output.write(|out| {
                    serde_json::to_writer_pretty(&mut *out, &report)?;
                    out.write_all(b"\n")?;
                    out.flush()
                })?;
            }
            Format::Svg | Format::Html => {
                let tree = shaped(root_name, records, config);
                let title = config
                    .svg
                    .title
                    .clone()
                    .unwrap_or_else(|| format!("{root_label}: {range}"));
                crate::write_svg(output, tree, summary, config, pool, &title, |tree| {
                    subtitle(tree, metric, before, after)
                })?;
            }
        }
        Ok(())
    })?;
    Ok(Outcome {
        summary,
        problems,
        notes,
    })
}

/// The diff tree shaped as the view asks: language first, depth.
fn shaped(root_name: &[u8], mut records: Vec<DiffRecord>, config: &Config) -> Tree {
    if config.view.by_language {
        for r in &mut records {
            r.path = std::path::Path::new(r.language.name()).join(&r.path);
        }
    }
    let mut tree = Tree::build_diff(root_name, records);
    if let Some(depth) = config.view.depth {
        tree.fold_below(depth, config.metric);
    }
    tree
}

/// "12,345 → 12,900 code lines (+555: +700 −145 in 12 files) · v1 = 1a2b3c4 (…) → …"
fn subtitle(tree: &Tree, metric: Metric, before: &Revision, after: &Revision) -> String {
    let change = tree.root.change.as_deref().copied().unwrap_or_default();
    let (b, a) = (change.before.get(metric), change.after.get(metric));
    let (grown, shrunk, changed) = churn(&tree.root, metric);
    format!(
        "{} → {} ({}: +{} \u{2212}{} in {} changed) · {} → {}",
        thousands(b),
        metric.amount(a),
        signed(i128::from(a) - i128::from(b)),
        thousands(grown),
        thousands(shrunk),
        crate::render::labels::files(changed),
        before.describe(),
        after.describe()
    )
}

/// Lines added and removed over files (each file's net change), and how
/// many files changed.
fn churn(node: &crate::tree::Node, metric: Metric) -> (u64, u64, u64) {
    let net = |change: &crate::tree::Change| {
        let (b, a) = (change.before.get(metric), change.after.get(metric));
        match a.cmp(&b) {
            std::cmp::Ordering::Greater => (a - b, 0, 1),
            std::cmp::Ordering::Less => (0, b - a, 1),
            std::cmp::Ordering::Equal => (0, 0, 0),
        }
    };
    if node.children.is_empty() {
        return net(&node.change.as_deref().copied().unwrap_or_default());
    }
    // A file that is a directory at the other revision: the file, then
    // the directory's entries.
    let own = node.file_side().map_or((0, 0, 0), |file| net(&file.change));
    node.children.iter().fold(own, |acc, child| {
        let c = churn(child, metric);
        (acc.0 + c.0, acc.1 + c.1, acc.2 + c.2)
    })
}

/// `stack before after` lines, sorted: what `inferno-flamegraph` and
/// `flamegraph.pl` read as a differential flame graph.
pub fn write_folded<W: Write>(tree: &Tree, metric: Metric, mut out: W) -> io::Result<()> {
    let mut lines: Vec<String> = tree
        .diff_stacks(metric)
        .into_iter()
        .map(|(stack, before, after)| format!("{stack} {before} {after}"))
        .collect();
    lines.sort_unstable();
    for line in lines {
        out.write_all(line.as_bytes())?;
        out.write_all(b"\n")?;
    }
    out.flush()
}

/// The JSON report of a diff.
#[derive(Serialize)]
struct Report<'a> {
    repoflame: Tool,
    source: SourceOut<'a>,
    metric: &'static str,
    totals: Totals,
    /// Distinct (path, blob) pairs counted: unchanged files count once.
    distinct_files_counted: usize,
    files: Vec<FileOut>,
    problems: Vec<ProblemOut<'a>>,
}

#[derive(Serialize)]
struct SourceOut<'a> {
    name: &'a str,
    kind: &'static str,
    from: RevisionOut<'a>,
    to: RevisionOut<'a>,
}

#[derive(Serialize)]
struct Totals {
    before: CountsOut,
    after: CountsOut,
}

#[derive(Serialize)]
struct FileOut {
    path: String,
    language: &'static str,
    before: Option<CountsOut>,
    after: Option<CountsOut>,
}

#[derive(Serialize)]
struct ProblemOut<'a> {
    path: &'a str,
    message: &'a str,
}

impl<'a> Report<'a> {
    fn new(
        name: &'a str,
        from: &'a Revision,
        to: &'a Revision,
        metric: Metric,
        records: &[DiffRecord],
        problems: &'a [crate::Problem],
    ) -> Report<'a> {
        let mut before = Counts::default();
        let mut after = Counts::default();
        let mut files: Vec<FileOut> = records
            .iter()
            .map(|r| {
                before += r.before.unwrap_or_default();
                after += r.after.unwrap_or_default();
                FileOut {
                    path: record_path_of(&r.path),
                    language: r.language.name(),
                    before: r.before.as_ref().map(Into::into),
                    after: r.after.as_ref().map(Into::into),
                }
            })
            .collect();
        files.sort_unstable_by(|a, b| a.path.cmp(&b.path));
        Report {
            repoflame: Tool::this(),
            source: SourceOut {
                name,
                kind: "diff",
                from: from.into(),
                to: to.into(),
            },
            metric: metric.name(),
            totals: Totals {
                before: (&before).into(),
                after: (&after).into(),
            },
            distinct_files_counted: 0,
            files,
            problems: problems
                .iter()
                .map(|p| ProblemOut {
                    path: &p.relative,
                    message: &p.message,
                })
                .collect(),
        }
    }
}
