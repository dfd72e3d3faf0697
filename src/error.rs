//! Typed errors and per-entry problems.
//!
//! [`Error`] is what stops a run (exit status 2: nothing usable written).
//! [`Problem`] is one entry that could not be read; the run goes on and the
//! exit status says so (1). Both name their path escaped the way frames are,
//! so a hostile file name cannot garble a terminal or a log.

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
    /// Nothing could be read: every entry found was unreadable. The
    /// problems name each one.
    #[error("{path}: nothing could be read")]
    Unreadable {
        /// The source path, escaped.
        path: String,
        /// Each entry that could not be read.
        problems: Vec<Problem>,
    },
    /// An `--exclude` glob is not valid gitignore syntax.
    #[error("--exclude {glob:?}: {source}")]
    Exclude {
        /// The glob as given.
        glob: String,
        /// Why it is invalid.
        source: ignore::Error,
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
    /// The path, escaped.
    pub path: String,
    /// What went wrong.
    pub message: String,
}

impl Problem {
    /// A problem with `path`.
    pub fn new(path: &Path, message: impl fmt::Display) -> Problem {
        Problem {
            path: display_path(path),
            message: message.to_string(),
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// A path for messages: each component escaped like a frame, joined by `/`.
pub fn display_path(path: &Path) -> String {
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
pub fn redact(text: &str) -> std::borrow::Cow<'_, str> {
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
}
