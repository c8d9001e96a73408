//! `held`: a service on hold (information).

use crate::limits::ServiceLimits;
use crate::lint::{Code, Finding, Severity, Source};
use crate::workspace::Workspace;

use super::Rule;

/// The rule's documentation.
pub const RULE: Rule = Rule {
    code: "held",
    severity: Severity::Info,
    summary: "a service on hold (information)",
    what: "The service's entry in limits.toml has `hold = \"reason\"`: `apply` skips it and \
`check` does not compare its fields. The finding points at the entry and repeats the reason.",
    why: "A hold is a deliberate, temporary exception (for example after an OOM kill during a \
rollout). Reporting it keeps it visible so that it does not become permanent by accident.",
    fix: "When the reason is resolved, remove `hold` from the entry and run `limitctl apply \
SERVICE`; `limitctl strip SERVICE --hold REASON` is the way to put a service on hold.",
    example: r#"# limits.toml
[services]
loki = { mem_limit = "768m", hold = "OOM-killed in stage 3; under review" }   # held"#,
};

/// Report a held table entry.
pub fn check(ws: &Workspace, entry: &ServiceLimits, out: &mut Vec<Finding>) {
    let reason = entry.hold.as_deref().unwrap_or_default();
    out.push(Finding {
        code: Code::Held,
        severity: RULE.severity,
        source: Source::Config,
        range: entry.span.clone(),
        service: Some(entry.name.clone()),
        field: None,
        expected: None,
        expected_at: None,
        actual: None,
        message: format!(
            "`{}` is on hold in {}, not compared: {reason}",
            entry.name, ws.config_display
        ),
        label: Some("on hold".into()),
        help: Some("remove `hold` when the reason is resolved, then run `limitctl apply`".into()),
    });
}
