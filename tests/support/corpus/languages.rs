//! What the generated files of [`generate_tree`](super::generate_tree) are
//! made of: per language, how its comments, strings and code look
//! ([`GEN_LANGUAGES`]), and writers of source code, Markdown with code
//! blocks, HTML with scripts and styles, Makefiles and JSON from them.

use super::Rng;

/// A language of the generator: how its comments, strings and code look.
/// In templates `%` becomes a number.
pub(super) struct GenLanguage {
    pub(super) extension: &'static str,
    line_comment: &'static str,
    block: Option<(&'static str, &'static str)>,
    nested: bool,
    doc: Option<&'static str>,
    code: &'static [&'static str],
    /// A line whose string holds comment markers.
    string: &'static str,
    /// Relative frequency.
    pub(super) weight: usize,
}

pub(super) const GEN_LANGUAGES: &[GenLanguage] = &[
    GenLanguage {
        extension: "rs",
        line_comment: "//",
        block: Some(("/*", "*/")),
        nested: true,
        doc: Some("///"),
        code: &[
            "let v% = % + %;",
            "    if x > % { return %; }",
            "fn f%(x: u32) -> u32 {",
            "}",
            "    x.wrapping_mul(%)",
            "pub struct S% { field: u64 }",
            "let raw% = r#\"raw // not a comment\"#;",
        ],
        string: "let s% = \"/* not a comment */ // nor this\";",
        weight: 14,
    },
    GenLanguage {
        extension: "c",
        line_comment: "//",
        block: Some(("/*", "*/")),
        nested: false,
        doc: None,
        code: &[
            "int v% = %;",
            "static int f%(int x) {",
            "    return x * %;",
            "}",
            "#include <stdio.h>",
            "    if (x > %) x -= %;",
        ],
        string: "const char *s% = \"/* not a comment\"; /* a real one */",
        weight: 8,
    },
    GenLanguage {
        extension: "h",
        line_comment: "//",
        block: Some(("/*", "*/")),
        nested: false,
        doc: None,
        code: &[
            "#define LIMIT_% %",
            "int f%(int x);",
            "typedef struct { int a%; } t%;",
        ],
        string: "#define NAME_% \"// not a comment\"",
        weight: 3,
    },
    GenLanguage {
        extension: "cpp",
        line_comment: "//",
        block: Some(("/*", "*/")),
        nested: false,
        doc: Some("///"),
        code: &[
            "auto v% = std::vector<int>(%);",
            "namespace n% {",
            "}  // namespace",
            "    return x + %;",
            "int f%(int x) {",
        ],
        string: "std::string s% = \"*/ not a comment /*\";",
        weight: 5,
    },
    GenLanguage {
        extension: "py",
        line_comment: "#",
        block: None,
        nested: false,
        doc: Some("\"\"\""),
        code: &[
            "v% = % + %",
            "def f%(x):",
            "    return x * %",
            "import os",
            "    if x > %:",
            "        x -= %",
        ],
        string: "s% = \"# not a comment\"  # but this is",
        weight: 12,
    },
    GenLanguage {
        extension: "js",
        line_comment: "//",
        block: Some(("/*", "*/")),
        nested: false,
        doc: Some("/**"),
        code: &[
            "const v% = % + %;",
            "function f%(x) {",
            "  return x * %;",
            "}",
            "export default { id: % };",
        ],
        string: "const s% = `// ${%} /* in a template string */`;",
        weight: 9,
    },
    GenLanguage {
        extension: "ts",
        line_comment: "//",
        block: Some(("/*", "*/")),
        nested: false,
        doc: Some("/**"),
        code: &[
            "const v%: number = %;",
            "export function f%(x: number): number {",
            "  return x + %;",
            "}",
            "interface I% { a: number }",
        ],
        string: "const s% = '/* not a comment */';",
        weight: 6,
    },
    GenLanguage {
        extension: "go",
        line_comment: "//",
        block: Some(("/*", "*/")),
        nested: false,
        doc: None,
        code: &[
            "func f%(x int) int {",
            "\treturn x * %",
            "}",
            "var v% = %",
            "import \"fmt\"",
        ],
        string: "s% := \"// not a comment /*\"",
        weight: 6,
    },
    GenLanguage {
        extension: "java",
        line_comment: "//",
        block: Some(("/*", "*/")),
        nested: false,
        doc: Some("/**"),
        code: &[
            "public class C% {",
            "    private int v% = %;",
            "    int f(int x) { return x * %; }",
            "}",
        ],
        string: "String s% = \"/* not a comment */\";",
        weight: 5,
    },
    GenLanguage {
        extension: "sh",
        line_comment: "#",
        block: None,
        nested: false,
        doc: None,
        code: &[
            "v%=%",
            "echo \"$v%\"",
            "if [ \"$x\" -gt % ]; then",
            "fi",
            "cd /tmp || exit %",
        ],
        string: "echo \"# not a comment\" # but this is",
        weight: 4,
    },
    GenLanguage {
        extension: "rb",
        line_comment: "#",
        block: Some(("=begin", "=end")),
        nested: false,
        doc: None,
        code: &["def f%(x)", "  x * %", "end", "V% = %"],
        string: "s% = \"# not a comment\"",
        weight: 3,
    },
    GenLanguage {
        extension: "lua",
        line_comment: "--",
        block: Some(("--[[", "]]")),
        nested: false,
        doc: None,
        code: &["local v% = %", "function f%(x)", "  return x * %", "end"],
        string: "local s% = \"-- not a comment\"",
        weight: 2,
    },
    GenLanguage {
        extension: "hs",
        line_comment: "--",
        block: Some(("{-", "-}")),
        nested: true,
        doc: None,
        code: &["f% :: Int -> Int", "f% x = x * %", "main = print %"],
        string: "s% = \"{- not a comment -}\"",
        weight: 2,
    },
    GenLanguage {
        extension: "sql",
        line_comment: "--",
        block: Some(("/*", "*/")),
        nested: false,
        doc: None,
        code: &[
            "SELECT a, b FROM t% WHERE c > %;",
            "CREATE TABLE t% (id INT);",
            "INSERT INTO t% VALUES (%);",
        ],
        string: "SELECT '-- not a comment' AS c%;",
        weight: 2,
    },
    GenLanguage {
        extension: "toml",
        line_comment: "#",
        block: None,
        nested: false,
        doc: None,
        code: &["[section%]", "key% = %", "list% = [%, %]"],
        string: "name% = \"# not a comment\"",
        weight: 3,
    },
    GenLanguage {
        extension: "yml",
        line_comment: "#",
        block: None,
        nested: false,
        doc: None,
        code: &["key%: %", "list%:", "  - item%"],
        string: "text%: \"# not a comment\"",
        weight: 3,
    },
    GenLanguage {
        extension: "css",
        line_comment: "//",
        block: Some(("/*", "*/")),
        nested: false,
        doc: None,
        code: &[".c% {", "  margin: %px;", "}"],
        string: ".q%::after { content: \"/* not a comment */\"; }",
        weight: 3,
    },
];

