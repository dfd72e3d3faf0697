//! Issue 3: repoflame reads git. Any revision of a local repository
//! (branch, tags, shas, `HEAD~N`, trees; bare repositories, worktrees,
//! subdirectories) counted from git's objects without touching the work
//! tree, equal to the directory mode on `git archive` of that revision;
//! gitlinks, symlinks, LFS pointers, missing objects and shebangs; titles;
//! diffs of two revisions (JSON, folded, SVG); remote clones over `git://`,
//! smart HTTP and `file://` (shallow, removed afterwards, Ctrl-C); bad
//! remotes and bad input failing on one line with exit status 2.
//!
//! Every repoflame process runs with [`hermetic_env`] and a home that does
//! not exist, so libgit2 sees no global configuration, agent or proxy.
//! Nothing here touches the internet: servers are on 127.0.0.1, and the
//! unreachable host is tried inside a network namespace with no network.

use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::support::corpus::incompressible;
use crate::support::git::git_at;
use crate::support::history::{self, History, sample_history};
use crate::support::output;
use crate::support::processes::{self, Bounded, HANG, run_with_deadline, spawn_signallable};
use crate::support::repo::TestRepo;
use crate::support::run::{self, Run, assert_ok, describe, describe_brief, repoflame};
use crate::support::servers::{Behaviour, GitDaemon, GitHttp};
use crate::support::tcp::{BlackHole, TcpProxy, closed_port, closed_port_url};
use crate::support::terminal::{self, run_with_terminal_stdin};
use crate::support::tree;

/// `--timeout` for runs that must fail on what the server (or the
/// network) says, not by waiting: an hour, far longer than [`HANG`], so a
/// run that waits for its timeout instead hangs and fails the test. No
/// clock is read: how long a failure takes is for benchmarks.
const NEVER: &str = "3600";

// ---------------------------------------------------------------------------
// Running repoflame.

/// Runs `repoflame ARGS` to completion within [`HANG`].
fn run<I, S>(args: I) -> Output
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    processes::run_limited(repoflame().args(args), HANG).output
}

/// Runs `repoflame ARGS` in `dir` within [`HANG`].
fn run_in<I, S>(dir: &Path, args: I) -> Output
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    processes::run_limited(repoflame().current_dir(dir).args(args), HANG).output
}

/// A path as an argument (the temporary paths here are UTF-8).
fn arg(path: &Path) -> &str {
    path.to_str().expect("UTF-8 temporary path")
}

/// `repoflame ARGS --folded`, which must succeed.
fn folded(args: &[&str]) -> String {
    repoflame().args(args).arg("--folded").stdout_ok()
}

/// `repoflame ARGS --format json`, which must succeed.
fn json(args: &[&str]) -> Value {
    repoflame().args(args).args(["--format", "json"]).json_ok()
}

/// Folded lines as `stack → count`.
fn folded_map(text: &str) -> BTreeMap<String, u64> {
    output::parse_folded(text)
        .into_iter()
        .map(|(frames, count)| (frames.join(";"), count))
        .collect()
}

/// The parts of a report that depend only on what was counted.
fn counted_part(report: &Value) -> Value {
    serde_json::json!({
        "metric": report["metric"],
        "totals": report["totals"],
        "languages": report["languages"],
        "files": report["files"],
        "problems": report["problems"],
    })
}

/// Per-file entries of a one-revision report, by path.
fn files_by_path(report: &Value) -> BTreeMap<String, Value> {
    report["files"]
        .as_array()
        .expect("files")
        .iter()
        .map(|f| (f["path"].as_str().expect("path").to_string(), f.clone()))
        .collect()
}

/// Stderr as text (notes, problems, errors).
fn stderr_text(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Whether `path` has a hidden component (skipped without `--hidden`).
fn is_hidden(path: &str) -> bool {
    path.split('/').any(|c| c.starts_with('.'))
}

/// Writes `precious` at `dir/name` and returns its path: an existing `-o`
/// target that a failed run must leave untouched.
fn precious_output(dir: &Path, name: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, b"precious\n").expect("write existing output");
    path
}

/// Checks that the existing `-o` target is untouched and no temporary
/// output file is left beside it.
fn assert_untouched(output: &Path) {
    assert_eq!(
        std::fs::read(output).expect("existing output still there"),
        b"precious\n",
        "{} was changed",
        output.display()
    );
    let dir = output.parent().expect("parent");
    assert_eq!(tree::temp_leftovers(dir), Vec::<String>::new());
}

/// Exit status 2, nothing on stdout, exactly one `repoflame: ` line on
/// stderr, which it returns; otherwise what is wrong.
fn clean_failure(out: &Output) -> Result<String, String> {
    let stderr = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<&str> = stderr.lines().collect();
    if out.status.code() != Some(2)
        || !out.stdout.is_empty()
        || lines.len() != 1
        || !lines[0].starts_with("repoflame: ")
    {
        return Err(describe_brief(out));
    }
    Ok(lines[0].to_string())
}

/// Runs `repoflame ARGS` in `cwd` twice, to stdout and with `-o` onto an
/// existing file: both must fail cleanly (exit 2, one `repoflame: ` line,
/// nothing on stdout, the file untouched, the same message). Returns the
/// line, or what went wrong.
fn rejection(cwd: &Path, args: &[&str]) -> Result<String, String> {
    let out = run_in(cwd, args.iter().chain(&["--folded"]));
    let line = clean_failure(&out)?;
    let scratch = tempfile::tempdir().expect("temp dir");
    let target = precious_output(scratch.path(), "graph.svg");
    let out = run_in(cwd, args.iter().chain(&["-o", arg(&target)]));
    let second = clean_failure(&out).map_err(|e| format!("with -o: {e}"))?;
    if std::fs::read(&target).ok().as_deref() != Some(b"precious\n".as_slice()) {
        return Err("the existing -o file was changed".into());
    }
    if !tree::temp_leftovers(scratch.path()).is_empty() {
        return Err("a temporary output file was left".into());
    }
    if line != second {
        return Err(format!("another message with -o: {line:?} / {second:?}"));
    }
    Ok(line)
}

/// [`rejection`], panicking on failure.
fn assert_rejected(cwd: &Path, args: &[&str]) -> String {
    rejection(cwd, args).unwrap_or_else(|e| panic!("{args:?} in {}: {e}", cwd.display()))
}

