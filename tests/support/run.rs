//! Running the binary under test, and judging a run: the hermetic
//! command builder ([`repoflame`], [`hermetic`]) every test uses, the
//! [`Run`] trait (the one way a command is run and its result checked), and
//! what to do when the machine cannot do what a test needs ([`skip_or_fail`]
//! and the runs as an unprivileged user).
//!
//! Every run is bounded by [`HANG`]: a hang fails its test instead of
//! blocking the suite.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use super::processes::{HANG, run_limited};

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
/// The count cache is on, as for users, in a directory of this test
/// process outside the home ([`test_cache`]); tests of the cache give
/// each run `--cache-dir` of its own.
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
        .env("REPOFLAME_CACHE_DIR", test_cache())
}

/// The count cache of the runs of this test process: writable by everyone
/// (sticky, like /tmp), since some runs are made as the user nobody.
fn test_cache() -> &'static Path {
    static CACHE: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    CACHE.get_or_init(|| {
        use std::os::unix::fs::PermissionsExt;
        let cache =
            Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("cache-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&cache);
        std::fs::create_dir_all(&cache).expect("create the tests' cache");
        std::fs::set_permissions(&cache, std::fs::Permissions::from_mode(0o1777))
            .expect("open the tests' cache to everyone");
        cache
    })
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
        run_limited(self, HANG).output
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
// What a machine may not allow: skips that CI turns into failures, and runs
// as an unprivileged user.

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
        // A cache of its own: what root wrote there is root's alone.
        .env("REPOFLAME_CACHE_DIR", test_cache().join("nobody"))
        .arg(env!("CARGO_BIN_EXE_repoflame"))
        .stdin(Stdio::null());
    Some(cmd)
}
