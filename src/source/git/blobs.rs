//! The content of blobs, for the count stage: read whole through libgit2
//! up to the stream threshold, streamed from the object store beyond it
//! ([`super::objects`]), so that memory does not grow with a blob's size.

use std::io;
use std::path::Path;

use git2::{Blob, ErrorCode, Repository};

use super::objects::ObjectStore;
use crate::error::display_path;
use crate::source::{ContentId, Data, Entry, Readable, Reader, Store};
use crate::units::human_bytes;

/// The blobs of a repository.
pub(crate) struct Blobs<'a> {
    /// Where the repository opens from: one handle per reader.
    open_path: &'a Path,
    stream_threshold: u64,
}

impl<'a> Blobs<'a> {
    pub(crate) fn new(open_path: &'a Path, stream_threshold: u64) -> Blobs<'a> {
        Blobs {
            open_path,
            stream_threshold,
        }
    }
}

impl Store for Blobs<'_> {
    fn reader(&self) -> Result<Box<dyn Reader + '_>, String> {
        let repo = Repository::open(self.open_path)
            .map_err(|err| format!("cannot open the repository again: {}", err.message()))?;
        let store = ObjectStore::new(repo.commondir());
        Ok(Box::new(BlobReader {
            repo,
            store,
            stream_threshold: self.stream_threshold,
        }))
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
