//! The command line as a user meets it: help, version, argument errors,
//! metrics, presentation flags, the default source and what is (not)
//! printed on stderr.

use crate::support::output;
use crate::support::processes::{self, HANG};
use crate::support::repo::TestRepo;
use crate::support::run::{Run, describe, describe_brief, repoflame};
use crate::support::special;
use crate::support::terminal;
use crate::support::tree::TestDir;

/// Every flag of the command line, long and short.
const FLAGS: &[(&str, Option<&str>)] = &[
    ("--output", Some("-o")),
    ("--format", Some("-f")),
    ("--folded", None),
    ("--metric", Some("-m")),
    ("--quiet", Some("-q")),
    ("--verbose", Some("-v")),
    ("--hidden", None),
    ("--no-ignore", None),
    ("--exclude", Some("-e")),
    ("--type", Some("-t")),
    ("--follow", Some("-L")),
    ("--threads", Some("-j")),
    ("--stream-threshold", None),
    ("--title", None),
    ("--width", None),
    ("--min-width", None),
    ("--max-frames", None),
    ("--inverted", None),
    ("--help", Some("-h")),
    ("--version", Some("-V")),
];

fn help(flag: &str) -> String {
    let out = repoflame().arg(flag).complete();
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    assert!(out.stderr.is_empty(), "{}", describe(&out));
    String::from_utf8(out.stdout).unwrap()
}

/// Whether `text` mentions `flag` as a whole word.
fn mentions(text: &str, flag: &str) -> bool {
    text.match_indices(flag).any(|(i, _)| {
        let before = text[..i].chars().next_back();
        let after = text[i + flag.len()..].chars().next();
        !before.is_some_and(|c| c.is_alphanumeric() || c == '-')
            && !after.is_some_and(|c| c.is_alphanumeric() || c == '-')
    })
}

#[test]
fn long_help_mentions_every_flag_and_has_examples() {
    let text = help("--help");
    for (long, short) in FLAGS {
        assert!(mentions(&text, long), "--help does not mention {long}");
        if let Some(short) = short {
            assert!(mentions(&text, short), "--help does not mention {short}");
        }
    }
    for value in [
        "svg", "folded", "json", "code", "comments", "blanks", "lines", "bytes", "files",
    ] {
        assert!(mentions(&text, value), "--help does not list {value}");
    }
    assert!(text.contains("Examples:"), "no examples");
    let examples = &text[text.find("Examples:").unwrap()..];
    let runs = examples
        .lines()
        .filter(|l| l.trim_start().starts_with("repoflame"))
        .count();
    assert!(runs >= 3, "too few examples:\n{examples}");
    assert!(examples.contains("-o "), "no -o example");
    assert!(examples.contains("--folded |"), "no pipe example");
    assert!(
        text.contains("Exit status"),
        "exit codes are not documented"
    );
}

#[test]
fn short_help_is_short() {
    let short = help("-h");
    let long = help("--help");
    assert!(
        short.lines().count() * 3 / 2 < long.lines().count(),
        "-h ({} lines) is not much shorter than --help ({} lines)",
        short.lines().count(),
        long.lines().count()
    );
    assert!(!short.contains("Examples:"), "-h has the examples");
    assert!(short.contains("--help"), "-h does not point to --help");
    assert!(
        short.lines().all(|l| l.chars().count() <= 100),
        "lines over 100 columns"
    );
}

#[test]
fn version_names_the_tool_and_its_version() {
    for flag in ["--version", "-V"] {
        let text = help(flag);
        assert_eq!(
            text.trim_end(),
            format!("repoflame {}", env!("CARGO_PKG_VERSION")),
            "{flag}"
        );
    }
}