/// Checks every case (cwd, args, words the message must contain) and
/// fails once, listing every case that went wrong.
fn check_rejections(cases: &[(&Path, Vec<&str>, Vec<&str>)]) {
    let mut failures = Vec::new();
    for (cwd, args, mentions) in cases {
        match rejection(cwd, args) {
            Err(e) => failures.push(format!("{args:?} in {}: {e}", cwd.display())),
            Ok(line) => {
                for mention in mentions {
                    if !line.contains(mention) {
                        failures.push(format!(
                            "{args:?} in {}: {mention:?} not in {line:?}",
                            cwd.display()
                        ));
                    }
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

// ---------------------------------------------------------------------------
// Any revision of a local repository.

#[test]
fn rev_accepts_every_form_of_revision() {
    let (repo, history) = sample_history();
    let sample = arg(repo.path());
    let head_2 = repo.rev_parse("HEAD~2");
    let c2 = &history.commits[2];
    let forms: Vec<(String, Option<&str>)> = vec![
        ("HEAD".into(), Some(&history.main)),
        ("main".into(), Some(&history.main)),
        ("feature".into(), Some(&history.feature)),
        ("v1".into(), Some(&history.v1)),
        ("v2".into(), Some(&history.v2)),
        ("refs/tags/v2".into(), Some(&history.v2)),
        (history.v2.clone(), Some(&history.v2)),
        (history.v2.to_uppercase(), Some(&history.v2)),
        (c2.short.clone(), Some(&c2.sha)),
        (c2.sha[..5].to_string(), Some(&c2.sha)),
        ("HEAD~2".into(), Some(&head_2)),
        ("main^".into(), Some(&history.v2)),
        ("v2^{commit}".into(), Some(&history.v2)),
        ("v2^{tree}".into(), None),
        ("HEAD^{tree}".into(), None),
    ];
    // Reference: each commit by full sha.
    let mut by_sha: BTreeMap<String, Value> = BTreeMap::new();
    for commit in &history.commits {
        let report = json(&[sample, "--rev", &commit.sha]);
        by_sha.insert(commit.sha.clone(), report);
    }
    for (form, commit) in &forms {
        let report = json(&[sample, "--rev", form]);
        let source = &report["source"];
        assert_eq!(source["kind"], "revision", "{form}: {report}");
        assert_eq!(source["name"], "sample", "{form}");
        assert_eq!(source["revision"]["rev"], form.as_str(), "{form}");
        let expected = match commit {
            Some(sha) => *sha,
            // A tree: the tree of v2 (HEAD^{tree} has HEAD's).
            None if form.starts_with("v2") => history.v2.as_str(),
            None => history.main.as_str(),
        };
        match commit {
            Some(sha) => {
                assert_eq!(source["revision"]["commit"], *sha, "{form}");
                assert_eq!(
                    source["revision"]["date"],
                    history.commit(sha).date.as_str(),
                    "{form}"
                );
            }
            None => {
                assert!(source["revision"]["commit"].is_null(), "{form}: {source}");
                assert!(source["revision"]["date"].is_null(), "{form}: {source}");
            }
        }
        assert_eq!(
            counted_part(&report),
            counted_part(&by_sha[expected]),
            "--rev {form} counted something else than {expected}"
        );
    }
    // The counts really follow the revision: three revisions, three
    // different sets of files.
    let files = |sha: &str| {
        files_by_path(&by_sha[sha])
            .into_keys()
            .collect::<BTreeSet<_>>()
    };
    assert!(files(&history.v1).contains("legacy/old.py"));
    assert!(!files(&history.main).contains("legacy/old.py"));
    assert!(files(&history.feature).contains("src/farewell.rs"));
    assert!(!files(&history.main).contains("src/farewell.rs"));
    // Every file of every revision is the model's: tracked, not hidden.
    for commit in &history.commits {
        let expected: BTreeSet<String> = commit
            .files()
            .map(|(p, _)| p.to_string())
            .filter(|p| !is_hidden(p))
            .collect();
        assert_eq!(files(&commit.sha), expected, "files of {}", commit.message);
    }
}

#[test]
fn rev_does_not_touch_the_work_tree() {
    let (repo, history) = sample_history();
    let sample = arg(repo.path());
    let before_head = folded(&[sample, "--rev", "HEAD"]);
    let before_v1 = folded(&[sample, "--rev", "v1"]);
    let before_diff = folded(&[sample, "--diff", "v1..HEAD"]);

    // Change the work tree every way: modify, delete, add untracked and
    // staged files, remove a whole directory.
    repo.file("src/main.rs", "fn main() {}\n".repeat(50));
    repo.remove("src/lib.rs");
    repo.remove("tools");
    repo.file("new/untracked.rs", "fn u() {}\n".repeat(7));
    repo.file("staged.py", "x = 1\n");
    repo.git(["add", "staged.py"]);
    let status = repo.git(["status", "--porcelain"]);
    assert!(!status.is_empty());
    let index = std::fs::read(repo.git_dir().join("index")).expect("index");
    let main_rs = std::fs::read(repo.join("src/main.rs")).unwrap();

    assert_eq!(folded(&[sample, "--rev", "HEAD"]), before_head);
    assert_eq!(folded(&[sample, "--rev", "v1"]), before_v1);
    assert_eq!(folded(&[sample, "--rev", &history.main]), before_head);
    assert_eq!(folded(&[sample, "--diff", "v1..HEAD"]), before_diff);
    let svg = run([sample, "--rev", "HEAD"]);
    assert_ok(&svg);

    assert_eq!(
        repo.git(["status", "--porcelain"]),
        status,
        "status changed"
    );
    assert_eq!(
        std::fs::read(repo.git_dir().join("index")).unwrap(),
        index,
        "the index was rewritten"
    );
    assert_eq!(std::fs::read(repo.join("src/main.rs")).unwrap(), main_rs);
    assert!(!repo.join("src/lib.rs").exists());
    assert!(!repo.join("tools").exists());
    assert_eq!(repo.head(), history.main);
}

/// The JSON report of `--rev HEAD` of `repo`, which must exit 1 (a
/// problem), counted without the count cache: what is counted was read in
/// this run.
fn rev_head_report_with_a_problem(repo: &TestRepo) -> (Output, Value) {
    let args = ["--rev", "HEAD", "--format", "json", "--no-cache"];
    let out = run(std::iter::once(arg(repo.path())).chain(args));
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    let report = serde_json::from_slice(&out.stdout).expect("JSON report");
    (out, report)
}

/// Sets the modification time of `path` (`touch -d`).
fn set_mtime(path: &Path, date: &str) {
    let status = Command::new("touch")
        .args(["-d", date])
        .arg(path)
        .status()
        .expect("touch");
    assert!(status.success(), "touch -d {date} {}", path.display());
}

#[test]
fn rev_reads_a_file_from_the_work_tree_only_when_the_index_vouches_for_it() {
    // Git's shortcut: a blob whose file the index says is unchanged is read
    // from the work tree. Each file's blob is then removed from the object
    // database, so that a file counted at all was read from the work tree.
    let repo = TestRepo::new("vouched");
    repo.file("clean.rs", "fn a() {}\n".repeat(5));
    repo.file("rewritten.rs", "fn b() {}\n".repeat(4));
    repo.file("racy.rs", "fn c() {}\n".repeat(3));
    // Written long before the index, as a file checked out yesterday...
    set_mtime(&repo.join("clean.rs"), "2020-01-01");
    set_mtime(&repo.join("rewritten.rs"), "2020-01-01");
    // ...or not before it: racily clean, as git calls it.
    set_mtime(&repo.join("racy.rs"), "2100-01-01");
    repo.commit("three files");
    for name in ["clean.rs", "rewritten.rs", "racy.rs"] {
        repo.remove_blob(&format!("HEAD:{name}"));
    }
    // Rewritten to the same size with its modification time put back: only
    // the change time, which cannot be set back, tells.
    repo.file(
        "rewritten.rs",
        format!("fn x() {{}}\nfn y() {{}}\n{}", "\n".repeat(20)),
    );
    assert_eq!(
        std::fs::metadata(repo.join("rewritten.rs")).unwrap().len(),
        40
    );
    set_mtime(&repo.join("rewritten.rs"), "2020-01-01");

    let (out, report) = rev_head_report_with_a_problem(&repo);
    let files = files_by_path(&report);
    assert_eq!(
        files.keys().collect::<Vec<_>>(),
        ["clean.rs"],
        "only the vouched-for file can be read: {}",
        describe(&out)
    );
    assert_eq!(files["clean.rs"]["code"], 5);
    let errors = stderr_text(&out);
    for name in ["rewritten.rs", "racy.rs"] {
        assert!(
            errors.contains(name) && errors.contains("missing"),
            "{name} must be read from the object database, where it is missing: {errors}"
        );
    }
}

#[test]
fn rev_never_reads_converted_content_from_the_work_tree() {
    // A filter (as Git LFS is) makes the file in the work tree differ from
    // its blob: here it adds a line on checkout and takes it off on add.
    let repo = TestRepo::with_a_grown_file("filtered");
    // Old enough not to be racily clean, and the index vouching for it.
    set_mtime(&repo.join("grown.rs"), "2020-01-01");
    repo.git(["update-index", "--refresh"]);
    assert_eq!(repo.git(["status", "--porcelain"]), "");
    let checked_out = std::fs::read_to_string(repo.join("grown.rs")).unwrap();
    assert_eq!(checked_out.lines().count(), 4, "{checked_out}");

    // Without the count cache: what is counted was read in this run.
    let at_head = files_by_path(&json(&[arg(repo.path()), "--rev", "HEAD", "--no-cache"]));
    assert_eq!(at_head["grown.rs"]["code"], 3, "the blob's lines");
    let on_disk = files_by_path(&json(&[arg(repo.path()), "--no-cache"]));
    assert_eq!(on_disk["grown.rs"]["code"], 4, "the work tree's lines");
}

#[test]
fn rev_never_reads_converted_content_wherever_the_attribute_is_set() {
    // The attribute that converts content set in each place git reads one:
    // a subdirectory's `.gitattributes`, committed or only in the work
    // tree, the repository's `info/attributes`, `core.attributesFile`, and
    // a macro defined at the top and used below. Where it is looked up
    // depends on which files name it; every place must be found.
    type Place = fn(&TestRepo);
    let places: [(&str, Place); 5] = [
        ("committed in sub/", |repo| {
            repo.file("sub/.gitattributes", "*.rs filter=grow\n");
        }),
        ("only in the work tree of sub/", |_| {}),
        ("info/attributes", |_| {}),
        ("core.attributesFile", |_| {}),
        ("a macro", |repo| {
            repo.file(".gitattributes", "[attr]grows filter=grow\n");
            repo.file("sub/.gitattributes", "*.rs grows\n");
        }),
    ];
    for (place, set) in places {
        let repo = TestRepo::new("filtered");
        repo.file("top.rs", "fn top() {}\n");
        repo.file("sub/grown.rs", "fn a() {}\n".repeat(3));
        set(&repo);
        repo.commit("a filtered file");
        match place {
            "only in the work tree of sub/" => {
                repo.file("sub/.gitattributes", "*.rs filter=grow\n");
            }
            "info/attributes" => {
                std::fs::create_dir_all(repo.join(".git/info")).unwrap();
                std::fs::write(repo.join(".git/info/attributes"), "grown.rs filter=grow\n")
                    .unwrap();
            }
            "core.attributesFile" => {
                let file = repo.path().parent().unwrap().join("attributes");
                std::fs::write(&file, "grown.rs filter=grow\n").unwrap();
                repo.git(["config", "core.attributesFile", file.to_str().unwrap()]);
            }
            _ => {}
        }
        repo.check_out_grown("sub/grown.rs");
        set_mtime(&repo.join("sub/grown.rs"), "2020-01-01");
        repo.git(["update-index", "--refresh"]);
        let checked_out = std::fs::read_to_string(repo.join("sub/grown.rs")).unwrap();
        assert_eq!(checked_out.lines().count(), 4, "{place}: {checked_out}");
        assert_eq!(
            repo.git(["status", "--porcelain", "--untracked-files=no"]),
            "",
            "{place}"
        );

        // Without the count cache: the same blob is met in every round.
        let at_head = files_by_path(&json(&[arg(repo.path()), "--rev", "HEAD", "--no-cache"]));
        assert_eq!(
            at_head["sub/grown.rs"]["code"], 3,
            "{place}: the blob's lines"
        );
        let on_disk = files_by_path(&json(&[arg(repo.path()), "--no-cache"]));
        assert_eq!(
            on_disk["sub/grown.rs"]["code"], 4,
            "{place}: the work tree's"
        );
    }
}

#[test]
fn rev_works_in_bare_repositories_worktrees_and_subdirectories() {
    let (repo, history) = sample_history();
    let sample = arg(repo.path());
    let bare = repo.bare_clone("sample.git");
    let worktree = repo.worktree("feature", "sample-feature");
    let detached = repo.worktree(&history.v1, "sample-at-v1");

    // Bare: same counts, the name without `.git`.
    for rev in ["main", "v1", "v2", "feature", "HEAD"] {
        assert_eq!(
            folded(&[arg(&bare), "--rev", rev]),
            folded(&[sample, "--rev", rev]),
            "bare repository at {rev}"
        );
    }
    // A worktree (its `.git` is a file): its own HEAD, and the shared refs.
    assert!(worktree.join(".git").is_file());
    let feature = folded(&[sample, "--rev", "feature", "--name", "x"]);
    assert_eq!(
        folded(&[arg(&worktree), "--rev", "HEAD", "--name", "x"]),
        feature
    );
    assert_eq!(
        folded(&[arg(&detached), "--rev", "HEAD", "--name", "x"]),
        folded(&[sample, "--rev", "v1", "--name", "x"])
    );
    assert_eq!(
        folded(&[arg(&worktree), "--rev", "v2", "--name", "x"]),
        folded(&[sample, "--rev", "v2", "--name", "x"])
    );
    let report = json(&[arg(&worktree), "--rev", "HEAD"]);
    assert_eq!(report["source"]["name"], "sample-feature");
    assert_eq!(report["source"]["revision"]["commit"], history.feature);

    // A subdirectory of the work tree: only it, its name as the root.
    let src = repo.join("src");
    for (dir, rev, sha) in [
        (repo.path().to_path_buf(), "v1", &history.v1),
        (repo.path().to_path_buf(), "feature", &history.feature),
        (worktree.clone(), "HEAD", &history.feature),
    ] {
        let whole = folded(&[arg(&dir), "--rev", rev]);
        let root = dir.file_name().unwrap().to_str().unwrap().to_string();
        let expected: String = whole
            .lines()
            .filter_map(|l| l.strip_prefix(&format!("{root};src;")))
            .map(|l| format!("src;{l}\n"))
            .collect();
        assert!(!expected.is_empty());
        let got = folded(&[arg(&dir.join("src")), "--rev", rev]);
        assert_eq!(got, expected, "{}/src at {rev}", dir.display());
        let report = json(&[arg(&dir.join("src")), "--rev", rev]);
        assert_eq!(report["source"]["name"], "src");
        assert_eq!(report["source"]["revision"]["commit"], sha.as_str());
        let paths: Vec<String> = files_by_path(&report).into_keys().collect();
        assert!(paths.iter().all(|p| !p.contains('/')), "{paths:?}");
    }
    // Relative to the working directory.
    let out = run_in(repo.path(), ["src", "--rev", "v1", "--folded"]);
    assert_eq!(
        assert_ok(&out),
        folded(&[arg(&src), "--rev", "v1"]),
        "{}",
        describe(&out)
    );
    // A subdirectory of a subdirectory.
    let report = json(&[arg(&repo.join("tools")), "--rev", "v1"]);
    let paths: Vec<String> = files_by_path(&report).into_keys().collect();
    assert_eq!(paths, ["helper.py", "report.py"]);
}

#[test]
fn a_bare_repository_without_rev_counts_its_head_not_gits_own_files() {
    let repo = TestRepo::new("tiny");
    repo.file("a.rs", "fn main() {}\n")
        .file("src/b.py", "x = 1\n")
        .commit("one");
    repo.file("src/b.py", "x = 1\ny = 2\n").commit("two");
    let bare = repo.bare_clone("tiny.git");
    let head = "tiny;a.rs 1\ntiny;src;b.py 2\n";
    assert_eq!(folded(&[arg(&bare)]), head);
    let out = run_in(&bare, [".", "--folded"]);
    assert_eq!(assert_ok(&out), head, "from inside it");
    // The git directory of a work tree is read the same way.
    assert_eq!(folded(&[arg(&repo.git_dir())]), head);
    // It says which revision it counted.
    let report = json(&[arg(&bare)]);
    assert_eq!(report["source"]["name"], "tiny");
    assert_eq!(report["source"]["revision"]["rev"], "HEAD");
    assert_eq!(report["source"]["revision"]["commit"], repo.head());
    let out = run([arg(&bare)]);
    assert_eq!(out.status.code(), Some(0), "{}", describe_brief(&out));
    assert_eq!(
        output::svg_text(&out.stdout, "title").unwrap(),
        "tiny @ HEAD"
    );
    // A bare repository with no commit says so.
    let empty = repo.empty_bare("empty.git");
    let line = assert_rejected(repo.base(), &[arg(&empty)]);
    assert!(line.contains("no commits"), "{line}");
    // --help tells.
    let help = assert_ok(&run(["--help"]));
    assert!(help.contains("bare repository"), "{help}");
}

/// `proj` at `v1.0`: `src/old/` (legacy.c: 2 code lines, util.py: 1),
/// `src/main.rs` (1), `src/gen.rs` (1, linguist-generated); at `HEAD`,
/// `src/old/` is gone and `src/main.rs` has 3 code lines.
fn gone_since_v1() -> TestRepo {
    let repo = TestRepo::new("proj");
    repo.file("src/old/legacy.c", "int a;\n// gone\nint b;\n")
        .file("src/old/util.py", "x = 1\n")
        .file("src/main.rs", "fn main() {}\n")
        .file("src/gen.rs", "fn generated() {}\n")
        .file(".gitattributes", "src/gen.rs linguist-generated\n")
        .commit("v1.0");
    repo.tag("v1.0");
    repo.remove("src/old")
        .file("src/main.rs", "fn main() {\n    run();\n}\n")
        .commit("drop src/old");
    repo
}

#[test]
fn a_subdirectory_gone_from_the_work_tree_is_counted_at_its_revision() {
    let repo = gone_since_v1();
    let old = repo.join("src/old");
    assert!(!old.exists());
    let at_v1 = "old;legacy.c 2\nold;util.py 1\n";
    assert_eq!(folded(&[arg(&old), "--rev", "v1.0"]), at_v1);
    // Relative to the working directory, and in a bare repository.
    let out = run_in(&repo.join("src"), ["old", "--rev", "v1.0", "--folded"]);
    assert_eq!(assert_ok(&out), at_v1, "relative");
    let bare = repo.bare_clone("proj.git");
    assert_eq!(
        folded(&[arg(&bare.join("src/old")), "--rev", "v1.0"]),
        at_v1,
        "bare"
    );
    let report = json(&[arg(&old), "--rev", "v1.0"]);
    assert_eq!(report["source"]["name"], "old");
    // A diff: all of it deleted.
    assert_eq!(
        folded(&[arg(&old), "--diff", "v1.0..HEAD"]),
        "old;legacy.c 2 0\nold;util.py 1 0\n"
    );
    let out = run([arg(&old), "--diff", "v1.0..HEAD"]);
    assert_eq!(out.status.code(), Some(0), "{}", describe_brief(&out));
    output::assert_xml(&out.stdout);

    // Paths that are not in the revision say so.
    let proj = repo.path();
    check_rejections(&[
        (
            proj,
            vec!["src/old", "--rev", "HEAD"],
            vec!["\"HEAD\"", "src/old is not in this revision"],
        ),
        (
            proj,
            vec!["src/nope", "--rev", "v1.0"],
            vec!["\"v1.0\"", "src/nope is not in this revision"],
        ),
        (
            proj,
            vec!["src/main.rs/x", "--rev", "v1.0"],
            vec!["src/main.rs/x is not in this revision (src/main.rs is a file there)"],
        ),
        (
            proj,
            vec!["src/nope", "--diff", "v1.0..HEAD"],
            vec!["src/nope is in neither revision"],
        ),
        (
            proj,
            vec!["gone/../src", "--rev", "v1.0"],
            vec!["gone/../src", "'..'"],
        ),
        (
            repo.base(),
            vec!["nowhere/src", "--rev", "v1.0"],
            vec!["nowhere/src: no such file or directory"],
        ),
    ]);
}

#[test]
fn a_single_file_as_source_with_rev_is_counted_as_a_one_file_tree() {
    let repo = gone_since_v1();
    let main = repo.join("src/main.rs");
    assert_eq!(folded(&[arg(&main), "--rev", "v1.0"]), "main.rs 1\n");
    assert_eq!(folded(&[arg(&main), "--rev", "HEAD"]), "main.rs 3\n");
    // As the directory mode draws the file.
    assert_eq!(folded(&[arg(&main)]), "main.rs 3\n");
    assert_eq!(
        counted_part(&json(&[arg(&main), "--rev", "HEAD"])),
        counted_part(&json(&[arg(&main)]))
    );
    // Classified as the file it is, where it is.
    let generated = repo.join("src/gen.rs");
    let report = json(&[arg(&generated), "--rev", "v1.0"]);
    assert_eq!(report["files"][0]["path"], "");
    assert_eq!(report["files"][0]["class"], "generated", "{report:#}");
    assert_eq!(
        counted_part(&report),
        counted_part(&json(&[arg(&generated)]))
    );
    // A file deleted since.
    let legacy = repo.join("src/old/legacy.c");
    assert_eq!(folded(&[arg(&legacy), "--rev", "v1.0"]), "legacy.c 2\n");
    // A diff of one file, in every format.
    assert_eq!(
        folded(&[arg(&main), "--diff", "v1.0..HEAD"]),
        "main.rs 1 3\n"
    );
    assert_eq!(
        folded(&[arg(&legacy), "--diff", "v1.0..HEAD"]),
        "legacy.c 2 0\n"
    );
    for format in ["svg", "html", "json"] {
        let out = run([arg(&main), "--diff", "v1.0..HEAD", "--format", format]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{format}: {}",
            describe_brief(&out)
        );
    }
    let report = json(&[arg(&main), "--diff", "v1.0..HEAD"]);
    assert_eq!(report["files"][0]["path"], "");
    assert_eq!(report["files"][0]["before"]["code"], 1);
    assert_eq!(report["files"][0]["after"]["code"], 3);
    // A file at one revision and a directory at the other cannot be one
    // tree.
    repo.remove("src/main.rs")
        .file("src/main.rs/mod.rs", "fn main() {}\n")
        .commit("main.rs is a directory");
    let line = assert_rejected(repo.path(), &["src/main.rs", "--diff", "v1.0..HEAD"]);
    assert!(
        line.contains("src/main.rs is a file at v1.0 and a directory at HEAD"),
        "{line}"
    );
}

#[test]
fn an_ambiguous_revision_name_says_which_it_counted() {
    let repo = TestRepo::new("amb");
    let tagged = repo.file("a.rs", "fn a() {}\n").commit("one");
    repo.tag("dup");
    let branched = repo.file("a.rs", "fn a() {}\nfn b() {}\n").commit("two");
    repo.branch("dup");
    // git takes the tag, and warns.
    assert_eq!(repo.rev_parse("dup"), tagged);
    assert_eq!(repo.rev_parse("refs/heads/dup"), branched);
    let amb = arg(repo.path());
    let note = "repoflame: refname \"dup\" is ambiguous: counted the tag refs/tags/dup, as git \
                does; for the branch, give refs/heads/dup\n";
    for (args, stdout, stderr) in [
        (vec!["--rev", "dup"], "amb;a.rs 1\n", note),
        (vec!["--rev", "dup~0"], "amb;a.rs 1\n", note),
        (vec!["--rev", "dup", "--quiet"], "amb;a.rs 1\n", ""),
        (vec!["--rev", "refs/tags/dup"], "amb;a.rs 1\n", ""),
        (vec!["--rev", "refs/heads/dup"], "amb;a.rs 2\n", ""),
        (vec!["--diff", "dup..main"], "amb;a.rs 1 2\n", note),
        // From the merge base of main and the tag (the tagged commit).
        (vec!["--diff", "main...dup"], "amb;a.rs 1 1\n", note),
    ] {
        let out = run([amb, "--folded"].iter().chain(&args));
        assert_eq!(assert_ok(&out), stdout, "{args:?}");
        assert_eq!(stderr_text(&out), stderr, "{args:?}");
    }

    // A clone fetches the branch, as `git clone --branch dup` would.
    repo.bare_clone("amb.git");
    let http = GitHttp::serve(repo.base());
    let out = run([&http.url("amb.git"), "--rev", "dup", "--folded"]);
    assert_eq!(assert_ok(&out), "amb;a.rs 2\n");
    assert_eq!(
        stderr_text(&out),
        "repoflame: refname \"dup\" is ambiguous: counted the branch refs/heads/dup, as git \
         clone --branch does; for the tag, give refs/tags/dup\n"
    );
    let out = run([&http.url("amb.git"), "--rev", "refs/tags/dup", "--folded"]);
    assert_eq!(assert_ok(&out), "amb;a.rs 1\n");
    assert_eq!(stderr_text(&out), "");
}

/// Option sets under which a revision and its archive must agree.
const OPTION_SETS: &[&[&str]] = &[
    &[],
    &["--hidden"],
    &["--metric", "lines"],
    &["--metric", "files"],
    &["--exclude", "/tools"],
    &["--exclude", "*.py", "--hidden"],
    &["--exclude", "src/lib.rs", "--exclude", "build"],
    &["--type", "Rust,Python"],
    &["--hidden", "--type", "Python,Shell", "--metric", "comments"],
];

#[test]
fn rev_equals_directory_mode_on_git_archive() {
    let (repo, history) = sample_history();
    let sample = arg(repo.path());
    // The archive holds the gitlink as an empty directory and the symlink
    // as a symlink: the directory mode skips both without --follow, as
    // --rev does. It is outside any repository, and --no-ignore makes sure
    // its .gitignore is not applied: at a revision, tracked files count
    // even when ignored.
    let archives: Vec<(usize, &str, &str, PathBuf)> = history
        .commits
        .iter()
        .enumerate()
        .map(|(i, commit)| {
            let dest = repo.base().join(format!("archive-{i}"));
            repo.archive(&commit.sha, &dest);
            (i, commit.sha.as_str(), commit.message.as_str(), dest)
        })
        .collect();
    std::thread::scope(|scope| {
        for (i, sha, message, dest) in &archives {
            scope.spawn(move || {
                for options in OPTION_SETS {
                    let mut rev_args = vec![sample, "--rev", sha, "--name", "root"];
                    rev_args.extend_from_slice(options);
                    let mut dir_args = vec![arg(dest), "--no-ignore", "--name", "root"];
                    dir_args.extend_from_slice(options);
                    let by_rev = run(rev_args.iter().chain(&["--folded"]));
                    let by_dir = run(dir_args.iter().chain(&["--folded"]));
                    assert_eq!(
                        by_rev.status.code(),
                        by_dir.status.code(),
                        "{message} {options:?}:\n{}\n{}",
                        describe(&by_rev),
                        describe(&by_dir)
                    );
                    assert_eq!(
                        String::from_utf8_lossy(&by_rev.stdout),
                        String::from_utf8_lossy(&by_dir.stdout),
                        "commit {i} ({message}) with {options:?}"
                    );
                }
                for options in [&[][..], &["--hidden", "--type", "Rust,Markdown,JSON"]] {
                    let mut rev_args = vec![sample, "--rev", sha, "--name", "root"];
                    rev_args.extend_from_slice(options);
                    let mut dir_args = vec![arg(dest), "--no-ignore", "--name", "root"];
                    dir_args.extend_from_slice(options);
                    let by_rev = json(&rev_args);
                    let by_dir = json(&dir_args);
                    assert_eq!(
                        counted_part(&by_rev),
                        counted_part(&by_dir),
                        "JSON of commit {i} ({message}) with {options:?}"
                    );
                    assert_eq!(by_dir["source"]["kind"], "directory");
                }
            });
        }
    });
}

#[test]
fn tracked_files_count_at_a_revision_whatever_the_ignore_files_say() {
    let (repo, history) = sample_history();
    let sample = arg(repo.path());
    // In the work tree, .gitignore hides build/ from the directory mode…
    let on_disk = folded(&[sample]);
    assert!(!on_disk.contains("build;generated.rs"), "{on_disk}");
    // …but the file is tracked, so it counts at a revision.
    let at_head = folded(&[sample, "--rev", "HEAD"]);
    assert!(
        at_head.contains(&format!(
            "sample;{} ",
            history.ignored_tracked_path.replace('/', ";")
        )),
        "{at_head}"
    );

    // .ignore and .tokeignore committed in the repository do not apply
    // either; untracked files in the work tree never count.
    let other = TestRepo::new("ignores");
    other
        .file(".ignore", "*.rs\n")
        .file(".tokeignore", "*.py\n")
        .file("kept.rs", "fn a() {}\nfn b() {}\n")
        .file("kept.py", "x = 1\n")
        .commit("ignore files");
    other.file("untracked.rs", "fn u() {}\n");
    let out = folded(&[arg(other.path()), "--rev", "HEAD"]);
    assert_eq!(out, "ignores;kept.py 1\nignores;kept.rs 2\n");
    // While the directory mode honours them.
    let out = run([arg(other.path()), "--folded"]);
    assert_eq!(out.status.code(), Some(2), "{}", describe(&out));
}

#[test]
fn shebangs_come_from_the_blob() {
    let (repo, history) = sample_history();
    let sample = arg(repo.path());
    // The sample's extensionless script: the language the directory mode
    // gives the same file on disk.
    let at_head = files_by_path(&json(&[sample, "--rev", "HEAD"]));
    let on_disk = files_by_path(&json(&[sample]));
    let script = history.script_path;
    assert_eq!(at_head[script], on_disk[script]);
    assert_eq!(at_head[script]["language"], "Shell");

    // The blob decides, not the file in the work tree.
    let other = TestRepo::new("scripts");
    other
        .file(
            "run",
            "#!/usr/bin/env python3\n# Runs.\nimport sys\nprint(sys.argv)\n",
        )
        .executable("run")
        .file("bin/tool", "#!/usr/bin/perl\nprint \"hi\\n\";\n")
        .file("notes", "no shebang here\nnot code\n")
        .commit("scripts");
    other.file("run", "#!/bin/sh\necho changed\necho twice\n");
    other.remove("bin");
    let report = json(&[arg(other.path()), "--rev", "HEAD"]);
    let files = files_by_path(&report);
    assert_eq!(files["run"]["language"], "Python", "{report}");
    assert_eq!(files["run"]["code"], 2);
    assert_eq!(files["run"]["comments"], 2);
    assert_eq!(files["bin/tool"]["language"], "Perl", "{report}");
    assert!(!files.contains_key("notes"), "{report}");
}

#[test]
fn gitlinks_and_symlinks_are_skipped_never_followed() {
    let (repo, history) = sample_history();
    let sample = arg(repo.path());
    let out = run([sample, "--rev", "v2", "--folded"]);
    let text = assert_ok(&out);
    // The submodule's checkout is right there in the work tree: not read.
    assert!(repo.join("vendor/greet/src/lib.rs").is_file());
    assert!(!text.contains("vendor"), "{text}");
    assert!(!text.contains("main-link"), "{text}");
    assert!(!text.contains("docs"), "{text}");
    let notes = stderr_text(&out);
    assert!(
        notes.contains("repoflame: 1 committed symbolic link skipped"),
        "{notes}"
    );
    assert!(notes.contains("repoflame: 1 submodule skipped"), "{notes}");
    let link = &history.tree(&history.v2)[history.symlink_path];
    assert_eq!(link.mode, history::MODE_SYMLINK);

    // Links that would escape the repository, to code that exists.
    let outside = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir(outside.path().join("code")).unwrap();
    std::fs::write(
        outside.path().join("code/big.rs"),
        "fn x() {}\n".repeat(100),
    )
    .unwrap();
    std::fs::write(outside.path().join("one.rs"), "fn y() {}\n".repeat(10)).unwrap();
    let links = TestRepo::new("links");
    links
        .file("real.rs", "fn r() {}\n")
        .symlink("to-dir", outside.path().join("code").to_str().unwrap())
        .symlink(
            "to-file.rs",
            outside.path().join("one.rs").to_str().unwrap(),
        )
        .symlink("inside.rs", "real.rs")
        .symlink("dangling.rs", "nowhere.rs")
        .commit("links");
    let out = run([arg(links.path()), "--rev", "HEAD", "--folded"]);
    assert_eq!(assert_ok(&out), "links;real.rs 1\n", "{}", describe(&out));
    assert!(
        stderr_text(&out).contains("repoflame: 4 committed symbolic links skipped"),
        "{}",
        describe(&out)
    );
    // Even --hidden --metric files sees nothing more.
    let report = json(&[arg(links.path()), "--rev", "HEAD", "--hidden"]);
    assert_eq!(report["totals"]["files"], 1, "{report}");
}

#[test]
fn lfs_pointers_count_as_their_text_with_a_note() {
    let (repo, history) = sample_history();
    let sample = arg(repo.path());
    let out = run([sample, "--rev", "v2", "--format", "json"]);
    let report: Value = serde_json::from_str(&assert_ok(&out)).unwrap();
    let files = files_by_path(&report);
    let pointer = &history.tree(&history.v2)[history.lfs_path].data;
    let entry = &files[history.lfs_path];
    assert_eq!(entry["bytes"], pointer.len() as u64, "{entry}");
    assert_eq!(entry["lines"], 3, "{entry}");
    assert_eq!(entry["language"], "JSON", "{entry}");
    let notes = stderr_text(&out);
    let note = notes
        .lines()
        .find(|l| l.contains("LFS"))
        .unwrap_or_else(|| panic!("no LFS note:\n{notes}"));
    assert!(note.starts_with("repoflame: 1 Git LFS pointer"), "{note}");

    // Two pointers, one of them Python: both counted as text, the note
    // says two. No note where there is none.
    let other = TestRepo::new("lfs");
    let oid = "4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393";
    other
        .file("main.py", "print('hi')\n")
        .lfs_pointer("models/model.py", oid, 123_456)
        .lfs_pointer("data/big.json", oid, 7)
        .commit("pointers");
    let out = run([arg(other.path()), "--rev", "HEAD", "--folded"]);
    assert_eq!(
        assert_ok(&out),
        "lfs;data;big.json 3\nlfs;main.py 1\nlfs;models;model.py 3\n"
    );
    let notes = stderr_text(&out);
    let note = notes
        .lines()
        .find(|l| l.contains("LFS"))
        .unwrap_or_else(|| panic!("no LFS note:\n{notes}"));
    assert!(note.starts_with("repoflame: 2 Git LFS pointer"), "{note}");
    let out = run([sample, "--rev", "v1", "--folded"]);
    assert!(!stderr_text(&out).contains("LFS"), "{}", describe(&out));

    // The note reads as a sentence: what was seen, then what was done.
    // ("1 Git LFS pointer file is a: counted as …" is garbled.)
    let subject = note
        .strip_prefix("repoflame: ")
        .and_then(|n| n.split(':').next())
        .unwrap_or("");
    assert!(
        !subject.ends_with(" a") && !subject.ends_with(" are") && !subject.ends_with(" is"),
        "garbled LFS note: {note:?}"
    );
}

#[test]
fn lfs_note_counts_only_the_pointers_counted() {
    // With --type Python, only the Python pointer is counted: the note,
    // which says the pointers were "counted as the pointer text", must not
    // count the JSON one that --type left out.
    let repo = TestRepo::new("lfs");
    let oid = "4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393";
    repo.file("main.py", "print('hi')\n")
        .lfs_pointer("models/model.py", oid, 123_456)
        .lfs_pointer("data/big.json", oid, 7)
        .commit("pointers");
    let out = run([
        arg(repo.path()),
        "--rev",
        "HEAD",
        "--type",
        "Python",
        "--folded",
    ]);
    assert_eq!(assert_ok(&out), "lfs;main.py 1\nlfs;models;model.py 3\n");
    let notes = stderr_text(&out);
    assert!(
        notes.contains("repoflame: 1 Git LFS pointer"),
        "one pointer counted, the note says otherwise:\n{notes}"
    );
}

#[test]
fn missing_object_is_a_problem_naming_its_path() {
    let repo = TestRepo::new("broken");
    repo.file("src/ok.rs", "fn ok() {}\n")
        .file("src/gone.rs", "fn gone() {}\nfn twice() {}\n")
        .commit("two files");
    repo.file("src/ok.rs", "fn ok() {}\nfn more() {}\n")
        .commit("more");
    // Remove the blob of gone.rs (unchanged in both commits) after the
    // last commit, so that no `git add` writes it again.
    repo.remove_blob("HEAD:src/gone.rs");
    // Nor can the work tree stand in for it (git's index would vouch for
    // the unchanged file there).
    repo.remove("src/gone.rs");

    let out = run([arg(repo.path()), "--rev", "HEAD", "--folded"]);
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "broken;src;ok.rs 2\n");
    let lines = output::error_lines(&out);
    assert_eq!(lines.len(), 1, "{}", describe(&out));
    assert!(lines[0].contains("src/gone.rs"), "{}", lines[0]);
    assert!(lines[0].contains("missing"), "{}", lines[0]);

    let (_, report) = rev_head_report_with_a_problem(&repo);
    let problems = report["problems"].as_array().unwrap();
    assert_eq!(problems.len(), 1, "{report}");
    assert!(
        problems[0]["path"]
            .as_str()
            .unwrap()
            .ends_with("src/gone.rs"),
        "{report}"
    );

    // The same in a diff.
    let out = run([arg(repo.path()), "--diff", "HEAD~1..HEAD", "--folded"]);
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "broken;src;ok.rs 1 2\n"
    );
    let lines = output::error_lines(&out);
    assert!(
        lines.len() == 1 && lines[0].contains("src/gone.rs"),
        "{}",
        describe(&out)
    );

    // Nothing left but the missing object: exit 2, named.
    let only = TestRepo::new("only");
    only.file("gone.rs", "fn gone() {}\n").commit("one");
    only.remove_blob("HEAD:gone.rs");
    only.remove("gone.rs");
    let out = run([arg(only.path()), "--rev", "HEAD", "--folded"]);
    assert_eq!(out.status.code(), Some(2), "{}", describe(&out));
    assert!(out.stdout.is_empty());
    assert!(stderr_text(&out).contains("gone.rs"), "{}", describe(&out));
}

#[test]
fn svg_and_json_name_the_repository_and_the_revision() {
    let (repo, history) = sample_history();
    let sample = arg(repo.path());
    let bare = repo.bare_clone("sample.git");
    for (path, rev, sha) in [
        (sample, "v2", &history.v2),
        (sample, "feature", &history.feature),
        (sample, history.v1.as_str(), &history.v1),
        (arg(&bare), "HEAD", &history.main),
    ] {
        let commit = history.commit(sha);
        let out = run([path, "--rev", rev]);
        let svg = out.stdout.clone();
        assert_eq!(out.status.code(), Some(0), "{}", describe_brief(&out));
        output::assert_xml(&svg);
        let title = output::svg_text(&svg, "title").expect("a title");
        let subtitle = output::svg_text(&svg, "subtitle").expect("a subtitle");
        let both = format!("{title} {subtitle}");
        assert!(title.contains("sample"), "{title}");
        assert!(both.contains(rev) || both.contains(&commit.short), "{both}");
        assert!(both.contains(&commit.short), "no short sha in {both:?}");
        assert!(both.contains(&commit.date), "no date in {both:?}");

        let report = json(&[path, "--rev", rev]);
        assert_eq!(report["source"]["kind"], "revision");
        assert_eq!(report["source"]["name"], "sample");
        assert_eq!(report["source"]["revision"]["rev"], rev);
        assert_eq!(report["source"]["revision"]["commit"], sha.as_str());
        assert_eq!(report["source"]["revision"]["date"], commit.date.as_str());
    }
    // A tree has no commit and no date; the title still says which.
    let out = run([sample, "--rev", "v2^{tree}"]);
    assert_eq!(out.status.code(), Some(0), "{}", describe_brief(&out));
    output::assert_xml(&out.stdout);
    let both = format!(
        "{} {}",
        output::svg_text(&out.stdout, "title").unwrap(),
        output::svg_text(&out.stdout, "subtitle").unwrap()
    );
    let tree = repo.rev_parse("v2^{tree}");
    assert!(both.contains("v2^{tree}"), "{both}");
    assert!(both.contains(&tree[..7]), "{both}");
}

// ---------------------------------------------------------------------------
// Diffs.

/// A diff report's files by path: (before, after) as JSON.
fn diff_files(report: &Value) -> BTreeMap<String, (Value, Value)> {
    report["files"]
        .as_array()
        .expect("files")
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_string(),
                (f["before"].clone(), f["after"].clone()),
            )
        })
        .collect()
}

