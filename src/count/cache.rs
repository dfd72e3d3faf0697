//! The count cache: what counting a content gave, kept between runs, so
//! that a warm run neither reads nor parses what it counted before.
//!
//! **Storage.** One snapshot file, `counts.bin` in the cache directory:
//! a magic number and a format number, then a header, the records sorted
//! by key and a table of strings, each serialised with `postcard` (serde's
//! compact binary format, a well-kept crate), and a CRC-32 of it all
//! (`crc32fast`). A run reads it at the start into a sorted vector of
//! fixed 48-byte records (binary search, no heap allocation per entry:
//! a million entries cost about 50 MB, not 700) and, when it counted
//! something new, writes a new snapshot beside it by a streaming merge of
//! the two sorted runs (what was loaded, what was counted) and renames it
//! over the old one (`tempfile`'s `persist`): a reader sees the old
//! snapshot or the new one, never half of one. An embedded database such
//! as `redb` was the alternative: it takes an exclusive lock for as long
//! as a process has it open, so of two runs at once (CI matrix jobs on one
//! cache) one would go without, and a warm run would pay a B-tree lookup
//! per file where a snapshot pays one read and one decode.
//!
//! **Keys.** A key is a 128-bit SipHash of a content's identity. A file
//! on disk is known by its path relative to the source
//! root (which gives the language and the classification) and its full
//! stat identity: device, inode, size, modification and status-change
//! times to the nanosecond. Any write to a file changes its ctime, which
//! no user can set back, so a rewrite to the same size with the mtime put
//! back (`touch -r`) is a new key, and so is a file renamed over it (a new
//! inode). Like git's index, a file whose mtime or ctime is within
//! [`RACY`] of the run's start (or later) is counted but not stored: it
//! could still change within the file system's timestamp granularity
//! without its stat changing. What is stored is keyed by the stat of the
//! file as opened, taken before it is read: a write during the read makes
//! a new ctime, so the counts of a half-written file are never served for
//! what it became. A git blob is known by its id (a hash of its
//! content) and its path, so `--rev` and `--diff` share entries. A file
//! in a git work tree that the index vouches for holds a blob
//! (`source::git::worktree` states the rule): the count stage looks a
//! file up by that blob, and a blob by that file, when its own key misses
//! and the cache holds keys of the other kind (the lowest bit of a key
//! tells a blob's from a file's), and keeps what it found under its own
//! key too. The index is not read for files changed after it was
//! written, which it cannot vouch for (a run after an edit). Every key
//! also holds `--stream-threshold`, and the whole snapshot is tied to
//! [`counting_version`] (tokei's version and repoflame's counting rules):
//! a snapshot of another version is dropped and rebuilt.
//!
//! **Values.** Everything the count stage gives for a content: language
//! (an index), counts (a content of more than 2³² lines of a kind is not
//! kept), the classification by name and first bytes, whether it is a
//! Git LFS pointer, and its note; or that it is in no language (an
//! extensionless file without a known shebang). Output is the same byte
//! for byte with or without the cache.
//!
//! **Concurrency.** Writers take an advisory lock (`flock`) on
//! `counts.lock`, merge what is on disk now with what they counted, and
//! rename: two runs at once lose nothing and never corrupt the snapshot.
//! Readers take no lock.
//!
//! **Bounds.** Each entry's last use is kept (refreshed at most daily, so
//! that a warm run of an unchanged tree writes nothing); when the snapshot
//! would outgrow the limit, the entries used longest ago go first.
//!
//! **Failures.** A damaged, truncated or foreign snapshot is ignored with
//! one note and rebuilt; a directory that cannot be written (read-only,
//! full) means one note and a run without storing. Neither changes the
//! output or the exit status.

use std::borrow::Cow;
use std::collections::HashMap;
use std::hash::Hasher;
use std::io::{self, BufWriter, Read, Write};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{LazyLock, Mutex, OnceLock};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use siphasher::sip128::{Hasher128, SipHasher13};
use tokei::LanguageType;

use super::Content;
use crate::classify::{Class, Classification};
use crate::error::{display_path, io_reason};
use crate::record::Counts;

