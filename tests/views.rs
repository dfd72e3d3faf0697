//! Views: `--depth`, `--by-language`, and the generated completions and
//! man page.

use serde_json::Value;

use crate::support::git::git_at;
use crate::support::output::{assert_fails_cleanly, assert_xml, parse_folded, svg_text};
use crate::support::processes::HANG;
use crate::support::run::{Run, describe, repoflame};
use crate::support::terminal;
use crate::support::tree::{
    GO_MODULE_GENERATED_CODE, GO_MODULE_OWN_CODE, GO_MODULE_VENDORED_CODE, TestDir,
    vendored_go_module,
};

fn tree() -> TestDir {
    let dir = TestDir::new("views");
    dir.file("top.rs", "fn top() {}\n")
        .file("src/main.rs", "fn main() {}\nfn two() {}\n")
        .file("src/core/a.rs", "fn a() {}\n// c\n")
        .file("src/core/b.py", "x = 1\ny = 2\nz = 3\n")
        .file("web/app.js", "let a = 1;\nlet b = 2;\n")
        .file("web/deep/er/x.js", "let x = 1;\n");
    dir
}

fn ok(dir: &TestDir, args: &[&str]) -> String {
    dir.cmd().args(args).stdout_ok()
}

#[test]
fn depth_aggregates_below_it_in_folded_output() {
    let dir = tree();
    assert_eq!(
        ok(&dir, &["--depth", "1", "--folded"]),
        "views;src 6\nviews;top.rs 1\nviews;web 3\n"
    );
    assert_eq!(
        ok(&dir, &["--depth", "2", "--folded"]),
        "views;src;core 4\nviews;src;main.rs 2\nviews;top.rs 1\nviews;web;app.js 2\nviews;web;deep 1\n"
    );
    // Deeper than the tree: every file, as without --depth.
    assert_eq!(
        ok(&dir, &["--depth", "9", "--folded"]),
        ok(&dir, &["--folded"])
    );
    // Totals never change.
    for depth in ["1", "2", "3"] {
        let folded = ok(&dir, &["--depth", depth, "--folded", "--metric", "lines"]);
        let sum: u64 = parse_folded(&folded).iter().map(|(_, c)| c).sum();
        assert_eq!(sum, 11, "depth {depth}");
    }
}

#[test]
fn depth_applies_to_the_json_report_and_the_svg() {
    let dir = tree();
    let report: Value = serde_json::from_str(&ok(&dir, &["--depth", "1", "-f", "json"])).unwrap();
    let files = report["files"].as_array().unwrap();
    let entries: Vec<(String, String, u64, u64)> = files
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_string(),
                f["kind"].as_str().unwrap().to_string(),
                f["files"].as_u64().unwrap(),
                f["code"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        entries,
        vec![
            ("src".into(), "directory".into(), 3, 6),
            ("top.rs".into(), "file".into(), 1, 1),
            ("web".into(), "directory".into(), 2, 3),
        ]
    );
    // A folded directory names the language with most of the metric.
    assert_eq!(files[0]["language"], "Python");
    assert_eq!(report["totals"]["code"], 10);

    let svg = dir.run(&["--depth", "1"]).stdout;
    assert_xml(&svg);
    let svg = String::from_utf8(svg).unwrap();
    assert!(
        svg.contains("views/src/ · 6 code lines"),
        "folded directory tooltip"
    );
    assert!(svg.contains("mostly Python"), "its main language");
    assert!(!svg.contains("main.rs"), "nothing below the depth is drawn");
}

#[test]
fn by_language_puts_the_language_first() {
    let dir = tree();
    assert_eq!(
        ok(&dir, &["--by-language", "--folded"]),
        "views;JavaScript;web;app.js 2\nviews;JavaScript;web;deep;er;x.js 1\n\
         views;Python;src;core;b.py 3\nviews;Rust;src;core;a.rs 1\n\
         views;Rust;src;main.rs 2\nviews;Rust;top.rs 1\n"
    );
    assert_eq!(
        ok(&dir, &["--by-language", "--depth", "1", "--folded"]),
        "views;JavaScript 3\nviews;Python 3\nviews;Rust 4\n"
    );
    let svg = String::from_utf8(dir.run(&["--by-language"]).stdout).unwrap();
    assert!(
        svg.contains("views/Rust/ · 4 code lines"),
        "language frames"
    );
}

