//! `apply`: make each managed field of a selected service hold the table's value: update it
//! in place, rewrite an interpolation's default, or add the missing keys.

use super::{
    Additions, FilePlan, PlanError, ServicePlan, Target, parse_rendered, render_scalar, shorten,
};
use crate::compose::{self, Field, Found, Service};
use crate::interp::{self, Slot};
use crate::limits::{ServiceLimits, SizeSpec, WriteTargets};
use crate::value::{self, Reading};
use crate::yaml::ops::{self, NewValue};
use crate::yaml::{Document, Edit, NodeId, NodeKind, Style};

/// Whether a value already holds the wanted size the way Compose reads this field: equal in
/// bytes, and a string where the schema wants one (`deploy…memory`).
fn holds(field: Field, reading: &Reading, want: &SizeSpec) -> bool {
    match reading {
        Reading::Text(size) => *size == want.size,
        Reading::Integer(size) => *size == want.size && !field.is_deploy(),
        _ => false,
    }
}

impl ServicePlan<'_> {
    /// Make `field` hold `want`.
    fn set(&mut self, field: Field, want: &SizeSpec) {
        match compose::lookup(self.doc, self.mapping, field.path()) {
            Some(found) if found.merged_from.is_none() => self.update(field, want, &found),
            Some(found) => self.override_merged(field, want, &found),
            None => self.add(field, want, None),
        }
    }

    /// The field is written in the service: rewrite it unless it already holds the size.
    fn update(&mut self, field: Field, want: &SizeSpec, found: &Found) {
        let doc = self.doc;
        let node = found.node;
        if found.written != node {
            // `mem_limit: *x`: the alias is replaced by the value, the anchor stays as it is;
            // an interpolation is never replaced by a literal, not even through an alias.
            let reading = value::read(doc, node);
            if holds(field, &reading, want) {
                return;
            }
            if let Reading::Interpolated(expr) = reading {
                let anchor = doc.node(node).anchor.clone().unwrap_or_default();
                self.error(
                    doc.node(found.written).range.clone(),
                    format!(
                        "`{field}` of `{}` is the alias `*{anchor}` of `{expr}`: limitctl does not replace an interpolation with a value",
                        self.service.name
                    ),
                    Some(format!(
                        "change the default in the anchor `&{anchor}`, or write `${{VAR:-{}}}` in the service",
                        want.text
                    )),
                );
                return;
            }
            let rendered = render_scalar(&want.text, Style::Plain, field.is_deploy());
            self.replace(field, found.written, rendered, None);
            return;
        }
        if let Some(anchor) = doc.shared_anchor(node) {
            let name = doc.node(anchor).anchor.clone().unwrap_or_default();
            self.error(
                doc.node(node).range.clone(),
                format!(
                    "`{field}` of `{}` sits inside the anchor `&{name}`, used elsewhere",
                    self.service.name
                ),
                Some(
                    "give the service its own value instead of sharing it through the anchor"
                        .into(),
                ),
            );
            return;
        }
        let reading = value::read(doc, node);
        if holds(field, &reading, want) {
            return;
        }
        match reading {
            Reading::Interpolated(expr) => self.rewrite_default(field, want, node, &expr),
            Reading::Null => {
                let style = Style::Plain;
                let rendered = render_scalar(&want.text, style, field.is_deploy());
                let range = doc.node(node).range.clone();
                let edit = if range.is_empty() {
                    Edit::insert(range.start, format!(" {rendered}"))
                } else {
                    Edit::replace(range, rendered.clone())
                };
                self.out.edits.push(edit);
                self.intend(field, parse_rendered(&rendered));
                self.change(field, None, Some(rendered), None);
            }
            Reading::NotASize(text) if !matches!(doc.node(node).kind, NodeKind::Scalar { .. }) => {
                self.error(
                    doc.node(node).range.clone(),
                    format!(
                        "`{field}` of `{}` is not a size: `{}`",
                        self.service.name,
                        shorten(&text)
                    ),
                    Some("write a size such as `256m`".into()),
                );
            }
            _ => {
                let style = match &doc.node(node).kind {
                    NodeKind::Scalar { style, .. } => *style,
                    _ => Style::Plain,
                };
                let mut rendered = render_scalar(&want.text, style, field.is_deploy());
                if matches!(style, Style::Literal | Style::Folded) {
                    // The block scalar's range ends after its line break; keep one.
                    rendered.push_str(ops::newline_at(doc.text(), doc.node(node).range.start));
                }
                self.replace(field, node, rendered, None);
            }
        }
    }

    fn replace(&mut self, field: Field, node: NodeId, rendered: String, note: Option<String>) {
        let old = self.written(node);
        self.out
            .edits
            .push(ops::set_scalar(self.doc, node, &rendered));
        self.intend(field, parse_rendered(&rendered));
        self.change(
            field,
            Some(old),
            Some(rendered.trim_end().to_string()),
            note,
        );
    }

    /// `${VAR:-default}`: rewrite the default, never replace the expression with a literal.
    fn rewrite_default(&mut self, field: Field, want: &SizeSpec, node: NodeId, expr: &str) {
        let doc = self.doc;
        let range = doc.node(node).range.clone();
        let name = self.service.name.clone();
        let slot = match interp::default_slot(expr) {
            Ok(slot) => slot,
            Err(e) => {
                self.error(range, format!("`{field}` of `{name}`: {e}"), None);
                return;
            }
        };
        match slot {
            Slot::Default(slot) => {
                let default = &expr[slot.range.clone()];
                if value::read_str(default).size() == Some(want.size) {
                    return;
                }
                // Map the default's place in the value onto the text: possible when the
                // scalar's text is its value (plain, or quoted without escapes).
                let written = &doc.text()[range.clone()];
                let inner = match written.as_bytes().first() {
                    Some(b'"') | Some(b'\'') => (range.start + 1, &written[1..written.len() - 1]),
                    _ => (range.start, written),
                };
                if inner.1 != expr {
                    self.error(
                        range,
                        format!("`{field}` of `{name}`: the default in `{expr}` cannot be rewritten in place"),
                        Some(format!("write it on one line without escapes, as `${{{}:-{}}}`", slot.var, want.text)),
                    );
                    return;
                }
                let at = inner.0 + slot.range.start..inner.0 + slot.range.end;
                let mut new_expr = expr.to_string();
                new_expr.replace_range(slot.range.clone(), &want.text);
                self.out.edits.push(Edit::replace(at, want.text.clone()));
                self.intend(field, Some(yaml_serde::Value::String(new_expr.clone())));
                self.change(
                    field,
                    Some(expr.to_string()),
                    Some(new_expr),
                    Some(format!(
                        "default of ${{{}}} rewritten; the variable still wins when set",
                        slot.var
                    )),
                );
            }
            Slot::NoDefault { var } => self.error(
                range,
                format!(
                    "`{field}` of `{name}` is `{expr}`, with no default that limitctl could set"
                ),
                Some(format!(
                    "give it a default (`${{{var}:-{}}}`) or write the value, then run apply again",
                    want.text
                )),
            ),
            Slot::Complex { reason } => self.error(
                range,
                format!(
                    "`{field}` of `{name}` is `{expr}`, which limitctl cannot rewrite: {reason}"
                ),
                Some(format!(
                    "write it as `${{VAR:-{}}}` or as the value itself",
                    want.text
                )),
            ),
            Slot::Literal => self.error(
                range,
                format!("`{field}` of `{name}` is `{expr}`, which is not a size"),
                Some(format!(
                    "write it as `${{VAR:-{}}}` or as the value itself",
                    want.text
                )),
            ),
        }
    }

    /// The field is inherited through a merge key.
    fn override_merged(&mut self, field: Field, want: &SizeSpec, found: &Found) {
        let Some(origin) = found.merged_from.clone() else {
            return;
        };
        if holds(field, &value::read(self.doc, found.node), want) {
            return;
        }
        if field.is_deploy() {
            let line = self.anchor_line(&origin);
            self.error(
                self.doc.node(self.service.key).range.clone(),
                format!(
                    "`deploy` of `{}` comes from the merge of `*{}` (line {line}); writing `deploy` into the service would replace the whole merged mapping",
                    self.service.name, origin.anchor
                ),
                Some(format!(
                    "set the memory in the anchor `&{}` if every service that merges it should have it, or write the service's own `deploy:` with all its keys",
                    origin.anchor
                )),
            );
            return;
        }
        let note = format!("overrides the value merged from *{}", origin.anchor);
        self.add(field, want, Some(note));
    }

    /// The field is not there: find where its path stops and add the rest.
    fn add(&mut self, field: Field, want: &SizeSpec, note: Option<String>) {
        let doc = self.doc;
        let path = field.path();
        let mut mapping = self.mapping;
        let mut key = self.service.key;
        let mut target = None;
        for (depth, part) in path[..path.len() - 1].iter().enumerate() {
            match doc.get(mapping, part) {
                Some(entry) => {
                    let value = doc.resolve(entry.value);
                    if value != entry.value || doc.shared_anchor(value).is_some() {
                        self.error(
                            doc.node(entry.value).range.clone(),
                            format!(
                                "`{}` of `{}` is shared through an anchor: adding `{field}` there would change every service that uses it",
                                path[..=depth].join("."),
                                self.service.name
                            ),
                            Some("give the service its own mapping here".into()),
                        );
                        return;
                    }
                    if doc.is_null(value) {
                        target = Some((
                            Target::Null {
                                key: entry.key,
                                value,
                                parent: mapping,
                            },
                            depth + 1,
                            &path[depth + 1..],
                        ));
                        break;
                    }
                    if !matches!(doc.node(value).kind, NodeKind::Mapping { .. }) {
                        self.error(
                            doc.node(value).range.clone(),
                            format!(
                                "`{}` of `{}` is not a mapping",
                                path[..=depth].join("."),
                                self.service.name
                            ),
                            Some("Compose expects a mapping here".into()),
                        );
                        return;
                    }
                    mapping = value;
                    key = entry.key;
                }
                None => {
                    if let Some(found) = compose::lookup(doc, mapping, &[part])
                        && let Some(origin) = found.merged_from
                    {
                        let line = self.anchor_line(&origin);
                        self.error(
                                doc.node(self.service.key).range.clone(),
                                format!(
                                    "`{}` of `{}` comes from the merge of `*{}` (line {line}); writing it into the service would replace the whole merged mapping",
                                    path[..=depth].join("."),
                                    self.service.name,
                                    origin.anchor
                                ),
                                Some(format!(
                                    "set the memory in the anchor `&{}`, or write the service's own `{}:` with all its keys",
                                    origin.anchor, path[depth]
                                )),
                            );
                        return;
                    }
                    target = Some((Target::Mapping { mapping, key }, depth, &path[depth..]));
                    break;
                }
            }
        }
        let (target, depth, rest) = target.unwrap_or((
            Target::Mapping { mapping, key },
            path.len() - 1,
            &path[path.len() - 1..],
        ));
        let rendered = if field.is_deploy() {
            ops::quote(&want.text, Style::DoubleQuoted)
        } else {
            render_scalar(&want.text, Style::Plain, false)
        };
        let additions = self.additions.entry(target).or_insert(Additions {
            depth,
            entries: Vec::new(),
        });
        NewValue::put(&mut additions.entries, rest, rendered.clone());
        self.intend(field, parse_rendered(&rendered));
        self.change(field, None, Some(rendered), note);
    }
}