/// The snapshot's name in the cache directory.
pub(crate) const SNAPSHOT: &str = "counts.bin";
/// The lock writers take, beside it.
pub(crate) const LOCK: &str = "counts.lock";
/// The snapshot's first bytes, then [`FORMAT`] (little-endian).
const MAGIC: &[u8; 8] = b"RFCOUNT\n";
/// The layout of the snapshot; bumped when the types below change.
/// 2: fixed records keyed by a 128-bit hash, strings in a side table.
const FORMAT: u32 = 2;
/// The version of tokei that counts (vendor/tokei; a test checks it
/// against Cargo.lock).
pub(crate) const TOKEI_VERSION: &str = "15.0.0";
/// repoflame's own counting rules (decoding, streaming, shebangs, the
/// classification by content): bump whenever they change what a content
/// counts as.
const RULES: u32 = 1;
/// A file modified this close to the run's start, in seconds, is not
/// stored (git's racily-clean rule).
pub(crate) const RACY: i64 = 2;
/// Hits refresh an entry's last use once it is this old, in seconds.
const REFRESH: u32 = 24 * 3600;
/// What a record without strings costs in the snapshot at most (postcard
/// varints), for the size limit.
const RECORD_SIZE: u64 = 64;
/// No string: the index a record has when it has neither reason nor note.
const NONE: u32 = u32::MAX;

/// What the counts of a snapshot depend on beyond its keys.
fn counting_version() -> String {
    format!(
        "tokei {TOKEI_VERSION} (vendored), rules {RULES}, {} languages",
        LanguageType::list().len()
    )
}

/// A content's identity: a 128-bit SipHash of what identifies it (a file's
/// path and stat, or a blob's path and id, and the stream threshold).
/// Fixed in size, so that a million entries cost 48 bytes each in memory
/// rather than a heap-allocated path each; two different identities share
/// a key with a probability of about n²/2¹²⁸. The lowest bit tells a
/// blob's key from a file's.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct Key(u128);

impl Key {
    /// The key of a file named `path` with metadata `meta`, and whether it
    /// may be stored (it is not racily clean).
    pub(crate) fn file(
        path: &Path,
        meta: &std::fs::Metadata,
        threshold: u64,
        start: i64,
    ) -> (Key, bool) {
        let storable = meta.mtime() < start - RACY && meta.ctime() < start - RACY;
        let mut hasher = SipHasher13::new();
        hasher.write(b"file\0");
        let path = path.as_os_str().as_bytes();
        hasher.write_u64(path.len() as u64);
        hasher.write(path);
        for n in [meta.dev(), meta.ino(), meta.size(), threshold] {
            hasher.write_u64(n);
        }
        for n in [
            meta.mtime(),
            meta.mtime_nsec(),
            meta.ctime(),
            meta.ctime_nsec(),
        ] {
            hasher.write_i64(n);
        }
        (Key(u128::from(hasher.finish128()) & !1), storable)
    }

    /// The key of a blob `id` named `path`.
    pub(crate) fn blob(path: &Path, id: &[u8], threshold: u64) -> Key {
        let mut hasher = SipHasher13::new();
        hasher.write(b"blob\0");
        let path = path.as_os_str().as_bytes();
        hasher.write_u64(path.len() as u64);
        hasher.write(path);
        hasher.write_u64(id.len() as u64);
        hasher.write(id);
        hasher.write_u64(threshold);
        Key(u128::from(hasher.finish128()) | 1)
    }

    /// Whether it is a blob's key (its lowest bit; a file's is clear).
    fn is_blob(self) -> bool {
        self.0 & 1 == 1
    }
}

/// What counting a content gave, as this run counted it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Value {
    counts: Counted,
    /// The class's reason and the note.
    strings: Strings,
}

/// The strings of a value, rare: most contents have neither.
type Strings = (Option<Box<str>>, Option<Box<str>>);

/// A value's fixed part.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct Counted {
    /// Index in `LanguageType::list()`.
    language: u16,
    /// Index in `Class::ALL`, or `u8::MAX` for none.
    class: u8,
    /// [`COUNTED`], [`LFS`].
    flags: u8,
    code: u32,
    comments: u32,
    blanks: u32,
    bytes: u64,
}

/// The content is in a language (otherwise it is in none: nothing else
/// is set).
const COUNTED: u8 = 1;
/// The content is a Git LFS pointer.
const LFS: u8 = 2;

static LANGUAGES: LazyLock<HashMap<LanguageType, u16>> = LazyLock::new(|| {
    LanguageType::list()
        .iter()
        .enumerate()
        .map(|(i, (language, _))| (*language, i as u16))
        .collect()
});

