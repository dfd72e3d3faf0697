//! Git test helpers: repositories with history, built with the real `git`
//! CLI, and servers on 127.0.0.1 (`git daemon`, smart HTTP through
//! `git http-backend`, a listener that never answers) for the tests of
//! remote URLs.
//!
//! Every helper is safe in the parallel threads of the test binary: each
//! repository lives in its own temporary directory, ports are chosen by the
//! OS, and no global git configuration is read or written. Every git
//! command runs with [`hermetic_env`]: no global or system configuration,
//! fixed author and committer, fixed dates, no terminal prompt, no proxy,
//! C locale. Nothing here touches the internet.
//!
//! The self-tests at the end of this module prove the helpers against the
//! real git CLI.

#![allow(dead_code)]

use std::cell::Cell;
use std::collections::BTreeMap;
use std::ffi::{OsStr, OsString};
use std::io::{BufRead, BufReader, Read};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Output, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock, mpsc};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::util;

// ---------------------------------------------------------------------------
// A deterministic git.

/// Author of every commit and tag made here.
pub const AUTHOR_NAME: &str = "Ada Author";
/// Author e-mail of every commit and tag made here.
pub const AUTHOR_EMAIL: &str = "ada@example.com";
/// Committer of every commit made here.
pub const COMMITTER_NAME: &str = "Cy Committer";
/// Committer e-mail of every commit made here.
pub const COMMITTER_EMAIL: &str = "cy@example.com";
/// Date (Unix seconds, UTC) of the first commit of a [`TestRepo`]:
/// 2024-01-01T00:00:00Z. Each later commit is one [`DAY`] later, so shas
/// are the same on every run and commit dates differ.
pub const EPOCH: i64 = 1_704_067_200;
/// Seconds between two commits of a [`TestRepo`].
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
fn set_date(cmd: &mut Command, time: i64) -> &mut Command {
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
fn collect_args<I, S>(args: I) -> Vec<OsString>
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
fn git_at_time(dir: &Path, time: i64, args: Vec<OsString>) -> String {
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

// ---------------------------------------------------------------------------
// Repositories.

/// A non-bare git repository in a temporary directory, built step by step
/// with the real `git` CLI.
///
/// The work tree is `BASE/NAME`, where `BASE` ([`TestRepo::base`]) is a
/// private temporary directory that also receives every copy made from the
/// repository (bare clone, worktree, shallow clone, empty repositories,
/// siblings), all removed when the last [`TestRepo`] sharing it is dropped.
/// The initial branch is `main`. Commits are dated [`EPOCH`], then one
/// [`DAY`] later each, so shas are the same on every run.
///
/// Builder methods take `&self` and return `&Self` so they chain:
/// `repo.file("a.rs", "fn a() {}\n").file("b.py", "b = 1\n").commit("two")`.
pub struct TestRepo {
    base: Arc<tempfile::TempDir>,
    name: String,
    root: PathBuf,
    /// Date of the next commit, Unix seconds.
    clock: Cell<i64>,
}

impl TestRepo {
    /// An empty repository (no commit yet) whose work tree root directory
    /// is named `name`, on branch `main`.
    pub fn new(name: &str) -> TestRepo {
        let base = tempfile::Builder::new()
            .prefix("repoflame-git-")
            .tempdir()
            .expect("temp dir");
        Self::init_in(Arc::new(base), name)
    }

    /// Another repository named `name` in the same temporary directory as
    /// `self` (so `self.submodule(path, &sibling)` records the relative URL
    /// `../NAME`, and the sibling lives as long as either repository).
    pub fn sibling(&self, name: &str) -> TestRepo {
        Self::init_in(Arc::clone(&self.base), name)
    }

    fn init_in(base: Arc<tempfile::TempDir>, name: &str) -> TestRepo {
        let root = base.path().join(name);
        assert!(!root.exists(), "{} exists already", root.display());
        git_at(base.path(), ["init", "-q", "-b", "main", name]);
        TestRepo {
            base,
            name: name.to_string(),
            root,
            clock: Cell::new(EPOCH),
        }
    }

    /// The name of the work tree root directory.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The work tree.
    pub fn path(&self) -> &Path {
        &self.root
    }

    /// The temporary directory holding the work tree and every copy made
    /// from it: serve it with [`GitDaemon::serve`] or [`GitHttp::serve`].
    pub fn base(&self) -> &Path {
        self.base.path()
    }

    /// The `.git` directory of the work tree.
    pub fn git_dir(&self) -> PathBuf {
        self.root.join(".git")
    }

    /// The absolute path of `rel` in the work tree (raw bytes allowed).
    pub fn join(&self, rel: impl AsRef<[u8]>) -> PathBuf {
        self.root.join(OsStr::from_bytes(rel.as_ref()))
    }

    /// `file://` URL of the repository.
    pub fn file_url(&self) -> String {
        format!("file://{}", self.root.display())
    }

    /// A new path `BASE/name` for a copy, checking it is free.
    fn copy_path(&self, name: &str) -> PathBuf {
        let path = self.base().join(name);
        assert!(!path.exists(), "{} exists already", path.display());
        path
    }

    /// Writes a file at `rel` in the work tree (raw bytes allowed),
    /// creating directories. Staged by the next [`TestRepo::commit`].
    pub fn file(&self, rel: impl AsRef<[u8]>, content: impl AsRef<[u8]>) -> &Self {
        let path = self.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("create parent");
        }
        if path.is_symlink() {
            std::fs::remove_file(&path).expect("replace symlink");
        }
        std::fs::write(&path, content).expect("write file");
        self
    }

    /// Makes the file at `rel` executable (mode 100755 once committed).
    pub fn executable(&self, rel: impl AsRef<[u8]>) -> &Self {
        util::chmod(&self.join(rel), 0o755);
        self
    }

    /// Removes the file, symlink or whole directory at `rel` from the work
    /// tree. Staged by the next [`TestRepo::commit`].
    pub fn remove(&self, rel: impl AsRef<[u8]>) -> &Self {
        let path = self.join(rel);
        let meta = std::fs::symlink_metadata(&path)
            .unwrap_or_else(|err| panic!("remove {}: {err}", path.display()));
        if meta.is_dir() {
            std::fs::remove_dir_all(&path).expect("remove dir");
        } else {
            std::fs::remove_file(&path).expect("remove file");
        }
        self
    }

    /// Moves `from` to `to` in the work tree (creating directories). Git
    /// sees a rename when comparing the commits (content unchanged or
    /// similar).
    pub fn rename(&self, from: impl AsRef<[u8]>, to: impl AsRef<[u8]>) -> &Self {
        let to = self.join(to);
        if let Some(parent) = to.parent() {
            std::fs::create_dir_all(parent).expect("create parent");
        }
        std::fs::rename(self.join(from), &to).expect("rename");
        self
    }

    /// Creates a symlink at `rel` pointing to `target` (taken literally,
    /// usually relative to the link's directory): a blob of mode 120000
    /// once committed.
    pub fn symlink(&self, rel: impl AsRef<[u8]>, target: impl AsRef<[u8]>) -> &Self {
        let path = self.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("create parent");
        }
        std::os::unix::fs::symlink(OsStr::from_bytes(target.as_ref()), &path).expect("symlink");
        self
    }

    /// Writes a Git LFS pointer file at `rel` (see [`lfs_pointer_text`]);
    /// no git-lfs needed. `oid_hex` is the SHA-256 of the real content, 64
    /// lowercase hex digits.
    pub fn lfs_pointer(&self, rel: impl AsRef<[u8]>, oid_hex: &str, size: u64) -> &Self {
        self.file(rel, lfs_pointer_text(oid_hex, size))
    }

    /// Stages `rel` with `git add -f`: the way to track a file that
    /// `.gitignore` ignores (`git add -A` in [`TestRepo::commit`] skips
    /// ignored files that are not tracked yet).
    pub fn add_force(&self, rel: impl AsRef<[u8]>) -> &Self {
        self.git([
            OsStr::new("add"),
            OsStr::new("-f"),
            OsStr::new("--"),
            OsStr::from_bytes(rel.as_ref()),
        ]);
        self
    }

    /// Stages everything (`git add -A`) and commits with message `msg`
    /// (empty commits allowed); returns the full sha of the new commit.
    pub fn commit(&self, msg: &str) -> String {
        self.git(["add", "-A"]);
        self.git(["commit", "-q", "--allow-empty", "-m", msg]);
        self.clock.set(self.clock.get() + DAY);
        self.head()
    }

    /// A lightweight tag `name` on `HEAD`.
    pub fn tag(&self, name: &str) -> &Self {
        self.git(["tag", name]);
        self
    }

    /// An annotated tag `name` (a tag object) on `HEAD`, with message
    /// `msg`.
    pub fn annotated_tag(&self, name: &str, msg: &str) -> &Self {
        self.git(["tag", "-a", name, "-m", msg]);
        self
    }

    /// A branch `name` at `HEAD` (staying on the current branch).
    pub fn branch(&self, name: &str) -> &Self {
        self.git(["branch", name]);
        self
    }

    /// `git checkout NAME`: a branch, or any revision (detached).
    pub fn checkout(&self, name: &str) -> &Self {
        self.git(["checkout", "-q", name]);
        self
    }

    /// Adds `other` (which needs a commit) as a submodule at `path`:
    /// `.gitmodules` and a gitlink (mode 160000) at `path`, staged for the
    /// next commit. The URL recorded is `../NAME` when `other` is a
    /// [`TestRepo::sibling`], its absolute path otherwise.
    pub fn submodule(&self, path: &str, other: &TestRepo) -> &Self {
        let url = if Arc::ptr_eq(&self.base, &other.base) {
            format!("../{}", other.name)
        } else {
            other.path().display().to_string()
        };
        self.git([
            "-c",
            "protocol.file.allow=always",
            "submodule",
            "add",
            "-q",
            &url,
            path,
        ]);
        self
    }

    /// The full sha of `HEAD`.
    pub fn head(&self) -> String {
        self.rev_parse("HEAD")
    }

    /// `git rev-parse --verify REV`: the full sha `rev` names.
    pub fn rev_parse(&self, rev: &str) -> String {
        self.git(["rev-parse", "--verify", rev])
    }

    /// Packs every object of the work tree's repository (`git repack -a
    /// -d`): blobs are then read from a pack, maybe as deltas, instead of
    /// loose objects.
    pub fn repack(&self) -> &Self {
        self.git(["repack", "-a", "-d", "-q"]);
        self
    }

    /// A bare copy at `BASE/name` (`git clone --bare --no-local`: all
    /// branches and tags, objects in a pack as in a served or cloned
    /// repository, whereas this work tree's objects are loose).
    pub fn bare_clone(&self, name: &str) -> PathBuf {
        let dest = self.copy_path(name);
        self.git([
            OsStr::new("clone"),
            OsStr::new("-q"),
            OsStr::new("--bare"),
            OsStr::new("--no-local"),
            self.root.as_os_str(),
            dest.as_os_str(),
        ]);
        dest
    }

    /// A linked worktree at `BASE/name` (`git worktree add`), whose `.git`
    /// is a file. `rev` is a branch not checked out elsewhere, or any
    /// revision (then `HEAD` is detached).
    pub fn worktree(&self, rev: &str, name: &str) -> PathBuf {
        let dest = self.copy_path(name);
        self.git([
            OsStr::new("worktree"),
            OsStr::new("add"),
            OsStr::new("-q"),
            dest.as_os_str(),
            OsStr::new(rev),
        ]);
        dest
    }

    /// A shallow, non-bare clone at `BASE/name`:
    /// `git clone --depth DEPTH file://…` (current branch only).
    pub fn shallow_clone(&self, depth: u32, name: &str) -> PathBuf {
        let dest = self.copy_path(name);
        let depth = depth.to_string();
        let url = self.file_url();
        self.git([
            OsStr::new("clone"),
            OsStr::new("-q"),
            OsStr::new("--depth"),
            OsStr::new(&depth),
            OsStr::new(&url),
            dest.as_os_str(),
        ]);
        dest
    }

    /// Extracts the tree of `rev` into `dest` (created if needed):
    /// `git archive REV | tar -x -C DEST`, for comparing a `--rev` run with
    /// a directory run. Symlinks come out as symlinks, gitlinks as empty
    /// directories, tracked ignored files as files.
    pub fn archive(&self, rev: &str, dest: &Path) {
        std::fs::create_dir_all(dest).expect("create archive dest");
        let mut git = git_command();
        set_date(&mut git, self.clock.get());
        let mut git = git
            .current_dir(&self.root)
            .args(["archive", "--format=tar", rev])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn git archive");
        let tar = Command::new("tar")
            .arg("-x")
            .arg("-C")
            .arg(dest)
            .stdin(git.stdout.take().expect("archive stdout"))
            .stderr(Stdio::piped())
            .output()
            .expect("run tar");
        let archive = git.wait_with_output().expect("wait git archive");
        assert!(
            archive.status.success(),
            "git archive {rev}: {}",
            String::from_utf8_lossy(&archive.stderr)
        );
        assert!(
            tar.status.success(),
            "tar -x: {}",
            String::from_utf8_lossy(&tar.stderr)
        );
    }

    /// A non-bare repository with no commits at `BASE/name` (its `HEAD`
    /// names the unborn branch `main`).
    pub fn empty(&self, name: &str) -> PathBuf {
        let dest = self.copy_path(name);
        git_at(self.base(), ["init", "-q", "-b", "main", name]);
        dest
    }

    /// A bare repository with no commits at `BASE/name`.
    pub fn empty_bare(&self, name: &str) -> PathBuf {
        let dest = self.copy_path(name);
        git_at(self.base(), ["init", "-q", "--bare", "-b", "main", name]);
        dest
    }

    /// Runs `git ARGS` in the work tree (hermetic, dated like the next
    /// commit); panics with stderr on failure; returns stdout as text,
    /// final newlines removed.
    pub fn git<I, S>(&self, args: I) -> String
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        git_at_time(&self.root, self.clock.get(), collect_args(args))
    }

    /// Runs `git ARGS` in the work tree and returns its output whatever
    /// the exit status.
    pub fn git_output<I, S>(&self, args: I) -> Output
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        git_output_at(&self.root, args)
    }

    /// `repoflame` with its working directory at the work tree.
    pub fn cmd(&self) -> Command {
        let mut cmd = util::repoflame();
        cmd.current_dir(&self.root);
        cmd
    }

    /// Runs `repoflame ARGS` in the work tree and returns its output.
    pub fn run(&self, args: &[&str]) -> Output {
        util::Run::complete(self.cmd().args(args))
    }
}

