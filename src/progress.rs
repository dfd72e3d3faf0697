//! Progress on stderr during long runs: a spinner while walking, a bar while
//! counting. Only shown when stderr is a terminal (the binary decides); the
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

    /// Starts the walk stage: a spinner counting files found.
    pub fn walking(&self) {
        if let Some(bar) = &self.bar {
            bar.set_style(
                ProgressStyle::with_template("{spinner} walking: {human_pos} files found")
                    .expect("valid template"),
            );
            bar.enable_steady_tick(Duration::from_millis(100));
        }
    }

    /// Starts the count stage: a bar over `total` files.
    pub fn counting(&self, total: u64) {
        if let Some(bar) = &self.bar {
            bar.set_style(
                ProgressStyle::with_template(
                    "{spinner} counting: {human_pos}/{human_len} files [{bar:30}] {eta}",
                )
                .expect("valid template")
                .progress_chars("=> "),
            );
            bar.set_position(0);
            bar.set_length(total);
        }
    }

    /// `n` more files found or counted.
    pub fn advance(&self, n: u64) {
        if let Some(bar) = &self.bar {
            bar.inc(n);
        }
    }

    /// Removes the indicator from the terminal.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
