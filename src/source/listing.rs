//! A directory's listing, kept in the cache for the next run: which files
//! the walk found, and everything that could make it find others.
//!
//! On a warm run the walk (reading every directory and matching its
//! entries against the ignore rules) costs more than finding each file's
//! counts in the count cache. A listing is served instead of walking while
//! each of these is as it was when the listing was kept (device, inode,
//! mode, size, modification and change times to the nanosecond, or still
//! absent):
//!
//! - every directory the walk entered: creating, removing or renaming an
//!   entry changes its directory's mtime and ctime, and a change of
//!   permissions its ctime;
//! - every ignore file in those directories (`.gitignore`, `.ignore`,
//!   `.tokeignore`) and, where a directory holds `.git`, its
//!   `info/exclude` and `config`: their content is not in the directory's
//!   times (their absence is: creating one changes the directory); `.git`
//!   and `.jj` only for being there (git rewrites files in `.git` at every
//!   command);
//! - the same names in every directory above the root, present or absent;
//! - git's global excludes file and the configuration files that name it.
//!
//! The key holds the root (as given and canonical), the walk's options and
//! the environment variables that move git's global files. A listing is
//! kept only when every ignore file it depends on is older than the run's
//! start by [`RACY`] seconds (one changed in the tick it was read may have
//! changed after it without changing its stamp), the walk had no problems
//! and no notes, symbolic links were not followed, no `.git` is a file (a
//! linked work tree or submodule), and there are at most [`MAX_FILES`]
//! files. A directory younger than that is kept marked to be read again
//! by the next run, whatever its stamp then.
//!
//! When only the entries of some directories changed (files added,
//! removed or renamed: their stamps changed, the ignore files in them did
//! not; at most 8 directories, or a quarter of them), the listing is
//! served with those directories read again as the walk would read them
//! (`ignore`, started at each of them, applies the rules of every
//! directory above), new directories walked whole and those gone dropped
//! with everything below them; the listing brought up to date is kept in
//! its place. An editor that saves by renaming, or a checkout of another
//! branch, changes the directories of the files it writes.
//!
//! A first walk of a root only marks it (keeping costs a cold run several
//! percent); the next walk keeps its listing. Kept as one file per key in
//! `listings/` under the cache directory, replaced atomically; at most
//! [`MAX_LISTINGS`] and [`MAX_BYTES`] are kept, those used longest ago go
//! first. A file that does not decode is walked over and replaced.

use std::collections::HashMap;
use std::hash::Hasher;
use std::io::Write;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use siphasher::sip128::{Hasher128, SipHasher13};

use crate::config::WalkOptions;
use crate::count::cache::RACY;

/// Bumped whenever what is stored or the rule above changes.
const FORMAT: u32 = 2;
const MAGIC: &[u8; 8] = b"rflist\0\x01";
/// Listings kept at most (one per root and options).
pub(crate) const MAX_LISTINGS: usize = 32;
/// A tree of more files is walked every time: its listing would be tens
/// of megabytes to keep and read.
pub(crate) const MAX_FILES: usize = 250_000;
/// The nanoseconds of the modification time of a directory kept too
/// young to be trusted: no stamp has them, so it is read again.
const YOUNG: i64 = -1;
/// The names in a directory whose content changes what the walk finds.
const IGNORE_FILES: [&str; 3] = [".gitignore", ".ignore", ".tokeignore"];

/// Where listings are kept, and when this run started.
pub(crate) struct Listings {
    shelf: Shelf,
    /// Seconds and nanoseconds since the epoch.
    start: (i64, i64),
}

/// A path's identity, as `lstat` (or `stat` for the root) gives it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct Stamp {
    dev: u64,
    ino: u64,
    mode: u32,
    size: u64,
    mtime: i64,
    mtime_ns: i64,
    ctime: i64,
    ctime_ns: i64,
}

impl Stamp {
    fn of(meta: &std::fs::Metadata) -> Stamp {
        Stamp {
            dev: meta.dev(),
            ino: meta.ino(),
            mode: meta.mode(),
            size: meta.size(),
            mtime: meta.mtime(),
            mtime_ns: meta.mtime_nsec(),
            ctime: meta.ctime(),
            ctime_ns: meta.ctime_nsec(),
        }
    }
}

