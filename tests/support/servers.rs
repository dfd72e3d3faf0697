//! Git servers on 127.0.0.1 for the tests of remote URLs: `git daemon`
//! ([`GitDaemon`], `git://`) and git's smart HTTP protocol through
//! `git http-backend` behind `tests/support/git-http-server.py`
//! ([`GitHttp`]), which can also answer 404, require credentials, or accept
//! only given ones ([`Behaviour`]). Both serve every repository below a
//! directory, on a port chosen for them (several run at once), with
//! [`hermetic_env`], and log what they were asked.
//!
//! A server is killed with its children when dropped, or when the thread
//! that started it ends: do not share one between tests through a static.
//! Nothing here touches the internet.

use std::io::{BufRead, BufReader, Read};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::{Arc, Mutex, OnceLock, mpsc};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::git::{git_at, hermetic_env};
use super::processes::{HANG, die_with_parent, kill_group};

/// How long a server may take to start: only a hang takes that long.
const START_LIMIT: Duration = HANG;

/// How long `wait_for_log` waits: a server's stderr is read on a thread,
/// so a line may reach the log a moment after the client is done. Every
/// wait is for a line that must come: only a hang takes that long.
pub const LOG_WAIT: Duration = HANG;

/// A server process killed with its whole process group on drop; its
/// stderr is collected on a thread.
struct ServerProcess {
    child: Child,
    /// Kept open so the server never writes to a closed pipe.
    _stdout: Option<ChildStdout>,
    log: Arc<Mutex<Vec<u8>>>,
    reader: Option<JoinHandle<()>>,
}

impl ServerProcess {
    /// Spawns `cmd` in its own process group with stdout and stderr piped;
    /// stderr lines go to the log, and `ready` receives `()` at the first
    /// line containing `ready_line` (or is dropped at end of file).
    fn spawn(cmd: &mut Command, ready_line: Option<&'static str>) -> (Self, mpsc::Receiver<()>) {
        let mut child = die_with_parent(cmd)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0)
            .spawn()
            .expect("spawn server");
        let stderr = child.stderr.take().expect("server stderr");
        let log = Arc::new(Mutex::new(Vec::new()));
        let (tx, rx) = mpsc::channel();
        let reader = {
            let log = Arc::clone(&log);
            std::thread::spawn(move || {
                let mut tx = Some(tx);
                let mut reader = BufReader::new(stderr);
                let mut line = Vec::new();
                while reader.read_until(b'\n', &mut line).unwrap_or(0) > 0 {
                    if let Some(ready) = ready_line {
                        if line.windows(ready.len()).any(|w| w == ready.as_bytes()) {
                            if let Some(tx) = tx.take() {
                                let _ = tx.send(());
                            }
                        }
                    }
                    log.lock().unwrap().extend_from_slice(&line);
                    line.clear();
                }
            })
        };
        let stdout = child.stdout.take();
        let server = ServerProcess {
            child,
            _stdout: stdout,
            log,
            reader: Some(reader),
        };
        (server, rx)
    }

    fn log(&self) -> String {
        String::from_utf8_lossy(&self.log.lock().unwrap()).into_owned()
    }

    /// Stops the server and returns everything it said: once its process
    /// group is killed, the reader of its stderr reaches the end, so no
    /// line it wrote is missing (for the message of a failed start).
    fn stop_and_log(&mut self) -> String {
        kill_group(&mut self.child);
        if let Some(reader) = self.reader.take() {
            let _ = reader.join();
        }
        self.log()
    }

    /// Waits up to [`LOG_WAIT`] for the log to contain `needle`.
    fn wait_for_log(&self, needle: &str) -> bool {
        let deadline = Instant::now() + LOG_WAIT;
        loop {
            if self.log().contains(needle) {
                return true;
            }
            if Instant::now() >= deadline {
                return false;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        kill_group(&mut self.child);
        if let Some(reader) = self.reader.take() {
            let _ = reader.join();
        }
    }
}

/// `git --exec-path`: where git's own programs (`git-daemon`…) are.
fn git_exec_path() -> &'static Path {
    static PATH: OnceLock<PathBuf> = OnceLock::new();
    PATH.get_or_init(|| PathBuf::from(git_at(Path::new("/"), ["--exec-path"])))
}

