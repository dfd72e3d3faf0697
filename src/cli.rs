//! The command line: clap checks the syntax, [`Args::into_config`] checks
//! the meaning (the source exists, languages are known, the output directory
//! is there) and builds the library's [`Config`].

mod language;
mod values;

use std::path::{Path, PathBuf};

use anyhow::bail;
use clap::{Parser, ValueEnum};
use repoflame::{
    CacheOptions, Color, Config, DEFAULT_MAX_FRAMES, DEFAULT_TIMEOUT, Format, HistorySpec, Metric,
    Repo, Source, SvgOptions, View, WalkOptions, Window, display_path,
};

const EXAMPLES: &str = "\
Examples:
  repoflame > graph.svg                      the current directory, code lines
  repoflame ~/src/project -o project.svg     write a file (atomically)
  repoflame . --depth 2 -o dirs.svg          per-directory totals two levels deep
  repoflame . --depth 1 --folded             the same as text, like du -d 1
  repoflame . --by-language -o langs.svg     language first: where the Go code lives
  repoflame . --metric bytes --exclude 'vendor/' --type Rust,C -o rust-and-c.svg
  repoflame . -o loc.json                    a report for CI (-o's extension gives the format)
  repoflame . -o report.html                 a page for people: graph and tables
  repoflame . --diff main..HEAD -o pr.md     what a change adds, where, in Markdown for CI
  repoflame . --type go,js -o code.svg       languages by name, extension or alias
  repoflame . --folded | inferno-flamegraph > graph.svg
  repoflame . --rev v1.2 -o v1.2.svg         a revision, read from git objects
  repoflame https://host/owner/repo -o r.svg a remote, cloned shallow, then removed
  repoflame . --diff v1.1..v1.2 -o diff.svg  what changed: red grew, blue shrank
  repoflame . --color churn -o hot.svg       where the work happens: commits per file, cold to hot
  repoflame --generate-completions bash      shell completions (also zsh, fish, ...)
  repoflame --generate-man > repoflame.1     the man page

Counting: a file's language and its code, comment and blank lines are what
tokei reports for it; code inside a file of another language (Markdown code
blocks, <script> in HTML) counts toward the file that holds it.

Exit status: 0 done; 1 written, but some entries could not be read (named on
stderr); 2 nothing written (bad arguments, missing source, nothing countable,
write failure); 128 + the signal when interrupted (130 Ctrl-C, 143 SIGTERM,
129 SIGHUP), temporary files removed.";

/// Where does the code of this repository live? Draws an interactive flame
/// graph of code lines per directory and file, coloured by language.
#[derive(Debug, Parser)]
#[command(name = "repoflame", version, about, after_long_help = EXAMPLES)]
#[command(max_term_width = 100)]
pub struct Args {
    /// Directory to draw (a single file is drawn as a one-file tree), or a
    /// git URL to clone (https://, http://, git://, ssh://, user@host:path,
    /// file://; a user:password in it is used, and shown as user:***). A
    /// bare repository (or a .git directory) is read at its HEAD, as with
    /// --rev HEAD.
    #[arg(value_name = "SOURCE", default_value = ".")]
    pub source: PathBuf,

    /// Count revision REV of the repository at SOURCE (any revision git
    /// accepts: branch, tag, sha, HEAD~3, v1.2^{tree}), read from its
    /// objects without touching the working tree. A SOURCE inside the
    /// repository is a path at REV: a directory or a file there, even if
    /// it is gone from the working tree. With a URL: the branch, tag or
    /// commit to clone.
    #[arg(short, long, value_name = "REV", help_heading = "Git")]
    pub rev: Option<String>,

    /// Draw what changed between two revisions (A..B, or A.. for A to
    /// HEAD, or A...B from their merge base). Frames are as wide as the
    /// larger of before and after, so deleted code stays visible; red grew,
    /// blue shrank, the deeper the larger the change relative to the
    /// frame. A renamed file counts as deleted plus added.
    #[arg(
        long,
        value_name = "A..B",
        conflicts_with = "rev",
        help_heading = "Git"
    )]
    pub diff: Option<String>,

    /// Compare the source with REPORT.json, a JSON report saved earlier
    /// (the main branch's CI artifact): the same output as --diff, with the
    /// report as the before side, and no git history needed. The report
    /// must be of one directory or revision, of every file (no --depth),
    /// with the same --metric. A warning names a report made with options
    /// that count other files (--own, --exclude, --type, --hidden, …) or
    /// one that seems to be another project's.
    #[arg(
        long,
        value_name = "REPORT.json",
        conflicts_with = "diff",
        help_heading = "Git"
    )]
    pub baseline: Option<PathBuf>,

    /// Draw how the code changed across revisions: A..B (A, the tags
    /// between A and B in the order of their commits, and B) or a list
    /// (v1.0,v1.1,v2.0). Writes a page with the graph of each revision (a
    /// slider and a play button) and charts of the largest directories
    /// (--depth, default 1) and languages over time; or a JSON report or
    /// CSV rows (-o history.html, .json, .csv). Each distinct file content
    /// is counted once.
    #[arg(
        long,
        value_name = "SPEC",
        conflicts_with_all = ["rev", "diff", "baseline"],
        help_heading = "Git"
    )]
    pub history: Option<String>,

    /// With --history A..B: the first-parent commits from A to B sampled
    /// DURATION apart (30d, 3months, 1y) instead of the tags.
    #[arg(long, value_name = "DURATION", requires = "history", value_parser = values::every, help_heading = "Git")]
    pub every: Option<i64>,

    /// Give up on a server that does not connect or answer for SECS
    /// seconds.
    #[arg(long, value_name = "SECS", default_value_t = 30, value_parser = values::timeout, allow_negative_numbers = true, help_heading = "Git")]
    pub timeout: u64,

    /// Write to FILE instead of stdout (`-` is stdout). A file is replaced
    /// only once the output is complete, keeping its mode; a symbolic link
    /// stays a link and the file it points to receives the output; a
    /// device, FIFO or socket is written to in place, as `>` does. FILE is
    /// opened before anything is counted: a FILE that cannot be written
    /// fails at once.
    #[arg(short, long, value_name = "FILE", help_heading = "Output")]
    pub output: Option<PathBuf>,

    /// Output format [default: from -o FILE's extension, else svg].
    ///
    /// Without --format, the extension of -o FILE decides, in any case:
    /// .svg; .html or .htm; .json; .folded or .txt; .md or .markdown;
    /// .csv (with --history). Another extension is an error; a FILE
    /// without one, and stdout, get svg (html with --history).
    #[arg(short, long, value_enum, ignore_case = true, help_heading = "Output")]
    pub format: Option<FormatArg>,

    /// Folded stacks (one `dir;dir;file COUNT` line per file), same as
    /// `--format folded`.
    #[arg(long, conflicts_with = "format", help_heading = "Output")]
    pub folded: bool,

    /// What sizes the frames.
    #[arg(short, long, value_enum, default_value_t = MetricArg::Code, ignore_case = true, help_heading = "Output")]
    pub metric: MetricArg,

    /// Aggregate everything below depth N into its directory, like
    /// `du -d N`: per-directory totals (the root is depth 0, its entries
    /// depth 1). Applies to the graph, the folded stacks and the JSON
    /// report.
    #[arg(short, long, value_name = "N", value_parser = values::depth, allow_negative_numbers = true, help_heading = "View")]
    pub depth: Option<u32>,

    /// The language as the first frame, then the path: where the Go code
    /// lives, where the YAML lives.
    #[arg(long, help_heading = "View")]
    pub by_language: bool,

    /// Print nothing on stderr but errors: no progress, summary, notes, or
    /// warnings about options that do not apply to the format.
    #[arg(short, long, help_heading = "Output")]
    pub quiet: bool,

    /// List every language in the summary on stderr (by default the ten
    /// largest and a line for the rest), and print the summary even when
    /// stderr is not a terminal.
    #[arg(short, long, conflicts_with = "quiet", help_heading = "Output")]
    pub verbose: bool,

    /// Count hidden files and directories too (`.git` is never counted).
    #[arg(long, help_heading = "Files")]
    pub hidden: bool,

    /// Do not honour .gitignore, .ignore and git's exclude files.
    #[arg(long, help_heading = "Files")]
    pub no_ignore: bool,

    /// Leave out entries matching GLOB (gitignore syntax, anchored at the
    /// source root: `/build` is only the top-level build, `*.min.js`
    /// anywhere). Repeatable.
    #[arg(short, long, value_name = "GLOB", help_heading = "Files")]
    pub exclude: Vec<String>,

    /// Count only files of these languages: tokei's names in any case
    /// (Rust, "plain text"), file extensions (rs, py, yml) or common
    /// aliases (golang); repeatable or comma-separated.
    #[arg(
        short,
        long = "type",
        value_name = "LANG",
        value_delimiter = ',',
        help_heading = "Files"
    )]
    pub types: Vec<String>,

    /// Your own code alone: leave out vendored, generated and documentation
    /// files (all three --exclude-… below). By default everything is
    /// counted, as tokei counts it, and they are drawn paler and hatched.
    #[arg(long, help_heading = "Files")]
    pub own: bool,

    /// Leave out generated files (what GitHub's linguist calls generated:
    /// `linguist-generated` in .gitattributes, "Code generated … DO NOT
    /// EDIT.", @generated, minified files, lock files). By default they are
    /// drawn paler and hatched.
    #[arg(long, help_heading = "Files")]
    pub exclude_generated: bool,

    /// Leave out vendored files (`linguist-vendored`, vendor/,
    /// node_modules/, third_party/, …). By default they are drawn paler and
    /// hatched.
    #[arg(long, help_heading = "Files")]
    pub exclude_vendored: bool,

    /// Leave out documentation (`linguist-documentation`, docs/, README,
    /// LICENSE, CHANGELOG, …). By default it is drawn paler and hatched.
    #[arg(long, help_heading = "Files")]
    pub exclude_documentation: bool,

    /// Follow symbolic links (loops are detected and reported).
    #[arg(short = 'L', long, help_heading = "Files")]
    pub follow: bool,

    /// Worker threads, at most 256 [default: one per core].
    ///
    /// More threads than cores do not count faster, and idle ones cost:
    /// on 2 cores, 1024 threads take 50 s over a one-file tree, and
    /// thousands exhaust the system's memory maps. 0 is one per core.
    #[arg(short = 'j', long, value_name = "N", value_parser = values::threads, allow_negative_numbers = true, help_heading = "Files")]
    pub threads: Option<usize>,

    /// Files larger than SIZE are not read whole but fed to tokei's parser
    /// in pieces, with the same counts, so memory does not grow with file
    /// size (suffixes K, M, G).
    #[arg(long, value_name = "SIZE", default_value = "32M", value_parser = values::size, allow_negative_numbers = true, help_heading = "Files")]
    pub stream_threshold: u64,

    /// Name of the root frame [default: the source directory's name]; a CI
    /// checkout in /builds/ab12cd can still say "myproject".
    #[arg(long, value_name = "NAME", help_heading = "Output")]
    pub name: Option<String>,

    /// Title of the graph [default: the root frame's name]. What would
    /// break the SVG or a terminal (control characters, U+FFFE, bidi
    /// overrides) is shown escaped, as in frame names (`\x01`, `\u{202E}`).
    #[arg(long, value_name = "TEXT", help_heading = "Flame graph")]
    pub title: Option<String>,

    /// Fixed width in pixels [default: fills the browser window].
    #[arg(long, value_name = "PX", value_parser = values::width, allow_negative_numbers = true, help_heading = "Flame graph")]
    pub width: Option<u32>,

    /// Merge the entries of a directory narrower than PX pixels into one
    /// "(N small files)" frame, instead of dropping them.
    #[arg(
        long,
        value_name = "PX",
        default_value_t = 0.0,
        value_parser = values::min_width,
        allow_negative_numbers = true,
        help_heading = "Flame graph"
    )]
    pub min_width: f64,

    /// Draw at most N frames, merging the smallest entries first; keeps
    /// the SVG of a huge repository light.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_MAX_FRAMES, value_parser = values::max_frames, allow_negative_numbers = true, help_heading = "Flame graph")]
    pub max_frames: usize,

    /// Print shell completions for SHELL (bash, zsh, fish, elvish,
    /// powershell) and exit.
    #[arg(
        long,
        value_name = "SHELL",
        hide = true,
        exclusive = true,
        ignore_case = true
    )]
    pub generate_completions: Option<clap_complete::Shell>,

    /// Print the man page (roff) and exit.
    #[arg(long, hide = true, exclusive = true)]
    pub generate_man: bool,

    /// Icicle graph: the root at the top.
    #[arg(long, help_heading = "Flame graph")]
    pub inverted: bool,

    // History (issue 12): kept in one block.
    /// What the colour of a frame says: its language, or its history in
    /// the window of --commits and --since (cold to hot; a directory's is
    /// the history of everything below it). History is read from the git
    /// repository the directory is in (at HEAD), from --rev, or from a
    /// URL (cloned as deep as the window needs); not with --diff.
    #[arg(long, value_enum, default_value_t = ColorArg::Language, ignore_case = true, help_heading = "History")]
    pub color: ColorArg,

    /// The window of history: the N most recent non-merge commits
    /// reachable from the revision counted, as `git log --no-merges -n N`
    /// [default: 1000, or every commit since --since].
    #[arg(long, value_name = "N", value_parser = values::commits, allow_negative_numbers = true, help_heading = "History")]
    pub commits: Option<usize>,

    /// The window of history: only commits since DATE (2025-01-01) or
    /// within DURATION (6months, 1y, 90d) before the revision counted
    /// (not before today, so that a revision is always drawn the same).
    #[arg(long, value_name = "DATE|DURATION", value_parser = values::since, help_heading = "History")]
    pub since: Option<repoflame::Since>,

    /// Keep counts in DIR [default: $REPOFLAME_CACHE_DIR, else
    /// $XDG_CACHE_HOME/repoflame, else ~/.cache/repoflame].
    ///
    /// A file is counted again only when its path, inode, size,
    /// modification or status-change time changed, a git blob only when its
    /// id did: an unchanged tree is neither read nor parsed again.
    #[arg(long, value_name = "DIR", help_heading = "Cache")]
    pub cache_dir: Option<PathBuf>,

    /// Count everything afresh, and read or write no cache.
    #[arg(long, conflicts_with_all = ["cache_dir", "clear_cache"], help_heading = "Cache")]
    pub no_cache: bool,

    /// Keep the cache under about SIZE, the least recently used counts
    /// going first (suffixes K, M, G).
    #[arg(long, value_name = "SIZE", default_value = "256M", value_parser = values::size, help_heading = "Cache")]
    pub cache_limit: u64,

    /// Empty the cache (of --cache-dir or the default one) and exit.
    #[arg(long, help_heading = "Cache")]
    pub clear_cache: bool,
}

