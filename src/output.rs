//! Where the output goes: stdout, a file replaced atomically, or a device,
//! FIFO or socket written in place.
//!
//! [`Output::open`] runs before the source is read, so that a target that
//! cannot be written fails at once, not after the whole walk and count: the
//! temporary file is created, the device or FIFO opened, the socket
//! connected. [`Output::write`] writes everything at the end.
//!
//! Like `>` in a shell, and unlike a plain "write beside and rename":
//!
//! - a regular file (new or existing) is written to a temporary file in its
//!   directory and renamed over it only once everything is written and
//!   flushed: when anything fails, an existing file is left untouched and
//!   no partial file remains. A new file gets `0o666` less the umask (the
//!   kernel applies it); a replaced one keeps its mode, and its owner and
//!   group when the run may give them back (as root);
//! - a symbolic link stays a link: the file at the end of the chain of links
//!   receives the output (atomically when it is a regular file, and created
//!   when it does not exist yet);
//! - a character or block device and a FIFO are opened and written in
//!   place, never renamed over; a Unix socket is connected to as a stream
//!   client and written to;
//! - a directory is an error.
//!
//! A closed pipe (`repoflame … | head`, a FIFO or socket whose reader went
//! away) is not an error.

use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::os::unix::fs::{FileTypeExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use crate::error::{Error, display_path, io_reason};

/// What a run wrote where: the last line of the summary on a terminal
/// ("wrote moby.svg: 5.5 MiB, 13,702 frames").
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Written {
    /// The file, device, FIFO or socket as given to `-o` (escaped for
    /// messages); `None` for stdout.
    pub target: Option<String>,
    /// What was written: an SVG, an HTML page, a JSON report, folded stacks.
    pub format: crate::config::Format,
    /// Bytes written (those the reader took, when it went away early).
    pub bytes: u64,
    /// What the output holds, in words: "13,702 frames", "1,204 files".
    pub holds: String,
    /// The reader of a pipe, FIFO or socket went away before the end.
    pub cut_short: bool,
}

/// How much [`Output::write`] wrote.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Delivered {
    /// Bytes the target took.
    pub(crate) bytes: u64,
    /// Newlines among them (the folded stacks' lines).
    pub(crate) lines: u64,
    /// The reader went away before the end (not an error).
    pub(crate) cut_short: bool,
}

/// An output opened before the work starts, written once at the end.
#[derive(Debug)]
pub(crate) struct Output {
    target: Target,
}

#[derive(Debug)]
enum Target {
    Stdout,
    /// A device, a FIFO or a connected socket.
    InPlace {
        file: File,
        /// The path as given, for messages.
        shown: String,
    },
    /// A regular file, new or existing, replaced by renaming.
    Replace(Replacement),
}

/// A temporary file waiting to be renamed over `path`.
#[derive(Debug)]
struct Replacement {
    /// Removed when dropped (and by the interruption handler while
    /// registered): declared before `_registered` so that it is removed
    /// before it is forgotten.
    temp: tempfile::NamedTempFile,
    _registered: Registered,
    /// The file renamed over: the end of the chain of links from the path
    /// given.
    path: PathBuf,
    /// The path as given, for messages.
    shown: String,
}

impl Output {
    /// Opens `target` for writing (stdout when `None`): creates the
    /// temporary file beside a regular file, opens a device or FIFO (which
    /// waits for a reader, as `>` does), connects to a socket. Fails when
    /// the target cannot be written, before any work is done.
    pub(crate) fn open(target: Option<&Path>) -> Result<Output, Error> {
        let target = match target {
            None => Target::Stdout,
            Some(path) => open_path(path).map_err(|source| Error::Write {
                target: display_path(path),
                source,
            })?,
        };
        Ok(Output { target })
    }

    /// Where the output goes, for messages: the path given to `-o`, or
    /// `None` for stdout.
    pub(crate) fn shown(&self) -> Option<String> {
        match &self.target {
            Target::Stdout => None,
            Target::InPlace { shown, .. } => Some(shown.clone()),
            Target::Replace(replacement) => Some(replacement.shown.clone()),
        }
    }

