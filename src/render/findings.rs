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

/// Line starts of one text, so that many positions in it are located without rescanning
/// the text from its start each time (a large file with thousands of findings).
#[derive(Clone, Debug)]
pub struct LineIndex {
    /// Byte offset of the start of every line.
    starts: Vec<usize>,
}

impl LineIndex {
    /// Index `text`.
    pub fn new(text: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { starts }
    }

    /// How many lines the text has (a final line without a newline counts).
    pub fn len(&self) -> usize {
        self.starts.len()
    }

    /// Whether the text is empty of lines (never: an empty text has one empty line).
    pub fn is_empty(&self) -> bool {
        self.starts.is_empty()
    }

    /// The byte offset where 0-based line `line` starts, if the text has it.
    pub fn start_of(&self, line: usize) -> Option<usize> {
        self.starts.get(line).copied()
    }

    /// 1-based line and column (in characters) of a byte offset: the same answer as
    /// [`crate::diag::line_col`], found by binary search.
    pub fn line_col(&self, text: &str, offset: usize) -> (usize, usize) {
        let mut offset = offset.min(text.len());
        // An offset inside a character counts from that character's start, as slicing would.
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.starts.partition_point(|&s| s <= offset);
        let start = self.starts.get(line.wrapping_sub(1)).copied().unwrap_or(0);
        let before = &text[start..offset];
        let before = before.strip_prefix('\u{feff}').unwrap_or(before);
        (line.max(1), before.chars().count() + 1)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_index_agrees_with_line_col() {
        for text in [
            "",
            "a",
            "\n",
            "a: 1\né: ü\n",
            "\u{feff}x: 1\r\ny: größe\r\n\r\nz",
            "no final newline\nlast",
        ] {
            let index = LineIndex::new(text);
            for offset in 0..=text.len() + 2 {
                if text.is_char_boundary(offset.min(text.len())) {
                    assert_eq!(
                        index.line_col(text, offset),
                        line_col(text, offset),
                        "{text:?} at {offset}"
                    );
                }
            }
        }
    }
}
