//! Path rules: vendored and documentation.

use super::*;

// ---------------------------------------------------------------------------
// Path rules: vendored and documentation.

#[cfg(test)]
/// From the path alone: vendored paths (the common part of linguist's
/// `vendor.yml`) and documentation (its `documentation.yml`).
///
/// Vendored: a directory named `vendor`, `vendors`, `Vendor`,
/// `node_modules`, `bower_components`, `third_party` (also `third-party`,
/// `thirdparty`, `3rdparty`, `3rd_party`, `3rd-party`), `extern`,
/// `external`, `dist`, `Godeps`, `Pods` at any depth, `Carthage` or `deps` at
/// the root, `gradle/wrapper/`; the files `gradlew`, `gradlew.bat` and
/// autoconf's `configure`, `config.guess`, `config.sub`, `aclocal.m4` and
/// libtool's `*.m4`.
///
/// Documentation: `docs/`, `doc/` or `Documentation/` at the root; a
/// `README`, `CONTRIBUTING`, `COPYING`, `LICENSE`, `LICENCE` or `CHANGELOG`
/// at any depth, in capitals followed by nothing, `.`, `-` or `_`
/// (`README.md`, `LICENSE-MIT`), or in any case with a text extension
/// (`readme.md`, `License.txt`).
///
/// Vendored wins over documentation (`vendor/x/README.md` is vendored).
pub(crate) fn by_path(path: &Path) -> Option<Classification> {
    let path = path_bytes(path);
    vendored(&path).or_else(|| documentation(&path))
}

pub(super) fn vendored(path: &[u8]) -> Option<Classification> {
    let mut previous: &[u8] = b"";
    for (depth, dir) in directories(path) {
        let anywhere = matches!(
            dir,
            b"vendor"
                | b"vendors"
                | b"Vendor"
                | b"node_modules"
                | b"bower_components"
                | b"third_party"
                | b"third-party"
                | b"thirdparty"
                | b"3rdparty"
                | b"3rd_party"
                | b"3rd-party"
                | b"extern"
                | b"external"
                | b"dist"
                | b"Godeps"
                | b"Pods"
        );
        let at_root = depth == 0 && matches!(dir, b"Carthage" | b"deps");
        if anywhere || at_root {
            let reason = format!("vendored path ({}/)", escape(dir));
            return Some(Classification::new(Class::Vendored, reason));
        }
        if previous == b"gradle" && dir == b"wrapper" {
            return Some(Classification::new(
                Class::Vendored,
                "vendored path (gradle/wrapper/)",
            ));
        }
        previous = dir;
    }
    let name = file_name(path);
    if matches!(
        name,
        b"gradlew"
            | b"gradlew.bat"
            | b"configure"
            | b"config.guess"
            | b"config.sub"
            | b"aclocal.m4"
            | b"libtool.m4"
            | b"ltoptions.m4"
            | b"ltsugar.m4"
            | b"ltversion.m4"
            | b"lt~obsolete.m4"
    ) {
        let reason = format!("vendored file ({})", escape(name));
        return Some(Classification::new(Class::Vendored, reason));
    }
    None
}

pub(super) fn documentation(path: &[u8]) -> Option<Classification> {
    if let Some((0, dir)) = directories(path).next() {
        if matches!(dir, b"docs" | b"doc" | b"Documentation") {
            let reason = format!("documentation path ({}/)", escape(dir));
            return Some(Classification::new(Class::Documentation, reason));
        }
    }
    const NAMES: [&str; 6] = [
        "README",
        "CONTRIBUTING",
        "COPYING",
        "LICENSE",
        "LICENCE",
        "CHANGELOG",
    ];
    const TEXT: [&[u8]; 8] = [
        b"",
        b".md",
        b".markdown",
        b".txt",
        b".rst",
        b".adoc",
        b".asciidoc",
        b".org",
    ];
    let name = file_name(path);
    for doc in NAMES {
        let exact = name.starts_with(doc.as_bytes())
            && matches!(name.get(doc.len()), None | Some(b'.' | b'-' | b'_'));
        let any_case = name.len() >= doc.len()
            && name[..doc.len()].eq_ignore_ascii_case(doc.as_bytes())
            && TEXT
                .iter()
                .any(|ext| name[doc.len()..].eq_ignore_ascii_case(ext));
        if exact || any_case {
            let reason = format!("documentation file ({doc})");
            return Some(Classification::new(Class::Documentation, reason));
        }
    }
    None
}
