//! The Markdown summary (`--format markdown`), read back by a real GFM
//! parser (pulldown-cmark with tables): its tables are well formed (every
//! row as many cells as the header, none empty, numbers right-aligned, no
//! raw HTML), its numbers are the JSON report's, a diff's summary on a
//! small history is exactly the lines written down here, and hostile file
//! names stay whole cells.

use std::collections::BTreeMap;

use pulldown_cmark::{Alignment, Event, Options, Parser, Tag, TagEnd};
use serde_json::Value;

use crate::support::repo::TestRepo;
use crate::support::run::{Run, describe};
use crate::support::tree::TestDir;

/// A table as a reader sees it: header and rows of cell texts (code spans
/// by their content).
#[derive(Debug)]
pub(crate) struct Table {
    pub(crate) head: Vec<String>,
    pub(crate) rows: Vec<Vec<String>>,
}

/// What the parser makes of `md`: its tables, and every block of other
/// text (headings, paragraphs) as plain text. Fails on raw HTML, on a row
/// whose cell count is not the header's, on an empty cell, and on a table
/// whose columns are not left, right, right…
pub(crate) fn parse(md: &str) -> (Vec<Table>, Vec<String>) {
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_MATH;
    let (mut tables, mut blocks) = (Vec::new(), Vec::new());
    let mut table: Option<Table> = None;
    let mut row: Vec<String> = Vec::new();
    let mut cell: Option<String> = None;
    let mut block = String::new();
    for event in Parser::new_ext(md, options) {
        match event {
            Event::Start(Tag::Table(alignments)) => {
                let mut expected = vec![Alignment::Right; alignments.len()];
                expected[0] = Alignment::Left;
                assert_eq!(alignments, expected, "alignment\n{md}");
                table = Some(Table {
                    head: Vec::new(),
                    rows: Vec::new(),
                });
            }
            Event::End(TagEnd::Table) => tables.push(table.take().unwrap()),
            Event::Start(Tag::TableCell) => cell = Some(String::new()),
            Event::End(TagEnd::TableCell) => {
                let text = cell.take().unwrap();
                assert!(!text.trim().is_empty(), "an empty cell\n{md}");
                row.push(text);
            }
            Event::End(TagEnd::TableHead) => {
                table.as_mut().unwrap().head = std::mem::take(&mut row);
            }
            Event::End(TagEnd::TableRow) => {
                let table = table.as_mut().unwrap();
                assert_eq!(row.len(), table.head.len(), "{row:?}\n{md}");
                table.rows.push(std::mem::take(&mut row));
            }
            Event::Text(text) | Event::Code(text) => match &mut cell {
                Some(cell) => cell.push_str(&text),
                None => block.push_str(&text),
            },
            Event::End(TagEnd::Paragraph | TagEnd::Heading(_)) => {
                blocks.push(std::mem::take(&mut block))
            }
            Event::Html(html) | Event::InlineHtml(html) => panic!("raw HTML {html:?}\n{md}"),
            Event::InlineMath(m) | Event::DisplayMath(m) => panic!("math {m:?}\n{md}"),
            Event::SoftBreak | Event::HardBreak => panic!("a line break in a block\n{md}"),
            Event::Start(Tag::Link { .. } | Tag::Image { .. } | Tag::Strikethrough) => {
                panic!("a link, image or strikethrough\n{md}")
            }
            _ => {}
        }
    }
    (tables, blocks)
}

/// The table whose first header cell is `first`.
fn table<'t>(tables: &'t [Table], first: &str) -> &'t Table {
    tables
        .iter()
        .find(|t| t.head[0] == first)
        .unwrap_or_else(|| panic!("no table {first:?} in {tables:#?}"))
}

/// `1,234` → 1234.
fn number(cell: &str) -> u64 {
    cell.replace(',', "")
        .parse()
        .unwrap_or_else(|_| panic!("not a number: {cell:?}"))
}