/// How a path is watched.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
enum Watch {
    /// Its whole stamp, through a symbolic link (the root: the walk enters
    /// it through one).
    Followed,
    /// Its whole stamp.
    Whole,
    /// Only whether it is there and its type (`.git`: git rewrites files
    /// in it, and so its times, at every command).
    Presence,
}

/// A path watched, and its stamp (`None`: absent).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct Watched {
    path: Vec<u8>,
    watch: Watch,
    stamp: Option<Stamp>,
}

impl Watched {
    fn now(path: &Path, watch: Watch) -> Watched {
        Watched {
            path: path.as_os_str().as_bytes().to_vec(),
            watch,
            stamp: stamp(path, watch),
        }
    }

    fn holds(&self) -> bool {
        let path = Path::new(std::ffi::OsStr::from_bytes(&self.path));
        stamp(path, self.watch) == self.stamp
    }
}

fn stamp(path: &Path, watch: Watch) -> Option<Stamp> {
    let meta = match watch {
        Watch::Followed => std::fs::metadata(path),
        Watch::Whole | Watch::Presence => std::fs::symlink_metadata(path),
    };
    let stamp = Stamp::of(&meta.ok()?);
    Some(match watch {
        Watch::Presence => Stamp {
            mode: stamp.mode & libc::S_IFMT,
            dev: 0,
            ino: 0,
            size: 0,
            mtime: 0,
            mtime_ns: 0,
            ctime: 0,
            ctime_ns: 0,
        },
        _ => stamp,
    })
}

/// A directory the walk entered, what could change what the walk finds in
/// it, and what it found there.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct Dir {
    /// The directory, as the walk named it (root-joined).
    this: Watched,
    /// The files in it whose content changes the walk ([`rules`]).
    rules: Vec<Watched>,
    /// The names of the regular files found in it.
    files: Vec<Vec<u8>>,
    /// Whether a `.gitattributes` was found in it.
    attributes: bool,
}

impl Dir {
    fn path(&self) -> &Path {
        Path::new(std::ffi::OsStr::from_bytes(&self.this.path))
    }

    /// `dir` as it is now, with the files found in it (names).
    fn now(dir: &Path, root: &Path, files: Vec<Vec<u8>>, attributes: bool) -> Dir {
        let watch = match dir == root {
            true => Watch::Followed,
            false => Watch::Whole,
        };
        Dir {
            this: Watched::now(dir, watch),
            rules: rules(dir),
            files,
            attributes,
        }
    }
}

/// What is kept: the walk's findings and what they depend on.
#[derive(Debug, Serialize, Deserialize)]
struct Stored {
    key: [u64; 2],
    /// A listing; else only the mark that the root was walked.
    complete: bool,
    /// What is watched outside the directories walked: the same names as
    /// [`rules`] in every directory above the root, and git's global
    /// files.
    outside: Vec<Watched>,
    /// The directories walked.
    dirs: Vec<Dir>,
}

/// What a walk found, for [`Listings::keep`].
#[derive(Debug, Default)]
pub(crate) struct Found {
    /// Directories entered, root first or not.
    pub dirs: Vec<PathBuf>,
    /// Regular files found (root-joined).
    pub files: Vec<PathBuf>,
    /// `.gitattributes` files found.
    pub attributes: Vec<PathBuf>,
}

impl Found {
    /// The directories found, each with the names of its files, as they
    /// are now; `None` when a file's directory is not among them.
    fn dirs(&self, root: &Path) -> Option<Vec<Dir>> {
        let index: HashMap<&Path, usize> = self
            .dirs
            .iter()
            .enumerate()
            .map(|(i, dir)| (dir.as_path(), i))
            .collect();
        let mut files = vec![Vec::new(); self.dirs.len()];
        let mut attributes = vec![false; self.dirs.len()];
        for file in &self.files {
            let dir = index.get(file.parent()?)?;
            files[*dir].push(file.file_name()?.as_bytes().to_vec());
        }
        for file in &self.attributes {
            attributes[*index.get(file.parent()?)?] = true;
        }
        Some(
            self.dirs
                .iter()
                .zip(files)
                .zip(attributes)
                .map(|((dir, files), attributes)| Dir::now(dir, root, files, attributes))
                .collect(),
        )
    }
}

