//! Hostile file and directory names, with real files on disk: each name
//! stays exactly one frame, escaped per DESIGN.md so that `unescape` gives
//! the raw bytes back, the folded output reads back in inferno with nothing
//! split, dropped or merged, and the SVG parses as XML and shows every name.
//! The frames themselves are checked against the literal table of
//! `tests/escape_table.rs`, not only against `escape`.

use std::collections::BTreeMap;

use repoflame::escape::{escape, unescape};

use crate::escape_table::ESCAPE_TABLE;
use crate::support::output;
use crate::support::run::{Run, describe, describe_brief, repoflame};
use crate::support::tree::TestDir;

/// The root of the hostile tree: read as a comment by folded readers if it
/// were not escaped.
const ROOT: &[u8] = b"# root";

/// A file of `code` lines of Rust code.
fn rust(code: u64) -> Vec<u8> {
    (0..code)
        .map(|i| format!("fn f{i}() {{}}\n"))
        .collect::<String>()
        .into_bytes()
}

/// An extensionless Python script of `code` code lines, found by its
/// shebang.
fn python(code: u64) -> Vec<u8> {
    let mut text = String::from("#!/usr/bin/env python3\n");
    for i in 0..code {
        text.push_str(&format!("x{i} = {i}\n"));
    }
    text.into_bytes()
}

/// The paths (raw components below the root) of the hostile tree. A file
/// carries its hostile part before a `.rs` extension; names whose trap is at
/// the end (trailing space, trailing number, `_[k]`) are directories holding
/// `x.rs`, or extensionless scripts counted through their shebang.
fn hostile_paths() -> Vec<Vec<&'static [u8]>> {
    let paths: Vec<Vec<&'static [u8]>> = vec![
        // `;` splits a stack; its escape written literally must not collide.
        vec![b"semi;colon", b"a;b.rs"],
        vec![b"semi;colon", br"a\x3Bb.rs"],
        vec![b"semi;colon", b";.rs"],
        // `\` and names that look like escapes.
        vec![br"back\slash", br"a\b.rs"],
        vec![br"back\slash", br"\u{41}.rs"],
        vec![br"back\slash", br"\\.rs"],
        // Leading and trailing spaces are trimmed by readers.
        vec![b" lead", b" lead.rs"],
        vec![b"trail ", b"x.rs"],
        vec![b"end  "],
        vec![b" ", b" .rs"],
        // A trailing number is read as a second count column.
        vec![b"report 2", b"x.rs"],
        vec![b"v 1.5", b"x.rs"],
        vec![b"x 2"],
        vec![b"deep;1", b" 2 ", b"#3", b"x 4"],
        // Control characters.
        vec![b"new\nline", b"a\nb.rs"],
        vec![b"new\nline", b"\n.rs"],
        vec![b"\ttab", b"a\tb.rs"],
        vec![b"esc\x1b[31m", b"\x1b[0m.rs"],
        vec![b"del\x7f", b"a\x7f.rs"],
        vec![b"c0\x01\x02\x1f", b"\r\x07\x08.rs"],
        // Invalid UTF-8.
        vec![b"bad\xff", b"lone\xc3.rs"],
        vec![b"bad\xff", b"\xff\xfe.rs"],
        // XML's specials, and an entity written literally.
        vec![b"<&>\"'", b"<b>&amp;\"'.rs"],
        // Characters that break XML or terminals.
        vec!["rtl\u{202E}dir".as_bytes(), "a\u{202E}sr.rs".as_bytes()],
        vec!["nc\u{FFFE}".as_bytes(), "\u{FFFE}.rs".as_bytes()],
        vec!["nel\u{85}".as_bytes(), "a\u{85}b.rs".as_bytes()],
        vec!["\u{A0}nbsp\u{A0}".as_bytes(), "a\u{A0}b.rs".as_bytes()],
        // A leading `#` starts a comment line.
        vec![b"#hash", b"# x.rs"],
        vec![b"#", b"#.rs"],
        // inferno strips annotation suffixes.
        vec![b"f_[k]", b"x.rs"],
        vec![b"g_[j]"],
        vec![b"f_[k]", b"h_[w]"],
    ];
    paths
}

/// A built tree: each file's raw path below the root and its code lines.
struct Hostile {
    dir: TestDir,
    files: BTreeMap<Vec<Vec<u8>>, u64>,
}

