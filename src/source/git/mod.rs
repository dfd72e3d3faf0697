//! A git repository: any revision read straight from the object database
//! (no checkout, the working tree is never touched), and a remote cloned
//! shallow and bare into a private temporary directory.
//!
//! - this module opens the repository and resolves revisions;
//! - `list`: the files of a revision, as a listing;
//! - `blobs` and `objects`: their content, read whole or streamed;
//! - `clone`: remotes.
//!
//! What is counted at a revision: the tracked files, with the directory
//! mode's rules for hidden files, `--exclude` and `--type`. Ignore files
//! are not applied: what git tracks is the code of that revision. Gitlinks
//! (submodules) and symbolic links are skipped, never followed. A Git LFS
//! pointer is counted as the text it is, and a note says how many there
//! were.

mod blobs;
mod clone;
pub(crate) mod history;
mod kept;
mod list;
mod objects;
mod releases;
mod worktree;

pub(crate) use worktree::Checkout;

use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use std::time::Duration;

use git2::{ErrorCode, ObjectType, Oid, Repository};

use crate::config::{Repo, WalkOptions, Window};
use crate::error::{Error, display_path, redact};
use crate::progress::Progress;
use crate::source::{Entry, Listed, RevisionInfo, SourceInfo};

/// An opened repository, and the subtree of it to count.
pub(crate) struct Opened {
    repo: Repository,
    /// The path the repository opens from, for one handle per worker.
    open_path: PathBuf,
    /// The repository's name: its directory, or the URL's last component.
    pub(crate) name: Vec<u8>,
    /// The repository for messages: its path (escaped) or URL (redacted).
    place: String,
    /// The part of the tree to count (empty: all of it).
    prefix: PathBuf,
    /// The revision to resolve when none was asked for: a clone's fetched
    /// reference, or `HEAD`.
    default_rev: String,
    /// Where a remote was cloned; removed when dropped.
    _clone: Option<crate::interrupt::TempDir>,
    /// Notes about the reference a clone fetched.
    notes: Vec<String>,
}

/// A revision, resolved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Revision {
    /// The revision as the user wrote it.
    pub(crate) rev: String,
    /// The commit, when the revision names one (a tree does not).
    pub(crate) commit: Option<String>,
    /// The commit's date, `YYYY-MM-DD`, in its own time zone.
    pub(crate) date: Option<String>,
    /// The tree counted.
    tree: Oid,
    /// What the user should know about how the revision was read: which
    /// of the references of an ambiguous name it is.
    pub(crate) notes: Vec<String>,
}

impl Revision {
    /// The revision as titles and reports show it.
    pub(crate) fn info(&self) -> RevisionInfo {
        RevisionInfo {
            rev: self.rev.clone(),
            commit: self.commit.clone(),
            date: self.date.clone(),
            described: self.describe(),
        }
    }

    /// `v1.2 = 1a2b3c4 (2026-11-20)`, or the tree id for a tree.
    pub(crate) fn describe(&self) -> String {
        let short = |sha: &str| sha.chars().take(7).collect::<String>();
        match (&self.commit, &self.date) {
            (Some(commit), Some(date)) => {
                if commit.starts_with(&self.rev) {
                    format!("{} ({date})", short(commit))
                } else {
                    format!("{} = {} ({date})", self.rev, short(commit))
                }
            }
            _ => format!("{} (tree {})", self.rev, short(&self.tree.to_string())),
        }
    }
}

/// Opens a local repository, or clones a remote one (deep enough for
/// `window`, the window of history to read, when there is one).
pub(crate) fn open(
    repo: &Repo,
    rev: Option<&str>,
    timeout: Duration,
    depth: clone::Depth,
    progress: &Progress,
) -> Result<Opened, Error> {
    match repo {
        Repo::Local(path) => open_local(path),
        // Nothing to clone: libgit2 cannot fetch shallow from a local path
        // anyway, and reading in place costs nothing.
        Repo::Remote(url) if clone::file_url_path(url).is_some() => {
            let path = clone::file_url_path(url).expect("just checked");
            let mut opened = open_local(&path).map_err(|err| match err {
                Error::Repository { reason, .. } => Error::Clone {
                    url: redact(url).into_owned(),
                    reason,
                },
                other => other,
            })?;
            opened.place = redact(url).into_owned();
            Ok(opened)
        }
        Repo::Remote(url) => clone::clone(url, rev, timeout, depth, progress),
    }
}

