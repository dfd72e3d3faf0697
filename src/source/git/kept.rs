//! A revision's listing kept in the cache, by the id of the tree listed.
//!
//! A tree is named by its content: the same id always holds the same
//! entries, so a listing kept under it never goes stale and needs no
//! stamps. Reading a revision's trees out of the packs (finding and
//! inflating some 2,700 objects on moby) is most of listing it; a kept
//! listing is one file read and decoded. The key also holds what changes
//! the listing (whether hidden files are listed, the `--exclude` globs)
//! and repoflame's version. Kept in `trees/` under the cache directory
//! with [`Shelf`]: framed, checksummed, replaced atomically, at most
//! [`MAX_TREES`] and 256 MiB, those used longest ago go first (a tree of
//! more than 250,000 files is not kept); one that does not decode is read
//! again from the repository with one note.

use std::path::Path;

use git2::Oid;
use serde::{Deserialize, Serialize};

use crate::config::WalkOptions;
use crate::source::listing::{Key, Loaded, Shelf};

/// Bumped whenever what is stored changes.
const FORMAT: u32 = 1;
const MAGIC: &[u8; 8] = b"rftree\0\x01";
/// Tree listings kept at most (a timeline lists one per release).
pub(crate) const MAX_TREES: usize = 64;

pub(crate) const DAMAGED: &str = "cache: a kept tree listing was damaged: read again";

/// What listing a tree found.
#[derive(Debug, Default, Serialize, Deserialize)]
pub(crate) struct KeptTree {
    key: [u64; 2],
    /// Each regular file: its path below the tree and its blob's id.
    pub files: Vec<(Vec<u8>, [u8; 20])>,
    /// Committed symbolic links, skipped.
    pub symlinks: u64,
    /// Gitlinks, skipped.
    pub submodules: u64,
    /// The `.gitattributes` blobs, by their directory below the tree.
    pub attributes: Vec<(Vec<u8>, [u8; 20])>,
}

/// What [`Trees::get`] found.
pub(crate) enum Got {
    Nothing,
    Damaged,
    Kept(KeptTree),
}

/// The tree listings kept under a cache directory.
pub(crate) struct Trees {
    shelf: Shelf,
}

impl Trees {
    pub(crate) fn new(cache_dir: &Path) -> Trees {
        Trees {
            shelf: Shelf {
                dir: cache_dir.join("trees"),
                magic: MAGIC,
                format: FORMAT,
                max: MAX_TREES,
            },
        }
    }

    /// The listing of `tree` with `walk`'s options, if kept.
    pub(crate) fn get(&self, tree: Oid, walk: &WalkOptions) -> Got {
        let key = key(tree, walk);
        match self.shelf.load::<KeptTree>(key) {
            Loaded::Missing => Got::Nothing,
            Loaded::Damaged => Got::Damaged,
            Loaded::Found(kept) if kept.key == key => Got::Kept(kept),
            Loaded::Found(_) => Got::Nothing,
        }
    }

    /// Keeps what listing `tree` with `walk`'s options found; says nothing
    /// when it cannot (a kept listing is only ever a shortcut).
    pub(crate) fn keep(&self, tree: Oid, walk: &WalkOptions, mut kept: KeptTree) {
        kept.key = key(tree, walk);
        let _ = self.shelf.store(kept.key, &kept);
    }
}

/// The 20 bytes of an object id (a SHA-1; `None` for another kind).
pub(crate) fn id_bytes(oid: Oid) -> Option<[u8; 20]> {
    oid.as_bytes().try_into().ok()
}

fn key(tree: Oid, walk: &WalkOptions) -> [u64; 2] {
    let mut key = Key::new(MAGIC, FORMAT);
    key.part(tree.as_bytes());
    key.listing_options(walk);
    key.finish()
}
