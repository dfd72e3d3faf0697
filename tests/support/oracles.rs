//! The oracles repoflame's counts must equal: tokei's library walker
//! ([`tokei_report`], [`tokei_counts`]) and the tokei command-line program
//! ([`tokei_cli`], whose JSON report and terminal table are read by
//! [`tokei_cli_counts`] and [`tokei_cli_table`]), the same version as the
//! vendored crate ([`TOKEI_VERSION`]).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::run::{Run, hermetic, skip_or_fail};

/// The tokei version the crate is (vendored, with one addition) and the
/// CLI oracle must be.
pub const TOKEI_VERSION: &str = "15.0.0";

/// One file as tokei's library walker counted it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokeiFile {
    /// tokei's name of the language (`LanguageType::name`).
    pub language: String,
    /// Lines of code, embedded languages summarised into the file.
    pub code: u64,
    /// Comment lines, likewise.
    pub comments: u64,
    /// Blank lines, likewise.
    pub blanks: u64,
}

/// Everything tokei counted below one root.
pub struct TokeiReport {
    /// Per file, keyed by the path relative to the root with `/` between
    /// components (the form of repoflame's JSON paths).
    pub files: BTreeMap<String, TokeiFile>,
    /// tokei's Total row: (code, comments, blanks).
    pub total: (u64, u64, u64),
}

/// Runs `tokei::Languages::get_statistics` on `root` with `config` and
/// reports paths relative to `root` (tokei reports them as walked).
pub fn tokei_report(root: &Path, config: &tokei::Config) -> TokeiReport {
    let mut languages = tokei::Languages::new();
    languages.get_statistics(&[root], &[], config);
    let mut files = BTreeMap::new();
    for (language, stats) in languages.iter() {
        assert!(
            !stats.inaccurate,
            "tokei could not read some {language} file below {root:?}"
        );
        for report in &stats.reports {
            let s = report.stats.summarise();
            let relative = report
                .name
                .strip_prefix(root)
                .unwrap_or_else(|_| panic!("tokei path {:?} outside {root:?}", report.name));
            let key = relative.to_str().expect("UTF-8 path").to_string();
            let previous = files.insert(
                key.clone(),
                TokeiFile {
                    language: language.name().to_string(),
                    code: s.code as u64,
                    comments: s.comments as u64,
                    blanks: s.blanks as u64,
                },
            );
            assert!(previous.is_none(), "tokei counted {key} twice");
        }
    }
    let total = languages.total();
    TokeiReport {
        files,
        total: (
            total.code as u64,
            total.comments as u64,
            total.blanks as u64,
        ),
    }
}

/// tokei's configuration for the given walk flags (everything else default,
/// as the tokei CLI without configuration files).
pub fn tokei_config(hidden: bool, no_ignore: bool) -> tokei::Config {
    tokei::Config {
        hidden: Some(hidden),
        no_ignore: Some(no_ignore),
        ..tokei::Config::default()
    }
}

/// Per-file and total counts from tokei's own library walker, with tokei's
/// defaults (hidden files skipped, ignore files honoured) unless told
/// otherwise.
pub struct TokeiCounts {
    /// (code, comments, blanks) per file, summarised as tokei's totals do.
    pub files: BTreeMap<PathBuf, (u64, u64, u64)>,
    /// tokei's Total row.
    pub total: (u64, u64, u64),
}

/// Runs `tokei::Languages::get_statistics` on `path`.
pub fn tokei_counts(path: &Path, hidden: bool, no_ignore: bool) -> TokeiCounts {
    let config = tokei::Config {
        hidden: Some(hidden),
        no_ignore: Some(no_ignore),
        ..tokei::Config::default()
    };
    let mut languages = tokei::Languages::new();
    languages.get_statistics(&[path], &[], &config);
    let mut files = BTreeMap::new();
    for (_, language) in languages.iter() {
        for report in &language.reports {
            let s = report.stats.summarise();
            files.insert(
                report.name.clone(),
                (s.code as u64, s.comments as u64, s.blanks as u64),
            );
        }
    }
    let total = languages.total();
    TokeiCounts {
        files,
        total: (
            total.code as u64,
            total.comments as u64,
            total.blanks as u64,
        ),
    }
}

