//! Records: what the count stage produced, one per path, joined across
//! the sides of a run (one for a directory or a revision, two for a diff:
//! before and after; N revisions later), and the per-language summary
//! made from them.
//!
//! The stages after counting see only records: where the content came
//! from (a file on disk, a git blob) is gone by now.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use tokei::LanguageType;

use crate::classify::{Class, Classification};
use crate::config::Metric;

/// Counts of one file, or the sum over many.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// Number of files.
    pub files: u64,
    /// Lines of code.
    pub code: u64,
    /// Comment lines.
    pub comments: u64,
    /// Blank lines.
    pub blanks: u64,
    /// Size in bytes, as stored on disk.
    pub bytes: u64,
    /// Commits of the history window that changed it (a sum over files:
    /// not distinct commits); 0 without a history.
    pub commits: u64,
}

impl Counts {
    /// All lines: code, comments and blanks.
    pub fn lines(&self) -> u64 {
        self.code + self.comments + self.blanks
    }

    /// The value of one metric.
    pub fn get(&self, metric: crate::config::Metric) -> u64 {
        use crate::config::Metric;
        match metric {
            Metric::Code => self.code,
            Metric::Comments => self.comments,
            Metric::Blanks => self.blanks,
            Metric::Lines => self.lines(),
            Metric::Bytes => self.bytes,
            Metric::Files => self.files,
            Metric::Commits => self.commits,
        }
    }
}

/// What is left of `self` once `other` (a part of it) is taken away.
impl std::ops::Sub for Counts {
    type Output = Counts;

    fn sub(self, other: Counts) -> Counts {
        Counts {
            files: self.files.saturating_sub(other.files),
            code: self.code.saturating_sub(other.code),
            comments: self.comments.saturating_sub(other.comments),
            blanks: self.blanks.saturating_sub(other.blanks),
            bytes: self.bytes.saturating_sub(other.bytes),
            commits: self.commits.saturating_sub(other.commits),
        }
    }
}

impl std::ops::AddAssign for Counts {
    fn add_assign(&mut self, other: Counts) {
        self.files += other.files;
        self.code += other.code;
        self.comments += other.comments;
        self.blanks += other.blanks;
        self.bytes += other.bytes;
        self.commits += other.commits;
    }
}

/// One path, counted at one or more sides.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Record {
    /// Path relative to the source root; empty when the source is the file.
    /// (Records of a million files are held at once: boxes, not the
    /// growable `PathBuf` and an inline class, keep each small.)
    pub(crate) path: Box<Path>,
    /// The language tokei assigned (at the latest side that has the file).
    pub(crate) language: LanguageType,
    /// What it is drawn as: its counts, or with several sides, per count
    /// the largest of them (deleted code keeps its width in a diff).
    pub(crate) counts: Counts,
    /// With several sides, the counts at each (zero where the file is not
    /// there: `files` is 0 then). `None` for a run of one side.
    pub(crate) sides: Option<Box<[Counts]>>,
    /// Generated, vendored or documentation, and why (at the latest side
    /// that has the file).
    pub(crate) class: Option<Box<Classification>>,
}

impl Record {
    /// A record of a run of one side.
    pub(crate) fn one(path: PathBuf, language: LanguageType, counts: Counts) -> Record {
        Record {
            path: path.into_boxed_path(),
            language,
            counts,
            sides: None,
            class: None,
        }
    }

    /// The counts at the last side (the only one, or "after").
    pub(crate) fn last(&self) -> Counts {
        match &self.sides {
            Some(sides) => sides.last().copied().unwrap_or_default(),
            None => self.counts,
        }
    }
}

/// The width of a path counted at several sides: per count, the largest.
pub(crate) fn widest(sides: &[Counts]) -> Counts {
    let mut widest = Counts::default();
    for s in sides {
        widest.files = widest.files.max(s.files);
        widest.code = widest.code.max(s.code);
        widest.comments = widest.comments.max(s.comments);
        widest.blanks = widest.blanks.max(s.blanks);
        widest.bytes = widest.bytes.max(s.bytes);
        widest.commits = widest.commits.max(s.commits);
    }
    // A path counts as one file, at whichever sides it is.
    widest.files = widest.files.min(1);
    widest
}

/// Totals of the whole source and of each language (of the last side).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    /// Everything counted.
    pub totals: Counts,
    /// Per language, largest first by the metric, then by name.
    pub languages: Vec<(LanguageType, Counts)>,
    /// What is generated, vendored or documentation, per class: part of
    /// the totals, counted separately too.
    pub marked: Vec<(Class, Counts)>,
    /// Per language, what is neither (the user's own code), sorted as
    /// `languages`; languages with none of it left out.
    pub own_languages: Vec<(LanguageType, Counts)>,
    /// What `--own` or an `--exclude-…` of a class left out, per class: not
    /// part of the totals.
    pub left_out: Vec<(Class, Counts)>,
    /// The metric the languages are sorted by, and shares are of.
    pub metric: Metric,
    /// With several sides (the before and after of a diff): the same
    /// totals at each side. `None` for a run of one side.
    pub sides: Option<Sides>,
}

