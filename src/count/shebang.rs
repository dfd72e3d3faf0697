//! Language detection from a shebang line, on bytes already read.
//!
//! tokei's `LanguageType::from_shebang` opens the file itself: a second open
//! per extensionless file, one that blocks forever if the file was swapped
//! for a FIFO, and one that cannot work on a git blob. This is the same
//! decision made on the first bytes the count stage has already read. The
//! tests compare it with tokei's own function, so a tokei upgrade that
//! changes the rules fails loudly here.

use tokei::LanguageType;

/// How many bytes tokei looks at for a shebang line.
pub(crate) const READ_LIMIT: usize = 128;

/// Interpreters named after `#!/usr/bin/env`, as in tokei's languages.json
/// (`env` field). A word matches when it starts with the interpreter name.
const ENV: &[(&str, LanguageType)] = &[
    ("bash", LanguageType::Bash),
    ("csh", LanguageType::CShell),
    ("crystal", LanguageType::Crystal),
    ("cython", LanguageType::Cython),
    ("elvish", LanguageType::Elvish),
    ("fish", LanguageType::Fish),
    ("groovy", LanguageType::Groovy),
    ("just", LanguageType::Just),
    ("ksh", LanguageType::Ksh),
    ("python", LanguageType::Python),
    ("racket", LanguageType::Racket),
    ("raku", LanguageType::Raku),
    ("perl6", LanguageType::Raku),
    ("ruby", LanguageType::Ruby),
    ("sh", LanguageType::Sh),
];

/// The language named by the shebang at the start of `head`, exactly as
/// tokei decides it from the file's first [`READ_LIMIT`] bytes.
pub(crate) fn detect(head: &[u8]) -> Option<LanguageType> {
    let head = &head[..head.len().min(READ_LIMIT)];
    let first_line = head.split(|&b| b == b'\n').next()?;
    let first_line = std::str::from_utf8(first_line).ok()?;
    let mut words = first_line.split_whitespace();
    let first = words.next()?;
    for (language, _) in LanguageType::list() {
        if language.shebangs().contains(&first) {
            return Some(*language);
        }
    }
    if first != "#!/usr/bin/env" {
        return None;
    }
    let word = words.next()?;
    ENV.iter()
        .find(|(interpreter, _)| word.starts_with(interpreter))
        .map(|&(_, language)| language)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs tokei's own detection on `content` written to a file.
    fn tokei_detect(content: &[u8]) -> Option<LanguageType> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("script");
        std::fs::write(&path, content).unwrap();
        LanguageType::from_shebang(&path)
    }

    #[test]
    fn agrees_with_tokei() {
        let mut cases: Vec<Vec<u8>> = Vec::new();
        for (language, _) in LanguageType::list() {
            for shebang in language.shebangs() {
                cases.push(format!("{shebang}\necho\n").into_bytes());
                cases.push(format!("{shebang} -x\n").into_bytes());
            }
        }
        let interpreters = [
            "bash",
            "csh",
            "crystal",
            "cython",
            "elvish",
            "fish",
            "groovy",
            "just",
            "ksh",
            "python",
            "python2",
            "python3",
            "python3.12",
            "racket",
            "raku",
            "perl6",
            "perl",
            "ruby",
            "sh",
            "shellcheck",
            "node",
            "deno",
            "php",
            "lua",
            "tclsh",
            "Rscript",
            "julia",
            "pwsh",
            "elixir",
            "swift",
            "dart",
            "scala",
            "kotlin",
            "awk",
            "zsh",
            "tcsh",
            "runhaskell",
            "ocaml",
            "nu",
            "bun",
            "tsx",
            "ts-node",
            "escript",
            "guile",
            "sbcl",
        ];
        for interpreter in interpreters {
            cases.push(format!("#!/usr/bin/env {interpreter}\n").into_bytes());
            cases.push(format!("#!/usr/bin/env  {interpreter} -S x\r\n").into_bytes());
            cases.push(format!("#!/usr/bin/{interpreter}\n").into_bytes());
            cases.push(format!("#!/bin/{interpreter}").into_bytes());
        }
        cases.extend([
            b"".to_vec(),
            b"\n".to_vec(),
            b"#!".to_vec(),
            b"#!/usr/bin/env".to_vec(),
            b"#!/usr/bin/env\n".to_vec(),
            b"   #!/bin/sh\n".to_vec(),
            b"\xff\xfe#!/bin/sh\n".to_vec(),
            b"#!/bin/sh\xff\n".to_vec(),
            b"\xef\xbb\xbf#!/bin/sh\n".to_vec(),
            format!("#!/usr/bin/env {}python\n", " ".repeat(130)).into_bytes(),
            format!("#!/usr/bin/env {}sh\n", " ".repeat(100)).into_bytes(),
        ]);
        for case in cases {
            assert_eq!(
                detect(&case),
                tokei_detect(&case),
                "{:?}",
                String::from_utf8_lossy(&case)
            );
        }
    }
}