impl Value {
    /// What `content` (a count, or `None` for no language) is stored as;
    /// `None` for what is not kept (more than 2³² lines of a kind).
    pub(crate) fn of(content: Option<&Content>) -> Option<Value> {
        let Some(content) = content else {
            return Some(Value {
                counts: Counted {
                    language: 0,
                    class: u8::MAX,
                    flags: 0,
                    code: 0,
                    comments: 0,
                    blanks: 0,
                    bytes: 0,
                },
                strings: (None, None),
            });
        };
        let (class, reason) = match &content.class {
            Some(c) => (
                Class::ALL.iter().position(|k| *k == c.class)? as u8,
                Some(Box::from(c.reason.as_ref())),
            ),
            None => (u8::MAX, None),
        };
        Some(Value {
            counts: Counted {
                language: *LANGUAGES.get(&content.language)?,
                class,
                flags: COUNTED | if content.lfs_pointer { LFS } else { 0 },
                code: content.counts.code.try_into().ok()?,
                comments: content.counts.comments.try_into().ok()?,
                blanks: content.counts.blanks.try_into().ok()?,
                bytes: content.counts.bytes,
            },
            strings: (reason, content.note.as_deref().map(Box::from)),
        })
    }

    /// The content it stands for; `None` for no language. `Err` when it
    /// does not decode (a damaged snapshot that passed its checksum).
    fn content(counts: &Counted, strings: Option<&Strings>) -> Result<Option<Content>, ()> {
        if counts.flags & COUNTED == 0 {
            return Ok(None);
        }
        let (reason, note) = match strings {
            Some((reason, note)) => (reason.as_deref(), note.as_deref()),
            None => (None, None),
        };
        let language = LanguageType::list()
            .get(counts.language as usize)
            .ok_or(())?
            .0;
        let class = match counts.class {
            u8::MAX => None,
            class => Some(Classification {
                class: *Class::ALL.get(class as usize).ok_or(())?,
                reason: Cow::Owned(reason.ok_or(())?.to_string()),
            }),
        };
        Ok(Some(Content {
            language,
            counts: Counts {
                files: 1,
                code: counts.code.into(),
                comments: counts.comments.into(),
                blanks: counts.blanks.into(),
                bytes: counts.bytes,
                // Counting never knows the history: it is joined later.
                commits: 0,
            },
            class,
            lfs_pointer: counts.flags & LFS != 0,
            note: note.map(str::to_string),
        }))
    }
}

/// One entry: 48 bytes in memory, its strings (if any) in a side table.
#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
struct Record {
    key: u128,
    counts: Counted,
    /// When it was last used, seconds since the epoch.
    used: u32,
    /// Index in the table of strings, or [`NONE`].
    strings: u32,
}

/// Records sorted by key (binary search), with their table of strings.
#[derive(Default)]
struct Table {
    records: Vec<Record>,
    strings: Vec<Strings>,
}

impl Table {
    fn find(&self, key: u128) -> Option<usize> {
        self.records.binary_search_by_key(&key, |r| r.key).ok()
    }

    fn strings(&self, record: &Record) -> Option<&Strings> {
        self.strings.get(record.strings as usize)
    }
}

/// Strings interned as they are added: classification reasons repeat.
#[derive(Default)]
struct Interner {
    strings: Vec<Strings>,
    index: HashMap<Strings, u32>,
}

impl Interner {
    fn add(&mut self, strings: Option<&Strings>) -> u32 {
        match strings {
            None | Some((None, None)) => NONE,
            Some(strings) => *self.index.entry(strings.clone()).or_insert_with(|| {
                self.strings.push(strings.clone());
                (self.strings.len() - 1) as u32
            }),
        }
    }
}

/// What this run counted that the snapshot did not have: the records of
/// each batch as they came (not one growing vector, which would hold
/// twice its size while it grows), their strings interned.
#[derive(Default)]
struct Fresh {
    batches: Vec<Vec<Record>>,
    strings: Interner,
}

/// What this run counted, ready to be written: each batch sorted by key.
struct Runs {
    batches: Vec<Vec<Record>>,
    strings: Vec<Strings>,
}