/// `--color` values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ColorArg {
    /// Each file its language's colour.
    Language,
    /// The commits that changed it: where the work happens.
    Churn,
    /// The time since it last changed: recent is hot.
    Age,
    /// Its distinct authors (folded by .mailmap): many is hot.
    Authors,
}

impl Args {
    /// The colour and window of history asked for; `--commits` and
    /// `--since` without a colour of history do nothing.
    fn history(&self) -> anyhow::Result<(Color, Window)> {
        let color = match self.color {
            ColorArg::Language => Color::Language,
            ColorArg::Churn => Color::Churn,
            ColorArg::Age => Color::Age,
            ColorArg::Authors => Color::Authors,
        };
        let window = Window {
            commits: match (self.commits, self.since) {
                (Some(n), _) => Some(n),
                (None, Some(_)) => None,
                (None, None) => Some(repoflame::DEFAULT_WINDOW_COMMITS),
            },
            since: self.since,
        };
        let wanted = if color.needs_history() {
            Some(format!("--color {}", color.name()))
        } else if self.metric == MetricArg::Commits {
            Some("--metric commits".to_string())
        } else {
            None
        };
        if let Some(name) = wanted {
            if self.diff.is_some() {
                bail!("{name}: a diff has two revisions, not one history; leave out one of them");
            }
            if self.history.is_some() {
                bail!(
                    "{name}: --history draws many revisions, each by its language; for the \
                     history of one, give --rev REV"
                );
            }
            if self.baseline.is_some() {
                bail!(
                    "{name}: a comparison with --baseline is not one history; leave out one of them"
                );
            }
        }
        Ok((color, window))
    }
}

