//! A deterministic git CLI: every git command of the tests runs with
//! [`hermetic_env`] (no global or system configuration, the settings below
//! instead, fixed author and committer, fixed dates, no terminal prompt, no
//! proxy, C locale), so repositories and their shas are the same on every
//! run and machine, and nothing of the machine's git setup leaks in.

use std::ffi::{OsStr, OsString};
use std::path::Path;
use std::process::{Command, Output, Stdio};

/// Author of every commit and tag made here.
pub const AUTHOR_NAME: &str = "Ada Author";

/// Author e-mail of every commit and tag made here.
pub const AUTHOR_EMAIL: &str = "ada@example.com";

/// Committer of every commit made here.
pub const COMMITTER_NAME: &str = "Cy Committer";

/// Committer e-mail of every commit made here.
pub const COMMITTER_EMAIL: &str = "cy@example.com";

/// Date (Unix seconds, UTC) of the first commit of a
/// [`TestRepo`](super::repo::TestRepo): 2024-01-01T00:00:00Z. Each later
/// commit is one [`DAY`] later, so shas are the same on every run and
/// commit dates differ.
pub const EPOCH: i64 = 1_704_067_200;

/// Seconds between two commits of a [`TestRepo`](super::repo::TestRepo).
pub const DAY: i64 = 86_400;

/// Environment variables removed from every git command: they would point
/// git at another repository, another configuration, a credential prompt
/// or a proxy.
const SCRUBBED: &[&str] = &[
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_INDEX_FILE",
    "GIT_OBJECT_DIRECTORY",
    "GIT_ALTERNATE_OBJECT_DIRECTORIES",
    "GIT_COMMON_DIR",
    "GIT_NAMESPACE",
    "GIT_CEILING_DIRECTORIES",
    "GIT_DISCOVERY_ACROSS_FILESYSTEM",
    "GIT_PREFIX",
    "GIT_QUARANTINE_PATH",
    "GIT_SHALLOW_FILE",
    "GIT_REPLACE_REF_BASE",
    "GIT_NO_REPLACE_OBJECTS",
    "GIT_CONFIG",
    "GIT_CONFIG_PARAMETERS",
    "GIT_CONFIG_COUNT",
    "GIT_PROTOCOL",
    "GIT_ASKPASS",
    "SSH_ASKPASS",
    "GIT_SSH",
    "GIT_SSH_COMMAND",
    "GIT_SSH_VARIANT",
    "GIT_PROXY_COMMAND",
    "GIT_HTTP_PROXY_AUTHMETHOD",
    "GIT_HTTP_LOW_SPEED_LIMIT",
    "GIT_HTTP_LOW_SPEED_TIME",
    "GIT_HTTP_USER_AGENT",
    "GIT_SSL_NO_VERIFY",
    "GIT_ALLOW_PROTOCOL",
    "GIT_PROTOCOL_FROM_USER",
    "GIT_EDITOR",
    "GIT_SEQUENCE_EDITOR",
    "GIT_PAGER",
    "GIT_AUTHOR_NAME",
    "GIT_AUTHOR_EMAIL",
    "GIT_AUTHOR_DATE",
    "GIT_COMMITTER_NAME",
    "GIT_COMMITTER_EMAIL",
    "GIT_COMMITTER_DATE",
    "EMAIL",
    "LANGUAGE",
    "http_proxy",
    "https_proxy",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "all_proxy",
    "ALL_PROXY",
    "no_proxy",
    "NO_PROXY",
];

/// Configuration given to every git command (as `GIT_CONFIG_COUNT`/
/// `GIT_CONFIG_KEY_n`/`GIT_CONFIG_VALUE_n`, the environment form of `-c`,
/// which reaches the `git upload-pack` run by `git daemon` and
/// `git http-backend` too).
const CONFIG: &[(&str, &str)] = &[
    ("init.defaultBranch", "main"),
    ("core.autocrlf", "false"),
    ("core.symlinks", "true"),
    ("core.fsmonitor", "false"),
    ("core.hooksPath", "/dev/null"),
    ("commit.gpgSign", "false"),
    ("tag.gpgSign", "false"),
    ("advice.detachedHead", "false"),
    ("gc.auto", "0"),
    ("maintenance.auto", "false"),
    // `git submodule add` of a local repository, and file:// clones.
    ("protocol.file.allow", "always"),
    // Repositories created by another user (a test run as root reading a
    // tree made by a test run as nobody, or the reverse).
    ("safe.directory", "*"),
    // As GitHub does: a client may ask for any reachable commit by sha
    // (libgit2 speaks protocol v0, where this matters), and for filters.
    ("uploadpack.allowReachableSHA1InWant", "true"),
    ("uploadpack.allowFilter", "true"),
];