/// Writes the hostile tree, giving file `i` a distinct number of code
/// lines so that a merged or misattributed frame shows in the counts.
fn hostile_tree() -> Hostile {
    let dir = TestDir::with_raw_name(ROOT);
    let mut files = BTreeMap::new();
    for (i, path) in hostile_paths().into_iter().enumerate() {
        let code = i as u64 + 1;
        let leaf = *path.last().unwrap();
        let content = if leaf.ends_with(b".rs") {
            rust(code)
        } else {
            python(code)
        };
        dir.file(path.join(&b'/'), content);
        let path: Vec<Vec<u8>> = path.iter().map(|c| c.to_vec()).collect();
        assert!(files.insert(path, code).is_none(), "duplicate test path");
    }
    Hostile { dir, files }
}

/// Escaped frames of every distinct stack prefix (one per frame of the
/// graph), with the code lines below it: the root first.
fn expected_frames(root: &[u8], files: &BTreeMap<Vec<Vec<u8>>, u64>) -> Vec<(String, u64)> {
    let mut prefixes: BTreeMap<Vec<Vec<u8>>, u64> = BTreeMap::new();
    for (path, code) in files {
        for depth in 0..=path.len() {
            *prefixes.entry(path[..depth].to_vec()).or_default() += code;
        }
    }
    let mut frames: Vec<(String, u64)> = prefixes
        .into_iter()
        .map(|(prefix, code)| {
            let name = match prefix.last() {
                Some(component) => escape(component).into_owned(),
                None => escape(root).into_owned(),
            };
            (name, code)
        })
        .collect();
    frames.sort();
    frames
}

/// Parses folded output, unescaping every frame; checks one line per file,
/// `depth + 1` frames per line, the root frame and each file's count.
fn check_folded(text: &str, root: &[u8], files: &BTreeMap<Vec<Vec<u8>>, u64>) {
    let lines = output::parse_folded(text);
    assert_eq!(
        lines.len(),
        files.len(),
        "one line per file expected:\n{text}"
    );
    let mut seen = BTreeMap::new();
    for (frames, count) in lines {
        let raw: Vec<Vec<u8>> = frames
            .iter()
            .map(|frame| unescape(frame).unwrap_or_else(|e| panic!("frame {frame:?}: {e}")))
            .collect();
        assert_eq!(raw[0], root, "root frame of {frames:?}");
        let path = raw[1..].to_vec();
        let Some(&expected) = files.get(&path) else {
            panic!("a line that is no file (split or garbled frames?): {frames:?}");
        };
        assert_eq!(frames.len(), path.len() + 1, "frame count of {frames:?}");
        assert_eq!(count, expected, "count of {frames:?}");
        for frame in &frames {
            assert_eq!(
                escape(&unescape(frame).unwrap()),
                frame.as_str(),
                "frame {frame:?} is not in canonical escaped form"
            );
        }
        assert!(
            seen.insert(path, count).is_none(),
            "duplicate stack {frames:?}"
        );
    }
    assert_eq!(&seen, files);
}

/// Renders folded text with inferno's library, as `inferno-flamegraph`
/// would, and returns the SVG.
fn inferno_svg(folded: &str) -> Vec<u8> {
    let mut options = inferno::flamegraph::Options::default();
    let mut svg = Vec::new();
    inferno::flamegraph::from_lines(&mut options, folded.lines(), &mut svg)
        .unwrap_or_else(|e| panic!("inferno cannot read the folded output: {e}"));
    svg
}

/// `(name, samples)` of each frame inferno drew, from titles like
/// `name (12 samples, 3.45%)`, sorted, without inferno's `all` frame.
fn inferno_frames(svg: &[u8]) -> Vec<(String, u64)> {
    let mut frames: Vec<(String, u64)> = output::svg_frames(svg)
        .into_iter()
        .map(|frame| {
            let (name, rest) = frame
                .title
                .rsplit_once(" (")
                .unwrap_or_else(|| panic!("title {:?}", frame.title));
            let samples: u64 = rest
                .split(' ')
                .next()
                .unwrap()
                .replace(',', "")
                .parse()
                .unwrap_or_else(|_| panic!("samples in {:?}", frame.title));
            (name.to_string(), samples)
        })
        .collect();
    let all = frames
        .iter()
        .position(|(name, _)| name == "all")
        .expect("inferno's `all` frame");
    frames.remove(all);
    frames.sort();
    frames
}