/// A listing being kept on a thread of its own (the run goes on meanwhile):
/// waited for when dropped, so the process never exits in the middle of
/// writing it.
#[derive(Debug, Default)]
pub(crate) struct Keeping(Option<std::thread::JoinHandle<()>>);

impl Drop for Keeping {
    fn drop(&mut self) {
        if let Some(thread) = self.0.take() {
            let _ = thread.join();
        }
    }
}

/// What [`Listings::serve`] found.
pub(crate) enum Kept {
    /// Nothing for this root and options: it was never walked with the
    /// cache on (or not lately).
    Nothing,
    /// A listing that no longer holds, or a mark that the root was walked;
    /// a note when what was kept does not decode.
    Stale(Option<String>),
    /// The listing, which still holds, or holds once the directories that
    /// changed are read again.
    Holds(Served),
}

const DAMAGED: &str = "cache: a kept directory listing was damaged: walked again";

/// A listing served: the files and `.gitattributes` found, root-joined.
pub(crate) struct Served {
    pub files: Vec<PathBuf>,
    pub attributes: Vec<PathBuf>,
    /// How many directories were read again (they had changed).
    pub read_again: usize,
    /// The listing brought up to date, to keep in place of the old one.
    pub update: Option<Update>,
}

/// A listing brought up to date by [`Listings::serve`].
pub(crate) struct Update(Stored);

/// Reads directories again as the walk would: the directories given (each
/// entered by the walk before) and what is in them down to a depth (`Some(1)`:
/// their entries; `None`: everything below); `None` when anything went
/// wrong (the whole tree is then walked, which says what).
pub(crate) type Rescan<'a> = dyn Fn(&[&Path], Option<usize>) -> Option<Found> + 'a;

/// A directory's state against its listing.
enum Now {
    /// As it was kept.
    Same,
    /// Entries were added, removed or renamed: read again.
    Changed(Dir),
    /// Gone, or no longer a directory.
    Gone,
}

impl Listings {
    /// Marks that `root` was walked with `options`, so that the next walk
    /// keeps its listing: a first run pays no more than a mark (keeping
    /// a listing costs it several percent, and a tree walked once may
    /// never be walked again).
    pub(crate) fn mark(&self, root: &Path, options: &WalkOptions) {
        let _ = self.write(&Stored {
            key: key(root, options),
            complete: false,
            outside: Vec::new(),
            dirs: Vec::new(),
        });
    }

    /// Keeps what a walk found (see [`Listings::keep`]) on a thread of its
    /// own; `done` is told whether it was kept.
    pub(crate) fn keep_meanwhile(
        &self,
        root: &Path,
        options: &WalkOptions,
        found: Found,
        done: impl FnOnce(bool) + Send + 'static,
    ) -> Keeping {
        let (root, options) = (root.to_path_buf(), options.clone());
        self.meanwhile(move |listings| done(listings.keep(&root, &options, &found)))
    }

    /// Writes a listing brought up to date, on a thread of its own.
    pub(crate) fn update_meanwhile(&self, update: Update) -> Keeping {
        self.meanwhile(move |listings| {
            let _ = listings.write(&update.0);
        })
    }

    fn meanwhile(&self, work: impl FnOnce(&Listings) + Send + 'static) -> Keeping {
        let listings = Listings {
            shelf: self.shelf.clone(),
            start: self.start,
        };
        let thread = std::thread::Builder::new()
            .name("repoflame-listing".into())
            .spawn(move || {
                // Behind the run's own threads: it has until the run ends.
                // SAFETY: setpriority on this thread's id; nothing else.
                unsafe {
                    let tid = libc::gettid() as libc::id_t;
                    libc::setpriority(libc::PRIO_PROCESS, tid, 10);
                }
                work(&listings)
            });
        Keeping(thread.ok())
    }

    /// Listings under the cache directory `cache_dir`.
    pub(crate) fn new(cache_dir: &Path) -> Listings {
        let start = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or((0, 0), |d| {
                (d.as_secs() as i64, i64::from(d.subsec_nanos()))
            });
        Listings {
            shelf: Shelf {
                dir: cache_dir.join("listings"),
                magic: MAGIC,
                format: FORMAT,
                max: MAX_LISTINGS,
            },
            start,
        }
    }