// ---------------------------------------------------------------------------
// The tokei CLI: independent of the code under test.

/// The tokei command-line program, version [`TOKEI_VERSION`]: an oracle
/// independent of the code under test (whose tokei is vendored and patched).
/// Looked for in `$REPOFLAME_TOKEI_CLI`, in `target/tokei-cli/bin` (where
/// `.ci/run` installs it with `cargo install tokei@15.0.0 --locked --root
/// target/tokei-cli`) and on `PATH`. `None` after a visible skip notice,
/// unless `REPOFLAME_REQUIRE_TOKEI_CLI` is set: then the test fails.
pub fn tokei_cli(test: &str) -> Option<PathBuf> {
    let candidates = [
        std::env::var_os("REPOFLAME_TOKEI_CLI").map(PathBuf::from),
        Some(Path::new(env!("CARGO_MANIFEST_DIR")).join("target/tokei-cli/bin/tokei")),
        Some(PathBuf::from("tokei")),
    ];
    let wanted = format!("tokei {TOKEI_VERSION}");
    for candidate in candidates.into_iter().flatten() {
        let mut cmd = Command::new(&candidate);
        hermetic(&mut cmd).arg("--version");
        if let Ok(out) = cmd.stdin(Stdio::null()).output() {
            // "tokei 15.0.0 compiled with serialization support: json"
            let version = String::from_utf8_lossy(&out.stdout);
            if version
                .split_whitespace()
                .take(2)
                .eq(wanted.split_whitespace())
            {
                return Some(candidate);
            }
        }
    }
    skip_or_fail(
        test,
        &format!(
            "the tokei CLI {TOKEI_VERSION} is not installed (cargo install tokei@{TOKEI_VERSION} \
             --locked --root target/tokei-cli)"
        ),
        "REPOFLAME_REQUIRE_TOKEI_CLI",
    );
    None
}

/// Per-file counts, (code, comments, blanks) with embedded languages
/// summarised into their file, and the language, as the tokei CLI reports
/// them for the tree at `root` (paths relative to it), with `args`.
pub fn tokei_cli_report(
    tokei: &Path,
    root: &Path,
    args: &[&str],
) -> BTreeMap<String, (String, u64, u64, u64)> {
    tokei_cli_counts(tokei, root, args)
        .files
        .into_iter()
        .map(|(path, f)| (path, (f.language, f.code, f.comments, f.blanks)))
        .collect()
}

