//! Escaping of path components into folded-stack frames, and its exact inverse.
//!
//! A folded stack is one line, `frame;frame;…;leaf COUNT`. File names can hold
//! any byte but `/` and NUL, so a name written as-is can split a stack (`;`),
//! break the line (`\n`), make the SVG invalid XML (C0 controls, U+FFFE),
//! reorder text on a terminal (bidi overrides), or merge two different names
//! into one frame (invalid UTF-8 replaced by U+FFFD). This module owns the one
//! escaping that prevents all of that, component by component, and
//! [`unescape`], which undoes it exactly: two different names always give two
//! different frames.
//!
//! The escapes are `\\`, `\xHH` (one byte, two uppercase hex digits) and
//! `\u{H}` (one Unicode scalar value, uppercase hex, no leading zeros):
//!
//! - `\` → `\\`, `;` → `\x3B`, C0 controls and DEL → `\xHH`, and each byte
//!   that is not part of valid UTF-8 → `\xHH`;
//! - C1 controls, noncharacters (U+FDD0–U+FDEF, U+xFFFE, U+xFFFF), bidi
//!   controls, U+2028, U+2029 and U+FEFF → `\u{H}`.
//!
//! Folded-stack readers (inferno, `flamegraph.pl`, speedscope) also misread
//! some perfectly printable names. These traps are defused in every
//! component, whatever its depth, because a directory of one run can be the
//! leaf of another:
//!
//! - leading and trailing whitespace is trimmed by the readers: the leading
//!   and trailing runs are escaped (space → `\x20`, other whitespace →
//!   `\u{H}`), interior whitespace is kept;
//! - a name ending in whitespace followed only by digits and dots
//!   (`report 2`, `v 1.5`) is read as a second, differential count column:
//!   that whitespace is escaped (`report\x202`);
//! - a line starting with `# ` is dropped as a comment: a leading `#` is
//!   escaped (`\x23`);
//! - inferno strips the annotation suffixes `_[k]`, `_[w]`, `_[i]`, `_[j]`:
//!   their `[` is escaped (`_\x5Bk]`).
//!
//! Nothing else changes: most names need no escaping, and [`escape`] returns
//! them borrowed after one scan without allocating. XML escaping of
//! `< > & " '` is the SVG writer's job, not this module's.
//!
//! User text that is shown but never split into frames (a `--title`) gets
//! only the character escapes of rules 1 and 2 that keep XML and terminals
//! whole, with [`escape_text`]: a title stays readable.

use std::borrow::Cow;
use std::fmt::Write as _;

/// Escapes one path component (raw bytes of the file or directory name) into
/// a frame name.
///
/// The result is valid UTF-8 and holds no `;`, no control character, no
/// character that breaks XML 1.0 or terminals, no leading or trailing
/// whitespace and none of the folded-reader traps described in the
/// [module documentation](self). It is `Cow::Borrowed` when the name needs no
/// escaping, which is the common case. [`unescape`] gives the name back.
///
/// ```
/// use repoflame::escape::escape;
///
/// assert_eq!(escape(b"main.rs"), "main.rs");
/// assert_eq!(escape(b"a;b"), r"a\x3Bb");
/// assert_eq!(escape(b"report 2"), r"report\x202");
/// assert_eq!(escape(b"caf\xE9"), r"caf\xE9");
/// ```
pub fn escape(name: &[u8]) -> Cow<'_, str> {
    match plain(name) {
        Some(plain) => Cow::Borrowed(plain),
        None => Cow::Owned(escape_slow(name)),
    }
}

