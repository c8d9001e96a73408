//! How fast `check` is on the shipped example: limits.toml with 20 services over the
//! production-like tree in `fixtures/compose` (five compose files and non-compose YAML).
//!
//! Run with `cargo bench --bench check`. Three measurements: the whole command as CI runs it
//! (find and parse everything, lint, render JSON), the lint rules alone on a loaded
//! workspace, and the human rendering alone.

use std::hint::black_box;
use std::path::{Path, PathBuf};

use clap::Parser;
use criterion::{Criterion, criterion_group, criterion_main};
use limitctl::app::{self, Context, workspace};
use limitctl::cli::Cli;
use limitctl::lint::{self, Options};
use limitctl::render::{self, Paint};

fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn run_check(cwd: &Path, format: &str) -> Vec<u8> {
    let cli = Cli::parse_from(["limitctl", "check", "--format", format]);
    let mut out = Vec::new();
    let mut ctx = Context {
        cwd,
        paint: Paint { color: false },
        out: &mut out,
    };
    // The example drifts before `apply`: the outcome is Drift, which is what CI sees too.
    let outcome = app::run(&cli, &mut ctx);
    assert!(outcome.is_ok(), "check on the example must not fail to run");
    out
}

fn bench(c: &mut Criterion) {
    let cwd = crate_dir();
    c.bench_function("check example (load + lint + json)", |b| {
        b.iter(|| black_box(run_check(&cwd, "json")))
    });

    let ws = workspace::load(&cwd, None).expect("the example loads");
    let selected: Vec<_> = ws.limits.services.iter().collect();
    let options = Options::default();
    let lookup = |_: usize, _: &str| None;
    c.bench_function("lint rules on the loaded example", |b| {
        b.iter(|| black_box(lint::check(&ws, &selected, &options, &lookup)))
    });

    let report = lint::check(&ws, &selected, &options, &lookup);
    c.bench_function("render human (miette) of the example", |b| {
        b.iter(|| black_box(render::human::render(&ws, &report, Paint { color: false })))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
