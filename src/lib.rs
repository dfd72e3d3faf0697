//! repoflame: where does the code of this repository live?
//!
//! One run is a pipeline of stages, each a module that takes plain data
//! from the one before and imports nothing from the ones after:
//!
//! ```text
//! source ──► count ──► classify ──► tree ──► views ──► render / output
//! ```
//!
//! - `source`: listings of entries (a path and a content id), one per side
//!   (a directory walked in parallel, a revision read from git objects, two
//!   revisions for a diff), handed on in batches as they are found;
//! - `count`: each distinct content counted once, exactly as tokei counts
//!   it, streamed; the sides joined by path into records;
//! - `classify`: generated, vendored and documentation files;
//! - `tree`: records joined by path into frames, an arena without
//!   recursion; `views`: `--depth`, `--by-language`, merging what is too
//!   small to draw;
//! - `render`: SVG, HTML, JSON, folded stacks, the terminal table, written
//!   by `output` (opened first of all, so that an output that cannot be
//!   written fails before any work).
//!
//! [`run`] drives them from a validated [`Config`]. The library never
//! touches clap; the binary is a thin shell around [`run`].
#![warn(unreachable_pub)]

mod baseline;
mod classify;
mod config;
mod count;
mod error;
pub mod escape;
mod history;
mod interrupt;
mod output;
mod progress;
mod record;
mod render;
mod source;
mod timeline;
mod tree;
mod units;
mod views;

pub use config::{
    CacheOptions, Color, Config, DEFAULT_CACHE_LIMIT, DEFAULT_MAX_FRAMES, DEFAULT_STREAM_THRESHOLD,
    DEFAULT_TIMEOUT, DEFAULT_WINDOW_COMMITS, Format, HistorySpec, MAX_HISTORY_SAMPLES, Metric,
    Repo, Since, Source, SvgOptions, View, WalkOptions, Window,
};
pub use error::{Error, Problem, display_path, io_reason};
pub use interrupt::interrupted;
pub use output::Written;
pub use progress::Progress;
pub use record::{Sides, Summary};
pub use source::check_excludes;
pub use source::git::is_git_dir;

use crate::count::{CountOptions, Counter};

/// What a successful run leaves for the caller to report.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Totals and per-language counts (of the later side of a diff; each
    /// side's in `summary.sides`).
    pub summary: Summary,
    /// The revisions of the sides, as given (none for a directory, two for
    /// a diff).
    pub revisions: Vec<String>,
    /// What was written where.
    pub written: Written,
    /// Entries that could not be read (exit status 1), sorted by path.
    pub problems: Vec<Problem>,
    /// Things done that the user should know about, sorted.
    pub notes: Vec<String>,
}

impl Outcome {
    /// The summary as the terminal table shows it: the largest languages
    /// and a line for the rest (every language with `all_languages`), the
    /// totals (before, after and the change for a diff), and what was
    /// written where.
    pub fn write_table(
        &self,
        out: impl std::io::Write,
        all_languages: bool,
    ) -> std::io::Result<()> {
        let table = render::table::Table {
            summary: &self.summary,
            revisions: &self.revisions,
            written: Some(&self.written),
            all_languages,
        };
        table.write(out)
    }
}

/// Sets the process up for [`run`], before any other thread is started:
/// signals (Ctrl-C, SIGTERM, SIGHUP clean up and exit 128 + the signal)
/// and, for a local repository (or a directory's history), no TLS set-up (libgit2 loads every
/// certificate of the CA bundle when it starts, 18 ms here, which only a
/// clone needs).
pub fn prepare(config: &Config) -> std::io::Result<()> {
    let local = matches!(
        &config.source,
        Source::Revision {
            repo: Repo::Local(_),
            ..
        } | Source::Diff {
            repo: Repo::Local(_),
            ..
        }
    ) || (matches!(config.source, Source::Directory(_))
        && config.history_wanted().is_some());
    if local {
        // SAFETY: no other thread has been started yet.
        unsafe { std::env::set_var("SSL_CERT_FILE", "/dev/null") };
    }
    interrupt::handle_signals()
}

/// Empties the count cache in `dir` (see [`CacheOptions`]); a cache that
/// is not there is no error.
pub fn clear_cache(dir: &std::path::Path) -> std::io::Result<()> {
    count::cache::clear(dir)
}

