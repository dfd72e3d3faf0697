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

use std::collections::{HashMap, HashSet};
use std::fs::{File, Metadata};
use std::hash::{DefaultHasher, Hash, Hasher};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use git2::{AttrCheckFlags, AttrValue, IndexEntry, Oid, Repository};

/// The work tree of a repository and what its index vouches for.
pub(crate) struct Worktree {
    dir: PathBuf,
    /// The index entries that may be taken from the work tree, by a hash of
    /// their path (a libgit2 index cannot be shared between threads). Two
    /// paths with one hash cost a shortcut, never a wrong read: the file
    /// opened must still have the entry's blob id and its exact identity.
    vouched: HashMap<u64, Vouched>,
    /// Where an attribute that converts content may apply: only there is
    /// a path's attribute looked up (libgit2 checks every attributes file
    /// on the way, some twenty system calls per lookup).
    converting: Converting,
}

/// The attributes files that name an attribute converting content
/// ([`CONVERTING`]), or a macro (which could set one).
#[derive(Default)]
struct Converting {
    /// One outside the work tree (`core.attributesFile`,
    /// `$GIT_DIR/info/attributes`, the system's or the user's file).
    everywhere: bool,
    /// The directories (relative to the top, `""` for the top) whose
    /// `.gitattributes`, in the work tree or in the index, names one.
    dirs: HashSet<Vec<u8>>,
}

impl Converting {
    /// Whether an attribute converting content may apply to `path`.
    fn may_apply(&self, path: &[u8]) -> bool {
        if self.everywhere {
            return true;
        }
        if self.dirs.is_empty() {
            return false;
        }
        let mut dir = path;
        loop {
            dir = match dir.iter().rposition(|&b| b == b'/') {
                Some(slash) => &dir[..slash],
                None => b"",
            };
            if self.dirs.contains(dir) {
                return true;
            }
            if dir.is_empty() {
                return false;
            }
        }
    }
}

/// Whether attributes file `content` may name an attribute converting
/// content: any token that is one (set, unset, unspecified with `!` or
/// given a value), the built-in macro `binary`, or a macro definition.
/// The pattern is looked at too, which costs a shortcut at worst.
fn names_converting(content: &[u8]) -> bool {
    content
        .split(|&b| b == b'\n')
        .map(<[u8]>::trim_ascii)
        .filter(|line| !line.is_empty() && line[0] != b'#')
        .flat_map(|line| line.split(u8::is_ascii_whitespace))
        .any(|token| {
            if token.starts_with(b"[attr]") {
                return true;
            }
            let name = token
                .strip_prefix(b"-")
                .or_else(|| token.strip_prefix(b"!"))
                .unwrap_or(token);
            let name = name.split(|&b| b == b'=').next().unwrap_or(name);
            name == b"binary" || CONVERTING.iter().any(|c| c.as_bytes() == name)
        })
}

