//! The render stage: the tree and summary of a run as an SVG flame graph,
//! an HTML page, a JSON report, folded stacks, a Markdown summary or the
//! terminal table.
//! Renderers know nothing of where content came from: a run has one side,
//! or several (the before and after of a diff), and a source described by
//! a name and revisions. Every writer takes a `W: Write`; only
//! [`crate::output`] knows stdout, files and devices.

pub(crate) mod folded;
pub(crate) mod heat;
pub(crate) mod html;
pub(crate) mod json;
pub(crate) mod labels;
pub(crate) mod markdown;
pub(crate) mod palette;
pub(crate) mod svg;
pub(crate) mod table;
pub(crate) mod timeline;

use crate::config::{Color, Config, Format, REFERENCE_WIDTH};
use crate::error::{Error, Problem};
use crate::escape::escape;
use crate::history::History;
use crate::output::{Delivered, Output, Written};
use crate::record::{Record, Summary};
use crate::source::SourceInfo;
use crate::tree::Tree;
use crate::units::amount;
use crate::views;

/// What a run leaves for its renderers besides its records.
pub(crate) struct Run<'a> {
    pub(crate) info: &'a SourceInfo,
    pub(crate) summary: &'a Summary,
    pub(crate) problems: &'a [Problem],
    /// Distinct contents read (a diff reads unchanged files once).
    pub(crate) distinct: usize,
    /// The history read for `color`, when it needs one.
    pub(crate) history: Option<&'a History>,
    /// What the frames' colour says.
    pub(crate) color: Color,
}

/// Shapes the tree of `records` as the view asks and writes the format
/// asked for to `output`; says what was written where. Runs on the
/// current rayon pool.
pub(crate) fn write(
    output: Output,
    records: Vec<Record>,
    run: &Run<'_>,
    config: &Config,
) -> Result<Written, Error> {
    let metric = config.metric;
    let several = run.info.revisions.len() > 1;
    let target = output.shown();
    let (delivered, holds): (Delivered, String) = match config.format {
        Format::Folded => {
            let tree = views::shaped(&run.info.root_name, records, &config.view, metric);
            let delivered = if several {
                output.write(|out| folded::write_diff(&tree, metric, out))?
            } else {
                output.write(|out| folded::write(&tree, metric, out))?
            };
            (delivered, amount(delivered.lines, "stacks"))
        }
        Format::Json if several => {
            let delivered = output.write(|out| json::write_diff(run, &records, metric, out))?;
            (delivered, amount(records.len() as u64, "files"))
        }
        Format::Json => {
            // --depth applies to the report; --by-language does not (every
            // entry names its language).
            let folded = config.view.depth.map(|depth| {
                let mut tree = Tree::build(&run.info.root_name, records.clone());
                views::fold_below(&mut tree, depth, metric);
                tree
            });
            let entries = match &folded {
                Some(tree) => json::Entries::Folded(tree),
                None => json::Entries::Files(&records),
            };
            let unit = match entries {
                json::Entries::Files(_) => "files",
                json::Entries::Folded(_) => "entries",
            };
            let mut written = 0;
            let delivered = output.write(|out| {
                written = json::write(run, entries, metric, &config.walk, out)?;
                Ok(())
            })?;
            (delivered, amount(written as u64, unit))
        }
        Format::Markdown => {
            let delivered = output.write(|out| markdown::write(run, &records, metric, out))?;
            (delivered, amount(records.len() as u64, "files"))
        }
        Format::Csv => {
            // The command line allows CSV with --history only.
            return Err(Error::Format {
                reason: "--format csv writes the rows of --history; give --history".into(),
            });
        }
        Format::Svg | Format::Html => {
            let tree = views::shaped(&run.info.root_name, records, &config.view, metric);
            let (delivered, frames) = write_graph(output, tree, run, config)?;
            (delivered, amount(frames as u64, "frames"))
        }
    };
    Ok(Written {
        target,
        format: config.format,
        bytes: delivered.bytes,
        holds,
        cut_short: delivered.cut_short,
    })
}

/// Merges what is too narrow to draw, lays the flame graph of `tree` out
/// and writes it, as an SVG or inside an HTML report page; says how much
/// was written and how many frames were drawn.
fn write_graph(
    output: Output,
    tree: Tree,
    run: &Run<'_>,
    config: &Config,
) -> Result<(Delivered, usize), Error> {
    let (svg, metric) = (&config.svg, config.metric);
    // The page's tables list the largest directories and files, which
    // merging small entries would hide: they are made from the whole tree.
    let whole = (config.format == Format::Html).then(|| tree.clone());
    let mut tree = tree;
    let width = svg.width.unwrap_or(REFERENCE_WIDTH) as f64 - 20.0;
    let total = tree.root().counts.get(metric) as f64;
    let min_value = (total * svg.min_width / width.max(1.0)).ceil() as u64;
    views::merge_for_drawing(&mut tree, metric, min_value, svg.max_frames);
    let root_label = escape(&run.info.root_name).into_owned();
    let title = config
        .svg
        .title
        .clone()
        .unwrap_or_else(|| match run.info.revisions.as_slice() {
            [] => root_label.clone(),
            [one] => format!("{root_label} @ {}", one.rev),
            [first, .., last] => format!("{root_label}: {}..{}", first.rev, last.rev),
        });
    let subtitle = match run.info.revisions.as_slice() {
        [] => labels::subtitle(run.summary, metric),
        [one] => format!(
            "{} · {}",
            labels::subtitle(run.summary, metric),
            one.described
        ),
        [first, .., last] => labels::diff_subtitle(&tree, metric, first, last),
    };
    // What is not the user's own code, and how to hide it (a diff's
    // frames are not hatched: it says nothing of them).
    let subtitle = match run.info.revisions.len() {
        0 | 1 => std::iter::once(subtitle)
            .chain(labels::class_notes(run.summary))
            .collect::<Vec<_>>()
            .join(" · "),
        _ => subtitle,
    };
    let labels = svg::Labels {
        title: &title,
        subtitle: &subtitle,
        history: run.history.map(|h| (h, run.color, config.view.by_language)),
    };
    let rendered = svg::render(&tree, run.summary, metric, svg, &labels)
        .map_err(|source| Error::Render { source })?;
    let frames = rendered.frames();
    let delivered = match &whole {
        None => output.write(|out| rendered.write(out))?,
        Some(whole) => {
            let page = html::Page {
                title: &title,
                subtitle: &subtitle,
                svg: rendered.bytes(),
                summary: run.summary,
                tree: whole,
                metric,
                history: run.history.map(|h| (h, run.color, config.view.by_language)),
            };
            output.write(|out| html::write(&page, out))?
        }
    };
    drop_in_background((tree, rendered, whole));
    Ok((delivered, frames))
}

/// Frees `value` on another thread: a tree of a large repository is
/// tens of milliseconds to free that nobody needs to wait for (the process
/// may well exit first).
fn drop_in_background<T: Send + 'static>(value: T) {
    if let Err(err) = std::thread::Builder::new().spawn(move || drop(value)) {
        // Could not start a thread: free here, as usual.
        drop(err);
    }
}
