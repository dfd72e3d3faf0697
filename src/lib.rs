//! repoflame: where does the code of this repository live?
//!
//! One run is a pipeline of stages, each a module that takes plain data
//! from the one before:
//!
//! ```text
//! source ──► count ──► tree ──► render / output
//! ```
//!
//! - [`source`]: which files there are (a directory walked in parallel);
//! - [`count`](mod@count): their language and lines, exactly as tokei counts them;
//! - [`tree`]: per-file records aggregated by path, for one [`Metric`];
//! - [`render`] and [`folded`]: SVG, folded stacks, JSON, a terminal table;
//!   [`output`], opened before anything is read, writes stdout, a file
//!   atomically, or a device, FIFO or socket in place.
//!
//! [`run`] drives them from a validated [`Config`]. The library never
//! touches clap; the binary is a thin shell around [`run`].
#![deny(missing_docs)]

pub mod classify;
pub mod cleanup;
pub mod config;
pub mod count;
pub mod diff;
pub mod error;
pub mod escape;
pub mod folded;
pub mod output;
pub mod progress;
pub mod render;
pub mod source;
pub mod tree;

pub use config::{Config, Format, Metric, Source};
pub use error::{Error, Problem};

use crate::progress::Progress;
use crate::tree::{Summary, Tree};

/// What a successful run leaves for the caller to report.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Totals and per-language counts.
    pub summary: Summary,
    /// Entries that could not be read (exit status 1), sorted by path.
    pub problems: Vec<Problem>,
    /// Things done that the user should know about, sorted.
    pub notes: Vec<String>,
}

/// The worker threads of one run: `config.threads` of them, or one per core.
fn thread_pool(config: &Config) -> Result<rayon::ThreadPool, Error> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(config.threads)
        .thread_name(|i| format!("repoflame-{i}"))
        // The tree's passes recurse once per directory level: thousands of
        // nested directories need more than the default 2 MiB.
        .stack_size(64 << 20)
        .build()
        .map_err(|err| Error::Threads {
            threads: config.threads,
            reason: err.to_string(),
        })
}

/// Counts the source of `config`: a directory or one revision.
pub fn count(config: &Config, progress: &Progress) -> Result<source::Counted, Error> {
    source::count(config, &thread_pool(config)?, progress)
}

/// Prints how long each stage took when `REPOFLAME_TIMINGS` is set: a
/// measuring aid for benchmarks, not a feature.
struct Timings(Option<std::time::Instant>);

impl Timings {
    fn start() -> Timings {
        Timings(std::env::var_os("REPOFLAME_TIMINGS").map(|_| std::time::Instant::now()))
    }

    fn mark(&self, stage: &str) {
        if let Some(start) = self.0 {
            eprintln!(
                "timing: {stage} done at {:.3} s",
                start.elapsed().as_secs_f64()
            );
        }
    }
}

/// Frees `value` on another thread: a tree of a large repository is
/// hundreds of thousands of allocations, tens of milliseconds to free that
/// nobody needs to wait for (the process may well exit first).
fn drop_in_background<T: Send + 'static>(value: T) {
    if let Err(err) = std::thread::Builder::new().spawn(move || drop(value)) {
        // Could not start a thread: free here, as usual.
        drop(err);
    }
}

/// Merges what is too narrow to draw, lays the flame graph of `tree` out
/// and writes it to `output`, as an SVG or inside an HTML report page.
/// `subtitle` is told the tree as drawn.
pub(crate) fn write_svg(
    output: output::Output,
    tree: Tree,
    summary: &Summary,
    config: &Config,
    pool: &rayon::ThreadPool,
    title: &str,
    subtitle: impl FnOnce(&Tree) -> String,
) -> Result<(), Error> {
    let (svg, metric) = (&config.svg, config.metric);
    // The page's tables list the largest directories and files, which
    // merging small entries would hide: they are made from the whole tree.
    let whole = (config.format == Format::Html).then(|| tree.clone());
    let mut tree = tree;
    let width = svg.width.unwrap_or(config::REFERENCE_WIDTH) as f64 - 20.0;
    let total = tree.root.counts.get(metric) as f64;
    let min_value = (total * svg.min_width / width.max(1.0)).ceil() as u64;
    tree.merge_for_drawing(metric, min_value, svg.max_frames);
    let subtitle = subtitle(&tree);
    let labels = render::svg::Labels {
        title,
        subtitle: &subtitle,
    };
    let rendered = pool
        .install(|| render::svg::render(&tree, summary, metric, svg, &labels))
        .map_err(|source| Error::Render { source })?;
    match &whole {
        None => output.write(|out| rendered.write(out))?,
        Some(whole) => {
            let page = render::html::Page {
                title,
                subtitle: &subtitle,
                svg: rendered.bytes(),
                summary,
                tree: whole,
                metric,
            };
            output.write(|out| render::html::write(&page, out))?;
        }
    }
    drop_in_background((tree, rendered, whole));
    Ok(())
}

