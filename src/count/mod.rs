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

mod pieces;
pub mod shebang;

use std::fs::File;
use std::io::{self, Read};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use encoding_rs_io::DecodeReaderBytesBuilder;
use tokei::{CodeStats, LanguageType};

use crate::classify::{self, Classification};
use crate::error::{Problem, display_path, io_reason};
use crate::progress::Progress;

/// Counts of one file, or the sum over many.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// Number of files.
    pub files: u64,
    /// Lines of code.
    pub code: u64,
    /// Comment lines.
    pub comments: u64,
    /// Blank lines.
    pub blanks: u64,
    /// Size in bytes, as stored on disk.
    pub bytes: u64,
}

impl Counts {
    /// All lines: code, comments and blanks.
    pub fn lines(&self) -> u64 {
        self.code + self.comments + self.blanks
    }

    /// The value of one metric.
    pub fn get(&self, metric: crate::config::Metric) -> u64 {
        use crate::config::Metric;
        match metric {
            Metric::Code => self.code,
            Metric::Comments => self.comments,
            Metric::Blanks => self.blanks,
            Metric::Lines => self.lines(),
            Metric::Bytes => self.bytes,
            Metric::Files => self.files,
        }
    }
}

impl Counts {
    /// The counts of one file of `bytes` bytes that tokei parsed into
    /// `stats` (embedded languages summarised into the file).
    pub fn of_file(stats: &CodeStats, bytes: u64) -> Counts {
        let summary = stats.summarise();
        Counts {
            files: 1,
            code: summary.code as u64,
            comments: summary.comments as u64,
            blanks: summary.blanks as u64,
            bytes,
        }
    }
}

impl std::ops::AddAssign for Counts {
    fn add_assign(&mut self, other: Counts) {
        self.files += other.files;
        self.code += other.code;
        self.comments += other.comments;
        self.blanks += other.blanks;
        self.bytes += other.bytes;
    }
}

/// One counted file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileRecord {
    /// Path relative to the source root; empty when the source is the file.
    pub path: PathBuf,
    /// The language tokei assigned.
    pub language: LanguageType,
    /// Its counts (`files` is 1).
    pub counts: Counts,
    /// Generated, vendored or documentation, and why: what the content and
    /// path say at count time, then what `.gitattributes` say.
    pub class: Option<Classification>,
}

/// What the count stage produced.
#[derive(Debug, Default)]
pub struct Counted {
    /// Files in a language tokei knows, in the order given.
    pub records: Vec<FileRecord>,
    /// Files that could not be read.
    pub problems: Vec<Problem>,
    /// Things a user should know about how files were counted.
    pub notes: Vec<String>,
    /// Files seen that are in no known language (or filtered by `--type`).
    pub uncounted: u64,
    /// Git LFS pointers among the files counted.
    pub lfs_pointers: u64,
}

/// Options of the count stage.
#[derive(Clone, Debug)]
pub struct CountOptions<'a> {
    /// Only these languages, when not empty.
    pub types: &'a [LanguageType],
    /// Open symbolic links (the walk followed them).
    pub follow: bool,
    /// Files larger than this are counted in pieces.
    pub stream_threshold: u64,
}

impl Counted {
    /// Adds what another batch counted.
    pub fn merge(&mut self, other: Counted) {
        self.records.extend(other.records);
        self.problems.extend(other.problems);
        self.notes.extend(other.notes);
        self.uncounted += other.uncounted;
        self.lfs_pointers += other.lfs_pointers;
    }
}

/// Counts one batch of `files` (paths as walked below `root`), one after
/// the other with one read buffer. Call from inside the rayon pool that
/// should do the work: batches run in parallel, and tokei's parser splits
/// large files further with `rayon::join`.
pub fn count_batch(
    files: Vec<PathBuf>,
    root: &Path,
    options: &CountOptions<'_>,
    progress: &Progress,
) -> Counted {
    let mut buffer = Vec::new();
    let mut counted = Counted::default();
    for path in files {
        match count_file(path, root, options, &mut buffer) {
            Outcome::Counted(record, content) => {
                counted.records.push(record);
                counted.notes.extend(content.note);
                counted.lfs_pointers += u64::from(content.lfs_pointer);
            }
            Outcome::Uncounted => counted.uncounted += 1,
            Outcome::Gone => {}
            Outcome::Problem(problem) => counted.problems.push(problem),
        }
        progress.advance(1);
    }
    if buffer.capacity() > KEEP_BUFFER {
        buffer = Vec::new();
    }
    drop(buffer);
    counted
}

/// What happened to one file.
enum Outcome {
    /// Counted.
    Counted(FileRecord, Content),
    /// Not in a language tokei knows, or excluded by `--type`.
    Uncounted,
    /// No longer a regular file (replaced during the walk): not an error.
    Gone,
    /// Could not be read.
    Problem(Problem),
}

/// The tokei configuration: defaults, as the tokei CLI without config files.
pub(crate) static TOKEI_CONFIG: LazyLock<tokei::Config> = LazyLock::new(tokei::Config::default);

/// A path no file can have: tokei's `from_path` falls back to opening the
/// file to read a shebang, and opening this fails at once without a system
/// call, so detection by name never touches the disk (or blocks on a FIFO).
const NO_DIR: &str = "\0";

/// The language of a file by its name alone (filename, suffix, extension).
pub fn language_by_name(file_name: &std::ffi::OsStr) -> Option<LanguageType> {
    LanguageType::from_path(Path::new(NO_DIR).join(file_name), &TOKEI_CONFIG)
}