#[test]
fn an_unknown_flag_exits_2_naming_it() {
    let dir = TestDir::new("t");
    dir.file("a.rs", "fn a() {}\n");
    let out = dir.run(&["--bogus"]);
    assert_eq!(out.status.code(), Some(2), "{}", describe(&out));
    assert!(out.stdout.is_empty(), "{}", describe(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("--bogus"),
        "{}",
        describe(&out)
    );
    for args in [
        &["--metric", "loc"][..],
        &["--format", "png"],
        &["--width", "wide"],
        &["--width", "5"],
        &["--threads", "-1"],
        &["--folded", "--format", "json"],
        &["--stream-threshold", "lots"],
        &["a.rs", "b.rs"],
    ] {
        let out = dir.run(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", describe(&out));
        assert!(out.stdout.is_empty(), "{args:?}: {}", describe(&out));
        assert!(!out.stderr.is_empty(), "{args:?}: {}", describe(&out));
    }
}

#[test]
fn an_unknown_flag_is_reported_in_one_repoflame_line() {
    // DESIGN.md: errors are one line each, `repoflame: <what>: <why>`;
    // argument errors are errors like any other.
    let out = repoflame().arg("--bogus").complete();
    let line = output::assert_fails_cleanly(&out);
    assert!(line.contains("--bogus"), "{line:?}");
}

#[test]
fn a_misspelled_language_suggests_the_right_one() {
    let dir = TestDir::new("t");
    dir.file("a.py", "x = 1\n");
    let out = dir.run(&["--type", "pyton"]);
    let line = output::assert_fails_cleanly(&out);
    assert!(line.contains("pyton"), "{line:?}");
    assert!(line.contains("Python"), "no suggestion: {line:?}");

    // Any case, comma-separated, repeatable.
    assert_eq!(
        output::folded_ok(&dir, &["--type", "PYTHON,rust", "-t", "c"]),
        "t;a.py 1\n"
    );
    let out = dir.run(&["-t", "rust,pyton"]);
    let line = output::assert_fails_cleanly(&out);
    assert!(line.contains("Python"), "{line:?}");
}

/// A tree with code, comments and blanks in two languages.
fn metric_tree() -> TestDir {
    let dir = TestDir::new("m");
    // 2 code, 1 comment, 1 blank, 37 bytes.
    dir.file("a.rs", "// one\nfn a() {}\n\nfn b() { let x = 1; }\n");
    // 1 code, 2 comments, 2 blanks.
    dir.file("lib/b.py", "# two\n\n# three\nx = 1\n\n");
    dir
}

#[test]
fn every_metric_sizes_the_frames_and_the_svg_names_its_unit() {
    let dir = metric_tree();
    let a = std::fs::metadata(dir.join("a.rs")).unwrap().len();
    let b = std::fs::metadata(dir.join("lib/b.py")).unwrap().len();
    let cases: [(&str, &str, u64, u64); 6] = [
        ("code", "code lines", 2, 1),
        ("comments", "comment lines", 1, 2),
        ("blanks", "blank lines", 1, 2),
        ("lines", "lines", 4, 5),
        ("bytes", "bytes", a, b),
        ("files", "files", 1, 1),
    ];
    for (metric, unit, a_value, b_value) in cases {
        assert_eq!(
            output::folded_ok(&dir, &["--metric", metric]),
            format!("m;a.rs {a_value}\nm;lib;b.py {b_value}\n"),
            "--metric {metric}"
        );
        let out = dir.run(&["-m", metric]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{metric}: {}",
            describe_brief(&out)
        );
        output::assert_xml(&out.stdout);
        let subtitle = output::svg_text(&out.stdout, "subtitle").expect("a subtitle");
        let total = a_value + b_value;
        assert!(
            subtitle.starts_with(&format!("{total} {unit} ")),
            "--metric {metric}: subtitle {subtitle:?}"
        );
        let frames = output::svg_frames(&out.stdout);
        let root = frames.iter().find(|f| f.name() == "m").expect("root frame");
        assert_eq!(root.samples, Some(total), "--metric {metric}");
        assert!(
            root.title.contains(unit),
            "--metric {metric}: root tooltip {:?}",
            root.title
        );
    }
}

#[test]
fn title_sets_the_title() {
    let dir = metric_tree();
    let out = dir.run(&["--title", "My <repo> & \"co\""]);
    assert_eq!(out.status.code(), Some(0), "{}", describe_brief(&out));
    output::assert_xml(&out.stdout);
    assert_eq!(
        output::svg_text(&out.stdout, "title").as_deref(),
        Some("My <repo> & \"co\"")
    );
    // Without --title, the source's name.
    let out = dir.run(&[]);
    assert_eq!(output::svg_text(&out.stdout, "title").as_deref(), Some("m"));
}

#[test]
fn width_sets_the_svg_width() {
    let dir = metric_tree();
    let out = dir.run(&["--width", "800"]);
    assert_eq!(out.status.code(), Some(0), "{}", describe_brief(&out));
    output::assert_xml(&out.stdout);
    assert_eq!(
        output::svg_root_attr(&out.stdout, "width").as_deref(),
        Some("800")
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("var fluiddrawing = false"),
        "a fixed width must not be made fluid"
    );
    let out = dir.run(&[]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("var fluiddrawing = true"),
        "without --width the graph fills the window"
    );
}

#[test]
fn inverted_puts_the_root_at_the_top() {
    let dir = metric_tree();
    let root_and_others = |args: &[&str]| -> (f64, Vec<f64>) {
        let out = dir.run(args);
        assert_eq!(out.status.code(), Some(0), "{}", describe_brief(&out));
        let frames = output::svg_frames(&out.stdout);
        let root = frames
            .iter()
            .find(|f| f.name() == "m")
            .expect("root frame")
            .y;
        let others = frames
            .iter()
            .filter(|f| f.name() != "m")
            .map(|f| f.y)
            .collect();
        (root, others)
    };
    let (root, others) = root_and_others(&[]);
    assert_eq!(others.len(), 3, "frames other than the root: {others:?}");
    assert!(
        others.iter().all(|&y| y < root),
        "flame: root at the bottom"
    );
    let (root, others) = root_and_others(&["--inverted"]);
    assert_eq!(others.len(), 3, "frames other than the root: {others:?}");
    assert!(others.iter().all(|&y| y > root), "icicle: root at the top");
}

#[test]
fn the_default_source_is_the_current_directory() {
    let dir = metric_tree();
    let implicit = output::folded_ok(&dir, &[]);
    assert_eq!(implicit, "m;a.rs 2\nm;lib;b.py 1\n");
    assert_eq!(output::folded_ok(&dir, &["."]), implicit);
    let abs = dir.path().to_str().unwrap().to_string();
    let out = repoflame().args([abs.as_str(), "--folded"]).complete();
    assert_eq!(String::from_utf8_lossy(&out.stdout), implicit);
    // From a subdirectory, that subdirectory.
    let out = repoflame()
        .current_dir(dir.join("lib"))
        .arg("--folded")
        .complete();
    assert_eq!(String::from_utf8_lossy(&out.stdout), "lib;b.py 1\n");
}

#[test]
fn a_clean_run_prints_nothing_on_stderr_when_it_is_not_a_terminal() {
    let dir = metric_tree();
    for args in [
        &[][..],
        &["--folded"],
        &["--format", "json"],
        &["-q"],
        &["--quiet", "--folded"],
    ] {
        let out = dir.run(args);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{args:?}: {}",
            describe_brief(&out)
        );
        assert!(
            out.stderr.is_empty(),
            "{args:?}: stderr {:?}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn on_a_terminal_stderr_gets_a_summary_unless_quiet() {
    let dir = metric_tree();
    let mut cmd = dir.cmd();
    cmd.arg("--folded");
    let run = terminal::run_on_pty(cmd, false, true, HANG);
    assert_eq!(run.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&run.stdout),
        "m;a.rs 2\nm;lib;b.py 1\n"
    );
    let shown = String::from_utf8_lossy(&run.terminal);
    assert!(
        shown.contains("Rust") && shown.contains("Python") && shown.contains("Total"),
        "no summary table on the terminal: {shown:?}"
    );

    let mut cmd = dir.cmd();
    cmd.args(["--folded", "--quiet"]);
    let run = terminal::run_on_pty(cmd, false, true, HANG);
    assert_eq!(run.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&run.terminal),
        "",
        "--quiet printed on the terminal"
    );
}

#[test]
fn quiet_still_reports_errors() {
    let dir = metric_tree();
    let out = dir.run(&["missing", "-q"]);
    let line = output::assert_fails_cleanly(&out);
    assert!(line.contains("missing"), "{line:?}");
}

#[test]
fn j_100000_fails_at_argument_time_instead_of_panicking() {
    let dir = TestDir::new("t");
    dir.file("a.rs", "fn a() {}\n");
    // A source that would block the walk: the run must end before it.
    let tripwire = special::WalkTripwire::set(dir.path());
    for threads in ["100000", "1024", "257", "18446744073709551616"] {
        let out = processes::run_limited(dir.cmd().args(["--folded", "-j", threads]), HANG).output;
        let line = output::assert_fails_cleanly(&out);
        assert!(
            line.contains("--threads") && line.contains("256"),
            "-j {threads}: {line:?}"
        );
    }
    assert!(!tripwire.tripped(), "a run started walking");
    std::fs::remove_file(dir.join(".ignore")).unwrap();
    // Below the bound all is well; 0 is one per core.
    for threads in ["1", "0", "64"] {
        let out = processes::run_limited(dir.cmd().args(["--folded", "-j", threads]), HANG).output;
        assert_eq!(
            out.status.code(),
            Some(0),
            "-j {threads}: {}",
            describe(&out)
        );
        assert_eq!(String::from_utf8_lossy(&out.stdout), "t;a.rs 1\n");
    }
    assert!(
        help("--help").contains("at most 256"),
        "--help does not give the bound"
    );
}

// ---------------------------------------------------------------------------
// Command-line conventions (issue 10, section 2): the format from -o's
// extension, languages as people name them, bad values answered with what
// to give, options that do not apply named, globs reported as typed.

/// One small file per language a user would name by its extension.
fn polyglot() -> TestDir {
    let dir = TestDir::new("p");
    dir.file("a.js", "let a = 1;\n");
    dir.file("b.py", "b = 1\n");
    dir.file("c.rs", "fn c() {}\n");
    dir.file("d.ts", "let d = 1;\n");
    dir.file("e.yml", "e: 1\n");
    dir.file("f.sh", "f=1\n");
    dir.file("g.go", "package g\n");
    dir.file("h.cpp", "int h;\n");
    dir
}

#[test]
fn the_output_format_follows_the_extension_of_o() {
    let dir = polyglot();
    let written = |name: &str, args: &[&str]| -> String {
        let target = dir.parent().join(name);
        dir.cmd().args(args).arg("-o").arg(&target).quiet_ok();
        let text = std::fs::read_to_string(&target).unwrap();
        std::fs::remove_file(&target).unwrap();
        text
    };
    let folded =
        "p;a.js 1\np;b.py 1\np;c.rs 1\np;d.ts 1\np;e.yml 1\np;f.sh 1\np;g.go 1\np;h.cpp 1\n";
    assert_eq!(written("out.folded", &[]), folded);
    assert_eq!(written("OUT.TXT", &[]), folded);
    let report: serde_json::Value = serde_json::from_str(&written("loc.json", &[])).unwrap();
    assert_eq!(report["totals"]["code"], 8);
    for page in ["report.html", "report.htm"] {
        let page = written(page, &[]);
        assert!(page.starts_with("<!DOCTYPE html>"), "{page:.80}");
    }
    for svg in ["graph.svg", "graph.SVG", "graph"] {
        let svg = written(svg, &[]);
        assert!(svg.starts_with("<?xml"), "{svg:.80}");
        output::assert_xml(svg.as_bytes());
    }
    // --format and --folded win over the extension; stdout is an SVG.
    assert_eq!(written("loc.json", &["--folded"]), folded);
    assert!(written("graph.svg", &["--format", "json"]).starts_with('{'));
    assert!(written("graph.pdf", &["--format", "svg"]).starts_with("<?xml"));
    assert!(dir.cmd().args(["-o", "-"]).quiet_ok().starts_with("<?xml"));
}

#[test]
fn an_unknown_output_extension_without_format_is_refused_with_the_choices() {
    let dir = polyglot();
    let out = dir.run(&["-o", "graph.pdf"]);
    assert_eq!(
        output::assert_fails_cleanly(&out),
        "repoflame: -o graph.pdf: no format has the extension .pdf: give --format (svg, folded, \
         json, html, markdown, csv) or name the file .svg, .html, .htm, .json, .folded, .txt, \
         .md, .markdown or .csv"
    );
    assert!(!dir.join("graph.pdf").exists(), "graph.pdf was written");
}

#[test]
fn type_takes_tokei_names_extensions_and_common_aliases() {
    let dir = polyglot();
    for (names, file) in [
        (
            &["js", "JavaScript", "javascript", "node", ".js"][..],
            "a.js",
        ),
        (&["py", "PYTHON", "python3", "*.py"], "b.py"),
        (&["rs", "rust", "RS"], "c.rs"),
        (&["ts", "typescript"], "d.ts"),
        (&["yml", "yaml", "YAML"], "e.yml"),
        (&["sh", "shell"], "f.sh"),
        (&["golang", "go", "Go"], "g.go"),
        (&["cpp", "c++", "C++", "cplusplus"], "h.cpp"),
    ] {
        for name in names {
            assert_eq!(
                output::folded_ok(&dir, &["--type", name]),
                format!("p;{file} 1\n"),
                "--type {name}"
            );
        }
    }
    assert_eq!(
        output::folded_ok(&dir, &["-t", "golang,rs", "-t", "Python"]),
        "p;b.py 1\np;c.rs 1\np;g.go 1\n"
    );
}

#[test]
fn an_unknown_type_suggests_languages_by_meaning_not_spelling_alone() {
    let dir = polyglot();
    for (name, line) in [
        (
            "pyton",
            "repoflame: --type \"pyton\": not a language tokei knows; did you mean Python?",
        ),
        (
            "golan",
            "repoflame: --type \"golan\": not a language tokei knows; did you mean Go?",
        ),
        (
            "javas",
            "repoflame: --type \"javas\": not a language tokei knows; did you mean JavaScript?",
        ),
        (
            "obj",
            "repoflame: --type \"obj\": not a language tokei knows; did you mean Objective-C or \
             Objective-C++?",
        ),
        (
            "zzzz",
            "repoflame: --type \"zzzz\": not a language tokei knows (give its name as `tokei \
             --languages` lists it, a file extension such as rs, or an alias such as golang)",
        ),
    ] {
        let out = dir.run(&["--folded", "--type", name]);
        assert_eq!(output::assert_fails_cleanly(&out), line, "--type {name}");
    }
}

#[test]
fn an_invalid_choice_lists_the_possible_values() {
    let dir = polyglot();
    for (args, line) in [
        (
            &["--format", "pdf"][..],
            "repoflame: --format pdf: give one of svg, folded, json, html, markdown, csv",
        ),
        (
            &["-f", "png"],
            "repoflame: --format png: give one of svg, folded, json, html, markdown, csv",
        ),
        (
            &["--metric", "loc"],
            "repoflame: --metric loc: give one of code, comments, blanks, lines, bytes, files, commits",
        ),
        (
            &["--generate-completions", "tcsh"],
            "repoflame: --generate-completions tcsh: give one of bash, elvish, fish, powershell, \
             zsh",
        ),
        (
            &["--format", ""],
            "repoflame: --format \"\": give one of svg, folded, json, html, markdown, csv",
        ),
    ] {
        let out = dir.run(args);
        assert_eq!(output::assert_fails_cleanly(&out), line, "{args:?}");
    }
}

#[test]
fn choices_are_accepted_in_any_case() {
    let dir = polyglot();
    let report = dir.cmd().args(["--format", "JSON"]).json_ok();
    assert_eq!(report["totals"]["code"], 8);
    assert_eq!(
        output::folded_ok(&dir, &["--metric", "Files", "--type", "go"]),
        "p;g.go 1\n"
    );
    assert_eq!(
        dir.cmd()
            .args(["-f", "Folded", "-m", "BYTES", "-t", "go"])
            .quiet_ok(),
        "p;g.go 10\n"
    );
    let completions = dir
        .cmd()
        .args(["--generate-completions", "BASH"])
        .quiet_ok();
    assert!(completions.contains("_repoflame()"), "{completions:.200}");
}

#[test]
fn numbers_out_of_range_are_refused_in_the_tools_words() {
    let dir = polyglot();
    let depth = "give 1 or more: depth 1 is the root's entries (the root is depth 0); leave \
                 --depth out for every file";
    let threads = "give 1 to 256 worker threads, or 0 for one per core";
    for (args, why) in [
        (&["--depth", "-1"][..], depth),
        (&["--depth", "0"], depth),
        (&["-d", "two"], depth),
        (&["-j", "100000"], threads),
        (&["--threads", "-1"], threads),
        (&["--width", "5"], "give 100 to 100000 pixels"),
        (&["--width", "-800"], "give 100 to 100000 pixels"),
        (&["--min-width", "-3"], "give a number of pixels, 0 or more"),
        (&["--max-frames", "3"], "give 10 frames or more"),
        (&["--timeout", "0"], "give 1 to 3600 seconds"),
        (
            &["--stream-threshold", "0"],
            "give a size like 4096, 64K, 32M or 1G, more than 0",
        ),
    ] {
        let out = dir.run(&[args, &["--folded"]].concat());
        // Short options are named long, as clap names them.
        let option = match args[0] {
            "-j" => "--threads",
            "-d" => "--depth",
            long => long,
        };
        let expected = format!("repoflame: {option} {}: {why}", args[1]);
        assert_eq!(output::assert_fails_cleanly(&out), expected, "{args:?}");
    }
    // The bounds themselves are taken.
    assert_eq!(
        output::folded_ok(&dir, &["--depth", "1", "-j", "256", "--type", "go"]),
        "p;g.go 1\n"
    );
}

#[test]
fn options_that_cannot_affect_the_output_are_named_in_one_warning() {
    let dir = polyglot();
    let folded =
        "p;a.js 1\np;b.py 1\np;c.rs 1\np;d.ts 1\np;e.yml 1\np;f.sh 1\np;g.go 1\np;h.cpp 1\n";
    let out = dir.run(&["--folded", "--inverted", "--width", "800", "--title", "x"]);
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    assert_eq!(String::from_utf8_lossy(&out.stdout), folded);
    assert_eq!(
        output::error_lines(&out),
        ["repoflame: --title, --width and --inverted do not apply to folded stacks; ignored"]
    );

    let out = dir.run(&["--format", "json", "--min-width", "5"]);
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    assert_eq!(
        output::error_lines(&out),
        ["repoflame: --min-width does not apply to the JSON report; ignored"]
    );

    // Inferred from -o, the same.
    let target = dir.parent().join("loc.json");
    let out = dir.cmd().args(["--by-language", "-o"]).arg(&target).ok();
    assert_eq!(
        output::error_lines(&out),
        ["repoflame: --by-language does not apply to the JSON report; ignored"]
    );

    // --quiet leaves only errors; where the options apply, nothing is said.
    let quiet = dir.cmd().args(["--folded", "--inverted", "-q"]).quiet_ok();
    assert_eq!(quiet, folded);
    dir.cmd()
        .args([
            "--inverted",
            "--width",
            "800",
            "--title",
            "x",
            "--min-width",
            "1",
        ])
        .quiet_ok();
    dir.cmd()
        .args(["--folded", "--depth", "1", "--by-language"])
        .quiet_ok();
}

#[test]
fn options_that_cannot_change_what_is_read_are_named_in_the_warning() {
    // --timeout only bounds a clone.
    let dir = polyglot();
    let out = dir.run(&["--folded", "--timeout", "5"]);
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    assert_eq!(
        output::error_lines(&out),
        [
            "repoflame: --timeout does not apply to a source that is not a URL (nothing is cloned); ignored"
        ]
    );

    // At a revision, what git tracks is counted: ignore files play no part.
    let repo = TestRepo::new("tracked");
    repo.file("a.rs", "fn a() {}\n")
        .file(".gitignore", "b.rs\n")
        .file("b.rs", "fn b() {}\n")
        .add_force("b.rs")
        .commit("both tracked");
    let run = |args: &[&str]| repoflame().arg(repo.path()).args(args).complete();
    let plain = run(&["--rev", "HEAD", "--folded"]);
    let out = run(&["--rev", "HEAD", "--folded", "--no-ignore", "--title", "x"]);
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    assert_eq!(
        out.stdout, plain.stdout,
        "--no-ignore changed a revision's count"
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "tracked;a.rs 1\ntracked;b.rs 1\n"
    );
    assert_eq!(
        output::error_lines(&out),
        [
            "repoflame: --title does not apply to folded stacks; --no-ignore does not apply to a \
             git revision (what git tracks is counted); ignored"
        ]
    );
    // In the directory mode it counts, and nothing is said.
    let out = run(&["--folded", "--no-ignore"]);
    assert_eq!(output::error_lines(&out), Vec::<String>::new());
}

#[test]
fn a_bad_exclude_glob_is_reported_as_typed_before_anything_is_read() {
    let dir = polyglot();
    // A source that would block the walk: the run must end before it.
    let tripwire = special::WalkTripwire::set(dir.path());
    for (glob, why) in [
        ("[", "unclosed character class; missing ']'"),
        (
            "src/{a,b",
            "unclosed alternate group; missing '}' (maybe escape '{' with '[{]'?)",
        ),
        ("a\\", "dangling '\\'"),
    ] {
        for rev in [&[][..], &["--rev", "HEAD"]] {
            let mut cmd = dir.cmd();
            cmd.args(["--folded", "-e", "*.min.js", "--exclude", glob])
                .args(rev);
            let out = processes::run_limited(&mut cmd, HANG).output;
            assert_eq!(
                output::assert_fails_cleanly(&out),
                format!("repoflame: --exclude '{glob}': {why}"),
                "{rev:?}"
            );
        }
    }
    assert!(!tripwire.tripped(), "a run started walking");
}