    /// The listing of `root` walked with `options`, if one is kept and
    /// what it depends on is unchanged, or changed only in the entries of
    /// some of its directories (those are read again with `rescan`, and
    /// the listing brought up to date).
    pub(crate) fn serve(&self, root: &Path, options: &WalkOptions, rescan: &Rescan) -> Kept {
        let key = key(root, options);
        let stored = match self.shelf.load::<Stored>(key) {
            Loaded::Missing => return Kept::Nothing,
            Loaded::Damaged => return Kept::Stale(Some(DAMAGED.into())),
            Loaded::Found(stored) if stored.key == key => stored,
            Loaded::Found(_) => return Kept::Stale(None),
        };
        use rayon::prelude::*;
        if !stored.complete
            || !stored
                .outside
                .par_iter()
                .with_min_len(64)
                .all(Watched::holds)
        {
            return Kept::Stale(None);
        }
        // Each directory as it is now; `None` as soon as an ignore rule
        // may have changed (everything is walked again).
        let now: Option<Vec<Now>> = stored
            .dirs
            .par_iter()
            .with_min_len(16)
            .map(|dir| {
                let stamp = stamp(dir.path(), dir.this.watch);
                if stamp == dir.this.stamp {
                    return dir.rules.iter().all(Watched::holds).then_some(Now::Same);
                }
                if stamp.is_none_or(|s| s.mode & libc::S_IFMT != libc::S_IFDIR) {
                    return Some(Now::Gone);
                }
                // Its entries changed: the rules in it must not have.
                let rules = rules(dir.path());
                (rules == dir.rules).then(|| {
                    Now::Changed(Dir {
                        this: Watched {
                            stamp,
                            ..dir.this.clone()
                        },
                        rules,
                        files: Vec::new(),
                        attributes: false,
                    })
                })
            })
            .collect();
        let Some(now) = now else {
            return Kept::Stale(None);
        };
        let changed = now.iter().filter(|n| !matches!(n, Now::Same)).count();
        let read_again = now.iter().filter(|n| matches!(n, Now::Changed(_))).count();
        // Reading again more than a quarter of the directories (and more
        // than a few) is hardly a shortcut.
        if changed > 8 && changed * 4 > stored.dirs.len() {
            return Kept::Stale(None);
        }
        let (dirs, update) = match changed {
            0 => (stored.dirs, false),
            _ => match self.brought_up_to_date(root, stored.dirs, now, rescan) {
                Some(dirs) => (dirs, true),
                None => return Kept::Stale(None),
            },
        };
        let joined = |dir: &Dir, name: &[u8]| dir.path().join(std::ffi::OsStr::from_bytes(name));
        let mut served = Served {
            files: Vec::with_capacity(dirs.iter().map(|d| d.files.len()).sum()),
            attributes: Vec::new(),
            read_again,
            update: None,
        };
        for dir in &dirs {
            served
                .files
                .extend(dir.files.iter().map(|name| joined(dir, name)));
            if dir.attributes {
                served.attributes.push(joined(dir, b".gitattributes"));
            }
        }
        let mut dirs = dirs;
        if update && self.keepable(&mut dirs) {
            served.update = Some(Update(Stored {
                key,
                complete: true,
                outside: stored.outside,
                dirs,
            }));
        }
        Kept::Holds(served)
    }

