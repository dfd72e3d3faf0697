//! The count cache (issue 11): warm runs give the same bytes as cold ones
//! and as runs without the cache, never serve a changed file's old counts,
//! do not read what they counted before, share blob counts between
//! `--rev` and `--diff`, and survive a damaged, read-only or shared cache.
//!
//! Each test gives its runs a cache directory of its own (`--cache-dir`).
//! How many contents a run served from the cache and how many it read is
//! what it says under `REPOFLAME_TIMINGS` (a measuring aid); tests that
//! rest on it also check what it implies (a file that cannot be read is
//! still counted, warm).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

use crate::support::repo::TestRepo;
use crate::support::run::{Run, describe, is_root, repoflame_unprivileged, require_or_skip};
use crate::support::tree::{TestDir, chmod, copy_tree, open_to_all, vendored_go_module};

/// Lets the files written so far age past the racily-clean window (2 s
/// before the run's start, in whole seconds): files younger are counted
/// but not stored.
fn settle() {
    std::thread::sleep(Duration::from_millis(3100));
}

/// A cache directory of the test's own, not created yet.
fn cache_dir(dir: &TestDir) -> PathBuf {
    dir.parent().join("cache")
}

/// Runs `cmd` with `--cache-dir cache` and the timings on: its output, and
/// how many contents it served from the cache and read.
fn counted(cmd: &mut Command, cache: &Path) -> (Output, u64, u64) {
    let out = cmd
        .arg("--cache-dir")
        .arg(cache)
        .env("REPOFLAME_TIMINGS", "1")
        .complete();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let line = stderr
        .lines()
        .find_map(|l| l.strip_prefix("timing: cache: "))
        .unwrap_or_else(|| panic!("no cache timing\n{}", describe(&out)));
    let numbers: Vec<u64> = line.split(' ').filter_map(|w| w.parse().ok()).collect();
    (out, numbers[0], numbers[1])
}

/// What a run said on stderr besides its timings.
fn messages(out: &Output) -> Vec<String> {
    String::from_utf8_lossy(&out.stderr)
        .lines()
        .filter(|l| !l.starts_with("timing: "))
        .map(str::to_string)
        .collect()
}

/// Runs `repoflame --clear-cache --cache-dir CACHE`, which must succeed.
fn clear_cache(cache: &Path) {
    let cleared = crate::support::run::repoflame()
        .arg("--clear-cache")
        .arg("--cache-dir")
        .arg(cache)
        .complete();
    assert_eq!(cleared.status.code(), Some(0), "{}", describe(&cleared));
}

/// The output of `repoflame ARGS --no-cache` in `dir`.
fn uncached(dir: &Path, args: &[&str]) -> Vec<u8> {
    let mut cmd = crate::support::run::repoflame();
    let out = cmd.current_dir(dir).args(args).arg("--no-cache").ok();
    out.stdout
}

/// A tree with every kind of content the count stage tells apart: code,
/// generated, vendored and documentation files, a script known by its
/// shebang, an extensionless file in no language, a UTF-16 file, a Git
/// LFS pointer.
fn varied_tree() -> TestDir {
    let dir = vendored_go_module();
    copy_tree(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/languages"),
        &dir.join("languages"),
    );
    dir.file(
        "bin/tool",
        "#!/usr/bin/env python3\nprint('hi')\n\n# done\n",
    )
    .file("NOTES", "just words\n")
    .file(
        "big.lfs.bin.rs",
        "version https://git-lfs.github.com/spec/v1\noid sha256:\
             4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\nsize 12345\n",
    );
    let utf16: Vec<u8> = b"\xFF\xFE"
        .iter()
        .copied()
        .chain(
            "// hi\nint x;\n\nint y;\n"
                .encode_utf16()
                .flat_map(u16::to_le_bytes),
        )
        .collect();
    dir.file("wide.c", utf16);
    dir
}

#[test]
fn warm_runs_give_the_bytes_of_cold_runs_and_of_runs_without_the_cache() {
    let dir = varied_tree();
    settle();
    let warm_cache = cache_dir(&dir);
    for (i, format) in ["svg", "json", "folded", "html"].iter().enumerate() {
        let args = ["--format", format];
        let expected = uncached(dir.path(), &args);
        // Cold: a cache of its own, empty.
        let cold_cache = dir.parent().join(format!("cold-{format}"));
        let (cold, served, read) = counted(dir.cmd().args(args), &cold_cache);
        assert_eq!(cold.status.code(), Some(0), "{}", describe(&cold));
        assert_eq!(served, 0, "{format}: cold, yet served");
        assert!(read > 40, "{format}: {read} read");
        assert!(cold.stdout == expected, "{format}: cold differs");
        // Warm: every content counted before.
        let (warm, served, read) = counted(dir.cmd().args(args), &cold_cache);
        assert_eq!((served, read), (cold_read(&cold), 0), "{format}: warm");
        assert!(warm.stdout == expected, "{format}: warm differs");
        assert_eq!(messages(&warm), messages(&cold), "{format}");
        // And one cache shared by every format: only the first run reads.
        let (shared, _, read) = counted(dir.cmd().args(args), &warm_cache);
        assert_eq!(read == 0, i > 0, "{format}: {read} read");
        assert!(shared.stdout == expected, "{format}: shared cache differs");
    }
}

/// How many contents a cold run read (all of them).
fn cold_read(out: &Output) -> u64 {
    let stderr = String::from_utf8_lossy(&out.stderr);
    let line = stderr
        .lines()
        .find_map(|l| l.strip_prefix("timing: cache: "))
        .expect("timing");
    line.split(' ')
        .filter_map(|w| w.parse().ok())
        .nth(1)
        .unwrap()
}

/// Three versions of `a.rs`, 16 bytes each: 1 code line and 1 comment,
/// 2 code lines, 1 code line and 6 blank lines.
const ONE_COMMENT: &str = "fn a() {}\n// on\n";
const TWO_CODE: &str = "fn a() {}\nfn b(\n";
const THREE_BLANKS: &str = "fn a() {}\n\n\n\n\n\n\n";

fn folded_line(out: &Output) -> String {
    let text = String::from_utf8_lossy(&out.stdout);
    text.lines()
        .find(|l| l.starts_with("t;a.rs "))
        .unwrap_or_else(|| panic!("no a.rs\n{}", describe(out)))
        .to_string()
}

