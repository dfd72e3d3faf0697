//! `--color churn|age|authors` (issue 12): the history of each file and
//! directory in a window of commits, on a repository built here with a
//! known history: dated commits by three authors (one under two names,
//! folded by `.mailmap`), a rename, a deleted directory, a merge, and an
//! uncommitted file. Every number is written down, and checked against
//! what `git log` says of the same history.

use std::collections::{BTreeMap, BTreeSet};
use std::process::Output;

use serde_json::Value;

use crate::support::output::{assert_fails_cleanly, svg_frames};
use crate::support::repo::TestRepo;
use crate::support::run::{Run, assert_ok};

/// The history, a commit a day from 2024-01-01 (EPOCH):
///
/// ```text
/// C1 01-01 Ada    add setup.py, src/main.rs, src/util.rs, lib/old.py
/// C2 01-02 Bob    src/main.rs
/// C3 01-03 Bobby <bob@old.example> (Bob by .mailmap)  src/main.rs, src/util.rs
/// C4 01-04 Ada    move src/util.rs to core/util.rs (same content)
/// C5 01-05 Cleo   core/util.rs, on branch feature
/// C6 01-06 Ada    src/main.rs, delete lib/
/// M  01-07        merge feature (not in the window: a merge)
/// C7 01-08 Ada    src/main.rs, add .mailmap
/// ```
///
/// and `scratch.rs`, never committed.
pub(crate) fn known_history() -> TestRepo {
    let repo = TestRepo::new("proj");
    let main = |n: usize| -> String {
        (0..n)
            .map(|i| format!("fn f{i}() {{}}\n"))
            .collect::<String>()
    };
    repo.file("setup.py", "print(\"proj\")\n")
        .file("src/main.rs", main(1))
        .file("src/util.rs", "fn util() {}\n")
        .file("lib/old.py", "x = 1\n")
        .commit("C1");
    repo.file("src/main.rs", main(2));
    repo.commit_as("Bob <bob@example.com>", "C2");
    repo.file("src/main.rs", main(3))
        .file("src/util.rs", "fn util() {}\nfn more() {}\n");
    repo.commit_as("Bobby <bob@old.example>", "C3");
    repo.rename("src/util.rs", "core/util.rs").commit("C4");
    repo.branch("feature").checkout("feature");
    repo.file("core/util.rs", "fn util() {}\nfn more() {}\nfn cleo() {}\n");
    repo.commit_as("Cleo <cleo@example.com>", "C5");
    repo.checkout("main");
    repo.file("src/main.rs", main(4))
        .remove("lib/old.py")
        .commit("C6");
    repo.merge("feature", "M");
    repo.file("src/main.rs", main(5))
        .file(
            ".mailmap",
            "Bob <bob@example.com> Bobby <bob@old.example>\n",
        )
        .commit("C7");
    repo.file("scratch.rs", "fn scratch() {}\n");
    repo
}

/// Runs repoflame in the work tree.
fn run(repo: &TestRepo, args: &[&str]) -> Output {
    repo.cmd().args(args).complete()
}

/// The JSON report's entries by path: (commits, authors, last change).
fn report(repo: &TestRepo, args: &[&str]) -> (Value, BTreeMap<String, (u64, u64, Value)>) {
    let args = [&["-f", "json", "-q"], args].concat();
    let json: Value = serde_json::from_str(&assert_ok(&run(repo, &args))).expect("JSON");
    let entries = history_entries(&json);
    (json, entries)
}

/// A JSON report's files by path: (commits, authors, last change).
fn history_entries(json: &Value) -> BTreeMap<String, (u64, u64, Value)> {
    json["files"]
        .as_array()
        .expect("files")
        .iter()
        .map(|f| {
            let h = &f["history"];
            let numbers = (
                h["commits"].as_u64().expect("commits"),
                h["authors"].as_u64().expect("authors"),
                h["last_change"].clone(),
            );
            (f["path"].as_str().unwrap().to_string(), numbers)
        })
        .collect()
}