/// `template` with each `%` replaced by a number.
fn fill(rng: &mut Rng, template: &str) -> String {
    let mut out = String::with_capacity(template.len() + 8);
    for c in template.chars() {
        if c == '%' {
            out.push_str(&rng.below(1000).to_string());
        } else {
            out.push(c);
        }
    }
    out
}

/// A code line of `language`, numbers filled in.
fn code_line(rng: &mut Rng, language: &GenLanguage) -> String {
    let template = *rng.pick(language.code);
    fill(rng, template)
}

/// Text being generated, with its number of lines.
#[derive(Default)]
struct Text {
    out: String,
    lines: usize,
}

impl Text {
    /// Appends one line.
    fn line(&mut self, line: impl AsRef<str>) {
        self.out.push_str(line.as_ref());
        self.out.push('\n');
        self.lines += 1;
    }

    /// Appends whole lines.
    fn lines(&mut self, text: &str) {
        self.out.push_str(text);
        self.lines += text.matches('\n').count();
    }
}

/// Source code of about `lines` lines in `language`.
pub(super) fn gen_source(rng: &mut Rng, language: &GenLanguage, lines: usize) -> String {
    let comment = language.line_comment;
    let mut text = Text::default();
    text.line(format!("{comment} generated file {}", rng.below(1000)));
    while text.lines < lines {
        match rng.below(20) {
            0..=2 => text.line(""),
            3 | 4 => text.line(format!("{comment} {}", fill(rng, "note % about the code"))),
            5 => text.line(format!(
                "{} {comment} trailing comment",
                code_line(rng, language)
            )),
            6 => text.line(fill(rng, language.string)),
            7 => match language.block {
                Some((open, close)) => {
                    text.line(format!("{open} a block comment"));
                    for _ in 0..rng.below(4) {
                        text.line(fill(rng, "   spanning line % of it"));
                    }
                    if rng.percent(30) {
                        text.line("");
                    }
                    text.line(close);
                }
                None => text.line(format!("{comment}{comment}")),
            },
            8 => match (language.block, language.nested) {
                (Some((open, close)), true) => {
                    text.line(format!("{open} outer {open} inner {close} still outer"));
                    text.line(format!("   {open} another level {close}"));
                    text.line(close);
                }
                (Some((open, close)), false) => {
                    let code = code_line(rng, language);
                    text.line(format!("{code} {open} a comment after code"));
                    text.line(format!("   that ends here {close} {code}"));
                }
                (None, _) => text.line(fill(rng, language.string)),
            },
            9 => match language.doc {
                Some("\"\"\"") => {
                    text.line("    \"\"\"A docstring.");
                    text.line("");
                    text.line("    # not a comment inside it");
                    text.line("    \"\"\"");
                }
                Some("/**") => {
                    text.line("/**");
                    text.line(fill(rng, " * Documents item %."));
                    text.line(" */");
                }
                Some(doc) => {
                    text.line(format!("{doc} Documentation with `code` and a list:"));
                    text.line(format!("{doc} - item one"));
                    text.line(doc);
                }
                None => text.line(code_line(rng, language)),
            },
            _ => {
                let indent = "    ".repeat(rng.below(3));
                text.line(format!("{indent}{}", code_line(rng, language)));
            }
        }
    }
    text.out
}

