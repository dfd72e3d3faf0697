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
