//! Properties over random trees of hostile names and random contents
//! (issue 5, "Properties"): whatever the names and the code, the folded
//! counts add up to tokei's totals, the folded output reads back through
//! inferno with nothing split, dropped or merged, every frame unescapes to
//! the raw name on disk, both SVGs parse as XML with the right totals, the
//! JSON report has tokei's per-file counts, and every output is
//! byte-identical across thread counts, runs and copies of the tree.
//!
//! The escaping itself is property-tested in `src/escape.rs`; here it is
//! the whole binary, on real files.
//!
//! The runs are deterministic: a fixed seed (override with
//! `PROPTEST_RNG_SEED`), a fixed number of cases (override with
//! `PROPTEST_CASES`), and no failure persistence, so nothing is written
//! into the repository.

use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsStr;
use std::fmt;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::process::Output;

use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed};
use repoflame::escape::{escape, unescape};

use crate::support::oracles;
use crate::support::output;
use crate::support::run::{Run, describe_brief, repoflame};
use crate::support::tree::{TestDir, copy_tree};

// ---------------------------------------------------------------------------
// Configuration.

/// proptest's configuration: `cases` cases (or `PROPTEST_CASES`), a fixed
/// seed (or `PROPTEST_RNG_SEED`), no failure persistence, and a bounded
/// shrink so that a failure is reported in minutes, not hours.
fn config(cases: u32) -> Config {
    fn env<T: std::str::FromStr>(name: &str) -> Option<T> {
        std::env::var(name).ok().and_then(|v| v.parse().ok())
    }
    Config {
        cases: env("PROPTEST_CASES").unwrap_or(cases),
        rng_seed: RngSeed::Fixed(env("PROPTEST_RNG_SEED").unwrap_or(0x5EED_F1A3)),
        failure_persistence: None,
        max_shrink_iters: env("PROPTEST_MAX_SHRINK_ITERS").unwrap_or(512),
        max_shrink_time: 300_000,
        ..Config::default()
    }
}

// ---------------------------------------------------------------------------
// Names.

/// Raw bytes of a name, shown as a byte-string literal.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Name(Vec<u8>);

impl fmt::Debug for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "b\"{}\"", self.0.escape_ascii())
    }
}

/// Pieces of names: every hostile class of DESIGN.md, plain letters, and
/// (rarely) `/` and NUL, which the file system cannot hold in a name.
const ATOMS: &[&[u8]] = &[
    b"a",
    b"src",
    b"main",
    b"Lib",
    b"x",
    b"z9",
    b"-",
    b"(",
    b")",
    b".",
    b";",
    b";;",
    b"\\",
    br"\x3B",
    br"\u{41}",
    br"\\",
    b" ",
    b"#",
    b"# ",
    b"_[k]",
    b"_[j]",
    b" 2",
    b" 1.5",
    b"\n",
    b"\r",
    b"\t",
    b"\x1b",
    b"\x1b[31m",
    b"\x7f",
    b"\x01",
    b"\x07",
    b"\x1f",
    b"\xff",
    b"\xc3",
    b"\x80",
    b"\xef\xbf\xbd",
    "\u{85}".as_bytes(),
    "\u{9b}".as_bytes(),
    "\u{FFFE}".as_bytes(),
    "\u{FFFF}".as_bytes(),
    "\u{FDD0}".as_bytes(),
    "\u{202E}".as_bytes(),
    "\u{2066}".as_bytes(),
    "\u{2028}".as_bytes(),
    "\u{FEFF}".as_bytes(),
    "\u{A0}".as_bytes(),
    "\u{3000}".as_bytes(),
    b"<",
    b"&",
    b">",
    b"\"",
    b"'",
    b"&amp;",
    b"]]>",
    "😀".as_bytes(),
    "é".as_bytes(),
    "日本".as_bytes(),
    b"/",
    b"\0",
];

/// What may start a name: nothing, traps of folded readers, and rarely a
/// `.`, which makes the entry hidden (skipped by tokei and repoflame).
fn prefix() -> impl Strategy<Value = &'static [u8]> {
    prop_oneof![
        12 => Just(b"".as_slice()),
        1 => Just(b" ".as_slice()),
        1 => Just(b"  ".as_slice()),
        1 => Just(b"#".as_slice()),
        1 => Just(b"# ".as_slice()),
        1 => Just(b"\t".as_slice()),
        1 => Just("\u{A0}".as_bytes()),
        1 => Just(b".".as_slice()),
    ]
}

/// What may end a name (before any extension).
fn suffix() -> impl Strategy<Value = &'static [u8]> {
    prop_oneof![
        10 => Just(b"".as_slice()),
        1 => Just(b" ".as_slice()),
        1 => Just(b" 2".as_slice()),
        1 => Just(b" 10".as_slice()),
        1 => Just(b" 1.5".as_slice()),
        1 => Just(b"\t3".as_slice()),
        1 => Just(b"_[k]".as_slice()),
        1 => Just(b"_[w]".as_slice()),
        1 => Just(b"_[i]".as_slice()),
        1 => Just(b"_[j]".as_slice()),
        1 => Just("\u{A0}".as_bytes()),
        1 => Just(b"\n".as_slice()),
    ]
}

