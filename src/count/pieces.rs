//! Counting content too large to read whole, exactly as tokei counts it
//! whole, in memory that does not grow with its size.
//!
//! tokei's parser (the vendored crate's `PieceParser`, see
//! `vendor/README.md`) is fed the content a piece at a time and carries its
//! state (open comments and strings) from one piece to the next. It stops
//! before the lines whose count depends on text it has not seen yet (the
//! end of an embedded block, the next byte that is not whitespace); they are
//! kept and given again with the next piece. So what is held is a piece plus
//! the lines waiting for their end.
//!
//! Two things can wait for longer than [`HOLD_LIMIT`]: a single line longer
//! than that, and an embedded block (a Markdown code fence, an HTML
//! `<script>`) or run of blank lines that long. A long line without comment
//! or string syntax outside any comment (a line of data, a run of zeros)
//! is still counted exactly, from its start and whether it is blank. Any
//! other is counted from its first [`HOLD_LIMIT`] bytes, as if it ended
//! there, and [`Streamed::approximated`] says how many times that happened,
//! so the caller can say so: bounded memory is kept, and the loss of
//! exactness is never silent.

use std::io::{self, Read};

use tokei::{CodeStats, LanguageType, PieceParser};

use super::{TOKEI_CONFIG, read_up_to};

/// How much is read at a time.
pub(crate) const PIECE: usize = 4 << 20;

/// How much may be held waiting for the end of a line or block.
pub(crate) const HOLD_LIMIT: usize = 32 << 20;

/// Bytes of a long line's start kept to tell how it counts: more than any
/// line comment marker.
const LINE_START: usize = 64;

/// What counting in pieces gave.
#[derive(Debug)]
pub(crate) struct Streamed {
    /// tokei's counts, as for the content read whole.
    pub stats: CodeStats,
    /// Lines or blocks longer than [`HOLD_LIMIT`] with comment or string
    /// syntax in them, counted from their first [`HOLD_LIMIT`] bytes: when
    /// 0, the counts are exact.
    pub approximated: u64,
}

/// Counts `reader`, the content of a file in `language` (decoded as tokei
/// decodes files), reading `piece` bytes at a time and holding at most
/// about `hold` bytes. `buffer` is reused between calls.
pub(crate) fn count(
    language: LanguageType,
    reader: &mut dyn Read,
    buffer: &mut Vec<u8>,
    piece: usize,
    hold: usize,
) -> io::Result<Streamed> {
    let config = &*TOKEI_CONFIG;
    buffer.clear();
    // Room for the most that is held, at once (pages are only used as they
    // are written): grown by doubling, what is held would be copied, old
    // and new side by side where the allocator cannot remap (jemalloc),
    // and the last doubling reserves twice what is needed.
    buffer.reserve_exact(hold.saturating_add(piece));
    let mut eof = top_up(reader, buffer, piece)?;
    let mut parser = language.piece_parser(buffer);
    let mut approximated = 0;
    loop {
        let counted = parser.feed(buffer, config, eof);
        buffer.drain(..counted);
        if eof {
            break;
        }
        if buffer.len() >= hold {
            match memchr::memrchr(b'\n', buffer) {
                // Lines held waiting for a block's end (or for anything but
                // whitespace): counted as if the content ended there.
                Some(newline) => {
                    parser.feed(&buffer[..=newline], config, true);
                    buffer.drain(..=newline);
                    approximated += 1;
                    continue;
                }
                None => {
                    let (exact, at_end) = long_line(&mut parser, reader, buffer, piece)?;
                    approximated += u64::from(!exact);
                    eof = at_end;
                    continue;
                }
            }
        }
        eof = top_up(reader, buffer, piece)?;
    }
    Ok(Streamed {
        stats: parser.finish(),
        approximated,
    })
}

/// Reads up to `piece` more bytes onto the end of `buffer`; whether the
/// content ended.
fn top_up(reader: &mut dyn Read, buffer: &mut Vec<u8>, piece: usize) -> io::Result<bool> {
    let filled = buffer.len();
    buffer.resize(filled + piece, 0);
    let read = read_up_to(reader, &mut buffer[filled..]);
    buffer.truncate(filled + *read.as_ref().unwrap_or(&0));
    Ok(read? < piece)
}

