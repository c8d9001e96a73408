//! `inverted`: a reservation above the limit in a compose file.

use crate::compose::Field;
use crate::lint::model::ServiceView;
use crate::lint::{Code, Finding, Severity};

use super::Rule;

/// The rule's documentation.
pub const RULE: Rule = Rule {
    code: "inverted",
    severity: Severity::Error,
    summary: "reservation above limit in a compose file",
    what: "The service's memory reservation (`mem_reservation`, else \
`deploy.resources.reservations.memory`) is larger than its limit (`mem_limit`, else \
`deploy.resources.limits.memory`), compared in bytes. The finding points at the reservation.",
    why: "The Docker engine refuses to create the container (\"Minimum memory limit can not be \
less than memory reservation limit\"): the service does not start at all.",
    fix: "Lower the reservation or raise the limit. When the table has both values, \
`limitctl apply SERVICE` writes them; when the table sets only `mem_limit`, add \
`mem_reservation` to its entry so apply manages the reservation too.",
    example: r#"services:
  app:
    mem_limit: 256m
    mem_reservation: 512m  # inverted: above the limit"#,
};

/// Report a reservation above the limit.
pub fn check(view: &ServiceView<'_>, out: &mut Vec<Finding>) {
    let first_size = |fields: [Field; 2]| {
        fields
            .into_iter()
            .find_map(|f| Some((view.value(f)?, view.value(f)?.size()?)))
    };
    let Some((limit_value, limit)) = first_size([Field::MemLimit, Field::LimitsMemory]) else {
        return;
    };
    let Some((reservation, size)) = first_size([Field::MemReservation, Field::ReservationsMemory])
    else {
        return;
    };
    // A limit of 0 is "no limit": any reservation fits.
    if limit.bytes() == 0 || size <= limit {
        return;
    }
    let message = format!(
        "`{}` of `{}` is {}, above its limit: `{}` is {}; the engine refuses to start the container{}",
        reservation.field,
        view.entry.name,
        reservation.describe(),
        limit_value.field,
        limit_value.describe(),
        view.inherited(reservation.anchor.as_deref()),
    );
    let mut f = view.finding(
        Code::Inverted,
        reservation.range.clone(),
        Some(reservation.field),
        message,
    );
    f.actual = Some(reservation.actual());
    f.label = Some(format!("above the limit {}", limit_value.actual()));
    if let Some(want) = view.want(reservation.field) {
        f.expected = Some(want.text.clone());
        f.expected_at = Some(want.span.clone());
    }
    f.help = Some(
        "lower the reservation or raise the limit (in limits.toml, then `limitctl apply`)".into(),
    );
    out.push(f);
}