/// The text of a Git LFS pointer file (spec v1): `version
/// https://git-lfs.github.com/spec/v1`, `oid sha256:OID`, `size SIZE`, one
/// per line. Panics unless `oid_hex` is 64 lowercase hex digits.
pub fn lfs_pointer_text(oid_hex: &str, size: u64) -> String {
    assert!(
        oid_hex.len() == 64
            && oid_hex
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)),
        "not a SHA-256 in lowercase hex: {oid_hex:?}"
    );
    format!("version https://git-lfs.github.com/spec/v1\noid sha256:{oid_hex}\nsize {size}\n")
}

// ---------------------------------------------------------------------------
// A ready-made history.

/// Mode of a regular file in a git tree.
pub const MODE_FILE: u32 = 0o100644;
/// Mode of an executable file in a git tree.
pub const MODE_EXECUTABLE: u32 = 0o100755;
/// Mode of a symlink in a git tree (its blob is the target).
pub const MODE_SYMLINK: u32 = 0o120000;
/// Mode of a gitlink (submodule commit) in a git tree.
pub const MODE_GITLINK: u32 = 0o160000;

/// One entry of a commit's tree, as `git ls-tree -r` lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// [`MODE_FILE`], [`MODE_EXECUTABLE`], [`MODE_SYMLINK`] or
    /// [`MODE_GITLINK`].
    pub mode: u32,
    /// The blob's content for a file, the target for a symlink, the
    /// commit's sha (hex text) for a gitlink.
    pub data: Vec<u8>,
}

impl Entry {
    /// A regular or executable file: what a `--rev` run may count.
    pub fn is_file(&self) -> bool {
        self.mode == MODE_FILE || self.mode == MODE_EXECUTABLE
    }

    /// The data as text (lossy).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.data).into_owned()
    }
}

/// What a commit changed against its parent, as
/// `git diff-tree -r -M --name-status` reports it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Change {
    /// A new path.
    Added(String),
    /// A path whose content (or mode) changed.
    Modified(String),
    /// A path that is gone.
    Deleted(String),
    /// A path moved with its content unchanged.
    Renamed {
        /// The old path.
        from: String,
        /// The new path.
        to: String,
    },
}

impl Change {
    /// The change as a `--name-status` line without score: `A\tpath`,
    /// `R\tfrom\tto`…
    pub fn status_line(&self) -> String {
        match self {
            Change::Added(p) => format!("A\t{p}"),
            Change::Modified(p) => format!("M\t{p}"),
            Change::Deleted(p) => format!("D\t{p}"),
            Change::Renamed { from, to } => format!("R\t{from}\t{to}"),
        }
    }
}