/// Undoes [`escape`] exactly: `unescape(&escape(name)) == Ok(name.to_vec())`
/// for every byte string.
///
/// It accepts the three escapes [`escape`] writes, `\\`, `\xHH` and `\u{H}`,
/// with uppercase hex digits and, for `\u{H}`, one to six digits without
/// leading zeros naming a Unicode scalar value. Any other use of `\` is an
/// error. Everything that is not an escape is copied as it is.
///
/// ```
/// use repoflame::escape::unescape;
///
/// assert_eq!(unescape(r"a\x3Bb").unwrap(), b"a;b");
/// assert_eq!(unescape(r"\u{202E}x").unwrap(), "\u{202E}x".as_bytes());
/// assert!(unescape(r"bad\q").is_err());
/// ```
pub fn unescape(frame: &str) -> Result<Vec<u8>, UnescapeError> {
    let bytes = frame.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut copied = 0;
    while let Some(found) = frame[copied..].find('\\') {
        let at = copied + found;
        out.extend_from_slice(&bytes[copied..at]);
        let error = |kind| UnescapeError { position: at, kind };
        copied = match bytes.get(at + 1) {
            None => return Err(error(UnescapeErrorKind::TrailingBackslash)),
            Some(b'\\') => {
                out.push(b'\\');
                at + 2
            }
            Some(b'x') => {
                let byte = bytes
                    .get(at + 2..at + 4)
                    .and_then(|hex| parse_hex(hex, 2))
                    .ok_or(error(UnescapeErrorKind::BadHexByte))?;
                out.push(byte as u8);
                at + 4
            }
            Some(b'u') => {
                let (c, end) = parse_unicode(bytes, at).map_err(error)?;
                out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
                end
            }
            Some(_) => {
                let c = frame[at + 1..].chars().next().unwrap_or('\\');
                return Err(error(UnescapeErrorKind::UnknownEscape(c)));
            }
        };
    }
    out.extend_from_slice(&bytes[copied..]);
    Ok(out)
}

/// A frame that [`unescape`] cannot undo: it holds a malformed escape, so
/// [`escape`] did not write it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("malformed escape at byte {position} of the frame: {kind}")]
pub struct UnescapeError {
    /// Byte offset in the frame of the `\` that starts the malformed escape.
    pub position: usize,
    /// What is wrong with it.
    pub kind: UnescapeErrorKind,
}

/// What is wrong with a malformed escape, see [`UnescapeError`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum UnescapeErrorKind {
    /// The frame ends with a `\` that starts no escape.
    #[error("a lone `\\` ends the frame")]
    TrailingBackslash,
    /// `\` is followed by a character that starts no escape.
    #[error("`\\{0}` is not an escape (only `\\\\`, `\\xHH` and `\\u{{H}}` are)")]
    UnknownEscape(char),
    /// `\x` is not followed by two uppercase hex digits.
    #[error("`\\x` must be followed by two uppercase hex digits")]
    BadHexByte,
    /// `\u` is not followed by `{`, one to six uppercase hex digits without
    /// leading zeros, and `}`.
    #[error(
        "`\\u` must be followed by `{{`, one to six uppercase hex digits without leading zeros, and `}}`"
    )]
    BadUnicodeEscape,
    /// `\u{H}` names a surrogate or a number above U+10FFFF.
    #[error("`\\u{{{0:X}}}` is not a Unicode scalar value")]
    NotAScalarValue(u32),
}

/// ASCII bytes that are escaped wherever they appear: C0 controls, `;`, `\`
/// and DEL.
const ALWAYS_ESCAPED: [bool; 128] = {
    let mut table = [false; 128];
    let mut b = 0;
    while b < 0x20 {
        table[b] = true;
        b += 1;
    }
    table[b';' as usize] = true;
    table[b'\\' as usize] = true;
    table[0x7F] = true;
    table
};

