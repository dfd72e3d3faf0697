//! tokei: language detection and counting, one file at a time.
//!
//! Counts equal what the tokei CLI reports for the same file: the language
//! is decided by name (and, for extensionless files, by shebang), the bytes
//! are decoded as tokei decodes them (a UTF-8 or UTF-16 byte-order mark
//! switches to transcoding), and embedded languages are summarised into
//! their host file (`CodeStats::summarise`), as tokei's totals do.
//!
//! [`count_content`] counts any content, a file on disk or a git blob, from
//! a reader. Speed: batches of files are counted as rayon jobs, because
//! tokei's parser itself uses `rayon::join` and `par_bridge` (from a
//! foreign thread every file would pay a hand-off); a batch reuses one read
//! buffer. Memory: content is read whole only up to `stream_threshold`
//! bytes; anything larger is fed to tokei's parser in pieces ([`pieces`]),
//! with the same counts, so a multi-gigabyte file costs a few MiB.

pub(crate) mod cache;
mod pieces;
pub(crate) mod shebang;

use std::collections::{HashMap, HashSet};
use std::io::{self, Read};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{LazyLock, Mutex};

use encoding_rs_io::DecodeReaderBytesBuilder;
use tokei::{CodeStats, LanguageType};

use crate::classify::{self, Classification};
use crate::error::{Problem, display_path, io_reason};
use crate::progress::Progress;
use crate::record::{Counts, Record};
use crate::source::{Alias, ContentId, Data, Entry, Reader, Store};
use crate::units::human_bytes;
use cache::{Cache, Key as CacheKey, Value};

/// The counts of one file of `bytes` bytes that tokei parsed into
/// `stats` (embedded languages summarised into the file).
fn counts_of_file(stats: &CodeStats, bytes: u64) -> Counts {
    let summary = stats.summarise();
    Counts {
        files: 1,
        code: summary.code as u64,
        comments: summary.comments as u64,
        blanks: summary.blanks as u64,
        bytes,
        commits: 0,
    }
}

/// Options of the count stage.
#[derive(Clone, Debug)]
pub(crate) struct CountOptions<'a> {
    /// Only these languages, when not empty.
    pub(crate) types: &'a [LanguageType],
    /// Content larger than this is counted in pieces.
    pub(crate) stream_threshold: u64,
    /// Symbolic links are followed (the walk followed them).
    pub(crate) follow: bool,
}

/// The count stage of one run: the content of every entry of every side
/// counted, each distinct content once (a blob met at both sides of a
/// diff), batches in parallel as the source lists them; what the
/// persistent [`cache`] has is neither read nor parsed.
pub(crate) struct Counter<'a> {
    options: CountOptions<'a>,
    store: &'a dyn Store,
    cache: Option<&'a Cache>,
    /// Contents served from the cache, and contents read.
    served: AtomicU64,
    read: AtomicU64,
    /// The name of a one-file source, whose entry has an empty path: it
    /// gives the language.
    root_name: &'a Path,
    progress: &'a Progress,
    /// Whether the run has several sides, whose content may repeat.
    dedup: bool,
    /// Counts kept across the runs of one `--history`, so that content met
    /// at an earlier revision is not read again.
    memo: Option<&'a Memo>,
    state: Mutex<State>,
}

/// What each content key counted to (`None`: nothing to count), across
/// the revisions of a `--history`: as many entries as distinct blobs.
/// Looked up by blob id first (hashed as the 20 bytes they are), then by
/// path among the few that share it: no path is hashed or copied to look.
#[derive(Default)]
pub(crate) struct Memo(Mutex<MemoMap>);

#[derive(Default)]
struct MemoMap {
    by_id: HashMap<[u8; 20], Vec<Remembered>>,
    reads: usize,
}

/// A path (as bytes) and what its content counted to.
type Remembered = (Box<[u8]>, Option<Content>);

impl Memo {
    fn lock(&self) -> std::sync::MutexGuard<'_, MemoMap> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// What `entry` counted to, when its content was met before.
    fn get(&self, entry: &Entry) -> Option<Option<Content>> {
        let id = blob_id(entry)?;
        let path = entry.path.as_os_str().as_bytes();
        let map = self.lock();
        let (_, content) = map.by_id.get(&id)?.iter().find(|(p, _)| **p == *path)?;
        Some(content.clone())
    }

