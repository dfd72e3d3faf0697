//! The command line as a user meets it: help, version, argument errors,
//! metrics, presentation flags, the default source and what is (not)
//! printed on stderr.

use crate::support::output;
use crate::support::processes::{self, HANG};
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
