//! Where the output goes: `-o FILE` replaced atomically (left byte-identical
//! on failure, no temporary file left behind, mode and owner kept), `-o`
//! onto devices, FIFOs, sockets and symbolic links (written as `>` would,
//! never renamed over) and onto what cannot be written (fails before any
//! work), `-o -`, write errors on stdout, a closed pipe, terminals (no SVG
//! dumped on one), and user text (titles, names) in the output.

use std::io::{BufRead, BufReader};
use std::os::unix::fs::PermissionsExt;
use std::process::Stdio;

use crate::support::output;
use crate::support::processes::{self, HANG};
use crate::support::run::{self, Run, describe, describe_brief};
use crate::support::special;
use crate::support::terminal;
use crate::support::tree::{self, TestDir};

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
        tree::temp_leftovers(dir),
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
    output::assert_xml(&svg);
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
    assert_eq!(mode, 0o666 & !tree::current_umask(), "mode {mode:o}");
    no_leftovers(dir.parent());
}

#[test]
fn a_replaced_output_file_keeps_its_permissions() {
    let (dir, target) = small_tree();
    std::fs::write(&target, "old").unwrap();
    tree::chmod(&target, 0o640);
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
        tree::chmod(&target, 0o604);
        let before = std::fs::metadata(&target).unwrap();
        let out = dir.run(args);
        output::assert_fails_cleanly(&out);
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
    let line = output::assert_fails_cleanly(&out);
    assert!(
        line.contains("no-such-dir") && line.contains("does not exist"),
        "{line:?}"
    );
    assert!(!dir.parent().join("no-such-dir").exists());

    // Relative, from the working directory.
    let out = dir.run(&["--folded", "-o", "nowhere/x.txt"]);
    let line = output::assert_fails_cleanly(&out);
    assert!(line.contains("nowhere"), "{line:?}");
}

#[test]
fn output_onto_a_directory_fails_clearly() {
    let (dir, _) = small_tree();
    dir.dir("adir");
    let out = dir.run(&["--folded", "-o", "adir"]);
    let line = output::assert_fails_cleanly(&out);
    assert!(
        line.contains("adir") && line.contains("directory"),
        "{line:?}"
    );
    assert!(dir.join("adir").is_dir());
    no_leftovers(dir.path());
}

#[test]
fn output_in_an_unwritable_directory_fails_and_leaves_the_file() {
    let Some(mut cmd) = run::repoflame_unprivileged("output_in_an_unwritable_directory") else {
        return;
    };
    let (dir, target) = small_tree();
    tree::open_to_all(&dir);
    std::fs::write(&target, "old").unwrap();
    tree::chmod(&target, 0o666); // writable, but its directory is not
    let out = processes::run_limited(
        cmd.current_dir(dir.path())
            .args(["--folded", "-o"])
            .arg(&target),
        HANG,
    )
    .output;
    let line = output::assert_fails_cleanly(&out);
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
    let out = processes::run_with_stdout(dir.cmd().arg("--folded"), full);
    let line = output::assert_fails_cleanly(&out);
    assert!(!line.contains("(os error"), "{line:?}");
}

#[test]
fn a_write_error_on_an_output_file_reads_like_every_other_error() {
    // The same for `-o`: the output file and the reason, not the internal
    // temporary file.
    let Some(mut cmd) = run::repoflame_unprivileged("a_write_error_on_an_output_file") else {
        return;
    };
    let (dir, target) = small_tree();
    tree::open_to_all(&dir);
    let out = processes::run_limited(
        cmd.current_dir(dir.path())
            .args(["--folded", "-o"])
            .arg(&target),
        HANG,
    )
    .output;
    let line = output::assert_fails_cleanly(&out);
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
        let out = processes::run_with_stdout(dir.cmd().args(["--format", format]), full);
        assert_eq!(out.status.code(), Some(2), "{format}: {}", describe(&out));
        let lines = output::error_lines(&out);
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
        let (status, _) = processes::wait_limited(&mut child, HANG);
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
    let run = terminal::run_on_pty(dir.cmd(), true, false, HANG);
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
    let run = terminal::run_on_pty(cmd, true, false, HANG);
    assert_eq!(run.status.code(), Some(2));
}