    /// Remembers what `entry` counted to.
    fn insert(&self, entry: &Entry, content: Option<Content>) {
        let Some(id) = blob_id(entry) else {
            return;
        };
        let path: Box<[u8]> = entry.path.as_os_str().as_bytes().into();
        let mut map = self.lock();
        map.reads += 1;
        let same_id = map.by_id.entry(id).or_default();
        if same_id.iter().all(|(p, _)| *p != path) {
            same_id.push((path, content));
        }
    }

    /// How many contents were read and remembered: each distinct one once,
    /// when the memo serves what it holds.
    pub(crate) fn reads(&self) -> usize {
        self.lock().reads
    }
}

/// The blob id of `entry`'s content, when it is a blob.
fn blob_id(entry: &Entry) -> Option<[u8; 20]> {
    match &entry.content {
        ContentId::Blob(oid) => {
            let mut id = [0; 20];
            let bytes = oid.as_bytes();
            let n = bytes.len().min(20);
            id[..n].copy_from_slice(&bytes[..n]);
            Some(id)
        }
        ContentId::File(_) => None,
    }
}

/// A content key: a blob id with the path it has (which gives the
/// language).
type Key = (Box<[u8]>, [u8; 20]);

/// What the batches counted so far.
#[derive(Default)]
struct State {
    /// The records of a run of one side, made as soon as counted: a
    /// million of them are held at once, so nothing more.
    records: Vec<Record>,
    /// With several sides, per side, what each entry gave.
    sides: Vec<Vec<Done>>,
    /// The content keys claimed by an entry, with several sides: a later
    /// entry with the same key is not read again.
    claimed: HashSet<Key>,
    problems: Vec<Problem>,
    notes: Vec<String>,
    lfs_pointers: u64,
}

/// An entry of a run of several sides, counted.
#[derive(Debug)]
struct Done {
    path: PathBuf,
    /// Its blob id, when its content has a key.
    id: Option<[u8; 20]>,
    slot: Slot,
}

/// What the content of one entry gave.
#[derive(Debug)]
enum Slot {
    Counted(Content),
    /// Not in a language tokei knows, of no `--type` asked for, gone or
    /// unreadable.
    Uncounted,
    /// Counted (or being counted) for another entry with the same key.
    Same,
}

/// The records of a run, and what the user should know.
#[derive(Debug, Default)]
pub(crate) struct Counted {
    /// One per path counted at any side, in no particular order.
    pub(crate) records: Vec<Record>,
    /// Entries that could not be read.
    pub(crate) problems: Vec<Problem>,
    /// Things a user should know about how they were counted.
    pub(crate) notes: Vec<String>,
    /// Distinct contents read.
    pub(crate) distinct: usize,
    /// Contents served from the cache, and contents read (opened).
    pub(crate) served: u64,
    pub(crate) read: u64,
}

