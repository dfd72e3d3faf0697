use std::{
    borrow::Cow,
    fmt,
    fs::File,
    io::{self, Read},
    path::{Path, PathBuf},
    str::FromStr,
};

use crate::{
    config::Config,
    language::syntax::{FileContext, LanguageContext, SyntaxCounter},
    stats::{CodeStats, Report},
    utils::{
        ext::{AsciiExt, SliceExt},
        fs as fsutils,
    },
};

use encoding_rs_io::DecodeReaderBytesBuilder;
use grep_searcher::{LineIter, LineStep};
use once_cell::sync::Lazy;
use rayon::prelude::*;
use serde::Serialize;

use self::LanguageType::*;

include!(concat!(env!("OUT_DIR"), "/language_type.rs"));

impl Serialize for LanguageType {
    fn serialize<S>(&self, serializer: S) -> Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        serializer.serialize_str(self.name())
    }
}

/// repoflame: below this many bytes, the lines before a file's first
/// important syntax are classified without rayon.
const PARALLEL_PREFIX: usize = 64 * 1024;

impl LanguageType {
    /// Parses a given [`Path`] using the [`LanguageType`]. Returning [`Report`]
    /// on success and giving back ownership of [`PathBuf`] on error.
    pub fn parse(self, path: PathBuf, config: &Config) -> Result<Report, (io::Error, PathBuf)> {
        let text = {
            let f = match File::open(&path) {
                Ok(f) => f,
                Err(e) => return Err((e, path)),
            };
            let mut s = Vec::new();
            let mut reader = DecodeReaderBytesBuilder::new().build(f);

            if let Err(e) = reader.read_to_end(&mut s) {
                return Err((e, path));
            }
            s
        };

        let mut stats = Report::new(path);

        stats += self.parse_from_slice(text, config);

        Ok(stats)
    }

    /// Parses the text provided as the given [`LanguageType`].
    pub fn parse_from_str<A: AsRef<str>>(self, text: A, config: &Config) -> CodeStats {
        self.parse_from_slice(text.as_ref().as_bytes(), config)
    }

    /// Parses the bytes provided as the given [`LanguageType`].
    pub fn parse_from_slice<A: AsRef<[u8]>>(self, text: A, config: &Config) -> CodeStats {
        let text = text.as_ref();

        if self == Jupyter {
            return self
                .parse_jupyter(text.as_ref(), config)
                .unwrap_or_default();
        }

        let syntax = {
            let mut syntax_mut = SyntaxCounter::new(self);
            if self == LinguaFranca {
                syntax_mut.lf_embedded_language = self.find_lf_target_language(text);
            }
            syntax_mut
        };

        if let Some(end) = syntax.shared.important_syntax.find(text).and_then(|m| {
            // Get the position of the last line before the important
            // syntax.
            text[..=m.start()]
                .iter()
                .rev()
                .position(|&c| c == b'\n')
                .filter(|&p| p != 0)
                .map(|p| m.start() - p)
        }) {
            let (skippable_text, rest) = text.split_at(end + 1);
            let is_fortran = syntax.shared.is_fortran;
            let is_literate = syntax.shared.is_literate;
            let comments = syntax.shared.line_comments;
            trace!(
                "Using Simple Parse on {:?}",
                String::from_utf8_lossy(skippable_text)
            );
            let parse_lines = move || self.parse_lines(config, rest, CodeStats::new(), syntax);
            let classify = move |line: &[u8]| {
                // FORTRAN has a rule where it only counts as a comment if it's the
                // first character in the column, so removing starting whitespace
                // could cause a miscount.
                let line = if is_fortran { line } else { line.trim() };
                if line.trim().is_empty() {
                    (1, 0, 0)
                } else if is_literate || comments.iter().any(|c| line.starts_with(c.as_bytes())) {
                    (0, 0, 1)
                } else {
                    (0, 1, 0)
                }
            };
            let add = |a: (usize, usize, usize), b: (usize, usize, usize)| {
                (a.0 + b.0, a.1 + b.1, a.2 + b.2)
            };
            // repoflame: a short prefix (most files' is a few lines) is
            // classified on this thread after the rest is parsed: handing
            // its lines to rayon (`par_bridge`) and joining cost more than
            // classifying them. The sums are the same either way.
            let (mut stats, (blanks, code, comments)) = if skippable_text.len() < PARALLEL_PREFIX
            {
                let simple = LineIter::new(b'\n', skippable_text)
                    .map(classify)
                    .fold((0, 0, 0), add);
                (parse_lines(), simple)
            } else {
                let simple_parse = move || {
                    LineIter::new(b'\n', skippable_text)
                        .par_bridge()
                        .map(classify)
                        .reduce(|| (0, 0, 0), add)
                };
                rayon::join(parse_lines, simple_parse)
            };

            stats.blanks += blanks;
            stats.code += code;
            stats.comments += comments;
            stats
        } else {
            self.parse_lines(config, text, CodeStats::new(), syntax)
        }
    }