/// The fast path of [`escape`]: `Some(name)` when nothing in it needs
/// escaping.
///
/// After std's UTF-8 validation, one pass over the bytes with a table for
/// ASCII; only the lead bytes of the few blocks that hold a character of rule
/// 2 are decoded. The positional traps only look at the ends.
fn plain(name: &[u8]) -> Option<&str> {
    let s = std::str::from_utf8(name).ok()?;
    let bytes = s.as_bytes();
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b < 0x80 {
            if ALWAYS_ESCAPED[usize::from(b)] {
                return None;
            }
            i += 1;
        } else if matches!(b, 0xC2 | 0xD8 | 0xE2 | 0xEF..=0xF4) {
            // U+0080–U+00BF, U+0600–U+063F, U+2000–U+2FFF, U+F000–U+FFFF and
            // the supplementary planes: decode and ask.
            let c = s[i..].chars().next()?;
            if needs_unicode_escape(c) {
                return None;
            }
            i += c.len_utf8();
        } else {
            // The lead byte of a valid sequence gives its length.
            i += b.leading_ones() as usize;
        }
    }
    if has_edge_trap(s) { None } else { Some(s) }
}

/// Whether a name, valid UTF-8, falls into one of the positional traps:
/// leading `#`, leading or trailing whitespace, whitespace followed only by
/// digits and dots, or an annotation suffix.
fn has_edge_trap(s: &str) -> bool {
    if s.starts_with(|c: char| c == '#' || c.is_whitespace()) {
        return true;
    }
    // An empty run of digits and dots covers trailing whitespace.
    let before_number = s.trim_end_matches(|c: char| c.is_ascii_digit() || c == '.');
    before_number.ends_with(char::is_whitespace) || annotation_bracket(s.as_bytes()).is_some()
}

/// The index of the `[` of an inferno annotation suffix (`_[k]`, `_[w]`,
/// `_[i]`, `_[j]`) that ends `name`, if there is one.
fn annotation_bracket(name: &[u8]) -> Option<usize> {
    match name {
        [.., b'_', b'[', b'k' | b'w' | b'i' | b'j', b']'] => Some(name.len() - 3),
        _ => None,
    }
}

/// Characters written as `\u{H}` wherever they appear: C1 controls,
/// noncharacters, bidi controls, line and paragraph separators and the BOM.
fn needs_unicode_escape(c: char) -> bool {
    let u = u32::from(c);
    matches!(
        u,
        0x80..=0x9F
            | 0x061C
            | 0x200E
            | 0x200F
            | 0x2028..=0x202E
            | 0x2066..=0x2069
            | 0xFDD0..=0xFDEF
            | 0xFEFF
    ) || (u & 0xFFFE) == 0xFFFE
}

/// One unit of a name: a character of a valid UTF-8 run, or a byte that is
/// not part of valid UTF-8.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Unit {
    Char(char),
    Byte(u8),
}

impl Unit {
    fn is_whitespace(self) -> bool {
        matches!(self, Unit::Char(c) if c.is_whitespace())
    }

    fn is_number_part(self) -> bool {
        matches!(self, Unit::Char(c) if c.is_ascii_digit() || c == '.')
    }
}

/// The slow path of [`escape`], for names that need at least one escape.
///
/// It is also the reference the fast path is tested against, so it must give
/// a correct result for every name, plain ones included.
fn escape_slow(name: &[u8]) -> String {
    let units: Vec<Unit> = name
        .utf8_chunks()
        .flat_map(|chunk| {
            let chars = chunk.valid().chars().map(Unit::Char);
            chars.chain(chunk.invalid().iter().map(|&b| Unit::Byte(b)))
        })
        .collect();
    let n = units.len();
    // Units that are escaped because of where they are, even if printable.
    let leading = units.iter().take_while(|u| u.is_whitespace()).count();
    let trailing = n - units[leading..]
        .iter()
        .rev()
        .take_while(|u| u.is_whitespace())
        .count();
    let number = n - units
        .iter()
        .rev()
        .take_while(|u| u.is_number_part())
        .count();
    let count_separator = number.checked_sub(1).filter(|&i| units[i].is_whitespace());
    let hash = (units.first() == Some(&Unit::Char('#'))).then_some(0);
    let bracket = annotation_bracket(name).map(|_| n - 3);

    let mut out = String::with_capacity(name.len() + 8);
    for (i, &unit) in units.iter().enumerate() {
        match unit {
            Unit::Byte(b) => push_byte_escape(&mut out, b),
            Unit::Char(c) => {
                let positional = i < leading
                    || i >= trailing
                    || Some(i) == count_separator
                    || Some(i) == hash
                    || Some(i) == bracket;
                push_char(&mut out, c, positional);
            }
        }
    }
    out
}

