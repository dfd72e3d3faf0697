//! Where content comes from: a directory on disk ([`walk`]) or the
//! revisions of a git repository ([`git`]).
//!
//! A source yields *listings*, one per side (one for a directory or a
//! revision, two for a diff): entries with a path and a content id, handed
//! on in batches as they are found so that counting overlaps listing. The
//! count stage reads content through a [`Store`], without knowing whether
//! it is a file on disk or a blob in git's object database.

pub(crate) mod git;
pub(crate) mod listing;
pub(crate) mod walk;

use std::io::{self, Read};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use ignore::overrides::{Override, OverrideBuilder};

use crate::config::{Config, Source};
use crate::error::{Error, Problem};
use crate::progress::Progress;

/// One file of a listing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Entry {
    /// Path relative to the source root; empty when the source is the file.
    pub(crate) path: PathBuf,
    /// Where its content is.
    pub(crate) content: ContentId,
}

/// Where the content of an entry is; only its [`Store`] opens it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum ContentId {
    /// A file on disk, at this path (the root joined with the entry's).
    File(PathBuf),
    /// A blob of the repository.
    Blob(git2::Oid),
}

impl Entry {
    /// What identifies its content across sides, so that content met
    /// twice (an unchanged file at both sides of a diff) is counted once:
    /// a blob id, with the path (which gives the language). `None` for a
    /// file on disk, listed once.
    pub(crate) fn content_key(&self) -> Option<(Box<[u8]>, [u8; 20])> {
        match &self.content {
            ContentId::Blob(oid) => {
                let mut id = [0; 20];
                let bytes = oid.as_bytes();
                id[..bytes.len().min(20)].copy_from_slice(&bytes[..bytes.len().min(20)]);
                // The path as bytes: hashing a `Path` parses its components.
                Some((self.path.as_os_str().as_bytes().into(), id))
            }
            ContentId::File(_) => None,
        }
    }
}

/// Opens the content of entries: one [`Reader`] per batch of work (a git
/// repository handle is not shared between threads).
pub(crate) trait Store: Sync {
    fn reader(&self) -> Result<Box<dyn Reader + '_>, String>;
}

/// Opens the content of one entry after another.
pub(crate) trait Reader {
    /// The content of `entry`: its size and a reader of exactly that many
    /// bytes. `Ok(None)` when it is gone (a file replaced by something
    /// other than a regular file since it was listed).
    fn open(&mut self, entry: &Entry) -> io::Result<Option<Readable<'_>>>;

    /// The other name the content of `entry` goes by, where git's index
    /// vouches for it: for a file on disk (as `stat` saw it), the blob it
    /// holds; for a blob, the file in the work tree that holds it. The
    /// count cache serves what was counted under either name, once
    /// [`Reader::alias_holds`].
    fn alias(&mut self, entry: &Entry, stat: Option<&std::fs::Metadata>) -> Option<Alias> {
        let _ = (entry, stat);
        None
    }

    /// Whether the alias of `entry` holds: no attribute converts its
    /// content between the work tree and git. Asked only of an alias with
    /// something in the cache: it costs some twenty system calls.
    fn alias_holds(&mut self, entry: &Entry) -> bool {
        let _ = entry;
        false
    }
}

/// Another name of an entry's content ([`Reader::alias`]).
pub(crate) enum Alias {
    /// The blob a file holds.
    Blob(git2::Oid),
    /// The file that holds a blob, as `lstat` sees it.
    File(std::fs::Metadata),
}

/// Content ready to be read.
pub(crate) struct Readable<'r> {
    /// Its size in bytes.
    pub(crate) size: u64,
    /// Its bytes.
    pub(crate) content: Data<'r>,
    /// Something the user should know about how it was read.
    pub(crate) note: Option<String>,
    /// For a file on disk, its metadata as opened (for the count cache's
    /// key: the identity of what is read, taken before reading).
    pub(crate) metadata: Option<std::fs::Metadata>,
}

/// The bytes of content: a stream, or bytes in memory already (a blob
/// read whole), which are counted where they are rather than copied.
pub(crate) enum Data<'r> {
    Stream(Box<dyn Read + 'r>),
    Bytes(Box<dyn AsRef<[u8]> + 'r>),
}

/// A revision, as titles and reports show it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct RevisionInfo {
    /// The revision as the user wrote it.
    pub(crate) rev: String,
    /// The commit, when the revision names one (a tree does not).
    pub(crate) commit: Option<String>,
    /// The commit's date, `YYYY-MM-DD`, in its own time zone.
    pub(crate) date: Option<String>,
    /// `v1.2 = 1a2b3c4 (2026-11-20)`.
    pub(crate) described: String,
}

/// What a run counted, for titles, messages and reports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct SourceInfo {
    /// The root frame's name, raw bytes.
    pub(crate) root_name: Vec<u8>,
    /// The source for messages: its path (escaped) or URL (redacted).
    pub(crate) place: String,
    /// The revision of each side, for a git source.
    pub(crate) revisions: Vec<RevisionInfo>,
}