    #[inline]
    fn parse_lines(
        self,
        config: &Config,
        lines: &[u8],
        mut stats: CodeStats,
        mut syntax: SyntaxCounter,
    ) -> CodeStats {
        let all = lines.len();
        self.parse_lines_until(config, lines, all, all, &mut stats, &mut syntax);
        stats
    }

    /// repoflame: `parse_lines`, which it is when `limit` and `close_limit`
    /// are `lines.len()` and `syntax.more_text_follows` is false, over the
    /// lines that start before `limit`, of which those starting at or after
    /// `close_limit` only if they are counted from what is in them alone
    /// (plain mode, no important syntax). When more text follows `lines`,
    /// it also stops before a line whose count depends on that text
    /// (`syntax.needs_more`), with `syntax` as it was before that line.
    /// Returns the offset of the first line not parsed.
    fn parse_lines_until(
        self,
        config: &Config,
        lines: &[u8],
        limit: usize,
        close_limit: usize,
        stats: &mut CodeStats,
        syntax: &mut SyntaxCounter,
    ) -> usize {
        let mut stepper = LineStep::new(b'\n', 0, lines.len());

        while let Some((start, end)) = stepper.next(lines) {
            if start >= limit {
                return start;
            }
            let line = &lines[start..end];
            // FORTRAN has a rule where it only counts as a comment if it's the
            // first character in the column, so removing starting whitespace
            // could cause a miscount.
            let line = if syntax.shared.is_fortran {
                line
            } else {
                line.trim()
            };
            trace!("{}", String::from_utf8_lossy(line));

            if syntax.try_perform_single_line_analysis(line, stats) {
                continue;
            }
            if start >= close_limit {
                return start;
            }

            // repoflame: the state to go back to if the line needs more.
            let before = syntax
                .more_text_follows
                .then(|| (syntax.quote, syntax.quote_is_doc_quote, syntax.quote_is_verbatim, syntax.stack.clone()));
            let started_in_comments = !syntax.stack.is_empty()
                || (config.treat_doc_strings_as_comments == Some(true)
                    && syntax.quote.is_some()
                    && syntax.quote_is_doc_quote);
            let report = syntax.perform_multi_line_analysis(lines, start, end, config);
            if syntax.needs_more {
                syntax.needs_more = false;
                if let Some((quote, doc, verbatim, stack)) = before {
                    syntax.quote = quote;
                    syntax.quote_is_doc_quote = doc;
                    syntax.quote_is_verbatim = verbatim;
                    syntax.stack = stack;
                }
                return start;
            }
            let ended_with_comments =
                match report {
                    crate::language::syntax::AnalysisReport::Normal(end) => end,
                    crate::language::syntax::AnalysisReport::ChildLanguage(FileContext {
                        language,
                        end,
                        stats: blob,
                    }) => {
                        match language {
                            LanguageContext::Markdown { balanced, language } => {
                                // Add the lines for the code fences.
                                stats.comments += if balanced { 2 } else { 1 };
                                // Add the code inside the fence to the stats.
                                *stats.blobs.entry(language).or_default() += blob;
                            }
                            LanguageContext::Rust => {
                                // Add all the markdown blobs.
                                *stats.blobs.entry(LanguageType::Markdown).or_default() += blob;
                            }
                            LanguageContext::LinguaFranca => {
                                let child_lang = syntax.get_lf_target_language();
                                *stats.blobs.entry(child_lang).or_default() += blob;
                            }
                            LanguageContext::Html { language } => {
                                stats.code += 1;
                                // Add all the markdown blobs.
                                *stats.blobs.entry(language).or_default() += blob;
                            }
                        }

                        // Advance to after the language code and the delimiter..
                        stepper = LineStep::new(b'\n', end, lines.len());
                        continue;
                    }
                };
            trace!("{}", String::from_utf8_lossy(line));

            if syntax.shared.is_literate
                || syntax.line_is_comment(line, config, ended_with_comments, started_in_comments)
            {
                stats.comments += 1;
                trace!("Comment No.{}", stats.comments);
                trace!("Was the Comment stack empty?: {}", !started_in_comments);
            } else {
                stats.code += 1;
                trace!("Code No.{}", stats.code);
            }
        }

        lines.len()
    }