/// The directory a JSON path is summed into: cut at two components ("" for
/// a file at the root).
fn dir_of(path: &str) -> String {
    let parts: Vec<&str> = path.split('/').collect();
    parts[..parts.len() - 1]
        .iter()
        .take(2)
        .copied()
        .collect::<Vec<_>>()
        .join("/")
}

/// Checks a source's Markdown against its JSON report: every language row
/// and every directory row has the report's files and code lines, the
/// "and N more" row sums what is not listed, the totals are the report's.
fn check_source_against_json(md: &str, json: &Value) {
    let (tables, _) = parse(md);
    let code = |v: &Value| v["code"].as_u64().unwrap();
    let files = |v: &Value| v["files"].as_u64().unwrap();

    let languages = table(&tables, "Language");
    assert_eq!(languages.head, ["Language", "Files", "Code lines", "Share"]);
    let total = languages.rows.last().unwrap();
    assert_eq!(total[0], "Total");
    assert_eq!(number(&total[1]), files(&json["totals"]));
    assert_eq!(number(&total[2]), code(&json["totals"]));
    let by_name: BTreeMap<&str, &Value> = json["languages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| (l["name"].as_str().unwrap(), l))
        .collect();
    let mut listed = 0;
    for row in &languages.rows[..languages.rows.len() - 1] {
        let language = by_name[row[0].as_str()];
        assert_eq!(number(&row[1]), files(language), "{row:?}");
        assert_eq!(number(&row[2]), code(language), "{row:?}");
        listed += 1;
    }
    assert_eq!(listed, by_name.len(), "every language has a row");

    // Directories to depth 2, from the report's files.
    let mut expected: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    for file in json["files"].as_array().unwrap() {
        let sums = expected
            .entry(dir_of(file["path"].as_str().unwrap()))
            .or_default();
        sums.0 += files(file);
        sums.1 += code(file);
    }
    let dirs = table(&tables, "Directory");
    assert_eq!(dirs.head, ["Directory", "Files", "Code lines", "Share"]);
    let (mut seen, mut sum) = (0, (0, 0));
    for row in &dirs.rows[..dirs.rows.len() - 1] {
        let counts = (number(&row[1]), number(&row[2]));
        if let Some(n) = row[0]
            .strip_prefix("and ")
            .and_then(|r| r.strip_suffix(" more"))
        {
            // What is not listed, summed.
            let rest: Vec<_> = expected.values().collect();
            assert_eq!(n.parse::<usize>().unwrap(), rest.len(), "{row:?}");
            let rest = rest
                .iter()
                .fold((0, 0), |(f, c), (rf, rc)| (f + rf, c + rc));
            assert_eq!(counts, rest, "{row:?}");
            expected.clear();
            continue;
        }
        let dir = if row[0] == "(top level)" { "" } else { &row[0] };
        let sums = expected
            .remove(dir)
            .unwrap_or_else(|| panic!("no directory {dir:?} in the report: {row:?}"));
        assert_eq!(counts, sums, "{row:?}");
        seen += 1;
        sum = (sum.0 + counts.0, sum.1 + counts.1);
    }
    assert!(expected.is_empty(), "directories left out: {expected:?}");
    assert!(seen > 0);
    let total = dirs.rows.last().unwrap();
    assert_eq!(total[0], "Total");
    assert_eq!(number(&total[2]), code(&json["totals"]));
}

/// `n` code lines of Rust.
fn rust(n: usize) -> String {
    "let x = 1;\n".repeat(n)
}

/// `n` code lines of Python.
fn python(n: usize) -> String {
    "x = 1\n".repeat(n)
}

/// `n` code lines of C.
fn c(n: usize) -> String {
    "int x;\n".repeat(n)
}

#[test]
fn a_source_summary_has_the_json_reports_numbers() {
    let dir = TestDir::new("proj");
    // Thirteen directories, so that three are summed into one row.
    for i in 0..13 {
        dir.file(format!("d{i:02}/sub/f.rs"), rust(20 + i));
    }
    dir.file("src/lib.rs", rust(7))
        .file("src/net/tcp.rs", rust(50))
        .file("src/net/udp.py", python(9))
        .file("vendor/lib/x.c", c(30))
        .file("main.py", python(3));
    let md = dir.cmd().args(["--format", "markdown"]).quiet_ok();
    let json = dir.cmd().args(["--format", "json"]).json_ok();
    check_source_against_json(&md, &json);
    let (tables, blocks) = parse(&md);
    assert_eq!(blocks[0], "repoflame: proj");
    // 13 × 20 + 78 + 7 + 50 + 9 + 30 + 3 = 437 code lines; 30 vendored.
    assert_eq!(
        blocks[1],
        "437 code lines in 18 files · 3 languages · own code 93% · vendored 7%"
    );
    let dirs = table(&tables, "Directory");
    assert_eq!(dirs.rows[0], ["src/net", "2", "59", "14%"]);
    assert_eq!(dirs.rows[10], ["and 7 more", "7", "120", "27%"]);
    // Written the same again.
    assert_eq!(dir.cmd().args(["-f", "markdown", "-j", "1"]).quiet_ok(), md);
}

#[test]
fn output_named_md_gets_markdown() {
    let dir = TestDir::new("proj");
    dir.file("src/lib.rs", rust(4));
    let md = dir.cmd().args(["--format", "markdown"]).quiet_ok();
    assert!(md.starts_with("## repoflame: `proj`\n"), "{md}");
    for name in ["summary.md", "SUMMARY.Markdown"] {
        let path = dir.parent().join(name);
        let out = dir.cmd().arg("-o").arg(&path).complete();
        assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
        assert_eq!(std::fs::read_to_string(&path).unwrap(), md, "{name}");
    }
}

/// A history whose diff is worked out by hand below: v1 → v2 grows
/// src/net/tcp.rs by 20, adds src/net/udp.rs (8), deletes tools/gen.py
/// (6), grows the vendored vendor/lib/x.c by 3 and leaves src/lib.rs.
fn small_history() -> TestRepo {
    let repo = TestRepo::new("proj");
    repo.file("src/net/tcp.rs", rust(10))
        .file("src/lib.rs", rust(5))
        .file("vendor/lib/x.c", c(4))
        .file("tools/gen.py", python(6));
    repo.commit("v1");
    repo.tag("v1");
    repo.file("src/net/tcp.rs", rust(30))
        .file("src/net/udp.rs", rust(8))
        .file("vendor/lib/x.c", c(7))
        .remove("tools/gen.py");
    repo.commit("v2");
    repo.tag("v2");
    repo
}

#[test]
fn a_diff_summary_on_a_small_history_is_these_lines() {
    let repo = small_history();
    let md = repo
        .cmd()
        .args(["--diff", "v1..v2", "--format", "markdown"])
        .quiet_ok();
    let expected = "\
## repoflame: `proj`, `v1` → `v2`

**+31 −6 code lines in 4 files; most in `src/net` (+28)**

25 → 50 code lines (+25, +100%) · 4 → 4 files

**Changed outside your own code:** vendored +3 (4 → 7 code lines).

### Changed directories

| Directory | Before | After | Change | % |
| :--- | ---: | ---: | ---: | ---: |
| `src/net` | 10 | 38 | +28 | +280% |
| `tools` | 6 | 0 | −6 | −100% |
| `vendor/lib` | 4 | 7 | +3 | +75.0% |

### Languages

| Language | Before | After | Change | % |
| :--- | ---: | ---: | ---: | ---: |
| Rust | 15 | 43 | +28 | +186.7% |
| C | 4 | 7 | +3 | +75.0% |
| Python | 6 | 0 | −6 | −100% |
| **Total** | 25 | 50 | +25 | +100% |

### Most added

| File | Before | After | Change | % |
| :--- | ---: | ---: | ---: | ---: |
| `src/net/tcp.rs` | 10 | 30 | +20 | +200% |
| `src/net/udp.rs` | 0 | 8 | +8 | new |
| `vendor/lib/x.c` | 4 | 7 | +3 | +75.0% |

### Most removed

| File | Before | After | Change | % |
| :--- | ---: | ---: | ---: | ---: |
| `tools/gen.py` | 6 | 0 | −6 | −100% |
";
    assert_eq!(md, expected);
    parse(&md);
    // The numbers are the JSON report's of the same diff.
    let json = repo
        .cmd()
        .args(["--diff", "v1..v2", "--format", "json"])
        .json_ok();
    assert_eq!(json["totals"]["before"]["code"], 25);
    assert_eq!(json["totals"]["after"]["code"], 50);
}

#[test]
fn a_diff_without_change_says_so() {
    let repo = small_history();
    let md = repo
        .cmd()
        .args(["--diff", "v2..v2", "--format", "markdown"])
        .quiet_ok();
    let (tables, blocks) = parse(&md);
    assert_eq!(blocks[1], "No change in code lines");
    assert_eq!(tables.len(), 1, "only the languages: {md}");
}

/// Names that are Markdown syntax, or break a table or a line; the
/// worst first, as they get the most code lines and so are listed (the
/// files table shows five).
const HOSTILE: &[&str] = &[
    "a|b",
    "x`y",
    "``",
    "back\\|slash",
    "new\nline",
    "*em*",
    "_u_",
    "<b>x</b>",
    "[l](e.x)",
    "$m$",
    "~~s~~",
    " lead",
    "#h",
];

#[test]
fn hostile_names_stay_whole_cells_of_a_source_summary() {
    let dir = TestDir::new("proj");
    for (i, name) in HOSTILE.iter().enumerate() {
        dir.file(format!("{name}/{name}.rs"), rust(200 - i));
    }
    dir.file("top.rs", rust(1));
    let md = dir.cmd().args(["--format", "markdown"]).quiet_ok();
    let json = dir.cmd().args(["--format", "json"]).json_ok();
    check_source_against_json(&md, &json);
}

#[test]
fn hostile_names_stay_whole_cells_of_a_diff_summary() {
    let repo = TestRepo::new("proj");
    repo.file("keep.rs", rust(1));
    repo.commit("v1");
    repo.tag("v1");
    for (i, name) in HOSTILE.iter().enumerate() {
        repo.file(format!("{name}/{name}.rs"), rust(200 - i));
    }
    repo.commit("v2");
    let md = repo
        .cmd()
        .args(["--diff", "v1..HEAD", "--format", "markdown"])
        .quiet_ok();
    let json = repo
        .cmd()
        .args(["--diff", "v1..HEAD", "--format", "json"])
        .json_ok();
    let added: BTreeMap<&str, u64> = json["files"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["before"].is_null())
        .map(|f| {
            (
                f["path"].as_str().unwrap(),
                f["after"]["code"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(added.len(), HOSTILE.len());
    let (tables, _) = parse(&md);
    let files = table(&tables, "File");
    // The largest five, then one row for the rest.
    assert_eq!(files.rows.len(), 6, "{md}");
    for row in &files.rows[..5] {
        assert_eq!(
            Some(&number(&row[2])),
            added.get(row[0].as_str()),
            "{row:?}"
        );
    }
    let dirs = table(&tables, "Directory");
    for row in &dirs.rows[..10] {
        // Each directory holds one file.
        let inside: Vec<u64> = added
            .iter()
            .filter(|(path, _)| {
                path.strip_prefix(row[0].as_str())
                    .is_some_and(|p| p.starts_with('/'))
            })
            .map(|(_, code)| *code)
            .collect();
        assert_eq!(inside, [number(&row[2])], "{row:?}");
    }
}
