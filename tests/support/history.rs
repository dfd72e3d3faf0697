//! A ready-made history ([`sample_history`]) and its model ([`History`]):
//! eight commits over several languages with tags, a branch, a rename, a
//! deleted directory, a submodule, a symlink, an LFS pointer, a tracked
//! ignored file and a hidden file, and for every commit its tree (each
//! entry's mode and content) and what it changed, written down as the
//! history is built, so that tests compare repoflame with the model, not
//! with git. The sources committed are in `tests/fixtures/greeter/`.

use std::collections::BTreeMap;

use super::repo::{TestRepo, lfs_pointer_text};

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
    /// Path of the committed symlink.
    pub symlink_path: &'static str,
    /// Path of the Git LFS pointer file.
    pub lfs_path: &'static str,
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

/// The text of `tests/fixtures/greeter/NAME`: the files of
/// [`sample_history`], one per version, named after what they are rather
/// than where they go (a `.gitignore` there would apply to this
/// repository).
macro_rules! greeter {
    ($name:literal) => {
        include_str!(concat!("../fixtures/greeter/", $name))
    };
}

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
    sub.file("src/lib.rs", greeter!("greet-lib.rs"))
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

    rec.file("Cargo.toml", greeter!("manifest.toml"));
    rec.file("src/main.rs", greeter!("main.rs"));
    rec.file("src/lib.rs", greeter!("lib.rs"));
    rec.file("README.md", greeter!("readme.md"));
    rec.file(".gitignore", greeter!("gitignore"));
    rec.file("tools/helper.py", greeter!("helper.py"));
    rec.file("legacy/old.py", greeter!("old.py"));
    rec.file("legacy/util/old_helpers.py", greeter!("old_helpers.py"));
    rec.commit("Start the greeter: Rust crate, README, Python helpers");

    rec.file("tools/report.py", greeter!("report.py"));
    rec.script("scripts/deploy", greeter!("deploy"));
    rec.file("src/lib.rs", greeter!("lib-shout.rs"));
    let v1 = rec.commit("Add the report tool and the deploy script; shout");
    repo.tag("v1");

    rec.rename("tools/helper.py", "tools/common.py");
    rec.file("src/main.rs", greeter!("main-loud.rs"));
    rec.commit("Rename the helper module; --loud");

    rec.remove("legacy");
    rec.commit("Remove the legacy directory");

    rec.submodule("vendor/greet", &sub);
    rec.commit("Vendor greet-lib as a submodule");

    rec.symlink("docs/main-link.rs", "../src/main.rs");
    rec.file(".gitattributes", greeter!("gitattributes"));
    rec.repo.lfs_pointer("data/words.json", lfs_oid, lfs_size);
    rec.put(
        "data/words.json",
        Entry {
            mode: MODE_FILE,
            data: lfs_pointer_text(lfs_oid, lfs_size).into_bytes(),
        },
    );
    rec.file(".hidden.py", greeter!("hidden.py"));
    rec.ignored("build/generated.rs", greeter!("generated.rs"));
    let v2 = rec.commit("Link, LFS data, hidden settings, generated words");
    repo.annotated_tag("v2", "Release 2");
    repo.branch("feature");

    rec.checkout("feature");
    rec.file("src/farewell.rs", greeter!("farewell.rs"));
    rec.file("src/lib.rs", greeter!("lib-farewell.rs"));
    rec.file("tools/report.py", greeter!("report-sizes.py"));
    let feature = rec.commit("Farewells; sizes in the report");

    rec.checkout("main");
    rec.file("README.md", greeter!("readme-short.md"));
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
        symlink_path: "docs/main-link.rs",
        lfs_path: "data/words.json",
        ignored_tracked_path: "build/generated.rs",
        hidden_path: ".hidden.py",
        script_path: "scripts/deploy",
        renamed_from: "tools/helper.py",
        renamed_to: "tools/common.py",
    };
    (repo, history)
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
        let time = self.repo.next_commit_time();
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