/// A name: a prefix, one to four atoms and a suffix; now and then one the
/// file system cannot hold (empty, `.`, `..`, longer than 255 bytes).
fn name() -> impl Strategy<Value = Name> {
    let built = (
        prefix(),
        prop::collection::vec(prop::sample::select(ATOMS), 1..=4),
        suffix(),
    )
        .prop_map(|(prefix, atoms, suffix)| {
            let mut name = prefix.to_vec();
            for atom in atoms {
                name.extend_from_slice(atom);
            }
            name.extend_from_slice(suffix);
            Name(name)
        });
    let impossible = prop::sample::select(vec![
        Name(Vec::new()),
        Name(b".".to_vec()),
        Name(b"..".to_vec()),
        Name(vec![b'n'; 256]),
    ]);
    prop_oneof![30 => built, 1 => impossible]
}

/// Whether the file system can hold `name` as one path component.
fn holdable(name: &[u8]) -> bool {
    !name.is_empty()
        && name != b"."
        && name != b".."
        && name.len() <= 255
        && !name.contains(&b'/')
        && !name.contains(&0)
}

// ---------------------------------------------------------------------------
// Contents.

/// Snippets of one language: code lines, comment lines, multi-line blocks
/// (block comments, nested ones, docstrings, fenced or embedded code) and
/// strings holding comment markers.
struct Lang {
    ext: &'static str,
    code: &'static [&'static str],
    comments: &'static [&'static str],
    blocks: &'static [&'static str],
    strings: &'static [&'static str],
}

const RUST: Lang = Lang {
    ext: "rs",
    code: &[
        "fn main() {}",
        "let x = 1;",
        "    let y = x + 2; // trailing comment",
        "struct S { a: u8 }",
        "}",
    ],
    comments: &[
        "// a comment",
        "/// doc comment",
        "//! inner doc",
        "/* one-line block */",
        "    // indented",
    ],
    blocks: &[
        "/* a block\n   comment\n*/",
        "/* outer /* inner */ still outer\n   */",
        "/* open\n\n   with a blank\n*/ let z = 3;",
        "let s = \"multi\nline // string\";",
        "/*\n * doc\n */\nfn g() {}",
    ],
    strings: &[
        "let s = \"// not a comment\";",
        "let s = \"/* not a comment */\";",
        "let r = r#\"*/ \"#;",
        "let c = '\"'; // quote char",
        "let s = \"\\\" // still string\";",
    ],
};

const PYTHON: Lang = Lang {
    ext: "py",
    code: &[
        "import os",
        "x = 1",
        "def f():",
        "    return x  # trailing",
        "class C: pass",
    ],
    comments: &["# a comment", "    # indented", "#"],
    blocks: &[
        "\"\"\"A docstring.\n\n# not a comment\n\"\"\"",
        "'''\nsingle quoted doc\n'''",
        "def g():\n    \"\"\"Doc.\"\"\"\n    return 1",
        "s = \"\"\"multi\n# not\n\"\"\"",
    ],
    strings: &["s = \"# not a comment\"", "s = '\"\"\"'", "s = \"'''\" # c"],
};

const JS: Lang = Lang {
    ext: "js",
    code: &[
        "var x = 1;",
        "function f() { return 2; } // t",
        "const o = { a: 1 };",
        "}",
    ],
    comments: &["// c", "/* c */", "/** jsdoc */"],
    blocks: &[
        "/*\n * block\n */",
        "/* a /* b */\nx();",
        "const t = `template\n// not\n*/ still`;",
        "/* c */ var y = 2; /* d\n */",
    ],
    strings: &[
        "var s = \"/* no */ // no\";",
        "var s = '//';",
        "var r = /\\/\\*/;",
    ],
};

const C: Lang = Lang {
    ext: "c",
    code: &[
        "#include <stdio.h>",
        "int main(void) { return 0; }",
        "int x = 1; // t",
        "#define N 3",
    ],
    comments: &["// c", "/* c */"],
    blocks: &[
        "/*\n * block\n */",
        "/* a /* b */\nint y;",
        "#if 0\nnot special\n#endif",
    ],
    strings: &[
        "char *s = \"/* not */\";",
        "char c = '\"'; /* q */",
        "char *s = \"a\\\"// b\";",
    ],
};

const GO: Lang = Lang {
    ext: "go",
    code: &[
        "package main",
        "func main() {}",
        "x := 1 // t",
        "import \"fmt\"",
    ],
    comments: &["// c", "/* c */"],
    blocks: &["/*\nblock\n*/", "s := `raw\n// not\n/* no */`"],
    strings: &["s := \"// no\"", "r := '\"'"],
};

const MARKDOWN: Lang = Lang {
    ext: "md",
    code: &["Some prose.", "- a list item", "# Heading", "| a | b |"],
    comments: &["<!-- a comment -->"],
    blocks: &[
        "```rust\nfn main() {}\n// c\n\n```",
        "```python\n# c\nx = 1\n```",
        "```\nplain fence\n```",
        "<!--\nmulti\n-->",
    ],
    strings: &["`// inline code`", "text with /* markers */"],
};