impl<'a> Counter<'a> {
    pub(crate) fn new(
        options: CountOptions<'a>,
        store: &'a dyn Store,
        cache: Option<&'a Cache>,
        root_name: &'a Path,
        sides: usize,
        progress: &'a Progress,
    ) -> Counter<'a> {
        Counter {
            options,
            store,
            cache,
            served: AtomicU64::new(0),
            read: AtomicU64::new(0),
            root_name,
            progress,
            dedup: sides > 1,
            memo: None,
            state: Mutex::new(State {
                sides: (0..sides).map(|_| Vec::new()).collect(),
                ..State::default()
            }),
        }
    }

    /// Takes counts from `memo` and leaves new ones there.
    pub(crate) fn with_memo(mut self, memo: &'a Memo) -> Counter<'a> {
        self.memo = Some(memo);
        self
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Counts one batch of entries of `side`, one after the other with one
    /// reader and one buffer. Call from inside the rayon pool that should
    /// do the work: batches run in parallel, and tokei's parser splits
    /// large content further with `rayon::join`.
    pub(crate) fn count_batch(&self, side: usize, batch: Vec<Entry>) {
        let mut reader = match self.store.reader() {
            Ok(reader) => reader,
            Err(message) => {
                let problems: Vec<Problem> = batch
                    .iter()
                    .map(|e| Problem::new(&e.path, &message))
                    .collect();
                self.progress.advance(problems.len() as u64);
                self.lock().problems.extend(problems);
                return;
            }
        };
        // Content met before is not read again. The keys of the whole batch
        // are claimed at once, before anything is read: what lives to the
        // end of the run is not allocated between the large buffers of
        // content read, which would fragment the allocator's memory.
        let mut same = vec![false; batch.len()];
        if self.dedup {
            let mut state = self.lock();
            for (entry, same) in batch.iter().zip(&mut same) {
                if let Some(key) = entry.content_key() {
                    *same = !state.claimed.insert(key);
                }
            }
        }
        let mut buffer = Vec::new();
        let mut done: Vec<Done> = Vec::with_capacity(batch.len());
        let (mut problems, mut notes, mut lfs) = (Vec::new(), Vec::new(), 0);
        let mut fresh = Vec::new();
        for (entry, same) in batch.into_iter().zip(same) {
            self.progress.advance(1);
            let id = blob_id(&entry);
            let remembered = match (self.memo, same) {
                (Some(memo), false) => memo.get(&entry),
                _ => None,
            };
            let slot = if same {
                Slot::Same
            } else if let Some(remembered) = remembered {
                match remembered {
                    Some(content) => Slot::Counted(content),
                    None => Slot::Uncounted,
                }
            } else {
                let counted = self.count_one(&entry, reader.as_mut(), &mut buffer, &mut fresh);
                if let (Some(memo), Ok(counted)) = (self.memo, &counted) {
                    memo.insert(&entry, counted.as_ref().map(|(content, _)| content.clone()));
                }
                match counted {
                    Ok(Some((content, note))) => {
                        notes.extend(note);
                        notes.extend(content.note.clone());
                        lfs += u64::from(content.lfs_pointer);
                        Slot::Counted(content)
                    }
                    Ok(None) => Slot::Uncounted,
                    Err(err) => {
                        problems.push(problem(&entry, &err));
                        Slot::Uncounted
                    }
                }
            };
            done.push(Done {
                path: entry.path,
                id,
                slot,
            });
        }
        drop(buffer);
        if let Some(cache) = self.cache {
            cache.put(fresh);
        }
        let mut state = self.lock();
        if self.dedup {
            state.sides[side].extend(done);
        } else {
            for Done { path, slot, .. } in done {
                if let Slot::Counted(content) = slot {
                    let mut record = Record::one(path, content.language, content.counts);
                    record.class = content.class.map(Box::new);
                    state.records.push(record);
                }
            }
        }
        state.problems.extend(problems);
        state.notes.extend(notes);
        state.lfs_pointers += lfs;
    }

    /// Counts the content of `entry`, with a note about how it was read;
    /// `None` when it is in no language to count, or gone since listed.
    /// What the cache has is taken from it; what it may keep and was
    /// counted here is added to `fresh`.
    fn count_one(
        &self,
        entry: &Entry,
        reader: &mut dyn Reader,
        buffer: &mut Vec<u8>,
        fresh: &mut Vec<(CacheKey, Value)>,
    ) -> io::Result<Option<(Content, Option<String>)>> {
        let named = if entry.path.as_os_str().is_empty() {
            self.root_name
        } else {
            entry.path.as_path()
        };
        // Content in no known language is not even opened.
        let by_name = file_name(named).and_then(language_by_name);
        if !may_count(named, by_name, self.options.types) {
            return Ok(None);
        }
        let types = self.options.types;
        // Looked up only where there is something to find: a cold run
        // pays no stat of its own (a file's key comes from what was
        // opened).
        let cache = self.cache;
        let looked_up = cache
            .filter(|cache| !cache.is_empty())
            .and_then(|cache| self.key(entry, named, cache));
        if let (Some(cache), Some((key, storable, stat))) = (cache, &looked_up) {
            let mut found = cache.get(key);
            // Known by another name: the blob a file in a git work tree
            // holds, or the file in the work tree that holds a blob.
            if found.is_none() {
                let threshold = self.options.stream_threshold;
                // A file's other name is a blob, and a blob's a file.
                let a_file = stat.is_some();
                let alias = match cache.holds(a_file) {
                    true => reader.alias(entry, stat.as_ref()),
                    false => None,
                };
                found = match alias {
                    Some(Alias::Blob(id)) => {
                        cache.get(&CacheKey::blob(named, id.as_bytes(), threshold))
                    }
                    Some(Alias::File(stat)) => {
                        cache.get(&CacheKey::file(named, &stat, threshold, cache.start()).0)
                    }
                    None => None,
                }
                .filter(|_| reader.alias_holds(entry));
                // Kept under this name too, for the next run.
                if let (Some(content), true) = (&found, storable) {
                    fresh.extend(Value::of(content.as_ref()).map(|value| (*key, value)));
                }
            }
            if let Some(content) = found {
                self.served.fetch_add(1, Ordering::Relaxed);
                let content = content.filter(|c| types.is_empty() || types.contains(&c.language));
                return Ok(content.map(|content| (content, None)));
            }
        }
        let Some(mut readable) = reader.open(entry)? else {
            return Ok(None);
        };
        self.read.fetch_add(1, Ordering::Relaxed);
        // The key to store under: a file's identity as opened, before it
        // is read (a write after that changes its ctime, so what is stored
        // is never served for a later version).
        let threshold = self.options.stream_threshold;
        let key = match (cache, &entry.content, &readable.metadata) {
            (None, _, _) => None,
            (Some(cache), ContentId::File(_), Some(meta)) => {
                Some(CacheKey::file(named, meta, threshold, cache.start()))
                    .filter(|(_, storable)| *storable)
                    .map(|(key, _)| key)
            }
            (Some(_), ContentId::File(_), None) => None,
            (Some(_), ContentId::Blob(oid), _) => {
                Some(CacheKey::blob(named, oid.as_bytes(), threshold))
            }
        };
        let note = readable.note.take();
        let counted = match &mut readable.content {
            Data::Stream(stream) => count_content(
                named,
                by_name,
                readable.size,
                stream,
                None,
                &self.options,
                buffer,
            )?,
            Data::Bytes(bytes) => {
                let bytes = (**bytes).as_ref();
                count_content(
                    named,
                    by_name,
                    readable.size,
                    &mut &bytes[..],
                    Some(bytes),
                    &self.options,
                    buffer,
                )?
            }
        };
        if buffer.capacity() > KEEP_BUFFER {
            *buffer = Vec::new();
        }
        // Kept: a count (which `--type` does not change), or no language
        // when no `--type` could have been the reason; never what was read
        // from a file other than the one keyed.
        if let Some(key) = key {
            if counted.is_some() || types.is_empty() {
                fresh.extend(Value::of(counted.as_ref()).map(|value| (key, value)));
            }
        }
        Ok(counted.map(|content| (content, note)))
    }

    /// The key to look `entry` (named `named`) up by, whether what it
    /// counts to may be stored under it, and for a file its metadata;
    /// `None` for what is not (or no longer) a regular file.
    fn key(
        &self,
        entry: &Entry,
        named: &Path,
        cache: &Cache,
    ) -> Option<(CacheKey, bool, Option<std::fs::Metadata>)> {
        let threshold = self.options.stream_threshold;
        match &entry.content {
            ContentId::File(walked) => {
                let meta = if self.options.follow {
                    std::fs::metadata(walked)
                } else {
                    std::fs::symlink_metadata(walked)
                };
                let meta = meta.ok().filter(std::fs::Metadata::is_file)?;
                let (key, storable) = CacheKey::file(named, &meta, threshold, cache.start());
                Some((key, storable, Some(meta)))
            }
            ContentId::Blob(oid) => {
                Some((CacheKey::blob(named, oid.as_bytes(), threshold), true, None))
            }
        }
    }

    /// The records of every side, joined by path.
    pub(crate) fn finish(self) -> Counted {
        let state = self.state.into_inner().unwrap_or_else(|e| e.into_inner());
        let State {
            records,
            sides,
            problems,
            mut notes,
            lfs_pointers,
            ..
        } = state;
        if lfs_pointers > 0 {
            notes.push(lfs_note(lfs_pointers));
        }
        let repeated = sides
            .iter()
            .flatten()
            .filter(|done| matches!(done.slot, Slot::Same))
            .count();
        let distinct = records.len() + sides.iter().map(Vec::len).sum::<usize>() - repeated;
        let records = if self.dedup {
            join_sides(sides)
        } else {
            records
        };
        Counted {
            records,
            problems,
            notes,
            distinct,
            served: self.served.into_inner(),
            read: self.read.into_inner(),
        }
    }
}

/// A problem reading `entry`: named as found (the path walked, for a file
/// on disk), reported relative to the root.
fn problem(entry: &Entry, err: &io::Error) -> Problem {
    match &entry.content {
        ContentId::File(walked) => Problem::below_relative(walked, &entry.path, io_reason(err)),
        ContentId::Blob(_) => Problem::new(&entry.path, io_reason(err)),
    }
}

/// One record per path counted at any side: its counts at each side (zero
/// where it is not), its language and class at the latest side that has
/// it. An entry whose content was counted for another takes its counts.
fn join_sides(sides: Vec<Vec<Done>>) -> Vec<Record> {
    let count = sides.len();
    // Paths are keyed by their bytes: hashing a `Path` parses its
    // components, most of the time of a join of two sides of 13k files.
    let entries: usize = sides.iter().map(Vec::len).sum();
    let mut counted: HashMap<(&[u8], [u8; 20]), &Content> = HashMap::with_capacity(entries);
    for done in sides.iter().flatten() {
        if let (Slot::Counted(content), Some(id)) = (&done.slot, done.id) {
            counted.insert((done.path.as_os_str().as_bytes(), id), content);
        }
    }
    let mut by_path: HashMap<&[u8], (Vec<Counts>, Option<&Content>)> =
        HashMap::with_capacity(entries / count.max(1));
    for (i, side) in sides.iter().enumerate() {
        for done in side {
            let content = match &done.slot {
                Slot::Counted(content) => content,
                Slot::Same => match done
                    .id
                    .and_then(|id| counted.get(&(done.path.as_os_str().as_bytes(), id)))
                {
                    Some(content) => *content,
                    None => continue,
                },
                Slot::Uncounted => continue,
            };
            let (counts, latest) = by_path
                .entry(done.path.as_os_str().as_bytes())
                .or_insert_with(|| (vec![Counts::default(); count], None));
            counts[i] = content.counts;
            *latest = Some(content);
        }
    }
    by_path
        .into_iter()
        .filter_map(|(path, (counts, latest))| {
            let latest = latest?;
            let sides: Box<[Counts]> = counts.into();
            Some(Record {
                path: Path::new(std::ffi::OsStr::from_bytes(path)).into(),
                language: latest.language,
                counts: crate::record::widest(&sides),
                sides: Some(sides),
                class: latest.class.clone().map(Box::new),
            })
        })
        .collect()
}

/// The tokei configuration: defaults, as the tokei CLI without config files.
pub(crate) static TOKEI_CONFIG: LazyLock<tokei::Config> = LazyLock::new(tokei::Config::default);

/// A path no file can have: tokei's `from_path` falls back to opening the
/// file to read a shebang, and opening this fails at once without a system
/// call, so detection by name never touches the disk (or blocks on a FIFO).
const NO_DIR: &str = "\0";

/// The language of a file by its name alone (filename, suffix, extension).
pub(crate) fn language_by_name(file_name: &std::ffi::OsStr) -> Option<LanguageType> {
    match by_plain_name(file_name.as_bytes()) {
        Some(language) => language,
        None => by_name_as_tokei_does(file_name),
    }
}

/// The last component of `path`, as `Path::file_name` gives it, taken from
/// its bytes where that is plain (a million files: no parsing of
/// components).
pub(crate) fn file_name(path: &Path) -> Option<&std::ffi::OsStr> {
    let bytes = path.as_os_str().as_bytes();
    let start = memchr::memrchr(b'/', bytes).map_or(0, |slash| slash + 1);
    match &bytes[start..] {
        b"" | b"." | b".." => path.file_name(),
        name => Some(std::ffi::OsStr::from_bytes(name)),
    }
}

/// [`language_by_name`] without allocating, for a name in ASCII (nearly
/// all): tokei's `from_path` lowercases the name, compares it with the
/// file names, then the suffixes, of its languages, then looks up its
/// extension (after the last dot, unless that dot starts the name).
/// `None` for a name this leaves to tokei (not ASCII, `..`, too long).
fn by_plain_name(name: &[u8]) -> Option<Option<LanguageType>> {
    const LONGEST: usize = 256;
    if name.len() > LONGEST || !name.is_ascii() || matches!(name, b"" | b"." | b"..") {
        return None;
    }
    let mut buffer = [0u8; LONGEST];
    let lower = &mut buffer[..name.len()];
    lower.copy_from_slice(name);
    lower.make_ascii_lowercase();
    let lower = &*lower;
    let named = LanguageType::file_names()
        .iter()
        .find(|(known, _)| lower == known.as_bytes())
        .or_else(|| {
            LanguageType::path_suffixes()
                .iter()
                .find(|(suffix, _)| lower.ends_with(suffix.as_bytes()))
        });
    if let Some(&(_, language)) = named {
        return Some(Some(language));
    }
    Some(match memchr::memrchr(b'.', lower) {
        None | Some(0) => None,
        Some(dot) => EXTENSIONS.get(&lower[dot + 1..]).copied().flatten(),
    })
}

/// Every extension tokei knows, with the language `from_file_extension`
/// gives it (asked once: its answer, whatever the order of its match).
static EXTENSIONS: LazyLock<HashMap<&'static [u8], Option<LanguageType>>> = LazyLock::new(|| {
    LanguageType::list()
        .iter()
        .flat_map(|(_, extensions)| extensions.iter())
        .map(|extension| {
            let language = LanguageType::from_file_extension(extension);
            (extension.as_bytes(), language)
        })
        .collect()
});

