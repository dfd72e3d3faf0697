//! Typed errors and per-entry problems.
//!
//! [`Error`] is what stops a run (exit status 2: nothing usable written).
//! [`Problem`] is one entry that could not be read; the run goes on and the
//! exit status says so (1). Both name their path escaped the way frames are,
//! so a hostile file name cannot garble a terminal or a log, and messages
//! shorten a very long path in its middle ([`display_path`]); the JSON
//! report keeps it whole ([`Problem::relative`]).

use std::borrow::Cow;
use std::fmt;
use std::io;
use std::path::Path;

use crate::escape::escape;

/// Why a run produced nothing usable.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The source path does not exist or cannot be opened.
    #[error("{path}: {reason}")]
    Source {
        /// The source path, escaped.
        path: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The path is not a git repository, or it cannot be opened.
    #[error("{path}: {reason}")]
    Repository {
        /// The path, escaped.
        path: String,
        /// What is wrong.
        reason: String,
    },
    /// A revision does not resolve to something that can be counted.
    #[error("revision {rev:?}: {reason}")]
    Revision {
        /// The revision as given.
        rev: String,
        /// What is wrong.
        reason: String,
    },
    /// A colour of history was asked for where there is none.
    #[error("{path}: {option} needs the history of a git repository: {reason}")]
    History {
        /// The source, escaped (or its URL, redacted).
        path: String,
        /// The option that needs it: `--color churn`, `--metric commits`.
        option: String,
        /// Why there is no history.
        reason: String,
    },
    /// A remote repository could not be cloned.
    #[error("{url}: cannot clone: {reason}")]
    Clone {
        /// The URL as given.
        url: String,
        /// What went wrong.
        reason: String,
    },
    /// The source holds no file in a language tokei knows.
    #[error("{path}: nothing to count: {detail}")]
    NothingCountable {
        /// The source path, escaped.
        path: String,
        /// What was seen instead, and what to try.
        detail: String,
    },
    /// The report given with `--baseline` cannot be compared with: not a
    /// report, another format or metric, a diff's.
    #[error("--baseline {path}: {reason}")]
    Baseline {
        /// The report's path, escaped.
        path: String,
        /// Why it cannot be used.
        reason: String,
    },
    /// Nothing could be read: every entry found was unreadable. The
    /// problems name each one.
    #[error("{path}: nothing could be read")]
    Unreadable {
        /// The source path, escaped.
        path: String,
        /// Each entry that could not be read.
        problems: Vec<Problem>,
    },
    /// The output format asked for cannot show this source.
    #[error("{reason}")]
    Format {
        /// What to do instead.
        reason: String,
    },
    /// An `--exclude` glob is not valid gitignore syntax.
    #[error("--exclude '{glob}': {reason}")]
    Exclude {
        /// The glob as given, escaped as frame names are.
        glob: String,
        /// Why it is invalid, in terms of the glob as given.
        reason: String,
    },
    /// The worker threads could not be started.
    #[error("cannot start {threads} worker threads: {reason}")]
    Threads {
        /// How many were asked for.
        threads: usize,
        /// The reason given by the system.
        reason: String,
    },
    /// The flame graph could not be drawn (a bug: please report it).
    #[error("cannot draw the flame graph: {source}")]
    Render {
        /// What went wrong.
        source: io::Error,
    },
    /// Writing the output failed.
    #[error("{target}: {}", io_reason(source))]
    Write {
        /// `<stdout>` or the output path, escaped.
        target: String,
        /// The underlying error.
        source: io::Error,
    },
}

impl Error {
    /// Whether this error is a closed pipe on the output, which is not a
    /// failure: `repoflame … | head` is fine.
    pub fn is_broken_pipe(&self) -> bool {
        matches!(self, Error::Write { source, .. } if source.kind() == io::ErrorKind::BrokenPipe)
    }
}

/// One entry that could not be read; the run goes on without it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Problem {
    /// The path as it was found (for a directory source, the source path
    /// joined with the entry's), escaped: what messages name.
    pub path: String,
    /// The path relative to the source root, escaped and joined with `/`
    /// like the paths of the JSON report's files; empty for the root
    /// itself.
    pub relative: String,
    /// What went wrong.
    pub message: String,
}

impl Problem {
    /// A problem with `path`, which is relative to the source root already
    /// (a path in a git tree).
    pub fn new(path: &Path, message: impl fmt::Display) -> Problem {
        Problem {
            path: escaped_path(path),
            relative: relative_path(path),
            message: message.to_string(),
        }
    }