    /// The directories of a listing once those that changed are read
    /// again: the entries of a changed directory replace what was found in
    /// it, directories gone are dropped with everything below them, and
    /// new ones are walked whole. `None` when that cannot be done (the
    /// whole tree is then walked).
    fn brought_up_to_date(
        &self,
        root: &Path,
        dirs: Vec<Dir>,
        now: Vec<Now>,
        rescan: &Rescan,
    ) -> Option<Vec<Dir>> {
        let index: HashMap<&Path, usize> = dirs
            .iter()
            .enumerate()
            .map(|(i, d)| (d.path(), i))
            .collect();
        let changed: Vec<&Path> = dirs
            .iter()
            .zip(&now)
            .filter(|(_, n)| matches!(n, Now::Changed(_)))
            .map(|(d, _)| d.path())
            .collect();
        let again = rescan(&changed, Some(1))?;
        // What is in each changed directory now.
        let mut files: HashMap<&Path, Vec<Vec<u8>>> = HashMap::new();
        let mut attributes: Vec<&Path> = Vec::new();
        for file in &again.files {
            let name = file.file_name()?.as_bytes().to_vec();
            files.entry(file.parent()?).or_default().push(name);
        }
        for file in &again.attributes {
            attributes.push(file.parent()?);
        }
        let mut found: std::collections::HashSet<&Path> =
            again.dirs.iter().map(PathBuf::as_path).collect();
        // The directories below a changed one: kept if found again (each
        // is judged by its own stamp), dropped with what is below them if
        // not; new ones are walked whole.
        let is_changed: std::collections::HashSet<&Path> = changed.iter().copied().collect();
        let mut gone: std::collections::HashSet<&Path> = std::collections::HashSet::new();
        for dir in &dirs {
            let path = dir.path();
            let in_changed = path != root && path.parent().is_some_and(|p| is_changed.contains(p));
            if in_changed && !found.remove(path) {
                gone.insert(path);
            }
        }
        let new: Vec<&Path> = found
            .into_iter()
            .filter(|dir| !is_changed.contains(dir) && !index.contains_key(dir))
            .collect();
        let below = match new.is_empty() {
            true => Found::default(),
            false => rescan(&new, None)?,
        };
        let below = below.dirs(root)?;
        let removed = |path: &Path| {
            for above in path.ancestors() {
                if gone.contains(above) {
                    return true;
                }
                if !index.contains_key(above) || above == root {
                    return false;
                }
            }
            false
        };
        let removed: Vec<bool> = dirs.iter().map(|d| removed(d.path())).collect();
        // A directory gone is in a changed directory, or below one gone.
        if now
            .iter()
            .zip(&removed)
            .any(|(now, removed)| matches!(now, Now::Gone) && !removed)
        {
            return None;
        }
        let mut up_to_date = Vec::with_capacity(dirs.len() + below.len());
        for ((dir, now), removed) in dirs.into_iter().zip(now).zip(removed) {
            match now {
                _ if removed => {}
                Now::Same => up_to_date.push(dir),
                Now::Changed(mut changed) => {
                    let path = dir.path();
                    changed.files = files.remove(path).unwrap_or_default();
                    changed.attributes = attributes.contains(&path);
                    up_to_date.push(changed);
                }
                Now::Gone => return None,
            }
        }
        up_to_date.extend(below);
        Some(up_to_date)
    }

    /// Whether directories found (and stamped) can be kept, by the rule in
    /// the module's documentation; marks those too young to be trusted to
    /// be read again.
    fn keepable(&self, dirs: &mut [Dir]) -> bool {
        let files: usize = dirs.iter().map(|d| d.files.len()).sum();
        if files > MAX_FILES
            || !dirs
                .iter()
                .flat_map(|d| &d.rules)
                .all(|w| self.settled(w) && !is_gitfile(w))
        {
            return false;
        }
        for dir in dirs {
            if !self.settled(&dir.this) {
                if let Some(stamp) = &mut dir.this.stamp {
                    stamp.mtime_ns = YOUNG;
                }
            }
        }
        true
    }

    /// Whether `watched` is older than the run's start by [`RACY`].
    fn settled(&self, watched: &Watched) -> bool {
        let before = (self.start.0 - RACY, self.start.1);
        match watched.stamp {
            Some(s) => (s.mtime, s.mtime_ns) < before && (s.ctime, s.ctime_ns) < before,
            None => true,
        }
    }

    /// Keeps what a walk of `root` found, when the rule in the module's
    /// documentation allows; says nothing when it cannot (a listing is
    /// only ever a shortcut).
    /// Returns whether it was kept.
    pub(crate) fn keep(&self, root: &Path, options: &WalkOptions, found: &Found) -> bool {
        if found.files.len() > MAX_FILES {
            return false;
        }
        let Some(stored) = self.stored(root, options, found) else {
            return false;
        };
        self.write(&stored).is_ok()
    }

    fn stored(&self, root: &Path, options: &WalkOptions, found: &Found) -> Option<Stored> {
        let mut dirs = found.dirs(root)?;
        let mut outside = Vec::new();
        // Above the root: present or absent.
        let canonical = std::fs::canonicalize(root).ok()?;
        for dir in canonical.ancestors().skip(1) {
            outside.extend(in_directory(dir));
        }
        // git's global files.
        for path in global_files() {
            outside.push(Watched::now(&path, Watch::Whole));
        }
        if !self.keepable(&mut dirs) || !outside.iter().all(|w| self.settled(w) && !is_gitfile(w)) {
            return None;
        }
        Some(Stored {
            key: key(root, options),
            complete: true,
            outside,
            dirs,
        })
    }