/// [`language_by_name`] as tokei's `from_path` finds it.
fn by_name_as_tokei_does(file_name: &std::ffi::OsStr) -> Option<LanguageType> {
    let name = Path::new(file_name);
    if name.extension().is_some() {
        // Told by the name and extension alone: nothing to join (a path
        // allocated for each of a million files).
        LanguageType::from_path(name, &TOKEI_CONFIG)
    } else {
        LanguageType::from_path(Path::new(NO_DIR).join(file_name), &TOKEI_CONFIG)
    }
}

/// Whether a file named `path`, of language `by_name` by its name
/// ([`language_by_name`]), may be counted at all: a language by name (and
/// of `--type`), or no extension, so that its shebang may tell. Content
/// that fails this is never read.
pub(crate) fn may_count(
    path: &Path,
    by_name: Option<LanguageType>,
    types: &[LanguageType],
) -> bool {
    match by_name {
        Some(language) => types.is_empty() || types.contains(&language),
        None => path.extension().is_none(),
    }
}

/// What counting one content gave.
#[derive(Clone, Debug)]
pub(crate) struct Content {
    /// Its language.
    pub language: LanguageType,
    /// Its counts (`files` is 1).
    pub counts: Counts,
    /// What its name and first bytes say it is (generated markers,
    /// minified, …), before `.gitattributes` are applied.
    pub class: Option<Classification>,
    /// Whether it is a Git LFS pointer (counted as the text it is).
    pub lfs_pointer: bool,
    /// Something the user should know about how it was counted.
    pub note: Option<String>,
}

