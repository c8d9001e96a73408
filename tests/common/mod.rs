//! Helpers shared by the integration tests.
#![allow(dead_code)]

use limitctl::engine::{self, Edited, EngineError, Operation};
use limitctl::limits::{ServiceLimits, SizeSpec, WriteTargets};
use limitctl::render::{Paint, diff};
use limitctl::size::MemSize;

/// A size as the table would hold it.
pub fn size(text: &str) -> SizeSpec {
    SizeSpec {
        size: MemSize::parse(text).expect("test sizes are valid"),
        text: text.to_string(),
        span: 0..0,
    }
}

/// A table entry.
pub fn entry(name: &str, limit: &str, reservation: Option<&str>) -> ServiceLimits {
    ServiceLimits {
        name: name.to_string(),
        mem_limit: size(limit),
        mem_reservation: reservation.map(size),
        file: None,
        hold: None,
        span: 0..0,
        line_span: 0..0,
        file_span: None,
    }
}

/// Both forms, as the default `write` has it.
pub const BOTH: WriteTargets = WriteTargets {
    service: true,
    deploy: true,
};

/// Apply one entry to a text.
pub fn apply(
    text: &str,
    table: &[ServiceLimits],
    write: WriteTargets,
) -> Result<Edited, EngineError> {
    engine::edit_text(text, Operation::Apply(table, write))
}

/// Strip services from a text.
pub fn strip(text: &str, services: &[&str]) -> Result<Edited, EngineError> {
    engine::edit_text(text, Operation::Strip(services))
}

/// A plain unified diff, for snapshots that show exactly which lines changed.
pub fn diff(old: &str, new: &str) -> String {
    let shown = |s: &str| s.replace('\r', "␍").replace('\u{feff}', "<BOM>");
    diff::unified(
        "compose.yml",
        &shown(old),
        &shown(new),
        Paint { color: false },
    )
}

/// The message of every planning error, or of the error itself.
pub fn error_text(e: &EngineError) -> String {
    match e {
        EngineError::Plan(errors) => errors
            .iter()
            .map(|e| {
                format!(
                    "{} [bytes {:?}]{}",
                    e.message,
                    e.range,
                    e.help
                        .as_ref()
                        .map(|h| format!("\nhelp: {h}"))
                        .unwrap_or_default()
                )
            })
            .collect::<Vec<_>>()
            .join("\n"),
        EngineError::Parse(p) => format!("{} [bytes {:?}]", p.message, p.range),
        other => other.to_string(),
    }
}