    fn write(&self, stored: &Stored) -> std::io::Result<()> {
        self.shelf.store(stored.key, stored)
    }
}

/// A directory of kept files, one per key: each framed (a magic number,
/// a format number, the body serialised with `postcard`, a CRC-32 of it)
/// and replaced atomically; at most `max` of them and [`MAX_BYTES`] in
/// all, those used longest ago go first (a file's modification time is
/// set when it is used).
#[derive(Clone, Debug)]
pub(crate) struct Shelf {
    pub dir: PathBuf,
    pub magic: &'static [u8; 8],
    pub format: u32,
    pub max: usize,
}

/// What the files of one [`Shelf`] may take at most.
pub(crate) const MAX_BYTES: u64 = 256 << 20;

/// What [`Shelf::load`] found.
pub(crate) enum Loaded<T> {
    Missing,
    /// There, but it does not decode (damaged, or of another format).
    Damaged,
    Found(T),
}

impl Shelf {
    fn file(&self, key: [u64; 2]) -> PathBuf {
        self.dir.join(format!("{:016x}{:016x}", key[0], key[1]))
    }

    /// What is kept under `key`.
    pub(crate) fn load<T: serde::de::DeserializeOwned>(&self, key: [u64; 2]) -> Loaded<T> {
        let path = self.file(key);
        match std::fs::read(&path) {
            Err(_) => Loaded::Missing,
            Ok(bytes) => match self.decode(&bytes) {
                Some(value) => {
                    // Used now: evicted last (a read-only cache keeps its
                    // times).
                    if let Ok(file) = std::fs::File::options().write(true).open(&path) {
                        let _ = file.set_modified(std::time::SystemTime::now());
                    }
                    Loaded::Found(value)
                }
                None => Loaded::Damaged,
            },
        }
    }

    /// Keeps `value` under `key`; nothing is left behind when that fails
    /// (a full disk).
    pub(crate) fn store<T: Serialize>(&self, key: [u64; 2], value: &T) -> std::io::Result<()> {
        let written = self.try_store(key, value);
        if written.is_err() {
            let _ = std::fs::remove_dir(&self.dir);
        }
        written
    }

    fn try_store<T: Serialize>(&self, key: [u64; 2], value: &T) -> std::io::Result<()> {
        let body = postcard::to_stdvec(value).map_err(std::io::Error::other)?;
        if body.len() as u64 > MAX_BYTES / 4 {
            return Err(std::io::Error::other("too large to keep"));
        }
        std::fs::create_dir_all(&self.dir)?;
        let mut temp = tempfile::Builder::new()
            .prefix(".listing-")
            .tempfile_in(&self.dir)?;
        temp.write_all(self.magic)?;
        temp.write_all(&self.format.to_le_bytes())?;
        temp.write_all(&body)?;
        temp.write_all(&crc32fast::hash(&body).to_le_bytes())?;
        temp.persist(self.file(key)).map_err(|e| e.error)?;
        self.evict();
        Ok(())
    }

    fn decode<T: serde::de::DeserializeOwned>(&self, bytes: &[u8]) -> Option<T> {
        let rest = bytes.strip_prefix(self.magic.as_slice())?;
        let (format, rest) = rest.split_first_chunk::<4>()?;
        if u32::from_le_bytes(*format) != self.format {
            return None;
        }
        let (body, crc) = rest.split_last_chunk::<4>()?;
        if crc32fast::hash(body) != u32::from_le_bytes(*crc) {
            return None;
        }
        postcard::from_bytes(body).ok()
    }

