//! A directory on disk, walked in parallel with `ignore`.
//!
//! The walk only lists files: it never opens them (opening a FIFO blocks
//! forever, and reading is the count stage's job, done inside rayon's pool).
//! It hands them on in batches as it goes, so counting starts at once.
//! It honours `.gitignore`, `.ignore`, `.tokeignore` and git's exclude files, skips hidden
//! entries and never enters `.git`, and follows symbolic links only when
//! asked to, with `ignore`'s loop detection.

use std::io::Read;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};

use ignore::{DirEntry, ParallelVisitor, ParallelVisitorBuilder, WalkBuilder, WalkState};

use crate::config::WalkOptions;
use crate::error::{Error, Problem, display_path, io_reason};
use crate::progress::Progress;
use crate::source::git::Checkout;
use crate::source::listing::{Found, Keeping, Kept, Listings, MAX_FILES};
use crate::source::{Alias, ContentId, Data, Entry, Listed, Readable, Reader, Store};

/// Files are handed on in batches of this many: enough to make the
/// hand-off cost nothing per file, few enough that counting starts at once.
pub(crate) const BATCH: usize = 128;

/// What the walk found besides the files it handed on.
#[derive(Debug, Default)]
struct Walked {
    /// How many regular files were found.
    files: usize,
    /// Paths found but not yet handed on (one walker thread's batch).
    pending: Vec<PathBuf>,
    /// `.gitattributes` files found (even when hidden files are skipped):
    /// they say what is generated or vendored.
    attributes: Vec<PathBuf>,
    /// Entries that could not be read.
    problems: Vec<Problem>,
    /// Things worth saying that are not failures.
    notes: Vec<String>,
    /// What is recorded for the listing cache, while it is.
    found: Option<Found>,
    /// The listing being kept.
    keeping: Keeping,
}

/// Lists the files under `root` (or `root` itself when it is a file) as
/// entries, handing them to `on_batch` in batches from the walker threads,
/// in no particular order; then reads the `.gitattributes` that apply.
pub(crate) fn list(
    root: &Path,
    options: &WalkOptions,
    threads: usize,
    listings: Option<&Listings>,
    progress: &Progress,
    on_batch: &(dyn Fn(Vec<Entry>) + Sync),
) -> Result<Listed, Error> {
    let relative = |path: PathBuf| Entry {
        path: below(root, &path).to_path_buf(),
        content: ContentId::File(path),
    };
    let on_paths = |batch: Vec<PathBuf>| on_batch(batch.into_iter().map(relative).collect());
    let walked = walk_or_serve(root, options, threads, listings, progress, &on_paths)?;
    let (attributes, prefix) = directory_attributes(root, &walked.attributes);
    let notes = walked.notes;
    Ok(Listed {
        found: walked.files,
        problems: walked.problems,
        notes,
        attributes,
        prefix,
        keeping: walked.keeping,
    })
}

/// `path` relative to `root`, which the walk joined it from: the bytes
/// after root's and the separators that follow. (`Path::strip_prefix`
/// parses every component of both, a million times.)
fn below<'p>(root: &Path, path: &'p Path) -> &'p Path {
    let prefix = root.as_os_str().as_bytes();
    if let Some(rest) = path.as_os_str().as_bytes().strip_prefix(prefix) {
        if rest.is_empty() || rest[0] == b'/' || prefix.ends_with(b"/") {
            let start = rest.iter().position(|&b| b != b'/').unwrap_or(rest.len());
            return Path::new(std::ffi::OsStr::from_bytes(&rest[start..]));
        }
    }
    path.strip_prefix(root).unwrap_or(Path::new(""))
}

/// Files on disk, opened as the walk found them.
pub(crate) struct Files {
    root: PathBuf,
    /// Symbolic links are opened (the walk followed them).
    follow: bool,
    /// Whether files are looked up by the blob they hold (for the count
    /// cache).
    aliases: bool,
    /// The git work tree the files are in, opened on first use: a run
    /// that finds every file in the cache by its own name reads no index.
    checkout: OnceLock<Option<Checkout>>,
}

