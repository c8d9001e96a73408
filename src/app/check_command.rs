//! `limitctl check`: load, lint, render. Read-only: nothing here opens a file for writing.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use miette::Report;

use crate::app::workspace::{Workspace, display_path};
use crate::app::{CommandResult, Context, Outcome, workspace};
use crate::cli::{CheckArgs, Deniable, Format};
use crate::diag::{FileDiagnostic, PlainDiagnostic};
use crate::discover::Placement;
use crate::interp;
use crate::lint::{self, Options};
use crate::render;

/// Run `check`.
pub fn check(ctx: &mut Context<'_>, config: Option<&Path>, args: &CheckArgs) -> CommandResult {
    let ws = workspace::load(ctx.cwd, config)?;
    let selected = ws.select(&args.selection.services, args.selection.stage.as_deref())?;
    // A service the table cannot place in one file is an input error: which file to judge is
    // unknown. A service no file defines is a finding (`unknown-service`), and a held one is
    // not compared at all.
    let errors: Vec<Report> = selected
        .iter()
        .filter(|e| e.hold.is_none())
        .filter(|e| {
            matches!(
                ws.placements.get(&e.name),
                Some(Placement::Ambiguous(_) | Placement::NotInNamedFile { .. })
            )
        })
        .filter_map(|e| ws.placement_error(e))
        .collect();
    if !errors.is_empty() {
        return Err(errors);
    }
    let env = Environment::load(ctx.cwd, &ws, args.env_file.as_deref())?;
    let options = Options {
        services: args.selection.services.clone(),
        stage: args.selection.stage.clone(),
        deny_unmanaged: args.deny.contains(&Deniable::Unmanaged),
    };
    let lookup = |file: usize, name: &str| env.lookup(file, name);
    let report = lint::check(&ws, &selected, &options, &lookup);
    let text = match args.format {
        Format::Human => render::human::render(&ws, &report, ctx.paint),
        Format::Json => render::json::render(&ws, &report),
        Format::Github => render::github::render(&ws, &report),
        Format::Sarif => render::sarif::render(&ws, &report),
    };
    ctx.print(&text)?;
    Ok(if report.failed() {
        Outcome::Drift
    } else {
        Outcome::Clean
    })
}

/// The variables Compose would see for each compose file: the shell environment, then the
/// `.env` of the file's folder (the project folder of `docker compose -f FILE`), or the
/// `--env-file` for every file.
struct Environment {
    /// Parsed dotenv files, by path.
    dotenv: BTreeMap<PathBuf, HashMap<String, String>>,
    /// The dotenv of each compose file, if it has one.
    of_file: Vec<Option<PathBuf>>,
}

fn shell(name: &str) -> Option<String> {
    std::env::var_os(name).map(|v| v.to_string_lossy().into_owned())
}

impl Environment {
    fn load(cwd: &Path, ws: &Workspace, env_file: Option<&Path>) -> Result<Self, Vec<Report>> {
        let mut dotenv = BTreeMap::new();
        let mut of_file = Vec::with_capacity(ws.files.len());
        let mut errors = Vec::new();
        let explicit = env_file.map(|p| cwd.join(p));
        if let Some(path) = &explicit
            && !path.is_file()
        {
            return Err(vec![Report::new(PlainDiagnostic::new(
                format!("env file {} not found", display_path(path, cwd)),
                Some("pass the path of an existing .env file to --env-file".into()),
            ))]);
        }
        for file in &ws.files {
            let path = match &explicit {
                Some(p) => p.clone(),
                None => match file.path.parent() {
                    Some(dir) => dir.join(".env"),
                    None => PathBuf::from(".env"),
                },
            };
            if !dotenv.contains_key(&path) && path.is_file() {
                match read_dotenv(&path, cwd) {
                    Ok(vars) => {
                        dotenv.insert(path.clone(), vars);
                    }
                    Err(e) => {
                        errors.push(e);
                        // Parsed once, reported once.
                        dotenv.insert(path.clone(), HashMap::new());
                    }
                }
            }
            of_file.push(dotenv.contains_key(&path).then_some(path));
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Environment { dotenv, of_file })
    }

    fn lookup(&self, file: usize, name: &str) -> Option<String> {
        shell(name).or_else(|| {
            let path = self.of_file.get(file)?.as_ref()?;
            self.dotenv.get(path)?.get(name).cloned()
        })
    }
}

fn read_dotenv(path: &Path, cwd: &Path) -> Result<HashMap<String, String>, Report> {
    let display = display_path(path, cwd);
    let text = std::fs::read_to_string(path).map_err(|e| {
        Report::new(PlainDiagnostic::new(
            format!("cannot read {display}: {e}"),
            None,
        ))
    })?;
    interp::parse_dotenv_with_lookup(&text, &shell)
        .map(|vars| vars.into_iter().collect())
        .map_err(|e| {
            Report::new(
                FileDiagnostic::new(
                    &display,
                    &text,
                    e.range.clone(),
                    format!("cannot read {display}: {e}"),
                )
                .help(Some(
                    "Compose reads this file too: fix it the way the message says".into(),
                )),
            )
        })
}