#[test]
fn an_svg_with_o_is_written_while_stdout_is_a_terminal() {
    let (dir, target) = small_tree();
    let mut cmd = dir.cmd();
    cmd.arg("-o").arg(&target);
    let run = terminal::run_on_pty(cmd, true, false, HANG);
    assert_eq!(
        run.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(run.terminal.is_empty(), "output on the terminal");
    output::assert_xml(&std::fs::read(&target).unwrap());
}

#[test]
fn folded_and_json_output_may_go_to_a_terminal() {
    let (dir, _) = small_tree();
    let mut cmd = dir.cmd();
    cmd.arg("--folded");
    let run = terminal::run_on_pty(cmd, true, false, HANG);
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
    let run = terminal::run_on_pty(cmd, true, false, HANG);
    assert_eq!(run.status.code(), Some(0));
    let shown = String::from_utf8(run.terminal)
        .unwrap()
        .replace("\r\n", "\n");
    let report: serde_json::Value = serde_json::from_str(&shown).expect("JSON");
    assert_eq!(report["totals"]["code"], 3);
}

// ---------------------------------------------------------------------------
// `-o` onto what is not a regular file: written as `>` would, never renamed
// over.

/// The folded output of [`small_tree`].
const SMALL_FOLDED: &str = "t;a.rs 2\nt;src;b.py 1\n";

/// `major:minor` of a device node.
fn device_numbers(path: &std::path::Path) -> (u32, u32) {
    use std::os::unix::fs::MetadataExt;
    let rdev = std::fs::symlink_metadata(path).unwrap().rdev();
    (libc::major(rdev), libc::minor(rdev))
}

/// Creates a character device node at `path`.
fn mknod_char(path: &std::path::Path, major: u32, minor: u32) {
    use std::os::unix::ffi::OsStrExt;
    let c = std::ffi::CString::new(path.as_os_str().as_bytes()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    let rc = unsafe {
        libc::mknod(
            c.as_ptr(),
            libc::S_IFCHR | 0o666,
            libc::makedev(major, minor),
        )
    };
    assert_eq!(rc, 0, "mknod {path:?}: {}", std::io::Error::last_os_error());
}

#[test]
fn o_onto_a_character_device_writes_through_it_and_keeps_the_node() {
    const TEST: &str = "o_onto_a_character_device_writes_through_it_and_keeps_the_node";
    if !run::is_root() {
        run::require_or_skip(TEST, "mknod needs root");
        return;
    }
    use std::os::unix::fs::FileTypeExt;
    let (dir, _) = small_tree();
    // A null device of our own: never the system's /dev/null.
    let null = dir.parent().join("null");
    mknod_char(&null, 1, 3);
    for format in ["svg", "folded", "json", "html"] {
        let out = dir.run(&["--format", format, "-o", null.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(0), "{format}: {}", describe(&out));
        let kind = std::fs::symlink_metadata(&null).unwrap().file_type();
        assert!(
            kind.is_char_device(),
            "{format}: the device node was replaced: {kind:?}"
        );
        assert_eq!(device_numbers(&null), (1, 3));
        no_leftovers(dir.parent());
    }
    // Written through, not beside: a full device says so.
    let full = dir.parent().join("full");
    mknod_char(&full, 1, 7);
    let out = dir.run(&["--folded", "-o", full.to_str().unwrap()]);
    let line = output::assert_fails_cleanly(&out);
    assert!(
        line.contains("full") && line.contains("no space left"),
        "{line:?}"
    );
    assert!(
        std::fs::symlink_metadata(&full)
            .unwrap()
            .file_type()
            .is_char_device()
    );
    assert_eq!(device_numbers(&full), (1, 7));
    no_leftovers(dir.parent());
}

#[test]
fn o_onto_a_fifo_writes_into_it_in_place() {
    use std::os::unix::fs::FileTypeExt;
    let (dir, _) = small_tree();
    let fifo = dir.parent().join("pipe");
    special::mkfifo(&fifo);
    for (args, expected) in [
        (&["--folded"][..], SMALL_FOLDED.as_bytes().to_vec()),
        (&[][..], dir.run(&[]).stdout),
    ] {
        let reader = special::FifoReader::start(&fifo);
        let out = processes::run_limited(dir.cmd().args(args).arg("-o").arg(&fifo), HANG).output;
        let read = reader.finish();
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", describe(&out));
        assert!(
            std::fs::symlink_metadata(&fifo)
                .unwrap()
                .file_type()
                .is_fifo(),
            "{args:?}: the FIFO was replaced"
        );
        assert_eq!(read, expected, "{args:?}: not what the reader got");
        no_leftovers(dir.parent());
    }
}

#[test]
fn o_onto_a_socket_connects_and_writes_to_it() {
    use std::os::unix::fs::FileTypeExt;
    let (dir, _) = small_tree();
    let socket = dir.parent().join("sock");
    let reader = special::SocketReader::listen(&socket);
    let out = processes::run_limited(dir.cmd().args(["--folded", "-o"]).arg(&socket), HANG).output;
    let read = reader.finish();
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    assert!(
        std::fs::symlink_metadata(&socket)
            .unwrap()
            .file_type()
            .is_socket(),
        "the socket was replaced"
    );
    assert_eq!(
        read.as_deref(),
        Some(SMALL_FOLDED.as_bytes()),
        "not what the listener got"
    );
    no_leftovers(dir.parent());
}

#[test]
fn o_onto_a_socket_nobody_listens_on_fails_before_counting() {
    use std::os::unix::fs::FileTypeExt;
    let (dir, _) = small_tree();
    let socket = dir.parent().join("sock");
    drop(std::os::unix::net::UnixListener::bind(&socket).unwrap());
    let tripwire = special::WalkTripwire::set(dir.path());
    let out = processes::run_limited(dir.cmd().args(["--folded", "-o"]).arg(&socket), HANG).output;
    let walked = tripwire.tripped();
    let line = output::assert_fails_cleanly(&out);
    assert!(
        line.contains("sock") && line.contains("connect"),
        "{line:?}"
    );
    assert!(
        !walked,
        "the source was walked before the output was found unusable"
    );
    assert!(
        std::fs::symlink_metadata(&socket)
            .unwrap()
            .file_type()
            .is_socket()
    );
    no_leftovers(dir.parent());
}

/// Asserts that `link` is still a symbolic link to `to`.
fn assert_link(link: &std::path::Path, to: &str) {
    let meta = std::fs::symlink_metadata(link).unwrap();
    assert!(
        meta.file_type().is_symlink(),
        "{link:?} is no longer a link"
    );
    assert_eq!(std::fs::read_link(link).unwrap(), std::path::Path::new(to));
}

#[test]
fn o_onto_a_symlink_keeps_the_link_and_replaces_the_file_it_points_to() {
    use std::os::unix::fs::MetadataExt;
    let (dir, _) = small_tree();
    let (links, files) = (dir.parent().join("links"), dir.parent().join("files"));
    std::fs::create_dir(&links).unwrap();
    std::fs::create_dir(&files).unwrap();
    let target = files.join("graph.txt");
    std::fs::write(&target, "old").unwrap();
    tree::chmod(&target, 0o640);
    let inode = std::fs::metadata(&target).unwrap().ino();
    let link = links.join("graph.txt");
    std::os::unix::fs::symlink("../files/graph.txt", &link).unwrap();

    let out = dir.run(&["--folded", "-o", link.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    assert_link(&link, "../files/graph.txt");
    assert_eq!(std::fs::read_to_string(&target).unwrap(), SMALL_FOLDED);
    let after = std::fs::metadata(&target).unwrap();
    // Atomically: a new file renamed over the old one, with its mode.
    assert_ne!(after.ino(), inode, "written in place, not replaced");
    assert_eq!(after.mode() & 0o7777, 0o640);
    no_leftovers(&links);
    no_leftovers(&files);
}

#[test]
fn o_onto_a_chain_of_symlinks_keeps_every_link() {
    let (dir, _) = small_tree();
    let (a, b) = (dir.parent().join("a"), dir.parent().join("a/b"));
    std::fs::create_dir_all(&b).unwrap();
    let target = b.join("real.txt");
    std::fs::write(&target, "old").unwrap();
    // first → a/second → a/b/real.txt, each relative to its own directory.
    std::os::unix::fs::symlink("b/real.txt", a.join("second")).unwrap();
    std::os::unix::fs::symlink("a/second", dir.parent().join("first")).unwrap();

    let out = dir.run(&["--folded", "-o", "../first"]);
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    assert_link(&dir.parent().join("first"), "a/second");
    assert_link(&a.join("second"), "b/real.txt");
    assert_eq!(std::fs::read_to_string(&target).unwrap(), SMALL_FOLDED);
    no_leftovers(dir.parent());
    no_leftovers(&a);
    no_leftovers(&b);
}

#[test]
fn o_onto_a_dangling_symlink_creates_the_file_it_points_to() {
    let (dir, _) = small_tree();
    let files = dir.parent().join("files");
    std::fs::create_dir(&files).unwrap();
    let link = dir.parent().join("graph.txt");
    std::os::unix::fs::symlink("files/new.txt", &link).unwrap();

    let out = dir.run(&["--folded", "-o", link.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    assert_link(&link, "files/new.txt");
    assert_eq!(
        std::fs::read_to_string(files.join("new.txt")).unwrap(),
        SMALL_FOLDED
    );
    let mode = std::fs::metadata(files.join("new.txt"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(
        mode & 0o777,
        0o666 & !tree::current_umask(),
        "mode {mode:o}"
    );
    no_leftovers(dir.parent());
    no_leftovers(&files);

    // A dangling link into a missing directory: an error, before any work.
    std::os::unix::fs::symlink("nowhere/new.txt", dir.parent().join("lost")).unwrap();
    let tripwire = special::WalkTripwire::set(dir.path());
    let out = processes::run_limited(dir.cmd().args(["--folded", "-o", "../lost"]), HANG).output;
    let walked = tripwire.tripped();
    let line = output::assert_fails_cleanly(&out);
    assert!(
        line.contains("lost") && line.contains("nowhere"),
        "{line:?}"
    );
    assert!(
        !walked,
        "the source was walked before the output was found unusable"
    );
    assert_link(&dir.parent().join("lost"), "nowhere/new.txt");
}

#[test]
fn o_onto_a_directory_or_a_link_to_one_fails_before_any_work() {
    let (dir, _) = small_tree();
    let target = dir.parent().join("adir");
    std::fs::create_dir(&target).unwrap();
    std::os::unix::fs::symlink("adir", dir.parent().join("to-dir")).unwrap();
    let tripwire = special::WalkTripwire::set(dir.path());
    for name in ["../adir", "../to-dir"] {
        let out = processes::run_limited(dir.cmd().args(["--folded", "-o", name]), HANG).output;
        let line = output::assert_fails_cleanly(&out);
        assert!(
            line.contains(&name[3..]) && line.contains("directory"),
            "{line:?}"
        );
    }
    assert!(!tripwire.tripped(), "the source was walked");
    assert!(target.is_dir());
    assert_link(&dir.parent().join("to-dir"), "adir");
    no_leftovers(&target);
}

#[test]
fn o_into_an_unwritable_directory_fails_before_the_walk() {
    const TEST: &str = "o_into_an_unwritable_directory_fails_before_the_walk";
    let Some(mut cmd) = run::repoflame_unprivileged(TEST) else {
        run::require_or_skip(TEST, "running as root and setpriv is not installed");
        return;
    };
    let (dir, _) = small_tree();
    tree::open_to_all(&dir);
    let locked = dir.parent().join("locked");
    std::fs::create_dir(&locked).unwrap();
    tree::chmod(&locked, 0o555);
    let target = locked.join("out.svg");
    let tripwire = special::WalkTripwire::set(dir.path());
    let out = processes::run_limited(
        cmd.current_dir(dir.path())
            .args(["--folded", "-o"])
            .arg(&target),
        HANG,
    )
    .output;
    let walked = tripwire.tripped();
    let line = output::assert_fails_cleanly(&out);
    assert!(
        line.contains("out.svg") && line.contains("permission denied"),
        "{line:?}"
    );
    assert!(
        !walked,
        "the whole source was walked before the output was found unwritable"
    );
    assert!(!target.exists());
    no_leftovers(&locked);
}

// ---------------------------------------------------------------------------
// The mode and owner of a file `-o` writes.

#[test]
fn a_new_output_file_gets_0666_less_the_umask_of_the_run() {
    use std::os::unix::process::CommandExt;
    let (dir, target) = small_tree();
    for umask in [0o022, 0o027, 0o077, 0o002] {
        let _ = std::fs::remove_file(&target);
        let mut cmd = dir.cmd();
        cmd.args(["--folded", "-o"]).arg(&target);
        // SAFETY: umask is async-signal-safe; it changes the child only.
        unsafe {
            cmd.pre_exec(move || {
                libc::umask(umask);
                Ok(())
            });
        }
        let out = cmd.complete();
        assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
        let mode = std::fs::metadata(&target).unwrap().permissions().mode() & 0o7777;
        assert_eq!(mode, 0o666 & !umask, "umask {umask:03o}: mode {mode:o}");
    }
    no_leftovers(dir.parent());
}

#[test]
fn a_replaced_output_file_keeps_its_owner_and_group_when_run_as_root() {
    const TEST: &str = "a_replaced_output_file_keeps_its_owner_and_group_when_run_as_root";
    use std::os::unix::fs::MetadataExt;
    if !run::is_root() {
        run::require_or_skip(TEST, "giving a file to another user needs root");
        return;
    }
    let (dir, target) = small_tree();
    std::fs::write(&target, "old").unwrap();
    std::os::unix::fs::chown(&target, Some(65534), Some(65534)).unwrap();
    tree::chmod(&target, 0o640);
    let out = dir.run(&["--folded", "-o", target.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    assert_eq!(std::fs::read_to_string(&target).unwrap(), SMALL_FOLDED);
    let meta = std::fs::metadata(&target).unwrap();
    assert_eq!((meta.uid(), meta.gid()), (65534, 65534), "owner not kept");
    assert_eq!(meta.mode() & 0o7777, 0o640);
    no_leftovers(dir.parent());
}

// ---------------------------------------------------------------------------
// `-o -`.

#[test]
fn o_dash_writes_to_stdout_not_a_file_named_dash() {
    let (dir, _) = small_tree();
    let out = dir.run(&["--folded", "-o", "-"]);
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    assert_eq!(String::from_utf8_lossy(&out.stdout), SMALL_FOLDED);
    assert!(!dir.join("-").exists(), "a file named - was written");
    // Like stdout, no SVG onto a terminal.
    let mut cmd = dir.cmd();
    cmd.args(["-o", "-"]);
    let run = terminal::run_on_pty(cmd, true, false, HANG);
    assert_eq!(run.status.code(), Some(2));
    assert!(!String::from_utf8_lossy(&run.terminal).contains("<svg"));
    assert!(!dir.join("-").exists(), "a file named - was written");
    // A file named `-` is still reachable as ./-.
    let out = dir.run(&["--folded", "-o", "./-"]);
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    assert_eq!(
        std::fs::read_to_string(dir.join("-")).unwrap(),
        SMALL_FOLDED
    );
}

// ---------------------------------------------------------------------------
// User text in the output: titles and names.

/// A title with what breaks XML 1.0 (C0 controls, U+FFFE) or a terminal
/// (escape sequences, bidi overrides, C1 controls), and what a title may
/// keep as it is (`;`, `\`, spaces, digits at the end).
const HOSTILE_TITLE: &str = "a\u{1}b\u{1b}[31mc\u{FFFE}d\u{202E}e\u{85}f;g\\h\tv 2";

/// Checks that `page` holds no character that breaks XML or a terminal.
fn assert_no_raw_controls(page: &str, what: &str) {
    let bad: Vec<char> = page
        .chars()
        .filter(|&c| {
            (c.is_control() && !matches!(c, '\n' | '\t' | '\r'))
                || matches!(c, '\u{FFFE}' | '\u{FFFF}' | '\u{202A}'..='\u{202E}')
        })
        .collect();
    assert!(bad.is_empty(), "{what}: raw {bad:?}");
}

#[test]
fn a_title_with_control_characters_or_u_fffe_gives_an_svg_that_parses() {
    let (dir, _) = small_tree();
    // Escaped like frame names, except what only folded stacks need: a
    // title is never split on `;` nor read back.
    let expected = r"a\x01b\x1B[31mc\u{FFFE}d\u{202E}e\u{85}f;g\h\x09v 2";
    let out = dir.run(&["--title", HOSTILE_TITLE]);
    assert_eq!(out.status.code(), Some(0), "{}", describe_brief(&out));
    let svg = std::str::from_utf8(&out.stdout).expect("UTF-8");
    output::assert_xml(svg.as_bytes());
    assert_no_raw_controls(svg, "SVG");
    assert_eq!(
        output::svg_text(&out.stdout, "title").as_deref(),
        Some(expected)
    );

    let out = dir.run(&["--title", HOSTILE_TITLE, "--format", "html"]);
    assert_eq!(out.status.code(), Some(0), "{}", describe_brief(&out));
    let page = String::from_utf8(out.stdout).expect("UTF-8");
    assert_no_raw_controls(&page, "HTML");
    assert!(
        page.contains(&format!("<title>{expected}</title>")),
        "window title"
    );
    assert!(page.contains(&format!("<h1>{expected}</h1>")), "heading");
}

#[test]
fn a_name_with_control_characters_or_u_fffe_is_escaped_everywhere() {
    let (dir, _) = small_tree();
    // The root frame's name: escaped exactly as a frame.
    let expected = r"a\x01b\x1B[31mc\u{FFFE}d\u{202E}e\u{85}f\x3Bg\\h\x09v\x202";
    let out = dir.run(&["--name", HOSTILE_TITLE]);
    assert_eq!(out.status.code(), Some(0), "{}", describe_brief(&out));
    let svg = std::str::from_utf8(&out.stdout).expect("UTF-8");
    output::assert_xml(svg.as_bytes());
    assert_no_raw_controls(svg, "SVG");
    assert_eq!(
        output::svg_text(&out.stdout, "title").as_deref(),
        Some(expected)
    );
    assert!(
        output::svg_frames(&out.stdout)
            .iter()
            .any(|f| f.name() == expected)
    );

    let out = dir.run(&["--name", HOSTILE_TITLE, "--format", "html"]);
    let page = String::from_utf8(out.stdout).expect("UTF-8");
    assert_no_raw_controls(&page, "HTML");
    assert!(page.contains(&format!("<h1>{expected}</h1>")), "heading");

    let out = dir.run(&["--name", HOSTILE_TITLE, "--format", "json"]);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(report["source"]["name"], expected);

    let out = dir.run(&["--name", HOSTILE_TITLE, "--folded"]);
    let folded = String::from_utf8(out.stdout).unwrap();
    assert!(folded.starts_with(&format!("{expected};")), "{folded:?}");
}
