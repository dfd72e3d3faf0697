//! Git repositories built step by step with the real `git` CLI
//! ([`TestRepo`]), and the copies made from them that repoflame must read:
//! bare clones, linked worktrees, shallow clones, empty repositories,
//! archives of a revision.
//!
//! Safe in the parallel threads of the test binary: each repository lives
//! in its own temporary directory, and every git command is hermetic
//! ([`hermetic_env`](super::git::hermetic_env)).

use std::cell::Cell;
use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::Arc;

use super::git::{
    DAY, EPOCH, collect_args, git_at, git_at_time, git_command, git_output_at, set_date,
};
use super::run::repoflame;
use super::tree::chmod;

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

    /// The work tree.
    pub fn path(&self) -> &Path {
        &self.root
    }

    /// The temporary directory holding the work tree and every copy made
    /// from it: serve it with
    /// [`GitDaemon::serve`](super::servers::GitDaemon::serve) or
    /// [`GitHttp::serve`](super::servers::GitHttp::serve).
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
        chmod(&self.join(rel), 0o755);
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

    /// Like [`TestRepo::commit`], by `author` (`Name <email>`) rather than
    /// the fixed author.
    pub fn commit_as(&self, author: &str, msg: &str) -> String {
        self.git(["add", "-A"]);
        self.git([
            "commit",
            "-q",
            "--allow-empty",
            "--author",
            author,
            "-m",
            msg,
        ]);
        self.clock.set(self.clock.get() + DAY);
        self.head()
    }

    /// Merges `branch` into the current branch with a merge commit
    /// (`--no-ff`), dated like a commit; returns its sha.
    pub fn merge(&self, branch: &str, msg: &str) -> String {
        self.git(["merge", "-q", "--no-ff", "-m", msg, branch]);
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

    /// The date of the next commit, Unix seconds (UTC).
    pub fn next_commit_time(&self) -> i64 {
        self.clock.get()
    }

    /// The full sha of `HEAD`.
    pub fn head(&self) -> String {
        self.rev_parse("HEAD")
    }

    /// `git rev-parse --verify REV`: the full sha `rev` names.
    pub fn rev_parse(&self, rev: &str) -> String {
        self.git(["rev-parse", "--verify", rev])
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

    /// Removes the loose object of the blob at `spec` (`HEAD:src/a.rs`),
    /// as an incomplete repository lacks it. The work tree is untouched:
    /// where git's index vouches for its file, `--rev` reads that instead.
    pub fn remove_blob(&self, spec: &str) {
        let id = self.rev_parse(spec);
        let object = self.git_dir().join("objects").join(&id[..2]).join(&id[2..]);
        std::fs::remove_file(&object)
            .unwrap_or_else(|err| panic!("remove {}: {err}", object.display()));
        assert!(!self.git_output(["cat-file", "-e", &id]).status.success());
    }

    /// A repository named `name` with one file, `grown.rs` (three lines),
    /// committed under the attribute `filter=grow` and checked out through
    /// that filter ([`TestRepo::check_out_grown`]): four lines in the work
    /// tree, three in its blob.
    pub fn with_a_grown_file(name: &str) -> TestRepo {
        let repo = TestRepo::new(name);
        repo.file(".gitattributes", "*.rs filter=grow\n");
        repo.file("grown.rs", "fn a() {}\n".repeat(3));
        repo.commit("a filtered file");
        repo.check_out_grown("grown.rs");
        repo
    }

    /// Defines the filter `grow`, which adds the line `fn extra() {}` on
    /// checkout and takes the last line off on add (as Git LFS does, it
    /// makes the bytes in the work tree differ from the blob's), and checks
    /// `path` out again through it: one line more than its blob.
    pub fn check_out_grown(&self, path: &str) {
        self.git([
            "config",
            "filter.grow.smudge",
            "sh -c 'cat; echo \"fn extra() {}\"'",
        ]);
        self.git(["config", "filter.grow.clean", "sed '$d'"]);
        self.remove(path);
        self.git(["checkout", "--", path]);
    }

    /// `repoflame` with its working directory at the work tree.
    pub fn cmd(&self) -> Command {
        let mut cmd = repoflame();
        cmd.current_dir(&self.root);
        cmd
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