/// A file of a one-revision report as the counts of a diff side.
fn as_side(file: &Value) -> Value {
    serde_json::json!({
        "files": 1,
        "code": file["code"],
        "comments": file["comments"],
        "blanks": file["blanks"],
        "lines": file["lines"],
        "bytes": file["bytes"],
    })
}

/// Distinct (path, content) pairs of the files counted at two commits.
fn distinct_blobs(history: &History, a: &str, b: &str) -> usize {
    let mut pairs = BTreeSet::new();
    for sha in [a, b] {
        for (path, data) in history.commit(sha).files() {
            if !is_hidden(path) {
                pairs.insert((path.to_string(), data.to_vec()));
            }
        }
    }
    pairs.len()
}

/// A property on the sample history: a diff report is the reports of its
/// two revisions side by side. Its expected values come from repoflame
/// itself (`--rev`), so it cannot catch a miscount both share: the numbers
/// are checked by hand in
/// [`diff_of_a_small_history_has_the_counts_worked_out_by_hand`].
#[test]
fn diff_json_is_the_two_revisions_side_by_side() {
    let (repo, history) = sample_history();
    let sample = arg(repo.path());
    let c0 = history.commits[0].sha.clone();
    let c3 = history.commits[3].sha.clone();
    let cases: Vec<(String, &str, &str)> = vec![
        ("v1..HEAD".into(), &history.v1, &history.main),
        ("v1..".into(), &history.v1, &history.main),
        ("HEAD..v1".into(), &history.main, &history.v1),
        (format!("{c0}..v2"), &c0, &history.v2),
        (format!("{}..{c3}", &c0[..7]), &c0, &c3),
        ("v2..feature".into(), &history.v2, &history.feature),
        ("main~1..main".into(), &history.v2, &history.main),
        ("feature...main".into(), &history.v2, &history.main),
        ("main...feature".into(), &history.v2, &history.feature),
        ("HEAD..HEAD".into(), &history.main, &history.main),
    ];
    for (range, from, to) in &cases {
        let report = json(&[sample, "--diff", range]);
        let at_from = json(&[sample, "--rev", from]);
        let at_to = json(&[sample, "--rev", to]);
        assert_eq!(report["source"]["kind"], "diff", "{range}");
        assert_eq!(report["source"]["name"], "sample", "{range}");
        assert_eq!(report["source"]["from"]["commit"], *from, "{range}");
        assert_eq!(report["source"]["to"]["commit"], *to, "{range}");
        assert_eq!(
            report["source"]["from"]["date"],
            history.commit(from).date.as_str()
        );
        assert_eq!(
            report["source"]["to"]["date"],
            history.commit(to).date.as_str()
        );
        assert_eq!(report["totals"]["before"], at_from["totals"], "{range}");
        assert_eq!(report["totals"]["after"], at_to["totals"], "{range}");
        // Each language at each side as at that revision; nothing where
        // it is absent.
        let languages = report["languages"].as_array().expect("languages");
        for (side, at) in [("before", &at_from), ("after", &at_to)] {
            let there: BTreeMap<&str, &Value> = at["languages"]
                .as_array()
                .unwrap()
                .iter()
                .map(|l| (l["name"].as_str().unwrap(), l))
                .collect();
            for language in languages {
                let name = language["name"].as_str().unwrap();
                let counts = &language[side];
                match there.get(name) {
                    Some(at) => {
                        for key in ["files", "code", "comments", "blanks", "lines", "bytes"] {
                            assert_eq!(counts[key], at[key], "{range}: {name} {side} {key}");
                        }
                    }
                    None => assert_eq!(counts["files"], 0, "{range}: {name} {side}"),
                }
            }
            for name in there.keys() {
                assert!(
                    languages.iter().any(|l| l["name"] == *name),
                    "{range}: {name} not in the diff's languages"
                );
            }
        }

        let files = diff_files(&report);
        let (before, after) = (files_by_path(&at_from), files_by_path(&at_to));
        let paths: BTreeSet<&String> = before.keys().chain(after.keys()).collect();
        assert_eq!(
            files.keys().collect::<BTreeSet<_>>(),
            paths,
            "paths of {range}"
        );
        for path in paths {
            let (b, a) = &files[path];
            let want_b = before.get(path).map_or(Value::Null, as_side);
            let want_a = after.get(path).map_or(Value::Null, as_side);
            assert_eq!(*b, want_b, "{range}: before of {path}");
            assert_eq!(*a, want_a, "{range}: after of {path}");
        }
        assert_eq!(
            report["distinct_files_counted"],
            distinct_blobs(&history, from, to),
            "{range}"
        );
    }

    // Added, deleted, renamed between v1 and HEAD.
    let files = diff_files(&json(&[sample, "--diff", "v1..HEAD"]));
    assert!(files["legacy/old.py"].1.is_null() && !files["legacy/old.py"].0.is_null());
    assert!(files["data/words.json"].0.is_null() && !files["data/words.json"].1.is_null());
    let (from, to) = (history.renamed_from, history.renamed_to);
    assert!(
        files[from].1.is_null() && !files[from].0.is_null(),
        "{from}"
    );
    assert!(files[to].0.is_null() && !files[to].1.is_null(), "{to}");
    assert_eq!(files[from].0["code"], files[to].1["code"]);
    // Unchanged files appear with both sides equal, counted once.
    assert_eq!(files["Cargo.toml"].0, files["Cargo.toml"].1);

    // The options apply to both sides.
    let report = json(&[sample, "--diff", "v1..HEAD", "--type", "Python", "--hidden"]);
    let at_from = json(&[sample, "--rev", "v1", "--type", "Python", "--hidden"]);
    let at_to = json(&[sample, "--rev", "HEAD", "--type", "Python", "--hidden"]);
    assert_eq!(report["totals"]["before"], at_from["totals"]);
    assert_eq!(report["totals"]["after"], at_to["totals"]);
    assert!(diff_files(&report).contains_key(history.hidden_path));
    let report = json(&[sample, "--diff", "v1..HEAD", "--exclude", "/legacy"]);
    assert!(
        diff_files(&report)
            .keys()
            .all(|p| !p.starts_with("legacy/"))
    );
}

