//! Remotes: a URL cloned shallow (depth 1, or as deep as a window of
//! history needs) and bare into a private temporary directory that is removed on success, failure and
//! interruption, fetching only the reference asked for. Credentials in the
//! URL are offered once by the credentials callback and never shown;
//! nothing ever prompts.

use std::path::PathBuf;
use std::time::Duration;

use git2::{ErrorClass, ErrorCode, Oid, Repository};

use super::{Opened, fast_reads};
use crate::config::Window;
use crate::error::{Error, redact};
use crate::progress::Progress;

/// The path of a `file://` URL (`file:///srv/x.git`,
/// `file://localhost/a%20b`), percent-escapes decoded.
pub(super) fn file_url_path(url: &str) -> Option<PathBuf> {
    let url = url::Url::parse(url).ok()?;
    (url.scheme() == "file")
        .then(|| url.to_file_path().ok())
        .flatten()
}

/// `text` with its `%XX` escapes decoded.
fn percent_decoded(text: &str) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(text.len());
    let raw = text.as_bytes();
    let mut i = 0;
    while i < raw.len() {
        if raw[i] == b'%' && i + 2 < raw.len() {
            let hex = std::str::from_utf8(&raw[i + 1..i + 3]).unwrap_or("");
            if let Ok(b) = u8::from_str_radix(hex, 16) {
                bytes.push(b);
                i += 3;
                continue;
            }
        }
        bytes.push(raw[i]);
        i += 1;
    }
    bytes
}

/// A user name and password given in a URL (`https://user:password@…`).
#[derive(Clone, Debug, PartialEq, Eq)]
struct UrlCredentials {
    user: String,
    password: String,
}

/// The URL to give libgit2 and the credentials `url` holds. The password
/// is taken out of the URL, and over http(s) the user name too (libgit2
/// sends those on its own, and again after the server refused them), so
/// that only the credentials callback offers them, once per connection,
/// and no libgit2 message can quote them. Over ssh the user name stays:
/// it is the account logged into.
fn split_credentials(url: &str) -> (String, Option<UrlCredentials>) {
    let none = || (url.to_string(), None);
    let Some(scheme_end) = url.find("://") else {
        return none();
    };
    let start = scheme_end + 3;
    let authority_end = url[start..]
        .find(['/', '?', '#'])
        .map_or(url.len(), |i| start + i);
    let Some(at) = url[start..authority_end].rfind('@').map(|i| start + i) else {
        return none();
    };
    let Some((user, password)) = url[start..at].split_once(':') else {
        return none();
    };
    let decode = |text: &str| String::from_utf8_lossy(&percent_decoded(text)).into_owned();
    let credentials = UrlCredentials {
        user: decode(user),
        password: decode(password),
    };
    let scheme = url[..scheme_end].to_ascii_lowercase();
    let keep = if scheme == "http" || scheme == "https" {
        String::new()
    } else {
        format!("{user}@")
    };
    let url = format!("{}{keep}{}", &url[..start], &url[at + 1..]);
    (url, Some(credentials))
}

/// How much history a clone fetches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Depth {
    /// The one commit counted (depth 1).
    One,
    /// Deep enough for a window of history to read.
    Window(Window),
    /// Every branch and tag, whole (`--history`, whose revisions are
    /// named by tags and branches).
    Everything,
}

/// The depth of the first fetch for `window`: its commits and a quarter
/// more (merges take depth too; most windows are filled at once), or,
/// for a window of time alone, a guess that deepening corrects.
fn first_depth(window: Window) -> i32 {
    match window.commits {
        Some(n) => i32::try_from(n.saturating_add(n / 4).saturating_add(2)).unwrap_or(0),
        None => 256,
    }
}

