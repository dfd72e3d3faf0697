//! Child processes with a deadline. Two kinds of run:
//!
//! - runs that must end: [`run_limited`] (which also measures the child's
//!   peak memory) and [`run_with_stdout`] fail the test when the child is
//!   still running after the limit ([`HANG`]);
//! - runs that may hang, for checking that something does or does not:
//!   [`run_with_deadline`] and [`spawn_signallable`] kill the child's whole
//!   process group at the deadline and report it (`timed_out`).
//!
//! Children of the second kind, and servers, die with the thread that
//! started them ([`die_with_parent`]), even when no destructor runs.

use std::io::Read;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How long one run may take before it counts as a hang (a debug build on
/// a loaded machine of two cores): a hang fails its test instead of
/// blocking the suite.
pub const HANG: Duration = Duration::from_secs(180);

/// How a bounded run ended: the usual output plus the child's peak memory.
pub struct Measured {
    /// Exit status, stdout and stderr.
    pub output: Output,
    /// Peak resident set size of the child, in KiB (`ru_maxrss`).
    pub max_rss_kib: u64,
}

/// Waits for `child` at most `limit`, reaping it with `wait4` so that its
/// own peak memory is known (not that of other tests' children). A child
/// still running after `limit` is killed and the test fails: a hang must
/// fail, not block the suite.
pub fn wait_limited(child: &mut Child, limit: Duration) -> (ExitStatus, u64) {
    let pid = child.id() as libc::pid_t;
    let deadline = Instant::now() + limit;
    loop {
        let mut status = 0;
        // SAFETY: plain system call on our own child, with valid out-pointers.
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        let reaped = unsafe { libc::wait4(pid, &mut status, libc::WNOHANG, &mut usage) };
        if reaped == pid {
            return (ExitStatus::from_raw(status), usage.ru_maxrss as u64);
        }
        assert!(reaped == 0, "wait4: {}", std::io::Error::last_os_error());
        if Instant::now() >= deadline {
            // SAFETY: the child is not reaped yet, so `pid` is still ours.
            unsafe {
                libc::kill(pid, libc::SIGKILL);
                libc::waitpid(pid, &mut status, 0);
            }
            panic!("repoflame still running after {limit:?}: killed (a hang)");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Runs `cmd` with piped stdout and stderr, failing the test (after
/// killing the child) when it takes longer than `limit`.
pub fn run_limited(cmd: &mut Command, limit: Duration) -> Measured {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn repoflame");
    let stdout = drain(child.stdout.take());
    let stderr = drain(child.stderr.take());
    let (status, max_rss_kib) = wait_limited(&mut child, limit);
    Measured {
        output: Output {
            status,
            stdout: stdout.join().expect("stdout reader"),
            stderr: stderr.join().expect("stderr reader"),
        },
        max_rss_kib,
    }
}

/// Runs `cmd` within [`HANG`] with its stdout on `stdout` (a file, a
/// device) and stderr piped; the output's stdout is empty.
pub fn run_with_stdout(cmd: &mut Command, stdout: impl Into<Stdio>) -> Output {
    let mut child = cmd
        .stdout(stdout)
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn repoflame");
    let stderr = drain(child.stderr.take());
    let (status, _) = wait_limited(&mut child, HANG);
    Output {
        status,
        stdout: Vec::new(),
        stderr: stderr.join().expect("stderr reader"),
    }
}

// ---------------------------------------------------------------------------
// Children in process groups of their own, that die with the test: what the
// runs that may hang, the servers and the terminal runs are built on.

/// Reads all of `pipe` on a thread.
pub fn drain<R: Read + Send + 'static>(pipe: Option<R>) -> JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut out = Vec::new();
        if let Some(mut pipe) = pipe {
            let _ = pipe.read_to_end(&mut out);
        }
        out
    })
}

/// Has the child killed (SIGKILL) when the thread that spawned it ends:
/// a server or a hung git never outlives the test, even when the test
/// process itself is killed (Ctrl-C) and no destructor runs; needed
/// because the children are in process groups of their own, out of reach
/// of the terminal's signals.
pub fn die_with_parent(cmd: &mut Command) -> &mut Command {
    // SAFETY: prctl is async-signal-safe and touches no memory of ours.
    unsafe {
        cmd.pre_exec(|| {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) == -1 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        })
    }
}

/// Kills the process group led by `child` (spawned with
/// `process_group(0)`), then reaps `child`. The child is not reaped before
/// the signal, so the group id cannot have been reused.
pub fn kill_group(child: &mut Child) -> ExitStatus {
    if child.try_wait().ok().flatten().is_none() {
        // SAFETY: plain system call; `child` is our unreaped child and the
        // leader of its own process group.
        unsafe {
            libc::kill(-(child.id() as libc::pid_t), libc::SIGKILL);
        }
    }
    child.wait().expect("wait for killed child")
}

// ---------------------------------------------------------------------------
// Runs that may hang, on purpose: the deadline is part of what is checked.

/// How [`run_with_deadline`] ended.
pub struct Bounded {
    /// Exit status (a kill when `timed_out`), stdout and stderr.
    pub output: Output,
    /// The command was still running at the deadline and was killed.
    pub timed_out: bool,
    /// Time from spawn to exit or kill.
    pub elapsed: Duration,
}

/// Runs `cmd` (stdin `/dev/null`, stdout and stderr piped, in a process
/// group of its own) for at most `limit`; at the deadline the whole group
/// is killed and `timed_out` is set. The child also dies with the calling
/// thread. Unlike [`run_limited`], a hang is not a test failure: for
/// checking that something does hang.
pub fn run_with_deadline(cmd: &mut Command, limit: Duration) -> Bounded {
    let start = Instant::now();
    let mut child = die_with_parent(cmd)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .spawn()
        .expect("spawn");
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
    Bounded {
        output: Output {
            status,
            stdout: stdout.join().expect("stdout reader"),
            stderr: stderr.join().expect("stderr reader"),
        },
        timed_out,
        elapsed,
    }
}

/// A child being run by [`spawn_signallable`]: signal it, then
/// [`Signallable::finish`].
pub struct Signallable {
    child: Child,
    stdout: JoinHandle<Vec<u8>>,
    stderr: JoinHandle<Vec<u8>>,
    start: Instant,
}

/// Spawns `cmd` (stdin `/dev/null`, stdout and stderr read on threads) in
/// a process group of its own, dying with the calling thread.
pub fn spawn_signallable(cmd: &mut Command) -> Signallable {
    let start = Instant::now();
    let mut child = die_with_parent(cmd)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .spawn()
        .expect("spawn");
    let stdout = drain(child.stdout.take());
    let stderr = drain(child.stderr.take());
    Signallable {
        child,
        stdout,
        stderr,
        start,
    }
}

impl Signallable {
    /// Sends `signal` to the child alone.
    pub fn signal(&self, signal: libc::c_int) {
        // SAFETY: plain system call on our own unreaped child.
        let rc = unsafe { libc::kill(self.child.id() as libc::pid_t, signal) };
        assert_eq!(rc, 0, "kill: {}", std::io::Error::last_os_error());
    }

    /// Its process id (its `/proc` entry stays until it is reaped).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Whether it is still running.
    pub fn running(&mut self) -> bool {
        self.child.try_wait().expect("try_wait").is_none()
    }

    /// Waits for the child at most `limit` more (then kills its group and
    /// marks `timed_out`) and collects its output.
    pub fn finish(mut self, limit: Duration) -> Bounded {
        let deadline = Instant::now() + limit;
        let (status, timed_out) = loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                break (status, false);
            }
            if Instant::now() >= deadline {
                break (kill_group(&mut self.child), true);
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        Bounded {
            output: Output {
                status,
                stdout: self.stdout.join().expect("stdout reader"),
                stderr: self.stderr.join().expect("stderr reader"),
            },
            timed_out,
            elapsed: self.start.elapsed(),
        }
    }
}