/// A property on the sample history: the folded diff has, per stack, the
/// counts of the two revisions' folded outputs (from repoflame itself, as
/// above: the literal numbers are in
/// [`diff_of_a_small_history_has_the_counts_worked_out_by_hand`]), and
/// inferno reads it as a differential graph.
#[test]
fn diff_folded_is_a_differential_graph_for_inferno() {
    let (repo, history) = sample_history();
    let sample = arg(repo.path());
    for (range, from, to, metric) in [
        (
            "v1..HEAD",
            history.v1.as_str(),
            history.main.as_str(),
            "code",
        ),
        ("v2..feature", &history.v2, &history.feature, "code"),
        ("v1..", &history.v1, &history.main, "lines"),
        ("HEAD..v1", &history.main, &history.v1, "comments"),
    ] {
        let text = folded(&[sample, "--diff", range, "--metric", metric]);
        let at_from = folded_map(&folded(&[sample, "--rev", from, "--metric", metric]));
        let at_to = folded_map(&folded(&[sample, "--rev", to, "--metric", metric]));
        assert!(!text.contains('\r'));
        let lines: Vec<&str> = text.lines().collect();
        let mut sorted = lines.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(lines, sorted, "{range}: sorted, no duplicates");
        let mut seen = BTreeSet::new();
        for line in &lines {
            let mut fields = line.rsplitn(3, ' ');
            let after: u64 = fields.next().unwrap().parse().expect("after count");
            let before: u64 = fields.next().unwrap().parse().expect("before count");
            let stack = fields.next().expect("a stack");
            assert!(before + after > 0, "{line}");
            assert!(stack.split(';').all(|f| !f.is_empty()), "{line}");
            assert_eq!(before, *at_from.get(stack).unwrap_or(&0), "{range}: {line}");
            assert_eq!(after, *at_to.get(stack).unwrap_or(&0), "{range}: {line}");
            seen.insert(stack.to_string());
        }
        let all: BTreeSet<String> = at_from.keys().chain(at_to.keys()).cloned().collect();
        assert_eq!(seen, all, "{range}: every stack of either side");

        // inferno reads it as a differential graph: sized by the second
        // count, with a delta on the frames.
        let mut options = inferno::flamegraph::Options::default();
        let mut svg = Vec::new();
        inferno::flamegraph::from_lines(&mut options, text.lines(), &mut svg)
            .unwrap_or_else(|e| panic!("inferno cannot read {range}: {e}"));
        let frames = output::svg_frames(&svg);
        let total: u64 = at_to.values().sum();
        let root = frames
            .iter()
            .find(|f| f.title.starts_with("all ("))
            .expect("inferno's root frame");
        assert_eq!(root.samples, Some(total), "{range}: {}", root.title);
        let changed = lines.iter().any(|l| {
            let f: Vec<&str> = l.rsplitn(3, ' ').collect();
            f[0] != f[1]
        });
        if changed {
            assert!(
                frames
                    .iter()
                    .any(|f| f.title.contains("%; +") || f.title.contains("%; -")),
                "{range}: no differential frame in inferno's graph"
            );
        }
    }
}