    /// A problem with the file found at `walked`, whose path relative to
    /// the source root is `relative`.
    pub(crate) fn below_relative(
        walked: &Path,
        relative: &Path,
        message: impl fmt::Display,
    ) -> Problem {
        Problem {
            path: escaped_path(walked),
            relative: relative_path(relative),
            message: message.to_string(),
        }
    }

    /// A problem with `path`, found below `root` (the path as walked).
    pub fn below(root: &Path, path: &Path, message: impl fmt::Display) -> Problem {
        Problem {
            path: escaped_path(path),
            relative: relative_path(path.strip_prefix(root).unwrap_or(path)),
            message: message.to_string(),
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", elide(&self.path), self.message)
    }
}

/// A path for messages: each component escaped like a frame, joined by `/`,
/// and shortened in the middle when very long.
pub fn display_path(path: &Path) -> String {
    let escaped = escaped_path(path);
    match elide(&escaped) {
        Cow::Borrowed(_) => escaped,
        Cow::Owned(short) => short,
    }
}

/// A path whole, each component escaped like a frame, joined by `/`: for
/// reports, which keep what messages shorten.
pub(crate) fn escaped_path(path: &Path) -> String {
    use std::os::unix::ffi::OsStrExt;
    use std::path::Component;

    let mut out = String::new();
    for (i, component) in path.components().enumerate() {
        match component {
            Component::RootDir => out.push('/'),
            other => {
                if i > 0 && !out.ends_with('/') {
                    out.push('/');
                }
                out.push_str(&escape(other.as_os_str().as_bytes()));
            }
        }
    }
    if out.is_empty() {
        out.push('.');
    }
    out
}

/// `text` with the password of every URL in it replaced by `***`:
/// `https://user:s3cret@host/x` becomes `https://user:***@host/x`. For
/// every message, report and title that could show a URL: secrets never
/// appear in output.
pub(crate) fn redact(text: &str) -> std::borrow::Cow<'_, str> {
    const SCHEME_END: &str = "://";
    if !text.contains(SCHEME_END) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(SCHEME_END) {
        let start = at + SCHEME_END.len();
        out.push_str(&rest[..start]);
        rest = &rest[start..];
        // The authority: up to the path, query or fragment, or the end of
        // the URL in running text.
        let end = rest
            .find(|c: char| "/?#\"'<>`".contains(c) || c.is_whitespace())
            .unwrap_or(rest.len());
        let authority = &rest[..end];
        match authority.rfind('@') {
            Some(userinfo_end) => {
                let userinfo = &authority[..userinfo_end];
                match userinfo.split_once(':') {
                    Some((user, _password)) => {
                        out.push_str(user);
                        out.push_str(":***");
                    }
                    None => out.push_str(userinfo),
                }
                out.push_str(&authority[userinfo_end..]);
            }
            None => out.push_str(authority),
        }
        rest = &rest[end..];
    }
    out.push_str(rest);
    std::borrow::Cow::Owned(out)
}

/// A path relative to the source root as the reports write it: escaped
/// components joined by `/`, empty for the root itself.
fn relative_path(relative: &Path) -> String {
    use std::os::unix::ffi::OsStrExt;
    use std::path::Component;

    let mut out = String::new();
    for component in relative.components() {
        if let Component::Normal(name) = component {
            if !out.is_empty() {
                out.push('/');
            }
            out.push_str(&escape(name.as_bytes()));
        }
    }
    out
}

/// How many characters of a shortened path are kept at each end.
const ELIDED_KEEP: usize = 60;
/// Paths of up to this many characters are printed whole.
const ELIDED_ABOVE: usize = 160;

/// `text`, an escaped path, shortened for a message when it is longer than
/// 160 characters: its first and last 60 characters with `…` between them
/// (a path too long to open can be 4 KiB and more, which no one reads on
/// one line). An escape such as `\x3B` counts as one character and is never
/// cut in two. Reports keep the whole path.
pub(crate) fn elide(text: &str) -> Cow<'_, str> {
    if text.len() <= ELIDED_ABOVE {
        return Cow::Borrowed(text);
    }
    // The byte offset where each character or escape starts.
    let mut starts = Vec::new();
    let mut rest = text.char_indices().peekable();
    while let Some((at, c)) = rest.next() {
        starts.push(at);
        if c == '\\' {
            match rest.next() {
                Some((_, 'x')) => {
                    rest.next();
                    rest.next();
                }
                Some((_, 'u')) => {
                    for (_, c) in rest.by_ref() {
                        if c == '}' {
                            break;
                        }
                    }
                }
                _ => {}
            }
        }
    }
    if starts.len() <= ELIDED_ABOVE {
        return Cow::Borrowed(text);
    }
    let head = &text[..starts[ELIDED_KEEP]];
    let tail = &text[starts[starts.len() - ELIDED_KEEP]..];
    Cow::Owned(format!("{head}…{tail}"))
}

