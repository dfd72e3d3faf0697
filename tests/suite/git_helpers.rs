//! The git helpers' self-tests: the helpers against the real git CLI,
//! Python's HTTP server and libgit2 (moved from `tests/gitutil.rs` as they
//! were).

use std::collections::BTreeMap;
use std::io::Read;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};

use crate::support::git::{DAY, EPOCH, git_at, git_command, git_output_at};
use crate::support::history::{Change, History, MODE_GITLINK, MODE_SYMLINK, sample_history};
use crate::support::processes::{Bounded, HANG, run_with_deadline};
use crate::support::repo::TestRepo;
use crate::support::run::describe;
use crate::support::servers::{Behaviour, GitDaemon, GitHttp};
use crate::support::tcp::{BlackHole, closed_port, closed_port_url};

/// Text of a failed or successful run, for messages.
fn show(output: &Output) -> String {
    describe(output)
}

/// A scratch directory for git commands that need no repository (so that
/// the crate's own repository and its configuration stay out of the way).
fn scratch() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("repoflame-git-scratch-")
        .tempdir()
        .expect("temp dir")
}

/// `git ARGS` (hermetic) in `dir`, with extra environment, bounded in time.
fn git_bounded(dir: &Path, args: &[&str], env: &[(&str, &str)], limit: Duration) -> Bounded {
    let mut cmd = git_command();
    cmd.current_dir(dir).args(args);
    for (key, value) in env {
        cmd.env(key, value);
    }
    run_with_deadline(&mut cmd, limit)
}