#[test]
fn a_changed_file_is_never_served_stale() {
    assert_eq!(ONE_COMMENT.len(), TWO_CODE.len());
    assert_eq!(ONE_COMMENT.len(), THREE_BLANKS.len());
    let dir = TestDir::new("t");
    dir.file("a.rs", ONE_COMMENT).file("b.rs", "fn b() {}\n");
    let a = dir.join("a.rs");
    settle();
    let cache = cache_dir(&dir);
    let metric = ["--folded", "--metric", "lines"];
    let (out, _, read) = counted(dir.cmd().args(metric), &cache);
    assert_eq!((folded_line(&out), read), ("t;a.rs 2".to_string(), 2));
    let (out, served, read) = counted(dir.cmd().args(["--folded"]), &cache);
    assert_eq!((folded_line(&out), served, read), ("t;a.rs 1".into(), 2, 0));

    // Rewritten in place to the same size, its mtime put back (touch -r).
    let mtime = std::fs::metadata(&a).unwrap().modified().unwrap();
    std::fs::write(&a, TWO_CODE).unwrap();
    let file = std::fs::File::options().write(true).open(&a).unwrap();
    file.set_modified(mtime).unwrap();
    drop(file);
    assert_eq!(std::fs::metadata(&a).unwrap().modified().unwrap(), mtime);
    let (out, served, read) = counted(dir.cmd().args(["--folded"]), &cache);
    assert_eq!(folded_line(&out), "t;a.rs 2", "served stale after touch -r");
    assert_eq!((served, read), (1, 1));

    // Replaced by another file of the same size and mtime (renamed over).
    let other = dir.join("a.rs.new");
    std::fs::write(&other, THREE_BLANKS).unwrap();
    let file = std::fs::File::options().write(true).open(&other).unwrap();
    file.set_modified(mtime).unwrap();
    drop(file);
    std::fs::rename(&other, &a).unwrap();
    let (out, _, read) = counted(dir.cmd().args(["--folded"]), &cache);
    assert_eq!(folded_line(&out), "t;a.rs 1", "served stale after rename");
    assert_eq!(read, 1);
    let (out, _, _) = counted(dir.cmd().args(["--folded", "--metric", "blanks"]), &cache);
    assert_eq!(folded_line(&out), "t;a.rs 6");

    // Changed within a second of a run, same size: what was just written
    // is racily clean (its timestamps could stay the same through another
    // write on a file system with coarse ones), so not stored.
    std::fs::write(&a, ONE_COMMENT).unwrap();
    let (out, _, read) = counted(dir.cmd().args(["--folded"]), &cache);
    assert_eq!((folded_line(&out), read), ("t;a.rs 1".into(), 1));
    let (_, _, read) = counted(dir.cmd().args(["--folded"]), &cache);
    assert_eq!(read, 1, "a racily clean file was stored");
    std::fs::write(&a, TWO_CODE).unwrap();
    let (out, _, read) = counted(dir.cmd().args(["--folded"]), &cache);
    assert_eq!(
        folded_line(&out),
        "t;a.rs 2",
        "served stale within a second"
    );
    assert_eq!(read, 1);
}

#[test]
fn a_warm_run_reads_no_unchanged_file() {
    const TEST: &str = "a_warm_run_reads_no_unchanged_file";
    // A file that root counted cold and the user nobody cannot read: a warm
    // run as nobody counts it without opening it (a chmod would change its
    // ctime, and so its key: it is the user that changes).
    if !crate::support::run::is_root() {
        crate::support::run::require_or_skip(TEST, "not root: cannot run as another user");
        return;
    }
    let dir = TestDir::new("t");
    dir.file("a.rs", "fn a() {}\n")
        .file("secret/b.rs", "fn b() {}\nfn c() {}\n");
    chmod(&dir.join("secret/b.rs"), 0o600);
    open_to_all(&dir);
    let cache = cache_dir(&dir);
    settle();
    let (out, served, read) = counted(dir.cmd().arg("--folded"), &cache);
    assert_eq!((served, read), (0, 2), "{}", describe(&out));
    chmod(&cache.join("counts.bin"), 0o644);
    let Some(mut nocache) = repoflame_unprivileged(TEST) else {
        return;
    };
    let out = nocache
        .current_dir(dir.path())
        .args(["--folded", "--no-cache"])
        .complete();
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    let mut warm = repoflame_unprivileged(TEST).unwrap();
    let (out, served, read) = counted(warm.current_dir(dir.path()).arg("--folded"), &cache);
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    assert_eq!((served, read), (2, 0));
    assert!(messages(&out).is_empty(), "{}", describe(&out));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "t;a.rs 1\nt;secret;b.rs 2\n"
    );
}

#[test]
fn revisions_and_diffs_share_the_counts_of_blobs() {
    let repo = TestRepo::new("r");
    repo.file("a.rs", "fn a() {}\n")
        .file("b.py", "x = 1\ny = 2\n")
        .file("c/d.js", "let d = 1;\n");
    repo.commit("one");
    repo.tag("v1");
    repo.file("b.py", "x = 1\ny = 2\nz = 3\n");
    repo.commit("two");
    repo.tag("v2");
    let cache = repo.path().parent().unwrap().join("cache");
    let (_, served, read) = counted(repo.cmd().args(["--rev", "v1", "--folded"]), &cache);
    assert_eq!((served, read), (0, 3));
    // Only the changed blob is read.
    let (_, served, read) = counted(repo.cmd().args(["--rev", "v2", "--folded"]), &cache);
    assert_eq!((served, read), (2, 1));
    // Both sides counted before: nothing read.
    let args = ["--diff", "v1..v2", "--format", "json"];
    let (out, _, read) = counted(repo.cmd().args(args), &cache);
    assert_eq!(read, 0);
    assert!(out.stdout == uncached(repo.path(), &args), "diff differs");
}