impl Files {
    pub(crate) fn new(root: &Path, follow: bool, aliases: bool) -> Files {
        Files {
            root: root.to_path_buf(),
            follow,
            aliases,
            checkout: OnceLock::new(),
        }
    }
}

impl Store for Files {
    fn reader(&self) -> Result<Box<dyn Reader + '_>, String> {
        Ok(Box::new(FileReader { files: self }))
    }
}

struct FileReader<'f> {
    files: &'f Files,
}

impl Reader for FileReader<'_> {
    fn alias(&mut self, entry: &Entry, stat: Option<&std::fs::Metadata>) -> Option<Alias> {
        let files = self.files;
        if !files.aliases {
            return None;
        }
        let checkout = files.checkout.get_or_init(|| Checkout::of(&files.root));
        Some(Alias::Blob(checkout.as_ref()?.blob(&entry.path, stat?)?))
    }

    fn alias_holds(&mut self, entry: &Entry) -> bool {
        match self.files.checkout.get() {
            Some(Some(checkout)) => !checkout.converts(&entry.path),
            _ => false,
        }
    }

    fn open(&mut self, entry: &Entry) -> std::io::Result<Option<Readable<'_>>> {
        let ContentId::File(path) = &entry.content else {
            return Err(std::io::Error::other("not a file on disk"));
        };
        match open_regular(path, self.files.follow) {
            // What was there at fstat is read: a file that grows is cut
            // there, one that shrinks ends early.
            Ok(Some((file, metadata))) => {
                let size = std::os::unix::fs::MetadataExt::size(&metadata);
                Ok(Some(Readable {
                    size,
                    content: Data::Stream(Box::new(file.take(size))),
                    note: None,
                    metadata: Some(metadata),
                }))
            }
            Ok(None) => Ok(None),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(err) => Err(err),
        }
    }
}

/// Opens `path` for reading if it is (still) a regular file. Non-blocking,
/// so a FIFO swapped in after the walk is detected instead of blocking the
/// run forever; without `follow`, a symbolic link swapped in is not opened.
/// Returns the file and its metadata.
fn open_regular(
    path: &Path,
    follow: bool,
) -> std::io::Result<Option<(std::fs::File, std::fs::Metadata)>> {
    use std::os::unix::fs::OpenOptionsExt;
    let mut flags = libc::O_NONBLOCK | libc::O_CLOEXEC;
    if !follow {
        flags |= libc::O_NOFOLLOW;
    }
    let file = match std::fs::File::options()
        .read(true)
        .custom_flags(flags)
        .open(path)
    {
        Ok(file) => file,
        Err(err) if err.raw_os_error() == Some(libc::ELOOP) && !follow => return Ok(None),
        Err(err) => return Err(err),
    };
    let metadata = file.metadata()?;
    if metadata.is_file() {
        Ok(Some((file, metadata)))
    } else {
        Ok(None)
    }
}

/// Hands on the files of the listing kept for `root` when it still holds
/// (see [`listing`](super::listing)), else walks and keeps what it found.
fn walk_or_serve(
    root: &Path,
    options: &WalkOptions,
    threads: usize,
    listings: Option<&Listings>,
    progress: &Progress,
    on_batch: &(dyn Fn(Vec<PathBuf>) + Sync),
) -> Result<Walked, Error> {
    let listings = listings.filter(|_| !options.follow && root.is_dir());
    let Some(listings) = listings else {
        return walk(root, options, threads, false, progress, on_batch);
    };
    let again = |dirs: &[&Path], depth: Option<usize>| rescan(root, options, dirs, depth);
    let kept = listings.serve(root, options, &again);
    // A measuring aid, as lib.rs's timings (the tests read it too).
    let say = |what: &str| {
        if std::env::var_os("REPOFLAME_TIMINGS").is_some() {
            eprintln!("timing: listing: {what}");
        }
    };
    let (walked_before, note) = match kept {
        Kept::Holds(served) => {
            match served.read_again {
                0 => say("served"),
                n => say(&format!(
                    "served, {n} director{} read again, {}",
                    if n == 1 { "y" } else { "ies" },
                    if served.update.is_some() {
                        "kept"
                    } else {
                        "not kept"
                    }
                )),
            }
            let keeping = served
                .update
                .map(|update| listings.update_meanwhile(update))
                .unwrap_or_default();
            let files = served.files.len();
            let mut files_left = served.files;
            while !files_left.is_empty() {
                let rest = files_left.split_off(files_left.len().saturating_sub(BATCH));
                progress.found(rest.len() as u64);
                on_batch(rest);
            }
            return Ok(Walked {
                files,
                attributes: served.attributes,
                keeping,
                ..Walked::default()
            });
        }
        Kept::Stale(note) => (true, note),
        Kept::Nothing => (false, None),
    };
    let mut walked = walk(root, options, threads, walked_before, progress, on_batch)?;
    let found = walked.found.take();
    let clean = walked.problems.is_empty() && walked.notes.is_empty();
    // Kept while the run goes on: stat-ing what the listing depends on
    // and writing it is a few percent of a cold run.
    walked.keeping = match (found, clean) {
        (Some(found), true) => listings.keep_meanwhile(root, options, found, move |kept| {
            say(if kept { "walked, kept" } else { "walked" })
        }),
        _ if !walked_before => {
            listings.mark(root, options);
            say("walked, marked");
            Keeping::default()
        }
        _ => {
            say("walked");
            Keeping::default()
        }
    };
    walked.notes.extend(note);
    Ok(walked)
}

