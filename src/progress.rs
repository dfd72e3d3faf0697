//! Progress on stderr during long runs: files counted out of files found
//! so far. Only shown when stderr is a terminal (the binary decides); the
//! library calls these methods unconditionally and they cost nothing when
//! hidden.

use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// A progress indicator that may be hidden.
#[derive(Debug, Default)]
pub struct Progress {
    bar: Option<ProgressBar>,
}

impl Progress {
    /// A progress indicator that shows nothing.
    pub fn hidden() -> Progress {
        Progress { bar: None }
    }

    /// A progress indicator drawn on stderr.
    pub fn stderr() -> Progress {
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr_with_hz(10));
        Progress { bar: Some(bar) }
    }

    /// Starts the run: a bar over the files found so far.
    pub fn start(&self) {
        if let Some(bar) = &self.bar {
            bar.set_style(
                ProgressStyle::with_template(
                    "{spinner} counted {human_pos} of {human_len} files found [{bar:30}] {elapsed}",
                )
                .expect("valid template")
                .progress_chars("=> "),
            );
            bar.reset();
            bar.set_length(0);
            bar.enable_steady_tick(Duration::from_millis(100));
        }
    }

    /// `n` more files found.
    pub fn found(&self, n: u64) {
        if let Some(bar) = &self.bar {
            bar.inc_length(n);
        }
    }

    /// `n` more files counted.
    pub fn advance(&self, n: u64) {
        if let Some(bar) = &self.bar {
            bar.inc(n);
        }
    }

    /// Objects and bytes received from a remote so far.
    pub fn receiving(&self, objects: u64, total: u64, bytes: u64) {
        if let Some(bar) = &self.bar {
            if bar.length() != Some(total) {
                bar.set_style(
                    ProgressStyle::with_template(
                        "{spinner} receiving objects: {human_pos}/{human_len} {msg} [{bar:30}]",
                    )
                    .expect("valid template")
                    .progress_chars("=> "),
                );
                bar.reset();
                bar.set_length(total);
                bar.enable_steady_tick(Duration::from_millis(100));
            }
            bar.set_position(objects);
            bar.set_message(crate::units::human_bytes(bytes));
        }
    }

    /// Starts a run over `total` revisions (`--history`).
    pub fn start_revisions(&self, total: u64) {
        if let Some(bar) = &self.bar {
            bar.set_style(
                ProgressStyle::with_template(
                    "{spinner} revision {human_pos} of {human_len} counted, {msg} [{bar:30}] {elapsed}",
                )
                .expect("valid template")
                .progress_chars("=> "),
            );
            bar.reset();
            bar.set_length(total);
            bar.set_message("0 distinct files read");
            bar.enable_steady_tick(Duration::from_millis(100));
        }
    }

    /// One more revision counted; `distinct` files read so far in all.
    pub fn revision_done(&self, distinct: usize) {
        if let Some(bar) = &self.bar {
            bar.inc(1);
            bar.set_message(format!(
                "{} distinct files read",
                crate::units::thousands(distinct as u64)
            ));
        }
    }

    /// Removes the indicator from the terminal.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
