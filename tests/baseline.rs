//! `--baseline REPORT.json`: a source compared with a JSON report saved
//! earlier gives what `--diff` gives when the report was made at the
//! diff's first revision (Markdown, JSON, folded stacks, SVG, HTML); a report that
//! cannot be compared with (not JSON, truncated, another format version,
//! another metric, a diff's, folded by --depth, missing) fails with exit 2,
//! one line, and nothing written.

use serde_json::{Value, json};

use crate::support::output;
use crate::support::repo::TestRepo;
use crate::support::run::{Run, describe};

/// `n` lines of Rust code.
fn rust(n: usize) -> String {
    "let x = 1;\n".repeat(n)
}

/// v1 → v2: a file grown, one added, one deleted, a vendored one grown.
fn history() -> TestRepo {
    let repo = TestRepo::new("proj");
    repo.file("src/net/tcp.rs", rust(10))
        .file("src/lib.rs", rust(5))
        .file("vendor/lib/x.c", "int x;\n".repeat(4))
        .file("tools/gen.py", "x = 1\n".repeat(6))
        .file("docs/a b|c.md", "# t\n\ntext\n");
    repo.commit("v1");
    repo.tag("v1");
    repo.file("src/net/tcp.rs", rust(30))
        .file("src/net/udp.rs", rust(8))
        .file("vendor/lib/x.c", "int x;\n".repeat(7))
        .remove("tools/gen.py");
    repo.commit("v2");
    repo.tag("v2");
    repo
}

/// Writes the report of `args` to `name` beside the repository.
fn save_report(repo: &TestRepo, name: &str, args: &[&str]) -> std::path::PathBuf {
    let path = repo.base().join(name);
    let out = repo.cmd().args(args).arg("-o").arg(&path).complete();
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    path
}

#[test]
fn a_baseline_made_at_a_revision_gives_what_the_diff_from_it_gives() {
    let repo = history();
    let base = save_report(&repo, "v1.json", &["--rev", "v1"]);
    let base = base.to_str().unwrap();
    for format in ["markdown", "folded", "svg", "html"] {
        let diff = repo
            .cmd()
            .args(["--diff", "v1..v2", "--format", format])
            .quiet_ok();
        let baseline = repo
            .cmd()
            .args(["--rev", "v2", "--baseline", base, "--format", format])
            .quiet_ok();
        assert_eq!(baseline, diff, "{format}");
    }
    let diff = repo
        .cmd()
        .args(["--diff", "v1..v2", "--format", "json"])
        .json_ok();
    let baseline = repo
        .cmd()
        .args(["--rev", "v2", "--baseline", base, "--format", "json"])
        .json_ok();
    for key in ["metric", "totals", "languages", "files", "problems"] {
        assert_eq!(baseline[key], diff[key], "{key}");
    }
    assert_eq!(baseline["source"]["from"], diff["source"]["from"]);
    assert_eq!(baseline["source"]["to"], diff["source"]["to"]);
    // The work tree (v2, unchanged) against the same baseline: the same
    // changes, the after side named as the working tree.
    let md = repo
        .cmd()
        .args(["--baseline", base, "--format", "markdown"])
        .quiet_ok();
    let lines: Vec<&str> = md.lines().collect();
    assert_eq!(lines[0], "## repoflame: `proj`, `v1` → `working tree`");
    assert_eq!(
        lines[2],
        "**+31 −6 code lines in 4 files; most in `src/net` (+28)**"
    );
}