/// Runs the whole pipeline and writes the output.
pub fn run(config: &Config, progress: &Progress) -> Result<Outcome, Error> {
    let timings = Timings::start();
    // An output that cannot be written fails before any work.
    let output = output::Output::open(config.output.as_deref())?;
    let pool = thread_pool(config)?;
    if let Source::History { repo, spec } = &config.source {
        return run_history(config, repo, spec, output, &pool, progress);
    }

    // A baseline (the before side, from a saved report) is read and
    // checked before any counting.
    let baseline = match &config.baseline {
        Some(path) => Some(baseline::Baseline::load(path, config)?),
        None => None,
    };
    // source: a directory, or a repository with its revisions resolved.
    let source = source::open(config, progress)?;
    let mut info = source.info(config);
    // The history of a colour that needs it: the repository is opened
    // first (no history is an error before any counting), and read on a
    // thread of its own while the files are counted.
    let history = match config.history_wanted() {
        Some(_) => Some(source::git::history::open(config, &source)?),
        None => None,
    };
    let store = source.store(config);

    // count: batches counted on the pool as the source lists them, what
    // the cache has taken from it.
    let mut notes = Vec::new();
    let cache = config.cache.as_ref().map(|c| {
        let (cache, note) = count::cache::Cache::open(&c.dir, c.limit);
        notes.extend(note);
        timings.mark("cache read");
        cache
    });
    let options = CountOptions {
        types: &config.walk.types,
        stream_threshold: config.stream_threshold,
        follow: config.walk.follow,
    };
    let root_name = std::path::PathBuf::from(std::ffi::OsStr::from_bytes(&info.root_name));
    let counter = Counter::new(
        options,
        &*store,
        cache.as_ref(),
        &root_name,
        source.sides(),
        progress,
    );
    progress.start();
    // Listing is faster than counting: at most a few batches wait, so that
    // the entries of a million files are not all held at once.
    let in_flight = InFlight::new(4 * pool.current_num_threads());
    let marks = &timings;
    let (listed, history) = std::thread::scope(|threads| {
        let history = history.map(|opened| {
            std::thread::Builder::new()
                .name("repoflame-history".into())
                .spawn_scoped(threads, move || {
                    let history = opened.read(config.window, progress);
                    marks.mark("history");
                    history
                })
                .map_err(|err| Error::Threads {
                    threads: 1,
                    reason: err.to_string(),
                })
        });
        let listed = pool.in_place_scope(|scope| {
            let (counter, in_flight) = (&counter, &in_flight);
            source.list(config, progress, &move |side, batch| {
                in_flight.enter();
                scope.spawn(move |_| {
                    counter.count_batch(side, batch);
                    in_flight.leave();
                })
            })
        });
        let history = history.map(|thread| {
            thread.and_then(|thread| thread.join().expect("reading history panicked"))
        });
        (listed, history)
    });
    let listed = listed?;
    // Waited for when the run ends, as the cache's saving.
    let _keeping = listed.keeping;
    let history = history.transpose()?;
    progress.finish();
    timings.mark("list and count");
    let counted = counter.finish();
    timings.mark("records");
    // The cache is written while the run goes on (on another core).
    let mut saving = Saving(cache.map(|cache| {
        timings.say(&format!(
            "cache: {} served from the cache, {} read",
            counted.served, counted.read
        ));
        std::thread::spawn(move || cache.save())
    }));

    // classify, and leave out what was asked.
    let mut attributes = classify::Attributes::new();
    notes.extend(listed.notes);
    for (dir, content) in &listed.attributes {
        notes.extend(attributes.add(dir, content));
    }
    let mut records = counted.records;
    // --metric commits: each file's commits in the window.
    if let Some(history) = &history {
        for record in &mut records {
            let key = render::json::record_path_of(&record.path);
            record.counts.commits = history.commits(&key);
        }
    }
    pool.install(|| {
        use rayon::prelude::*;
        records
            .par_iter_mut()
            .with_min_len(1024)
            .for_each(|r| classify::apply(&r.path, &mut r.class, &attributes, &listed.prefix))
    });
    let left_out = record::leave_out(&mut records, |r| {
        classify::kept(r.class.as_deref(), &config.walk)
    });
    // A baseline is the before side: joined by path, as a diff's sides.
    if let Some(baseline) = baseline {
        if info.revisions.is_empty() {
            info.revisions.push(baseline::working_tree());
        }
        info.revisions.insert(0, baseline.revision.clone());
        let (joined, warnings) = baseline.join(records, config)?;
        records = joined;
        notes.extend(warnings);
    }
    let mut problems = listed.problems;
    problems.extend(counted.problems);
    problems.sort();
    notes.extend(counted.notes);
    notes.sort();
    notes.dedup();
    check_countable(&records, &problems, &left_out, listed.found, config, &info)?;
    timings.mark("classify");

    // tree, views and render.
    let mut summary = Summary::of(&records, config.metric);
    summary.left_out = left_out;
    let drawn = render::Run {
        info: &info,
        summary: &summary,
        problems: &problems,
        distinct: counted.distinct,
        history: history.as_ref(),
        color: config.color,
    };
    let written = pool.install(|| render::write(output, records, &drawn, config))?;
    timings.mark("output");
    if let Some(note) = saving.join() {
        notes.push(note);
        notes.sort();
    }
    Ok(Outcome {
        summary,
        revisions: info.revisions.iter().map(|r| r.rev.clone()).collect(),
        written,
        problems,
        notes,
    })
}