/// `--format` values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    /// Interactive SVG flame graph.
    Svg,
    /// Folded stacks for inferno-flamegraph, flamegraph.pl, speedscope.
    Folded,
    /// Report with totals, languages and files.
    Json,
    /// A self-contained page: the graph, its legend, and sortable tables of
    /// languages and of the largest directories and files.
    Html,
    /// A short summary in GitHub-flavoured Markdown, for a CI job summary
    /// or a pull-request comment (a diff's: what changed where).
    Markdown,
    /// Comma-separated rows per revision and directory or language, for
    /// spreadsheets (with --history).
    Csv,
}

impl From<FormatArg> for Format {
    fn from(format: FormatArg) -> Format {
        match format {
            FormatArg::Svg => Format::Svg,
            FormatArg::Folded => Format::Folded,
            FormatArg::Json => Format::Json,
            FormatArg::Html => Format::Html,
            FormatArg::Markdown => Format::Markdown,
            FormatArg::Csv => Format::Csv,
        }
    }
}

/// The format `-o FILE` asks for by its extension, in any case: `.svg`,
/// `.html` or `.htm`, `.json`, `.folded` or `.txt`, `.md` or `.markdown`;
/// an SVG when it has
/// none (`-o /dev/stdout`, a FIFO). An extension of another format
/// (`.pdf`, `.png`) is an error rather than an SVG under the wrong name.
fn format_of(path: &Path) -> anyhow::Result<Format> {
    let Some(extension) = path.extension() else {
        return Ok(Format::Svg);
    };
    let lower = extension.to_str().map(str::to_ascii_lowercase);
    Ok(match lower.as_deref() {
        Some("svg") => Format::Svg,
        Some("html" | "htm") => Format::Html,
        Some("json") => Format::Json,
        Some("folded" | "txt") => Format::Folded,
        Some("md" | "markdown") => Format::Markdown,
        Some("csv") => Format::Csv,
        _ => bail!(
            "-o {}: no format has the extension .{}: give --format (svg, folded, json, html, \
             markdown, csv) or name the file .svg, .html, .htm, .json, .folded, .txt, .md, \
             .markdown or .csv",
            display_path(path),
            display_path(Path::new(extension))
        ),
    })
}