#[test]
fn completions_and_man_page_come_from_the_cli_definition() {
    let dir = tree();
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let text = ok(&dir, &["--generate-completions", shell]);
        for flag in ["depth", "by-language", "diff", "exclude", "metric"] {
            assert!(text.contains(flag), "{shell} completions lack {flag}");
        }
    }
    let man = ok(&dir, &["--generate-man"]);
    assert!(
        man.starts_with(".ie") || man.contains(".TH repoflame 1"),
        "{man}"
    );
    assert!(man.contains("by\\-language") || man.contains("by-language"));
    // Generation cannot be mixed with a run.
    let out = dir.run(&["--generate-man", "--folded"]);
    assert_eq!(out.status.code(), Some(2), "{}", describe(&out));
}

#[test]
fn html_report_is_one_self_contained_page() {
    let dir = tree();
    let page = ok(&dir, &["--format", "html"]);
    assert!(page.starts_with("<!DOCTYPE html>"), "{}", &page[..100]);
    assert_eq!(
        page.matches("<svg version=").count(),
        1,
        "the graph, inlined once"
    );
    assert!(!page.contains("<?xml"), "no XML prolog inside HTML");
    for needed in [
        "Languages",
        "Largest directories",
        "Rust",
        "Python",
        "JavaScript",
    ] {
        assert!(page.contains(needed), "{needed}");
    }
    // Nothing is loaded from elsewhere (URLs in XML namespaces and comments
    // are not loaded).
    for external in [
        "src=\"http",
        "href=\"http",
        "url(http",
        "@import",
        "src=\"//",
    ] {
        assert!(!page.contains(external), "external reference: {external}");
    }
    // Atomic file output, like every format.
    let out = dir.parent().join("report.html");
    let run = dir.run(&["--format", "html", "-o", out.to_str().unwrap()]);
    assert_eq!(run.status.code(), Some(0), "{}", describe(&run));
    assert_eq!(std::fs::read_to_string(&out).unwrap(), page);
}

/// A tree with generated, vendored and documentation files, and
/// `.gitattributes` that mark and unmark.
fn classified() -> TestDir {
    let dir = TestDir::new("cls");
    dir.file("src/main.rs", "fn main() {}\n")
        .file("src/keep.rs", "fn keep() {}\n")
        .file("src/proto/api.pb.go", "package api\nfunc A() {}\n")
        .file(
            "gen/a.go",
            "// Code generated by stringer. DO NOT EDIT.\npackage gen\nfunc B() {}\n",
        )
        .file("vendor/lib/v.rs", "fn v() {}\nfn w() {}\n")
        .file("third_party/ours/o.rs", "fn o() {}\n")
        .file("web/app.min.js", format!("{}\n", "var a=1;".repeat(40)))
        .file("docs/guide.md", "# Guide\n\n```rust\nfn x() {}\n```\n")
        .file(".gitattributes", "src/keep.rs linguist-generated\n")
        .file("third_party/.gitattributes", "ours/** -linguist-vendored\n");
    dir
}

fn report(dir: &TestDir, args: &[&str]) -> Value {
    dir.cmd().args(["--format", "json"]).args(args).json_ok()
}

fn classes(report: &Value) -> Vec<(String, Option<String>)> {
    report["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_string(),
                f["class"].as_str().map(str::to_string),
            )
        })
        .collect()
}

