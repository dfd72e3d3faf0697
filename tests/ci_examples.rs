//! The README's CI examples, run as written: the GitHub Actions workflow's
//! `run:` steps (on a push to main, then on a pull request with the step
//! that compares with main's last report) and the GitLab job's `script:`,
//! in clones of a small repository, with the built binary on `PATH`. A
//! README edit that breaks a command, or what the commands write, fails
//! here.
//!
//! The YAML is read by a YAML 1.2 parser (yaml-rust2), so block scalars
//! (`run: |`, GitLab's folded `- >`), flow maps and quoting are read as
//! GitHub and GitLab read them. `${{ … }}` expressions and `if:`
//! conditions are evaluated for the few forms the examples use; any other
//! form fails the test, to be taught here.
//!
//! Not run: the steps that call actions (`uses: actions/checkout`, done by
//! the test's clone with full history as `fetch-depth: 0` asks;
//! `uses: actions/upload-artifact`, done by copying the files its `path:`
//! names into the artifact store that `gh run download` reads). Three
//! programs of the examples would need the network; small scripts stand in
//! for them on `PATH` and fail on arguments other than the README's:
//! `cargo install --locked --git URL` (the built binary is on `PATH`
//! already), `gh run list`/`gh run download` (main's artifact from the push
//! run) and GitLab's `curl` that posts the note (it keeps the body posted).

use std::path::{Path, PathBuf};
use std::process::Command;

use yaml_rust2::{Yaml, YamlLoader};

use crate::support::git::git_at;
use crate::support::output::assert_xml;
use crate::support::repo::TestRepo;
use crate::support::run::{Run, describe, hermetic};

/// The README's ```yaml blocks, each parsed.
fn readme_yaml() -> Vec<Yaml> {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("README.md");
    let mut blocks = Vec::new();
    let mut lines = readme.lines();
    while let Some(line) = lines.next() {
        if line.trim_end() == "```yaml" {
            let text: Vec<&str> = lines
                .by_ref()
                .take_while(|l| l.trim_end() != "```")
                .collect();
            let text = text.join("\n");
            let docs = YamlLoader::load_from_str(&text)
                .unwrap_or_else(|err| panic!("a README YAML block does not parse: {err}\n{text}"));
            blocks.extend(docs);
        }
    }
    blocks
}

/// A scalar as the CI reads it: strings as they are, numbers and booleans
/// as written.
fn scalar(value: &Yaml) -> String {
    match value {
        Yaml::String(s) | Yaml::Real(s) => s.clone(),
        Yaml::Integer(i) => i.to_string(),
        Yaml::Boolean(b) => b.to_string(),
        other => panic!("not a scalar: {other:?}"),
    }
}

/// A mapping's entries as (key, scalar value).
fn pairs(map: &Yaml) -> Vec<(String, String)> {
    match map {
        Yaml::Hash(hash) => hash.iter().map(|(k, v)| (scalar(k), scalar(v))).collect(),
        Yaml::BadValue => Vec::new(),
        other => panic!("not a mapping: {other:?}"),
    }
}

/// `n` lines of Rust code.
fn rust(n: usize) -> String {
    "let x = 1;\n".repeat(n)
}

/// A project with a main branch and a pull request's branch `feature`
/// (a file grown, one added), its `origin` a bare repository beside it,
/// and a directory of programs for `PATH`: repoflame and the stand-ins.
struct Project {
    repo: TestRepo,
    origin: PathBuf,
    bin: PathBuf,
}

impl Project {
    fn new() -> Project {
        let repo = TestRepo::new("proj");
        repo.file("src/main.rs", rust(20))
            .file("src/net/tcp.rs", rust(10))
            .file("tools/gen.py", "x = 1\n".repeat(6))
            .file("README.md", "# proj\n\ntext\n");
        repo.commit("main");
        repo.branch("feature").checkout("feature");
        repo.file("src/net/tcp.rs", rust(25))
            .file("src/net/udp.rs", rust(8));
        repo.commit("a pull request");
        repo.checkout("main");
        let origin = repo.bare_clone("origin.git");
        let bin = repo.base().join("bin");
        std::fs::create_dir(&bin).unwrap();
        std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_repoflame"), bin.join("repoflame")).unwrap();
        for (name, script) in [("cargo", CARGO), ("gh", GH), ("curl", CURL)] {
            let path = bin.join(name);
            std::fs::write(&path, script).unwrap();
            crate::support::tree::chmod(&path, 0o755);
        }
        Project { repo, origin, bin }
    }