/// `--metric` values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum MetricArg {
    /// Lines of code.
    Code,
    /// Comment lines.
    Comments,
    /// Blank lines.
    Blanks,
    /// All lines.
    Lines,
    /// File sizes.
    Bytes,
    /// Number of files.
    Files,
    /// Commits of the history window that changed each file (see
    /// --commits; needs a git repository).
    Commits,
}

impl Args {
    /// Checks what clap cannot and builds the library's configuration.
    pub fn into_config(self) -> anyhow::Result<Config> {
        let (color, window) = self.history()?;
        let url = remote_url(&self.source);
        // With --rev or --diff, SOURCE is a path in the revision's tree: it
        // need not exist in the work tree (the library looks for it there).
        if url.is_none() && self.rev.is_none() && self.diff.is_none() && self.history.is_none() {
            if let Err(err) = std::fs::metadata(&self.source) {
                bail!(
                    "{}: {}",
                    display_path(&self.source),
                    repoflame::io_reason(&err)
                );
            }
        }
        // A bare repository's files are git's own: it means its HEAD.
        let git_dir = url.is_none()
            && self.rev.is_none()
            && self.diff.is_none()
            && repoflame::is_git_dir(&self.source);
        let git = url.is_some()
            || self.rev.is_some()
            || self.diff.is_some()
            || self.history.is_some()
            || git_dir;
        if git && self.follow {
            bail!("--follow: symbolic links committed to git are never followed; leave it out");
        }
        for rev in self.rev.iter().chain(&self.diff) {
            if rev.starts_with('-') {
                bail!("revision {rev:?}: a revision cannot start with '-'");
            }
        }
        let repo = match url {
            Some(url) => Repo::Remote(url),
            None => Repo::Local(self.source.clone()),
        };
        let source = if let Some(spec) = &self.history {
            Source::History {
                repo,
                spec: parse_history(spec, self.every)?,
            }
        } else if let Some(range) = &self.diff {
            if matches!(repo, Repo::Remote(_)) {
                bail!("--diff needs a local repository: clone it, then give its path");
            }
            let (from, to) = parse_range(range)?;
            Source::Diff { repo, from, to }
        } else if git {
            Source::Revision {
                repo,
                rev: self.rev.clone(),
            }
        } else {
            Source::Directory(self.source.clone())
        };
        // `-o -` is stdout, as for every Unix tool (`./-` is a file).
        let output = self.output.filter(|o| o.as_os_str() != "-");
        if let Some(output) = &output {
            if let Some(dir) = output.parent().filter(|d| !d.as_os_str().is_empty()) {
                if !dir.is_dir() {
                    bail!(
                        "{}: cannot write there: directory {} does not exist",
                        display_path(output),
                        display_path(dir)
                    );
                }
            }
            if output.is_dir() {
                bail!(
                    "{}: is a directory: give a file name to -o",
                    display_path(output)
                );
            }
        }
        let types = self
            .types
            .iter()
            .filter(|t| !t.trim().is_empty())
            .map(|t| language::parse(t.trim()))
            .collect::<anyhow::Result<Vec<_>>>()?;
        // Checked here, once, rather than when the walk starts.
        repoflame::check_excludes(&self.exclude)?;
        let format = match (self.folded, self.format, &output) {
            (true, _, _) => Format::Folded,
            (false, Some(format), _) => format.into(),
            (false, None, Some(path)) => match format_of(path)? {
                // A file without an extension: the main format.
                Format::Svg if self.history.is_some() && path.extension().is_none() => Format::Html,
                format => format,
            },
            (false, None, None) if self.history.is_some() => Format::Html,
            (false, None, None) => Format::Svg,
        };
        match (self.history.is_some(), format) {
            (true, Format::Svg | Format::Folded | Format::Markdown) => bail!(
                "--history writes an HTML page, a JSON report or CSV (-o history.html, .json, \
                 .csv); for one revision's {}, give --rev REV",
                match format {
                    Format::Svg => "SVG",
                    Format::Folded => "folded stacks",
                    _ => "Markdown summary",
                }
            ),
            (false, Format::Csv) => bail!(
                "CSV holds the rows of --history (one per revision and directory or \
                 language); for one source, give --format json"
            ),
            _ => {}
        }
        let metric = match self.metric {
            MetricArg::Code => Metric::Code,
            MetricArg::Comments => Metric::Comments,
            MetricArg::Blanks => Metric::Blanks,
            MetricArg::Lines => Metric::Lines,
            MetricArg::Bytes => Metric::Bytes,
            MetricArg::Files => Metric::Files,
            MetricArg::Commits => Metric::Commits,
        };
        let cache = match self.no_cache {
            true => None,
            false => cache_dir(self.cache_dir).map(|dir| CacheOptions {
                dir,
                limit: self.cache_limit,
            }),
        };
        Ok(Config {
            cache,
            source,
            root_name: self.name.filter(|n| !n.is_empty()),
            walk: WalkOptions {
                hidden: self.hidden,
                no_ignore: self.no_ignore,
                follow: self.follow,
                excludes: self.exclude,
                types,
                exclude_generated: self.exclude_generated || self.own,
                exclude_vendored: self.exclude_vendored || self.own,
                exclude_documentation: self.exclude_documentation || self.own,
            },
            threads: self.threads.unwrap_or(0),
            timeout: std::time::Duration::from_secs(self.timeout),
            stream_threshold: self.stream_threshold,
            metric,
            format,
            output,
            baseline: self.baseline,
            view: View {
                depth: self.depth.map(|d| d as usize),
                by_language: self.by_language,
            },
            svg: SvgOptions {
                title: self.title,
                width: self.width.map(|w| w as usize),
                min_width: self.min_width,
                inverted: self.inverted,
                max_frames: self.max_frames,
            },
            color,
            window,
        })
    }
}