    /// Removes the files used longest ago beyond `max` files or
    /// [`MAX_BYTES`], and the temporary files of runs killed while writing
    /// one (an hour old).
    fn evict(&self) {
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return;
        };
        let hour_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
        let mut kept: Vec<(std::time::SystemTime, u64, PathBuf)> = Vec::new();
        for entry in entries.filter_map(Result::ok) {
            let Ok(meta) = entry.metadata() else {
                continue;
            };
            let Ok(modified) = meta.modified() else {
                continue;
            };
            match entry.file_name().as_bytes().starts_with(b".listing-") {
                true if modified < hour_ago => {
                    let _ = std::fs::remove_file(entry.path());
                }
                true => {}
                false => kept.push((modified, meta.len(), entry.path())),
            }
        }
        // Newest first; what does not fit goes.
        kept.sort_by(|a, b| b.cmp(a));
        let mut bytes = 0;
        for (i, (_, size, path)) in kept.iter().enumerate() {
            bytes += size;
            if i >= self.max || bytes > MAX_BYTES {
                let _ = std::fs::remove_file(path);
            }
        }
    }
}

/// The files in `dir` whose content changes the walk, present or absent:
/// first those in `dir` itself, then those in its `.git`.
fn in_directory(dir: &Path) -> Vec<Watched> {
    let mut watched: Vec<Watched> = IGNORE_FILES
        .iter()
        .map(|name| Watched::now(&dir.join(name), Watch::Whole))
        .collect();
    let git = Watched::now(&dir.join(".git"), Watch::Presence);
    let in_git = git.stamp.is_some();
    watched.push(git);
    // A jujutsu repository is a git repository to `ignore`.
    watched.push(Watched::now(&dir.join(".jj"), Watch::Presence));
    if in_git {
        for name in ["info/exclude", "config"] {
            watched.push(Watched::now(&dir.join(".git").join(name), Watch::Whole));
        }
    }
    watched
}

/// What is watched in a directory the walk entered: [`in_directory`], but
/// of the names in the directory itself only those present (creating one
/// changes the directory's own stamp; creating `.git/info/exclude` does
/// not change the directory's).
fn rules(dir: &Path) -> Vec<Watched> {
    let mut watched = in_directory(dir);
    let own = IGNORE_FILES.len() + 2;
    let mut i = 0;
    watched.retain(|w| {
        i += 1;
        i > own || w.stamp.is_some()
    });
    watched
}

/// A `.git` that is a file points elsewhere (a linked work tree or a
/// submodule): what it points to is not watched, so nothing is kept.
fn is_gitfile(watched: &Watched) -> bool {
    watched.path.ends_with(b"/.git")
        && watched
            .stamp
            .is_some_and(|s| s.mode & libc::S_IFMT != libc::S_IFDIR)
}

/// git's global excludes file and the configuration files that can name
/// it, as `ignore` finds them.
fn global_files() -> Vec<PathBuf> {
    let mut files = Vec::new();
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let config_home = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| home.as_ref().map(|h| h.join(".config")));
    if let Some(config_home) = &config_home {
        files.push(config_home.join("git/config"));
        files.push(config_home.join("git/ignore"));
    }
    if let Some(home) = &home {
        files.push(home.join(".gitconfig"));
    }
    files.extend(ignore::gitignore::gitconfig_excludes_path());
    files
}

/// The key of a listing of `root` walked with `options`.
fn key(root: &Path, options: &WalkOptions) -> [u64; 2] {
    let mut key = Key::new(MAGIC, FORMAT);
    key.part(root.as_os_str().as_bytes());
    let canonical = std::fs::canonicalize(root).unwrap_or_default();
    key.part(canonical.as_os_str().as_bytes());
    key.part(&[u8::from(options.no_ignore), u8::from(options.follow)]);
    key.listing_options(options);
    for var in ["HOME", "XDG_CONFIG_HOME"] {
        match std::env::var_os(var) {
            Some(value) => key.part(value.as_bytes()),
            None => key.part(b"\0unset"),
        }
    }
    key.finish()
}

/// A key of what is kept on a [`Shelf`]: a 128-bit SipHash of its parts,
/// each prefixed by its length, after the shelf's magic and format and
/// repoflame's version.
pub(crate) struct Key(SipHasher13);

impl Key {
    pub(crate) fn new(magic: &[u8; 8], format: u32) -> Key {
        let mut key = Key(SipHasher13::new());
        key.part(magic);
        key.part(&format.to_le_bytes());
        key.part(env!("CARGO_PKG_VERSION").as_bytes());
        key
    }

    pub(crate) fn part(&mut self, bytes: &[u8]) {
        self.0.write_u64(bytes.len() as u64);
        self.0.write(bytes);
    }

