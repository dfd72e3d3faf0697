//! Test helpers: temporary trees, running the binary, reading its output.

#![allow(dead_code)]

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// A temporary directory tree whose root has a fixed name, so the root
/// frame of the output does not depend on the temporary path.
pub struct TestDir {
    _tmp: tempfile::TempDir,
    root: PathBuf,
}

impl TestDir {
    /// An empty tree named `name`.
    pub fn new(name: &str) -> TestDir {
        Self::with_raw_name(name.as_bytes())
    }

    /// An empty tree whose root directory has the raw name `name`.
    pub fn with_raw_name(name: &[u8]) -> TestDir {
        let tmp = tempfile::Builder::new()
            .prefix("repoflame-test-")
            .tempdir()
            .expect("temp dir");
        let root = tmp.path().join(OsStr::from_bytes(name));
        std::fs::create_dir_all(&root).expect("create root");
        TestDir { _tmp: tmp, root }
    }

    /// The root of the tree.
    pub fn path(&self) -> &Path {
        &self.root
    }

    /// The directory that holds the root (for writing outputs beside it).
    pub fn parent(&self) -> &Path {
        self.root.parent().expect("root has a parent")
    }

    /// Writes a file at `rel` (raw bytes allowed), creating directories.
    pub fn file(&self, rel: impl AsRef<[u8]>, content: impl AsRef<[u8]>) -> &Self {
        let path = self.root.join(OsStr::from_bytes(rel.as_ref()));
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("create parent");
        }
        std::fs::write(&path, content).expect("write file");
        self
    }

    /// Creates a directory at `rel`.
    pub fn dir(&self, rel: impl AsRef<[u8]>) -> &Self {
        std::fs::create_dir_all(self.root.join(OsStr::from_bytes(rel.as_ref())))
            .expect("create dir");
        self
    }

    /// The absolute path of `rel` (raw bytes allowed).
    pub fn join(&self, rel: impl AsRef<[u8]>) -> PathBuf {
        self.root.join(OsStr::from_bytes(rel.as_ref()))
    }

    /// `repoflame` with its working directory at the root.
    pub fn cmd(&self) -> Command {
        let mut cmd = repoflame();
        cmd.current_dir(&self.root);
        cmd
    }

    /// Runs `repoflame ARGS` in the root and returns its output.
    pub fn run(&self, args: &[&str]) -> Output {
        self.cmd().args(args).complete()
    }
}

/// The binary under test, hermetic ([`hermetic`]), stdin from /dev/null.
pub fn repoflame() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_repoflame"));
    hermetic(&mut cmd).stdin(Stdio::null());
    cmd
}

/// Makes `cmd`'s environment the same wherever the tests run: nothing
/// inherited (no `GIT_DIR`, no `REPOFLAME_*` debug switches, no terminal
/// settings), a `PATH` for the programs tests start, and a home with no
/// configuration in it (no global git config or excludes), its XDG
/// directories inside. Every command that runs the binary gets this, also
/// through a wrapper (`setpriv`, `unshare`, `sh`): the wrapper passes it on.
pub fn hermetic(cmd: &mut Command) -> &mut Command {
    let home = test_home();
    cmd.env_clear()
        .env("PATH", "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin")
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env("XDG_CACHE_HOME", home.join(".cache"))
        .env("XDG_DATA_HOME", home.join(".local/share"))
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("LC_ALL", "C.UTF-8")
}

/// An empty home directory for the runs of this test process, under
/// cargo's temporary directory for integration tests (inside `target/`).
fn test_home() -> &'static Path {
    static HOME: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    HOME.get_or_init(|| {
        let home =
            Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("home-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&home);
        std::fs::create_dir_all(&home).expect("create the tests' home");
        home
    })
}

/// How long one run may take before it counts as a hang (a debug build on
/// a loaded machine of two cores): a hang fails its test instead of
/// blocking the suite.
pub const HANG: std::time::Duration = std::time::Duration::from_secs(180);

/// Runs a command to completion with piped stdout and stderr, within
/// [`HANG`].
pub fn run(cmd: &mut Command) -> Output {
    run_limited(cmd, HANG).output
}

/// The one way tests run a command and look at what it gave.
pub trait Run {
    /// Runs it to completion (within [`HANG`]) and returns its exit status
    /// and output.
    fn complete(&mut self) -> Output;

    /// Runs it; it must exit 0. Returns its output.
    fn ok(&mut self) -> Output {
        let out = self.complete();
        assert_ok(&out);
        out
    }

    /// Runs it; it must exit 0 and say nothing on stderr. Returns stdout
    /// as text.
    fn quiet_ok(&mut self) -> String {
        let out = self.ok();
        assert!(out.stderr.is_empty(), "{}", describe(&out));
        String::from_utf8(out.stdout).expect("stdout is UTF-8")
    }

    /// Runs it; it must exit 0. Returns stdout as text.
    fn stdout_ok(&mut self) -> String {
        assert_ok(&self.complete())
    }

    /// Runs it; it must exit 0 and write a JSON report on stdout.
    fn json_ok(&mut self) -> serde_json::Value {
        let out = self.ok();
        serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|err| panic!("not JSON: {err}\n{}", describe(&out)))
    }
}

/// Asserts that a run exited 0 and returns its stdout as text.
pub fn assert_ok(out: &Output) -> String {
    assert_eq!(out.status.code(), Some(0), "{}", describe(out));
    String::from_utf8(out.stdout.clone()).expect("stdout is UTF-8")
}

impl Run for Command {
    fn complete(&mut self) -> Output {
        run(self)
    }
}