#[test]
fn a_checkout_and_its_revisions_share_counts_where_the_index_vouches() {
    // The directory mode keys a file by what it is on disk, `--rev` a blob
    // by its id; where git's index vouches that the file holds the blob,
    // each finds what the other counted.
    let repo = TestRepo::new("w");
    repo.file("a.rs", "fn a() {}\n")
        .file("d/b.py", "x = 1\ny = 2\n")
        .file("d/e/c.js", "let c = 1;\n");
    repo.commit("one");
    settle();
    let files = 3;
    for (first, then) in [(&[][..], &["--rev", "HEAD"][..]), (&["--rev", "HEAD"], &[])] {
        let cache = repo
            .path()
            .parent()
            .unwrap()
            .join(format!("cache{}", first.len()));
        let (out, served, read) = counted(repo.cmd().args(first).arg("--folded"), &cache);
        assert_eq!((served, read), (0, files), "{first:?}: {}", describe(&out));
        let (out, served, read) = counted(repo.cmd().args(then).arg("--folded"), &cache);
        assert_eq!(
            (served, read),
            (files, 0),
            "{then:?} after {first:?}: {}",
            describe(&out)
        );
        if then.is_empty() {
            assert!(index_read(&out), "{}", describe(&out));
        }
        assert!(out.stdout == uncached(repo.path(), &[then, &["--folded"]].concat()));
        // Kept under its own name as well: found again without the index.
        let (_, served, read) = counted(repo.cmd().args(then).arg("--folded"), &cache);
        assert_eq!((served, read), (files, 0));
    }

    // A file rewritten to the same size with its modification time put
    // back: the index no longer vouches for it (its change time moved).
    let cache = repo.path().parent().unwrap().join("cache-rewritten");
    let (_, _, read) = counted(repo.cmd().args(["--rev", "HEAD", "--folded"]), &cache);
    assert_eq!(read, files);
    let before = std::fs::metadata(repo.join("a.rs"))
        .unwrap()
        .modified()
        .unwrap();
    repo.file("a.rs", "a();\nb();\n");
    std::fs::File::options()
        .write(true)
        .open(repo.join("a.rs"))
        .unwrap()
        .set_modified(before)
        .unwrap();
    settle();
    let (out, served, read) = counted(repo.cmd().arg("--folded"), &cache);
    assert_eq!((served, read), (files - 1, 1), "{}", describe(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("w;a.rs 2\n"),
        "{}",
        describe(&out)
    );
    assert!(
        out.stdout == uncached(repo.path(), &["--folded"]),
        "{}",
        describe(&out)
    );
}

/// Whether a run read git's index to find files by their blobs.
fn index_read(out: &Output) -> bool {
    String::from_utf8_lossy(&out.stderr).contains("timing: git index read for the count cache")
}

#[test]
fn a_run_after_edits_reads_no_index_that_cannot_vouch_for_them() {
    // Every file changed after the index was written: the index cannot
    // vouch for any of them, and is not read (on a large repository it
    // costs more than the edit's recount).
    let repo = TestRepo::new("e");
    repo.file("a.rs", "fn a() {}\n").file("b.rs", "fn b() {}\n");
    repo.commit("one");
    let cache = repo.path().parent().unwrap().join("cache");
    let (_, _, read) = counted(repo.cmd().args(["--rev", "HEAD", "--folded"]), &cache);
    assert_eq!(read, 2);
    // Past the second the index was written in, and the margin.
    std::thread::sleep(Duration::from_millis(2100));
    repo.file("a.rs", "fn a() {}\nfn x() {}\n")
        .file("b.rs", "fn b() {}\nfn y() {}\n");
    settle();
    let (out, served, read) = counted(repo.cmd().arg("--folded"), &cache);
    assert_eq!((served, read), (0, 2), "{}", describe(&out));
    assert!(!index_read(&out), "{}", describe(&out));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "e;a.rs 2\ne;b.rs 2\n");
}

#[test]
fn converted_content_is_never_served_across_the_work_tree_and_the_index() {
    // A filter makes the file in the work tree differ from its blob: the
    // index vouches for its stat, yet its bytes are not the blob's. Each
    // mode counts its own bytes, whichever ran first.
    let repo = TestRepo::with_a_grown_file("f");
    settle();
    repo.git(["update-index", "--refresh"]);
    settle();
    assert_eq!(repo.git(["status", "--porcelain"]), "");
    for (i, order) in [[false, true], [true, false]].into_iter().enumerate() {
        let cache = repo.path().parent().unwrap().join(format!("cache{i}"));
        for rev in order {
            let args: &[&str] = if rev { &["--rev", "HEAD"] } else { &[] };
            let (out, _, read) = counted(repo.cmd().args(args).arg("--folded"), &cache);
            assert_eq!(read, 1, "{args:?}: {}", describe(&out));
            let lines = if rev { 3 } else { 4 };
            assert_eq!(
                String::from_utf8_lossy(&out.stdout),
                format!("f;grown.rs {lines}\n"),
                "{args:?}"
            );
        }
    }
}

#[test]
fn a_history_leaves_its_counts_in_the_cache() {
    let repo = TestRepo::new("h");
    repo.file("a.rs", "fn a() {}\n").file("b.py", "x = 1\n");
    repo.commit("one");
    repo.tag("v1");
    repo.file("b.py", "x = 1\ny = 2\n");
    repo.commit("two");
    repo.tag("v2");
    let cache = repo.path().parent().unwrap().join("cache");
    let out = repo
        .cmd()
        .args([".", "--history", "v1,v2", "-f", "csv", "--cache-dir"])
        .arg(&cache)
        .complete();
    assert!(out.status.success(), "{}", describe(&out));
    // Every blob of both releases was counted by the history: nothing is
    // read again.
    for rev in ["v1", "v2"] {
        let (_, served, read) = counted(repo.cmd().args(["--rev", rev, "--folded"]), &cache);
        assert_eq!((served, read), (2, 0), "--rev {rev}");
    }
}

#[test]
fn a_damaged_cache_is_ignored_with_one_note_and_rebuilt() {
    let dir = varied_tree();
    settle();
    let cache = cache_dir(&dir);
    let snapshot = cache.join("counts.bin");
    let expected = uncached(dir.path(), &["--folded"]);
    let (cold, _, files) = counted(dir.cmd().arg("--folded"), &cache);
    assert!(cold.stdout == expected);
    let good = std::fs::read(&snapshot).unwrap();
    let mut flipped = good.clone();
    let middle = flipped.len() / 2;
    flipped[middle] ^= 0x01;
    let mut foreign_version = good.clone();
    foreign_version[8] = 99;
    let damages: [(&str, Vec<u8>, &str); 5] = [
        ("truncated", good[..good.len() / 2].to_vec(), "checksum"),
        ("flipped bit", flipped, "checksum"),
        ("empty", Vec::new(), "truncated"),
        (
            "foreign",
            b"SQLite format 3\0 and more".to_vec(),
            "not a repoflame",
        ),
        ("another version", foreign_version, "another version"),
    ];
    for (what, bytes, why) in damages {
        std::fs::write(&snapshot, bytes).unwrap();
        let (out, served, read) = counted(dir.cmd().arg("--folded"), &cache);
        assert_eq!(out.status.code(), Some(0), "{what}: {}", describe(&out));
        assert!(out.stdout == expected, "{what}: wrong counts");
        assert_eq!((served, read), (0, files), "{what}");
        let notes: Vec<String> = messages(&out)
            .into_iter()
            .filter(|m| m.contains("cache"))
            .collect();
        assert_eq!(notes.len(), 1, "{what}: {notes:?}");
        assert!(
            notes[0].starts_with("repoflame: count cache ")
                && notes[0].contains(why)
                && notes[0].ends_with("ignored, and rebuilt"),
            "{what}: {notes:?}"
        );
        // Rebuilt: the next run is warm and quiet.
        let (out, served, read) = counted(dir.cmd().arg("--folded"), &cache);
        assert_eq!((served, read), (files, 0), "{what}: not rebuilt");
        assert_eq!(messages(&out), messages(&cold), "{what}");
        assert!(out.stdout == expected);
    }
}