/// What `git log --no-merges --no-renames --name-only ARGS` says of every
/// path and each directory above it: distinct commits, distinct authors
/// (`%aN <%aE>`, by .mailmap), the newest commit's date.
fn git_log(repo: &TestRepo, args: &[&str]) -> BTreeMap<String, (u64, u64, Value)> {
    let log = repo.git(
        [
            &[
                "log",
                "--no-merges",
                "--no-renames",
                "--name-only",
                "--format=@@%aN <%aE>%x00%cs",
            ],
            args,
        ]
        .concat(),
    );
    let mut paths: BTreeMap<String, (BTreeSet<usize>, BTreeSet<String>, String)> = BTreeMap::new();
    let (mut commit, mut author, mut date) = (0, String::new(), String::new());
    for line in log.lines() {
        if let Some(header) = line.strip_prefix("@@") {
            let (a, d) = header.split_once('\0').expect("author and date");
            (author, date) = (a.to_string(), d.to_string());
            commit += 1;
            continue;
        }
        if line.is_empty() {
            continue;
        }
        let parts: Vec<&str> = line.split('/').collect();
        for end in 1..=parts.len() {
            let entry = paths.entry(parts[..end].join("/")).or_default();
            entry.0.insert(commit);
            entry.1.insert(author.clone());
            if entry.2.is_empty() {
                entry.2 = date.clone();
            }
        }
    }
    paths
        .into_iter()
        .map(|(path, (commits, authors, date))| {
            let numbers = (commits.len() as u64, authors.len() as u64, date.into());
            (path, numbers)
        })
        .collect()
}

/// Checks every entry of the report against `git log` (entries git does
/// not name have no commits).
fn assert_agrees_with_git(
    entries: &BTreeMap<String, (u64, u64, Value)>,
    git: &BTreeMap<String, (u64, u64, Value)>,
) {
    for (path, numbers) in entries {
        let expected = git.get(path).cloned().unwrap_or((0, 0, Value::Null));
        assert_eq!(numbers, &expected, "{path}: repoflame, then git log");
    }
}

fn numbers(commits: u64, authors: u64, last: &str) -> (u64, u64, Value) {
    (commits, authors, Value::from(last))
}

