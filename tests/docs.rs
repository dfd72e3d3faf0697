//! The README's picture, `docs/repoflame.svg`, is what the README's main
//! job draws today: the main job writes into `target/` (a newcomer's
//! checkout stays clean), and this test fails when the committed picture
//! has gone stale. Regenerate it with `REPOFLAME_BLESS=1 cargo test docs`
//! or with the main job's command and `-o docs/repoflame.svg`.

use std::path::{Path, PathBuf};

use crate::support::run::{self, Run};

/// The README's line that runs the main job.
const MAIN_JOB_MARK: &str = "# the main job";

/// What the main job's command is run as here: `cargo run ... -- ARGS`.
const CARGO_RUN: &str = "cargo run --release --locked --";

fn repository() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The arguments the README's main job gives repoflame, split where the
/// shell would split them (the line has no quotes: checked).
fn main_job_args(readme: &str) -> Vec<String> {
    let lines: Vec<&str> = readme
        .lines()
        .filter(|line| line.contains(MAIN_JOB_MARK))
        .collect();
    assert_eq!(
        lines.len(),
        1,
        "README.md: expected one line marked {MAIN_JOB_MARK:?}, found {lines:?}"
    );
    let command = lines[0].split('#').next().unwrap().trim();
    let args = command.strip_prefix(CARGO_RUN).unwrap_or_else(|| {
        panic!("README.md: the main job {command:?} does not start with {CARGO_RUN:?}")
    });
    assert!(
        !args.contains(['\'', '"', '\\', '$', '`']),
        "README.md: the main job's arguments need a shell to split them: {args:?}"
    );
    args.split_whitespace().map(str::to_string).collect()
}

/// The value of `-o` in `args`.
fn output_of(args: &[String]) -> &str {
    let at = args
        .iter()
        .position(|arg| arg == "-o")
        .expect("the main job names its output with -o");
    &args[at + 1]
}

#[test]
fn readme_main_job_writes_into_target_not_into_the_checkout() {
    let readme = std::fs::read_to_string(repository().join("README.md")).unwrap();
    let args = main_job_args(&readme);
    let output = output_of(&args);
    assert!(
        output.starts_with("target/"),
        "the main job writes {output}: inside the checkout, outside target/ (ignored by git), \
         it would leave a newcomer's checkout modified"
    );
    let ignore = std::fs::read_to_string(repository().join(".gitignore")).unwrap();
    assert!(
        ignore.lines().any(|line| line.trim() == "/target"),
        ".gitignore does not ignore /target: {ignore:?}"
    );
}

#[test]
fn readme_picture_is_what_the_main_job_draws_today() {
    let repo = repository();
    let readme = std::fs::read_to_string(repo.join("README.md")).unwrap();
    let mut args = main_job_args(&readme);
    // The same run, written to stdout instead.
    let at = args.iter().position(|arg| arg == "-o").unwrap();
    args.drain(at..at + 2);
    let picture = repo.join("docs/repoflame.svg");
    assert!(
        readme.contains("](docs/repoflame.svg)"),
        "README.md no longer shows docs/repoflame.svg: update this test"
    );

    let out = run::repoflame()
        .current_dir(&repo)
        .args(&args)
        .arg("--quiet")
        .ok();
    if run::env_flag("REPOFLAME_BLESS") {
        std::fs::write(&picture, &out.stdout).unwrap();
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr(),
            "BLESSED {}: written, not checked (look at it before committing)",
            picture.display()
        );
        return;
    }
    let committed = std::fs::read(&picture).unwrap();
    if committed != out.stdout {
        let actual = Path::new(env!("CARGO_TARGET_TMPDIR")).join("repoflame.svg");
        std::fs::write(&actual, &out.stdout).unwrap();
        panic!(
            "docs/repoflame.svg is stale: the main job draws {} now ({}). Look at it, then \
             regenerate the picture with `REPOFLAME_BLESS=1 cargo test docs` or \
             `{CARGO_RUN} {} -o docs/repoflame.svg` and commit it. Untracked files in the \
             checkout are counted too: `git status` shows them.",
            actual.display(),
            subtitle(&out.stdout),
            args.join(" "),
        );
    }
}

/// The SVG's subtitle (code lines, files, languages), to say in a message
/// what changed.
fn subtitle(svg: &[u8]) -> String {
    crate::support::output::svg_text(svg, "subtitle").unwrap_or_default()
}
