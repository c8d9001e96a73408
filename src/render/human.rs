//! `check --format human`: one miette diagnostic per finding, with the source snippet and a
//! label saying what the table expects and where, then a one-line summary.

use std::fmt;
use std::sync::Arc;

use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, SourceCode,
};

use crate::app::workspace::Workspace;
use crate::lint::{CheckReport, Finding, Severity, Source};

use super::Paint;
use super::findings::label;

/// Width the diagnostics are wrapped at: fixed, so output does not depend on the terminal.
const WIDTH: usize = 100;

/// A finding as a miette diagnostic.
struct FindingDiagnostic {
    code: String,
    message: String,
    severity: Severity,
    source: NamedSource<Arc<str>>,
    label: LabeledSpan,
    help: Option<String>,
}

impl fmt::Debug for FindingDiagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl fmt::Display for FindingDiagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for FindingDiagnostic {}

impl Diagnostic for FindingDiagnostic {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(&self.code))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
            Severity::Info => miette::Severity::Advice,
        })
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        Some(&self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(std::iter::once(self.label.clone())))
    }
}

/// The texts of the workspace as shared sources, built once per render.
struct Sources {
    compose: Vec<Arc<str>>,
    config: Arc<str>,
}

impl Sources {
    fn new(ws: &Workspace) -> Self {
        Sources {
            compose: ws.files.iter().map(|f| Arc::from(f.doc.text())).collect(),
            config: Arc::from(ws.config_text.as_str()),
        }
    }

    fn get(&self, ws: &Workspace, source: Source) -> NamedSource<Arc<str>> {
        let (name, text, language) = match source {
            Source::Compose(i) => (
                ws.files.get(i).map_or("", |f| f.display.as_str()),
                self.compose
                    .get(i)
                    .cloned()
                    .unwrap_or_else(|| Arc::from("")),
                "yaml",
            ),
            Source::Config => (ws.config_display.as_str(), self.config.clone(), "toml"),
        };
        NamedSource::new(name, text).with_language(language)
    }
}

fn diagnostic(ws: &Workspace, sources: &Sources, finding: &Finding) -> FindingDiagnostic {
    let source = sources.get(ws, finding.source);
    let len = source.inner().len();
    let start = finding.range.start.min(len);
    let end = finding.range.end.clamp(start, len);
    FindingDiagnostic {
        code: format!("limitctl({})", finding.code),
        message: finding.message.clone(),
        severity: finding.severity,
        label: LabeledSpan::new_primary_with_span(Some(label(ws, finding)), start..end),
        source,
        help: finding.help.clone(),
    }
}

/// Render the findings as diagnostics followed by the summary line.
pub fn render(ws: &Workspace, report: &CheckReport, paint: Paint) -> String {
    let theme = if paint.color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(WIDTH)
        .with_links(false)
        .without_syntax_highlighting();
    let sources = Sources::new(ws);
    let mut out = String::new();
    for finding in &report.findings {
        let diag = diagnostic(ws, &sources, finding);
        if handler.render_report(&mut out, &diag).is_err() {
            // Rendering into a String only fails on a formatting bug: keep the plain message.
            out.push_str(&format!("{}: {}\n", finding.code, finding.message));
        }
        out.push('\n');
    }
    let line = summary(report);
    let line = if report.failed() {
        paint.red(&line)
    } else {
        paint.green(&line)
    };
    out.push_str(&paint.bold(&line));
    out.push('\n');
    out
}

fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The summary line: "3 services drift, 17 match, 1 held".
pub fn summary(report: &CheckReport) -> String {
    let s = &report.summary;
    let mut parts = vec![
        count(s.drift, "service drifts", "services drift"),
        format!("{} match", s.matching),
    ];
    if s.held > 0 {
        parts.push(format!("{} held", s.held));
    }
    if s.unknown > 0 {
        parts.push(format!("{} unknown", s.unknown));
    }
    if s.unmanaged > 0 {
        parts.push(format!("{} unmanaged", s.unmanaged));
    }
    let mut line = parts.join(", ");
    line.push_str(&format!(
        " ({}, {}, {})",
        count(s.errors, "error", "errors"),
        count(s.warnings, "warning", "warnings"),
        count(s.infos, "note", "notes")
    ));
    line
}