#[test]
fn a_baseline_that_cannot_be_compared_with_fails_with_one_line() {
    let repo = history();
    let good = save_report(&repo, "good.json", &["--rev", "v1"]);
    let text = std::fs::read_to_string(&good).unwrap();
    let report: Value = serde_json::from_str(&text).unwrap();
    let write = |name: &str, content: &str| {
        let path = repo.base().join(name);
        std::fs::write(&path, content).unwrap();
        path
    };
    let mut other_format = report.clone();
    other_format["repoflame"]["format"] = json!(2);
    let mut unknown_language = report.clone();
    unknown_language["files"][0]["language"] = json!("Klingon");
    let bytes = save_report(&repo, "bytes.json", &["--rev", "v1", "--metric", "bytes"]);
    let diff = save_report(&repo, "diff.json", &["--diff", "v1..v2"]);
    let depth = save_report(&repo, "depth.json", &["--rev", "v1", "--depth", "1"]);
    let cases = [
        (
            write("svg.json", "<svg/>"),
            "not a JSON report: expected value at line 1 column 1",
        ),
        (
            write("truncated.json", &text[..text.len() / 2]),
            "not a JSON report: EOF while parsing",
        ),
        (write("array.json", "[]"), "not a repoflame JSON report"),
        (
            write("format2.json", &other_format.to_string()),
            "a report of format 2; this repoflame reads format 1",
        ),
        (
            write("klingon.json", &unknown_language.to_string()),
            "unknown language \"Klingon\"",
        ),
        (
            bytes,
            "counts --metric bytes, this run --metric code: give the same metric",
        ),
        (
            diff,
            "the report of a diff: give the report of one directory or revision",
        ),
        (
            depth,
            "made with --depth (directories folded): give a report of every file",
        ),
        (
            repo.base().join("missing.json"),
            "no such file or directory",
        ),
    ];
    let target = repo.base().join("out.md");
    for (path, why) in cases {
        std::fs::write(&target, "kept").unwrap();
        let out = repo
            .cmd()
            .arg("--baseline")
            .arg(&path)
            .arg("-o")
            .arg(&target)
            .complete();
        let line = output::assert_fails_cleanly(&out);
        let name = path.file_name().unwrap().to_str().unwrap();
        assert!(
            line.starts_with("repoflame: --baseline ") && line.contains(name),
            "{line}"
        );
        assert!(line.contains(why), "{name}: {line}");
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "kept", "{name}");
        // Nothing on stdout either.
        let out = repo
            .cmd()
            .arg("--baseline")
            .arg(&path)
            .args(["--format", "json"])
            .complete();
        output::assert_fails_cleanly(&out);
    }
}

/// Runs `args` with `--baseline BASE`; it must exit 0. Returns stdout and
/// stderr.
fn compare(repo: &TestRepo, base: &std::path::Path, args: &[&str]) -> (String, String) {
    let out = repo.cmd().args(args).arg("--baseline").arg(base).complete();
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    let text = |b: &[u8]| String::from_utf8(b.to_vec()).unwrap();
    (text(&out.stdout), text(&out.stderr))
}

#[test]
fn a_baseline_made_with_own_is_named_when_this_run_counts_everything() {
    let repo = history();
    let own = save_report(&repo, "own.json", &["--rev", "v1", "--own"]);
    let report: Value = serde_json::from_slice(&std::fs::read(&own).unwrap()).unwrap();
    assert_eq!(
        report["selection"],
        json!({
            "exclude": [], "type": [],
            "exclude_classes": ["generated", "vendored", "documentation"],
            "hidden": false, "no_ignore": false, "follow": false
        })
    );
    let md = ["--rev", "v2", "--format", "markdown"];
    let (_, stderr) = compare(&repo, &own, &md);
    assert_eq!(
        stderr,
        "repoflame: the baseline was made with --own; this run counts everything: add --own\n"
    );
    // --quiet hides it, the exit status stays 0.
    let (_, stderr) = compare(&repo, &own, &[&md[..], &["--quiet"]].concat());
    assert_eq!(stderr, "");
    // What it says to do compares like with like: the diff with --own.
    let (fair, stderr) = compare(&repo, &own, &[&md[..], &["--own"]].concat());
    assert_eq!(stderr, "");
    let diff = repo
        .cmd()
        .args(["--diff", "v1..v2", "--own", "--format", "markdown"])
        .quiet_ok();
    assert_eq!(fair, diff);

    // A report written before `selection` was: the classes its left_out
    // names (this history has no generated file).
    let mut old = report.clone();
    old.as_object_mut().unwrap().remove("selection");
    let old_path = repo.base().join("old.json");
    std::fs::write(&old_path, old.to_string()).unwrap();
    let (_, stderr) = compare(&repo, &old_path, &md);
    assert_eq!(
        stderr,
        "repoflame: the baseline was made with --exclude-vendored --exclude-documentation; \
         this run counts everything: add --exclude-vendored --exclude-documentation\n"
    );

    let glob = save_report(
        &repo,
        "glob.json",
        &["--rev", "v1", "--exclude", "/src/net"],
    );
    let (_, stderr) = compare(&repo, &glob, &["--rev", "v2", "--type", "rust,python"]);
    assert_eq!(
        stderr,
        "repoflame: the baseline was made with --exclude /src/net; this run has --type Python,Rust: \
         add --exclude /src/net and leave out --type Python,Rust\n"
    );
}