#[test]
fn each_file_and_directory_has_its_history_as_git_log_tells_it() {
    let repo = known_history();
    let (json, files) = report(&repo, &["--color", "churn"]);
    let expected: BTreeMap<String, (u64, u64, Value)> = [
        ("setup.py", numbers(1, 1, "2024-01-01")),
        // C1, C2, C3 (Bob twice, under two names), C6, C7.
        ("src/main.rs", numbers(5, 2, "2024-01-08")),
        // From the move on: C4 and C5 (C1 and C3 were at src/util.rs).
        ("core/util.rs", numbers(2, 2, "2024-01-05")),
        ("scratch.rs", (0, 0, Value::Null)),
    ]
    .into_iter()
    .map(|(path, n)| (path.to_string(), n))
    .collect();
    assert_eq!(files, expected);
    let scratch = json["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["path"] == "scratch.rs")
        .unwrap();
    assert_eq!(scratch["history"]["uncommitted"], true);
    assert_eq!(
        json["history"],
        serde_json::json!({
            "window": "all 7 commits",
            "commits": 7,
            "max_commits": 1000,
            "since": null,
            "to": "HEAD",
            "date": "2024-01-08",
            "cut": false,
        })
    );
    let git = git_log(&repo, &[]);
    assert_agrees_with_git(&files, &git);

    // Directories: the distinct commits below them, not their files' sum.
    let (_, dirs) = report(&repo, &["--color", "churn", "--depth", "1"]);
    let expected: BTreeMap<String, (u64, u64, Value)> = [
        ("setup.py", numbers(1, 1, "2024-01-01")),
        ("core", numbers(2, 2, "2024-01-05")),
        ("scratch.rs", (0, 0, Value::Null)),
        // C1, C2, C3, C4 (util.rs left), C6, C7: 6, where its files' sum
        // is 5.
        ("src", numbers(6, 2, "2024-01-08")),
    ]
    .into_iter()
    .map(|(path, n)| (path.to_string(), n))
    .collect();
    assert_eq!(dirs, expected);
    assert_agrees_with_git(&dirs, &git);

    // What the choices above rest on: git names Bob three ways without
    // .mailmap, and follows the move with --follow.
    let raw_authors = repo.git(["log", "--format=%an <%ae>", "--", "src/main.rs"]);
    assert_eq!(raw_authors.lines().collect::<BTreeSet<_>>().len(), 3);
    let followed = repo.git(["log", "--follow", "--format=%h", "--", "core/util.rs"]);
    assert_eq!(followed.lines().count(), 4);
}

#[test]
fn the_window_is_the_commits_git_log_takes() {
    let repo = known_history();
    // The last three non-merge commits: C7, C6, C5.
    let last_three = BTreeMap::from([
        ("setup.py".to_string(), (0, 0, Value::Null)),
        ("core/util.rs".to_string(), numbers(1, 1, "2024-01-05")),
        ("scratch.rs".to_string(), (0, 0, Value::Null)),
        ("src/main.rs".to_string(), numbers(2, 1, "2024-01-08")),
    ]);
    for (args, window, git_args) in [
        (
            vec!["--commits", "3"],
            "the last 3 commits",
            vec!["-n", "3"],
        ),
        (
            vec!["--since", "2024-01-05"],
            "3 commits since 2024-01-05",
            vec!["--since=2024-01-05 00:00:00 +0000"],
        ),
        // Three days before HEAD's commit (2024-01-08), not before today.
        (
            vec!["--since", "3d"],
            "3 commits since 2024-01-05",
            vec!["--since=2024-01-05 00:00:00 +0000"],
        ),
        (
            vec!["--since", "1y", "--commits", "3"],
            "3 commits since 2023-01-08",
            vec!["-n", "3"],
        ),
    ] {
        let (json, files) = report(&repo, &[&["--color", "age"], &args[..]].concat());
        assert_eq!(files, last_three, "{args:?}");
        assert_eq!(json["history"]["window"], window, "{args:?}");
        assert_agrees_with_git(&files, &git_log(&repo, &git_args));
    }

    // --rev: the history up to the revision (the merge: C1 to C6).
    let (json, files) = report(&repo, &["--color", "churn", "--rev", "HEAD~1"]);
    assert_eq!(json["history"]["window"], "all 6 commits");
    assert_eq!(files["src/main.rs"], numbers(4, 2, "2024-01-06"));
    assert_eq!(files["core/util.rs"], numbers(2, 2, "2024-01-05"));
    assert!(!files.contains_key("scratch.rs"));
    assert_agrees_with_git(&files, &git_log(&repo, &["HEAD~1"]));
}

/// `#rrggbb` as a number per channel, summed: lower is deeper.
fn lightness(fill: &str) -> u32 {
    let hex = fill.trim_start_matches('#');
    (0..3)
        .map(|i| u32::from_str_radix(&hex[2 * i..2 * i + 2], 16).expect("hex colour"))
        .sum()
}

#[test]
fn a_frame_is_as_hot_as_its_history() {
    let repo = known_history();
    let svg = run(&repo, &["--color", "churn", "--metric", "lines"]);
    let frames = svg_frames(assert_ok(&svg).as_bytes());
    let frame = |name: &str| {
        frames
            .iter()
            .find(|f| f.name() == name)
            .unwrap_or_else(|| panic!("no frame {name}"))
    };
    let fill = |name: &str| frame(name).fill.clone().expect("a fill");
    // ColorBrewer Reds: the hottest file the deepest step, one commit
    // the palest; a file never committed pale blue.
    assert_eq!(fill("main.rs"), "#67000d");
    assert_eq!(fill("setup.py"), "#fee0d2");
    assert!(lightness(&fill("main.rs")) < lightness(&fill("util.rs")));
    assert!(lightness(&fill("util.rs")) < lightness(&fill("setup.py")));
    assert_eq!(fill("scratch.rs"), "#deebf7");
    let hover = |name: &str| frame(name).title.lines().last().unwrap().to_string();
    assert_eq!(
        hover("main.rs"),
        "history: 5 commits · last changed 2024-01-08, the same day as HEAD · \
         2 authors, 60% by Ada Author"
    );
    assert_eq!(
        hover("util.rs"),
        "history: 2 commits · last changed 2024-01-05, 3 days before HEAD · \
         2 authors, 50% by Ada Author"
    );
    assert_eq!(hover("scratch.rs"), "history: not committed");
    assert!(
        frame("main.rs").title.contains("· Rust ·"),
        "the language stays"
    );
    assert_eq!(
        hover("proj"),
        "history: 7 commits · last changed 2024-01-08, the same day as HEAD · \
         3 authors, 57% by Ada Author"
    );
    let text = String::from_utf8_lossy(&svg.stdout);
    for words in ["cold: 1 commit", "5 commits: hot", "not committed"] {
        assert!(text.contains(&format!(">{words}<")), "legend: {words}");
    }

    // Age: the newest change is the hottest; authors: the most.
    let svg = run(&repo, &["--color", "age", "--metric", "lines"]);
    let frames = svg_frames(assert_ok(&svg).as_bytes());
    let fill = |name: &str| {
        let frame = frames.iter().find(|f| f.name() == name).unwrap();
        frame.fill.clone().unwrap()
    };
    assert_eq!(fill("main.rs"), "#67000d");
    assert_eq!(fill("setup.py"), "#fee0d2");
    assert!(lightness(&fill("util.rs")) > lightness(&fill("main.rs")));
    let svg = run(
        &repo,
        &["--color", "authors", "--commits", "3", "-m", "lines"],
    );
    let frames = svg_frames(assert_ok(&svg).as_bytes());
    let frame = |name: &str| frames.iter().find(|f| f.name() == name).unwrap();
    // Not changed in the last three commits: grey, and said so.
    assert_eq!(frame("setup.py").fill.as_deref(), Some("#ccc9c2"));
    assert!(
        frame("setup.py")
            .title
            .ends_with("history: not changed in the last 3 commits")
    );
}

#[test]
fn a_colour_of_history_needs_a_repository_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.rs"), "fn a() {}\n").unwrap();
    let out = crate::support::run::repoflame()
        .arg(dir.path())
        .args(["--color", "churn", "-f", "json"])
        .complete();
    let message = assert_fails_cleanly(&out);
    assert_eq!(
        message,
        format!(
            "repoflame: {}: --color churn needs the history of a git repository: \
             not a git repository (nor inside one)",
            dir.path().display()
        )
    );
    // Without a colour of history, the same directory is fine.
    let out = crate::support::run::repoflame()
        .arg(dir.path())
        .args(["-f", "folded"])
        .complete();
    assert_ok(&out);

    let repo = known_history();
    for (args, expected) in [
        (
            vec!["--baseline", "saved.json", "--metric", "commits"],
            "repoflame: --metric commits: a comparison with --baseline is not one history; leave \
             out one of them",
        ),
        (
            vec!["--diff", "HEAD~1..HEAD", "--color", "churn"],
            "repoflame: --color churn: a diff has two revisions, not one history; leave out one of \
             them",
        ),
        (
            vec!["--rev", "HEAD^{tree}", "--color", "authors"],
            "repoflame: revision \"HEAD^{tree}\": names a tree, which has no history for \
             --color authors",
        ),
        (
            vec!["--color", "churn", "--commits", "0"],
            "repoflame: --commits 0: give a number of commits, 1 or more",
        ),
        (
            vec!["--color", "churn", "--since", "soon"],
            "repoflame: --since soon: give a date (2025-01-01) or a span before the revision \
             counted (90days, 6weeks, 6months, 1year; or d, w, m, y)",
        ),
    ] {
        let out = run(&repo, &args);
        assert_eq!(assert_fails_cleanly(&out), expected, "{args:?}");
    }
}