const HTML: Lang = Lang {
    ext: "html",
    code: &[
        "<p>text</p>",
        "<div class=\"a\">",
        "</div>",
        "<!DOCTYPE html>",
    ],
    comments: &["<!-- c -->"],
    blocks: &[
        "<!--\n  a comment\n-->",
        "<script>\nvar a = 1; // c\n/* b */\n\n</script>",
        "<style>\np { color: red; } /* c */\n</style>",
        "<script>\n// <!-- not\n</script>",
    ],
    strings: &["<a title=\"<!-- no -->\">x</a>", "<p>// and /* */</p>"],
};

const TOML: Lang = Lang {
    ext: "toml",
    code: &["a = 1", "[table]", "b = \"x\" # t"],
    comments: &["# c"],
    blocks: &[
        "s = \"\"\"\nmulti # not\n\"\"\"",
        "arr = [\n  1, # c\n  2,\n]",
    ],
    strings: &["k = \"# not\"", "k = '# literal'"],
};

const SHELL: Lang = Lang {
    ext: "sh",
    code: &["echo hi", "ls -la # t", "x=1", "fi"],
    comments: &["# c", "  # indented"],
    blocks: &["cat <<EOF\n# heredoc\nEOF", "if true; then\n  echo yes\nfi"],
    strings: &["echo \"# not a comment\"", "echo '# nor this'"],
};

/// The languages files are written in, by extension.
const LANGS: [&Lang; 9] = [
    &RUST, &PYTHON, &JS, &C, &GO, &MARKDOWN, &HTML, &TOML, &SHELL,
];

/// Extensions no language has.
const UNKNOWN_EXTS: [&str; 3] = ["xyz", "orig", "rs~"];

/// One line (or block of lines) of a file: its kind and which snippet.
#[derive(Clone, Copy, Debug)]
enum Line {
    Code(usize),
    Comment(usize),
    Block(usize),
    Str(usize),
    Blank,
    Spaces,
}

fn line() -> impl Strategy<Value = Line> {
    prop_oneof![
        4 => (0..16usize).prop_map(Line::Code),
        2 => (0..16usize).prop_map(Line::Comment),
        2 => (0..16usize).prop_map(Line::Block),
        2 => (0..16usize).prop_map(Line::Str),
        2 => Just(Line::Blank),
        1 => Just(Line::Spaces),
    ]
}

/// How a file is named and how its language is found.
#[derive(Clone, Copy, Debug)]
enum Kind {
    /// `NAME.EXT` in `LANGS[i]`.
    Ext(usize),
    /// No extension, a `#!` line: shell (false) or Python (true).
    Shebang(bool),
    /// An extension no language has.
    Unknown(usize),
    /// No extension, no `#!` line: no language.
    Bare,
}

fn kind() -> impl Strategy<Value = Kind> {
    prop_oneof![
        12 => (0..LANGS.len()).prop_map(Kind::Ext),
        2 => any::<bool>().prop_map(Kind::Shebang),
        1 => (0..UNKNOWN_EXTS.len()).prop_map(Kind::Unknown),
        1 => Just(Kind::Bare),
    ]
}

/// Line endings and byte-order mark.
#[derive(Clone, Copy, Debug)]
enum Encoding {
    Lf,
    Crlf,
    Bom,
}

fn encoding() -> impl Strategy<Value = Encoding> {
    prop_oneof![8 => Just(Encoding::Lf), 2 => Just(Encoding::Crlf), 1 => Just(Encoding::Bom)]
}

/// One file of a random tree.
#[derive(Clone, Debug)]
struct FileSpec {
    /// Indices into the tree's directory names (modulo their number).
    dirs: Vec<usize>,
    stem: Name,
    kind: Kind,
    body: Vec<Line>,
    encoding: Encoding,
    final_newline: bool,
}

fn file_spec() -> impl Strategy<Value = FileSpec> {
    (
        prop::collection::vec(0..6usize, 0..=4),
        name(),
        kind(),
        prop::collection::vec(line(), 0..24),
        encoding(),
        prop::bool::weighted(0.9),
    )
        .prop_map(
            |(dirs, stem, kind, body, encoding, final_newline)| FileSpec {
                dirs,
                stem,
                kind,
                body,
                encoding,
                final_newline,
            },
        )
}

/// A random tree: its root's name, a pool of directory names (so that
/// files share directories) and 1–30 files nested up to 4 levels.
#[derive(Clone)]
struct TreeSpec {
    root: Name,
    dirs: Vec<Name>,
    files: Vec<FileSpec>,
}

fn tree_spec() -> impl Strategy<Value = TreeSpec> {
    (
        name(),
        prop::collection::vec(name(), 1..=6),
        prop::collection::vec(file_spec(), 1..=30),
    )
        .prop_map(|(root, dirs, files)| TreeSpec { root, dirs, files })
}

/// A raw path below the root, one component per element.
type RawPath = Vec<Vec<u8>>;

/// A tree as written: what each file holds, by raw path.
struct Layout {
    root: Vec<u8>,
    files: BTreeMap<RawPath, Vec<u8>>,
}