#[test]
fn a_cache_that_cannot_be_written_means_one_note_and_the_same_exit_status() {
    const TEST: &str = "a_cache_that_cannot_be_written_means_one_note_and_the_same_exit_status";
    let dir = TestDir::new("t");
    dir.file("a.rs", "fn a() {}\n").file("b.rs", "fn b() {}\n");
    open_to_all(&dir);
    let cache = cache_dir(&dir);
    std::fs::create_dir(&cache).unwrap();
    chmod(&cache, 0o555);
    settle();
    let expected = uncached(dir.path(), &["--folded"]);
    for _ in 0..2 {
        let Some(mut cmd) = repoflame_unprivileged(TEST) else {
            return;
        };
        let (out, served, read) = counted(cmd.current_dir(dir.path()).arg("--folded"), &cache);
        assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
        assert_eq!((served, read), (0, 2));
        assert!(out.stdout == expected);
        let notes = messages(&out);
        assert_eq!(notes.len(), 1, "{notes:?}");
        assert!(
            notes[0].contains("cannot write it (permission denied)"),
            "{notes:?}"
        );
    }
    // A snapshot that cannot be read either: still one note.
    chmod(&cache, 0o755);
    std::fs::write(cache.join("counts.bin"), "x").unwrap();
    chmod(&cache.join("counts.bin"), 0o000);
    chmod(&cache, 0o555);
    let mut cmd = repoflame_unprivileged(TEST).unwrap();
    let (out, _, _) = counted(cmd.current_dir(dir.path()).arg("--folded"), &cache);
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    let notes = messages(&out);
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert!(notes[0].contains("cannot read it"), "{notes:?}");
    // An unreadable file keeps its exit status 1, with the note.
    dir.file("c.rs", "fn c() {}\n");
    chmod(&dir.join("c.rs"), 0o000);
    let mut cmd = repoflame_unprivileged(TEST).unwrap();
    let (out, _, _) = counted(cmd.current_dir(dir.path()).arg("--folded"), &cache);
    chmod(&dir.join("c.rs"), 0o644);
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    assert_eq!(messages(&out).len(), 2, "{}", describe(&out));
}

#[test]
fn runs_at_once_on_one_cache_lose_nothing_and_never_corrupt_it() {
    const ROUNDS: usize = 6;
    // Trees that no run has counted yet, so that every run writes.
    let trees: Vec<TestDir> = (0..2 * ROUNDS)
        .map(|i| {
            let dir = TestDir::new("t");
            for f in 0..40 {
                let code = "let x = 1;\n".repeat(f % 7 + 1);
                dir.file(format!("d{}/f{f}-{i}.js", f % 5), code);
            }
            dir
        })
        .collect();
    settle();
    let cache = cache_dir(&trees[0]);
    let expected: Vec<Vec<u8>> = trees
        .iter()
        .map(|t| uncached(t.path(), &["--folded"]))
        .collect();
    for round in 0..ROUNDS {
        let children: Vec<_> = [2 * round, 2 * round + 1]
            .iter()
            .map(|&i| {
                let mut cmd = trees[i].cmd();
                cmd.args(["--folded", "--cache-dir"])
                    .arg(&cache)
                    .stdout(std::process::Stdio::piped())
                    .stderr(std::process::Stdio::piped());
                (i, cmd.spawn().expect("spawn"))
            })
            .collect();
        for (i, child) in children {
            let out = child.wait_with_output().expect("wait");
            assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
            assert!(out.stdout == expected[i], "tree {i}: wrong counts");
            assert!(out.stderr.is_empty(), "{}", describe(&out));
        }
    }
    // Every run's counts were kept: all are served, nothing is read.
    for (i, tree) in trees.iter().enumerate() {
        let (out, served, read) = counted(tree.cmd().arg("--folded"), &cache);
        assert_eq!((served, read), (40, 0), "tree {i}: {}", describe(&out));
        assert!(out.stdout == expected[i]);
        assert!(messages(&out).is_empty(), "{}", describe(&out));
    }
}

#[test]
fn the_cache_stays_under_its_limit() {
    let dir = TestDir::new("t");
    for f in 0..50 {
        dir.file(format!("f{f}.rs"), "fn f() {}\n".repeat(f + 1));
    }
    settle();
    let cache = cache_dir(&dir);
    let expected = uncached(dir.path(), &["--folded"]);
    let limit = ["--folded", "--cache-limit", "1K"];
    let (_, _, read) = counted(dir.cmd().args(limit), &cache);
    assert_eq!(read, 50);
    let size = std::fs::metadata(cache.join("counts.bin")).unwrap().len();
    assert!(size <= 1024 + 16, "{size} bytes");
    // Some were kept, most went.
    let (out, served, read) = counted(dir.cmd().args(limit), &cache);
    assert!(served > 0 && read > 25, "{served} served, {read} read");
    assert!(out.stdout == expected);
    // Within the default limit, everything is kept.
    counted(dir.cmd().arg("--folded"), &cache);
    let (_, _, read) = counted(dir.cmd().arg("--folded"), &cache);
    assert_eq!(read, 0);
}

#[test]
fn what_changes_counting_is_part_of_the_key() {
    let dir = TestDir::new("t");
    dir.file("a.rs", "fn a() {}\n").file("b.rs", "fn b() {}\n");
    settle();
    let cache = cache_dir(&dir);
    counted(dir.cmd().arg("--folded"), &cache);
    let other = ["--folded", "--stream-threshold", "4"];
    let (out, served, read) = counted(dir.cmd().args(other), &cache);
    assert_eq!((served, read), (0, 2));
    assert!(out.stdout == uncached(dir.path(), &other));
    // --type filters what is counted, not what is kept.
    let types = ["--folded", "--type", "rust"];
    let (out, served, read) = counted(dir.cmd().args(types), &cache);
    assert_eq!((served, read), (2, 0));
    assert!(out.stdout == uncached(dir.path(), &types));
}

