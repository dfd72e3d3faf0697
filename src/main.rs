//! The `repoflame` binary: arguments → Config → repoflame::run → exit code.

mod cli;

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use clap::Parser;
use repoflame::progress::Progress;
use repoflame::{Format, render};

fn main() -> ExitCode {
    let args = match cli::Args::try_parse() {
        Ok(args) => args,
        Err(err) => return cli::usage_error(err),
    };
    match cli::generate(&args) {
        Ok(true) => return ExitCode::SUCCESS,
        Ok(false) => {}
        Err(err) if err.kind() == std::io::ErrorKind::BrokenPipe => return ExitCode::SUCCESS,
        Err(err) => return fail(&format!("<stdout>: {}", repoflame::error::io_reason(&err))),
    }
    let quiet = args.quiet;
    let config = match args.into_config() {
        Ok(config) => config,
        Err(err) => return fail(&format!("{err:#}")),
    };
    if config.output.is_none() && config.format.is_binary_like() && std::io::stdout().is_terminal()
    {
        let (what, file) = match config.format {
            Format::Html => ("an HTML page", "report.html"),
            _ => ("an SVG", "graph.svg"),
        };
        return fail(&format!(
            "not writing {what} to a terminal: redirect it (repoflame … > {file}), \
             use -o {file}, or --format folded for text"
        ));
    }
    skip_tls_setup_for_local_git(&config);
    // Past a file-size limit (ulimit -f), a write should fail with EFBIG,
    // so that the temporary output is removed, rather than SIGXFSZ killing
    // the process and leaving it behind.
    // SAFETY: setting a signal to be ignored, before any thread starts.
    unsafe { libc::signal(libc::SIGXFSZ, libc::SIG_IGN) };
    // Ctrl-C: remove temporary clones and output files, then exit as
    // interrupted programs do.
    if ctrlc::set_handler(|| {
        repoflame::cleanup::interrupt();
        std::process::exit(130);
    })
    .is_ok()
    {
        // Only the handler's thread takes the signals: a system call of
        // this thread (or of a worker, which inherits the mask) is not cut
        // short into a misleading error while the handler cleans up.
        block_interrupts();
    }
    let on_terminal = !quiet && std::io::stderr().is_terminal();
    let progress = if on_terminal {
        Progress::stderr()
    } else {
        Progress::hidden()
    };

    let result = repoflame::run(&config, &progress);
    if repoflame::cleanup::interrupted() {
        // The run stopped (or failed: "interrupted") because of a Ctrl-C
        // whose handler is removing what was registered: let it finish and
        // exit 130, rather than racing it to an exit of our own.
        loop {
            std::thread::park();
        }
    }
    match result {
        Ok(outcome) => {
            let mut stderr = std::io::stderr().lock();
            if !quiet {
                for note in &outcome.notes {
                    let _ = writeln!(stderr, "repoflame: {note}");
                }
            }
            for problem in &outcome.problems {
                let _ = writeln!(stderr, "repoflame: {problem}");
            }
            if on_terminal {
                let _ = render::table::write(&outcome.summary, &mut stderr);
            }
            if outcome.problems.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            }
        }
        Err(repoflame::Error::Unreadable { path, problems }) => {
            let mut stderr = std::io::stderr().lock();
            for problem in &problems {
                let _ = writeln!(stderr, "repoflame: {problem}");
            }
            fail(&format!("{path}: nothing could be read"))
        }
        Err(err) => fail(&err.to_string()),
    }
}

/// libgit2 loads every certificate of the CA bundle when it starts (18 ms
/// here), which a local repository never needs: point it at an empty
/// bundle unless a remote is to be cloned. Must run before any thread is
/// started (it sets an environment variable).
fn skip_tls_setup_for_local_git(config: &repoflame::Config) {
    use repoflame::config::Repo;
    let local = matches!(
        &config.source,
        repoflame::Source::Revision {
            repo: Repo::Local(_),
            ..
        } | repoflame::Source::Diff {
            repo: Repo::Local(_),
            ..
        }
    );
    if local {
        // SAFETY: single-threaded here: no thread has been started yet.
        unsafe { std::env::set_var("SSL_CERT_FILE", "/dev/null") };
    }
}

/// Blocks SIGINT and SIGTERM in this thread and the threads it starts.
fn block_interrupts() {
    // SAFETY: plain libc calls on a local, initialised signal set.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, libc::SIGINT);
        libc::sigaddset(&mut set, libc::SIGTERM);
        libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut());
    }
}

/// Prints one error line and gives exit status 2.
fn fail(message: &str) -> ExitCode {
    let _ = writeln!(std::io::stderr(), "repoflame: {message}");
    ExitCode::from(2)
}
