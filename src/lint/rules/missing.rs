//! `missing`: a managed service lacks a field the table sets.

use crate::compose::Field;
use crate::lint::model::{Meaning, ServiceView};
use crate::lint::{Code, Finding, Severity};

use super::Rule;

/// The rule's documentation.
pub const RULE: Rule = Rule {
    code: "missing",
    severity: Severity::Error,
    summary: "a managed service lacks a field the table sets",
    what: "The service is in limits.toml, but its compose file does not set one of the fields \
that `limitctl apply` writes for it: `mem_limit` or `mem_reservation` (when `[compose] write` \
contains \"service\" or the key is already there) and `deploy.resources.limits.memory` or \
`deploy.resources.reservations.memory` (when `write` contains \"deploy\", the key is already \
there, or the `limits`/`reservations` mapping exists next to the service-level key). \
Reservations are only expected when the table sets `mem_reservation`. The finding points at \
the service's key.",
    why: "Without the field the container runs with no limit (or no reservation): one leaking \
process can take the host's memory and get other containers OOM-killed.",
    fix: "Run `limitctl apply SERVICE` to write the table's values, or add the field by hand \
with the value from limits.toml. If the service must stay unlimited for now, record \
`hold = \"reason\"` in its limits.toml entry.",
    example: r#"# limits.toml: app = { mem_limit = "512m" }
services:
  app:
    image: nginx
    # no mem_limit, no deploy.resources.limits.memory: reported at `app:`"#,
};

/// Report every expected field the service lacks (or sets to null).
pub fn check(view: &ServiceView<'_>, out: &mut Vec<Finding>) {
    for field in Field::ALL {
        if !view.expects(field) {
            continue;
        }
        let absent = view.value(field).is_none_or(|v| v.meaning == Meaning::Null);
        if !absent || super::split::block_without_memory(view, field) {
            continue;
        }
        let Some(want) = view.want(field) else {
            continue;
        };
        let (range, note) = match view.value(field) {
            // `mem_limit:` with no value: point at the empty value itself.
            Some(v) => (v.range.clone(), view.inherited(v.anchor.as_deref())),
            None => (view.key_range.clone(), String::new()),
        };
        let message = format!(
            "`{}` has no `{field}`; limits.toml sets {}{note}",
            view.entry.name, want.text
        );
        let mut f = view.compared(Code::Missing, range, field, message);
        let by_hand = match field.path() {
            [key] => format!("`{key}: {}`", want.text),
            path => format!(
                "`memory: \"{}\"` under `{}`",
                want.text,
                path[..path.len() - 1].join(".")
            ),
        };
        f.help = Some(format!(
            "run `limitctl apply {}` or write {by_hand}",
            view.entry.name
        ));
        out.push(f);
    }
}
