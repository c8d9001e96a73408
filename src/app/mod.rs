//! The I/O edge: read the files, call the pure planner, verifier and linter, print, write.

pub mod workspace;
mod write;

use std::collections::BTreeMap;
use std::path::Path;

use miette::Report;

use crate::cli::{ApplyArgs, Cli, Command, StripArgs, WriteOptions};
use crate::diag::PlainDiagnostic;
use crate::engine::{self, Edited, EngineError, Operation};
use crate::limits::{self, ServiceLimits};
use crate::render::report::{self, EditReport, FileReport, Kind};
use crate::render::{Paint, diff};
use workspace::Workspace;

/// How a command ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Done; nothing to report as drift.
    Clean,
    /// `check` found error-level findings.
    Drift,
}

/// The result of a command: its outcome and what it printed, or every error.
pub type CommandResult = Result<Outcome, Vec<Report>>;

/// Where a command runs and how it prints.
pub struct Context<'a> {
    /// The current folder.
    pub cwd: &'a Path,
    /// Colour for stdout.
    pub paint: Paint,
    /// Where normal output goes.
    pub out: &'a mut dyn std::io::Write,
}

impl Context<'_> {
    fn print(&mut self, text: &str) -> Result<(), Vec<Report>> {
        self.out.write_all(text.as_bytes()).map_err(|e| {
            vec![Report::new(PlainDiagnostic::new(
                format!("cannot write output: {e}"),
                None,
            ))]
        })
    }
}

/// Run a parsed command line.
pub fn run(cli: &Cli, ctx: &mut Context<'_>) -> CommandResult {
    let config = cli.config.as_deref();
    match &cli.command {
        Command::Apply(args) => apply(ctx, config, args),
        Command::Strip(args) => strip(ctx, config, args),
        Command::Check(args) => crate::app::check(ctx, config, args),
        Command::Plan(args) => {
            let ws = workspace::load(ctx.cwd, config)?;
            let text =
                crate::render::runbook::render(&ws, args.stage.as_deref()).map_err(|e| vec![e])?;
            ctx.print(&text)?;
            Ok(Outcome::Clean)
        }
        Command::Explain(args) => {
            let text = crate::lint::explain(&args.code).ok_or_else(|| {
                vec![Report::new(PlainDiagnostic::new(
                    format!("no finding code `{}`", args.code),
                    Some(format!("codes: {}", crate::lint::CODES.join(", "))),
                ))]
            })?;
            ctx.print(&text)?;
            Ok(Outcome::Clean)
        }
    }
}

/// `check` lives with the lint rules' rendering; see [`crate::app::check`].
pub use check_command::check;
mod check_command;

/// Edit one file, turning every failure into located reports.
fn edit_file(
    ws: &Workspace,
    index: usize,
    operation: Operation<'_>,
) -> Result<(usize, Edited), Vec<Report>> {
    let file = &ws.files[index];
    match engine::edit_document(&file.doc, operation) {
        Ok(edited) => Ok((index, edited)),
        Err(EngineError::Plan(errors)) => Err(errors
            .into_iter()
            .map(|e| {
                Report::new(
                    file.diagnostic(e.range, e.message)
                        .label(format!("service `{}`", e.service))
                        .help(e.help),
                )
            })
            .collect()),
        Err(e) => Err(vec![Report::new(PlainDiagnostic::new(
            format!("{}: {e}", file.display),
            Some("nothing was written; the file may use a construct limitctl cannot edit safely, please report it".into()),
        ))]),
    }
}