impl Runs {
    /// The records of every batch in key order, each key once.
    fn sorted(&self) -> impl Iterator<Item = &Record> {
        use std::cmp::Reverse;
        let mut heap: std::collections::BinaryHeap<Reverse<(u128, usize, usize)>> = self
            .batches
            .iter()
            .enumerate()
            .filter_map(|(b, batch)| Some(Reverse((batch.first()?.key, b, 0))))
            .collect();
        let mut last = None;
        std::iter::from_fn(move || {
            loop {
                let Reverse((key, b, at)) = heap.pop()?;
                if let Some(next) = self.batches[b].get(at + 1) {
                    heap.push(Reverse((next.key, b, at + 1)));
                }
                if last != Some(key) {
                    last = Some(key);
                    return Some(&self.batches[b][at]);
                }
            }
        })
    }
}

/// The header of a snapshot after [`MAGIC`] and [`FORMAT`].
#[derive(Debug, Serialize, Deserialize)]
struct Header {
    counting: String,
    records: u64,
}

/// The identity of a snapshot file: a writer that finds the one this run
/// read need not read it again. The file is held open meanwhile, so its
/// inode cannot be reused by another.
struct Opened {
    file: std::fs::File,
}

impl Opened {
    fn same(&self, other: &std::fs::File) -> bool {
        match (self.file.metadata(), other.metadata()) {
            (Ok(a), Ok(b)) => {
                (a.dev(), a.ino(), a.size(), a.mtime(), a.mtime_nsec())
                    == (b.dev(), b.ino(), b.size(), b.mtime(), b.mtime_nsec())
            }
            _ => false,
        }
    }
}

/// The cache of one run: the snapshot as it was at the start, and what
/// this run counted that was not in it.
pub(crate) struct Cache {
    dir: PathBuf,
    limit: u64,
    /// The run's start, seconds since the epoch.
    now: i64,
    loaded: Table,
    /// Which loaded records this run used.
    hits: Vec<AtomicBool>,
    /// The snapshot file loaded, if any.
    source: Option<Opened>,
    fresh: Mutex<Fresh>,
    /// Whether opening it gave a note already: one note a run.
    noted: bool,
    /// Whether the loaded records have files' keys, and blobs' keys.
    kinds: OnceLock<(bool, bool)>,
}

