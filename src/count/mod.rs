//! tokei: language detection and counting, one file at a time.
//!
//! Counts equal what the tokei CLI reports for the same file: the language
//! is decided by name (and, for extensionless files, by shebang), the bytes
//! are decoded as tokei decodes them (a UTF-8 or UTF-16 byte-order mark
//! switches to transcoding), and embedded languages are summarised into
//! their host file (`CodeStats::summarise`), as tokei's totals do.
//!
//! Speed: batches of files are counted as rayon jobs, because tokei's
//! parser itself uses `rayon::join` and `par_bridge` (from a foreign thread
//! every file would pay a hand-off); a batch reuses one read buffer. Memory: a file is read whole only up
//! to `stream_threshold` bytes; a larger one is counted in pieces cut at line
//! boundaries, so a multi-gigabyte file costs a few MiB.

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
    /// Things done that a user should know about (streamed huge files).
    pub notes: Vec<String>,
    /// Files seen that are in no known language (or filtered by `--type`).
    pub uncounted: u64,
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
        match count_one(path, root, options, &mut buffer) {
            Outcome::Counted(record, note) => {
                counted.records.push(record);
                counted.notes.extend(note);
            }
            Outcome::Uncounted => counted.uncounted += 1,
            Outcome::Gone => {}
            Outcome::Problem(problem) => counted.problems.push(problem),
        }
        progress.advance(1);
    }
    counted
}

/// What happened to one file.
enum Outcome {
    /// Counted, with a note when it was streamed.
    Counted(FileRecord, Option<String>),
    /// Not in a language tokei knows, or excluded by `--type`.
    Uncounted,
    /// No longer a regular file (replaced during the walk): not an error.
    Gone,
    /// Could not be read.
    Problem(Problem),
}

/// The tokei configuration: defaults, as the tokei CLI without config files.
static TOKEI_CONFIG: LazyLock<tokei::Config> = LazyLock::new(tokei::Config::default);

/// A path no file can have: tokei's `from_path` falls back to opening the
/// file to read a shebang, and opening this fails at once without a system
/// call, so detection by name never touches the disk (or blocks on a FIFO).
const NO_DIR: &str = "\0";

/// The language of a file by its name alone (filename, suffix, extension).
pub fn language_by_name(file_name: &std::ffi::OsStr) -> Option<LanguageType> {
    LanguageType::from_path(Path::new(NO_DIR).join(file_name), &TOKEI_CONFIG)
}