    /// A clone of origin at `branch` in `BASE/DIR/proj`, with full history,
    /// as GitHub's checkout with `fetch-depth: 0` is: every branch.
    fn checkout(&self, dir: &str, branch: &str) -> PathBuf {
        let parent = self.repo.base().join(dir);
        std::fs::create_dir(&parent).unwrap();
        git_at(
            &parent,
            [
                "clone",
                "-q",
                "--branch",
                branch,
                self.origin.to_str().unwrap(),
                "proj",
            ],
        );
        parent.join("proj")
    }

    /// A checkout of `branch` alone, as GitLab's runner makes for a merge
    /// request: the target branch is not there until fetched, and
    /// `origin` fetches every branch (`git remote add` sets that).
    fn checkout_alone(&self, dir: &str, branch: &str) -> PathBuf {
        let parent = self.repo.base().join(dir);
        std::fs::create_dir(&parent).unwrap();
        let origin = self.origin.to_str().unwrap();
        git_at(
            &parent,
            [
                "clone",
                "-q",
                "--single-branch",
                "--branch",
                branch,
                origin,
                "proj",
            ],
        );
        let checkout = parent.join("proj");
        let every = "+refs/heads/*:refs/remotes/origin/*";
        git_at(&checkout, ["config", "remote.origin.fetch", every]);
        let remote = git_at(&checkout, ["branch", "-r"]);
        assert_eq!(remote, "  origin/feature");
        checkout
    }

    /// `bash -e -o pipefail -c SCRIPT` in `dir`, hermetic, with the
    /// project's programs first on `PATH` and `env` set; it must exit 0
    /// and say nothing on stderr. Returns stdout.
    fn shell(&self, dir: &Path, script: &str, env: &[(String, String)]) -> String {
        let mut cmd = Command::new("bash");
        hermetic(&mut cmd);
        let path = format!("{}:/usr/local/bin:/usr/bin:/bin", self.bin.display());
        cmd.current_dir(dir)
            .env("PATH", path)
            .env("ARTIFACTS", self.repo.base().join("artifacts"))
            .envs(env.iter().map(|(k, v)| (k, v)))
            .args([
                "--noprofile",
                "--norc",
                "-e",
                "-o",
                "pipefail",
                "-c",
                script,
            ]);
        let out = cmd.complete();
        // Not a word from repoflame: no warning, no error (git's fetch
        // talks on stderr).
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success() && !stderr.lines().any(|l| l.starts_with("repoflame:")),
            "{script}\n{}",
            describe(&out)
        );
        String::from_utf8(out.stdout).unwrap()
    }
}

/// In place of `cargo install --locked --git URL`: the binary under test
/// is on `PATH` already.
const CARGO: &str = r#"#!/bin/bash
if [ "$1 $2 $3" = "install --locked --git" ] && [ $# -eq 4 ] && [ -n "$4" ]; then exit 0; fi
echo "cargo stand-in: not the README's install: $*" >&2
exit 1
"#;

/// In place of GitHub's CLI: `gh run list` finds main's last successful
/// run of the workflow (run 4242), `gh run download 4242 --name NAME --dir
/// DIR` copies the artifact the push run stored under $ARTIFACTS/NAME.
const GH: &str = r#"#!/bin/bash
fail() { echo "gh stand-in: $*" >&2; exit 1; }
[ -n "$GH_TOKEN" ] || fail "no GH_TOKEN"
case "$1 $2" in
"run list")
    args=" ${*:3} "
    for want in "--workflow code-map.yml" "--branch main" "--status success" \
                "--limit 1" "--json databaseId" "--jq .[0].databaseId"; do
        [[ "$args" == *" $want "* ]] || fail "run list without $want: $*"
    done
    echo 4242 ;;