impl Cache {
    /// The cache in `dir`, bounded to about `limit` bytes, with a note
    /// when what was there had to be dropped. Nothing is created yet.
    pub(crate) fn open(dir: &Path, limit: u64) -> (Cache, Option<String>) {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64);
        let mut cache = Cache {
            dir: dir.to_path_buf(),
            limit,
            now,
            loaded: Table::default(),
            hits: Vec::new(),
            source: None,
            fresh: Mutex::new(Fresh::default()),
            noted: false,
            kinds: OnceLock::new(),
        };
        let path = dir.join(SNAPSHOT);
        let note = match read(&path) {
            Ok(Some((table, file))) => {
                cache.hits = table
                    .records
                    .iter()
                    .map(|_| AtomicBool::new(false))
                    .collect();
                cache.loaded = table;
                cache.source = Some(Opened { file });
                None
            }
            Ok(None) => None,
            Err(Damage::Io(err)) => Some(format!(
                "count cache {}: cannot read it ({}): counting without it",
                display_path(&path),
                io_reason(&err)
            )),
            Err(Damage::Bad(why)) => Some(format!(
                "count cache {}: {why}: ignored, and rebuilt",
                display_path(&path)
            )),
        };
        cache.noted = note.is_some();
        (cache, note)
    }

    /// Whether it holds nothing: nothing to look up.
    pub(crate) fn is_empty(&self) -> bool {
        self.loaded.records.is_empty()
    }

    /// Whether it holds blobs' keys (`blob`) or files' keys: a content
    /// known by another name is looked up by it only where it may be
    /// found (a directory's files by their blob in git's index, which
    /// takes reading the index).
    pub(crate) fn holds(&self, blob: bool) -> bool {
        let (files, blobs) = *self.kinds.get_or_init(|| {
            let records = &self.loaded.records;
            let blobs = records.iter().any(|r| Key(r.key).is_blob());
            let files = records.iter().any(|r| !Key(r.key).is_blob());
            (files, blobs)
        });
        if blob { blobs } else { files }
    }

    /// The run's start, seconds since the epoch, for [`Key::file`].
    pub(crate) fn start(&self) -> i64 {
        self.now
    }

    /// What the content of `key` counted as, if it was stored: `Some(None)`
    /// for no language.
    pub(crate) fn get(&self, key: &Key) -> Option<Option<Content>> {
        let at = self.loaded.find(key.0)?;
        let record = &self.loaded.records[at];
        let content = Value::content(&record.counts, self.loaded.strings(record)).ok()?;
        self.hits[at].store(true, Ordering::Relaxed);
        Some(content)
    }

    /// Stores what this run counted.
    pub(crate) fn put(&self, fresh: Vec<(Key, Value)>) {
        if fresh.is_empty() {
            return;
        }
        let mut kept = self.fresh.lock().unwrap_or_else(|e| e.into_inner());
        let mut batch = Vec::with_capacity(fresh.len());
        for (key, value) in fresh {
            let strings = kept.strings.add(Some(&value.strings));
            batch.push(Record {
                key: key.0,
                counts: value.counts,
                used: 0,
                strings,
            });
        }
        kept.batches.push(batch);
    }

    /// Writes the snapshot, when this run counted something new or used
    /// entries whose last use is old; a note when it could not.
    pub(crate) fn save(self) -> Option<String> {
        let Cache {
            dir,
            limit,
            now,
            mut loaded,
            hits,
            source,
            fresh,
            noted,
            ..
        } = self;
        let now = now.clamp(0, i64::from(u32::MAX)) as u32;
        let Fresh { batches, strings } = fresh.into_inner().unwrap_or_else(|e| e.into_inner());
        // Each batch sorted where it is, merged as it is written: the
        // records are never copied into one vector (which would hold
        // them twice while it is filled).
        let mut batches = batches;
        for batch in &mut batches {
            for record in batch.iter_mut() {
                record.used = now;
            }
            batch.sort_unstable_by_key(|r| r.key);
        }
        let fresh = Runs {
            batches,
            strings: strings.strings,
        };
        // Hits whose last use is old are refreshed.
        let mut refreshed = Vec::new();
        for (record, hit) in loaded.records.iter_mut().zip(&hits) {
            if hit.load(Ordering::Relaxed) && record.used.saturating_add(REFRESH) < now {
                record.used = now;
                refreshed.push(record.key);
            }
        }
        drop(hits);
        if fresh.batches.iter().all(Vec::is_empty) && refreshed.is_empty() {
            return None;
        }
        let written = (|| -> io::Result<()> {
            std::fs::create_dir_all(&dir)?;
            let lock = std::fs::File::options()
                .create(true)
                .truncate(false)
                .write(true)
                .open(dir.join(LOCK))?;
            // Held until `lock` is closed, at the end of this closure.
            // SAFETY: flock on a file descriptor we own.
            if unsafe { libc::flock(std::os::fd::AsRawFd::as_raw_fd(&lock), libc::LOCK_EX) } != 0 {
                return Err(io::Error::last_os_error());
            }
            let path = dir.join(SNAPSHOT);
            // What other runs wrote since this one started is kept: the
            // snapshot is read again only when it is not the one loaded,
            // and the one loaded is dropped first.
            let current = std::fs::File::open(&path).ok();
            let unchanged = match (&current, &source) {
                (None, None) => true,
                (Some(current), Some(source)) => source.same(current),
                _ => false,
            };
            drop(current);
            let base = if unchanged {
                std::mem::take(&mut loaded)
            } else {
                drop(std::mem::take(&mut loaded));
                let mut base = match read(&path) {
                    Ok(Some((table, _))) => table,
                    _ => Table::default(),
                };
                for key in refreshed {
                    if let Some(at) = base.find(key) {
                        base.records[at].used = now;
                    }
                }
                base
            };
            drop(source);
            remove_orphans(&dir);
            write(&dir, &path, &base, &fresh, limit)
        })();
        written.err().filter(|_| !noted).map(|err| {
            format!(
                "count cache {}: cannot write it ({}): nothing new cached",
                display_path(&dir),
                io_reason(&err)
            )
        })
    }
}

/// Removes the temporary snapshots of runs killed while they wrote one
/// (`SIGKILL`, a power cut): every writer holds the lock while its own
/// exists, so under the lock any there is an orphan. Without this, each
/// such kill would leave a file as large as the snapshot.
fn remove_orphans(dir: &Path) {
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            if entry.file_name().as_bytes().starts_with(b".counts") {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }
}

