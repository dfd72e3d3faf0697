//! History: which commits of a window changed each path, and what the
//! colours, hover texts and reports say of it (commits, last change,
//! authors). Plain data: the git source reads it
//! (`source::git::history`), the renderers only look paths up.
//!
//! Memory is per path and per commit, never per line: each path changed in
//! the window (files and directories) holds the indices of the commits that
//! changed it, about as many numbers as `git log --name-only` prints lines.
//! A directory's commits are the distinct commits that changed anything
//! below it, recorded when its tree changed (not the sum of its files').

use std::collections::{HashMap, HashSet};

use crate::config::Window;

/// The history of the paths below the source root.
#[derive(Clone, Debug, Default)]
pub(crate) struct History {
    /// The commits of the window, newest first.
    pub(crate) commits: Vec<Commit>,
    /// Authors by id, as `.mailmap` names them.
    pub(crate) authors: Vec<String>,
    /// For each path changed in the window (escaped components joined by
    /// `/`, relative to the source root; `""` is the root), the commits
    /// that changed it, as ascending indices into `commits` (newest first).
    pub(crate) paths: HashMap<Box<str>, Vec<u32>>,
    /// In a work tree, the files of HEAD below the source root: a file not
    /// there is not committed. `None` for a revision, where all are.
    pub(crate) tracked: Option<HashSet<Box<str>>>,
    /// The counted revision's commit time and its time zone (minutes east
    /// of UTC): ages are measured from it, so that the output of one
    /// revision does not change with the day it is drawn.
    pub(crate) reference: (i64, i32),
    /// The counted revision as the user named it (`HEAD` in a work tree).
    pub(crate) revision: String,
    /// The window asked for.
    pub(crate) window: Window,
    /// Whether the window took every commit reachable (it did not stop at
    /// `--commits` or `--since`).
    pub(crate) whole: bool,
    /// Whether it stopped at the boundary of a shallow clone, whose
    /// commits' parents are not there (what they changed is unknown).
    pub(crate) shallow: bool,
}

/// One commit of the window.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Commit {
    /// Committer time, seconds since the epoch (what `git log --since`
    /// and its order go by).
    pub(crate) time: i64,
    /// The committer's time zone, minutes east of UTC.
    pub(crate) offset: i32,
    /// Index into [`History::authors`].
    pub(crate) author: u32,
}

/// What the history says of one path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Stats {
    /// Distinct commits of the window that changed it.
    pub(crate) commits: u32,
    /// The newest of them.
    pub(crate) last: Commit,
    /// Distinct authors of those commits.
    pub(crate) authors: u32,
    /// The author of most of them (the first by name on a tie).
    pub(crate) top_author: String,
    /// How many of them are the top author's.
    pub(crate) top_commits: u32,
}

/// What a path's history is, as a frame shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Entry {
    /// Changed in the window.
    Changed(Stats),
    /// Committed, but not changed in the window.
    Unchanged,
    /// In a work tree, a file that is not in HEAD.
    Uncommitted,
}

impl History {
    /// What the history says of the file or directory at `key`.
    pub(crate) fn entry(&self, key: &str, is_file: bool) -> Entry {
        match self.paths.get(key) {
            Some(indices) if !indices.is_empty() => Entry::Changed(self.stats(indices)),
            _ => match &self.tracked {
                Some(tracked) if is_file && !tracked.contains(key) => Entry::Uncommitted,
                _ => Entry::Unchanged,
            },
        }
    }

    /// The history as the `--by-language` view draws it, keyed by the
    /// view's paths (the language frame, then the file's path): a file
    /// keeps its own, a directory has the distinct commits that changed
    /// *that language's* files below it (not everything below it), a
    /// language frame those of all its files; the root keeps its own.
    /// `files` gives each file's view key and its key here.
    pub(crate) fn by_language(&self, files: impl Iterator<Item = (String, String)>) -> History {
        let mut paths: HashMap<Box<str>, Vec<u32>> = HashMap::new();
        let mut tracked = self.tracked.as_ref().map(|_| HashSet::new());
        for (view, key) in files {
            if let (Some(view_tracked), Some(ours)) = (tracked.as_mut(), self.tracked.as_ref()) {
                if ours.contains(key.as_str()) {
                    view_tracked.insert(Box::from(view.as_str()));
                }
            }
            let Some(commits) = self.paths.get(key.as_str()).filter(|c| !c.is_empty()) else {
                continue;
            };
            // The file, then each directory above it up to the language.
            let mut end = view.len();
            loop {
                paths
                    .entry(Box::from(&view[..end]))
                    .or_default()
                    .extend_from_slice(commits);
                match view[..end].rfind('/') {
                    Some(slash) => end = slash,
                    None => break,
                }
            }
        }
        for commits in paths.values_mut() {
            commits.sort_unstable();
            commits.dedup();
        }
        if let Some(root) = self.paths.get("") {
            paths.insert("".into(), root.clone());
        }
        History {
            paths,
            tracked,
            ..self.clone_without_paths()
        }
    }

    /// Everything but the paths and the files tracked.
    fn clone_without_paths(&self) -> History {
        History {
            commits: self.commits.clone(),
            authors: self.authors.clone(),
            paths: HashMap::new(),
            tracked: None,
            reference: self.reference,
            revision: self.revision.clone(),
            window: self.window,
            whole: self.whole,
            shallow: self.shallow,
        }
    }

