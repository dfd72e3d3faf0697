//! What must not outlive an interrupted run: temporary clones and the
//! temporary file beside an `-o` target.
//!
//! Each is registered while it exists. On Ctrl-C (or SIGTERM, SIGHUP) the
//! binary's signal thread calls [`interrupt`], which removes them all
//! before the process exits with 128 + the signal; a fetch in progress
//! also sees [`interrupted`] and stops.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

static REGISTERED: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());
static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// Registers `path` for removal on interruption.
pub fn register(path: &Path) {
    lock().push(path.to_path_buf());
}

/// Creates something on disk with `create` and registers the path it
/// returns, holding the registry while it does: an interruption either
/// comes before (nothing was created) or waits and then removes it, never
/// between creation and registration.
pub fn create_registered<T>(
    create: impl FnOnce() -> std::io::Result<(T, PathBuf)>,
) -> std::io::Result<T> {
    let mut registered = lock();
    let (made, path) = create()?;
    registered.push(path);
    Ok(made)
}

/// Forgets `path` (it was removed, or renamed into place).
pub fn unregister(path: &Path) {
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
pub fn commit<T>(path: &Path, finish: impl FnOnce() -> std::io::Result<T>) -> std::io::Result<T> {
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
/// from the binary's signal handler, just before it exits.
pub fn interrupt() {
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
pub struct TempDir {
    path: PathBuf,
}

impl TempDir {
    /// Creates one in the system's temporary directory.
    pub fn new(prefix: &str) -> std::io::Result<TempDir> {
        create_registered(|| {
            let path = tempfile::Builder::new().prefix(prefix).tempdir()?.keep();
            Ok((TempDir { path: path.clone() }, path))
        })
    }

    /// Its path.
    pub fn path(&self) -> &Path {
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