/// Clones `url` shallow and bare into a private temporary directory,
/// fetching only what `rev` (or the remote's HEAD) names: at depth 1, or
/// deep enough for `window`, a window of history to read.
pub(super) fn clone(
    url: &str,
    rev: Option<&str>,
    timeout: Duration,
    depth: Depth,
    progress: &Progress,
) -> Result<Opened, Error> {
    // Every message shows the URL without its password; libgit2 gets it
    // without the credentials, which only the callback offers.
    let fail = |reason: String| Error::Clone {
        url: redact(url).into_owned(),
        reason: redact(&reason).into_owned(),
    };
    let (url, credentials) = split_credentials(url);
    let url = url.as_str();
    if let Some(rev) = rev {
        if rev.starts_with('-') {
            return Err(Error::Revision {
                rev: rev.to_string(),
                reason: "a revision cannot start with '-'".into(),
            });
        }
    }
    set_timeouts(timeout);
    fast_reads();
    let dir = crate::interrupt::TempDir::new("repoflame-clone-")
        .map_err(|err| fail(format!("cannot create a temporary directory: {err}")))?;
    let repo = Repository::init_bare(dir.path())
        .map_err(|err| fail(format!("cannot create a repository: {}", err.message())))?;
    let (target, advertised) = {
        let mut remote = repo
            .remote_anonymous(url)
            .map_err(|err| fail(clone_reason(&err, timeout)))?;
        let connection = remote
            .connect_auth(
                git2::Direction::Fetch,
                Some(callbacks(progress, credentials.as_ref())),
                None,
            )
            .map_err(|err| fail(clone_reason(&err, timeout)))?;
        let heads = connection
            .list()
            .map_err(|err| fail(clone_reason(&err, timeout)))?;
        let advertised: Vec<(String, Oid)> = heads
            .iter()
            .map(|h| (h.name().to_string(), h.oid()))
            .collect();
        let default = connection
            .default_branch()
            .ok()
            .and_then(|b| b.as_str().ok().map(str::to_string));
        drop(connection);
        let target = pick_ref(rev, &advertised, default.as_deref()).map_err(fail)?;
        (target, advertised)
    };
    // `git clone --branch` takes the branch when a tag has its name too.
    let mut notes = Vec::new();
    if let Some(rev) = rev {
        let tag = format!("refs/tags/{rev}");
        if target == format!("refs/heads/{rev}") && advertised.iter().any(|(n, _)| *n == tag) {
            notes.push(format!(
                "refname {rev:?} is ambiguous: counted the branch {target}, as git clone \
                 --branch does; for the tag, give {tag}"
            ));
        }
    }

    let mut remote = repo
        .remote_anonymous(url)
        .map_err(|err| fail(clone_reason(&err, timeout)))?;
    let everything = depth == Depth::Everything;
    let mut refspecs = vec![format!("+{}:refs/repoflame/target", target)];
    if everything {
        refspecs.push("+refs/heads/*:refs/heads/*".into());
        refspecs.push("+refs/tags/*:refs/tags/*".into());
    }
    let refspecs: Vec<&str> = refspecs.iter().map(String::as_str).collect();
    let window = match depth {
        Depth::Window(window) => Some(window),
        Depth::One | Depth::Everything => None,
    };
    // Depth 1 to count; for a window of history, deep enough for it:
    // deepened until the window ends before the clone's boundary, or the
    // whole history is there, or a deeper fetch brings nothing more (then
    // the window is cut by the clone, and says so).
    let mut depth = match depth {
        Depth::One => 1,
        Depth::Window(window) => first_depth(window),
        // Whole.
        Depth::Everything => 0,
    };
    let mut boundary = std::collections::HashSet::new();
    loop {
        let mut fetch = git2::FetchOptions::new();
        fetch
            .depth(depth)
            .download_tags(git2::AutotagOption::None)
            .remote_callbacks(callbacks(progress, credentials.as_ref()));
        progress.start();
        let fetched = remote.fetch(&refspecs, Some(&mut fetch), None);
        progress.finish();
        fetched.map_err(|err| {
            if target.len() == 40 && target.bytes().all(|b| b.is_ascii_hexdigit()) {
                fail(format!(
                    "the server does not give out commit {target} by its id: \
                     give a branch or a tag, or clone the repository and use --rev"
                ))
            } else {
                fail(clone_reason(&err, timeout))
            }
        })?;
        let Some(window) = window else { break };
        let now = super::history::shallow_boundary(&repo);
        if now.is_empty() || now == boundary || depth == 0 {
            break;
        }
        boundary = now;
        let tip = repo
            .revparse_single("refs/repoflame/target")
            .and_then(|object| object.peel_to_commit());
        // (A target that is no commit is refused when it is resolved.)
        let Ok(tip) = tip else { break };
        let stop = super::history::walk_window(&repo, tip.id(), window, |_| Ok(()))
            .map_err(|err| fail(format!("reading its history: {}", err.message())))?;
        if stop != super::history::Stop::Boundary {
            break;
        }
        // Twice as deep, or everything (0) past what a depth can say.
        depth = depth
            .checked_mul(2)
            .filter(|d| *d < i32::MAX / 2)
            .unwrap_or(0);
    }
    drop(remote);
    // With every branch and tag fetched, names resolve as in the remote
    // repository, and HEAD is its default branch.
    if everything {
        let head = match target.starts_with("refs/heads/") {
            true => repo.set_head(&target),
            false => repo
                .refname_to_id("refs/repoflame/target")
                .and_then(|id| repo.set_head_detached(id)),
        };
        head.map_err(|err| fail(format!("cannot set its HEAD: {}", err.message())))?;
    }
    let name = url_name(url);
    Ok(Opened {
        place: redact(url).into_owned(),
        repo,
        open_path: dir.path().to_path_buf(),
        name,
        prefix: PathBuf::new(),
        default_rev: match everything {
            true => "HEAD".to_string(),
            false => "refs/repoflame/target".to_string(),
        },
        _clone: Some(dir),
        notes,
    })
}

