//! The limitctl binary: parse arguments, run the command, map the outcome to an exit code.

use std::io::Write as _;
use std::process::ExitCode;

use clap::Parser;
use limitctl::app::{self, Context, Outcome};
use limitctl::cli::{Cli, ColorChoice};
use limitctl::render::Paint;

fn main() -> ExitCode {
    // A panic is a bug; the user gets one line and the error exit code, not a backtrace.
    std::panic::set_hook(Box::new(|info| {
        // Never `eprintln!` here: it panics itself when stderr is a closed pipe.
        let _ = writeln!(
            std::io::stderr(),
            "limitctl: internal error: {info}. Please report this."
        );
        std::process::exit(2);
    }));
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // Usage errors exit 2 like every other error; --help and --version exit 0.
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    let stdout_color = wants_color(cli.color, &std::io::stdout());
    let stderr_color = wants_color(cli.color, &std::io::stderr());
    let _ = miette::set_hook(Box::new(move |_| {
        Box::new(
            miette::MietteHandlerOpts::new()
                .color(stderr_color)
                .unicode(stderr_color)
                .with_cause_chain()
                .build(),
        )
    }));
    let cwd = match std::env::current_dir() {
        Ok(cwd) => cwd,
        Err(e) => {
            let _ = writeln!(
                std::io::stderr(),
                "limitctl: cannot read the current folder: {e}"
            );
            return ExitCode::from(2);
        }
    };
    let mut stdout = std::io::stdout().lock();
    let mut ctx = Context {
        cwd: &cwd,
        paint: Paint {
            color: stdout_color,
        },
        out: &mut stdout,
    };
    match app::run(&cli, &mut ctx) {
        Ok(Outcome::Clean) => ExitCode::SUCCESS,
        Ok(Outcome::Drift) => ExitCode::from(1),
        Err(errors) => {
            // A closed stderr (`… 2>&1 | head -1`) must not turn exit 2 into a crash.
            let mut stderr = std::io::stderr().lock();
            for error in errors {
                let _ = writeln!(stderr, "{error:?}");
            }
            ExitCode::from(2)
        }
    }
}

/// Whether to colour a stream: `auto` asks anstream, which knows terminals, `NO_COLOR`,
/// `CLICOLOR` and `TERM=dumb`.
fn wants_color(choice: ColorChoice, stream: &impl anstream::stream::RawStream) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => anstream::AutoStream::choice(stream) != anstream::ColorChoice::Never,
    }
}