/// A port that was free a moment ago (bound on 127.0.0.1:0, then
/// released), for servers that cannot bind port 0 themselves.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("bind 127.0.0.1:0")
        .port()
}

/// `git daemon` serving every repository below a directory over `git://`
/// on 127.0.0.1, killed (with its children) on drop, or when the thread
/// that started it ends (so do not share one between tests through a
/// static).
pub struct GitDaemon {
    server: ServerProcess,
    port: u16,
}

impl GitDaemon {
    /// Starts `git daemon --export-all --base-path=BASE --reuseaddr
    /// --listen=127.0.0.1 --port=PORT --informative-errors --verbose` (as
    /// `$(git --exec-path)/git-daemon`, one process) on a free port
    /// (retrying on another port if it was taken meanwhile) and returns
    /// once it listens (its "Ready to rumble" line). Upload-pack runs with
    /// [`hermetic_env`], so any reachable commit may be fetched by sha.
    pub fn serve(base: &Path) -> GitDaemon {
        let base = base.canonicalize().expect("daemon base path");
        let mut last_log = String::new();
        for _ in 0..20 {
            let port = free_port();
            // `git daemon` would run `git-daemon` as a child process;
            // run it directly so that the process to kill is the daemon.
            let mut cmd = Command::new(git_exec_path().join("git-daemon"));
            hermetic_env(&mut cmd)
                .arg("--export-all")
                .arg(format!("--base-path={}", base.display()))
                .arg("--reuseaddr")
                .arg("--listen=127.0.0.1")
                .arg(format!("--port={port}"))
                .arg("--informative-errors")
                .arg("--verbose")
                .current_dir(&base);
            let (mut server, ready) = ServerProcess::spawn(&mut cmd, Some("Ready to rumble"));
            match ready.recv_timeout(START_LIMIT) {
                Ok(()) => return GitDaemon { server, port },
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    panic!(
                        "git daemon not ready after {START_LIMIT:?}:\n{}",
                        server.stop_and_log()
                    )
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    // It exited: most likely the port was taken; retry.
                    let log = server.log();
                    drop(server);
                    assert!(
                        log.contains("unable to allocate any listen sockets"),
                        "git daemon failed to start:\n{log}"
                    );
                    last_log = log;
                }
            }
        }
        panic!("git daemon found no free port:\n{last_log}");
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `git://127.0.0.1:PORT/REPO_REL`, for the repository at
    /// `BASE/REPO_REL` (git daemon also finds `REPO_REL.git` and
    /// `REPO_REL/.git`).
    pub fn url(&self, repo_rel: &str) -> String {
        format!(
            "git://127.0.0.1:{}/{}",
            self.port,
            repo_rel.trim_start_matches('/')
        )
    }

    /// Everything the daemon logged so far (connections, requests,
    /// errors).
    pub fn log(&self) -> String {
        self.server.log()
    }

    /// Whether the log contains `needle`, waiting up to [`LOG_WAIT`] for
    /// it: the log is read on a thread, so it may lag behind a client that
    /// has just finished.
    pub fn wait_for_log(&self, needle: &str) -> bool {
        self.server.wait_for_log(needle)
    }
}

/// How a [`GitHttp`] server answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Behaviour {
    /// Smart HTTP through `git http-backend`.
    Normal,
    /// Every request gets `404 Not Found`.
    NotFound,
    /// Every request gets `401 Unauthorized` with
    /// `WWW-Authenticate: Basic realm="test"`; no credentials are accepted.
    RequireAuth,
    /// HTTP Basic authentication with exactly these `USER:PASSWORD`: a
    /// request with them is served as [`Behaviour::Normal`], any other
    /// gets what [`Behaviour::RequireAuth`] gives. The log has one line
    /// per request, `auth: accepted`, `auth: refused` (wrong credentials)
    /// or `auth: none`.
    BasicAuth(&'static str),
}