/// Why a snapshot could not be used.
enum Damage {
    Io(io::Error),
    Bad(&'static str),
}

/// The snapshot at `path` and the file it was read from; `None` when
/// there is none.
fn read(path: &Path) -> Result<Option<(Table, std::fs::File)>, Damage> {
    let mut file = match std::fs::File::open(path) {
        Ok(file) => file,
        Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(err) => return Err(Damage::Io(err)),
    };
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes).map_err(Damage::Io)?;
    let table = decode(&bytes).map_err(Damage::Bad)?;
    Ok(Some((table, file)))
}

/// Whether `record` is at least as recent as `cut`: the
/// newest first, then by key.
fn newer(record: &Record, cut: (u32, u128)) -> bool {
    (record.used, std::cmp::Reverse(record.key)) >= (cut.0, std::cmp::Reverse(cut.1))
}

/// What `record` costs in the snapshot at most.
fn size(record: &Record, strings: &[Strings]) -> u64 {
    let strings = strings.get(record.strings as usize).map_or(0, |(r, n)| {
        r.as_ref().map_or(0, |s| s.len()) + n.as_ref().map_or(0, |s| s.len())
    });
    RECORD_SIZE + strings as u64
}

/// The records of `base` and `fresh` by key, `fresh` where both have one.
fn merged<'a>(
    base: &'a Table,
    fresh: &'a Runs,
) -> impl Iterator<Item = (&'a Record, &'a [Strings])> {
    let (mut a, mut b) = (base.records.iter().peekable(), fresh.sorted().peekable());
    std::iter::from_fn(move || {
        let from_base = match (a.peek().map(|r| r.key), b.peek().map(|r| r.key)) {
            (None, None) => return None,
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (Some(x), Some(y)) => {
                if x == y {
                    a.next();
                }
                x < y
            }
        };
        Some(match from_base {
            true => (a.next()?, &base.strings[..]),
            false => (b.next()?, &fresh.strings[..]),
        })
    })
}

/// The oldest (last use, key) kept within `limit` bytes, or `None` when
/// everything fits.
fn cutoff(base: &Table, fresh: &Runs, limit: u64) -> Option<(u32, u128)> {
    let total: u64 = merged(base, fresh).map(|(r, s)| size(r, s)).sum();
    if total <= limit {
        return None;
    }
    let mut ages: Vec<(u32, std::cmp::Reverse<u128>, u64)> = merged(base, fresh)
        .map(|(r, s)| (r.used, std::cmp::Reverse(r.key), size(r, s)))
        .collect();
    ages.sort_unstable_by(|a, b| b.cmp(a));
    let mut kept = 0;
    let mut cut = (u32::MAX, u128::MAX);
    for (used, key, size) in ages {
        kept += size;
        if kept > limit {
            break;
        }
        cut = (used, key.0);
    }
    Some(cut)
}

/// A writer that keeps the CRC-32 of what passed through it.
struct Summed<W> {
    inner: W,
    crc: crc32fast::Hasher,
}

impl<W: Write> Write for Summed<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.crc.update(&buf[..n]);
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Writes `base` and `fresh`, merged and bounded, as the snapshot at
/// `path`: to a temporary file beside it, renamed over it.
fn write(dir: &Path, path: &Path, base: &Table, fresh: &Runs, limit: u64) -> io::Result<()> {
    // Removed on interruption too, and renamed into place under the
    // cleanup registry's lock, as outputs are (`output.rs`).
    let mut file = crate::interrupt::create_registered(|| {
        let file = tempfile::Builder::new()
            .prefix(".counts")
            .tempfile_in(dir)?;
        let path = file.path().to_path_buf();
        Ok((file, path))
    })?;
    let temp = file.path().to_path_buf();
    let written = (|| -> io::Result<()> {
        let cut = cutoff(base, fresh, limit);
        let keep = |r: &Record| cut.is_none_or(|cut| newer(r, cut));
        let count = merged(base, fresh).filter(|(r, _)| keep(r)).count();
        let mut out = BufWriter::with_capacity(1 << 16, file.as_file_mut());
        out.write_all(MAGIC)?;
        out.write_all(&FORMAT.to_le_bytes())?;
        let mut out = Summed {
            inner: out,
            crc: crc32fast::Hasher::new(),
        };
        let header = Header {
            counting: counting_version(),
            records: count as u64,
        };
        postcard::to_io(&header, &mut out).map_err(io::Error::other)?;
        let mut strings = Interner::default();
        for (record, table) in merged(base, fresh).filter(|(r, _)| keep(r)) {
            let record = Record {
                strings: strings.add(table.get(record.strings as usize)),
                ..*record
            };
            postcard::to_io(&record, &mut out).map_err(io::Error::other)?;
        }
        postcard::to_io(&strings.strings, &mut out).map_err(io::Error::other)?;
        let crc = out.crc.finalize();
        let mut out = out.inner;
        out.write_all(&crc.to_le_bytes())?;
        out.flush()
    })();
    if let Err(err) = written {
        crate::interrupt::unregister(&temp);
        return Err(err);
    }
    crate::interrupt::commit(&temp, || file.persist(path).map(drop).map_err(|e| e.error))
}