/// Whether `path` is a git directory itself (a bare repository, or the
/// `.git` of a work tree) rather than a directory of files. Its files are
/// git's own: what a user pointing at `project.git` means is its HEAD.
///
/// Told as git tells it (`is_git_directory` in git's setup.c): a HEAD
/// that names a reference or a commit, and `objects/` and `refs/`
/// directories. Not with libgit2: starting it loads the TLS certificates,
/// tens of milliseconds that every directory run would pay, before its
/// Ctrl-C handler is even in place.
pub fn is_git_dir(path: &Path) -> bool {
    use std::io::Read;
    let head = path.join("HEAD");
    // A regular file only: reading a FIFO called HEAD would block.
    if !std::fs::metadata(&head).is_ok_and(|m| m.is_file()) {
        return false;
    }
    let mut text = Vec::new();
    let read = std::fs::File::open(&head).and_then(|f| f.take(256).read_to_end(&mut text));
    let text = text.trim_ascii_end();
    let names_a_commit =
        (text.len() == 40 || text.len() == 64) && text.iter().all(u8::is_ascii_hexdigit);
    read.is_ok()
        && (text.starts_with(b"ref: refs/") || names_a_commit)
        && path.join("objects").is_dir()
        && path.join("refs").is_dir()
}

/// libgit2 checks the SHA-1 of every object it reads, with a
/// collision-detecting SHA-1 that costs a fifth of the run; git itself
/// only does that in `git fsck`. Reading to count does not need it.
fn fast_reads() {
    git2::opts::strict_hash_verification(false);
}

fn open_local(path: &Path) -> Result<Opened, Error> {
    fast_reads();
    let not_a_repo = |reason: String| Error::Repository {
        path: display_path(path),
        reason,
    };
    // The path is a path in the revision's tree: it need not exist in the
    // work tree today (a directory deleted since), nor be a directory (one
    // file is a one-file tree). The repository is found from the nearest
    // directory that does exist, and the rest is kept as a path inside it.
    let (dir, rest) = nearest_directory(path).map_err(&not_a_repo)?;
    // The directory itself (a work tree, a bare repository, a worktree
    // whose .git is a file), or a directory inside a work tree.
    let (repo, inside, open_path) = match Repository::open(&dir) {
        Ok(repo) => (repo, PathBuf::new(), dir.clone()),
        Err(_) => {
            let repo = Repository::discover(&dir).map_err(|_| {
                not_a_repo(match std::fs::metadata(path) {
                    Err(err) => crate::error::io_reason(&err),
                    Ok(_) => "not a git repository (nor inside one)".to_string(),
                })
            })?;
            let workdir = repo
                .workdir()
                .ok_or_else(|| not_a_repo("not a git repository".to_string()))?
                .to_path_buf();
            let canonical = std::fs::canonicalize(&dir).unwrap_or_else(|_| dir.clone());
            let workdir_canonical = std::fs::canonicalize(&workdir).unwrap_or(workdir.clone());
            let inside = canonical
                .strip_prefix(&workdir_canonical)
                .map(Path::to_path_buf)
                .unwrap_or_default();
            (repo, inside, workdir)
        }
    };
    // (Joining an empty path would add a `/`, which no file matches.)
    let prefix = if rest.as_os_str().is_empty() {
        inside
    } else {
        inside.join(rest)
    };
    let name = repo_name(&repo, &dir, &prefix);
    Ok(Opened {
        repo,
        open_path,
        name,
        place: display_path(path),
        prefix,
        default_rev: "HEAD".to_string(),
        _clone: None,
        notes: Vec::new(),
    })
}