/// Contents of the objects `oids`, read with one `git cat-file --batch`.
fn cat_files(repo: &TestRepo, oids: &[String]) -> Vec<Vec<u8>> {
    use std::io::Write;
    let mut child = git_command()
        .current_dir(repo.path())
        .args(["cat-file", "--batch"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn cat-file");
    let mut input = child.stdin.take().expect("stdin");
    let request: String = oids.iter().map(|oid| format!("{oid}\n")).collect();
    let writer = std::thread::spawn(move || input.write_all(request.as_bytes()));
    let out = child.wait_with_output().expect("cat-file output");
    writer.join().unwrap().expect("write cat-file request");
    assert!(out.status.success(), "git cat-file --batch failed");
    let mut rest = out.stdout.as_slice();
    let mut contents = Vec::new();
    for oid in oids {
        let eol = rest.iter().position(|&b| b == b'\n').expect("header");
        let header = std::str::from_utf8(&rest[..eol]).expect("header text");
        let size: usize = match header.split(' ').collect::<Vec<_>>()[..] {
            [got, _kind, size] if got == oid => size.parse().expect("size"),
            _ => panic!("unexpected cat-file header {header:?} for {oid}"),
        };
        contents.push(rest[eol + 1..eol + 1 + size].to_vec());
        rest = &rest[eol + 2 + size..];
    }
    contents
}

/// `git ls-tree -r REV` as path → (mode, type, oid).
fn ls_tree(dir: &Path, rev: &str) -> BTreeMap<String, (u32, String, String)> {
    git_at(dir, ["ls-tree", "-r", "--full-tree", rev])
        .lines()
        .map(|line| {
            let (meta, path) = line.split_once('\t').expect("tab in ls-tree line");
            let mut meta = meta.split(' ');
            let mode = u32::from_str_radix(meta.next().unwrap(), 8).expect("octal mode");
            let kind = meta.next().unwrap().to_string();
            let oid = meta.next().unwrap().to_string();
            (path.to_string(), (mode, kind, oid))
        })
        .collect()
}

#[test]
fn sample_history_is_what_history_says() {
    let (repo, history) = sample_history();
    assert_eq!(history.commits.len(), 8);
    assert_eq!(repo.head(), history.main);
    assert_eq!(history.head().sha, history.main);
    assert_eq!(repo.git(["symbolic-ref", "HEAD"]), "refs/heads/main");
    assert_eq!(repo.git(["status", "--porcelain"]), "", "clean work tree");

    // Branches and tags.
    assert_eq!(repo.rev_parse("feature"), history.feature);
    assert_eq!(repo.rev_parse("v1"), history.v1);
    assert_eq!(repo.git(["cat-file", "-t", "v1"]), "commit", "v1 is light");
    assert_eq!(repo.rev_parse("v2"), history.v2_tag);
    assert_eq!(repo.git(["cat-file", "-t", "v2"]), "tag", "v2 is annotated");
    assert_eq!(repo.rev_parse("v2^{commit}"), history.v2);
    assert_eq!(
        repo.rev_parse("feature~1"),
        history.v2,
        "feature forks at v2"
    );
    assert_eq!(repo.rev_parse("main~1"), history.v2);

    // Parents, messages, dates, branches, abbreviations.
    let log = repo.git([
        "log",
        "--all",
        "--format=%H%x09%P%x09%s%x09%ct%x09%cs%x09%h",
    ]);
    assert_eq!(log.lines().count(), history.commits.len());
    for line in log.lines() {
        let f: Vec<&str> = line.split('\t').collect();
        let commit = history.commit(f[0]);
        assert_eq!(commit.parent.as_deref().unwrap_or(""), f[1], "{line}");
        assert_eq!(commit.message, f[2]);
        assert_eq!(commit.time.to_string(), f[3]);
        assert_eq!(commit.date, f[4]);
        assert_eq!(commit.short, f[5]);
    }
    for (i, commit) in history.commits.iter().enumerate() {
        assert_eq!(commit.time, EPOCH + i as i64 * DAY);
        let on = if i == 6 { "feature" } else { "main" };
        assert_eq!(commit.branch, on, "commit {i}");
    }

    // Every tree, entry by entry, with every blob's content.
    let mut oids = Vec::new();
    let mut expected = Vec::new();
    for commit in &history.commits {
        let listed = ls_tree(repo.path(), &commit.sha);
        assert_eq!(
            listed.keys().collect::<Vec<_>>(),
            commit.tree.keys().collect::<Vec<_>>(),
            "paths of {}",
            commit.message
        );
        for (path, (mode, kind, oid)) in &listed {
            let entry = &commit.tree[path];
            assert_eq!(*mode, entry.mode, "mode of {path} in {}", commit.message);
            if entry.mode == MODE_GITLINK {
                assert_eq!(kind, "commit");
                assert_eq!(oid.as_bytes(), entry.data.as_slice());
            } else {
                assert_eq!(kind, "blob");
                oids.push(oid.clone());
                expected.push((path.clone(), entry.data.clone()));
            }
        }
    }
    for (content, (path, want)) in cat_files(&repo, &oids).into_iter().zip(&expected) {
        assert_eq!(content, *want, "content of {path}");
    }

    // What each commit changed, renames detected.
    for commit in &history.commits {
        let diff = repo.git([
            "diff-tree",
            "-r",
            "-M",
            "--root",
            "--no-commit-id",
            "--name-status",
            &commit.sha,
        ]);
        let mut got: Vec<String> = diff
            .lines()
            .map(|l| match l.strip_prefix('R') {
                Some(rest) => format!("R\t{}", rest.split_once('\t').unwrap().1),
                None => l.to_string(),
            })
            .collect();
        got.sort();
        let mut want: Vec<String> = commit.changes.iter().map(Change::status_line).collect();
        want.sort();
        assert_eq!(got, want, "changes of {}", commit.message);
    }
    let rename = Change::Renamed {
        from: history.renamed_from.into(),
        to: history.renamed_to.into(),
    };
    assert!(history.commits[2].changes.contains(&rename));
    assert!(history.commits[3].changes.iter().all(|c| matches!(
        c, Change::Deleted(p) if p.starts_with(&format!("{}/", history.deleted_dir)))));
    assert_eq!(history.commits[3].changes.len(), 2);

    // The special entries, as `git ls-tree` shows them at HEAD.
    let head = repo.git(["ls-tree", "-r", "HEAD"]);
    let gitlink = format!(
        "160000 commit {}\t{}",
        history.submodule_commit, history.submodule_path
    );
    assert!(head.lines().any(|l| l == gitlink), "{head}");
    assert!(
        head.lines().any(|l| l.starts_with("120000 blob ")
            && l.ends_with(&format!("\t{}", history.symlink_path))),
        "{head}"
    );
    assert!(
        head.lines()
            .any(|l| l.starts_with("100755 blob ")
                && l.ends_with(&format!("\t{}", history.script_path))),
        "{head}"
    );
    let tree = history.tree(&history.main);
    assert_eq!(tree[history.symlink_path].text(), history.symlink_target);
    assert!(tree[history.script_path].text().starts_with("#!/bin/sh\n"));
    assert!(!history.script_path.contains('.'), "no extension");
    assert_eq!(
        tree[history.lfs_path].text(),
        format!(
            "version https://git-lfs.github.com/spec/v1\noid sha256:{}\nsize {}\n",
            history.lfs_oid, history.lfs_size
        )
    );
    assert!(history.hidden_path.starts_with('.') && tree.contains_key(history.hidden_path));
    assert!(tree.keys().all(|p| !p.starts_with("legacy/")));
    assert!(tree["README.md"].text().contains("```rust\n"));
    // Tracked although ignored.
    let ignored = repo.git_output([
        "check-ignore",
        "-q",
        "--no-index",
        history.ignored_tracked_path,
    ]);
    assert!(ignored.status.success(), "not ignored: {}", show(&ignored));
    let tracked = repo.git(["ls-files", "--", history.ignored_tracked_path]);
    assert_eq!(tracked, history.ignored_tracked_path);
    // The submodule's content is in its own repository, not in this tree.
    assert!(repo.join("vendor/greet/src/lib.rs").is_file());
    assert!(tree.keys().all(|p| !p.starts_with("vendor/greet/")));
    assert_eq!(
        tree[".gitmodules"].text(),
        "[submodule \"vendor/greet\"]\n\tpath = vendor/greet\n\turl = ../greet-lib\n"
    );
}

#[test]
fn sample_history_is_deterministic() {
    let (_, a) = sample_history();
    let (_, b) = sample_history();
    let shas = |h: &History| h.commits.iter().map(|c| c.sha.clone()).collect::<Vec<_>>();
    assert_eq!(shas(&a), shas(&b));
    assert_eq!(a.v2_tag, b.v2_tag);
}

#[test]
fn layouts_bare_worktree_shallow_archive_empty() {
    let (repo, history) = sample_history();

    // A bare clone: every ref, objects packed.
    let bare = repo.bare_clone("sample.git");
    assert_eq!(git_at(&bare, ["rev-parse", "--is-bare-repository"]), "true");
    assert_eq!(git_at(&bare, ["rev-parse", "HEAD"]), history.main);
    assert_eq!(git_at(&bare, ["rev-parse", "feature"]), history.feature);
    assert_eq!(git_at(&bare, ["rev-parse", "v2"]), history.v2_tag);
    let objects = git_at(&bare, ["count-objects", "-v"]);
    assert!(
        objects.lines().any(|l| l == "count: 0") && objects.lines().any(|l| l == "packs: 1"),
        "{objects}"
    );

    // A linked worktree: `.git` is a file.
    let wt = repo.worktree("feature", "sample-feature");
    let dot_git = std::fs::read_to_string(wt.join(".git")).expect(".git is a file");
    assert!(dot_git.starts_with("gitdir: "), "{dot_git}");
    assert_eq!(git_at(&wt, ["rev-parse", "HEAD"]), history.feature);
    assert!(wt.join("src/farewell.rs").is_file());
    let detached = repo.worktree(&history.v1, "sample-v1");
    assert_eq!(git_at(&detached, ["rev-parse", "HEAD"]), history.v1);

    // A shallow clone of depth 1.
    let shallow = repo.shallow_clone(1, "sample-shallow");
    assert_eq!(
        git_at(&shallow, ["rev-parse", "--is-shallow-repository"]),
        "true"
    );
    assert_eq!(git_at(&shallow, ["rev-parse", "HEAD"]), history.main);
    assert_eq!(git_at(&shallow, ["rev-list", "--count", "HEAD"]), "1");

    // An archive holds exactly the tree: files, symlinks, and gitlinks as
    // empty directories.
    let dest = repo.base().join("archive-v2");
    repo.archive("v2", &dest);
    let tree = history.tree(&history.v2);
    for (path, entry) in tree {
        let on_disk = dest.join(path);
        match entry.mode {
            MODE_SYMLINK => assert_eq!(
                std::fs::read_link(&on_disk)
                    .expect("a symlink")
                    .as_os_str()
                    .as_bytes(),
                entry.data.as_slice()
            ),
            MODE_GITLINK => {
                assert_eq!(std::fs::read_dir(&on_disk).expect("a directory").count(), 0)
            }
            _ => assert_eq!(
                std::fs::read(&on_disk).expect("a file"),
                entry.data,
                "{path}"
            ),
        }
    }
    fn walk(dir: &Path, rel: &str, out: &mut Vec<String>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap())
            .collect();
        entries.sort_by_key(|e| e.file_name());
        if entries.is_empty() {
            out.push(rel.to_string());
        }
        for e in entries {
            let name = format!("{rel}{}", e.file_name().to_str().unwrap());
            if e.file_type().unwrap().is_dir() {
                walk(&e.path(), &format!("{name}/"), out);
            } else {
                out.push(name);
            }
        }
    }
    let mut extracted = Vec::new();
    walk(&dest, "", &mut extracted);
    let mut listed: Vec<String> = tree
        .iter()
        .map(|(p, e)| {
            if e.mode == MODE_GITLINK {
                format!("{p}/")
            } else {
                p.clone()
            }
        })
        .collect();
    listed.sort();
    extracted.sort();
    assert_eq!(extracted, listed);

    // Packing the work tree's repository.
    assert_ne!(repo.git(["count-objects"]).split(' ').next(), Some("0"));
    repo.repack();
    assert!(
        repo.git(["count-objects", "-v"])
            .lines()
            .any(|l| l == "packs: 1")
    );
    assert_eq!(repo.git(["cat-file", "-t", &history.v1]), "commit");

    // Repositories without commits.
    for empty in [repo.empty("nothing"), repo.empty_bare("nothing.git")] {
        let head = git_output_at(&empty, ["rev-parse", "--verify", "-q", "HEAD"]);
        assert!(!head.status.success(), "{}", show(&head));
        assert_eq!(git_at(&empty, ["rev-list", "--all"]), "");
    }
    assert_eq!(
        git_at(
            &repo.base().join("nothing.git"),
            ["rev-parse", "--is-bare-repository"]
        ),
        "true"
    );

    // The other builder steps.
    let other = TestRepo::new("other");
    other
        .file("a.rs", "fn a() {}\n")
        .file("d/b.rs", "fn b() {}\n");
    let first = other.commit("one");
    other
        .remove("d")
        .symlink("l", "a.rs")
        .rename("a.rs", "c.rs");
    let second = other.commit("two");
    assert_ne!(first, second);
    assert_eq!(
        other.git([
            "diff-tree",
            "-r",
            "-M",
            "--no-commit-id",
            "--name-status",
            "HEAD"
        ]),
        "R100\ta.rs\tc.rs\nD\td/b.rs\nA\tl"
    );
    // A submodule that is not a sibling is recorded by absolute path.
    let host = TestRepo::new("host");
    host.submodule("sub", &other);
    host.commit("sub");
    assert_eq!(
        host.git(["config", "-f", ".gitmodules", "submodule.sub.url"]),
        other.path().display().to_string()
    );
    assert_eq!(host.git(["rev-parse", "HEAD:sub"]), second);
}

/// Clones `url` as a regular clone, then as a shallow bare clone over
/// protocol v0 (what libgit2 speaks), and fetches a commit by sha; checks
/// the results against `history`.
fn check_clones(url: &str, history: &History) {
    let tmp = scratch();
    let dir = tmp.path();
    git_at(dir, ["clone", "-q", url, "full"]);
    assert_eq!(
        git_at(&dir.join("full"), ["rev-parse", "HEAD"]),
        history.main
    );
    assert_eq!(
        git_at(&dir.join("full"), ["rev-parse", "origin/feature"]),
        history.feature
    );

    let shallow = dir.join("shallow.git");
    git_at(
        dir,
        [
            "-c",
            "protocol.version=0",
            "clone",
            "-q",
            "--depth",
            "1",
            "--bare",
            url,
            "shallow.git",
        ],
    );
    assert_eq!(
        git_at(&shallow, ["rev-parse", "--is-shallow-repository"]),
        "true"
    );
    assert_eq!(git_at(&shallow, ["rev-parse", "HEAD"]), history.main);
    assert_eq!(git_at(&shallow, ["rev-list", "--count", "HEAD"]), "1");
    // A commit that is no ref's tip, by sha (allowReachableSHA1InWant).
    git_at(
        &shallow,
        [
            "-c",
            "protocol.version=0",
            "fetch",
            "-q",
            "--depth",
            "1",
            url,
            &history.v1,
        ],
    );
    assert_eq!(git_at(&shallow, ["cat-file", "-t", &history.v1]), "commit");

    let refs = git_at(dir, ["ls-remote", url]);
    for line in [
        format!("{}\tHEAD", history.main),
        format!("{}\trefs/heads/feature", history.feature),
        format!("{}\trefs/tags/v1", history.v1),
        format!("{}\trefs/tags/v2", history.v2_tag),
        format!("{}\trefs/tags/v2^{{}}", history.v2),
    ] {
        assert!(refs.lines().any(|l| l == line), "no {line:?} in\n{refs}");
    }
}

#[test]
fn git_daemon_serves_clones() {
    let (repo, history) = sample_history();
    repo.bare_clone("sample.git");
    let daemon = GitDaemon::serve(repo.base());
    check_clones(&daemon.url("sample.git"), &history);
    // The non-bare repository is served too (`BASE/sample/.git`).
    let refs = git_at(repo.base(), ["ls-remote", &daemon.url("sample"), "HEAD"]);
    assert_eq!(refs, format!("{}\tHEAD", history.main));
    for request in [
        "Request upload-pack for '/sample.git'",
        "Request upload-pack for '/sample'",
    ] {
        assert!(daemon.wait_for_log(request), "{}", daemon.log());
    }

    // A missing repository: an informative error.
    let tmp = scratch();
    let run = git_bounded(
        tmp.path(),
        &["ls-remote", &daemon.url("nope.git")],
        &[],
        HANG,
    );
    assert!(
        !run.timed_out && !run.output.status.success(),
        "{}",
        show(&run.output)
    );
    let stderr = String::from_utf8_lossy(&run.output.stderr);
    assert!(
        stderr.contains("remote error: no such repository: /nope.git"),
        "{stderr}"
    );

    // Two daemons at once get two ports.
    let other = GitDaemon::serve(repo.base());
    assert_ne!(other.port(), daemon.port());
    let refs = git_at(repo.base(), ["ls-remote", &other.url("sample.git"), "HEAD"]);
    assert_eq!(refs, format!("{}\tHEAD", history.main));
}

#[test]
fn git_http_serves_clones() {
    let (repo, history) = sample_history();
    repo.bare_clone("sample.git");
    let http = GitHttp::serve(repo.base());
    check_clones(&http.url("sample.git"), &history);
    for request in [
        "\"GET /sample.git/info/refs?service=git-upload-pack HTTP/1.1\" 200",
        "\"POST /sample.git/git-upload-pack HTTP/1.1\" 200",
    ] {
        assert!(http.wait_for_log(request), "{}", http.log());
    }

    // A missing repository under a normal server: 404 from http-backend.
    let tmp = scratch();
    let url = http.url("nope.git");
    let run = git_bounded(tmp.path(), &["ls-remote", &url], &[], HANG);
    let stderr = String::from_utf8_lossy(&run.output.stderr);
    assert!(!run.output.status.success(), "{}", show(&run.output));
    assert!(
        stderr.contains(&format!("repository '{url}/' not found")),
        "{stderr}"
    );
}

#[test]
fn git_http_not_found_and_require_auth() {
    let tmp = scratch();
    let repo = TestRepo::new("tiny");
    repo.file("a.rs", "fn main() {}\n").commit("one");
    repo.bare_clone("tiny.git");

    let http = GitHttp::serve_with(repo.base(), Behaviour::NotFound);
    let url = http.url("tiny.git");
    let run = git_bounded(tmp.path(), &["ls-remote", &url], &[], HANG);
    let stderr = String::from_utf8_lossy(&run.output.stderr);
    assert!(
        !run.timed_out && !run.output.status.success(),
        "{}",
        show(&run.output)
    );
    assert!(
        stderr.contains(&format!("fatal: repository '{url}/' not found")),
        "{stderr}"
    );
    assert!(http.wait_for_log("\" 404 "), "{}", http.log());

    let http = GitHttp::serve_with(repo.base(), Behaviour::RequireAuth);
    let url = http.url("tiny.git");
    let run = git_bounded(tmp.path(), &["ls-remote", &url], &[], HANG);
    let stderr = String::from_utf8_lossy(&run.output.stderr);
    assert!(
        !run.timed_out && !run.output.status.success(),
        "{}",
        show(&run.output)
    );
    assert!(
        stderr.contains(&format!(
            "could not read Username for 'http://127.0.0.1:{}': terminal prompts disabled",
            http.port()
        )),
        "{stderr}"
    );
    assert!(http.wait_for_log("\" 401 "), "{}", http.log());
}

#[test]
fn black_hole_makes_http_time_out_and_holds_connections_open_and_silent() {
    let tmp = scratch();
    let hole = BlackHole::listen();

    // HTTP: curl's low-speed limit turns the silence into an error (the
    // message says which limit, no clock needed).
    let run = git_bounded(
        tmp.path(),
        &["ls-remote", &hole.url_http()],
        &[
            ("GIT_HTTP_LOW_SPEED_LIMIT", "1"),
            ("GIT_HTTP_LOW_SPEED_TIME", "1"),
        ],
        HANG,
    );
    let stderr = String::from_utf8_lossy(&run.output.stderr);
    assert!(!run.timed_out, "git hung: {}", show(&run.output));
    assert!(!run.output.status.success());
    assert!(stderr.contains("Operation too slow"), "{stderr}");
    assert!(hole.connections() >= 1);

    // Any client: once accepted, the connection stays open and nothing
    // comes (what git's git:// client, which has no timeout, waits on).
    let before = hole.connections();
    let client =
        std::net::TcpStream::connect(("127.0.0.1", hole.port())).expect("connect to the hole");
    let deadline = Instant::now() + HANG;
    while hole.connections() == before {
        assert!(Instant::now() < deadline, "the connection never accepted");
        std::thread::sleep(Duration::from_millis(10));
    }
    client.set_nonblocking(true).expect("nonblocking");
    let mut byte = [0u8; 1];
    match (&client).read(&mut byte) {
        Err(err) if err.kind() == std::io::ErrorKind::WouldBlock => {}
        Ok(0) => panic!("the hole closed an accepted connection"),
        other => panic!("the hole answered: {other:?}"),
    }
}

#[test]
fn closed_port_refuses_connections() {
    let tmp = scratch();
    assert_eq!(closed_port(), closed_port(), "one port for the run");
    let limit = HANG;
    let run = git_bounded(tmp.path(), &["ls-remote", &closed_port_url()], &[], limit);
    let stderr = String::from_utf8_lossy(&run.output.stderr);
    assert!(
        !run.timed_out && !run.output.status.success(),
        "{}",
        show(&run.output)
    );
    assert!(
        stderr.contains("Couldn't connect to server") || stderr.contains("Connection refused"),
        "{stderr}"
    );

    let url = format!("git://127.0.0.1:{}/repo", closed_port());
    let run = git_bounded(tmp.path(), &["ls-remote", &url], &[], limit);
    let stderr = String::from_utf8_lossy(&run.output.stderr);
    assert!(
        !run.timed_out && !run.output.status.success(),
        "{}",
        show(&run.output)
    );
    assert!(stderr.contains("Connection refused"), "{stderr}");
}

/// Clones `url` with libgit2 (bare, into `dest`), expecting failure; the
/// error.
fn libgit2_clone_error(url: &str, dest: &Path) -> git2::Error {
    match git2::build::RepoBuilder::new().bare(true).clone(url, dest) {
        Ok(_) => panic!("libgit2 cloned {url}"),
        Err(err) => err,
    }
}

#[test]
fn libgit2_clones_from_the_servers() {
    // The servers speak what repoflame's git2 speaks (protocol v0, shallow,
    // wants by sha), and the bad ones fail the way tests will expect.
    let (repo, history) = sample_history();
    repo.bare_clone("sample.git");
    let daemon = GitDaemon::serve(repo.base());
    let http = GitHttp::serve(repo.base());
    let tmp = scratch();
    for (i, url) in [daemon.url("sample.git"), http.url("sample.git")]
        .iter()
        .enumerate()
    {
        let mut fetch = git2::FetchOptions::new();
        fetch.depth(1);
        let cloned = git2::build::RepoBuilder::new()
            .bare(true)
            .fetch_options(fetch)
            .clone(url, &tmp.path().join(format!("clone-{i}")))
            .unwrap_or_else(|err| panic!("libgit2 clone {url}: {err}"));
        let head = cloned.head().expect("HEAD").target().expect("direct");
        assert_eq!(head.to_string(), history.main);
        assert!(cloned.is_shallow());
        // A commit that is no ref's tip, by sha.
        let mut fetch = git2::FetchOptions::new();
        fetch.depth(1);
        cloned
            .remote_anonymous(url)
            .expect("remote")
            .fetch(&[history.v1.as_str()], Some(&mut fetch), None)
            .unwrap_or_else(|err| panic!("libgit2 fetch {} from {url}: {err}", history.v1));
        let v1 = git2::Oid::from_str(&history.v1).expect("oid");
        assert!(cloned.find_commit(v1).is_ok());
    }

    let err = libgit2_clone_error(&daemon.url("nope.git"), &tmp.path().join("nope"));
    assert!(
        err.message().contains("no such repository: /nope.git"),
        "{err}"
    );
    let not_found = GitHttp::serve_with(repo.base(), Behaviour::NotFound);
    let err = libgit2_clone_error(&not_found.url("sample.git"), &tmp.path().join("404"));
    assert!(err.message().contains("404"), "{err}");
    let auth = GitHttp::serve_with(repo.base(), Behaviour::RequireAuth);
    let err = libgit2_clone_error(&auth.url("sample.git"), &tmp.path().join("401"));
    assert_eq!(err.code(), git2::ErrorCode::Auth, "{err}");
    let err = libgit2_clone_error(&closed_port_url(), &tmp.path().join("refused"));
    assert!(err.message().contains("Connection refused"), "{err}");
}
