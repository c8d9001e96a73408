//! What every `check` output format needs from a finding: its file as shown, and its byte
//! range turned into 1-based lines and columns (columns in characters).

use crate::app::workspace::Workspace;
use crate::diag::line_col;
use crate::lint::{Finding, Source};

/// A finding's place, ready to print.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Place<'a> {
    /// The file as shown to the user (relative to the current folder when possible).
    pub file: &'a str,
    /// The file's text.
    pub text: &'a str,
    /// 1-based line of the start.
    pub line: usize,
    /// 1-based column of the start, in characters.
    pub column: usize,
    /// 1-based line of the end.
    pub end_line: usize,
    /// 1-based column just past the end, in characters.
    pub end_column: usize,
}

/// The file and text a finding points into.
pub fn source(ws: &Workspace, source: Source) -> (&str, &str) {
    match source {
        Source::Compose(i) => match ws.files.get(i) {
            Some(f) => (&f.display, f.doc.text()),
            // Findings only name files of their workspace; an empty text keeps this total.
            None => ("", ""),
        },
        Source::Config => (&ws.config_display, &ws.config_text),
    }
}

/// Where a finding is, in lines and columns.
pub fn place<'a>(ws: &'a Workspace, finding: &Finding) -> Place<'a> {
    let (file, text) = source(ws, finding.source);
    let (line, column) = line_col(text, finding.range.start);
    let (end_line, end_column) = line_col(text, finding.range.end.max(finding.range.start));
    Place {
        file,
        text,
        line,
        column,
        end_line,
        end_column,
    }
}

/// The label under a finding's snippet: its own label, then where the expected value is set
/// ("expected 256m, from limits.toml:9").
pub fn label(ws: &Workspace, finding: &Finding) -> String {
    let expected = finding
        .expected
        .as_ref()
        .map(|e| match &finding.expected_at {
            Some(at) => format!(
                "expected {e}, from {}:{}",
                ws.config_display,
                line_col(&ws.config_text, at.start).0
            ),
            None => format!("expected {e}"),
        });
    match (&finding.label, expected) {
        (Some(l), Some(e)) => format!("{l}; {e}"),
        (Some(l), None) => l.clone(),
        (None, Some(e)) => e,
        (None, None) => "here".into(),
    }
}