"run download")
    [ "$3" = 4242 ] || fail "no run '$3'"
    shift 3
    name= dir=.
    while [ $# -gt 0 ]; do
        case "$1" in
        --name) name=$2; shift 2 ;;
        --dir) dir=$2; shift 2 ;;
        *) fail "run download: $1?" ;;
        esac
    done
    [ -n "$name" ] && [ -d "$ARTIFACTS/$name" ] || fail "no artifact '$name'"
    mkdir -p "$dir" && cp -R "$ARTIFACTS/$name/." "$dir/" ;;
*) fail "$*?" ;;
esac
"#;

/// In place of the `curl` that posts the merge-request note: checks the
/// README's options and keeps the body in $ARTIFACTS/note.md.
const CURL: &str = r#"#!/bin/bash
fail() { echo "curl stand-in: $*" >&2; exit 1; }
[ "$1 $2 $3 $4" = "--fail --silent --show-error --header" ] || fail "options: $*"
[ "$5" = "PRIVATE-TOKEN: $NOTE_TOKEN" ] || fail "header: $5"
[ "$6" = "--data-urlencode" ] || fail "$6?"
case "$6 $7" in "--data-urlencode body@"*) ;; *) fail "body: $7" ;; esac
want="$CI_API_V4_URL/projects/$CI_PROJECT_ID/merge_requests/$CI_MERGE_REQUEST_IID/notes"
[ "$8" = "$want" ] && [ $# -eq 8 ] || fail "url: ${*:8}"
mkdir -p "$ARTIFACTS" && cp -- "${7#body@}" "$ARTIFACTS/note.md"
echo '{"id": 1}'
"#;

/// What the CI variable that names repoflame's repository holds here.
const REPOFLAME_GIT: &str = "https://git.invalid/repoflame.git";

/// The GitHub context the expressions read, for one event.
fn github(event: &str) -> Vec<(&'static str, String)> {
    let base_ref = if event == "pull_request" { "main" } else { "" };
    vec![
        ("github.event_name", event.to_string()),
        ("github.base_ref", base_ref.to_string()),
        ("github.token", "a-token".to_string()),
        ("vars.REPOFLAME_GIT", REPOFLAME_GIT.to_string()),
    ]
}

fn context<'c>(github: &'c [(&str, String)], name: &str) -> &'c str {
    github
        .iter()
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.as_str())
        .unwrap_or_else(|| panic!("the README's workflow reads {name}: teach this test"))
}

/// `text` with each `${{ NAME }}` replaced by its value.
fn expand(text: &str, github: &[(&str, String)]) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("${{") {
        let end = start + rest[start..].find("}}").expect("an unclosed ${{");
        out.push_str(&rest[..start]);
        out.push_str(context(github, rest[start + 3..end].trim()));
        rest = &rest[end + 2..];
    }
    out.push_str(rest);
    out
}

/// Whether a step's `if:` holds: `NAME == 'value'` alone is known.
fn holds(condition: &str, github: &[(&str, String)]) -> bool {
    let condition = condition.trim();
    let condition = condition
        .strip_prefix("${{")
        .and_then(|c| c.strip_suffix("}}"))
        .unwrap_or(condition);
    let (name, value) = condition
        .split_once("==")
        .unwrap_or_else(|| panic!("an if: this test does not know: {condition}"));
    let value = value.trim();
    let value = value
        .strip_prefix('\'')
        .and_then(|v| v.strip_suffix('\''))
        .unwrap_or_else(|| panic!("an if: this test does not know: {condition}"));
    context(github, name.trim()) == value
}

/// Runs a job's `steps` in `dir` for `event`, as a GitHub runner would:
/// `run:` steps in bash with the step's `env`, the upload of artifacts into
/// $ARTIFACTS. Returns the names of the steps run.
fn run_github_job(project: &Project, steps: &[Yaml], dir: &Path, event: &str, summary: &Path) {
    let github = github(event);
    for step in steps {
        if let Some(condition) = step["if"].as_str() {
            if !holds(condition, &github) {
                continue;
            }
        }
        let mut env: Vec<(String, String)> = vec![
            ("CI".into(), "true".into()),
            ("GITHUB_ACTIONS".into(), "true".into()),
            ("GITHUB_EVENT_NAME".into(), event.into()),
            ("GITHUB_STEP_SUMMARY".into(), summary.display().to_string()),
        ];
        for (key, value) in pairs(&step["env"]) {
            env.push((key, expand(&value, &github)));
        }
        match (step["run"].as_str(), step["uses"].as_str()) {
            (Some(script), None) => {
                project.shell(dir, &expand(script, &github), &env);
            }
            (None, Some(action)) if action.starts_with("actions/checkout@") => {
                assert_eq!(pairs(&step["with"]), [("fetch-depth".into(), "0".into())]);
            }
            (None, Some(action)) if action.starts_with("actions/upload-artifact@") => {
                upload(project, dir, &step["with"]);
            }
            _ => panic!("a step this test does not know: {step:?}"),
        }
    }
}

