//! The count cache: what counting a content gave, kept between runs, so
//! that a warm run neither reads nor parses what it counted before.
//!
//! **Storage.** One snapshot file, `counts.bin` in the cache directory,
//! serialised with `postcard` (serde's compact binary format, a
//! well-kept crate) behind a magic number, a format number and a CRC-32 of
//! the rest (`crc32fast`). A run reads it whole at the start and, when it
//! counted something new, writes a new snapshot beside it and renames it
//! over the old one (`tempfile`'s `persist`): a reader sees the old
//! snapshot or the new one, never half of one. An embedded database such
//! as `redb` was the alternative: it takes an exclusive lock for as long
//! as a process has it open, so of two runs at once (CI matrix jobs on one
//! cache) one would go without, and a warm run would pay a B-tree lookup
//! per file where a snapshot pays one read and one decode.
//!
//! **Keys.** A file on disk is known by its path relative to the source
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
//! content) and its path, so `--rev` and `--diff` share entries. Every key
//! also holds `--stream-threshold`, and the whole snapshot is tied to
//! [`counting_version`] (tokei's version and repoflame's counting rules):
//! a snapshot of another version is dropped and rebuilt.
//!
//! **Values.** Everything the count stage gives for a content: language,
//! counts, the classification by name and first bytes, whether it is a
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
use std::io::{self, Write};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{LazyLock, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
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
const FORMAT: u32 = 1;
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
const REFRESH: u64 = 24 * 3600;

/// What the counts of a snapshot depend on beyond its keys.
fn counting_version() -> String {
    format!(
        "tokei {TOKEI_VERSION} (vendored), rules {RULES}, {} languages",
        LanguageType::list().len()
    )
}

/// A content's identity.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub(crate) enum Key {
    /// A file on disk: its path relative to the source root and its stat.
    File {
        path: Vec<u8>,
        dev: u64,
        ino: u64,
        size: u64,
        mtime: (i64, i64),
        ctime: (i64, i64),
        threshold: u64,
    },
    /// A git blob: its path and id.
    Blob {
        path: Vec<u8>,
        id: Vec<u8>,
        threshold: u64,
    },
}

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
        let key = Key::File {
            path: path.as_os_str().as_bytes().to_vec(),
            dev: meta.dev(),
            ino: meta.ino(),
            size: meta.size(),
            mtime: (meta.mtime(), meta.mtime_nsec()),
            ctime: (meta.ctime(), meta.ctime_nsec()),
            threshold,
        };
        (key, storable)
    }

    /// The key of a blob `id` named `path`.
    pub(crate) fn blob(path: &Path, id: &[u8], threshold: u64) -> Key {
        Key::Blob {
            path: path.as_os_str().as_bytes().to_vec(),
            id: id.to_vec(),
            threshold,
        }
    }

    fn path(&self) -> &[u8] {
        match self {
            Key::File { path, .. } | Key::Blob { path, .. } => path,
        }
    }
}

/// What counting a content gave.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum Value {
    /// In no language: counted by nobody.
    Nothing,
    Counted {
        /// Index in `LanguageType::list()`.
        language: u16,
        code: u64,
        comments: u64,
        blanks: u64,
        bytes: u64,
        /// Class (index in `Class::ALL`) and reason.
        class: Option<(u8, String)>,
        lfs_pointer: bool,
        note: Option<String>,
    },
}

static LANGUAGES: LazyLock<HashMap<LanguageType, u16>> = LazyLock::new(|| {
    LanguageType::list()
        .iter()
        .enumerate()
        .map(|(i, (language, _))| (*language, i as u16))
        .collect()
});

impl Value {
    /// What `content` (a count, or `None` for no language) is stored as.
    pub(crate) fn of(content: Option<&Content>) -> Option<Value> {
        let Some(content) = content else {
            return Some(Value::Nothing);
        };
        let class = match &content.class {
            Some(c) => Some((
                Class::ALL.iter().position(|k| *k == c.class)? as u8,
                c.reason.to_string(),
            )),
            None => None,
        };
        Some(Value::Counted {
            language: *LANGUAGES.get(&content.language)?,
            code: content.counts.code,
            comments: content.counts.comments,
            blanks: content.counts.blanks,
            bytes: content.counts.bytes,
            class,
            lfs_pointer: content.lfs_pointer,
            note: content.note.clone(),
        })
    }