/// Whether the attributes file at `path` may name a converting attribute:
/// one that cannot be read may.
fn file_names_converting(path: &Path) -> bool {
    match std::fs::read(path) {
        Ok(content) => names_converting(&content),
        Err(err) => err.kind() != std::io::ErrorKind::NotFound,
    }
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
        let mut converting = Converting {
            everywhere: [
                config.get_path("core.attributesFile").ok(),
                Some(repo.path().join("info/attributes")),
                Some(PathBuf::from("/etc/gitattributes")),
                global_attributes(),
            ]
            .iter()
            .flatten()
            .any(|path| file_names_converting(path)),
            dirs: HashSet::new(),
        };
        // Every directory that has an entry below it, with the blob of its
        // `.gitattributes` in the index.
        let mut dirs: HashMap<Vec<u8>, Option<Oid>> = HashMap::new();
        let mut vouched = HashMap::new();
        for entry in index.iter() {
            let mut dir = entry.path.as_slice();
            while let Some(slash) = dir.iter().rposition(|&b| b == b'/') {
                dir = &dir[..slash];
                if dirs.contains_key(dir) {
                    break;
                }
                dirs.insert(dir.to_vec(), None);
            }
            if let Some(dir) = entry.path.strip_suffix(b".gitattributes") {
                if dir.is_empty() || dir.ends_with(b"/") {
                    let dir = dir.strip_suffix(b"/").unwrap_or(dir).to_vec();
                    dirs.insert(dir, Some(entry.id));
                }
            }
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
        dirs.entry(Vec::new()).or_insert(None);
        for (rel, in_index) in dirs {
            let mut file = dir.join(Path::new(std::ffi::OsStr::from_bytes(&rel)));
            file.push(".gitattributes");
            let names = file_names_converting(&file)
                || in_index.is_some_and(|id| match repo.find_blob(id) {
                    Ok(blob) => names_converting(blob.content()),
                    Err(_) => true,
                });
            if names {
                converting.dirs.insert(rel);
            }
        }
        Some(Worktree {
            dir,
            vouched,
            converting,
        })
    }

    /// The file at `path` (relative to the repository's top), open, and its
    /// size, when it holds exactly blob `id`.
    pub(crate) fn file(&self, repo: &Repository, path: &Path, id: Oid) -> Option<(File, u64)> {
        let entry = self.vouched.get(&path_hash(path.as_os_str().as_bytes()))?;
        if entry.id != id {
            return None;
        }
        if self.converts(repo, path) {
            return None;
        }
        let file = File::options()
            .read(true)
            .custom_flags(libc::O_NONBLOCK | libc::O_NOFOLLOW | libc::O_CLOEXEC)
            .open(self.dir.join(path))
            .ok()?;
        let stat = file.metadata().ok()?;
        entry.is(&stat).then(|| (file, stat.size()))
    }

    /// The blob that the file at `path` (relative to the repository's top)
    /// holds, when the index vouches for it as it was when `stat` was
    /// taken (`lstat`, or `fstat` of the file opened without following a
    /// symbolic link), unless an attribute converts it ([`Self::converts`],
    /// not looked at here: it costs some twenty system calls).
    pub(crate) fn blob(&self, path: &Path, stat: &Metadata) -> Option<Oid> {
        let entry = self.vouched.get(&path_hash(path.as_os_str().as_bytes()))?;
        entry.is(stat).then_some(entry.id)
    }

    /// The file at `path` (relative to the repository's top), as `lstat`
    /// sees it, when it holds exactly blob `id`, unless an attribute
    /// converts it ([`Self::converts`], not looked at here).
    pub(crate) fn stat(&self, path: &Path, id: Oid) -> Option<Metadata> {
        let stat = std::fs::symlink_metadata(self.dir.join(path)).ok()?;
        (self.blob(path, &stat)? == id).then_some(stat)
    }

    /// Whether an attribute converts the content at `path` (relative to
    /// the repository's top) between the work tree and git.
    pub(crate) fn converts(&self, repo: &Repository, path: &Path) -> bool {
        self.converting.may_apply(path.as_os_str().as_bytes()) && converts(repo, path)
    }
}

impl Vouched {
    /// Whether `stat` is of the file the index recorded: a regular file
    /// with its identity, size and times. The index keeps the low 32 bits
    /// of each number, as git does.
    fn is(&self, stat: &Metadata) -> bool {
        stat.is_file()
            && stat.size() as u32 == self.size
            && stat.dev() as u32 == self.dev
            && stat.ino() as u32 == self.ino
            && stat.uid() == self.uid
            && stat.gid() == self.gid
            && (stat.mtime() as i32, stat.mtime_nsec() as u32) == self.mtime
            && (stat.ctime() as i32, stat.ctime_nsec() as u32) == self.ctime
    }
}

/// A directory inside a git work tree, for the directory mode: the blob
/// each of its files holds, where the index vouches for it, so that the
/// count cache serves what `--rev`, `--diff` or `--history` counted for
/// that blob (and they what the directory mode counted).
pub(crate) struct Checkout {
    /// The work tree and its index, read when a first file may be vouched
    /// for.
    worktree: OnceLock<Option<Worktree>>,
    /// When the index was last written, in seconds: it cannot vouch for a
    /// file changed later.
    index_written: i64,
    /// The work tree's top, where a handle per thread opens from.
    top: PathBuf,
    /// The directory, relative to the work tree's top.
    prefix: PathBuf,
    /// Repository handles not in use (not `Sync`: one per thread).
    idle: Mutex<Vec<Repository>>,
}