/// Exit status, stdout and stderr as text, for assertion messages.
pub fn describe(output: &Output) -> String {
    format!(
        "status {:?}\n--- stdout ---\n{}\n--- stderr ---\n{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// Parses folded output into `(frames, count)` per line, checking the
/// contract on the way: one space before a positive count, no `\r`, no
/// empty frame.
pub fn parse_folded(text: &str) -> Vec<(Vec<String>, u64)> {
    assert!(!text.contains('\r'), "folded output has a CR");
    text.lines()
        .map(|line| {
            let (stack, count) = line.rsplit_once(' ').expect("a count column");
            let count: u64 = count.parse().expect("a numeric count");
            assert!(count > 0, "zero count in {line:?}");
            let frames: Vec<String> = stack.split(';').map(str::to_string).collect();
            assert!(
                frames.iter().all(|f| !f.is_empty()),
                "empty frame in {line:?}"
            );
            (frames, count)
        })
        .collect()
}

/// Sum of the counts of folded output.
pub fn folded_total(text: &str) -> u64 {
    parse_folded(text).iter().map(|(_, c)| c).sum()
}

/// Checks that `svg` is a well-formed XML document: one root element,
/// every element closed, nothing after it. (A streaming reader stops at the
/// end of its input without complaint, so it would pass a truncated file;
/// roxmltree builds the whole tree and rejects it.)
pub fn assert_xml(svg: &[u8]) {
    let text = std::str::from_utf8(svg).unwrap_or_else(|err| panic!("not UTF-8: {err}"));
    if let Err(err) = roxmltree::Document::parse_with_options(
        text,
        roxmltree::ParsingOptions {
            allow_dtd: true,
            ..roxmltree::ParsingOptions::default()
        },
    ) {
        panic!("not well-formed XML: {err}");
    }
}

/// Whether the environment variable `name` is set to something other than
/// empty or `0`.
pub fn env_flag(name: &str) -> bool {
    std::env::var_os(name).is_some_and(|v| !v.is_empty() && v != "0")
}

/// Says that `test` did not run, and why, where a person sees it: on the
/// terminal of a passing `cargo test` too (written to the process's stderr
/// directly, which libtest does not capture, unlike `eprintln!`). When the
/// environment variable `required` is set (CI sets them), the test fails
/// instead: what CI can do, it must not skip.
pub fn skip_or_fail(test: &str, why: &str, required: &str) {
    use std::io::Write;
    if env_flag(required) {
        panic!("{test}: cannot run: {why}; {required} is set, so this is a failure");
    }
    let _ = writeln!(
        std::io::stderr(),
        "SKIPPED {test}: {why} (set {required}=1 to make this a failure)"
    );
}

/// [`skip_or_fail`] for what needs root, user namespaces, `setpriv` or
/// fanotify: CI runs as root and sets `REPOFLAME_REQUIRE_PRIVILEGED`.
pub fn require_or_skip(test: &str, why: &str) {
    skip_or_fail(test, why, "REPOFLAME_REQUIRE_PRIVILEGED");
}

/// Whether the slow tests run (`REPOFLAME_SLOW_TESTS`, which CI sets);
/// says so visibly when they do not.
pub fn slow_tests_enabled(test: &str) -> bool {
    if env_flag("REPOFLAME_SLOW_TESTS") {
        return true;
    }
    use std::io::Write;
    let _ = writeln!(
        std::io::stderr(),
        "SKIPPED {test}: slow (set REPOFLAME_SLOW_TESTS=1 to run it)"
    );
    false
}

/// Whether the process runs as root.
pub fn is_root() -> bool {
    // SAFETY: geteuid cannot fail.
    unsafe { libc::geteuid() == 0 }
}

/// Per-file and total counts from tokei's own library walker, with tokei's
/// defaults (hidden files skipped, ignore files honoured) unless told
/// otherwise.
pub struct TokeiCounts {
    /// (code, comments, blanks) per file, summarised as tokei's totals do.
    pub files: std::collections::BTreeMap<PathBuf, (u64, u64, u64)>,
    /// tokei's Total row.
    pub total: (u64, u64, u64),
}

/// Runs `tokei::Languages::get_statistics` on `path`.
pub fn tokei_counts(path: &Path, hidden: bool, no_ignore: bool) -> TokeiCounts {
    let config = tokei::Config {
        hidden: Some(hidden),
        no_ignore: Some(no_ignore),
        ..tokei::Config::default()
    };
    let mut languages = tokei::Languages::new();
    languages.get_statistics(&[path], &[], &config);
    let mut files = std::collections::BTreeMap::new();
    for (_, language) in languages.iter() {
        for report in &language.reports {
            let s = report.stats.summarise();
            files.insert(
                report.name.clone(),
                (s.code as u64, s.comments as u64, s.blanks as u64),
            );
        }
    }
    let total = languages.total();
    TokeiCounts {
        files,
        total: (
            total.code as u64,
            total.comments as u64,
            total.blanks as u64,
        ),
    }
}

/// The tokei version the crate is (vendored, with one addition) and the
/// CLI oracle must be.
pub const TOKEI_VERSION: &str = "15.0.0";

/// The tokei command-line program, version [`TOKEI_VERSION`]: an oracle
/// independent of the code under test (whose tokei is vendored and patched).
/// Looked for in `$REPOFLAME_TOKEI_CLI`, in `target/tokei-cli/bin` (where
/// `.ci/run` installs it with `cargo install tokei@15.0.0 --locked --root
/// target/tokei-cli`) and on `PATH`. `None` after a visible skip notice,
/// unless `REPOFLAME_REQUIRE_TOKEI_CLI` is set: then the test fails.
pub fn tokei_cli(test: &str) -> Option<PathBuf> {
    let candidates = [
        std::env::var_os("REPOFLAME_TOKEI_CLI").map(PathBuf::from),
        Some(Path::new(env!("CARGO_MANIFEST_DIR")).join("target/tokei-cli/bin/tokei")),
        Some(PathBuf::from("tokei")),
    ];
    let wanted = format!("tokei {TOKEI_VERSION}");
    for candidate in candidates.into_iter().flatten() {
        let mut cmd = Command::new(&candidate);
        hermetic(&mut cmd).arg("--version");
        if let Ok(out) = cmd.stdin(Stdio::null()).output() {
            // "tokei 15.0.0 compiled with serialization support: json"
            let version = String::from_utf8_lossy(&out.stdout);
            if version
                .split_whitespace()
                .take(2)
                .eq(wanted.split_whitespace())
            {
                return Some(candidate);
            }
        }
    }
    skip_or_fail(
        test,
        &format!(
            "the tokei CLI {TOKEI_VERSION} is not installed (cargo install tokei@{TOKEI_VERSION} \
             --locked --root target/tokei-cli)"
        ),
        "REPOFLAME_REQUIRE_TOKEI_CLI",
    );
    None
}

/// Per-file counts, (code, comments, blanks) with embedded languages
/// summarised into their file, and the language, as the tokei CLI reports
/// them for the tree at `root` (paths relative to it), with `args`.
pub fn tokei_cli_report(
    tokei: &Path,
    root: &Path,
    args: &[&str],
) -> std::collections::BTreeMap<String, (String, u64, u64, u64)> {
    tokei_cli_counts(tokei, root, args)
        .files
        .into_iter()
        .map(|(path, f)| (path, (f.language, f.code, f.comments, f.blanks)))
        .collect()
}

/// The tokei CLI's JSON report of the tree at `root`, run there as `tokei
/// . --output json ARGS`: per file (keyed by the path relative to `root`)
/// its language and counts, embedded languages summarised into the file;
/// and the CLI's own `Total` row, which it computes itself (so a check of
/// the total against the sum of the files means something). Fails the
/// test when the CLI says its counts are inaccurate (a file it could not
/// read) or reports a file twice.
///
/// The CLI cannot report a name that is not UTF-8 in JSON (it panics,
/// "path contains invalid UTF-8 characters"): for such trees, see
/// [`tokei_cli_table`].
pub fn tokei_cli_counts(tokei: &Path, root: &Path, args: &[&str]) -> TokeiReport {
    fn summarised(stats: &serde_json::Value) -> (u64, u64, u64) {
        let n = |key: &str| stats[key].as_u64().expect("a count");
        let mut total = (n("code"), n("comments"), n("blanks"));
        if let Some(blobs) = stats["blobs"].as_object() {
            for blob in blobs.values() {
                let (c, m, b) = summarised(blob);
                total = (total.0 + c, total.1 + m, total.2 + b);
            }
        }
        total
    }
    let mut cmd = Command::new(tokei);
    hermetic(&mut cmd)
        .current_dir(root)
        .arg(".")
        .args(["--output", "json"])
        .args(args);
    let report = cmd.json_ok();
    let context = format!("tokei . {} (in {})", args.join(" "), root.display());
    let mut files = std::collections::BTreeMap::new();
    let mut total = None;
    for (language, value) in report.as_object().expect("a JSON object") {
        assert_eq!(
            value["inaccurate"], false,
            "{context}: {language} is inaccurate (a file tokei could not read)"
        );
        let n = |key: &str| value[key].as_u64().expect("a count");
        if language == "Total" {
            total = Some((n("code"), n("comments"), n("blanks")));
            continue;
        }
        for file in value["reports"].as_array().into_iter().flatten() {
            let name = file["name"].as_str().expect("a file name");
            let name = name.strip_prefix("./").unwrap_or(name).to_string();
            let (code, comments, blanks) = summarised(&file["stats"]);
            let counts = TokeiFile {
                language: language.clone(),
                code,
                comments,
                blanks,
            };
            if let Some(first) = files.insert(name.clone(), counts) {
                panic!("{context}: {name} reported twice, first as {first:?}");
            }
        }
    }
    TokeiReport {
        files,
        total: total.unwrap_or_else(|| panic!("{context}: no Total in the report")),
    }
}

/// What the tokei CLI's table says about one language (or the `Total`
/// row): files, code, comments, blanks, embedded languages summarised in.
pub type TableRow = (u64, u64, u64, u64);

/// The tokei CLI's terminal table for the tree at `root`, run there as
/// `tokei . ARGS`: each language's row (its `(Total)` row where it holds
/// embedded languages, as repoflame's per-language sums do) and the
/// `Total` row, by name. It names no file, so it works for any name on
/// disk, where the JSON report ([`tokei_cli_counts`]) cannot. Checks on the
/// way that each row's lines are code + comments + blanks.
pub fn tokei_cli_table(
    tokei: &Path,
    root: &Path,
    args: &[&str],
) -> std::collections::BTreeMap<String, TableRow> {
    let mut cmd = Command::new(tokei);
    hermetic(&mut cmd).current_dir(root).arg(".").args(args);
    let text = cmd.stdout_ok();
    let context = format!("tokei . {} (in {})", args.join(" "), root.display());
    let mut rows = std::collections::BTreeMap::new();
    let mut last: Option<String> = None;
    for line in text.lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        // Rules, the header, and the `|- Embedded` rows (already in the
        // `(Total)` row that follows them).
        if words.len() < 5 || words[0] == "Language" || words[0] == "|-" {
            continue;
        }
        let numbers = |count: usize| -> Vec<u64> {
            words[words.len() - count..]
                .iter()
                .map(|w| {
                    w.parse()
                        .unwrap_or_else(|_| panic!("{context}: not a number in {line:?}"))
                })
                .collect()
        };
        if words[0] == "(Total)" {
            // Lines, code, comments, blanks of the language above, with
            // its embedded languages.
            let n = numbers(4);
            assert_eq!(n[0], n[1] + n[2] + n[3], "{context}: {line:?}");
            let language = last.as_ref().expect("a language row before (Total)");
            let row: &mut TableRow = rows.get_mut(language).unwrap();
            *row = (row.0, n[1], n[2], n[3]);
        } else {
            // Files, lines, code, comments, blanks.
            let n = numbers(5);
            assert_eq!(n[1], n[2] + n[3] + n[4], "{context}: {line:?}");
            let name = words[..words.len() - 5].join(" ");
            let row = (n[0], n[2], n[3], n[4]);
            assert!(
                rows.insert(name.clone(), row).is_none(),
                "{context}: {name} twice in the table"
            );
            last = Some(name);
        }
    }
    assert!(
        rows.contains_key("Total"),
        "{context}: no Total row:\n{text}"
    );
    rows
}

// ---------------------------------------------------------------------------
// Helpers for the names, bad_input, output and cli modules: bounded runs,
// memory measurement, pseudo-terminals, unprivileged runs and SVG reading.

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
pub fn wait_limited(
    child: &mut std::process::Child,
    limit: std::time::Duration,
) -> (std::process::ExitStatus, u64) {
    use std::os::unix::process::ExitStatusExt;

    let pid = child.id() as libc::pid_t;
    let deadline = std::time::Instant::now() + limit;
    loop {
        let mut status = 0;
        // SAFETY: plain system call on our own child, with valid out-pointers.
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        let reaped = unsafe { libc::wait4(pid, &mut status, libc::WNOHANG, &mut usage) };
        if reaped == pid {
            return (
                std::process::ExitStatus::from_raw(status),
                usage.ru_maxrss as u64,
            );
        }
        assert!(reaped == 0, "wait4: {}", std::io::Error::last_os_error());
        if std::time::Instant::now() >= deadline {
            // SAFETY: the child is not reaped yet, so `pid` is still ours.
            unsafe {
                libc::kill(pid, libc::SIGKILL);
                libc::waitpid(pid, &mut status, 0);
            }
            panic!("repoflame still running after {limit:?}: killed (a hang)");
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
}

/// Reads all of `pipe` on a thread.
fn drain<R: std::io::Read + Send + 'static>(pipe: Option<R>) -> std::thread::JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut out = Vec::new();
        if let Some(mut pipe) = pipe {
            let _ = pipe.read_to_end(&mut out);
        }
        out
    })
}

