//! The revisions of `--history`: a list as given, the releases (tags)
//! between two revisions, or first-parent commits sampled at an interval.

use std::collections::HashMap;

use git2::{Oid, Repository, Sort};

use super::{Opened, Revision, resolve};
use crate::config::{HistorySpec, MAX_HISTORY_SAMPLES};
use crate::error::Error;

/// The revisions `spec` names, oldest first as given, each resolved, and a
/// note when there were more than [`MAX_HISTORY_SAMPLES`].
pub(crate) fn samples(
    opened: &Opened,
    spec: &HistorySpec,
) -> Result<(Vec<Revision>, Option<String>), Error> {
    let named: Vec<(String, String)> = match spec {
        HistorySpec::List(revs) => {
            if revs.is_empty() {
                return Err(Error::Revision {
                    rev: String::new(),
                    reason: "--history names no revision: give A..B or a list v1.0,v1.1".into(),
                });
            }
            revs.iter().map(|r| (r.clone(), r.clone())).collect()
        }
        HistorySpec::Range { from, to, every } => {
            let first = resolve(opened, Some(from))?;
            let last = resolve(opened, Some(to))?;
            let (Some(first_commit), Some(last_commit)) = (&first.commit, &last.commit) else {
                return Err(Error::Revision {
                    rev: format!("{from}..{to}"),
                    reason: "a range needs two commits, not trees".into(),
                });
            };
            let first_commit = Oid::from_str(first_commit).expect("a commit id");
            let last_commit = Oid::from_str(last_commit).expect("a commit id");
            let between = match every {
                Some(seconds) => sampled(&opened.repo, first_commit, last_commit, *seconds),
                None => tagged(&opened.repo, first_commit, last_commit),
            }
            .map_err(|err| Error::Revision {
                rev: format!("{from}..{to}"),
                reason: err.message().to_string(),
            })?;
            if between.is_empty() && every.is_none() {
                return Err(Error::Revision {
                    rev: format!("{from}..{to}"),
                    reason: format!(
                        "no tags between {from} and {to}: name the revisions \
                         (--history {from},{to}) or sample them (--every 30d)"
                    ),
                });
            }
            let mut named = vec![(from.clone(), first_commit.to_string())];
            let last_id = last_commit.to_string();
            for (label, id) in between {
                if id != named[named.len() - 1].1 && id != last_id {
                    named.push((label, id));
                }
            }
            if last_id != named[named.len() - 1].1 || named.len() == 1 {
                named.push((to.clone(), last_id));
            }
            named
        }
    };
    let total = named.len();
    let kept = thin(named, MAX_HISTORY_SAMPLES);
    let note = (kept.len() < total).then(|| {
        format!(
            "--history: {} of {total} revisions drawn, evenly spread (at most {MAX_HISTORY_SAMPLES})",
            kept.len()
        )
    });
    let revisions = kept
        .into_iter()
        .map(|(label, lookup)| {
            let mut revision = resolve(opened, Some(&lookup)).map_err(|err| match err {
                Error::Revision { reason, .. } => Error::Revision {
                    rev: label.clone(),
                    reason,
                },
                other => other,
            })?;
            revision.rev = label;
            Ok(revision)
        })
        .collect::<Result<Vec<_>, Error>>()?;
    Ok((revisions, note))
}

/// At most `max` of `items`, evenly spread, the first and last kept.
fn thin<T>(items: Vec<T>, max: usize) -> Vec<T> {
    let n = items.len();
    if n <= max || max < 2 {
        return items;
    }
    let wanted: Vec<usize> = (0..max).map(|i| i * (n - 1) / (max - 1)).collect();
    items
        .into_iter()
        .enumerate()
        .filter(|(i, _)| wanted.binary_search(i).is_ok())
        .map(|(_, item)| item)
        .collect()
}

/// The tagged commits reachable from `to` and not from `from`, oldest
/// first (topological, then by time), each with its tag's name (the first
/// by name when several tag one commit).
fn tagged(repo: &Repository, from: Oid, to: Oid) -> Result<Vec<(String, String)>, git2::Error> {
    let mut tags: HashMap<Oid, String> = HashMap::new();
    repo.tag_foreach(|id, name| {
        let name = String::from_utf8_lossy(name);
        let name = name.strip_prefix("refs/tags/").unwrap_or(&name).to_string();
        if let Ok(commit) = repo.find_object(id, None).and_then(|o| o.peel_to_commit()) {
            let entry = tags.entry(commit.id()).or_insert_with(|| name.clone());
            if name < *entry {
                *entry = name;
            }
        }
        true
    })?;
    let mut walk = repo.revwalk()?;
    walk.set_sorting(Sort::TOPOLOGICAL | Sort::TIME | Sort::REVERSE)?;
    walk.push(to)?;
    walk.hide(from)?;
    let mut found = Vec::new();
    for id in walk {
        let id = id?;
        if let Some(name) = tags.get(&id) {
            found.push((name.clone(), id.to_string()));
        }
    }
    Ok(found)
}

/// The first-parent commits from `from` to `to`, oldest first, sampled so
/// that each is at least `every` seconds after the one before (by commit
/// time); each labelled with its date and short id.
fn sampled(
    repo: &Repository,
    from: Oid,
    to: Oid,
    every: i64,
) -> Result<Vec<(String, String)>, git2::Error> {
    let start = repo.find_commit(from)?.time().seconds();
    let mut chain = Vec::new();
    let mut commit = repo.find_commit(to)?;
    loop {
        let time = commit.time();
        chain.push((commit.id(), time.seconds(), time.offset_minutes()));
        // Down to `from`, or to where the first parents are older than it
        // (`from` is on another line).
        if commit.id() == from || commit.parent_count() == 0 || time.seconds() < start {
            break;
        }
        commit = commit.parent(0)?;
    }
    chain.reverse();
    let mut found = Vec::new();
    let mut last: Option<i64> = None;
    for (id, seconds, offset) in chain {
        if last.is_some_and(|last| seconds < last + every) {
            continue;
        }
        last = Some(seconds);
        let date = crate::units::civil_date(seconds + i64::from(offset) * 60);
        let short: String = id.to_string().chars().take(7).collect();
        found.push((format!("{date} {short}"), id.to_string()));
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::thin;

    #[test]
    fn thinning_keeps_the_ends_and_spreads_the_rest() {
        let kept = thin((0..10).collect(), 4);
        assert_eq!(kept, [0, 3, 6, 9]);
        assert_eq!(thin((0..3).collect(), 4), [0, 1, 2]);
        assert_eq!(thin((0..500).collect::<Vec<_>>(), 200).len(), 200);
    }
}