/// Lists the files under `root` (or `root` itself when it is a file),
/// handing them to `on_batch` in batches (paths as walked: root joined with
/// the relative path), from the walker threads, in no particular order;
/// with `record`, also keeps what it found for the listing cache (up to
/// its limit).
fn walk(
    root: &Path,
    options: &WalkOptions,
    threads: usize,
    record: bool,
    progress: &Progress,
    on_batch: &(dyn Fn(Vec<PathBuf>) + Sync),
) -> Result<Walked, Error> {
    let metadata = std::fs::metadata(root).map_err(|err| Error::Source {
        path: display_path(root),
        reason: io_reason(&err),
    })?;

    if !metadata.is_dir() {
        if !metadata.is_file() {
            return Err(Error::Source {
                path: display_path(root),
                reason: "not a directory or a regular file".into(),
            });
        }
        progress.found(1);
        on_batch(vec![root.to_path_buf()]);
        return Ok(Walked {
            files: 1,
            ..Walked::default()
        });
    }

    let mut builder = builder(root, root, options)?;
    builder.threads(threads);

    let sink = Mutex::new(Walked {
        found: record.then(Found::default),
        ..Walked::default()
    });
    let recorded = AtomicUsize::new(0);
    let mut visitors = Collectors {
        root,
        sink: &sink,
        progress,
        on_batch,
        record: record.then_some(&recorded),
    };
    builder.build_parallel().visit(&mut visitors);
    let mut walked = sink.into_inner().expect("a walker thread panicked");
    if recorded.load(Ordering::Relaxed) > MAX_FILES {
        walked.found = None;
    }
    Ok(walked)
}

/// A walk of `start` as the walk of `root` goes: the same ignore rules,
/// hidden entries skipped but `.gitattributes`, `.git` never entered.
fn builder(root: &Path, start: &Path, options: &WalkOptions) -> Result<WalkBuilder, Error> {
    let mut builder = WalkBuilder::new(start);
    if !options.no_ignore {
        // tokei's own ignore file: a repository tuned for tokei counts the
        // same here.
        builder.add_custom_ignore_filename(".tokeignore");
    }
    let hidden = options.hidden;
    builder
        // Hidden entries are skipped below, except `.gitattributes`.
        .hidden(false)
        .ignore(!options.no_ignore)
        .git_ignore(!options.no_ignore)
        .git_global(!options.no_ignore)
        .git_exclude(!options.no_ignore)
        .parents(!options.no_ignore)
        .follow_links(options.follow)
        // A repository's database is never its code, even with --hidden.
        .filter_entry(move |entry| {
            let name = entry.file_name().as_bytes();
            let is_dir = entry.file_type().is_some_and(|t| t.is_dir());
            if name == b".git" && is_dir {
                return false;
            }
            hidden || name.first() != Some(&b'.') || (name == b".gitattributes" && !is_dir)
        });
    if !options.excludes.is_empty() {
        // Matched against paths as the walk of `root` names them.
        let overrides = super::excludes(root, &options.excludes)?;
        builder.overrides(overrides);
    }
    Ok(builder)
}

