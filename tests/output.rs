//! Where the output goes: `-o FILE` replaced atomically (left byte-identical
//! on failure, no temporary file left behind), write errors on stdout, a
//! closed pipe, and terminals (no SVG dumped on one).

use std::io::{BufRead, BufReader};
use std::os::unix::fs::PermissionsExt;
use std::process::Stdio;
use std::time::Duration;

use crate::util::{self, TestDir, describe, describe_brief};

const HANG: Duration = Duration::from_secs(20);

/// A small tree with one Rust file, and the path of an output file beside it.
fn small_tree() -> (TestDir, std::path::PathBuf) {
    let dir = TestDir::new("t");
    dir.file("a.rs", "fn a() {}\nfn b() {}\n");
    dir.file("src/b.py", "x = 1\n");
    let target = dir.parent().join("out.svg");
    (dir, target)
}

fn no_leftovers(dir: &std::path::Path) {
    assert_eq!(
        util::temp_leftovers(dir),
        Vec::<String>::new(),
        "temporary files left in {dir:?}"
    );
}

#[test]
fn an_existing_output_file_is_replaced_on_success() {
    let (dir, target) = small_tree();
    std::fs::write(&target, "old content").unwrap();
    let out = dir.run(&["-o", target.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    assert!(out.stdout.is_empty(), "{}", describe_brief(&out));
    assert!(out.stderr.is_empty(), "{}", describe(&out));
    let svg = std::fs::read(&target).unwrap();
    assert!(svg.starts_with(b"<?xml"), "not an SVG");
    util::assert_xml(&svg);
    no_leftovers(dir.parent());

    // The same bytes as on stdout.
    let stdout = dir.run(&[]).stdout;
    assert_eq!(svg, stdout);

    // Folded and JSON too, replacing what the previous run wrote.
    let out = dir.run(&["--folded", "-o", target.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    assert_eq!(
        std::fs::read_to_string(&target).unwrap(),
        "t;a.rs 2\nt;src;b.py 1\n"
    );
    let out = dir.run(&["--format", "json", "-o", target.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&target).unwrap()).expect("JSON");
    assert_eq!(report["totals"]["code"], 3);
    no_leftovers(dir.parent());
}

#[test]
fn a_new_output_file_is_created_with_the_usual_permissions() {
    let (dir, target) = small_tree();
    let out = dir.run(&["--folded", "-o", target.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    let mode = std::fs::metadata(&target).unwrap().permissions().mode() & 0o777;
    // The tests run with the inherited umask: the file gets what `>` gives.
    // SAFETY: umask only swaps a process-wide integer; restored at once.
    let umask = unsafe {
        let mask = libc::umask(0o022);
        libc::umask(mask);
        mask
    } as u32;
    assert_eq!(mode, 0o666 & !umask, "mode {mode:o}");
    no_leftovers(dir.parent());
}

#[test]
fn a_replaced_output_file_keeps_its_permissions() {
    let (dir, target) = small_tree();
    std::fs::write(&target, "old").unwrap();
    util::chmod(&target, 0o640);
    let out = dir.run(&["--folded", "-o", target.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    let mode = std::fs::metadata(&target).unwrap().permissions().mode() & 0o7777;
    assert_eq!(mode, 0o640, "mode {mode:o}");
}

#[test]
fn an_existing_output_file_is_untouched_on_failure() {
    let (dir, target) = small_tree();
    dir.dir("nothing");
    dir.file("unknown/README", "text\n");
    let old: Vec<u8> = b"old content \xFF\n".to_vec();
    let target_arg = target.to_str().unwrap();
    let failures: [&[&str]; 6] = [
        &["missing", "-o", target_arg],
        &["nothing", "-o", target_arg],
        &["unknown", "-o", target_arg],
        &["--folded", "missing", "-o", target_arg],
        &["--type", "pyton", "-o", target_arg],
        &["--metric", "comments", "-o", target_arg],
    ];
    for args in failures {
        std::fs::write(&target, &old).unwrap();
        util::chmod(&target, 0o604);
        let before = std::fs::metadata(&target).unwrap();
        let out = dir.run(args);
        util::assert_fails_cleanly(&out);
        assert_eq!(
            std::fs::read(&target).unwrap(),
            old,
            "{args:?}: file changed"
        );
        let after = std::fs::metadata(&target).unwrap();
        use std::os::unix::fs::MetadataExt;
        assert_eq!(before.ino(), after.ino(), "{args:?}: file replaced");
        assert_eq!(after.mode() & 0o7777, 0o604, "{args:?}: mode changed");
        no_leftovers(dir.parent());
    }
}

#[test]
fn output_into_a_missing_directory_fails_clearly() {
    let (dir, _) = small_tree();
    let target = dir.parent().join("no-such-dir/out.svg");
    let out = dir.run(&["-o", target.to_str().unwrap()]);
    let line = util::assert_fails_cleanly(&out);
    assert!(
        line.contains("no-such-dir") && line.contains("does not exist"),
        "{line:?}"
    );
    assert!(!dir.parent().join("no-such-dir").exists());

    // Relative, from the working directory.
    let out = dir.run(&["--folded", "-o", "nowhere/x.txt"]);
    let line = util::assert_fails_cleanly(&out);
    assert!(line.contains("nowhere"), "{line:?}");
}

#[test]
fn output_onto_a_directory_fails_clearly() {
    let (dir, _) = small_tree();
    dir.dir("adir");
    let out = dir.run(&["--folded", "-o", "adir"]);
    let line = util::assert_fails_cleanly(&out);
    assert!(
        line.contains("adir") && line.contains("directory"),
        "{line:?}"
    );
    assert!(dir.join("adir").is_dir());
    no_leftovers(dir.path());
}

#[test]
fn output_in_an_unwritable_directory_fails_and_leaves_the_file() {
    let Some(mut cmd) = util::repoflame_unprivileged("output_in_an_unwritable_directory") else {
        return;
    };
    let (dir, target) = small_tree();
    util::open_to_all(&dir);
    std::fs::write(&target, "old").unwrap();
    util::chmod(&target, 0o666); // writable, but its directory is not
    let out = util::run_limited(
        cmd.current_dir(dir.path())
            .args(["--folded", "-o"])
            .arg(&target),
        HANG,
    )
    .output;
    let line = util::assert_fails_cleanly(&out);
    assert!(
        line.contains("out.svg"),
        "the output is not named: {line:?}"
    );
    assert_eq!(std::fs::read(&target).unwrap(), b"old");
    no_leftovers(dir.parent());
}

#[test]
fn a_write_error_on_stdout_reads_like_every_other_error() {
    // `repoflame: <what>: <why>`, the reason worded as io_reason words the
    // others: without std's "(os error N)".
    let (dir, _) = small_tree();
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let out = dir
        .cmd()
        .arg("--folded")
        .stdout(full)
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    let line = util::assert_fails_cleanly(&out);
    assert!(!line.contains("(os error"), "{line:?}");
}

#[test]
fn a_write_error_on_an_output_file_reads_like_every_other_error() {
    // The same for `-o`: the output file and the reason, not the internal
    // temporary file.
    let Some(mut cmd) = util::repoflame_unprivileged("a_write_error_on_an_output_file") else {
        return;
    };
    let (dir, target) = small_tree();
    util::open_to_all(&dir);
    let out = util::run_limited(
        cmd.current_dir(dir.path())
            .args(["--folded", "-o"])
            .arg(&target),
        HANG,
    )
    .output;
    let line = util::assert_fails_cleanly(&out);
    assert!(line.contains("out.svg"), "{line:?}");
    assert!(line.contains("permission denied"), "{line:?}");
    assert!(!line.contains("(os error"), "{line:?}");
    assert!(
        !line.contains(".repoflame-"),
        "the temporary file is an implementation detail: {line:?}"
    );
    assert!(!target.exists());
    no_leftovers(dir.parent());
}

#[test]
fn a_full_stdout_is_an_error_naming_stdout() {
    let (dir, _) = small_tree();
    for format in ["svg", "folded", "json"] {
        let full = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .expect("/dev/full");
        let mut cmd = dir.cmd();
        cmd.args(["--format", format])
            .stdout(full)
            .stderr(Stdio::piped());
        let out = cmd.output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{format}: {}", describe(&out));
        let lines = util::error_lines(&out);
        assert_eq!(lines.len(), 1, "{format}: {lines:?}");
        assert!(lines[0].contains("stdout"), "{format}: {:?}", lines[0]);
        assert!(
            lines[0].to_lowercase().contains("no space left on device"),
            "{format}: {:?}",
            lines[0]
        );
    }
}

#[test]
fn a_closed_pipe_is_not_an_error() {
    let dir = TestDir::new("big");
    // Enough output to fill a pipe several times over.
    for d in 0..40 {
        for f in 0..75 {
            dir.file(
                format!("directory_{d:02}/a_longer_file_name_{f:03}.rs"),
                "fn a() {}\n",
            );
        }
    }
    for args in [&["--folded"][..], &[], &["--format", "json"]] {
        let mut child = dir
            .cmd()
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut first = String::new();
        stdout.read_line(&mut first).unwrap();
        assert!(!first.is_empty(), "{args:?}: no output");
        drop(stdout); // `| head -1`
        let mut stderr = child.stderr.take().unwrap();
        let err = std::thread::spawn(move || {
            let mut text = String::new();
            std::io::Read::read_to_string(&mut stderr, &mut text).unwrap();
            text
        });
        let (status, _) = util::wait_limited(&mut child, HANG);
        let err = err.join().unwrap();
        assert_eq!(
            status.code(),
            Some(0),
            "{args:?}: {status:?}, stderr {err:?}"
        );
        assert_eq!(err, "", "{args:?}: stderr");
    }
}

#[test]
fn an_svg_is_not_written_to_a_terminal() {
    let (dir, _) = small_tree();
    let run = util::run_on_pty(dir.cmd(), true, false, HANG);
    assert_eq!(run.status.code(), Some(2));
    assert!(
        !String::from_utf8_lossy(&run.terminal).contains("<svg"),
        "an SVG reached the terminal"
    );
    let stderr = String::from_utf8(run.stderr).unwrap();
    assert_eq!(stderr.lines().count(), 1, "{stderr:?}");
    assert!(stderr.starts_with("repoflame: "), "{stderr:?}");
    assert!(stderr.contains("-o"), "no hint about -o: {stderr:?}");

    // The same with --format svg spelled out.
    let mut cmd = dir.cmd();
    cmd.args(["--format", "svg"]);
    let run = util::run_on_pty(cmd, true, false, HANG);
    assert_eq!(run.status.code(), Some(2));
}

#[test]
fn an_svg_with_o_is_written_while_stdout_is_a_terminal() {
    let (dir, target) = small_tree();
    let mut cmd = dir.cmd();
    cmd.arg("-o").arg(&target);
    let run = util::run_on_pty(cmd, true, false, HANG);
    assert_eq!(
        run.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(run.terminal.is_empty(), "output on the terminal");
    util::assert_xml(&std::fs::read(&target).unwrap());
}

#[test]
fn folded_and_json_output_may_go_to_a_terminal() {
    let (dir, _) = small_tree();
    let mut cmd = dir.cmd();
    cmd.arg("--folded");
    let run = util::run_on_pty(cmd, true, false, HANG);
    assert_eq!(
        run.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let shown = String::from_utf8(run.terminal)
        .unwrap()
        .replace("\r\n", "\n");
    assert_eq!(shown, "t;a.rs 2\nt;src;b.py 1\n");
    assert!(run.stderr.is_empty());

    let mut cmd = dir.cmd();
    cmd.args(["--format", "json"]);
    let run = util::run_on_pty(cmd, true, false, HANG);
    assert_eq!(run.status.code(), Some(0));
    let shown = String::from_utf8(run.terminal)
        .unwrap()
        .replace("\r\n", "\n");
    let report: serde_json::Value = serde_json::from_str(&shown).expect("JSON");
    assert_eq!(report["totals"]["code"], 3);
}
