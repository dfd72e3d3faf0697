//! Bad input: unreadable entries, special files, links, odd encodings, huge
//! files, and sources that give nothing to count. No panic, no hang;
//! unreadable entries are named on stderr with exit status 1; everything
//! else is counted as tokei counts it; nothing usable means exit status 2
//! with one line on stderr and nothing written.

use std::collections::BTreeMap;
use std::os::unix::fs::symlink;
use std::path::Path;

use crate::support::oracles;
use crate::support::output;
use crate::support::processes::{self, HANG};
use crate::support::repo;
use crate::support::run::{self, Run, describe, describe_brief};
use crate::support::special;
use crate::support::tree::{self, TestDir};

/// Runs `repoflame ARGS` in `dir` within [`HANG`].
fn run_bounded(dir: &TestDir, args: &[&str]) -> std::process::Output {
    processes::run_limited(dir.cmd().args(args), HANG).output
}

/// Asserts that stderr has a line naming each of `paths`
/// (escaped display paths, relative to the working directory), each with
/// `reason`.
fn assert_named(output: &std::process::Output, paths: &[&str], reason: &str) {
    let lines = output::error_lines(output);
    for path in paths {
        let wanted = format!("repoflame: {path}: ");
        assert!(
            lines
                .iter()
                .any(|l| l.starts_with(&wanted) && l.contains(reason)),
            "no line {wanted:?}…{reason:?}:\n{}",
            describe_brief(output)
        );
    }
}

/// A tree where nobody can read one file and one directory; the others
/// are readable by all.
fn tree_with_unreadable_entries() -> TestDir {
    let dir = TestDir::new("t");
    dir.file("open/a.rs", "fn a() {}\n");
    dir.file("b.rs", "fn b() {}\nfn c() {}\n");
    dir.file("secret.rs", "fn s() {}\n");
    dir.file(b"se;cret\n 2.rs", "fn s() {}\n");
    dir.file("locked/c.rs", "fn c() {}\n");
    tree::chmod(&dir.join("secret.rs"), 0o000);
    tree::chmod(&dir.join(b"se;cret\n 2.rs"), 0o000);
    tree::chmod(&dir.join("locked"), 0o000);
    tree::open_to_all(&dir);
    dir
}

#[test]
fn unreadable_file_and_directory_are_named_and_the_rest_counted() {
    let Some(mut cmd) = run::repoflame_unprivileged("unreadable_file_and_directory") else {
        return;
    };
    let dir = tree_with_unreadable_entries();
    let out =
        processes::run_limited(cmd.current_dir(dir.parent()).args(["t", "--folded"]), HANG).output;
    // Let a non-root owner remove the tree afterwards.
    tree::chmod(&dir.join("locked"), 0o755);
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "t;b.rs 2\nt;open;a.rs 1\n",
        "{}",
        describe(&out)
    );
    assert_named(
        &out,
        &["t/secret.rs", r"t/se\x3Bcret\x0A 2.rs", "t/locked"],
        "permission denied",
    );
    assert_eq!(output::error_lines(&out).len(), 3, "{}", describe(&out));
}

#[test]
fn unreadable_entries_still_give_an_svg_file_and_exit_1() {
    let Some(mut cmd) = run::repoflame_unprivileged("unreadable_entries_svg") else {
        return;
    };
    let dir = tree_with_unreadable_entries();
    let out_dir = dir.parent().join("out");
    std::fs::create_dir(&out_dir).unwrap();
    tree::chmod(&out_dir, 0o777);
    let svg_path = out_dir.join("graph.svg");
    let out = processes::run_limited(
        cmd.current_dir(dir.parent())
            .args(["t", "-o"])
            .arg(&svg_path),
        HANG,
    )
    .output;
    // Let a non-root owner remove the tree afterwards.
    tree::chmod(&dir.join("locked"), 0o755);
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    assert!(out.stdout.is_empty(), "{}", describe(&out));
    assert_named(&out, &["t/secret.rs", "t/locked"], "permission denied");
    let svg = std::fs::read(&svg_path).expect("the SVG is written");
    output::assert_xml(&svg);
    let names: Vec<String> = output::svg_frames(&svg)
        .iter()
        .map(|f| f.name().to_string())
        .collect();
    assert!(names.contains(&"b.rs".to_string()), "{names:?}");
    assert!(names.contains(&"a.rs".to_string()), "{names:?}");
    assert!(!names.contains(&"secret.rs".to_string()), "{names:?}");
}

