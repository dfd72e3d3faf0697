//! The validated configuration the library runs with.
//!
//! `cli.rs` turns command-line arguments into a [`Config`]; everything that
//! could be wrong with them (a missing path, an unknown language, a bad glob)
//! has been checked by then. The library never sees clap types.

use std::path::PathBuf;
use std::time::Duration;

use tokei::LanguageType;

/// Everything one run needs to know.
#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    /// Where the files come from.
    pub source: Source,
    /// Name of the root frame; the source's own name when `None`.
    pub root_name: Option<String>,
    /// Which files of the source are counted.
    pub walk: WalkOptions,
    /// Worker threads for walking and counting; 0 means one per core.
    pub threads: usize,
    /// How long a clone may wait for the server to connect or answer.
    pub timeout: Duration,
    /// Files larger than this many bytes are fed to tokei's parser in
    /// pieces instead of being read whole (with the same counts), so memory
    /// does not grow with file size.
    pub stream_threshold: u64,
    /// The number that sizes the frames.
    pub metric: Metric,
    /// What is written.
    pub format: Format,
    /// Where it is written: stdout when `None`.
    pub output: Option<PathBuf>,
    /// A JSON report saved earlier, compared with the source as the before
    /// side of a diff (`--baseline`).
    pub baseline: Option<PathBuf>,
    /// Flame-graph presentation.
    pub svg: SvgOptions,
    /// How the tree is shaped: depth, language first.
    pub view: View,
    /// What the frames' colour says: their language, or their history.
    pub color: Color,
    /// Which commits the history colours are read from.
    pub window: Window,
    /// The persistent cache of counts; `None` to count without one.
    pub cache: Option<CacheOptions>,
}

/// What the fill of a frame says.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Color {
    /// The language of a file (the default).
    #[default]
    Language,
    /// How many commits of the window touched it.
    Churn,
    /// How long before the counted revision it last changed.
    Age,
    /// How many distinct authors (folded by `.mailmap`) changed it.
    Authors,
}

impl Color {
    /// The name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Color::Language => "language",
            Color::Churn => "churn",
            Color::Age => "age",
            Color::Authors => "authors",
        }
    }

    /// Whether it needs the history of a git repository.
    pub fn needs_history(self) -> bool {
        self != Color::Language
    }
}

impl Config {
    /// The option that needs the history of a git repository, when one
    /// does: `--color churn|age|authors` or `--metric commits`.
    pub fn history_wanted(&self) -> Option<String> {
        if self.color.needs_history() {
            Some(format!("--color {}", self.color.name()))
        } else if self.metric == Metric::Commits {
            Some("--metric commits".to_string())
        } else {
            None
        }
    }
}

/// The commits a history is read from: the most recent non-merge commits
/// reachable from the counted revision, each compared with its first
/// parent (`git log --no-merges -n COMMITS --since SINCE`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window {
    /// At most this many commits; `None` for no bound.
    pub commits: Option<usize>,
    /// Only commits made at or after this.
    pub since: Option<Since>,
}

/// The default window: the last 1,000 commits, as scc's and code-maat's
/// hotspots take, which covers weeks of a busy repository and the whole
/// life of a quiet one, and bounds the cost on the largest.
pub const DEFAULT_WINDOW_COMMITS: usize = 1000;

impl Default for Window {
    fn default() -> Self {
        Window {
            commits: Some(DEFAULT_WINDOW_COMMITS),
            since: None,
        }
    }
}

/// The start of a window in time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Since {
    /// A date: seconds since the epoch (midnight UTC of `YYYY-MM-DD`).
    Date(i64),
    /// This many seconds before the counted revision's commit time (not
    /// before now, so that the output of a revision is reproducible).
    Before(i64),
}

/// Where counts are kept between runs, and how much of them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CacheOptions {
    /// The cache directory.
    pub dir: PathBuf,
    /// About how many bytes it may hold; the least recently used entries
    /// go first.
    pub limit: u64,
}

