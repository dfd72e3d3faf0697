//! Temporary trees for the binary to walk: [`TestDir`] (a root of a fixed
//! name, so output never shows the temporary path), permissions
//! ([`chmod`], [`open_to_all`] for runs as another user, the process's
//! [`current_umask`]), copies in another directory order ([`copy_tree`]),
//! and what a run may leave behind in a directory ([`temp_leftovers`]).

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use super::run::{Run, repoflame};

/// A temporary directory tree whose root has a fixed name, so the root
/// frame of the output does not depend on the temporary path.
pub struct TestDir {
    _tmp: tempfile::TempDir,
    root: PathBuf,
}

impl TestDir {
    /// An empty tree named `name`.
    pub fn new(name: &str) -> TestDir {
        Self::with_raw_name(name.as_bytes())
    }

    /// An empty tree whose root directory has the raw name `name`.
    pub fn with_raw_name(name: &[u8]) -> TestDir {
        let tmp = tempfile::Builder::new()
            .prefix("repoflame-test-")
            .tempdir()
            .expect("temp dir");
        let root = tmp.path().join(OsStr::from_bytes(name));
        std::fs::create_dir_all(&root).expect("create root");
        TestDir { _tmp: tmp, root }
    }

    /// The root of the tree.
    pub fn path(&self) -> &Path {
        &self.root
    }

    /// The directory that holds the root (for writing outputs beside it).
    pub fn parent(&self) -> &Path {
        self.root.parent().expect("root has a parent")
    }

    /// Writes a file at `rel` (raw bytes allowed), creating directories.
    pub fn file(&self, rel: impl AsRef<[u8]>, content: impl AsRef<[u8]>) -> &Self {
        let path = self.root.join(OsStr::from_bytes(rel.as_ref()));
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("create parent");
        }
        std::fs::write(&path, content).expect("write file");
        self
    }

    /// Creates a directory at `rel`.
    pub fn dir(&self, rel: impl AsRef<[u8]>) -> &Self {
        std::fs::create_dir_all(self.root.join(OsStr::from_bytes(rel.as_ref())))
            .expect("create dir");
        self
    }

    /// The absolute path of `rel` (raw bytes allowed).
    pub fn join(&self, rel: impl AsRef<[u8]>) -> PathBuf {
        self.root.join(OsStr::from_bytes(rel.as_ref()))
    }

    /// `repoflame` with its working directory at the root.
    pub fn cmd(&self) -> Command {
        let mut cmd = repoflame();
        cmd.current_dir(&self.root);
        cmd
    }

    /// Runs `repoflame ARGS` in the root and returns its output.
    pub fn run(&self, args: &[&str]) -> Output {
        self.cmd().args(args).complete()
    }
}

/// Opens the temporary directory holding `dir` to other users (tempfile
/// makes it 0700), for runs as an unprivileged user.
pub fn open_to_all(dir: &TestDir) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(dir.parent(), std::fs::Permissions::from_mode(0o755))
        .expect("chmod temp dir");
}

