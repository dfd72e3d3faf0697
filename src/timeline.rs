//! `--history`: the code map across revisions. The same stages as one
//! revision (list → count → classify → tree → views), run once per
//! revision, with the counts of every distinct content kept across them
//! ([`Memo`]) so that a blob met at an earlier revision is not read again.
//! What is kept of a revision is its totals, languages, directories to
//! `--depth` and (for the HTML page) its frames merged to a budget: memory
//! grows with distinct blobs and with revisions × directories, not with
//! revisions × files.

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use tokei::LanguageType;

use crate::classify;
use crate::config::{Config, HistorySpec, Metric, Repo, View};
use crate::count::{CountOptions, Counter, Memo};
use crate::error::{Error, Problem};
use crate::progress::Progress;
use crate::record::{self, Counts, Record, Summary};
use crate::source::RevisionInfo;
use crate::source::git::Sides;
use crate::tree::{Kind, Tree};
use crate::views;

/// The directories of a revision are summed to this depth unless
/// `--depth` says otherwise.
pub(crate) const DEFAULT_DEPTH: usize = 1;

/// A revision's frames for the HTML page: at most this many in all the
/// page, shared by its revisions, and never more than
/// [`MAX_FRAMES_PER_REVISION`] for one.
const PAGE_FRAMES: usize = 150_000;
const MAX_FRAMES_PER_REVISION: usize = 2_000;

/// The code map at each revision of a history.
pub(crate) struct Timeline {
    /// The source's name.
    pub(crate) root_name: Vec<u8>,
    /// How deep directories are summed.
    pub(crate) depth: usize,
    pub(crate) metric: Metric,
    /// Oldest first.
    pub(crate) samples: Vec<Sample>,
    /// Distinct contents read over all revisions.
    pub(crate) distinct: usize,
}

/// The code map at one revision.
pub(crate) struct Sample {
    pub(crate) revision: RevisionInfo,
    /// As `--rev` of the revision reports them.
    pub(crate) summary: Summary,
    /// Per directory to the depth (`.` for the files above it), by path.
    pub(crate) directories: BTreeMap<String, Counts>,
    /// The frames of its graph, in preorder (HTML only).
    pub(crate) frames: Vec<Frame>,
}

/// A frame of a revision's graph, for the page's script to draw.
pub(crate) struct Frame {
    pub(crate) depth: u32,
    /// Where it starts, in the metric's units from the left.
    pub(crate) x: u64,
    pub(crate) width: u64,
    pub(crate) name: Box<str>,
    /// A file's language (a merged frame's or directory's: none).
    pub(crate) language: Option<LanguageType>,
    /// `d` directory, `f` file, `m` merged small entries.
    pub(crate) kind: char,
}

/// What a history run found.
pub(crate) struct Ran {
    pub(crate) timeline: Timeline,
    pub(crate) problems: Vec<Problem>,
    pub(crate) notes: Vec<String>,
}