impl TreeSpec {
    /// The files this spec writes: names the file system cannot hold and
    /// paths that collide with an earlier file or directory are skipped; a
    /// root name that cannot be one (or is hidden) becomes `tree`.
    fn layout(&self) -> Layout {
        let root = if holdable(&self.root.0) && !self.root.0.starts_with(b".") {
            self.root.0.clone()
        } else {
            b"tree".to_vec()
        };
        let mut files: BTreeMap<RawPath, Vec<u8>> = BTreeMap::new();
        let mut dirs: BTreeSet<RawPath> = BTreeSet::new();
        for spec in &self.files {
            let mut path: RawPath = spec
                .dirs
                .iter()
                .map(|i| self.dirs[i % self.dirs.len()].0.clone())
                .collect();
            let (leaf, content) = spec.render();
            path.push(leaf);
            let clash = !path.iter().all(|c| holdable(c))
                || files.contains_key(&path)
                || dirs.contains(&path)
                || (1..path.len()).any(|n| files.contains_key(&path[..n]));
            if clash {
                continue;
            }
            for n in 1..path.len() {
                dirs.insert(path[..n].to_vec());
            }
            files.insert(path, content);
        }
        Layout { root, files }
    }
}

impl FileSpec {
    /// The file's name and contents.
    fn render(&self) -> (Vec<u8>, Vec<u8>) {
        let mut name = self.stem.0.clone();
        let (lang, shebang): (&Lang, Option<&str>) = match self.kind {
            Kind::Ext(i) => {
                name.push(b'.');
                name.extend_from_slice(LANGS[i].ext.as_bytes());
                (LANGS[i], None)
            }
            Kind::Shebang(false) => (&SHELL, Some("#!/bin/sh")),
            Kind::Shebang(true) => (&PYTHON, Some("#!/usr/bin/env python3")),
            Kind::Unknown(i) => {
                name.push(b'.');
                name.extend_from_slice(UNKNOWN_EXTS[i].as_bytes());
                (&RUST, None)
            }
            Kind::Bare => (&SHELL, None),
        };
        let mut lines: Vec<&str> = shebang.into_iter().collect();
        for line in &self.body {
            let pick = |list: &'static [&'static str], i: usize| list[i % list.len()];
            match *line {
                Line::Code(i) => lines.push(pick(lang.code, i)),
                Line::Comment(i) => lines.push(pick(lang.comments, i)),
                Line::Block(i) => lines.extend(pick(lang.blocks, i).split('\n')),
                Line::Str(i) => lines.push(pick(lang.strings, i)),
                Line::Blank => lines.push(""),
                Line::Spaces => lines.push("  \t "),
            }
        }
        let eol = match self.encoding {
            Encoding::Crlf => "\r\n",
            Encoding::Lf | Encoding::Bom => "\n",
        };
        let mut text = lines.join(eol);
        if self.final_newline && !lines.is_empty() {
            text.push_str(eol);
        }
        let mut content = Vec::new();
        if let Encoding::Bom = self.encoding {
            content.extend_from_slice(b"\xEF\xBB\xBF");
        }
        content.extend_from_slice(text.as_bytes());
        (name, content)
    }
}

/// The tree as it is written, so that a failing case can be read (and
/// copied into a regression test) from proptest's report.
impl fmt::Debug for TreeSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let layout = self.layout();
        writeln!(f, "root b\"{}\" {{", layout.root.escape_ascii())?;
        for (path, content) in &layout.files {
            writeln!(
                f,
                "    b\"{}\" => b\"{}\",",
                path.join(&b'/').escape_ascii(),
                content.escape_ascii()
            )?;
        }
        write!(f, "}}")
    }
}

/// A tree written to a temporary directory.
struct Written {
    dir: TestDir,
    layout: Layout,
}

fn write_tree(layout: Layout) -> Written {
    let dir = TestDir::with_raw_name(&layout.root);
    for (path, content) in &layout.files {
        dir.file(path.join(&b'/'), content);
    }
    Written { dir, layout }
}

/// Writes `files` below a root named `root`: for regression tests.
fn write_files(root: &[u8], files: &[(&[u8], &[u8])]) -> Written {
    let layout = Layout {
        root: root.to_vec(),
        files: files
            .iter()
            .map(|(path, content)| {
                let path: RawPath = path.split(|&b| b == b'/').map(<[u8]>::to_vec).collect();
                (path, content.to_vec())
            })
            .collect(),
    };
    write_tree(layout)
}

// ---------------------------------------------------------------------------
// The reference: tokei.

/// tokei's view of one file.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Reference {
    language: String,
    code: u64,
    comments: u64,
    blanks: u64,
}

impl Reference {
    fn lines(&self) -> u64 {
        self.code + self.comments + self.blanks
    }
}

