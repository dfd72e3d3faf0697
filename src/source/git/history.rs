//! Reading a history: the commits of a window and the paths each changed.
//!
//! The window is the set `git log --no-merges -n N --since DATE` prints:
//! the most recent non-merge commits reachable from the counted revision,
//! in git's order (newest committer time first), stopping at the first
//! commit older than `--since`. Each is compared with its parent, as
//! `git log --name-only --no-renames` compares it.
//!
//! The comparison walks the two trees side by side and descends only
//! into subtrees whose ids differ, so a commit costs what it changed, not
//! the size of the repository; a directory is changed by a commit exactly
//! when its tree id changed, which gives each directory its distinct
//! commits with no set arithmetic. No content is diffed.
//!
//! Renames are not followed: a moved file's history starts at the move
//! (`git log --no-renames`), and the old path's commits stay with its old
//! directory. Measured on moby (57,533 commits, 13,024 files) over its
//! last 1,000 non-merge commits (8,529 file changes, `bench/hotspots
//! --repo`): git's rename detection (`-M`) finds 90 renames in 24
//! commits, and following them would give 30 commits to 29 files (0.35%
//! of the file changes) at twice the cost of `git log` (0.130 s against
//! 0.062 s); the exact renames, which ids alone tell (38), would give 3
//! commits to 2 files. A window holds little history from before a move.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use git2::{ObjectType, Oid, Repository};

use crate::config::{Config, Since, Source, Window};
use crate::error::{Error, display_path};
use crate::history::{Commit, History};
use crate::progress::Progress;

/// A repository opened for the history of one revision.
pub(crate) struct Opened {
    repo: Repository,
    /// The part of the tree counted (empty: all of it).
    prefix: std::path::PathBuf,
    /// The counted commit.
    commit: Oid,
    /// A work tree: files not in HEAD are uncommitted.
    work_tree: bool,
    /// The counted revision as the user named it.
    revision: String,
}

/// Opens the repository whose history `config` asks for: the one the
/// directory is in (at HEAD), or the revision `source` resolved (in a
/// local repository or in the clone of a URL, which was fetched deep
/// enough for the window). Fails, saying why, when there is none, or no
/// commit to start from.
pub(crate) fn open(config: &Config, source: &crate::source::Opened) -> Result<Opened, Error> {
    let option = config.history_wanted().unwrap_or_default();
    let path = match (&config.source, source) {
        (Source::Directory(path), _) => path,
        (Source::Revision { .. }, crate::source::Opened::Git(sides)) => {
            return sides.history(&option);
        }
        (Source::History { .. }, _) => {
            return Err(Error::History {
                path: config.source.describe(),
                option,
                reason: "--history draws many revisions; give one with --rev".into(),
            });
        }
        _ => {
            return Err(Error::History {
                path: config.source.describe(),
                option,
                reason: "a diff is coloured by its change; give one revision with --rev".into(),
            });
        }
    };
    let error = |reason: String| Error::History {
        path: display_path(path),
        option: option.clone(),
        reason,
    };
    let opened = super::open_local(path).map_err(|err| match err {
        Error::Repository { reason, .. } => error(reason),
        other => other,
    })?;
    let revision = super::resolve(&opened, None).map_err(|err| match err {
        Error::Revision { reason, .. } => error(reason),
        other => other,
    })?;
    Opened::new(opened.repo, opened.prefix, &revision, true, &option)
}

impl Opened {
    /// The history of `revision` in `repo` (below `prefix`); `work_tree`:
    /// files not in HEAD are uncommitted. `option` names what needs it.
    pub(super) fn new(
        repo: Repository,
        prefix: std::path::PathBuf,
        revision: &super::Revision,
        work_tree: bool,
        option: &str,
    ) -> Result<Opened, Error> {
        let Some(commit) = revision
            .commit
            .as_deref()
            .and_then(|c| Oid::from_str(c).ok())
        else {
            return Err(Error::Revision {
                rev: revision.rev.clone(),
                reason: format!("names a tree, which has no history for {option}"),
            });
        };
        Ok(Opened {
            revision: revision.rev.clone(),
            work_tree: work_tree && repo.workdir().is_some(),
            repo,
            prefix,
            commit,
        })
    }