/// `actions/upload-artifact`: the files of `with.path` (names and `*`
/// globs, one a line) copied into $ARTIFACTS/`with.name`.
fn upload(project: &Project, dir: &Path, with: &Yaml) {
    let name = with["name"].as_str().expect("an artifact's name");
    let store = project.repo.base().join("artifacts").join(name);
    std::fs::create_dir_all(&store).unwrap();
    let patterns: Vec<&str> = with["path"]
        .as_str()
        .expect("an artifact's path")
        .lines()
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    for entry in std::fs::read_dir(dir).unwrap() {
        let file = entry.unwrap().file_name().into_string().unwrap();
        let matches = |pattern: &str| match pattern.split_once('*') {
            Some((head, tail)) => {
                file.len() >= head.len() + tail.len()
                    && file.starts_with(head)
                    && file.ends_with(tail)
            }
            None => file == pattern,
        };
        if patterns.iter().any(|p| matches(p)) {
            std::fs::copy(dir.join(&file), store.join(&file)).unwrap();
        }
    }
}

/// The summary of a diff: its heading and verdict, checked well formed.
fn summaries(md: &str) -> Vec<String> {
    let (tables, blocks) = crate::markdown::parse(md);
    assert!(!tables.is_empty(), "no table in\n{md}");
    blocks
        .into_iter()
        .filter(|b| b.starts_with("repoflame: ") || b.contains(" code lines in "))
        .collect()
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|err| panic!("{}: {err}", path.display()))
}

/// The report, the graphs and the page a run of the workflow left.
fn check_outputs(dir: &Path, names: &[&str]) {
    for name in names {
        let path = dir.join(name);
        let text = read(&path);
        match path.extension().and_then(|e| e.to_str()) {
            Some("svg") => assert_xml(text.as_bytes()),
            Some("html") => assert!(text.starts_with("<!DOCTYPE html>"), "{name}"),
            Some("json") => {
                let report: serde_json::Value = serde_json::from_str(&text).unwrap();
                crate::schema::assert_valid(&report, name);
                // The project's files, not what the job wrote beside them.
                let files: Vec<&str> = report["files"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|f| f["path"].as_str().unwrap())
                    .collect();
                assert!(
                    files.iter().all(|f| f.starts_with("src/")
                        || f.starts_with("tools/")
                        || *f == "README.md"),
                    "{name}: {files:?}"
                );
            }
            Some("md") => drop(summaries(&text)),
            _ => panic!("{name}?"),
        }
    }
}

