//! The sample history against git: the tests take their expected values
//! from its model ([`History`](crate::support::history::History)), so the
//! model must be what git holds, commit by commit and entry by entry; and
//! the copies made from a repository (bare, worktree, shallow, empty,
//! archive) must be what they are said to be.

use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use crate::support::git::{DAY, EPOCH, git_at, git_output_at};
use crate::support::history::{Change, MODE_GITLINK, MODE_SYMLINK, sample_history};
use crate::support::run::describe;

/// Every entry below `dir`, relative to it with `/` separators (an empty
/// directory as `path/`), sorted.
fn listing(dir: &Path) -> Vec<String> {
    fn walk(dir: &Path, rel: &str, out: &mut Vec<String>) {
        let mut empty = true;
        for entry in std::fs::read_dir(dir).unwrap().map(Result::unwrap) {
            empty = false;
            let name = format!("{rel}{}", entry.file_name().to_str().unwrap());
            match entry.file_type().unwrap().is_dir() {
                true => walk(&entry.path(), &format!("{name}/"), out),
                false => out.push(name),
            }
        }
        if empty {
            out.push(rel.to_string());
        }
    }
    let mut out = Vec::new();
    walk(dir, "", &mut out);
    out.sort();
    out
}

#[test]
fn the_sample_history_and_its_copies_are_what_the_model_says() {
    let (repo, history) = sample_history();
    assert_eq!(history.main, SAMPLE_MAIN, "not the same shas as ever");
    assert_eq!(repo.git(["status", "--porcelain"]), "", "clean work tree");
    let (v2, v2_tag) = (&history.v2, &history.v2_tag);
    for (rev, sha) in [
        ("HEAD", &history.main),
        ("feature", &history.feature),
        ("v1", &history.v1),
        ("v2", v2_tag),
        ("v2^{commit}", v2),
        ("feature~1", v2),
        ("main~1", v2),
    ] {
        assert_eq!(repo.rev_parse(rev), *sha, "{rev}");
    }
    let tags = repo.git([
        "for-each-ref",
        "--format=%(refname) %(objecttype)",
        "refs/tags",
    ]);
    assert_eq!(
        tags, "refs/tags/v1 commit\nrefs/tags/v2 tag",
        "v1 light, v2 annotated"
    );

    // Each commit: parent, message, date, abbreviation, branch.
    let log = repo.git(["log", "--all", "--format=%H|%P|%s|%ct|%cs|%h"]);
    assert_eq!(log.lines().count(), history.commits.len());
    for line in log.lines() {
        let c = history.commit(&line[..40]);
        let parent = c.parent.as_deref().unwrap_or("");
        let modelled = format!(
            "{}|{parent}|{}|{}|{}|{}",
            c.sha, c.message, c.time, c.date, c.short
        );
        assert_eq!(line, modelled);
    }
    for (i, commit) in history.commits.iter().enumerate() {
        assert_eq!(commit.time, EPOCH + i as i64 * DAY, "commit {i}");
        assert_eq!(commit.branch, if i == 6 { "feature" } else { "main" });
    }

    // Each tree, entry by entry: path, mode, and the blob (its content
    // hashed as git does) or the gitlink's commit.
    for commit in &history.commits {
        let listed = repo.git(["ls-tree", "-r", "--full-tree", &commit.sha]);
        let modelled: Vec<String> = commit
            .tree
            .iter()
            .map(|(path, entry)| {
                let (kind, oid) = match entry.mode {
                    MODE_GITLINK => ("commit", entry.text()),
                    _ => {
                        let blob = git2::Oid::hash_object(git2::ObjectType::Blob, &entry.data);
                        ("blob", blob.expect("hash").to_string())
                    }
                };
                format!("{:06o} {kind} {oid}\t{path}", entry.mode)
            })
            .collect();
        assert_eq!(listed, modelled.join("\n"), "tree of {}", commit.message);
    }

    // What each commit changed, renames detected.
    for commit in &history.commits {
        let args = ["-r", "-M", "--root", "--no-commit-id", "--name-status"];
        let diff = repo.git([&["diff-tree"], &args[..], &[&commit.sha]].concat());
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

    // What is not the model's doing: the URL git recorded for the
    // submodule, and the tracked file that `.gitignore` does ignore.
    assert_eq!(
        history.tree(&history.main)[".gitmodules"].text(),
        "[submodule \"vendor/greet\"]\n\tpath = vendor/greet\n\turl = ../greet-lib\n"
    );
    let path = history.ignored_tracked_path;
    let ignored = repo.git_output(["check-ignore", "-q", "--no-index", path]);
    assert!(ignored.status.success(), "{path}: {}", describe(&ignored));

    // The copies: a bare clone with every ref and its objects packed…
    let bare = repo.bare_clone("sample.git");
    let git = |dir: &Path, args: &[&str]| git_at(dir, args);
    let refs = git(
        &bare,
        &["rev-parse", "--is-bare-repository", "HEAD", "feature", "v2"],
    );
    let (main, feature) = (&history.main, &history.feature);
    assert_eq!(refs, format!("true\n{main}\n{feature}\n{v2_tag}"));
    let objects = git(&bare, &["count-objects", "-v"]);
    let packed = ["count: 0", "packs: 1"].map(|l| objects.lines().any(|o| o == l));
    assert_eq!(packed, [true, true], "{objects}");
    // …linked worktrees, whose `.git` is a file, on a branch or detached…
    for (rev, name) in [
        ("feature", "sample-feature"),
        (&history.v1[..], "sample-v1"),
    ] {
        let wt = repo.worktree(rev, name);
        let dot_git = std::fs::read_to_string(wt.join(".git")).expect(".git is a file");
        assert!(dot_git.starts_with("gitdir: "), "{dot_git}");
        assert_eq!(git(&wt, &["rev-parse", "HEAD"]), repo.rev_parse(rev));
    }
    // …a shallow clone of one commit…
    let shallow = repo.shallow_clone(1, "sample-shallow");
    let head = git(&shallow, &["rev-parse", "--is-shallow-repository", "HEAD"]);
    assert_eq!(head, format!("true\n{main}"));
    assert_eq!(git(&shallow, &["rev-list", "--count", "HEAD"]), "1");
    // …repositories without commits…
    let empty = [
        (repo.empty("nothing"), "false"),
        (repo.empty_bare("nothing.git"), "true"),
    ];
    for (empty, bare) in empty {
        assert_eq!(git(&empty, &["rev-parse", "--is-bare-repository"]), bare);
        let head = git_output_at(&empty, ["rev-parse", "--verify", "-q", "HEAD"]);
        assert!(!head.status.success(), "{}", describe(&head));
    }
    // …and an archive holding exactly the tree: files, symlinks, and
    // gitlinks as empty directories.
    let dest = repo.base().join("archive-v2");
    repo.archive("v2", &dest);
    let tree = history.tree(v2);
    for (path, entry) in tree {
        let on_disk = dest.join(path);
        match entry.mode {
            MODE_SYMLINK => {
                let target = std::fs::read_link(&on_disk).expect("a symlink");
                assert_eq!(target.as_os_str().as_bytes(), entry.data, "{path}");
            }
            MODE_GITLINK => assert!(on_disk.is_dir(), "{path}"),
            _ => assert_eq!(
                std::fs::read(&on_disk).expect("a file"),
                entry.data,
                "{path}"
            ),
        }
    }
    let modelled: Vec<String> = tree
        .iter()
        .map(|(p, e)| match e.mode {
            MODE_GITLINK => format!("{p}/"),
            _ => p.clone(),
        })
        .collect();
    assert_eq!(listing(&dest), modelled);
}

/// `HEAD` of [`sample_history`], written down: shas must not depend on the
/// machine, the day or the run.
const SAMPLE_MAIN: &str = "795f37f0031932126d25df6ae9ef85b4dbc91f2b";