    /// How many commits of the window changed the path at `key`.
    pub(crate) fn commits(&self, key: &str) -> u64 {
        self.paths.get(key).map_or(0, |c| c.len() as u64)
    }

    fn stats(&self, indices: &[u32]) -> Stats {
        let mut by_author: HashMap<u32, u32> = HashMap::new();
        for &i in indices {
            *by_author
                .entry(self.commits[i as usize].author)
                .or_default() += 1;
        }
        let (top, top_commits) = by_author
            .iter()
            .map(|(&author, &n)| (author, n))
            .max_by(|a, b| {
                a.1.cmp(&b.1)
                    .then_with(|| self.authors[b.0 as usize].cmp(&self.authors[a.0 as usize]))
            })
            .unwrap_or_default();
        Stats {
            commits: indices.len() as u32,
            last: self.commits[indices[0] as usize],
            authors: by_author.len() as u32,
            top_author: self.authors.get(top as usize).cloned().unwrap_or_default(),
            top_commits,
        }
    }

    /// The window in words, for subtitles and reports: "the last 1,000
    /// commits", "4 commits since 2025-01-01", "all 12 commits".
    pub(crate) fn describe(&self) -> String {
        let n = crate::units::thousands(self.commits.len() as u64);
        let commits = match self.commits.len() {
            1 => "1 commit".to_string(),
            _ => format!("{n} commits"),
        };
        let since = match self.window.since {
            Some(crate::config::Since::Date(t)) => Some(date(t, 0)),
            Some(crate::config::Since::Before(secs)) => Some(date(self.reference.0 - secs, 0)),
            None => None,
        };
        let window = match (self.whole, since) {
            (_, Some(since)) => format!("{commits} since {since}"),
            (true, None) => match self.commits.len() {
                1 => "the only commit".to_string(),
                _ => format!("all {commits}"),
            },
            (false, None) => format!("the last {commits}"),
        };
        match self.shallow {
            true => format!("{window} (a shallow clone: its history is cut there)"),
            false => window,
        }
    }

    /// How long before the counted revision `commit` was made, in words:
    /// "today", "3 days", "3 weeks", "5 months", "2 years".
    pub(crate) fn age(&self, commit: &Commit) -> String {
        ago(self.reference.0 - commit.time)
    }
}

/// A span of seconds in the largest unit that fits, rounded down.
pub(crate) fn ago(seconds: i64) -> String {
    let days = seconds.max(0) / 86_400;
    let (n, unit) = match days {
        0 => return "the same day".to_string(),
        1..=13 => (days, "day"),
        14..=59 => (days / 7, "week"),
        60..=729 => (days / 30, "month"),
        _ => (days / 365, "year"),
    };
    format!("{n} {unit}{}", if n == 1 { "" } else { "s" })
}

/// `YYYY-MM-DD` of `seconds` since the epoch in the time zone `offset`
/// minutes east of UTC.
pub(crate) fn date(seconds: i64, offset: i32) -> String {
    crate::units::civil_date(seconds + i64::from(offset) * 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn history() -> History {
        let commit = |time, author| Commit {
            time,
            offset: 0,
            author,
        };
        let mut paths = HashMap::new();
        paths.insert("".into(), vec![0, 1, 2]);
        paths.insert("src".into(), vec![0, 2]);
        paths.insert("src/a.rs".into(), vec![0, 2]);
        paths.insert("b.rs".into(), vec![1]);
        History {
            commits: vec![
                commit(86_400 * 30, 1),
                commit(86_400 * 20, 0),
                commit(86_400 * 10, 1),
            ],
            authors: vec!["Ann".into(), "Bob".into()],
            paths,
            tracked: Some(["src/a.rs", "b.rs", "c.rs"].map(Box::from).into()),
            reference: (86_400 * 31, 0),
            revision: "HEAD".into(),
            window: Window::default(),
            whole: true,
            shallow: false,
        }
    }

    #[test]
    fn stats_count_commits_authors_and_the_newest_change() {
        let history = history();
        let Entry::Changed(root) = history.entry("", false) else {
            panic!("the root changed")
        };
        assert_eq!(root.commits, 3);
        assert_eq!(root.authors, 2);
        assert_eq!((root.top_author.as_str(), root.top_commits), ("Bob", 2));
        assert_eq!(root.last.time, 86_400 * 30);
        let Entry::Changed(b) = history.entry("b.rs", true) else {
            panic!("b.rs changed")
        };
        assert_eq!((b.commits, b.authors, b.last.time), (1, 1, 86_400 * 20));
        assert_eq!(history.entry("c.rs", true), Entry::Unchanged);
        assert_eq!(history.entry("new.rs", true), Entry::Uncommitted);
        assert_eq!(history.describe(), "all 3 commits");
        assert_eq!(history.age(&history.commits[2]), "3 weeks");
    }

    #[test]
    fn ages_round_down_in_the_largest_unit() {
        let day = 86_400;
        assert_eq!(ago(3600), "the same day");
        assert_eq!(ago(day), "1 day");
        assert_eq!(ago(13 * day), "13 days");
        assert_eq!(ago(14 * day), "2 weeks");
        assert_eq!(ago(60 * day), "2 months");
        assert_eq!(ago(729 * day), "24 months");
        assert_eq!(ago(730 * day), "2 years");
    }
}
