//! Which files a run chose to count, as its JSON report records it
//! (`selection`), and whether a baseline's choice and this run's can be
//! compared.
//!
//! A diff against a baseline is fair only when both sides count the same
//! kind of files. Where this run leaves out more than the baseline did
//! (`--own`, an `--exclude`, a `--type`), the baseline's entries are held
//! to this run's choice when they are joined, so nothing needs saying.
//! Where the baseline left out what this run counts, or the two were
//! walked differently (`--hidden`, `--no-ignore`, `--follow`), the
//! difference would show as code added or deleted that nobody touched:
//! that is named in one warning, with the options that make the runs
//! alike. A warning, not a refusal: every file's counts are still right,
//! and the pull request that changes the workflow's own options would
//! otherwise fail against the main branch's report made before it.

use crate::classify::Class;
pub(crate) use crate::render::json::Selection;

impl Selection {
    /// The command-line options that make this selection, in `--help`'s
    /// order: `--own` for all three classes.
    fn flags(&self) -> Vec<String> {
        let mut flags = Vec::new();
        let classes = |names: &[String]| -> Vec<String> {
            if names.len() == Class::ALL.len() {
                vec!["--own".to_string()]
            } else {
                names.iter().map(|c| format!("--exclude-{c}")).collect()
            }
        };
        flags.extend(classes(&self.exclude_classes));
        for glob in &self.exclude {
            flags.push(format!("--exclude {}", shell_word(glob)));
        }
        if !self.types.is_empty() {
            flags.push(format!("--type {}", shell_word(&self.types.join(","))));
        }
        for (set, flag) in [
            (self.hidden, "--hidden"),
            (self.no_ignore, "--no-ignore"),
            (self.follow, "--follow"),
        ] {
            if set {
                flags.push(flag.to_string());
            }
        }
        flags
    }

    /// Whether the baseline (`self`) left out files that `run` counts, or
    /// was walked otherwise: what joining cannot make fair.
    fn unfair_against(&self, run: &Selection) -> bool {
        let missing = |base: &[String], run: &[String]| base.iter().any(|x| !run.contains(x));
        let types =
            !self.types.is_empty() && (run.types.is_empty() || missing(&run.types, &self.types));
        missing(&self.exclude_classes, &run.exclude_classes)
            || missing(&self.exclude, &run.exclude)
            || types
            || (self.hidden, self.no_ignore, self.follow) != (run.hidden, run.no_ignore, run.follow)
    }

    /// The warning for a baseline made with `self` compared by a run with
    /// `run`, when the comparison is not fair: what each was made with
    /// and what to add to (or drop from) this run to make them alike.
    pub(crate) fn warning(&self, run: &Selection) -> Option<String> {
        if !self.unfair_against(run) {
            return None;
        }
        let (base, this) = (self.flags(), run.flags());
        let said = |flags: &[String], with: &str| match flags {
            [] => "counts everything".to_string(),
            _ => format!("{with} {}", flags.join(" ")),
        };
        let add: Vec<&str> = base
            .iter()
            .filter(|f| !this.contains(f))
            .map(String::as_str)
            .collect();
        let drop: Vec<&str> = this
            .iter()
            .filter(|f| !base.contains(f))
            .map(String::as_str)
            .collect();
        let fix = match (add.is_empty(), drop.is_empty()) {
            (false, true) => format!("add {}", add.join(" ")),
            (true, false) => format!("leave out {}", drop.join(" ")),
            _ => format!("add {} and leave out {}", add.join(" "), drop.join(" ")),
        };
        let base = match base.as_slice() {
            [] => "the baseline counts everything".to_string(),
            _ => format!("the baseline was made with {}", base.join(" ")),
        };
        Some(format!("{base}; this run {}: {fix}", said(&this, "has")))
    }
}

/// `text` as one shell word: as it is when nothing in it is special to a
/// shell, in single quotes otherwise; what would break a terminal is
/// escaped as in frame names.
fn shell_word(text: &str) -> String {
    let text = crate::escape::escape_text(text);
    let plain = |c: char| c.is_ascii_alphanumeric() || "/_.,=:+-@%".contains(c);
    if !text.is_empty() && text.chars().all(plain) {
        text.into_owned()
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::WalkOptions;
    use tokei::LanguageType;

    fn walk(edit: impl FnOnce(&mut WalkOptions)) -> Selection {
        let mut walk = WalkOptions::default();
        edit(&mut walk);
        Selection::of(&walk)
    }

    fn own(w: &mut WalkOptions) {
        w.exclude_generated = true;
        w.exclude_vendored = true;
        w.exclude_documentation = true;
    }

    #[test]
    fn a_baseline_that_left_out_more_than_this_run_is_named_with_the_fix() {
        let everything = walk(|_| {});
        let cases = [
            (
                walk(own),
                everything.clone(),
                "the baseline was made with --own; this run counts everything: add --own",
            ),
            (
                walk(|w| w.exclude_vendored = true),
                walk(|w| w.exclude_generated = true),
                "the baseline was made with --exclude-vendored; this run has --exclude-generated: \
                 add --exclude-vendored and leave out --exclude-generated",
            ),
            (
                walk(|w| w.excludes = vec!["/docs".into(), "*.min.js".into()]),
                walk(|w| w.excludes = vec!["/docs".into()]),
                "the baseline was made with --exclude /docs --exclude '*.min.js'; \
                 this run has --exclude /docs: add --exclude '*.min.js'",
            ),
            (
                walk(|w| w.types = vec![LanguageType::Rust, LanguageType::C]),
                everything.clone(),
                "the baseline was made with --type C,Rust; this run counts everything: \
                 add --type C,Rust",
            ),
            (
                everything.clone(),
                walk(|w| w.hidden = true),
                "the baseline counts everything; this run has --hidden: leave out --hidden",
            ),
        ];
        for (base, run, expected) in cases {
            assert_eq!(base.warning(&run).as_deref(), Some(expected));
        }
    }

    #[test]
    fn a_run_that_leaves_out_more_than_the_baseline_needs_no_warning() {
        // The join holds the baseline to this run's choice.
        let everything = walk(|_| {});
        for run in [
            walk(own),
            walk(|w| w.excludes = vec!["/docs".into()]),
            walk(|w| w.types = vec![LanguageType::Rust]),
            everything.clone(),
        ] {
            assert_eq!(everything.warning(&run), None, "{run:?}");
        }
        let rust_and_c = walk(|w| w.types = vec![LanguageType::Rust, LanguageType::C]);
        let rust = walk(|w| w.types = vec![LanguageType::Rust]);
        assert_eq!(rust_and_c.warning(&rust), None);
        assert!(rust.warning(&rust_and_c).is_some());
    }
}