/// Plan `apply` for the selected services of one file.
pub fn plan_apply(
    doc: &Document,
    selected: &[(&Service, &ServiceLimits)],
    write: WriteTargets,
) -> Result<FilePlan, Vec<PlanError>> {
    let mut plan = FilePlan::default();
    let mut errors = Vec::new();
    for (service, limits) in selected {
        match plan_apply_service(doc, service, limits, write) {
            Ok(p) => plan.absorb(&service.name, p, "already matches"),
            Err(e) => errors.extend(e),
        }
    }
    if errors.is_empty() {
        Ok(plan)
    } else {
        Err(errors)
    }
}

fn plan_apply_service(
    doc: &Document,
    service: &Service,
    limits: &ServiceLimits,
    write: WriteTargets,
) -> Result<FilePlan, Vec<PlanError>> {
    let mut sp = ServicePlan::new(doc, service).map_err(|e| vec![e])?;
    let expected = compose::expected_fields(
        doc,
        Some(sp.mapping),
        limits.mem_reservation.is_some(),
        write,
    );
    // In the order of Field::ALL, which is the order new keys are written in.
    let mut fields = Vec::new();
    for field in Field::ALL {
        let want = if field.is_limit() {
            Some(&limits.mem_limit)
        } else {
            limits.mem_reservation.as_ref()
        };
        if let Some(want) = want
            && expected[field.index()]
        {
            fields.push((field, want));
        }
    }
    for (field, want) in fields {
        sp.set(field, want);
    }
    if limits.mem_reservation.is_none() {
        check_reservation_fits(&mut sp, &limits.mem_limit);
    }
    sp.finish()
}

/// Without a reservation in the table the file's own reservation stays: it must still fit
/// under the new limit, or the engine refuses the container.
fn check_reservation_fits(sp: &mut ServicePlan<'_>, limit: &SizeSpec) {
    for field in [Field::MemReservation, Field::ReservationsMemory] {
        let Some(found) = compose::lookup(sp.doc, sp.mapping, field.path()) else {
            continue;
        };
        // An interpolation is judged by its default: the value Compose uses when the
        // variable is unset, the one case the file alone decides.
        let size = match value::read(sp.doc, found.node) {
            Reading::Interpolated(expr) => match interp::default_slot(&expr) {
                Ok(Slot::Default(slot)) => value::read_str(&expr[slot.range]).size(),
                _ => None,
            },
            reading => reading.size(),
        };
        if let Some(size) = size
            && size > limit.size
        {
            let range = sp.doc.node(found.node).range.clone();
            sp.error(
                range,
                format!(
                    "`{field}` of `{}` ({size}) is above the new limit {}: the engine would refuse the container",
                    sp.service.name, limit.text
                ),
                Some("add `mem_reservation` to the service's entry in limits.toml".into()),
            );
        }
    }
}