/// Writes one character of a valid UTF-8 run, escaped if its value or, when
/// `positional`, its place in the name requires it.
fn push_char(out: &mut String, c: char, positional: bool) {
    match c {
        '\\' => out.push_str(r"\\"),
        ';' | '\0'..='\x1F' | '\x7F' => push_byte_escape(out, c as u8),
        _ if positional && c.is_ascii() => push_byte_escape(out, c as u8),
        _ if positional || needs_unicode_escape(c) => {
            // Writing to a String cannot fail.
            let _ = write!(out, "\\u{{{:X}}}", u32::from(c));
        }
        _ => out.push(c),
    }
}

/// Writes `\xHH` for one byte.
fn push_byte_escape(out: &mut String, b: u8) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    out.push('\\');
    out.push('x');
    out.push(char::from(HEX[usize::from(b >> 4)]));
    out.push(char::from(HEX[usize::from(b & 0xF)]));
}

/// Parses `digits` as uppercase hex, if it is 1 to `max` such digits.
fn parse_hex(digits: &[u8], max: usize) -> Option<u32> {
    if digits.is_empty() || digits.len() > max {
        return None;
    }
    digits.iter().try_fold(0u32, |value, &d| {
        let digit = match d {
            b'0'..=b'9' => d - b'0',
            b'A'..=b'F' => d - b'A' + 10,
            _ => return None,
        };
        Some((value << 4) | u32::from(digit))
    })
}

/// Parses the `\u{H}` escape whose `\` is at `at`: the character and the
/// index just after the `}`.
fn parse_unicode(bytes: &[u8], at: usize) -> Result<(char, usize), UnescapeErrorKind> {
    let bad = UnescapeErrorKind::BadUnicodeEscape;
    let open = at + 2;
    if bytes.get(open) != Some(&b'{') {
        return Err(bad);
    }
    // Seven bytes after `{` are enough to find the `}` of six digits.
    let window = bytes.get(open + 1..).ok_or(bad)?;
    let window = &window[..window.len().min(7)];
    let close = window.iter().position(|&b| b == b'}').ok_or(bad)?;
    let digits = &window[..close];
    if digits.first() == Some(&b'0') {
        return Err(bad);
    }
    let value = parse_hex(digits, 6).ok_or(bad)?;
    let c = char::from_u32(value).ok_or(UnescapeErrorKind::NotAScalarValue(value))?;
    Ok((c, open + 1 + close + 1))
}