/// Real files named as in the literal table of `tests/escape_table.rs`
/// give exactly the frames written there, as directories (`dirs/NAME/x.rs`)
/// and, where the name has no extension (so that tokei takes the language
/// from the `#!` line), as leaves (`leaves/NAME`): the whole folded output
/// is the table's frames, nothing computed by the code under test. Entry
/// `i` has `i + 1` lines of code, so a frame given to the wrong file shows.
#[test]
fn folded_frames_of_real_files_are_the_frames_of_the_escape_table() {
    let dir = TestDir::new("table");
    let mut want = Vec::new();
    for (i, &(name, frame)) in ESCAPE_TABLE.iter().enumerate() {
        let code = i as u64 + 1;
        dir.file([b"dirs/", name, b"/x.rs"].concat(), rust(code));
        want.push(format!("table;dirs;{frame};x.rs {code}"));
        if !name.contains(&b'.') {
            dir.file([b"leaves/", name].concat(), python(code));
            want.push(format!("table;leaves;{frame} {code}"));
        }
    }
    let leaves = want.iter().filter(|l| l.contains(";leaves;")).count();
    assert!(leaves >= 40, "only {leaves} names as leaves");
    // Lines sorted by byte value, as the folded contract says.
    want.sort();
    let want: String = want.iter().map(|line| format!("{line}\n")).collect();
    let folded = output::folded_ok(&dir, &[]);
    if folded != want {
        let got: Vec<&str> = folded.lines().collect();
        let missing: Vec<&str> = want.lines().filter(|l| !got.contains(l)).collect();
        let extra: Vec<&str> = got
            .iter()
            .copied()
            .filter(|l| !want.lines().any(|w| w == *l))
            .collect();
        panic!(
            "folded output differs from the escape table\nexpected, missing: {missing:#?}\n\
             not expected: {extra:#?}"
        );
    }
}

#[test]
fn hostile_names_are_one_frame_each_in_folded_output() {
    let tree = hostile_tree();
    let folded = output::folded_ok(&tree.dir, &[]);
    check_folded(&folded, ROOT, &tree.files);
    // The same through an explicit path and with one thread.
    let path = tree.dir.path().to_str().unwrap().to_string();
    assert_eq!(output::folded_ok(&tree.dir, &[&path, "-j", "1"]), folded);
}