/// One commit of [`sample_history`].
#[derive(Clone, Debug)]
pub struct CommitInfo {
    /// Full sha.
    pub sha: String,
    /// Abbreviated sha, as `git log --format=%h` prints it.
    pub short: String,
    /// The parent's full sha (`None` for the root commit).
    pub parent: Option<String>,
    /// The commit message (one line).
    pub message: String,
    /// The branch it was made on.
    pub branch: String,
    /// Author and committer date, Unix seconds (UTC).
    pub time: i64,
    /// The commit date as `YYYY-MM-DD` (`git log --format=%cs`).
    pub date: String,
    /// What it changed against its parent.
    pub changes: Vec<Change>,
    /// Its whole tree, by path (`/`-separated, as git lists them).
    pub tree: BTreeMap<String, Entry>,
}

impl CommitInfo {
    /// The regular (and executable) files of the tree with their content:
    /// no symlink, no gitlink.
    pub fn files(&self) -> impl Iterator<Item = (&str, &[u8])> {
        self.tree
            .iter()
            .filter(|(_, e)| e.is_file())
            .map(|(p, e)| (p.as_str(), e.data.as_slice()))
    }
}

/// What [`sample_history`] built: every commit with its changes and tree,
/// and the names of the special entries.
///
/// Commits, in order (`commits[i]`):
///
/// 0. `main`: Rust crate (`Cargo.toml`, `src/main.rs`, `src/lib.rs`),
///    `README.md` with a Rust code block, `.gitignore` (ignores `build/`),
///    `tools/helper.py`, and `legacy/` (two Python files).
/// 1. `main`: adds `tools/report.py` and the extensionless executable
///    `scripts/deploy` (`#!/bin/sh`); modifies `src/lib.rs`. Light tag `v1`.
/// 2. `main`: renames `tools/helper.py` to `tools/common.py` (same
///    content); modifies `src/main.rs`.
/// 3. `main`: deletes the directory `legacy/`.
/// 4. `main`: adds the submodule `vendor/greet` (`.gitmodules` and a
///    gitlink to the sibling repository `greet-lib`).
/// 5. `main`: adds the symlink `docs/main-link.rs -> ../src/main.rs`, the
///    LFS pointer `data/words.json` with `.gitattributes`, the hidden
///    `.hidden.py`, and `build/generated.rs` (ignored by `.gitignore`,
///    force-added). Annotated tag `v2`; branch `feature` starts here.
/// 6. `feature`: adds `src/farewell.rs`; modifies `src/lib.rs` and
///    `tools/report.py`.
/// 7. `main`: modifies `README.md`; deletes `tools/report.py`. `HEAD`.
#[derive(Clone, Debug)]
pub struct History {
    /// Every commit, in the order made.
    pub commits: Vec<CommitInfo>,
    /// Tip of `main`, which is `HEAD` (commit 7).
    pub main: String,
    /// Tip of `feature` (commit 6).
    pub feature: String,
    /// Commit of the light tag `v1` (commit 1).
    pub v1: String,
    /// Commit the annotated tag `v2` points to (commit 5).
    pub v2: String,
    /// The tag object `v2` (what `git rev-parse v2` prints).
    pub v2_tag: String,
    /// Path of the gitlink.
    pub submodule_path: &'static str,
    /// Commit the gitlink records (`HEAD` of the submodule repository).
    pub submodule_commit: String,
    /// Path of the committed symlink.
    pub symlink_path: &'static str,
    /// Its target.
    pub symlink_target: &'static str,
    /// Path of the Git LFS pointer file.
    pub lfs_path: &'static str,
    /// The SHA-256 in the pointer.
    pub lfs_oid: &'static str,
    /// The size in the pointer.
    pub lfs_size: u64,
    /// A tracked file that `.gitignore` ignores.
    pub ignored_tracked_path: &'static str,
    /// A hidden tracked file.
    pub hidden_path: &'static str,
    /// The extensionless script with a shebang.
    pub script_path: &'static str,
    /// The rename of commit 2: from…
    pub renamed_from: &'static str,
    /// …to.
    pub renamed_to: &'static str,
    /// The directory deleted by commit 3.
    pub deleted_dir: &'static str,
}

impl History {
    /// The commit with full sha `sha` (panics if none).
    pub fn commit(&self, sha: &str) -> &CommitInfo {
        self.commits
            .iter()
            .find(|c| c.sha == sha)
            .unwrap_or_else(|| panic!("no commit {sha} in the history"))
    }

    /// The tree of the commit with full sha `sha`.
    pub fn tree(&self, sha: &str) -> &BTreeMap<String, Entry> {
        &self.commit(sha).tree
    }

    /// The commit at the tip of `main` (`HEAD`).
    pub fn head(&self) -> &CommitInfo {
        self.commit(&self.main)
    }
}

/// Builds a [`TestRepo`] and keeps the model of its tree and changes in
/// step, for [`sample_history`].
struct Recorder<'a> {
    repo: &'a TestRepo,
    branch: String,
    tree: BTreeMap<String, Entry>,
    pending: Vec<Change>,
    commits: Vec<CommitInfo>,
}

impl Recorder<'_> {
    fn put(&mut self, rel: &str, entry: Entry) {
        let change = match self.tree.insert(rel.to_string(), entry) {
            Some(_) => Change::Modified(rel.to_string()),
            None => Change::Added(rel.to_string()),
        };
        self.pending.push(change);
    }

    fn file(&mut self, rel: &str, content: &str) {
        self.repo.file(rel, content);
        let entry = Entry {
            mode: MODE_FILE,
            data: content.as_bytes().to_vec(),
        };
        self.put(rel, entry);
    }

    fn script(&mut self, rel: &str, content: &str) {
        self.repo.file(rel, content).executable(rel);
        let entry = Entry {
            mode: MODE_EXECUTABLE,
            data: content.as_bytes().to_vec(),
        };
        self.put(rel, entry);
    }

    fn ignored(&mut self, rel: &str, content: &str) {
        self.file(rel, content);
        self.repo.add_force(rel);
    }

    fn symlink(&mut self, rel: &str, target: &str) {
        self.repo.symlink(rel, target);
        let entry = Entry {
            mode: MODE_SYMLINK,
            data: target.as_bytes().to_vec(),
        };
        self.put(rel, entry);
    }

    fn remove(&mut self, rel: &str) {
        self.repo.remove(rel);
        let prefix = format!("{rel}/");
        let gone: Vec<String> = self
            .tree
            .keys()
            .filter(|p| *p == rel || p.starts_with(&prefix))
            .cloned()
            .collect();
        for path in gone {
            self.tree.remove(&path);
            self.pending.push(Change::Deleted(path));
        }
    }

    fn rename(&mut self, from: &str, to: &str) {
        self.repo.rename(from, to);
        let entry = self.tree.remove(from).expect("renamed path is tracked");
        self.tree.insert(to.to_string(), entry);
        self.pending.push(Change::Renamed {
            from: from.to_string(),
            to: to.to_string(),
        });
    }

    fn submodule(&mut self, path: &str, other: &TestRepo) {
        self.repo.submodule(path, other);
        let gitmodules = std::fs::read(self.repo.join(".gitmodules")).expect("read .gitmodules");
        self.put(
            ".gitmodules",
            Entry {
                mode: MODE_FILE,
                data: gitmodules,
            },
        );
        self.put(
            path,
            Entry {
                mode: MODE_GITLINK,
                data: other.head().into_bytes(),
            },
        );
    }

    fn commit(&mut self, msg: &str) -> String {
        let parent = self
            .repo
            .git_output(["rev-parse", "--verify", "-q", "HEAD"])
            .status
            .success()
            .then(|| self.repo.head());
        let time = self.repo.clock.get();
        let sha = self.repo.commit(msg);
        let mut changes = std::mem::take(&mut self.pending);
        changes.sort();
        self.commits.push(CommitInfo {
            sha: sha.clone(),
            short: String::new(),
            parent,
            message: msg.to_string(),
            branch: self.branch.clone(),
            time,
            date: String::new(),
            changes,
            tree: self.tree.clone(),
        });
        sha
    }

    fn checkout(&mut self, branch: &str) {
        assert!(self.pending.is_empty(), "uncommitted changes");
        self.repo.checkout(branch);
        let head = self.repo.head();
        self.tree = self
            .commits
            .iter()
            .find(|c| c.sha == head)
            .expect("checked out a recorded commit")
            .tree
            .clone();
        self.branch = branch.to_string();
    }
}

const SAMPLE_CARGO_TOML: &str = r#"[package]
name = "greeter"
version = "0.1.0"
edition = "2021"

# No dependencies yet.
[dependencies]
"#;

const SAMPLE_MAIN_RS: &str = r#"//! The greeter binary.

use greeter::greet;

fn main() {
    // Greet whoever is named first, or the world.
    let name = std::env::args().nth(1).unwrap_or_else(|| "world".to_string());
    println!("{}", greet(&name));
}
"#;