    /// The content it stands for; `None` for no language. `Err` when it
    /// does not decode (a damaged snapshot that passed its checksum).
    pub(crate) fn content(&self) -> Result<Option<Content>, ()> {
        let Value::Counted {
            language,
            code,
            comments,
            blanks,
            bytes,
            class,
            lfs_pointer,
            note,
        } = self
        else {
            return Ok(None);
        };
        let language = LanguageType::list().get(*language as usize).ok_or(())?.0;
        let class = match class {
            Some((class, reason)) => Some(Classification {
                class: *Class::ALL.get(*class as usize).ok_or(())?,
                reason: Cow::Owned(reason.clone()),
            }),
            None => None,
        };
        Ok(Some(Content {
            language,
            counts: Counts {
                files: 1,
                code: *code,
                comments: *comments,
                blanks: *blanks,
                bytes: *bytes,
                // Counting never knows the history: it is joined later.
                commits: 0,
            },
            class,
            lfs_pointer: *lfs_pointer,
            note: note.clone(),
        }))
    }

    fn strings_len(&self) -> usize {
        match self {
            Value::Nothing => 0,
            Value::Counted { class, note, .. } => {
                class.as_ref().map_or(0, |c| c.1.len()) + note.as_ref().map_or(0, String::len)
            }
        }
    }
}

/// One entry of the snapshot.
#[derive(Debug, Serialize, Deserialize)]
struct Row {
    key: Key,
    value: Value,
    /// When it was last used, seconds since the epoch.
    used: u64,
}

impl Row {
    /// An upper bound of its size in the snapshot: varints of at most 10
    /// bytes for each number, the strings, and tags.
    fn size(&self) -> u64 {
        (192 + self.key.path().len() + self.value.strings_len()) as u64
    }
}

/// The snapshot's content after its header.
#[derive(Debug, Serialize, Deserialize)]
struct Body {
    counting: String,
    rows: Vec<Row>,
}

/// An entry as loaded.
struct Loaded {
    value: Value,
    used: u64,
    hit: AtomicBool,
}