/// What tokei's own walker counts in the tree (default flags: hidden
/// entries skipped, ignore files honoured), by raw path, and its Total.
/// Checks on the way that tokei counted exactly the files that are not
/// hidden and have a language, so that the reference does not silently
/// lose hostile names itself.
fn reference(tree: &Written) -> (BTreeMap<RawPath, Reference>, (u64, u64, u64)) {
    let root = tree.dir.path();
    let counts = oracles::tokei_counts(root, false, false);
    let config = tokei::Config::default();
    let mut files = BTreeMap::new();
    for (path, (code, comments, blanks)) in counts.files {
        let relative = path
            .strip_prefix(root)
            .unwrap_or_else(|_| panic!("tokei path {path:?} outside {root:?}"));
        let raw: RawPath = relative
            .components()
            .map(|c| c.as_os_str().as_bytes().to_vec())
            .collect();
        let language = tokei::LanguageType::from_path(&path, &config)
            .unwrap_or_else(|| panic!("tokei counted {path:?} but knows no language for it"));
        files.insert(
            raw,
            Reference {
                language: language.name().to_string(),
                code,
                comments,
                blanks,
            },
        );
    }
    let expected: BTreeSet<&RawPath> = tree
        .layout
        .files
        .keys()
        .filter(|path| !path.iter().any(|c| c.starts_with(b".")))
        .filter(|path| {
            let on_disk = tree.dir.join(path.join(&b'/'));
            tokei::LanguageType::from_path(&on_disk, &config).is_some()
        })
        .collect();
    let counted: BTreeSet<&RawPath> = files.keys().collect();
    assert_eq!(
        counted, expected,
        "tokei's walker did not count the visible files with a language"
    );
    (files, counts.total)
}

// ---------------------------------------------------------------------------
// Running repoflame.

/// Runs `repoflame . ARGS` in the root. When `expect_output`, it must exit
/// 0 with an empty stderr and its stdout is returned; otherwise it must
/// exit 2 with nothing on stdout (nothing to count).
fn run(tree: &Written, args: &[&str], expect_output: bool) -> Option<Vec<u8>> {
    let out: Output = tree.dir.run(&[&["."], args].concat());
    if expect_output {
        assert_eq!(
            out.status.code(),
            Some(0),
            "repoflame {args:?}\n{}",
            describe_brief(&out)
        );
        assert!(
            out.stderr.is_empty(),
            "repoflame {args:?}\n{}",
            describe_brief(&out)
        );
        Some(out.stdout)
    } else {
        assert_eq!(
            out.status.code(),
            Some(2),
            "repoflame {args:?}: nothing to count, exit 2 expected\n{}",
            describe_brief(&out)
        );
        assert!(out.stdout.is_empty(), "{}", describe_brief(&out));
        None
    }
}

/// Frames of the graph: every distinct stack prefix (root frame first)
/// with the sum of the counts below it.
type Frames = BTreeMap<Vec<String>, u64>;

/// Checks folded output against tokei's per-file `metric`: sorted lines,
/// no duplicate stack, every frame in canonical escaped form and
/// unescaping to the raw name on disk, one line per file with a nonzero
/// count and that count. Returns the frames the folded lines imply.
fn check_folded(
    text: &str,
    root: &[u8],
    files: &BTreeMap<RawPath, Reference>,
    metric: impl Fn(&Reference) -> u64,
) -> Frames {
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines.windows(2).all(|w| w[0].as_bytes() < w[1].as_bytes()),
        "folded lines not strictly sorted by bytes:\n{text}"
    );
    let mut seen: BTreeMap<RawPath, u64> = BTreeMap::new();
    let mut frames = Frames::new();
    for (stack, count) in output::parse_folded(text) {
        let raw: Vec<Vec<u8>> = stack
            .iter()
            .map(|frame| unescape(frame).unwrap_or_else(|e| panic!("frame {frame:?}: {e}")))
            .collect();
        for (frame, raw) in stack.iter().zip(&raw) {
            assert_eq!(
                escape(raw),
                frame.as_str(),
                "frame {frame:?} is not in canonical escaped form"
            );
        }
        assert_eq!(raw[0], root, "root frame of {stack:?}");
        assert!(
            seen.insert(raw[1..].to_vec(), count).is_none(),
            "duplicate stack {stack:?}"
        );
        for depth in 1..=stack.len() {
            *frames.entry(stack[..depth].to_vec()).or_default() += count;
        }
    }
    let wanted: BTreeMap<RawPath, u64> = files
        .iter()
        .map(|(path, r)| (path.clone(), metric(r)))
        .filter(|(_, n)| *n > 0)
        .collect();
    assert_eq!(
        seen, wanted,
        "folded lines (unescaped) differ from tokei's files"
    );
    frames
}

/// A frame of a rendered SVG.
#[derive(Debug)]
struct Drawn {
    /// The title, XML-unescaped.
    title: String,
    y: f64,
    x: u64,
    w: u64,
}

/// The frames of an SVG (the `<g>` elements inside `svg#frames`) and that
/// element's `total_samples`; also checks the SVG is XML.
fn drawn_frames(svg: &[u8]) -> (Vec<Drawn>, Option<u64>) {
    let (frames, total) = output::svg_frames_and_total(svg);
    let frames = frames
        .into_iter()
        .map(|f| {
            assert!(!f.y.is_nan(), "no y in a frame's rect: {}", f.title);
            Drawn {
                y: f.y,
                x: f.x.expect("fg:x in every frame's rect"),
                w: f.samples.expect("fg:w in every frame's rect"),
                title: f.title,
            }
        })
        .collect();
    (frames, total)
}

