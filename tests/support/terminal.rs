//! Runs on a pseudo-terminal: the binary with its stdout or stderr on a
//! terminal ([`run_on_pty`]: progress bars, the refusal to dump an SVG
//! onto a terminal), or with a terminal as its controlling terminal and
//! stdin ([`run_with_terminal_stdin`]: a prompt for credentials would land
//! there). Terminals are opened close-on-exec ([`open_pty`]), so the
//! children of tests running beside never hold one open.

use std::io::Read;
use std::os::unix::process::CommandExt;
use std::process::{Command, ExitStatus, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use super::processes::{Bounded, HANG, die_with_parent, drain, kill_group, wait_limited};

/// What a run with a pseudo-terminal attached gave.
pub struct PtyRun {
    /// Exit status.
    pub status: ExitStatus,
    /// Everything written to the terminal (with the terminal's `\r\n`).
    pub terminal: Vec<u8>,
    /// stdout, when it was a pipe.
    pub stdout: Vec<u8>,
    /// stderr, when it was a pipe.
    pub stderr: Vec<u8>,
}

/// A new pseudo-terminal: (master, slave), both close-on-exec from the
/// moment they exist. (`openpty` makes them inheritable: a child that
/// another test spawns in the meantime, a server that lives for its whole
/// test, would hold the slave side open, and reading the master would not
/// end when the child under test exits.)
pub fn open_pty() -> (std::fs::File, std::fs::File) {
    use std::os::fd::{FromRawFd, OwnedFd};

    let flags = libc::O_RDWR | libc::O_NOCTTY | libc::O_CLOEXEC;
    // SAFETY: plain system calls; each new descriptor is owned at once.
    let master = unsafe { libc::posix_openpt(flags) };
    assert!(
        master >= 0,
        "posix_openpt: {}",
        std::io::Error::last_os_error()
    );
    let master = unsafe { OwnedFd::from_raw_fd(master) };
    use std::os::fd::AsRawFd;
    // SAFETY: a valid master descriptor.
    let rc = unsafe { libc::unlockpt(master.as_raw_fd()) };
    assert_eq!(rc, 0, "unlockpt: {}", std::io::Error::last_os_error());
    // The slave side, opened through the master (no name to look up).
    // SAFETY: TIOCGPTPEER takes the open flags as its argument.
    let slave = unsafe { libc::ioctl(master.as_raw_fd(), libc::TIOCGPTPEER, flags) };
    assert!(
        slave >= 0,
        "TIOCGPTPEER: {}",
        std::io::Error::last_os_error()
    );
    let slave = unsafe { OwnedFd::from_raw_fd(slave) };
    (std::fs::File::from(master), std::fs::File::from(slave))
}

/// Runs `cmd` with its stdout and/or stderr on a new pseudo-terminal (the
/// other streams piped), within `limit`.
pub fn run_on_pty(mut cmd: Command, stdout: bool, stderr: bool, limit: Duration) -> PtyRun {
    let (master, slave) = open_pty();
    let on_pty = |yes: bool| -> Stdio {
        if yes {
            Stdio::from(slave.try_clone().expect("dup pty"))
        } else {
            Stdio::piped()
        }
    };
    // A terminal says what it is: progress bars are drawn only when TERM
    // names one (indicatif hides them when it is unset or `dumb`).
    cmd.stdout(on_pty(stdout))
        .stderr(on_pty(stderr))
        .env("TERM", "xterm-256color");
    let mut child = cmd.spawn().expect("spawn repoflame");
    // Only the child may hold the terminal's slave side, so that reading
    // the master ends (EIO) when the child exits.
    drop(cmd);
    drop(slave);
    let terminal = drain(Some(master));
    let out = drain(child.stdout.take());
    let err = drain(child.stderr.take());
    let (status, _) = wait_limited(&mut child, limit);
    PtyRun {
        status,
        terminal: terminal.join().expect("pty reader"),
        stdout: out.join().expect("stdout reader"),
        stderr: err.join().expect("stderr reader"),
    }
}

/// What [`run_with_terminal_stdin`] gave: the run, and everything the
/// child wrote to its terminal (a prompt would land there).
pub struct TerminalRun {
    /// Exit status, stdout and stderr (pipes), time taken, hang.
    pub bounded: Bounded,
    /// Bytes written to the terminal.
    pub terminal: Vec<u8>,
}

/// Runs `cmd` in a session of its own whose controlling terminal is a new
/// pseudo-terminal, with stdin on that terminal (stdout and stderr piped):
/// a program that wants to prompt for a password could. Killed (with its
/// session's process group) after `limit`, marked `timed_out`.
pub fn run_with_terminal_stdin(mut cmd: Command, limit: Duration) -> TerminalRun {
    let (master, slave) = open_pty();
    cmd.stdin(Stdio::from(slave))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    // SAFETY: setsid and ioctl are async-signal-safe; stdin is the
    // terminal's slave side.
    unsafe {
        cmd.pre_exec(|| {
            if libc::setsid() == -1 || libc::ioctl(0, libc::TIOCSCTTY, 0) == -1 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    die_with_parent(&mut cmd);
    let start = Instant::now();
    let mut child = cmd.spawn().expect("spawn with a terminal");
    // Only the child may hold the slave side now.
    drop(cmd);
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut master = master;
        let mut out = Vec::new();
        let _ = master.read_to_end(&mut out);
        let _ = tx.send(out);
    });
    let stdout = drain(child.stdout.take());
    let stderr = drain(child.stderr.take());
    let (status, timed_out) = loop {
        if let Some(status) = child.try_wait().expect("try_wait") {
            break (status, false);
        }
        if start.elapsed() >= limit {
            break (kill_group(&mut child), true);
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let elapsed = start.elapsed();
    // The terminal's reader ends when the session that holds the slave
    // side is gone: waiting for it only catches a hang, and what it read
    // is never lost to a deadline (an empty terminal proves no prompt).
    let terminal = rx
        .recv_timeout(HANG)
        .expect("the terminal still open after its session ended");
    TerminalRun {
        bounded: Bounded {
            output: Output {
                status,
                stdout: stdout.join().expect("stdout reader"),
                stderr: stderr.join().expect("stderr reader"),
            },
            timed_out,
            elapsed,
        },
        terminal,
    }
}