/// Totals of a run of several sides, each a list of counts at every side,
/// first (before) to last (after). A file that is not there at a side
/// counts as nothing there; a path is of the language and class it has at
/// the latest side that has it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Sides {
    /// Everything counted, at each side.
    pub totals: Vec<Counts>,
    /// Per language, largest first by the larger of the first and last
    /// side's metric, then by name; a language there at any side is listed.
    pub languages: Vec<(LanguageType, Vec<Counts>)>,
    /// Generated, vendored or documentation, per class, at each side.
    pub marked: Vec<(Class, Vec<Counts>)>,
    /// Per language, what is neither (the user's own code), sorted as
    /// `languages`; languages with none of it at any side left out.
    pub own_languages: Vec<(LanguageType, Vec<Counts>)>,
}

/// One more than the largest discriminant of tokei's languages: the
/// length of an array indexed by language.
pub(crate) fn language_slots() -> usize {
    static SLOTS: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *SLOTS.get_or_init(|| {
        LanguageType::list()
            .iter()
            .map(|&(language, _)| language as usize + 1)
            .max()
            .unwrap_or(0)
    })
}

impl Summary {
    /// Sums the last side of `records` per language; languages sorted by
    /// `metric`. With several sides, every side is summed too.
    pub(crate) fn of(records: &[Record], metric: Metric) -> Summary {
        // Per language, in arrays indexed by it (a fieldless enum: its
        // discriminant is an index), not maps: a million records.
        let mut per_language = vec![None::<Counts>; language_slots()];
        let mut own = per_language.clone();
        let mut marked: BTreeMap<Class, Counts> = BTreeMap::new();
        let mut totals = Counts::default();
        for record in records {
            let counts = record.last();
            if counts.files == 0 {
                continue;
            }
            let slot = record.language as usize;
            *per_language[slot].get_or_insert_default() += counts;
            totals += counts;
            match &record.class {
                Some(class) => *marked.entry(class.class).or_default() += counts,
                None => *own[slot].get_or_insert_default() += counts,
            }
        }
        let sorted = |per_language: Vec<Option<Counts>>| {
            let mut languages: Vec<(LanguageType, Counts)> = LanguageType::list()
                .iter()
                .filter_map(|&(language, _)| Some((language, per_language[language as usize]?)))
                .collect();
            languages.sort_by(|(la, a), (lb, b)| {
                b.get(metric)
                    .cmp(&a.get(metric))
                    .then(b.code.cmp(&a.code))
                    .then(la.name().cmp(lb.name()))
            });
            languages
        };
        Summary {
            totals,
            languages: sorted(per_language),
            marked: marked.into_iter().collect(),
            own_languages: sorted(own),
            left_out: Vec::new(),
            metric,
            sides: Sides::of(records, metric),
        }
    }
}

impl Sides {
    /// The totals at each side of `records`; `None` when they have one.
    fn of(records: &[Record], metric: Metric) -> Option<Sides> {
        let n = records.iter().find_map(|r| r.sides.as_ref())?.len();
        let add = |to: &mut Vec<Counts>, sides: &[Counts]| {
            for (sum, side) in to.iter_mut().zip(sides) {
                *sum += *side;
            }
        };
        let mut totals = vec![Counts::default(); n];
        let mut per_language: BTreeMap<LanguageType, Vec<Counts>> = BTreeMap::new();
        let mut marked: BTreeMap<Class, Vec<Counts>> = BTreeMap::new();
        let mut own: BTreeMap<LanguageType, Vec<Counts>> = BTreeMap::new();
        for record in records {
            let Some(sides) = record.sides.as_deref() else {
                continue;
            };
            add(&mut totals, sides);
            let language = per_language
                .entry(record.language)
                .or_insert_with(|| vec![Counts::default(); n]);
            add(language, sides);
            let zero = || vec![Counts::default(); n];
            match &record.class {
                Some(class) => add(marked.entry(class.class).or_insert_with(zero), sides),
                None => add(own.entry(record.language).or_insert_with(zero), sides),
            }
        }
        let larger = |sides: &[Counts]| {
            let (first, last) = (sides.first(), sides.last());
            let get = |c: Option<&Counts>| c.map_or(0, |c| c.get(metric));
            get(first).max(get(last))
        };
        let sorted = |per_language: BTreeMap<LanguageType, Vec<Counts>>| {
            let mut languages: Vec<_> = per_language.into_iter().collect();
            languages.sort_by(|(la, a), (lb, b)| {
                larger(b).cmp(&larger(a)).then(la.name().cmp(lb.name()))
            });
            languages
        };
        Some(Sides {
            totals,
            languages: sorted(per_language),
            marked: marked.into_iter().collect(),
            own_languages: sorted(own),
        })
    }
}