    /// Reads the history of the window.
    pub(crate) fn read(&self, window: Window, progress: &Progress) -> Result<History, Error> {
        self.read_commits(window, progress)
            .map_err(|err| Error::Repository {
                path: display_path(self.repo.path()),
                reason: format!("reading its history: {}", err.message()),
            })
    }

    fn read_commits(&self, window: Window, progress: &Progress) -> Result<History, git2::Error> {
        let repo = &self.repo;
        let head = repo.find_commit(self.commit)?;
        let reference = (head.time().seconds(), head.time().offset_minutes());
        let mailmap = mailmap(repo);
        let mut history = History {
            reference,
            revision: self.revision.clone(),
            window,
            whole: true,
            ..History::default()
        };
        let mut author_ids: HashMap<String, u32> = HashMap::new();
        let mut kept = HashMap::new();
        progress.history(0, window.commits);
        let stop = walk_window(repo, self.commit, window, |commit| {
            let index = history.commits.len() as u32;
            // The trees read as the parent's side of the last commit are
            // most often this commit's own: kept, they are read once.
            let mut trees = Trees {
                repo,
                kept: std::mem::take(&mut kept),
                next: HashMap::new(),
            };
            let old = match commit.parent_count() {
                0 => None,
                _ => {
                    let id = repo.find_commit(commit.parent_id(0)?)?.tree_id();
                    at_prefix(&trees.parents(id)?, &self.prefix)?
                }
            };
            let new = at_prefix(&trees.ours(commit.tree_id())?, &self.prefix)?;
            if old != new {
                touch(&mut history.paths, "", index);
                let tree = |side: Option<(Oid, i32)>| side.filter(|s| is_tree(s.1)).map(|s| s.0);
                compare(&mut trees, tree(old), tree(new), index, &mut history.paths)?;
            }
            kept = trees.next;
            let author = commit.author();
            let author = match &mailmap {
                Some(mailmap) => mailmap.resolve_signature(&author).unwrap_or(author),
                None => author,
            };
            let name = String::from_utf8_lossy(author.name_bytes()).into_owned();
            let email = String::from_utf8_lossy(author.email_bytes()).into_owned();
            let next = author_ids.len() as u32;
            let id = *author_ids
                .entry(format!("{name} <{email}>"))
                .or_insert_with(|| {
                    history.authors.push(name);
                    next
                });
            history.commits.push(Commit {
                time: commit.time().seconds(),
                offset: commit.time().offset_minutes(),
                author: id,
            });
            progress.history(history.commits.len() as u64, window.commits);
            Ok(())
        })?;
        history.whole = stop == Stop::End;
        history.shallow = stop == Stop::Boundary;
        if self.work_tree {
            history.tracked = Some(files(repo, &head, &self.prefix)?);
        }
        Ok(history)
    }
}

/// Why the walk of a window stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Stop {
    /// It took `--commits` commits.
    Limit,
    /// It met a commit older than `--since`.
    Since,
    /// It met the boundary of a shallow clone: a commit whose parents are
    /// not there (what it changed is unknown).
    Boundary,
    /// It took every commit reachable.
    End,
}