/// The reference (or commit id) to fetch for `rev` among what the remote
/// advertises.
fn pick_ref(
    rev: Option<&str>,
    advertised: &[(String, Oid)],
    default_branch: Option<&str>,
) -> Result<String, String> {
    let has = |name: &str| advertised.iter().any(|(n, _)| n == name);
    let Some(rev) = rev.filter(|r| *r != "HEAD") else {
        if let Some(branch) = default_branch.filter(|b| has(b)) {
            return Ok(branch.to_string());
        }
        if has("HEAD") {
            return Ok("HEAD".to_string());
        }
        return Err("the remote has no HEAD (an empty repository?): give --rev".into());
    };
    for candidate in [
        rev.to_string(),
        format!("refs/heads/{rev}"),
        format!("refs/tags/{rev}"),
    ] {
        if candidate.starts_with("refs/") && has(&candidate) {
            return Ok(candidate);
        }
    }
    let is_hex = rev.len() >= 4 && rev.bytes().all(|b| b.is_ascii_hexdigit());
    if is_hex {
        let rev_lower = rev.to_ascii_lowercase();
        // A peeled tag (`refs/tags/v2^{}`) is fetched by its tag's name.
        let mut matches: Vec<String> = advertised
            .iter()
            .filter(|(_, oid)| oid.to_string().starts_with(&rev_lower))
            .map(|(name, _)| name.strip_suffix("^{}").unwrap_or(name).to_string())
            .collect();
        matches.sort();
        if let Some(name) = matches.first() {
            return Ok(name.clone());
        }
        if rev.len() == 40 {
            return Ok(rev_lower);
        }
        return Err(format!(
            "{rev}: no branch or tag of the remote points there; give the full 40-digit sha, \
             a branch or a tag"
        ));
    }
    Err(format!(
        "{rev}: the remote has no such branch or tag (a remote is fetched by branch, tag or \
         full sha; for other revisions, clone it and give the path with --rev)"
    ))
}

/// The last component of a URL, without `.git`: `https://host/o/repo.git`
/// is `repo`.
fn url_name(url: &str) -> Vec<u8> {
    let trimmed = url.trim_end_matches('/');
    let last = trimmed
        .rsplit(['/', ':'])
        .next()
        .filter(|s| !s.is_empty())
        .unwrap_or("repository");
    last.strip_suffix(".git")
        .filter(|s| !s.is_empty())
        .unwrap_or(last)
        .as_bytes()
        .to_vec()
}

/// libgit2's network timeouts, process-wide.
fn set_timeouts(timeout: Duration) {
    let ms = i32::try_from(timeout.as_millis())
        .unwrap_or(i32::MAX)
        .max(1);
    // SAFETY: these only set two integers in libgit2's global options,
    // before any network operation of this process.
    unsafe {
        let _ = git2::opts::set_server_connect_timeout_in_milliseconds(ms);
        let _ = git2::opts::set_server_timeout_in_milliseconds(ms);
    }
}

/// What a clone says when the server refused the credentials of the URL.
const REFUSED: &str = "the server refused the user name and password in the URL";

/// Callbacks of a fetch: progress, and credentials that are never
/// prompted for (the run fails instead of waiting for a password): those
/// of the URL, offered once, or an ssh agent's key.
fn callbacks<'a>(
    progress: &'a Progress,
    in_url: Option<&'a UrlCredentials>,
) -> git2::RemoteCallbacks<'a> {
    let mut callbacks = git2::RemoteCallbacks::new();
    let mut tried_agent = false;
    let mut offered = false;
    callbacks.credentials(move |_url, username, allowed| {
        if let Some(given) = in_url {
            if allowed.contains(git2::CredentialType::USER_PASS_PLAINTEXT) {
                if offered {
                    // Asked again: the server did not take them.
                    return Err(git2::Error::new(ErrorCode::Auth, ErrorClass::Net, REFUSED));
                }
                offered = true;
                return git2::Cred::userpass_plaintext(&given.user, &given.password);
            }
        }
        if allowed.contains(git2::CredentialType::SSH_KEY) && !tried_agent {
            tried_agent = true;
            if let Some(user) = username {
                return git2::Cred::ssh_key_from_agent(user);
            }
        }
        Err(git2::Error::new(
            ErrorCode::Auth,
            ErrorClass::Net,
            "the server asks for credentials; repoflame never prompts: \
             use a URL that needs none, an ssh agent, or clone it yourself and give the path",
        ))
    });
    callbacks.transfer_progress(move |stats| {
        progress.receiving(
            stats.received_objects() as u64,
            stats.total_objects() as u64,
            stats.received_bytes() as u64,
        );
        !crate::interrupt::interrupted()
    });
    callbacks
}