/// The cache directory: `--cache-dir`, else `$REPOFLAME_CACHE_DIR`, else
/// the platform's (`$XDG_CACHE_HOME/repoflame` or `~/.cache/repoflame` on
/// Linux); `None` when there is none (no home).
fn cache_dir(given: Option<PathBuf>) -> Option<PathBuf> {
    given
        .or_else(|| std::env::var_os("REPOFLAME_CACHE_DIR").map(PathBuf::from))
        .filter(|dir| !dir.as_os_str().is_empty())
        .or_else(|| dirs::cache_dir().map(|dir| dir.join("repoflame")))
}

/// The URL in SOURCE, when it is one rather than a path: a scheme git
/// knows, or scp-like `user@host:path` that is not an existing path.
fn remote_url(source: &std::path::Path) -> Option<String> {
    let text = source.to_str()?;
    for scheme in [
        "https://",
        "http://",
        "git://",
        "ssh://",
        "file://",
        "git+ssh://",
        "ssh+git://",
    ] {
        // Bytes, not str slices: the argument may have a multibyte
        // character right where a scheme would end.
        let bytes = text.as_bytes();
        if bytes.len() > scheme.len()
            && bytes[..scheme.len()].eq_ignore_ascii_case(scheme.as_bytes())
        {
            return Some(text.to_string());
        }
    }
    // scp-like syntax: a colon before any slash, with a host before it.
    let colon = text.find(':')?;
    let slash = text.find('/').unwrap_or(usize::MAX);
    if colon > 1 && colon < slash && !source.exists() && colon + 1 < text.len() {
        return Some(text.to_string());
    }
    None
}

/// `--history SPEC`: `A..B` (or `A..` to HEAD) or a comma-separated list.
fn parse_history(spec: &str, every: Option<i64>) -> anyhow::Result<HistorySpec> {
    if spec.contains("...") {
        bail!("--history {spec:?}: give A..B (the tags between A and B) or a list v1.0,v1.1");
    }
    if let Some((from, to)) = spec.split_once("..") {
        let from = if from.is_empty() { "HEAD" } else { from };
        let to = if to.is_empty() { "HEAD" } else { to };
        if from.starts_with('-') || to.starts_with('-') {
            bail!("--history {spec:?}: a revision cannot start with '-'");
        }
        return Ok(HistorySpec::Range {
            from: from.to_string(),
            to: to.to_string(),
            every,
        });
    }
    if every.is_some() {
        bail!("--every samples the commits of a range: give --history A..B");
    }
    let revs: Vec<String> = spec
        .split(',')
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(str::to_string)
        .collect();
    if revs.is_empty() {
        bail!("--history {spec:?} names no revision: give A..B or a list v1.0,v1.1,v2.0");
    }
    if let Some(bad) = revs.iter().find(|r| r.starts_with('-')) {
        bail!("--history: revision {bad:?} cannot start with '-'");
    }
    Ok(HistorySpec::List(revs))
}

