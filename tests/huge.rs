//! Content too large to read whole (issue 8): files and git blobs over
//! `--stream-threshold` are fed to tokei's parser in pieces, with the counts
//! of the content read whole, in memory that does not grow with their size.
//!
//! Blobs are streamed out of git's object store by repoflame itself
//! (libgit2 reads a packed object whole): loose objects, packed ones, and
//! deltas of both kinds, through alternates too. `--stream-threshold 1`
//! streams every blob of a small history, whose counts must equal those read
//! whole by libgit2 and the literal values written here.
//!
//! The memory bounds (slow, `REPOFLAME_SLOW_TESTS=1`) compare the peak
//! resident memory of a run with a 300 MiB file or blob against the same
//! run without it: it may grow by a tenth of the file's size at most, far
//! above what streaming needs (a few MiB) and far below what reading whole
//! costs (the file's size per thread).

use std::io::Write;
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use serde_json::Value;

use crate::support::git::{git_at, git_command};
use crate::support::processes;
use crate::support::repo::TestRepo;
use crate::support::run::{self, Run, describe, repoflame};
use crate::support::tree::TestDir;

/// `path → (language, code, comments, blanks)` of a JSON report.
fn counts(report: &Value) -> Vec<(String, String, u64, u64, u64)> {
    report["files"]
        .as_array()
        .expect("files")
        .iter()
        .map(|f| {
            let n = |k: &str| f[k].as_u64().expect("a count");
            (
                f["path"].as_str().unwrap().to_string(),
                f["language"].as_str().unwrap().to_string(),
                n("code"),
                n("comments"),
                n("blanks"),
            )
        })
        .collect()
}

/// The report of `repoflame --rev REV` in `repo`, every blob streamed
/// (`--stream-threshold 1`) or every blob read whole.
fn at(repo: &Path, rev: &str, streamed: bool) -> Value {
    let threshold = if streamed { "1" } else { "1G" };
    let mut cmd = repoflame();
    cmd.current_dir(repo).args([
        "--rev",
        rev,
        "--format",
        "json",
        "--stream-threshold",
        threshold,
    ]);
    let out = cmd.ok();
    assert!(out.stderr.is_empty(), "{}", describe(&out));
    serde_json::from_slice(&out.stdout).expect("JSON")
}

/// Version 1 and version 2 of a few files, the second a small change of the
/// first, so that `git repack` stores one as a delta of the other.
fn two_versions(repo: &TestRepo) {
    let body = |n: usize| {
        (0..n)
            .map(|i| format!("int f{i}(void) {{ return {i}; }} /* note {i} */\n"))
            .collect::<String>()
    };
    repo.file(
        "src/lib.c",
        format!("/* a library\n   of functions */\n{}", body(300)),
    )
    .file(
        "doc/guide.md",
        format!("# Guide\n\n```c\n{}```\n", body(50)),
    )
    .file(
        "tool",
        format!("#!/usr/bin/env python3\n{}", "x = 1  # one\n".repeat(200)),
    );
    repo.commit("one");
    repo.tag("v1");
    repo.file(
        "src/lib.c",
        format!(
            "/* a library\n   of functions */\n{}\n\nint g;\n",
            body(300)
        ),
    )
    .file(
        "doc/guide.md",
        format!("# Guide\n\nMore.\n\n```c\n{}```\n", body(51)),
    )
    .file(
        "tool",
        format!(
            "#!/usr/bin/env python3\n{}\"\"\"\ndoc\n\"\"\"\n",
            "x = 1  # one\n".repeat(200)
        ),
    );
    repo.commit("two");
}

/// What `two_versions` holds at v1 and at v2, worked out by hand: the C
/// file's 2-line comment, 300 functions (a trailing comment does not make a
/// line a comment), and at v2 two blanks and a declaration more; the guide's
/// heading, fences and blank as Markdown comments and blanks with the C
/// inside the fence summarised in; the Python tool's shebang is a comment.
const V1: &[(&str, &str, u64, u64, u64)] = &[
    ("doc/guide.md", "Markdown", 50, 3, 1),
    ("src/lib.c", "C", 300, 2, 0),
    ("tool", "Python", 200, 1, 0),
];
const V2: &[(&str, &str, u64, u64, u64)] = &[
    ("doc/guide.md", "Markdown", 51, 4, 2),
    ("src/lib.c", "C", 301, 2, 2),
    ("tool", "Python", 203, 1, 0),
];

fn expected(rows: &[(&str, &str, u64, u64, u64)]) -> Vec<(String, String, u64, u64, u64)> {
    rows.iter()
        .map(|&(p, l, c, m, b)| (p.to_string(), l.to_string(), c, m, b))
        .collect()
}

