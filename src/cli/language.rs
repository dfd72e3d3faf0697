//! `--type` values: a language as people name it. tokei's names in any
//! case and spacing (`rust`, `c++`, `plain text`) and its own identifiers
//! (`CSharp`), the file extensions tokei maps to a language (`rs`, `.py`,
//! `yml`: [`LanguageType::from_file_extension`]), and common aliases
//! (`golang`, `node`). A name that is none of these gets suggestions by
//! meaning first (the start of a name or alias), then by spelling.

use anyhow::bail;
use tokei::LanguageType::{self, *};

/// Names people use for a language that are neither tokei's names nor
/// extensions it knows, compared as [`key`]s.
const ALIASES: &[(&str, LanguageType)] = &[
    ("golang", Go),
    ("node", JavaScript),
    ("nodejs", JavaScript),
    ("ecmascript", JavaScript),
    ("python3", Python),
    ("cplusplus", Cpp),
    ("objc", ObjectiveC),
    ("objc++", ObjectiveCpp),
    ("objcpp", ObjectiveCpp),
    ("shellscript", Sh),
    ("posixshell", Sh),
    ("terraform", Hcl),
    ("latex", Tex),
    ("docker", Dockerfile),
    ("make", Makefile),
    ("gnumake", Makefile),
    ("viml", VimScript),
    ("pwsh", PowerShell),
    ("perl6", Raku),
    ("standardml", Sml),
    ("assembler", Assembly),
];

/// How a name is compared: lower case, without spaces and punctuation
/// other than the `+`, `#` and `*` that tell C, C++, C# and F* apart
/// (`Objective-C` is `objectivec`, `Plain Text` is `plaintext`).
fn key(name: &str) -> String {
    name.chars()
        .filter(|c| c.is_alphanumeric() || matches!(c, '+' | '#' | '*'))
        .flat_map(char::to_lowercase)
        .collect()
}

/// Every name a language is known by, other than its extensions: tokei's
/// name, tokei's identifier, and the aliases.
fn names() -> impl Iterator<Item = (String, LanguageType)> {
    let languages = LanguageType::list().iter().map(|&(language, _)| language);
    let display = languages.clone().map(|l| (key(l.name()), l));
    let identifiers = languages.map(|l| (key(&format!("{l:?}")), l));
    let aliases = ALIASES.iter().map(|&(alias, l)| (key(alias), l));
    display.chain(identifiers).chain(aliases)
}

/// The language `name` stands for: a name, an identifier or an alias
/// (in that order), or else a file extension as tokei maps it.
pub(super) fn parse(name: &str) -> anyhow::Result<LanguageType> {
    let wanted = key(name);
    if let Some((_, language)) = names().find(|(k, _)| !wanted.is_empty() && *k == wanted) {
        return Ok(language);
    }
    // tokei lower-cases a file's extension before it looks it up.
    let extension = name.trim().trim_start_matches('*').trim_start_matches('.');
    if let Some(language) = LanguageType::from_file_extension(&extension.to_lowercase()) {
        return Ok(language);
    }
    let close = suggestions(&wanted);
    let names: Vec<&str> = close.iter().map(|l| l.name()).collect();
    match names.as_slice() {
        [] => bail!(
            "--type {name:?}: not a language tokei knows (give its name as `tokei --languages` \
             lists it, a file extension such as rs, or an alias such as golang)"
        ),
        [one] => bail!("--type {name:?}: not a language tokei knows; did you mean {one}?"),
        [some @ .., last] => bail!(
            "--type {name:?}: not a language tokei knows; did you mean {} or {last}?",
            some.join(", ")
        ),
    }
}

/// At most this many languages are suggested.
const SUGGESTIONS: usize = 5;

