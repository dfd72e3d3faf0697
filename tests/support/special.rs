//! FIFOs and sockets: as outputs, with a reader at the other end
//! ([`FifoReader`], [`SocketReader`]), and as a tripwire that tells whether
//! a run began its walk ([`WalkTripwire`]).

use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

/// Creates a FIFO at `path`.
pub fn mkfifo(path: &Path) {
    let c = std::ffi::CString::new(path.as_os_str().as_bytes()).expect("no NUL in path");
    // SAFETY: `c` is a valid NUL-terminated path.
    let rc = unsafe { libc::mkfifo(c.as_ptr(), 0o644) };
    assert_eq!(
        rc,
        0,
        "mkfifo {path:?}: {}",
        std::io::Error::last_os_error()
    );
}

/// Reads a FIFO on a thread: opens it for reading (which waits for a
/// writer) and reads to the end, as `cat FIFO` would.
pub struct FifoReader {
    thread: std::thread::JoinHandle<Vec<u8>>,
    /// The FIFO itself (`O_PATH`), to release the reader even when the
    /// name no longer leads to it.
    fifo: std::fs::File,
}

impl FifoReader {
    /// Starts reading the FIFO at `path`.
    pub fn start(path: &Path) -> FifoReader {
        use std::os::unix::fs::OpenOptionsExt;
        let fifo = std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_PATH)
            .open(path)
            .expect("open the FIFO with O_PATH");
        let path = path.to_path_buf();
        let thread = std::thread::spawn(move || {
            let mut out = Vec::new();
            let mut reader = std::fs::File::open(&path).expect("open the FIFO for reading");
            std::io::Read::read_to_end(&mut reader, &mut out).expect("read the FIFO");
            out
        });
        FifoReader { thread, fifo }
    }

    /// What was read. Call once the writer is gone: a reader still waiting
    /// for one (nobody opened the FIFO) is released and reads nothing.
    pub fn finish(self) -> Vec<u8> {
        use std::os::fd::AsRawFd;
        use std::os::unix::fs::OpenOptionsExt;
        // Fails (ENXIO) when the reader is gone already; otherwise a
        // writer opened and closed at once: the reader sees the end.
        let _ = std::fs::OpenOptions::new()
            .write(true)
            .custom_flags(libc::O_NONBLOCK)
            .open(format!("/proc/self/fd/{}", self.fifo.as_raw_fd()));
        self.thread.join().expect("FIFO reader")
    }
}

/// A Unix stream socket listening at a path, accepting one connection on
/// a thread and reading it to the end.
pub struct SocketReader {
    thread: std::thread::JoinHandle<Option<Vec<u8>>>,
    cancel: std::os::unix::net::UnixStream,
}

impl SocketReader {
    /// Listens at `path`.
    pub fn listen(path: &Path) -> SocketReader {
        use std::os::fd::AsRawFd;
        let listener = std::os::unix::net::UnixListener::bind(path).expect("bind the socket");
        let (cancel, cancelled) = std::os::unix::net::UnixStream::pair().expect("socket pair");
        let thread = std::thread::spawn(move || {
            let mut fds = [
                libc::pollfd {
                    fd: listener.as_raw_fd(),
                    events: libc::POLLIN,
                    revents: 0,
                },
                libc::pollfd {
                    fd: cancelled.as_raw_fd(),
                    events: libc::POLLIN,
                    revents: 0,
                },
            ];
            // SAFETY: two valid pollfd structs; waits without a timeout.
            let rc = unsafe { libc::poll(fds.as_mut_ptr(), 2, -1) };
            assert!(rc > 0, "poll: {}", std::io::Error::last_os_error());
            if fds[0].revents == 0 {
                return None;
            }
            let (mut stream, _) = listener.accept().expect("accept");
            let mut out = Vec::new();
            std::io::Read::read_to_end(&mut stream, &mut out).expect("read the socket");
            Some(out)
        });
        SocketReader { thread, cancel }
    }

    /// What the one connection sent, or `None` when nobody connected. Call
    /// once the writer is gone.
    pub fn finish(self) -> Option<Vec<u8>> {
        use std::io::Write;
        let _ = (&self.cancel).write_all(b"x");
        self.thread.join().expect("socket reader")
    }
}

/// A FIFO named `.ignore` in a source directory, to prove that a run never
/// started walking it: the walk opens every `.ignore` it meets, and opening
/// a FIFO for reading waits for a writer. A thread here is that writer: it
/// notes whether the run was still going when the FIFO was opened, then
/// closes it at once, so a walk that did begin reads an empty file and goes
/// on.
pub struct WalkTripwire {
    thread: std::thread::JoinHandle<bool>,
    over: std::sync::Arc<std::sync::atomic::AtomicBool>,
    path: PathBuf,
}

impl WalkTripwire {
    /// Puts the FIFO in `dir`.
    pub fn set(dir: &Path) -> WalkTripwire {
        use std::sync::atomic::Ordering;
        let path = dir.join(".ignore");
        mkfifo(&path);
        let over = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let thread = {
            let (path, over) = (path.clone(), std::sync::Arc::clone(&over));
            std::thread::spawn(move || {
                let writer = std::fs::OpenOptions::new()
                    .write(true)
                    .open(&path)
                    .expect("open the tripwire for writing");
                // The reader waits on this open end: the run that opened the
                // FIFO cannot have finished yet.
                let walked = !over.load(Ordering::SeqCst);
                drop(writer);
                walked
            })
        };
        WalkTripwire { thread, over, path }
    }

    /// Whether the run opened the FIFO, i.e. began the walk. Call once the
    /// run is over.
    pub fn tripped(self) -> bool {
        use std::os::unix::fs::OpenOptionsExt;
        use std::sync::atomic::Ordering;
        self.over.store(true, Ordering::SeqCst);
        // Releases the writer if nobody opened the FIFO for reading.
        let _reader = std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NONBLOCK)
            .open(&self.path)
            .expect("open the tripwire for reading");
        self.thread.join().expect("tripwire writer")
    }
}
