//! Faults and hostile environments (issue 5): a tree churned while it is
//! walked, a full disk and a file-size limit under `-o`, Ctrl-C in the
//! middle of a run, nesting deeper than PATH_MAX (and a revision deeper
//! than any stack), very wide directories, and git's detached HEAD and
//! unborn branch.
//!
//! Whatever happens: exit status 0, 1 or 2 (never a signal), no hang, valid
//! output, one `repoflame: ` line per problem, no partial `-o` file, no
//! temporary file left behind.
//!
//! The slow cases run only with `REPOFLAME_SLOW_TESTS=1` (`.ci/run` sets
//! it); without it they print that they were skipped.

use std::collections::BTreeSet;
use std::ffi::CString;
use std::io::{Read, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crate::support::corpus::{self, Rng};
use crate::support::git::git_command;
use crate::support::output;
use crate::support::processes::{self, HANG, Signallable, spawn_signallable};
use crate::support::repo::TestRepo;
use crate::support::run::{self, describe, describe_brief, repoflame, slow_tests_enabled};
use crate::support::special;
use crate::support::tcp::BlackHole;
use crate::support::tree::{self, TestDir};

/// What a precious existing `-o` target holds before a failing run.
const PRECIOUS: &[u8] = b"precious, must survive \xFF\n";

/// A path as an argument (the temporary paths here are UTF-8).
fn arg(path: &Path) -> &str {
    path.to_str().expect("UTF-8 temporary path")
}

/// The exit code, failing the test if the process died of a signal.
fn exit_code(output: &Output, what: &str) -> i32 {
    match output.status.code() {
        Some(code) => code,
        None => panic!(
            "{what}: killed by signal {:?}\n{}",
            output.status.signal(),
            describe_brief(output)
        ),
    }
}

/// Checks that no `.repoflame-*` temporary file is left in `dir`.
fn assert_no_leftovers(dir: &Path, what: &str) {
    assert_eq!(
        tree::temp_leftovers(dir),
        Vec::<String>::new(),
        "{what}: temporary files left in {}",
        dir.display()
    );
}

/// Folded output checked against the contract: parses, sorted by byte
/// value, no duplicate stack. Returns `(frames, count)` per line.
fn valid_folded(text: &[u8], what: &str) -> Vec<(Vec<String>, u64)> {
    let text = std::str::from_utf8(text).unwrap_or_else(|_| panic!("{what}: folded not UTF-8"));
    let lines = output::parse_folded(text);
    let stacks: Vec<&str> = text
        .lines()
        .map(|l| l.rsplit_once(' ').expect("count").0)
        .collect();
    for pair in stacks.windows(2) {
        assert!(
            pair[0].as_bytes() < pair[1].as_bytes(),
            "{what}: folded lines not sorted or duplicated: {:?} then {:?}",
            pair[0],
            pair[1]
        );
    }
    lines
}

/// Reads a pipe to the end on a thread.
fn drain<R: Read + Send + 'static>(pipe: Option<R>) -> std::thread::JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut out = Vec::new();
        if let Some(mut pipe) = pipe {
            let _ = pipe.read_to_end(&mut out);
        }
        out
    })
}

// ---------------------------------------------------------------------------
// Churn: files and directories created, rewritten, renamed and deleted
// while repoflame walks the tree.

/// Content of `lines` lines of Rust.
fn rust_lines(lines: usize) -> String {
    (0..lines).map(|i| format!("fn f{i}() {{}}\n")).collect()
}

/// A tree of `dirs` × `per_dir` Rust and Python files, one and two levels
/// deep.
fn churn_tree(dir: &TestDir, dirs: usize, per_dir: usize) {
    for d in 0..dirs {
        for f in 0..per_dir {
            let rel = if f % 3 == 0 {
                format!("pkg{d:02}/sub{}/file{f:03}.py", f % 4)
            } else {
                format!("pkg{d:02}/file{f:03}.rs")
            };
            let content = if rel.ends_with(".py") {
                "x = 1\n# a comment\ny = 2\n".repeat(1 + f % 3)
            } else {
                rust_lines(1 + f % 7)
            };
            dir.file(rel, content);
        }
    }
}

/// Entries of `dir` (empty when it cannot be read).
fn entries(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .map(|rd| rd.filter_map(|e| e.ok()).map(|e| e.path()).collect())
        .unwrap_or_default()
}

/// A random entry below `root`: a top-level directory's entry, or one of
/// its subdirectory's.
fn random_entry(rng: &mut Rng, root: &Path) -> Option<PathBuf> {
    let top = entries(root);
    if top.is_empty() {
        return None;
    }
    let dir = rng.pick(&top).clone();
    let inside = entries(&dir);
    if inside.is_empty() {
        return Some(dir);
    }
    let entry = rng.pick(&inside).clone();
    if entry.is_dir() && rng.percent(50) {
        let deeper = entries(&entry);
        if !deeper.is_empty() {
            return Some(rng.pick(&deeper).clone());
        }
    }
    Some(entry)
}

/// One random change below `root`; `n` makes new names unique. Errors
/// (the entry is gone already, a directory is not empty…) are ignored:
/// only the race with repoflame matters.
fn churn_once(rng: &mut Rng, root: &Path, n: usize) {
    let Some(entry) = random_entry(rng, root) else {
        let _ = std::fs::create_dir_all(root.join("regrown"));
        let _ = std::fs::write(root.join("regrown/a.rs"), rust_lines(3));
        return;
    };
    let parent = entry.parent().unwrap_or(root).to_path_buf();
    match rng.below(12) {
        // A new file beside it.
        0 | 1 => {
            let _ = std::fs::write(parent.join(format!("new{n}.rs")), rust_lines(1 + n % 9));
        }
        // Rewritten in place, in two writes: a reader may see half.
        2 | 3 => {
            if let Ok(mut file) = std::fs::File::create(&entry) {
                let _ = file.write_all(b"fn half() {}\n");
                std::thread::yield_now();
                let _ = file.write_all(rust_lines(1 + n % 5).as_bytes());
            }
        }
        // Renamed, within its directory or to the top.
        4 => {
            let _ = std::fs::rename(&entry, parent.join(format!("renamed{n}.py")));
        }
        5 => {
            let _ = std::fs::rename(&entry, root.join(format!("moved{n}")));
        }
        // Deleted: a file, or a whole subtree.
        6 | 7 => {
            if entry.is_dir() {
                let _ = std::fs::remove_dir_all(&entry);
            } else {
                let _ = std::fs::remove_file(&entry);
            }
        }
        // A new subtree of twenty files, three levels deep.
        8 => {
            let sub = parent.join(format!("grown{n}/a/b"));
            if std::fs::create_dir_all(&sub).is_ok() {
                for i in 0..20 {
                    let dir = if i % 2 == 0 {
                        sub.clone()
                    } else {
                        parent.join(format!("grown{n}"))
                    };
                    let _ = std::fs::write(dir.join(format!("g{i}.rs")), rust_lines(1 + i % 4));
                }
            }
        }
        // A file becomes a directory of the same name, and the reverse.
        9 => {
            if entry.is_file() && std::fs::remove_file(&entry).is_ok() {
                let _ = std::fs::create_dir(&entry);
                let _ = std::fs::write(entry.join("inside.rs"), rust_lines(2));
            }
        }
        10 => {
            if entry.is_dir() && std::fs::remove_dir_all(&entry).is_ok() {
                let _ = std::fs::write(&entry, rust_lines(4));
            }
        }
        // A directory renamed away, subtree and all.
        _ => {
            let dir = if entry.is_dir() { entry } else { parent };
            if dir != root {
                let _ = std::fs::rename(&dir, root.join(format!("dirmoved{n}")));
            }
        }
    }
}

