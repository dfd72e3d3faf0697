//! TCP stand-ins on 127.0.0.1 for what a network does to a client: a
//! listener that accepts and never answers ([`BlackHole`]), a port where
//! connections are refused ([`closed_port`]), and a proxy in front of a
//! server that counts what the server sends and may slow it down
//! ([`TcpProxy`]).

use std::io::Read;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::thread::JoinHandle;
use std::time::Duration;

/// A TCP listener on 127.0.0.1 that accepts connections and never answers
/// or closes them (until dropped): the remote that hangs, for timeout
/// tests.
pub struct BlackHole {
    port: u16,
    accepted: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl BlackHole {
    /// Listens on a port chosen by the OS and accepts on a background
    /// thread, holding every accepted socket open.
    pub fn listen() -> BlackHole {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let port = listener.local_addr().expect("local addr").port();
        listener.set_nonblocking(true).expect("nonblocking");
        let accepted = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let (accepted, stop) = (Arc::clone(&accepted), Arc::clone(&stop));
            std::thread::spawn(move || {
                let mut held = Vec::new();
                while !stop.load(Ordering::Relaxed) {
                    match listener.accept() {
                        Ok((socket, _)) => {
                            held.push(socket);
                            accepted.fetch_add(1, Ordering::SeqCst);
                        }
                        Err(_) => std::thread::sleep(Duration::from_millis(5)),
                    }
                }
            })
        };
        BlackHole {
            port,
            accepted,
            stop,
            thread: Some(thread),
        }
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// How many connections it has accepted.
    pub fn connections(&self) -> usize {
        self.accepted.load(Ordering::SeqCst)
    }

    /// `git://127.0.0.1:PORT/repo`. Note: git's own git:// client has no
    /// timeout and waits forever here.
    pub fn url_git(&self) -> String {
        format!("git://127.0.0.1:{}/repo", self.port)
    }

    /// `http://127.0.0.1:PORT/repo` (no HTTP response ever comes).
    pub fn url_http(&self) -> String {
        format!("http://127.0.0.1:{}/repo", self.port)
    }

    /// `https://127.0.0.1:PORT/repo` (the TLS handshake never completes).
    pub fn url_https(&self) -> String {
        format!("https://127.0.0.1:{}/repo", self.port)
    }

    /// `ssh://git@127.0.0.1:PORT/repo` (no SSH banner ever comes).
    pub fn url_ssh(&self) -> String {
        format!("ssh://git@127.0.0.1:{}/repo", self.port)
    }
}

impl Drop for BlackHole {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// A port on 127.0.0.1 where connections are refused, for the whole test
/// run: a socket bound to it and never listening holds it, so no other
/// test or server can take it (a released port could be reused).
pub fn closed_port() -> u16 {
    static PORT: OnceLock<(std::os::fd::OwnedFd, u16)> = OnceLock::new();
    PORT.get_or_init(|| {
        use std::os::fd::FromRawFd;
        // SAFETY: plain socket calls on a new descriptor with valid,
        // correctly sized address structures.
        unsafe {
            let fd = libc::socket(libc::AF_INET, libc::SOCK_STREAM | libc::SOCK_CLOEXEC, 0);
            assert!(fd >= 0, "socket: {}", std::io::Error::last_os_error());
            let owned = std::os::fd::OwnedFd::from_raw_fd(fd);
            let mut addr: libc::sockaddr_in = std::mem::zeroed();
            addr.sin_family = libc::AF_INET as libc::sa_family_t;
            addr.sin_addr.s_addr = u32::from_ne_bytes([127, 0, 0, 1]);
            let mut len = std::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t;
            let sockaddr = &mut addr as *mut libc::sockaddr_in as *mut libc::sockaddr;
            assert_eq!(
                libc::bind(fd, sockaddr, len),
                0,
                "bind: {}",
                std::io::Error::last_os_error()
            );
            assert_eq!(
                libc::getsockname(fd, sockaddr, &mut len),
                0,
                "getsockname: {}",
                std::io::Error::last_os_error()
            );
            (owned, u16::from_be(addr.sin_port))
        }
    })
    .1
}

/// `http://127.0.0.1:PORT/repo` on the [`closed_port`]: the connection is
/// refused. For other schemes, format the port yourself.
pub fn closed_port_url() -> String {
    format!("http://127.0.0.1:{}/repo", closed_port())
}

/// A TCP proxy on 127.0.0.1 in front of a server on 127.0.0.1: it counts
/// the bytes the server sends to clients (to tell a shallow fetch from a
/// full one) and may slow them down (a slow server, for Ctrl-C tests).
/// Every connection is cut when it is dropped.
pub struct TcpProxy {
    port: u16,
    down: Arc<AtomicUsize>,
    accepted: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
    sockets: Arc<Mutex<Vec<std::net::TcpStream>>>,
    thread: Option<JoinHandle<()>>,
}

impl TcpProxy {
    /// Forwards connections to `127.0.0.1:target`. With `throttle =
    /// Some((n, pause))`, the server's bytes are passed on at most `n` at a
    /// time with `pause` after each piece.
    pub fn start(target: u16, throttle: Option<(usize, Duration)>) -> TcpProxy {
        use std::net::{TcpListener, TcpStream};

        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let port = listener.local_addr().expect("local addr").port();
        listener.set_nonblocking(true).expect("nonblocking");
        let down = Arc::new(AtomicUsize::new(0));
        let accepted = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let sockets: Arc<Mutex<Vec<TcpStream>>> = Arc::new(Mutex::new(Vec::new()));
        let thread = {
            let (down, accepted, stop, sockets) = (
                Arc::clone(&down),
                Arc::clone(&accepted),
                Arc::clone(&stop),
                Arc::clone(&sockets),
            );
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    let client = match listener.accept() {
                        Ok((client, _)) => client,
                        Err(_) => {
                            std::thread::sleep(Duration::from_millis(5));
                            continue;
                        }
                    };
                    accepted.fetch_add(1, Ordering::SeqCst);
                    let _ = client.set_nonblocking(false);
                    let Ok(server) = TcpStream::connect(("127.0.0.1", target)) else {
                        continue;
                    };
                    let clones = (
                        client.try_clone(),
                        server.try_clone(),
                        client.try_clone(),
                        server.try_clone(),
                    );
                    let (Ok(c1), Ok(s1), Ok(c2), Ok(s2)) = clones else {
                        continue;
                    };
                    {
                        let mut held = sockets.lock().unwrap();
                        held.push(client);
                        held.push(server);
                    }
                    std::thread::spawn(move || pump(c1, s1, None, None));
                    let down = Arc::clone(&down);
                    std::thread::spawn(move || pump(s2, c2, throttle, Some(down)));
                }
            })
        };
        TcpProxy {
            port,
            down,
            accepted,
            stop,
            sockets,
            thread: Some(thread),
        }
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Bytes passed from the server to clients so far.
    pub fn bytes_down(&self) -> usize {
        self.down.load(Ordering::SeqCst)
    }

    /// Connections accepted so far.
    pub fn connections(&self) -> usize {
        self.accepted.load(Ordering::SeqCst)
    }
}

/// Copies `from` to `to` until either side closes, counting and pacing
/// when asked; then closes `to` for writing.
fn pump(
    mut from: std::net::TcpStream,
    mut to: std::net::TcpStream,
    throttle: Option<(usize, Duration)>,
    counter: Option<Arc<AtomicUsize>>,
) {
    use std::io::Write;
    let mut buffer = vec![0u8; throttle.map_or(64 * 1024, |(n, _)| n.max(1))];
    loop {
        match from.read(&mut buffer) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                if to.write_all(&buffer[..n]).is_err() {
                    break;
                }
                if let Some(counter) = &counter {
                    counter.fetch_add(n, Ordering::SeqCst);
                }
                if let Some((_, pause)) = throttle {
                    std::thread::sleep(pause);
                }
            }
        }
    }
    let _ = to.shutdown(std::net::Shutdown::Write);
}

impl Drop for TcpProxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
        for socket in self.sockets.lock().unwrap().drain(..) {
            let _ = socket.shutdown(std::net::Shutdown::Both);
        }
    }
}
