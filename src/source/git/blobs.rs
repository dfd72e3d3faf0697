//! The content of blobs, for the count stage: read whole through libgit2
//! up to the stream threshold, streamed from the object store beyond it
//! ([`super::objects`]), so that memory does not grow with a blob's size.

use std::io::{self, Read};
use std::path::Path;
use std::sync::{Mutex, OnceLock};

use git2::{Blob, ErrorCode, Repository};

use super::objects::ObjectStore;
use super::worktree::Worktree;
use crate::error::display_path;
use crate::source::{Alias, ContentId, Data, Entry, Readable, Reader, Store};
use crate::units::human_bytes;

/// The blobs of a repository.
pub(crate) struct Blobs<'a> {
    /// Where the repository opens from: one handle per reader.
    open_path: &'a Path,
    /// The part of the tree counted: entries' paths are relative to it.
    prefix: &'a Path,
    /// Where blobs may be read from files instead ([`super::worktree`]),
    /// opened when a first blob is looked at: a run that the count cache
    /// serves whole reads no index.
    worktree: OnceLock<Option<Worktree>>,
    stream_threshold: u64,
    /// Readers not in use. A batch takes one and gives it back, so a
    /// repository is opened once per counting thread, not once per batch:
    /// a handle opened afresh re-reads the configuration and starts with
    /// cold pack caches, so the delta bases that the blobs of the next
    /// batch share would be inflated again.
    idle: Mutex<Vec<BlobReader>>,
}

impl<'a> Blobs<'a> {
    pub(crate) fn new(open_path: &'a Path, prefix: &'a Path, stream_threshold: u64) -> Blobs<'a> {
        Blobs {
            open_path,
            prefix,
            worktree: OnceLock::new(),
            stream_threshold,
            idle: Mutex::new(Vec::new()),
        }
    }
}

impl Blobs<'_> {
    /// The work tree, opened with `repo` on first use.
    fn worktree(&self, repo: &Repository) -> Option<&Worktree> {
        self.worktree.get_or_init(|| Worktree::open(repo)).as_ref()
    }

    /// The path of `entry` relative to the repository's top.
    fn in_repository(&self, entry: &Entry) -> std::path::PathBuf {
        match entry.path.as_os_str().is_empty() {
            true => self.prefix.to_path_buf(),
            false => self.prefix.join(&entry.path),
        }
    }
}

impl Store for Blobs<'_> {
    fn reader(&self) -> Result<Box<dyn Reader + '_>, String> {
        let idle = self.idle.lock().ok().and_then(|mut idle| idle.pop());
        let reader = match idle {
            Some(reader) => reader,
            None => {
                let repo = Repository::open(self.open_path).map_err(|err| {
                    format!("cannot open the repository again: {}", err.message())
                })?;
                let store = ObjectStore::new(repo.commondir());
                BlobReader {
                    repo,
                    store,
                    stream_threshold: self.stream_threshold,
                }
            }
        };
        Ok(Box::new(Lent {
            reader: Some(reader),
            blobs: self,
        }))
    }
}

/// A reader lent to one batch, given back when the batch is done.
struct Lent<'b> {
    reader: Option<BlobReader>,
    blobs: &'b Blobs<'b>,
}

impl Reader for Lent<'_> {
    fn open(&mut self, entry: &Entry) -> io::Result<Option<Readable<'_>>> {
        let Some(reader) = &mut self.reader else {
            return Err(io::Error::other("reader already given back"));
        };
        let ContentId::Blob(oid) = &entry.content else {
            return Err(io::Error::other("not a blob"));
        };
        if let Some(worktree) = self.blobs.worktree(&reader.repo) {
            let path = self.blobs.in_repository(entry);
            if let Some((file, size)) = worktree.file(&reader.repo, &path, *oid) {
                return Ok(Some(Readable {
                    size,
                    content: Data::Stream(Box::new(file.take(size))),
                    note: None,
                    metadata: None,
                }));
            }
        }
        reader.open(entry)
    }

    fn alias(&mut self, entry: &Entry, _: Option<&std::fs::Metadata>) -> Option<Alias> {
        let worktree = self.blobs.worktree(&self.reader.as_ref()?.repo)?;
        let ContentId::Blob(oid) = &entry.content else {
            return None;
        };
        worktree
            .stat(&self.blobs.in_repository(entry), *oid)
            .map(Alias::File)
    }

    fn alias_holds(&mut self, entry: &Entry) -> bool {
        let Some(reader) = &self.reader else {
            return false;
        };
        match self.blobs.worktree(&reader.repo) {
            Some(worktree) => !worktree.converts(&reader.repo, &self.blobs.in_repository(entry)),
            _ => false,
        }
    }
}

impl Drop for Lent<'_> {
    fn drop(&mut self) {
        if let (Some(reader), Ok(mut idle)) = (self.reader.take(), self.blobs.idle.lock()) {
            idle.push(reader);
        }
    }
}

/// A repository handle: not `Sync`, so one per batch of work.
struct BlobReader {
    repo: Repository,
    store: ObjectStore,
    stream_threshold: u64,
}

impl Reader for BlobReader {
    fn open(&mut self, entry: &Entry) -> io::Result<Option<Readable<'_>>> {
        let ContentId::Blob(oid) = &entry.content else {
            return Err(io::Error::other("not a blob"));
        };
        let oid = *oid;
        let missing = |err: git2::Error| match err.code() {
            ErrorCode::NotFound => io::Error::other(format!(
                "object {oid} is missing: the repository is incomplete or corrupt"
            )),
            _ => io::Error::other(err.message().to_string()),
        };
        let size = self
            .repo
            .odb()
            .map_err(missing)?
            .read_header(oid)
            .map_err(missing)?
            .0 as u64;
        let mut note = None;
        if size > self.stream_threshold {
            match self.store.blob(oid)? {
                Some((content, size)) => {
                    return Ok(Some(Readable {
                        size,
                        content: Data::Stream(content),
                        note: None,
                        metadata: None,
                    }));
                }
                // Stored in a way not streamed here: read whole, and say so.
                None => {
                    note = Some(format!(
                        "{}: {} read whole: its object is stored in a way repoflame cannot stream",
                        display_path(&entry.path),
                        human_bytes(size)
                    ));
                }
            }
        }
        let blob = self.repo.find_blob(oid).map_err(missing)?;
        Ok(Some(Readable {
            size,
            content: Data::Bytes(Box::new(BlobBytes(blob))),
            note,
            metadata: None,
        }))
    }
}

/// A blob read whole: its bytes.
struct BlobBytes<'r>(Blob<'r>);

impl AsRef<[u8]> for BlobBytes<'_> {
    fn as_ref(&self) -> &[u8] {
        self.0.content()
    }
}