/// Rebuilds the stacks of drawn frames: depth from `y` (the bottom row is
/// depth 0), parent the frame one row down whose samples `[x, x + w)`
/// contain the frame's. `name` gives a frame's name from its title.
/// Panics on two frames at one stack (a merge that did not happen).
fn rebuild(frames: &[Drawn], name: impl Fn(&str) -> String) -> Frames {
    let mut rows: Vec<f64> = frames.iter().map(|f| f.y).collect();
    rows.sort_by(|a, b| b.total_cmp(a));
    rows.dedup();
    let depth = |f: &Drawn| rows.iter().position(|&y| y == f.y).unwrap();
    let mut stacks: Vec<Option<Vec<String>>> = vec![None; frames.len()];
    let mut order: Vec<usize> = (0..frames.len()).collect();
    order.sort_by_key(|&i| depth(&frames[i]));
    for i in order {
        let frame = &frames[i];
        let d = depth(frame);
        let mut stack = if d == 0 {
            Vec::new()
        } else {
            let parents: Vec<usize> = (0..frames.len())
                .filter(|&j| {
                    let p = &frames[j];
                    depth(p) + 1 == d && p.x <= frame.x && frame.x + frame.w <= p.x + p.w
                })
                .collect();
            assert_eq!(parents.len(), 1, "parents of frame {frame:?}");
            stacks[parents[0]].clone().expect("parent placed first")
        };
        stack.push(name(&frame.title));
        stacks[i] = Some(stack);
    }
    let mut out = Frames::new();
    for (stack, frame) in stacks.into_iter().zip(frames) {
        let stack = stack.unwrap();
        assert!(
            out.insert(stack.clone(), frame.w).is_none(),
            "two frames drawn for the stack {stack:?}"
        );
    }
    out
}

/// Renders folded text with inferno's library as `inferno-flamegraph`
/// would (no frame pruned for being narrow) and checks what it drew: the
/// total, and exactly the frames `expected`.
fn check_inferno(folded: &str, total: u64, expected: &Frames) {
    let mut options = inferno::flamegraph::Options::default();
    options.min_width = 0.0;
    let mut svg = Vec::new();
    inferno::flamegraph::from_lines(&mut options, folded.lines(), &mut svg)
        .unwrap_or_else(|e| panic!("inferno cannot read the folded output: {e}\n{folded}"));
    output::assert_xml(&svg);
    let (frames, total_samples) = drawn_frames(&svg);
    assert_eq!(total_samples, Some(total), "inferno's total_samples");
    let mut drawn = rebuild(&frames, |title| {
        let (name, _) = title
            .rsplit_once(" (")
            .unwrap_or_else(|| panic!("inferno title {title:?}"));
        name.to_string()
    });
    // inferno's bottom frame, `all`, holds everything.
    assert_eq!(
        drawn.remove(&vec!["all".to_string()]),
        Some(total),
        "inferno's `all` frame"
    );
    let drawn: Frames = drawn
        .into_iter()
        .map(|(stack, w)| (stack[1..].to_vec(), w))
        .collect();
    assert_eq!(
        &drawn, expected,
        "inferno's frames differ from the folded stacks\n{folded}"
    );
}

/// Checks repoflame's own SVG: XML, `total_samples` and the root frame
/// equal to the folded total, and the frames those of the folded stacks.
fn check_svg(svg: &[u8], total: u64, expected: &Frames) {
    output::assert_xml(svg);
    let (frames, total_samples) = drawn_frames(svg);
    assert_eq!(total_samples, Some(total), "repoflame's total_samples");
    let drawn = rebuild(&frames, |title| {
        title.lines().next().unwrap_or("").to_string()
    });
    let roots: Vec<(&Vec<String>, &u64)> = drawn.iter().filter(|(s, _)| s.len() == 1).collect();
    assert_eq!(roots.len(), 1, "root frames of repoflame's SVG: {roots:?}");
    assert_eq!(*roots[0].1, total, "width of repoflame's root frame");
    assert_eq!(
        &drawn, expected,
        "repoflame's SVG frames differ from its folded stacks"
    );
}

/// Checks the JSON report against tokei, file by file and in total.
fn check_json(
    json: &[u8],
    tree: &Written,
    files: &BTreeMap<RawPath, Reference>,
    total: (u64, u64, u64),
) {
    let report: serde_json::Value = serde_json::from_slice(json).expect("JSON report");
    let name = report["source"]["name"].as_str().expect("source name");
    assert_eq!(
        unescape(name).expect("source name unescapes"),
        tree.layout.root,
        "source name"
    );
    let number = |v: &serde_json::Value, key: &str| -> u64 {
        v[key]
            .as_u64()
            .unwrap_or_else(|| panic!("no number {key:?} in {v}"))
    };
    let mut seen: BTreeMap<RawPath, Reference> = BTreeMap::new();
    for file in report["files"].as_array().expect("files array") {
        let path = file["path"].as_str().expect("path");
        assert_eq!(file["kind"], "file", "kind of {path:?}");
        let raw: RawPath = path
            .split('/')
            .map(|c| unescape(c).unwrap_or_else(|e| panic!("path {path:?}: {e}")))
            .collect();
        let counts = Reference {
            language: file["language"].as_str().expect("language").to_string(),
            code: number(file, "code"),
            comments: number(file, "comments"),
            blanks: number(file, "blanks"),
        };
        assert_eq!(number(file, "lines"), counts.lines(), "lines of {path:?}");
        let size = tree.layout.files.get(&raw).map(|c| c.len() as u64);
        assert_eq!(Some(number(file, "bytes")), size, "bytes of {path:?}");
        assert!(
            seen.insert(raw, counts).is_none(),
            "{path:?} twice in the report"
        );
    }
    assert_eq!(&seen, files, "the JSON report's files differ from tokei's");
    let totals = &report["totals"];
    assert_eq!(
        (
            number(totals, "code"),
            number(totals, "comments"),
            number(totals, "blanks")
        ),
        total,
        "JSON totals against tokei's Total"
    );
    assert_eq!(
        number(totals, "files"),
        files.len() as u64,
        "files in totals"
    );
}

