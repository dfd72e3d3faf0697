//! Views: `--depth`, `--by-language`, and the generated completions and
//! man page.

use serde_json::Value;

use crate::util::{TestDir, assert_xml, describe, parse_folded};

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
    let out = dir.run(args);
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    String::from_utf8(out.stdout).unwrap()
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