    /// Runs `render` with a buffered writer on the output and finishes it:
    /// flushed, and renamed into place when it is a regular file. Says how
    /// much was written.
    pub(crate) fn write<F>(self, render: F) -> Result<Delivered, Error>
    where
        F: FnOnce(&mut dyn Write) -> io::Result<()>,
    {
        match self.target {
            Target::Stdout => {
                let stdout = io::stdout().lock();
                write_in_place(stdout, render).map_err(|source| Error::Write {
                    target: "<stdout>".into(),
                    source,
                })
            }
            Target::InPlace { file, shown } => {
                write_in_place(&file, render).map_err(|source| Error::Write {
                    target: shown,
                    source,
                })
            }
            Target::Replace(replacement) => {
                let shown = replacement.shown.clone();
                write_replacing(replacement, render).map_err(|source| Error::Write {
                    target: shown,
                    source,
                })
            }
        }
    }
}

/// Opens what `path` names, following symbolic links, as `>` would.
fn open_path(path: &Path) -> io::Result<Target> {
    let shown = display_path(path);
    match fs::metadata(path) {
        Ok(metadata) => {
            let kind = metadata.file_type();
            if kind.is_dir() {
                return Err(io::Error::other("is a directory: give a file name to -o"));
            }
            if kind.is_socket() {
                let stream = std::os::unix::net::UnixStream::connect(path).map_err(|err| {
                    io::Error::new(
                        err.kind(),
                        format!("a socket: cannot connect: {}", io_reason(&err)),
                    )
                })?;
                let file = File::from(std::os::fd::OwnedFd::from(stream));
                return Ok(Target::InPlace { file, shown });
            }
            if !kind.is_file() {
                // A device or a FIFO: written where it is. Not created if
                // it went away meanwhile, and never made our terminal.
                let file = fs::OpenOptions::new()
                    .write(true)
                    .custom_flags(libc::O_NOCTTY)
                    .open(path)?;
                return Ok(Target::InPlace { file, shown });
            }
        }
        // A new file, or a dangling link whose target is to be created.
        Err(err) if err.kind() == io::ErrorKind::NotFound => {}
        Err(err) => return Err(err),
    }
    let end = end_of_links(path)?;
    let dir = match end.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    // Removed on interruption too, not only when dropped; registered as it
    // is created, so no interruption falls in between. Created with 0o666
    // for the kernel to apply the umask, as `>` does.
    let (temp, registered) = crate::interrupt::create_registered(|| {
        let temp = tempfile::Builder::new()
            .prefix(".repoflame-")
            .suffix(".tmp")
            .permissions(fs::Permissions::from_mode(0o666))
            .tempfile_in(dir)
            .map_err(|err| match err.kind() {
                io::ErrorKind::NotFound if !dir.is_dir() => io::Error::new(
                    err.kind(),
                    format!(
                        "cannot write there: directory {} does not exist",
                        display_path(dir)
                    ),
                ),
                _ => err,
            })?;
        let path = temp.path().to_path_buf();
        Ok(((temp, Registered(path.clone())), path))
    })?;
    Ok(Target::Replace(Replacement {
        temp,
        _registered: registered,
        path: end,
        shown,
    }))
}

/// Linux gives up resolving after this many links (ELOOP).
const MAX_LINKS: usize = 40;

/// The path at the end of the chain of symbolic links starting at `path`
/// (`path` itself when it is no link): the file to replace, or to create
/// when the last link dangles. Each link is read relative to its own
/// directory.
fn end_of_links(path: &Path) -> io::Result<PathBuf> {
    let mut path = path.to_path_buf();
    for _ in 0..MAX_LINKS {
        match fs::symlink_metadata(&path) {
            Ok(metadata) if metadata.file_type().is_symlink() => {
                let target = fs::read_link(&path)?;
                path = match path.parent() {
                    Some(dir) => dir.join(target),
                    None => target,
                };
            }
            Ok(_) => return Ok(path),
            Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(path),
            Err(err) => return Err(err),
        }
    }
    Err(io::Error::from_raw_os_error(libc::ELOOP))
}