fn count_one(
    path: PathBuf,
    root: &Path,
    options: &CountOptions<'_>,
    buffer: &mut Vec<u8>,
) -> Outcome {
    let by_name = path.file_name().and_then(language_by_name);
    let needs_shebang = by_name.is_none() && path.extension().is_none();
    if by_name.is_none() && !needs_shebang {
        return Outcome::Uncounted;
    }
    if let Some(language) = by_name {
        if !options.types.is_empty() && !options.types.contains(&language) {
            return Outcome::Uncounted;
        }
    }

    let (mut file, size) = match open_regular(&path, options.follow) {
        Ok(Some(opened)) => opened,
        Ok(None) => return Outcome::Gone,
        Err(err) if err.kind() == io::ErrorKind::NotFound => return Outcome::Gone,
        Err(err) => return Outcome::Problem(Problem::below(root, &path, io_reason(&err))),
    };

    let relative = path
        .strip_prefix(root)
        .unwrap_or(Path::new(""))
        .to_path_buf();
    let result = if size > options.stream_threshold {
        count_streamed(&mut file, &path, by_name, size, options, buffer)
    } else {
        count_whole(&mut file, size, by_name, options, buffer)
    };
    match result {
        Ok(Some(parsed)) => {
            let counts = Counts::of_file(&parsed.stats, size);
            let class = classify::by_content(&relative, parsed.head, size, counts.lines());
            Outcome::Counted(
                FileRecord {
                    path: relative,
                    language: parsed.language,
                    counts,
                    class,
                },
                parsed.note,
            )
        }
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

/// A file counted: its language, counts, a note when it was streamed, and
/// its first bytes (for the generated markers, looked at before the buffer
/// is reused).
struct Counted1<'b> {
    language: LanguageType,
    stats: CodeStats,
    note: Option<String>,
    head: &'b [u8],
}

type Parsed<'b> = Option<Counted1<'b>>;

/// The first bytes of `text`, as much as classification looks at.
fn head_of(text: &[u8]) -> &[u8] {
    &text[..text.len().min(classify::HEAD_LIMIT)]
}

/// Reads the whole file into `buffer` and counts it.
fn count_whole<'b>(
    file: &mut File,
    size: u64,
    by_name: Option<LanguageType>,
    options: &CountOptions<'_>,
    buffer: &'b mut Vec<u8>,
) -> io::Result<Parsed<'b>> {
    buffer.clear();
    // The size is known from fstat: File::read_to_end would ask again, and
    // read once more to see the end. What was there at fstat is counted.
    buffer.reserve(usize::try_from(size).unwrap_or(0));
    let mut rest = (&mut *file).take(size);
    if let Some(language) = by_name {
        rest.read_to_end(buffer)?;
        return Ok(Some(Counted1 {
            language,
            stats: parse(language, buffer),
            note: None,
            head: head_of(buffer),
        }));
    }
    // Extensionless: the shebang decides, from the first bytes, before the
    // rest is read.
    let mut head = [0u8; shebang::READ_LIMIT];
    let n = read_up_to(&mut rest, &mut head)?;
    let Some(language) = shebang::detect(&head[..n]) else {
        return Ok(None);
    };
    if !options.types.is_empty() && !options.types.contains(&language) {
        return Ok(None);
    }
    buffer.extend_from_slice(&head[..n]);
    rest.read_to_end(buffer)?;
    Ok(Some(Counted1 {
        language,
        stats: parse(language, buffer),
        note: None,
        head: head_of(buffer),
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

/// Size of the pieces a huge file is counted in.
const PIECE: usize = 8 << 20;

/// Counts a file larger than the stream threshold in pieces cut at line
/// boundaries. Exact unless a multi-line comment or string crosses a cut;
/// a line longer than a piece counts once, classified by its first piece.
fn count_streamed<'b>(
    file: &mut File,
    path: &Path,
    by_name: Option<LanguageType>,
    size: u64,
    options: &CountOptions<'_>,
    buffer: &'b mut Vec<u8>,
) -> io::Result<Parsed<'b>> {
    let mut head = vec![0u8; classify::HEAD_LIMIT];
    let n = read_up_to(file, &mut head)?;
    head.truncate(n);
    let language = match by_name.or_else(|| shebang::detect(&head)) {
        Some(language) => language,
        None => return Ok(None),
    };
    if !options.types.is_empty() && !options.types.contains(&language) {
        return Ok(None);
    }
    let size_text = human_bytes(size);
    let threshold = human_bytes(options.stream_threshold);
    if language == LanguageType::Jupyter {
        return Err(io::Error::other(format!(
            "{size_text} notebook is over the {threshold} limit for reading a file whole \
             (a notebook cannot be counted in pieces): not counted; raise --stream-threshold to count it"
        )));
    }

    let reader = DecodeReaderBytesBuilder::new().build((&head[..]).chain(file));
    let (stats, note) = count_pieces(language, reader, path, size, options, buffer)?;
    // The buffer is free again: it holds the head for the classification.
    buffer.clear();
    buffer.extend_from_slice(&head);
    Ok(Some(Counted1 {
        language,
        stats,
        note: Some(note),
        head: &buffer[..],
    }))
}

/// Counts `reader` (already decoded) in pieces cut at line ends; returns
/// the counts and a note saying what was done with the file at `path`.
fn count_pieces(
    language: LanguageType,
    mut reader: impl Read,
    path: &Path,
    size: u64,
    options: &CountOptions<'_>,
    buffer: &mut Vec<u8>,
) -> io::Result<(CodeStats, String)> {
    let size_text = human_bytes(size);
    let threshold = human_bytes(options.stream_threshold);
    let mut stats = CodeStats::new();
    buffer.clear();
    buffer.reserve(PIECE);
    let mut skipping_long_line = false;
    let mut long_lines = 0u64;
    loop {
        // Fill the piece: one read returns less (the shebang head, one
        // decoder buffer), and a cut must be made only where it must.
        let filled = buffer.len();
        buffer.resize(PIECE, 0);
        let read = read_up_to(&mut reader, &mut buffer[filled..])?;
        buffer.truncate(filled + read);
        let eof = buffer.len() < PIECE;
        if skipping_long_line {
            match memchr_newline(buffer) {
                Some(i) => {
                    buffer.drain(..=i);
                    skipping_long_line = false;
                }
                None => {
                    buffer.clear();
                    if eof {
                        break;
                    }
                    continue;
                }
            }
        }
        if eof {
            if !buffer.is_empty() {
                stats += language.parse_from_slice(&buffer[..], &TOKEI_CONFIG);
            }
            break;
        }
        if buffer.len() < PIECE {
            // The end of a long line was dropped: fill up again.
            continue;
        }
        match buffer.iter().rposition(|&b| b == b'\n') {
            Some(i) => {
                stats += language.parse_from_slice(&buffer[..=i], &TOKEI_CONFIG);
                buffer.drain(..=i);
            }
            None => {
                stats += language.parse_from_slice(&buffer[..], &TOKEI_CONFIG);
                buffer.clear();
                skipping_long_line = true;
                long_lines += 1;
            }
        }
    }
    if buffer.capacity() > KEEP_BUFFER {
        *buffer = Vec::new();
    }
    let mut note = format!(
        "{}: {size_text} is over the {threshold} limit for reading a file whole: \
         counted in {} pieces cut at line ends (a comment or string spanning a cut may be miscounted)",
        display_path(path),
        human_bytes(PIECE as u64),
    );
    if long_lines > 0 {
        note.push_str(&format!(
            "; {long_lines} line(s) longer than a piece counted once each"
        ));
    }
    Ok((stats, note))
}

/// Counts a file already in memory (a git blob) named `path`, as a file
/// on disk with that name and content would be counted. `Ok(None)` when
/// it is in no known language (or not of `--type`).
pub fn count_in_memory(
    path: &Path,
    data: &[u8],
    options: &CountOptions<'_>,
    buffer: &mut Vec<u8>,
) -> io::Result<Option<InMemory>> {
    let by_name = path.file_name().and_then(language_by_name);
    let language = match by_name {
        Some(language) => language,
        None if path.extension().is_none() => match shebang::detect(data) {
            Some(language) => language,
            None => return Ok(None),
        },
        None => return Ok(None),
    };
    if !options.types.is_empty() && !options.types.contains(&language) {
        return Ok(None);
    }
    let size = data.len() as u64;
    let (stats, note) = if size > options.stream_threshold && language != LanguageType::Jupyter {
        let reader = DecodeReaderBytesBuilder::new().build(data);
        let (stats, note) = count_pieces(language, reader, path, size, options, buffer)?;
        (stats, Some(note))
    } else {
        (parse(language, data), None)
    };
    let counts = Counts::of_file(&stats, size);
    let head = &data[..data.len().min(classify::HEAD_LIMIT)];
    let class = classify::by_content(path, head, size, counts.lines());
    Ok(Some(InMemory {
        language,
        counts,
        note,
        class,
    }))
}

/// A file counted from memory.
#[derive(Clone, Debug)]
pub struct InMemory {
    /// Its language.
    pub language: LanguageType,
    /// Its counts.
    pub counts: Counts,
    /// A note when it was counted in pieces.
    pub note: Option<String>,
    /// What its content says it is (generated markers, minified, …).
    pub class: Option<Classification>,
}

fn memchr_newline(bytes: &[u8]) -> Option<usize> {
    bytes.iter().position(|&b| b == b'\n')
}

/// Fills `buf` as far as the reader allows.
fn read_up_to(file: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
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