const SAMPLE_MAIN_RS_2: &str = r#"//! The greeter binary.

use greeter::{greet, shout};

fn main() {
    // Greet whoever is named first, or the world.
    let mut args = std::env::args().skip(1);
    let loud = args.next().as_deref() == Some("--loud");
    let name = args.next().unwrap_or_else(|| "world".to_string());

    /* Loud greetings
       are shouted. */
    if loud {
        println!("{}", shout(&name));
    } else {
        println!("{}", greet(&name));
    }
}
"#;

const SAMPLE_LIB_RS: &str = r#"/// A greeting for `name`.
pub fn greet(name: &str) -> String {
    format!("Hello, {name}!")
}
"#;

const SAMPLE_LIB_RS_2: &str = r#"/// A greeting for `name`.
pub fn greet(name: &str) -> String {
    format!("Hello, {name}!")
}

/// The greeting, in capitals.
pub fn shout(name: &str) -> String {
    greet(name).to_uppercase()
}

#[cfg(test)]
mod tests {
    #[test]
    fn greets() {
        assert_eq!(super::greet("you"), "Hello, you!");
    }
}
"#;

const SAMPLE_LIB_RS_FEATURE: &str = r#"/// A greeting for `name`.
pub fn greet(name: &str) -> String {
    format!("Hello, {name}!")
}

/// The greeting, in capitals.
pub fn shout(name: &str) -> String {
    greet(name).to_uppercase()
}

pub mod farewell;

#[cfg(test)]
mod tests {
    #[test]
    fn greets() {
        assert_eq!(super::greet("you"), "Hello, you!");
    }

    #[test]
    fn shouts() {
        assert_eq!(super::shout("you"), "HELLO, YOU!");
    }
}
"#;

const SAMPLE_FAREWELL_RS: &str = r#"//! Farewells.

/// A farewell for `name`.
pub fn bye(name: &str) -> String {
    // Short and sweet.
    format!("Bye, {name}.")
}
"#;

const SAMPLE_README: &str = r#"# greeter

Greets people.

```rust
// Greet the world.
let text = greeter::greet("world");
assert_eq!(text, "Hello, world!");
```

Run it with `cargo run -- NAME`.
"#;

const SAMPLE_README_2: &str = r#"# greeter

```rust
let text = greeter::greet("world");
```
"#;

const SAMPLE_GITIGNORE: &str = "/target\n/build/\n*.log\n";

const SAMPLE_HELPER_PY: &str = r#"# Helpers shared by the tools.

import os


def repo_root():
    """The directory holding Cargo.toml."""
    here = os.path.dirname(os.path.abspath(__file__))
    return os.path.dirname(here)
"#;

const SAMPLE_REPORT_PY: &str = r#"#!/usr/bin/env python3
# Prints a line per source file.

import pathlib


def main():
    for path in sorted(pathlib.Path("src").rglob("*.rs")):
        print(path)


if __name__ == "__main__":
    main()
"#;

const SAMPLE_REPORT_PY_FEATURE: &str = r#"#!/usr/bin/env python3
# Prints a line per source file, with its size.

import pathlib


def main():
    for path in sorted(pathlib.Path("src").rglob("*.rs")):
        # Size in bytes.
        size = path.stat().st_size
        print(path, size)


if __name__ == "__main__":
    main()
"#;

const SAMPLE_DEPLOY: &str = r#"#!/bin/sh
# Builds and copies the binary.
set -eu

cargo build --release
cp target/release/greeter "${1:-/usr/local/bin}/"
"#;

const SAMPLE_LEGACY_OLD_PY: &str = r#"# The first, retired implementation.


def greet(name):
    return "Hello, " + name
"#;

const SAMPLE_LEGACY_HELPERS_PY: &str = r#"# Retired helpers.
VERSION = 1


def shout(text):
    # Capitals.
    return text.upper()
"#;

const SAMPLE_GITATTRIBUTES: &str = "data/*.json filter=lfs diff=lfs merge=lfs -text\n";

const SAMPLE_HIDDEN_PY: &str = "# Local settings.\nDEBUG = True\n";

const SAMPLE_GENERATED_RS: &str = r#"// Generated by build.rs: do not edit.
pub const WORDS: &[&str] = &["hello", "bye"];
"#;

const SAMPLE_SUB_LIB_RS: &str = r#"//! greet-lib: a vendored dependency. Its lines must never be counted.

pub fn hello() -> &'static str {
    "hello"
}
"#;

/// A repository named `sample` with the history described at [`History`]
/// (eight commits over Rust, Python, Markdown with a code block and an
/// extensionless shell script, tags `v1` and `v2`, branch `feature`, a
/// rename, a deleted directory, a submodule, a symlink, an LFS pointer, a
/// tracked ignored file and a hidden file), checked out on `main`. The
/// submodule's repository is the sibling `greet-lib`. Shas are the same on
/// every run.
pub fn sample_history() -> (TestRepo, History) {
    let repo = TestRepo::new("sample");
    let sub = repo.sibling("greet-lib");
    sub.file("src/lib.rs", SAMPLE_SUB_LIB_RS)
        .file("README.md", "# greet-lib\n")
        .commit("greet-lib");

    let lfs_oid = "4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393";
    let lfs_size = 1_048_576;
    let mut rec = Recorder {
        repo: &repo,
        branch: "main".to_string(),
        tree: BTreeMap::new(),
        pending: Vec::new(),
        commits: Vec::new(),
    };

    rec.file("Cargo.toml", SAMPLE_CARGO_TOML);
    rec.file("src/main.rs", SAMPLE_MAIN_RS);
    rec.file("src/lib.rs", SAMPLE_LIB_RS);
    rec.file("README.md", SAMPLE_README);
    rec.file(".gitignore", SAMPLE_GITIGNORE);
    rec.file("tools/helper.py", SAMPLE_HELPER_PY);
    rec.file("legacy/old.py", SAMPLE_LEGACY_OLD_PY);
    rec.file("legacy/util/old_helpers.py", SAMPLE_LEGACY_HELPERS_PY);
    rec.commit("Start the greeter: Rust crate, README, Python helpers");

    rec.file("tools/report.py", SAMPLE_REPORT_PY);
    rec.script("scripts/deploy", SAMPLE_DEPLOY);
    rec.file("src/lib.rs", SAMPLE_LIB_RS_2);
    let v1 = rec.commit("Add the report tool and the deploy script; shout");
    repo.tag("v1");

    rec.rename("tools/helper.py", "tools/common.py");
    rec.file("src/main.rs", SAMPLE_MAIN_RS_2);
    rec.commit("Rename the helper module; --loud");

    rec.remove("legacy");
    rec.commit("Remove the legacy directory");

    rec.submodule("vendor/greet", &sub);
    rec.commit("Vendor greet-lib as a submodule");

    rec.symlink("docs/main-link.rs", "../src/main.rs");
    rec.file(".gitattributes", SAMPLE_GITATTRIBUTES);
    rec.repo.lfs_pointer("data/words.json", lfs_oid, lfs_size);
    rec.put(
        "data/words.json",
        Entry {
            mode: MODE_FILE,
            data: lfs_pointer_text(lfs_oid, lfs_size).into_bytes(),
        },
    );
    rec.file(".hidden.py", SAMPLE_HIDDEN_PY);
    rec.ignored("build/generated.rs", SAMPLE_GENERATED_RS);
    let v2 = rec.commit("Link, LFS data, hidden settings, generated words");
    repo.annotated_tag("v2", "Release 2");
    repo.branch("feature");

    rec.checkout("feature");
    rec.file("src/farewell.rs", SAMPLE_FAREWELL_RS);
    rec.file("src/lib.rs", SAMPLE_LIB_RS_FEATURE);
    rec.file("tools/report.py", SAMPLE_REPORT_PY_FEATURE);
    let feature = rec.commit("Farewells; sizes in the report");

    rec.checkout("main");
    rec.file("README.md", SAMPLE_README_2);
    rec.remove("tools/report.py");
    let main = rec.commit("Shorter README; drop the report tool");

    let mut commits = rec.commits;
    let log = repo.git(["log", "--all", "--format=%H %h %cs"]);
    for line in log.lines() {
        let mut fields = line.split(' ');
        let (sha, short, date) = (
            fields.next().unwrap(),
            fields.next().unwrap(),
            fields.next().unwrap(),
        );
        let commit = commits
            .iter_mut()
            .find(|c| c.sha == sha)
            .expect("a recorded commit");
        commit.short = short.to_string();
        commit.date = date.to_string();
    }

    let history = History {
        commits,
        main,
        feature,
        v1,
        v2,
        v2_tag: repo.rev_parse("refs/tags/v2"),
        submodule_path: "vendor/greet",
        submodule_commit: sub.head(),
        symlink_path: "docs/main-link.rs",
        symlink_target: "../src/main.rs",
        lfs_path: "data/words.json",
        lfs_oid,
        lfs_size,
        ignored_tracked_path: "build/generated.rs",
        hidden_path: ".hidden.py",
        script_path: "scripts/deploy",
        renamed_from: "tools/helper.py",
        renamed_to: "tools/common.py",
        deleted_dir: "legacy",
    };
    (repo, history)
}