/// `A..B`, `A..` (to HEAD), `A...B` (from the merge base).
fn parse_range(range: &str) -> anyhow::Result<(String, String)> {
    let (from, to, merge_base) = if let Some((a, b)) = range.split_once("...") {
        (a, b, true)
    } else if let Some((a, b)) = range.split_once("..") {
        (a, b, false)
    } else {
        bail!("--diff {range:?}: give two revisions as A..B (or A.. for A to HEAD)");
    };
    let from = if from.is_empty() { "HEAD" } else { from };
    let to = if to.is_empty() { "HEAD" } else { to };
    if from.starts_with('-') || to.starts_with('-') {
        bail!("--diff {range:?}: a revision cannot start with '-'");
    }
    let from = if merge_base {
        format!("{from}...{to}")
    } else {
        from.to_string()
    };
    Ok((from, to.to_string()))
}

/// What the command line asks for.
pub enum Action {
    /// Run on a source.
    Run {
        config: Box<Config>,
        /// Nothing on stderr but errors.
        quiet: bool,
        /// Every language in the summary, wherever stderr goes.
        verbose: bool,
    },
    /// Print this (completions, the man page) and exit.
    Print(Vec<u8>),
}

/// Parses the command line and decides what to do; on a usage error (or
/// `--help`), the exit status, with the message printed.
pub fn action() -> Result<Action, std::process::ExitCode> {
    use clap::CommandFactory;
    let args = Args::try_parse().map_err(usage_error)?;
    let mut text = Vec::new();
    if let Some(shell) = args.generate_completions {
        clap_complete::generate(shell, &mut Args::command(), "repoflame", &mut text);
        return Ok(Action::Print(text));
    }
    if args.generate_man {
        // Rendering into memory cannot fail.
        let _ = clap_mangen::Man::new(Args::command()).render(&mut text);
        return Ok(Action::Print(text));
    }
    if args.clear_cache {
        let Some(dir) = cache_dir(args.cache_dir) else {
            return Ok(Action::Print(Vec::new()));
        };
        return match repoflame::clear_cache(&dir) {
            Ok(()) => Ok(Action::Print(Vec::new())),
            Err(err) => {
                eprintln!(
                    "repoflame: {}: cannot clear the cache: {}",
                    display_path(&dir),
                    repoflame::io_reason(&err)
                );
                Err(std::process::ExitCode::from(2))
            }
        };
    }
    let (quiet, verbose) = (args.quiet, args.verbose);
    let mut config = args.into_config().map_err(|err| {
        eprintln!("repoflame: {err:#}");
        std::process::ExitCode::from(2)
    })?;
    if config.output.is_none()
        && config.format.is_binary_like()
        && std::io::IsTerminal::is_terminal(&std::io::stdout())
    {
        let (what, file) = match config.format {
            Format::Html => ("an HTML page", "report.html"),
            _ => ("an SVG", "graph.svg"),
        };
        eprintln!(
            "repoflame: not writing {what} to a terminal: redirect it (repoflame … > {file}), \
             use -o {file}, or --format folded for text"
        );
        return Err(std::process::ExitCode::from(2));
    }
    if let Some(warning) = unused_options(&config).filter(|_| !quiet) {
        eprintln!("repoflame: {warning}");
    }
    // What is ignored is not done either: folded stacks and the Markdown
    // summary have no colours, so no history is read for them (nor is a
    // repository needed).
    if matches!(config.format, Format::Folded | Format::Markdown) {
        config.color = Color::Language;
    }
    Ok(Action::Run {
        config: Box::new(config),
        quiet,
        verbose,
    })
}

/// Reports a command-line error on one line (help and version are printed
/// as clap prints them), exit status 2. A bad value is reported in the
/// words of the other checks, `--OPTION VALUE: what to give`, with the
/// possible values of an option that has a list.
fn usage_error(err: clap::Error) -> std::process::ExitCode {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    if matches!(
        err.kind(),
        ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    ) {
        let _ = err.print();
        return std::process::ExitCode::SUCCESS;
    }
    let context = |kind| match err.get(kind) {
        Some(ContextValue::String(text)) => Some(text.as_str()),
        _ => None,
    };
    let possible = match err.get(ContextKind::ValidValue) {
        Some(ContextValue::Strings(values)) => Some(values.join(", ")),
        _ => None,
    };
    // `--format <FORMAT>` is the option, `pdf` the value.
    let option = context(ContextKind::InvalidArg).map(|arg| arg.split(' ').next().unwrap_or(arg));
    let value = context(ContextKind::InvalidValue);
    let message = match (err.kind(), option, value, &possible) {
        (ErrorKind::InvalidValue, Some(option), Some(value), Some(possible)) => {
            format!("{option} {}: give one of {possible}", quoted(value))
        }
        (ErrorKind::ValueValidation, Some(option), Some(value), _) => {
            let why = std::error::Error::source(&err)
                .map(ToString::to_string)
                .unwrap_or_else(|| "invalid value".to_string());
            format!("{option} {}: {why}", quoted(value))
        }
        _ => {
            let text = err.render().to_string();
            let mut lines = text.lines().map(str::trim).filter(|l| !l.is_empty());
            let first = lines.next().unwrap_or("invalid arguments");
            let mut message = first.strip_prefix("error: ").unwrap_or(first).to_string();
            if let Some(possible) = possible {
                message.push_str(&format!(" (possible values: {possible})"));
            }
            for tip in lines.filter(|l| l.starts_with("tip:")) {
                message.push_str(&format!(" ({tip})"));
            }
            format!("{message}; see repoflame --help")
        }
    };
    eprintln!("repoflame: {message}");
    std::process::ExitCode::from(2)
}

