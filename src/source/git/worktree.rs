//! Blobs read from the work tree instead of the object database, where
//! git's index vouches that the file there holds exactly that blob: git's
//! own shortcut (`reuse_worktree_file` in git's `diff.c`). Reading a file
//! costs an open and a copy from the page cache; reading a packed blob
//! costs inflating it and applying its deltas, a sixth of the time of
//! `--rev HEAD` on a checkout.
//!
//! The rule, stricter than git's (`ie_match_stat`): the index has an entry
//! for the path with the same blob id, at stage 0, not marked
//! assume-unchanged, skip-worktree or intent-to-add; the file opened (no
//! symbolic link followed) is a regular file whose device, inode, size,
//! modification and change times to the nanosecond, owner and group are
//! those the index recorded; and the entry is not *racily clean* (its
//! modification time is older than the index file's, so a write in the
//! same instant as `git add` cannot hide). Every write changes the change
//! time, which cannot be set back, so a file rewritten with its size and
//! modification time restored no longer matches. Content converted between
//! the work tree and git (attributes `filter`, `text`, `eol`, `crlf`,
//! `ident`, `working-tree-encoding`, or `core.autocrlf`) is never taken
//! from the work tree: its bytes there are not the blob's.

use std::collections::HashMap;
use std::fs::File;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use git2::{AttrCheckFlags, AttrValue, IndexEntry, Oid, Repository};

/// The work tree of a repository and what its index vouches for.
pub(crate) struct Worktree {
    dir: PathBuf,
    /// The index entries that may be taken from the work tree, by a hash of
    /// their path (a libgit2 index cannot be shared between threads). Two
    /// paths with one hash cost a shortcut, never a wrong read: the file
    /// opened must still have the entry's blob id and its exact identity.
    vouched: HashMap<u64, Vouched>,
    /// Whether any attributes file may apply, so that each path's
    /// conversion attributes must be looked up.
    attributes: bool,
}

/// What the index recorded of a file when it stored its blob (the low 32
/// bits of each number, as git keeps them).
struct Vouched {
    id: Oid,
    size: u32,
    dev: u32,
    ino: u32,
    uid: u32,
    gid: u32,
    mtime: (i32, u32),
    ctime: (i32, u32),
}

fn path_hash(path: &[u8]) -> u64 {
    let mut hasher = DefaultHasher::new();
    path.hash(&mut hasher);
    hasher.finish()
}

/// The attributes that make the bytes in the work tree differ from the
/// blob's.
const CONVERTING: [&str; 6] = [
    "filter",
    "text",
    "eol",
    "crlf",
    "ident",
    "working-tree-encoding",
];

impl Worktree {
    /// The work tree of `repo`, when it has one and an index, and content
    /// is not converted for the whole repository (`core.autocrlf`).
    pub(crate) fn open(repo: &Repository) -> Option<Worktree> {
        let dir = repo.workdir()?.to_path_buf();
        let config = repo.config().ok()?;
        match config.get_string("core.autocrlf") {
            Ok(value)
                if !matches!(
                    value.to_ascii_lowercase().as_str(),
                    "false" | "0" | "no" | "off"
                ) =>
            {
                return None;
            }
            _ => {}
        }
        let index = repo.index().ok()?;
        let metadata = std::fs::metadata(repo.path().join("index")).ok()?;
        let index_mtime = (metadata.mtime(), metadata.mtime_nsec());
        let mut attributes = config.get_path("core.attributesFile").is_ok()
            || repo.path().join("info/attributes").exists()
            || Path::new("/etc/gitattributes").exists()
            || global_attributes().is_some_and(|path| path.exists());
        let mut vouched = HashMap::new();
        for entry in index.iter() {
            attributes |= entry.path.rsplit(|&b| b == b'/').next() == Some(b".gitattributes");
            if vouches(&entry, index_mtime) {
                vouched.insert(
                    path_hash(&entry.path),
                    Vouched {
                        id: entry.id,
                        size: entry.file_size,
                        dev: entry.dev,
                        ino: entry.ino,
                        uid: entry.uid,
                        gid: entry.gid,
                        mtime: (entry.mtime.seconds(), entry.mtime.nanoseconds()),
                        ctime: (entry.ctime.seconds(), entry.ctime.nanoseconds()),
                    },
                );
            }
        }
        Some(Worktree {
            dir,
            vouched,
            attributes,
        })
    }

    /// The file at `path` (relative to the repository's top), open, and its
    /// size, when it holds exactly blob `id`.
    pub(crate) fn file(&self, repo: &Repository, path: &Path, id: Oid) -> Option<(File, u64)> {
        let entry = self.vouched.get(&path_hash(path.as_os_str().as_bytes()))?;
        if entry.id != id {
            return None;
        }
        if self.attributes && converts(repo, path) {
            return None;
        }
        let file = File::options()
            .read(true)
            .custom_flags(libc::O_NONBLOCK | libc::O_NOFOLLOW | libc::O_CLOEXEC)
            .open(self.dir.join(path))
            .ok()?;
        let stat = file.metadata().ok()?;
        // The index keeps the low 32 bits of each number, as git does.
        let same = stat.is_file()
            && stat.size() as u32 == entry.size
            && stat.dev() as u32 == entry.dev
            && stat.ino() as u32 == entry.ino
            && stat.uid() == entry.uid
            && stat.gid() == entry.gid
            && (stat.mtime() as i32, stat.mtime_nsec() as u32) == entry.mtime
            && (stat.ctime() as i32, stat.ctime_nsec() as u32) == entry.ctime;
        same.then(|| (file, stat.size()))
    }
}

/// Whether the index vouches for `entry`'s file: a regular file at stage 0,
/// not marked assume-unchanged, skip-worktree or intent-to-add, and not
/// racily clean (written before the index was).
fn vouches(entry: &IndexEntry, index_mtime: (i64, i64)) -> bool {
    const STAGE: u16 = 0x3000;
    const ASSUME_VALID: u16 = 0x8000;
    const INTENT_TO_ADD: u16 = 1 << 13;
    const SKIP_WORKTREE: u16 = 1 << 14;
    entry.mode & 0o170000 == 0o100000
        && entry.flags & (STAGE | ASSUME_VALID) == 0
        && entry.flags_extended & (INTENT_TO_ADD | SKIP_WORKTREE) == 0
        // Git keeps seconds as an unsigned 32-bit number (past 2038).
        && (
            i64::from(entry.mtime.seconds() as u32),
            i64::from(entry.mtime.nanoseconds()),
        ) < index_mtime
}

/// Whether an attribute converts the content at `path`.
fn converts(repo: &Repository, path: &Path) -> bool {
    CONVERTING.iter().any(|name| {
        match repo.get_attr_bytes(path, name, AttrCheckFlags::FILE_THEN_INDEX) {
            Ok(value) => !matches!(AttrValue::from_bytes(value), AttrValue::Unspecified),
            // Not known: do not take the work tree's bytes.
            Err(_) => true,
        }
    })
}

/// Git's default global attributes file.
fn global_attributes() -> Option<PathBuf> {
    match std::env::var_os("XDG_CONFIG_HOME").filter(|dir| !dir.is_empty()) {
        Some(dir) => Some(PathBuf::from(dir).join("git/attributes")),
        None => {
            std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".config/git/attributes"))
        }
    }
}
