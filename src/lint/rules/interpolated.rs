//! `interpolated`: a value comes from `${…}`; reported with what it resolves to.

use crate::compose::Field;
use crate::lint::model::{Meaning, ServiceView};
use crate::lint::{Code, Finding, Severity};

use super::Rule;

/// The rule's documentation.
pub const RULE: Rule = Rule {
    code: "interpolated",
    severity: Severity::Info,
    summary: "a value comes from `${…}`; reported with what it resolves to",
    what: "A managed field is written as a Compose variable expression (`${MEM:-512m}`, \
`${MEM}`, `${MEM:?…}`, …). limitctl resolves it the way Compose does: the shell environment \
first, then `--env-file` or the `.env` file in the compose file's folder; `:-`, `-`, `:?`, \
`?`, `:+`, `+` and `$$` behave as in Compose. When it resolves to the table's value (or the \
table does not manage the field), this is information: the value depends on the environment \
where `docker compose` runs. When it resolves to another size the finding is `drift`, when \
to something that is not a size `invalid-size`. When it cannot be resolved at all (a \
required variable is unset, or the expression is malformed), this finding is an error.",
    why: "The value in force depends on an environment CI may not share with the host: a \
variable set on the server overrides the default that the file and the table agree on. An \
expression Compose cannot resolve makes it refuse the whole file.",
    fix: "Nothing, if the variable is meant to tune the limit; make sure the host's \
environment agrees (pass the host's `.env` with `--env-file` to check against it). For an \
unresolvable expression: set the variable, or give it a default (`${MEM:-512m}`), which \
`limitctl apply` keeps equal to the table.",
    example: r#"# limits.toml: app = { mem_limit = "512m" }
services:
  app:
    mem_limit: ${APP_MEM:-512m}   # interpolated: resolves to 512m (APP_MEM unset)"#,
};

/// Report every interpolated value that resolves to the table's size or cannot be resolved.
pub fn check(view: &ServiceView<'_>, out: &mut Vec<Finding>) {
    for field in Field::ALL {
        let Some(value) = view.value(field) else {
            continue;
        };
        let Some((expr, _)) = &value.interpolation else {
            continue;
        };
        let name = &view.entry.name;
        let note = view.inherited(value.anchor.as_deref());
        let want = view.want(field).filter(|_| view.expects(field));
        match &value.meaning {
            Meaning::Unresolvable(e) => {
                let message = format!(
                    "`{field}` of `{name}` is `{expr}`, which Compose cannot resolve: {e}{note}"
                );
                let mut f = if want.is_some() {
                    view.compared(Code::Interpolated, value.range.clone(), field, message)
                } else {
                    view.finding(
                        Code::Interpolated,
                        value.range.clone(),
                        Some(field),
                        message,
                    )
                };
                f.severity = Severity::Error;
                f.label = Some("Compose refuses this".into());
                f.help = Some(
                    "set the variable in the environment or the .env file, or give it a default: `${VAR:-512m}`"
                        .into(),
                );
                out.push(f);
            }
            Meaning::Size(size) if want.is_none_or(|w| w.size == *size) => {
                let message = format!(
                    "`{field}` of `{name}` is `{expr}`, which resolves to `{}`{}{note}",
                    value.actual(),
                    if want.is_some() {
                        " as limits.toml sets"
                    } else {
                        ""
                    }
                );
                let mut f = if want.is_some() {
                    view.compared(Code::Interpolated, value.range.clone(), field, message)
                } else {
                    view.finding(
                        Code::Interpolated,
                        value.range.clone(),
                        Some(field),
                        message,
                    )
                };
                f.actual = Some(value.actual());
                f.label = Some(format!("resolves to {}", value.actual()));
                out.push(f);
            }
            // Drift and invalid sizes are reported by their own rules, with the expression.
            _ => {}
        }
    }
}
