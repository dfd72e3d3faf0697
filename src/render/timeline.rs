//! The writers of `--history`: a JSON report of every revision, CSV rows
//! for spreadsheets, and a self-contained HTML page (a flame graph per
//! revision with a slider and a play button, stacked-area charts of the
//! largest directories and of languages over time).

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde::Serialize;

use super::json::{CountsOut, RevisionOut as RevisionId, Tool};
use super::palette;
use crate::error::Problem;
use crate::escape::escape;
use crate::record::Counts;
use crate::timeline::{Sample, Timeline};

#[derive(Serialize)]
struct Report<'a> {
    repoflame: Tool,
    source: SourceOut<'a>,
    metric: &'static str,
    /// How deep `directories` are summed.
    depth: usize,
    /// Distinct (path, blob) pairs read over all revisions.
    distinct_files_counted: usize,
    revisions: Vec<RevisionOut<'a>>,
    problems: Vec<ProblemOut<'a>>,
}

#[derive(Serialize)]
struct ProblemOut<'a> {
    path: &'a str,
    message: &'a str,
}

#[derive(Serialize)]
struct SourceOut<'a> {
    name: &'a str,
    kind: &'static str,
}

#[derive(Serialize)]
struct RevisionOut<'a> {
    #[serde(flatten)]
    id: RevisionId<'a>,
    totals: CountsOut,
    languages: Vec<Named>,
    directories: Vec<Named>,
}

#[derive(Serialize)]
struct Named {
    name: String,
    #[serde(flatten)]
    counts: CountsOut,
}

fn revision_out(sample: &Sample) -> RevisionOut<'_> {
    RevisionOut {
        id: (&sample.revision).into(),
        totals: (&sample.summary.totals).into(),
        languages: sample
            .summary
            .languages
            .iter()
            .map(|(language, counts)| Named {
                name: language.name().to_string(),
                counts: counts.into(),
            })
            .collect(),
        directories: sample
            .directories
            .iter()
            .map(|(path, counts)| Named {
                name: path.clone(),
                counts: counts.into(),
            })
            .collect(),
    }
}

/// The JSON report: every revision's totals, languages and directories.
pub(crate) fn write_json<W: Write>(
    timeline: &Timeline,
    problems: &[Problem],
    mut out: W,
) -> io::Result<()> {
    let name = escape(&timeline.root_name);
    let report = Report {
        repoflame: Tool::this(),
        source: SourceOut {
            name: &name,
            kind: "history",
        },
        metric: timeline.metric.name(),
        depth: timeline.depth,
        distinct_files_counted: timeline.distinct,
        revisions: timeline.samples.iter().map(revision_out).collect(),
        problems: problems
            .iter()
            .map(|p| ProblemOut {
                path: &p.relative,
                message: &p.message,
            })
            .collect(),
    };
    serde_json::to_writer_pretty(&mut out, &report)?;
    out.write_all(b"\n")?;
    out.flush()
}

/// One CSV field: quoted when it holds a comma, quote or line break; a
/// leading `=`, `+`, `-`, `@`, tab or carriage return (which a spreadsheet
/// would run as a formula) is preceded by `'`.
fn csv_field(text: &str) -> String {
    let text = match text.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{text}"),
        _ => text.to_string(),
    };
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

/// CSV: a header, then per revision a `total` row, a row per directory and
/// a row per language.
pub(crate) fn write_csv<W: Write>(timeline: &Timeline, mut out: W) -> io::Result<usize> {
    writeln!(
        out,
        "rev,commit,date,kind,name,files,code,comments,blanks,lines,bytes"
    )?;
    let mut rows = 0;
    for sample in &timeline.samples {
        let revision = &sample.revision;
        let mut row = |kind: &str, name: &str, c: &Counts| {
            rows += 1;
            writeln!(
                out,
                "{},{},{},{kind},{},{},{},{},{},{},{}",
                csv_field(&revision.rev),
                revision.commit.as_deref().unwrap_or(""),
                revision.date.as_deref().unwrap_or(""),
                csv_field(name),
                c.files,
                c.code,
                c.comments,
                c.blanks,
                c.lines(),
                c.bytes
            )
        };
        row("total", "", &sample.summary.totals)?;
        for (path, counts) in &sample.directories {
            row("directory", path, counts)?;
        }
        for (language, counts) in &sample.summary.languages {
            row("language", language.name(), counts)?;
        }
    }
    out.flush()?;
    Ok(rows)
}