/// The cache of one run: the snapshot as it was at the start, and what
/// this run counted that was not in it.
pub(crate) struct Cache {
    dir: PathBuf,
    limit: u64,
    /// The run's start, seconds since the epoch.
    now: i64,
    loaded: HashMap<Key, Loaded>,
    fresh: Mutex<Vec<(Key, Value)>>,
    /// Whether opening it gave a note already: one note a run.
    noted: bool,
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
            loaded: HashMap::new(),
            fresh: Mutex::new(Vec::new()),
            noted: false,
        };
        let path = dir.join(SNAPSHOT);
        let note = match std::fs::read(&path) {
            Ok(bytes) => match decode(&bytes) {
                Ok(rows) => {
                    cache.loaded = rows
                        .into_iter()
                        .map(|row| {
                            let loaded = Loaded {
                                value: row.value,
                                used: row.used,
                                hit: AtomicBool::new(false),
                            };
                            (row.key, loaded)
                        })
                        .collect();
                    None
                }
                Err(why) => Some(format!(
                    "count cache {}: {why}: ignored, and rebuilt",
                    display_path(&path)
                )),
            },
            Err(err) if err.kind() == io::ErrorKind::NotFound => None,
            Err(err) => Some(format!(
                "count cache {}: cannot read it ({}): counting without it",
                display_path(&path),
                io_reason(&err)
            )),
        };
        cache.noted = note.is_some();
        (cache, note)
    }

    /// Whether it holds nothing: nothing to look up.
    pub(crate) fn is_empty(&self) -> bool {
        self.loaded.is_empty()
    }

    /// The run's start, seconds since the epoch, for [`Key::file`].
    pub(crate) fn start(&self) -> i64 {
        self.now
    }

    /// What the content of `key` counted as, if it was stored: `Some(None)`
    /// for no language.
    pub(crate) fn get(&self, key: &Key) -> Option<Option<Content>> {
        let loaded = self.loaded.get(key)?;
        let content = loaded.value.content().ok()?;
        loaded.hit.store(true, Ordering::Relaxed);
        Some(content)
    }

    /// Stores what this run counted.
    pub(crate) fn put(&self, fresh: Vec<(Key, Value)>) {
        if !fresh.is_empty() {
            self.fresh
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .extend(fresh);
        }
    }

    /// Writes the snapshot, when this run counted something new or used
    /// entries whose last use is old; a note when it could not.
    pub(crate) fn save(self) -> Option<String> {
        let fresh = self.fresh.into_inner().unwrap_or_else(|e| e.into_inner());
        let now = self.now.max(0) as u64;
        let refreshed: Vec<(&Key, &Loaded)> = self
            .loaded
            .iter()
            .filter(|(_, l)| l.hit.load(Ordering::Relaxed) && l.used + REFRESH < now)
            .collect();
        if fresh.is_empty() && refreshed.is_empty() {
            return None;
        }
        let written = (|| -> io::Result<()> {
            std::fs::create_dir_all(&self.dir)?;
            let lock = std::fs::File::options()
                .create(true)
                .truncate(false)
                .write(true)
                .open(self.dir.join(LOCK))?;
            // Held until `lock` is closed, at the end of this closure.
            // SAFETY: flock on a file descriptor we own.
            if unsafe { libc::flock(std::os::fd::AsRawFd::as_raw_fd(&lock), libc::LOCK_EX) } != 0 {
                return Err(io::Error::last_os_error());
            }
            let path = self.dir.join(SNAPSHOT);
            // What other runs wrote since this one started is kept.
            let mut rows: HashMap<Key, (Value, u64)> = match std::fs::read(&path) {
                Ok(bytes) => decode(&bytes)
                    .unwrap_or_default()
                    .into_iter()
                    .map(|row| (row.key, (row.value, row.used)))
                    .collect(),
                Err(_) => HashMap::new(),
            };
            for (key, loaded) in refreshed {
                rows.insert(key.clone(), (loaded.value.clone(), now));
            }
            for (key, value) in fresh {
                rows.insert(key, (value, now));
            }
            let rows = bounded(rows, self.limit);
            let bytes = encode(rows);
            // Removed on interruption too, and renamed into place under the
            // cleanup registry's lock, as outputs are (`output.rs`).
            let mut file = crate::interrupt::create_registered(|| {
                let file = tempfile::Builder::new()
                    .prefix(".counts")
                    .tempfile_in(&self.dir)?;
                let path = file.path().to_path_buf();
                Ok((file, path))
            })?;
            let temp = file.path().to_path_buf();
            let written = file.write_all(&bytes);
            if let Err(err) = written {
                crate::interrupt::unregister(&temp);
                return Err(err);
            }
            crate::interrupt::commit(&temp, || file.persist(&path).map(drop).map_err(|e| e.error))
        })();
        written.err().filter(|_| !self.noted).map(|err| {
            format!(
                "count cache {}: cannot write it ({}): nothing new cached",
                display_path(&self.dir),
                io_reason(&err)
            )
        })
    }
}

/// The rows to keep within `limit` bytes: the most recently used first.
fn bounded(rows: HashMap<Key, (Value, u64)>, limit: u64) -> Vec<Row> {
    let mut rows: Vec<Row> = rows
        .into_iter()
        .map(|(key, (value, used))| Row { key, value, used })
        .collect();
    if rows.iter().map(Row::size).sum::<u64>() <= limit {
        return rows;
    }
    rows.sort_unstable_by(|a, b| b.used.cmp(&a.used).then_with(|| a.key.cmp(&b.key)));
    let mut total = 0;
    let keep = rows
        .iter()
        .take_while(|row| {
            total += row.size();
            total <= limit
        })
        .count();
    rows.truncate(keep);
    rows
}

