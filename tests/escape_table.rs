// The escaping of names into frames, as a literal table: each raw name (one
// path component, bytes) and the exact frame it must give, written by hand
// from the rules of DESIGN.md ("Folded stacks: the contract") as
// src/escape.rs spells them out, never by running `escape`.
//
// One table, checked twice: by the unit test `escape_table` in
// src/escape.rs (which `include!`s this file: no inner attributes or `//!`
// here), and end to end by tests/names.rs, which writes real files with
// these names and compares `repoflame --folded` with these frames. So every
// name here can be a file name (not empty, no `/`, no NUL, not `.` or `..`)
// and is not hidden (no leading `.`); names no file system holds are in
// src/escape.rs alone.

/// `(name, frame)`: the raw name and its frame, written by hand.
pub const ESCAPE_TABLE: &[(&[u8], &str)] = &[
    // Plain names pass through, whatever their script, spaces inside, XML's
    // specials (the SVG writer's job) or near misses of the traps.
    (b"main.rs", "main.rs"),
    (b"a b.rs", "a b.rs"),
    (b"<&>\"'(x)", "<&>\"'(x)"),
    ("café".as_bytes(), "café"),
    ("日本語.txt".as_bytes(), "日本語.txt"),
    ("🦀 crab".as_bytes(), "🦀 crab"),
    (b"x#y", "x#y"),
    (b"v1.5", "v1.5"),
    (b"report2", "report2"),
    (b"a 2b", "a 2b"),
    (b"a 2 b", "a 2 b"),
    (b"a -2", "a -2"),
    (b"a_[k]b", "a_[k]b"),
    (b"a_[x]", "a_[x]"),
    (b"a_[K]", "a_[K]"),
    // Neighbours of rule 2 that stay: U+A1, U+FDCF, U+FDF0, U+FFFD (what a
    // lossy decoding writes, a real character), U+202F (a space, inside).
    (
        "a\u{A1}\u{FDCF}\u{FDF0}\u{FFFD}\u{202F}b".as_bytes(),
        "a\u{A1}\u{FDCF}\u{FDF0}\u{FFFD}\u{202F}b",
    ),
    // Rule 1: `\` → `\\`; `;` → `\x3B`; C0 controls and DEL → `\xHH`,
    // uppercase.
    (b"a\\b", r"a\\b"),
    (b"\\", r"\\"),
    (br"\\", r"\\\\"),
    (b"a;b", r"a\x3Bb"),
    (b";", r"\x3B"),
    (b";;", r"\x3B\x3B"),
    (b"a\nb", r"a\x0Ab"),
    (b"a\rb", r"a\x0Db"),
    (b"a\tb", r"a\x09b"),
    (b"a\x01b", r"a\x01b"),
    (b"a\x1Fb", r"a\x1Fb"),
    (b"\x1b[31m", r"\x1B[31m"),
    (b"a\x7Fb", r"a\x7Fb"),
    // Rule 1: a name that looks like an escape is escaped itself.
    (br"a\x3Bb", r"a\\x3Bb"),
    (br"\u{41}", r"\\u{41}"),
    // Rule 1: each byte that is not part of valid UTF-8 → `\xHH`.
    (b"caf\xE9", r"caf\xE9"),
    (b"\xFF\xFE", r"\xFF\xFE"),
    (b"\xC3", r"\xC3"),
    (b"\xC3(", r"\xC3("),
    (b"a\x80b", r"a\x80b"),
    (b"\xC0\xAF", r"\xC0\xAF"),
    (b"\xED\xA0\x80", r"\xED\xA0\x80"),
    (b"\xF0\x9F\xA6", r"\xF0\x9F\xA6"),
    // Rule 2: C1 controls, noncharacters, bidi controls, U+2028, U+2029 and
    // U+FEFF → `\u{H}`, uppercase hex without leading zeros.
    ("a\u{80}b".as_bytes(), r"a\u{80}b"),
    ("a\u{85}b".as_bytes(), r"a\u{85}b"),
    ("a\u{9F}b".as_bytes(), r"a\u{9F}b"),
    ("a\u{FDD0}b".as_bytes(), r"a\u{FDD0}b"),
    ("a\u{FDEF}b".as_bytes(), r"a\u{FDEF}b"),
    ("a\u{FFFE}b".as_bytes(), r"a\u{FFFE}b"),
    ("a\u{FFFF}b".as_bytes(), r"a\u{FFFF}b"),
    ("a\u{1FFFE}b".as_bytes(), r"a\u{1FFFE}b"),
    ("a\u{10FFFF}b".as_bytes(), r"a\u{10FFFF}b"),
    ("a\u{061C}b".as_bytes(), r"a\u{61C}b"),
    ("a\u{200E}\u{200F}b".as_bytes(), r"a\u{200E}\u{200F}b"),
    ("a\u{202A}\u{202E}b".as_bytes(), r"a\u{202A}\u{202E}b"),
    ("a\u{2066}\u{2069}b".as_bytes(), r"a\u{2066}\u{2069}b"),
    ("a\u{2028}\u{2029}b".as_bytes(), r"a\u{2028}\u{2029}b"),
    ("\u{FEFF}a".as_bytes(), r"\u{FEFF}a"),
    // Rule 3: leading and trailing whitespace is trimmed by readers: the
    // leading and trailing runs are escaped (space → `\x20`, other
    // whitespace → `\u{H}`); whitespace inside is kept.
    (b" a", r"\x20a"),
    (b"a ", r"a\x20"),
    (b"  a b  ", r"\x20\x20a b\x20\x20"),
    (b" ", r"\x20"),
    (b"\ta", r"\x09a"),
    ("\u{A0}a".as_bytes(), r"\u{A0}a"),
    ("a\u{3000}".as_bytes(), r"a\u{3000}"),
    ("\u{2003}a\u{2003}".as_bytes(), r"\u{2003}a\u{2003}"),
    ("\u{A0}x\u{A0}y".as_bytes(), "\\u{A0}x\u{A0}y"),
    // Rule 3: whitespace before a trailing run of digits and dots is read
    // as a second count column: that whitespace is escaped.
    (b"report 2", r"report\x202"),
    (b"v 1.5", r"v\x201.5"),
    (b"x 3.", r"x\x203."),
    (b"x .", r"x\x20."),
    (b"a b 12", r"a b\x2012"),
    (b"a  2", r"a \x202"),
    (b"1 2", r"1\x202"),
    (b" 2", r"\x202"),
    (b"report\t2", r"report\x092"),
    ("a\u{3000}7".as_bytes(), r"a\u{3000}7"),
    // Rule 3: a line starting with `# ` is a comment: a leading `#` is
    // escaped, wherever the name is in the stack; a `#` further in stays.
    (b"#", r"\x23"),
    (b"# notes", r"\x23 notes"),
    (b"#include", r"\x23include"),
    (b"##", r"\x23#"),
    (b" #", r"\x20#"),
    // Rule 3: inferno strips the annotation suffixes `_[k]`, `_[w]`, `_[i]`
    // and `_[j]` that end a name: their `[` is escaped.
    (b"f_[k]", r"f_\x5Bk]"),
    (b"f_[w]", r"f_\x5Bw]"),
    (b"f_[i]", r"f_\x5Bi]"),
    (b"f_[j]", r"f_\x5Bj]"),
    (b"_[k]", r"_\x5Bk]"),
    (b"a_[k]_[j]", r"a_[k]_\x5Bj]"),
    (b"f_[k] ", r"f_[k]\x20"),
    (b"\xFF_[k]", r"\xFF_\x5Bk]"),
    // Several rules at once.
    (b"# a;b 7 ", r"\x23 a\x3Bb 7\x20"),
    (b"#\xFF 1", r"\x23\xFF\x201"),
    (b"# 2", r"\x23\x202"),
    (b"x;1 2", r"x\x3B1\x202"),
    ("\u{202E}# 3 ".as_bytes(), r"\u{202E}# 3\x20"),
    (b"\\ 9", r"\\\x209"),
];
