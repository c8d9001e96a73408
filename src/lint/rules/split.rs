//! `split`: the service-level key and `deploy.resources` disagree, or a `limits` /
//! `reservations` mapping lacks `memory` while the service-level key is set.

use crate::compose::Field;
use crate::lint::model::{Meaning, ServiceView};
use crate::lint::{Code, Finding, Severity};

use super::{Rule, SPLIT_CONSEQUENCE};

/// The rule's documentation.
pub const RULE: Rule = Rule {
    code: "split",
    severity: Severity::Error,
    summary: "`mem_limit` and `deploy.resources.limits.memory` (or the reservations) disagree, or \
a `limits`/`reservations` block lacks `memory` while the service-level key is set",
    what: "A service sets its memory in both forms and they differ: `mem_limit` ≠ \
`deploy.resources.limits.memory`, or `mem_reservation` ≠ \
`deploy.resources.reservations.memory` (compared in bytes). A `limits` (or `reservations`) \
mapping without `memory` next to a set `mem_limit` (or `mem_reservation`) counts as \
differing. The finding points at the deploy value, or at the `limits:`/`reservations:` key \
when `memory` is absent.",
    why: "Compose v2 refuses the file at deploy time (\"can't set distinct values on \
'mem_limit' and 'deploy.resources.limits.memory'\"), so the next `docker compose up` of the \
whole file fails. Compose 1.29 silently lets the deploy value win, and drops the limit \
altogether when the `limits` mapping has no `memory`: the service runs with a limit nobody \
wrote down, or none.",
    fix: "Make both forms hold the same value: `limitctl apply SERVICE` writes the table's \
value into both (it adds `memory` to an existing `limits` mapping). Or remove one of the \
forms by hand.",
    example: r#"services:
  app:
    mem_limit: 512m
    deploy:
      resources:
        limits:
          cpus: "0.5"      # split: no `memory` here, but mem_limit is set"#,
};

/// Whether `field` (a deploy field) is absent from an existing `limits`/`reservations`
/// mapping while its service-level counterpart is set: the case Compose counts as differing.
pub fn block_without_memory(view: &ServiceView<'_>, field: Field) -> bool {
    if !field.is_deploy() || view.block(field).is_none() {
        return false;
    }
    let absent = view.value(field).is_none_or(|v| v.meaning == Meaning::Null);
    let service_set = view
        .value(field.counterpart())
        .and_then(|v| v.size())
        .is_some_and(|s| s.bytes() > 0);
    absent && service_set
}

/// Report every pair of forms that disagree.
pub fn check(view: &ServiceView<'_>, out: &mut Vec<Finding>) {
    let name = &view.entry.name;
    for field in [Field::LimitsMemory, Field::ReservationsMemory] {
        let service_field = field.counterpart();
        let (Some(service_value), deploy_value) = (view.value(service_field), view.value(field))
        else {
            continue;
        };
        if block_without_memory(view, field) {
            let Some(block) = view.block(field) else {
                continue;
            };
            let block_name = &field.path()[..3].join(".");
            let what = if field.is_limit() {
                "drops the limit"
            } else {
                "drops the reservation"
            };
            let message = format!(
                "`{name}` sets `{service_field}` to {} but its `{block_name}` has no `memory`: Compose v2 refuses this file, and Compose 1.29 silently {what}{}",
                service_value.describe(),
                view.inherited(block.anchor.as_deref()),
            );
            let mut f = view.compared(Code::Split, block.range.clone(), field, message);
            f.label = Some(format!("no `memory` here, but `{service_field}` is set"));
            f.help = Some(format!(
                "add `memory: \"{}\"` to this mapping (`limitctl apply {name}` does it)",
                service_value.actual()
            ));
            out.push(f);
            continue;
        }
        let Some(deploy_value) = deploy_value else {
            continue;
        };
        let (Some(a), Some(b)) = (service_value.size(), deploy_value.size()) else {
            continue;
        };
        if a == b {
            continue;
        }
        let message = format!(
            "`{service_field}` of `{name}` is {} but `{field}` is {}: {SPLIT_CONSEQUENCE}{}",
            service_value.describe(),
            deploy_value.describe(),
            view.inherited(deploy_value.anchor.as_deref()),
        );
        let mut f = view.compared(Code::Split, deploy_value.range.clone(), field, message);
        f.actual = Some(deploy_value.actual());
        f.label = Some(format!(
            "differs from `{service_field}: {}`",
            service_value.actual()
        ));
        f.help = Some(format!(
            "make both hold the same value: `limitctl apply {name}` writes the table's value into both"
        ));
        out.push(f);
    }
}