/// One frame of repoflame's SVG with its fill.
#[derive(Debug, Clone)]
struct Frame {
    /// The whole tooltip.
    title: String,
    /// `fg:w`.
    width: u64,
    /// The rectangle's fill.
    fill: (u8, u8, u8),
}

/// The frames of a repoflame SVG by path, as the tooltip's second line
/// names them (`sample/src/` for a directory, `sample/src/a.rs` for a file).
fn frames_by_path(svg: &[u8]) -> BTreeMap<String, Frame> {
    use quick_xml::events::Event;

    let attr = |e: &quick_xml::events::BytesStart<'_>, name: &str| -> Option<String> {
        e.try_get_attribute(name).expect("attribute").map(|a| {
            a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .expect("attribute value")
                .into_owned()
        })
    };
    let mut reader = quick_xml::Reader::from_reader(svg);
    let mut frames = BTreeMap::new();
    let (mut depth, mut in_frames) = (0usize, 0usize);
    let mut current: Option<Frame> = None;
    let mut title: Option<String> = None;
    loop {
        match reader.read_event().expect("XML") {
            Event::Start(e) => {
                depth += 1;
                if e.name().as_ref() == b"svg" && attr(&e, "id").as_deref() == Some("frames") {
                    in_frames = depth;
                } else if in_frames > 0 && e.name().as_ref() == b"g" {
                    current = Some(Frame {
                        title: String::new(),
                        width: 0,
                        fill: (0, 0, 0),
                    });
                } else if current.is_some() && e.name().as_ref() == b"title" {
                    title = Some(String::new());
                }
            }
            Event::Empty(e) if current.is_some() && e.name().as_ref() == b"rect" => {
                let frame = current.as_mut().unwrap();
                frame.width = attr(&e, "fg:w").and_then(|w| w.parse().ok()).unwrap_or(0);
                let fill = attr(&e, "fill").expect("a fill");
                let hex = fill.strip_prefix('#').expect("a #rrggbb fill");
                let byte = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex");
                frame.fill = (byte(0), byte(2), byte(4));
            }
            Event::Text(text) if title.is_some() => {
                title
                    .as_mut()
                    .unwrap()
                    .push_str(&text.decode().expect("UTF-8"));
            }
            Event::GeneralRef(r) if title.is_some() => {
                let entity = format!("&{};", r.decode().expect("UTF-8"));
                title
                    .as_mut()
                    .unwrap()
                    .push_str(&quick_xml::escape::unescape(&entity).expect("entity"));
            }
            Event::End(e) => {
                if e.name().as_ref() == b"title" {
                    if let (Some(frame), Some(text)) = (current.as_mut(), title.take()) {
                        frame.title = text;
                    }
                } else if e.name().as_ref() == b"g" {
                    if let Some(frame) = current.take() {
                        let path = frame
                            .title
                            .lines()
                            .nth(1)
                            .and_then(|l| l.split(" · ").next())
                            .unwrap_or("")
                            .to_string();
                        frames.insert(path, frame);
                    }
                }
                if depth == in_frames {
                    in_frames = 0;
                }
                depth -= 1;
            }
            Event::Eof => break,
            _ => {}
        }
    }
    frames
}

fn grew(fill: (u8, u8, u8)) -> bool {
    fill.0 > fill.2
}

fn shrank(fill: (u8, u8, u8)) -> bool {
    fill.2 > fill.0
}

fn neutral(fill: (u8, u8, u8)) -> bool {
    let (r, g, b) = (fill.0 as i32, fill.1 as i32, fill.2 as i32);
    (r - b).abs() <= 16 && (r - g).abs() <= 16 && (g - b).abs() <= 16
}

/// The SVG of a diff on the sample history: every frame's width and colour
/// as the diff's own JSON report says (a consistency check; the numbers
/// are checked by hand in
/// [`diff_of_a_small_history_has_the_counts_worked_out_by_hand`]), and the
/// cases the issue names.
#[test]
fn diff_svg_shows_deleted_code_and_colours_directories() {
    let (repo, history) = sample_history();
    let sample = arg(repo.path());
    for range in ["v1..HEAD", "HEAD..v1", "v2..feature", "v1...feature"] {
        let out = run([sample, "--diff", range]);
        assert_eq!(out.status.code(), Some(0), "{}", describe_brief(&out));
        output::assert_xml(&out.stdout);
        let frames = frames_by_path(&out.stdout);
        let report = json(&[sample, "--diff", range]);

        // Expected width and change of every frame from the report:
        // a file is max(before, after), a directory the sum of its entries.
        let mut want: BTreeMap<String, (u64, u64, u64)> = BTreeMap::new();
        for (path, (b, a)) in diff_files(&report) {
            let (b, a) = (
                b["code"].as_u64().unwrap_or(0),
                a["code"].as_u64().unwrap_or(0),
            );
            if b.max(a) == 0 {
                continue;
            }
            let full = format!("sample/{path}");
            let mut dirs: Vec<String> = vec!["sample/".into()];
            let parts: Vec<&str> = path.split('/').collect();
            for i in 1..parts.len() {
                dirs.push(format!("sample/{}/", parts[..i].join("/")));
            }
            for key in dirs.into_iter().chain([full]) {
                let e = want.entry(key).or_default();
                e.0 += b.max(a);
                e.1 += b;
                e.2 += a;
            }
        }
        for (path, (width, b, a)) in &want {
            let frame = frames
                .get(path)
                .unwrap_or_else(|| panic!("{range}: no frame {path}: {:?}", frames.keys()));
            assert_eq!(frame.width, *width, "{range}: width of {path}");
            let fill = frame.fill;
            if a > b {
                assert!(grew(fill), "{range}: {path} grew {b}→{a}, fill {fill:?}");
            } else if a < b {
                assert!(
                    shrank(fill),
                    "{range}: {path} shrank {b}→{a}, fill {fill:?}"
                );
            } else {
                assert!(neutral(fill), "{range}: {path} unchanged, fill {fill:?}");
            }
        }
        assert_eq!(
            frames.keys().collect::<BTreeSet<_>>(),
            want.keys().collect::<BTreeSet<_>>(),
            "{range}: frames"
        );
    }

    // The cases the issue names, on v1..HEAD.
    let out = run([sample, "--diff", "v1..HEAD"]);
    let frames = frames_by_path(&out.stdout);
    let deleted_dir = &frames["sample/legacy/"];
    assert_eq!(deleted_dir.width, 2 + 3, "the old count");
    assert!(shrank(deleted_dir.fill));
    assert_eq!(frames["sample/legacy/util/old_helpers.py"].width, 3);
    let src = &frames["sample/src/"];
    assert!(grew(src.fill), "src grew (main.rs 5→11): {src:?}");
    let old = &frames[&format!("sample/{}", history.renamed_from)];
    let new = &frames[&format!("sample/{}", history.renamed_to)];
    assert!(shrank(old.fill) && old.title.contains("deleted"), "{old:?}");
    assert!(grew(new.fill) && new.title.contains("new"), "{new:?}");
    assert_eq!(old.width, new.width);
    assert!(neutral(frames["sample/Cargo.toml"].fill));
    assert!(neutral(frames["sample/scripts/"].fill));
    assert!(shrank(frames["sample/tools/"].fill));

    // Title and subtitle: the repository and both revisions.
    let title = output::svg_text(&out.stdout, "title").unwrap();
    let subtitle = output::svg_text(&out.stdout, "subtitle").unwrap();
    let both = format!("{title} {subtitle}");
    assert!(title.contains("sample"), "{title}");
    for commit in [history.commit(&history.v1), history.head()] {
        assert!(both.contains(&commit.short), "{both}");
        assert!(both.contains(&commit.date), "{both}");
    }
}

/// `hist`, two commits whose counts are worked out by hand below. Per file
/// (code, comments, blanks; lines; bytes), before → after:
///
/// - `src/main.rs`: (3, 1, 1; 5; 41) → (4, 2, 1; 7; 69), a comment and a
///   call added;
/// - `src/util.rs`: (3, 1, 0; 4; 54), unchanged;
/// - `tools/gen.py`: (2, 1, 1; 4; 40) → deleted, and `tools/` with it;
/// - `old/helper.c` → renamed `lib/helper.c`: (3, 1, 0; 4; 48);
/// - `scripts/build.sh`: new, (2, 2, 1; 5; 41) (its `#!` line is a comment).
///
/// Totals: 4 files (11, 4, 2; 17; 183) → 4 files (12, 6, 2; 20; 212).
fn small_history() -> TestRepo {
    let repo = TestRepo::new("hist");
    repo.file(
        "src/main.rs",
        "// entry point\nfn main() {\n\n    run();\n}\n",
    )
    .file(
        "src/util.rs",
        "/// Adds one.\npub fn inc(x: u32) -> u32 {\n    x + 1\n}\n",
    )
    .file(
        "tools/gen.py",
        "# generator\nimport sys\n\nprint(sys.argv)\n",
    )
    .file(
        "old/helper.c",
        "/* helper */\nint helper(void) {\n    return 1;\n}\n",
    )
    .commit("before");
    repo.file(
        "src/main.rs",
        "// entry point\nfn main() {\n\n    run();\n    // and again\n    run();\n}\n",
    )
    .remove("tools")
    .rename("old/helper.c", "lib/helper.c")
    .file(
        "scripts/build.sh",
        "#!/bin/sh\n# build it\nmake all\n\necho done\n",
    )
    .commit("after");
    repo
}

/// One side of a file in a diff report: one file of these counts.
fn side(code: u64, comments: u64, blanks: u64, lines: u64, bytes: u64) -> Value {
    serde_json::json!({
        "files": 1, "code": code, "comments": comments, "blanks": blanks,
        "lines": lines, "bytes": bytes,
    })
}