/// Runs `cmd` with piped stdout and stderr, failing the test (after
/// killing the child) when it takes longer than `limit`.
pub fn run_limited(cmd: &mut Command, limit: std::time::Duration) -> Measured {
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

/// What a run with a pseudo-terminal attached gave.
pub struct PtyRun {
    /// Exit status.
    pub status: std::process::ExitStatus,
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
pub fn run_on_pty(
    mut cmd: Command,
    stdout: bool,
    stderr: bool,
    limit: std::time::Duration,
) -> PtyRun {
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

/// `repoflame` run as the unprivileged user nobody (65534) through
/// `setpriv`, so that permission bits apply even when the tests run as
/// root. `None` (after printing a notice) when that is not possible; when
/// the tests do not run as root, the binary is run as is.
pub fn repoflame_unprivileged(test: &str) -> Option<Command> {
    // SAFETY: geteuid cannot fail.
    if unsafe { libc::geteuid() } != 0 {
        return Some(repoflame());
    }
    let setpriv = ["/usr/bin/setpriv", "/bin/setpriv"]
        .into_iter()
        .find(|p| Path::new(p).exists());
    let Some(setpriv) = setpriv else {
        require_or_skip(test, "running as root and setpriv is not installed");
        return None;
    };
    let mut cmd = Command::new(setpriv);
    hermetic(&mut cmd)
        .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
        .arg(env!("CARGO_BIN_EXE_repoflame"))
        .stdin(Stdio::null());
    Some(cmd)
}

/// Opens the temporary directory holding `dir` to other users (tempfile
/// makes it 0700), for runs as an unprivileged user.
pub fn open_to_all(dir: &TestDir) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(dir.parent(), std::fs::Permissions::from_mode(0o755))
        .expect("chmod temp dir");
}

/// Sets the permission bits of `path`.
pub fn chmod(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

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

/// Names in `dir` of leftover temporary output files (`.repoflame-*.tmp`).
pub fn temp_leftovers(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .expect("read dir")
        .map(|e| {
            e.expect("dir entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .filter(|name| name.starts_with(".repoflame-"))
        .collect()
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

/// The umask of this process, read without changing it.
pub fn current_umask() -> u32 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    let line = status
        .lines()
        .find_map(|l| l.strip_prefix("Umask:"))
        .expect("a Umask line");
    u32::from_str_radix(line.trim(), 8).expect("an octal umask")
}

/// `repoflame ARGS --folded` in the root: exit status 0, nothing on
/// stderr; stdout.
pub fn folded_ok(dir: &TestDir, args: &[&str]) -> String {
    dir.cmd().args(args).arg("--folded").quiet_ok()
}

/// The lines of stderr, checking that each is a `repoflame: …` message.
pub fn error_lines(output: &Output) -> Vec<String> {
    let text = String::from_utf8(output.stderr.clone()).expect("stderr is UTF-8");
    let lines: Vec<String> = text.lines().map(str::to_string).collect();
    for line in &lines {
        assert!(
            line.starts_with("repoflame: "),
            "not a repoflame message: {line:?}\n{}",
            describe(output)
        );
        assert!(
            !line.contains(|c: char| c.is_control()),
            "control character in {line:?}"
        );
    }
    lines
}

/// Asserts exit status 2 with nothing on stdout and exactly one
/// `repoflame: …` line on stderr, which it returns.
pub fn assert_fails_cleanly(output: &Output) -> String {
    assert_eq!(output.status.code(), Some(2), "{}", describe(output));
    assert!(
        output.stdout.is_empty(),
        "stdout not empty: {}",
        describe(output)
    );
    let lines = error_lines(output);
    assert_eq!(
        lines.len(),
        1,
        "not one line on stderr: {}",
        describe(output)
    );
    lines.into_iter().next().unwrap()
}

/// One frame of an SVG: the first line of its `<title>` (the frame name),
/// the whole title, and its rectangle's `y` and `fg:w`.
#[derive(Clone, Debug)]
pub struct SvgFrame {
    /// The text of `<title>`, XML-unescaped.
    pub title: String,
    /// The `y` attribute of the frame's `<rect>`.
    pub y: f64,
    /// The `fg:x` attribute (samples left of the frame), when present.
    pub x: Option<u64>,
    /// The `fg:w` attribute (samples), when present.
    pub samples: Option<u64>,
}

impl SvgFrame {
    /// The first line of the title: repoflame puts the frame name there.
    pub fn name(&self) -> &str {
        self.title.lines().next().unwrap_or("")
    }
}

/// The frames (`<g>` with a `<title>` and a `<rect>` inside the element
/// `id="frames"`) of an SVG, in document order; also checks it is XML.
pub fn svg_frames(svg: &[u8]) -> Vec<SvgFrame> {
    svg_frames_and_total(svg).0
}

/// [`svg_frames`], and the `total_samples` attribute of the frames element.
pub fn svg_frames_and_total(svg: &[u8]) -> (Vec<SvgFrame>, Option<u64>) {
    use quick_xml::events::Event;

    let mut reader = quick_xml::Reader::from_reader(svg);
    let (mut frames, mut total) = (Vec::new(), None);
    let mut in_frames = 0usize; // depth of the frames element, 0 when outside
    let mut depth = 0usize;
    let mut title: Option<String> = None;
    let mut current: Option<SvgFrame> = None;
    let attr = |e: &quick_xml::events::BytesStart<'_>, name: &str| -> Option<String> {
        e.try_get_attribute(name).expect("attribute").map(|a| {
            a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .expect("attribute value")
                .into_owned()
        })
    };
    loop {
        let event = reader
            .read_event()
            .unwrap_or_else(|err| panic!("not XML at byte {}: {err}", reader.buffer_position()));
        match event {
            Event::Start(e) => {
                depth += 1;
                if e.name().as_ref() == b"svg" && attr(&e, "id").as_deref() == Some("frames") {
                    in_frames = depth;
                    total = attr(&e, "total_samples").map(|t| t.parse().expect("total_samples"));
                } else if in_frames > 0 && e.name().as_ref() == b"g" {
                    current = Some(SvgFrame {
                        title: String::new(),
                        y: f64::NAN,
                        x: None,
                        samples: None,
                    });
                } else if current.is_some() && e.name().as_ref() == b"title" {
                    title = Some(String::new());
                }
            }
            Event::Empty(e) if current.is_some() && e.name().as_ref() == b"rect" => {
                let frame = current.as_mut().unwrap();
                frame.y = attr(&e, "y")
                    .and_then(|y| y.parse().ok())
                    .unwrap_or(f64::NAN);
                frame.x = attr(&e, "fg:x").and_then(|x| x.parse().ok());
                frame.samples = attr(&e, "fg:w").and_then(|w| w.parse().ok());
            }
            Event::Text(text) if title.is_some() => {
                let text = text.decode().expect("UTF-8 text");
                title.as_mut().unwrap().push_str(&text);
            }
            Event::GeneralRef(reference) if title.is_some() => {
                let name = reference.decode().expect("UTF-8 reference");
                let entity = format!("&{name};");
                let text = quick_xml::escape::unescape(&entity).expect("known entity");
                title.as_mut().unwrap().push_str(&text);
            }
            Event::End(e) => {
                if e.name().as_ref() == b"title" {
                    if let (Some(frame), Some(text)) = (current.as_mut(), title.take()) {
                        frame.title = text;
                    }
                } else if e.name().as_ref() == b"g" {
                    frames.extend(current.take());
                }
                if depth == in_frames {
                    in_frames = 0;
                }
                depth -= 1;
            }
            Event::Eof => break,
            _ => {}
        }
    }
    (frames, total)
}

/// The text of the SVG element with `id="ID"` (title, subtitle…),
/// XML-unescaped.
pub fn svg_text(svg: &[u8], id: &str) -> Option<String> {
    use quick_xml::events::Event;

    let mut reader = quick_xml::Reader::from_reader(svg);
    let mut text: Option<String> = None;
    loop {
        match reader.read_event().expect("XML") {
            Event::Start(e)
                if e.try_get_attribute("id")
                    .ok()
                    .flatten()
                    .is_some_and(|a| a.value.as_ref() == id.as_bytes()) =>
            {
                text = Some(String::new());
            }
            Event::Text(t) if text.is_some() => {
                text.as_mut().unwrap().push_str(&t.decode().expect("UTF-8"));
            }
            Event::GeneralRef(r) if text.is_some() => {
                let entity = format!("&{};", r.decode().expect("UTF-8"));
                text.as_mut()
                    .unwrap()
                    .push_str(&quick_xml::escape::unescape(&entity).expect("known entity"));
            }
            Event::End(_) if text.is_some() => return text,
            Event::Eof => return None,
            _ => {}
        }
    }
}

/// The attribute `name` of the outermost `<svg>` element.
pub fn svg_root_attr(svg: &[u8], name: &str) -> Option<String> {
    use quick_xml::events::Event;

    let mut reader = quick_xml::Reader::from_reader(svg);
    loop {
        match reader.read_event().expect("XML") {
            Event::Start(e) if e.name().as_ref() == b"svg" => {
                return e.try_get_attribute(name).expect("attribute").map(|a| {
                    a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                        .expect("value")
                        .into_owned()
                });
            }
            Event::Eof => return None,
            _ => {}
        }
    }
}

/// Like [`describe`], with stdout cut short (for SVG output).
pub fn describe_brief(output: &Output) -> String {
    let stdout = String::from_utf8_lossy(&output.stdout);
    let cut: String = stdout.chars().take(300).collect();
    format!(
        "status {:?}\n--- stdout ({} bytes) ---\n{cut}…\n--- stderr ---\n{}",
        output.status.code(),
        output.stdout.len(),
        String::from_utf8_lossy(&output.stderr)
    )
}

// ---------------------------------------------------------------------------
// Helpers for the tokei_parity and determinism modules: tokei's per-file
// report with languages, and a generated tree of thousands of files.

/// One file as tokei's library walker counted it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokeiFile {
    /// tokei's name of the language (`LanguageType::name`).
    pub language: String,
    /// Lines of code, embedded languages summarised into the file.
    pub code: u64,
    /// Comment lines, likewise.
    pub comments: u64,
    /// Blank lines, likewise.
    pub blanks: u64,
}

/// Everything tokei counted below one root.
pub struct TokeiReport {
    /// Per file, keyed by the path relative to the root with `/` between
    /// components (the form of repoflame's JSON paths).
    pub files: std::collections::BTreeMap<String, TokeiFile>,
    /// tokei's Total row: (code, comments, blanks).
    pub total: (u64, u64, u64),
}

/// Runs `tokei::Languages::get_statistics` on `root` with `config` and
/// reports paths relative to `root` (tokei reports them as walked).
pub fn tokei_report(root: &Path, config: &tokei::Config) -> TokeiReport {
    let mut languages = tokei::Languages::new();
    languages.get_statistics(&[root], &[], config);
    let mut files = std::collections::BTreeMap::new();
    for (language, stats) in languages.iter() {
        assert!(
            !stats.inaccurate,
            "tokei could not read some {language} file below {root:?}"
        );
        for report in &stats.reports {
            let s = report.stats.summarise();
            let relative = report
                .name
                .strip_prefix(root)
                .unwrap_or_else(|_| panic!("tokei path {:?} outside {root:?}", report.name));
            let key = relative.to_str().expect("UTF-8 path").to_string();
            let previous = files.insert(
                key.clone(),
                TokeiFile {
                    language: language.name().to_string(),
                    code: s.code as u64,
                    comments: s.comments as u64,
                    blanks: s.blanks as u64,
                },
            );
            assert!(previous.is_none(), "tokei counted {key} twice");
        }
    }
    let total = languages.total();
    TokeiReport {
        files,
        total: (
            total.code as u64,
            total.comments as u64,
            total.blanks as u64,
        ),
    }
}

/// tokei's configuration for the given walk flags (everything else default,
/// as the tokei CLI without configuration files).
pub fn tokei_config(hidden: bool, no_ignore: bool) -> tokei::Config {
    tokei::Config {
        hidden: Some(hidden),
        no_ignore: Some(no_ignore),
        ..tokei::Config::default()
    }
}

/// Copies the tree at `from` into `to` (created), files and directories
/// only, visiting entries in reverse order so the copy's directory order
/// differs from the original's.
pub fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create copy root");
    let mut entries: Vec<_> = std::fs::read_dir(from)
        .expect("read dir")
        .map(|e| e.expect("dir entry"))
        .collect();
    entries.sort_by_key(|e| std::cmp::Reverse(e.file_name()));
    for entry in entries {
        let target = to.join(entry.file_name());
        let kind = entry.file_type().expect("file type");
        if kind.is_dir() {
            copy_tree(&entry.path(), &target);
        } else if kind.is_file() {
            std::fs::copy(entry.path(), &target).expect("copy file");
        }
    }
}

/// SplitMix64: a tiny deterministic generator, so generated trees are the
/// same on every machine without a dependency.
pub struct Rng(u64);

impl Rng {
    /// A generator started from `seed`.
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n` > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// True with probability `percent`/100.
    pub fn percent(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    /// One element of `items`.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// A language of the generator: how its comments, strings and code look.
/// In templates `%` becomes a number.
struct GenLanguage {
    extension: &'static str,
    line_comment: &'static str,
    block: Option<(&'static str, &'static str)>,
    nested: bool,
    doc: Option<&'static str>,
    code: &'static [&'static str],
    /// A line whose string holds comment markers.
    string: &'static str,
    /// Relative frequency.
    weight: usize,
}

const GEN_LANGUAGES: &[GenLanguage] = &[
    GenLanguage {
        extension: "rs",
        line_comment: "//",
        block: Some(("/*", "*/")),
        nested: true,
        doc: Some("///"),
        code: &[
            "let v% = % + %;",
            "    if x > % { return %; }",
            "fn f%(x: u32) -> u32 {",
            "}",
            "    x.wrapping_mul(%)",
            "pub struct S% { field: u64 }",
            "let raw% = r#\"raw // not a comment\"#;",
        ],
        string: "let s% = \"/* not a comment */ // nor this\";",
        weight: 14,
    },
    GenLanguage {
        extension: "c",
        line_comment: "//",
        block: Some(("/*", "*/")),
        nested: false,
        doc: None,
        code: &[
            "int v% = %;",
            "static int f%(int x) {",
            "    return x * %;",
            "}",
            "#include <stdio.h>",
            "    if (x > %) x -= %;",
        ],
        string: "const char *s% = \"/* not a comment\"; /* a real one */",
        weight: 8,
    },
    GenLanguage {
        extension: "h",
        line_comment: "//",
        block: Some(("/*", "*/")),
        nested: false,
        doc: None,
        code: &[
            "#define LIMIT_% %",
            "int f%(int x);",
            "typedef struct { int a%; } t%;",
        ],
        string: "#define NAME_% \"// not a comment\"",
        weight: 3,
    },
    GenLanguage {
        extension: "cpp",
        line_comment: "//",
        block: Some(("/*", "*/")),
        nested: false,
        doc: Some("///"),
        code: &[
            "auto v% = std::vector<int>(%);",
            "namespace n% {",
            "}  // namespace",
            "    return x + %;",
            "int f%(int x) {",
        ],
        string: "std::string s% = \"*/ not a comment /*\";",
        weight: 5,
    },
    GenLanguage {
        extension: "py",
        line_comment: "#",
        block: None,
        nested: false,
        doc: Some("\"\"\""),
        code: &[
            "v% = % + %",
            "def f%(x):",
            "    return x * %",
            "import os",
            "    if x > %:",
            "        x -= %",
        ],
        string: "s% = \"# not a comment\"  # but this is",
        weight: 12,
    },
    GenLanguage {
        extension: "js",
        line_comment: "//",
        block: Some(("/*", "*/")),
        nested: false,
        doc: Some("/**"),
        code: &[
            "const v% = % + %;",
            "function f%(x) {",
            "  return x * %;",
            "}",
            "export default { id: % };",
        ],
        string: "const s% = `// ${%} /* in a template string */`;",
        weight: 9,
    },
    GenLanguage {
        extension: "ts",
        line_comment: "//",
        block: Some(("/*", "*/")),
        nested: false,
        doc: Some("/**"),
        code: &[
            "const v%: number = %;",
            "export function f%(x: number): number {",
            "  return x + %;",
            "}",
            "interface I% { a: number }",
        ],
        string: "const s% = '/* not a comment */';",
        weight: 6,
    },
    GenLanguage {
        extension: "go",
        line_comment: "//",
        block: Some(("/*", "*/")),
        nested: false,
        doc: None,
        code: &[
            "func f%(x int) int {",
            "\treturn x * %",
            "}",
            "var v% = %",
            "import \"fmt\"",
        ],
        string: "s% := \"// not a comment /*\"",
        weight: 6,
    },
    GenLanguage {
        extension: "java",
        line_comment: "//",
        block: Some(("/*", "*/")),
        nested: false,
        doc: Some("/**"),
        code: &[
            "public class C% {",
            "    private int v% = %;",
            "    int f(int x) { return x * %; }",
            "}",
        ],
        string: "String s% = \"/* not a comment */\";",
        weight: 5,
    },
    GenLanguage {
        extension: "sh",
        line_comment: "#",
        block: None,
        nested: false,
        doc: None,
        code: &[
            "v%=%",
            "echo \"$v%\"",
            "if [ \"$x\" -gt % ]; then",
            "fi",
            "cd /tmp || exit %",
        ],
        string: "echo \"# not a comment\" # but this is",
        weight: 4,
    },
    GenLanguage {
        extension: "rb",
        line_comment: "#",
        block: Some(("=begin", "=end")),
        nested: false,
        doc: None,
        code: &["def f%(x)", "  x * %", "end", "V% = %"],
        string: "s% = \"# not a comment\"",
        weight: 3,
    },
    GenLanguage {
        extension: "lua",
        line_comment: "--",
        block: Some(("--[[", "]]")),
        nested: false,
        doc: None,
        code: &["local v% = %", "function f%(x)", "  return x * %", "end"],
        string: "local s% = \"-- not a comment\"",
        weight: 2,
    },
    GenLanguage {
        extension: "hs",
        line_comment: "--",
        block: Some(("{-", "-}")),
        nested: true,
        doc: None,
        code: &["f% :: Int -> Int", "f% x = x * %", "main = print %"],
        string: "s% = \"{- not a comment -}\"",
        weight: 2,
    },
    GenLanguage {
        extension: "sql",
        line_comment: "--",
        block: Some(("/*", "*/")),
        nested: false,
        doc: None,
        code: &[
            "SELECT a, b FROM t% WHERE c > %;",
            "CREATE TABLE t% (id INT);",
            "INSERT INTO t% VALUES (%);",
        ],
        string: "SELECT '-- not a comment' AS c%;",
        weight: 2,
    },
    GenLanguage {
        extension: "toml",
        line_comment: "#",
        block: None,
        nested: false,
        doc: None,
        code: &["[section%]", "key% = %", "list% = [%, %]"],
        string: "name% = \"# not a comment\"",
        weight: 3,
    },
    GenLanguage {
        extension: "yml",
        line_comment: "#",
        block: None,
        nested: false,
        doc: None,
        code: &["key%: %", "list%:", "  - item%"],
        string: "text%: \"# not a comment\"",
        weight: 3,
    },
    GenLanguage {
        extension: "css",
        line_comment: "//",
        block: Some(("/*", "*/")),
        nested: false,
        doc: None,
        code: &[".c% {", "  margin: %px;", "}"],
        string: ".q%::after { content: \"/* not a comment */\"; }",
        weight: 3,
    },
];

/// What [`generate_tree`] wrote.
pub struct Generated {
    /// Files written (counted or not).
    pub files: usize,
    /// The largest file, relative to the root with `/` separators.
    pub largest: String,
}

/// Writes a deterministic tree of about `files` files below `root`: 20-odd
/// languages in nested directories with code, comments, blanks, block and
/// nested comments, strings holding comment markers, Markdown with code
/// blocks, HTML with `<script>` and `<style>`, Makefiles, extensionless
/// scripts with shebangs, a few CRLF and byte-order-mark files, empty files,
/// files no language claims, hidden files, a `.ignore` with its ignored
/// files, and one file much larger than all others.
pub fn generate_tree(root: &Path, seed: u64, files: usize) -> Generated {
    const TOP: &[&str] = &[
        "src", "lib", "app", "tools", "docs", "web", "services", "pkg", "tests", "vendor",
    ];
    const SUB: &[&str] = &[
        "core", "util", "api", "model", "view", "net", "db", "io", "cli", "internal", "common",
        "ext", "plugins", "v1", "v2", "build", "gen", "bin",
    ];
    const STEMS: &[&str] = &[
        "main", "util", "parser", "lexer", "server", "client", "config", "handler", "model",
        "view", "store", "cache", "queue", "worker", "router", "schema", "index", "helpers",
        "types", "errors",
    ];

    let mut rng = Rng::new(seed);
    let write = |rel: &str, content: &[u8]| {
        let path = root.join(rel);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("create dir");
        std::fs::write(&path, content).expect("write generated file");
    };

    // Directories: a few hundred, one to five levels deep.
    let mut dirs: Vec<String> = TOP.iter().map(|t| t.to_string()).collect();
    while dirs.len() < files / 12 {
        let parent = dirs[rng.below(dirs.len())].clone();
        if parent.matches('/').count() >= 4 {
            continue;
        }
        let child = format!("{parent}/{}", rng.pick(SUB));
        if !dirs.contains(&child) {
            dirs.push(child);
        }
    }

    let total_weight: usize = GEN_LANGUAGES.iter().map(|l| l.weight).sum();
    let mut makefiles = std::collections::BTreeSet::new();
    let mut written = 0;
    for n in 0..files {
        let dir = dirs[rng.below(dirs.len())].clone();
        let stem = rng.pick(STEMS);
        let lines = if rng.percent(5) {
            100 + rng.below(300)
        } else {
            3 + rng.below(60)
        };
        let roll = rng.below(100);
        let (rel, content) = if roll < 5 {
            (
                format!("{dir}/{stem}_{n}.md"),
                gen_markdown(&mut rng, lines),
            )
        } else if roll < 8 {
            (format!("{dir}/{stem}_{n}.html"), gen_html(&mut rng, lines))
        } else if roll < 10 {
            if makefiles.insert(dir.clone()) {
                (format!("{dir}/Makefile"), gen_makefile(&mut rng, lines))
            } else {
                (
                    format!("{dir}/{stem}_{n}.mk"),
                    gen_makefile(&mut rng, lines),
                )
            }
        } else if roll < 12 {
            let (shebang, language) = *rng.pick(&[
                ("#!/usr/bin/env bash", &GEN_LANGUAGES[9]),
                ("#!/bin/sh", &GEN_LANGUAGES[9]),
                ("#!/usr/bin/env python3", &GEN_LANGUAGES[4]),
            ]);
            let body = gen_source(&mut rng, language, lines);
            (
                format!("{dir}/bin_{stem}_{n}"),
                format!("{shebang}\n{body}"),
            )
        } else if roll < 13 {
            (format!("{dir}/{stem}_{n}.json"), gen_json(&mut rng, lines))
        } else if roll < 14 {
            // Not in any language: never counted by either tool.
            let name = *rng.pick(&["README", "LICENSE", "data.xyz", "blob.bin"]);
            (
                format!("{dir}/{n}_{name}"),
                "plain text, no language\n".repeat(1 + rng.below(5)),
            )
        } else if roll < 15 {
            let name = *rng.pick(&["__init__.py", "mod.rs", "empty.js"]);
            (format!("{dir}/{n}_{name}"), String::new())
        } else {
            let mut pick = rng.below(total_weight);
            let language = GEN_LANGUAGES
                .iter()
                .find(|l| {
                    if pick < l.weight {
                        true
                    } else {
                        pick -= l.weight;
                        false
                    }
                })
                .expect("a language");
            (
                format!("{dir}/{stem}_{n}.{}", language.extension),
                gen_source(&mut rng, language, lines),
            )
        };
        // Line endings and byte-order marks as found in real repositories.
        let bytes = match rng.below(100) {
            0..=2 => content.replace('\n', "\r\n").into_bytes(),
            3 => [b"\xEF\xBB\xBF".as_slice(), content.as_bytes()].concat(),
            4 if n % 5 == 0 => {
                let mut utf16 = vec![0xFF, 0xFE];
                utf16.extend(content.encode_utf16().flat_map(u16::to_le_bytes));
                utf16
            }
            _ => content.into_bytes(),
        };
        write(&rel, &bytes);
        written += 1;
    }

    // Hidden entries and ignored ones: counted only with --hidden or
    // --no-ignore.
    for (i, rel) in [
        ".github/workflows/ci_gen.yml",
        ".hidden_tool.py",
        "src/.local.rs",
        ".cache/deep/x.js",
    ]
    .iter()
    .enumerate()
    {
        let language = match rel.rsplit('.').next() {
            Some("yml") => &GEN_LANGUAGES[15],
            Some("py") => &GEN_LANGUAGES[4],
            Some("rs") => &GEN_LANGUAGES[0],
            _ => &GEN_LANGUAGES[5],
        };
        write(rel, gen_source(&mut rng, language, 10 + i * 7).as_bytes());
        written += 1;
    }
    write(".ignore", b"generated/\n*.min.js\n");
    for i in 0..12 {
        write(
            &format!("generated/part_{i}.rs"),
            gen_source(&mut rng, &GEN_LANGUAGES[0], 20 + i).as_bytes(),
        );
        write(
            &format!("web/assets/bundle_{i}.min.js"),
            gen_source(&mut rng, &GEN_LANGUAGES[5], 5 + i).as_bytes(),
        );
        written += 2;
    }

    // One file far larger than any other: a generated table.
    let largest = "vendor/tables/unicode_table.c".to_string();
    let mut table = String::from("/* Generated table: do not edit. */\n#include <stdint.h>\n\n");
    table.push_str("static const uint32_t TABLE[] = {\n");
    for row in 0..20_000 {
        if row % 1000 == 0 {
            table.push_str(&format!("    /* block {} */\n\n", row / 1000));
        }
        let (a, b) = (rng.next_u64() as u32, rng.next_u64() as u32);
        table.push_str(&format!("    0x{a:08x}, 0x{b:08x}, // row {row}\n"));
    }
    table.push_str("};\n");
    write(&largest, table.as_bytes());
    written += 1;

    Generated {
        files: written,
        largest,
    }
}

/// `template` with each `%` replaced by a number.
fn fill(rng: &mut Rng, template: &str) -> String {
    let mut out = String::with_capacity(template.len() + 8);
    for c in template.chars() {
        if c == '%' {
            out.push_str(&rng.below(1000).to_string());
        } else {
            out.push(c);
        }
    }
    out
}

/// A code line of `language`, numbers filled in.
fn code_line(rng: &mut Rng, language: &GenLanguage) -> String {
    let template = *rng.pick(language.code);
    fill(rng, template)
}

/// Text being generated, with its number of lines.
#[derive(Default)]
struct Text {
    out: String,
    lines: usize,
}

impl Text {
    /// Appends one line.
    fn line(&mut self, line: impl AsRef<str>) {
        self.out.push_str(line.as_ref());
        self.out.push('\n');
        self.lines += 1;
    }

    /// Appends whole lines.
    fn lines(&mut self, text: &str) {
        self.out.push_str(text);
        self.lines += text.matches('\n').count();
    }
}

/// Source code of about `lines` lines in `language`.
fn gen_source(rng: &mut Rng, language: &GenLanguage, lines: usize) -> String {
    let comment = language.line_comment;
    let mut text = Text::default();
    text.line(format!("{comment} generated file {}", rng.below(1000)));
    while text.lines < lines {
        match rng.below(20) {
            0..=2 => text.line(""),
            3 | 4 => text.line(format!("{comment} {}", fill(rng, "note % about the code"))),
            5 => text.line(format!(
                "{} {comment} trailing comment",
                code_line(rng, language)
            )),
            6 => text.line(fill(rng, language.string)),
            7 => match language.block {
                Some((open, close)) => {
                    text.line(format!("{open} a block comment"));
                    for _ in 0..rng.below(4) {
                        text.line(fill(rng, "   spanning line % of it"));
                    }
                    if rng.percent(30) {
                        text.line("");
                    }
                    text.line(close);
                }
                None => text.line(format!("{comment}{comment}")),
            },
            8 => match (language.block, language.nested) {
                (Some((open, close)), true) => {
                    text.line(format!("{open} outer {open} inner {close} still outer"));
                    text.line(format!("   {open} another level {close}"));
                    text.line(close);
                }
                (Some((open, close)), false) => {
                    let code = code_line(rng, language);
                    text.line(format!("{code} {open} a comment after code"));
                    text.line(format!("   that ends here {close} {code}"));
                }
                (None, _) => text.line(fill(rng, language.string)),
            },
            9 => match language.doc {
                Some("\"\"\"") => {
                    text.line("    \"\"\"A docstring.");
                    text.line("");
                    text.line("    # not a comment inside it");
                    text.line("    \"\"\"");
                }
                Some("/**") => {
                    text.line("/**");
                    text.line(fill(rng, " * Documents item %."));
                    text.line(" */");
                }
                Some(doc) => {
                    text.line(format!("{doc} Documentation with `code` and a list:"));
                    text.line(format!("{doc} - item one"));
                    text.line(doc);
                }
                None => text.line(code_line(rng, language)),
            },
            _ => {
                let indent = "    ".repeat(rng.below(3));
                text.line(format!("{indent}{}", code_line(rng, language)));
            }
        }
    }
    text.out
}

/// Markdown with prose and fenced code blocks in other languages.
fn gen_markdown(rng: &mut Rng, lines: usize) -> String {
    let mut text = Text::default();
    text.line(format!("# Document {}", rng.below(1000)));
    text.line("");
    while text.lines < lines {
        match rng.below(6) {
            0 => text.lines(&fill(rng, "## Section %\n\n")),
            1 | 2 => text.line(fill(
                rng,
                "Some prose about item %, with `inline code` and a [link](http://x/%).",
            )),
            3 => text.lines("- a list item\n- another one\n\n"),
            _ => {
                let (tag, language) = *rng.pick(&[
                    ("rust", 0usize),
                    ("python", 4),
                    ("js", 5),
                    ("sh", 9),
                    ("", 1),
                ]);
                text.line(format!("```{tag}"));
                let size = 2 + rng.below(8);
                text.lines(&gen_source(rng, &GEN_LANGUAGES[language], size));
                text.line("```");
                text.line("");
            }
        }
    }
    text.out
}

/// HTML with comments, `<style>` and `<script>`.
fn gen_html(rng: &mut Rng, lines: usize) -> String {
    let mut text = Text::default();
    text.lines("<!DOCTYPE html>\n<html>\n<head>\n  <style>\n");
    let size = 2 + rng.below(6);
    text.lines(&gen_source(rng, &GEN_LANGUAGES[16], size));
    text.lines("  </style>\n</head>\n<body>\n");
    while text.lines < lines {
        match rng.below(5) {
            0 => text.line("  <!-- a comment -->"),
            1 => text.line(""),
            2 => {
                text.line("  <script>");
                let size = 2 + rng.below(8);
                text.lines(&gen_source(rng, &GEN_LANGUAGES[5], size));
                text.line("  </script>");
            }
            3 => text.lines("  <!--\n    a longer comment\n  -->\n"),
            _ => text.line(fill(
                rng,
                "  <p class=\"c%\">Text with // and /* markers */ %</p>",
            )),
        }
    }
    text.lines("</body>\n</html>\n");
    text.out
}

/// A Makefile with rules and comments.
fn gen_makefile(rng: &mut Rng, lines: usize) -> String {
    let mut text = Text::default();
    text.lines("# Generated Makefile\n.PHONY: all\n\n");
    while text.lines < lines {
        match rng.below(4) {
            0 => text.line("# build step"),
            1 => text.line(""),
            _ => text.lines(&fill(rng, "target%: dep%\n\t$(CC) -o $@ $< # compile\n")),
        }
    }
    text.out
}

/// A JSON document.
fn gen_json(rng: &mut Rng, lines: usize) -> String {
    let mut text = Text::default();
    text.line("{");
    for i in 0..lines {
        text.line(fill(rng, &format!("  \"key{i}\": %,")));
    }
    text.lines("  \"end\": true\n}\n");
    text.out
}