#[test]
fn the_report_page_ranks_hotspots_by_size_times_commits() {
    let repo = known_history();
    let out = run(&repo, &["--color", "churn", "-m", "lines", "-f", "html"]);
    let html = assert_ok(&out);
    let start = html
        .find("<table class=\"rf-table\" id=\"rf-hotspots\">")
        .expect("a hotspots table");
    let table = &html[start..start + html[start..].find("</table>").unwrap()];
    // Each row's cells, tags and <wbr> left out.
    let rows: Vec<Vec<String>> = table
        .split("<tr>")
        .skip(2)
        .map(|row| {
            row.split("</td>")
                .filter(|cell| cell.contains("<td"))
                .map(|cell| {
                    let mut text = String::new();
                    let mut in_tag = false;
                    for c in cell.chars() {
                        match c {
                            '<' => in_tag = true,
                            '>' => in_tag = false,
                            c if !in_tag => text.push(c),
                            _ => {}
                        }
                    }
                    text
                })
                .collect()
        })
        .collect();
    // File, language, lines, commits, authors, last change, lines × commits;
    // the uncommitted scratch.rs has no place here.
    assert_eq!(
        rows,
        [
            ["src/main.rs", "Rust", "5", "5", "2", "2024-01-08", "25"],
            ["core/util.rs", "Rust", "3", "2", "2", "2024-01-05", "6"],
            ["setup.py", "Python", "1", "1", "1", "2024-01-01", "1"],
        ]
    );
    assert!(html.contains("colour is history in all 7 commits"));
    // Without a colour of history, no such table.
    let html = assert_ok(&run(&repo, &["-f", "html"]));
    assert!(!html.contains("rf-hotspots"));
}

