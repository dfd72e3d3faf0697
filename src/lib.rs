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
//! - [`count`]: their language and lines, exactly as tokei counts them;
//! - [`tree`]: per-file records aggregated by path, for one [`Metric`];
//! - [`render`] and [`folded`]: SVG, folded stacks, JSON, a terminal table;
//!   [`output`] writes stdout or a file atomically.
//!
//! [`run`] drives them from a validated [`Config`]. The library never
//! touches clap; the binary is a thin shell around [`run`].
#![deny(missing_docs)]

pub mod config;
pub mod count;
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

use crate::count::{CountOptions, FileRecord};
use crate::error::display_path;
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

/// Everything counted, before any output is chosen.
#[derive(Debug)]
pub struct Counted {
    /// The root frame's name, raw bytes.
    pub root_name: Vec<u8>,
    /// One record per counted file.
    pub records: Vec<FileRecord>,
    /// Unreadable entries, sorted.
    pub problems: Vec<Problem>,
    /// Notes, sorted.
    pub notes: Vec<String>,
}

/// The worker threads of one run: `config.threads` of them, or one per core.
fn thread_pool(config: &Config) -> Result<rayon::ThreadPool, Error> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(config.threads)
        .thread_name(|i| format!("repoflame-{i}"))
        .build()
        .map_err(|err| Error::Threads {
            threads: config.threads,
            reason: err.to_string(),
        })
}

/// Walks and counts the source of `config`.
pub fn count(config: &Config, progress: &Progress) -> Result<Counted, Error> {
    count_in(&thread_pool(config)?, config, progress)
}

fn count_in(
    pool: &rayon::ThreadPool,
    config: &Config,
    progress: &Progress,
) -> Result<Counted, Error> {
    let Source::Directory(root) = &config.source;
    let options = CountOptions {
        types: &config.walk.types,
        follow: config.walk.follow,
        stream_threshold: config.stream_threshold,
    };
    // The walk hands batches of files to the pool as it finds them, so
    // counting overlaps walking.
    let counted = std::sync::Mutex::new(count::Counted::default());
    progress.start();
    let walked = pool.in_place_scope(|scope| {
        let on_batch = |batch: Vec<std::path::PathBuf>| {
            let (counted, options) = (&counted, &options);
            scope.spawn(move |_| {
                let batch = count::count_batch(batch, root, options, progress);
                counted
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .merge(batch);
            });
        };
        source::walk::walk(root, &config.walk, config.threads, progress, &on_batch)
    })?;
    progress.finish();
    let counted = counted.into_inner().unwrap_or_else(|e| e.into_inner());
    let seen = walked.files;

    let mut problems = walked.problems;
    problems.extend(counted.problems);
    problems.sort();
    let mut notes = walked.notes;
    notes.extend(counted.notes);
    notes.sort();

    if counted.records.is_empty() && !problems.is_empty() {
        // A lone problem with the source itself says it all.
        if let [problem] = problems.as_slice() {
            if problem.path == display_path(root) {
                return Err(Error::Source {
                    path: problem.path.clone(),
                    reason: problem.message.clone(),
                });
            }
        }
        return Err(Error::Unreadable {
            path: display_path(root),
            problems,
        });
    }
    if counted.records.is_empty() {
        let detail = if seen == 0 {
            "no files found (hidden and ignored files are skipped: try --hidden or --no-ignore)"
                .to_string()
        } else if config.walk.types.is_empty() {
            format!("none of the {seen} files found is in a language tokei knows")
        } else {
            format!("none of the {seen} files found is of the languages given with --type")
        };
        return Err(Error::NothingCountable {
            path: display_path(root),
            detail,
        });
    }
    Ok(Counted {
        root_name: match &config.root_name {
            Some(name) => name.as_bytes().to_vec(),
            None => walked.root_name,
        },
        records: counted.records,
        problems,
        notes,
    })
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

/// Runs the whole pipeline and writes the output.
pub fn run(config: &Config, progress: &Progress) -> Result<Outcome, Error> {
    let timings = Timings::start();
    let pool = thread_pool(config)?;
    let counted = count_in(&pool, config, progress)?;
    timings.mark("walk and count");
    let metric = config.metric;
    let summary = Summary::of(&counted.records, metric);
    let root_label = escape::escape(&counted.root_name).into_owned();
    let Source::Directory(root) = &config.source;

    if config.format != Format::Json && summary.totals.get(metric) == 0 {
        return Err(Error::NothingCountable {
            path: display_path(root),
            detail: format!(
                "{} counted, with no {}: try another --metric",
                Metric::Files.amount(summary.totals.files),
                metric.unit()
            ),
        });
    }

    match config.format {
        Format::Folded => {
            let tree = Tree::build(&counted.root_name, counted.records);
            output::write_to(config.output.as_deref(), |out| {
                folded::write(&tree, metric, out)
            })?;
        }
        Format::Json => {
            output::write_to(config.output.as_deref(), |out| {
                render::json::write(
                    &root_label,
                    &counted.records,
                    &summary,
                    metric,
                    &counted.problems,
                    out,
                )
            })?;
        }
        Format::Svg => {
            let records = counted.records;
            let mut tree = pool.install(|| Tree::build(&counted.root_name, records));
            let svg = &config.svg;
            let width = svg.width.unwrap_or(config::REFERENCE_WIDTH) as f64 - 20.0;
            let total = tree.root.counts.get(metric) as f64;
            let min_value = (total * svg.min_width / width.max(1.0)).ceil() as u64;
            timings.mark("tree");
            tree.merge_for_drawing(metric, min_value, svg.max_frames);
            timings.mark("merge");
            let title = svg.title.clone().unwrap_or_else(|| root_label.clone());
            let subtitle = render::svg::subtitle(&summary, metric);
            let labels = render::svg::Labels {
                title: &title,
                subtitle: &subtitle,
            };
            let rendered = pool
                .install(|| render::svg::render(&tree, &summary, metric, svg, &labels))
                .map_err(|source| Error::Render { source })?;
            output::write_to(config.output.as_deref(), |out| rendered.write(out))?;
            drop_in_background((tree, rendered));
        }
    }
    timings.mark("output");
    Ok(Outcome {
        summary,
        problems: counted.problems,
        notes: counted.notes,
    })
}