/// The first line of a Git LFS pointer file.
const LFS_POINTER: &[u8] = b"version https://git-lfs.github.com/spec/v1";

/// Counts `content`, the `size` bytes of a file named `path` (relative to
/// the source root), from a file on disk or a git blob alike: as tokei
/// counts that file. `Ok(None)` when it is in no language tokei knows (or
/// not of `--type`).
///
/// The language comes from the name (`by_name`: [`language_by_name`] of
/// its file name), else from a shebang in the first bytes, read before
/// anything else; content in no language is not read further. Up to `stream_threshold` bytes are read whole and parsed as
/// tokei parses a file; anything larger is counted in pieces with the same
/// result ([`pieces`]), so memory does not grow with the size.
pub(crate) fn count_content(
    path: &Path,
    by_name: Option<LanguageType>,
    size: u64,
    content: &mut dyn Read,
    in_memory: Option<&[u8]>,
    options: &CountOptions<'_>,
    buffer: &mut Vec<u8>,
) -> io::Result<Option<Content>> {
    if by_name.is_none() && path.extension().is_some() {
        return Ok(None);
    }
    if let Some(language) = by_name {
        if !options.types.is_empty() && !options.types.contains(&language) {
            return Ok(None);
        }
    }
    // Content in memory already (a blob read whole) is parsed where it is.
    if let (Some(bytes), true) = (in_memory, size <= options.stream_threshold) {
        let Some(language) = by_name.or_else(|| shebang::detect(bytes)) else {
            return Ok(None);
        };
        if !options.types.is_empty() && !options.types.contains(&language) {
            return Ok(None);
        }
        return Ok(Some(whole_content(path, language, bytes, size)));
    }
    // Content read whole is read in one go when its language is known by
    // name (one read for a file); otherwise the head comes first: the
    // shebang, the generated markers and an LFS pointer are all in it, and
    // content in no language is read no further.
    let whole = size <= options.stream_threshold;
    let first = if whole && by_name.is_some() {
        size
    } else {
        size.min(classify::HEAD_LIMIT as u64)
    };
    buffer.clear();
    buffer.reserve(first as usize);
    content.take(first).read_to_end(buffer)?;
    let Some(language) = by_name.or_else(|| shebang::detect(buffer)) else {
        return Ok(None);
    };
    if !options.types.is_empty() && !options.types.contains(&language) {
        return Ok(None);
    }
    if whole {
        if (buffer.len() as u64) < size {
            buffer.reserve(size as usize - buffer.len());
            content.read_to_end(buffer)?;
        }
        return Ok(Some(whole_content(path, language, buffer, size)));
    }
    let lfs_pointer = size < 1024 && buffer.starts_with(LFS_POINTER);
    let mut note = None;
    let (stats, head) = {
        let size_text = human_bytes(size);
        let threshold = human_bytes(options.stream_threshold);
        if language == LanguageType::Jupyter {
            return Err(io::Error::other(format!(
                "{size_text} notebook is over the {threshold} limit for reading a file whole \
                 (a notebook is JSON, read whole): not counted; raise --stream-threshold to count it"
            )));
        }
        let head = buffer.clone();
        let mut rest = (&head[..]).chain(content);
        let streamed = if has_bom(&head) {
            let mut decoded = DecodeReaderBytesBuilder::new().build(rest);
            pieces::count(
                language,
                &mut decoded,
                buffer,
                pieces::PIECE,
                pieces::HOLD_LIMIT,
            )?
        } else {
            pieces::count(
                language,
                &mut rest,
                buffer,
                pieces::PIECE,
                pieces::HOLD_LIMIT,
            )?
        };
        if streamed.approximated > 0 {
            note = Some(format!(
                "{}: {} line(s) or embedded block(s) longer than {} with comment or string \
                 syntax in them counted from their first {}: its counts may differ from tokei's",
                display_path(path),
                streamed.approximated,
                human_bytes(pieces::HOLD_LIMIT as u64),
                human_bytes(pieces::HOLD_LIMIT as u64),
            ));
        }
        // The buffer is free again: it holds the head for the classification.
        buffer.clear();
        buffer.extend_from_slice(&head);
        (streamed.stats, &buffer[..])
    };
    let counts = counts_of_file(&stats, size);
    let class = classify::by_content(path, head, size, counts.lines());
    Ok(Some(Content {
        language,
        counts,
        class,
        lfs_pointer,
        note,
    }))
}

