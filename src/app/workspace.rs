//! Loading: find limits.toml, read and validate it, discover and parse the compose files, and
//! place every service of the table in the file that defines it.

pub use crate::workspace::{ComposeFile, Workspace};

use std::path::{Path, PathBuf};

use miette::Report;

use crate::compose;
use crate::diag::{FileDiagnostic, PlainDiagnostic};
use crate::discover::{self, Origin, ServiceIndex};
use crate::limits;
use crate::yaml::Document;

/// The path shown for `path`: relative to `cwd` when that reads better.
pub fn display_path(path: &Path, cwd: &Path) -> String {
    pathdiff::diff_paths(path, cwd)
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or_else(|| path.to_path_buf())
        .to_string_lossy()
        .into_owned()
}

/// `--config PATH`, else limits.toml in `cwd` or its nearest parent.
pub fn find_config(cwd: &Path, explicit: Option<&Path>) -> Result<PathBuf, Report> {
    if let Some(path) = explicit {
        let path = cwd.join(path);
        if !path.is_file() {
            return Err(Report::new(PlainDiagnostic::new(
                format!("config file {} not found", path.display()),
                Some("pass the path of an existing limits.toml to --config".into()),
            )));
        }
        return Ok(path);
    }
    cwd.ancestors()
        .map(|dir| dir.join("limits.toml"))
        .find(|p| p.is_file())
        .ok_or_else(|| {
            Report::new(PlainDiagnostic::new(
                format!("no limits.toml in {} or any parent folder", cwd.display()),
                Some("run limitctl inside the project, or pass --config PATH".into()),
            ))
        })
}

fn read(path: &Path, display: &str) -> Result<String, Report> {
    std::fs::read_to_string(path).map_err(|e| {
        Report::new(PlainDiagnostic::new(
            format!("cannot read {display}: {e}"),
            None,
        ))
    })
}

/// Whether a file that failed to parse was meant to be a compose file.
fn looks_like_compose(text: &str) -> bool {
    text.lines()
        .any(|l| l.trim_end() == "services:" || l.starts_with("services:"))
}

/// Load everything a command needs. Every problem is collected, not just the first.
pub fn load(cwd: &Path, config: Option<&Path>) -> Result<Workspace, Vec<Report>> {
    let config_path = find_config(cwd, config).map_err(|e| vec![e])?;
    let config_display = display_path(&config_path, cwd);
    let config_text = read(&config_path, &config_display).map_err(|e| vec![e])?;
    let limits = limits::parse(&config_text, Path::new(&config_display))
        .map_err(|e| vec![Report::new(e)])?;
    let base = config_path.parent().unwrap_or(Path::new(".")).to_path_buf();
    let (candidates, origin) = discover::candidate_files(&base, &limits.compose)
        .map_err(|errors| errors.into_iter().map(Report::new).collect::<Vec<_>>())?;

    let mut errors = Vec::new();
    let mut files = Vec::new();
    for path in candidates {
        let display = display_path(&path, cwd);
        let text = match read(&path, &display) {
            Ok(t) => t,
            Err(e) if origin == Origin::Listed => {
                errors.push(e);
                continue;
            }
            // A non-UTF-8 file met on a walk is not a compose file.
            Err(_) => continue,
        };
        let meant = origin == Origin::Listed || looks_like_compose(&text);
        let doc = match Document::parse(text.as_str()) {
            Ok(doc) => doc,
            Err(e) => {
                if meant {
                    errors.push(Report::new(
                        FileDiagnostic::new(
                            &display,
                            &text,
                            e.range,
                            format!("invalid YAML: {}", e.message),
                        )
                        .help(e.help),
                    ));
                }
                continue;
            }
        };
        match compose::services_mapping(&doc) {
            Some(services) => files.push(ComposeFile {
                path,
                display,
                doc,
                services,
            }),
            None if origin == Origin::Listed => errors.push(Report::new(PlainDiagnostic::new(
                format!("{display} is not a compose file: its top level has no `services` mapping"),
                Some("remove it from `[compose] files` in limits.toml".into()),
            ))),
            None => {}
        }
    }

    let mut index = ServiceIndex::default();
    for (i, file) in files.iter().enumerate() {
        for service in compose::services(&file.doc, file.services) {
            index.add(&service.name, i);
        }
    }
    let same_file = |i: usize, named: &str| {
        let a = std::fs::canonicalize(base.join(named)).ok();
        a.is_some() && a == std::fs::canonicalize(&files[i].path).ok()
    };
    let placements = discover::place(&limits, &index, &same_file);
    for entry in &limits.services {
        if let (Some(named), Some(span)) = (&entry.file, &entry.file_span)
            && !base.join(named).is_file()
        {
            errors.push(Report::new(
                FileDiagnostic::new(
                    &config_display,
                    &config_text,
                    span.clone(),
                    format!("`file = \"{named}\"` of `{}` does not exist", entry.name),
                )
                .label("no such file")
                .help(Some(
                    "paths in limits.toml are relative to the folder of limits.toml".into(),
                )),
            ));
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(Workspace {
        config_path,
        config_display,
        config_text,
        limits,
        files,
        index,
        placements,
    })
}