#[test]
fn no_cache_touches_nothing_and_clear_cache_empties_it() {
    let dir = TestDir::new("t");
    dir.file("a.rs", "fn a() {}\n");
    settle();
    let cache = cache_dir(&dir);
    // --no-cache neither creates nor reads the cache (a damaged one gives
    // no note).
    let out = dir
        .cmd()
        .args(["--folded", "--no-cache"])
        .env("REPOFLAME_CACHE_DIR", &cache)
        .ok();
    assert!(
        out.stderr.is_empty() && !cache.exists(),
        "{}",
        describe(&out)
    );
    std::fs::create_dir(&cache).unwrap();
    std::fs::write(cache.join("counts.bin"), "damaged").unwrap();
    let out = dir
        .cmd()
        .args(["--folded", "--no-cache"])
        .env("REPOFLAME_CACHE_DIR", &cache)
        .ok();
    assert!(out.stderr.is_empty(), "{}", describe(&out));
    assert_eq!(std::fs::read(cache.join("counts.bin")).unwrap(), b"damaged");
    std::fs::remove_file(cache.join("counts.bin")).unwrap();
    // REPOFLAME_CACHE_DIR moves it.
    let out = dir
        .cmd()
        .arg("--folded")
        .env("REPOFLAME_CACHE_DIR", &cache)
        .ok();
    assert!(out.stderr.is_empty(), "{}", describe(&out));
    assert!(cache.join("counts.bin").is_file());
    // --clear-cache empties it, and says nothing.
    let out = dir
        .cmd()
        .arg("--clear-cache")
        .env("REPOFLAME_CACHE_DIR", &cache)
        .ok();
    assert!(out.stdout.is_empty() && out.stderr.is_empty());
    assert!(!cache.exists());
    let (_, served, read) = counted(dir.cmd().arg("--folded"), &cache);
    assert_eq!((served, read), (0, 1));
}

#[test]
fn random_edits_between_runs_never_give_stale_counts() {
    // A small deterministic generator: the same edits on every machine.
    struct Lcg(u64);
    impl Lcg {
        fn below(&mut self, n: usize) -> usize {
            self.0 = self
                .0
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((self.0 >> 33) as usize) % n
        }
    }
    /// Content of `size` bytes whose counts depend on `seed`.
    fn code(seed: usize, size: usize) -> String {
        let lines = ["x = 1\n", "# c\n", "\n", "def f():\n", "  pass\n"];
        let mut text = String::new();
        let mut i = seed;
        while text.len() < size {
            text.push_str(lines[i % lines.len()]);
            i = (i * 7 + 3) % 1009;
        }
        text.truncate(size);
        text
    }
    let mut rng = Lcg(11);
    let dir = TestDir::new("t");
    let names: Vec<String> = (0..24).map(|i| format!("d{}/f{i}.py", i % 4)).collect();
    for (i, name) in names.iter().enumerate() {
        dir.file(name, code(i, 40 + 8 * i));
    }
    let cache = cache_dir(&dir);
    for round in 0..5 {
        settle();
        let (out, _, _) = counted(dir.cmd().args(["--format", "json"]), &cache);
        assert!(
            out.stdout == uncached(dir.path(), &["--format", "json"]),
            "round {round}: counts differ before the edits"
        );
        for _ in 0..8 {
            let name = &names[rng.below(names.len())];
            let path = dir.join(name);
            let seed = rng.below(1000);
            if path.is_dir() {
                std::fs::remove_dir_all(&path).unwrap();
                continue;
            }
            let old = std::fs::metadata(&path).ok();
            match rng.below(5) {
                // Rewritten to the same size, mtime put back.
                0 | 1 => {
                    let (size, mtime) = match &old {
                        Some(meta) => (meta.len() as usize, meta.modified().unwrap()),
                        None => (30, std::time::SystemTime::UNIX_EPOCH),
                    };
                    dir.file(name, code(seed, size));
                    let file = std::fs::File::options().write(true).open(&path).unwrap();
                    file.set_modified(mtime).unwrap();
                }
                // Replaced by another file renamed over it.
                2 => {
                    let other = dir.join(format!("{name}.new"));
                    std::fs::write(&other, code(seed, 40 + seed % 50)).unwrap();
                    std::fs::rename(&other, &path).unwrap();
                }
                // Deleted.
                3 => {
                    let _ = std::fs::remove_file(&path);
                }
                // Turned into a directory holding a file of its own.
                _ => {
                    let _ = std::fs::remove_file(&path);
                    dir.file(format!("{name}/inner.py"), code(seed, 30));
                }
            }
        }
        for format in ["folded", "json"] {
            let args = ["--format", format];
            let (out, _, _) = counted(dir.cmd().args(args), &cache);
            assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
            assert!(
                out.stdout == uncached(dir.path(), &args),
                "round {round}, {format}: stale counts after the edits"
            );
        }
    }
}

/// Unmounts what it names when dropped, so that a failing test leaves no
/// mount behind.
struct Mounted(PathBuf);