/// Counts the line that `buffer` starts (with no newline in it yet) and
/// that goes on in `reader`, without holding more of it. Leaves in
/// `buffer` what follows the line. Returns whether it was counted exactly,
/// and whether the content ended.
fn long_line(
    parser: &mut PieceParser,
    reader: &mut dyn Read,
    buffer: &mut Vec<u8>,
    piece: usize,
) -> io::Result<(bool, bool)> {
    let mut line = LongLine {
        leading_whitespace: buffer.first().copied().is_some_and(is_whitespace),
        start: Vec::with_capacity(LINE_START),
        after_start: false,
        syntax: !parser.is_plain(),
        junction: Vec::new(),
        overlap: parser.important_syntax_len().saturating_sub(1),
    };
    // The line's first bytes stay, for counting it when it cannot be
    // counted exactly.
    let first = std::mem::take(buffer);
    line.look_at(parser, &first);
    let mut eof = false;
    while !eof {
        eof = top_up(reader, buffer, piece)?;
        if let Some(newline) = memchr::memchr(b'\n', buffer) {
            line.look_at(parser, &buffer[..newline]);
            buffer.drain(..=newline);
            break;
        }
        line.look_at(parser, buffer);
        buffer.clear();
    }
    if line.syntax {
        // As if the line ended after its first bytes.
        let mut cut = first;
        cut.push(b'\n');
        parser.feed(&cut, &TOKEI_CONFIG, true);
        return Ok((false, eof));
    }
    if !line.after_start {
        while line.start.last().copied().is_some_and(is_whitespace) {
            line.start.pop();
        }
    }
    parser.count_plain_line(line.leading_whitespace, &line.start);
    Ok((true, eof))
}

/// What is known of a long line from the parts seen so far.
struct LongLine {
    leading_whitespace: bool,
    /// The line from its first byte that is not whitespace, up to
    /// [`LINE_START`] bytes.
    start: Vec<u8>,
    /// Whether anything but whitespace came after `start`.
    after_start: bool,
    /// Whether comment or string syntax was seen (or the line started
    /// inside a comment or string): then it cannot be counted exactly.
    syntax: bool,
    /// The end of the last part, to find syntax across two parts.
    junction: Vec<u8>,
    overlap: usize,
}

impl LongLine {
    fn look_at(&mut self, parser: &PieceParser, part: &[u8]) {
        if !self.syntax {
            // What spans the parts is in the last bytes of the line so far
            // and the first of this part.
            let seen = self.junction.len();
            self.junction
                .extend_from_slice(&part[..part.len().min(self.overlap)]);
            self.syntax =
                parser.has_important_syntax(&self.junction) || parser.has_important_syntax(part);
            self.junction.truncate(seen);
            self.junction
                .extend_from_slice(&part[part.len().saturating_sub(self.overlap)..]);
            let excess = self.junction.len().saturating_sub(self.overlap);
            self.junction.drain(..excess);
        }
        for &byte in part {
            if self.start.is_empty() && is_whitespace(byte) {
                continue;
            }
            if self.start.len() < LINE_START {
                self.start.push(byte);
            } else if !is_whitespace(byte) {
                self.after_start = true;
                break;
            }
        }
    }
}