/// What listing found besides the entries it handed on.
#[derive(Debug, Default)]
pub(crate) struct Listed {
    /// Regular files listed (before language detection), over all sides.
    pub(crate) found: usize,
    /// Entries that could not be listed.
    pub(crate) problems: Vec<Problem>,
    /// Things worth saying that are not failures.
    pub(crate) notes: Vec<String>,
    /// The `.gitattributes` files that apply, by the directory they are
    /// in, relative to the repository's root (or to the source when it is
    /// in none); for the classify stage to read.
    pub(crate) attributes: Vec<(PathBuf, Vec<u8>)>,
    /// Where the source root is below that root.
    pub(crate) prefix: PathBuf,
    /// The directory's listing being kept for the next run (waited for
    /// when dropped).
    pub(crate) keeping: listing::Keeping,
}

/// A source, opened: a directory, or a repository with its revisions
/// resolved (and a remote cloned).
pub(crate) enum Opened {
    Directory(PathBuf),
    Git(git::Sides),
}

/// Opens the source of `config`: checks a directory is there, opens (or
/// clones) a repository and resolves its revisions.
pub(crate) fn open(config: &Config, progress: &Progress) -> Result<Opened, Error> {
    match &config.source {
        Source::Directory(root) => Ok(Opened::Directory(root.clone())),
        Source::Revision { repo, rev } => {
            // A clone fetches as deep as the window of history asks.
            let window = config.history_wanted().map(|_| config.window);
            git::Sides::open(repo, &[rev.as_deref()], config.timeout, window, progress)
                .map(Opened::Git)
        }
        Source::Diff { repo, from, to } => git::Sides::open(
            repo,
            &[Some(from), Some(to)],
            config.timeout,
            None,
            progress,
        )
        .map(Opened::Git),
        Source::History { repo, spec } => {
            git::Sides::open_history(repo, spec, config.timeout, progress)
                .map(|(sides, _)| Opened::Git(sides))
        }
    }
}

impl Opened {
    /// How many sides its listings have.
    pub(crate) fn sides(&self) -> usize {
        match self {
            Opened::Directory(_) => 1,
            Opened::Git(sides) => sides.len(),
        }
    }

    /// Reads the content of its entries; blobs larger than
    /// `stream_threshold` are streamed from the object store.
    pub(crate) fn store(&self, config: &Config) -> Box<dyn Store + '_> {
        match self {
            Opened::Directory(root) => Box::new(walk::Files::new(
                root,
                config.walk.follow,
                config.cache.is_some(),
            )),
            Opened::Git(sides) => Box::new(sides.store(config.stream_threshold)),
        }
    }

    /// Lists every side, handing entries to `on_batch` (with their side)
    /// as they are found, from any thread.
    pub(crate) fn list(
        &self,
        config: &Config,
        progress: &Progress,
        on_batch: &(dyn Fn(usize, Vec<Entry>) + Sync),
    ) -> Result<Listed, Error> {
        match self {
            Opened::Directory(root) => {
                let listings = config
                    .cache
                    .as_ref()
                    .map(|c| listing::Listings::new(&c.dir));
                walk::list(
                    root,
                    &config.walk,
                    config.threads,
                    listings.as_ref(),
                    progress,
                    &|batch| on_batch(0, batch),
                )
            }
            Opened::Git(sides) => {
                let cache_dir = config.cache.as_ref().map(|c| c.dir.as_path());
                sides.list(&config.walk, cache_dir, progress, on_batch)
            }
        }
    }

    /// Its name, place and revisions.
    pub(crate) fn info(&self, config: &Config) -> SourceInfo {
        let mut info = match self {
            Opened::Directory(root) => SourceInfo {
                root_name: walk::root_name(root),
                place: crate::error::display_path(root),
                revisions: Vec::new(),
            },
            Opened::Git(sides) => sides.info(),
        };
        if let Some(name) = &config.root_name {
            info.root_name = name.as_bytes().to_vec();
        }
        info
    }
}

/// The place of a source for messages about what was counted there: with
/// its revision, and the kind of files looked for.
pub(crate) fn what_was_looked_at(info: &SourceInfo) -> (String, &'static str) {
    match info.revisions.as_slice() {
        [] => (info.place.clone(), ""),
        [one] => (format!("{} at {}", info.place, one.described), "tracked "),
        [first, .., last] => (
            format!("{} at {} or {}", info.place, first.rev, last.rev),
            "tracked ",
        ),
    }
}

/// `--exclude` globs as a matcher of the paths below `root` to leave out:
/// each glob is an override whitelist entry negated (`!glob`), which is
/// how `ignore` spells "skip this". An error names the glob as the user
/// gave it, not the negated one.
pub(crate) fn excludes(root: &Path, globs: &[String]) -> Result<Override, Error> {
    let invalid = |glob: &str, err: ignore::Error| Error::Exclude {
        glob: crate::escape::escape_text(glob).into_owned(),
        reason: match err {
            ignore::Error::Glob { err, .. } => err,
            other => other.to_string(),
        },
    };
    let mut builder = OverrideBuilder::new(root);
    for glob in globs {
        builder
            .add(&format!("!{glob}"))
            .map_err(|err| invalid(glob, err))?;
    }
    builder
        .build()
        .map_err(|err| invalid(&globs.join(" "), err))
}

/// Checks that every `--exclude` glob is valid gitignore syntax, as the
/// walk and the listing of a revision will read it.
pub fn check_excludes(globs: &[String]) -> Result<(), Error> {
    excludes(Path::new("/"), globs).map(drop)
}