/// A value as typed, quoted when it would not read as one word.
fn quoted(value: &str) -> String {
    let plain = !value.is_empty()
        && value
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '-' | '+' | '.' | '_' | '/' | ':'));
    match plain {
        true => value.to_string(),
        false => format!("{:?}", repoflame::escape::escape_text(value)),
    }
}

/// The options given that cannot change `config`'s output, as a warning:
/// a picture's options with folded stacks or JSON, `--by-language` with
/// JSON (every file names its language), `--depth` with a diff's JSON
/// (every file has its before and after); and those that cannot change
/// what is read: `--no-ignore` at a git revision (what git tracks is
/// counted), `--timeout` without a URL, `--commits` and `--since` without
/// a colour or metric of history. `None` when all of them count.
fn unused_options(config: &Config) -> Option<String> {
    let timeline = matches!(config.source, Source::History { .. });
    let picture = matches!(config.format, Format::Svg | Format::Html) && !timeline;
    let json = config.format == Format::Json;
    // The summary has its own views: languages, directories to depth 2.
    let markdown = config.format == Format::Markdown;
    let diff = matches!(config.source, Source::Diff { .. }) || config.baseline.is_some();
    let svg = &config.svg;
    let format = names(&[
        ("--title", svg.title.is_some() && !picture),
        ("--width", svg.width.is_some() && !picture),
        ("--min-width", svg.min_width != 0.0 && !picture),
        (
            "--max-frames",
            svg.max_frames != DEFAULT_MAX_FRAMES && !picture,
        ),
        ("--inverted", svg.inverted && !picture),
        // Folded stacks and the Markdown summary have no colours; the JSON
        // report has the history.
        (
            "--color",
            config.color != Color::Language && (config.format == Format::Folded || markdown),
        ),
        (
            "--by-language",
            config.view.by_language && (json || markdown || timeline),
        ),
        (
            "--depth",
            config.view.depth.is_some() && ((json && diff) || markdown),
        ),
    ]);
    let what = match (config.format, diff) {
        _ if timeline => "--history",
        (Format::Folded, _) => "folded stacks",
        (Format::Markdown, _) => "the Markdown summary",
        (Format::Json, true) => "the JSON report of a diff",
        _ => "the JSON report",
    };
    let (git, remote) = match &config.source {
        Source::Directory(_) => (false, false),
        Source::Revision { repo, .. }
        | Source::Diff { repo, .. }
        | Source::History { repo, .. } => (true, matches!(repo, Repo::Remote(_))),
    };
    let revision = names(&[("--no-ignore", config.walk.no_ignore && git)]);
    let local = names(&[("--timeout", config.timeout != DEFAULT_TIMEOUT && !remote)]);
    // The window of history without anything that reads history (`--since`
    // alone lifts the bound on commits: that is not a `--commits`).
    let no_history = config.history_wanted().is_none();
    let window = config.window;
    let history = names(&[
        (
            "--commits",
            no_history
                && window.commits != Window::default().commits
                && !(window.commits.is_none() && window.since.is_some()),
        ),
        ("--since", no_history && window.since.is_some()),
    ]);
    let clauses: Vec<String> = [
        (format, what),
        (revision, "a git revision (what git tracks is counted)"),
        (local, "a source that is not a URL (nothing is cloned)"),
        (
            history,
            "a run without history (they choose the commits of --color churn|age|authors \
             and --metric commits)",
        ),
    ]
    .into_iter()
    .filter_map(|(options, what)| match options.as_slice() {
        [] => None,
        [one] => Some(format!("{one} does not apply to {what}")),
        [some @ .., last] => Some(format!(
            "{} and {last} do not apply to {what}",
            some.join(", ")
        )),
    })
    .collect();
    (!clauses.is_empty()).then(|| format!("{}; ignored", clauses.join("; ")))
}

