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
    // Ctrl-C, SIGTERM, SIGHUP: remove temporary clones and output files,
    // then exit as interrupted programs do, 128 + the signal.
    if handle_interrupts().is_ok() {
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
        // The run stopped (or failed: "interrupted") because of a signal
        // whose handler is removing what was registered: let it finish and
        // exit 128 + the signal, rather than racing it to an exit of our
        // own.
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

/// The signals that interrupt a run: Ctrl-C, `kill`, a closed terminal.
const INTERRUPTS: [libc::c_int; 3] = [libc::SIGINT, libc::SIGTERM, libc::SIGHUP];

/// Starts the thread that handles [`INTERRUPTS`]: it removes what is
/// registered for clean-up and exits with 128 + the signal (130, 143,
/// 129). signal-hook's handler only writes the signal's number to a pipe
/// that this thread reads, so the clean-up runs as ordinary code, and each
/// signal is told apart (the `ctrlc` crate gave them all one status).
/// A SIGHUP ignored from the start stays ignored: that is how `nohup`
/// lets a run outlive its terminal.
fn handle_interrupts() -> std::io::Result<()> {
    let wanted = INTERRUPTS
        .into_iter()
        .filter(|&signal| !(signal == libc::SIGHUP && ignored(signal)));
    let mut signals = signal_hook::iterator::Signals::new(wanted)?;
    std::thread::Builder::new()
        .name("repoflame-signals".into())
        .spawn(move || {
            if let Some(signal) = signals.forever().next() {
                repoflame::cleanup::interrupt();
                std::process::exit(128 + signal);
            }
        })?;
    Ok(())
}

/// Whether `signal` is ignored (inherited so from the parent).
fn ignored(signal: libc::c_int) -> bool {
    // SAFETY: only reads the disposition (no new action is given).
    unsafe {
        let mut old: libc::sigaction = std::mem::zeroed();
        libc::sigaction(signal, std::ptr::null(), &mut old) == 0
            && old.sa_sigaction == libc::SIG_IGN
    }
}

/// Blocks [`INTERRUPTS`] in this thread and the threads it starts, so that
/// they reach the handler's thread only, which was started before.
fn block_interrupts() {
    // SAFETY: plain libc calls on a local, initialised signal set.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        for signal in INTERRUPTS {
            libc::sigaddset(&mut set, signal);
        }
        libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut());
    }
}

/// Prints one error line and gives exit status 2.
fn fail(message: &str) -> ExitCode {
    let _ = writeln!(std::io::stderr(), "repoflame: {message}");
    ExitCode::from(2)
}