/// tokei's whitespace: space and `\t` to `\r`.
fn is_whitespace(byte: u8) -> bool {
    byte == b' ' || (b'\t'..=b'\r').contains(&byte)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Languages whose parsing looks past a line: embedded blocks (Markdown
    /// fences, HTML `<script>`, Rust doc comments), nesting, doc strings,
    /// verbatim strings, Fortran's columns, literate Haskell.
    const LANGUAGES: &[LanguageType] = &[
        LanguageType::Rust,
        LanguageType::C,
        LanguageType::Python,
        LanguageType::Markdown,
        LanguageType::Html,
        LanguageType::Vue,
        LanguageType::Svelte,
        LanguageType::Ruby,
        LanguageType::Haskell,
        LanguageType::Text,
        LanguageType::FortranLegacy,
        LanguageType::Forth,
        LanguageType::CSharp,
        LanguageType::Sql,
        LanguageType::Daml,
    ];

    /// Pieces of syntax of all of them, and of plain text and whitespace.
    const TOKENS: &[&str] = &[
        "\n",
        "\n",
        "\n",
        " ",
        "  ",
        "\t",
        "\r\n",
        "x",
        "fn main() {",
        "}",
        "let s = 1;",
        "//",
        "///",
        "//!",
        "/*",
        "*/",
        "\"",
        "'",
        "\"\"\"",
        "'''",
        "#",
        "--",
        "-- ",
        "(*",
        "*)",
        "( ",
        ")",
        "{-",
        "-}",
        "\\",
        "@\"",
        "=begin",
        "=end",
        "> ",
        "```",
        "```rust\n",
        "```python\n",
        "```\n",
        "<script>",
        "</script>",
        "<script type=\"text/typescript\">",
        "<style>",
        "</style>",
        "<template>",
        "</template>",
        "c ",
        "C ",
        "!",
        "<!--",
        "-->",
    ];

    /// tokei's counts of `text` read whole.
    fn whole(language: LanguageType, text: &[u8]) -> (usize, usize, usize, CodeStats) {
        let stats = language.parse_from_slice(text, &TOKEI_CONFIG);
        let s = stats.summarise();
        (s.code, s.comments, s.blanks, stats)
    }

    fn pieces(
        language: LanguageType,
        text: &[u8],
        piece: usize,
        hold: usize,
    ) -> ((usize, usize, usize, CodeStats), u64) {
        let streamed = count(language, &mut &text[..], &mut Vec::new(), piece, hold).unwrap();
        let s = streamed.stats.summarise();
        (
            (s.code, s.comments, s.blanks, streamed.stats),
            streamed.approximated,
        )
    }

    fn text_of(tokens: &[usize]) -> Vec<u8> {
        tokens
            .iter()
            .flat_map(|&t| TOKENS[t % TOKENS.len()].bytes())
            .collect()
    }

    /// A fixed seed (the suite gives the same verdict every run) and no
    /// files written; `PROPTEST_CASES=1000000` for a deep search.
    fn config() -> ProptestConfig {
        ProptestConfig {
            cases: std::env::var("PROPTEST_CASES")
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(3000),
            rng_seed: proptest::test_runner::RngSeed::Fixed(0x9EC3_5EED),
            failure_persistence: None,
            ..ProptestConfig::default()
        }
    }

    proptest! {
        #![proptest_config(config())]

        /// Any text, in pieces of any size, counts as it does whole: every
        /// count and every embedded language's.
        #[test]
        fn pieces_count_exactly_as_the_whole(
            language in 0..LANGUAGES.len(),
            tokens in proptest::collection::vec(0..TOKENS.len(), 0..160),
            piece in 1usize..48,
        ) {
            let language = LANGUAGES[language];
            let text = text_of(&tokens);
            let ((code, comments, blanks, stats), approximated) =
                pieces(language, &text, piece, 1 << 20);
            let (w_code, w_comments, w_blanks, w_stats) = whole(language, &text);
            prop_assert_eq!(approximated, 0);
            prop_assert_eq!((code, comments, blanks), (w_code, w_comments, w_blanks),
                "{:?} in pieces of {}: {:?}", language, piece, String::from_utf8_lossy(&text));
            prop_assert_eq!(
                (stats.code, stats.comments, stats.blanks, format!("{:?}", stats.blobs)),
                (w_stats.code, w_stats.comments, w_stats.blanks, format!("{:?}", w_stats.blobs))
            );
        }

        /// With little room to hold, counts may only differ from the whole
        /// when the result says it approximated.
        #[test]
        fn counts_differ_only_when_approximated(
            language in 0..LANGUAGES.len(),
            tokens in proptest::collection::vec(0..TOKENS.len(), 0..160),
            piece in 1usize..16,
            hold in 1usize..64,
        ) {
            let language = LANGUAGES[language];
            let text = text_of(&tokens);
            let ((code, comments, blanks, _), approximated) = pieces(language, &text, piece, hold);
            let (w_code, w_comments, w_blanks, _) = whole(language, &text);
            if approximated == 0 {
                prop_assert_eq!((code, comments, blanks), (w_code, w_comments, w_blanks),
                    "{:?} in pieces of {}, holding {}: {:?}",
                    language, piece, hold, String::from_utf8_lossy(&text));
            }
        }
    }

    #[test]
    fn a_line_longer_than_what_is_held_counts_exactly_without_syntax() {
        for (language, line, expected) in [
            (LanguageType::C, "x".repeat(10_000), (1, 0, 0)),
            (
                LanguageType::C,
                format!("// {}", "x".repeat(10_000)),
                (0, 1, 0),
            ),
            (LanguageType::C, " ".repeat(10_000), (0, 0, 1)),
            (LanguageType::Sql, "\0".repeat(10_000), (1, 0, 0)),
            (
                LanguageType::Daml,
                format!("--{}", " ".repeat(10_000)),
                (1, 0, 0),
            ),
            (
                LanguageType::FortranLegacy,
                format!("  c{}", "x".repeat(10_000)),
                (1, 0, 0),
            ),
            (
                LanguageType::FortranLegacy,
                format!("c{}", "x".repeat(10_000)),
                (0, 1, 0),
            ),
        ] {
            for text in [
                format!("{line}\nint y;\n"),
                format!("a\n{line}"),
                line.clone(),
            ] {
                let ((code, comments, blanks, _), approximated) =
                    pieces(language, text.as_bytes(), 100, 1000);
                let (w_code, w_comments, w_blanks, _) = whole(language, text.as_bytes());
                assert_eq!(approximated, 0, "{language:?}");
                assert_eq!(
                    (code, comments, blanks),
                    (w_code, w_comments, w_blanks),
                    "{language:?}"
                );
            }
            let ((code, comments, blanks, _), _) = pieces(language, line.as_bytes(), 100, 1000);
            assert_eq!((code, comments, blanks), expected, "{language:?}");
        }
    }

    #[test]
    fn a_long_line_with_syntax_is_approximated_and_says_so() {
        let line = format!("x = \"{}\";\n/* a\n b */\n", "y".repeat(10_000));
        let (_, approximated) = pieces(LanguageType::C, line.as_bytes(), 100, 1000);
        assert_eq!(approximated, 1);
    }
}
