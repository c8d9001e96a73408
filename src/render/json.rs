//! `check --format json`: one stable JSON object.
//!
//! The shape (also returned as a JSON Schema by [`schema`]):
//!
//! ```json
//! {
//!   "findings": [
//!     {
//!       "code": "drift",                 // a stable code: `limitctl explain CODE`
//!       "severity": "error",             // "error" | "warning" | "info"
//!       "file": "compose/services/stack.yml", // as displayed: relative to the current folder
//!       "line": 58,                      // 1-based
//!       "column": 16,                    // 1-based, in characters
//!       "service": "traefik",            // string or null
//!       "field": "mem_limit",            // mem_limit | mem_reservation |
//!                                        // deploy.resources.limits.memory |
//!                                        // deploy.resources.reservations.memory | null
//!       "expected": "256m",              // the table's value (its spelling), or null
//!       "actual": "512m",                // the value Compose sees (after ${…}), or null
//!       "message": "`mem_limit` of `traefik` is `512m`; limits.toml sets 256m"
//!     }
//!   ],
//!   "summary": {
//!     "checked": 20,   // table services compared (selected, not held, defined in a file)
//!     "drift": 3,      // of those, with at least one error-level finding
//!     "match": 17,     // of those, with none
//!     "held": 1,       // selected services on hold
//!     "unknown": 0,    // selected services no compose file defines
//!     "unmanaged": 2,  // compose services without an entry (whole-table checks only)
//!     "errors": 5,     // findings by severity
//!     "warnings": 2,
//!     "infos": 1,
//!     "exit_code": 1   // 0 clean, 1 error-level findings
//!   }
//! }
//! ```
//!
//! Findings are in file order: compose files by path, then limits.toml. New keys may be added
//! to the objects in later versions; existing keys keep their names and meanings.

use serde::Serialize;

use crate::lint::{CheckReport, Summary};
use crate::workspace::Workspace;

use super::findings::Locator;

/// One finding in the JSON output.
#[derive(Debug, Serialize)]
pub struct JsonFinding<'a> {
    /// Stable code.
    pub code: &'static str,
    /// "error", "warning" or "info".
    pub severity: &'static str,
    /// The file as displayed.
    pub file: &'a str,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    /// The service, if any.
    pub service: Option<&'a str>,
    /// The field, if any.
    pub field: Option<String>,
    /// The table's value.
    pub expected: Option<&'a str>,
    /// The value Compose sees.
    pub actual: Option<&'a str>,
    /// The message.
    pub message: &'a str,
}

/// The summary object: the counts of [`Summary`] and the exit code.
#[derive(Debug, Serialize)]
pub struct JsonSummary<'a> {
    /// The counts, under their own names (`matching` is written `match`).
    #[serde(flatten)]
    pub counts: &'a Summary,
    /// The exit code of `check` for these findings.
    pub exit_code: u8,
}

/// The whole JSON document.
#[derive(Debug, Serialize)]
pub struct JsonReport<'a> {
    /// Every finding.
    pub findings: Vec<JsonFinding<'a>>,
    /// The counts.
    pub summary: JsonSummary<'a>,
}

/// The JSON document of a report.
pub fn document<'a>(ws: &'a Workspace, report: &'a CheckReport) -> JsonReport<'a> {
    let mut locator = Locator::new(ws);
    let findings = report
        .findings
        .iter()
        .map(|f| {
            let p = locator.place(f);
            JsonFinding {
                code: f.code.as_str(),
                severity: f.severity.as_str(),
                file: p.file,
                line: p.line,
                column: p.column,
                service: f.service.as_deref(),
                field: f.field.map(|field| field.to_string()),
                expected: f.expected.as_deref(),
                actual: f.actual.as_deref(),
                message: &f.message,
            }
        })
        .collect();
    JsonReport {
        findings,
        summary: JsonSummary {
            counts: &report.summary,
            exit_code: u8::from(report.failed()),
        },
    }
}

/// Render the report as pretty-printed JSON with a final newline.
pub fn render(ws: &Workspace, report: &CheckReport) -> String {
    let mut text = serde_json::to_string_pretty(&document(ws, report))
        // Serializing plain structs of strings and integers cannot fail.
        .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    text.push('\n');
    text
}

/// The documented shape of the JSON output, as a JSON Schema (draft 2020-12).
pub fn schema() -> serde_json::Value {
    let nullable_string = serde_json::json!({ "type": ["string", "null"] });
    let count = serde_json::json!({ "type": "integer", "minimum": 0 });
    serde_json::json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "limitctl check --format json",
        "type": "object",
        "required": ["findings", "summary"],
        "properties": {
            "findings": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["code", "severity", "file", "line", "column", "service", "field", "expected", "actual", "message"],
                    "properties": {
                        "code": { "enum": crate::lint::CODES },
                        "severity": { "enum": ["error", "warning", "info"] },
                        "file": { "type": "string" },
                        "line": { "type": "integer", "minimum": 1 },
                        "column": { "type": "integer", "minimum": 1 },
                        "service": nullable_string,
                        "field": {
                            "enum": [
                                "mem_limit",
                                "mem_reservation",
                                "deploy.resources.limits.memory",
                                "deploy.resources.reservations.memory",
                                null
                            ]
                        },
                        "expected": nullable_string,
                        "actual": nullable_string,
                        "message": { "type": "string" }
                    }
                }
            },
            "summary": {
                "type": "object",
                "required": ["checked", "drift", "match", "held", "unknown", "unmanaged", "errors", "warnings", "infos", "exit_code"],
                "properties": {
                    "checked": count,
                    "drift": count,
                    "match": count,
                    "held": count,
                    "unknown": count,
                    "unmanaged": count,
                    "errors": count,
                    "warnings": count,
                    "infos": count,
                    "exit_code": { "enum": [0, 1] }
                }
            }
        }
    })
}