/// Removes the records that `keep` rejects and sums them per class (at
/// the last side): what was left out, for the summary to say.
pub(crate) fn leave_out(
    records: &mut Vec<Record>,
    keep: impl Fn(&Record) -> bool,
) -> Vec<(Class, Counts)> {
    let mut left_out: BTreeMap<Class, Counts> = BTreeMap::new();
    records.retain(|record| {
        let kept = keep(record);
        if let (false, Some(class)) = (kept, &record.class) {
            *left_out.entry(class.class).or_default() += record.last();
        }
        kept
    });
    left_out.into_iter().collect()
}

#[cfg(test)]
pub(crate) mod fixtures;

#[cfg(test)]
mod tests {
    use super::fixtures::{side, with};
    use super::*;

    fn record(path: &str, language: LanguageType, code: u64) -> Record {
        Record::one(
            path.into(),
            language,
            Counts {
                files: 1,
                code,
                ..Counts::default()
            },
        )
    }

    #[test]
    fn summary_sorts_languages_by_metric() {
        let records = vec![
            record("a.py", LanguageType::Python, 5),
            record("b.rs", LanguageType::Rust, 7),
            record("c.rs", LanguageType::Rust, 1),
        ];
        let summary = Summary::of(&records, Metric::Code);
        assert_eq!(summary.totals.code, 13);
        assert_eq!(summary.languages[0].0, LanguageType::Rust);
        assert_eq!(summary.languages[0].1.files, 2);
    }

    #[test]
    fn summary_lists_each_language_once_ties_by_code_then_name() {
        let vendored = |mut r: Record| {
            r.class = Some(Box::new(Classification {
                class: Class::Vendored,
                reason: "test".into(),
            }));
            r
        };
        let mut records = vec![
            record("a.go", LanguageType::Go, 4),
            record("b.c", LanguageType::C, 4),
            vendored(record("v/x.c", LanguageType::C, 3)),
            vendored(record("v/y.js", LanguageType::JavaScript, 9)),
            record("z.rs", LanguageType::Rust, 2),
            record("w.rs", LanguageType::Rust, 6),
        ];
        // Comments do not change the order by code.
        for (i, r) in records.iter_mut().enumerate() {
            r.counts.comments = i as u64;
        }
        let summary = Summary::of(&records, Metric::Code);
        let names = |list: &[(LanguageType, Counts)]| -> Vec<(&str, u64)> {
            list.iter().map(|(l, c)| (l.name(), c.code)).collect()
        };
        assert_eq!(
            names(&summary.languages),
            [("JavaScript", 9), ("Rust", 8), ("C", 7), ("Go", 4)]
        );
        // Without the vendored files: C and Go tie at 4, by name.
        assert_eq!(
            names(&summary.own_languages),
            [("Rust", 8), ("C", 4), ("Go", 4)]
        );
        assert_eq!(
            summary.marked,
            [(
                Class::Vendored,
                Counts {
                    files: 2,
                    code: 12,
                    comments: 5,
                    ..Counts::default()
                }
            )]
        );
        assert_eq!(summary.totals.code, 28);
        assert_eq!(summary.totals.files, 6);
    }

    #[test]
    fn a_diff_is_summarised_at_its_later_side() {
        let sides = vec![side(1, 9), side(0, 0)].into_boxed_slice();
        let deleted = Record {
            counts: widest(&sides),
            sides: Some(sides),
            ..record("gone.rs", LanguageType::Rust, 0)
        };
        let sides = vec![side(1, 2), side(1, 3)].into_boxed_slice();
        let kept = Record {
            counts: widest(&sides),
            sides: Some(sides),
            ..record("kept.rs", LanguageType::Rust, 0)
        };
        assert_eq!(kept.counts, side(1, 3));
        assert_eq!(deleted.counts, side(1, 9));
        let summary = Summary::of(&[deleted, kept], Metric::Code);
        assert_eq!(summary.totals, side(1, 3));
        // Each side's totals too, the deleted file's language listed.
        let sides = summary.sides.expect("the totals of both sides");
        assert_eq!(sides.totals, [side(2, 11), side(1, 3)]);
        assert_eq!(
            sides.languages,
            [(LanguageType::Rust, vec![side(2, 11), side(1, 3)])]
        );
    }

    #[test]
    fn a_language_only_there_before_is_listed_at_both_sides() {
        let records = [
            with("a.py", LanguageType::Python, vec![side(1, 40), side(0, 0)]),
            with("b.rs", LanguageType::Rust, vec![side(1, 10), side(1, 30)]),
            with("c.go", LanguageType::Go, vec![side(0, 0), side(1, 35)]),
        ];
        let summary = Summary::of(&records, Metric::Code);
        // The last side's summary has no Python; the sides do.
        assert_eq!(summary.languages.len(), 2);
        let sides = summary.sides.unwrap();
        let order: Vec<_> = sides.languages.iter().map(|(l, _)| l.name()).collect();
        assert_eq!(order, ["Python", "Go", "Rust"], "by the larger side");
        assert_eq!(sides.languages[0].1, [side(1, 40), side(0, 0)]);
        assert_eq!(sides.totals, [side(2, 50), side(2, 65)]);
    }
}