/// Whether a file named `path` may be counted at all: a language by name
/// (and of `--type`), or no extension, so that its shebang may tell.
/// Content that fails this is never read.
pub fn may_count(path: &Path, types: &[LanguageType]) -> bool {
    match path.file_name().and_then(language_by_name) {
        Some(language) => types.is_empty() || types.contains(&language),
        None => path.extension().is_none(),
    }
}

fn count_file(
    path: PathBuf,
    root: &Path,
    options: &CountOptions<'_>,
    buffer: &mut Vec<u8>,
) -> Outcome {
    if !may_count(&path, options.types) {
        return Outcome::Uncounted;
    }
    let (file, size) = match open_regular(&path, options.follow) {
        Ok(Some(opened)) => opened,
        Ok(None) => return Outcome::Gone,
        Err(err) if err.kind() == io::ErrorKind::NotFound => return Outcome::Gone,
        Err(err) => return Outcome::Problem(Problem::below(root, &path, io_reason(&err))),
    };
    let relative = path
        .strip_prefix(root)
        .unwrap_or(Path::new(""))
        .to_path_buf();
    // What was there at fstat is counted: File::read_to_end would ask for
    // the size again, and read once more to see the end.
    let mut content = file.take(size);
    // A one-file source has an empty relative path: its name tells.
    let named = match path.file_name() {
        Some(name) if relative.as_os_str().is_empty() => Path::new(name),
        _ => relative.as_path(),
    };
    match count_content(named, size, &mut content, options, buffer) {
        Ok(Some(counted)) => Outcome::Counted(
            FileRecord {
                path: relative,
                language: counted.language,
                counts: counted.counts,
                class: counted.class.clone(),
            },
            counted,
        ),
        Ok(None) => Outcome::Uncounted,
        Err(err) => Outcome::Problem(Problem::below(root, &path, io_reason(&err))),
    }
}

/// Opens `path` for reading if it is (still) a regular file. Non-blocking,
/// so a FIFO swapped in after the walk is detected instead of blocking the
/// run forever; without `follow`, a symbolic link swapped in is not opened.
/// Returns the file and its size.
fn open_regular(path: &Path, follow: bool) -> io::Result<Option<(File, u64)>> {
    let mut flags = libc::O_NONBLOCK | libc::O_CLOEXEC;
    if !follow {
        flags |= libc::O_NOFOLLOW;
    }
    let file = match File::options().read(true).custom_flags(flags).open(path) {
        Ok(file) => file,
        Err(err) if err.raw_os_error() == Some(libc::ELOOP) && !follow => return Ok(None),
        Err(err) => return Err(err),
    };
    let metadata = file.metadata()?;
    if metadata.is_file() {
        Ok(Some((file, metadata.size())))
    } else {
        Ok(None)
    }
}

/// What counting one content gave.
#[derive(Clone, Debug)]
pub struct Content {
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
/// The language comes from the name, else from a shebang in the first
/// bytes, read before anything else; content in no language is not read
/// further. Up to `stream_threshold` bytes are read whole and parsed as
/// tokei parses a file; anything larger is counted in pieces with the same
/// result ([`pieces`]), so memory does not grow with the size.
pub fn count_content(
    path: &Path,
    size: u64,
    content: &mut dyn Read,
    options: &CountOptions<'_>,
    buffer: &mut Vec<u8>,
) -> io::Result<Option<Content>> {
    let by_name = path.file_name().and_then(language_by_name);
    if by_name.is_none() && path.extension().is_some() {
        return Ok(None);
    }
    if let Some(language) = by_name {
        if !options.types.is_empty() && !options.types.contains(&language) {
            return Ok(None);
        }
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
    let lfs_pointer = size < 1024 && buffer.starts_with(LFS_POINTER);
    let mut note = None;
    let (stats, head) = if whole {
        if (buffer.len() as u64) < size {
            buffer.reserve(size as usize - buffer.len());
            content.read_to_end(buffer)?;
        }
        (
            parse(language, buffer),
            &buffer[..buffer.len().min(classify::HEAD_LIMIT)],
        )
    } else {
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
    let counts = Counts::of_file(&stats, size);
    let class = classify::by_content(path, head, size, counts.lines());
    Ok(Some(Content {
        language,
        counts,
        class,
        lfs_pointer,
        note,
    }))
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
pub fn lfs_note(pointers: u64) -> String {
    format!(
        "{pointers} Git LFS pointer{} counted as the pointer text, not the content stored in LFS",
        if pointers == 1 { "" } else { "s" }
    )
}

/// `1.0 GiB`, `32 MiB`, `512 B`: sizes for messages.
pub fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else if value.fract() == 0.0 {
        format!("{value:.0} {}", UNITS[unit])
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

/// Counts one in-memory file the way files on disk are counted (for tests
/// and for sources that are not directories).
pub fn count_bytes(language: LanguageType, text: &[u8]) -> Counts {
    Counts::of_file(&parse(language, text), text.len() as u64)
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

    #[test]
    fn human_bytes_reads_well() {
        assert_eq!(human_bytes(512), "512 B");
        assert_eq!(human_bytes(32 << 20), "32 MiB");
        assert_eq!(human_bytes(1536), "1.5 KiB");
        assert_eq!(human_bytes(1 << 30), "1 GiB");
    }
}
