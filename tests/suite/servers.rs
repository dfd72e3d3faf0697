//! One smoke test per server, of what the tests use it for: libgit2 (what
//! repoflame clones with) fetching from the git servers, and the failures
//! each must produce; the black hole, the closed port and the proxy doing
//! to a plain TCP client what they are said to do.

use std::io::{BufRead, BufReader, ErrorKind, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::time::{Duration, Instant};

use crate::support::processes::HANG;
use crate::support::repo::TestRepo;
use crate::support::servers::{Behaviour, GitDaemon, GitHttp};
use crate::support::tcp::{BlackHole, TcpProxy, closed_port, closed_port_url};

/// A repository `tiny` of two commits, with a bare copy `tiny.git` beside
/// it: what the servers serve. Returns it with the shas of `HEAD` and of
/// `HEAD~1`, which no ref names.
fn two_commits() -> (TestRepo, String, String) {
    let repo = TestRepo::new("tiny");
    let older = repo.file("a.rs", "fn a() {}\n").commit("one");
    let head = repo.file("b.rs", "fn b() {}\n").commit("two");
    repo.bare_clone("tiny.git");
    (repo, head, older)
}

/// libgit2's fetch options as repoflame sets them: depth `depth`, and the
/// credentials `auth` (user, password) offered once, never prompted for.
fn fetch_options<'a>(depth: i32, auth: Option<(&'a str, &'a str)>) -> git2::FetchOptions<'a> {
    let mut callbacks = git2::RemoteCallbacks::new();
    let mut offered = false;
    callbacks.credentials(move |_, _, _| match auth {
        Some((user, password)) if !offered => {
            offered = true;
            git2::Cred::userpass_plaintext(user, password)
        }
        _ => Err(git2::Error::new(
            git2::ErrorCode::Auth,
            git2::ErrorClass::Net,
            "no (other) credentials",
        )),
    });
    let mut fetch = git2::FetchOptions::new();
    fetch.depth(depth).remote_callbacks(callbacks);
    fetch
}

/// What repoflame asks of a server, asked with libgit2 (as repoflame does:
/// protocol v0): a bare clone of depth 1 of `url` into `dest`, then a
/// commit no ref names, `older`, fetched by sha
/// (`uploadpack.allowReachableSHA1InWant`).
fn assert_libgit2_fetches(
    url: &str,
    dest: &Path,
    head: &str,
    older: &str,
    auth: Option<(&str, &str)>,
) {
    let cloned = git2::build::RepoBuilder::new()
        .bare(true)
        .fetch_options(fetch_options(1, auth))
        .clone(url, dest)
        .unwrap_or_else(|err| panic!("libgit2 clone {url}: {err}"));
    let cloned_head = cloned.head().expect("HEAD").target().expect("direct");
    assert_eq!(cloned_head.to_string(), head, "{url}");
    assert!(cloned.is_shallow(), "{url}");
    cloned
        .remote_anonymous(url)
        .expect("remote")
        .fetch(&[older], Some(&mut fetch_options(1, auth)), None)
        .unwrap_or_else(|err| panic!("libgit2 fetch {older} from {url}: {err}"));
    let older = git2::Oid::from_str(older).expect("oid");
    assert!(
        cloned.find_commit(older).is_ok(),
        "{url}: {older} not fetched"
    );
}

/// The error of a libgit2 clone of `url` into `dest`, which must fail.
fn libgit2_clone_error(url: &str, dest: &Path, auth: Option<(&str, &str)>) -> git2::Error {
    let clone = git2::build::RepoBuilder::new()
        .bare(true)
        .fetch_options(fetch_options(0, auth))
        .clone(url, dest);
    match clone {
        Ok(_) => panic!("libgit2 cloned {url}"),
        Err(err) => err,
    }
}

#[test]
fn the_git_daemon_serves_libgit2_and_names_a_missing_repository() {
    let (repo, head, older) = two_commits();
    let tmp = tempfile::tempdir().expect("temp dir");
    let daemon = GitDaemon::serve(repo.base());
    // Bare and non-bare repositories (`BASE/tiny/.git`) alike.
    for name in ["tiny.git", "tiny"] {
        assert_libgit2_fetches(
            &daemon.url(name),
            &tmp.path().join(name),
            &head,
            &older,
            None,
        );
        let request = format!("Request upload-pack for '/{name}'");
        assert!(daemon.wait_for_log(&request), "{}", daemon.log());
    }
    let err = libgit2_clone_error(&daemon.url("nope.git"), &tmp.path().join("nope"), None);
    assert!(
        err.message().contains("no such repository: /nope.git"),
        "{err}"
    );
    // Daemons run side by side, each on a port of its own.
    let other = GitDaemon::serve(repo.base());
    assert_ne!(other.port(), daemon.port());
    assert_libgit2_fetches(
        &other.url("tiny.git"),
        &tmp.path().join("other"),
        &head,
        &older,
        None,
    );
}

#[test]
fn the_http_server_serves_libgit2_and_answers_as_its_behaviour_says() {
    let (repo, head, older) = two_commits();
    let tmp = tempfile::tempdir().expect("temp dir");
    let dest = |name: &str| tmp.path().join(name);

    // Normal: smart HTTP, each request logged with its status; 404 for a
    // repository it does not have.
    let http = GitHttp::serve(repo.base());
    assert_libgit2_fetches(&http.url("tiny.git"), &dest("normal"), &head, &older, None);
    for request in [
        "\"GET /tiny.git/info/refs?service=git-upload-pack HTTP/1.1\" 200",
        "\"POST /tiny.git/git-upload-pack HTTP/1.1\" 200",
    ] {
        assert!(http.wait_for_log(request), "{}", http.log());
    }
    let err = libgit2_clone_error(&http.url("nope.git"), &dest("nope"), None);
    assert!(err.message().contains("404"), "{err}");

    // NotFound: 404 whatever is asked.
    let not_found = GitHttp::serve_with(repo.base(), Behaviour::NotFound);
    let err = libgit2_clone_error(&not_found.url("tiny.git"), &dest("404"), None);
    assert!(err.message().contains("404"), "{err}");
    assert!(not_found.wait_for_log("\" 404 "), "{}", not_found.log());

    // RequireAuth: 401, and no credentials are good enough.
    let auth = GitHttp::serve_with(repo.base(), Behaviour::RequireAuth);
    for (i, credentials) in [None, Some(("user", "secret"))].into_iter().enumerate() {
        let err = libgit2_clone_error(
            &auth.url("tiny.git"),
            &dest(&format!("401-{i}")),
            credentials,
        );
        assert_eq!(err.code(), git2::ErrorCode::Auth, "{err}");
    }
    assert!(auth.wait_for_log("\" 401 "), "{}", auth.log());

    // BasicAuth: served with exactly these credentials, refused without
    // them, each request logged as such.
    let basic = GitHttp::serve_with(repo.base(), Behaviour::BasicAuth("user:secret"));
    let url = basic.url("tiny.git");
    assert_libgit2_fetches(
        &url,
        &dest("accepted"),
        &head,
        &older,
        Some(("user", "secret")),
    );
    assert!(basic.wait_for_log("auth: accepted"), "{}", basic.log());
    let err = libgit2_clone_error(&url, &dest("refused"), Some(("user", "wrong")));
    assert_eq!(err.code(), git2::ErrorCode::Auth, "{err}");
    // Once the mark is logged, so is every request before it.
    basic.mark_log("/mark");
    let log = basic.log();
    assert!(
        log.contains("auth: refused") && log.contains("auth: none"),
        "{log}"
    );
    assert!(
        !log.contains("secret") && !log.contains("wrong"),
        "credentials logged:\n{log}"
    );
}

#[test]
fn the_black_hole_accepts_and_neither_answers_nor_closes() {
    let hole = BlackHole::listen();
    let at = format!("127.0.0.1:{}/repo", hole.port());
    for url in [
        hole.url_git(),
        hole.url_http(),
        hole.url_https(),
        hole.url_ssh(),
    ] {
        assert!(url.contains(&at), "{url}");
    }
    let mut clients = Vec::new();
    for n in 1..=2 {
        clients.push(TcpStream::connect(("127.0.0.1", hole.port())).expect("connect to the hole"));
        let deadline = Instant::now() + HANG;
        while hole.connections() < n {
            assert!(Instant::now() < deadline, "connection {n} never accepted");
            std::thread::sleep(Duration::from_millis(10));
        }
    }
    for mut client in clients {
        client
            .write_all(b"hello?\n")
            .expect("the connection is open");
        client.set_nonblocking(true).expect("nonblocking");
        match client.read(&mut [0u8; 1]) {
            Err(err) if err.kind() == ErrorKind::WouldBlock => {}
            Ok(0) => panic!("the hole closed an accepted connection"),
            other => panic!("the hole answered: {other:?}"),
        }
    }
}

#[test]
fn the_closed_port_refuses_connections_for_the_whole_run() {
    let port = closed_port();
    assert_eq!(closed_port(), port, "one port for the run");
    assert_eq!(closed_port_url(), format!("http://127.0.0.1:{port}/repo"));
    let err = TcpStream::connect(("127.0.0.1", port)).expect_err("connected to the closed port");
    assert_eq!(err.kind(), ErrorKind::ConnectionRefused, "{err}");
}

/// A server on 127.0.0.1 that answers the line `send` with `answer`, then
/// closes the connection; it serves until the test process ends.
fn answering_server(answer: Vec<u8>) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    let port = listener.local_addr().expect("local addr").port();
    std::thread::spawn(move || {
        for mut socket in listener.incoming().map_while(Result::ok) {
            let mut line = String::new();
            if BufReader::new(&socket).read_line(&mut line).is_ok() && line == "send\n" {
                let _ = socket.write_all(&answer);
            }
        }
    });
    port
}