/// Series of the page's charts: the largest few and the rest.
const SERIES: usize = 10;

#[derive(Serialize)]
struct Page<'a> {
    name: &'a str,
    metric: &'static str,
    unit: &'static str,
    depth: usize,
    revisions: Vec<PageRevision<'a>>,
    /// Names of the frames, each once.
    names: Vec<&'a str>,
    /// Colours of languages by name, for the charts.
    colors: BTreeMap<String, String>,
    /// The frames' colours, by the index frames give.
    frame_colors: Vec<String>,
    directories: Chart,
    languages: Chart,
}

#[derive(Serialize)]
struct PageRevision<'a> {
    #[serde(flatten)]
    id: RevisionId<'a>,
    total: u64,
    files: u64,
    /// Frames: `[depth, x, width, name index, colour index, kind]`.
    frames: Vec<(u32, u64, u64, usize, usize, char)>,
}

/// A stacked-area chart: its series, each a value per revision.
#[derive(Serialize)]
struct Chart {
    names: Vec<String>,
    values: Vec<Vec<u64>>,
}

/// The largest `SERIES` of `per_revision` (by their largest value at any
/// revision) and the rest summed as "other".
fn chart(per_revision: &[BTreeMap<String, u64>]) -> Chart {
    let mut largest: BTreeMap<&str, u64> = BTreeMap::new();
    for values in per_revision {
        for (name, &value) in values {
            let max = largest.entry(name).or_default();
            *max = (*max).max(value);
        }
    }
    let mut ranked: Vec<(&str, u64)> = largest.into_iter().filter(|(_, v)| *v > 0).collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let shown: Vec<&str> = ranked.iter().take(SERIES).map(|(n, _)| *n).collect();
    let mut names: Vec<String> = shown.iter().map(|n| n.to_string()).collect();
    let mut values: Vec<Vec<u64>> = shown
        .iter()
        .map(|name| {
            per_revision
                .iter()
                .map(|v| v.get(*name).copied().unwrap_or(0))
                .collect()
        })
        .collect();
    if ranked.len() > SERIES {
        names.push(format!("{} more", ranked.len() - SERIES));
        values.push(
            per_revision
                .iter()
                .map(|v| {
                    v.iter()
                        .filter(|(n, _)| !shown.contains(&n.as_str()))
                        .map(|(_, v)| v)
                        .sum()
                })
                .collect(),
        );
    }
    Chart { names, values }
}