#[test]
fn churn_while_walking_gives_valid_output_and_exit_0_or_1() {
    let dir = TestDir::new("churn");
    churn_tree(&dir, 60, 50); // 3,000 files
    let root = dir.path().to_path_buf();
    let out_file = dir.parent().join("churn-out.svg");

    let stop = Arc::new(AtomicBool::new(false));
    let changes = Arc::new(AtomicUsize::new(0));
    let churner = {
        let (stop, changes, root) = (Arc::clone(&stop), Arc::clone(&changes), root.clone());
        std::thread::spawn(move || {
            let mut rng = Rng::new(0xC4_0251);
            let mut n = 0;
            while !stop.load(Ordering::Relaxed) {
                churn_once(&mut rng, &root, n);
                n += 1;
                changes.store(n, Ordering::Relaxed);
                if n % 256 == 0 {
                    // Let repoflame's two threads have the cores too.
                    std::thread::sleep(Duration::from_millis(1));
                }
            }
        })
    };

    // At least 10 runs, and as many more (up to 40) as it takes for 8 of
    // them to see the tree change while they ran: on a loaded machine a
    // run can end before the churning thread gets a core.
    let changed_runs = |statuses: &[(i32, usize, usize)]| {
        statuses
            .iter()
            .filter(|(_, _, changes)| *changes > 0)
            .count()
    };
    let mut statuses = Vec::new();
    for run in 0..40 {
        if run >= 10 && changed_runs(&statuses) >= 8 {
            break;
        }
        let before = changes.load(Ordering::Relaxed);
        let (format, to_file) = match run % 5 {
            0 | 2 => ("folded", false),
            1 => ("svg", false),
            3 => ("json", false),
            _ => ("svg", true),
        };
        let mut cmd = repoflame();
        cmd.current_dir(dir.parent())
            .args(["churn", "--threads", "2", "--format", format]);
        if to_file {
            cmd.arg("-o").arg(&out_file);
        }
        let out = processes::run_limited(&mut cmd, HANG).output;
        let what = format!("run {run} ({format}{})", if to_file { ", -o" } else { "" });
        let code = exit_code(&out, &what);
        assert!(
            code == 0 || code == 1,
            "{what}: exit status {code}\n{}",
            describe_brief(&out)
        );
        // Every line a `repoflame: ` message (error_lines checks), and a
        // problem for exit status 1.
        let lines = output::error_lines(&out);
        if code == 1 {
            assert!(!lines.is_empty(), "{what}: exit 1 without a problem named");
        }
        let output = if to_file {
            assert!(out.stdout.is_empty(), "{what}: stdout with -o");
            std::fs::read(&out_file).expect("the -o file")
        } else {
            out.stdout.clone()
        };
        match format {
            "folded" => {
                let parsed = valid_folded(&output, &what);
                assert!(!parsed.is_empty(), "{what}: no lines");
                assert!(
                    parsed.iter().all(|(frames, _)| frames[0] == "churn"),
                    "{what}: a stack outside the root"
                );
            }
            "json" => {
                let report: serde_json::Value =
                    serde_json::from_slice(&output).unwrap_or_else(|e| panic!("{what}: {e}"));
                let files = report["files"].as_array().expect("files");
                let sum: u64 = files.iter().map(|f| f["code"].as_u64().unwrap()).sum();
                assert_eq!(report["totals"]["code"].as_u64(), Some(sum), "{what}");
            }
            _ => {
                assert!(output.starts_with(b"<?xml"), "{what}: not an SVG");
                output::assert_xml(&output);
            }
        }
        assert_no_leftovers(dir.parent(), &what);
        if let Some(first) = lines.first() {
            eprintln!("churn: {what}: {first}");
        }
        statuses.push((code, lines.len(), changes.load(Ordering::Relaxed) - before));
    }
    stop.store(true, Ordering::Relaxed);
    churner.join().expect("the churning thread");
    eprintln!("churn: (exit status, problems, changes during the run): {statuses:?}");
    assert!(
        changed_runs(&statuses) >= 8,
        "the tree hardly changed during the runs: {statuses:?}"
    );
}

// ---------------------------------------------------------------------------
// A full disk and a file-size limit for `-o`.

/// A tree of `files` Rust files with long names in 20 directories: its
/// SVG is far larger than 64 KiB once there are a few hundred.
fn tree_of_long_names(files: usize) -> TestDir {
    let dir = TestDir::new("src");
    for i in 0..files {
        dir.file(
            format!(
                "directory_{:02}/a_file_with_a_rather_long_name_{i:04}.rs",
                i % 20
            ),
            rust_lines(1 + i % 5),
        );
    }
    dir
}