#[test]
fn metric_commits_sizes_each_file_by_its_commits() {
    let repo = known_history();
    let folded = assert_ok(&run(&repo, &["--metric", "commits", "--folded"]));
    // scratch.rs, never committed, has no width: left out.
    assert_eq!(
        folded,
        "proj;core;util.rs 2\nproj;setup.py 1\nproj;src;main.rs 5\n"
    );
    let folded = assert_ok(&run(
        &repo,
        &["--metric", "commits", "--commits", "3", "--folded"],
    ));
    assert_eq!(folded, "proj;core;util.rs 1\nproj;src;main.rs 2\n");
    // A directory is as wide as its files' commits together (the width
    // adds up), while its colour and hover count distinct commits.
    let svg = assert_ok(&run(&repo, &["--metric", "commits", "--color", "churn"]));
    let frames = svg_frames(svg.as_bytes());
    let root = frames.iter().find(|f| f.name() == "proj").unwrap();
    assert_eq!(root.samples, Some(8));
    assert!(root.title.contains("history: 7 commits"), "{}", root.title);
    let out = crate::support::run::repoflame()
        .arg(tempfile::tempdir().unwrap().path())
        .args(["--metric", "commits"])
        .complete();
    assert!(assert_fails_cleanly(&out).ends_with(
        ": --metric commits needs the history of a git repository: not a git \
                        repository (nor inside one)"
    ));
}

#[test]
fn a_shallow_clone_s_window_stops_at_its_boundary() {
    let repo = known_history();
    // Three generations: C7, the merge, then C6 and C5, whose parents
    // are not in the clone (git log would show them adding every file).
    let clone = repo.shallow_clone(3, "shallow");
    let out = crate::support::run::repoflame()
        .arg(&clone)
        .args(["--color", "churn", "-f", "json"])
        .complete();
    let json: Value = serde_json::from_str(&assert_ok(&out)).expect("JSON");
    assert_eq!(
        json["history"]["window"],
        "the last 1 commit (a shallow clone: its history is cut there)"
    );
    assert_eq!(json["history"]["cut"], true);
    let history = |path: &str| {
        let file = json["files"].as_array().unwrap().iter();
        let file = file.clone().find(|f| f["path"] == path).unwrap();
        file["history"]["commits"].as_u64().unwrap()
    };
    assert_eq!(history("src/main.rs"), 1);
    assert_eq!(
        history("core/util.rs"),
        0,
        "not C5's: its parent is cut off"
    );
    assert_eq!(history("setup.py"), 0);
}

