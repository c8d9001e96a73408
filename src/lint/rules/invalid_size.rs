//! `invalid-size`: a value Compose rejects or silently ignores.

use crate::compose::Field;
use crate::lint::model::{Meaning, ServiceView};
use crate::lint::{Code, Finding, Severity};

use super::Rule;

/// The rule's documentation.
pub const RULE: Rule = Rule {
    code: "invalid-size",
    severity: Severity::Error,
    summary: "a value Compose rejects or silently ignores (float, `1Gi`, integer in deploy memory, below 6 MiB)",
    what: "A managed field of a table service holds something that is not a valid memory size \
for Compose: a spelling it rejects (`1Gi`, `512Mi`, `1,5g`, `0x10`, `-1g`, `1g ` with a \
trailing space, an empty string), a YAML float (`mem_limit: 1.5`), an integer in \
`deploy.resources.*.memory` (the schema accepts only a string there), a collection, or a size \
below the engine's minimum of 6 MiB. A `${…}` value is judged by what it resolves to.",
    why: "Compose refuses the file, or (for a float) Compose v2 silently ignores the value and \
the container runs with no limit; the engine refuses a container below 6 MiB. Either way \
the limit in limits.toml is not in force.",
    fix: "Write a size in Docker's syntax, as a string in `deploy`: `mem_limit: 512m`, \
`memory: \"512m\"` (units b, k, m, g, t, p, 1024-based). `limitctl apply SERVICE` rewrites \
the value with the table's spelling.",
    example: r#"services:
  app:
    mem_limit: 1Gi         # invalid-size: write 1g
    deploy:
      resources:
        limits:
          memory: 536870912  # invalid-size: must be a string, "512m""#,
};

/// Report every present field whose value Compose would not use as a size.
pub fn check(view: &ServiceView<'_>, out: &mut Vec<Finding>) {
    for field in Field::ALL {
        let Some(value) = view.value(field) else {
            continue;
        };
        let Meaning::Invalid { reason, help } = &value.meaning else {
            continue;
        };
        let message = format!(
            "`{field}` of `{}` is {}, {reason}{}",
            view.entry.name,
            value.describe(),
            view.inherited(value.anchor.as_deref())
        );
        let mut f = if view.expects(field) {
            view.compared(Code::InvalidSize, value.range.clone(), field, message)
        } else {
            view.finding(Code::InvalidSize, value.range.clone(), Some(field), message)
        };
        f.actual = Some(value.actual());
        f.label = Some("not a size Compose uses".into());
        f.help = help.clone();
        out.push(f);
    }
}