#[test]
fn a_run_that_leaves_out_more_than_its_baseline_compares_like_with_like() {
    let repo = history();
    let all = save_report(&repo, "all.json", &["--rev", "v1"]);
    let rust_python = save_report(&repo, "rp.json", &["--rev", "v1", "--type", "Rust,Python"]);
    // The baseline is held to this run's choice: the same bytes as the
    // diff made with it, and nothing to warn of.
    for (base, options) in [
        (&all, &["--own"][..]),
        (&all, &["--exclude", "/src/net"][..]),
        (&all, &["--exclude", "*.py", "--exclude-vendored"][..]),
        (&rust_python, &["--type", "rust"][..]),
    ] {
        let (baseline, stderr) = compare(
            &repo,
            base,
            &[&["--rev", "v2", "--format", "folded"][..], options].concat(),
        );
        assert_eq!(stderr, "", "{options:?}");
        let diff = repo
            .cmd()
            .args(["--diff", "v1..v2", "--format", "folded"])
            .args(options)
            .quiet_ok();
        assert_eq!(baseline, diff, "{options:?}");
    }
}

/// A project of ten files in three directories.
fn ten_files(repo: &TestRepo) {
    repo.file("README.md", "# p\n\ntext\n")
        .file("src/main.rs", rust(3));
    for i in 0..4 {
        repo.file(format!("src/net/m{i}.rs"), rust(i + 2))
            .file(format!("tests/t{i}.rs"), rust(i + 1));
    }
}

#[test]
fn a_baseline_of_another_project_is_named() {
    let repo = TestRepo::new("proj");
    ten_files(&repo);
    repo.commit("one");
    let other = repo.sibling("other");
    other
        .file("README.md", "# o\n")
        .file("src/main.rs", rust(9));
    for i in 0..8 {
        other.file(format!("lib/x{i}.py"), "x = 1\n".repeat(i + 1));
    }
    other.commit("one");
    let base = save_report(&other, "other.json", &[]);
    let (_, stderr) = compare(&repo, &base, &["--format", "markdown"]);
    assert_eq!(
        stderr,
        "repoflame: the baseline seems to be another project's: only 2 of its 10 files (20%) \
         are at paths this source has too; compare with a report of this project\n"
    );
}

#[test]
fn a_baseline_from_before_a_refactoring_that_moved_four_files_in_ten_is_not_named() {
    let repo = TestRepo::new("proj");
    ten_files(&repo);
    repo.commit("one");
    let base = save_report(&repo, "before.json", &[]);
    for i in 0..4 {
        repo.rename(format!("src/net/m{i}.rs"), format!("src/m{i}.rs"));
    }
    repo.commit("flatter");
    let (md, stderr) = compare(&repo, &base, &["--format", "markdown"]);
    assert_eq!(stderr, "");
    // Four moves: four files deleted and four added.
    assert_eq!(
        md.lines().nth(2),
        Some("**+14 −14 code lines in 8 files; most in `src` (+14)**")
    );
}