// ---------------------------------------------------------------------------
// Processes with a deadline, and servers.

/// Reads all of `pipe` on a thread.
fn drain<R: Read + Send + 'static>(pipe: Option<R>) -> JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut out = Vec::new();
        if let Some(mut pipe) = pipe {
            let _ = pipe.read_to_end(&mut out);
        }
        out
    })
}

/// Has the child killed (SIGKILL) when the thread that spawned it ends:
/// a server or a hung git never outlives the test, even when the test
/// process itself is killed (Ctrl-C) and no destructor runs; needed
/// because the children are in process groups of their own, out of reach
/// of the terminal's signals.
fn die_with_parent(cmd: &mut Command) -> &mut Command {
    // SAFETY: prctl is async-signal-safe and touches no memory of ours.
    unsafe {
        cmd.pre_exec(|| {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) == -1 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        })
    }
}

/// Kills the process group led by `child` (spawned with
/// `process_group(0)`), then reaps `child`. The child is not reaped before
/// the signal, so the group id cannot have been reused.
fn kill_group(child: &mut Child) -> std::process::ExitStatus {
    if child.try_wait().ok().flatten().is_none() {
        // SAFETY: plain system call; `child` is our unreaped child and the
        // leader of its own process group.
        unsafe {
            libc::kill(-(child.id() as libc::pid_t), libc::SIGKILL);
        }
    }
    child.wait().expect("wait for killed child")
}

/// How [`run_with_deadline`] ended.
pub struct Bounded {
    /// Exit status (a kill when `timed_out`), stdout and stderr.
    pub output: Output,
    /// The command was still running at the deadline and was killed.
    pub timed_out: bool,
    /// Time from spawn to exit or kill.
    pub elapsed: Duration,
}

