//! Colours of history (`--color churn|age|authors`): each frame filled on
//! one sequential scale from cold to hot, its hover text telling its
//! history, and the legend showing the scale with the numbers at its ends.
//!
//! The scale is the diff's (ColorBrewer "Reds", deepest last), on a
//! logarithmic measure, because commits, authors and ages are heavy-tailed:
//! one file with 300 commits must not wash every file with 3 out to the
//! palest step. Its hot end is the hottest *file*: a directory, which holds
//! the commits of all its files, is drawn on the same scale and saturates,
//! so that the files, where work happens, carry the contrast.

use crate::config::{Color, Metric};
use crate::history::{Entry, History, Stats, ago, date};
use crate::render::labels::{Decoration, Entry as LegendEntry, Legend, NEW, REDS, UNCHANGED};
use crate::render::labels::{LegendItem, add_marked_item, on_ramp, place_rows, push};
use crate::render::palette::Rgb;
use crate::units::{amount, rough_percent};

/// Cold to hot.
const HEAT: [Rgb; 8] = [
    REDS[0], REDS[1], REDS[2], REDS[3], REDS[4], REDS[5], REDS[6], NEW,
];

/// A file that is not in HEAD: ColorBrewer "Blues"' palest, apart from
/// the scale.
const UNCOMMITTED: Rgb = Rgb(0xde, 0xeb, 0xf7);

/// The scale of one graph, and the history it reads.
pub(crate) struct Heat<'h> {
    history: &'h History,
    color: Color,
    /// The hottest file's measure (commits, authors, or age in hours for
    /// the oldest).
    max: u64,
    /// The language is the first frame below the root, and a directory
    /// has the history of its language's files below it.
    by_language: bool,
}

impl<'h> Heat<'h> {
    /// The scale over the files at `keys`.
    pub(crate) fn new<'k>(
        history: &'h History,
        color: Color,
        files: impl Iterator<Item = &'k str>,
    ) -> Heat<'h> {
        let mut heat = Heat {
            history,
            color,
            max: 0,
            by_language: false,
        };
        for key in files {
            if let Entry::Changed(stats) = history.entry(key, true) {
                heat.max = heat.max.max(heat.measure(&stats));
            }
        }
        heat
    }

    /// What the colour measures: commits, authors, or whole hours between
    /// the last change and the counted revision.
    fn measure(&self, stats: &Stats) -> u64 {
        match self.color {
            Color::Churn | Color::Language => u64::from(stats.commits),
            Color::Authors => u64::from(stats.authors),
            Color::Age => ((self.history.reference.0 - stats.last.time).max(0) / 3600) as u64,
        }
    }

    /// Where `value` falls on the scale: 0 cold, 1 hot.
    fn depth(&self, value: u64) -> f64 {
        let max = self.max as f64;
        match self.color {
            Color::Age if self.max == 0 => 1.0,
            Color::Age => 1.0 - ((1.0 + value as f64).ln() / (1.0 + max).ln()).min(1.0),
            _ if self.max <= 1 => 0.5,
            _ => ((value.max(1) as f64).ln() / max.ln()).min(1.0),
        }
    }

    /// The colour of `stats`.
    pub(crate) fn fill(&self, stats: &Stats) -> Rgb {
        on_ramp(&HEAT, self.depth(self.measure(stats)))
    }

    /// The scale of a `--by-language` view, whose history is keyed as
    /// [`History::by_language`] keys it.
    pub(crate) fn by_language(self, by_language: bool) -> Heat<'h> {
        Heat {
            by_language,
            ..self
        }
    }

    /// Colours `decoration` of the frame at `key` (`None`: not a path, a
    /// language frame or merged entries) after its history, and adds the
    /// history to its hover text. Says whether it is an uncommitted file.
    pub(crate) fn decorate(
        &self,
        decoration: &mut Decoration,
        key: Option<&str>,
        is_file: bool,
    ) -> bool {
        let Some(key) = key else {
            decoration.fill = UNCHANGED;
            return false;
        };
        let history = self.history;
        let (fill, line) = match history.entry(key, is_file) {
            Entry::Changed(stats) => (self.fill(&stats), self.line(&stats)),
            Entry::Unchanged => (
                UNCHANGED,
                format!("history: not changed in {}", history.describe()),
            ),
            Entry::Uncommitted => (UNCOMMITTED, "history: not committed".to_string()),
        };
        decoration.fill = fill;
        decoration.title.push('\n');
        decoration.title.push_str(&line);
        fill == UNCOMMITTED && is_file
    }

    /// "history: 12 commits · last changed 2026-10-01, 3 weeks before HEAD
    /// · 3 authors, 67% by Ann"
    fn line(&self, stats: &Stats) -> String {
        let history = self.history;
        let when = match history.age(&stats.last).as_str() {
            "the same day" => format!("the same day as {}", history.revision),
            age => format!("{age} before {}", history.revision),
        };
        let authors = match stats.authors {
            1 => format!("1 author, {}", stats.top_author),
            n => format!(
                "{n} authors, {} by {}",
                rough_percent(u64::from(stats.top_commits), u64::from(stats.commits)),
                stats.top_author
            ),
        };
        format!(
            "history: {} · last changed {}, {when} · {authors}",
            amount(u64::from(stats.commits), "commits"),
            date(stats.last.time, stats.last.offset),
        )
    }

    /// The legend: the scale from cold to hot with its ends' numbers, the
    /// colours of what has no history, and what the colour and the width
    /// measure.
    /// With `marked`, the item for hatched frames ends the scale's row.
    pub(crate) fn legend(
        &self,
        metric: Metric,
        width: usize,
        uncommitted: bool,
        marked: bool,
    ) -> Legend {
        let history = self.history;
        let (cold, hot, what) = match self.color {
            Color::Age => (
                format!("{} before", ago(self.max as i64 * 3600)),
                "the same day".to_string(),
                "the time since the last change".to_string(),
            ),
            Color::Authors => (
                "1 author".to_string(),
                amount(self.max.max(1), "authors"),
                "authors".to_string(),
            ),
            _ => (
                "1 commit".to_string(),
                amount(self.max.max(1), "commits"),
                "commits".to_string(),
            ),
        };
        let steps = 5;
        let mut scale: Vec<LegendEntry> = (0..steps)
            .map(|i| {
                let t = i as f64 / (steps - 1) as f64;
                let text = match i {
                    0 => format!("cold: {cold}"),
                    i if i == steps - 1 => format!("{hot}: hot"),
                    _ => String::new(),
                };
                let below = match self.by_language {
                    true => "its language's files below it",
                    false => "everything below it",
                };
                let tooltip = format!(
                    "colour: {what} (authors folded by .mailmap), on a logarithmic scale; \
                     a directory has the history of {below}, and saturates"
                );
                (Some(on_ramp(&HEAT, t)), text, tooltip)
            })
            .collect();
        scale.push((
            Some(UNCHANGED),
            "not changed in the window".to_string(),
            format!("files not changed in {}", history.describe()),
        ));
        if uncommitted {
            scale.push((
                Some(UNCOMMITTED),
                "not committed".to_string(),
                "files of the work tree that are not in HEAD".to_string(),
            ));
        }
        let mut legend = place_rows(vec![scale], width);
        if marked {
            add_marked_item(&mut legend, width);
        }
        let words = LegendItem {
            swatch: None,
            hatched: false,
            text: format!(
                "colour = {what} in {} to {} ({}) · width = {}",
                history.describe(),
                history.revision,
                date(history.reference.0, history.reference.1),
                metric.unit()
            ),
            tooltip: "the window: --commits N and --since DATE|DURATION choose it".to_string(),
            x: 0.0,
            row: 0,
        };
        push(&mut legend, words, width, true);
        legend
    }
}

