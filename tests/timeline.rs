//! Issue 13: `--history`, the code map across releases. A repository built
//! here with tagged releases (a directory added, one deleted, one renamed,
//! a language introduced): literal totals and directory series per
//! revision, each revision equal to `--rev` of it, each distinct content
//! counted once, CSV rows, bad specs refused on one line, and the page
//! played in headless Chromium.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::support::browser::server::{Page, Server};
use crate::support::browser::webdriver::{self, Browser};
use crate::support::output;
use crate::support::repo::TestRepo;
use crate::support::run::{Run, describe};

/// `n` lines of code, one statement each.
fn code(n: usize) -> String {
    (0..n).map(|i| format!("x{i}\n")).collect()
}

/// Releases v1 to v3, an untagged commit between v1 and v2, and one on
/// main after v3:
/// - v1: `src/main.rs` 10, `old/legacy.c` 5, `tools/build.sh` 2;
/// - (untagged) `src/main.rs` 11;
/// - v2: `src/main.rs` 12, `net/conn.go` 8 (a directory and Go added);
/// - v3: `old/` deleted, `tools/` renamed `scripts/`;
/// - main: `net/conn.go` 9.
fn releases() -> TestRepo {
    let repo = TestRepo::new("rel");
    repo.file("src/main.rs", code(10))
        .file("old/legacy.c", code(5))
        .file("tools/build.sh", code(2))
        .commit("v1");
    repo.tag("v1");
    repo.file("src/main.rs", code(11)).commit("between");
    repo.file("src/main.rs", code(12))
        .file("net/conn.go", code(8))
        .commit("v2");
    repo.annotated_tag("v2", "release 2");
    repo.remove("old").rename("tools", "scripts").commit("v3");
    repo.tag("v3");
    repo.file("net/conn.go", code(9)).commit("after");
    repo
}

/// `repoflame . ARGS` in `repo`, which must succeed, as JSON.
fn history_json(repo: &TestRepo, args: &[&str]) -> Value {
    repo.cmd()
        .arg(".")
        .args(args)
        .args(["-f", "json"])
        .json_ok()
}

/// A revision's `directories` or `languages` as `name → code`.
fn code_by_name(revision: &Value, list: &str) -> BTreeMap<String, u64> {
    revision[list]
        .as_array()
        .unwrap_or_else(|| panic!("no {list} in {revision}"))
        .iter()
        .map(|d| {
            (
                d["name"].as_str().unwrap().to_string(),
                d["code"].as_u64().unwrap(),
            )
        })
        .collect()
}

fn directories(revision: &Value) -> BTreeMap<String, u64> {
    code_by_name(revision, "directories")
}

fn languages(revision: &Value) -> BTreeMap<String, u64> {
    code_by_name(revision, "languages")
}

fn map(pairs: &[(&str, u64)]) -> BTreeMap<String, u64> {
    pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
}