impl Drop for Mounted {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

#[test]
fn a_full_cache_file_system_means_one_note_and_the_same_exit_status() {
    const TEST: &str = "a_full_cache_file_system_means_one_note_and_the_same_exit_status";
    if !is_root() {
        require_or_skip(TEST, "mounting a tmpfs needs root");
        return;
    }
    let dir = TestDir::new("t");
    for f in 0..200 {
        dir.file(format!("f{f}.rs"), "fn f() {}\n".repeat(f + 1));
    }
    settle();
    let cache = cache_dir(&dir);
    std::fs::create_dir(&cache).unwrap();
    let mounted = Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=64k", "tmpfs"])
        .arg(&cache)
        .status();
    if !mounted.is_ok_and(|s| s.success()) {
        require_or_skip(TEST, "cannot mount a tmpfs");
        return;
    }
    let _mounted = Mounted(cache.clone());
    // Filled to the last block.
    let mut filler = std::fs::File::create(cache.join("filler")).unwrap();
    while std::io::Write::write_all(&mut filler, &[0; 4096]).is_ok() {}
    drop(filler);
    let expected = uncached(dir.path(), &["--folded"]);
    for _ in 0..2 {
        let (out, served, read) = counted(dir.cmd().arg("--folded"), &cache);
        assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
        assert_eq!((served, read), (0, 200));
        assert!(out.stdout == expected);
        let notes = messages(&out);
        assert_eq!(notes.len(), 1, "{notes:?}");
        assert!(notes[0].contains("cannot write it"), "{notes:?}");
        // No temporary snapshot is left behind to fill it further.
        let mut left: Vec<String> = std::fs::read_dir(&cache)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        assert_eq!(left, ["counts.lock", "filler"]);
    }
    // With room again, the cache works again.
    std::fs::remove_file(cache.join("filler")).unwrap();
    let (out, _, read) = counted(dir.cmd().arg("--folded"), &cache);
    assert!(out.stdout == expected && messages(&out).is_empty() && read == 200);
    let (out, served, read) = counted(dir.cmd().arg("--folded"), &cache);
    assert!(out.stdout == expected);
    assert_eq!((served, read), (200, 0));
}

/// The temporary snapshots in `cache`.
fn temporaries(cache: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(cache)
        .map(|entries| {
            entries
                .map(|e| e.unwrap().path())
                .filter(|p| {
                    p.file_name()
                        .unwrap()
                        .as_encoded_bytes()
                        .starts_with(b".counts")
                })
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn runs_killed_at_any_moment_leave_a_usable_cache_and_no_pile_of_temporaries() {
    let dir = TestDir::new("t");
    for f in 0..400 {
        dir.file(
            format!("d{}/f{f}.rs", f % 7),
            "fn f() {}\n".repeat(f % 50 + 1),
        );
    }
    settle();
    let cache = cache_dir(&dir);
    let expected = uncached(dir.path(), &["--folded"]);
    // Killed (SIGKILL, then SIGINT) at moments spread over a run; each
    // time the next run gives the bytes of a run without the cache, with
    // no note (the snapshot is replaced by a rename: it is whole or old).
    for signal in [libc::SIGKILL, libc::SIGINT] {
        for step in 0..6u64 {
            let mut child = dir
                .cmd()
                .arg("--folded")
                .arg("--cache-dir")
                .arg(&cache)
                .arg("-o")
                .arg(dir.parent().join("out.folded"))
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .spawn()
                .unwrap();
            std::thread::sleep(Duration::from_millis(step * 15));
            // SAFETY: signalling our own child, not yet waited for.
            unsafe { libc::kill(child.id() as libc::pid_t, signal) };
            let _ = child.wait();
            let (out, _, _) = counted(dir.cmd().arg("--folded"), &cache);
            assert!(out.stdout == expected, "{}", describe(&out));
            assert_eq!(messages(&out), Vec::<String>::new());
            assert_eq!(temporaries(&cache), Vec::<PathBuf>::new());
            // Forget what was stored, so the next kill may hit a write.
            std::fs::remove_file(cache.join("counts.bin")).unwrap();
        }
    }
    // A temporary snapshot a killed run left (as SIGKILL during the write
    // does) is removed by the next run that writes.
    std::fs::write(cache.join(".countsKILLED"), vec![0; 4096]).unwrap();
    let (out, _, read) = counted(dir.cmd().arg("--folded"), &cache);
    assert!(out.stdout == expected && read == 400);
    assert_eq!(temporaries(&cache), Vec::<PathBuf>::new());
    let (out, served, _) = counted(dir.cmd().arg("--folded"), &cache);
    assert!(out.stdout == expected && served == 400);
}

/// What a run said of the directory listing kept in the cache: `served`,
/// `walked` or `walked, kept`.
fn listing(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr)
        .lines()
        .find_map(|l| l.strip_prefix("timing: listing: "))
        .unwrap_or_else(|| panic!("no listing timing\n{}", describe(out)))
        .to_string()
}

#[test]
fn a_kept_listing_is_walked_again_when_anything_it_depends_on_changes() {
    let dir = TestDir::new("t");
    let root = dir.join("src");
    dir.file("src/a.rs", "fn a() {}\n")
        .file("src/sub/b.rs", "fn b() {}\n")
        .file("src/sub/skipped.rs", "fn s() {}\n")
        .file("src/sub/.ignore", "skipped.rs\n")
        .file("src/deep/x/c.rs", "fn c() {}\n")
        .file("src/deep/x/d.py", "d = 1\n");
    // git's global excludes apply in a git repository only.
    std::fs::create_dir_all(root.join(".git")).unwrap();
    let config_home = dir.join("config");
    std::fs::create_dir_all(&config_home).unwrap();
    let cache = cache_dir(&dir);
    let args = ["--format", "folded"];
    let command = |extra: &[&str]| {
        let mut cmd = crate::support::run::repoflame();
        cmd.arg(&root)
            .args(args)
            .args(extra)
            .env("XDG_CONFIG_HOME", &config_home);
        cmd
    };
    let run = |extra: &[&str]| {
        let (out, _, _) = counted(&mut command(extra), &cache);
        assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
        out
    };
    let uncached = |extra: &[&str]| command(extra).arg("--no-cache").complete().stdout;
    // Each edit, and what the next run does: read again the one directory
    // whose entries changed, or walk everything when a rule may have.
    // (Kept: a directory too young to trust is kept marked to be read
    // again.)
    const ONE: &str = "served, 1 directory read again, kept";
    type Edit<'a> = (&'a str, &'a str, Box<dyn Fn() + 'a>);
    let edits: Vec<Edit> = vec![
        (
            "a file added deep down",
            ONE,
            Box::new(|| {
                std::fs::write(root.join("deep/x/e.rs"), "fn e() {}\n").unwrap();
            }),
        ),
        (
            "a file removed",
            ONE,
            Box::new(|| {
                std::fs::remove_file(root.join("deep/x/d.py")).unwrap();
            }),
        ),
        (
            "a file renamed",
            ONE,
            Box::new(|| {
                std::fs::rename(root.join("a.rs"), root.join("z.rs")).unwrap();
            }),
        ),
        (
            "a file turned into a directory",
            ONE,
            Box::new(|| {
                std::fs::remove_file(root.join("sub/b.rs")).unwrap();
                std::fs::create_dir(root.join("sub/b.rs")).unwrap();
                std::fs::write(root.join("sub/b.rs/inner.rs"), "fn i() {}\n").unwrap();
            }),
        ),
        (
            "an ignore file rewritten to the same size, mtime put back",
            "walked",
            Box::new(|| {
                let path = root.join("sub/.ignore");
                let mtime = std::fs::metadata(&path).unwrap().modified().unwrap();
                std::fs::write(&path, "nothing.rs\n").unwrap();
                let file = std::fs::File::options().write(true).open(&path).unwrap();
                file.set_modified(mtime).unwrap();
            }),
        ),
        (
            "an ignore file made in a directory walked",
            "walked",
            Box::new(|| {
                std::fs::write(root.join("deep/.ignore"), "e.rs\n").unwrap();
            }),
        ),
        (
            "an ignore file made above the root",
            "walked",
            Box::new(|| {
                std::fs::write(dir.join(".ignore"), "z.rs\n").unwrap();
            }),
        ),
        (
            "git's global excludes file written",
            "walked",
            Box::new(|| {
                std::fs::create_dir_all(config_home.join("git")).unwrap();
                std::fs::write(config_home.join("git/ignore"), "c.rs\n").unwrap();
            }),
        ),
    ];
    // A first walk only marks the root: the next one keeps its listing.
    assert_eq!(listing(&run(&[])), "walked, marked");
    let mut read_in_part = false;
    for (what, then, edit) in &edits {
        settle();
        // Walked and kept; or, after an edit read again in part, the
        // directories it changed or made, kept too young to trust, are
        // read again (their stamps have not changed since).
        let first = run(&[]);
        let said = listing(&first);
        match read_in_part {
            true => assert!(
                said.starts_with("served, ") && said.ends_with(" read again, kept"),
                "before: {what}: {said}"
            ),
            false => assert_eq!(said, "walked, kept", "before: {what}"),
        }
        read_in_part = *then == ONE;
        let second = run(&[]);
        assert_eq!(listing(&second), "served", "before: {what}");
        assert_eq!(second.stdout, first.stdout, "before: {what}");
        assert_eq!(second.stdout, uncached(&[]), "before: {what}");
        edit();
        let after = run(&[]);
        assert_eq!(listing(&after), *then, "{what}");
        assert_eq!(after.stdout, uncached(&[]), "{what}");
        assert_ne!(
            after.stdout, first.stdout,
            "{what}: the edit changes nothing"
        );
    }
    // Options that change the walk are part of the key.
    settle();
    assert_eq!(listing(&run(&[])), "walked, kept");
    let excluded = run(&["--exclude", "inner.rs"]);
    assert_eq!(listing(&excluded), "walked, marked");
    assert_eq!(excluded.stdout, uncached(&["--exclude", "inner.rs"]));
    assert_ne!(excluded.stdout, run(&[]).stdout);
    assert_eq!(listing(&run(&["--hidden"])), "walked, marked");
    // --clear-cache removes the listings too.
    clear_cache(&cache);
    assert!(!cache.join("listings").exists());
}

#[test]
fn a_damaged_listing_is_walked_over_with_one_note() {
    let dir = TestDir::new("t");
    dir.file("a.rs", "fn a() {}\n")
        .file("b/c.rs", "fn c() {}\n");
    let cache = cache_dir(&dir);
    settle();
    let (marked, _, _) = counted(dir.cmd().args(["--format", "folded"]), &cache);
    assert_eq!(listing(&marked), "walked, marked");
    let (kept, _, _) = counted(dir.cmd().args(["--format", "folded"]), &cache);
    assert_eq!(listing(&kept), "walked, kept");
    let listings: Vec<PathBuf> = std::fs::read_dir(cache.join("listings"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(listings.len(), 1);
    let mut bytes = std::fs::read(&listings[0]).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x55;
    std::fs::write(&listings[0], &bytes).unwrap();
    let (out, _, _) = counted(dir.cmd().args(["--format", "folded"]), &cache);
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    assert_eq!(listing(&out), "walked, kept");
    assert_eq!(out.stdout, kept.stdout);
    assert_eq!(
        messages(&out),
        ["repoflame: cache: a kept directory listing was damaged: walked again"],
        "{}",
        describe(&out)
    );
    let (again, _, _) = counted(dir.cmd().args(["--format", "folded"]), &cache);
    assert_eq!(listing(&again), "served");
    assert!(messages(&again).is_empty(), "{}", describe(&again));
}

#[test]
fn a_listing_reads_again_only_the_directories_that_changed_and_equals_a_walk() {
    use std::os::unix::ffi::OsStrExt;
    // Ignore rules at several levels, anchored and not, with a negation,
    // hidden entries, a `.gitattributes`: a directory read again on its
    // own must follow the rules of every directory above it as the walk
    // from the root does.
    let dir = TestDir::new("t");
    std::fs::create_dir_all(dir.join(".git")).unwrap();
    dir.file(".gitignore", "/build\n*.log\n!keep.log\nvendor/\n")
        .file(".tokeignore", "*.sql\n")
        .file("a/.gitignore", "/gen\nsecret*\n")
        .file("a/b/.ignore", "*.tmp\n")
        .file("a/.gitattributes", "*.js linguist-generated\n")
        .file(".hidden/h.rs", "fn h() {}\n");
    let mut dirs: Vec<String> = ["", "a", "a/b", "a/b/c", "d", "d/e", "d/e/f"]
        .iter()
        .map(|d| d.to_string())
        .collect();
    for (i, d) in dirs.iter().enumerate() {
        dir.file(
            format!("{d}/m{i}.py").trim_start_matches('/'),
            "x = 1\n# c\n",
        );
        dir.file(
            format!("{d}/n{i}.js").trim_start_matches('/'),
            "let x = 1;\n",
        );
    }
    // Names some rule above or in the directory ignores, and names none
    // does, for files and for directories.
    let file_names = [
        "new.rs",
        "x.log",
        "keep.log",
        "secret.rs",
        "y.tmp",
        "q.sql",
        ".dot.rs",
        "g.js",
    ];
    let dir_names = ["build", "gen", "vendor", "fresh", ".hid", "sub"];
    let mut rng = 7u64;
    let mut below = |n: usize| {
        rng = rng
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((rng >> 33) as usize) % n
    };
    let cache = cache_dir(&dir);
    let slash = format!("{}/", dir.path().display());
    // The root as `.` and as an absolute path with a trailing slash (the
    // walk names paths from the root as given), and with an exclusion
    // (matched from the root).
    let roots = [[".", ""], [slash.as_str(), ""], [".", "d/fresh"]];
    let command = |[root, exclude]: [&str; 2]| {
        let mut cmd = crate::support::run::repoflame();
        cmd.current_dir(dir.path()).args([root, "--format", "json"]);
        if !exclude.is_empty() {
            cmd.args(["--exclude", exclude]);
        }
        cmd
    };
    let mut said_all = Vec::new();
    for round in 0..7 {
        settle();
        for root in roots {
            let (out, _, _) = counted(&mut command(root), &cache);
            assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
            let said = listing(&out);
            said_all.push(said.clone());
            let expected = command(root).arg("--no-cache").ok().stdout;
            assert!(
                out.stdout == expected,
                "round {round}, {root:?}: the listing ({said}) differs from a walk"
            );
        }
        if round == 3 {
            // New directories the exclusion names, and one it does not.
            dir.file("d/fresh/x.rs", "fn x() {}\n")
                .file("d/e/fresh/y.rs", "fn y() {}\n");
        }
        for _ in 0..3 {
            let parent = dirs[below(dirs.len())].clone();
            let at = |name: &str| {
                format!("{parent}/{name}")
                    .trim_start_matches('/')
                    .to_string()
            };
            match below(6) {
                0 | 1 => {
                    let name = file_names[below(file_names.len())];
                    dir.file(at(name), "fn f() {}\n");
                }
                2 => {
                    let name = at(dir_names[below(dir_names.len())]);
                    dir.file(format!("{name}/z.rs"), "fn z() {}\n")
                        .file(format!("{name}/deeper/w.log"), "w\n")
                        .file(format!("{name}/deeper/w.rs"), "fn w() {}\n");
                    dirs.push(name.clone());
                    dirs.push(format!("{name}/deeper"));
                }
                3 if !parent.is_empty() => {
                    // A directory renamed, or removed with all below it.
                    let to = at(&format!("../{}", dir_names[below(dir_names.len())]));
                    let path = dir.join(&parent);
                    if below(2) == 0 && !dir.join(&to).exists() {
                        std::fs::rename(&path, dir.join(&to)).unwrap();
                    } else {
                        std::fs::remove_dir_all(&path).unwrap();
                    }
                    dirs.retain(|d| d != &parent && !d.starts_with(&format!("{parent}/")));
                }
                _ => {
                    // A file removed, or turned into a directory.
                    let Ok(entries) = std::fs::read_dir(dir.join(&parent)) else {
                        continue;
                    };
                    let files: Vec<PathBuf> = entries
                        .map(|e| e.unwrap().path())
                        .filter(|p| {
                            p.is_file() && !p.file_name().unwrap().as_bytes().starts_with(b".")
                        })
                        .collect();
                    if let Some(file) = files.get(below(files.len().max(1))) {
                        std::fs::remove_file(file).unwrap();
                        if below(2) == 0 {
                            std::fs::create_dir(file).unwrap();
                            std::fs::write(file.join("inside.rs"), "fn i() {}\n").unwrap();
                        }
                    }
                }
            }
        }
    }
    // Most rounds changed a few directories and no rule: served, with
    // those read again.
    let partial = said_all
        .iter()
        .filter(|s| s.starts_with("served, "))
        .count();
    assert!(
        partial >= 6,
        "few runs read directories again: {said_all:#?}"
    );
}

/// What a run said of each revision's tree listing: `kept` (served from
/// the cache), `read, kept` or `read`.
fn trees(out: &Output) -> Vec<String> {
    String::from_utf8_lossy(&out.stderr)
        .lines()
        .filter_map(|l| l.strip_prefix("timing: tree: "))
        .map(str::to_string)
        .collect()
}

#[test]
fn a_revision_s_listing_is_kept_by_tree_and_equals_reading_the_tree() {
    let repo = TestRepo::new("r");
    repo.file("a.rs", "fn a() {}\n")
        .file("sub/b.py", "x = 1\n")
        .file("sub/.gitattributes", "*.py linguist-vendored\n")
        .file(".hidden/h.rs", "fn h() {}\n")
        .file("deep/er/c.js", "let c = 1;\n")
        .symlink("link.rs", "a.rs");
    repo.commit("one");
    repo.tag("v1");
    repo.file("sub/d.rs", "fn d() {}\n").remove("a.rs");
    repo.commit("two");
    repo.tag("v2");
    let cache = repo.path().parent().unwrap().join("cache");
    let run = |args: &[&str]| {
        let (out, _, _) = counted(repo.cmd().args(args), &cache);
        assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
        out
    };
    // Each run, and what it says of its trees: the options that change a
    // listing (hidden files, exclusions) key it too, a subtree is a tree
    // of its own.
    let runs: [(&[&str], [&str; 2]); 7] = [
        (&["--rev", "v1"], ["read, kept", ""]),
        (&["--rev", "v1"], ["kept", ""]),
        (&["--diff", "v1..v2"], ["kept", "read, kept"]),
        (&["--diff", "v1..v2"], ["kept", "kept"]),
        (&["--rev", "v1", "--hidden"], ["read, kept", ""]),
        (&["--rev", "v2", "--exclude", "deep"], ["read, kept", ""]),
        (&["sub", "--rev", "v2"], ["read, kept", ""]),
    ];
    for (args, said) in runs {
        let args: Vec<&str> = args.iter().copied().chain(["--format", "json"]).collect();
        let out = run(&args);
        let expected: Vec<&str> = said.into_iter().filter(|s| !s.is_empty()).collect();
        assert_eq!(trees(&out), expected, "{args:?}");
        let plain = repo.cmd().args(&args).arg("--no-cache").complete();
        assert!(
            out.stdout == plain.stdout,
            "{args:?}: differs from reading the tree"
        );
        // The same notes (the symbolic link skipped).
        assert_eq!(messages(&out), messages(&plain), "{args:?}");
    }
    // A damaged listing: one note, the same output, and kept again.
    let args = ["--diff", "v1..v2", "--format", "json"];
    let expected = uncached(repo.path(), &args);
    for entry in std::fs::read_dir(cache.join("trees")).unwrap() {
        let path = entry.unwrap().path();
        let mut bytes = std::fs::read(&path).unwrap();
        let middle = bytes.len() / 2;
        bytes[middle] ^= 0x10;
        std::fs::write(&path, bytes).unwrap();
    }
    let out = run(&args);
    assert!(out.stdout == expected);
    assert_eq!(trees(&out), ["read, kept", "read, kept"]);
    let notes: Vec<String> = messages(&out)
        .into_iter()
        .filter(|m| m.contains("cache"))
        .collect();
    assert_eq!(
        notes,
        ["repoflame: cache: a kept tree listing was damaged: read again"]
    );
    let again = run(&args);
    assert_eq!(trees(&again), ["kept", "kept"]);
    assert!(again.stdout == expected);
    // --clear-cache removes them; --no-cache neither reads nor keeps.
    clear_cache(&cache);
    assert!(!cache.join("trees").exists());
    let plain = repo
        .cmd()
        .args(args)
        .arg("--no-cache")
        .env("XDG_CACHE_HOME", &cache)
        .env("REPOFLAME_TIMINGS", "1")
        .complete();
    assert_eq!(plain.status.code(), Some(0), "{}", describe(&plain));
    assert_eq!(trees(&plain), ["read", "read"]);
    assert!(plain.stdout == expected);
    assert!(!cache.exists());
}