/// The HTML page; returns how many frames it holds.
pub(crate) fn write_html<W: Write>(timeline: &Timeline, mut out: W) -> io::Result<usize> {
    let metric = timeline.metric;
    let name = escape(&timeline.root_name);
    let mut names: Vec<&str> = Vec::new();
    let mut name_ids: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    let mut colors: BTreeMap<String, String> = BTreeMap::new();
    for sample in &timeline.samples {
        for (language, _) in &sample.summary.languages {
            colors
                .entry(language.name().to_string())
                .or_insert_with(|| palette::language_color(*language).hex());
        }
    }
    let mut frame_colors: Vec<String> = Vec::new();
    let mut color_of = |color: String| -> usize {
        match frame_colors.iter().position(|c| *c == color) {
            Some(i) => i,
            None => {
                frame_colors.push(color);
                frame_colors.len() - 1
            }
        }
    };
    let mut frames_total = 0;
    let mut revisions = Vec::new();
    for sample in &timeline.samples {
        let mut frames = Vec::with_capacity(sample.frames.len());
        for frame in &sample.frames {
            let id = *name_ids.entry(&frame.name).or_insert_with(|| {
                names.push(&frame.name);
                names.len() - 1
            });
            let color = match (frame.kind, frame.language) {
                ('f', Some(language)) => color_of(palette::language_color(language).hex()),
                ('m', _) => color_of("#e4e0da".into()),
                _ => color_of(palette::directory_color(u64::from(frame.depth)).hex()),
            };
            frames.push((frame.depth, frame.x, frame.width, id, color, frame.kind));
        }
        frames_total += frames.len();
        revisions.push(PageRevision {
            id: (&sample.revision).into(),
            total: sample.summary.totals.get(metric),
            files: sample.summary.totals.files,
            frames,
        });
    }
    let directories: Vec<BTreeMap<String, u64>> = timeline
        .samples
        .iter()
        .map(|s| {
            s.directories
                .iter()
                .map(|(path, counts)| (path.clone(), counts.get(metric)))
                .collect()
        })
        .collect();
    let languages: Vec<BTreeMap<String, u64>> = timeline
        .samples
        .iter()
        .map(|s| {
            s.summary
                .languages
                .iter()
                .map(|(language, counts)| (language.name().to_string(), counts.get(metric)))
                .collect()
        })
        .collect();
    let languages = chart(&languages);
    let page = Page {
        name: &name,
        metric: metric.name(),
        unit: metric.unit(),
        depth: timeline.depth,
        revisions,
        names,
        colors,
        frame_colors,
        directories: chart(&directories),
        languages,
    };
    // In a script element: `</` would end it early.
    let data = serde_json::to_string(&page)?.replace("</", "<\\/");
    let title = quick_xml::escape::escape(&*name);
    let (first, last) = (
        timeline.samples.first().map(|s| s.revision.rev.as_str()),
        timeline.samples.last().map(|s| s.revision.rev.as_str()),
    );
    let subtitle = match (first, last) {
        (Some(first), Some(last)) => format!(
            "{} revisions, {} to {} · {} by {}",
            timeline.samples.len(),
            quick_xml::escape::escape(first),
            quick_xml::escape::escape(last),
            metric.unit(),
            if timeline.depth == 1 {
                "top-level directory".to_string()
            } else {
                format!("directory to depth {}", timeline.depth)
            }
        ),
        _ => String::new(),
    };
    write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{title}: code across revisions</title>\n<style>\n{CSS}{TIMELINE_CSS}</style>\n</head>\n<body>\n\
         <h1>{title}: code across revisions</h1>\n<p class=\"rf-sub\">{subtitle}</p>\n\
         <div class=\"tl-controls\"><button type=\"button\" id=\"tl-play\" aria-label=\"Play\">&#9654; Play</button>\
         <input type=\"range\" id=\"tl-slider\" min=\"0\" max=\"0\" value=\"0\" aria-label=\"Revision\">\
         <span id=\"tl-rev\" class=\"tl-rev\"></span>\
         <button type=\"button\" id=\"tl-reset\" hidden>Reset zoom</button></div>\n\
         <div class=\"rf-graph\"><svg id=\"tl-graph\" xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-label=\"Flame graph of the selected revision\"></svg></div>\n\
         <p id=\"tl-detail\" class=\"rf-note tl-detail\">&#160;</p>\n\
         <h2>Largest directories</h2>\n<div class=\"tl-chart\"><svg id=\"tl-dirs\" xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-label=\"Directories over time\"></svg></div>\n\
         <ul id=\"tl-dirs-legend\" class=\"rf-legend\"></ul>\n\
         <h2>Languages</h2>\n<div class=\"tl-chart\"><svg id=\"tl-langs\" xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-label=\"Languages over time\"></svg></div>\n\
         <ul id=\"tl-langs-legend\" class=\"rf-legend\"></ul>\n\
         <script type=\"application/json\" id=\"tl-data\">{data}</script>\n\
         <script>\n{TIMELINE_SCRIPT}</script>\n</body>\n</html>\n"
    )?;
    out.flush()?;
    Ok(frames_total)
}

/// The report's stylesheet, shared with the HTML report.
const CSS: &str = include_str!("assets/report.css");
/// The page's own: controls and charts. Must not hold `</style`.
const TIMELINE_CSS: &str = include_str!("assets/timeline.css");
/// Draws the graph of the selected revision and the charts, moves the
/// slider, plays. Must not hold `</script`.
const TIMELINE_SCRIPT: &str = include_str!("assets/timeline.js");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_are_quoted_and_never_run_as_formulas() {
        assert_eq!(csv_field("src"), "src");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("=SUM(A1)"), "'=SUM(A1)");
        assert_eq!(csv_field("-x,y"), "\"'-x,y\"");
    }

    #[test]
    fn charts_keep_the_largest_series_and_sum_the_rest() {
        let revisions: Vec<BTreeMap<String, u64>> = (0..2)
            .map(|r| {
                (0..12)
                    .map(|i| (format!("d{i:02}"), (i + 1) * 10 + r))
                    .collect()
            })
            .collect();
        let chart = chart(&revisions);
        assert_eq!(chart.names.len(), SERIES + 1);
        assert_eq!(chart.names[0], "d11");
        assert_eq!(chart.names[SERIES], "2 more");
        assert_eq!(chart.values[SERIES], [10 + 20, 10 + 20 + 2]);
    }
}