#[test]
fn when_every_file_is_unreadable_each_is_named_and_the_status_is_2() {
    let Some(mut cmd) = run::repoflame_unprivileged("every_file_unreadable") else {
        return;
    };
    let dir = TestDir::new("t");
    dir.file("secret.rs", "fn s() {}\n");
    dir.file("locked/c.rs", "fn c() {}\n");
    tree::chmod(&dir.join("secret.rs"), 0o000);
    tree::chmod(&dir.join("locked"), 0o000);
    tree::open_to_all(&dir);
    let out =
        processes::run_limited(cmd.current_dir(dir.parent()).args(["t", "--folded"]), HANG).output;
    // Let a non-root owner remove the tree afterwards.
    tree::chmod(&dir.join("locked"), 0o755);
    assert_eq!(out.status.code(), Some(2), "{}", describe(&out));
    assert!(out.stdout.is_empty(), "{}", describe(&out));
    // Nothing usable, but the user must learn why: each unreadable entry is
    // named, and secret.rs is Rust, so "no language tokei knows" is wrong.
    assert_named(&out, &["t/secret.rs", "t/locked"], "permission denied");
    let text = String::from_utf8_lossy(&out.stderr);
    assert!(
        !text.contains("language tokei knows"),
        "an unreadable Rust file is not an unknown language:\n{text}"
    );
}

#[test]
fn an_unreadable_source_directory_is_named_with_the_reason() {
    let Some(mut cmd) = run::repoflame_unprivileged("unreadable_source_directory") else {
        return;
    };
    let dir = TestDir::new("t");
    dir.file("a.rs", "fn a() {}\n");
    tree::chmod(dir.path(), 0o000);
    tree::open_to_all(&dir);
    let out =
        processes::run_limited(cmd.current_dir(dir.parent()).args(["t", "--folded"]), HANG).output;
    tree::chmod(dir.path(), 0o755);
    let line = output::assert_fails_cleanly(&out);
    assert!(
        line.starts_with("repoflame: t: ") && line.contains("permission denied"),
        "the source is not named with the reason: {line:?}"
    );
}

#[test]
fn an_unreadable_single_file_source_is_named_with_the_reason() {
    let Some(mut cmd) = run::repoflame_unprivileged("unreadable_single_file_source") else {
        return;
    };
    let dir = TestDir::new("t");
    dir.file("a.rs", "fn a() {}\n");
    tree::chmod(&dir.join("a.rs"), 0o000);
    tree::open_to_all(&dir);
    let out =
        processes::run_limited(cmd.current_dir(dir.path()).args(["a.rs", "--folded"]), HANG).output;
    let lines = output::error_lines(&out);
    assert_eq!(out.status.code(), Some(2), "{}", describe(&out));
    assert!(out.stdout.is_empty(), "{}", describe(&out));
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("repoflame: a.rs: ") && l.contains("permission denied")),
        "the file is not named with the reason: {lines:?}"
    );
    assert!(
        !lines.iter().any(|l| l.contains("language tokei knows")),
        "an unreadable Rust file is not an unknown language: {lines:?}"
    );
}