/// The options whose flag is set.
fn names<'a>(options: &[(&'a str, bool)]) -> Vec<&'a str> {
    options
        .iter()
        .filter_map(|&(option, given)| given.then_some(option))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_valid() {
        Args::command().debug_assert();
    }

    #[test]
    fn no_flags_gives_the_default_config() {
        let args = Args::try_parse_from(["repoflame"]).unwrap();
        // The cache is on, where the environment says.
        let cache = cache_dir(None).map(|dir| CacheOptions {
            dir,
            limit: repoflame::DEFAULT_CACHE_LIMIT,
        });
        let expected = Config {
            cache,
            ..Config::default()
        };
        assert_eq!(args.into_config().unwrap(), expected);
        let args = Args::try_parse_from(["repoflame", "--no-cache"]).unwrap();
        assert_eq!(args.into_config().unwrap(), Config::default());
    }

    fn config(args: &[&str]) -> anyhow::Result<Config> {
        Args::try_parse_from([&["repoflame"], args].concat())?.into_config()
    }

    #[test]
    fn threads_are_bounded_and_dash_is_stdout() {
        assert_eq!(config(&["-j", "256"]).unwrap().threads, 256);
        assert_eq!(config(&["-j", "0"]).unwrap().threads, 0);
        for bad in ["257", "1024", "100000", "many", "-1"] {
            let err = config(&["-j", bad]).unwrap_err().to_string();
            assert!(err.contains("1 to 256"), "{bad}: {err}");
        }
        assert_eq!(config(&["-o", "-"]).unwrap().output, None);
        assert_eq!(
            config(&["-o", "./-"]).unwrap().output,
            Some(PathBuf::from("./-"))
        );
    }

    #[test]
    fn the_format_comes_from_the_output_extension_unless_given() {
        let format = |args: &[&str]| config(args).unwrap().format;
        assert_eq!(format(&[]), Format::Svg);
        assert_eq!(format(&["-o", "-"]), Format::Svg);
        assert_eq!(format(&["-o", "graph"]), Format::Svg);
        assert_eq!(format(&["-o", "graph.svg"]), Format::Svg);
        assert_eq!(format(&["-o", "report.html"]), Format::Html);
        assert_eq!(format(&["-o", "REPORT.HTM"]), Format::Html);
        assert_eq!(format(&["-o", "loc.json"]), Format::Json);
        assert_eq!(format(&["-o", "out.folded"]), Format::Folded);
        assert_eq!(format(&["-o", "out.txt"]), Format::Folded);
        assert_eq!(format(&["-o", "out.txt", "--format", "json"]), Format::Json);
        assert_eq!(format(&["-o", "out.json", "--folded"]), Format::Folded);
        assert_eq!(format(&["-o", "out.pdf", "-f", "SVG"]), Format::Svg);
        assert_eq!(format(&["-o", "summary.md"]), Format::Markdown);
        assert_eq!(format(&["-o", "Summary.MARKDOWN"]), Format::Markdown);
        assert_eq!(format(&["-f", "markdown"]), Format::Markdown);
        assert!(config(&["-o", "out.pdf"]).is_err());
    }

    #[test]
    fn options_that_do_not_apply_are_named_once() {
        let unused = |args: &[&str]| unused_options(&config(args).unwrap());
        assert_eq!(unused(&[]), None);
        assert_eq!(
            unused(&["--inverted", "--width", "800", "--title", "x"]),
            None
        );
        assert_eq!(unused(&["-f", "html", "--min-width", "5"]), None);
        assert_eq!(unused(&["--folded", "--depth", "1", "--by-language"]), None);
        assert_eq!(
            unused(&["--folded", "--inverted", "--width", "800", "--title", "x"]).as_deref(),
            Some("--title, --width and --inverted do not apply to folded stacks; ignored")
        );
        assert_eq!(
            unused(&["-f", "json", "--min-width", "5", "--max-frames", "10"]).as_deref(),
            Some("--min-width and --max-frames do not apply to the JSON report; ignored")
        );
        assert_eq!(
            unused(&["-o", "x.json", "--by-language"]).as_deref(),
            Some("--by-language does not apply to the JSON report; ignored")
        );
        assert_eq!(
            unused(&["--diff", "a..b", "-f", "json", "--depth", "1"]).as_deref(),
            Some("--depth does not apply to the JSON report of a diff; ignored")
        );
        assert_eq!(
            unused(&["--diff", "a..b", "--folded", "--depth", "1"]),
            None
        );
        assert_eq!(
            unused(&["--folded", "--color", "age"]).as_deref(),
            Some("--color does not apply to folded stacks; ignored")
        );
        assert_eq!(unused(&["-f", "json", "--color", "age"]), None);
        assert_eq!(
            unused(&["--commits", "5", "--since", "1y"]).as_deref(),
            Some(
                "--commits and --since do not apply to a run without history (they choose the \
                 commits of --color churn|age|authors and --metric commits); ignored"
            )
        );
        assert_eq!(
            unused(&["--since", "1y"]).as_deref(),
            Some(
                "--since does not apply to a run without history (they choose the commits of \
                 --color churn|age|authors and --metric commits); ignored"
            )
        );
        assert_eq!(unused(&["--since", "1y", "--metric", "commits"]), None);
        assert_eq!(unused(&["--commits", "5", "--color", "churn"]), None);
        assert_eq!(
            unused(&[
                "-o",
                "x.md",
                "--depth",
                "1",
                "--by-language",
                "--width",
                "900"
            ])
            .as_deref(),
            Some(
                "--width, --by-language and --depth do not apply to the Markdown summary; ignored"
            )
        );
        // What cannot change what is read.
        assert_eq!(
            unused(&["--rev", "HEAD", "--no-ignore"]).as_deref(),
            Some(
                "--no-ignore does not apply to a git revision (what git tracks is counted); ignored"
            )
        );
        assert_eq!(unused(&["--no-ignore", "--follow"]), None);
        assert_eq!(
            unused(&["--timeout", "5"]).as_deref(),
            Some(
                "--timeout does not apply to a source that is not a URL (nothing is cloned); ignored"
            )
        );
        assert_eq!(
            unused(&["https://example.com/r.git", "--timeout", "5"]),
            None
        );
        assert_eq!(
            unused(&["--diff", "a..b", "--no-ignore", "--folded", "--title", "x"]).as_deref(),
            Some(
                "--title does not apply to folded stacks; --no-ignore does not apply to a git \
                 revision (what git tracks is counted); ignored"
            )
        );
    }

    #[test]
    fn types_split_on_commas() {
        let args = Args::try_parse_from(["repoflame", "-t", "Rust,python", "--type", "C"]).unwrap();
        let config = args.into_config().unwrap();
        assert_eq!(config.walk.types.len(), 3);
    }
}
