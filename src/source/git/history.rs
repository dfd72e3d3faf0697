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
//! (`git log --no-renames`). Following them means rename detection on
//! every commit that adds and deletes files, which costs a content
//! comparison per candidate pair (measured in bench/hotspots); the old
//! path's commits stay with its old directory either way.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use git2::{ObjectType, Oid, Repository, Sort};

use crate::config::{Config, Repo, Since, Source, Window};
use crate::error::{Error, display_path};
use crate::history::{Commit, History};

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
/// directory is in (at HEAD), or the one of `--rev`. Fails, saying why,
/// when there is none, or no commit to start from.
pub(crate) fn open(config: &Config) -> Result<Opened, Error> {
    let option = config.history_wanted().unwrap_or_default();
    let (path, rev, work_tree) = match &config.source {
        Source::Directory(path) => (path, None, true),
        Source::Revision {
            repo: Repo::Local(path),
            rev,
        } => (path, rev.as_deref(), false),
        Source::Revision {
            repo: Repo::Remote(url),
            ..
        } => {
            return Err(Error::History {
                path: crate::error::redact(url).into_owned(),
                option,
                reason: "a URL is cloned without its history; clone it, then give its path"
                    .to_string(),
            });
        }
        Source::History { .. } => {
            return Err(Error::History {
                path: config.source.describe(),
                option,
                reason: "--history draws many revisions; give one with --rev".into(),
            });
        }
        Source::Diff { .. } => {
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
    let revision = super::resolve(&opened, rev).map_err(|err| match err {
        Error::Revision { reason, .. } if rev.is_none() => error(reason),
        other => other,
    })?;
    let Some(commit) = revision
        .commit
        .as_deref()
        .and_then(|c| Oid::from_str(c).ok())
    else {
        return Err(Error::Revision {
            rev: revision.rev,
            reason: format!("names a tree, which has no history for {option}"),
        });
    };
    Ok(Opened {
        revision: revision.rev,
        work_tree: work_tree && opened.repo.workdir().is_some(),
        repo: opened.repo,
        prefix: opened.prefix,
        commit,
    })
}

impl Opened {
    /// Reads the history of the window.
    pub(crate) fn read(&self, window: Window) -> Result<History, Error> {
        self.read_commits(window).map_err(|err| Error::Repository {
            path: display_path(self.repo.path()),
            reason: format!("reading its history: {}", err.message()),
        })
    }

    fn read_commits(&self, window: Window) -> Result<History, git2::Error> {
        let repo = &self.repo;
        let head = repo.find_commit(self.commit)?;
        let reference = (head.time().seconds(), head.time().offset_minutes());
        let since = window.since.map(|since| match since {
            Since::Date(t) => t,
            Since::Before(seconds) => reference.0 - seconds,
        });
        let limit = window.commits.unwrap_or(usize::MAX);
        let mailmap = repo.mailmap().ok();
        let mut walk = repo.revwalk()?;
        walk.set_sorting(Sort::TIME)?;
        walk.push(self.commit)?;

        let mut history = History {
            reference,
            revision: self.revision.clone(),
            window,
            whole: true,
            ..History::default()
        };
        // The commits at the boundary of a shallow clone: their parents
        // are not there, and git would show them adding every file.
        let boundary: HashSet<Oid> = match repo.is_shallow() {
            true => std::fs::read_to_string(repo.path().join("shallow"))
                .unwrap_or_default()
                .lines()
                .filter_map(|line| Oid::from_str(line.trim()).ok())
                .collect(),
            false => HashSet::new(),
        };
        let mut author_ids: HashMap<String, u32> = HashMap::new();
        let mut kept = HashMap::new();
        for oid in walk {
            let commit = repo.find_commit(oid?)?;
            if since.is_some_and(|since| commit.time().seconds() < since) {
                history.whole = false;
                break;
            }
            if boundary.contains(&commit.id()) {
                history.whole = false;
                history.shallow = true;
                break;
            }
            if commit.parent_count() > 1 {
                continue;
            }
            if history.commits.len() == limit {
                history.whole = false;
                break;
            }
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
        }
        if self.work_tree {
            history.tracked = Some(files(repo, &head, &self.prefix)?);
        }
        Ok(history)
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
    fn git_orders_a_directory_as_if_its_name_ended_in_a_slash() {
        use std::cmp::Ordering::*;
        assert_eq!(git_order(b"a.c", false, b"a", true), Less);
        assert_eq!(git_order(b"a", false, b"a", true), Less);
        assert_eq!(git_order(b"a0", false, b"a", true), Greater);
        assert_eq!(git_order(b"b", false, b"a", false), Greater);
    }
}
