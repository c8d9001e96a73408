//! `check --format sarif`: a SARIF 2.1.0 log for code-scanning tools (GitHub code scanning
//! among them): one rule per finding code with its help text, one result per finding with
//! its region.

use serde_json::{Value, json};

use crate::lint::{CheckReport, Code, Severity};
use crate::workspace::Workspace;

use super::findings::Locator;

/// The SARIF level of a severity.
fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// A displayed path as a URI reference: relative paths stay relative (to the folder `check`
/// ran in), absolute ones become `file://` URIs; reserved characters are percent-encoded.
pub fn uri(path: &str) -> String {
    let path = path.replace('\\', "/");
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                out.push(char::from(b));
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    if path.starts_with('/') {
        format!("file://{out}")
    } else {
        out
    }
}

/// The rule metadata of every code.
fn rules() -> Vec<Value> {
    Code::ALL
        .iter()
        .map(|code| {
            let rule = code.rule();
            let help = format!(
                "{}\n\nWhy it matters: {}\n\nHow to fix it: {}",
                rule.what, rule.why, rule.fix
            );
            let markdown = format!(
                "{}\n\n**Why it matters.** {}\n\n**How to fix it.** {}\n\n**Example**\n\n```yaml\n{}\n```",
                rule.what, rule.why, rule.fix, rule.example
            );
            json!({
                "id": rule.code,
                "name": rule.code,
                "shortDescription": { "text": rule.summary },
                "fullDescription": { "text": rule.what },
                "help": { "text": help, "markdown": markdown },
                "defaultConfiguration": { "level": level(rule.severity) },
            })
        })
        .collect()
}

/// The SARIF log of a report.
pub fn document(ws: &Workspace, report: &CheckReport) -> Value {
    let mut locator = Locator::new(ws);
    let results: Vec<Value> = report
        .findings
        .iter()
        .map(|f| {
            let p = locator.place(f);
            let rule_index = Code::ALL.iter().position(|c| *c == f.code).unwrap_or(0);
            let mut message = f.message.clone();
            if let Some(help) = &f.help {
                message.push_str(&format!(" (help: {help})"));
            }
            json!({
                "ruleId": f.code.as_str(),
                "ruleIndex": rule_index,
                "level": level(f.severity),
                "message": { "text": message },
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": { "uri": uri(p.file) },
                        "region": {
                            "startLine": p.line,
                            "startColumn": p.column,
                            "endLine": p.end_line,
                            "endColumn": p.end_column,
                        }
                    }
                }],
                "properties": {
                    "service": f.service,
                    "field": f.field.map(|field| field.to_string()),
                    "expected": f.expected,
                    "actual": f.actual,
                }
            })
        })
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "limitctl",
                    "version": env!("CARGO_PKG_VERSION"),
                    "rules": rules(),
                }
            },
            "columnKind": "unicodeCodePoints",
            "results": results,
        }]
    })
}

/// Render the SARIF log, pretty-printed, with a final newline.
pub fn render(ws: &Workspace, report: &CheckReport) -> String {
    let mut text = serde_json::to_string_pretty(&document(ws, report))
        // A `Value` built by `json!` always serializes.
        .unwrap_or_default();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_are_encoded_references() {
        assert_eq!(uri("compose/a b.yml"), "compose/a%20b.yml");
        assert_eq!(uri("/srv/x.yml"), "file:///srv/x.yml");
        assert_eq!(uri("..\\x.yml"), "../x.yml");
        assert_eq!(uri("größe.yml"), "gr%C3%B6%C3%9Fe.yml");
    }
}