fn apply(ctx: &mut Context<'_>, config: Option<&Path>, args: &ApplyArgs) -> CommandResult {
    let ws = workspace::load(ctx.cwd, config)?;
    let selected = ws.select(&args.selection.services, args.selection.stage.as_deref())?;
    // A table naming a service that does not exist is wrong as a whole: refuse before editing.
    let mut errors: Vec<Report> = ws
        .limits
        .services
        .iter()
        .filter_map(|entry| ws.placement_error(entry))
        .collect();
    let mut held = Vec::new();
    let mut by_file: BTreeMap<usize, Vec<&ServiceLimits>> = BTreeMap::new();
    for entry in selected {
        if let Some(reason) = &entry.hold {
            held.push((entry.name.clone(), reason.clone()));
        } else if let Some(i) = ws.file_of(&entry.name) {
            by_file.entry(i).or_default().push(entry);
        }
    }
    let mut edited = Vec::new();
    for (i, entries) in by_file {
        let table: Vec<ServiceLimits> = entries.into_iter().cloned().collect();
        match edit_file(&ws, i, Operation::Apply(&table, ws.limits.compose.write)) {
            Ok(e) => edited.push(e),
            Err(e) => errors.extend(e),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    conclude(
        ctx,
        &ws,
        Kind::Apply,
        edited,
        held,
        Vec::new(),
        None,
        &args.write,
    )
}

fn strip(ctx: &mut Context<'_>, config: Option<&Path>, args: &StripArgs) -> CommandResult {
    let ws = workspace::load(ctx.cwd, config)?;
    let mut errors = Vec::new();
    // Strip works on any compose service: rollback is never blocked by the table.
    let names: Vec<String> = if args.all {
        ws.limits.services.iter().map(|s| s.name.clone()).collect()
    } else if let Some(stage) = &args.stage {
        ws.select(&[], Some(stage))?
            .iter()
            .map(|s| s.name.clone())
            .collect()
    } else {
        args.services.clone()
    };
    let mut by_file: BTreeMap<usize, Vec<&str>> = BTreeMap::new();
    for name in &names {
        let files = ws.index.files(name);
        let file = match files {
            [] => {
                // A table service no file defines has nothing to strip when the whole
                // table is asked for; a name typed by hand must exist.
                if args.services.is_empty() {
                    continue;
                }
                errors.push(Report::new(PlainDiagnostic::new(
                    format!("no compose file defines service `{name}`"),
                    Some(match ws.index.suggest(name) {
                        Some(s) => format!("did you mean `{s}`?"),
                        None => "check the name against the compose files".into(),
                    }),
                )));
                continue;
            }
            [one] => *one,
            _ => match ws.file_of(name) {
                Some(i) => i,
                None => {
                    let shown: Vec<&str> = files
                        .iter()
                        .map(|&i| ws.files[i].display.as_str())
                        .collect();
                    errors.push(Report::new(PlainDiagnostic::new(
                        format!("service `{name}` is defined in several files: {}", shown.join(", ")),
                        Some(format!("name the file in its limits.toml entry: `{name} = {{ …, file = \"…\" }}`")),
                    )));
                    continue;
                }
            },
        };
        by_file.entry(file).or_default().push(name);
    }
    let mut new_config = None;
    let mut new_holds = Vec::new();
    if let Some(reason) = &args.hold {
        let mut text = ws.config_text.clone();
        for name in &names {
            match limits::set_hold(&text, name, reason) {
                Ok(t) => {
                    text = t;
                    new_holds.push((name.clone(), reason.clone()));
                }
                Err(e) => errors.push(Report::new(e)),
            }
        }
        // The edited table must still be a valid table.
        if let Err(e) = limits::parse(&text, Path::new(&ws.config_display)) {
            errors.push(Report::new(e));
        }
        new_config = Some(text);
    }
    let mut edited = Vec::new();
    for (i, names) in by_file {
        match edit_file(&ws, i, Operation::Strip(&names)) {
            Ok(e) => edited.push(e),
            Err(e) => errors.extend(e),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    conclude(
        ctx,
        &ws,
        Kind::Strip,
        edited,
        Vec::new(),
        new_holds,
        new_config,
        &args.write,
    )
}

/// Report, show the diff, and write (unless a dry run): the common end of apply and strip.
#[allow(clippy::too_many_arguments)]
fn conclude(
    ctx: &mut Context<'_>,
    ws: &Workspace,
    kind: Kind,
    edited: Vec<(usize, Edited)>,
    held: Vec<(String, String)>,
    new_holds: Vec<(String, String)>,
    new_config: Option<String>,
    options: &WriteOptions,
) -> CommandResult {
    let mut writes: Vec<(&Path, &str)> = Vec::new();
    let mut diffs = String::new();
    let mut files = Vec::new();
    for (index, e) in &edited {
        let file = &ws.files[*index];
        if e.text != file.doc.text() {
            writes.push((&file.path, &e.text));
            if options.diff {
                diffs.push_str(&diff::unified(
                    &file.display,
                    file.doc.text(),
                    &e.text,
                    ctx.paint,
                ));
            }
        }
        files.push(FileReport {
            display: file.display.clone(),
            changes: e.plan.changes.clone(),
            unchanged: e.plan.unchanged.clone(),
        });
    }
    if let Some(text) = &new_config
        && text != &ws.config_text
    {
        writes.push((&ws.config_path, text));
        if options.diff {
            diffs.push_str(&diff::unified(
                &ws.config_display,
                &ws.config_text,
                text,
                ctx.paint,
            ));
        }
    }
    let listed = files
        .iter()
        .flat_map(|f| f.changed_services())
        .filter(|name| ws.limits.service(name).is_some())
        .map(str::to_string)
        .collect();
    let report = EditReport {
        kind,
        listed,
        files,
        held,
        new_holds,
        config_display: ws.config_display.clone(),
        dry_run: options.dry_run,
    };
    if !options.dry_run {
        write::write_all(&writes).map_err(|e| vec![e])?;
    }
    ctx.print(&diffs)?;
    ctx.print(&report::render(&report, ctx.paint))?;
    Ok(Outcome::Clean)
}