/// Makes `cmd` hermetic for git: no global or system configuration
/// (`GIT_CONFIG_GLOBAL=/dev/null`, `GIT_CONFIG_NOSYSTEM=1`), the settings
/// of this module instead, fixed author and committer dated [`EPOCH`],
/// `GIT_TERMINAL_PROMPT=0` (git fails instead of asking for credentials),
/// no askpass, no proxy, C locale; variables such as `GIT_DIR` that would
/// redirect git are removed. Usable on any command, `repoflame` included.
pub fn hermetic_env(cmd: &mut Command) -> &mut Command {
    for var in SCRUBBED {
        cmd.env_remove(var);
    }
    cmd.env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("GCM_INTERACTIVE", "never")
        .env("LC_ALL", "C")
        .env("LANG", "C")
        .env("GIT_AUTHOR_NAME", AUTHOR_NAME)
        .env("GIT_AUTHOR_EMAIL", AUTHOR_EMAIL)
        .env("GIT_COMMITTER_NAME", COMMITTER_NAME)
        .env("GIT_COMMITTER_EMAIL", COMMITTER_EMAIL)
        .env("GIT_CONFIG_COUNT", CONFIG.len().to_string());
    for (i, (key, value)) in CONFIG.iter().enumerate() {
        cmd.env(format!("GIT_CONFIG_KEY_{i}"), key)
            .env(format!("GIT_CONFIG_VALUE_{i}"), value);
    }
    set_date(cmd, EPOCH)
}

/// Sets the author and committer dates of `cmd` to `time` (Unix seconds,
/// UTC).
pub(super) fn set_date(cmd: &mut Command, time: i64) -> &mut Command {
    let date = format!("{time} +0000");
    cmd.env("GIT_AUTHOR_DATE", &date)
        .env("GIT_COMMITTER_DATE", &date)
}

/// A `git` command with [`hermetic_env`] and stdin from `/dev/null`.
pub fn git_command() -> Command {
    let mut cmd = Command::new("git");
    hermetic_env(&mut cmd).stdin(Stdio::null());
    cmd
}

/// The arguments as owned strings, for messages.
pub(super) fn collect_args<I, S>(args: I) -> Vec<OsString>
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    args.into_iter().map(|a| a.as_ref().to_owned()).collect()
}

/// Runs `cmd`, panicking with its stderr when it fails; returns stdout.
fn checked(cmd: &mut Command, what: &str) -> Vec<u8> {
    let out = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .unwrap_or_else(|err| panic!("{what}: cannot run: {err}"));
    assert!(
        out.status.success(),
        "{what} failed ({:?}):\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// Runs `git ARGS` in `dir` (hermetic; panics with stderr on failure) and
/// returns stdout as text, final newlines removed.
pub fn git_at<I, S>(dir: &Path, args: I) -> String
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    git_at_time(dir, EPOCH, collect_args(args))
}

/// `git ARGS` in `dir` dated `time`; stdout as text, final newlines
/// removed.
pub(super) fn git_at_time(dir: &Path, time: i64, args: Vec<OsString>) -> String {
    let mut cmd = git_command();
    set_date(&mut cmd, time);
    cmd.current_dir(dir).args(&args);
    let what = format!("git {args:?} in {}", dir.display());
    let out = checked(&mut cmd, &what);
    String::from_utf8_lossy(&out)
        .trim_end_matches('\n')
        .to_string()
}

/// Runs `git ARGS` in `dir` (hermetic) and returns its output whatever the
/// exit status.
pub fn git_output_at<I, S>(dir: &Path, args: I) -> Output
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    git_command()
        .current_dir(dir)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .expect("run git")
}