#[test]
fn inferno_reads_hostile_folded_output_with_nothing_split_dropped_or_merged() {
    let tree = hostile_tree();
    let folded = output::folded_ok(&tree.dir, &[]);
    let svg = inferno_svg(&folded);
    output::assert_xml(&svg);
    let total: u64 = tree.files.values().sum();
    assert_eq!(output::folded_total(&folded), total);
    let text = String::from_utf8_lossy(&svg);
    assert!(
        text.contains(&format!(r#"total_samples="{total}""#)),
        "inferno's total is not {total}"
    );
    assert_eq!(
        inferno_frames(&svg),
        expected_frames(ROOT, &tree.files),
        "inferno's frames differ from the tree's"
    );
}

#[test]
fn hostile_names_appear_escaped_in_an_svg_that_parses_as_xml() {
    let tree = hostile_tree();
    let out = tree.dir.run(&[]);
    assert_eq!(out.status.code(), Some(0), "{}", describe_brief(&out));
    assert!(out.stderr.is_empty(), "{}", describe_brief(&out));
    let svg = out.stdout;
    output::assert_xml(&svg);
    let text = String::from_utf8(svg.clone()).expect("the SVG is UTF-8");
    assert!(
        !text.contains(|c: char| c.is_control() && c != '\n' && c != '\t' && c != '\r'),
        "control character in the SVG"
    );

    let drawn = output::svg_frames(&svg);
    let mut names: BTreeMap<&str, usize> = BTreeMap::new();
    for frame in &drawn {
        *names.entry(frame.name()).or_default() += 1;
    }
    let mut wanted: BTreeMap<String, usize> = BTreeMap::new();
    for (name, _) in expected_frames(ROOT, &tree.files) {
        *wanted.entry(name).or_default() += 1;
    }
    for (name, count) in &wanted {
        let xml = quick_xml::escape::escape(name.as_str());
        assert!(text.contains(&*xml), "{xml:?} is not in the SVG");
        assert_eq!(
            names.get(name.as_str()).copied().unwrap_or(0),
            *count,
            "frames named {name:?} in the SVG"
        );
    }
    assert_eq!(
        drawn.len(),
        wanted.values().sum::<usize>(),
        "frames drawn: {:?}",
        drawn.iter().map(output::SvgFrame::name).collect::<Vec<_>>()
    );
}

#[test]
fn json_report_paths_unescape_to_the_raw_names() {
    let tree = hostile_tree();
    let out = tree.dir.run(&["--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let name = report["source"]["name"].as_str().expect("source name");
    assert_eq!(unescape(name).unwrap(), ROOT);
    let mut seen = BTreeMap::new();
    for file in report["files"].as_array().expect("files") {
        let path = file["path"].as_str().expect("path");
        let raw: Vec<Vec<u8>> = path.split('/').map(|c| unescape(c).unwrap()).collect();
        seen.insert(raw, file["code"].as_u64().expect("code"));
    }
    assert_eq!(seen, tree.files);
}

#[test]
fn names_differing_only_in_invalid_bytes_stay_two_frames() {
    let dir = TestDir::new("inv");
    dir.file(b"a\xFF.rs", rust(1));
    dir.file(b"a\xFE.rs", rust(2));
    dir.file(b"a\xEF\xBF\xBD.rs", rust(4)); // "a\u{FFFD}.rs", what a lossy decoding gives
    let folded = output::folded_ok(&dir, &[]);
    assert_eq!(
        folded, "inv;a\\xFE.rs 2\ninv;a\\xFF.rs 1\ninv;a\u{FFFD}.rs 4\n",
        "folded output"
    );
    let files = BTreeMap::from([
        (vec![b"a\xFF.rs".to_vec()], 1),
        (vec![b"a\xFE.rs".to_vec()], 2),
        (vec![b"a\xEF\xBF\xBD.rs".to_vec()], 4),
    ]);
    check_folded(&folded, b"inv", &files);
    assert_eq!(
        inferno_frames(&inferno_svg(&folded)),
        expected_frames(b"inv", &files)
    );
    let out = dir.run(&[]);
    assert_eq!(out.status.code(), Some(0), "{}", describe_brief(&out));
    let names: Vec<String> = output::svg_frames(&out.stdout)
        .iter()
        .map(|f| f.name().to_string())
        .collect();
    for frame in [r"a\xFF.rs", r"a\xFE.rs", "a\u{FFFD}.rs"] {
        assert_eq!(
            names.iter().filter(|n| *n == frame).count(),
            1,
            "{frame:?} in {names:?}"
        );
    }
}

#[test]
fn escaped_lookalikes_stay_distinct_from_the_names_they_look_like() {
    let dir = TestDir::new("look");
    let pairs: [(&[u8], &[u8]); 4] = [
        (b"a;b.rs", br"a\x3Bb.rs"),
        (b"\xFF.rs", br"\xFF.rs"),
        ("\u{202E}.rs".as_bytes(), br"\u{202E}.rs"),
        (br"\.rs", br"\\.rs"),
    ];
    let mut files = BTreeMap::new();
    let mut code = 0;
    for (a, b) in pairs {
        for name in [a, b] {
            code += 1;
            dir.file(name, rust(code));
            files.insert(vec![name.to_vec()], code);
        }
    }
    let folded = output::folded_ok(&dir, &[]);
    check_folded(&folded, b"look", &files);
    assert_eq!(
        inferno_frames(&inferno_svg(&folded)),
        expected_frames(b"look", &files)
    );
}

#[test]
fn a_hostile_root_name_is_one_frame() {
    let root: &[u8] = b"# r;o\xFFo\nt 2";
    let dir = TestDir::with_raw_name(root);
    dir.file("a.rs", rust(3));
    let folded = output::folded_ok(&dir, &[]);
    assert_eq!(folded, "\\x23 r\\x3Bo\\xFFo\\x0At\\x202;a.rs 3\n");
    let files = BTreeMap::from([(vec![b"a.rs".to_vec()], 3)]);
    check_folded(&folded, root, &files);
    assert_eq!(
        inferno_frames(&inferno_svg(&folded)),
        expected_frames(root, &files)
    );
    let out = dir.run(&[]);
    assert_eq!(out.status.code(), Some(0), "{}", describe_brief(&out));
    output::assert_xml(&out.stdout);
    let title = output::svg_text(&out.stdout, "title").expect("a title");
    assert_eq!(title, escape(root), "the title names the root, escaped");
}

#[test]
fn a_hostile_single_file_source_is_one_frame() {
    let dir = TestDir::new("single");
    let name: &[u8] = b"# x;\xFF\n 2.rs";
    dir.file(name, rust(2));
    let out = repoflame().arg(dir.join(name)).arg("--folded").complete();
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        format!("{} 2\n", escape(name))
    );
}

#[test]
fn error_messages_name_hostile_paths_escaped_on_one_line() {
    let dir = TestDir::new("errors");
    let missing: &[u8] = b"no\nsuch;\x1b[31m\xFF dir 2";
    let out = repoflame().arg(dir.join(missing)).complete();
    let line = output::assert_fails_cleanly(&out);
    assert!(
        line.contains(&*escape(missing)),
        "the path is not named escaped: {line:?}"
    );
}