/// Markdown with prose and fenced code blocks in other languages.
pub(super) fn gen_markdown(rng: &mut Rng, lines: usize) -> String {
    let mut text = Text::default();
    text.line(format!("# Document {}", rng.below(1000)));
    text.line("");
    while text.lines < lines {
        match rng.below(6) {
            0 => text.lines(&fill(rng, "## Section %\n\n")),
            1 | 2 => text.line(fill(
                rng,
                "Some prose about item %, with `inline code` and a [link](http://x/%).",
            )),
            3 => text.lines("- a list item\n- another one\n\n"),
            _ => {
                let (tag, language) = *rng.pick(&[
                    ("rust", 0usize),
                    ("python", 4),
                    ("js", 5),
                    ("sh", 9),
                    ("", 1),
                ]);
                text.line(format!("```{tag}"));
                let size = 2 + rng.below(8);
                text.lines(&gen_source(rng, &GEN_LANGUAGES[language], size));
                text.line("```");
                text.line("");
            }
        }
    }
    text.out
}

/// HTML with comments, `<style>` and `<script>`.
pub(super) fn gen_html(rng: &mut Rng, lines: usize) -> String {
    let mut text = Text::default();
    text.lines("<!DOCTYPE html>\n<html>\n<head>\n  <style>\n");
    let size = 2 + rng.below(6);
    text.lines(&gen_source(rng, &GEN_LANGUAGES[16], size));
    text.lines("  </style>\n</head>\n<body>\n");
    while text.lines < lines {
        match rng.below(5) {
            0 => text.line("  <!-- a comment -->"),
            1 => text.line(""),
            2 => {
                text.line("  <script>");
                let size = 2 + rng.below(8);
                text.lines(&gen_source(rng, &GEN_LANGUAGES[5], size));
                text.line("  </script>");
            }
            3 => text.lines("  <!--\n    a longer comment\n  -->\n"),
            _ => text.line(fill(
                rng,
                "  <p class=\"c%\">Text with // and /* markers */ %</p>",
            )),
        }
    }
    text.lines("</body>\n</html>\n");
    text.out
}

/// A Makefile with rules and comments.
pub(super) fn gen_makefile(rng: &mut Rng, lines: usize) -> String {
    let mut text = Text::default();
    text.lines("# Generated Makefile\n.PHONY: all\n\n");
    while text.lines < lines {
        match rng.below(4) {
            0 => text.line("# build step"),
            1 => text.line(""),
            _ => text.lines(&fill(rng, "target%: dep%\n\t$(CC) -o $@ $< # compile\n")),
        }
    }
    text.out
}

/// A JSON document.
pub(super) fn gen_json(rng: &mut Rng, lines: usize) -> String {
    let mut text = Text::default();
    text.line("{");
    for i in 0..lines {
        text.line(fill(rng, &format!("  \"key{i}\": %,")));
    }
    text.lines("  \"end\": true\n}\n");
    text.out
}