/// Walks the commits of `window` reachable from `start`, as `git log
/// --no-merges -n N --since DATE` takes them, calling `each` on every one
/// of them; says why it stopped. Cheap without work in `each`: commits
/// are read, not their trees.
///
/// The order is git's: a queue of commits by committer time, newest
/// first (the first queued first among equal times), each commit's
/// parents queued as it is taken. Not libgit2's revwalk: sorted by time,
/// it reads every commit of the history before it yields the first (its
/// `limit_list`), 70% of the time of a 1,000-commit window of a
/// 57,000-commit repository.
pub(super) fn walk_window(
    repo: &Repository,
    start: Oid,
    window: Window,
    mut each: impl FnMut(&git2::Commit<'_>) -> Result<(), git2::Error>,
) -> Result<Stop, git2::Error> {
    use std::cmp::Reverse;
    use std::collections::BinaryHeap;

    let head = repo.find_commit(start)?;
    let since = window.since.map(|since| match since {
        Since::Date(t) => t,
        Since::Before(seconds) => head.time().seconds() - seconds,
    });
    let limit = window.commits.unwrap_or(usize::MAX);
    let boundary = shallow_boundary(repo);
    // (committer time, order queued, id): the newest first, then the
    // first queued.
    let mut queue = BinaryHeap::from([(head.time().seconds(), Reverse(0u64), start)]);
    let mut queued = HashSet::from([start]);
    let mut taken = 0;
    while let Some((_, Reverse(order), oid)) = queue.pop() {
        let commit = match order {
            0 => head.clone(),
            _ => repo.find_commit(oid)?,
        };
        if since.is_some_and(|since| commit.time().seconds() < since) {
            return Ok(Stop::Since);
        }
        if boundary.contains(&commit.id()) {
            return Ok(Stop::Boundary);
        }
        for parent in commit.parents() {
            if queued.insert(parent.id()) {
                let next = queued.len() as u64;
                queue.push((parent.time().seconds(), Reverse(next), parent.id()));
            }
        }
        if commit.parent_count() > 1 {
            continue;
        }
        if taken == limit {
            return Ok(Stop::Limit);
        }
        each(&commit)?;
        taken += 1;
    }
    Ok(Stop::End)
}

/// The commits at the boundary of a shallow clone (none for a full
/// repository): their parents are not there, and git would show them
/// adding every file.
pub(super) fn shallow_boundary(repo: &Repository) -> HashSet<Oid> {
    match repo.is_shallow() {
        true => std::fs::read_to_string(repo.path().join("shallow"))
            .unwrap_or_default()
            .lines()
            .filter_map(|line| Oid::from_str(line.trim()).ok())
            .collect(),
        false => HashSet::new(),
    }
}

/// The repository's `.mailmap`, from where libgit2 takes it (the work
/// tree's, or HEAD's in a bare repository, and `mailmap.file` and
/// `mailmap.blob`), but read whole: libgit2 stops at the first entry whose
/// email to replace is empty (`Real <real@x> name <>`) and silently drops
/// every entry after it, where git reads them all (moby's has one on line
/// 69 of 804). Such entries, for commits without an email, are left out.
fn mailmap(repo: &Repository) -> Option<git2::Mailmap> {
    let mut text = String::new();
    let config = repo.config().ok();
    let blob = config
        .as_ref()
        .and_then(|c| c.get_string("mailmap.blob").ok())
        .or_else(|| repo.is_bare().then(|| "HEAD:.mailmap".to_string()));
    if let Some(blob) = blob {
        if let Ok(blob) = repo.revparse_single(&blob).and_then(|o| o.peel_to_blob()) {
            text.push_str(&String::from_utf8_lossy(blob.content()));
            text.push('\n');
        }
    }
    let files = [
        repo.workdir().map(|dir| dir.join(".mailmap")),
        config
            .as_ref()
            .and_then(|c| c.get_path("mailmap.file").ok()),
    ];
    for file in files.into_iter().flatten() {
        if let Ok(content) = std::fs::read(&file) {
            text.push_str(&String::from_utf8_lossy(&content));
            text.push('\n');
        }
    }
    let kept: String = text
        .lines()
        .filter(|line| !replaces_an_empty_email(line))
        .flat_map(|line| [line, "\n"])
        .collect();
    git2::Mailmap::from_buffer(&kept)
        .ok()
        .or_else(|| repo.mailmap().ok())
}

/// Whether a `.mailmap` line's email to replace (its last `<…>`) is empty.
fn replaces_an_empty_email(line: &str) -> bool {
    // (Only a line that starts with `#` is a comment: an email may hold one.)
    if line.trim_start().starts_with('#') {
        return false;
    }
    match (line.rfind('<'), line.rfind('>')) {
        (Some(open), Some(close)) if open < close => line[open + 1..close].trim().is_empty(),
        _ => false,
    }
}

/// A tree entry's mode is a directory's.
fn is_tree(mode: i32) -> bool {
    mode == 0o040000
}

/// The id and mode of what is at `prefix` in `tree` (the tree itself for
/// an empty prefix); `None` when nothing is there.
fn at_prefix(tree: &git2::Tree<'_>, prefix: &Path) -> Result<Option<(Oid, i32)>, git2::Error> {
    if prefix.as_os_str().is_empty() {
        return Ok(Some((tree.id(), 0o040000)));
    }
    match tree.get_path(prefix) {
        Ok(entry) => Ok(Some((entry.id(), entry.filemode()))),
        Err(err) if err.code() == git2::ErrorCode::NotFound => Ok(None),
        Err(err) => Err(err),
    }
}

/// Records that commit `index` changed `path` (once per commit).
fn touch(paths: &mut HashMap<Box<str>, Vec<u32>>, path: &str, index: u32) {
    match paths.get_mut(path) {
        Some(commits) => {
            if commits.last() != Some(&index) {
                commits.push(index);
            }
        }
        None => {
            paths.insert(path.into(), vec![index]);
        }
    }
}

/// The order of tree entries in git: by name, a directory's name read as
/// if it ended in `/`.
fn git_order(a: &[u8], a_tree: bool, b: &[u8], b_tree: bool) -> std::cmp::Ordering {
    let a_end = a_tree.then_some(b'/');
    let b_end = b_tree.then_some(b'/');
    a.iter()
        .copied()
        .chain(a_end)
        .cmp(b.iter().copied().chain(b_end))
}

/// The trees of one comparison: those of the parent's side are kept for
/// the next commit, whose own side they most often are (its parent was
/// this commit's). Memory: the trees that changed in one commit.
struct Trees<'r> {
    repo: &'r Repository,
    /// The parent's side of the last comparison.
    kept: HashMap<Oid, git2::Tree<'r>>,
    /// The parent's side of this one.
    next: HashMap<Oid, git2::Tree<'r>>,
}

