//! The loaded project: limits.toml and the compose files it governs, as data. Loading it is
//! the I/O edge's job (`app::workspace::load`); everything here is a pure query.

use std::collections::BTreeMap;
use std::path::PathBuf;

use miette::Report;

use crate::diag::{FileDiagnostic, PlainDiagnostic};
use crate::discover::{Placement, ServiceIndex};
use crate::limits::{Limits, ServiceLimits};
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