#[test]
fn a_window_without_a_history_to_read_is_named_in_a_warning() {
    let repo = known_history();
    let out = run(&repo, &["--commits", "3", "--folded"]);
    let folded = assert_ok(&out);
    assert_eq!(folded, run_folded(&repo));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr).lines().next(),
        Some(
            "repoflame: --commits does not apply to a run without history (they choose the \
             commits of --color churn|age|authors and --metric commits); ignored"
        )
    );
    let out = run(&repo, &["--since", "1y", "--folded", "--quiet"]);
    assert_ok(&out);
    assert!(out.stderr.is_empty(), "--quiet: no warning");
    let out = run(&repo, &["--since", "1y", "--color", "churn"]);
    assert_ok(&out);
    assert!(!String::from_utf8_lossy(&out.stderr).contains("ignored"));
    // Folded stacks have no colours: --color is ignored, and no history is
    // read, so it needs no repository either.
    let out = run(&repo, &["--since", "1y", "--color", "churn", "--folded"]);
    assert_eq!(assert_ok(&out), run_folded(&repo));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr)
            .lines()
            .collect::<Vec<_>>(),
        ["repoflame: --color does not apply to folded stacks; ignored"]
    );
    let plain = tempfile::tempdir().unwrap();
    std::fs::write(plain.path().join("a.rs"), "fn a() {}\n").unwrap();
    let out = crate::support::run::repoflame()
        .arg(plain.path())
        .args(["--color", "churn", "--folded"])
        .complete();
    assert_eq!(
        assert_ok(&out),
        format!(
            "{};a.rs 1\n",
            plain.path().file_name().unwrap().to_string_lossy()
        )
    );
}

/// The folded stacks of the plain run.
fn run_folded(repo: &TestRepo) -> String {
    assert_ok(&run(repo, &["--folded"]))
}

/// A long history made with `git fast-import`, an hour between commits
/// from EPOCH: `blocks` blocks of five non-merge commits, four on `main`
/// and one on a side branch merged into `main` right after (so a fifth of
/// the history is merges, each a level of depth), by three authors in
/// turns of seven commits, each
/// commit changing one of 13 files (file `(i * i) % 13`: a few often,
/// most rarely) and every third one `src/hot.rs` as well.
fn long_history(blocks: usize) -> TestRepo {
    use std::fmt::Write as _;
    use std::io::Write as _;
    let repo = TestRepo::new("long");
    let mut stream = String::new();
    let (mut mark, mut main) = (0, None::<usize>);
    let authors = [
        "Ada <ada@example.com>",
        "Bob <bob@example.com>",
        "Cy <cy@example.com>",
    ];
    let epoch = 1_704_067_200; // 2024-01-01
    let mut commit =
        |stream: &mut String, i: usize, branch: &str, from: Option<usize>, merge: Option<usize>| {
            mark += 1;
            let time = epoch + 3600 * i as i64;
            let author = authors[(i / 7) % 3];
            let msg = format!("commit {i}");
            write!(
                stream,
                "commit refs/heads/{branch}\nmark :{mark}\nauthor {author} {time} +0000\n\
             committer {author} {time} +0000\ndata {}\n{msg}\n",
                msg.len()
            )
            .unwrap();
            if let Some(from) = from {
                writeln!(stream, "from :{from}").unwrap();
            }
            if let Some(merge) = merge {
                writeln!(stream, "merge :{merge}").unwrap();
            } else {
                let mut files = vec![format!("src/f{}.rs", (i * i) % 13)];
                if i % 3 == 0 {
                    files.push("src/hot.rs".to_string());
                }
                for file in files {
                    let content = format!("fn f() {{}}\n// {i}\n");
                    write!(
                        stream,
                        "M 100644 inline {file}\ndata {}\n{content}\n",
                        content.len()
                    )
                    .unwrap();
                }
            }
            mark
        };
    let mut i = 0;
    for _ in 0..blocks {
        for _ in 0..4 {
            main = Some(commit(&mut stream, i, "main", main, None));
            i += 1;
        }
        let side = commit(&mut stream, i, "side", main, None);
        i += 1;
        main = Some(commit(&mut stream, i, "main", main, Some(side)));
        i += 1;
    }
    let mut cmd = crate::support::git::git_command();
    let mut child = cmd
        .args(["fast-import", "--quiet"])
        .current_dir(repo.path())
        .stdin(std::process::Stdio::piped())
        .spawn()
        .expect("git fast-import");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stream.as_bytes())
        .unwrap();
    assert!(child.wait().unwrap().success(), "git fast-import");
    repo
}