#[test]
fn history_of_a_range_shows_each_release_with_its_directories_and_languages() {
    let repo = releases();
    let report = history_json(&repo, &["--history", "v1..v3"]);
    assert_eq!(report["source"]["kind"], "history");
    assert_eq!(report["depth"], 1);
    let revisions = report["revisions"].as_array().unwrap();
    let revs: Vec<&str> = revisions
        .iter()
        .map(|r| r["rev"].as_str().unwrap())
        .collect();
    assert_eq!(
        revs,
        ["v1", "v2", "v3"],
        "the untagged commit is not a release"
    );
    assert_eq!(revisions[0]["commit"], repo.rev_parse("v1"));
    assert_eq!(revisions[1]["commit"], repo.rev_parse("v2^{commit}"));
    let code: Vec<u64> = revisions
        .iter()
        .map(|r| r["totals"]["code"].as_u64().unwrap())
        .collect();
    assert_eq!(code, [17, 27, 22]);
    assert_eq!(
        directories(&revisions[0]),
        map(&[("old", 5), ("src", 10), ("tools", 2)])
    );
    assert_eq!(
        directories(&revisions[1]),
        map(&[("net", 8), ("old", 5), ("src", 12), ("tools", 2)])
    );
    assert_eq!(
        directories(&revisions[2]),
        map(&[("net", 8), ("scripts", 2), ("src", 12)])
    );
    assert_eq!(
        languages(&revisions[0]),
        map(&[("C", 5), ("Rust", 10), ("Shell", 2)])
    );
    assert_eq!(
        languages(&revisions[1]),
        map(&[("C", 5), ("Go", 8), ("Rust", 10 + 2), ("Shell", 2)])
    );
    // Distinct (path, content) pairs: v1's three, v2's two new ones, v3's
    // renamed script (its path is new; its language comes from it).
    assert_eq!(report["distinct_files_counted"], 3 + 2 + 1);

    // A range to a branch past the last tag ends at the branch.
    let to_main = history_json(&repo, &["--history", "v2..main"]);
    let revs: Vec<&str> = to_main["revisions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["rev"].as_str().unwrap())
        .collect();
    assert_eq!(revs, ["v2", "v3", "main"]);
}

#[test]
fn every_revision_of_a_history_equals_rev_of_it() {
    let repo = releases();
    let report = history_json(
        &repo,
        &["--history", "v1,HEAD~3,v2,v3,main", "--depth", "2"],
    );
    let revisions = report["revisions"].as_array().unwrap();
    assert_eq!(revisions.len(), 5);
    for revision in revisions {
        let rev = revision["rev"].as_str().unwrap();
        let alone = history_json(&repo, &["--rev", rev]);
        assert_eq!(revision["totals"], alone["totals"], "totals at {rev}");
        assert_eq!(
            revision["languages"], alone["languages"],
            "languages at {rev}"
        );
        assert_eq!(revision["commit"], alone["source"]["revision"]["commit"]);
        assert_eq!(revision["date"], alone["source"]["revision"]["date"]);
    }
}

#[test]
fn every_samples_first_parent_commits_at_the_interval() {
    let repo = releases();
    // One commit a day: v1, between, v2, v3, after.
    let report = history_json(&repo, &["--history", "v1..main", "--every", "2d"]);
    let commits: Vec<String> = report["revisions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["commit"].as_str().unwrap().to_string())
        .collect();
    let expected: Vec<String> = ["v1", "v2^{commit}", "main"]
        .iter()
        .map(|r| repo.rev_parse(r))
        .collect();
    assert_eq!(commits, expected);
    let first = &report["revisions"][0];
    assert_eq!(first["rev"], "v1");
    let sampled = report["revisions"][1]["rev"].as_str().unwrap();
    assert!(
        sampled.ends_with(&repo.rev_parse("v2^{commit}")[..7]),
        "a sampled commit is named by its date and short id: {sampled}"
    );
}

#[test]
fn csv_has_a_row_per_revision_and_directory_or_language() {
    let repo = releases();
    repo.file("a,b/x.py", code(3))
        .commit("a directory with a comma");
    repo.tag("v4");
    let out = repo
        .cmd()
        .args([".", "--history", "v3,v4", "-o", "-", "--format", "csv"])
        .ok();
    let text = String::from_utf8(out.stdout).unwrap();
    let v3 = repo.rev_parse("v3");
    let v4 = repo.rev_parse("v4");
    let date = |rev: &str| {
        repo.git(["log", "-1", "--format=%cs", rev])
            .trim()
            .to_string()
    };
    let (d3, d4) = (date("v3"), date("v4"));
    let expected = format!(
        "rev,commit,date,kind,name,files,code,comments,blanks,lines,bytes\n\
         v3,{v3},{d3},total,,3,22,0,0,22,{b3}\n\
         v3,{v3},{d3},directory,net,1,8,0,0,8,{bnet}\n\
         v3,{v3},{d3},directory,scripts,1,2,0,0,2,{bsh}\n\
         v3,{v3},{d3},directory,src,1,12,0,0,12,{bsrc}\n\
         v3,{v3},{d3},language,Rust,1,12,0,0,12,{bsrc}\n\
         v3,{v3},{d3},language,Go,1,8,0,0,8,{bnet}\n\
         v3,{v3},{d3},language,Shell,1,2,0,0,2,{bsh}\n\
         v4,{v4},{d4},total,,4,26,0,0,26,{b4}\n\
         v4,{v4},{d4},directory,\"a,b\",1,3,0,0,3,{bpy}\n\
         v4,{v4},{d4},directory,net,1,9,0,0,9,{bnet4}\n\
         v4,{v4},{d4},directory,scripts,1,2,0,0,2,{bsh}\n\
         v4,{v4},{d4},directory,src,1,12,0,0,12,{bsrc}\n\
         v4,{v4},{d4},language,Rust,1,12,0,0,12,{bsrc}\n\
         v4,{v4},{d4},language,Go,1,9,0,0,9,{bnet4}\n\
         v4,{v4},{d4},language,Python,1,3,0,0,3,{bpy}\n\
         v4,{v4},{d4},language,Shell,1,2,0,0,2,{bsh}\n",
        b3 = code(8).len() + code(2).len() + code(12).len(),
        b4 = code(3).len() + code(9).len() + code(2).len() + code(12).len(),
        bnet = code(8).len(),
        bnet4 = code(9).len(),
        bsh = code(2).len(),
        bsrc = code(12).len(),
        bpy = code(3).len(),
    );
    assert_eq!(text, expected);
}

#[test]
fn bad_history_specs_are_refused_on_one_line() {
    let repo = releases();
    for (args, wanted) in [
        (vec!["--history", "v3..main"], "no tags between v3 and main"),
        (vec!["--history", "v1..nope"], "nope"),
        (vec!["--history", "v1,nope"], "nope"),
        (vec!["--history", ","], "names no revision"),
        (
            vec!["--history", "v1,v2", "--every", "30d"],
            "give --history A..B",
        ),
        (vec!["--history", "v1..v3", "-f", "svg"], "--rev REV"),
        (vec!["--history", "v1..v3", "--folded"], "--rev REV"),
        (vec!["--history", "v1..v3", "-o", "x.md"], "--rev REV"),
        (vec!["--format", "csv"], "--history"),
        (vec!["--history", "v1..v3", "--every", "yesterday"], "span"),
        (vec!["--history", "v1..v3", "--rev", "v1"], "--rev"),
        (vec!["--history", "v1..v3", "--color", "churn"], "--history"),
    ] {
        let out = repo.cmd().arg(".").args(&args).complete();
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", describe(&out));
        assert!(out.stdout.is_empty(), "{args:?} wrote output");
        let lines = output::error_lines(&out);
        assert!(
            lines.len() == 1 && lines[0].contains(wanted),
            "{args:?}: wanted one line with {wanted:?}: {}",
            describe(&out)
        );
    }
}

/// A URL is cloned whole, every branch and tag: its history equals the
/// local repository's; names resolve as they do there.
#[test]
fn history_of_a_url_equals_the_local_repository_s() {
    let repo = releases();
    repo.bare_clone("rel.git");
    let http = crate::support::servers::GitHttp::serve(repo.base());
    let url = http.url("rel.git");
    let over_url = |args: &[&str]| {
        crate::support::run::repoflame()
            .arg(&url)
            .args(args)
            .args(["-f", "json"])
            .complete()
    };
    for spec in ["v1..v3", "v2..", "v1,main~1,v3"] {
        let out = over_url(&["--history", spec]);
        assert!(out.status.success(), "{spec}: {}", describe(&out));
        let remote: Value = serde_json::from_slice(&out.stdout).unwrap();
        let local = history_json(&repo, &["--history", spec]);
        assert_eq!(remote["revisions"], local["revisions"], "{spec}");
        assert_eq!(remote["source"]["name"], "rel");
    }
    // A name the remote does not have is an error, not its default branch.
    let out = over_url(&["--history", "v1..nope"]);
    assert_eq!(out.status.code(), Some(2), "{}", describe(&out));
    let lines = output::error_lines(&out);
    assert!(
        lines.len() == 1 && lines[0].contains("nope"),
        "{}",
        describe(&out)
    );
}

/// Moves the page's slider to revision `index`, as a drag does.
fn slide_to(browser: &Browser, index: usize) {
    browser.execute(
        "var s = document.getElementById('tl-slider'); s.value = arguments[0]; \
         s.dispatchEvent(new Event('input'));",
        vec![json!(index)],
    );
}

/// The page as a person uses it: the slider moves the graph and the
/// charts' marker; play walks through every revision.
#[test]
fn history_page_plays_across_revisions() {
    let Some(tools) = webdriver::tools("history_page_plays_across_revisions") else {
        return;
    };
    let repo = releases();
    let path = repo.base().join("history.html");
    let out = repo
        .cmd()
        .args([".", "--history", "v1..main", "-o"])
        .arg(&path)
        .complete();
    assert!(out.status.success(), "{}", describe(&out));
    let html = std::fs::read(&path).unwrap();
    let server = Server::start(vec![(
        "/history.html",
        Page {
            content_type: "text/html; charset=utf-8",
            body: html,
        },
    )]);
    let browser = Browser::start(&tools, 1200, 900);
    browser.goto(&server.url("/history.html"));
    browser.wait_for(
        "document.querySelectorAll('#tl-graph rect').length > 0",
        "the graph of the last revision",
    );
    let state = |browser: &Browser| -> Value {
        browser.execute(
            "var names = [].map.call(document.querySelectorAll('#tl-graph text'), \
               function (t) { return t.textContent; }); \
             var widths = {}; \
             [].forEach.call(document.querySelectorAll('#tl-graph g'), function (g) { \
               widths[g.querySelector('title').textContent.split(':')[0]] = \
                 Math.round(g.querySelector('rect').getBoundingClientRect().width); }); \
             return { label: document.getElementById('tl-rev').textContent, \
                      names: names, widths: widths, \
                      now: document.querySelector('#tl-dirs .tl-now').getAttribute('x1') };",
            vec![],
        )
    };
    let last = state(&browser);
    assert!(
        last["label"].as_str().unwrap().starts_with("main"),
        "{last}"
    );
    assert!(last["widths"].get("scripts").is_some(), "{last}");
    assert!(last["widths"].get("old").is_none(), "{last}");
    // The first release: `old/` and `tools/` are there, `net/` is not, and
    // the whole is narrower (17 code lines of the largest 23).
    slide_to(&browser, 0);
    let first = state(&browser);
    assert!(
        first["label"].as_str().unwrap().starts_with("v1"),
        "{first}"
    );
    assert!(first["widths"].get("old").is_some(), "{first}");
    assert!(first["widths"].get("tools").is_some(), "{first}");
    assert!(first["widths"].get("net").is_none(), "{first}");
    let root = |s: &Value| s["widths"]["all of rel"].as_i64().unwrap();
    assert!(root(&first) < root(&last), "{first} {last}");
    assert_ne!(first["now"], last["now"], "the charts' marker moved");
    // Play runs to the end.
    browser.click(&browser.find("#tl-play"));
    browser.wait_for(
        "document.getElementById('tl-rev').textContent.indexOf('main') === 0 && \
         document.getElementById('tl-play').textContent.indexOf('Play') >= 0",
        "play to reach the last revision",
    );
    let charts = browser.execute(
        "return [document.querySelectorAll('#tl-dirs path').length, \
                 document.querySelectorAll('#tl-langs path').length];",
        vec![],
    );
    assert_eq!(
        charts,
        json!([5, 4]),
        "src, net, old, tools, scripts; Rust, Go, C, Shell"
    );

    // A click on a directory zooms into it, and it stays zoomed at another
    // revision; Reset zoom goes back.
    let graph_width = browser
        .execute(
            "return Math.round(document.getElementById('tl-graph').getBoundingClientRect().width);",
            vec![],
        )
        .as_i64()
        .unwrap();
    let src = browser.element_by_script(
        "return [].find.call(document.querySelectorAll('#tl-graph g'), function (g) { \
           return g.querySelector('title').textContent.indexOf('src:') === 0; });",
        vec![],
        "the frame of src",
    );
    browser.click(&src);
    let zoomed = state(&browser);
    assert_eq!(
        zoomed["widths"]["src"].as_i64().unwrap(),
        graph_width,
        "{zoomed}"
    );
    assert!(zoomed["widths"].get("net").is_none(), "{zoomed}");
    slide_to(&browser, 0);
    let zoomed_first = state(&browser);
    assert_eq!(
        zoomed_first["widths"]["src"].as_i64().unwrap(),
        graph_width,
        "{zoomed_first}"
    );
    assert!(zoomed_first["label"].as_str().unwrap().starts_with("v1"));
    browser.click(&browser.find("#tl-reset"));
    let reset = state(&browser);
    assert!(
        reset["widths"]["src"].as_i64().unwrap() < graph_width,
        "{reset}"
    );
    assert!(reset["widths"].get("old").is_some(), "{reset}");
}

/// Progress on a terminal counts revisions and the distinct files read;
/// not a word on stderr otherwise.
#[test]
fn history_progress_counts_revisions_on_a_terminal() {
    let repo = releases();
    let mut cmd = repo.cmd();
    cmd.args([".", "--history", "v1..main", "-f", "csv", "-o", "-"]);
    let run =
        crate::support::terminal::run_on_pty(cmd, false, true, crate::support::processes::HANG);
    let terminal = String::from_utf8_lossy(&run.terminal);
    assert_eq!(run.status.code(), Some(0), "{terminal}");
    assert!(
        terminal.contains("revision") && terminal.contains("distinct files read"),
        "no progress on the terminal:\n{terminal}"
    );
    let quiet = repo
        .cmd()
        .args([".", "--history", "v1..main", "-f", "csv", "-o", "-"])
        .complete();
    assert!(quiet.status.success(), "{}", describe(&quiet));
    assert_eq!(
        String::from_utf8_lossy(&quiet.stderr),
        "",
        "{}",
        describe(&quiet)
    );
}

#[test]
fn a_bare_repository_has_the_same_history() {
    let repo = releases();
    let bare = repo.bare_clone("rel.git");
    let in_work_tree = history_json(&repo, &["--history", "v1..v3"]);
    let from_bare = repo
        .cmd()
        .arg(&bare)
        .args(["--history", "v1..v3", "-f", "json", "--name", "rel"])
        .json_ok();
    assert_eq!(in_work_tree["revisions"], from_bare["revisions"]);
}

#[test]
fn more_releases_than_drawn_are_thinned_evenly_with_a_note() {
    // 205 tagged commits, made at once with git fast-import.
    let repo = TestRepo::new("many");
    let mut stream = String::new();
    for n in 1..=205 {
        let body = code(n);
        let message = format!("c{n}");
        stream.push_str(&format!(
            "commit refs/heads/main\nmark :{n}\n\
             committer Ada <ada@example.invalid> {} +0000\ndata {}\n{message}\n{}\
             M 100644 inline src/lib.rs\ndata {}\n{body}\n",
            1_700_000_000 + n * 86_400,
            message.len(),
            if n > 1 {
                format!("from :{}\n", n - 1)
            } else {
                String::new()
            },
            body.len()
        ));
        stream.push_str(&format!("reset refs/tags/r{n:03}\nfrom :{n}\n\n"));
    }
    let mut import = crate::support::git::git_command();
    import
        .current_dir(repo.path())
        .args(["fast-import", "--quiet"])
        .stdin(std::process::Stdio::piped());
    let mut child = import.spawn().expect("git fast-import");
    std::io::Write::write_all(child.stdin.as_mut().unwrap(), stream.as_bytes()).unwrap();
    drop(child.stdin.take());
    assert!(child.wait().unwrap().success());
    repo.git(["reset", "-q", "--hard", "main"]);

    let out = repo
        .cmd()
        .args([".", "--history", "r001..r205", "-f", "json"])
        .complete();
    assert!(out.status.success(), "{}", describe(&out));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let revs: Vec<&str> = report["revisions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["rev"].as_str().unwrap())
        .collect();
    assert_eq!(revs.len(), 200);
    assert_eq!((revs[0], revs[199]), ("r001", "r205"));
    let code: Vec<u64> = report["revisions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["totals"]["code"].as_u64().unwrap())
        .collect();
    assert!(
        code.windows(2).all(|w| w[0] < w[1]),
        "in the order of their commits"
    );
    let notes = String::from_utf8_lossy(&out.stderr);
    assert!(
        notes.contains("200 of 205 revisions drawn"),
        "the note says what was left out: {notes}"
    );
}