#[test]
fn fifos_and_sockets_are_never_opened() {
    let dir = TestDir::new("t");
    dir.file("a.rs", "fn a() {}\n");
    special::mkfifo(&dir.join("pipe"));
    special::mkfifo(&dir.join("x.rs"));
    special::mkfifo(&dir.join("run.py"));
    dir.dir("sub");
    special::mkfifo(&dir.join("sub/Makefile"));
    let _listener = std::os::unix::net::UnixListener::bind(dir.join("sock.rs")).expect("socket");
    std::os::unix::net::UnixListener::bind(dir.join("sock")).expect("socket");
    for args in [
        &["--folded"][..],
        &["--folded", "-j", "1"],
        &["--folded", "--follow"],
        &["--folded", "--hidden", "--no-ignore"],
    ] {
        let out = run_bounded(&dir, args);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", describe(&out));
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            "t;a.rs 1\n",
            "{args:?}: {}",
            describe(&out)
        );
    }
    // The SVG path too.
    let out = run_bounded(&dir, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", describe_brief(&out));
    output::assert_xml(&out.stdout);
}

#[test]
fn a_link_to_a_fifo_is_never_opened_even_with_follow() {
    let dir = TestDir::new("t");
    dir.file("a.rs", "fn a() {}\n");
    special::mkfifo(&dir.join("fifo"));
    symlink("fifo", dir.join("link.rs")).unwrap();
    for args in [&["--folded"][..], &["--folded", "--follow"]] {
        let out = run_bounded(&dir, args);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", describe(&out));
        assert_eq!(String::from_utf8_lossy(&out.stdout), "t;a.rs 1\n");
    }
}

#[test]
fn a_fifo_as_the_source_is_refused_without_opening_it() {
    let dir = TestDir::new("t");
    special::mkfifo(&dir.join("x.rs"));
    let out = run_bounded(&dir, &["x.rs", "--folded"]);
    let line = output::assert_fails_cleanly(&out);
    assert!(line.starts_with("repoflame: x.rs: "), "{line:?}");
}

#[test]
fn a_symlink_loop_is_reported_with_follow_and_skipped_without() {
    let dir = TestDir::new("t");
    dir.file("a.rs", "fn a() {}\n");
    dir.file("sub/b.rs", "fn b() {}\nfn c() {}\n");
    symlink("..", dir.join("sub/loop")).unwrap();
    let expected = "t;a.rs 1\nt;sub;b.rs 2\n";

    let out = run_bounded(&dir, &["--folded"]);
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    assert!(out.stderr.is_empty(), "{}", describe(&out));
    assert_eq!(String::from_utf8_lossy(&out.stdout), expected);

    // Followed: each file once, the loop reported but not an unreadable
    // entry.
    let out = run_bounded(&dir, &["--folded", "--follow"]);
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    assert_eq!(String::from_utf8_lossy(&out.stdout), expected);
    let lines = output::error_lines(&out);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(
        lines[0].contains("sub/loop") && lines[0].contains("loop to"),
        "the loop is not reported: {lines:?}"
    );
    // Notes are silenced by --quiet.
    let out = run_bounded(&dir, &["--folded", "--follow", "--quiet"]);
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    assert!(out.stderr.is_empty(), "{}", describe(&out));
}

#[test]
fn a_link_to_itself_is_named_when_followed() {
    a_bad_link_is_skipped_without_follow_and_named_with_it("self.rs", "self.rs");
}

#[test]
fn a_dangling_symlink_is_skipped_without_follow_and_named_with_it() {
    a_bad_link_is_skipped_without_follow_and_named_with_it("nowhere.rs", "dangling.rs");
}

/// A link `link` to `target` that cannot be read: without `--follow` it
/// is skipped silently; with it the rest is still counted, the link is
/// named in one error line and the exit code is 1.
fn a_bad_link_is_skipped_without_follow_and_named_with_it(target: &str, link: &str) {
    let dir = TestDir::new("t");
    dir.file("a.rs", "fn a() {}\n");
    symlink(target, dir.join(link)).unwrap();

    let out = run_bounded(&dir, &["--folded"]);
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    assert!(out.stderr.is_empty(), "{}", describe(&out));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "t;a.rs 1\n");

    let out = run_bounded(&dir, &["--folded", "--follow"]);
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "t;a.rs 1\n");
    let lines = output::error_lines(&out);
    assert!(
        lines.len() == 1 && lines[0].contains(link),
        "the link {link} is not named in one line: {lines:?}"
    );
}