/// The tokei CLI, looked for once for every case here (one notice when it
/// is missing, not one per case).
fn tokei_cli() -> Option<&'static Path> {
    static CLI: std::sync::OnceLock<Option<std::path::PathBuf>> = std::sync::OnceLock::new();
    CLI.get_or_init(|| oracles::tokei_cli("properties: random trees against the tokei CLI"))
        .as_deref()
}

/// Checks the reference (tokei's library, which is our own vendored copy
/// and what repoflame counts with) against the tokei CLI on the same tree:
/// the same files, code, comments and blanks per language, embedded
/// languages summarised in, and in total. The CLI's terminal table, since
/// its JSON report cannot hold a name that is not UTF-8 (the CLI panics);
/// the table names no file. repoflame's JSON report is checked against the
/// reference file by file, so it agrees with the CLI through it.
fn check_reference_against_the_cli(
    tokei: &Path,
    tree: &Written,
    files: &BTreeMap<RawPath, Reference>,
    total: (u64, u64, u64),
) {
    let mut want: BTreeMap<String, oracles::TableRow> = BTreeMap::new();
    for file in files.values() {
        let row = want.entry(file.language.clone()).or_default();
        *row = (
            row.0 + 1,
            row.1 + file.code,
            row.2 + file.comments,
            row.3 + file.blanks,
        );
    }
    // The table leaves out a language whose files hold no line (empty
    // files); the Total row still counts them.
    want.retain(|_, &mut (_, code, comments, blanks)| code + comments + blanks > 0);
    want.insert(
        "Total".to_string(),
        (files.len() as u64, total.0, total.1, total.2),
    );
    let table = oracles::tokei_cli_table(tokei, tree.dir.path(), &[]);
    assert_eq!(
        table, want,
        "the tokei CLI's table (files, code, comments, blanks) against tokei's library \
         (vendor/tokei)"
    );
}

/// Property 1 on one tree.
fn check_tree(tree: &Written) {
    let (files, total) = reference(tree);
    if let Some(tokei) = tokei_cli() {
        check_reference_against_the_cli(tokei, tree, &files, total);
    }
    let root = &tree.layout.root;
    let (code_total, lines_total) = (total.0, total.0 + total.1 + total.2);

    // (a) and (b) for the code and lines metrics.
    let mut code_frames = None;
    for (metric, want) in [("code", code_total), ("lines", lines_total)] {
        let Some(folded) = run(tree, &["--folded", "--metric", metric], want > 0) else {
            continue;
        };
        let folded = String::from_utf8(folded).expect("folded output is UTF-8");
        let frames = check_folded(&folded, root, &files, |r| match metric {
            "code" => r.code,
            _ => r.lines(),
        });
        assert_eq!(
            output::folded_total(&folded),
            want,
            "--metric {metric}: folded sum against tokei's Total"
        );
        check_inferno(&folded, want, &frames);
        if metric == "code" {
            code_frames = Some(frames);
        }
    }

    // (c) repoflame's own SVG.
    if let Some(svg) = run(tree, &[], code_total > 0) {
        check_svg(&svg, code_total, code_frames.as_ref().unwrap());
    }

    // (d) the JSON report.
    if let Some(json) = run(tree, &["--format", "json"], !files.is_empty()) {
        check_json(&json, tree, &files, total);
    }
}

proptest! {
    #![proptest_config(config(32))]

    /// Random trees of hostile names and random contents: counts, folded
    /// stacks through inferno, both SVGs and the JSON report agree with
    /// tokei and with the names on disk.
    #[test]
    fn random_trees_agree_with_tokei_and_read_back_through_inferno(spec in tree_spec()) {
        let tree = write_tree(spec.layout());
        check_tree(&tree);
    }
}

// ---------------------------------------------------------------------------
// Property 2: determinism.

/// The three formats, as arguments.
const FORMATS: [(&str, &[&str]); 3] = [
    ("svg", &["--format", "svg"]),
    ("folded", &["--format", "folded"]),
    ("json", &["--format", "json"]),
];