/// The snapshot's bytes: header, checksum, body.
fn encode(rows: Vec<Row>) -> Vec<u8> {
    let body = Body {
        counting: counting_version(),
        rows,
    };
    // Serialising plain data into memory cannot fail.
    let payload = postcard::to_allocvec(&body).unwrap_or_default();
    let mut bytes = Vec::with_capacity(16 + payload.len());
    bytes.extend_from_slice(MAGIC);
    bytes.extend_from_slice(&FORMAT.to_le_bytes());
    bytes.extend_from_slice(&crc32fast::hash(&payload).to_le_bytes());
    bytes.extend_from_slice(&payload);
    bytes
}

/// The rows of a snapshot, or why it cannot be used.
fn decode(bytes: &[u8]) -> Result<Vec<Row>, &'static str> {
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
    let crc = u32::from_le_bytes(bytes[12..16].try_into().unwrap_or_default());
    let payload = &bytes[16..];
    if crc32fast::hash(payload) != crc {
        return Err("damaged or truncated (checksum mismatch)");
    }
    let body: Body = postcard::from_bytes(payload).map_err(|_| "damaged (does not decode)")?;
    if body.counting != counting_version() {
        return Err("written by another version of repoflame's counting");
    }
    Ok(body.rows)
}

/// Removes the cache in `dir`; a missing one is no error.
pub(crate) fn clear(dir: &Path) -> io::Result<()> {
    for name in [SNAPSHOT, LOCK] {
        match std::fs::remove_file(dir.join(name)) {
            Err(err) if err.kind() != io::ErrorKind::NotFound => return Err(err),
            _ => {}
        }
    }
    // Temporary snapshots of runs that were killed.
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            if entry.file_name().as_bytes().starts_with(b".counts") {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }
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

    fn row(n: u8, used: u64) -> Row {
        Row {
            key: Key::blob(Path::new("a.rs"), &[n; 20], 1),
            value: Value::Nothing,
            used,
        }
    }

    #[test]
    fn values_give_back_what_was_counted() {
        for language in [LanguageType::Rust, LanguageType::Zig, LanguageType::ABNF] {
            for class in [None, Some(Class::Generated), Some(Class::Documentation)] {
                let counted = content(language, class);
                let value = Value::of(Some(&counted)).unwrap();
                let back = value.content().unwrap().unwrap();
                assert_eq!(back.language, language);
                assert_eq!(back.counts, counted.counts);
                assert_eq!(back.class, counted.class);
                assert_eq!(back.note, counted.note);
            }
        }
        assert_eq!(Value::of(None), Some(Value::Nothing));
        assert!(Value::Nothing.content().unwrap().is_none());
    }

    #[test]
    fn snapshots_round_trip_and_damage_is_detected() {
        let bytes = encode(vec![row(1, 5), row(2, 6)]);
        let rows = decode(&bytes).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].key, row(1, 5).key);
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
    fn the_least_recently_used_go_first() {
        let rows: HashMap<Key, (Value, u64)> = (0..10)
            .map(|n| {
                let r = row(n, u64::from(n));
                (r.key, (r.value, r.used))
            })
            .collect();
        let size = row(0, 0).size();
        let kept = bounded(rows, 3 * size + 1);
        let used: Vec<u64> = kept.iter().map(|r| r.used).collect();
        assert_eq!(used, [9, 8, 7]);
        let real = encode(kept).len() as u64;
        assert!(real <= 3 * size, "{real} bytes for 3 rows");
    }

    #[test]
    fn the_tokei_version_is_the_one_built() {
        let lock = include_str!("../../Cargo.lock");
        let at = lock.find("name = \"tokei\"\nversion = \"").unwrap();
        let version = lock[at..].split('"').nth(3).unwrap();
        assert_eq!(version, TOKEI_VERSION, "bump TOKEI_VERSION (and RULES)");
    }
}