/// The JSON report of `source` with `args`: the window, and each file's
/// (commits, authors, last change).
fn report_of(source: &str, args: &[&str]) -> (Value, BTreeMap<String, (u64, u64, Value)>) {
    let out = crate::support::run::repoflame()
        .arg(source)
        .args(["-f", "json", "-q", "--color", "churn"])
        .args(args)
        .complete();
    let json: Value = serde_json::from_str(&assert_ok(&out)).expect("JSON");
    let entries = history_entries(&json);
    (json, entries)
}

#[test]
fn a_url_is_cloned_as_deep_as_its_window() {
    // 400 commits and 80 merges, an hour apart (the last on 2024-01-21).
    let repo = long_history(80);
    let bare = repo.bare_clone("long.git");
    let bare = bare.to_str().unwrap();
    let http = crate::support::servers::GitHttp::serve(repo.base());
    let url = http.url("long.git");
    let fetches = || http.log().matches("GET /long.git/info/refs").count();
    for (args, window, deepened) in [
        // Filled by the first fetch (300 commits and a quarter more deep).
        (vec!["--commits", "300"], "the last 300 commits", false),
        // --since alone starts at depth 256: not deep enough, deepened.
        (
            vec!["--since", "2024-01-05"],
            "320 commits since 2024-01-05",
            true,
        ),
        // More than there is: the whole history at once.
        (vec!["--commits", "5000"], "all 400 commits", false),
    ] {
        let before = fetches();
        let (json, files) = report_of(&url, &args);
        let (local_json, local) = report_of(bare, &args);
        assert_eq!(json["history"]["window"], window, "{args:?}");
        assert_eq!(json["history"], local_json["history"], "{args:?}");
        assert_eq!(json["history"]["cut"], false, "{args:?}");
        assert_eq!(files, local, "{args:?}: over the URL, then locally");
        assert_eq!(files.len(), 8, "{args:?}");
        // (One listing of the references, then one per fetch.)
        let count = fetches() - before;
        assert_eq!(
            count > 2,
            deepened,
            "{args:?}: {count} requests of the references"
        );
        let git_args: Vec<String> = match args[0] {
            "--commits" => vec!["-n".into(), args[1].into()],
            _ => vec![format!("--since={} 00:00:00 +0000", args[1])],
        };
        let git_args: Vec<&str> = git_args.iter().map(String::as_str).collect();
        assert_agrees_with_git(
            &files,
            &git_log(&repo, &[&["main"], &git_args[..]].concat()),
        );
    }
    // Literal values: src/hot.rs changed by every third commit, src/f0.rs
    // by one in thirteen.
    let (_, files) = report_of(&url, &["--commits", "300"]);
    assert_eq!(files["src/hot.rs"], numbers(120, 3, "2024-01-20"));
    assert_eq!(files["src/f0.rs"], numbers(22, 3, "2024-01-20"));
}