/// The cache holds at most about 256 MiB: some 2 million files.
pub const DEFAULT_CACHE_LIMIT: u64 = 256 << 20;

/// How files become the frames of the graph.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct View {
    /// Aggregate everything below this depth into its directory (the root
    /// is depth 0).
    pub depth: Option<usize>,
    /// The language as the first frame below the root, then the path.
    pub by_language: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            source: Source::Directory(PathBuf::from(".")),
            root_name: None,
            walk: WalkOptions::default(),
            threads: 0,
            timeout: DEFAULT_TIMEOUT,
            stream_threshold: DEFAULT_STREAM_THRESHOLD,
            metric: Metric::Code,
            format: Format::Svg,
            output: None,
            baseline: None,
            svg: SvgOptions::default(),
            view: View::default(),
            color: Color::default(),
            window: Window::default(),
            cache: None,
        }
    }
}

/// Files above 32 MiB are streamed: big enough that nearly every file gets
/// tokei's parallel fast path for a file read whole, small enough that a
/// few threads reading at once stay far below the memory of the file list
/// of a large repository. Counts are the same either way.
pub const DEFAULT_STREAM_THRESHOLD: u64 = 32 << 20;

/// Where file contents come from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// A directory on disk (or a single file, counted as a one-file tree).
    Directory(PathBuf),
    /// One revision of a git repository, read from its objects.
    Revision {
        /// The repository.
        repo: Repo,
        /// The revision; the remote's default branch or `HEAD` when `None`.
        rev: Option<String>,
    },
    /// What changed between two revisions of a repository.
    Diff {
        /// The repository.
        repo: Repo,
        /// The earlier revision.
        from: String,
        /// The later revision.
        to: String,
    },
    /// How the code changed across revisions: a timeline.
    History {
        /// The repository.
        repo: Repo,
        /// The revisions to show.
        spec: HistorySpec,
    },
}

/// The revisions of `--history`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HistorySpec {
    /// `A..B`: A, then the tagged commits reachable from B and not from A
    /// in the order of their commits, and B; with `every` (seconds), the
    /// first-parent commits from A to B sampled at that interval instead.
    Range {
        /// The first revision.
        from: String,
        /// The last revision.
        to: String,
        /// Sample first-parent commits this many seconds apart.
        every: Option<i64>,
    },
    /// These revisions, in this order.
    List(Vec<String>),
}

/// At most this many revisions are drawn by `--history`; more are thinned
/// evenly, keeping the first and the last, with a note.
pub const MAX_HISTORY_SAMPLES: usize = 200;

impl Source {
    /// The source for messages: its path (escaped) or URL (without its
    /// password).
    pub fn describe(&self) -> String {
        match self {
            Source::Directory(path) => crate::error::display_path(path),
            Source::Revision { repo, .. }
            | Source::Diff { repo, .. }
            | Source::History { repo, .. } => repo.describe(),
        }
    }
}

impl Repo {
    /// The repository for messages: its path (escaped) or URL (without
    /// its password).
    pub fn describe(&self) -> String {
        match self {
            Repo::Local(path) => crate::error::display_path(path),
            Repo::Remote(url) => crate::error::redact(url).into_owned(),
        }
    }
}

/// A git repository.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Repo {
    /// On disk: a work tree (or a directory in one), a bare repository, or
    /// a worktree whose `.git` is a file.
    Local(PathBuf),
    /// A URL to clone: `https://`, `http://`, `git://`, `ssh://`,
    /// `user@host:path`, `file://`.
    Remote(String),
}

/// How long a network operation may wait for the server by default.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// Which entries of a directory are visited and counted.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WalkOptions {
    /// Visit hidden files and directories (names starting with `.`).
    pub hidden: bool,
    /// Do not honour `.gitignore`, `.ignore` and git's exclude files.
    pub no_ignore: bool,
    /// Follow symbolic links.
    pub follow: bool,
    /// Gitignore-style globs, anchored at the source root, of entries to skip.
    pub excludes: Vec<String>,
    /// When not empty, only files of these languages are counted.
    pub types: Vec<LanguageType>,
    /// Leave out what linguist would call generated.
    pub exclude_generated: bool,
    /// Leave out what linguist would call vendored.
    pub exclude_vendored: bool,
    /// Leave out what linguist would call documentation.
    pub exclude_documentation: bool,
}