/// The nearest directory at or above `path` that exists, and the rest of
/// `path` below it (empty when `path` is that directory).
fn nearest_directory(path: &Path) -> Result<(PathBuf, PathBuf), String> {
    for dir in path.ancestors() {
        let dir = if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        };
        if !std::fs::metadata(dir).is_ok_and(|m| m.is_dir()) {
            continue;
        }
        let rest = path.strip_prefix(dir).unwrap_or(path);
        // What is below an existing directory is read from the tree, where
        // `..` means nothing.
        if rest
            .components()
            .any(|c| !matches!(c, std::path::Component::Normal(_)))
        {
            return Err(
                "'..' after a directory that does not exist cannot be resolved in a \
                        revision: give the path without it"
                    .to_string(),
            );
        }
        return Ok((dir.to_path_buf(), rest.to_path_buf()));
    }
    Err("no such file or directory".to_string())
}

/// The name of the root frame: the subdirectory counted, the work tree's
/// directory, or a bare repository's directory without `.git`.
fn repo_name(repo: &Repository, path: &Path, prefix: &Path) -> Vec<u8> {
    if let Some(last) = prefix.file_name() {
        return last.as_bytes().to_vec();
    }
    let dir = match repo.workdir() {
        Some(workdir) => workdir.to_path_buf(),
        None => std::fs::canonicalize(path).unwrap_or_else(|_| repo.path().to_path_buf()),
    };
    let dir = std::fs::canonicalize(&dir).unwrap_or(dir);
    let name = dir
        .file_name()
        .map(|n| n.as_bytes())
        .unwrap_or(b"repository");
    let name = if name == b".git" {
        dir.parent()
            .and_then(Path::file_name)
            .map(|n| n.as_bytes())
            .unwrap_or(name)
    } else {
        name
    };
    name.strip_suffix(b".git")
        .filter(|n| !n.is_empty())
        .unwrap_or(name)
        .to_vec()
}

/// Resolves `rev` (anything git accepts that names a commit or a tree).
pub(crate) fn resolve(opened: &Opened, rev: Option<&str>) -> Result<Revision, Error> {
    let shown = rev.unwrap_or("HEAD").to_string();
    let lookup = rev.unwrap_or(&opened.default_rev);
    let repo = &opened.repo;
    let error = |reason: String| Error::Revision {
        rev: shown.clone(),
        reason,
    };
    if shown.starts_with('-') {
        return Err(error("a revision cannot start with '-'".into()));
    }
    if has_no_commits(repo) {
        return Err(error("the repository has no commits yet".into()));
    }
    // A clone fetched one reference: the user's name for it resolves there.
    let object = merge_base(repo, lookup)
        .unwrap_or_else(|| repo.revparse_single(lookup))
        .or_else(|err| match &opened._clone {
            // A clone of one reference: the user's name for it resolves
            // there. (A clone of everything resolves names as the remote
            // repository does, its default_rev HEAD.)
            Some(_) if rev.is_some() && opened.default_rev != "HEAD" => {
                repo.revparse_single(&opened.default_rev)
            }
            _ => Err(err),
        })
        .map_err(|err| {
            let reason = match err.code() {
                ErrorCode::Ambiguous => {
                    "ambiguous: more than one object starts with it; give more of the sha".into()
                }
                ErrorCode::NotFound | ErrorCode::InvalidSpec
                    if repo.is_shallow() =>
                {
                    "no such revision in this shallow clone (its history is cut: fetch more with git fetch --deepen)".into()
                }
                ErrorCode::NotFound => "no such revision".into(),
                ErrorCode::InvalidSpec => "not a valid revision".into(),
                _ => err.message().to_string(),
            };
            error(reason)
        })?;
    match object.kind() {
        Some(ObjectType::Blob) => {
            return Err(error(
                "names a file (a blob); give a commit, branch, tag or tree".into(),
            ));
        }
        Some(ObjectType::Commit | ObjectType::Tag | ObjectType::Tree) => {}
        _ => return Err(error("does not name a commit, tag or tree".into())),
    }
    let commit = object.peel_to_commit().ok();
    let tree = object
        .peel_to_tree()
        .map_err(|err| error(format!("has no tree: {}", err.message())))?;
    let date = commit.as_ref().map(|c| {
        let time = c.time();
        crate::units::civil_date(time.seconds() + i64::from(time.offset_minutes()) * 60)
    });
    let notes = if opened._clone.is_some() {
        opened.notes.clone()
    } else {
        ambiguity_notes(repo, lookup)
    };
    Ok(Revision {
        rev: shown,
        commit: commit.map(|c| c.id().to_string()),
        date,
        tree: tree.id(),
        notes,
    })
}

