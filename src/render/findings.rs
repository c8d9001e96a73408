//! What every `check` output format needs from a finding: its file as shown, and its byte
//! range turned into 1-based lines and columns (columns in characters).

use crate::diag::LineIndex;
use crate::lint::{Finding, Source};
use crate::workspace::Workspace;

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

/// Locates findings, indexing each file once.
pub struct Locator<'a> {
    ws: &'a Workspace,
    compose: Vec<Option<LineIndex>>,
    config: Option<LineIndex>,
}

impl<'a> Locator<'a> {
    /// A locator over the workspace's texts; files are indexed when first needed.
    pub fn new(ws: &'a Workspace) -> Self {
        Locator {
            ws,
            compose: vec![None; ws.files.len()],
            config: None,
        }
    }

    /// Where a finding is, in lines and columns.
    pub fn place(&mut self, finding: &Finding) -> Place<'a> {
        let (file, text) = source(self.ws, finding.source);
        let slot = match finding.source {
            Source::Compose(i) => self.compose.get_mut(i),
            Source::Config => Some(&mut self.config),
        };
        let fresh;
        let index = match slot {
            Some(slot) => slot.get_or_insert_with(|| LineIndex::new(text)),
            // Findings only name files of their workspace; stay total anyway.
            None => {
                fresh = LineIndex::new(text);
                &fresh
            }
        };
        let (line, column) = index.line_col(text, finding.range.start);
        let (end_line, end_column) =
            index.line_col(text, finding.range.end.max(finding.range.start));
        Place {
            file,
            text,
            line,
            column,
            end_line,
            end_column,
        }
    }
}

/// Where one finding is, in lines and columns (see [`Locator`] for many findings).
pub fn place<'a>(ws: &'a Workspace, finding: &Finding) -> Place<'a> {
    Locator::new(ws).place(finding)
}

/// The label under a finding's snippet: its own label, then where the expected value is set
/// ("expected 256m, from limits.toml:9"). `config` indexes limits.toml.
pub fn label(ws: &Workspace, config: &LineIndex, finding: &Finding) -> String {
    let expected = finding
        .expected
        .as_ref()
        .map(|e| match &finding.expected_at {
            Some(at) => format!(
                "expected {e}, from {}:{}",
                ws.config_display,
                config.line_col(&ws.config_text, at.start).0
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