/// Whether this process may make a private mount namespace.
fn can_unshare_mounts() -> bool {
    Command::new("unshare")
        .args(["-m", "true"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// What happened inside the namespace of [`run_on_a_full_disk`].
struct FullDiskRun {
    /// repoflame's exit status, stdout and stderr.
    output: Output,
    /// Names in the output directory after the run, as seen from inside.
    names: Vec<String>,
    /// The bytes of `out.svg` after the run, if it existed.
    target: Option<Vec<u8>>,
}

/// Runs `repoflame SRC ARGS -o DIR/out.svg` in a private mount namespace
/// where DIR is a 64 KiB tmpfs (holding a precious `out.svg` first when
/// `existing`), and looks at DIR from inside before the tmpfs vanishes.
/// `None` when the tmpfs cannot be mounted.
fn run_on_a_full_disk(src: &Path, args: &[&str], existing: bool) -> Option<FullDiskRun> {
    let scratch = tempfile::tempdir().expect("temp dir");
    let mount_point = scratch.path().join("out");
    std::fs::create_dir(&mount_point).unwrap();
    let precious = scratch.path().join("precious");
    std::fs::write(&precious, PRECIOUS).unwrap();
    let report = scratch.path().join("report");
    let script = r#"
        mount -t tmpfs -o size=64k tmpfs "$OUT" || exit 97
        if [ -n "$EXISTING" ]; then cp "$PRECIOUS" "$OUT/out.svg" || exit 98; fi
        "$@" -o "$OUT/out.svg"
        status=$?
        {
            echo "$status"
            ls -A "$OUT"
        } > "$REPORT"
        if [ -e "$OUT/out.svg" ]; then cp "$OUT/out.svg" "$REPORT.target"; fi
        exit 0
    "#;
    let mut cmd = Command::new("unshare");
    run::hermetic(&mut cmd)
        .args(["-m", "sh", "-c", script, "sh"])
        .arg(env!("CARGO_BIN_EXE_repoflame"))
        .arg(src)
        .args(args)
        .env("OUT", &mount_point)
        .env("PRECIOUS", &precious)
        .env("REPORT", &report)
        .env("EXISTING", if existing { "1" } else { "" })
        .stdin(Stdio::null());
    let out = processes::run_limited(&mut cmd, HANG).output;
    match out.status.code() {
        Some(97) => return None,
        Some(0) => {}
        _ => panic!("the namespace script failed: {}", describe(&out)),
    }
    let text = std::fs::read_to_string(&report).expect("the report of the script");
    let mut lines = text.lines();
    let status: i32 = lines.next().expect("a status").parse().expect("numeric");
    let names = lines.map(str::to_string).collect();
    // Outside the namespace the mount point is the empty directory again.
    assert!(
        entries(&mount_point).is_empty(),
        "the tmpfs leaked out of the namespace"
    );
    Some(FullDiskRun {
        output: Output {
            status: std::process::ExitStatus::from_raw(status << 8),
            stdout: out.stdout,
            stderr: out.stderr,
        },
        names,
        target: std::fs::read(report.with_extension("target")).ok(),
    })
}

#[test]
fn a_full_disk_for_o_fails_cleanly_and_keeps_the_existing_file() {
    let test = "a_full_disk_for_o_fails_cleanly_and_keeps_the_existing_file";
    if !can_unshare_mounts() {
        run::require_or_skip(test, "`unshare -m` is not possible here");
        return;
    }
    let dir = tree_of_long_names(1_500);
    // Each output is larger than the tmpfs, or the test proves nothing.
    for format in ["svg", "json", "html", "folded"] {
        let out =
            processes::run_limited(repoflame().arg(dir.path()).args(["--format", format]), HANG)
                .output;
        assert_eq!(out.status.code(), Some(0), "{}", describe_brief(&out));
        assert!(
            out.stdout.len() > 64 * 1024,
            "{format}: only {} bytes",
            out.stdout.len()
        );
    }
    for (format, existing) in [
        ("svg", true),
        ("json", true),
        ("html", true),
        ("folded", true),
        ("svg", false),
    ] {
        let what = format!("--format {format} (existing file: {existing})");
        let Some(run) = run_on_a_full_disk(dir.path(), &["--format", format], existing) else {
            run::require_or_skip(test, "cannot mount a tmpfs in a mount namespace");
            return;
        };
        let line = output::assert_fails_cleanly(&run.output);
        assert!(
            line.contains("out.svg"),
            "{what}: output not named: {line:?}"
        );
        assert!(
            line.to_lowercase().contains("no space"),
            "{what}: no \"no space\" in {line:?}"
        );
        assert!(!line.contains(".repoflame-"), "{what}: {line:?}");
        let expected: Vec<String> = if existing {
            vec!["out.svg".into()]
        } else {
            vec![]
        };
        assert_eq!(run.names, expected, "{what}: left in the full directory");
        if existing {
            assert_eq!(
                run.target.as_deref(),
                Some(PRECIOUS),
                "{what}: the existing file was changed"
            );
        }
    }
}

/// Runs `repoflame ARGS` in `cwd` under `ulimit -f BLOCKS` (512-byte
/// blocks in sh), stdout to `stdout` when given.
fn run_with_file_size_limit(
    cwd: &Path,
    blocks: u32,
    args: &[&str],
    stdout: Option<&Path>,
) -> Output {
    let script = match stdout {
        Some(_) => r#"ulimit -f "$LIMIT" || exit 97; exec "$@" > "$STDOUT""#,
        None => r#"ulimit -f "$LIMIT" || exit 97; exec "$@""#,
    };
    let mut cmd = Command::new("sh");
    run::hermetic(&mut cmd)
        .args(["-c", script, "sh"])
        .arg(env!("CARGO_BIN_EXE_repoflame"))
        .args(args)
        .env("LIMIT", blocks.to_string())
        .env("STDOUT", stdout.unwrap_or(Path::new("/dev/null")))
        .current_dir(cwd)
        .stdin(Stdio::null());
    // SIGXFSZ as a shell gives it: killing, unless repoflame ignores it
    // itself (an ignored signal would be inherited and prove nothing).
    // SAFETY: signal() is async-signal-safe.
    unsafe {
        cmd.pre_exec(|| {
            libc::signal(libc::SIGXFSZ, libc::SIG_DFL);
            Ok(())
        });
    }
    let out = processes::run_limited(&mut cmd, HANG).output;
    assert_ne!(out.status.code(), Some(97), "sh could not set ulimit -f");
    out
}

#[test]
fn a_file_size_limit_fails_with_status_2_not_sigxfsz() {
    let dir = tree_of_long_names(400);
    let out_dir = dir.parent().join("out");
    std::fs::create_dir(&out_dir).unwrap();
    let target = out_dir.join("out.svg");
    // 16 blocks of 512 bytes: 8 KiB, far below every output.
    for format in ["svg", "folded", "json", "html"] {
        let size =
            processes::run_limited(repoflame().arg(dir.path()).args(["--format", format]), HANG)
                .output
                .stdout
                .len();
        assert!(size > 16 * 1024, "{format}: only {size} bytes");
        for existing in [true, false] {
            let what = format!("--format {format} (existing file: {existing})");
            if existing {
                std::fs::write(&target, PRECIOUS).unwrap();
            } else {
                let _ = std::fs::remove_file(&target);
            }
            let out = run_with_file_size_limit(
                dir.parent(),
                16,
                &["src", "--format", format, "-o", arg(&target)],
                None,
            );
            assert_ne!(
                out.status.signal(),
                Some(libc::SIGXFSZ),
                "{what}: killed by SIGXFSZ"
            );
            let line = output::assert_fails_cleanly(&out);
            assert!(line.contains("out.svg"), "{what}: {line:?}");
            assert!(line.contains("file too large"), "{what}: {line:?}");
            assert!(!line.contains(".repoflame-"), "{what}: {line:?}");
            assert_no_leftovers(&out_dir, &what);
            if existing {
                assert_eq!(std::fs::read(&target).unwrap(), PRECIOUS, "{what}");
            } else {
                assert!(!target.exists(), "{what}: a partial file was left");
            }
        }
    }
    // The same limit on a redirected stdout: a write error naming stdout.
    let redirected = out_dir.join("redirected.svg");
    let out = run_with_file_size_limit(dir.parent(), 16, &["src"], Some(&redirected));
    assert_ne!(
        out.status.signal(),
        Some(libc::SIGXFSZ),
        "killed by SIGXFSZ"
    );
    let line = output::assert_fails_cleanly(&out);
    assert!(line.contains("stdout"), "{line:?}");
    assert!(line.contains("file too large"), "{line:?}");
    // Under the limit all is well.
    let out = run_with_file_size_limit(dir.parent(), 1 << 20, &["src", "-o", arg(&target)], None);
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    output::assert_xml(&std::fs::read(&target).unwrap());
}

// ---------------------------------------------------------------------------
// Ctrl-C in the middle of a run with `-o`.

/// Waits for inotify events in a directory.
struct DirWatch {
    fd: OwnedFd,
}

impl DirWatch {
    /// Watches `dir` for the events of `mask` (`IN_MODIFY`…); `None` when
    /// inotify is not available.
    fn new(dir: &Path, mask: u32) -> Option<DirWatch> {
        // SAFETY: plain system calls; the descriptor is owned at once.
        let fd = unsafe { libc::inotify_init1(libc::IN_CLOEXEC | libc::IN_NONBLOCK) };
        if fd < 0 {
            return None;
        }
        let fd = unsafe { OwnedFd::from_raw_fd(fd) };
        let path = CString::new(dir.as_os_str().as_bytes()).unwrap();
        // SAFETY: valid descriptor and NUL-terminated path.
        let wd = unsafe { libc::inotify_add_watch(fd.as_raw_fd(), path.as_ptr(), mask) };
        (wd >= 0).then_some(DirWatch { fd })
    }

    /// Waits at most `limit` for an event on a file whose name starts
    /// with `prefix`; false at the deadline.
    fn wait_for(&self, prefix: &[u8], limit: Duration) -> bool {
        let deadline = Instant::now() + limit;
        let mut buf = vec![0u8; 64 * 1024];
        let header = std::mem::size_of::<libc::inotify_event>();
        while Instant::now() < deadline {
            let n = poll_read(&self.fd, &mut buf);
            if n <= 0 {
                continue;
            }
            let mut at = 0;
            while at + header <= n as usize {
                // struct inotify_event: wd, mask, cookie, len, name[len].
                let len = u32::from_ne_bytes(buf[at + 12..at + 16].try_into().unwrap()) as usize;
                let name = &buf[at + header..at + header + len];
                let name = &name[..name.iter().position(|&b| b == 0).unwrap_or(len)];
                if name.starts_with(prefix) {
                    return true;
                }
                at += header + len;
            }
        }
        false
    }
}

/// Gives the child SIGHUP's default disposition (or, with `ignored`, has
/// it ignored, as `nohup` does), whatever the test runner's is: repoflame
/// leaves a SIGHUP ignored from the start ignored.
fn hangup(cmd: &mut Command, ignored: bool) -> &mut Command {
    let disposition = if ignored {
        libc::SIG_IGN
    } else {
        libc::SIG_DFL
    };
    // SAFETY: signal() is async-signal-safe; it changes the child only.
    unsafe {
        cmd.pre_exec(move || {
            libc::signal(libc::SIGHUP, disposition);
            Ok(())
        })
    }
}

/// `repoflame ARGS -o TARGET`, stopped (SIGSTOP) as soon as it has
/// written to its temporary output file, then sent `signal` and
/// continued: the signal arrives after a first write and before the
/// rename (in the middle of the output, when it is written in pieces).
/// `None` when the temporary file was already renamed when the process
/// stopped (the run then finished normally).
fn interrupt_while_writing(
    cwd: &Path,
    args: &[&str],
    target: &Path,
    signal: libc::c_int,
) -> Option<Output> {
    let dir = target.parent().unwrap();
    let watch = DirWatch::new(dir, libc::IN_MODIFY).expect("inotify");
    let mut cmd = repoflame();
    cmd.current_dir(cwd).args(args).arg("-o").arg(target);
    let child = spawn_signallable(hangup(&mut cmd, false));
    let seen = watch.wait_for(b".repoflame-", HANG);
    assert!(seen, "{args:?}: nothing was written to a temporary file");
    child.signal(libc::SIGSTOP);
    if tree::temp_leftovers(dir).is_empty() {
        // Too late: written and renamed already.
        child.signal(libc::SIGCONT);
        let done = child.finish(HANG);
        assert_eq!(
            done.output.status.code(),
            Some(0),
            "{}",
            describe_brief(&done.output)
        );
        return None;
    }
    child.signal(signal);
    child.signal(libc::SIGCONT);
    let done = child.finish(HANG);
    assert!(!done.timed_out, "{args:?}: still running after the signal");
    Some(done.output)
}

#[test]
fn ctrl_c_while_the_output_file_is_written_removes_it() {
    let dir = TestDir::new("gen");
    corpus::generate_tree(dir.path(), 0xC7_21C, 3_000);
    let out_dir = dir.parent().join("out");
    std::fs::create_dir(&out_dir).unwrap();
    let target = out_dir.join("graph.out");
    let mut outcomes = Vec::new();
    // JSON, folded and HTML are written in pieces: a stop after the first
    // lands in the middle. The SVG is written at once, so the signal comes
    // after the write, racing the rename.
    // SIGTERM and SIGHUP clean up the same way, and exit 128 + the signal.
    for (format, signal, interrupted, must_catch) in [
        ("json", libc::SIGINT, 130, true),
        ("folded", libc::SIGINT, 130, true),
        ("html", libc::SIGINT, 130, true),
        ("json", libc::SIGTERM, 143, true),
        ("folded", libc::SIGHUP, 129, true),
        ("svg", libc::SIGINT, 130, false),
    ] {
        let args = ["gen", "--threads", "2", "--format", format];
        // The complete output, for telling a finished run from a partial one.
        let reference =
            processes::run_limited(repoflame().current_dir(dir.parent()).args(args), HANG)
                .output
                .stdout;
        let mut kept = false;
        for attempt in 0..if must_catch { 5 } else { 2 } {
            let what = format!("--format {format}, signal {signal}, attempt {attempt}");
            std::fs::write(&target, PRECIOUS).unwrap();
            let Some(out) = interrupt_while_writing(dir.parent(), &args, &target, signal) else {
                assert_eq!(std::fs::read(&target).unwrap(), reference, "{what}");
                outcomes.push((format, signal, "finished first"));
                continue;
            };
            let out = &out;
            let code = exit_code(out, &what);
            assert_no_leftovers(&out_dir, &what);
            // Never a partial file: the old one or, when the rename won
            // the race with the handler, the complete new one.
            let now = std::fs::read(&target).unwrap();
            match code {
                _ if code == interrupted => assert!(
                    now == PRECIOUS || now == reference,
                    "{what}: exit {code} and a partial output of {} bytes",
                    now.len()
                ),
                // The rename and the exit won the race with the handler.
                0 => assert_eq!(now, reference, "{what}: exit 0, partial output"),
                _ => panic!("{what}: exit status {code}\n{}", describe_brief(out)),
            }
            assert!(out.stdout.is_empty(), "{what}: {}", describe_brief(out));
            kept = code == interrupted && now == PRECIOUS;
            outcomes.push((format, signal, if kept { "kept" } else { "replaced" }));
            if kept {
                break;
            }
        }
        assert!(
            kept || !must_catch,
            "--format {format}: never interrupted while writing: {outcomes:?}"
        );
    }
    eprintln!("ctrl_c_while_the_output_file_is_written: {outcomes:?}");
}

/// A fanotify group holding back every open of a file in one directory
/// until told to allow it (FAN_OPEN_PERM): a process can be held inside
/// the `open` that creates its temporary output file, after the file
/// exists and before `open` returns.
struct OpenGate {
    fd: OwnedFd,
}

impl OpenGate {
    /// Gates opens below `dir`; `None` when fanotify permission events are
    /// not available (not root, or a kernel without them).
    fn new(dir: &Path) -> Option<OpenGate> {
        // SAFETY: plain system calls; the descriptor is owned at once.
        let fd = unsafe {
            libc::fanotify_init(
                libc::FAN_CLASS_CONTENT | libc::FAN_CLOEXEC | libc::FAN_NONBLOCK,
                (libc::O_RDONLY | libc::O_CLOEXEC) as libc::c_uint,
            )
        };
        if fd < 0 {
            return None;
        }
        let fd = unsafe { OwnedFd::from_raw_fd(fd) };
        let path = CString::new(dir.as_os_str().as_bytes()).unwrap();
        // SAFETY: valid descriptor and NUL-terminated path.
        let rc = unsafe {
            libc::fanotify_mark(
                fd.as_raw_fd(),
                libc::FAN_MARK_ADD,
                libc::FAN_OPEN_PERM | libc::FAN_EVENT_ON_CHILD,
                libc::AT_FDCWD,
                path.as_ptr(),
            )
        };
        (rc == 0).then_some(OpenGate { fd })
    }

    /// Lets the open of event `event_fd` go on, and closes that descriptor.
    fn allow(&self, event_fd: libc::c_int) {
        let response = libc::fanotify_response {
            fd: event_fd,
            response: libc::FAN_ALLOW,
        };
        // SAFETY: writing one response struct; closing the event's own
        // descriptor.
        unsafe {
            libc::write(
                self.fd.as_raw_fd(),
                (&response as *const libc::fanotify_response).cast(),
                std::mem::size_of::<libc::fanotify_response>(),
            );
            libc::close(event_fd);
        }
    }

    /// Waits at most `limit` for an open of a file whose name starts with
    /// `prefix` and returns its event descriptor, held, and the name;
    /// every other open is allowed at once. (Opening the directory itself
    /// would wait for this thread: nothing here may open it while an open
    /// is held.)
    fn hold(&self, prefix: &str, limit: Duration) -> Option<(libc::c_int, String)> {
        let deadline = Instant::now() + limit;
        let mut buf = vec![0u8; 4096];
        let size = std::mem::size_of::<libc::fanotify_event_metadata>();
        while Instant::now() < deadline {
            let n = poll_read(&self.fd, &mut buf);
            let mut at = 0;
            let mut held = None;
            while n > 0 && at + size <= n as usize {
                // SAFETY: the kernel wrote whole event structs here.
                let event: libc::fanotify_event_metadata =
                    unsafe { std::ptr::read_unaligned(buf[at..].as_ptr().cast()) };
                at += (event.event_len as usize).max(size);
                if event.fd < 0 {
                    continue;
                }
                let name = std::fs::read_link(format!("/proc/self/fd/{}", event.fd))
                    .ok()
                    .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
                    .unwrap_or_default();
                if held.is_none() && name.starts_with(prefix) {
                    held = Some((event.fd, name));
                } else {
                    self.allow(event.fd);
                }
            }
            if held.is_some() {
                return held;
            }
        }
        None
    }
}

/// Whether `signal` is pending for process `pid`: sent, and not yet taken
/// by any of its threads (`ShdPnd` of the process, `SigPnd` of a thread).
fn signal_pending(pid: u32, signal: libc::c_int) -> bool {
    let bit = 1u64 << (signal - 1);
    let pending = |status: &str, field: &str| {
        status
            .lines()
            .filter_map(|l| l.strip_prefix(field))
            .any(|mask| u64::from_str_radix(mask.trim(), 16).expect("a signal mask") & bit != 0)
    };
    // The run is not reaped yet: its status is there, exited or not.
    let process = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_else(|err| panic!("/proc/{pid}/status: {err}"));
    let threads = std::fs::read_dir(format!("/proc/{pid}/task"))
        .map(|tasks| {
            tasks
                .filter_map(|t| std::fs::read_to_string(t.ok()?.path().join("status")).ok())
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    pending(&process, "ShdPnd:") || threads.iter().any(|t| pending(t, "SigPnd:"))
}

/// Whether every thread of process `pid` is asleep (or it has exited):
/// none running or runnable.
fn all_asleep(pid: u32) -> bool {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return true;
    };
    tasks
        .filter_map(|t| std::fs::read_to_string(t.ok()?.path().join("stat")).ok())
        .all(|stat| {
            // "tid (comm) S ...": the state follows the last `)`.
            let state = stat.rsplit_once(") ").map_or("", |(_, rest)| rest);
            !state.starts_with('R')
        })
}

/// Waits until the run has taken `signal` (its handler got it, or it is
/// ignored) and then has nothing left to run: the handler has done what
/// it can (exited, or waits for something the test holds). Polled; two
/// observations in a row, so that a thread about to be woken by another
/// is not missed; [`HANG`] catches a run that never settles.
fn wait_until_handled(child: &Signallable, signal: libc::c_int, what: &str) {
    let deadline = Instant::now() + HANG;
    let mut settled = 0;
    while settled < 2 {
        assert!(
            Instant::now() < deadline,
            "{what}: the signal not handled after {HANG:?}"
        );
        std::thread::sleep(Duration::from_millis(5));
        if !signal_pending(child.pid(), signal) && all_asleep(child.pid()) {
            settled += 1;
        } else {
            settled = 0;
        }
    }
}

#[test]
fn ctrl_c_just_as_the_temporary_output_file_is_created_leaves_no_file() {
    // The temporary file exists from the moment `open` creates it; a
    // Ctrl-C (or SIGTERM, SIGHUP) from then on must remove it, even before
    // `open` has returned (a slow or network file system): the file is held
    // there with fanotify while the signal arrives. Under `nohup` (SIGHUP
    // ignored from the start) a SIGHUP changes nothing.
    const TEST: &str = "ctrl_c_just_as_the_temporary_output_file_is_created_leaves_no_file";
    let dir = TestDir::new("t");
    dir.file("a.rs", rust_lines(30))
        .file("src/b.rs", rust_lines(5));
    let out_dir = dir.parent().join("out");
    std::fs::create_dir(&out_dir).unwrap();
    let target = out_dir.join("graph.svg");
    let reference = processes::run_limited(repoflame().current_dir(dir.parent()).arg("t"), HANG)
        .output
        .stdout;
    for (signal, nohup, expected) in [
        (libc::SIGINT, false, 130),
        (libc::SIGTERM, false, 143),
        (libc::SIGHUP, false, 129),
        (libc::SIGHUP, true, 0),
    ] {
        let what = format!("signal {signal}{}", if nohup { " under nohup" } else { "" });
        std::fs::write(&target, PRECIOUS).unwrap();
        let Some(gate) = OpenGate::new(&out_dir) else {
            run::require_or_skip(TEST, "no fanotify permission events (root is needed)");
            return;
        };
        let mut cmd = repoflame();
        cmd.current_dir(dir.parent()).args(["t", "-o"]).arg(&target);
        let child = spawn_signallable(hangup(&mut cmd, nohup));
        let held = gate.hold(".repoflame-", HANG);
        let Some((event_fd, created)) = held else {
            drop(gate);
            let done = child.finish(HANG);
            panic!(
                "{what}: no temporary file was opened: {}",
                describe(&done.output)
            );
        };
        // Created already (stat, not open: see OpenGate::hold).
        assert!(
            out_dir.join(&created).symlink_metadata().is_ok(),
            "{created}"
        );
        child.signal(signal);
        // The open is allowed only once the run has handled the signal as
        // far as it can while `open` is held (its handler waits for the
        // clean-up registry, which the creating thread holds until `open`
        // returns): the signal surely came while the file was created.
        wait_until_handled(&child, signal, &what);
        gate.allow(event_fd);
        drop(gate);
        let done = child.finish(HANG);
        assert!(!done.timed_out, "{what}: hung");
        let out = &done.output;
        assert_eq!(
            out.status.code(),
            Some(expected),
            "{what}: {}",
            describe_brief(out)
        );
        let now = std::fs::read(&target).unwrap();
        if expected == 0 {
            assert_eq!(now, reference, "{what}: not the whole output");
        } else {
            assert_eq!(now, PRECIOUS, "{what}: the output was replaced");
        }
        assert_eq!(
            tree::temp_leftovers(&out_dir),
            Vec::<String>::new(),
            "{what} just as the temporary file {created} was created left it behind"
        );
    }
}

#[test]
fn sigterm_and_sighup_while_cloning_remove_the_clone_and_exit_143_and_129() {
    // A server that accepts and never answers: the clone directory exists
    // and the run waits, as long as the test likes.
    let hole = BlackHole::listen();
    for (signal, interrupted) in [(libc::SIGTERM, 143), (libc::SIGHUP, 129)] {
        let tmp = tempfile::Builder::new()
            .prefix("repoflame-tmpdir-")
            .tempdir()
            .unwrap();
        let clones = || -> Vec<String> {
            std::fs::read_dir(tmp.path())
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .filter(|n| n.starts_with("repoflame-clone-"))
                .collect()
        };
        let out_dir = tempfile::tempdir().unwrap();
        let target = out_dir.path().join("graph.svg");
        std::fs::write(&target, PRECIOUS).unwrap();
        let before = hole.connections();
        let mut cmd = repoflame();
        // An hour of --timeout: only the signal can end the wait before
        // the test's hang limit.
        cmd.env("TMPDIR", tmp.path())
            .arg(hole.url_git())
            .args(["--timeout", "3600", "-o"])
            .arg(&target);
        let mut child = spawn_signallable(hangup(&mut cmd, false));
        let deadline = Instant::now() + HANG;
        while (hole.connections() == before || clones().is_empty())
            && child.running()
            && Instant::now() < deadline
        {
            std::thread::sleep(Duration::from_millis(10));
        }
        assert!(
            child.running(),
            "signal {signal}: stopped before the signal"
        );
        assert_eq!(clones().len(), 1, "signal {signal}: no clone directory");
        child.signal(signal);
        let run = child.finish(HANG);
        assert!(!run.timed_out, "signal {signal} did not stop the clone");
        assert_eq!(
            run.output.status.code(),
            Some(interrupted),
            "signal {signal}: {}",
            describe(&run.output)
        );
        assert_eq!(
            clones(),
            Vec::<String>::new(),
            "signal {signal}: clone left"
        );
        assert_eq!(std::fs::read(&target).unwrap(), PRECIOUS);
        assert_no_leftovers(out_dir.path(), &format!("signal {signal}"));
        assert!(run.output.stdout.is_empty());
    }
}

/// A FIFO whose opening for reading is seen and held: a thread opens it
/// for writing, which completes only when the run under test opens it
/// for reading, and keeps it open (the run then waits for its content)
/// until released.
struct HeldFifo {
    opened: std::sync::mpsc::Receiver<()>,
    release: std::sync::mpsc::Sender<()>,
    thread: std::thread::JoinHandle<()>,
}

impl HeldFifo {
    fn new(path: &Path) -> HeldFifo {
        special::mkfifo(path);
        let (opened_tx, opened) = std::sync::mpsc::channel();
        let (release, released) = std::sync::mpsc::channel::<()>();
        let path = path.to_path_buf();
        let thread = std::thread::spawn(move || {
            let writer = std::fs::OpenOptions::new().write(true).open(&path);
            let _ = opened_tx.send(());
            let _ = released.recv();
            drop(writer);
        });
        HeldFifo {
            opened,
            release,
            thread,
        }
    }

    /// Waits for the run to open the FIFO; false if it did not within
    /// [`HANG`].
    fn wait_opened(&self) -> bool {
        self.opened.recv_timeout(HANG).is_ok()
    }

    /// Lets the reader go on (it reads an empty file), or releases the
    /// writer thread if nobody opened the FIFO.
    fn release(self, path: &Path) {
        use std::os::unix::fs::OpenOptionsExt;
        let _ = self.release.send(());
        let _reader = std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NONBLOCK)
            .open(path);
        self.thread.join().expect("the FIFO's writer");
    }
}

/// Runs `repoflame ARGS -o TARGET` (an existing precious file), holds it
/// at a moment `hold` makes observable, sends SIGINT (twice in a row when
/// `twice`), waits for the run's clean-up to remove its temporary output
/// file, lets the held moment go on (`release`) and checks the end: exit
/// 130, nothing on stdout, the old file intact, no temporary file left.
fn interrupt_at(
    cwd: &Path,
    args: &[&str],
    target: &Path,
    twice: bool,
    what: &str,
    hold: impl FnOnce() -> bool,
    release: impl FnOnce(),
) {
    let out_dir = target.parent().unwrap();
    std::fs::write(target, PRECIOUS).unwrap();
    let removed = DirWatch::new(out_dir, libc::IN_DELETE).expect("inotify");
    let mut cmd = repoflame();
    cmd.current_dir(cwd).args(args).arg("-o").arg(target);
    let child = spawn_signallable(&mut cmd);
    if !hold() {
        release();
        let done = child.finish(HANG);
        panic!("{what}: the moment never came: {}", describe(&done.output));
    }
    assert_eq!(
        tree::temp_leftovers(out_dir).len(),
        1,
        "{what}: no temporary output file while the run is held"
    );
    child.signal(libc::SIGINT);
    if twice {
        child.signal(libc::SIGINT);
    }
    let cleaned = removed.wait_for(b".repoflame-", HANG);
    release();
    let done = child.finish(HANG);
    assert!(cleaned, "{what}: the temporary file was never removed");
    assert!(!done.timed_out, "{what}: hung");
    let out = &done.output;
    assert_eq!(exit_code(out, what), 130, "{what}: {}", describe_brief(out));
    assert!(out.stdout.is_empty(), "{what}: {}", describe_brief(out));
    assert_eq!(std::fs::read(target).unwrap(), PRECIOUS, "{what}: replaced");
    assert_no_leftovers(out_dir, what);
}

#[test]
fn ctrl_c_in_the_walk_or_the_count_leaves_the_old_output_and_no_temporary_file() {
    const TEST: &str =
        "ctrl_c_in_the_walk_or_the_count_leaves_the_old_output_and_no_temporary_file";
    let dir = TestDir::new("t");
    for i in 0..200 {
        dir.file(format!("d{:02}/f{i}.rs", i % 20), rust_lines(1 + i % 4));
    }
    dir.file("count/held.rs", rust_lines(3));
    let out_dir = dir.parent().join("out");
    std::fs::create_dir(&out_dir).unwrap();
    let target = out_dir.join("graph.svg");
    let args = ["t", "--threads", "2"];

    // In the walk: held reading an `.ignore` (a FIFO) in a directory.
    let fifo = dir.join("d07/.ignore");
    for twice in [false, true] {
        let what = format!("in the walk{}", if twice { ", twice" } else { "" });
        let held = HeldFifo::new(&fifo);
        let held = std::cell::RefCell::new(Some(held));
        interrupt_at(
            dir.parent(),
            &args,
            &target,
            twice,
            &what,
            || held.borrow().as_ref().unwrap().wait_opened(),
            || held.borrow_mut().take().unwrap().release(&fifo),
        );
        std::fs::remove_file(&fifo).unwrap();
    }

    // In the count: held opening a file to count it (fanotify: root).
    for twice in [false, true] {
        let what = format!("in the count{}", if twice { ", twice" } else { "" });
        let Some(gate) = OpenGate::new(&dir.join("count")) else {
            run::require_or_skip(TEST, "no fanotify permission events (root is needed)");
            return;
        };
        let held = std::cell::Cell::new(None);
        interrupt_at(
            dir.parent(),
            &args,
            &target,
            twice,
            &what,
            || {
                held.set(gate.hold("held.rs", HANG).map(|(fd, _)| fd));
                held.get().is_some()
            },
            || {
                if let Some(fd) = held.get() {
                    gate.allow(fd);
                }
            },
        );
    }
}

// ---------------------------------------------------------------------------
// Nesting deeper than PATH_MAX.

/// Linux's PATH_MAX, terminating NUL included.
const PATH_MAX: usize = 4096;

/// Creates `levels` nested directories named `d` below `root` and a file
/// `f{level}.rs` holding `content` at each level of `files_at` (0 is
/// `root` itself), with `mkdirat`/`openat` relative to a directory
/// descriptor: absolute paths that long cannot be made.
fn deep_chain(root: &Path, levels: usize, files_at: &[usize], content: &[u8]) {
    let open_dir = |at: libc::c_int, name: &CString| -> OwnedFd {
        // SAFETY: valid descriptor (or AT_FDCWD) and NUL-terminated name.
        let fd = unsafe {
            libc::openat(
                at,
                name.as_ptr(),
                libc::O_RDONLY | libc::O_DIRECTORY | libc::O_CLOEXEC,
            )
        };
        assert!(fd >= 0, "openat: {}", std::io::Error::last_os_error());
        // SAFETY: a new descriptor owned by nobody else.
        unsafe { OwnedFd::from_raw_fd(fd) }
    };
    let d = CString::new("d").unwrap();
    let mut dir = open_dir(
        libc::AT_FDCWD,
        &CString::new(root.as_os_str().as_bytes()).unwrap(),
    );
    for level in 0..=levels {
        if files_at.contains(&level) {
            let name = CString::new(format!("f{level}.rs")).unwrap();
            // SAFETY: as above; the new descriptor is owned at once.
            let fd = unsafe {
                libc::openat(
                    dir.as_raw_fd(),
                    name.as_ptr(),
                    libc::O_WRONLY | libc::O_CREAT | libc::O_EXCL | libc::O_CLOEXEC,
                    0o644,
                )
            };
            assert!(
                fd >= 0,
                "create f{level}.rs: {}",
                std::io::Error::last_os_error()
            );
            let mut file = std::fs::File::from(unsafe { OwnedFd::from_raw_fd(fd) });
            file.write_all(content).expect("write");
        }
        if level == levels {
            break;
        }
        // SAFETY: valid descriptor and name.
        let rc = unsafe { libc::mkdirat(dir.as_raw_fd(), d.as_ptr(), 0o755) };
        assert_eq!(rc, 0, "mkdirat: {}", std::io::Error::last_os_error());
        dir = open_dir(dir.as_raw_fd(), &d);
    }
}

/// Removes a tree however deep (`rm -rf` works below PATH_MAX) when
/// dropped, even when the test fails.
struct RemoveDeep(PathBuf);

impl Drop for RemoveDeep {
    fn drop(&mut self) {
        let _ = Command::new("rm").arg("-rf").arg(&self.0).status();
    }
}

/// The path in a problem line `repoflame: PATH: REASON`.
fn problem_path(line: &str) -> &str {
    let rest = line.strip_prefix("repoflame: ").expect("a repoflame line");
    rest.rsplit_once(": ").map_or(rest, |(path, _)| path)
}

#[test]
fn nesting_deeper_than_path_max_counts_what_it_can_and_names_the_rest() {
    let dir = TestDir::new("deep");
    let _cleanup = RemoveDeep(dir.path().to_path_buf());
    let levels = 3_000;
    // "deep" + "/d" × level + "/f{level}.rs": 2041 is the last level whose
    // file path is under PATH_MAX (4,095 bytes), 2042 the first beyond.
    let files_at = [
        0, 1, 2, 10, 100, 1_000, 1_500, 2_000, 2_040, 2_041, 2_042, 2_100, 2_500, 3_000,
    ];
    deep_chain(dir.path(), levels, &files_at, b"fn a() {}\nfn b() {}\n");
    let path_of = |level: usize| format!("deep{}/f{level}.rs", "/d".repeat(level));
    assert_eq!(path_of(2_041).len(), PATH_MAX - 1);

    let run = |args: &[&str]| {
        let out = processes::run_limited(
            repoflame().current_dir(dir.parent()).arg("deep").args(args),
            HANG,
        )
        .output;
        let what = format!("{args:?}");
        let code = exit_code(&out, &what);
        assert!(
            code == 0 || code == 1,
            "{what}: status {code}\n{}",
            describe_brief(&out)
        );
        (out, code)
    };

    // Folded: every file under PATH_MAX counted, every other one named (it
    // or a directory above it), each with "file name too long".
    let (out, code) = run(&["--folded"]);
    let parsed = valid_folded(&out.stdout, "folded");
    let mut counted = BTreeSet::new();
    for (frames, count) in &parsed {
        assert_eq!(*count, 2, "{frames:?}");
        assert!(frames[1..frames.len() - 1].iter().all(|f| f == "d"));
        let level = frames.len() - 2;
        assert_eq!(frames.last().unwrap(), &format!("f{level}.rs"));
        counted.insert(level);
    }
    let lines = output::error_lines(&out);
    // Messages shorten the long paths; the JSON report names them whole,
    // relative to the root.
    assert!(
        lines.iter().all(|l| l.chars().count() < 300),
        "a message line of more than 300 characters"
    );
    let (json, _) = run(&["--format", "json"]);
    let report: serde_json::Value = serde_json::from_slice(&json.stdout).expect("JSON");
    let problems = report["problems"].as_array().expect("problems");
    assert_eq!(problems.len(), lines.len(), "{report}");
    let named: Vec<String> = problems
        .iter()
        .map(|p| format!("deep/{}", p["path"].as_str().expect("a path")))
        .collect();
    for &level in &files_at {
        let path = path_of(level);
        if path.len() < PATH_MAX {
            assert!(
                counted.contains(&level),
                "f{level}.rs ({} bytes) not counted",
                path.len()
            );
        } else if !counted.contains(&level) {
            assert!(
                named
                    .iter()
                    .any(|n| path == *n || path.starts_with(&format!("{n}/"))),
                "f{level}.rs is neither counted nor named"
            );
        }
    }
    if counted.len() < files_at.len() {
        assert_eq!(code, 1, "files left out with exit status 0");
        assert!(
            lines.iter().all(|l| l.ends_with("file name too long")),
            "{:?}",
            lines
                .iter()
                .map(|l| &l[l.len().saturating_sub(60)..])
                .collect::<Vec<_>>()
        );
    }
    let total: u64 = parsed.iter().map(|(_, c)| c).sum();

    // JSON: the same total.
    assert_eq!(report["totals"]["code"].as_u64(), Some(total));

    // --depth 5: what is deeper folded into deep/d/d/d/d/d.
    let (out, _) = run(&["--depth", "5", "--folded"]);
    let folded = String::from_utf8(out.stdout).unwrap();
    let shallow: u64 = counted.iter().filter(|&&l| l < 5).count() as u64 * 2;
    assert_eq!(
        folded,
        format!(
            "deep;d;d;d;d;d {}\ndeep;d;d;f2.rs 2\ndeep;d;f1.rs 2\ndeep;f0.rs 2\n",
            total - shallow
        )
    );

    // SVG: very tall, still XML, the deepest counted file drawn.
    let (out, _) = run(&[]);
    assert!(
        out.stdout.len() < 64 << 20,
        "SVG of {} bytes",
        out.stdout.len()
    );
    let frames = output::svg_frames(&out.stdout);
    let deepest = counted.iter().max().unwrap();
    assert!(
        frames.iter().any(|f| f.name() == format!("f{deepest}.rs")),
        "f{deepest}.rs not drawn"
    );
}

#[test]
fn a_path_too_long_to_open_is_elided_in_messages_and_whole_and_relative_in_json() {
    let dir = TestDir::new("deep");
    let _cleanup = RemoveDeep(dir.path().to_path_buf());
    // "deep" + "/d" × 2100 + "/f2100.rs": beyond PATH_MAX.
    deep_chain(dir.path(), 2_100, &[0, 2_100], b"fn a() {}\n");
    let run = |args: &[&str]| {
        processes::run_limited(
            repoflame().current_dir(dir.parent()).arg("deep").args(args),
            HANG,
        )
        .output
    };
    let out = run(&["--folded"]);
    assert_eq!(out.status.code(), Some(1), "{}", describe_brief(&out));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "deep;f0.rs 1\n");
    let lines = output::error_lines(&out);
    assert!(!lines.is_empty());
    for line in &lines {
        assert!(line.ends_with(": file name too long"), "{line:.200}");
        // The first and last 60 characters of the path, `…` between.
        let path = problem_path(line);
        assert_eq!(path.chars().count(), 121, "{line:.300}");
        let (head, tail) = path.split_once('…').expect("an elided path");
        assert_eq!(head, format!("deep{}", "/d".repeat(28)));
        assert!(tail.ends_with("/d") || tail.ends_with(".rs"), "{tail}");
        assert!("/d".repeat(40).contains(&tail[..40]), "{tail}");
    }

    // The report: every path whole, relative to the root like the files'.
    let out = run(&["--format", "json"]);
    assert_eq!(out.status.code(), Some(1), "{}", describe_brief(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(report["files"][0]["path"], "f0.rs");
    let problems = report["problems"].as_array().expect("problems");
    assert_eq!(problems.len(), lines.len());
    for problem in problems {
        let path = problem["path"].as_str().expect("a path");
        assert!(
            path.starts_with("d/d/"),
            "not relative to the root: {path:.60}"
        );
        assert!(path.len() > 4_000, "not whole: {} bytes", path.len());
        assert!(!path.contains('…'), "shortened: {path:.60}");
        assert_eq!(problem["message"], "file name too long");
    }
}

#[test]
fn json_problem_paths_are_relative_to_the_root_like_file_paths() {
    const TEST: &str = "json_problem_paths_are_relative_to_the_root_like_file_paths";
    let Some(mut cmd) = run::repoflame_unprivileged(TEST) else {
        run::require_or_skip(TEST, "running as root and setpriv is not installed");
        return;
    };
    let dir = TestDir::new("t");
    tree::open_to_all(&dir);
    dir.file("ok.rs", "fn a() {}\n")
        .file("sub/secret.rs", "fn s() {}\n")
        .file("locked/inside.rs", "fn i() {}\n");
    // One file the count cannot open, one directory the walk cannot read.
    tree::chmod(&dir.join("sub/secret.rs"), 0o000);
    tree::chmod(&dir.join("locked"), 0o000);
    let out = processes::run_limited(
        cmd.current_dir(dir.parent())
            .args(["./t", "--format", "json"]),
        HANG,
    )
    .output;
    tree::chmod(&dir.join("locked"), 0o755);
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(report["files"][0]["path"], "ok.rs");
    let paths: Vec<&str> = report["problems"]
        .as_array()
        .expect("problems")
        .iter()
        .map(|p| p["path"].as_str().expect("a path"))
        .collect();
    assert_eq!(paths, ["locked", "sub/secret.rs"], "{report}");
    // Messages name the paths as found, from where the run was started.
    let lines = output::error_lines(&out);
    assert_eq!(
        lines,
        [
            "repoflame: ./t/locked: permission denied",
            "repoflame: ./t/sub/secret.rs: permission denied"
        ]
    );
}

/// A repository whose one commit holds `f{level}.rs` at each level of
/// `files_at` of a chain of `levels` directories `d`, and a second commit
/// adding `g.rs` at the bottom; made by `git fast-import` (the work tree
/// stays empty: paths that long cannot be checked out).
fn deep_repository(levels: usize, files_at: &[usize]) -> TestRepo {
    let repo = TestRepo::new("deeprev");
    let content = "fn a() {}\nfn b() {}\n";
    let mut stream = String::from(
        "commit refs/heads/main\ncommitter C <c@example.com> 1704067200 +0000\ndata 4\ndeep\n",
    );
    for &level in files_at {
        let path = format!("{}f{level}.rs", "d/".repeat(level));
        stream.push_str(&format!(
            "M 100644 inline {path}\ndata {}\n{content}\n",
            content.len()
        ));
    }
    stream.push_str(
        "commit refs/heads/main\ncommitter C <c@example.com> 1704153600 +0000\ndata 4\nmore\n",
    );
    let path = format!("{}g.rs", "d/".repeat(levels));
    stream.push_str(&format!(
        "M 100644 inline {path}\ndata {}\n{content}\n",
        content.len()
    ));
    let mut child = git_command()
        .current_dir(repo.path())
        .args(["fast-import", "--quiet"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("git fast-import");
    let stderr = drain(child.stderr.take());
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stream.as_bytes())
        .expect("feed fast-import");
    let status = child.wait().unwrap();
    let stderr = stderr.join().unwrap();
    assert!(
        status.success(),
        "fast-import: {}",
        String::from_utf8_lossy(&stderr)
    );
    repo
}

#[test]
fn a_revision_30000_levels_deep_does_not_overflow_the_stack() {
    // Git refuses trees deeper than core.maxTreeDepth (4096) but stores
    // them: a hostile repository can hold one. repoflame must count it or
    // refuse it on one line, never die of a stack overflow.
    let levels = 30_000;
    let files_at = [0, 1, 100, 5_000, 29_999];
    let repo = deep_repository(levels, &files_at);
    let cases: [&[&str]; 5] = [
        &["--rev", "main", "--folded"],
        &["--rev", "main", "--format", "json"],
        &["--rev", "main", "--depth", "3", "--folded"],
        &["--rev", "main", "--depth", "50"],
        &["--diff", "main~1..main", "--folded"],
    ];
    let mut failures = Vec::new();
    for args in cases {
        let mut cmd = repoflame();
        cmd.current_dir(repo.path()).arg(".").args(args);
        let out = processes::run_limited(&mut cmd, HANG).output;
        let stderr = String::from_utf8_lossy(&out.stderr);
        let brief: String = stderr.chars().take(300).collect();
        let Some(code) = out.status.code() else {
            failures.push(format!(
                "{args:?}: killed by signal {:?}: {brief}",
                out.status.signal()
            ));
            continue;
        };
        if !stderr.lines().all(|l| l.starts_with("repoflame: ")) {
            failures.push(format!("{args:?}: status {code}, stderr: {brief}"));
            continue;
        }
        match code {
            0 | 1 if args.contains(&"--format") => {
                let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
                assert!(report["totals"]["code"].as_u64().unwrap() >= 2);
            }
            0 | 1 if args.contains(&"--depth") && !args.contains(&"--folded") => {
                output::assert_xml(&out.stdout)
            }
            0 | 1 if args.contains(&"--diff") => {
                let text = String::from_utf8(out.stdout.clone()).unwrap();
                assert!(
                    text.lines().any(|l| l.contains("g.rs")),
                    "{args:?}: g.rs not in the diff"
                );
            }
            0 | 1 => {
                let parsed = valid_folded(&out.stdout, &format!("{args:?}"));
                assert!(parsed.iter().any(|(f, _)| f.last().unwrap() == "f0.rs"));
            }
            2 if out.stdout.is_empty() && stderr.lines().count() == 1 => {}
            _ => failures.push(format!("{args:?}: status {code}: {brief}")),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

// ---------------------------------------------------------------------------
// Very wide directories.

#[test]
fn thirty_thousand_files_in_one_directory_and_five_thousand_directories() {
    // Slow for the files it writes (seconds for 35,000), not for repoflame.
    if !slow_tests_enabled("thirty_thousand_files_in_one_directory") {
        return;
    }
    let dir = TestDir::new("wide");
    let mut lines_written = 0u64;
    let flat = dir.join("flat");
    std::fs::create_dir_all(&flat).unwrap();
    for i in 0..30_000usize {
        let lines = 1 + i % 5;
        std::fs::write(
            flat.join(format!("file_{i:05}.rs")),
            "fn a() {}\n".repeat(lines),
        )
        .unwrap();
        lines_written += lines as u64;
    }
    let dirs = dir.join("dirs");
    for i in 0..5_000usize {
        let sub = dirs.join(format!("dir_{i:04}"));
        std::fs::create_dir_all(&sub).unwrap();
        let lines = 1 + i % 3;
        std::fs::write(sub.join("m.py"), "x = 1\n".repeat(lines)).unwrap();
        lines_written += lines as u64;
    }

    let out = processes::run_limited(
        repoflame()
            .current_dir(dir.parent())
            .args(["wide", "--folded"]),
        HANG,
    )
    .output;
    assert_eq!(out.status.code(), Some(0), "{}", describe_brief(&out));
    let parsed = valid_folded(&out.stdout, "folded");
    assert_eq!(parsed.len(), 35_000);
    assert_eq!(parsed.iter().map(|(_, c)| c).sum::<u64>(), lines_written);

    for source in ["wide", "wide/flat", "wide/dirs"] {
        let out =
            processes::run_limited(repoflame().current_dir(dir.parent()).arg(source), HANG).output;
        assert_eq!(
            out.status.code(),
            Some(0),
            "{source}: {}",
            describe_brief(&out)
        );
        assert!(
            out.stdout.len() < 10 << 20,
            "{source}: an SVG of {} bytes",
            out.stdout.len()
        );
        let frames = output::svg_frames(&out.stdout);
        assert!(
            frames.len() <= 25_000 + 100,
            "{source}: {} frames",
            frames.len()
        );
        let merged: Vec<&str> = frames
            .iter()
            .map(|f| f.name())
            .filter(|n| {
                // (N small files), or (N directories, M files)
                n.starts_with('(') && (n.contains(" small ") || n.contains(" director"))
            })
            .collect();
        if source == "wide/dirs" {
            // 10,001 frames fit the budget: each directory may be drawn.
            let drawn = frames
                .iter()
                .filter(|f| f.name().starts_with("dir_"))
                .count();
            assert!(
                drawn == 5_000 || !merged.is_empty(),
                "{source}: {drawn} directories drawn and none merged"
            );
        } else {
            assert!(!merged.is_empty(), "{source}: no (N small files) frame");
        }
        // The root frame still has everything.
        let expected = match source {
            "wide" => lines_written,
            "wide/flat" => (0..30_000u64).map(|i| 1 + i % 5).sum(),
            _ => (0..5_000u64).map(|i| 1 + i % 3).sum(),
        };
        let widest = frames.iter().filter_map(|f| f.samples).max();
        assert_eq!(widest, Some(expected), "{source}: root frame");
        eprintln!(
            "wide: {source}: {} bytes, {} frames, merged {merged:?}",
            out.stdout.len(),
            frames.len()
        );
    }
}

// ---------------------------------------------------------------------------
// Git: a detached HEAD and an unborn branch.

/// Runs `repoflame ARGS` in the work tree within [`HANG`].
fn run_in_repo(repo: &TestRepo, args: &[&str]) -> Output {
    processes::run_limited(repo.cmd().args(args), HANG).output
}

/// A repository `r` with three commits on `main`.
fn three_commits() -> TestRepo {
    let repo = TestRepo::new("r");
    repo.file("src/a.rs", "fn a() {}\n").file("b.py", "b = 1\n");
    repo.commit("one");
    repo.file("src/a.rs", "fn a() {}\nfn a2() {}\n");
    repo.commit("two");
    repo.file("src/c.rs", "fn c() {}\n".repeat(3));
    repo.commit("three");
    repo
}

/// Title and subtitle of an SVG, joined.
fn svg_titles(svg: &[u8]) -> String {
    format!(
        "{} {}",
        output::svg_text(svg, "title").unwrap_or_default(),
        output::svg_text(svg, "subtitle").unwrap_or_default()
    )
}

#[test]
fn a_detached_head_is_counted_and_named_by_its_short_sha() {
    let repo = three_commits();
    let main = repo.head();
    // Detached at main's commit, then at an older one, then on a commit
    // made while detached on the older one, which no branch holds; what
    // each holds, and
    // its diff with its parent (`stack before after`), written out.
    repo.git(["checkout", "-q", "--detach"]);
    let older = repo.rev_parse("HEAD~1");
    let mut cases = vec![(
        main.clone(),
        "r;b.py 1\nr;src;a.rs 2\nr;src;c.rs 3\n",
        "r;b.py 1 1\nr;src;a.rs 2 2\nr;src;c.rs 0 3\n",
    )];
    repo.git(["checkout", "-q", "--detach", &older]);
    cases.push((
        older.clone(),
        "r;b.py 1\nr;src;a.rs 2\n",
        "r;b.py 1 1\nr;src;a.rs 1 2\n",
    ));
    repo.file("src/detached.rs", "fn d() {}\n".repeat(4));
    let orphan_commit = repo.commit("made while detached");
    cases.push((
        orphan_commit,
        "r;b.py 1\nr;src;a.rs 2\nr;src;detached.rs 4\n",
        "r;b.py 1 1\nr;src;a.rs 2 2\nr;src;detached.rs 0 4\n",
    ));

    for (sha, expected_folded, expected_diff) in &cases {
        let short = repo.git(["rev-parse", "--short", sha]);
        repo.git(["checkout", "-q", "--detach", sha]);
        let symbolic = repo.git_output(["symbolic-ref", "-q", "HEAD"]);
        assert!(!symbolic.status.success(), "HEAD is not detached");

        let folded = run_in_repo(&repo, &[".", "--rev", "HEAD", "--folded"]);
        assert_eq!(folded.status.code(), Some(0), "{}", describe(&folded));
        valid_folded(&folded.stdout, "--rev HEAD");
        assert_eq!(
            String::from_utf8_lossy(&folded.stdout),
            *expected_folded,
            "detached at {sha}"
        );
        let at_sha = run_in_repo(&repo, &[".", "--rev", sha, "--folded"]);
        assert_eq!(folded.stdout, at_sha.stdout, "HEAD is not {sha}");

        let svg = run_in_repo(&repo, &[".", "--rev", "HEAD"]);
        assert_eq!(svg.status.code(), Some(0), "{}", describe_brief(&svg));
        let titles = svg_titles(&svg.stdout);
        assert!(
            titles.contains(&short),
            "no short sha {short} in {titles:?}"
        );

        let json = run_in_repo(&repo, &[".", "--rev", "HEAD", "--format", "json"]);
        let report: serde_json::Value = serde_json::from_slice(&json.stdout).expect("JSON");
        assert_eq!(report["source"]["revision"]["commit"], sha.as_str());

        // A diff ending at the detached HEAD, both spellings.
        let parent_short = repo.git(["rev-parse", "--short", &format!("{sha}~1")]);
        for range in ["HEAD~1..HEAD", "HEAD~1.."] {
            let diff = run_in_repo(&repo, &[".", "--diff", range, "--folded"]);
            assert_eq!(diff.status.code(), Some(0), "{range}: {}", describe(&diff));
            let text = String::from_utf8(diff.stdout).unwrap();
            assert_eq!(text, *expected_diff, "{range} at {sha}");
            let svg = run_in_repo(&repo, &[".", "--diff", range]);
            assert_eq!(
                svg.status.code(),
                Some(0),
                "{range}: {}",
                describe_brief(&svg)
            );
            let titles = svg_titles(&svg.stdout);
            assert!(
                titles.contains(&short) && titles.contains(&parent_short),
                "{range}: {short} and {parent_short} not both in {titles:?}"
            );
        }
    }
}

#[test]
fn an_unborn_branch_fails_cleanly_while_other_branches_work() {
    let repo = three_commits();
    let main = run_in_repo(&repo, &[".", "--rev", "main", "--folded"]);
    assert_eq!(main.status.code(), Some(0), "{}", describe(&main));
    assert_eq!(
        String::from_utf8_lossy(&main.stdout),
        "r;b.py 1\nr;src;a.rs 2\nr;src;c.rs 3\n"
    );
    repo.git(["checkout", "-q", "--orphan", "new"]);
    assert!(
        repo.git_output(["rev-parse", "--verify", "-q", "HEAD"])
            .stdout
            .is_empty()
    );

    let scratch = tempfile::tempdir().unwrap();
    let target = scratch.path().join("graph.svg");
    for args in [
        &[".", "--rev", "HEAD", "--folded"][..],
        &[".", "--rev", "HEAD"],
        &[".", "--diff", "main..HEAD", "--folded"],
        &[".", "--diff", "main.."],
        &[".", "--diff", "HEAD..main"],
    ] {
        let out = run_in_repo(&repo, args);
        let line = output::assert_fails_cleanly(&out);
        assert!(
            line.contains("HEAD") || line.contains("new"),
            "{args:?}: {line:?}"
        );
        // With -o onto an existing file: untouched, nothing left.
        std::fs::write(&target, PRECIOUS).unwrap();
        let out = run_in_repo(&repo, &[args, &["-o", arg(&target)]].concat());
        output::assert_fails_cleanly(&out);
        assert_eq!(std::fs::read(&target).unwrap(), PRECIOUS, "{args:?}");
        assert_no_leftovers(scratch.path(), &format!("{args:?}"));
    }
    // The other branch still works, and so does the work tree.
    let again = run_in_repo(&repo, &[".", "--rev", "main", "--folded"]);
    assert_eq!(again.status.code(), Some(0), "{}", describe(&again));
    assert_eq!(again.stdout, main.stdout);
    let svg = run_in_repo(&repo, &[".", "--rev", "main"]);
    assert_eq!(svg.status.code(), Some(0), "{}", describe_brief(&svg));
    output::assert_xml(&svg.stdout);
    let work_tree = run_in_repo(&repo, &[".", "--folded"]);
    assert_eq!(work_tree.status.code(), Some(0), "{}", describe(&work_tree));
    assert_eq!(work_tree.stdout, main.stdout);
}

/// Waits up to 20 ms for `fd` to be readable, then reads what is there
/// into `buf`: the byte count, or 0 or less when nothing was read.
fn poll_read(fd: &impl AsRawFd, buf: &mut [u8]) -> isize {
    let mut pfd = libc::pollfd {
        fd: fd.as_raw_fd(),
        events: libc::POLLIN,
        revents: 0,
    };
    // SAFETY: one valid pollfd.
    unsafe { libc::poll(&mut pfd, 1, 20) };
    // SAFETY: reading into our own buffer of that length.
    unsafe { libc::read(fd.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len()) }
}