/// The message of an I/O error without the "(os error N)" suffix that
/// std adds, which means nothing to a user, nor the path some crates add
/// (the message names the path already).
pub fn io_reason(err: &io::Error) -> String {
    let text = match err.raw_os_error() {
        Some(code) => io::Error::from_raw_os_error(code).to_string(),
        None => err.to_string(),
    };
    match text.find(" (os error") {
        Some(i) => {
            let mut s = text[..i].to_string();
            if let Some(first) = s.get_mut(0..1) {
                first.make_ascii_lowercase();
            }
            s
        }
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_in_urls_are_redacted() {
        for (text, redacted) in [
            (
                "https://x-access-token:ghp_abc@github.com/o/r",
                "https://x-access-token:***@github.com/o/r",
            ),
            ("http://u:p%40ss@h:8080", "http://u:***@h:8080"),
            ("http://u:p@ss@h/x", "http://u:***@h/x"),
            ("ssh://git:pw@host:22/x.git", "ssh://git:***@host:22/x.git"),
            ("http://u:@h/x", "http://u:***@h/x"),
            (
                "a http://a:1@h and 'https://b:2@k?q' too",
                "a http://a:***@h and 'https://b:***@k?q' too",
            ),
            ("http://u:***@h/x", "http://u:***@h/x"),
            // Nothing secret: a user alone, a port, no URL at all.
            ("https://someone@host/x", "https://someone@host/x"),
            ("https://host:443/x@y", "https://host:443/x@y"),
            ("git@host:o/r.git", "git@host:o/r.git"),
            ("no URL: here", "no URL: here"),
            ("://", "://"),
        ] {
            assert_eq!(redact(text), redacted, "{text}");
        }
    }

    #[test]
    fn short_paths_are_printed_whole() {
        let path = "d/".repeat(80) + "f.rs";
        assert_eq!(path.len(), 164);
        assert_eq!(display_path(Path::new(&path[4..])), &path[4..]);
        assert!(matches!(elide(&path[4..]), Cow::Borrowed(_)));
    }

    #[test]
    fn long_paths_keep_both_ends() {
        let path = "d/".repeat(2_000) + "f.rs";
        let shown = display_path(Path::new(&path));
        assert_eq!(
            shown,
            format!("{}…{}", "d/".repeat(30), &path[path.len() - 60..])
        );
        assert_eq!(shown.chars().count(), 121);
        // The report's form is whole.
        assert_eq!(escaped_path(Path::new(&path)), path);
    }

    #[test]
    fn an_escape_is_never_cut() {
        // Each `;` is escaped as `\x3B`, four bytes counted as one.
        let name = ";".repeat(300);
        let shown = display_path(Path::new(&name));
        assert_eq!(
            shown,
            format!("{}…{}", r"\x3B".repeat(60), r"\x3B".repeat(60))
        );
        let name = "\u{202E}".repeat(300);
        let shown = display_path(Path::new(&name));
        assert_eq!(
            shown,
            format!("{}…{}", r"\u{202E}".repeat(60), r"\u{202E}".repeat(60))
        );
        // Mixed, and cut in the middle of a multibyte character's neighbours.
        let name = format!("{}{}", "é\\".repeat(100), "\u{1}x".repeat(100));
        let shown = display_path(Path::new(&name));
        assert!(shown.starts_with(&r"é\\".repeat(30)), "{shown}");
        assert!(shown.ends_with(&r"\x01x".repeat(30)), "{shown}");
    }

    #[test]
    fn problems_name_the_path_as_found_and_report_it_relative() {
        let problem = Problem::below(Path::new("./src"), Path::new("./src/a;b/c.rs"), "gone");
        assert_eq!(problem.path, r"./src/a\x3Bb/c.rs");
        assert_eq!(problem.relative, r"a\x3Bb/c.rs");
        assert_eq!(problem.to_string(), r"./src/a\x3Bb/c.rs: gone");
        let root = Problem::below(Path::new("one.rs"), Path::new("one.rs"), "gone");
        assert_eq!((root.path.as_str(), root.relative.as_str()), ("one.rs", ""));
        let in_git = Problem::new(Path::new("src/gone.rs"), "missing");
        assert_eq!(in_git.relative, "src/gone.rs");
    }
}
