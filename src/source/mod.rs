//! Where file contents come from: a directory on disk ([`walk`]) or a
//! revision of a git repository ([`git`]). Either way the result is the
//! same plain data, one [`FileRecord`] per counted file, for the tree
//! stage.

pub mod git;
mod objects;
pub mod walk;

use std::path::{Path, PathBuf};

use crate::classify::{self, Attributes, Class};
use crate::config::{Config, Source, WalkOptions};
use crate::count::{self, CountOptions, FileRecord};
use crate::error::{Error, Problem, display_path};
use crate::progress::Progress;

/// Everything counted, before any output is chosen.
#[derive(Debug)]
pub struct Counted {
    /// The root frame's name, raw bytes.
    pub root_name: Vec<u8>,
    /// One record per counted file.
    pub records: Vec<FileRecord>,
    /// Unreadable entries, sorted.
    pub problems: Vec<Problem>,
    /// Notes, sorted.
    pub notes: Vec<String>,
    /// The revision counted, for a git source.
    pub revision: Option<git::Revision>,
}

/// The count stage's options from the configuration.
pub fn count_options(config: &Config) -> CountOptions<'_> {
    CountOptions {
        types: &config.walk.types,
        follow: config.walk.follow,
        stream_threshold: config.stream_threshold,
    }
}

/// Counts the source of `config`: a directory or one revision.
pub fn count(
    config: &Config,
    pool: &rayon::ThreadPool,
    progress: &Progress,
) -> Result<Counted, Error> {
    let mut counted = match &config.source {
        Source::Directory(root) => count_directory(root, config, pool, progress)?,
        Source::Revision { repo, rev } => {
            let opened = git::open(repo, rev.as_deref(), config.timeout, progress)?;
            let revision = git::resolve(&opened, rev.as_deref())?;
            let options = count_options(config);
            let count =
                git::count_revision(&opened, &revision, &config.walk, &options, pool, progress)?;
            let mut problems = count.problems;
            problems.sort();
            let mut records = count.records;
            if count.shape == git::Shape::File {
                // A one-file tree, as in the directory mode.
                for record in &mut records {
                    record.path = PathBuf::new();
                }
            }
            classify_records(&mut records, &count.attributes, opened.prefix(), pool);
            exclude_classes(&mut records, &config.walk);
            let place = format!("{} at {}", repo.describe(), revision.describe());
            check_countable(
                &records,
                &problems,
                count.listed,
                config,
                &place,
                "tracked ",
            )?;
            let mut notes = count.notes;
            notes.extend(revision.notes.iter().cloned());
            notes.sort();
            Counted {
                root_name: opened.name.clone(),
                records,
                problems,
                notes,
                revision: Some(revision),
            }
        }
        Source::Diff { .. } => unreachable!("a diff is counted by diff::run"),
    };
    if let Some(name) = &config.root_name {
        counted.root_name = name.as_bytes().to_vec();
    }
    Ok(counted)
}

/// Fails when nothing was counted, saying why: every entry unreadable, or
/// nothing in a known language.
fn check_countable(
    records: &[FileRecord],
    problems: &[Problem],
    seen: usize,
    config: &Config,
    root: &str,
    what: &str,
) -> Result<(), Error> {
    if !records.is_empty() {
        return Ok(());
    }
    if !problems.is_empty() {
        // A lone problem with the source itself says it all.
        if let [problem] = problems {
            if crate::error::elide(&problem.path) == root {
                return Err(Error::Source {
                    path: root.to_string(),
                    reason: problem.message.clone(),
                });
            }
        }
        return Err(Error::Unreadable {
            path: root.to_string(),
            problems: problems.to_vec(),
        });
    }
    let detail = if seen == 0 && what.is_empty() {
        "no files found (hidden and ignored files are skipped: try --hidden or --no-ignore)"
            .to_string()
    } else if seen == 0 {
        format!("no {what}files found (hidden files are skipped: try --hidden)")
    } else if config.walk.types.is_empty() {
        format!("none of the {seen} {what}files found is in a language tokei knows")
    } else {
        format!("none of the {seen} {what}files found is of the languages given with --type")
    };
    Err(Error::NothingCountable {
        path: root.to_string(),
        detail,
    })
}

