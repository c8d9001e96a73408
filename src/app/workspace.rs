//! Loading: find limits.toml, read and validate it, discover and parse the compose files, and
//! place every service of the table in the file that defines it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use miette::Report;

use crate::compose;
use crate::diag::{FileDiagnostic, PlainDiagnostic};
use crate::discover::{self, Origin, Placement, ServiceIndex};
use crate::limits::{self, Limits, ServiceLimits};
use crate::yaml::{Document, NodeId};

/// A compose file, read and parsed.
#[derive(Debug)]
pub struct ComposeFile {
    /// The path as discovered (a symlink stays a symlink).
    pub path: PathBuf,
    /// The path shown to the user: relative to the current folder when possible.
    pub display: String,
    /// The span tree of its text.
    pub doc: Document,
    /// The `services` mapping.
    pub services: NodeId,
}

impl ComposeFile {
    /// A located diagnostic in this file.
    pub fn diagnostic(
        &self,
        range: std::ops::Range<usize>,
        message: impl Into<String>,
    ) -> FileDiagnostic {
        FileDiagnostic::new(&self.display, self.doc.text(), range, message)
    }
}

/// limits.toml and the compose files it governs.
#[derive(Debug)]
pub struct Workspace {
    /// Where limits.toml is.
    pub config_path: PathBuf,
    /// limits.toml as shown to the user.
    pub config_display: String,
    /// Its text.
    pub config_text: String,
    /// Its content.
    pub limits: Limits,
    /// The compose files, in path order.
    pub files: Vec<ComposeFile>,
    /// Which file defines each service name.
    pub index: ServiceIndex,
    /// Where each service of the table is defined.
    pub placements: BTreeMap<String, Placement>,
}

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

impl Workspace {
    /// A diagnostic pointing into limits.toml.
    pub fn config_diagnostic(
        &self,
        range: std::ops::Range<usize>,
        message: impl Into<String>,
    ) -> FileDiagnostic {
        FileDiagnostic::new(&self.config_display, &self.config_text, range, message).with_toml()
    }

    /// The error for a table service that could not be placed in one file, if any.
    pub fn placement_error(&self, entry: &ServiceLimits) -> Option<Report> {
        let names = |files: &[usize]| {
            files
                .iter()
                .map(|&i| self.files[i].display.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        };
        let diag = match self.placements.get(&entry.name)? {
            Placement::File(_) => return None,
            Placement::Unknown { suggestion } => self
                .config_diagnostic(
                    entry.span.clone(),
                    format!("no compose file defines service `{}`", entry.name),
                )
                .label("not found")
                .help(Some(match suggestion {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => "check the name, or the compose files limits.toml points at".into(),
                })),
            Placement::Ambiguous(files) => self
                .config_diagnostic(
                    entry.span.clone(),
                    format!(
                        "service `{}` is defined in several files: {}",
                        entry.name,
                        names(files)
                    ),
                )
                .label("which one?")
                .help(Some(format!(
                    "name the file in the entry: `{} = {{ …, file = \"{}\" }}`",
                    entry.name,
                    files
                        .first()
                        .map_or("", |&i| self.files[i].display.as_str())
                ))),
            Placement::NotInNamedFile { defined_in } => self
                .config_diagnostic(
                    entry.file_span.clone().unwrap_or(entry.span.clone()),
                    format!(
                        "`{}` does not define service `{}`",
                        entry.file.as_deref().unwrap_or(""),
                        entry.name
                    ),
                )
                .help(Some(format!("it is defined in {}", names(defined_in)))),
        };
        Some(Report::new(diag))
    }

    /// The file that defines a table service.
    pub fn file_of(&self, name: &str) -> Option<usize> {
        match self.placements.get(name) {
            Some(Placement::File(i)) => Some(*i),
            _ => None,
        }
    }

    /// The table entries named by a selection: explicit names (which must be in the table),
    /// a stage, or the whole table.
    pub fn select(
        &self,
        names: &[String],
        stage: Option<&str>,
    ) -> Result<Vec<&ServiceLimits>, Vec<Report>> {
        if let Some(stage) = stage {
            let Some(stage) = self.limits.find_stage(stage) else {
                let known: Vec<String> = self
                    .limits
                    .stages
                    .iter()
                    .enumerate()
                    .map(|(i, s)| format!("{} ({})", i + 1, s.name))
                    .collect();
                return Err(vec![Report::new(PlainDiagnostic::new(
                    format!("no stage `{stage}` in {}", self.config_display),
                    Some(if known.is_empty() {
                        "limits.toml defines no [[stages]]".into()
                    } else {
                        format!("stages: {}", known.join(", "))
                    }),
                ))]);
            };
            return Ok(stage
                .services
                .iter()
                .filter_map(|(name, _)| self.limits.service(name))
                .collect());
        }
        if names.is_empty() {
            return Ok(self.limits.services.iter().collect());
        }
        let mut selected = Vec::new();
        let mut errors = Vec::new();
        for name in names {
            match self.limits.service(name) {
                Some(entry) => selected.push(entry),
                None => {
                    let suggestion = self
                        .limits
                        .services
                        .iter()
                        .map(|s| (strsim::damerau_levenshtein(name, &s.name), s.name.as_str()))
                        .filter(|(d, _)| *d <= 2)
                        .min()
                        .map(|(_, n)| format!("did you mean `{n}`?"));
                    errors.push(Report::new(PlainDiagnostic::new(
                        format!("service `{name}` is not in {}", self.config_display),
                        suggestion.or(Some("add an entry for it under [services]".into())),
                    )));
                }
            }
        }
        if errors.is_empty() {
            Ok(selected)
        } else {
            Err(errors)
        }
    }
}