    fn parse_jupyter(&self, json: &[u8], config: &Config) -> Option<CodeStats> {
        #[derive(Deserialize)]
        struct Jupyter {
            cells: Vec<JupyterCell>,
            metadata: JupyterMetadata,
        }

        #[derive(Clone, Copy, Deserialize, PartialEq, Eq)]
        #[serde(rename_all = "lowercase")]
        enum CellType {
            Markdown,
            Code,
        }

        #[derive(Deserialize)]
        struct JupyterCell {
            cell_type: CellType,
            source: Vec<String>,
        }

        #[derive(Deserialize)]
        struct JupyterMetadata {
            kernelspec: serde_json::Value,
            language_info: serde_json::Value,
        }

        let jupyter: Jupyter = serde_json::from_slice(json).ok()?;

        let mut jupyter_stats = CodeStats::new();

        let language = jupyter
            .metadata
            .kernelspec
            .get("language")
            .and_then(serde_json::Value::as_str)
            .and_then(|v| LanguageType::from_str(v).ok())
            .or_else(|| {
                jupyter
                    .metadata
                    .language_info
                    .get("file_extension")
                    .and_then(serde_json::Value::as_str)
                    .and_then(LanguageType::from_file_extension)
            })
            .unwrap_or(LanguageType::Python);

        let iter = jupyter
            .cells
            .par_iter()
            .map(|cell| match cell.cell_type {
                CellType::Markdown => (
                    LanguageType::Markdown,
                    LanguageType::Markdown.parse_from_str(cell.source.join(""), config),
                ),
                CellType::Code => (
                    language,
                    language.parse_from_str(cell.source.join(""), config),
                ),
            })
            .collect::<Vec<_>>();

        for (language, stats) in iter {
            *jupyter_stats.blobs.entry(language).or_default() += &stats;
            jupyter_stats += &stats;
        }

        Some(jupyter_stats)
    }