/// A clone failure in words.
fn clone_reason(err: &git2::Error, timeout: Duration) -> String {
    let message = err.message();
    let lower = message.to_ascii_lowercase();
    if message.contains(REFUSED) {
        return REFUSED.to_string();
    }
    if err.code() == ErrorCode::Auth || lower.contains("401") || lower.contains("authentication") {
        return "the server asks for credentials; repoflame never prompts: use a URL that needs \
                none, an ssh agent, or clone it yourself and give the path"
            .into();
    }
    if lower.contains("404") || lower.contains("not found") || lower.contains("does not appear") {
        return format!("not found: {message}");
    }
    if err.code() == ErrorCode::Timeout
        || lower.contains("timed out")
        || lower.contains("timeout")
        || lower.contains("resource temporarily unavailable")
    {
        return format!(
            "no answer within {} s (--timeout): {message}",
            timeout.as_secs()
        );
    }
    if lower.contains("refused") {
        return format!("connection refused: {message}");
    }
    message.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_urls_are_paths() {
        assert_eq!(
            file_url_path("file:///srv/x.git"),
            Some(PathBuf::from("/srv/x.git"))
        );
        assert_eq!(
            file_url_path("FILE://localhost/a%20b"),
            Some(PathBuf::from("/a b"))
        );
        assert_eq!(file_url_path("file://host/x"), None);
        assert_eq!(file_url_path("https://x/y"), None);
    }

    #[test]
    fn credentials_are_taken_out_of_urls() {
        let given = |user: &str, password: &str| {
            Some(UrlCredentials {
                user: user.into(),
                password: password.into(),
            })
        };
        assert_eq!(
            split_credentials("https://x-access-token:s3cret%40T@host/o/r.git"),
            (
                "https://host/o/r.git".into(),
                given("x-access-token", "s3cret@T")
            )
        );
        assert_eq!(
            split_credentials("HTTP://u:p@h:8080"),
            ("HTTP://h:8080".into(), given("u", "p"))
        );
        assert_eq!(
            split_credentials("ssh://git:pw@host/x.git"),
            ("ssh://git@host/x.git".into(), given("git", "pw"))
        );
        for plain in [
            "https://someone@host/x",
            "https://host/x@y:z",
            "git@host:o/r.git",
            "file:///srv/x.git",
        ] {
            assert_eq!(split_credentials(plain), (plain.to_string(), None));
        }
    }

    #[test]
    fn url_names() {
        assert_eq!(url_name("https://github.com/o/repo.git"), b"repo");
        assert_eq!(url_name("https://github.com/o/repo/"), b"repo");
        assert_eq!(url_name("git@github.com:o/repo.git"), b"repo");
        assert_eq!(url_name("git@host:repo"), b"repo");
        assert_eq!(url_name("file:///srv/git/x.git"), b"x");
    }

    #[test]
    fn refs_are_picked_like_git() {
        let oid = |s: &str| Oid::from_str(s).unwrap();
        let a = "1111111111111111111111111111111111111111";
        let b = "2222222222222222222222222222222222222222";
        let c = "4444444444444444444444444444444444444444";
        let ads = vec![
            ("HEAD".to_string(), oid(a)),
            ("refs/heads/main".to_string(), oid(a)),
            ("refs/tags/v1".to_string(), oid(b)),
            (
                "refs/tags/v2".to_string(),
                oid("5555555555555555555555555555555555555555"),
            ),
            ("refs/tags/v2^{}".to_string(), oid(c)),
        ];
        assert_eq!(pick_ref(Some(c), &ads, None).unwrap(), "refs/tags/v2");
        assert_eq!(
            pick_ref(None, &ads, Some("refs/heads/main")).unwrap(),
            "refs/heads/main"
        );
        assert_eq!(
            pick_ref(Some("main"), &ads, None).unwrap(),
            "refs/heads/main"
        );
        assert_eq!(pick_ref(Some("v1"), &ads, None).unwrap(), "refs/tags/v1");
        assert_eq!(pick_ref(Some("2222"), &ads, None).unwrap(), "refs/tags/v1");
        let full = "3333333333333333333333333333333333333333";
        assert_eq!(pick_ref(Some(full), &ads, None).unwrap(), full);
        assert!(pick_ref(Some("3333"), &ads, None).is_err());
        assert!(pick_ref(Some("nope"), &ads, None).is_err());
    }
}