/// Where git (and libgit2's revparse, in the same order) looks for the
/// reference a name stands for.
const NAME_RULES: [(&str, &str); 6] = [
    ("", ""),
    ("refs/", ""),
    ("refs/tags/", ""),
    ("refs/heads/", ""),
    ("refs/remotes/", ""),
    ("refs/remotes/", "/HEAD"),
];

/// A note for each name in `rev` (`dup`, `dup~2`, `main...dup`) that more
/// than one reference answers to, as git warns "refname 'dup' is
/// ambiguous": which one was counted (the first, as git takes it), and how
/// to name the others.
fn ambiguity_notes(repo: &Repository, rev: &str) -> Vec<String> {
    let mut notes = Vec::new();
    for part in rev.split("...").flat_map(|part| part.split("..")) {
        // The name: up to the first `~`, `^`, `:` or `@{`.
        let end = [part.find(['~', '^', ':']), part.find("@{")]
            .into_iter()
            .flatten()
            .min()
            .unwrap_or(part.len());
        let name = &part[..end];
        if name.is_empty() {
            continue;
        }
        let found: Vec<String> = NAME_RULES
            .iter()
            .map(|(before, after)| format!("{before}{name}{after}"))
            .filter(|full| repo.find_reference(full).is_ok())
            .collect();
        let [counted, others @ ..] = found.as_slice() else {
            continue;
        };
        if others.is_empty() {
            continue;
        }
        let how: Vec<String> = others
            .iter()
            .map(|other| format!("for {}, give {other}", ref_kind(other)))
            .collect();
        notes.push(format!(
            "refname {name:?} is ambiguous: counted {} {counted}, as git does; {}",
            ref_kind(counted),
            how.join("; ")
        ));
    }
    notes
}

/// "the tag", "the branch": what a full reference name is.
fn ref_kind(full: &str) -> &'static str {
    if full.starts_with("refs/tags/") {
        "the tag"
    } else if full.starts_with("refs/heads/") {
        "the branch"
    } else if full.starts_with("refs/remotes/") {
        "the remote-tracking branch"
    } else {
        "the reference"
    }
}

/// Whether the repository has no commit at all: HEAD's branch is unborn
/// (whatever it is called) and no reference exists.
fn has_no_commits(repo: &Repository) -> bool {
    let unborn = matches!(repo.head(), Err(err) if err.code() == ErrorCode::UnbornBranch);
    unborn
        && repo
            .references()
            .map(|mut refs| refs.next().is_none())
            .unwrap_or(false)
}

/// For `A...B`: the merge base of A and B (`None` for other revisions).
fn merge_base<'r>(
    repo: &'r Repository,
    rev: &str,
) -> Option<Result<git2::Object<'r>, git2::Error>> {
    let (a, b) = rev.split_once("...")?;
    let commit = |r: &str| repo.revparse_single(r).and_then(|o| o.peel_to_commit());
    Some((|| {
        let (a, b) = (commit(a)?, commit(b)?);
        let base = repo.merge_base(a.id(), b.id())?;
        repo.find_object(base, None)
    })())
}

/// A repository and the revisions of a run: one, or two for a diff.
pub(crate) struct Sides {
    opened: Opened,
    revisions: Vec<Revision>,
}