/// The deltas in `repo`'s packs: lines of `git verify-pack -v` with a
/// chain depth.
fn deltas(repo: &TestRepo) -> usize {
    let pack_dir = repo.git_dir().join("objects/pack");
    let mut found = 0;
    for entry in std::fs::read_dir(pack_dir).expect("packs") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "idx") {
            let listing = repo.git([
                std::ffi::OsStr::new("verify-pack"),
                std::ffi::OsStr::new("-v"),
                path.as_os_str(),
            ]);
            // "sha type size size-in-pack offset depth base-sha"
            found += listing
                .lines()
                .filter(|l| l.split_whitespace().count() == 7)
                .count();
        }
    }
    found
}

/// Issue 8: at a revision and in a diff each blob was read whole (a
/// 300 MiB file peaked at 326 MiB per thread). Blobs over the threshold
/// are now streamed from the object store; every way git stores one gives
/// the counts of the blob read whole.
#[test]
fn blobs_over_the_stream_threshold_are_streamed_from_loose_packed_and_delta_objects() {
    let repo = TestRepo::new("r");
    two_versions(&repo);
    let check = |how: &str, repo: &Path| {
        for (rev, rows) in [("v1", V1), ("main", V2)] {
            let whole = at(repo, rev, false);
            let streamed = at(repo, rev, true);
            assert_eq!(counts(&whole), expected(rows), "{how}: {rev} read whole");
            assert_eq!(counts(&streamed), expected(rows), "{how}: {rev} streamed");
        }
    };
    // Fresh commits: loose objects.
    assert!(
        repo.git_dir()
            .join("objects/pack")
            .read_dir()
            .unwrap()
            .next()
            .is_none()
    );
    check("loose", repo.path());
    // Packed, version 2 stored as offset deltas of version 1 (or the
    // reverse, as git chooses).
    repo.git([
        "repack",
        "-a",
        "-d",
        "-f",
        "-q",
        "--window=10",
        "--depth=10",
    ]);
    assert!(deltas(&repo) >= 3, "no deltas to read");
    check("offset deltas", repo.path());
    // Deltas naming their base by id.
    repo.git([
        "-c",
        "pack.useDeltaBaseOffset=false",
        "repack",
        "-a",
        "-d",
        "-f",
        "-q",
        "--window=10",
    ]);
    assert!(deltas(&repo) >= 3, "no deltas to read");
    check("reference deltas", repo.path());
    // Objects in another repository, through alternates.
    let shared = repo.base().join("shared");
    git_at(
        repo.base(),
        [
            std::ffi::OsStr::new("clone"),
            std::ffi::OsStr::new("-q"),
            std::ffi::OsStr::new("--shared"),
            repo.path().as_os_str(),
            shared.as_os_str(),
        ],
    );
    assert!(shared.join(".git/objects/info/alternates").exists());
    check("alternates", &shared);
    // A diff reads both revisions the same way.
    let streamed = repoflame()
        .current_dir(repo.path())
        .args([
            "--diff",
            "v1..main",
            "--format",
            "json",
            "--stream-threshold",
            "1",
        ])
        .json_ok();
    let whole = repoflame()
        .current_dir(repo.path())
        .args(["--diff", "v1..main", "--format", "json"])
        .json_ok();
    assert_eq!(streamed["files"], whole["files"]);
    assert_eq!(streamed["totals"]["after"]["code"], 51 + 301 + 203);
}

/// 300 MiB of `SELECT 1;` lines: 31,457,280 lines of SQL code.
const BIG: usize = 300 << 20;
const BIG_LINES: u64 = (BIG / 10) as u64;

/// Writes `BIG` bytes of `SELECT 1;\n` to `out`.
fn write_big_sql(out: &mut dyn Write) {
    let chunk = "SELECT 1;\n".repeat(1 << 16);
    for _ in 0..BIG / chunk.len() {
        out.write_all(chunk.as_bytes()).expect("write");
    }
}

/// Writes `BIG` bytes of a binary (no shebang, no newline for long) to
/// `out`.
fn write_big_binary(out: &mut dyn Write) {
    let chunk: Vec<u8> = (0..1 << 20).map(|i| (i % 251) as u8 ^ 0x7f).collect();
    for _ in 0..BIG / chunk.len() {
        out.write_all(&chunk).expect("write");
    }
}

