//! The `repoflame` binary: arguments → what to do → repoflame::run → exit
//! status.

mod cli;

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use cli::Action;
use repoflame::{Error, Progress};

/// jemalloc, not the system's allocator: a run makes some fifteen small
/// allocations per file on several threads (the walk's paths, tokei's
/// names and jobs), where glibc's malloc spends a tenth of a million-file
/// run (Cargo.toml says what was measured).
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() -> ExitCode {
    let (config, quiet, verbose) = match cli::action() {
        Ok(Action::Run {
            config,
            quiet,
            verbose,
        }) => (config, quiet, verbose),
        Ok(Action::Print(text)) => return print(&text),
        Err(status) => return status,
    };
    if let Err(err) = repoflame::prepare(&config) {
        return fail(&format!("cannot handle signals: {err}"));
    }
    let on_terminal = !quiet && std::io::stderr().is_terminal();
    let progress = match on_terminal {
        true => Progress::stderr(),
        false => Progress::hidden(),
    };
    let result = repoflame::run(&config, &progress);
    if repoflame::interrupted() {
        // The run stopped because of a signal whose thread is removing what
        // was registered: it exits 128 + the signal, not us.
        loop {
            std::thread::park();
        }
    }
    let mut stderr = std::io::stderr().lock();
    match result {
        Ok(outcome) => {
            for note in outcome.notes.iter().filter(|_| !quiet) {
                let _ = writeln!(stderr, "repoflame: {note}");
            }
            for problem in &outcome.problems {
                let _ = writeln!(stderr, "repoflame: {problem}");
            }
            if on_terminal || verbose {
                let _ = outcome.write_table(&mut stderr, verbose);
            }
            ExitCode::from(u8::from(!outcome.problems.is_empty()))
        }
        Err(Error::Unreadable { path, problems }) => {
            for problem in &problems {
                let _ = writeln!(stderr, "repoflame: {problem}");
            }
            fail(&format!("{path}: nothing could be read"))
        }
        Err(err) => fail(&err.to_string()),
    }
}

/// Prints generated text (completions, the man page); a closed pipe is
/// fine.
fn print(text: &[u8]) -> ExitCode {
    match std::io::stdout().lock().write_all(text) {
        Err(err) if err.kind() != std::io::ErrorKind::BrokenPipe => {
            fail(&format!("<stdout>: {}", repoflame::io_reason(&err)))
        }
        _ => ExitCode::SUCCESS,
    }
}

/// Prints one error line and gives exit status 2.
fn fail(message: &str) -> ExitCode {
    let _ = writeln!(std::io::stderr(), "repoflame: {message}");
    ExitCode::from(2)
}