/// Exit status and stdout of `repoflame SOURCE ARGS` run in `cwd`.
fn outcome(cwd: &Path, source: &OsStr, args: &[&str]) -> (Option<i32>, Vec<u8>) {
    let mut cmd = repoflame();
    cmd.current_dir(cwd).arg(source).args(args);
    let out = cmd.complete();
    assert!(
        matches!(out.status.code(), Some(0 | 2)),
        "repoflame {source:?} {args:?}\n{}",
        describe_brief(&out)
    );
    (out.status.code(), out.stdout)
}

/// Fails with the first differing line when `a` and `b` differ.
fn assert_same(a: &[u8], b: &[u8], what: &str) {
    if a == b {
        return;
    }
    let (a, b) = (String::from_utf8_lossy(a), String::from_utf8_lossy(b));
    let (n, x, y) = a
        .lines()
        .zip(b.lines())
        .enumerate()
        .find(|(_, (x, y))| x != y)
        .map(|(n, (x, y))| (n + 1, x.to_string(), y.to_string()))
        .unwrap_or((0, "(length differs)".into(), String::new()));
    let cut = |s: &str| s.chars().take(300).collect::<String>();
    panic!(
        "{what}: outputs differ ({} and {} bytes); first difference at line {n}:\n  {}\n  {}",
        a.len(),
        b.len(),
        cut(&x),
        cut(&y)
    );
}

fn check_deterministic(tree: &Written) {
    let copy = TestDir::with_raw_name(&tree.layout.root);
    std::fs::remove_dir(copy.path()).expect("remove the copy's empty root");
    copy_tree(tree.dir.path(), copy.path());
    assert_ne!(tree.dir.parent(), copy.parent());

    let here = tree.dir.path();
    for (format, args) in FORMATS {
        let first = outcome(here, OsStr::new("."), args);
        let mut runs = vec![(
            "a second run".to_string(),
            outcome(here, OsStr::new("."), args),
        )];
        for threads in ["1", "2", "8"] {
            let with = [args, &["--threads", threads]].concat();
            runs.push((
                format!("--threads {threads}"),
                outcome(here, OsStr::new("."), &with),
            ));
        }
        runs.push((
            "the copy at another path".to_string(),
            outcome(Path::new("/"), copy.path().as_os_str(), args),
        ));
        runs.push((
            "the copy, by a relative path, --threads 8".to_string(),
            outcome(
                copy.parent(),
                OsStr::from_bytes(&tree.layout.root),
                &[args, &["--threads", "8"]].concat(),
            ),
        ));
        for (what, other) in runs {
            assert_eq!(
                first.0, other.0,
                "{format}: exit status of the first run and {what}"
            );
            assert_same(
                &first.1,
                &other.1,
                &format!("{format}: the first run and {what}"),
            );
        }
    }
}

proptest! {
    #![proptest_config(config(24))]

    /// svg, folded and json are byte-identical for `--threads` 1, 2 and 8,
    /// for two runs, and for a copy of the tree under another parent.
    #[test]
    fn output_is_byte_identical_across_threads_runs_and_copies(spec in tree_spec()) {
        let tree = write_tree(spec.layout());
        check_deterministic(&tree);
    }
}

/// Both properties on one fixed tree holding a name of each hostile class
/// (and a hidden file and a file in no language): a quick check that does
/// not depend on what the generator draws.
#[test]
fn a_fixed_hostile_tree_passes_the_properties() {
    let tree = write_files(
        b"# root ",
        &[
            (b"semi;colon/a\\b 2/x.rs", b"fn main() {}\n// c\n\n"),
            (b" lead/\xff\xc3/\x1b[31m_[k]", b"#!/bin/sh\necho hi\n"),
            (
                "nel\u{85}/\u{FFFE}\u{202E}.py".as_bytes(),
                b"x = 1\r\n# c\r\n",
            ),
            (b".hidden/x.rs", b"fn hidden() {}\n"),
            (b"v 1.5/\t\n.md", b"# Title\n\n```rust\nfn f() {}\n```\n"),
            (b"<&>\"'/data.xyz", b"not counted\n"),
        ],
    );
    check_tree(&tree);
    check_deterministic(&tree);
}

/// Regression, found by the determinism property (the copy run by its
/// relative path): `remote_url` in src/cli.rs sliced SOURCE at the length of
/// each URL scheme (6, 7, 8 or 10 bytes) without checking for a character
/// boundary, so a SOURCE whose multibyte character spans one of those bytes
/// panicked (exit 101) instead of being counted.
#[test]
fn a_source_path_with_a_multibyte_character_across_byte_7_is_not_a_panic() {
    // proptest's minimal case: the root `_[k]a\u{FFFD}` given by its
    // relative path, with one empty Rust file (nothing to count: exit 2).
    let tree = write_files("_[k]a\u{FFFD}".as_bytes(), &[(b"a.rs", b"")]);
    check_deterministic(&tree);

    // The same as a user meets it: `repoflame résumé`.
    let dir = TestDir::new("résumé");
    dir.file("a.rs", "fn main() {}\n");
    let mut cmd = repoflame();
    cmd.current_dir(dir.parent()).args(["résumé", "--folded"]);
    let out = cmd.complete();
    assert_eq!(out.status.code(), Some(0), "{}", describe_brief(&out));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "résumé;a.rs 1\n");
}