#[test]
fn the_proxy_passes_both_ways_counts_what_comes_down_and_holds_it_back() {
    let answer: Vec<u8> = (0..64 * 1024u32).map(|i| (i % 251) as u8).collect();
    let server = answering_server(answer.clone());

    // The request goes up, the whole answer comes down, counted.
    let proxy = TcpProxy::start(server, None);
    let mut client = TcpStream::connect(("127.0.0.1", proxy.port())).expect("connect");
    client.write_all(b"send\n").expect("request");
    let mut got = Vec::new();
    client.read_to_end(&mut got).expect("the answer");
    assert!(
        got == answer,
        "{} bytes came down, not the answer",
        got.len()
    );
    assert_eq!((proxy.bytes_down(), proxy.connections()), (answer.len(), 1));

    // Throttled to pieces of at most 1 KiB with an hour after each: one
    // piece comes down, then nothing.
    let slow = TcpProxy::start(server, Some((1024, Duration::from_secs(3600))));
    let mut client = TcpStream::connect(("127.0.0.1", slow.port())).expect("connect");
    client.write_all(b"send\n").expect("request");
    let deadline = Instant::now() + HANG;
    while slow.bytes_down() == 0 {
        assert!(Instant::now() < deadline, "nothing came down");
        std::thread::sleep(Duration::from_millis(10));
    }
    let piece = slow.bytes_down();
    assert!(piece <= 1024, "a piece of {piece} bytes");
    let mut got = vec![0; piece];
    client.read_exact(&mut got).expect("the first piece");
    assert!(got == answer[..piece], "not the start of the answer");
    client.set_nonblocking(true).expect("nonblocking");
    let more = client.read(&mut [0u8; 1]);
    assert!(
        matches!(&more, Err(err) if err.kind() == ErrorKind::WouldBlock),
        "{more:?}"
    );

    // Dropped, it cuts the connection.
    drop(slow);
    client.set_nonblocking(false).expect("blocking");
    client.set_read_timeout(Some(HANG)).expect("read timeout");
    match client.read(&mut [0u8; 1]) {
        Ok(0) => {}
        Err(err) if err.kind() == ErrorKind::ConnectionReset => {}
        other => panic!("the connection outlived the proxy: {other:?}"),
    }
}