use std::os::unix::ffi::OsStrExt;

/// `--history`: every revision counted, then one page, report or table of
/// them all.
fn run_history(
    config: &Config,
    repo: &Repo,
    spec: &config::HistorySpec,
    output: output::Output,
    pool: &rayon::ThreadPool,
    progress: &Progress,
) -> Result<Outcome, Error> {
    let ran = timeline::run(config, repo, spec, pool, progress)?;
    let timeline = &ran.timeline;
    let target = output.shown();
    let (delivered, holds) = match config.format {
        Format::Json => (
            output.write(|out| render::timeline::write_json(timeline, &ran.problems, out))?,
            units::amount(timeline.samples.len() as u64, "revisions"),
        ),
        Format::Csv => {
            let mut rows = 0;
            let delivered = output.write(|out| {
                rows = render::timeline::write_csv(timeline, out)?;
                Ok(())
            })?;
            (delivered, units::amount(rows as u64, "rows"))
        }
        _ => {
            let mut frames = 0;
            let delivered = output.write(|out| {
                frames = render::timeline::write_html(timeline, out)?;
                Ok(())
            })?;
            (
                delivered,
                format!(
                    "{}, {}",
                    units::amount(timeline.samples.len() as u64, "revisions"),
                    units::amount(frames as u64, "frames")
                ),
            )
        }
    };
    let summary = timeline
        .samples
        .last()
        .map(|s| s.summary.clone())
        .unwrap_or_default();
    Ok(Outcome {
        summary,
        revisions: timeline
            .samples
            .iter()
            .map(|s| s.revision.rev.clone())
            .collect(),
        written: Written {
            target,
            format: if config.format == Format::Csv || config.format == Format::Json {
                config.format
            } else {
                Format::Html
            },
            bytes: delivered.bytes,
            holds,
            cut_short: delivered.cut_short,
        },
        problems: ran.problems,
        notes: ran.notes,
    })
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

/// Fails when nothing was counted, saying why: every entry unreadable, or
/// nothing in a known language, or nothing of the metric.
fn check_countable(
    records: &[record::Record],
    problems: &[Problem],
    left_out: &[(classify::Class, record::Counts)],
    found: usize,
    config: &Config,
    info: &source::SourceInfo,
) -> Result<(), Error> {
    let (place, what) = source::what_was_looked_at(info);
    if records.is_empty() {
        if !problems.is_empty() {
            // A lone problem with the source itself says it all.
            if let [problem] = problems {
                if problem.path == info.place {
                    return Err(Error::Source {
                        path: problem.path.clone(),
                        reason: problem.message.clone(),
                    });
                }
            }
            return Err(Error::Unreadable {
                path: place,
                problems: problems.to_vec(),
            });
        }
        let detail = if !left_out.is_empty() {
            let files: u64 = left_out.iter().map(|(_, c)| c.files).sum();
            let classes: Vec<&str> = left_out.iter().map(|(class, _)| class.name()).collect();
            let walk = &config.walk;
            let flags =
                if walk.exclude_generated && walk.exclude_vendored && walk.exclude_documentation {
                    "--own".to_string()
                } else {
                    let flags: Vec<String> = left_out
                        .iter()
                        .map(|(class, _)| format!("--exclude-{}", class.name()))
                        .collect();
                    flags.join(" and ")
                };
            if files == 1 {
                format!("the 1 file counted is {}, left out by {flags}", classes[0])
            } else {
                format!(
                    "the {} counted are all {}, left out by {flags}",
                    units::files(files),
                    units::either(&classes)
                )
            }
        } else if info.revisions.len() > 1 {
            format!(
                "no file in a language tokei knows at {} or {}",
                info.revisions[0].rev,
                info.revisions[info.revisions.len() - 1].rev
            )
        } else if found == 0 && what.is_empty() {
            "no files found (hidden and ignored files are skipped: try --hidden or --no-ignore)"
                .to_string()
        } else if found == 0 {
            format!("no {what}files found (hidden files are skipped: try --hidden)")
        } else if config.walk.types.is_empty() {
            format!("none of the {found} {what}files found is in a language tokei knows")
        } else {
            format!("none of the {found} {what}files found is of the languages given with --type")
        };
        let path = if info.revisions.len() > 1 {
            info.place.clone()
        } else {
            place
        };
        return Err(Error::NothingCountable { path, detail });
    }
    let metric = config.metric;
    let total: u64 = records.iter().map(|r| r.last().get(metric)).sum();
    if config.format != Format::Json && info.revisions.len() < 2 && total == 0 {
        let files = records.len() as u64;
        return Err(Error::NothingCountable {
            path: info.place.clone(),
            detail: format!(
                "{} counted, with no {}: try another --metric",
                Metric::Files.amount(files),
                metric.unit()
            ),
        });
    }
    Ok(())
}

/// The count cache being written; joined when dropped, so that no run
/// ends (on an error too) with a snapshot half written.
struct Saving(Option<std::thread::JoinHandle<Option<String>>>);

impl Saving {
    /// Waits for the cache to be written: a note when it could not be.
    fn join(&mut self) -> Option<String> {
        self.0
            .take()
            .and_then(|saving| saving.join().ok().flatten())
    }
}

impl Drop for Saving {
    fn drop(&mut self) {
        self.join();
    }
}

/// A bound on the batches listed but not yet counted.
struct InFlight {
    count: std::sync::Mutex<usize>,
    done: std::sync::Condvar,
    limit: usize,
}

impl InFlight {
    fn new(limit: usize) -> InFlight {
        InFlight {
            count: std::sync::Mutex::new(0),
            done: std::sync::Condvar::new(),
            limit: limit.max(1),
        }
    }

    /// Waits until fewer than the limit are in flight, and adds one. Only
    /// the listing threads wait (never a worker of the pool, which does
    /// the counting).
    fn enter(&self) {
        let mut count = self.count.lock().unwrap_or_else(|e| e.into_inner());
        while *count >= self.limit {
            count = self.done.wait(count).unwrap_or_else(|e| e.into_inner());
        }
        *count += 1;
    }

    fn leave(&self) {
        let mut count = self.count.lock().unwrap_or_else(|e| e.into_inner());
        *count -= 1;
        self.done.notify_one();
    }
}

/// Prints how long each stage took when `REPOFLAME_TIMINGS` is set: a
/// measuring aid for benchmarks, not a feature.
struct Timings(Option<std::time::Instant>);

impl Timings {
    fn start() -> Timings {
        Timings(std::env::var_os("REPOFLAME_TIMINGS").map(|_| std::time::Instant::now()))
    }

    fn say(&self, what: &str) {
        if self.0.is_some() {
            eprintln!("timing: {what}");
        }
    }

    fn mark(&self, stage: &str) {
        if let Some(start) = self.0 {
            // Resident memory now and at its peak, from the kernel.
            let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
            let field = |name: &str| {
                status
                    .lines()
                    .find_map(|l| l.strip_prefix(name))
                    .map(|v| v.trim().to_string())
                    .unwrap_or_default()
            };
            eprintln!(
                "timing: {stage} done at {:.3} s (RSS {}, peak {})",
                start.elapsed().as_secs_f64(),
                field("VmRSS:"),
                field("VmHWM:")
            );
        }
    }
}
