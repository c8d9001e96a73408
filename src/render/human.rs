//! `check --format human`: one miette diagnostic per finding, with the source snippet and a
//! label saying what the table expects and where, then a one-line summary.

use std::fmt;
use std::sync::Arc;

use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError,
    MietteSpanContents, SourceCode, SourceSpan, SpanContents,
};

use crate::lint::{CheckReport, Finding, Severity, Source};
use crate::workspace::Workspace;

use super::Paint;
use super::findings::label;
use crate::diag::LineIndex;

/// Width the diagnostics are wrapped at: fixed, so output does not depend on the terminal.
const WIDTH: usize = 100;

/// A finding as a miette diagnostic.
struct FindingDiagnostic {
    code: String,
    message: String,
    severity: Severity,
    source: Windowed,
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

/// A file's text for miette, which reads only the lines around a span.
///
/// miette's own `SourceCode` for `str` scans the text from its start for every snippet; with
/// thousands of findings in a large file that is quadratic. This one hands miette a window
/// of whole lines around the span (found with a [`LineIndex`]) and shifts the answer back.
#[derive(Clone)]
struct Windowed {
    name: String,
    language: &'static str,
    text: Arc<str>,
    index: Arc<LineIndex>,
    /// A lone `\r` is a line break to miette but not to the index: use the whole text then.
    bare_cr: bool,
}

impl Windowed {
    fn new(name: &str, language: &'static str, text: &str) -> Self {
        Windowed {
            name: name.to_string(),
            language,
            index: Arc::new(LineIndex::new(text)),
            bare_cr: text
                .as_bytes()
                .windows(2)
                .any(|w| w[0] == b'\r' && w[1] != b'\n')
                || text.ends_with('\r'),
            text: Arc::from(text),
        }
    }
}

impl SourceCode for Windowed {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let text: &str = &self.text;
        let start = span.offset().min(text.len());
        let end = (start + span.len()).min(text.len());
        let (mut first, mut window_start, mut window_end) = (0, 0, text.len());
        if !self.bare_cr {
            let line_of = |offset: usize| self.index.line_col(text, offset).0 - 1;
            // One spare line before the context too: miette looks one byte before a span's
            // end, which must not fall off the window's start.
            first = line_of(start).saturating_sub(context_lines_before + 1);
            // One spare line after the context: miette looks one byte past the span's end.
            let last = line_of(end) + context_lines_after + 2;
            window_start = self.index.start_of(first).unwrap_or(0);
            window_end = self.index.start_of(last).unwrap_or(text.len());
        }
        let window = &text[window_start..window_end];
        let shifted = SourceSpan::new((start - window_start).into(), end - start);
        let inner = window.read_span(&shifted, context_lines_before, context_lines_after)?;
        let contents = MietteSpanContents::new_named(
            self.name.clone(),
            inner.data(),
            SourceSpan::new(
                (inner.span().offset() + window_start).into(),
                inner.span().len(),
            ),
            inner.line() + first,
            inner.column(),
            inner.line_count() + first,
        )
        .with_language(self.language);
        Ok(Box::new(contents))
    }
}

/// The texts of the workspace, indexed once per render.
struct Sources {
    compose: Vec<Windowed>,
    config: Windowed,
}

impl Sources {
    fn new(ws: &Workspace) -> Self {
        Sources {
            compose: ws
                .files
                .iter()
                .map(|f| Windowed::new(&f.display, "yaml", f.doc.text()))
                .collect(),
            config: Windowed::new(&ws.config_display, "toml", &ws.config_text),
        }
    }

    fn get(&self, source: Source) -> Windowed {
        match source {
            Source::Compose(i) => self
                .compose
                .get(i)
                .cloned()
                .unwrap_or_else(|| Windowed::new("", "yaml", "")),
            Source::Config => self.config.clone(),
        }
    }
}

fn diagnostic(ws: &Workspace, sources: &Sources, finding: &Finding) -> FindingDiagnostic {
    let source = sources.get(finding.source);
    let len = source.text.len();
    let start = finding.range.start.min(len);
    let end = finding.range.end.clamp(start, len);
    FindingDiagnostic {
        code: format!("limitctl({})", finding.code),
        message: finding.message.clone(),
        severity: finding.severity,
        label: LabeledSpan::new_primary_with_span(
            Some(label(ws, &sources.config.index, finding)),
            start..end,
        ),
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The window must give miette exactly what the whole text gives it.
    #[test]
    fn windowed_source_reads_like_the_whole_text() {
        let texts = [
            "a: 1\nb: 2\nc: 3\nd: 4\ne: 5\n",
            "\u{feff}x: größe\r\ny: 1\r\n\r\nz: 2",
            "one line, no newline",
            "\n\n\nx\n\n",
            "bare\rcr\nmixed\r\n",
        ];
        for text in texts {
            let windowed = Windowed::new("f", "yaml", text);
            for start in 0..=text.len() {
                for len in [0, 1, 3, 7] {
                    if !text.is_char_boundary(start)
                        || start + len > text.len()
                        || !text.is_char_boundary(start + len)
                    {
                        continue;
                    }
                    let span = SourceSpan::new(start.into(), len);
                    for (before, after) in [(0, 0), (1, 1), (2, 3)] {
                        let whole = text.read_span(&span, before, after);
                        let window = windowed.read_span(&span, before, after);
                        match (whole, window) {
                            (Ok(w), Ok(v)) => {
                                let at = format!("{text:?} {start}+{len} ({before},{after})");
                                assert_eq!(w.data(), v.data(), "{at}");
                                assert_eq!(w.span(), v.span(), "{at}");
                                assert_eq!(w.line(), v.line(), "{at}");
                                assert_eq!(w.column(), v.column(), "{at}");
                            }
                            (Err(_), Err(_)) => {}
                            (w, v) => {
                                panic!("{text:?} {start}+{len}: {:?} vs {:?}", w.is_ok(), v.is_ok())
                            }
                        }
                    }
                }
            }
        }
    }
}
