//! A git repository: any revision read straight from the object database
//! (no checkout, the working tree is never touched), a remote cloned
//! shallow and bare into a private temporary directory, and the files of
//! two revisions for a diff.
//!
//! What is counted at a revision: the tracked files, with the directory
//! mode's rules for hidden files, `--exclude` and `--type`. Ignore files
//! are not applied: what git tracks is the code of that revision. Gitlinks
//! (submodules) and symbolic links are skipped, never followed. A Git LFS
//! pointer is counted as the text it is, and a note says how many there
//! were.

use std::collections::HashMap;
use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use git2::{ErrorClass, ErrorCode, ObjectType, Oid, Repository};
use ignore::overrides::{Override, OverrideBuilder};
use rayon::prelude::*;
use tokei::LanguageType;

use crate::config::{Repo, WalkOptions};
use crate::count::{self, CountOptions, Counts, FileRecord};
use crate::error::{Error, Problem, display_path, redact};
use crate::progress::Progress;
use crate::source::objects::ObjectStore;

/// An opened repository, and the subtree of it to count.
pub struct Opened {
    repo: Repository,
    /// The path the repository opens from, for one handle per worker.
    open_path: PathBuf,
    /// The repository's name: its directory, or the URL's last component.
    pub name: Vec<u8>,
    /// The part of the tree to count (empty: all of it).
    prefix: PathBuf,
    /// The revision to resolve when none was asked for: a clone's fetched
    /// reference, or `HEAD`.
    default_rev: String,
    /// Where a remote was cloned; removed when dropped.
    _clone: Option<crate::cleanup::TempDir>,
    /// Notes about the reference a clone fetched.
    notes: Vec<String>,
}

/// A revision, resolved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Revision {
    /// The revision as the user wrote it.
    pub rev: String,
    /// The commit, when the revision names one (a tree does not).
    pub commit: Option<String>,
    /// The commit's date, `YYYY-MM-DD`, in its own time zone.
    pub date: Option<String>,
    /// The tree counted.
    tree: Oid,
    /// What the user should know about how the revision was read: which
    /// of the references of an ambiguous name it is.
    pub notes: Vec<String>,
}