/// The diff of [`small_history`] against numbers worked out by hand, not
/// by running repoflame at each revision: the JSON report (every file's
/// sides, the totals) and the folded `stack before after` lines of every
/// metric, both ways, with `--depth`; the SVG's frame widths and colours.
#[test]
fn diff_of_a_small_history_has_the_counts_worked_out_by_hand() {
    let repo = small_history();
    let hist = arg(repo.path());

    let report = json(&[hist, "--diff", "HEAD~1..HEAD"]);
    assert_eq!(report["source"]["kind"], "diff");
    assert_eq!(report["metric"], "code");
    assert_eq!(
        report["files"],
        serde_json::json!([
            {"path": "lib/helper.c", "language": "C",
             "before": null, "after": side(3, 1, 0, 4, 48)},
            {"path": "old/helper.c", "language": "C",
             "before": side(3, 1, 0, 4, 48), "after": null},
            {"path": "scripts/build.sh", "language": "Shell",
             "before": null, "after": side(2, 2, 1, 5, 41)},
            {"path": "src/main.rs", "language": "Rust",
             "before": side(3, 1, 1, 5, 41), "after": side(4, 2, 1, 7, 69)},
            {"path": "src/util.rs", "language": "Rust",
             "before": side(3, 1, 0, 4, 54), "after": side(3, 1, 0, 4, 54)},
            {"path": "tools/gen.py", "language": "Python",
             "before": side(2, 1, 1, 4, 40), "after": null},
        ]),
        "files of the diff report"
    );
    assert_eq!(
        report["totals"],
        serde_json::json!({
            "before": {"files": 4, "code": 11, "comments": 4, "blanks": 2,
                       "lines": 17, "bytes": 183},
            "after": {"files": 4, "code": 12, "comments": 6, "blanks": 2,
                      "lines": 20, "bytes": 212},
        }),
        "totals of the diff report"
    );
    // Seven (path, content) pairs: util.rs is the same at both; the renamed
    // file is one content at two paths.
    assert_eq!(report["distinct_files_counted"], 7);

    // Folded, per metric: one line per file of either side, sorted by
    // bytes, none where both counts are zero (blanks).
    for (metric, want) in [
        (
            "code",
            "hist;lib;helper.c 0 3\n\
             hist;old;helper.c 3 0\n\
             hist;scripts;build.sh 0 2\n\
             hist;src;main.rs 3 4\n\
             hist;src;util.rs 3 3\n\
             hist;tools;gen.py 2 0\n",
        ),
        (
            "comments",
            "hist;lib;helper.c 0 1\n\
             hist;old;helper.c 1 0\n\
             hist;scripts;build.sh 0 2\n\
             hist;src;main.rs 1 2\n\
             hist;src;util.rs 1 1\n\
             hist;tools;gen.py 1 0\n",
        ),
        (
            "blanks",
            "hist;scripts;build.sh 0 1\n\
             hist;src;main.rs 1 1\n\
             hist;tools;gen.py 1 0\n",
        ),
        (
            "lines",
            "hist;lib;helper.c 0 4\n\
             hist;old;helper.c 4 0\n\
             hist;scripts;build.sh 0 5\n\
             hist;src;main.rs 5 7\n\
             hist;src;util.rs 4 4\n\
             hist;tools;gen.py 4 0\n",
        ),
        (
            "bytes",
            "hist;lib;helper.c 0 48\n\
             hist;old;helper.c 48 0\n\
             hist;scripts;build.sh 0 41\n\
             hist;src;main.rs 41 69\n\
             hist;src;util.rs 54 54\n\
             hist;tools;gen.py 40 0\n",
        ),
        (
            "files",
            "hist;lib;helper.c 0 1\n\
             hist;old;helper.c 1 0\n\
             hist;scripts;build.sh 0 1\n\
             hist;src;main.rs 1 1\n\
             hist;src;util.rs 1 1\n\
             hist;tools;gen.py 1 0\n",
        ),
    ] {
        assert_eq!(
            folded(&[hist, "--diff", "HEAD~1..HEAD", "--metric", metric]),
            want,
            "--metric {metric}"
        );
    }
    // The other way round, the columns swap.
    assert_eq!(
        folded(&[hist, "--diff", "HEAD..HEAD~1"]),
        "hist;lib;helper.c 3 0\n\
         hist;old;helper.c 0 3\n\
         hist;scripts;build.sh 2 0\n\
         hist;src;main.rs 4 3\n\
         hist;src;util.rs 3 3\n\
         hist;tools;gen.py 0 2\n"
    );
    // Directories sum their files on each side.
    assert_eq!(
        folded(&[hist, "--diff", "HEAD~1..HEAD", "--depth", "1"]),
        "hist;lib 0 3\n\
         hist;old 3 0\n\
         hist;scripts 0 2\n\
         hist;src 6 7\n\
         hist;tools 2 0\n"
    );

    // The SVG: a frame is as wide as the larger side (a directory as the
    // sum of its entries), red where it grew, blue where it shrank.
    let out = run([hist, "--diff", "HEAD~1..HEAD"]);
    assert_eq!(out.status.code(), Some(0), "{}", describe_brief(&out));
    let frames = frames_by_path(&out.stdout);
    let widths: BTreeMap<&str, u64> = frames
        .iter()
        .map(|(path, frame)| (path.as_str(), frame.width))
        .collect();
    assert_eq!(
        widths,
        BTreeMap::from([
            ("hist/", 17),
            ("hist/lib/", 3),
            ("hist/lib/helper.c", 3),
            ("hist/old/", 3),
            ("hist/old/helper.c", 3),
            ("hist/scripts/", 2),
            ("hist/scripts/build.sh", 2),
            ("hist/src/", 7),
            ("hist/src/main.rs", 4),
            ("hist/src/util.rs", 3),
            ("hist/tools/", 2),
            ("hist/tools/gen.py", 2),
        ])
    );
    for path in [
        "hist/",
        "hist/lib/helper.c",
        "hist/scripts/",
        "hist/src/main.rs",
    ] {
        assert!(grew(frames[path].fill), "{path} grew: {:?}", frames[path]);
    }
    for path in ["hist/old/", "hist/old/helper.c", "hist/tools/gen.py"] {
        assert!(
            shrank(frames[path].fill),
            "{path} shrank: {:?}",
            frames[path]
        );
    }
    assert!(neutral(frames["hist/src/util.rs"].fill));
}

/// `x.c` (3 code lines) at the first commit is the directory `x.c/`
/// holding `y.c` (2) at the second; `x.c.h` (1), unchanged, sorts between
/// the file and the directory's entries in byte order (`.` < `/` < `;`).
fn file_then_directory() -> TestRepo {
    let repo = TestRepo::new("flip");
    repo.file("x.c", "int a;\nint b;\nint c;\n")
        .file("x.c.h", "int h;\n")
        .commit("x.c is a file");
    repo.remove("x.c")
        .file("x.c/y.c", "int y;\n// why\nint z;\n")
        .commit("x.c is a directory");
    repo
}