/// Runs the whole pipeline and writes the output.
pub fn run(config: &Config, progress: &Progress) -> Result<Outcome, Error> {
    let timings = Timings::start();
    // First: an output that cannot be written fails before any work.
    let output = output::Output::open(config.output.as_deref())?;
    let pool = thread_pool(config)?;
    if let Source::Diff { repo, from, to } = &config.source {
        return diff::run(config, repo, from, to, output, &pool, progress);
    }
    let counted = source::count(config, &pool, progress)?;
    timings.mark("walk and count");
    let metric = config.metric;
    let summary = Summary::of(&counted.records, metric);
    let root_label = escape::escape(&counted.root_name).into_owned();

    if config.format != Format::Json && summary.totals.get(metric) == 0 {
        return Err(Error::NothingCountable {
            path: config.source.describe(),
            detail: format!(
                "{} counted, with no {}: try another --metric",
                Metric::Files.amount(summary.totals.files),
                metric.unit()
            ),
        });
    }

    // On a worker: its stack is large enough for the tree's recursive passes
    // over thousands of nested directories (see thread_pool).
    let mut counted = counted;
    let records = std::mem::take(&mut counted.records);
    let (counted_ref, summary_ref, root_label) = (&counted, &summary, &root_label);
    let (pool_ref, timings_ref) = (&pool, &timings);
    pool.install(move || -> Result<(), Error> {
        let timings = timings_ref;
        let (counted, summary, pool) = (counted_ref, summary_ref, pool_ref);
        match config.format {
            Format::Folded => {
                let tree = Tree::shaped(&counted.root_name, records, &config.view, metric);
                output.write(|out| folded::write(&tree, metric, out))?;
            }
            Format::Json => {
                // --depth applies to the report; --by-language does not (every
                // entry names its language).
                let folded = config.view.depth.map(|depth| {
                    let mut tree = Tree::build(&counted.root_name, records.clone());
                    tree.fold_below(depth, metric);
                    tree
                });
                let entries = match &folded {
                    Some(tree) => render::json::Entries::Folded(tree),
                    None => render::json::Entries::Files(&records),
                };
                output.write(|out| {
                    render::json::write(
                        &render::json::SourceInfo {
                            name: root_label,
                            revision: counted.revision.as_ref(),
                        },
                        entries,
                        summary,
                        metric,
                        &counted.problems,
                        out,
                    )
                })?;
            }
            Format::Svg | Format::Html => {
                let records = records;
                let tree = pool
                    .install(|| Tree::shaped(&counted.root_name, records, &config.view, metric));
                timings.mark("tree");
                let title = config
                    .svg
                    .title
                    .clone()
                    .unwrap_or_else(|| match &counted.revision {
                        Some(revision) => format!("{root_label} @ {}", revision.rev),
                        None => root_label.clone(),
                    });
                let mut subtitle = render::labels::subtitle(summary, metric);
                if let Some(revision) = &counted.revision {
                    subtitle.push_str(&format!(" · {}", revision.describe()));
                }
                write_svg(output, tree, summary, config, pool, &title, |_| subtitle)?;
            }
        }
        Ok(())
    })?;
    timings.mark("output");
    Ok(Outcome {
        summary,
        problems: counted.problems,
        notes: counted.notes,
    })
}