/// The number that sizes each frame.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Metric {
    /// Lines of code (tokei's "Code"), the default.
    #[default]
    Code,
    /// Comment lines.
    Comments,
    /// Blank lines.
    Blanks,
    /// All lines: code + comments + blanks.
    Lines,
    /// File size in bytes.
    Bytes,
    /// One per file.
    Files,
    /// The commits of the history window that changed the file (a
    /// directory: the sum of its files').
    Commits,
}

impl Metric {
    /// Every metric, in the order `--help` lists them.
    pub const ALL: [Metric; 7] = [
        Metric::Code,
        Metric::Comments,
        Metric::Blanks,
        Metric::Lines,
        Metric::Bytes,
        Metric::Files,
        Metric::Commits,
    ];

    /// The name used on the command line and in the JSON report.
    pub fn name(self) -> &'static str {
        match self {
            Metric::Code => "code",
            Metric::Comments => "comments",
            Metric::Blanks => "blanks",
            Metric::Lines => "lines",
            Metric::Bytes => "bytes",
            Metric::Files => "files",
            Metric::Commits => "commits",
        }
    }

    /// `n` units of the metric in prose: "1 code line", "1,234 code lines".
    pub fn amount(self, n: u64) -> String {
        crate::units::amount(n, self.unit())
    }

    /// What units of the metric are called in prose ("code lines").
    pub fn unit(self) -> &'static str {
        match self {
            Metric::Code => "code lines",
            Metric::Comments => "comment lines",
            Metric::Blanks => "blank lines",
            Metric::Lines => "lines",
            Metric::Bytes => "bytes",
            Metric::Files => "files",
            Metric::Commits => "file commits",
        }
    }
}

/// The output format.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Format {
    /// An interactive SVG flame graph.
    #[default]
    Svg,
    /// Folded stacks, one line per file, for other flame-graph tools.
    Folded,
    /// A machine-readable report.
    Json,
    /// A self-contained report page: the graph, the legend, tables.
    Html,
    /// A short GitHub-flavoured Markdown summary for a pull request or a
    /// CI job summary.
    Markdown,
    /// Comma-separated values: one row per revision and directory or
    /// language (`--history`).
    Csv,
}

impl Format {
    /// Whether the format is meant for a viewer rather than a terminal.
    pub fn is_binary_like(self) -> bool {
        matches!(self, Format::Svg | Format::Html)
    }
}

/// Presentation options of the SVG.
#[derive(Clone, Debug, PartialEq)]
pub struct SvgOptions {
    /// Title at the top; the source's name when `None`.
    pub title: Option<String>,
    /// Fixed width in pixels; when `None` the picture fills the window.
    pub width: Option<usize>,
    /// Entries narrower than this many pixels (at the reference width) are
    /// merged into one `(N small files)` frame per directory.
    pub min_width: f64,
    /// Draw an icicle graph: root at the top.
    pub inverted: bool,
    /// At most this many frames are drawn: the smallest entries are merged
    /// until the graph fits, which keeps the SVG light in a browser.
    pub max_frames: usize,
}

/// Enough frames to show every file of a 20,000-file repository; about
/// 300 bytes each, so the SVG stays under 10 MB.
pub const DEFAULT_MAX_FRAMES: usize = 25_000;

/// Width in pixels the layout is computed for when the SVG is fluid.
pub(crate) const REFERENCE_WIDTH: usize = 1200;

impl Default for SvgOptions {
    fn default() -> Self {
        SvgOptions {
            title: None,
            width: None,
            min_width: 0.0,
            inverted: false,
            max_frames: DEFAULT_MAX_FRAMES,
        }
    }
}