impl Revision {
    /// `v1.2 = 1a2b3c4 (2026-11-20)`, or the tree id for a tree.
    pub fn describe(&self) -> String {
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

/// Opens a local repository, or clones a remote one.
pub fn open(
    repo: &Repo,
    rev: Option<&str>,
    timeout: Duration,
    progress: &Progress,
) -> Result<Opened, Error> {
    match repo {
        Repo::Local(path) => open_local(path),
        // Nothing to clone: libgit2 cannot fetch shallow from a local path
        // anyway, and reading in place costs nothing.
        Repo::Remote(url) if file_url_path(url).is_some() => {
            let path = file_url_path(url).expect("just checked");
            open_local(&path).map_err(|err| match err {
                Error::Repository { reason, .. } => Error::Clone {
                    url: redact(url).into_owned(),
                    reason,
                },
                other => other,
            })
        }
        Repo::Remote(url) => clone(url, rev, timeout, progress),
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

/// The path of a `file://` URL (percent-escapes decoded).
fn file_url_path(url: &str) -> Option<PathBuf> {
    let rest = url
        .get(..7)
        .filter(|s| s.eq_ignore_ascii_case("file://"))
        .map(|_| &url[7..])?;
    // file://localhost/path and file:///path.
    let rest = rest.strip_prefix("localhost").unwrap_or(rest);
    if !rest.starts_with('/') {
        return None;
    }
    Some(PathBuf::from(OsStr::from_bytes(&percent_decoded(rest))))
}

/// `text` with its `%XX` escapes decoded.
fn percent_decoded(text: &str) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(text.len());
    let raw = text.as_bytes();
    let mut i = 0;
    while i < raw.len() {
        if raw[i] == b'%' && i + 2 < raw.len() {
            let hex = std::str::from_utf8(&raw[i + 1..i + 3]).unwrap_or("");
            if let Ok(b) = u8::from_str_radix(hex, 16) {
                bytes.push(b);
                i += 3;
                continue;
            }
        }
        bytes.push(raw[i]);
        i += 1;
    }
    bytes
}

/// A user name and password given in a URL (`https://user:password@…`).
#[derive(Clone, Debug, PartialEq, Eq)]
struct UrlCredentials {
    user: String,
    password: String,
}

/// The URL to give libgit2 and the credentials `url` holds. The password
/// is taken out of the URL, and over http(s) the user name too (libgit2
/// sends those on its own, and again after the server refused them), so
/// that only the credentials callback offers them, once per connection,
/// and no libgit2 message can quote them. Over ssh the user name stays:
/// it is the account logged into.
fn split_credentials(url: &str) -> (String, Option<UrlCredentials>) {
    let none = || (url.to_string(), None);
    let Some(scheme_end) = url.find("://") else {
        return none();
    };
    let start = scheme_end + 3;
    let authority_end = url[start..]
        .find(['/', '?', '#'])
        .map_or(url.len(), |i| start + i);
    let Some(at) = url[start..authority_end].rfind('@').map(|i| start + i) else {
        return none();
    };
    let Some((user, password)) = url[start..at].split_once(':') else {
        return none();
    };
    let decode = |text: &str| String::from_utf8_lossy(&percent_decoded(text)).into_owned();
    let credentials = UrlCredentials {
        user: decode(user),
        password: decode(password),
    };
    let scheme = url[..scheme_end].to_ascii_lowercase();
    let keep = if scheme == "http" || scheme == "https" {
        String::new()
    } else {
        format!("{user}@")
    };
    let url = format!("{}{keep}{}", &url[..start], &url[at + 1..]);
    (url, Some(credentials))
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
pub fn resolve(opened: &Opened, rev: Option<&str>) -> Result<Revision, Error> {
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
            Some(_) if rev.is_some() => repo.revparse_single(&opened.default_rev),
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
        date_of(time.seconds() + i64::from(time.offset_minutes()) * 60)
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

/// `YYYY-MM-DD` of a Unix time (days since 1970 to a civil date).
fn date_of(seconds: i64) -> String {
    let days = seconds.div_euclid(86_400);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    format!("{y:04}-{m:02}-{d:02}")
}

/// One file of a revision.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// Path relative to the counted subtree.
    pub path: PathBuf,
    /// The blob.
    pub oid: Oid,
}

/// The files of a revision, and what was left out.
#[derive(Debug, Default)]
pub struct Listing {
    /// Regular files, in tree order.
    pub entries: Vec<Entry>,
    /// Committed symbolic links, skipped.
    pub symlinks: u64,
    /// Gitlinks (submodules), skipped.
    pub submodules: u64,
    /// Regular files listed.
    pub listed: usize,
    /// `.gitattributes` blobs (even when hidden files are skipped), by the
    /// directory they are in, relative to the repository's root.
    pub attributes: Vec<(PathBuf, Oid)>,
    /// What the counted path is at this revision.
    pub shape: Shape,
}

/// What the counted path (SOURCE inside the repository) is at a revision.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Shape {
    /// A directory, or the whole tree.
    #[default]
    Directory,
    /// One file, counted as a one-file tree as the directory mode counts a
    /// file given as SOURCE: its entry's path is the file's name (which
    /// gives its language), its record's path is then made empty, and it
    /// is classified as the file at [`Opened::prefix`].
    File,
    /// Not there: nothing is listed (only a diff lists a missing path, as
    /// the side where everything was added or deleted).
    Missing,
}

/// Lists the files of `revision` below the counted subtree.
pub fn list(opened: &Opened, revision: &Revision, walk: &WalkOptions) -> Result<Listing, Error> {
    let mut entries = Vec::new();
    let mut listing = list_each(opened, revision, walk, &mut |entry| entries.push(entry))?;
    listing.entries = entries;
    Ok(listing)
}

/// [`list`], with a counted path that is not at `revision` listed as
/// [`Shape::Missing`] instead of failing.
pub fn list_or_missing(
    opened: &Opened,
    revision: &Revision,
    walk: &WalkOptions,
) -> Result<Listing, Error> {
    let mut entries = Vec::new();
    let mut listing = list_shaped(opened, revision, walk, true, &mut |entry| {
        entries.push(entry)
    })?;
    listing.entries = entries;
    Ok(listing)
}

/// Lists the files of `revision`, handing each to `emit` as it is found;
/// the listing returned has the counts of what was skipped.
fn list_each(
    opened: &Opened,
    revision: &Revision,
    walk: &WalkOptions,
    emit: &mut dyn FnMut(Entry),
) -> Result<Listing, Error> {
    list_shaped(opened, revision, walk, false, emit)
}

fn list_shaped(
    opened: &Opened,
    revision: &Revision,
    walk: &WalkOptions,
    missing_ok: bool,
    emit: &mut dyn FnMut(Entry),
) -> Result<Listing, Error> {
    let repo = &opened.repo;
    let error = |reason: String| Error::Revision {
        rev: revision.rev.clone(),
        reason,
    };
    let root_tree = repo
        .find_tree(revision.tree)
        .map_err(|err| error(format!("cannot read its tree: {}", err.message())))?;
    let mut listing = Listing::default();
    let mut tree = root_tree.clone();
    if !opened.prefix.as_os_str().is_empty() {
        let entry = match root_tree.get_path(&opened.prefix) {
            Ok(entry) => entry,
            Err(_) if missing_ok => {
                listing.shape = Shape::Missing;
                return Ok(listing);
            }
            Err(_) => {
                return Err(error(format!(
                    "{} is not in this revision{}",
                    display_path(&opened.prefix),
                    missing_hint(&root_tree, &opened.prefix)
                )));
            }
        };
        if entry.kind() != Some(ObjectType::Tree) {
            // One file (or a link, or a submodule), named as it is.
            listing.shape = Shape::File;
            let name = opened.prefix.file_name().map(PathBuf::from);
            match (entry.kind(), name) {
                (Some(ObjectType::Blob), _) if entry.filemode() == MODE_LINK => {
                    listing.symlinks += 1
                }
                (Some(ObjectType::Blob), Some(name)) => {
                    listing.listed += 1;
                    emit(Entry {
                        path: name,
                        oid: entry.id(),
                    });
                }
                (Some(ObjectType::Commit), _) => listing.submodules += 1,
                _ => {}
            }
            above_attributes(&root_tree, &opened.prefix, &mut listing);
            return Ok(listing);
        }
        tree = repo.find_tree(entry.id()).map_err(|err| {
            error(format!(
                "cannot read {}: {}",
                display_path(&opened.prefix),
                err.message()
            ))
        })?;
    }
    let excludes = excludes(walk)?;
    let mut path = PathBuf::new();
    list_tree(repo, &tree, &mut path, walk, &excludes, &mut listing, emit)
        .map_err(|err| error(format!("cannot read its tree: {}", err.message())))?;
    // `.gitattributes` of the directories above the counted subtree apply
    // too; all of them are given relative to the repository's root.
    for (dir, _) in &mut listing.attributes {
        *dir = opened.prefix.join(&*dir);
    }
    above_attributes(&root_tree, &opened.prefix, &mut listing);
    Ok(listing)
}

/// Adds the `.gitattributes` of the directories above `prefix` (not of
/// `prefix` itself: a directory was listed, a file has none) to `listing`.
fn above_attributes(root_tree: &git2::Tree<'_>, prefix: &Path, listing: &mut Listing) {
    let mut dir = PathBuf::new();
    let mut ancestors = vec![dir.clone()];
    for component in prefix.components() {
        dir.push(component);
        ancestors.push(dir.clone());
    }
    ancestors.pop();
    for ancestor in ancestors {
        if let Ok(entry) = root_tree.get_path(&ancestor.join(".gitattributes")) {
            listing.attributes.push((ancestor, entry.id()));
        }
    }
}

/// Why `prefix` is not in `tree`, when a directory above it is a file
/// there.
fn missing_hint(tree: &git2::Tree<'_>, prefix: &Path) -> String {
    prefix
        .ancestors()
        .skip(1)
        .filter(|a| !a.as_os_str().is_empty())
        .find(|a| {
            tree.get_path(a)
                .is_ok_and(|e| e.kind() != Some(ObjectType::Tree))
        })
        .map(|file| format!(" ({} is a file there)", display_path(file)))
        .unwrap_or_default()
}

/// The `.gitattributes` blobs of a listing, read and parsed, with notes
/// about the lines that were ignored.
pub fn attributes(
    opened: &Opened,
    listing: &Listing,
) -> (crate::classify::Attributes, Vec<String>) {
    let mut attributes = crate::classify::Attributes::new();
    let mut notes = Vec::new();
    for (dir, oid) in &listing.attributes {
        if let Ok(blob) = opened.repo.find_blob(*oid) {
            notes.extend(attributes.add(dir, blob.content()));
        }
    }
    (attributes, notes)
}

impl Opened {
    /// The counted subtree, relative to the repository's root.
    pub fn prefix(&self) -> &Path {
        &self.prefix
    }
}

/// `--exclude` globs as a matcher of paths relative to the counted root.
fn excludes(walk: &WalkOptions) -> Result<Override, Error> {
    let mut builder = OverrideBuilder::new("/");
    for glob in &walk.excludes {
        builder
            .add(&format!("!{glob}"))
            .map_err(|source| Error::Exclude {
                glob: glob.clone(),
                source,
            })?;
    }
    builder.build().map_err(|source| Error::Exclude {
        glob: walk.excludes.join(" "),
        source,
    })
}

const MODE_LINK: i32 = 0o120_000;

/// Lists `tree` depth first, in tree order, with an explicit stack: a
/// tree can be nested tens of thousands of levels deep (git itself only
/// refuses that when writing), which recursion would not survive.
fn list_tree(
    repo: &Repository,
    tree: &git2::Tree<'_>,
    path: &mut PathBuf,
    walk: &WalkOptions,
    excludes: &Override,
    listing: &mut Listing,
    emit: &mut dyn FnMut(Entry),
) -> Result<(), git2::Error> {
    // Each level: its tree, the next entry to look at, and whether a
    // component was pushed onto `path` for it.
    let mut stack: Vec<(git2::Tree<'_>, usize, bool)> = vec![(tree.clone(), 0, false)];
    while let Some((tree, next, _)) = stack.last_mut() {
        let Some((name, kind, id, mode)) = tree.get(*next).map(|entry| {
            (
                entry.name_bytes().to_vec(),
                entry.kind(),
                entry.id(),
                entry.filemode(),
            )
        }) else {
            let (_, _, pushed) = stack.pop().expect("not empty");
            if pushed {
                path.pop();
            }
            continue;
        };
        *next += 1;
        if name == b".gitattributes" && kind == Some(ObjectType::Blob) {
            listing.attributes.push((path.clone(), id));
        }
        if !walk.hidden && name.first() == Some(&b'.') {
            continue;
        }
        path.push(OsStr::from_bytes(&name));
        let absolute = Path::new("/").join(&*path);
        match kind {
            Some(ObjectType::Tree) if !excludes.matched(&absolute, true).is_ignore() => {
                let subtree = repo.find_tree(id)?;
                stack.push((subtree, 0, true));
                // `path` keeps the directory until its level is popped.
                continue;
            }
            Some(ObjectType::Blob) if mode == MODE_LINK => listing.symlinks += 1,
            Some(ObjectType::Blob) if !excludes.matched(&absolute, false).is_ignore() => {
                listing.listed += 1;
                emit(Entry {
                    path: path.clone(),
                    oid: id,
                });
            }
            Some(ObjectType::Commit) => listing.submodules += 1,
            _ => {}
        }
        path.pop();
    }
    Ok(())
}

/// What counting one blob gave.
#[derive(Clone, Debug)]
enum Blob {
    Counted(count::Content),
    Uncounted,
    Problem(String),
}

/// Blobs are read in jobs of at least this many, one repository handle per
/// job (a handle cannot be shared between threads).
const MIN_JOB: usize = 32;

/// A repository opened again on a worker (a handle is not `Sync`): its
/// object database, and its object store for blobs too large to read
/// whole.
struct Reader {
    repo: Repository,
    store: ObjectStore,
}

impl Reader {
    fn open(open_path: &Path) -> Result<Reader, String> {
        let repo = Repository::open(open_path)
            .map_err(|err| format!("cannot open the repository again: {}", err.message()))?;
        let store = ObjectStore::new(repo.commondir());
        Ok(Reader { repo, store })
    }
}

/// Counts blobs in parallel: each `(path, oid)` once. `open_path` opens
/// the repository: one handle per job, as a handle is not `Sync`.
fn count_blobs(
    open_path: &Path,
    blobs: &[(PathBuf, Oid)],
    options: &CountOptions<'_>,
    progress: &Progress,
) -> Vec<Blob> {
    progress.found(blobs.len() as u64);
    // map_init: one handle and one buffer per piece of work rayon makes,
    // and pieces as small as it needs to keep every thread busy to the end.
    blobs
        .par_iter()
        .with_min_len(MIN_JOB)
        .map_init(
            || (Reader::open(open_path), Vec::new()),
            |(reader, buffer), (path, oid)| {
                let result = match reader {
                    Ok(reader) => count_blob(reader, path, *oid, options, buffer),
                    Err(message) => Blob::Problem(message.clone()),
                };
                progress.advance(1);
                result
            },
        )
        .collect()
}

/// Counts one blob as the file `path` with its content would be counted:
/// read whole up to the stream threshold, streamed beyond it.
fn count_blob(
    reader: &Reader,
    path: &Path,
    oid: Oid,
    options: &CountOptions<'_>,
    buffer: &mut Vec<u8>,
) -> Blob {
    // Files in no known language are not read at all.
    if !count::may_count(path, options.types) {
        return Blob::Uncounted;
    }
    let missing = |err: git2::Error| match err.code() {
        ErrorCode::NotFound => {
            format!("object {oid} is missing: the repository is incomplete or corrupt")
        }
        _ => err.message().to_string(),
    };
    let odb = match reader.repo.odb() {
        Ok(odb) => odb,
        Err(err) => return Blob::Problem(err.message().to_string()),
    };
    let size = match odb.read_header(oid) {
        Ok((size, _)) => size as u64,
        Err(err) => return Blob::Problem(missing(err)),
    };
    let counted = if size <= options.stream_threshold {
        match odb.read(oid) {
            Ok(object) => count::count_content(path, size, &mut object.data(), options, buffer),
            Err(err) => return Blob::Problem(missing(err)),
        }
    } else {
        match reader.store.blob(oid) {
            Ok(Some((mut stream, size))) => {
                count::count_content(path, size, &mut stream, options, buffer)
            }
            // Stored in a way not streamed here: read whole, and say so.
            Ok(None) => match odb.read(oid) {
                Ok(object) => {
                    let counted =
                        count::count_content(path, size, &mut object.data(), options, buffer);
                    counted.map(|c| {
                        c.map(|mut c| {
                            c.note = Some(format!(
                                "{}: {} read whole: its object is stored in a way \
                                 repoflame cannot stream",
                                display_path(path),
                                count::human_bytes(size)
                            ));
                            c
                        })
                    })
                }
                Err(err) => return Blob::Problem(missing(err)),
            },
            Err(err) => return Blob::Problem(crate::error::io_reason(&err)),
        }
    };
    match counted {
        Ok(Some(counted)) => Blob::Counted(counted),
        Ok(None) => Blob::Uncounted,
        Err(err) => Blob::Problem(crate::error::io_reason(&err)),
    }
}

/// Everything counted at one revision.
#[derive(Debug, Default)]
pub struct RevisionCount {
    /// One record per counted file.
    pub records: Vec<FileRecord>,
    /// Blobs that could not be read.
    pub problems: Vec<Problem>,
    /// Notes (symlinks and submodules skipped, LFS pointers, huge files).
    pub notes: Vec<String>,
    /// Files listed (before language detection).
    pub listed: usize,
    /// The `.gitattributes` of the revision, relative to the repository's
    /// root.
    pub attributes: crate::classify::Attributes,
    /// A directory, or one file.
    pub shape: Shape,
}

/// Counts the files of `revision`.
pub fn count_revision(
    opened: &Opened,
    revision: &Revision,
    walk: &WalkOptions,
    options: &CountOptions<'_>,
    pool: &rayon::ThreadPool,
    progress: &Progress,
) -> Result<RevisionCount, Error> {
    let open_path = opened.open_path.as_path();
    let counted = std::sync::Mutex::new((RevisionCount::default(), 0u64));
    progress.start();
    // Batches of blobs go to the pool while the tree is still being read.
    let listing = pool.in_place_scope(|scope| {
        let spawn = |batch: Vec<(PathBuf, Oid)>| {
            let counted = &counted;
            scope.spawn(move |_| {
                let results = count_batch(open_path, &batch, options, progress);
                let mut guard = counted.lock().unwrap_or_else(|e| e.into_inner());
                let (count, lfs) = &mut *guard;
                for ((path, _), blob) in batch.into_iter().zip(results) {
                    match blob {
                        Blob::Counted(counted) => {
                            *lfs += u64::from(counted.lfs_pointer);
                            count.notes.extend(counted.note);
                            count.records.push(FileRecord {
                                path,
                                language: counted.language,
                                counts: counted.counts,
                                class: counted.class,
                            });
                        }
                        Blob::Uncounted => {}
                        Blob::Problem(message) => count.problems.push(Problem::new(&path, message)),
                    }
                }
            });
        };
        let mut batch = Vec::with_capacity(BATCH);
        let listing = list_each(opened, revision, walk, &mut |entry| {
            batch.push((entry.path, entry.oid));
            if batch.len() == BATCH {
                spawn(std::mem::replace(&mut batch, Vec::with_capacity(BATCH)));
            }
        });
        if !batch.is_empty() {
            spawn(batch);
        }
        listing
    })?;
    progress.finish();
    let (mut count, lfs) = counted.into_inner().unwrap_or_else(|e| e.into_inner());
    count.notes.extend(skipped_notes(&listing));
    count.listed = listing.listed;
    count.shape = listing.shape;
    let (attributes, notes) = attributes(opened, &listing);
    count.attributes = attributes;
    count.notes.extend(notes);
    if lfs > 0 {
        count.notes.push(count::lfs_note(lfs));
    }
    Ok(count)
}

/// Blobs handed to the pool at a time while a tree is read.
const BATCH: usize = 64;

/// Counts one batch of blobs, one after the other, with one repository
/// handle.
fn count_batch(
    open_path: &Path,
    batch: &[(PathBuf, Oid)],
    options: &CountOptions<'_>,
    progress: &Progress,
) -> Vec<Blob> {
    progress.found(batch.len() as u64);
    let reader = Reader::open(open_path);
    let mut buffer = Vec::new();
    batch
        .iter()
        .map(|(path, oid)| {
            let result = match &reader {
                Ok(reader) => count_blob(reader, path, *oid, options, &mut buffer),
                Err(message) => Blob::Problem(message.clone()),
            };
            progress.advance(1);
            result
        })
        .collect()
}

fn skipped_notes(listing: &Listing) -> Vec<String> {
    let mut notes = Vec::new();
    if listing.symlinks > 0 {
        notes.push(format!(
            "{} committed symbolic link{} skipped (never followed)",
            listing.symlinks,
            if listing.symlinks == 1 { "" } else { "s" }
        ));
    }
    if listing.submodules > 0 {
        notes.push(format!(
            "{} submodule{} skipped (gitlinks are not followed)",
            listing.submodules,
            if listing.submodules == 1 { "" } else { "s" }
        ));
    }
    notes
}

/// One path in either of two revisions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DiffRecord {
    /// Path relative to the counted subtree.
    pub path: PathBuf,
    /// The language (at the later revision when it is there).
    pub language: LanguageType,
    /// Counts at the earlier revision, if the file was there.
    pub before: Option<Counts>,
    /// Counts at the later revision, if the file is there.
    pub after: Option<Counts>,
    /// Generated, vendored or documentation (at the later revision when
    /// the file is there).
    pub class: Option<crate::classify::Classification>,
}

/// Everything counted for a diff.
pub struct DiffCount {
    /// One record per path counted at either revision.
    pub records: Vec<DiffRecord>,
    /// Blobs that could not be read.
    pub problems: Vec<Problem>,
    /// Notes.
    pub notes: Vec<String>,
    /// Distinct blobs counted (the cost of the diff).
    pub blobs_counted: usize,
    /// The `.gitattributes` of the later revision (of the earlier one
    /// where the counted path is gone).
    pub attributes: crate::classify::Attributes,
    /// A directory, or one file (at either revision).
    pub shape: Shape,
}

/// Counts the files of two revisions, each distinct blob once.
pub fn count_diff(
    opened: &Opened,
    from: &Revision,
    to: &Revision,
    walk: &WalkOptions,
    options: &CountOptions<'_>,
    pool: &rayon::ThreadPool,
    progress: &Progress,
) -> Result<DiffCount, Error> {
    let before = list_or_missing(opened, from, walk)?;
    let after = list_or_missing(opened, to, walk)?;
    let shape = diff_shape(opened, from, to, before.shape, after.shape)?;
    // A blob at one path is counted once, whichever revisions have it.
    let mut index: HashMap<(PathBuf, Oid), usize> = HashMap::new();
    let mut blobs: Vec<(PathBuf, Oid)> = Vec::new();
    for entry in before.entries.iter().chain(&after.entries) {
        index
            .entry((entry.path.clone(), entry.oid))
            .or_insert_with(|| {
                blobs.push((entry.path.clone(), entry.oid));
                blobs.len() - 1
            });
    }
    progress.start();
    let open_path = opened.open_path.as_path();
    let results = pool.install(|| count_blobs(open_path, &blobs, options, progress));
    progress.finish();

    let mut problems = Vec::new();
    let mut notes = skipped_notes(&after);
    let mut lfs = 0u64;
    for ((path, _), blob) in blobs.iter().zip(&results) {
        match blob {
            Blob::Counted(counted) => {
                lfs += u64::from(counted.lfs_pointer);
                notes.extend(counted.note.clone());
            }
            Blob::Problem(message) => problems.push(Problem::new(path, message)),
            Blob::Uncounted => {}
        }
    }
    if lfs > 0 {
        notes.push(count::lfs_note(lfs));
    }
    let counted = |entry: &Entry| match &results[index[&(entry.path.clone(), entry.oid)]] {
        Blob::Counted(counted) => Some((counted.language, counted.counts, counted.class.clone())),
        _ => None,
    };
    let mut records: HashMap<PathBuf, DiffRecord> = HashMap::new();
    for entry in &before.entries {
        if let Some((language, counts, class)) = counted(entry) {
            records.insert(
                entry.path.clone(),
                DiffRecord {
                    path: entry.path.clone(),
                    language,
                    before: Some(counts),
                    after: None,
                    class,
                },
            );
        }
    }
    for entry in &after.entries {
        if let Some((language, counts, class)) = counted(entry) {
            let record = records
                .entry(entry.path.clone())
                .or_insert_with(|| DiffRecord {
                    path: entry.path.clone(),
                    language,
                    before: None,
                    after: None,
                    class: None,
                });
            record.language = language;
            record.after = Some(counts);
            record.class = class;
        }
    }
    let mut records: Vec<DiffRecord> = records.into_values().collect();
    records.sort_unstable_by(|a, b| {
        a.path
            .as_os_str()
            .as_bytes()
            .cmp(b.path.as_os_str().as_bytes())
    });
    let latest = if after.shape == Shape::Missing {
        &before
    } else {
        &after
    };
    let (attributes, attribute_notes) = attributes(opened, latest);
    notes.extend(attribute_notes);
    Ok(DiffCount {
        records,
        problems,
        notes,
        blobs_counted: blobs.len(),
        attributes,
        shape,
    })
}

/// What the counted path is in a diff: there at one revision at least,
/// and a file or a directory, not one then the other.
fn diff_shape(
    opened: &Opened,
    from: &Revision,
    to: &Revision,
    before: Shape,
    after: Shape,
) -> Result<Shape, Error> {
    let path = display_path(&opened.prefix);
    match (before, after) {
        (Shape::Missing, Shape::Missing) => Err(Error::Revision {
            rev: format!("{}..{}", from.rev, to.rev),
            reason: format!("{path} is in neither revision"),
        }),
        (Shape::File, Shape::Directory) | (Shape::Directory, Shape::File) => {
            let what = |shape| match shape {
                Shape::File => "a file",
                _ => "a directory",
            };
            Err(Error::Revision {
                rev: format!("{}..{}", from.rev, to.rev),
                reason: format!(
                    "{path} is {} at {} and {} at {}: give the directory above it",
                    what(before),
                    from.rev,
                    what(after),
                    to.rev
                ),
            })
        }
        (Shape::File, _) | (_, Shape::File) => Ok(Shape::File),
        _ => Ok(Shape::Directory),
    }
}

/// Clones `url` shallow (depth 1) and bare into a private temporary
/// directory, fetching only what `rev` (or the remote's HEAD) names.
fn clone(
    url: &str,
    rev: Option<&str>,
    timeout: Duration,
    progress: &Progress,
) -> Result<Opened, Error> {
    // Every message shows the URL without its password; libgit2 gets it
    // without the credentials, which only the callback offers.
    let fail = |reason: String| Error::Clone {
        url: redact(url).into_owned(),
        reason: redact(&reason).into_owned(),
    };
    let (url, credentials) = split_credentials(url);
    let url = url.as_str();
    if let Some(rev) = rev {
        if rev.starts_with('-') {
            return Err(Error::Revision {
                rev: rev.to_string(),
                reason: "a revision cannot start with '-'".into(),
            });
        }
    }
    set_timeouts(timeout);
    fast_reads();
    let dir = crate::cleanup::TempDir::new("repoflame-clone-")
        .map_err(|err| fail(format!("cannot create a temporary directory: {err}")))?;
    let repo = Repository::init_bare(dir.path())
        .map_err(|err| fail(format!("cannot create a repository: {}", err.message())))?;
    let (target, advertised) = {
        let mut remote = repo
            .remote_anonymous(url)
            .map_err(|err| fail(clone_reason(&err, timeout)))?;
        let connection = remote
            .connect_auth(
                git2::Direction::Fetch,
                Some(callbacks(progress, credentials.as_ref())),
                None,
            )
            .map_err(|err| fail(clone_reason(&err, timeout)))?;
        let heads = connection
            .list()
            .map_err(|err| fail(clone_reason(&err, timeout)))?;
        let advertised: Vec<(String, Oid)> = heads
            .iter()
            .map(|h| (h.name().to_string(), h.oid()))
            .collect();
        let default = connection
            .default_branch()
            .ok()
            .and_then(|b| b.as_str().ok().map(str::to_string));
        drop(connection);
        let target = pick_ref(rev, &advertised, default.as_deref()).map_err(fail)?;
        (target, advertised)
    };
    // `git clone --branch` takes the branch when a tag has its name too.
    let mut notes = Vec::new();
    if let Some(rev) = rev {
        let tag = format!("refs/tags/{rev}");
        if target == format!("refs/heads/{rev}") && advertised.iter().any(|(n, _)| *n == tag) {
            notes.push(format!(
                "refname {rev:?} is ambiguous: counted the branch {target}, as git clone \
                 --branch does; for the tag, give {tag}"
            ));
        }
    }

    let mut remote = repo
        .remote_anonymous(url)
        .map_err(|err| fail(clone_reason(&err, timeout)))?;
    let mut fetch = git2::FetchOptions::new();
    fetch
        .depth(1)
        .download_tags(git2::AutotagOption::None)
        .remote_callbacks(callbacks(progress, credentials.as_ref()));
    let refspec = format!("+{}:refs/repoflame/target", target);
    progress.start();
    let fetched = remote.fetch(&[&refspec], Some(&mut fetch), None);
    progress.finish();
    fetched.map_err(|err| {
        if target.len() == 40 && target.bytes().all(|b| b.is_ascii_hexdigit()) {
            fail(format!(
                "the server does not give out commit {target} by its id: \
                 give a branch or a tag, or clone the repository and use --rev"
            ))
        } else {
            fail(clone_reason(&err, timeout))
        }
    })?;
    drop(remote);
    let name = url_name(url);
    Ok(Opened {
        repo,
        open_path: dir.path().to_path_buf(),
        name,
        prefix: PathBuf::new(),
        default_rev: "refs/repoflame/target".to_string(),
        _clone: Some(dir),
        notes,
    })
}

/// The reference (or commit id) to fetch for `rev` among what the remote
/// advertises.
fn pick_ref(
    rev: Option<&str>,
    advertised: &[(String, Oid)],
    default_branch: Option<&str>,
) -> Result<String, String> {
    let has = |name: &str| advertised.iter().any(|(n, _)| n == name);
    let Some(rev) = rev.filter(|r| *r != "HEAD") else {
        if let Some(branch) = default_branch.filter(|b| has(b)) {
            return Ok(branch.to_string());
        }
        if has("HEAD") {
            return Ok("HEAD".to_string());
        }
        return Err("the remote has no HEAD (an empty repository?): give --rev".into());
    };
    for candidate in [
        rev.to_string(),
        format!("refs/heads/{rev}"),
        format!("refs/tags/{rev}"),
    ] {
        if candidate.starts_with("refs/") && has(&candidate) {
            return Ok(candidate);
        }
    }
    let is_hex = rev.len() >= 4 && rev.bytes().all(|b| b.is_ascii_hexdigit());
    if is_hex {
        let rev_lower = rev.to_ascii_lowercase();
        // A peeled tag (`refs/tags/v2^{}`) is fetched by its tag's name.
        let mut matches: Vec<String> = advertised
            .iter()
            .filter(|(_, oid)| oid.to_string().starts_with(&rev_lower))
            .map(|(name, _)| name.strip_suffix("^{}").unwrap_or(name).to_string())
            .collect();
        matches.sort();
        if let Some(name) = matches.first() {
            return Ok(name.clone());
        }
        if rev.len() == 40 {
            return Ok(rev_lower);
        }
        return Err(format!(
            "{rev}: no branch or tag of the remote points there; give the full 40-digit sha, \
             a branch or a tag"
        ));
    }
    Err(format!(
        "{rev}: the remote has no such branch or tag (a remote is fetched by branch, tag or \
         full sha; for other revisions, clone it and give the path with --rev)"
    ))
}

/// The last component of a URL, without `.git`: `https://host/o/repo.git`
/// is `repo`.
fn url_name(url: &str) -> Vec<u8> {
    let trimmed = url.trim_end_matches('/');
    let last = trimmed
        .rsplit(['/', ':'])
        .next()
        .filter(|s| !s.is_empty())
        .unwrap_or("repository");
    last.strip_suffix(".git")
        .filter(|s| !s.is_empty())
        .unwrap_or(last)
        .as_bytes()
        .to_vec()
}

/// libgit2's network timeouts, process-wide.
fn set_timeouts(timeout: Duration) {
    let ms = i32::try_from(timeout.as_millis())
        .unwrap_or(i32::MAX)
        .max(1);
    // SAFETY: these only set two integers in libgit2's global options,
    // before any network operation of this process.
    unsafe {
        let _ = git2::opts::set_server_connect_timeout_in_milliseconds(ms);
        let _ = git2::opts::set_server_timeout_in_milliseconds(ms);
    }
}

/// What a clone says when the server refused the credentials of the URL.
const REFUSED: &str = "the server refused the user name and password in the URL";

/// Callbacks of a fetch: progress, and credentials that are never
/// prompted for (the run fails instead of waiting for a password): those
/// of the URL, offered once, or an ssh agent's key.
fn callbacks<'a>(
    progress: &'a Progress,
    in_url: Option<&'a UrlCredentials>,
) -> git2::RemoteCallbacks<'a> {
    let mut callbacks = git2::RemoteCallbacks::new();
    let mut tried_agent = false;
    let mut offered = false;
    callbacks.credentials(move |_url, username, allowed| {
        if let Some(given) = in_url {
            if allowed.contains(git2::CredentialType::USER_PASS_PLAINTEXT) {
                if offered {
                    // Asked again: the server did not take them.
                    return Err(git2::Error::new(ErrorCode::Auth, ErrorClass::Net, REFUSED));
                }
                offered = true;
                return git2::Cred::userpass_plaintext(&given.user, &given.password);
            }
        }
        if allowed.contains(git2::CredentialType::SSH_KEY) && !tried_agent {
            tried_agent = true;
            if let Some(user) = username {
                return git2::Cred::ssh_key_from_agent(user);
            }
        }
        Err(git2::Error::new(
            ErrorCode::Auth,
            ErrorClass::Net,
            "the server asks for credentials; repoflame never prompts: \
             use a URL that needs none, an ssh agent, or clone it yourself and give the path",
        ))
    });
    callbacks.transfer_progress(move |stats| {
        progress.receiving(
            stats.received_objects() as u64,
            stats.total_objects() as u64,
            stats.received_bytes() as u64,
        );
        !crate::cleanup::interrupted()
    });
    callbacks
}

/// A clone failure in words.
fn clone_reason(err: &git2::Error, timeout: Duration) -> String {
    let message = err.message();
    let lower = message.to_ascii_lowercase();
    if message.contains(REFUSED) {
        return REFUSED.to_string();
    }
    if err.code() == ErrorCode::Auth || lower.contains("401") || lower.contains("authentication") {
        return "the server asks for credentials; repoflame never prompts: use a URL that needs \
                none, an ssh agent, or clone it yourself and give the path"
            .into();
    }
    if lower.contains("404") || lower.contains("not found") || lower.contains("does not appear") {
        return format!("not found: {message}");
    }
    if err.code() == ErrorCode::Timeout
        || lower.contains("timed out")
        || lower.contains("timeout")
        || lower.contains("resource temporarily unavailable")
    {
        return format!(
            "no answer within {} s (--timeout): {message}",
            timeout.as_secs()
        );
    }
    if lower.contains("refused") {
        return format!("connection refused: {message}");
    }
    message.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_civil() {
        assert_eq!(date_of(0), "1970-01-01");
        assert_eq!(date_of(951_782_400), "2000-02-29");
        assert_eq!(date_of(1_795_564_800), "2026-11-25");
        assert_eq!(date_of(-86_400), "1969-12-31");
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

    #[test]
    fn file_urls_are_paths() {
        assert_eq!(
            file_url_path("file:///srv/x.git"),
            Some(PathBuf::from("/srv/x.git"))
        );
        assert_eq!(
            file_url_path("FILE://localhost/a%20b"),
            Some(PathBuf::from("/a b"))
        );
        assert_eq!(file_url_path("file://host/x"), None);
        assert_eq!(file_url_path("https://x/y"), None);
    }

    #[test]
    fn credentials_are_taken_out_of_urls() {
        let given = |user: &str, password: &str| {
            Some(UrlCredentials {
                user: user.into(),
                password: password.into(),
            })
        };
        assert_eq!(
            split_credentials("https://x-access-token:s3cret%40T@host/o/r.git"),
            (
                "https://host/o/r.git".into(),
                given("x-access-token", "s3cret@T")
            )
        );
        assert_eq!(
            split_credentials("HTTP://u:p@h:8080"),
            ("HTTP://h:8080".into(), given("u", "p"))
        );
        assert_eq!(
            split_credentials("ssh://git:pw@host/x.git"),
            ("ssh://git@host/x.git".into(), given("git", "pw"))
        );
        for plain in [
            "https://someone@host/x",
            "https://host/x@y:z",
            "git@host:o/r.git",
            "file:///srv/x.git",
        ] {
            assert_eq!(split_credentials(plain), (plain.to_string(), None));
        }
    }

    #[test]
    fn url_names() {
        assert_eq!(url_name("https://github.com/o/repo.git"), b"repo");
        assert_eq!(url_name("https://github.com/o/repo/"), b"repo");
        assert_eq!(url_name("git@github.com:o/repo.git"), b"repo");
        assert_eq!(url_name("git@host:repo"), b"repo");
        assert_eq!(url_name("file:///srv/git/x.git"), b"x");
    }

    #[test]
    fn refs_are_picked_like_git() {
        let oid = |s: &str| Oid::from_str(s).unwrap();
        let a = "1111111111111111111111111111111111111111";
        let b = "2222222222222222222222222222222222222222";
        let c = "4444444444444444444444444444444444444444";
        let ads = vec![
            ("HEAD".to_string(), oid(a)),
            ("refs/heads/main".to_string(), oid(a)),
            ("refs/tags/v1".to_string(), oid(b)),
            (
                "refs/tags/v2".to_string(),
                oid("5555555555555555555555555555555555555555"),
            ),
            ("refs/tags/v2^{}".to_string(), oid(c)),
        ];
        assert_eq!(pick_ref(Some(c), &ads, None).unwrap(), "refs/tags/v2");
        assert_eq!(
            pick_ref(None, &ads, Some("refs/heads/main")).unwrap(),
            "refs/heads/main"
        );
        assert_eq!(
            pick_ref(Some("main"), &ads, None).unwrap(),
            "refs/heads/main"
        );
        assert_eq!(pick_ref(Some("v1"), &ads, None).unwrap(), "refs/tags/v1");
        assert_eq!(pick_ref(Some("2222"), &ads, None).unwrap(), "refs/tags/v1");
        let full = "3333333333333333333333333333333333333333";
        assert_eq!(pick_ref(Some(full), &ads, None).unwrap(), full);
        assert!(pick_ref(Some("3333"), &ads, None).is_err());
        assert!(pick_ref(Some("nope"), &ads, None).is_err());
    }
}
