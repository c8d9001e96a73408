//! `unknown-service`: the table names a service that no compose file defines.

use crate::limits::ServiceLimits;
use crate::lint::{Code, Finding, Severity, Source};
use crate::workspace::Workspace;

use super::Rule;

/// The rule's documentation.
pub const RULE: Rule = Rule {
    code: "unknown-service",
    severity: Severity::Error,
    summary: "the table names a service that no compose file defines",
    what: "An entry under `[services]` in limits.toml has a name that none of the discovered \
compose files defines (under `[compose] root`, or in `[compose] files`). The finding points \
at the entry in limits.toml and suggests a close name when there is one.",
    why: "Usually a typo or a renamed service: the limit that was decided for it is enforced \
nowhere, and the service under its real name runs without it.",
    fix: "Correct the name in limits.toml (or the compose file), point `[compose] root` / \
`files` at the folder that defines it, or remove the entry if the service is gone.",
    example: r#"# limits.toml
[services]
treafik = { mem_limit = "256m" }   # unknown-service: did you mean `traefik`?"#,
};

/// Report a table entry that no compose file defines.
pub fn check(
    ws: &Workspace,
    entry: &ServiceLimits,
    suggestion: Option<&str>,
    out: &mut Vec<Finding>,
) {
    out.push(Finding {
        code: Code::UnknownService,
        severity: RULE.severity,
        source: Source::Config,
        range: entry.span.clone(),
        service: Some(entry.name.clone()),
        field: None,
        expected: None,
        expected_at: None,
        actual: None,
        message: format!(
            "no compose file defines service `{}` ({} compose file{} searched)",
            entry.name,
            ws.files.len(),
            if ws.files.len() == 1 { "" } else { "s" }
        ),
        label: Some("not found in any compose file".into()),
        help: Some(match suggestion {
            Some(s) => format!("did you mean `{s}`?"),
            None => "check the name, or the compose files limits.toml points at".into(),
        }),
    });
}
