//! `unmanaged`: a compose service the table does not mention.

use std::collections::HashSet;

use crate::compose;
use crate::lint::{Code, Finding, Severity, Source};
use crate::workspace::Workspace;

use super::Rule;

/// The rule's documentation.
pub const RULE: Rule = Rule {
    code: "unmanaged",
    severity: Severity::Warning,
    summary: "a compose service the table does not mention (warning; `--deny unmanaged` makes it an error)",
    what: "A compose file defines a service that has no entry in limits.toml. It is reported \
only when the whole table is checked (no SERVICE and no `--stage`), at the service's key.",
    why: "A service outside the table has whatever limits its file gives it, usually none: a \
new service added without a limit is how an unlimited container slips into production.",
    fix: "Add an entry for it under `[services]` in limits.toml (with `hold = \"reason\"` if \
it must stay unlimited for now). Use `--deny unmanaged` in CI to make every service need \
an entry.",
    example: r#"# limits.toml has no entry for `homepage`
services:
  homepage:                # unmanaged
    image: ghcr.io/gethomepage/homepage"#,
};

/// Report every compose service without a table entry.
pub fn check(ws: &Workspace, deny: bool, out: &mut Vec<Finding>) {
    // A set, not `Limits::service`, so that large tables stay linear.
    let table: HashSet<&str> = ws.limits.services.iter().map(|s| s.name.as_str()).collect();
    for (i, file) in ws.files.iter().enumerate() {
        for service in compose::services(&file.doc, file.services) {
            if table.contains(service.name.as_str()) {
                continue;
            }
            out.push(Finding {
                code: Code::Unmanaged,
                severity: if deny { Severity::Error } else { RULE.severity },
                source: Source::Compose(i),
                range: file.doc.node(service.key).range.clone(),
                service: Some(service.name.clone()),
                field: None,
                expected: None,
                expected_at: None,
                actual: None,
                message: format!(
                    "service `{}` is not in {}: its memory is not managed",
                    service.name, ws.config_display
                ),
                label: Some("no entry in the table".into()),
                help: Some(format!(
                    "add `{} = {{ mem_limit = \"…\" }}` under [services] in {}",
                    service.name, ws.config_display
                )),
            });
        }
    }
}