/// The history key of the frame at `path` (the root's name, then escaped
/// names joined by `/`): the path below the root. With `--by-language` it
/// starts with the language frame, as the view's history
/// ([`History::by_language`]) is keyed.
pub(crate) fn key<'p>(path: &'p str, root: &str) -> Option<&'p str> {
    if path == root {
        return Some("");
    }
    path.strip_prefix(root)?.strip_prefix('/')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::Commit;
    use std::collections::HashMap;

    fn history() -> History {
        let day = 86_400;
        let commit = |time| Commit {
            time,
            offset: 0,
            author: 0,
        };
        let mut paths: HashMap<Box<str>, Vec<u32>> = HashMap::new();
        paths.insert("hot.rs".into(), (0..30).collect());
        paths.insert("warm.rs".into(), (0..5).collect());
        paths.insert("cold.rs".into(), vec![29]);
        History {
            commits: (0..30).map(|i| commit((100 - i) * day)).collect(),
            authors: vec!["Ann".into()],
            paths,
            reference: (100 * day, 0),
            revision: "HEAD".into(),
            ..History::default()
        }
    }

    fn stats(history: &History, key: &str) -> Stats {
        match history.entry(key, true) {
            Entry::Changed(stats) => stats,
            other => panic!("{key}: {other:?}"),
        }
    }

    #[test]
    fn the_hottest_file_gets_the_deepest_colour_and_more_is_hotter() {
        let history = history();
        let files = ["hot.rs", "warm.rs", "cold.rs", "old.rs"];
        let heat = Heat::new(&history, Color::Churn, files.into_iter());
        assert_eq!(heat.max, 30);
        let fill = |key| heat.fill(&stats(&history, key));
        assert_eq!(fill("hot.rs"), NEW);
        assert_eq!(fill("cold.rs"), REDS[0]);
        let luminance = |c: Rgb| u32::from(c.0) + u32::from(c.1) + u32::from(c.2);
        assert!(luminance(fill("hot.rs")) < luminance(fill("warm.rs")));
        assert!(luminance(fill("warm.rs")) < luminance(fill("cold.rs")));
        // Age: the newest change is the hottest.
        let age = Heat::new(&history, Color::Age, files.into_iter());
        assert_eq!(age.max, 29 * 24);
        assert_eq!(age.fill(&stats(&history, "hot.rs")), NEW);
        assert_eq!(age.fill(&stats(&history, "cold.rs")), REDS[0]);
    }

    #[test]
    fn the_legend_names_the_numbers_at_the_ends_of_the_scale() {
        let history = history();
        let heat = Heat::new(&history, Color::Churn, ["hot.rs", "cold.rs"].into_iter());
        let legend = heat.legend(Metric::Code, 1200, false, false);
        let texts: Vec<&str> = legend.items.iter().map(|i| i.text.as_str()).collect();
        assert_eq!(texts[0], "cold: 1 commit");
        assert_eq!(texts[4], "30 commits: hot");
        assert_eq!(legend.items[0].swatch, Some(REDS[0]));
        assert_eq!(legend.items[4].swatch, Some(NEW));
    }

    #[test]
    fn keys_drop_the_root() {
        assert_eq!(key("repo", "repo"), Some(""));
        assert_eq!(key("repo/src/a.rs", "repo"), Some("src/a.rs"));
        assert_eq!(key("repo/Rust/src/a.rs", "repo"), Some("Rust/src/a.rs"));
        assert_eq!(key("other/a.rs", "repo"), None);
    }
}