/// Reads directories under `root` again, as its walk would (see
/// [`Rescan`](super::listing::Rescan)), on this thread: they are few (a
/// parallel walk of them was slower on bench/cache's 1% run).
fn rescan(
    root: &Path,
    options: &WalkOptions,
    dirs: &[&Path],
    depth: Option<usize>,
) -> Option<Found> {
    let (first, rest) = dirs.split_first()?;
    let mut builder = builder(root, first, options).ok()?;
    for dir in rest {
        builder.add(dir);
    }
    builder.max_depth(depth);
    let mut found = Found::default();
    for entry in builder.build() {
        let entry = entry.ok()?;
        match entry.file_type() {
            Some(t) if t.is_dir() => found.dirs.push(entry.into_path()),
            Some(t) if t.is_file() && entry.file_name() == ".gitattributes" => {
                found.attributes.push(entry.into_path())
            }
            Some(t) if t.is_file() => found.files.push(entry.into_path()),
            _ => {}
        }
    }
    Some(found)
}

/// The name of the root frame: the directory's own name, never a path.
pub(crate) fn root_name(root: &Path) -> Vec<u8> {
    let named = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
    match named.file_name() {
        Some(name) => name.as_bytes().to_vec(),
        None => b"/".to_vec(),
    }
}

/// Hands each walker thread its own collector, so threads never contend.
struct Collectors<'s> {
    root: &'s Path,
    sink: &'s Mutex<Walked>,
    progress: &'s Progress,
    on_batch: &'s (dyn Fn(Vec<PathBuf>) + Sync),
    /// Files recorded for the listing cache by all threads, when it is.
    record: Option<&'s AtomicUsize>,
}

impl<'s> ParallelVisitorBuilder<'s> for Collectors<'s> {
    fn build(&mut self) -> Box<dyn ParallelVisitor + 's> {
        Box::new(Collector {
            root: self.root,
            found: Walked {
                found: self.record.map(|_| Found::default()),
                ..Walked::default()
            },
            sink: self.sink,
            progress: self.progress,
            on_batch: self.on_batch,
            recorded: self.record,
        })
    }
}

/// One walker thread's findings, merged into the sink when the thread ends.
struct Collector<'s> {
    root: &'s Path,
    found: Walked,
    sink: &'s Mutex<Walked>,
    progress: &'s Progress,
    on_batch: &'s (dyn Fn(Vec<PathBuf>) + Sync),
    recorded: Option<&'s AtomicUsize>,
}

impl Collector<'_> {
    fn hand_on(&mut self) {
        if !self.found.pending.is_empty() {
            let batch = std::mem::take(&mut self.found.pending);
            self.progress.found(batch.len() as u64);
            self.found.files += batch.len();
            (self.on_batch)(batch);
        }
    }
}

impl ParallelVisitor for Collector<'_> {
    fn visit(&mut self, entry: Result<DirEntry, ignore::Error>) -> WalkState {
        match entry {
            Ok(entry) => {
                let file_type = entry.file_type();
                if let Some(found) = &mut self.found.found {
                    if file_type.is_some_and(|t| t.is_dir()) {
                        found.dirs.push(entry.path().to_path_buf());
                    } else if file_type.is_some_and(|t| t.is_file()) {
                        let recorded = self
                            .recorded
                            .map_or(0, |r| r.fetch_add(1, Ordering::Relaxed));
                        match recorded < MAX_FILES {
                            true if entry.file_name() == ".gitattributes" => {
                                found.attributes.push(entry.path().to_path_buf())
                            }
                            true => found.files.push(entry.path().to_path_buf()),
                            // Too many to keep: what was recorded is freed.
                            false => self.found.found = None,
                        }
                    }
                }
                if file_type.is_some_and(|t| t.is_file()) {
                    if entry.file_name() == ".gitattributes" {
                        self.found.attributes.push(entry.into_path());
                        return WalkState::Continue;
                    }
                    self.found.pending.push(entry.into_path());
                    if self.found.pending.len() >= BATCH {
                        self.hand_on();
                    }
                }
            }
            Err(err) => record_error(err, None, self.root, &mut self.found),
        }
        WalkState::Continue
    }
}

