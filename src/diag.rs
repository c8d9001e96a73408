//! Located errors about a compose file: what is wrong, where (a byte range rendered as
//! file:line:column by miette), and how to fix it.

use std::ops::Range;

use miette::{Diagnostic, NamedSource, SourceSpan};

/// A problem at a place in a file.
#[derive(Debug, thiserror::Error, Diagnostic)]
#[error("{message}")]
pub struct FileDiagnostic {
    /// What is wrong.
    pub message: String,
    /// The file, for the snippet.
    #[source_code]
    pub source_code: NamedSource<String>,
    /// Where.
    #[label("{label}")]
    pub span: SourceSpan,
    /// The label under the snippet.
    pub label: String,
    /// How to fix it.
    #[help]
    pub help: Option<String>,
}

impl FileDiagnostic {
    /// A diagnostic at `range` of `text`, shown as `name`.
    pub fn new(name: &str, text: &str, range: Range<usize>, message: impl Into<String>) -> Self {
        let start = range.start.min(text.len());
        let len = range.end.min(text.len()).saturating_sub(start);
        FileDiagnostic {
            message: message.into(),
            source_code: NamedSource::new(name, text.to_string()).with_language("yaml"),
            span: SourceSpan::new(start.into(), len),
            label: "here".into(),
            help: None,
        }
    }

    /// Highlight the snippet as TOML rather than YAML.
    pub fn with_toml(mut self) -> Self {
        self.source_code = self.source_code.with_language("toml");
        self
    }

    /// Set the label under the snippet.
    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.label = label.into();
        self
    }

    /// Set the help line.
    pub fn help(mut self, help: Option<String>) -> Self {
        self.help = help;
        self
    }
}

/// A problem with no place in a file (an unreadable file, a failed write).
#[derive(Debug, thiserror::Error, Diagnostic)]
#[error("{message}")]
pub struct PlainDiagnostic {
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    #[help]
    pub help: Option<String>,
}

impl PlainDiagnostic {
    /// A diagnostic with a message and an optional help line.
    pub fn new(message: impl Into<String>, help: Option<String>) -> Self {
        PlainDiagnostic {
            message: message.into(),
            help,
        }
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
    /// [`line_col`], found by binary search.
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

/// 1-based line and column (in characters) of a byte offset; a byte order mark is not a
/// column. For many offsets in one text, build a [`LineIndex`] once.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    LineIndex::new(text).line_col(text, offset)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_characters_from_line_starts() {
        for text in [
            "",
            "a",
            "\n",
            "\u{feff}x: 1\r\ny: größe\r\n\r\nz",
            "no final newline\nlast",
        ] {
            for offset in 0..=text.len() {
                if !text.is_char_boundary(offset) {
                    continue;
                }
                let before = &text[..offset];
                let line = before.matches('\n').count() + 1;
                let start = before.rfind('\n').map_or(0, |n| n + 1);
                let column = before[start..]
                    .trim_start_matches('\u{feff}')
                    .chars()
                    .count()
                    + 1;
                assert_eq!(
                    line_col(text, offset),
                    (line, column),
                    "{text:?} at {offset}"
                );
            }
        }
    }

    #[test]
    fn line_col_counts_characters() {
        let text = "a: 1\né: ü\n";
        assert_eq!(line_col(text, 0), (1, 1));
        assert_eq!(line_col(text, 5), (2, 1));
        assert_eq!(line_col(text, 9), (2, 4));
    }
}