    /// The embedded language in LF is declared in a construct that looks like this: `target C;`, `target Python`.
    /// This is the first thing in the file (although there may be comments before).
    fn find_lf_target_language(&self, bytes: &[u8]) -> Option<LanguageType> {
        use regex::bytes::Regex;
        static LF_TARGET_REGEX: Lazy<Regex> =
            Lazy::new(|| Regex::new(r#"(?m)\btarget\s+(\w+)\s*($|;|\{)"#).unwrap());
        LF_TARGET_REGEX.captures(bytes).and_then(|captures| {
            let name = captures.get(1).unwrap().as_bytes();
            if name == b"CCpp" {
                // this is a special alias for the C target in LF
                Some(C)
            } else {
                let name_str = &String::from_utf8_lossy(name);
                let by_name = LanguageType::from_name(name_str);
                if by_name.is_none() {
                    trace!("LF target not recognized: {}", name_str);
                }
                by_name
            }
        })
    }
}

/// repoflame's addition: tokei's own parser fed a file in pieces, so that
/// a file too large to hold in memory counts exactly as
/// [`LanguageType::parse_from_slice`] counts it whole.
///
/// The parser's state (open comments and strings) is carried from one piece
/// to the next. What depends on text beyond a line (the end of an embedded
/// block: a Markdown code fence, an HTML `<script>`, a run of Rust doc
/// comments; whether anything but whitespace follows) is waited for:
/// [`PieceParser::feed`] stops before such a line and is given it again with
/// more text after it. Not for Jupyter notebooks (JSON, parsed whole).
#[derive(Debug)]
pub struct PieceParser {
    language: LanguageType,
    syntax: SyntaxCounter,
    stats: CodeStats,
}

impl LanguageType {
    /// A [`PieceParser`] for a file of this language that starts with
    /// `first` (a LinguaFranca file names its target language near the top).
    pub fn piece_parser(self, first: &[u8]) -> PieceParser {
        let mut syntax = SyntaxCounter::new(self);
        if self == LinguaFranca {
            syntax.lf_embedded_language = self.find_lf_target_language(first);
        }
        PieceParser {
            language: self,
            syntax,
            stats: CodeStats::new(),
        }
    }
}

impl PieceParser {
    /// Counts the lines at the start of `text`, the rest of the file from
    /// where the last call stopped, and returns how many bytes of it were
    /// counted. With `last` (`text` ends the file) that is all of it.
    /// Otherwise it stops before the line that may go on after `text`, and
    /// before a line whose count depends on what follows `text`: the end of
    /// its embedded block, or (for the last line with anything but
    /// whitespace in it, and those after it) the next byte that is not
    /// whitespace, unless the line counts by what is in it alone.
    pub fn feed(&mut self, text: &[u8], config: &Config, last: bool) -> usize {
        // The line that may go on is the one after the last newline. The
        // last line with anything but whitespace in it, and the lines of
        // whitespace after it, wait for more unless they count by what is
        // in them alone (tokei looks past the end of the others).
        let (limit, close_limit) = if last {
            (text.len(), text.len())
        } else {
            let complete = text.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
            let line_start =
                |i: usize| text[..i].iter().rposition(|&b| b == b'\n').map_or(0, |j| j + 1);
            let close = match text.iter().rposition(|b| !b.is_whitespace()) {
                Some(i) => line_start(i).min(complete),
                None => complete,
            };
            (complete, close)
        };
        self.syntax.more_text_follows = !last;
        let counted = self.language.parse_lines_until(
            config,
            text,
            limit,
            close_limit,
            &mut self.stats,
            &mut self.syntax,
        );
        self.syntax.more_text_follows = false;
        counted
    }

    /// Whether no comment or string is open: a line then counts by what is
    /// in it alone, when it holds none of [`PieceParser::has_important_syntax`].
    pub fn is_plain(&self) -> bool {
        self.syntax.is_plain_mode()
    }

    /// Whether `bytes` hold syntax that makes tokei look at a line closely
    /// (comment or string delimiters, embedded blocks).
    pub fn has_important_syntax(&self, bytes: &[u8]) -> bool {
        self.syntax.shared.important_syntax.is_match(bytes)
    }

    /// The length of the longest such syntax, for looking at a line in
    /// overlapping parts.
    pub fn important_syntax_len(&self) -> usize {
        self.syntax.shared.important_syntax.max_pattern_len()
    }

    /// Counts one line too long to hold, as tokei counts a line while
    /// [`PieceParser::is_plain`] when the whole line holds none of
    /// [`PieceParser::has_important_syntax`]: by whether it is blank and
    /// how it starts. `leading_whitespace` says whether the line starts
    /// with whitespace; `text` is the line from its first other byte, at
    /// least as long as a line comment marker (or the whole rest), without
    /// the whitespace that ends the line; empty for a blank line.
    pub fn count_plain_line(&mut self, leading_whitespace: bool, text: &[u8]) {
        let shared = &self.syntax.shared;
        let starts_with_comment = shared
            .line_comments
            .iter()
            .any(|c| text.starts_with(c.as_bytes()));
        if text.is_empty() {
            self.stats.blanks += 1;
        } else if shared.is_literate
            || (starts_with_comment && !(shared.is_fortran && leading_whitespace))
        {
            self.stats.comments += 1;
        } else {
            self.stats.code += 1;
        }
    }

    /// The counts so far.
    pub fn finish(self) -> CodeStats {
        self.stats
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use std::{fs, path::Path};

    #[test]
    fn rust_allows_nested() {
        assert!(LanguageType::Rust.allows_nested());
    }

    fn assert_stats(stats: &CodeStats, blanks: usize, code: usize, comments: usize) {
        assert_eq!(stats.blanks, blanks, "expected {} blank lines", blanks);
        assert_eq!(stats.code, code, "expected {} code lines", code);
        assert_eq!(
            stats.comments, comments,
            "expected {} comment lines",
            comments
        );
    }

    #[test]
    fn jupyter_notebook_has_correct_totals() {
        let sample_notebook =
            fs::read_to_string(Path::new("tests").join("data").join("jupyter.ipynb")).unwrap();

        let stats = LanguageType::Jupyter
            .parse_jupyter(sample_notebook.as_bytes(), &Config::default())
            .unwrap();

        assert_stats(&stats, 115, 528, 333);
    }

    #[test]
    fn lf_embedded_language_is_counted() {
        let file_text =
            fs::read_to_string(Path::new("tests").join("data").join("linguafranca.lf")).unwrap();

        let stats = LinguaFranca.parse_from_str(file_text, &Config::default());

        assert_stats(&stats, 9, 11, 8);

        assert_eq!(stats.blobs.len(), 1, "num embedded languages");
        let rust_stats = stats.blobs.get(&Rust).expect("should have a Rust entry");
        assert_stats(rust_stats, 2, 5, 1);
    }
}