impl<'r> Trees<'r> {
    /// A tree of the commit's side.
    fn ours(&mut self, id: Oid) -> Result<git2::Tree<'r>, git2::Error> {
        match self.kept.get(&id) {
            Some(tree) => Ok(tree.clone()),
            None => self.repo.find_tree(id),
        }
    }

    /// A tree of the parent's side, kept for the next commit.
    fn parents(&mut self, id: Oid) -> Result<git2::Tree<'r>, git2::Error> {
        let tree = match self.kept.get(&id) {
            Some(tree) => tree.clone(),
            None => self.repo.find_tree(id)?,
        };
        self.next.insert(id, tree.clone());
        Ok(tree)
    }
}

/// Records every path that differs between trees `old` and `new` (`None`:
/// empty) as changed by commit `index`, descending only into subtrees
/// whose ids differ, with a stack rather than recursion.
fn compare(
    trees: &mut Trees<'_>,
    old: Option<Oid>,
    new: Option<Oid>,
    index: u32,
    paths: &mut HashMap<Box<str>, Vec<u32>>,
) -> Result<(), git2::Error> {
    let mut stack = vec![(old, new, String::new())];
    while let Some((old, new, dir)) = stack.pop() {
        let old = old.map(|id| trees.parents(id)).transpose()?;
        let new = new.map(|id| trees.ours(id)).transpose()?;
        let (a_len, b_len) = (
            old.as_ref().map_or(0, |t| t.len()),
            new.as_ref().map_or(0, |t| t.len()),
        );
        let (mut i, mut j) = (0, 0);
        while i < a_len || j < b_len {
            let a = old.as_ref().filter(|_| i < a_len).and_then(|t| t.get(i));
            let b = new.as_ref().filter(|_| j < b_len).and_then(|t| t.get(j));
            let order = match (&a, &b) {
                (Some(a), Some(b)) => git_order(
                    a.name_bytes(),
                    is_tree(a.filemode()),
                    b.name_bytes(),
                    is_tree(b.filemode()),
                ),
                (Some(_), None) => std::cmp::Ordering::Less,
                _ => std::cmp::Ordering::Greater,
            };
            let (a, b) = match order {
                std::cmp::Ordering::Less => {
                    i += 1;
                    (a, None)
                }
                std::cmp::Ordering::Greater => {
                    j += 1;
                    (None, b)
                }
                std::cmp::Ordering::Equal => {
                    i += 1;
                    j += 1;
                    if a.as_ref().map(|e| (e.id(), e.filemode()))
                        == b.as_ref().map(|e| (e.id(), e.filemode()))
                    {
                        continue;
                    }
                    (a, b)
                }
            };
            let entry = a.as_ref().or(b.as_ref()).expect("one side has it");
            let name = crate::escape::escape(entry.name_bytes());
            let path = if dir.is_empty() {
                name.into_owned()
            } else {
                format!("{dir}/{name}")
            };
            touch(paths, &path, index);
            let tree = |e: &Option<git2::TreeEntry<'_>>| {
                e.as_ref()
                    .filter(|e| e.kind() == Some(ObjectType::Tree))
                    .map(|e| e.id())
            };
            let (a_tree, b_tree) = (tree(&a), tree(&b));
            if a_tree.is_some() || b_tree.is_some() {
                stack.push((a_tree, b_tree, path));
            }
        }
    }
    Ok(())
}