#[test]
fn generated_vendored_and_documentation_are_marked_with_a_reason() {
    let dir = classified();
    let report = report(&dir, &[]);
    let found = classes(&report);
    let expect = |path: &str, class: Option<&str>| {
        assert!(
            found.contains(&(path.to_string(), class.map(str::to_string))),
            "{path} should be {class:?}: {found:?}"
        );
    };
    expect("src/main.rs", None);
    expect("src/keep.rs", Some("generated")); // .gitattributes
    expect("src/proto/api.pb.go", Some("generated")); // a generated name
    expect("gen/a.go", Some("generated")); // the marker
    expect("web/app.min.js", Some("generated")); // minified
    expect("vendor/lib/v.rs", Some("vendored"));
    expect("third_party/ours/o.rs", None); // -linguist-vendored, nested
    expect("docs/guide.md", Some("documentation"));
    let reason = |path: &str| {
        report["files"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["path"] == path)
            .unwrap()["reason"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert!(
        reason("src/keep.rs").contains(".gitattributes"),
        "{}",
        reason("src/keep.rs")
    );
    assert!(
        reason("gen/a.go").contains("DO NOT EDIT"),
        "{}",
        reason("gen/a.go")
    );
    // Counted separately, and still part of the totals.
    let marked = &report["marked"];
    assert_eq!(marked["vendored"]["code"], 2);
    assert_eq!(marked["generated"]["files"], 4);
    let total = report["totals"]["code"].as_u64().unwrap();
    let files_sum: u64 = report["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_u64().unwrap())
        .sum();
    assert_eq!(total, files_sum);

    // The SVG marks them: hatched, with the reason in the hover text.
    let svg = String::from_utf8(dir.run(&[]).stdout).unwrap();
    assert_xml(svg.as_bytes());
    assert_eq!(
        svg.matches("<g class=\"marked\"").count(),
        6,
        "marked frames"
    );
    assert!(svg.contains("url(#rf-hatch)"));
    assert!(
        svg.contains("vendored: vendored path (vendor/)"),
        "reason in hover"
    );
    assert!(
        svg.contains("generated, vendored or documentation"),
        "legend item"
    );
}

#[test]
fn exclude_generated_and_exclude_vendored_leave_them_out() {
    let dir = classified();
    let folded = ok(
        &dir,
        &["--folded", "--exclude-generated", "--exclude-vendored"],
    );
    assert_eq!(
        folded,
        "cls;docs;guide.md 1\ncls;src;main.rs 1\ncls;third_party;ours;o.rs 1\n"
    );
    let only_vendored_out = ok(&dir, &["--folded", "--exclude-vendored"]);
    assert!(only_vendored_out.contains("gen;a.go"));
    assert!(!only_vendored_out.contains("vendor;lib"));
    let report = report(&dir, &["--exclude-generated"]);
    assert!(
        report["marked"].get("generated").is_none(),
        "{}",
        report["marked"]
    );
}

#[test]
fn gitattributes_above_a_subdirectory_source_and_at_a_revision_apply() {
    let dir = classified();
    // git as every test runs it: no GIT_DIR or configuration inherited
    // from whoever runs the tests (a hook's GIT_DIR would commit elsewhere).
    let git = |args: &[&str]| git_at(dir.path(), args);
    git(&["init", "-q", "-b", "main"]);
    git(&["add", "-A"]);
    git(&["commit", "-q", "-m", "one"]);

    // The root's .gitattributes applies to a run on src/ alone.
    let src = dir.join("src");
    let out = repoflame()
        .args([src.to_str().unwrap(), "--format", "json"])
        .complete();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let found = classes(&report);
    assert!(
        found.contains(&("keep.rs".to_string(), Some("generated".to_string()))),
        "{found:?}"
    );

    // At a revision, the .gitattributes of that revision count, not the
    // work tree's: change the work tree, the answer stays.
    std::fs::write(dir.join(".gitattributes"), "").unwrap();
    let at_head = report_of(&dir, &["--rev", "HEAD"]);
    assert!(
        at_head.contains(&("src/keep.rs".to_string(), Some("generated".to_string()))),
        "{at_head:?}"
    );
    assert!(
        at_head.contains(&("third_party/ours/o.rs".to_string(), None)),
        "{at_head:?}"
    );
    let in_work_tree = report_of(&dir, &[]);
    assert!(
        in_work_tree.contains(&("src/keep.rs".to_string(), None)),
        "{in_work_tree:?}"
    );
    // A subdirectory at a revision.
    let out = repoflame()
        .args([src.to_str().unwrap(), "--rev", "HEAD", "--format", "json"])
        .complete();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        classes(&report).contains(&("keep.rs".to_string(), Some("generated".to_string()))),
        "{}",
        describe(&out)
    );
}

#[test]
fn a_single_file_source_is_classified_by_the_gitattributes_above_it() {
    // The work tree's root is found by its `.git`.
    let dir = classified();
    dir.dir(".git");
    let keep = dir.join("src/keep.rs");
    let out = repoflame()
        .args([keep.to_str().unwrap(), "--format", "json"])
        .complete();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        classes(&report),
        [(String::new(), Some("generated".to_string()))],
        "{}",
        describe(&out)
    );
}

fn report_of(dir: &TestDir, args: &[&str]) -> Vec<(String, Option<String>)> {
    classes(&report(dir, args))
}

#[test]
fn the_vendored_go_module_is_what_its_helper_says() {
    // The fixture of the own-code tests and screenshots: its counts,
    // written down in the helper, checked once here.
    let dir = vendored_go_module();
    let report = report(&dir, &[]);
    let marked = &report["marked"];
    assert_eq!(marked["vendored"]["code"], GO_MODULE_VENDORED_CODE);
    assert_eq!(marked["vendored"]["files"], 50);
    assert_eq!(marked["generated"]["code"], GO_MODULE_GENERATED_CODE);
    assert_eq!(marked["documentation"]["files"], 2);
    let own = report["files"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["class"].is_null())
        .map(|f| f["code"].as_u64().unwrap())
        .sum::<u64>();
    assert_eq!(own, GO_MODULE_OWN_CODE);
}

#[test]
fn own_leaves_out_vendored_generated_and_documentation() {
    let dir = classified();
    let own = ok(&dir, &["--folded", "--own"]);
    assert_eq!(own, "cls;src;main.rs 1\ncls;third_party;ours;o.rs 1\n");
    assert_eq!(
        ok(
            &dir,
            &[
                "--folded",
                "--exclude-generated",
                "--exclude-vendored",
                "--exclude-documentation"
            ]
        ),
        own,
        "--own is the three --exclude-… together"
    );
    let no_docs = ok(&dir, &["--folded", "--exclude-documentation"]);
    assert!(!no_docs.contains("guide.md"), "{no_docs}");
    assert!(
        no_docs.contains("vendor;lib;v.rs") && no_docs.contains("gen;a.go"),
        "{no_docs}"
    );

    // Everything is counted by default; --own says what it left out.
    let dir = vendored_go_module();
    let all = report(&dir, &[]);
    assert_eq!(
        all["totals"]["code"],
        GO_MODULE_OWN_CODE + GO_MODULE_GENERATED_CODE + GO_MODULE_VENDORED_CODE
    );
    assert!(all.get("left_out").is_none(), "{}", all["left_out"]);
    let own = report(&dir, &["--own"]);
    assert_eq!(own["totals"]["code"], GO_MODULE_OWN_CODE);
    assert_eq!(own["totals"]["files"], 9);
    assert_eq!(own["marked"], serde_json::json!({}));
    let left_out = &own["left_out"];
    assert_eq!(left_out["vendored"]["code"], GO_MODULE_VENDORED_CODE);
    assert_eq!(left_out["vendored"]["files"], 50);
    assert_eq!(left_out["generated"]["code"], GO_MODULE_GENERATED_CODE);
    assert_eq!(left_out["documentation"]["files"], 2);

    let help = repoflame().arg("--help").quiet_ok();
    for flag in ["--own", "--exclude-documentation"] {
        assert!(help.contains(flag), "--help does not mention {flag}");
    }
}

#[test]
fn own_on_a_tree_of_vendored_files_says_why_nothing_is_left() {
    let dir = TestDir::new("v");
    dir.file("vendor/x/a.go", "package x\n")
        .file("vendor/x/b.go", "package x\n")
        .file("docs/a.md", "# A\n");
    let out = dir.run(&["--own", "--folded"]);
    assert_eq!(
        assert_fails_cleanly(&out),
        "repoflame: .: nothing to count: the 3 files counted are all vendored or \
         documentation, left out by --own"
    );
    let dir = TestDir::new("w");
    dir.file("vendor/x/a.go", "package x\n");
    let out = dir.run(&["--exclude-vendored", "--folded"]);
    assert_eq!(
        assert_fails_cleanly(&out),
        "repoflame: .: nothing to count: the 1 file counted is vendored, left out by \
         --exclude-vendored"
    );
}

#[test]
fn subtitle_says_how_much_is_not_the_users_own_code_and_how_to_hide_it() {
    let dir = vendored_go_module();
    // 8,032 vendored and 640 generated of 10,702 code lines: 81%. The
    // documentation has no code lines, so it is not named.
    let all = dir.run(&[]);
    assert_eq!(
        svg_text(&all.stdout, "subtitle").unwrap(),
        "10,702 code lines in 62 files · 2 languages · 81% vendored or generated: \
         --own shows your code alone"
    );
    let own = dir.run(&["--own"]);
    assert_eq!(
        svg_text(&own.stdout, "subtitle").unwrap(),
        "2,030 code lines in 9 files · 1 language · 8,672 vendored or generated code \
         lines left out"
    );
    // In files, the documentation counts.
    let files = dir.run(&["--metric", "files", "--exclude-vendored"]);
    assert_eq!(
        svg_text(&files.stdout, "subtitle").unwrap(),
        "12 files in 12 files · 2 languages · 25% documentation or generated: --own \
         shows your code alone · 50 vendored files left out"
    );
    // The HTML report's heading says the same.
    let page = ok(&dir, &["--format", "html"]);
    assert!(
        page.contains(
            "<p class=\"rf-sub\">10,702 code lines in 62 files · 2 languages · 81% vendored \
             or generated: --own shows your code alone</p>"
        ),
        "{}",
        &page[..page.find("</header>").unwrap()]
    );
    // Nothing to say of a tree of the user's own code.
    let plain = tree();
    assert_eq!(
        svg_text(&plain.run(&[]).stdout, "subtitle").unwrap(),
        "10 code lines in 6 files · 3 languages"
    );
}

#[test]
fn terminal_summary_says_how_much_is_not_the_users_own_code() {
    let dir = vendored_go_module();
    let mut cmd = dir.cmd();
    cmd.arg("--folded");
    let run = terminal::run_on_pty(cmd, false, true, HANG);
    assert_eq!(run.status.code(), Some(0));
    let shown = String::from_utf8_lossy(&run.terminal).replace("\r\n", "\n");
    assert!(
        shown.contains(
            "\n 81% of the code lines are vendored or generated: --own shows your code alone\n"
        ),
        "{shown}"
    );
    let rows: Vec<Vec<&str>> = shown
        .lines()
        .filter(|l| l.starts_with("   of which "))
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert_eq!(
        rows,
        [
            ["of", "which", "generated", "1", "640", "1", "1"],
            ["of", "which", "vendored", "50", "8,032", "50", "50"],
            ["of", "which", "documentation", "2", "0", "8", "4"],
        ]
    );

    let mut cmd = dir.cmd();
    cmd.args(["--folded", "--own"]);
    let run = terminal::run_on_pty(cmd, false, true, HANG);
    assert_eq!(run.status.code(), Some(0));
    let shown = String::from_utf8_lossy(&run.terminal).replace("\r\n", "\n");
    let rows: Vec<Vec<&str>> = shown
        .lines()
        .filter(|l| l.starts_with("   left out: "))
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert_eq!(
        rows,
        [
            ["left", "out:", "generated", "1", "640", "1", "1"],
            ["left", "out:", "vendored", "50", "8,032", "50", "50"],
            ["left", "out:", "documentation", "2", "0", "8", "4"],
        ]
    );
    assert!(!shown.contains("--own shows"), "{shown}");
}

/// `(fg:x, fg:w)` of every frame's rectangle of `svg` filled with `fill`
/// (not the legend's).
fn rects_filled(svg: &str, fill: &str) -> Vec<(u64, u64)> {
    let attr = |rect: &str, name: &str| -> u64 {
        let at = rect.find(&format!(" {name}=\"")).unwrap() + name.len() + 3;
        rect[at..at + rect[at..].find('"').unwrap()]
            .parse()
            .unwrap()
    };
    svg.split("<rect ")
        .skip(1)
        .map(|rest| &rest[..rest.find("/>").unwrap()])
        .filter(|rect| rect.contains(&format!("fill=\"{fill}\"")) && rect.contains(" fg:x=\""))
        .map(|rect| (attr(rect, "fg:x"), attr(rect, "fg:w")))
        .collect()
}

#[test]
fn merged_frames_are_hatched_in_proportion_and_say_what_they_hold() {
    let dir = vendored_go_module();
    // One level deep, entries under 273 code lines merged (30 px of 1,180
    // for 10,702 lines): at the root, in byte order, the merged cmd/,
    // main.go and pkg/ (470 lines), internal/ (2,200 of which 640
    // generated), vendor/ (8,032, all vendored).
    let svg = String::from_utf8(dir.run(&["--depth", "1", "--min-width", "30"]).stdout).unwrap();
    assert_xml(svg.as_bytes());
    assert!(
        svg.contains(
            "<title>(2 directories, 3 files)\n2 directories and 1 file too narrow to draw, \
             merged: pkg/, main.go, cmd/ · 470 code lines (4.39%) in 3 files, mostly Go\n"
        ),
        "the merged frame's name and hover text"
    );
    assert!(!svg.contains("small files)"));
    // Hatched over the right part of each frame, in proportion: 640 of
    // internal/'s 2,200 lines, all 8,032 of vendor/.
    assert_eq!(
        rects_filled(&svg, "url(#rf-hatch-pale)"),
        [(470 + 2200 - 640, 640), (470 + 2200, 8032)]
    );
    assert_eq!(svg.matches("<g class=\"marked merged\">").count(), 2);
    assert_eq!(svg.matches("<g class=\"merged\">").count(), 1);
    assert!(svg.contains("\n29% generated</title>"), "internal/'s hover");
    assert!(svg.contains("\n100% vendored</title>"), "vendor/'s hover");

    // Small files merged, all vendored: all hatched, like the files.
    let svg = String::from_utf8(dir.run(&["--min-width", "8"]).stdout).unwrap();
    assert!(svg.contains("<title>(40 small files)\n"));
    let part = rects_filled(&svg, "url(#rf-hatch-pale)");
    assert_eq!(part.len(), 1, "{part:?}");
    assert_eq!(part[0].1, 1672, "all of the 40 files' lines");
    // The vendored files drawn one by one: hatched whole, as before.
    assert_eq!(rects_filled(&svg, "url(#rf-hatch)").len(), 10 + 1);
}