#[test]
fn the_readmes_github_actions_workflow_runs_on_a_push_and_a_pull_request() {
    let yaml = readme_yaml();
    let workflow = yaml
        .iter()
        .find(|y| !y["jobs"].is_badvalue())
        .expect("a workflow in the README");
    let on = &workflow["on"];
    assert!(
        !on["pull_request"].is_badvalue() && on["push"]["branches"][0].as_str() == Some("main")
    );
    let (_, job) = workflow["jobs"].as_hash().unwrap().front().unwrap();
    let steps = job["steps"].as_vec().expect("steps").clone();
    let compare = yaml
        .iter()
        .filter_map(Yaml::as_vec)
        .find(|steps| {
            steps[0]["name"]
                .as_str()
                .is_some_and(|n| n.contains("main's last report"))
        })
        .expect("the step that compares with main's last report");
    let project = Project::new();

    // A push to main: the code map, main's report stored as the artifact.
    let main = project.checkout("push", "main");
    let summary = project.repo.base().join("push-summary.md");
    run_github_job(&project, &steps, &main, "push", &summary);
    assert!(!summary.exists(), "a push has no change to summarise");
    let artifact = project.repo.base().join("artifacts/code-map");
    check_outputs(
        &artifact,
        &["repoflame.svg", "repoflame.html", "repoflame.json"],
    );
    assert!(!artifact.join("changes.svg").exists());

    // A pull request, with the comparison before the upload.
    let pr = project.checkout("pr", "feature");
    let mut with_compare = steps.clone();
    let upload = with_compare
        .iter()
        .position(|s| {
            s["uses"]
                .as_str()
                .is_some_and(|a| a.starts_with("actions/upload-artifact"))
        })
        .expect("an upload step");
    with_compare.splice(upload..upload, compare.iter().cloned());
    let summary = project.repo.base().join("pr-summary.md");
    run_github_job(&project, &with_compare, &pr, "pull_request", &summary);
    check_outputs(
        &pr,
        &[
            "repoflame.svg",
            "repoflame.html",
            "repoflame.json",
            "changes.svg",
            "changes.html",
        ],
    );
    check_outputs(&pr.join("main"), &["repoflame.json"]);
    // Two summaries of the same change: the diff with origin/main, and
    // the comparison with main's report.
    let md = read(&summary);
    // main's report names its commit (its HEAD was another checkout's).
    let main = &git_at(&pr, ["rev-parse", "--short=7", "origin/main"]);
    assert_eq!(
        summaries(&md),
        [
            "repoflame: proj, origin/main...HEAD → HEAD",
            "+23 −0 code lines in 2 files; most in src/net (+23)",
            &format!("repoflame: proj, {main} → HEAD"),
            "+23 −0 code lines in 2 files; most in src/net (+23)",
        ],
        "{md}"
    );
}

#[test]
fn the_readmes_gitlab_ci_job_runs_on_a_merge_request() {
    let yaml = readme_yaml();
    let (name, job) = yaml
        .iter()
        .filter_map(Yaml::as_hash)
        .flat_map(|jobs| jobs.iter())
        .find(|(_, job)| !job["script"].is_badvalue())
        .expect("a GitLab job in the README");
    let name = scalar(name);
    assert_eq!(
        job["rules"][0]["if"].as_str(),
        Some("$CI_PIPELINE_SOURCE == \"merge_request_event\""),
        "{name}"
    );
    let script: Vec<String> = job["script"]
        .as_vec()
        .expect("script")
        .iter()
        .map(scalar)
        .collect();
    let project = Project::new();
    let mr = project.checkout_alone("mr", "feature");
    let mut env = pairs(&job["variables"]);
    for (key, value) in [
        ("CI", "true"),
        ("GITLAB_CI", "true"),
        ("CI_PIPELINE_SOURCE", "merge_request_event"),
        ("CI_MERGE_REQUEST_TARGET_BRANCH_NAME", "main"),
        ("CI_API_V4_URL", "https://gitlab.invalid/api/v4"),
        ("CI_PROJECT_ID", "17"),
        ("CI_MERGE_REQUEST_IID", "3"),
        ("NOTE_TOKEN", "a-token"),
        ("REPOFLAME_GIT", REPOFLAME_GIT),
    ] {
        env.push((key.into(), value.into()));
    }
    // The runner stops at the first command that fails, as `bash -e`.
    let stdout = project.shell(&mr, &script.join("\n"), &env);
    let artifacts: Vec<String> = job["artifacts"]["paths"]
        .as_vec()
        .expect("artifacts")
        .iter()
        .map(scalar)
        .collect();
    let artifacts: Vec<&str> = artifacts.iter().map(String::as_str).collect();
    assert_eq!(
        artifacts,
        [
            "repoflame.html",
            "repoflame.json",
            "changes.svg",
            "summary.md"
        ]
    );
    check_outputs(&mr, &artifacts);
    let md = read(&mr.join("summary.md"));
    assert_eq!(
        summaries(&md),
        [
            "repoflame: proj, origin/main...HEAD → HEAD",
            "+23 −0 code lines in 2 files; most in src/net (+23)",
        ],
        "{md}"
    );
    assert!(stdout.contains(&md), "the summary is in the job's log");
    let note = read(&project.repo.base().join("artifacts/note.md"));
    assert_eq!(note, md, "the note posted is the summary");
}