/// The files of `commit` below `prefix`, keyed as history paths are.
fn files(
    repo: &Repository,
    commit: &git2::Commit<'_>,
    prefix: &Path,
) -> Result<HashSet<Box<str>>, git2::Error> {
    let mut files = HashSet::new();
    let Some((id, mode)) = at_prefix(&commit.tree()?, prefix)? else {
        return Ok(files);
    };
    if !is_tree(mode) {
        files.insert("".into());
        return Ok(files);
    }
    let mut stack = vec![(id, String::new())];
    while let Some((id, dir)) = stack.pop() {
        let tree = repo.find_tree(id)?;
        for entry in tree.iter() {
            let name = crate::escape::escape(entry.name_bytes());
            let path = if dir.is_empty() {
                name.into_owned()
            } else {
                format!("{dir}/{name}")
            };
            if entry.kind() == Some(ObjectType::Tree) {
                stack.push((entry.id(), path));
            } else {
                files.insert(path.into());
            }
        }
    }
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mailmap_lines_that_replace_an_empty_email_are_told() {
        assert!(replaces_an_empty_email("Andrew B <a@x.me> andrew <>"));
        assert!(replaces_an_empty_email("Someone < >"));
        assert!(!replaces_an_empty_email("Bob <bob@x> Bobby <bob@old>"));
        assert!(!replaces_an_empty_email("Bob <bob@x>"));
        assert!(!replaces_an_empty_email("# a comment <>"));
        assert!(!replaces_an_empty_email(""));
    }

    #[test]
    fn git_orders_a_directory_as_if_its_name_ended_in_a_slash() {
        use std::cmp::Ordering::*;
        assert_eq!(git_order(b"a.c", false, b"a", true), Less);
        assert_eq!(git_order(b"a", false, b"a", true), Less);
        assert_eq!(git_order(b"a0", false, b"a", true), Greater);
        assert_eq!(git_order(b"b", false, b"a", false), Greater);
    }
}