/// What content read whole (`bytes`, of a file named `path` in `language`)
/// counts as.
fn whole_content(path: &Path, language: LanguageType, bytes: &[u8], size: u64) -> Content {
    let counts = counts_of_file(&parse(language, bytes), size);
    let head = &bytes[..bytes.len().min(classify::HEAD_LIMIT)];
    Content {
        language,
        counts,
        class: classify::by_content(path, head, size, counts.lines()),
        lfs_pointer: size < 1024 && bytes.starts_with(LFS_POINTER),
        note: None,
    }
}

/// Keeps the shared read buffer from holding on to a huge allocation.
const KEEP_BUFFER: usize = 4 << 20;

/// Counts `text` as tokei does: decoding first when a byte-order mark says
/// the file is UTF-16 (or UTF-8 with a BOM, which tokei strips).
fn parse(language: LanguageType, text: &[u8]) -> CodeStats {
    if has_bom(text) {
        let mut decoded = Vec::with_capacity(text.len());
        let mut reader = DecodeReaderBytesBuilder::new().build(text);
        // Reading from a slice cannot fail; an error would leave what was
        // decoded so far, which is what tokei would count too.
        let _ = reader.read_to_end(&mut decoded);
        language.parse_from_slice(&decoded, &TOKEI_CONFIG)
    } else {
        language.parse_from_slice(text, &TOKEI_CONFIG)
    }
}

