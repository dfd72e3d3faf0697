//! Records with known counts for the unit tests of the stages after
//! counting (summary, tree, views, renderers): one file, one side's
//! counts, a record of several sides.

use std::path::PathBuf;

use tokei::LanguageType;

use super::{Counts, Record, widest};

/// A file of `code` code lines, one comment line, two blank lines and
/// ten bytes a code line.
pub(crate) fn record(path: &str, language: LanguageType, code: u64) -> Record {
    Record::one(
        PathBuf::from(path),
        language,
        Counts {
            files: 1,
            code,
            comments: 1,
            blanks: 2,
            bytes: 10 * code,
            commits: 0,
        },
    )
}

/// One side's counts: `files` files, `code` code lines, nothing else.
pub(crate) fn side(files: u64, code: u64) -> Counts {
    Counts {
        files,
        code,
        ..Counts::default()
    }
}

/// The record of a path at several sides (a diff's before and after), as
/// wide as its widest side.
pub(crate) fn with(path: &str, language: LanguageType, sides: Vec<Counts>) -> Record {
    let sides = sides.into_boxed_slice();
    Record {
        counts: widest(&sides),
        sides: Some(sides),
        ..record(path, language, 0)
    }
}