#[test]
fn an_empty_file_is_counted_with_zero_lines() {
    let dir = TestDir::new("t");
    dir.file("a.rs", "fn a() {}\n");
    dir.file("empty.rs", "");
    // Left out of a code graph (zero count) …
    assert_eq!(output::folded_ok(&dir, &[]), "t;a.rs 1\n");
    // … but a file all the same.
    assert_eq!(
        output::folded_ok(&dir, &["--metric", "files"]),
        "t;a.rs 1\nt;empty.rs 1\n"
    );
    let out = dir.run(&["--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let empty = report["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["path"] == "empty.rs")
        .expect("empty.rs in the report");
    assert_eq!(empty["code"], 0);
    assert_eq!(empty["lines"], 0);
    assert_eq!(empty["bytes"], 0);
    assert_eq!(report["totals"]["files"], 2);
}

#[test]
fn odd_encodings_line_endings_and_binary_files_count_as_tokei_counts() {
    let dir = TestDir::new("t");
    let src = "// comment\nint main() {\n\n  return 0; /* c */\n}\n";
    let utf16 = |big: bool| -> Vec<u8> {
        let mut bytes = if big {
            vec![0xFE, 0xFF]
        } else {
            vec![0xFF, 0xFE]
        };
        for unit in src.encode_utf16() {
            bytes.extend(if big {
                unit.to_be_bytes()
            } else {
                unit.to_le_bytes()
            });
        }
        bytes
    };
    let mut binary: Vec<u8> = (0..=255u8).cycle().take(4096).collect();
    binary.extend_from_slice(b"\n\0\x01int x;\n");
    let files: Vec<(&str, Vec<u8>)> = vec![
        ("plain.c", src.as_bytes().to_vec()),
        ("utf16le.c", utf16(false)),
        ("utf16be.c", utf16(true)),
        ("utf8bom.c", [&b"\xEF\xBB\xBF"[..], src.as_bytes()].concat()),
        ("crlf.c", src.replace('\n', "\r\n").into_bytes()),
        ("cr_only.c", src.replace('\n', "\r").into_bytes()),
        ("mixed.c", b"int a;\r\n// b\r\rint c;\n\n".to_vec()),
        ("binary.c", binary),
        ("nul.rs", b"fn a() {}\n\0\0\0\n// x\n".to_vec()),
        ("latin1.py", b"# caf\xe9\nx = '\xe9'\n".to_vec()),
        ("empty.c", Vec::new()),
    ];
    for (name, content) in &files {
        dir.file(name, content);
    }

    let out = dir.run(&["--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    assert!(out.stderr.is_empty(), "{}", describe(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let ours: BTreeMap<String, (u64, u64, u64)> = report["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_string(),
                (
                    f["code"].as_u64().unwrap(),
                    f["comments"].as_u64().unwrap(),
                    f["blanks"].as_u64().unwrap(),
                ),
            )
        })
        .collect();
    let tokei = oracles::tokei_counts(dir.path(), false, false);
    let theirs: BTreeMap<String, (u64, u64, u64)> = tokei
        .files
        .iter()
        .map(|(path, counts)| {
            let rel = path.strip_prefix(dir.path()).unwrap_or(path);
            (rel.to_str().unwrap().to_string(), *counts)
        })
        .collect();
    assert_eq!(ours, theirs, "per-file counts differ from tokei's");
    // The plain file, counted by hand: `int main() {`, `return 0; /* c */`
    // and `}` are code, `// comment` a comment, one blank. The decoded files
    // count as it does.
    assert_eq!(ours["plain.c"], (3, 1, 1), "plain.c");
    for name in ["utf16le.c", "utf16be.c", "utf8bom.c", "crlf.c"] {
        assert_eq!(ours[name], ours["plain.c"], "{name}");
    }
    let sum = |i: usize| -> u64 { ours.values().map(|c| [c.0, c.1, c.2][i]).sum() };
    assert_eq!((sum(0), sum(1), sum(2)), tokei.total, "totals");
    // And as the tokei CLI counts them: tokei's library above is our own
    // vendored copy, the CLI is tokei as published.
    if let Some(cli) =
        oracles::tokei_cli("odd_encodings_line_endings_and_binary_files_count_as_tokei_counts")
    {
        let report = oracles::tokei_cli_counts(&cli, dir.path(), &[]);
        let theirs: BTreeMap<String, (u64, u64, u64)> = report
            .files
            .iter()
            .map(|(path, f)| (path.clone(), (f.code, f.comments, f.blanks)))
            .collect();
        assert_eq!(ours, theirs, "per-file counts differ from the tokei CLI's");
        assert_eq!(
            (sum(0), sum(1), sum(2)),
            report.total,
            "totals against the tokei CLI's"
        );
    }
    // Folded output agrees with the report, without any `\r`.
    let folded = output::folded_ok(&dir, &[]);
    assert_eq!(output::folded_total(&folded), tokei.total.0);
}