/// Runs `cmd` (stdin `/dev/null`, stdout and stderr piped, in a process
/// group of its own) for at most `limit`; at the deadline the whole group
/// is killed and `timed_out` is set. The child also dies with the calling
/// thread. Unlike [`util::run_limited`], a hang
/// is not a test failure: for checking that something does hang.
pub fn run_with_deadline(cmd: &mut Command, limit: Duration) -> Bounded {
    let start = Instant::now();
    let mut child = die_with_parent(cmd)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .spawn()
        .expect("spawn");
    let stdout = drain(child.stdout.take());
    let stderr = drain(child.stderr.take());
    let (status, timed_out) = loop {
        if let Some(status) = child.try_wait().expect("try_wait") {
            break (status, false);
        }
        if start.elapsed() >= limit {
            break (kill_group(&mut child), true);
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let elapsed = start.elapsed();
    Bounded {
        output: Output {
            status,
            stdout: stdout.join().expect("stdout reader"),
            stderr: stderr.join().expect("stderr reader"),
        },
        timed_out,
        elapsed,
    }
}

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

/// How long a server may take to start: only a hang takes that long.
const START_LIMIT: Duration = util::HANG;

/// How long `wait_for_log` waits: a server's stderr is read on a thread,
/// so a line may reach the log a moment after the client is done. Every
/// wait is for a line that must come: only a hang takes that long.
pub const LOG_WAIT: Duration = util::HANG;

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
    /// `$(git --exec-path)/git-daemon`, one process) on a free port (retrying on another port if it was taken meanwhile) and
    /// returns once it listens (its "Ready to rumble" line). Upload-pack
    /// runs with [`hermetic_env`], so any reachable commit may be fetched
    /// by sha.
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

// ---------------------------------------------------------------------------
// Self-tests: the helpers against the real git CLI.

/// Text of a failed or successful run, for messages.
fn show(output: &Output) -> String {
    util::describe(output)
}

/// A scratch directory for git commands that need no repository (so that
/// the crate's own repository and its configuration stay out of the way).
fn scratch() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("repoflame-git-scratch-")
        .tempdir()
        .expect("temp dir")
}

/// `git ARGS` (hermetic) in `dir`, with extra environment, bounded in time.
fn git_bounded(dir: &Path, args: &[&str], env: &[(&str, &str)], limit: Duration) -> Bounded {
    let mut cmd = git_command();
    cmd.current_dir(dir).args(args);
    for (key, value) in env {
        cmd.env(key, value);
    }
    run_with_deadline(&mut cmd, limit)
}

/// Contents of the objects `oids`, read with one `git cat-file --batch`.
fn cat_files(repo: &TestRepo, oids: &[String]) -> Vec<Vec<u8>> {
    use std::io::Write;
    let mut child = git_command()
        .current_dir(repo.path())
        .args(["cat-file", "--batch"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn cat-file");
    let mut input = child.stdin.take().expect("stdin");
    let request: String = oids.iter().map(|oid| format!("{oid}\n")).collect();
    let writer = std::thread::spawn(move || input.write_all(request.as_bytes()));
    let out = child.wait_with_output().expect("cat-file output");
    writer.join().unwrap().expect("write cat-file request");
    assert!(out.status.success(), "git cat-file --batch failed");
    let mut rest = out.stdout.as_slice();
    let mut contents = Vec::new();
    for oid in oids {
        let eol = rest.iter().position(|&b| b == b'\n').expect("header");
        let header = std::str::from_utf8(&rest[..eol]).expect("header text");
        let size: usize = match header.split(' ').collect::<Vec<_>>()[..] {
            [got, _kind, size] if got == oid => size.parse().expect("size"),
            _ => panic!("unexpected cat-file header {header:?} for {oid}"),
        };
        contents.push(rest[eol + 1..eol + 1 + size].to_vec());
        rest = &rest[eol + 2 + size..];
    }
    contents
}

/// `git ls-tree -r REV` as path → (mode, type, oid).
fn ls_tree(dir: &Path, rev: &str) -> BTreeMap<String, (u32, String, String)> {
    git_at(dir, ["ls-tree", "-r", "--full-tree", rev])
        .lines()
        .map(|line| {
            let (meta, path) = line.split_once('\t').expect("tab in ls-tree line");
            let mut meta = meta.split(' ');
            let mode = u32::from_str_radix(meta.next().unwrap(), 8).expect("octal mode");
            let kind = meta.next().unwrap().to_string();
            let oid = meta.next().unwrap().to_string();
            (path.to_string(), (mode, kind, oid))
        })
        .collect()
}

#[test]
fn sample_history_is_what_history_says() {
    let (repo, history) = sample_history();
    assert_eq!(history.commits.len(), 8);
    assert_eq!(repo.head(), history.main);
    assert_eq!(history.head().sha, history.main);
    assert_eq!(repo.git(["symbolic-ref", "HEAD"]), "refs/heads/main");
    assert_eq!(repo.git(["status", "--porcelain"]), "", "clean work tree");

    // Branches and tags.
    assert_eq!(repo.rev_parse("feature"), history.feature);
    assert_eq!(repo.rev_parse("v1"), history.v1);
    assert_eq!(repo.git(["cat-file", "-t", "v1"]), "commit", "v1 is light");
    assert_eq!(repo.rev_parse("v2"), history.v2_tag);
    assert_eq!(repo.git(["cat-file", "-t", "v2"]), "tag", "v2 is annotated");
    assert_eq!(repo.rev_parse("v2^{commit}"), history.v2);
    assert_eq!(
        repo.rev_parse("feature~1"),
        history.v2,
        "feature forks at v2"
    );
    assert_eq!(repo.rev_parse("main~1"), history.v2);

    // Parents, messages, dates, branches, abbreviations.
    let log = repo.git([
        "log",
        "--all",
        "--format=%H%x09%P%x09%s%x09%ct%x09%cs%x09%h",
    ]);
    assert_eq!(log.lines().count(), history.commits.len());
    for line in log.lines() {
        let f: Vec<&str> = line.split('\t').collect();
        let commit = history.commit(f[0]);
        assert_eq!(commit.parent.as_deref().unwrap_or(""), f[1], "{line}");
        assert_eq!(commit.message, f[2]);
        assert_eq!(commit.time.to_string(), f[3]);
        assert_eq!(commit.date, f[4]);
        assert_eq!(commit.short, f[5]);
    }
    for (i, commit) in history.commits.iter().enumerate() {
        assert_eq!(commit.time, EPOCH + i as i64 * DAY);
        let on = if i == 6 { "feature" } else { "main" };
        assert_eq!(commit.branch, on, "commit {i}");
    }

    // Every tree, entry by entry, with every blob's content.
    let mut oids = Vec::new();
    let mut expected = Vec::new();
    for commit in &history.commits {
        let listed = ls_tree(repo.path(), &commit.sha);
        assert_eq!(
            listed.keys().collect::<Vec<_>>(),
            commit.tree.keys().collect::<Vec<_>>(),
            "paths of {}",
            commit.message
        );
        for (path, (mode, kind, oid)) in &listed {
            let entry = &commit.tree[path];
            assert_eq!(*mode, entry.mode, "mode of {path} in {}", commit.message);
            if entry.mode == MODE_GITLINK {
                assert_eq!(kind, "commit");
                assert_eq!(oid.as_bytes(), entry.data.as_slice());
            } else {
                assert_eq!(kind, "blob");
                oids.push(oid.clone());
                expected.push((path.clone(), entry.data.clone()));
            }
        }
    }
    for (content, (path, want)) in cat_files(&repo, &oids).into_iter().zip(&expected) {
        assert_eq!(content, *want, "content of {path}");
    }

    // What each commit changed, renames detected.
    for commit in &history.commits {
        let diff = repo.git([
            "diff-tree",
            "-r",
            "-M",
            "--root",
            "--no-commit-id",
            "--name-status",
            &commit.sha,
        ]);
        let mut got: Vec<String> = diff
            .lines()
            .map(|l| match l.strip_prefix('R') {
                Some(rest) => format!("R\t{}", rest.split_once('\t').unwrap().1),
                None => l.to_string(),
            })
            .collect();
        got.sort();
        let mut want: Vec<String> = commit.changes.iter().map(Change::status_line).collect();
        want.sort();
        assert_eq!(got, want, "changes of {}", commit.message);
    }
    let rename = Change::Renamed {
        from: history.renamed_from.into(),
        to: history.renamed_to.into(),
    };
    assert!(history.commits[2].changes.contains(&rename));
    assert!(history.commits[3].changes.iter().all(|c| matches!(
        c, Change::Deleted(p) if p.starts_with(&format!("{}/", history.deleted_dir)))));
    assert_eq!(history.commits[3].changes.len(), 2);

    // The special entries, as `git ls-tree` shows them at HEAD.
    let head = repo.git(["ls-tree", "-r", "HEAD"]);
    let gitlink = format!(
        "160000 commit {}\t{}",
        history.submodule_commit, history.submodule_path
    );
    assert!(head.lines().any(|l| l == gitlink), "{head}");
    assert!(
        head.lines().any(|l| l.starts_with("120000 blob ")
            && l.ends_with(&format!("\t{}", history.symlink_path))),
        "{head}"
    );
    assert!(
        head.lines()
            .any(|l| l.starts_with("100755 blob ")
                && l.ends_with(&format!("\t{}", history.script_path))),
        "{head}"
    );
    let tree = history.tree(&history.main);
    assert_eq!(tree[history.symlink_path].text(), history.symlink_target);
    assert!(tree[history.script_path].text().starts_with("#!/bin/sh\n"));
    assert!(!history.script_path.contains('.'), "no extension");
    assert_eq!(
        tree[history.lfs_path].text(),
        format!(
            "version https://git-lfs.github.com/spec/v1\noid sha256:{}\nsize {}\n",
            history.lfs_oid, history.lfs_size
        )
    );
    assert!(history.hidden_path.starts_with('.') && tree.contains_key(history.hidden_path));
    assert!(tree.keys().all(|p| !p.starts_with("legacy/")));
    assert!(tree["README.md"].text().contains("```rust\n"));
    // Tracked although ignored.
    let ignored = repo.git_output([
        "check-ignore",
        "-q",
        "--no-index",
        history.ignored_tracked_path,
    ]);
    assert!(ignored.status.success(), "not ignored: {}", show(&ignored));
    let tracked = repo.git(["ls-files", "--", history.ignored_tracked_path]);
    assert_eq!(tracked, history.ignored_tracked_path);
    // The submodule's content is in its own repository, not in this tree.
    assert!(repo.join("vendor/greet/src/lib.rs").is_file());
    assert!(tree.keys().all(|p| !p.starts_with("vendor/greet/")));
    assert_eq!(
        tree[".gitmodules"].text(),
        "[submodule \"vendor/greet\"]\n\tpath = vendor/greet\n\turl = ../greet-lib\n"
    );
}

#[test]
fn sample_history_is_deterministic() {
    let (_, a) = sample_history();
    let (_, b) = sample_history();
    let shas = |h: &History| h.commits.iter().map(|c| c.sha.clone()).collect::<Vec<_>>();
    assert_eq!(shas(&a), shas(&b));
    assert_eq!(a.v2_tag, b.v2_tag);
}

#[test]
fn layouts_bare_worktree_shallow_archive_empty() {
    let (repo, history) = sample_history();

    // A bare clone: every ref, objects packed.
    let bare = repo.bare_clone("sample.git");
    assert_eq!(git_at(&bare, ["rev-parse", "--is-bare-repository"]), "true");
    assert_eq!(git_at(&bare, ["rev-parse", "HEAD"]), history.main);
    assert_eq!(git_at(&bare, ["rev-parse", "feature"]), history.feature);
    assert_eq!(git_at(&bare, ["rev-parse", "v2"]), history.v2_tag);
    let objects = git_at(&bare, ["count-objects", "-v"]);
    assert!(
        objects.lines().any(|l| l == "count: 0") && objects.lines().any(|l| l == "packs: 1"),
        "{objects}"
    );

    // A linked worktree: `.git` is a file.
    let wt = repo.worktree("feature", "sample-feature");
    let dot_git = std::fs::read_to_string(wt.join(".git")).expect(".git is a file");
    assert!(dot_git.starts_with("gitdir: "), "{dot_git}");
    assert_eq!(git_at(&wt, ["rev-parse", "HEAD"]), history.feature);
    assert!(wt.join("src/farewell.rs").is_file());
    let detached = repo.worktree(&history.v1, "sample-v1");
    assert_eq!(git_at(&detached, ["rev-parse", "HEAD"]), history.v1);

    // A shallow clone of depth 1.
    let shallow = repo.shallow_clone(1, "sample-shallow");
    assert_eq!(
        git_at(&shallow, ["rev-parse", "--is-shallow-repository"]),
        "true"
    );
    assert_eq!(git_at(&shallow, ["rev-parse", "HEAD"]), history.main);
    assert_eq!(git_at(&shallow, ["rev-list", "--count", "HEAD"]), "1");

    // An archive holds exactly the tree: files, symlinks, and gitlinks as
    // empty directories.
    let dest = repo.base().join("archive-v2");
    repo.archive("v2", &dest);
    let tree = history.tree(&history.v2);
    for (path, entry) in tree {
        let on_disk = dest.join(path);
        match entry.mode {
            MODE_SYMLINK => assert_eq!(
                std::fs::read_link(&on_disk)
                    .expect("a symlink")
                    .as_os_str()
                    .as_bytes(),
                entry.data.as_slice()
            ),
            MODE_GITLINK => {
                assert_eq!(std::fs::read_dir(&on_disk).expect("a directory").count(), 0)
            }
            _ => assert_eq!(
                std::fs::read(&on_disk).expect("a file"),
                entry.data,
                "{path}"
            ),
        }
    }
    fn walk(dir: &Path, rel: &str, out: &mut Vec<String>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap())
            .collect();
        entries.sort_by_key(|e| e.file_name());
        if entries.is_empty() {
            out.push(rel.to_string());
        }
        for e in entries {
            let name = format!("{rel}{}", e.file_name().to_str().unwrap());
            if e.file_type().unwrap().is_dir() {
                walk(&e.path(), &format!("{name}/"), out);
            } else {
                out.push(name);
            }
        }
    }
    let mut extracted = Vec::new();
    walk(&dest, "", &mut extracted);
    let mut listed: Vec<String> = tree
        .iter()
        .map(|(p, e)| {
            if e.mode == MODE_GITLINK {
                format!("{p}/")
            } else {
                p.clone()
            }
        })
        .collect();
    listed.sort();
    extracted.sort();
    assert_eq!(extracted, listed);

    // Packing the work tree's repository.
    assert_ne!(repo.git(["count-objects"]).split(' ').next(), Some("0"));
    repo.repack();
    assert!(
        repo.git(["count-objects", "-v"])
            .lines()
            .any(|l| l == "packs: 1")
    );
    assert_eq!(repo.git(["cat-file", "-t", &history.v1]), "commit");

    // Repositories without commits.
    for empty in [repo.empty("nothing"), repo.empty_bare("nothing.git")] {
        let head = git_output_at(&empty, ["rev-parse", "--verify", "-q", "HEAD"]);
        assert!(!head.status.success(), "{}", show(&head));
        assert_eq!(git_at(&empty, ["rev-list", "--all"]), "");
    }
    assert_eq!(
        git_at(
            &repo.base().join("nothing.git"),
            ["rev-parse", "--is-bare-repository"]
        ),
        "true"
    );

    // The other builder steps.
    let other = TestRepo::new("other");
    other
        .file("a.rs", "fn a() {}\n")
        .file("d/b.rs", "fn b() {}\n");
    let first = other.commit("one");
    other
        .remove("d")
        .symlink("l", "a.rs")
        .rename("a.rs", "c.rs");
    let second = other.commit("two");
    assert_ne!(first, second);
    assert_eq!(
        other.git([
            "diff-tree",
            "-r",
            "-M",
            "--no-commit-id",
            "--name-status",
            "HEAD"
        ]),
        "R100\ta.rs\tc.rs\nD\td/b.rs\nA\tl"
    );
    // A submodule that is not a sibling is recorded by absolute path.
    let host = TestRepo::new("host");
    host.submodule("sub", &other);
    host.commit("sub");
    assert_eq!(
        host.git(["config", "-f", ".gitmodules", "submodule.sub.url"]),
        other.path().display().to_string()
    );
    assert_eq!(host.git(["rev-parse", "HEAD:sub"]), second);
}

/// Clones `url` as a regular clone, then as a shallow bare clone over
/// protocol v0 (what libgit2 speaks), and fetches a commit by sha; checks
/// the results against `history`.
fn check_clones(url: &str, history: &History) {
    let tmp = scratch();
    let dir = tmp.path();
    git_at(dir, ["clone", "-q", url, "full"]);
    assert_eq!(
        git_at(&dir.join("full"), ["rev-parse", "HEAD"]),
        history.main
    );
    assert_eq!(
        git_at(&dir.join("full"), ["rev-parse", "origin/feature"]),
        history.feature
    );

    let shallow = dir.join("shallow.git");
    git_at(
        dir,
        [
            "-c",
            "protocol.version=0",
            "clone",
            "-q",
            "--depth",
            "1",
            "--bare",
            url,
            "shallow.git",
        ],
    );
    assert_eq!(
        git_at(&shallow, ["rev-parse", "--is-shallow-repository"]),
        "true"
    );
    assert_eq!(git_at(&shallow, ["rev-parse", "HEAD"]), history.main);
    assert_eq!(git_at(&shallow, ["rev-list", "--count", "HEAD"]), "1");
    // A commit that is no ref's tip, by sha (allowReachableSHA1InWant).
    git_at(
        &shallow,
        [
            "-c",
            "protocol.version=0",
            "fetch",
            "-q",
            "--depth",
            "1",
            url,
            &history.v1,
        ],
    );
    assert_eq!(git_at(&shallow, ["cat-file", "-t", &history.v1]), "commit");

    let refs = git_at(dir, ["ls-remote", url]);
    for line in [
        format!("{}\tHEAD", history.main),
        format!("{}\trefs/heads/feature", history.feature),
        format!("{}\trefs/tags/v1", history.v1),
        format!("{}\trefs/tags/v2", history.v2_tag),
        format!("{}\trefs/tags/v2^{{}}", history.v2),
    ] {
        assert!(refs.lines().any(|l| l == line), "no {line:?} in\n{refs}");
    }
}

#[test]
fn git_daemon_serves_clones() {
    let (repo, history) = sample_history();
    repo.bare_clone("sample.git");
    let daemon = GitDaemon::serve(repo.base());
    check_clones(&daemon.url("sample.git"), &history);
    // The non-bare repository is served too (`BASE/sample/.git`).
    let refs = git_at(repo.base(), ["ls-remote", &daemon.url("sample"), "HEAD"]);
    assert_eq!(refs, format!("{}\tHEAD", history.main));
    for request in [
        "Request upload-pack for '/sample.git'",
        "Request upload-pack for '/sample'",
    ] {
        assert!(daemon.wait_for_log(request), "{}", daemon.log());
    }

    // A missing repository: an informative error.
    let tmp = scratch();
    let run = git_bounded(
        tmp.path(),
        &["ls-remote", &daemon.url("nope.git")],
        &[],
        util::HANG,
    );
    assert!(
        !run.timed_out && !run.output.status.success(),
        "{}",
        show(&run.output)
    );
    let stderr = String::from_utf8_lossy(&run.output.stderr);
    assert!(
        stderr.contains("remote error: no such repository: /nope.git"),
        "{stderr}"
    );

    // Two daemons at once get two ports.
    let other = GitDaemon::serve(repo.base());
    assert_ne!(other.port(), daemon.port());
    let refs = git_at(repo.base(), ["ls-remote", &other.url("sample.git"), "HEAD"]);
    assert_eq!(refs, format!("{}\tHEAD", history.main));
}

#[test]
fn git_http_serves_clones() {
    let (repo, history) = sample_history();
    repo.bare_clone("sample.git");
    let http = GitHttp::serve(repo.base());
    check_clones(&http.url("sample.git"), &history);
    for request in [
        "\"GET /sample.git/info/refs?service=git-upload-pack HTTP/1.1\" 200",
        "\"POST /sample.git/git-upload-pack HTTP/1.1\" 200",
    ] {
        assert!(http.wait_for_log(request), "{}", http.log());
    }

    // A missing repository under a normal server: 404 from http-backend.
    let tmp = scratch();
    let url = http.url("nope.git");
    let run = git_bounded(tmp.path(), &["ls-remote", &url], &[], util::HANG);
    let stderr = String::from_utf8_lossy(&run.output.stderr);
    assert!(!run.output.status.success(), "{}", show(&run.output));
    assert!(
        stderr.contains(&format!("repository '{url}/' not found")),
        "{stderr}"
    );
}

#[test]
fn git_http_not_found_and_require_auth() {
    let tmp = scratch();
    let repo = TestRepo::new("tiny");
    repo.file("a.rs", "fn main() {}\n").commit("one");
    repo.bare_clone("tiny.git");

    let http = GitHttp::serve_with(repo.base(), Behaviour::NotFound);
    let url = http.url("tiny.git");
    let run = git_bounded(tmp.path(), &["ls-remote", &url], &[], util::HANG);
    let stderr = String::from_utf8_lossy(&run.output.stderr);
    assert!(
        !run.timed_out && !run.output.status.success(),
        "{}",
        show(&run.output)
    );
    assert!(
        stderr.contains(&format!("fatal: repository '{url}/' not found")),
        "{stderr}"
    );
    assert!(http.wait_for_log("\" 404 "), "{}", http.log());

    let http = GitHttp::serve_with(repo.base(), Behaviour::RequireAuth);
    let url = http.url("tiny.git");
    let run = git_bounded(tmp.path(), &["ls-remote", &url], &[], util::HANG);
    let stderr = String::from_utf8_lossy(&run.output.stderr);
    assert!(
        !run.timed_out && !run.output.status.success(),
        "{}",
        show(&run.output)
    );
    assert!(
        stderr.contains(&format!(
            "could not read Username for 'http://127.0.0.1:{}': terminal prompts disabled",
            http.port()
        )),
        "{stderr}"
    );
    assert!(http.wait_for_log("\" 401 "), "{}", http.log());
}

#[test]
fn black_hole_makes_http_time_out_and_holds_connections_open_and_silent() {
    let tmp = scratch();
    let hole = BlackHole::listen();

    // HTTP: curl's low-speed limit turns the silence into an error (the
    // message says which limit, no clock needed).
    let run = git_bounded(
        tmp.path(),
        &["ls-remote", &hole.url_http()],
        &[
            ("GIT_HTTP_LOW_SPEED_LIMIT", "1"),
            ("GIT_HTTP_LOW_SPEED_TIME", "1"),
        ],
        util::HANG,
    );
    let stderr = String::from_utf8_lossy(&run.output.stderr);
    assert!(!run.timed_out, "git hung: {}", show(&run.output));
    assert!(!run.output.status.success());
    assert!(stderr.contains("Operation too slow"), "{stderr}");
    assert!(hole.connections() >= 1);

    // Any client: once accepted, the connection stays open and nothing
    // comes (what git's git:// client, which has no timeout, waits on).
    let before = hole.connections();
    let client =
        std::net::TcpStream::connect(("127.0.0.1", hole.port())).expect("connect to the hole");
    let deadline = Instant::now() + util::HANG;
    while hole.connections() == before {
        assert!(Instant::now() < deadline, "the connection never accepted");
        std::thread::sleep(Duration::from_millis(10));
    }
    client.set_nonblocking(true).expect("nonblocking");
    let mut byte = [0u8; 1];
    match (&client).read(&mut byte) {
        Err(err) if err.kind() == std::io::ErrorKind::WouldBlock => {}
        Ok(0) => panic!("the hole closed an accepted connection"),
        other => panic!("the hole answered: {other:?}"),
    }
}

#[test]
fn closed_port_refuses_connections() {
    let tmp = scratch();
    assert_eq!(closed_port(), closed_port(), "one port for the run");
    let limit = util::HANG;
    let run = git_bounded(tmp.path(), &["ls-remote", &closed_port_url()], &[], limit);
    let stderr = String::from_utf8_lossy(&run.output.stderr);
    assert!(
        !run.timed_out && !run.output.status.success(),
        "{}",
        show(&run.output)
    );
    assert!(
        stderr.contains("Couldn't connect to server") || stderr.contains("Connection refused"),
        "{stderr}"
    );

    let url = format!("git://127.0.0.1:{}/repo", closed_port());
    let run = git_bounded(tmp.path(), &["ls-remote", &url], &[], limit);
    let stderr = String::from_utf8_lossy(&run.output.stderr);
    assert!(
        !run.timed_out && !run.output.status.success(),
        "{}",
        show(&run.output)
    );
    assert!(stderr.contains("Connection refused"), "{stderr}");
}

/// Clones `url` with libgit2 (bare, into `dest`), expecting failure; the
/// error.
fn libgit2_clone_error(url: &str, dest: &Path) -> git2::Error {
    match git2::build::RepoBuilder::new().bare(true).clone(url, dest) {
        Ok(_) => panic!("libgit2 cloned {url}"),
        Err(err) => err,
    }
}

#[test]
fn libgit2_clones_from_the_servers() {
    // The servers speak what repoflame's git2 speaks (protocol v0, shallow,
    // wants by sha), and the bad ones fail the way tests will expect.
    let (repo, history) = sample_history();
    repo.bare_clone("sample.git");
    let daemon = GitDaemon::serve(repo.base());
    let http = GitHttp::serve(repo.base());
    let tmp = scratch();
    for (i, url) in [daemon.url("sample.git"), http.url("sample.git")]
        .iter()
        .enumerate()
    {
        let mut fetch = git2::FetchOptions::new();
        fetch.depth(1);
        let cloned = git2::build::RepoBuilder::new()
            .bare(true)
            .fetch_options(fetch)
            .clone(url, &tmp.path().join(format!("clone-{i}")))
            .unwrap_or_else(|err| panic!("libgit2 clone {url}: {err}"));
        let head = cloned.head().expect("HEAD").target().expect("direct");
        assert_eq!(head.to_string(), history.main);
        assert!(cloned.is_shallow());
        // A commit that is no ref's tip, by sha.
        let mut fetch = git2::FetchOptions::new();
        fetch.depth(1);
        cloned
            .remote_anonymous(url)
            .expect("remote")
            .fetch(&[history.v1.as_str()], Some(&mut fetch), None)
            .unwrap_or_else(|err| panic!("libgit2 fetch {} from {url}: {err}", history.v1));
        let v1 = git2::Oid::from_str(&history.v1).expect("oid");
        assert!(cloned.find_commit(v1).is_ok());
    }

    let err = libgit2_clone_error(&daemon.url("nope.git"), &tmp.path().join("nope"));
    assert!(
        err.message().contains("no such repository: /nope.git"),
        "{err}"
    );
    let not_found = GitHttp::serve_with(repo.base(), Behaviour::NotFound);
    let err = libgit2_clone_error(&not_found.url("sample.git"), &tmp.path().join("404"));
    assert!(err.message().contains("404"), "{err}");
    let auth = GitHttp::serve_with(repo.base(), Behaviour::RequireAuth);
    let err = libgit2_clone_error(&auth.url("sample.git"), &tmp.path().join("401"));
    assert_eq!(err.code(), git2::ErrorCode::Auth, "{err}");
    let err = libgit2_clone_error(&closed_port_url(), &tmp.path().join("refused"));
    assert!(err.message().contains("Connection refused"), "{err}");
}

// ---------------------------------------------------------------------------
// Helpers for the git module: a proxy that counts (and may slow down) what
// a server sends, a terminal on stdin, and children that can be signalled.

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

/// What [`run_with_terminal_stdin`] gave: the run, and everything the
/// child wrote to its terminal (a prompt would land there).
pub struct TerminalRun {
    /// Exit status, stdout and stderr (pipes), time taken, hang.
    pub bounded: Bounded,
    /// Bytes written to the terminal.
    pub terminal: Vec<u8>,
}

/// Runs `cmd` in a session of its own whose controlling terminal is a new
/// pseudo-terminal, with stdin on that terminal (stdout and stderr piped):
/// a program that wants to prompt for a password could. Killed (with its
/// session's process group) after `limit`, marked `timed_out`.
pub fn run_with_terminal_stdin(mut cmd: Command, limit: Duration) -> TerminalRun {
    let (master, slave) = crate::util::open_pty();
    cmd.stdin(Stdio::from(slave))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    // SAFETY: setsid and ioctl are async-signal-safe; stdin is the
    // terminal's slave side.
    unsafe {
        cmd.pre_exec(|| {
            if libc::setsid() == -1 || libc::ioctl(0, libc::TIOCSCTTY, 0) == -1 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    die_with_parent(&mut cmd);
    let start = Instant::now();
    let mut child = cmd.spawn().expect("spawn with a terminal");
    // Only the child may hold the slave side now.
    drop(cmd);
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut master = master;
        let mut out = Vec::new();
        let _ = master.read_to_end(&mut out);
        let _ = tx.send(out);
    });
    let stdout = drain(child.stdout.take());
    let stderr = drain(child.stderr.take());
    let (status, timed_out) = loop {
        if let Some(status) = child.try_wait().expect("try_wait") {
            break (status, false);
        }
        if start.elapsed() >= limit {
            break (kill_group(&mut child), true);
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let elapsed = start.elapsed();
    // The terminal's reader ends when the session that holds the slave
    // side is gone: waiting for it only catches a hang, and what it read
    // is never lost to a deadline (an empty terminal proves no prompt).
    let terminal = rx
        .recv_timeout(util::HANG)
        .expect("the terminal still open after its session ended");
    TerminalRun {
        bounded: Bounded {
            output: Output {
                status,
                stdout: stdout.join().expect("stdout reader"),
                stderr: stderr.join().expect("stderr reader"),
            },
            timed_out,
            elapsed,
        },
        terminal,
    }
}

/// A child being run by [`spawn_signallable`]: signal it, then
/// [`Signallable::finish`].
pub struct Signallable {
    child: Child,
    stdout: JoinHandle<Vec<u8>>,
    stderr: JoinHandle<Vec<u8>>,
    start: Instant,
}

/// Spawns `cmd` (stdin `/dev/null`, stdout and stderr read on threads) in
/// a process group of its own, dying with the calling thread.
pub fn spawn_signallable(cmd: &mut Command) -> Signallable {
    let start = Instant::now();
    let mut child = die_with_parent(cmd)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .spawn()
        .expect("spawn");
    let stdout = drain(child.stdout.take());
    let stderr = drain(child.stderr.take());
    Signallable {
        child,
        stdout,
        stderr,
        start,
    }
}

impl Signallable {
    /// Sends `signal` to the child alone.
    pub fn signal(&self, signal: libc::c_int) {
        // SAFETY: plain system call on our own unreaped child.
        let rc = unsafe { libc::kill(self.child.id() as libc::pid_t, signal) };
        assert_eq!(rc, 0, "kill: {}", std::io::Error::last_os_error());
    }

    /// Its process id (its `/proc` entry stays until it is reaped).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Whether it is still running.
    pub fn running(&mut self) -> bool {
        self.child.try_wait().expect("try_wait").is_none()
    }

    /// Waits for the child at most `limit` more (then kills its group and
    /// marks `timed_out`) and collects its output.
    pub fn finish(mut self, limit: Duration) -> Bounded {
        let deadline = Instant::now() + limit;
        let (status, timed_out) = loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                break (status, false);
            }
            if Instant::now() >= deadline {
                break (kill_group(&mut self.child), true);
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        Bounded {
            output: Output {
                status,
                stdout: self.stdout.join().expect("stdout reader"),
                stderr: self.stderr.join().expect("stderr reader"),
            },
            timed_out,
            elapsed: self.start.elapsed(),
        }
    }
}

/// `len` bytes that do not compress: what makes a pack big.
pub fn incompressible(seed: u64, len: usize) -> Vec<u8> {
    let mut rng = util::Rng::new(seed);
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        out.extend_from_slice(&rng.next_u64().to_le_bytes());
    }
    out.truncate(len);
    out
}