/// Walks a directory and counts its files: the walk hands batches of files
/// to the pool as it finds them, so counting overlaps walking.
fn count_directory(
    root: &Path,
    config: &Config,
    pool: &rayon::ThreadPool,
    progress: &Progress,
) -> Result<Counted, Error> {
    let options = count_options(config);
    let counted = std::sync::Mutex::new(count::Counted::default());
    progress.start();
    let walked = pool.in_place_scope(|scope| {
        let on_batch = |batch: Vec<PathBuf>| {
            let (counted, options) = (&counted, &options);
            scope.spawn(move |_| {
                let batch = count::count_batch(batch, root, options, progress);
                counted
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .merge(batch);
            });
        };
        walk::walk(root, &config.walk, config.threads, progress, &on_batch)
    })?;
    progress.finish();
    let counted = counted.into_inner().unwrap_or_else(|e| e.into_inner());

    let mut problems = walked.problems;
    problems.extend(counted.problems);
    problems.sort();
    let mut notes = walked.notes;
    notes.extend(counted.notes);
    if counted.lfs_pointers > 0 {
        notes.push(count::lfs_note(counted.lfs_pointers));
    }
    let mut records = counted.records;
    let (attributes, prefix, attribute_notes) = directory_attributes(root, &walked.attributes);
    notes.extend(attribute_notes);
    classify_records(&mut records, &attributes, &prefix, pool);
    exclude_classes(&mut records, &config.walk);
    notes.sort();
    let place = display_path(root);
    check_countable(&records, &problems, walked.files, config, &place, "")?;
    Ok(Counted {
        root_name: walked.root_name,
        records,
        problems,
        notes,
        revision: None,
    })
}

/// Decides, for every record, whether it is generated, vendored or
/// documentation: its `.gitattributes` (given relative to the repository's
/// root, where the records' paths start at `prefix`), what its content
/// said at count time, its path.
pub fn classify_records(
    records: &mut [FileRecord],
    attributes: &Attributes,
    prefix: &Path,
    pool: &rayon::ThreadPool,
) {
    use rayon::prelude::*;
    pool.install(|| {
        records
            .par_iter_mut()
            .with_min_len(1024)
            .for_each(|record| {
                let class = if prefix.as_os_str().is_empty() {
                    classify::classify(attributes, &record.path, record.class.as_ref())
                } else if record.path.as_os_str().is_empty() {
                    // A one-file source: the file is `prefix` (joining an
                    // empty path would make it `prefix/`, a directory).
                    classify::classify(attributes, prefix, record.class.as_ref())
                } else {
                    classify::classify(
                        attributes,
                        &prefix.join(&record.path),
                        record.class.as_ref(),
                    )
                };
                record.class = class;
            });
    });
}

/// Leaves out what `--exclude-generated` and `--exclude-vendored` ask.
pub fn exclude_classes(records: &mut Vec<FileRecord>, walk: &WalkOptions) {
    if walk.exclude_generated || walk.exclude_vendored {
        records.retain(|r| match r.class.as_ref().map(|c| c.class) {
            Some(Class::Generated) => !walk.exclude_generated,
            Some(Class::Vendored) => !walk.exclude_vendored,
            _ => true,
        });
    }
}

/// The `.gitattributes` that apply to a directory source: those the walk
/// found, and those of the directories above it up to the root of the git
/// work tree it is in. Returns them relative to that root (or to the
/// source when it is in no work tree), the source's place below it, and
/// notes about ignored lines.
fn directory_attributes(root: &Path, found: &[PathBuf]) -> (Attributes, PathBuf, Vec<String>) {
    let mut attributes = Attributes::new();
    let mut notes = Vec::new();
    let root = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
    let base = root
        .ancestors()
        .find(|dir| dir.join(".git").exists())
        .unwrap_or(&root)
        .to_path_buf();
    let prefix = root
        .strip_prefix(&base)
        .unwrap_or(Path::new(""))
        .to_path_buf();
    // Above the source, from the work tree's root down.
    let mut dir = PathBuf::new();
    let mut above = vec![PathBuf::new()];
    for component in prefix.components() {
        dir.push(component);
        above.push(dir.clone());
    }
    above.pop();
    for dir in above {
        if let Ok(content) = std::fs::read(base.join(&dir).join(".gitattributes")) {
            notes.extend(attributes.add(&dir, &content));
        }
    }
    for file in found {
        let Ok(content) = std::fs::read(file) else {
            continue;
        };
        let file = std::fs::canonicalize(file).unwrap_or_else(|_| file.clone());
        let dir = file
            .parent()
            .and_then(|p| p.strip_prefix(&base).ok())
            .unwrap_or(Path::new(""));
        notes.extend(attributes.add(dir, &content));
    }
    (attributes, prefix, notes)
}