/// Writes `huge.sql`: a few lines, then a hole up to 1 GiB.
fn huge_sparse_file(dir: &TestDir) -> std::path::PathBuf {
    use std::io::Write;
    let path = dir.join("huge.sql");
    let mut file = std::fs::File::create(&path).unwrap();
    file.write_all(b"SELECT 1;\n-- a comment\n\nSELECT 2;\nSELECT 3;\n")
        .unwrap();
    file.set_len(1 << 30).unwrap();
    path
}

#[test]
fn a_huge_sparse_file_is_counted_exactly_with_little_memory() {
    let dir = TestDir::new("t");
    dir.file("a.rs", "fn a() {}\n");
    // The same tree without the huge file: what the run costs anyway.
    let baseline = processes::run_limited(dir.cmd().args(["--format", "json"]), HANG).max_rss_kib;
    huge_sparse_file(&dir);
    let run = processes::run_limited(dir.cmd().args(["--format", "json"]), HANG);
    let out = &run.output;
    assert_eq!(out.status.code(), Some(0), "{}", describe(out));
    // Counted in pieces, exactly: nothing to say about it.
    assert!(out.stderr.is_empty(), "{}", describe(out));
    // Peak memory grows by a few tens of MiB at most: a 4 MiB piece, and
    // the 32 MiB held of the one long line of zeros while it is looked at.
    let growth = run.max_rss_kib.saturating_sub(baseline);
    assert!(
        growth < 48 * 1024,
        "peak memory grew by {} MiB for a 1 GiB file ({} MiB without it)",
        growth / 1024,
        baseline / 1024
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let huge = report["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["path"] == "huge.sql")
        .expect("huge.sql counted");
    assert_eq!(huge["bytes"], 1u64 << 30);
    // Three statements, a comment, a blank, and the hole: one long line
    // of NULs that tokei reads as code.
    assert_eq!(huge["code"], 4, "{huge}");
    assert_eq!(huge["comments"], 1, "{huge}");
    assert_eq!(huge["blanks"], 1, "{huge}");
}

#[test]
fn a_missing_source_fails_cleanly() {
    let dir = TestDir::new("t");
    let out = dir.run(&["missing", "--folded"]);
    let line = output::assert_fails_cleanly(&out);
    assert!(line.starts_with("repoflame: missing: "), "{line:?}");
    assert!(line.contains("no such file or directory"), "{line:?}");
}

#[test]
fn a_source_that_is_a_file_is_a_one_file_tree() {
    let dir = TestDir::new("t");
    dir.file("sub/name.rs", "// x\nfn a() {}\n\nfn b() {}\n");
    let out = dir.run(&["sub/name.rs", "--folded"]);
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    assert!(out.stderr.is_empty(), "{}", describe(&out));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "name.rs 2\n");

    // An extensionless script as the source: found by its shebang.
    dir.file("tool", "#!/bin/sh\necho hi\n");
    assert_eq!(output::folded_ok(&dir, &["tool"]), "tool 1\n");
}

#[test]
fn a_single_file_source_is_drawn_as_one_frame() {
    // The root frame stands for the source (it replaces inferno's `all`):
    // for a one-file source that is the file, drawn once, as in the folded
    // output.
    let dir = TestDir::new("t");
    dir.file("sub/name.rs", "// x\nfn a() {}\n\nfn b() {}\n");
    let out = dir.run(&["sub/name.rs"]);
    assert_eq!(out.status.code(), Some(0), "{}", describe_brief(&out));
    let frames = output::svg_frames(&out.stdout);
    assert_eq!(frames.len(), 1, "one frame: {frames:?}");
    assert_eq!(frames[0].name(), "name.rs");
    assert_eq!(frames[0].samples, Some(2));
}

/// Runs the nothing-usable cases in every format, with and without `-o`.
fn assert_nothing_usable(dir: &TestDir, source: &str, why: &str) {
    for format in ["svg", "folded", "json"] {
        let out = run_bounded(dir, &[source, "--format", format]);
        let line = output::assert_fails_cleanly(&out);
        assert!(
            line.contains(why),
            "{format}: {line:?} does not say {why:?}"
        );

        let target = dir.parent().join(format!("out.{format}"));
        let out = processes::run_limited(
            dir.cmd()
                .args([source, "--format", format, "-o"])
                .arg(&target),
            HANG,
        )
        .output;
        output::assert_fails_cleanly(&out);
        assert!(!target.exists(), "{format}: -o file created");
        assert_eq!(tree::temp_leftovers(dir.parent()), Vec::<String>::new());
    }
}

#[test]
fn an_empty_directory_fails_cleanly() {
    let dir = TestDir::new("t");
    dir.dir("empty");
    assert_nothing_usable(&dir, "empty", "nothing to count");
}

#[test]
fn a_directory_with_nothing_countable_fails_cleanly() {
    let dir = TestDir::new("t");
    dir.file("stuff/README", "Read me.\n");
    dir.file("stuff/data.bin", [0u8, 1, 2, 3]);
    assert_nothing_usable(&dir, "stuff", "nothing to count");
}

#[test]
fn a_file_source_in_no_known_language_fails_cleanly() {
    let dir = TestDir::new("t");
    dir.file("README", "Read me.\n");
    assert_nothing_usable(&dir, "README", "nothing to count");
}

#[test]
fn the_root_frame_is_the_source_name_however_it_is_given() {
    // The root frame never carries an absolute path, whatever the source
    // was given as.
    let dir = TestDir::new("t");
    dir.file("a.rs", "fn a() {}\n");
    let abs = dir.path().to_str().unwrap().to_string();
    for source in [".", abs.as_str(), "./", "../t"] {
        assert_eq!(output::folded_ok(&dir, &[source]), "t;a.rs 1\n", "{source}");
    }
    assert!(Path::new(&abs).is_absolute());
}

/// Issue 8: a Git LFS pointer committed was counted with a note at a
/// revision ("1 Git LFS pointer counted as the pointer text…"), but the
/// same pointer on disk (a checkout without `git lfs pull`) said nothing.
#[test]
fn an_lfs_pointer_on_disk_gets_the_same_note_as_at_a_revision() {
    let dir = TestDir::new("t");
    let oid = "4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393";
    let pointer = repo::lfs_pointer_text(oid, 12_345);
    dir.file("model.py", &pointer)
        .file("weights/big.py", &pointer)
        .file("main.py", "x = 1\n");
    let out = dir.cmd().arg("--folded").ok();
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "repoflame: 2 Git LFS pointers counted as the pointer text, not the content stored in LFS\n"
    );
    // A file that only starts like one, or is too large to be one, is not.
    let dir = TestDir::new("t");
    dir.file("a.py", format!("{pointer}{}", "x = 1\n".repeat(200)))
        .file("b.py", "version 2\n");
    let out = dir.cmd().arg("--folded").ok();
    assert!(out.stderr.is_empty(), "{}", describe(&out));
}
