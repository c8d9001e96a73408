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

/// 1-based line and column (in characters) of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |n| n + 1);
    // A byte order mark is not a column anyone sees.
    let line_text = before[line_start..]
        .strip_prefix('\u{feff}')
        .unwrap_or(&before[line_start..]);
    let column = line_text.chars().count() + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_characters() {
        let text = "a: 1\né: ü\n";
        assert_eq!(line_col(text, 0), (1, 1));
        assert_eq!(line_col(text, 5), (2, 1));
        assert_eq!(line_col(text, 9), (2, 4));
    }
}