/// The records of a snapshot, or why it cannot be used.
fn decode(bytes: &[u8]) -> Result<Table, &'static str> {
    if bytes.len() < 16 || &bytes[..8] != MAGIC {
        return Err(if MAGIC.starts_with(bytes) {
            "truncated"
        } else {
            "not a repoflame count cache"
        });
    }
    let format = u32::from_le_bytes(bytes[8..12].try_into().unwrap_or_default());
    if format != FORMAT {
        return Err("written by another version of repoflame");
    }
    let (payload, crc) = bytes[12..].split_at(bytes.len() - 16);
    let crc = u32::from_le_bytes(crc.try_into().unwrap_or_default());
    if crc32fast::hash(payload) != crc {
        return Err("damaged or truncated (checksum mismatch)");
    }
    let damaged = |_| "damaged (does not decode)";
    let (header, mut rest): (Header, _) = postcard::take_from_bytes(payload).map_err(damaged)?;
    if header.counting != counting_version() {
        return Err("written by another version of repoflame's counting");
    }
    // Each record takes at least 7 bytes: a count beyond that is damage.
    let count = usize::try_from(header.records)
        .ok()
        .filter(|n| n.saturating_mul(7) <= rest.len())
        .ok_or("damaged (does not decode)")?;
    let mut records = Vec::with_capacity(count);
    for _ in 0..count {
        let (record, more): (Record, _) = postcard::take_from_bytes(rest).map_err(damaged)?;
        records.push(record);
        rest = more;
    }
    let (strings, rest): (Vec<Strings>, _) = postcard::take_from_bytes(rest).map_err(damaged)?;
    let sorted = records.windows(2).all(|w| w[0].key < w[1].key);
    let indexed = records
        .iter()
        .all(|r| r.strings == NONE || (r.strings as usize) < strings.len());
    if !rest.is_empty() || !sorted || !indexed {
        return Err("damaged (does not decode)");
    }
    Ok(Table { records, strings })
}

