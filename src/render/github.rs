//! `check --format github`: GitHub Actions workflow commands, one line per finding, which the
//! runner turns into annotations on the files.

use crate::lint::{CheckReport, Severity};
use crate::workspace::Workspace;

use super::findings::Locator;
use super::human::summary;

/// Escape a workflow command's message (`%`, CR, LF), as the actions toolkit does.
fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escape a workflow command's property value (also `:` and `,`).
fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// Render the findings as `::error file=…,line=…,col=…,title=limitctl(code)::message` lines,
/// then the summary as a plain line.
pub fn render(ws: &Workspace, report: &CheckReport) -> String {
    let mut out = String::new();
    let mut locator = Locator::new(ws);
    for f in &report.findings {
        let p = locator.place(f);
        let command = match f.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "notice",
        };
        let mut message = f.message.clone();
        if let Some(help) = &f.help {
            message.push_str(&format!(" (help: {help})"));
        }
        out.push_str(&format!(
            "::{command} file={},line={},col={},title={}::{}\n",
            escape_property(p.file),
            p.line,
            p.column,
            escape_property(&format!("limitctl({})", f.code)),
            escape_data(&message),
        ));
    }
    out.push_str(&summary(report));
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_like_the_actions_toolkit() {
        assert_eq!(escape_data("50%\r\nx"), "50%25%0D%0Ax");
        assert_eq!(escape_property("a:b,c%"), "a%3Ab%2Cc%25");
    }
}