/// A writer that counts what the writer under it takes.
struct Counting<W> {
    inner: W,
    delivered: Delivered,
}

impl<W: Write> Write for Counting<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.delivered.bytes += n as u64;
        self.delivered.lines += memchr::memchr_iter(b'\n', &buf[..n]).count() as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Writes to stdout, a device, a FIFO or a socket. A reader that went away
/// is not an error.
fn write_in_place<W: Write, F>(out: W, render: F) -> io::Result<Delivered>
where
    F: FnOnce(&mut dyn Write) -> io::Result<()>,
{
    let counting = Counting {
        inner: out,
        delivered: Delivered::default(),
    };
    let mut writer = BufWriter::with_capacity(1 << 16, counting);
    let result = render(&mut writer).and_then(|()| writer.flush());
    let mut delivered = writer.get_ref().delivered;
    match result {
        Err(err) if err.kind() == io::ErrorKind::BrokenPipe => {
            delivered.cut_short = true;
            Ok(delivered)
        }
        Err(err) => Err(err),
        Ok(()) => Ok(delivered),
    }
}

/// Writes the temporary file and renames it over the target.
fn write_replacing<F>(replacement: Replacement, render: F) -> io::Result<Delivered>
where
    F: FnOnce(&mut dyn Write) -> io::Result<()>,
{
    let Replacement {
        temp,
        _registered,
        path,
        ..
    } = replacement;
    let counting = Counting {
        inner: temp.as_file(),
        delivered: Delivered::default(),
    };
    let mut writer = BufWriter::with_capacity(1 << 16, counting);
    render(&mut writer)?;
    writer.flush()?;
    let delivered = writer.get_ref().delivered;
    drop(writer);
    keep_owner_and_mode(temp.as_file(), &path)?;
    // Renamed into place under the cleanup registry's lock: an interruption
    // either comes first (and the file is never renamed) or after.
    let temp_path = temp.path().to_path_buf();
    crate::interrupt::commit(&temp_path, || {
        temp.persist(&path).map(drop).map_err(|e| e.error)
    })?;
    Ok(delivered)
}

/// Gives the temporary `file` the mode of the regular file `target` it is
/// to replace, and its owner and group where the system allows (root can;
/// others can keep a group they belong to). A new file keeps the mode it
/// was created with.
fn keep_owner_and_mode(file: &File, target: &Path) -> io::Result<()> {
    let existing = match fs::metadata(target) {
        Ok(existing) if existing.is_file() => existing,
        _ => return Ok(()),
    };
    let mut own = file.metadata()?;
    if (own.uid(), own.gid()) != (existing.uid(), existing.gid()) {
        // Best effort, like an editor saving a file: the content is what
        // was asked for; where the owner cannot be kept, the file is ours.
        let both = std::os::unix::fs::fchown(file, Some(existing.uid()), Some(existing.gid()));
        if both.is_err() && own.gid() != existing.gid() {
            let _ = std::os::unix::fs::fchown(file, None, Some(existing.gid()));
        }
        own = file.metadata()?;
    }
    let mut mode = existing.mode() & 0o7777;
    // Set-user and set-group-ID bits only for the owner and group they
    // were given for.
    if own.uid() != existing.uid() {
        mode &= !0o4000;
    }
    if own.gid() != existing.gid() {
        mode &= !0o2000;
    }
    file.set_permissions(fs::Permissions::from_mode(mode))
}

/// A path registered for removal on interruption while this lives.
#[derive(Debug)]
struct Registered(PathBuf);

impl Drop for Registered {
    fn drop(&mut self) {
        crate::interrupt::unregister(&self.0);
    }
}
