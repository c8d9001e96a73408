//! `drift`: a field's value differs from the table (compared in bytes).

use crate::compose::Field;
use crate::lint::model::ServiceView;
use crate::lint::{Code, Finding, Severity};

use super::Rule;

/// The rule's documentation.
pub const RULE: Rule = Rule {
    code: "drift",
    severity: Severity::Error,
    summary: "a field's value differs from the table",
    what: "A managed field holds a size other than the one limits.toml sets. Sizes are compared \
in bytes, the way Compose reads them: `1g`, `1024m`, `\"1GiB\"` and `1073741824` are the same \
value and never drift from each other. A `${…}` value is compared by what it resolves to \
(shell environment first, then the project's `.env` or `--env-file`); the message shows the \
expression and its result.",
    why: "The running limit is not the one that was decided and reviewed: a hand edit, a merge \
or an environment variable changed it. A limit that is too low gets the service OOM-killed; \
one that is too high lets it starve its neighbours.",
    fix: "Run `limitctl apply SERVICE` to write the table's value (for `${VAR:-default}` it \
rewrites the default). If the file is right, change limits.toml instead. If an environment \
variable overrides the default, fix the variable.",
    example: r#"# limits.toml: app = { mem_limit = "512m" }
services:
  app:
    mem_limit: 1g          # drift: 1g is not 512m
    deploy:
      resources:
        limits:
          memory: "524288k"  # no finding: 524288k is 512m"#,
};

/// Report every expected field whose size differs from the table's.
pub fn check(view: &ServiceView<'_>, out: &mut Vec<Finding>) {
    for field in Field::ALL {
        if !view.expects(field) {
            continue;
        }
        let (Some(value), Some(want)) = (view.value(field), view.want(field)) else {
            continue;
        };
        let Some(size) = value.size() else {
            continue;
        };
        if size == want.size {
            continue;
        }
        let message = format!(
            "`{field}` of `{}` is {}; limits.toml sets {}{}",
            view.entry.name,
            value.describe(),
            want.text,
            view.inherited(value.anchor.as_deref())
        );
        let mut f = view.compared(Code::Drift, value.range.clone(), field, message);
        f.actual = Some(value.actual());
        f.help = Some(match &value.interpolation {
            Some((_, _)) => format!(
                "run `limitctl apply {}` to rewrite the default, or fix the variable",
                view.entry.name
            ),
            None => format!(
                "run `limitctl apply {}`, or change limits.toml if the file is right",
                view.entry.name
            ),
        });
        out.push(f);
    }
}