/// Removes the cache in `dir`; a missing one is no error.
pub(crate) fn clear(dir: &Path) -> io::Result<()> {
    for name in [SNAPSHOT, LOCK] {
        match std::fs::remove_file(dir.join(name)) {
            Err(err) if err.kind() != io::ErrorKind::NotFound => return Err(err),
            _ => {}
        }
    }
    // The directory and tree listings kept (see source::listing and
    // source::git::kept).
    for kept in ["listings", "trees"] {
        match std::fs::remove_dir_all(dir.join(kept)) {
            Err(err) if err.kind() != io::ErrorKind::NotFound => return Err(err),
            _ => {}
        }
    }
    // Temporary snapshots of runs that were killed.
    remove_orphans(dir);
    // Left in place when something else lives there.
    let _ = std::fs::remove_dir(dir);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn content(language: LanguageType, class: Option<Class>) -> Content {
        Content {
            language,
            counts: Counts {
                files: 1,
                code: 10,
                comments: 2,
                blanks: 3,
                bytes: 400,
                commits: 0,
            },
            class: class.map(|class| Classification {
                class,
                reason: Cow::Borrowed("a reason"),
            }),
            lfs_pointer: false,
            note: Some("a note".into()),
        }
    }

    fn record(n: u8, used: u32) -> Record {
        Record {
            key: Key::blob(Path::new("a.rs"), &[n; 20], 1).0,
            counts: Value::of(None).unwrap().counts,
            used,
            strings: NONE,
        }
    }

    fn table(records: Vec<Record>) -> Table {
        let mut records = records;
        records.sort_unstable_by_key(|r| r.key);
        Table {
            records,
            strings: Vec::new(),
        }
    }

    /// `records` in two batches, as two threads would have counted them.
    fn runs(records: Vec<Record>) -> Runs {
        let mut batches = vec![Vec::new(), Vec::new()];
        for (n, record) in records.into_iter().enumerate() {
            batches[n % 2].push(record);
        }
        for batch in &mut batches {
            batch.sort_unstable_by_key(|r| r.key);
        }
        Runs {
            batches,
            strings: Vec::new(),
        }
    }

    /// The snapshot `write` gives for `base` and `fresh` within `limit`.
    fn written(base: &Table, fresh: &Runs, limit: u64) -> Vec<u8> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(SNAPSHOT);
        write(dir.path(), &path, base, fresh, limit).unwrap();
        std::fs::read(path).unwrap()
    }

    #[test]
    fn values_give_back_what_was_counted() {
        for language in [LanguageType::Rust, LanguageType::Zig, LanguageType::ABNF] {
            for class in [None, Some(Class::Generated), Some(Class::Documentation)] {
                let counted = content(language, class);
                let value = Value::of(Some(&counted)).unwrap();
                let back = Value::content(&value.counts, Some(&value.strings))
                    .unwrap()
                    .unwrap();
                assert_eq!(back.language, language);
                assert_eq!(back.counts, counted.counts);
                assert_eq!(back.class, counted.class);
                assert_eq!(back.note, counted.note);
            }
        }
        let nothing = Value::of(None).unwrap();
        assert!(Value::content(&nothing.counts, None).unwrap().is_none());
        let mut huge = content(LanguageType::Rust, None);
        huge.counts.code = 1 << 32;
        assert_eq!(Value::of(Some(&huge)), None, "not kept, never truncated");
    }

    #[test]
    fn snapshots_round_trip_and_damage_is_detected() {
        let mut noted = record(2, 6);
        noted.strings = 0;
        noted.counts.class = 1;
        let mut fresh = runs(vec![record(1, 5), noted]);
        fresh
            .strings
            .push((Some("a reason".into()), Some("a note".into())));
        let bytes = written(&Table::default(), &fresh, u64::MAX);
        let back = decode(&bytes).unwrap();
        assert_eq!(back.records.len(), 2);
        let noted = &back.records[back.find(noted.key).unwrap()];
        assert_eq!(back.strings(noted), fresh.strings.first());
        let plain = &back.records[back.find(record(1, 0).key).unwrap()];
        assert_eq!(back.strings(plain), None);
        for cut in [0, 3, 8, 15, 16, bytes.len() - 1] {
            assert!(decode(&bytes[..cut]).is_err(), "cut at {cut}");
        }
        for at in 8..bytes.len() {
            let mut damaged = bytes.clone();
            damaged[at] ^= 0x40;
            assert!(decode(&damaged).is_err(), "flipped byte {at}");
        }
    }

    #[test]
    fn merging_keeps_both_runs_and_the_newer_value() {
        let base = table(vec![record(1, 5), record(2, 5)]);
        let mut newer = record(2, 9);
        newer.counts.code = 7;
        let fresh = runs(vec![newer, record(3, 9), record(3, 9)]);
        let back = decode(&written(&base, &fresh, u64::MAX)).unwrap();
        let keys: Vec<u128> = back.records.iter().map(|r| r.key).collect();
        let mut expected = vec![record(1, 0).key, record(2, 0).key, record(3, 0).key];
        expected.sort_unstable();
        assert_eq!(keys, expected);
        let two = &back.records[back.find(record(2, 0).key).unwrap()];
        assert_eq!((two.used, two.counts.code), (9, 7));
    }

    #[test]
    fn the_least_recently_used_go_first() {
        let base = table((0..5).map(|n| record(n, u32::from(n))).collect());
        let fresh = runs((5..10).map(|n| record(n, u32::from(n))).collect());
        let kept = decode(&written(&base, &fresh, 3 * RECORD_SIZE + 1)).unwrap();
        let mut used: Vec<u32> = kept.records.iter().map(|r| r.used).collect();
        used.sort_unstable();
        assert_eq!(used, [7, 8, 9]);
        let all = decode(&written(&base, &fresh, 10 * RECORD_SIZE)).unwrap();
        assert_eq!(all.records.len(), 10);
    }

    #[test]
    fn the_tokei_version_is_the_one_built() {
        let lock = include_str!("../../Cargo.lock");
        let at = lock.find("name = \"tokei\"\nversion = \"").unwrap();
        let version = lock[at..].split('"').nth(3).unwrap();
        assert_eq!(version, TOKEI_VERSION, "bump TOKEI_VERSION (and RULES)");
    }
}