fn has_bom(text: &[u8]) -> bool {
    text.starts_with(b"\xEF\xBB\xBF")
        || text.starts_with(b"\xFF\xFE")
        || text.starts_with(b"\xFE\xFF")
}

/// Fills `buf` as far as the reader allows.
pub(crate) fn read_up_to(file: &mut dyn Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match file.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
            Err(err) => return Err(err),
        }
    }
    Ok(filled)
}

/// How many Git LFS pointers were counted, in words.
pub(crate) fn lfs_note(pointers: u64) -> String {
    format!(
        "{pointers} Git LFS pointer{} counted as the pointer text, not the content stored in LFS",
        if pointers == 1 { "" } else { "s" }
    )
}

#[cfg(test)]
/// Counts one in-memory file the way files on disk are counted (for tests
/// and for sources that are not directories).
pub(crate) fn count_bytes(language: LanguageType, text: &[u8]) -> Counts {
    counts_of_file(&parse(language, text), text.len() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn language_by_name_never_opens() {
        assert_eq!(
            language_by_name("main.rs".as_ref()),
            Some(LanguageType::Rust)
        );
        assert_eq!(
            language_by_name("Makefile".as_ref()),
            Some(LanguageType::Makefile)
        );
        assert_eq!(language_by_name("README".as_ref()), None);
        assert_eq!(language_by_name("x.unknownext".as_ref()), None);
    }

    /// A name with an extension is looked up as it is, without the
    /// directory no file can be in: the same language for every name.
    #[test]
    fn language_by_name_is_tokei_s_for_every_kind_of_name() {
        let stems = [
            "",
            "main",
            "Makefile",
            "CMakeLists",
            "x.tar",
            ".hidden",
            "a.b.c",
            "Dockerfile",
            "README",
            "é",
            "x ",
            "..",
            "build",
            "meson",
            "go",
            "package",
        ];
        let extensions = [
            None,
            Some(""),
            Some("rs"),
            Some("RS"),
            Some("Rs"),
            Some("txt"),
            Some("d.ts"),
            Some("ts"),
            Some("json"),
            Some("lock"),
            Some("in"),
            Some("unknownext"),
            Some("h"),
            Some("H"),
            Some("hpp"),
            Some("md"),
            Some("yml"),
            Some("build"),
            Some("mk"),
            Some("pl"),
            Some("t"),
            Some("é"),
            Some("s"),
            Some("S"),
            Some("cmake"),
        ];
        let mut names: Vec<String> = Vec::new();
        for stem in stems {
            for extension in extensions {
                names.push(match extension {
                    Some(extension) => format!("{stem}.{extension}"),
                    None => stem.to_string(),
                });
            }
        }
        // Every name tokei knows by itself or by suffix, in its case and
        // in capitals.
        for (_, extensions) in LanguageType::list() {
            for extension in *extensions {
                names.push(format!("file.{extension}"));
                names.push(format!("FILE.{}", extension.to_uppercase()));
            }
        }
        names.extend(
            [
                "makefile",
                "gnumakefile",
                "cmakelists.txt",
                "meson.build",
                "pkgbuild",
                "justfile",
            ]
            .iter()
            .flat_map(|n| [n.to_string(), n.to_uppercase(), format!("x.{n}")]),
        );
        let mut known = 0;
        for name in names.iter().filter(|n| !n.is_empty() && !n.contains('/')) {
            let name = std::ffi::OsStr::new(name);
            let joined = LanguageType::from_path(Path::new(NO_DIR).join(name), &TOKEI_CONFIG);
            assert_eq!(language_by_name(name), joined, "{name:?}");
            known += usize::from(joined.is_some());
        }
        assert!(known > 300, "only {known} names have a language");
    }

    /// Any name, made of pieces of the names and extensions tokei knows in
    /// any case, dots, and letters that are not ASCII (the Kelvin sign
    /// lowercases to `k`): the language tokei's `from_path` gives it. And
    /// any path's last component is `Path::file_name`'s.
    #[test]
    fn names_of_any_shape_have_the_language_tokei_gives_them() {
        use proptest::prelude::*;
        use proptest::test_runner::{Config, TestRunner};
        let mut pieces: Vec<String> = vec![
            ".".into(),
            "..".into(),
            "/".into(),
            "x".into(),
            " ".into(),
            "\u{212A}".into(),
            "é".into(),
            "MA\u{212A}EFILE".into(),
        ];
        for (known, _) in LanguageType::file_names()
            .iter()
            .chain(LanguageType::path_suffixes())
        {
            pieces.push(known.to_string());
            pieces.push(known.to_uppercase());
        }
        for (_, extensions) in LanguageType::list() {
            for extension in *extensions {
                pieces.push(format!(".{extension}"));
                pieces.push(format!(".{}", extension.to_uppercase()));
            }
        }
        let mut runner = TestRunner::new(Config {
            cases: 20_000,
            failure_persistence: None,
            ..Config::default()
        });
        let name = prop::collection::vec(prop::sample::select(pieces), 1..4)
            .prop_map(|pieces| pieces.concat());
        runner
            .run(&name, |name| {
                let path = Path::new(&name);
                prop_assert_eq!(file_name(path), path.file_name());
                if let Some(name) = path.file_name() {
                    let joined =
                        LanguageType::from_path(Path::new(NO_DIR).join(name), &TOKEI_CONFIG);
                    prop_assert_eq!(language_by_name(name), joined, "{:?}", name);
                }
                Ok(())
            })
            .unwrap();
    }

    #[test]
    fn bom_files_are_decoded_like_tokei() {
        let utf16: Vec<u8> = b"\xFF\xFE"
            .iter()
            .copied()
            .chain(
                "// hi\nint x;\n"
                    .encode_utf16()
                    .flat_map(|u| u.to_le_bytes()),
            )
            .collect();
        let counts = count_bytes(LanguageType::C, &utf16);
        assert_eq!((counts.code, counts.comments), (1, 1));
        let utf8 = b"\xEF\xBB\xBF// hi\nint x;\n";
        assert_eq!(count_bytes(LanguageType::C, utf8).code, 1);
    }
}