impl Checkout {
    /// The work tree that `root` is in; `None` when it is in none (or in
    /// the repository's own directory), or has no index.
    pub(crate) fn of(root: &Path) -> Option<Checkout> {
        let repo = Repository::open_ext(
            root,
            git2::RepositoryOpenFlags::empty(),
            std::iter::empty::<&std::ffi::OsStr>(),
        )
        .ok()?;
        let top = std::fs::canonicalize(repo.workdir()?).ok()?;
        let root = std::fs::canonicalize(root).ok()?;
        let prefix = root.strip_prefix(&top).ok()?.to_path_buf();
        if prefix.starts_with(".git") {
            return None;
        }
        let index_written = std::fs::metadata(repo.path().join("index")).ok()?.mtime();
        Some(Checkout {
            worktree: OnceLock::new(),
            index_written,
            top,
            prefix,
            idle: Mutex::new(vec![repo]),
        })
    }

    /// The blob the file at `path` (relative to the directory) holds, as
    /// it was when `stat` was taken, when the index vouches for it, unless
    /// an attribute converts it ([`Self::converts`], not looked at here).
    /// The index is read only for a file that changed before it was
    /// written (with a second's margin for the granularity of time stamps):
    /// one edited since is none it can vouch for, so that a run after an
    /// edit does not read the index for nothing.
    pub(crate) fn blob(&self, path: &Path, stat: &Metadata) -> Option<Oid> {
        if stat.ctime() > self.index_written + 1 {
            return None;
        }
        let worktree = self.worktree.get_or_init(|| {
            if std::env::var_os("REPOFLAME_TIMINGS").is_some() {
                // A measuring aid, as lib.rs's timings.
                eprintln!("timing: git index read for the count cache");
            }
            self.with_repo(Worktree::open).flatten()
        });
        worktree.as_ref()?.blob(&self.prefix.join(path), stat)
    }

    /// Runs `f` with a repository handle of its own (`None` when it cannot
    /// be opened).
    fn with_repo<T>(&self, f: impl FnOnce(&Repository) -> T) -> Option<T> {
        let idle = self.idle.lock().ok().and_then(|mut idle| idle.pop());
        let repo = match idle {
            Some(repo) => repo,
            None => Repository::open(&self.top).ok()?,
        };
        let result = f(&repo);
        if let Ok(mut idle) = self.idle.lock() {
            idle.push(repo);
        }
        Some(result)
    }

    /// Whether an attribute converts the content of the file at `path`
    /// (relative to the directory) between the work tree and git.
    pub(crate) fn converts(&self, path: &Path) -> bool {
        let Some(Some(worktree)) = self.worktree.get() else {
            return true;
        };
        let path = self.prefix.join(path);
        // Not known: not the blob's bytes.
        self.with_repo(|repo| worktree.converts(repo, &path))
            .unwrap_or(true)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attributes_files_that_name_a_converting_attribute() {
        for content in [
            "* text=auto eol=lf\n",
            "*.go -text diff=golang\n",
            "*.bin binary\n",
            "x !eol\n",
            "*.lfs filter=lfs diff=lfs merge=lfs\n",
            "a ident\n",
            "a\tworking-tree-encoding=UTF-16\r\n",
            "[attr]mine diff=golang\n",
            "x crlf\n",
        ] {
            assert!(names_converting(content.as_bytes()), "{content:?}");
        }
        for content in [
            "",
            "*.go diff=golang\n",
            "# * text=auto\n",
            "vendor/** linguist-vendored -linguist-generated\n",
            "*.golden linguist-generated=true\n",
            "textual diff\n",
        ] {
            assert!(!names_converting(content.as_bytes()), "{content:?}");
        }
    }

    #[test]
    fn a_converting_attribute_applies_below_the_directory_that_names_it() {
        let converting = Converting {
            everywhere: false,
            dirs: [b"vendor/x".to_vec()].into_iter().collect(),
        };
        assert!(converting.may_apply(b"vendor/x/a.go"));
        assert!(converting.may_apply(b"vendor/x/y/a.go"));
        assert!(!converting.may_apply(b"vendor/xy/a.go"));
        assert!(!converting.may_apply(b"vendor/a.go"));
        assert!(!converting.may_apply(b"a.go"));
        let top = Converting {
            everywhere: false,
            dirs: [Vec::new()].into_iter().collect(),
        };
        assert!(top.may_apply(b"a.go") && top.may_apply(b"d/a.go"));
    }
}