impl Behaviour {
    fn args(self) -> Vec<&'static str> {
        match self {
            Behaviour::Normal => vec!["--behaviour", "normal"],
            Behaviour::NotFound => vec!["--behaviour", "not-found"],
            Behaviour::RequireAuth => vec!["--behaviour", "require-auth"],
            Behaviour::BasicAuth(credentials) => {
                vec!["--behaviour", "basic-auth", "--credentials", credentials]
            }
        }
    }
}

/// Git's smart HTTP protocol on 127.0.0.1: `git http-backend` behind
/// `tests/support/git-http-server.py` (Python standard library), serving
/// every repository below a directory; killed (with its children) on drop,
/// or when the thread that started it ends (so do not share one between
/// tests through a static).
pub struct GitHttp {
    server: ServerProcess,
    port: u16,
}

impl GitHttp {
    /// Serves `base` normally (see [`GitHttp::serve_with`]).
    pub fn serve(base: &Path) -> GitHttp {
        Self::serve_with(base, Behaviour::Normal)
    }

    /// Starts the server on a port chosen by the OS, answering as
    /// `behaviour` says, and returns once it listens. `git http-backend`
    /// runs with [`hermetic_env`] and `GIT_HTTP_EXPORT_ALL`.
    pub fn serve_with(base: &Path, behaviour: Behaviour) -> GitHttp {
        let base = base.canonicalize().expect("http base path");
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/git-http-server.py");
        let mut cmd = Command::new("python3");
        hermetic_env(&mut cmd)
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .env("PYTHONUNBUFFERED", "1")
            .arg(&script)
            .arg("--root")
            .arg(&base)
            .args(behaviour.args());
        let (mut server, _) = ServerProcess::spawn(&mut cmd, None);
        // The script prints its port once it listens. Read it on a thread
        // so a server that never prints cannot block the test.
        let stdout = server._stdout.take().expect("server stdout");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            let mut line = String::new();
            let _ = reader.read_line(&mut line);
            let _ = tx.send((line, reader.into_inner()));
        });
        let Ok((line, stdout)) = rx.recv_timeout(START_LIMIT) else {
            panic!(
                "HTTP server silent for {START_LIMIT:?}:\n{}",
                server.stop_and_log()
            )
        };
        server._stdout = Some(stdout);
        let Ok(port) = line.trim().parse() else {
            panic!(
                "HTTP server did not print its port (got {line:?}):\n{}",
                server.stop_and_log()
            )
        };
        GitHttp { server, port }
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `http://127.0.0.1:PORT/REPO_REL`, for the repository at
    /// `BASE/REPO_REL`.
    pub fn url(&self, repo_rel: &str) -> String {
        format!(
            "http://127.0.0.1:{}/{}",
            self.port,
            repo_rel.trim_start_matches('/')
        )
    }

    /// `http://USERINFO@127.0.0.1:PORT/REPO_REL`: [`GitHttp::url`] with
    /// credentials (`user:password`, percent-encoded as needed).
    pub fn url_with(&self, userinfo: &str, repo_rel: &str) -> String {
        self.url(repo_rel)
            .replacen("http://", &format!("http://{userinfo}@"), 1)
    }

    /// Requests `PATH` (a plain GET, outside any repository) and returns
    /// once the server has logged it: every request made before it is in
    /// [`GitHttp::log`] then, to be counted.
    pub fn mark_log(&self, path: &str) {
        use std::io::Write as _;
        let mut stream =
            std::net::TcpStream::connect(("127.0.0.1", self.port)).expect("connect to the server");
        write!(
            stream,
            "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
        )
        .expect("send the request");
        let mut answer = Vec::new();
        let _ = stream.read_to_end(&mut answer);
        assert!(
            self.wait_for_log(path),
            "{path} not logged:\n{}",
            self.log()
        );
    }

    /// Everything the server logged so far: one line per request (method,
    /// path, status) and `git http-backend`'s stderr.
    pub fn log(&self) -> String {
        self.server.log()
    }

    /// Whether the log contains `needle`, waiting up to [`LOG_WAIT`] for
    /// it: the log is read on a thread, so it may lag behind a client that
    /// has just finished.
    pub fn wait_for_log(&self, needle: &str) -> bool {
        self.server.wait_for_log(needle)
    }
}
