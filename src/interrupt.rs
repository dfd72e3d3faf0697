//! Interruptions: the signals that stop a run, and what must not outlive
//! it (temporary clones, the temporary file beside an `-o` target).
//!
//! Each of those is registered while it exists. On Ctrl-C, SIGTERM or
//! SIGHUP the signal thread started by [`handle_signals`] marks the run
//! interrupted, removes them all and exits with 128 + the signal; a fetch
//! in progress also sees [`interrupted`] and stops.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

static REGISTERED: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());
static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// Creates something on disk with `create` and registers the path it
/// returns, holding the registry while it does: an interruption either
/// comes before (nothing was created) or waits and then removes it, never
/// between creation and registration.
pub(crate) fn create_registered<T>(
    create: impl FnOnce() -> std::io::Result<(T, PathBuf)>,
) -> std::io::Result<T> {
    let mut registered = lock();
    let (made, path) = create()?;
    registered.push(path);
    Ok(made)
}

/// Forgets `path` (it was removed, or renamed into place).
pub(crate) fn unregister(path: &Path) {
    let mut registered = lock();
    if let Some(i) = registered.iter().rposition(|p| p == path) {
        registered.swap_remove(i);
    }
}

/// Runs `finish` (which moves or removes the registered `path`) unless the
/// run was interrupted, and forgets `path`, all while holding the registry:
/// the interruption handler, which marks the run interrupted before it takes
/// the registry, either runs entirely before (and `finish` does not run)
/// or entirely after.
pub(crate) fn commit<T>(
    path: &Path,
    finish: impl FnOnce() -> std::io::Result<T>,
) -> std::io::Result<T> {
    let mut registered = lock();
    if interrupted() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::Interrupted,
            "interrupted",
        ));
    }
    let result = finish();
    if let Some(i) = registered.iter().rposition(|p| p == path) {
        registered.swap_remove(i);
    }
    result
}

/// Whether the run was interrupted.
pub fn interrupted() -> bool {
    INTERRUPTED.load(Ordering::SeqCst)
}

/// Marks the run interrupted and removes everything registered. Called
/// from the signal thread, just before it exits.
fn interrupt() {
    INTERRUPTED.store(true, Ordering::SeqCst);
    for path in lock().drain(..) {
        let _ = if path.is_dir() {
            std::fs::remove_dir_all(&path)
        } else {
            std::fs::remove_file(&path)
        };
    }
}

fn lock() -> std::sync::MutexGuard<'static, Vec<PathBuf>> {
    REGISTERED.lock().unwrap_or_else(|e| e.into_inner())
}

/// A private temporary directory, removed when dropped or interrupted.
#[derive(Debug)]
pub(crate) struct TempDir {
    path: PathBuf,
}

impl TempDir {
    /// Creates one in the system's temporary directory.
    pub(crate) fn new(prefix: &str) -> std::io::Result<TempDir> {
        create_registered(|| {
            let path = tempfile::Builder::new().prefix(prefix).tempdir()?.keep();
            Ok((TempDir { path: path.clone() }, path))
        })
    }

    /// Its path.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        // Removed first, then forgotten: an interruption in between finds it
        // still registered and removes what is left.
        let _ = std::fs::remove_dir_all(&self.path);
        unregister(&self.path);
    }
}

/// The signals that interrupt a run: Ctrl-C, `kill`, a closed terminal.
const INTERRUPTS: [libc::c_int; 3] = [libc::SIGINT, libc::SIGTERM, libc::SIGHUP];

/// Sets the process up for a run, before any other thread starts:
///
/// - a thread that handles [`INTERRUPTS`]: it removes what is registered
///   and exits with 128 + the signal (130, 143, 129). signal-hook's handler
///   only writes the signal's number to a pipe that this thread reads, so
///   the clean-up runs as ordinary code; a SIGHUP ignored from the start
///   stays ignored, which is how `nohup` lets a run outlive its terminal;
/// - the signals blocked in the calling thread and in the threads it
///   starts, so that they reach the handler's thread only, and no system
///   call elsewhere is cut short into a misleading error;
/// - SIGXFSZ ignored: past a file-size limit (`ulimit -f`) a write fails
///   with EFBIG and the temporary output is removed, rather than the
///   signal killing the process and leaving it behind.
pub(crate) fn handle_signals() -> std::io::Result<()> {
    // SAFETY: setting a signal to be ignored, before any thread starts.
    unsafe { libc::signal(libc::SIGXFSZ, libc::SIG_IGN) };
    let wanted = INTERRUPTS
        .into_iter()
        .filter(|&signal| !(signal == libc::SIGHUP && ignored(signal)));
    let mut signals = signal_hook::iterator::Signals::new(wanted)?;
    std::thread::Builder::new()
        .name("repoflame-signals".into())
        .spawn(move || {
            if let Some(signal) = signals.forever().next() {
                interrupt();
                std::process::exit(128 + signal);
            }
        })?;
    block_interrupts();
    Ok(())
}

/// Whether `signal` is ignored (inherited so from the parent).
fn ignored(signal: libc::c_int) -> bool {
    // SAFETY: only reads the disposition (no new action is given).
    unsafe {
        let mut old: libc::sigaction = std::mem::zeroed();
        libc::sigaction(signal, std::ptr::null(), &mut old) == 0
            && old.sa_sigaction == libc::SIG_IGN
    }
}

/// Blocks [`INTERRUPTS`] in this thread and the threads it starts.
fn block_interrupts() {
    // SAFETY: plain libc calls on a local, initialised signal set.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        for signal in INTERRUPTS {
            libc::sigaddset(&mut set, signal);
        }
        libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut());
    }
}