/// The tokei CLI's JSON report of the tree at `root`, run there as `tokei
/// . --output json ARGS`: per file (keyed by the path relative to `root`)
/// its language and counts, embedded languages summarised into the file;
/// and the CLI's own `Total` row, which it computes itself (so a check of
/// the total against the sum of the files means something). Fails the
/// test when the CLI says its counts are inaccurate (a file it could not
/// read) or reports a file twice.
///
/// The CLI cannot report a name that is not UTF-8 in JSON (it panics,
/// "path contains invalid UTF-8 characters"): for such trees, see
/// [`tokei_cli_table`].
pub fn tokei_cli_counts(tokei: &Path, root: &Path, args: &[&str]) -> TokeiReport {
    fn summarised(stats: &serde_json::Value) -> (u64, u64, u64) {
        let n = |key: &str| stats[key].as_u64().expect("a count");
        let mut total = (n("code"), n("comments"), n("blanks"));
        if let Some(blobs) = stats["blobs"].as_object() {
            for blob in blobs.values() {
                let (c, m, b) = summarised(blob);
                total = (total.0 + c, total.1 + m, total.2 + b);
            }
        }
        total
    }
    let mut cmd = Command::new(tokei);
    hermetic(&mut cmd)
        .current_dir(root)
        .arg(".")
        .args(["--output", "json"])
        .args(args);
    let report = cmd.json_ok();
    let context = format!("tokei . {} (in {})", args.join(" "), root.display());
    let mut files = BTreeMap::new();
    let mut total = None;
    for (language, value) in report.as_object().expect("a JSON object") {
        assert_eq!(
            value["inaccurate"], false,
            "{context}: {language} is inaccurate (a file tokei could not read)"
        );
        let n = |key: &str| value[key].as_u64().expect("a count");
        if language == "Total" {
            total = Some((n("code"), n("comments"), n("blanks")));
            continue;
        }
        for file in value["reports"].as_array().into_iter().flatten() {
            let name = file["name"].as_str().expect("a file name");
            let name = name.strip_prefix("./").unwrap_or(name).to_string();
            let (code, comments, blanks) = summarised(&file["stats"]);
            let counts = TokeiFile {
                language: language.clone(),
                code,
                comments,
                blanks,
            };
            if let Some(first) = files.insert(name.clone(), counts) {
                panic!("{context}: {name} reported twice, first as {first:?}");
            }
        }
    }
    TokeiReport {
        files,
        total: total.unwrap_or_else(|| panic!("{context}: no Total in the report")),
    }
}

/// What the tokei CLI's table says about one language (or the `Total`
/// row): files, code, comments, blanks, embedded languages summarised in.
pub type TableRow = (u64, u64, u64, u64);

/// The tokei CLI's terminal table for the tree at `root`, run there as
/// `tokei . ARGS`: each language's row (its `(Total)` row where it holds
/// embedded languages, as repoflame's per-language sums do) and the
/// `Total` row, by name. It names no file, so it works for any name on
/// disk, where the JSON report ([`tokei_cli_counts`]) cannot. Checks on the
/// way that each row's lines are code + comments + blanks.
pub fn tokei_cli_table(tokei: &Path, root: &Path, args: &[&str]) -> BTreeMap<String, TableRow> {
    let mut cmd = Command::new(tokei);
    hermetic(&mut cmd).current_dir(root).arg(".").args(args);
    let text = cmd.stdout_ok();
    let context = format!("tokei . {} (in {})", args.join(" "), root.display());
    let mut rows = BTreeMap::new();
    let mut last: Option<String> = None;
    for line in text.lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        // Rules, the header, and the `|- Embedded` rows (already in the
        // `(Total)` row that follows them).
        if words.len() < 5 || words[0] == "Language" || words[0] == "|-" {
            continue;
        }
        let numbers = |count: usize| -> Vec<u64> {
            words[words.len() - count..]
                .iter()
                .map(|w| {
                    w.parse()
                        .unwrap_or_else(|_| panic!("{context}: not a number in {line:?}"))
                })
                .collect()
        };
        if words[0] == "(Total)" {
            // Lines, code, comments, blanks of the language above, with
            // its embedded languages.
            let n = numbers(4);
            assert_eq!(n[0], n[1] + n[2] + n[3], "{context}: {line:?}");
            let language = last.as_ref().expect("a language row before (Total)");
            let row: &mut TableRow = rows.get_mut(language).unwrap();
            *row = (row.0, n[1], n[2], n[3]);
        } else {
            // Files, lines, code, comments, blanks.
            let n = numbers(5);
            assert_eq!(n[1], n[2] + n[3] + n[4], "{context}: {line:?}");
            let name = words[..words.len() - 5].join(" ");
            let row = (n[0], n[2], n[3], n[4]);
            assert!(
                rows.insert(name.clone(), row).is_none(),
                "{context}: {name} twice in the table"
            );
            last = Some(name);
        }
    }
    assert!(
        rows.contains_key("Total"),
        "{context}: no Total row:\n{text}"
    );
    rows
}