impl Drop for Collector<'_> {
    fn drop(&mut self) {
        self.hand_on();
        let mut sink = self.sink.lock().unwrap_or_else(|e| e.into_inner());
        sink.files += self.found.files;
        sink.problems.append(&mut self.found.problems);
        sink.attributes.append(&mut self.found.attributes);
        sink.notes.append(&mut self.found.notes);
        match (&mut sink.found, self.found.found.take()) {
            (Some(all), Some(mine)) => {
                all.dirs.extend(mine.dirs);
                all.files.extend(mine.files);
                all.attributes.extend(mine.attributes);
            }
            // A thread that stopped recording: nothing is kept.
            (Some(_), None) => sink.found = None,
            (None, _) => {}
        }
    }
}

/// Turns a walk error below `root` into problems (unreadable entries) or
/// notes.
fn record_error(err: ignore::Error, path: Option<&Path>, root: &Path, found: &mut Walked) {
    match err {
        ignore::Error::WithDepth { err, .. } => record_error(*err, path, root, found),
        ignore::Error::WithPath { path, err } => record_error(*err, Some(&path), root, found),
        ignore::Error::WithLineNumber { line, err } => {
            let where_ = path
                .map(display_path)
                .unwrap_or_else(|| "ignore file".into());
            found.notes.push(format!("{where_}: line {line}: {err}"));
        }
        ignore::Error::Partial(errs) => {
            for err in errs {
                record_error(err, path, root, found);
            }
        }
        ignore::Error::Loop { ancestor, child } => found.notes.push(format!(
            "{}: symbolic link loop to {}: not followed",
            display_path(&child),
            display_path(&ancestor)
        )),
        ignore::Error::Io(io) => {
            let path = path.unwrap_or(Path::new("."));
            let message = if io.kind() == std::io::ErrorKind::NotFound
                && std::fs::symlink_metadata(path).is_ok_and(|m| m.is_symlink())
            {
                "dangling symbolic link".to_string()
            } else {
                io_reason(&io)
            };
            found.problems.push(Problem::below(root, path, message));
        }
        // Glob errors come from ignore files; they cost a rule, not a file.
        ignore::Error::Glob { glob, err } => {
            let where_ = path
                .map(display_path)
                .unwrap_or_else(|| "ignore file".into());
            let glob = glob.unwrap_or_default();
            found
                .notes
                .push(format!("{where_}: invalid glob {glob:?}: {err}"));
        }
        other => {
            let path = path.unwrap_or(Path::new("."));
            found.problems.push(Problem::below(root, path, other));
        }
    }
}
/// The `.gitattributes` that apply to a directory source: those the walk
/// found, and those of the directories above it up to the root of the git
/// work tree it is in. Returns them relative to that root (or to the
/// source when it is in no work tree), the source's place below it, and
/// notes about ignored lines.
fn directory_attributes(root: &Path, found: &[PathBuf]) -> (Vec<(PathBuf, Vec<u8>)>, PathBuf) {
    let mut attributes = Vec::new();
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
            attributes.push((dir, content));
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
        attributes.push((dir.to_path_buf(), content));
    }
    (attributes, prefix)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn below_the_root_is_what_strip_prefix_says() {
        let cases = [
            ("tree", "tree/a/b.rs"),
            ("tree/", "tree/a/b.rs"),
            ("tree//", "tree//a.rs"),
            (".", "./a.rs"),
            ("./src", "./src/x/y.c"),
            ("/", "/etc/x.conf"),
            ("/abs/root", "/abs/root/f"),
            ("file.rs", "file.rs"),
            ("tree", "treehouse/a.rs"),
        ];
        for (root, path) in cases {
            let expected = Path::new(path).strip_prefix(root).unwrap_or(Path::new(""));
            assert_eq!(
                below(Path::new(root), Path::new(path)),
                expected,
                "{root} {path}"
            );
        }
    }
}