/// A file to import: its path, a writer of its content, and its size.
type Import = (&'static str, fn(&mut dyn Write), usize);

/// Commits `files` on top of `repo`'s HEAD
/// with `git fast-import`, which streams them into a pack without a work
/// tree copy.
fn fast_import(repo: &TestRepo, files: &[Import]) {
    let head = repo.head();
    let mut child = git_command()
        .current_dir(repo.path())
        .args(["fast-import", "--quiet"])
        .stdin(Stdio::piped())
        .spawn()
        .expect("git fast-import");
    {
        let mut input = std::io::BufWriter::new(child.stdin.take().unwrap());
        for (i, (_, write, size)) in files.iter().enumerate() {
            write!(input, "blob\nmark :{}\ndata {size}\n", i + 1).unwrap();
            write(&mut input);
            input.write_all(b"\n").unwrap();
        }
        write!(
            input,
            "commit refs/heads/main\ncommitter T <t@example.invalid> 1700000000 +0000\n\
             data 4\nbig\nfrom {head}\n"
        )
        .unwrap();
        for (i, (path, _, _)) in files.iter().enumerate() {
            writeln!(input, "M 100644 :{} {path}", i + 1).unwrap();
        }
        input.flush().unwrap();
    }
    assert!(child.wait().expect("fast-import").success());
}

/// Peak memory (KiB) and report of `repoflame ARGS` in `cwd`.
fn measured(cwd: &Path, args: &[&str]) -> (u64, Value) {
    let mut cmd = repoflame();
    cmd.current_dir(cwd).args(args).args(["--format", "json"]);
    let run = processes::run_limited(&mut cmd, Duration::from_secs(600));
    let out = &run.output;
    assert_eq!(out.status.code(), Some(0), "{}", describe(out));
    let report = serde_json::from_slice(&out.stdout).expect("JSON");
    (run.max_rss_kib, report)
}

fn assert_grew_by_at_most_a_tenth(with: u64, without: u64, what: &str) {
    let bound = (BIG as u64 / 10) >> 10;
    assert!(
        with.saturating_sub(without) < bound,
        "{what}: peak memory {} MiB, {} MiB without the 300 MiB content: it may grow by {} MiB",
        with >> 10,
        without >> 10,
        bound >> 10
    );
}

/// Issue 8: a repository with one 300 MiB text file peaked at 326 MiB per
/// worker thread, and a 300 MiB binary without an extension was read whole
/// (625 MiB) only to look for a `#!` line.
#[test]
fn a_300_mib_blob_is_counted_in_memory_that_does_not_grow_with_it() {
    if !run::slow_tests_enabled("a_300_mib_blob_is_counted_in_memory_that_does_not_grow_with_it") {
        return;
    }
    let repo = TestRepo::new("r");
    repo.file("src/a.c", "int a;\n");
    repo.commit("small");
    let (without, _) = measured(repo.path(), &["--rev", "HEAD"]);
    fast_import(
        &repo,
        &[
            ("big.sql", write_big_sql, BIG),
            ("model", write_big_binary, BIG),
        ],
    );
    let (with, report) = measured(repo.path(), &["--rev", "main"]);
    assert_eq!(
        counts(&report),
        vec![
            ("big.sql".to_string(), "SQL".to_string(), BIG_LINES, 0, 0),
            ("src/a.c".to_string(), "C".to_string(), 1, 0, 0),
        ]
    );
    assert_grew_by_at_most_a_tenth(with, without, "--rev");
    let (with, report) = measured(repo.path(), &["--diff", "HEAD~1..main"]);
    assert_eq!(report["totals"]["after"]["code"], BIG_LINES + 1);
    assert_grew_by_at_most_a_tenth(with, without, "--diff");
}

/// The same bound in directory mode, on a dense file (every byte on disk,
/// unlike the sparse file of `bad_input`).
#[test]
fn a_dense_300_mib_file_is_counted_in_memory_that_does_not_grow_with_it() {
    if !run::slow_tests_enabled(
        "a_dense_300_mib_file_is_counted_in_memory_that_does_not_grow_with_it",
    ) {
        return;
    }
    let dir = TestDir::new("t");
    dir.file("src/a.c", "int a;\n");
    let (without, _) = measured(dir.path(), &[]);
    let mut file = std::io::BufWriter::new(std::fs::File::create(dir.join("big.sql")).unwrap());
    write_big_sql(&mut file);
    file.flush().unwrap();
    drop(file);
    let (with, report) = measured(dir.path(), &[]);
    assert_eq!(
        counts(&report),
        vec![
            ("big.sql".to_string(), "SQL".to_string(), BIG_LINES, 0, 0),
            ("src/a.c".to_string(), "C".to_string(), 1, 0, 0),
        ]
    );
    assert_grew_by_at_most_a_tenth(with, without, "directory");
}