/// Escapes user text shown as it is, not as a frame: a `--title`, a
/// revision name in a title.
///
/// What breaks XML 1.0 or a terminal is escaped exactly as in a frame: C0
/// controls (tab and newline included) and DEL as `\xHH`; C1 controls,
/// noncharacters (U+FFFE…), bidi controls, U+2028, U+2029 and U+FEFF as
/// `\u{H}`. Everything else stays, `;`, `\`, `#` and spaces around digits
/// included: a title is never split into frames nor read back, so the
/// folded-stack rules would only make it harder to read (`Release 2` stays
/// `Release 2`). Unlike [`escape`] it is not injective (`\x01` typed as
/// four characters and U+0001 look alike), and need not be; applied twice
/// it changes nothing more.
///
/// ```
/// use repoflame::escape::escape_text;
///
/// assert_eq!(escape_text("core; 2 \\ api"), "core; 2 \\ api");
/// assert_eq!(escape_text("a\u{1}b\u{FFFE}\u{202E}"), r"a\x01b\u{FFFE}\u{202E}");
/// ```
pub fn escape_text(text: &str) -> Cow<'_, str> {
    let breaks = |c: char| c.is_ascii_control() || needs_unicode_escape(c);
    if !text.contains(breaks) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if c.is_ascii_control() {
            let _ = write!(out, "\\x{:02X}", u32::from(c));
        } else if needs_unicode_escape(c) {
            let _ = write!(out, "\\u{{{:X}}}", u32::from(c));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    // `ESCAPE_TABLE`: names and the frames they must give, one or more per
    // rule, written by hand; shared with the end-to-end test of real files
    // with these names (tests/names.rs).
    #[allow(unreachable_pub)]
    mod table {
        include!("../tests/escape_table.rs");
    }
    use table::ESCAPE_TABLE;

    /// Names no file system holds, so not in `ESCAPE_TABLE`, and the frames
    /// they must give.
    const EXAMPLES: &[(&[u8], &str)] = &[
        (b"", ""),
        (b"\0", r"\x00"),
        (b"a\0b", r"a\x00b"),
        (b"#\0 1", r"\x23\x00\x201"),
    ];

    #[test]
    fn escape_table() {
        for &(name, frame) in ESCAPE_TABLE.iter().chain(EXAMPLES) {
            assert_eq!(
                escape(name),
                frame,
                "escape({:?})",
                name.escape_ascii().to_string()
            );
            assert_eq!(unescape(frame).as_deref(), Ok(name), "unescape({frame:?})");
        }
    }

    #[test]
    fn plain_names_are_borrowed() {
        for name in ["main.rs", "a b.rs", "café", "🦀", "x_[k]y", "v1.5", ""] {
            assert!(
                matches!(escape(name.as_bytes()), Cow::Borrowed(_)),
                "{name:?}"
            );
        }
        for name in ["a;b", " a", "a 1", "#a", "f_[k]", "a\u{85}"] {
            assert!(matches!(escape(name.as_bytes()), Cow::Owned(_)), "{name:?}");
        }
    }

    #[test]
    fn text_keeps_what_only_frames_escape() {
        for text in [
            "core; 2",
            "a \\ b",
            "# notes",
            " padded ",
            "f_[k]",
            "v 1.5",
            "café 🦀",
            "",
        ] {
            assert!(matches!(escape_text(text), Cow::Borrowed(_)), "{text:?}");
        }
    }

    #[test]
    fn text_escapes_what_breaks_xml_or_terminals_as_frames_do() {
        // Every character that breaks XML 1.0 or a terminal, alone in a
        // text: the same escape as in a frame.
        for c in (0..=0x10_FFFF).filter_map(char::from_u32) {
            let text = format!("a{c}b");
            let shown = escape_text(&text);
            if c.is_control() || breaks_xml_or_terminals(c) {
                assert_eq!(shown, escape(text.as_bytes()), "{c:?}");
            } else {
                assert_eq!(shown, text, "{c:?}");
            }
            assert!(!shown.contains(|c: char| c.is_control() || needs_unicode_escape(c)));
            // Twice is once.
            assert_eq!(escape_text(&shown), shown, "{c:?}");
        }
    }

    /// Malformed frames, the byte offset of the bad escape, and why.
    const MALFORMED: &[(&str, usize, UnescapeErrorKind)] = &[
        ("\\", 0, UnescapeErrorKind::TrailingBackslash),
        ("abc\\", 3, UnescapeErrorKind::TrailingBackslash),
        ("\\\\\\", 2, UnescapeErrorKind::TrailingBackslash),
        ("a\\qb", 1, UnescapeErrorKind::UnknownEscape('q')),
        ("\\é", 0, UnescapeErrorKind::UnknownEscape('é')),
        ("\\n", 0, UnescapeErrorKind::UnknownEscape('n')),
        ("\\x4", 0, UnescapeErrorKind::BadHexByte),
        ("\\x", 0, UnescapeErrorKind::BadHexByte),
        ("\\x3b", 0, UnescapeErrorKind::BadHexByte),
        ("\\xG0", 0, UnescapeErrorKind::BadHexByte),
        ("\\x+1", 0, UnescapeErrorKind::BadHexByte),
        ("\\xé", 0, UnescapeErrorKind::BadHexByte),
        ("ok\\u{}", 2, UnescapeErrorKind::BadUnicodeEscape),
        ("\\u", 0, UnescapeErrorKind::BadUnicodeEscape),
        ("\\u85", 0, UnescapeErrorKind::BadUnicodeEscape),
        ("\\u{85", 0, UnescapeErrorKind::BadUnicodeEscape),
        ("\\u{85x}", 0, UnescapeErrorKind::BadUnicodeEscape),
        ("\\u{fffe}", 0, UnescapeErrorKind::BadUnicodeEscape),
        ("\\u{0085}", 0, UnescapeErrorKind::BadUnicodeEscape),
        ("\\u{0}", 0, UnescapeErrorKind::BadUnicodeEscape),
        ("\\u{1000000}", 0, UnescapeErrorKind::BadUnicodeEscape),
        ("\\u{-1}", 0, UnescapeErrorKind::BadUnicodeEscape),
        (
            "\\u{110000}",
            0,
            UnescapeErrorKind::NotAScalarValue(0x11_0000),
        ),
        (
            "\\u{FFFFFF}",
            0,
            UnescapeErrorKind::NotAScalarValue(0xFF_FFFF),
        ),
        ("x\\u{D800}", 1, UnescapeErrorKind::NotAScalarValue(0xD800)),
        ("\\u{DFFF}", 0, UnescapeErrorKind::NotAScalarValue(0xDFFF)),
    ];

    #[test]
    fn unescape_rejects_malformed_escapes() {
        for &(frame, position, kind) in MALFORMED {
            assert_eq!(
                unescape(frame),
                Err(UnescapeError { position, kind }),
                "{frame:?}"
            );
        }
    }

    #[test]
    fn unescape_error_message_names_position_and_escape() {
        let error = unescape(r"ab\u{D800}").unwrap_err();
        assert_eq!(
            error.to_string(),
            r"malformed escape at byte 2 of the frame: `\u{D800}` is not a Unicode scalar value"
        );
    }

    #[test]
    fn every_byte_alone_round_trips() {
        for b in 0..=u8::MAX {
            let name = [b];
            let frame = escape(&name);
            assert_frame_is_safe(&frame);
            assert_eq!(unescape(&frame).unwrap(), [b]);
        }
    }

    #[test]
    fn every_char_in_context_round_trips() {
        // Every scalar value inside a name, where only rules 1 and 2 apply.
        let mut name = String::new();
        for c in (0..=0x10_FFFF).filter_map(char::from_u32) {
            name.clear();
            name.extend(['a', c, 'b']);
            let frame = escape(name.as_bytes());
            let expected_plain =
                !(c.is_control() || c == ';' || c == '\\' || breaks_xml_or_terminals(c));
            assert_eq!(frame == name, expected_plain, "{c:?}");
            assert_frame_is_safe(&frame);
            assert_eq!(unescape(&frame).unwrap(), name.as_bytes());
        }
    }

    /// Rule 2 written again from the spec, independently of
    /// `needs_unicode_escape`, so that the properties check the code.
    fn breaks_xml_or_terminals(c: char) -> bool {
        const RANGES: &[(u32, u32)] = &[
            (0x80, 0x9F),
            (0x061C, 0x061C),
            (0x200E, 0x200F),
            (0x202A, 0x202E),
            (0x2066, 0x2069),
            (0x2028, 0x2029),
            (0xFDD0, 0xFDEF),
            (0xFEFF, 0xFEFF),
        ];
        let u = u32::from(c);
        RANGES.iter().any(|&(lo, hi)| (lo..=hi).contains(&u))
            || (0..=0x10)
                .any(|plane| u == plane * 0x1_0000 + 0xFFFE || u == plane * 0x1_0000 + 0xFFFF)
    }

    /// Checks every property a frame must have to be read back as one frame.
    fn assert_frame_is_safe(frame: &str) {
        assert!(!frame.contains(';'), "`;` in {frame:?}");
        assert!(!frame.contains(char::is_control), "control in {frame:?}");
        assert!(
            !frame.contains(needs_unicode_escape),
            "rule 2 char in {frame:?}"
        );
        assert!(
            !frame.starts_with(char::is_whitespace),
            "leading space: {frame:?}"
        );
        assert!(
            !frame.ends_with(char::is_whitespace),
            "trailing space: {frame:?}"
        );
        assert!(!frame.starts_with('#'), "leading `#`: {frame:?}");
        assert!(
            annotation_bracket(frame.as_bytes()).is_none(),
            "annotation: {frame:?}"
        );
        if let Some(i) = frame.rfind(char::is_whitespace) {
            let tail = frame[i..].trim_start_matches(char::is_whitespace);
            assert!(
                !tail.bytes().all(|b| b.is_ascii_digit() || b == b'.'),
                "count column in {frame:?}"
            );
        }
    }

    /// Pieces that each hit a rule or sit next to one.
    const HOSTILE: &[&[u8]] = &[
        b";",
        b"\\",
        b" ",
        b"  ",
        b"0",
        b"7",
        b"42",
        b".",
        b"#",
        b"# ",
        b"_[k]",
        b"_[w]",
        b"_[",
        b"]",
        b"k",
        b"\n",
        b"\r",
        b"\t",
        b"\x1b",
        b"\x7f",
        b"\0",
        b"\xFF",
        b"\xC3",
        b"\xE2\x80",
        "\u{85}".as_bytes(),
        "\u{A0}".as_bytes(),
        "\u{3000}".as_bytes(),
        "\u{FFFE}".as_bytes(),
        "\u{1FFFF}".as_bytes(),
        "\u{FDD0}".as_bytes(),
        "\u{FEFF}".as_bytes(),
        "\u{202E}".as_bytes(),
        "\u{2028}".as_bytes(),
        "\u{061C}".as_bytes(),
        "é".as_bytes(),
        "🦀".as_bytes(),
        b"<",
        b"&",
        b">",
        b"\"",
        b"'",
        b"x",
        b"u",
        b"{",
        b"}",
        b"a",
        b"Z",
        b"-",
    ];

    fn hostile() -> impl Strategy<Value = Vec<u8>> {
        prop::collection::vec(prop::sample::select(HOSTILE), 0..12)
            .prop_map(|pieces| pieces.concat())
    }

    fn hostile_nonempty() -> impl Strategy<Value = Vec<u8>> {
        prop::collection::vec(prop::sample::select(HOSTILE), 1..8)
            .prop_map(|pieces| pieces.concat())
    }

    /// `escape` against its reference, the round trip and the output
    /// properties, for one name.
    fn check_name(name: &[u8]) -> Result<(), TestCaseError> {
        let frame = escape(name);
        let reference = escape_slow(name);
        prop_assert_eq!(
            &*frame,
            reference.as_str(),
            "fast path differs from reference"
        );
        prop_assert_eq!(
            matches!(frame, Cow::Borrowed(_)),
            reference.as_bytes() == name,
            "borrowed exactly when nothing is escaped"
        );
        assert_frame_is_safe(&frame);
        prop_assert_eq!(unescape(&frame), Ok(name.to_vec()));
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn arbitrary_bytes_round_trip(name in prop::collection::vec(any::<u8>(), 0..48)) {
            check_name(&name)?;
        }

        #[test]
        fn arbitrary_strings_round_trip(name in any::<String>()) {
            check_name(name.as_bytes())?;
        }

        #[test]
        fn hostile_names_round_trip(name in hostile()) {
            check_name(&name)?;
        }

        #[test]
        fn distinct_names_give_distinct_frames(a in hostile(), b in hostile()) {
            prop_assume!(a != b);
            prop_assert_ne!(escape(&a), escape(&b));
        }

        #[test]
        fn distinct_bytes_give_distinct_frames(
            a in prop::collection::vec(any::<u8>(), 0..8),
            b in prop::collection::vec(any::<u8>(), 0..8),
        ) {
            prop_assume!(a != b);
            prop_assert_ne!(escape(&a), escape(&b));
        }

        #[test]
        fn unescape_never_panics(frame in r"(\\|x|u|\{|\}|[0-9A-Fa-f]|D800|110000|é|;| ){0,16}") {
            if let Ok(name) = unescape(&frame) {
                // Whatever it accepts, it accepts consistently.
                prop_assert_eq!(unescape(&escape(&name)), Ok(name));
            }
        }

        #[test]
        fn unescape_never_panics_on_any_string(frame in any::<String>()) {
            let _ = unescape(&frame);
        }
    }

    /// Renders one folded line with inferno and returns the frame titles of
    /// the SVG, parsed back as XML.
    fn inferno_titles(line: &str) -> Vec<String> {
        use quick_xml::events::Event;

        let mut options = inferno::flamegraph::Options::default();
        let mut svg = Vec::new();
        inferno::flamegraph::from_lines(&mut options, [line], &mut svg)
            .unwrap_or_else(|e| panic!("inferno failed on {line:?}: {e}"));
        let svg = String::from_utf8(svg).expect("inferno writes UTF-8");
        assert!(
            svg.contains(r#"total_samples="7""#),
            "total is not 7 for {line:?}"
        );

        let mut reader = quick_xml::Reader::from_str(&svg);
        let mut titles = Vec::new();
        let mut title: Option<String> = None;
        loop {
            match reader.read_event().expect("inferno's SVG parses as XML") {
                Event::Start(e) if e.name().as_ref() == b"title" => title = Some(String::new()),
                Event::Text(text) if title.is_some() => {
                    let text = text.decode().expect("UTF-8 text");
                    title.as_mut().unwrap().push_str(&text);
                }
                Event::GeneralRef(reference) if title.is_some() => {
                    let name = reference.decode().expect("UTF-8 reference");
                    let entity = format!("&{name};");
                    let text = quick_xml::escape::unescape(&entity).expect("known entity");
                    title.as_mut().unwrap().push_str(&text);
                }
                Event::End(e) if e.name().as_ref() == b"title" => {
                    titles.extend(title.take());
                }
                Event::Eof => break,
                _ => {}
            }
        }
        titles
    }

    /// Escapes `names` into one folded line with count 7, renders it with
    /// inferno, and checks that it was read as one stack of exactly those
    /// frames.
    fn assert_inferno_reads_one_stack(names: &[&[u8]]) {
        let frames: Vec<Cow<'_, str>> = names.iter().map(|name| escape(name)).collect();
        let line = format!("{} 7", frames.join(";"));
        let mut titles = inferno_titles(&line);
        let mut expected: Vec<String> = frames
            .iter()
            .map(|frame| format!("{frame} (7 samples, 100.00%)"))
            .chain(["all (7 samples, 100%)".to_owned()])
            .collect();
        titles.sort();
        expected.sort();
        assert_eq!(titles, expected, "line {line:?}");
    }

    #[test]
    fn inferno_reads_escaped_hostile_components_as_one_stack() {
        assert_inferno_reads_one_stack(&[
            b"# root",
            b" lead",
            b"trail ",
            b"semi;colon",
            b"back\\slash",
            b"report 2",
            b"v 1.5",
            b"x 3.",
            b"f_[k]",
            "bidi\u{202E}rtl".as_bytes(),
            "nel\u{85}line\u{2028}sep".as_bytes(),
            "nbsp\u{A0}".as_bytes(),
            "bom\u{FEFF}\u{FFFE}".as_bytes(),
            b"tab\tnl\ncr\resc\x1bdel\x7f",
            b"bad\xFF\xC3utf8",
            b"<&>\"'",
            b"#",
            b"leaf 12",
        ]);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn inferno_reads_any_hostile_stack_as_one_stack(
            names in prop::collection::vec(hostile_nonempty(), 1..6),
        ) {
            let names: Vec<&[u8]> = names.iter().map(Vec::as_slice).collect();
            assert_inferno_reads_one_stack(&names);
        }
    }
}