#[test]
fn reading_history_shows_its_progress_on_a_terminal() {
    let repo = known_history();
    let mut cmd = repo.cmd();
    cmd.args(["--color", "churn", "-f", "json"]);
    let pty =
        crate::support::terminal::run_on_pty(cmd, false, true, crate::support::processes::HANG);
    let terminal = String::from_utf8_lossy(&pty.terminal);
    assert_eq!(pty.status.code(), Some(0), "{terminal}");
    // Beside the files counted: the commits read of the window's 1,000.
    assert!(terminal.contains("counted "), "{terminal}");
    assert!(
        terminal.contains(" · history: ") && terminal.contains(" of 1,000 commits read"),
        "no progress of history on the terminal:\n{terminal}"
    );
    let json: Value = serde_json::from_slice(&pty.stdout).expect("JSON on stdout");
    assert_eq!(json["history"]["commits"], 7);
    // Not a terminal: not a word on stderr.
    let out = run(&repo, &["--color", "churn", "-f", "json"]);
    assert_ok(&out);
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
}

#[test]
fn by_language_a_directory_has_the_history_of_its_language_s_files() {
    // src/ holds a Rust file changed by C1 and C4 and a Python file
    // changed by C1, C2 and C3.
    let repo = TestRepo::new("mixed");
    repo.file("src/a.rs", "fn a() {}\n")
        .file("src/b.py", "x = 1\n")
        .commit("C1");
    repo.file("src/b.py", "x = 1\ny = 2\n").commit("C2");
    repo.file("src/b.py", "x = 1\ny = 2\nz = 3\n").commit("C3");
    repo.file("src/a.rs", "fn a() {}\nfn b() {}\n").commit("C4");
    let history_of = |args: &[&str]| -> BTreeMap<String, String> {
        let svg = assert_ok(&run(&repo, &[&["--color", "churn"], args].concat()));
        svg_frames(svg.as_bytes())
            .iter()
            .filter_map(|f| {
                let mut lines = f.title.lines();
                let path = lines.nth(1)?.split(" · ").next()?.to_string();
                let history = lines.last()?.strip_prefix("history: ")?;
                Some((path, history.split(" · ").next()?.to_string()))
            })
            .collect()
    };
    let expected = |rows: &[(&str, &str)]| -> BTreeMap<String, String> {
        rows.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    };
    assert_eq!(
        history_of(&["--by-language"]),
        expected(&[
            ("mixed/", "4 commits"),
            ("mixed/Python/", "3 commits"),
            ("mixed/Python/src/", "3 commits"),
            ("mixed/Python/src/b.py", "3 commits"),
            ("mixed/Rust/", "2 commits"),
            ("mixed/Rust/src/", "2 commits"),
            ("mixed/Rust/src/a.rs", "2 commits"),
        ])
    );
    // By path, src/ has all four.
    assert_eq!(
        history_of(&[]),
        expected(&[
            ("mixed/", "4 commits"),
            ("mixed/src/", "4 commits"),
            ("mixed/src/a.rs", "2 commits"),
            ("mixed/src/b.py", "3 commits"),
        ])
    );
    // The report page says so, and its hotspots name the files by path.
    let html = assert_ok(&run(
        &repo,
        &["--color", "churn", "--by-language", "-f", "html"],
    ));
    assert!(html.contains("(a directory: its language's files below it)"));
    assert!(
        html.contains("<td class=\"rf-name\">src/<wbr>b.py</td>"),
        "{html}"
    );
}

#[test]
fn every_mailmap_entry_folds_authors_even_after_one_without_an_email() {
    // libgit2 stops reading a .mailmap at an entry whose email to replace
    // is empty (`name <>`), and drops every entry after it; git reads on.
    let repo = TestRepo::new("mm");
    repo.file("a.rs", "fn a() {}\n");
    repo.commit_as("Bob <bob@example.com>", "one");
    repo.file("a.rs", "fn a() {}\nfn b() {}\n");
    repo.commit_as("Bobby <bob@old.example>", "two");
    repo.file(
        ".mailmap",
        "# authors\nAndrew <andrew@example.com> andrew <>\n\
         Bob <bob@example.com> Bobby <bob@old.example>\n",
    );
    repo.commit_as("Bob <bob@example.com>", "three");
    let (_, files) = report(&repo, &["--color", "authors"]);
    assert_eq!(files["a.rs"], numbers(2, 1, "2024-01-02"));
    assert_agrees_with_git(&files, &git_log(&repo, &[]));
}