/// Languages `wanted` (a [`key`]) may have meant, best first: those with a
/// name or alias it starts (`javas`, `golan`), then one that starts it
/// (`pythonic`), then those a few edits away (`pyton`, `ymal`). Extensions
/// are too short for either: `js` is a couple of edits from a dozen.
fn suggestions(wanted: &str) -> Vec<LanguageType> {
    if wanted.len() < 2 {
        return Vec::new();
    }
    // Longer words take more typing mistakes.
    let most_edits = match wanted.chars().count() {
        ..=3 => 1,
        4..=6 => 2,
        _ => 3,
    };
    let mut ranked: Vec<((usize, usize), LanguageType)> = names()
        .filter_map(|(name, language)| {
            let rank = if name.starts_with(wanted) {
                0
            } else if name.chars().count() >= 4 && wanted.starts_with(&name) {
                1
            } else {
                let edits = strsim::osa_distance(wanted, &name);
                (edits <= most_edits).then_some(1 + edits)?
            };
            Some(((rank, name.len()), language))
        })
        .collect();
    ranked.sort_by_key(|&(rank, language)| (rank, language.name()));
    // Only the best kind of match: `pyton` is one edit from Python, and
    // two from Cython, which only muddies the answer.
    let best = ranked.first().map(|&((rank, _), _)| rank);
    let mut languages = Vec::new();
    for ((rank, _), language) in ranked {
        if Some(rank) == best && !languages.contains(&language) {
            languages.push(language);
        }
    }
    languages.truncate(SUGGESTIONS);
    languages
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(name: &str) -> String {
        parse(name).unwrap_err().to_string()
    }

    #[test]
    fn every_language_is_found_by_its_name_and_identifier_in_any_case() {
        for &(language, _) in LanguageType::list() {
            for name in [
                language.name().to_string(),
                language.name().to_uppercase(),
                language.name().to_lowercase(),
                format!("{language:?}"),
            ] {
                assert_eq!(parse(&name).unwrap(), language, "{name:?}");
            }
        }
    }

    #[test]
    fn aliases_and_extensions_name_the_language_a_person_means() {
        for (name, language) in [
            ("js", JavaScript),
            ("py", Python),
            ("rs", Rust),
            ("ts", TypeScript),
            ("yml", Yaml),
            ("sh", Sh),
            ("golang", Go),
            ("Golang", Go),
            ("cpp", Cpp),
            ("c++", Cpp),
            ("C", C),
            ("c#", CSharp),
            ("cs", CSharp),
            ("csharp", CSharp),
            ("h", CHeader),
            (".py", Python),
            ("*.go", Go),
            ("MD", Markdown),
            ("plain text", Text),
            ("plaintext", Text),
            ("objective-c", ObjectiveC),
            ("objc", ObjectiveC),
            ("node", JavaScript),
            ("tf", Hcl),
            ("terraform", Hcl),
            ("bash", Bash),
            ("shell", Sh),
            ("Protocol Buffers", Protobuf),
            ("proto", Protobuf),
            ("make", Makefile),
        ] {
            assert_eq!(parse(name).unwrap(), language, "{name:?}");
        }
    }

    #[test]
    fn aliases_are_not_already_names() {
        // An alias that is also a name of another language would never be
        // reached; one that is a name of its own language is dead weight.
        for (alias, language) in ALIASES {
            let named = LanguageType::list()
                .iter()
                .map(|&(l, _)| l)
                .find(|l| key(l.name()) == key(alias) || key(&format!("{l:?}")) == key(alias));
            assert_eq!(named, None, "{alias:?} ({language:?}) is a name");
            assert_eq!(LanguageType::from_file_extension(alias), None, "{alias:?}");
        }
    }

    #[test]
    fn unknown_names_get_suggestions_by_meaning_then_spelling() {
        assert_eq!(
            error("pyton"),
            "--type \"pyton\": not a language tokei knows; did you mean Python?"
        );
        assert_eq!(
            error("javas"),
            "--type \"javas\": not a language tokei knows; did you mean JavaScript?"
        );
        assert_eq!(
            error("golan"),
            "--type \"golan\": not a language tokei knows; did you mean Go?"
        );
        assert_eq!(
            error("ymal"),
            "--type \"ymal\": not a language tokei knows; did you mean YAML?"
        );
        assert_eq!(
            error("fortran"),
            "--type \"fortran\": not a language tokei knows; did you mean FORTRAN Legacy or \
             FORTRAN Modern?"
        );
        assert_eq!(
            error("pythonic"),
            "--type \"pythonic\": not a language tokei knows; did you mean Python?"
        );
        assert_eq!(
            error("zzzz"),
            "--type \"zzzz\": not a language tokei knows (give its name as `tokei --languages` \
             lists it, a file extension such as rs, or an alias such as golang)"
        );
    }
}