/// Counts every revision of `repo` that `spec` names.
pub(crate) fn run(
    config: &Config,
    repo: &Repo,
    spec: &HistorySpec,
    pool: &rayon::ThreadPool,
    progress: &Progress,
) -> Result<Ran, Error> {
    let (sides, note) = Sides::open_history(repo, spec, config.timeout, progress)?;
    let info = sides.info();
    let root_name = match &config.root_name {
        Some(name) => name.as_bytes().to_vec(),
        None => info.root_name.clone(),
    };
    let store = sides.store(config.stream_threshold);
    let memo = Memo::default();
    let options = CountOptions {
        types: &config.walk.types,
        stream_threshold: config.stream_threshold,
        follow: false,
    };
    let depth = config.view.depth.unwrap_or(DEFAULT_DEPTH);
    let frames = match config.format {
        crate::config::Format::Html => {
            (PAGE_FRAMES / sides.len().max(1)).clamp(100, MAX_FRAMES_PER_REVISION)
        }
        _ => 0,
    };
    let mut notes: Vec<String> = note.into_iter().collect();
    let mut problems = Vec::new();
    // The persistent count cache: what an earlier run counted is not read
    // again either (the memo covers the revisions of this run).
    let cache = config.cache.as_ref().map(|c| {
        let (cache, note) = crate::count::cache::Cache::open(&c.dir, c.limit);
        notes.extend(note);
        cache
    });
    let mut samples = Vec::with_capacity(sides.len());
    // The bar counts revisions; the files of each are not shown.
    let files = Progress::hidden();
    progress.start_revisions(info.revisions.len() as u64);
    for (side, revision) in info.revisions.iter().enumerate() {
        let name = PathBuf::from(OsStr::from_bytes(&root_name));
        let counter = Counter::new(options.clone(), &store, cache.as_ref(), &name, 1, &files)
            .with_memo(&memo);
        let listed = pool.in_place_scope(|scope| {
            let counter = &counter;
            let cache_dir = config.cache.as_ref().map(|c| c.dir.as_path());
            sides.list_one(side, &config.walk, cache_dir, &files, &move |_, batch| {
                scope.spawn(move |_| counter.count_batch(0, batch))
            })
        })?;
        let counted = counter.finish();
        let mut attributes = classify::Attributes::new();
        for (dir, content) in &listed.attributes {
            notes.extend(attributes.add(dir, content));
        }
        let mut records = counted.records;
        for record in &mut records {
            classify::apply(&record.path, &mut record.class, &attributes, &listed.prefix);
        }
        let left_out = record::leave_out(&mut records, |r| {
            classify::kept(r.class.as_deref(), &config.walk)
        });
        let mut summary = Summary::of(&records, config.metric);
        summary.left_out = left_out;
        notes.extend(listed.notes);
        notes.extend(counted.notes);
        for problem in listed.problems.into_iter().chain(counted.problems) {
            let mut problem = problem;
            problem.message = format!("at {}: {}", revision.rev, problem.message);
            problems.push(problem);
        }
        let directories = directories(&records, depth);
        let frames = if frames > 0 {
            frames_of(&root_name, records, config.metric, frames)
        } else {
            Vec::new()
        };
        samples.push(Sample {
            revision: revision.clone(),
            summary,
            directories,
            frames,
        });
        progress.revision_done(memo.reads());
    }
    progress.finish();
    if let Some(cache) = cache {
        notes.extend(cache.save());
    }
    notes.sort();
    notes.dedup();
    problems.sort();
    Ok(Ran {
        timeline: Timeline {
            root_name,
            depth,
            metric: config.metric,
            samples,
            distinct: memo.reads(),
        },
        problems,
        notes,
    })
}

/// The directory of `path` at `depth` (`.` for a file above it).
fn directory_at(path: &Path, depth: usize) -> String {
    let parent = path.parent().unwrap_or(Path::new(""));
    let kept: PathBuf = parent.components().take(depth).collect();
    match kept.as_os_str().is_empty() {
        true => ".".to_string(),
        false => crate::render::json::record_path_of(&kept),
    }
}

/// The records summed per directory to `depth`.
fn directories(records: &[Record], depth: usize) -> BTreeMap<String, Counts> {
    let mut sums: BTreeMap<String, Counts> = BTreeMap::new();
    for record in records {
        *sums.entry(directory_at(&record.path, depth)).or_default() += record.counts;
    }
    sums
}

/// The frames of the graph of `records`, small entries merged to at most
/// `budget` frames.
fn frames_of(root_name: &[u8], records: Vec<Record>, metric: Metric, budget: usize) -> Vec<Frame> {
    let mut tree: Tree = views::shaped(root_name, records, &View::default(), metric);
    views::merge_for_drawing(&mut tree, metric, 1, budget);
    let mut frames = Vec::new();
    // Where the next child starts at each depth.
    let mut cursor: Vec<u64> = vec![0];
    for node in &tree.nodes {
        let depth = node.depth as usize;
        let width = node.counts.get(metric);
        cursor.resize(depth + 2, 0);
        let x = cursor[depth];
        cursor[depth] += width;
        cursor[depth + 1] = x;
        if width == 0 {
            continue;
        }
        let (language, kind) = match &node.kind {
            Kind::File(language) => (Some(*language), 'f'),
            Kind::Small(_) => (node.tint, 'm'),
            Kind::Dir | Kind::FileAndDir(_) => (None, 'd'),
        };
        frames.push(Frame {
            depth: node.depth,
            x,
            width,
            name: node.name.clone(),
            language,
            kind,
        });
    }
    frames
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_summed_into_their_directory_at_the_depth() {
        assert_eq!(directory_at(Path::new("src/net/tcp.rs"), 1), "src");
        assert_eq!(directory_at(Path::new("src/net/tcp.rs"), 2), "src/net");
        assert_eq!(directory_at(Path::new("src/lib.rs"), 2), "src");
        assert_eq!(directory_at(Path::new("README.md"), 1), ".");
    }
}