impl Sides {
    /// Opens (or clones) `repo` and resolves `revs`, one per side (`None`:
    /// HEAD, or what a clone fetched).
    pub(crate) fn open(
        repo: &Repo,
        revs: &[Option<&str>],
        timeout: Duration,
        window: Option<Window>,
        progress: &Progress,
    ) -> Result<Sides, Error> {
        // A clone fetches what the one revision names (a diff of a URL is
        // refused before this).
        let fetch = match revs {
            [one] => *one,
            _ => None,
        };
        let depth = window.map_or(clone::Depth::One, clone::Depth::Window);
        let opened = open(repo, fetch, timeout, depth, progress)?;
        let revisions = revs
            .iter()
            .map(|rev| resolve(&opened, *rev))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Sides { opened, revisions })
    }

    /// Opens the repository and resolves the revisions of `--history`;
    /// with a note when there were too many to draw.
    pub(crate) fn open_history(
        repo: &Repo,
        spec: &crate::config::HistorySpec,
        timeout: Duration,
        progress: &Progress,
    ) -> Result<(Sides, Option<String>), Error> {
        let opened = open(repo, None, timeout, clone::Depth::Everything, progress)?;
        let (revisions, note) = releases::samples(&opened, spec)?;
        Ok((Sides { opened, revisions }, note))
    }

    /// Lists the files of side `side` alone, handed on as side 0; with the
    /// listings of its trees kept under `cache_dir`.
    pub(crate) fn list_one(
        &self,
        side: usize,
        walk: &WalkOptions,
        cache_dir: Option<&Path>,
        progress: &Progress,
        on_batch: &(dyn Fn(usize, Vec<Entry>) + Sync),
    ) -> Result<Listed, Error> {
        let trees = cache_dir.map(kept::Trees::new);
        list::list_sides(
            &self.opened,
            &self.revisions[side..=side],
            walk,
            trees.as_ref(),
            progress,
            on_batch,
        )
    }

    /// How many sides.
    pub(crate) fn len(&self) -> usize {
        self.revisions.len()
    }

    /// Reads blobs, streaming those above `stream_threshold`.
    pub(crate) fn store(&self, stream_threshold: u64) -> blobs::Blobs<'_> {
        blobs::Blobs::new(
            &self.opened.open_path,
            &self.opened.prefix,
            stream_threshold,
        )
    }

    /// Lists each side's files in turn; with the listings of their trees
    /// kept under `cache_dir`.
    pub(crate) fn list(
        &self,
        walk: &WalkOptions,
        cache_dir: Option<&Path>,
        progress: &Progress,
        on_batch: &(dyn Fn(usize, Vec<Entry>) + Sync),
    ) -> Result<Listed, Error> {
        let trees = cache_dir.map(kept::Trees::new);
        list::list_sides(
            &self.opened,
            &self.revisions,
            walk,
            trees.as_ref(),
            progress,
            on_batch,
        )
    }

    /// The history of its one revision, read through a handle of its own
    /// (on another thread). `option` names what needs it.
    pub(crate) fn history(&self, option: &str) -> Result<history::Opened, Error> {
        let revision = &self.revisions[0];
        let repo = Repository::open(&self.opened.open_path).map_err(|err| Error::Repository {
            path: self.opened.place.clone(),
            reason: err.message().to_string(),
        })?;
        history::Opened::new(repo, self.opened.prefix.clone(), revision, false, option)
    }

    /// Its name, place and revisions.
    pub(crate) fn info(&self) -> SourceInfo {
        SourceInfo {
            root_name: self.opened.name.clone(),
            place: self.opened.place.clone(),
            revisions: self.revisions.iter().map(Revision::info).collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_civil() {
        assert_eq!(crate::units::civil_date(0), "1970-01-01");
        assert_eq!(crate::units::civil_date(951_782_400), "2000-02-29");
        assert_eq!(crate::units::civil_date(1_795_564_800), "2026-11-25");
        assert_eq!(crate::units::civil_date(-86_400), "1969-12-31");
    }

    #[test]
    fn git_directories_are_told_as_git_tells_them() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path();
        std::fs::create_dir(path.join("objects")).unwrap();
        std::fs::create_dir(path.join("refs")).unwrap();
        assert!(!is_git_dir(path), "no HEAD");
        for (head, is) in [
            ("ref: refs/heads/main\n", true),
            ("0123456789abcdef0123456789abcdef01234567\n", true),
            ("0123456789abcdef\n", false),
            ("main\n", false),
        ] {
            std::fs::write(path.join("HEAD"), head).unwrap();
            assert_eq!(is_git_dir(path), is, "{head:?}");
        }
        std::fs::remove_dir(path.join("refs")).unwrap();
        assert!(!is_git_dir(path), "no refs/");
    }
}