#[test]
fn a_path_that_is_a_file_then_a_directory_diffs_in_every_format() {
    let repo = file_then_directory();
    let flip = arg(repo.path());
    // Both ways: a file that became a directory, and back. Code lines of
    // x.c and of x.c/y.c, before and after.
    for (range, (xb, xa), (yb, ya)) in [
        ("HEAD~1..HEAD", (3, 0), (0, 2)),
        ("HEAD..HEAD~1", (0, 3), (2, 0)),
    ] {
        // Folded: one line per file of either side, no duplicate stack.
        assert_eq!(
            folded(&[flip, "--diff", range]),
            format!("flip;x.c {xb} {xa}\nflip;x.c.h 1 1\nflip;x.c;y.c {yb} {ya}\n"),
            "{range}"
        );
        assert_eq!(
            folded(&[flip, "--diff", range, "--depth", "1"]),
            format!("flip;x.c {} {}\nflip;x.c.h 1 1\n", xb + yb, xa + ya),
            "{range} --depth 1"
        );
        assert_eq!(
            folded(&[flip, "--diff", range, "--by-language"]),
            format!("flip;C Header;x.c.h 1 1\nflip;C;x.c {xb} {xa}\nflip;C;x.c;y.c {yb} {ya}\n"),
            "{range} --by-language"
        );
        assert_eq!(
            folded(&[flip, "--diff", range, "--by-language", "--depth", "2"]),
            format!(
                "flip;C Header;x.c.h 1 1\nflip;C;x.c {} {}\n",
                xb + yb,
                xa + ya
            ),
            "{range} --by-language --depth 2"
        );

        // JSON: the file and the directory's file, each on its side.
        let report = json(&[flip, "--diff", range]);
        let files = diff_files(&report);
        let code = |side: &Value| side["code"].as_u64();
        let sides: Vec<(&str, Option<u64>, Option<u64>)> = files
            .iter()
            .map(|(path, (b, a))| (path.as_str(), code(b), code(a)))
            .collect();
        let some = |n: u64| (n > 0).then_some(n);
        assert_eq!(
            sides,
            [
                ("x.c", some(xb), some(xa)),
                ("x.c.h", Some(1), Some(1)),
                ("x.c/y.c", some(yb), some(ya)),
            ],
            "{range}"
        );

        // SVG and HTML, with and without --depth and --by-language: one
        // x.c frame, as wide as the file and the directory's entries
        // together, whose hover says it was both.
        for view in [&[][..], &["--depth", "1"], &["--by-language"]] {
            for format in ["svg", "html"] {
                let out = run([flip, "--diff", range, "--format", format]
                    .iter()
                    .chain(view));
                assert_eq!(
                    out.status.code(),
                    Some(0),
                    "{range} {format} {view:?}: {}",
                    describe_brief(&out)
                );
                // The page holds the graph inline.
                let page = String::from_utf8(out.stdout).expect("UTF-8");
                let svg = match page.find("<svg version=") {
                    Some(start) if format == "html" => {
                        &page[start..page.rfind("</svg>").expect("</svg>") + 6]
                    }
                    _ => page.as_str(),
                };
                output::assert_xml(svg.as_bytes());
                let frames = output::svg_frames(svg.as_bytes());
                let x: Vec<&output::SvgFrame> =
                    frames.iter().filter(|f| f.name() == "x.c").collect();
                assert_eq!(x.len(), 1, "{range} {view:?}: {frames:#?}");
                assert_eq!(x[0].samples, Some(3 + 2), "{range} {view:?}: {:?}", x[0]);
                let hover = &x[0].title;
                let (then, now) = if xb > 0 {
                    ("C file", "directory")
                } else {
                    ("directory", "C file")
                };
                assert!(
                    hover.contains(&format!(
                        "{then} at the earlier revision, {now} at the later"
                    )),
                    "{range} {view:?}: {hover}"
                );
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Remote repositories.

/// A private `$TMPDIR` for one run, to see its clone directory.
struct PrivateTmp(tempfile::TempDir);

impl PrivateTmp {
    fn new() -> PrivateTmp {
        PrivateTmp(
            tempfile::Builder::new()
                .prefix("repoflame-tmpdir-")
                .tempdir()
                .expect("temp dir"),
        )
    }

    fn path(&self) -> &Path {
        self.0.path()
    }

    /// `repoflame` with `TMPDIR` here.
    fn cmd(&self) -> Command {
        let mut cmd = repoflame();
        cmd.env("TMPDIR", self.path());
        cmd
    }

    /// Clone directories left here.
    fn clones(&self) -> Vec<String> {
        std::fs::read_dir(self.path())
            .expect("read TMPDIR")
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with("repoflame-clone-"))
            .collect()
    }

    /// Runs `repoflame ARGS` with this TMPDIR within `limit`, checks that
    /// no clone is left behind.
    fn run(&self, args: &[&str], limit: Duration) -> Bounded {
        let run = run_with_deadline(self.cmd().args(args), limit);
        assert!(
            !run.timed_out,
            "repoflame {args:?} still running after {limit:?}: {}",
            describe(&run.output)
        );
        assert_eq!(self.clones(), Vec::<String>::new(), "{args:?}: clone left");
        run
    }
}

#[test]
fn remote_clones_equal_the_local_revision() {
    let (repo, history) = sample_history();
    repo.bare_clone("sample.git");
    let daemon = GitDaemon::serve(repo.base());
    let http = GitHttp::serve(repo.base());
    let sample = arg(repo.path());
    let c2 = history.commits[2].sha.clone();
    let revs: Vec<Option<&str>> = vec![
        None,
        Some("main"),
        Some("feature"),
        Some("v1"),
        Some("v2"),
        Some("refs/heads/feature"),
        Some(&history.main),
        Some(&history.v2),
        Some(&c2),
    ];
    // What the local repository says at each revision.
    let local: BTreeMap<&str, Value> = revs
        .iter()
        .map(|rev| {
            let rev = rev.unwrap_or("HEAD");
            (rev, json(&[sample, "--rev", rev]))
        })
        .collect();
    let v2_folded = folded(&[sample, "--rev", "v2"]);
    let feature = history.commit(&history.feature);
    let urls = [
        daemon.url("sample.git"),
        http.url("sample.git"),
        daemon.url("sample"),
        repo.file_url(),
    ];
    // One thread per URL; each run with a TMPDIR of its own.
    let failures: Vec<String> = std::thread::scope(|scope| {
        let handles: Vec<_> = urls
            .iter()
            .map(|url| {
                let (revs, local, v2_folded) = (&revs, &local, &v2_folded);
                scope.spawn(move || {
                    let tmp = PrivateTmp::new();
                    let mut failures = Vec::new();
                    for rev in revs {
                        let local_rev = rev.unwrap_or("HEAD");
                        let mut args = vec![url.as_str()];
                        if let Some(rev) = rev {
                            args.extend(["--rev", rev]);
                        }
                        let run = tmp.run(&[&args[..], &["--format", "json"]].concat(), HANG);
                        if run.output.status.code() != Some(0) {
                            failures.push(format!(
                                "{url} --rev {local_rev}: {}",
                                String::from_utf8_lossy(&run.output.stderr).trim_end()
                            ));
                            continue;
                        }
                        let report: Value =
                            serde_json::from_slice(&run.output.stdout).expect("JSON report");
                        let local = &local[local_rev];
                        assert_eq!(
                            counted_part(&report),
                            counted_part(local),
                            "{url} at {local_rev}"
                        );
                        assert_eq!(report["source"]["name"], "sample", "{url}");
                        assert_eq!(report["source"]["kind"], "revision", "{url}");
                        for field in ["commit", "date"] {
                            assert_eq!(
                                report["source"]["revision"][field],
                                local["source"]["revision"][field],
                                "{url} at {local_rev}: {field}"
                            );
                        }
                    }
                    // Folded and SVG too.
                    let run = tmp.run(&[url.as_str(), "--rev", "v2", "--folded"], HANG);
                    assert_eq!(assert_ok(&run.output), *v2_folded, "{url}");
                    let run = tmp.run(&[url.as_str(), "--rev", "feature"], HANG);
                    assert_ok(&run.output);
                    output::assert_xml(&run.output.stdout);
                    let title = output::svg_text(&run.output.stdout, "title").unwrap();
                    let subtitle = output::svg_text(&run.output.stdout, "subtitle").unwrap();
                    assert!(title.contains("sample"), "{title}");
                    assert!(subtitle.contains(&feature.short), "{subtitle}");
                    assert!(subtitle.contains(&feature.date), "{subtitle}");
                    failures
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("a URL's checks panicked"))
            .collect()
    });
    assert!(daemon.wait_for_log("upload-pack"), "{}", daemon.log());
    assert!(http.wait_for_log("git-upload-pack"), "{}", http.log());
    assert!(
        failures.is_empty(),
        "clones that failed:\n{}",
        failures.join("\n")
    );
}

/// A repository whose first commit holds 1 MiB that does not compress,
/// removed by the second: a full clone carries it, a shallow one not.
fn deep_history() -> TestRepo {
    let repo = TestRepo::new("deep");
    repo.file("blob.bin", incompressible(7, 1 << 20))
        .file("src/a.rs", "fn a() {}\n")
        .commit("big");
    repo.remove("blob.bin")
        .file("src/a.rs", "fn a() {}\nfn b() {}\n")
        .commit("small");
    repo.file("src/c.rs", "fn c() {}\n").commit("more");
    repo.bare_clone("deep.git");
    repo
}

#[test]
fn remote_clones_are_shallow_and_removed() {
    let repo = deep_history();
    let daemon = GitDaemon::serve(repo.base());
    let http = GitHttp::serve(repo.base());
    let tmp = PrivateTmp::new();
    let head = repo.head();
    let second = repo.rev_parse("HEAD~1");
    for (scheme, port) in [("git", daemon.port()), ("http", http.port())] {
        let proxy = TcpProxy::start(port, None);
        let url = format!("{scheme}://127.0.0.1:{}/deep.git", proxy.port());
        for rev in [
            None,
            Some("main"),
            Some(head.as_str()),
            Some(second.as_str()),
        ] {
            let before = proxy.bytes_down();
            let mut args = vec![url.as_str(), "--folded"];
            if let Some(rev) = rev {
                args.extend(["--rev", rev]);
            }
            let run = tmp.run(&args, HANG);
            let text = assert_ok(&run.output);
            assert!(text.starts_with("deep;src;a.rs 2\n"), "{text}");
            let received = proxy.bytes_down() - before;
            assert!(
                received < 200_000,
                "{url} at {rev:?}: {received} bytes received: not a shallow clone"
            );
        }
        // The measure sees a full clone: the old megabyte comes along.
        let before = proxy.bytes_down();
        let dest = tmp.path().join(format!("full-{scheme}"));
        git_at(
            tmp.path(),
            [
                "-c",
                "protocol.version=0",
                "clone",
                "-q",
                "--bare",
                &url,
                dest.to_str().unwrap(),
            ],
        );
        let received = proxy.bytes_down() - before;
        assert!(received > 1 << 20, "full clone: only {received} bytes");
        std::fs::remove_dir_all(&dest).unwrap();
    }
}

#[test]
fn ctrl_c_while_waiting_for_a_black_hole_removes_the_clone() {
    let hole = BlackHole::listen();
    let mut failures = Vec::new();
    for url in [
        hole.url_git(),
        hole.url_http(),
        hole.url_https(),
        hole.url_ssh(),
    ] {
        let tmp = PrivateTmp::new();
        let out_dir = tempfile::tempdir().unwrap();
        let target = precious_output(out_dir.path(), "graph.svg");
        // A run that would wait an hour for the server: only the signal
        // can end it before the test's hang limit.
        let before = hole.connections();
        let mut child = spawn_signallable(tmp.cmd().args([
            url.as_str(),
            "--timeout",
            NEVER,
            "-o",
            arg(&target),
        ]));
        let deadline = Instant::now() + HANG;
        while (hole.connections() == before || tmp.clones().is_empty())
            && Instant::now() < deadline
            && child.running()
        {
            std::thread::sleep(Duration::from_millis(10));
        }
        assert!(hole.connections() > before, "{url}: never connected");
        assert_eq!(
            tmp.clones().len(),
            1,
            "{url}: a clone directory while it runs"
        );
        assert!(child.running(), "{url}: stopped before the signal");
        child.signal(libc::SIGINT);
        let run = child.finish(HANG);
        assert!(!run.timed_out, "{url}: Ctrl-C did not stop it");
        assert_untouched(&target);
        assert!(run.output.stdout.is_empty());
        let left = tmp.clones();
        if !left.is_empty() {
            failures.push(format!(
                "{url}: clone left: {left:?}; {}",
                describe(&run.output)
            ));
        }
        if run.output.status.code() != Some(130) {
            failures.push(format!("{url}: not 130: {}", describe(&run.output)));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn ctrl_c_while_fetching_from_a_slow_server_removes_the_clone() {
    const PACK: usize = 2 << 20;
    let repo = TestRepo::new("slow");
    repo.file("blob.bin", incompressible(11, PACK))
        .file("a.rs", "fn a() {}\n")
        .commit("big");
    let daemon = GitDaemon::serve(repo.base());
    // 160 KB/s at most: the 2 MiB pack takes 13 s or more (longer on a
    // loaded machine), far more than a run needs to act on Ctrl-C; the
    // signal comes once 16 KiB of it went by.
    let proxy = TcpProxy::start(daemon.port(), Some((8 * 1024, Duration::from_millis(50))));
    let url = format!("git://127.0.0.1:{}/slow", proxy.port());
    let tmp = PrivateTmp::new();
    let mut child =
        spawn_signallable(
            tmp.cmd()
                .args([url.as_str(), "--timeout", NEVER, "--folded"]),
        );
    let deadline = Instant::now() + HANG;
    while proxy.bytes_down() < 16 * 1024 && Instant::now() < deadline && child.running() {
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(child.running(), "the fetch ended before the signal");
    assert!(proxy.bytes_down() >= 16 * 1024, "the pack never started");
    let clones = tmp.clones();
    assert_eq!(clones.len(), 1, "{clones:?}");
    child.signal(libc::SIGINT);
    let run = child.finish(HANG);
    assert!(!run.timed_out, "Ctrl-C did not stop the fetch");
    // Stopped in the middle of the pack, not after it: the rest of it was
    // never taken from the server.
    let received = proxy.bytes_down();
    assert!(
        received < PACK,
        "the whole pack ({received} bytes) was fetched before Ctrl-C took effect"
    );
    assert!(run.output.stdout.is_empty(), "{}", describe(&run.output));
    assert_eq!(
        (tmp.clones(), run.output.status.code()),
        (Vec::<String>::new(), Some(130)),
        "clone left or not 130: {}",
        describe(&run.output)
    );
}

// ---------------------------------------------------------------------------
// Bad remotes.

/// Runs `repoflame URL ARGS --timeout 3600` twice (to stdout, and with
/// `-o` onto an existing file): exit 2, one `repoflame: ` line, nothing on
/// stdout, the file untouched, no clone left. Returns the line, which does
/// not blame a timeout: a run that waited for it instead of failing on
/// what the server said would not end before the test's hang limit.
fn assert_bad_remote(url: &str, args: &[&str]) -> String {
    let tmp = PrivateTmp::new();
    let mut all = vec![url, "--timeout", NEVER];
    all.extend_from_slice(args);
    let first = tmp.run(&[&all[..], &["--folded"]].concat(), HANG);
    let line = output::assert_fails_cleanly(&first.output);
    let out_dir = tempfile::tempdir().unwrap();
    let target = precious_output(out_dir.path(), "graph.svg");
    let second = tmp.run(&[&all[..], &["-o", arg(&target)]].concat(), HANG);
    let again = output::assert_fails_cleanly(&second.output);
    assert_untouched(&target);
    assert_eq!(line, again);
    assert!(
        !line.contains("--timeout") && !line.contains("no answer"),
        "blamed on the timeout: {line}"
    );
    line
}

#[test]
fn a_refused_connection_fails_without_waiting_for_the_timeout() {
    for url in [
        closed_port_url(),
        format!("git://127.0.0.1:{}/repo", closed_port()),
        format!("ssh://git@127.0.0.1:{}/repo", closed_port()),
    ] {
        let line = assert_bad_remote(&url, &[]);
        assert!(line.contains(&url), "{line}");
        assert!(line.to_lowercase().contains("refused"), "{line}");
    }
}

#[test]
fn a_missing_repository_or_revision_fails_without_waiting_for_the_timeout() {
    let (repo, _) = sample_history();
    repo.bare_clone("sample.git");
    let not_found = GitHttp::serve_with(repo.base(), Behaviour::NotFound);
    let line = assert_bad_remote(&not_found.url("sample.git"), &[]);
    assert!(line.contains("404") || line.contains("not found"), "{line}");

    // A repository the servers do not have.
    let http = GitHttp::serve(repo.base());
    let line = assert_bad_remote(&http.url("nope.git"), &[]);
    assert!(line.contains("not found") || line.contains("404"), "{line}");
    let daemon = GitDaemon::serve(repo.base());
    let url = daemon.url("nope.git");
    let line = assert_bad_remote(&url, &[]);
    assert!(line.contains(&url), "{line}");
    assert!(line.contains("no such repository"), "{line}");

    // A branch or tag the server does not have.
    let line = assert_bad_remote(&daemon.url("sample.git"), &["--rev", "nope"]);
    assert!(line.contains("nope"), "{line}");
    let line = assert_bad_remote(&http.url("sample.git"), &["--rev", "HEAD~1"]);
    assert!(line.contains("HEAD~1"), "{line}");
}

#[test]
fn credentials_are_never_prompted_for() {
    let repo = TestRepo::new("tiny");
    repo.file("a.rs", "fn main() {}\n").commit("one");
    repo.bare_clone("tiny.git");
    let auth = GitHttp::serve_with(repo.base(), Behaviour::RequireAuth);
    let url = auth.url("tiny.git");
    let line = assert_bad_remote(&url, &[]);
    assert!(line.contains("credentials"), "{line}");
    assert!(auth.wait_for_log("\" 401 "), "{}", auth.log());

    // With a user in the URL, and with a terminal on stdin: still no
    // prompt (a prompt would wait for an answer that never comes: a hang),
    // nothing written to the terminal.
    let with_user = url.replace("http://", "http://someone@");
    let line = assert_bad_remote(&with_user, &[]);
    assert!(line.contains("credentials"), "{line}");
    let tmp = PrivateTmp::new();
    let mut cmd = tmp.cmd();
    cmd.args([url.as_str(), "--timeout", NEVER, "--folded"]);
    let run = run_with_terminal_stdin(cmd, HANG);
    assert!(
        !run.bounded.timed_out,
        "hung with a terminal on stdin (a prompt?): terminal got {:?}",
        String::from_utf8_lossy(&run.terminal)
    );
    let line = output::assert_fails_cleanly(&run.bounded.output);
    assert!(line.contains("credentials"), "{line}");
    assert!(
        run.terminal.is_empty(),
        "wrote to the terminal: {:?}",
        String::from_utf8_lossy(&run.terminal)
    );
    assert_eq!(tmp.clones(), Vec::<String>::new());
}

/// The credentials the server of the tests below accepts; the password
/// has an `@`, percent-encoded in URLs.
const TOKEN_USER: &str = "x-access-token";
const TOKEN: &str = "s3cret@T0ken";
const TOKEN_IN_URL: &str = "s3cret%40T0ken";

/// Asserts that no trace of a password (`s3cret`, `wr0ng` in the tests
/// below) is in the output of a run, on stdout or stderr.
fn assert_no_secret(out: &Output, secrets: &[&str], what: &str) {
    for stream in [&out.stdout, &out.stderr] {
        let text = String::from_utf8_lossy(stream);
        for secret in secrets {
            assert!(!text.contains(secret), "{what}: {secret:?} shown:\n{text}");
        }
    }
}

#[test]
fn credentials_in_a_url_are_used_and_never_shown() {
    let repo = TestRepo::new("tiny");
    repo.file("a.rs", "fn main() {}\n").commit("one");
    repo.bare_clone("tiny.git");
    let server = GitHttp::serve_with(
        repo.base(),
        Behaviour::BasicAuth(Box::leak(format!("{TOKEN_USER}:{TOKEN}").into_boxed_str())),
    );
    let secrets = ["s3cret", "T0ken", "wr0ng"];
    let redacted = format!("{TOKEN_USER}:***@");

    // The right ones: cloned and counted, in every format, the password
    // nowhere (the name and the title come from the URL).
    let url = server.url_with(&format!("{TOKEN_USER}:{TOKEN_IN_URL}"), "tiny.git");
    assert_eq!(folded(&[&url]), "tiny;a.rs 1\n");
    assert!(server.wait_for_log("auth: accepted"), "{}", server.log());
    for format in ["folded", "json", "svg", "html"] {
        let out = run([url.as_str(), "--format", format]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{format}: {}",
            describe_brief(&out)
        );
        assert_no_secret(&out, &secrets, format);
    }
    let report = json(&[&url]);
    assert_eq!(report["source"]["name"], "tiny");
    // Other failures show the URL redacted.
    for (args, because) in [
        (
            vec![server.url_with(&format!("{TOKEN_USER}:{TOKEN_IN_URL}"), "nope.git")],
            "not found",
        ),
        (vec![url.clone(), "--rev".into(), "nope".into()], "nope"),
    ] {
        let out = run(args.iter().chain(&["--folded".to_string()]));
        let line = clean_failure(&out).unwrap_or_else(|e| panic!("{args:?}: {e}"));
        assert!(line.contains(&redacted) && line.contains(because), "{line}");
        assert_no_secret(&out, &secrets, &line);
    }

    // Wrong ones: tried once, refused, one line that says so, redacted.
    let wrong = server.url_with(&format!("{TOKEN_USER}:wr0ng-guess"), "tiny.git");
    for format in ["folded", "json", "svg", "html"] {
        let out = run([wrong.as_str(), "--format", format]);
        let line = clean_failure(&out).unwrap_or_else(|e| panic!("{format}: {e}"));
        assert_eq!(
            line,
            format!(
                "repoflame: {}: cannot clone: the server refused the user name and password \
                 in the URL",
                server.url_with(&format!("{TOKEN_USER}:***"), "tiny.git")
            )
        );
        assert_no_secret(&out, &secrets, format);
    }
    server.mark_log("/end-of-wrong-runs");
    let refused = server.log().matches("auth: refused").count();
    assert_eq!(refused, 4, "once per run:\n{}", server.log());
}

#[test]
fn a_server_that_never_answers_is_given_up_after_the_timeout_given() {
    let hole = BlackHole::listen();
    let urls = [
        hole.url_http(),
        hole.url_git(),
        hole.url_https(),
        hole.url_ssh(),
    ];
    // First, for each URL, a run that would wait an hour, connected to the
    // silent server before anything else.
    let patient: Vec<_> = urls
        .iter()
        .map(|url| {
            let tmp = PrivateTmp::new();
            let before = hole.connections();
            let mut child =
                spawn_signallable(
                    tmp.cmd()
                        .args([url.as_str(), "--timeout", NEVER, "--folded"]),
                );
            let deadline = Instant::now() + HANG;
            while (hole.connections() == before || tmp.clones().is_empty())
                && child.running()
                && Instant::now() < deadline
            {
                std::thread::sleep(Duration::from_millis(10));
            }
            assert!(child.running(), "{url}: --timeout {NEVER} ended at once");
            assert!(hole.connections() > before, "{url}: never connected");
            (child, tmp)
        })
        .collect();
    // Then runs with --timeout 2, all at once, connected later: each gives
    // up, and says why, while the patient run that connected to the same
    // silent server earlier is still waiting. (Were --timeout ignored, the
    // two would share a timeout and the earlier one would end first.)
    let results: Vec<(String, Bounded, PathBuf, tempfile::TempDir, PrivateTmp)> =
        std::thread::scope(|scope| {
            let handles: Vec<_> = urls
                .iter()
                .enumerate()
                .map(|(i, url)| {
                    scope.spawn(move || {
                        let tmp = PrivateTmp::new();
                        let out_dir = tempfile::tempdir().unwrap();
                        let target = precious_output(out_dir.path(), "graph.svg");
                        let mut args = vec![url.as_str(), "--timeout", "2"];
                        // Half to stdout, half to an existing -o file.
                        if i % 2 == 1 {
                            args.extend(["-o", arg(&target)]);
                        } else {
                            args.push("--folded");
                        }
                        let run = run_with_deadline(tmp.cmd().args(&args), HANG);
                        (url.clone(), run, target, out_dir, tmp)
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
    for (url, run, target, _dir, tmp) in &results {
        assert!(
            !run.timed_out,
            "{url}: --timeout 2 still waiting after {HANG:?}"
        );
        let line = output::assert_fails_cleanly(&run.output);
        assert!(line.contains(url.as_str()), "{line}");
        assert!(line.contains("no answer within 2 s (--timeout)"), "{line}");
        assert_untouched(target);
        assert_eq!(tmp.clones(), Vec::<String>::new(), "{url}");
        // Not before the time given: a bound that a loaded machine only
        // makes easier to meet (it can delay an exit, never hasten one).
        assert!(
            run.elapsed >= Duration::from_secs(2),
            "{url}: gave up after {:?}, before its --timeout 2",
            run.elapsed
        );
    }
    for ((mut child, tmp), url) in patient.into_iter().zip(&urls) {
        assert!(
            child.running(),
            "{url}: --timeout {NEVER} gave up before a run with --timeout 2 that connected later"
        );
        child.signal(libc::SIGTERM);
        let run = child.finish(HANG);
        assert_eq!(
            run.output.status.code(),
            Some(143),
            "{url}: {}",
            describe(&run.output)
        );
        assert_eq!(tmp.clones(), Vec::<String>::new(), "{url}");
    }
}

/// `unshare` arguments that give a network namespace with no network, or
/// `None` when this machine cannot.
fn no_network_namespace() -> Option<Vec<&'static str>> {
    for args in [&["-rn"][..], &["-n"][..]] {
        let ok = Command::new("unshare")
            .args(args)
            .arg("true")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if ok {
            return Some(args.to_vec());
        }
    }
    None
}

#[test]
fn an_unreachable_host_fails_without_waiting_for_the_timeout() {
    let Some(unshare) = no_network_namespace() else {
        run::require_or_skip(
            "an_unreachable_host_fails_without_waiting_for_the_timeout",
            "unshare cannot make a network namespace",
        );
        return;
    };
    // In a namespace with no network, connecting and resolving fail at
    // once; a run that waited for its --timeout (an hour) would hang.
    for (url, because) in [
        ("http://192.0.2.1/repo.git", "unreachable"),
        ("git://192.0.2.1/repo.git", "unreachable"),
        ("https://192.0.2.1:8443/repo.git", "unreachable"),
        ("http://repoflame-test.invalid/repo.git", "resolve"),
    ] {
        let tmp = PrivateTmp::new();
        let mut cmd = Command::new("unshare");
        run::hermetic(&mut cmd)
            .env("TMPDIR", tmp.path())
            .args(&unshare)
            .arg(env!("CARGO_BIN_EXE_repoflame"))
            .args([url, "--timeout", NEVER, "--folded"]);
        let run = run_with_deadline(&mut cmd, HANG);
        assert!(!run.timed_out, "{url}: hung");
        let line = output::assert_fails_cleanly(&run.output);
        assert!(line.contains(url), "{line}");
        assert!(line.contains(because), "{url}: not {because:?}: {line}");
        assert!(!line.contains("--timeout"), "{line}");
        assert_eq!(tmp.clones(), Vec::<String>::new(), "{url}");
    }
}

// ---------------------------------------------------------------------------
// Bad input.

/// Two blobs whose ids share their first four hex digits (found offline:
/// `printf 'ambiguous N\n' | git hash-object --stdin` for N = 83 and 258).
const AMBIGUOUS: (&str, &str, &str) = ("ambiguous 83\n", "ambiguous 258\n", "6d80");

#[test]
fn bad_revisions_fail_cleanly() {
    let (repo, history) = sample_history();
    let sample = repo.path();
    let base = repo.base();
    let shallow = repo.shallow_clone(1, "sample-shallow");
    let empty = repo.empty("nothing");
    let empty_bare = repo.empty_bare("nothing.git");
    let not_repo = tree::TestDir::new("plain");
    not_repo.file("a.rs", "fn a() {}\n");

    // Two objects with the same 4-digit prefix.
    for content in [AMBIGUOUS.0, AMBIGUOUS.1] {
        let blob = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(blob.path(), content).unwrap();
        let oid = repo.git(["hash-object", "-w", blob.path().to_str().unwrap()]);
        assert!(oid.starts_with(AMBIGUOUS.2), "{oid}");
    }

    let cases: Vec<(&Path, Vec<&str>, Vec<&str>)> = vec![
        (
            sample,
            vec![".", "--rev", "nope"],
            vec!["nope", "no such revision"],
        ),
        (sample, vec![".", "--rev", "HEAD~30"], vec!["HEAD~30"]),
        (sample, vec![".", "--rev", "v9"], vec!["v9"]),
        (
            sample,
            vec![".", "--rev", "0123456789012345678901234567890123456789"],
            vec!["0123456789012345678901234567890123456789"],
        ),
        (
            sample,
            vec![".", "--rev", "HEAD:src/main.rs"],
            vec!["HEAD:src/main.rs", "blob"],
        ),
        (
            sample,
            vec![".", "--rev", AMBIGUOUS.2],
            vec![AMBIGUOUS.2, "ambiguous"],
        ),
        (sample, vec![".", "--rev=-x"], vec!["-x", "'-'"]),
        (sample, vec![".", "--rev", "-x"], vec!["-x"]),
        (sample, vec![".", "--rev=--all"], vec!["--all"]),
        (
            sample,
            vec![".", "--rev", "main..feature"],
            vec!["main..feature"],
        ),
        (&empty, vec![".", "--rev", "HEAD"], vec!["no commits"]),
        (&empty, vec![".", "--rev", "main"], vec!["no commits"]),
        (&empty_bare, vec![".", "--rev", "HEAD"], vec!["no commits"]),
        (
            &shallow,
            vec![".", "--rev", "HEAD~3"],
            vec!["HEAD~3", "shallow"],
        ),
        (&shallow, vec![".", "--rev", &history.v1], vec!["shallow"]),
        (
            not_repo.path(),
            vec![".", "--rev", "HEAD"],
            vec!["not a git repository"],
        ),
        (
            base,
            vec!["missing-dir", "--rev", "HEAD"],
            vec!["missing-dir"],
        ),
        (
            sample,
            vec!["legacy", "--rev", "HEAD"],
            vec!["legacy is not in this revision"],
        ),
        (sample, vec!["data", "--rev", "v1"], vec!["data"]),
        (
            sample,
            vec!["README.md/x", "--rev", "HEAD"],
            vec!["README.md is a file there"],
        ),
    ];
    std::fs::create_dir_all(sample.join("data")).unwrap();
    check_rejections(&cases);
}

#[test]
fn bad_diffs_and_rejected_combinations_fail_cleanly() {
    let (repo, _) = sample_history();
    let sample = repo.path();
    let empty = repo.empty("nothing");
    let not_repo = tree::TestDir::new("plain");
    not_repo.file("a.rs", "fn a() {}\n");
    let cases: Vec<(&Path, Vec<&str>, Vec<&str>)> = vec![
        (sample, vec![".", "--diff", "v1"], vec!["v1", ".."]),
        (sample, vec![".", "--diff", ""], vec!["--diff"]),
        (sample, vec![".", "--diff", "nope..HEAD"], vec!["nope"]),
        (sample, vec![".", "--diff", "v1..nope"], vec!["nope"]),
        (sample, vec![".", "--diff", "v1...nope"], vec!["nope"]),
        (
            sample,
            vec![".", "--diff", "v1..HEAD:src/main.rs"],
            vec!["blob"],
        ),
        (sample, vec![".", "--diff=-x..HEAD"], vec!["-x"]),
        (sample, vec![".", "--diff", "v1..-x"], vec!["-x"]),
        (
            &empty,
            vec![".", "--diff", "HEAD~1..HEAD"],
            vec!["no commits"],
        ),
        (
            not_repo.path(),
            vec![".", "--diff", "a..b"],
            vec!["not a git repository"],
        ),
        (
            sample,
            vec![".", "--rev", "v1", "--diff", "v1..v2"],
            vec!["--diff"],
        ),
        (
            sample,
            vec![".", "--rev", "HEAD", "--follow"],
            vec!["--follow"],
        ),
        (sample, vec![".", "--diff", "v1..", "-L"], vec!["--follow"]),
        (
            sample,
            vec!["git://127.0.0.1:9/repo.git", "--diff", "v1..v2"],
            vec!["local repository"],
        ),
        (
            sample,
            vec!["https://example.invalid/repo", "--diff", "v1.."],
            vec!["local repository"],
        ),
        (
            sample,
            vec!["git://127.0.0.1:9/repo.git", "--follow"],
            vec!["--follow"],
        ),
        (
            sample,
            vec![".", "--rev", "HEAD", "--timeout", "0"],
            vec!["--timeout"],
        ),
    ];
    check_rejections(&cases);
    // A bad range names the range.
    let line = assert_rejected(sample, &[".", "--diff", "v1"]);
    assert!(line.contains("\"v1\""), "{line}");
}

#[test]
fn clone_progress_shows_on_a_terminal_and_nowhere_else() {
    // A big blob behind a slow link, so that the fetch lasts long enough
    // for the progress bar to be drawn.
    let repo = TestRepo::new("slow");
    repo.file("blob.bin", incompressible(11, 400_000))
        .file("src/a.rs", "fn a() {}\n")
        .commit("one");
    repo.bare_clone("slow.git");
    let http = GitHttp::serve(repo.base());
    let proxy = TcpProxy::start(http.port(), Some((16 * 1024, Duration::from_millis(40))));
    let url = format!("http://127.0.0.1:{}/slow.git", proxy.port());
    let tmp = PrivateTmp::new();

    let mut cmd = tmp.cmd();
    cmd.args([url.as_str(), "--folded"]);
    let run = terminal::run_on_pty(cmd, false, true, HANG);
    assert_eq!(
        run.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&run.terminal)
    );
    let terminal = String::from_utf8_lossy(&run.terminal);
    assert!(
        terminal.contains("receiving objects"),
        "no progress on the terminal:\n{terminal}"
    );
    assert_eq!(String::from_utf8_lossy(&run.stdout), "slow;src;a.rs 1\n");

    // Not a terminal: not a word on stderr.
    let quiet = tmp.run(&[url.as_str(), "--folded"], HANG);
    assert_eq!(assert_ok(&quiet.output), "slow;src;a.rs 1\n");
    assert_eq!(
        String::from_utf8_lossy(&quiet.output.stderr),
        "",
        "{}",
        describe(&quiet.output)
    );
}