    /// The options that change what any listing holds: hidden files and
    /// the `--exclude` globs.
    pub(crate) fn listing_options(&mut self, options: &WalkOptions) {
        self.part(&[u8::from(options.hidden)]);
        self.part(&(options.excludes.len() as u64).to_le_bytes());
        for glob in &options.excludes {
            self.part(glob.as_bytes());
        }
    }

    pub(crate) fn finish(self) -> [u64; 2] {
        let hash = self.0.finish128();
        [hash.h1, hash.h2]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_oldest_listings_and_old_temporaries_are_removed() {
        let cache = tempfile::tempdir().unwrap();
        let listings = Listings::new(cache.path());
        std::fs::create_dir_all(&listings.shelf.dir).unwrap();
        let now = std::time::SystemTime::now();
        let write = |name: &str, age: u64| {
            let path = listings.shelf.dir.join(name);
            let file = std::fs::File::create(&path).unwrap();
            file.set_modified(now - std::time::Duration::from_secs(age))
                .unwrap();
        };
        for i in 0..MAX_LISTINGS + 8 {
            write(&format!("listing{i:02}"), 100 * i as u64);
        }
        write(".listing-killed", 7200);
        write(".listing-writing", 10);
        listings.shelf.evict();
        let mut left: Vec<String> = std::fs::read_dir(&listings.shelf.dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        let mut expected: Vec<String> = (0..MAX_LISTINGS)
            .map(|i| format!("listing{i:02}"))
            .collect();
        expected.insert(0, ".listing-writing".into());
        assert_eq!(left, expected);
    }

    #[test]
    fn a_shelf_keeps_what_was_used_last_within_its_bytes() {
        let cache = tempfile::tempdir().unwrap();
        let shelf = Shelf {
            dir: cache.path().join("shelf"),
            magic: b"rftest\0\x01",
            format: 1,
            max: 100,
        };
        let now = std::time::SystemTime::now();
        let age = |path: &Path, seconds: u64| {
            let file = std::fs::File::options().write(true).open(path).unwrap();
            file.set_modified(now - std::time::Duration::from_secs(seconds))
                .unwrap();
        };
        // Used an hour ago, but read now: it is the newest.
        shelf.store([7, 7], &vec![1u32, 2, 3]).unwrap();
        age(&shelf.file([7, 7]), 3600);
        assert!(matches!(shelf.load::<Vec<u32>>([7, 7]), Loaded::Found(v) if v == [1, 2, 3]));
        // Four files of a third of the bytes each, older and older
        // (sparse: no disk is used).
        for i in 0..4u64 {
            let path = shelf.dir.join(format!("big{i}"));
            std::fs::File::create(&path)
                .unwrap()
                .set_len(MAX_BYTES / 3)
                .unwrap();
            age(&path, 60 * (i + 1));
        }
        shelf.evict();
        let mut left: Vec<String> = std::fs::read_dir(&shelf.dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        let kept = format!("{:016x}{:016x}", 7, 7);
        assert_eq!(left, [kept.as_str(), "big0", "big1"]);
    }

    #[test]
    fn a_listing_decodes_as_it_was_encoded_and_not_when_damaged() {
        let stored = Stored {
            key: [1, 2],
            complete: true,
            outside: vec![Watched::now(Path::new("/"), Watch::Followed)],
            dirs: vec![Dir::now(
                Path::new("/"),
                Path::new("/"),
                vec![b"a.rs".to_vec()],
                true,
            )],
        };
        let shelf = Listings::new(Path::new("/nowhere")).shelf;
        let body = postcard::to_stdvec(&stored).unwrap();
        let mut bytes = MAGIC.to_vec();
        bytes.extend(FORMAT.to_le_bytes());
        bytes.extend(&body);
        bytes.extend(crc32fast::hash(&body).to_le_bytes());
        let decoded = shelf.decode::<Stored>(&bytes).unwrap();
        assert_eq!(decoded.dirs, stored.dirs);
        assert_eq!(decoded.outside, stored.outside);
        for cut in [0, 8, 12, bytes.len() - 1] {
            assert!(
                shelf.decode::<Stored>(&bytes[..cut]).is_none(),
                "cut at {cut}"
            );
        }
        let mut flipped = bytes.clone();
        flipped[14] ^= 1;
        assert!(shelf.decode::<Stored>(&flipped).is_none());
    }
}