/// Sets the permission bits of `path`.
pub fn chmod(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

/// Names in `dir` of leftover temporary output files (`.repoflame-*.tmp`).
pub fn temp_leftovers(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .expect("read dir")
        .map(|e| {
            e.expect("dir entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .filter(|name| name.starts_with(".repoflame-"))
        .collect()
}

/// The umask of this process, read without changing it.
pub fn current_umask() -> u32 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    let line = status
        .lines()
        .find_map(|l| l.strip_prefix("Umask:"))
        .expect("a Umask line");
    u32::from_str_radix(line.trim(), 8).expect("an octal umask")
}

/// Copies the tree at `from` into `to` (created), files and directories
/// only, visiting entries in reverse order so the copy's directory order
/// differs from the original's.
pub fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create copy root");
    let mut entries: Vec<_> = std::fs::read_dir(from)
        .expect("read dir")
        .map(|e| e.expect("dir entry"))
        .collect();
    entries.sort_by_key(|e| std::cmp::Reverse(e.file_name()));
    for entry in entries {
        let target = to.join(entry.file_name());
        let kind = entry.file_type().expect("file type");
        if kind.is_dir() {
            copy_tree(&entry.path(), &target);
        } else if kind.is_file() {
            std::fs::copy(entry.path(), &target).expect("copy file");
        }
    }
}

/// Code lines of the user's own files in [`vendored_go_module`].
pub const GO_MODULE_OWN_CODE: u64 = 2030;
/// Code lines of its generated file (`internal/api/api.pb.go`).
pub const GO_MODULE_GENERATED_CODE: u64 = 640;
/// Code lines of its `vendor/`.
pub const GO_MODULE_VENDORED_CODE: u64 = 8032;

/// A small Go module whose `vendor/` is four times its own code, as in the
/// Go monorepos users point repoflame at: `main.go`, `cmd/`, `internal/`
/// and `pkg/` ([`GO_MODULE_OWN_CODE`] code lines), a generated
/// `internal/api/api.pb.go` ([`GO_MODULE_GENERATED_CODE`]), a `README.md`
/// and `docs/` (documentation), and `vendor/` ([`GO_MODULE_VENDORED_CODE`]):
/// a few large packages under `github.com/` and `google.golang.org/`, and
/// under `golang.org/x/sys/unix/`, a chain of only children, 40 small
/// files. Every Go file has one comment line and one blank line besides
/// its code.
pub fn vendored_go_module() -> TestDir {
    /// A Go file of package `package` with exactly `code` code lines.
    fn go(package: &str, code: usize) -> String {
        let mut text =
            format!("// Package {package} is made up for a test.\n\npackage {package}\n");
        for i in 1..code {
            text.push_str(&format!("var v{i} = {i}\n"));
        }
        text
    }
    let dir = TestDir::new("gomod");
    dir.file("go.mod", "module example.com/gomod\n\ngo 1.22\n")
        .file("main.go", go("main", 120))
        .file("cmd/repoctl/main.go", go("main", 90))
        .file("internal/server/server.go", go("server", 420))
        .file("internal/server/handler.go", go("server", 310))
        .file("internal/server/middleware.go", go("server", 150))
        .file("internal/store/store.go", go("store", 380))
        .file("internal/store/cache.go", go("store", 160))
        .file("internal/config/config.go", go("config", 140))
        .file("pkg/client/client.go", go("client", 260))
        .file("internal/api/api.pb.go", go("api", 640))
        .file(
            "README.md",
            "# gomod\n\nA service made up for tests.\n\n```sh\ngo run .\n```\n",
        )
        .file(
            "docs/architecture.md",
            "# Architecture\n\nThe server keeps a store.\n\nIt has a cache.\n",
        );
    let vendored: &[(&str, usize)] = &[
        ("github.com/spf13/cobra/command.go", 1200),
        ("github.com/spf13/cobra/args.go", 300),
        ("github.com/spf13/cobra/completions.go", 900),
        ("github.com/sirupsen/logrus/logger.go", 400),
        ("github.com/sirupsen/logrus/entry.go", 420),
        ("github.com/sirupsen/logrus/text_formatter.go", 330),
        ("google.golang.org/protobuf/proto/encode.go", 700),
        ("google.golang.org/protobuf/proto/decode.go", 650),
        ("google.golang.org/protobuf/internal/impl/message.go", 900),
        ("google.golang.org/protobuf/internal/impl/codec.go", 560),
    ];
    for (path, code) in vendored {
        let package = path.rsplit('/').nth(1).expect("a package directory");
        dir.file(format!("vendor/{path}"), go(package, *code));
    }
    for i in 0..40 {
        dir.file(
            format!("vendor/golang.org/x/sys/unix/zsyscall_{i:02}.go"),
            go("unix", 25 + (i * 7) % 36),
        );
    }
    dir
}
