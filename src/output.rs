//! Where the output goes: stdout, or a file replaced atomically.
//!
//! A file is written to a temporary file beside it and renamed over the
//! target only once everything is written and flushed: when anything fails,
//! an existing file is left untouched and no partial file remains. A closed
//! pipe on stdout (`repoflame … | head`) is not an error.

use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use crate::error::{Error, display_path};

/// Runs `render` with a buffered writer on `target` (stdout when `None`).
pub fn write_to<F>(target: Option<&Path>, render: F) -> Result<(), Error>
where
    F: FnOnce(&mut dyn Write) -> io::Result<()>,
{
    match target {
        None => {
            let stdout = io::stdout().lock();
            let mut writer = BufWriter::with_capacity(1 << 16, stdout);
            let result = render(&mut writer).and_then(|()| writer.flush());
            match result {
                Err(err) if err.kind() == io::ErrorKind::BrokenPipe => Ok(()),
                Err(source) => Err(Error::Write {
                    target: "<stdout>".into(),
                    source,
                }),
                Ok(()) => Ok(()),
            }
        }
        Some(path) => write_file(path, render).map_err(|source| Error::Write {
            target: display_path(path),
            source,
        }),
    }
}

fn write_file<F>(path: &Path, render: F) -> io::Result<()>
where
    F: FnOnce(&mut dyn Write) -> io::Result<()>,
{
    if path.is_dir() {
        return Err(io::Error::other("is a directory"));
    }
    let dir = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    // Removed on Ctrl-C too, not only when dropped; registered as it is
    // created, so no interruption falls in between.
    let (temp, _registered) = crate::cleanup::create_registered(|| {
        let temp = tempfile::Builder::new()
            .prefix(".repoflame-")
            .suffix(".tmp")
            .tempfile_in(dir)?;
        let path = temp.path().to_path_buf();
        Ok(((temp, Registered(path.clone())), path))
    })?;
    let mode = match fs::metadata(path) {
        Ok(existing) => existing.permissions().mode() & 0o7777,
        Err(_) => 0o666 & !current_umask(),
    };
    let mut writer = BufWriter::with_capacity(1 << 16, temp.as_file());
    render(&mut writer)?;
    writer.flush()?;
    drop(writer);
    let file: &File = temp.as_file();
    file.set_permissions(fs::Permissions::from_mode(mode))?;
    // Renamed into place under the cleanup registry's lock: an interruption
    // either comes first (and the file is never renamed) or after.
    let temp_path = temp.path().to_path_buf();
    crate::cleanup::commit(&temp_path, || {
        temp.persist(path).map(drop).map_err(|e| e.error)
    })
}

/// A path registered for removal on interruption while this lives.
struct Registered(std::path::PathBuf);

impl Drop for Registered {
    fn drop(&mut self) {
        crate::cleanup::unregister(&self.0);
    }
}

/// The process umask (read by setting and restoring it).
fn current_umask() -> u32 {
    // SAFETY: umask only swaps a process-wide integer; it is restored at once.
    let mask = unsafe { libc::umask(0o022) };
    unsafe { libc::umask(mask) };
    mask as u32
}
