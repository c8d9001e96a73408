//! The planner: from a compose file's span tree and the table, the edits that `apply` or
//! `strip` make, what they change (for the report) and what they mean (for verification).
//! Pure: text in, edits out.

use std::collections::BTreeMap;
use std::ops::Range;

use crate::compose::{self, Field, Found, Service};
use crate::interp::{self, Slot};
use crate::limits::{ServiceLimits, SizeSpec, WriteTargets};
use crate::value::{self, Reading};
use crate::yaml::ops::{self, NewValue};
use crate::yaml::tree::line_of;
use crate::yaml::{Document, Edit, NodeId, NodeKind, Style};

/// One field changed in one service, for the report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    /// The service.
    pub service: String,
    /// The field.
    pub field: Field,
    /// The value as it was written, if there was one in the service.
    pub old: Option<String>,
    /// The value as it is now written; `None` when the field was removed.
    pub new: Option<String>,
    /// A remark for the reader (an override of a merged value, a rewritten default).
    pub note: Option<String>,
}

/// What an edit must mean once the file is read again: the field holds `value`, or (for
/// `None`) is gone along with the mappings it leaves empty.
#[derive(Clone, Debug, PartialEq)]
pub struct Intent {
    /// The service.
    pub service: String,
    /// The field.
    pub field: Field,
    /// The value the field must hold afterwards.
    pub value: Option<yaml_serde::Value>,
}

/// The edits of one file and what they do.
#[derive(Clone, Debug, Default)]
pub struct FilePlan {
    /// Byte-range edits, non-overlapping.
    pub edits: Vec<Edit>,
    /// The changes, per service and field, in file order.
    pub changes: Vec<Change>,
    /// The meaning of the edits, checked by verification.
    pub intents: Vec<Intent>,
    /// Services selected that needed no change, with the reason.
    pub unchanged: Vec<(String, &'static str)>,
}

/// Why a service cannot be edited as asked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlanError {
    /// The service.
    pub service: String,
    /// What is in the way.
    pub message: String,
    /// Where in the compose file.
    pub range: Range<usize>,
    /// How to get past it.
    pub help: Option<String>,
}

/// A mapping to add entries to, or a null value to turn into one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Target {
    Mapping {
        mapping: NodeId,
        key: NodeId,
    },
    Null {
        key: NodeId,
        value: NodeId,
        parent: NodeId,
    },
}

struct Additions {
    depth: usize,
    entries: Vec<(String, NewValue)>,
}

struct ServicePlan<'d> {
    doc: &'d Document,
    service: &'d Service,
    mapping: NodeId,
    step: usize,
    additions: BTreeMap<Target, Additions>,
    out: FilePlan,
    errors: Vec<PlanError>,
}

impl<'d> ServicePlan<'d> {
    fn new(doc: &'d Document, service: &'d Service) -> Result<Self, PlanError> {
        let mapping = doc.resolve(service.value);
        let error = |message: String, help: &str| PlanError {
            service: service.name.clone(),
            message,
            range: doc.node(service.key).range.clone(),
            help: Some(help.to_string()),
        };
        if !matches!(doc.node(mapping).kind, NodeKind::Mapping { .. }) {
            return Err(error(
                format!("service `{}` is not a mapping", service.name),
                "a service is a mapping of keys such as `image:`",
            ));
        }
        if mapping != service.value {
            return Err(error(
                format!("service `{}` is an alias of another node", service.name),
                "write the service out (for example `<<: *anchor` plus its own keys) so it can change alone",
            ));
        }
        if let Some(anchor) = doc.shared_anchor(mapping) {
            return Err(error(
                format!(
                    "service `{}` is the anchor `&{}`, used elsewhere: an edit here would change every user of it",
                    service.name,
                    doc.node(anchor).anchor.as_deref().unwrap_or("")
                ),
                "move the shared keys into an `x-` block and merge it with `<<:`",
            ));
        }
        let step = ops::indent_step(doc, service.key, mapping).unwrap_or(2);
        Ok(ServicePlan {
            doc,
            service,
            mapping,
            step,
            additions: BTreeMap::new(),
            out: FilePlan::default(),
            errors: Vec::new(),
        })
    }

    fn error(&mut self, range: Range<usize>, message: String, help: Option<String>) {
        self.errors.push(PlanError {
            service: self.service.name.clone(),
            message,
            range,
            help,
        });
    }

    fn change(
        &mut self,
        field: Field,
        old: Option<String>,
        new: Option<String>,
        note: Option<String>,
    ) {
        self.out.changes.push(Change {
            service: self.service.name.clone(),
            field,
            old,
            new,
            note,
        });
    }

    fn intend(&mut self, field: Field, value: Option<yaml_serde::Value>) {
        self.out.intents.push(Intent {
            service: self.service.name.clone(),
            field,
            value,
        });
    }

    fn written(&self, node: NodeId) -> String {
        self.doc.text()[self.doc.node(node).range.clone()].to_string()
    }

    fn anchor_line(&self, origin: &compose::MergeOrigin) -> usize {
        line_of(self.doc.text(), self.doc.node(origin.node).props_start)
    }

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
            // `mem_limit: *x`: the alias is replaced by the value, the anchor stays as it is.
            if value::read(doc, node).size() == Some(want.size) && !field.is_deploy() {
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
        match reading {
            Reading::Interpolated(expr) => self.rewrite_default(field, want, node, &expr),
            Reading::Integer(size) if size == want.size && !field.is_deploy() => {}
            Reading::Text(size) if size == want.size => {}
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
        let reading = value::read(self.doc, found.node);
        let equal = reading.size() == Some(want.size)
            && !(field.is_deploy() && matches!(reading, Reading::Integer(_)));
        if equal {
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

    /// Turn the collected additions into edits, deepest mapping first: two additions can
    /// land on one offset (a service whose last key is `deploy`), and the inner one must come
    /// first in the text.
    fn finish(mut self) -> Result<FilePlan, Vec<PlanError>> {
        let mut targets: Vec<(Target, Additions)> =
            std::mem::take(&mut self.additions).into_iter().collect();
        targets.sort_by_key(|(_, a)| std::cmp::Reverse(a.depth));
        for (target, additions) in targets {
            let result = match target {
                Target::Mapping { mapping, key } => {
                    let step = ops::indent_step(self.doc, key, mapping).unwrap_or(self.step);
                    ops::insert_entries(self.doc, mapping, &additions.entries, step)
                        .map(|e| vec![e])
                }
                Target::Null { key, value, parent } => {
                    let flow = self.doc.is_flow(parent);
                    ops::fill_null(self.doc, key, value, flow, &additions.entries, self.step)
                }
            };
            match result {
                Ok(edits) => self.out.edits.extend(edits),
                Err(e) => self.error(e.range, e.message, None),
            }
        }
        if self.errors.is_empty() {
            Ok(self.out)
        } else {
            Err(self.errors)
        }
    }
}

/// Render a size for a scalar of `style`. Plain text is kept plain only where YAML reads it
/// back as a string (or, outside `deploy`, an integer): `1e9` would be a float, which Compose
/// ignores.
fn render_scalar(text: &str, style: Style, deploy: bool) -> String {
    match style {
        Style::SingleQuoted | Style::DoubleQuoted => ops::quote(text, style),
        _ => {
            let plain_ok = match yaml_serde::from_str::<yaml_serde::Value>(text) {
                Ok(yaml_serde::Value::String(s)) => s == text,
                Ok(yaml_serde::Value::Number(n)) => !deploy && n.is_u64(),
                _ => false,
            };
            if plain_ok {
                text.to_string()
            } else {
                ops::quote(text, Style::DoubleQuoted)
            }
        }
    }
}

fn parse_rendered(rendered: &str) -> Option<yaml_serde::Value> {
    yaml_serde::from_str(rendered.trim_end()).ok()
}

fn shorten(text: &str) -> String {
    let line = text.lines().next().unwrap_or("");
    if line.chars().count() > 40 {
        format!("{}…", line.chars().take(40).collect::<String>())
    } else {
        line.to_string()
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
            Ok(p) => {
                if p.changes.is_empty() {
                    plan.unchanged
                        .push((service.name.clone(), "already matches"));
                }
                plan.edits.extend(p.edits);
                plan.changes.extend(p.changes);
                plan.intents.extend(p.intents);
            }
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
    let mapping = sp.mapping;
    let present = |f: Field| compose::lookup(doc, mapping, f.path()).is_some();
    let block_exists = |f: Field| {
        let path = f.path();
        compose::lookup(doc, mapping, &path[..path.len() - 1])
            .is_some_and(|found| matches!(doc.node(found.node).kind, NodeKind::Mapping { .. }))
    };
    let wants = [
        (Field::MemLimit, Some(&limits.mem_limit)),
        (Field::MemReservation, limits.mem_reservation.as_ref()),
    ];
    let mut fields = Vec::new();
    for (service_field, want) in wants {
        let Some(want) = want else {
            continue;
        };
        let deploy_field = service_field.counterpart();
        let service_level = write.service || present(service_field);
        // Compose v2 refuses a service whose `mem_limit` and `limits` block disagree, and a
        // `limits` block without `memory` counts as disagreeing.
        let deploy_level =
            write.deploy || present(deploy_field) || (service_level && block_exists(deploy_field));
        if service_level {
            fields.push((service_field, want));
        }
        if deploy_level {
            fields.push((deploy_field, want));
        }
    }
    // New keys are written in the order of Field::ALL: mem_limit, mem_reservation, deploy.
    fields.sort_by_key(|(field, _)| *field);
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

/// Plan `strip` for the selected services of one file: remove every managed field, and the
/// mappings that removal leaves empty.
pub fn plan_strip(doc: &Document, selected: &[&Service]) -> Result<FilePlan, Vec<PlanError>> {
    let mut plan = FilePlan::default();
    let mut errors = Vec::new();
    for service in selected {
        let mut sp = match ServicePlan::new(doc, service) {
            Ok(sp) => sp,
            Err(e) => {
                errors.push(e);
                continue;
            }
        };
        strip_service(&mut sp);
        let result = sp.finish();
        match result {
            Ok(p) => {
                if p.changes.is_empty() {
                    plan.unchanged
                        .push((service.name.clone(), "nothing to strip"));
                }
                plan.edits.extend(p.edits);
                plan.changes.extend(p.changes);
                plan.intents.extend(p.intents);
            }
            Err(e) => errors.extend(e),
        }
    }
    plan.edits = ops::join_deletions(doc, std::mem::take(&mut plan.edits));
    if errors.is_empty() {
        errors.extend(still_limited(doc, selected, &plan.edits));
    }
    if errors.is_empty() {
        Ok(plan)
    } else {
        Err(errors)
    }
}

/// A merge key can still give a stripped service a limit: read the result back and refuse,
/// naming the anchor, when any managed field is still in effect.
fn still_limited(doc: &Document, selected: &[&Service], edits: &[Edit]) -> Vec<PlanError> {
    let Ok(after) = crate::yaml::splice(doc.text(), edits) else {
        return Vec::new();
    };
    let Ok(new_doc) = Document::parse(&after) else {
        return Vec::new();
    };
    let Some(new_services) = compose::services_mapping(&new_doc) else {
        return Vec::new();
    };
    let mut errors = Vec::new();
    for service in selected {
        let Some(entry) = new_doc.get(new_services, &service.name) else {
            continue;
        };
        for field in Field::ALL {
            let Some(found) = compose::lookup(&new_doc, entry.value, field.path()) else {
                continue;
            };
            let origin = found
                .merged_from
                .map_or_else(|| "?".to_string(), |o| o.anchor);
            let line = compose::merge_sources(doc, doc.resolve(service.value))
                .into_iter()
                .find(|o| o.anchor == origin)
                .map_or(0, |o| line_of(doc.text(), doc.node(o.node).props_start));
            errors.push(PlanError {
                service: service.name.clone(),
                message: format!(
                    "`{field}` of `{}` is inherited from `*{origin}` (line {line}) and cannot be removed from the service alone",
                    service.name
                ),
                range: doc.node(service.key).range.clone(),
                help: Some(format!(
                    "remove it from the anchor `&{origin}` (every service merging it loses it), or stop merging the anchor into this service"
                )),
            });
        }
    }
    errors
}

fn strip_service(sp: &mut ServicePlan<'_>) {
    let doc = sp.doc;
    let mut fields = Vec::new();
    for field in Field::ALL {
        let explicit = explicit_node(doc, sp.mapping, field.path());
        if let Some(node) = explicit {
            fields.push((field, node));
        }
    }
    if fields.is_empty() {
        return;
    }
    for (field, node) in &fields {
        if let Some(anchor) = doc.shared_anchor(*node) {
            let name = doc.node(anchor).anchor.clone().unwrap_or_default();
            sp.error(
                doc.node(*node).range.clone(),
                format!(
                    "`{field}` of `{}` sits inside the anchor `&{name}`, used elsewhere",
                    sp.service.name
                ),
                Some("strip the anchor by hand, or give the service its own copy".into()),
            );
            return;
        }
    }
    let paths: Vec<&[&str]> = fields.iter().map(|(f, _)| f.path()).collect();
    let (removal, emptied) = removals(doc, sp.mapping, &paths);
    // A flow service can become `{}`; a block service would turn into a null.
    if emptied && !doc.is_flow(sp.mapping) {
        let range = doc.node(sp.service.key).range.clone();
        sp.error(
            range,
            format!(
                "service `{}` holds nothing but limits; stripping them would leave it empty",
                sp.service.name
            ),
            Some("a service needs at least an `image:` or `build:`".into()),
        );
        return;
    }
    collect_removal_edits(sp, sp.mapping, &removal);
    for (field, node) in fields {
        let old = sp.written(node);
        sp.intend(field, None);
        sp.change(field, Some(old), None, None);
    }
}

/// The node of `path` when every key on it is written in the service itself.
fn explicit_node(doc: &Document, mut mapping: NodeId, path: &[&str]) -> Option<NodeId> {
    let mut node = None;
    for part in path {
        let entry = doc.get(mapping, part)?;
        node = Some(entry.value);
        mapping = doc.resolve(entry.value);
    }
    node
}

/// Entries to remove under each mapping, deepest emptied mapping folded into its parent.
struct Removal {
    indices: Vec<usize>,
    children: Vec<(NodeId, Removal)>,
}

/// Which entries of `mapping` go for `paths`; `true` when every entry goes.
fn removals(doc: &Document, mapping: NodeId, paths: &[&[&str]]) -> (Removal, bool) {
    let entries = doc.entries(mapping).unwrap_or(&[]);
    let mut removal = Removal {
        indices: Vec::new(),
        children: Vec::new(),
    };
    for (i, entry) in entries.iter().enumerate() {
        let Some(key) = doc.scalar(entry.key) else {
            continue;
        };
        let below: Vec<&[&str]> = paths
            .iter()
            .filter(|p| p.first() == Some(&key))
            .map(|p| &p[1..])
            .collect();
        if below.is_empty() {
            continue;
        }
        if below.iter().any(|p| p.is_empty()) {
            removal.indices.push(i);
            continue;
        }
        let child = doc.resolve(entry.value);
        if !matches!(doc.node(child).kind, NodeKind::Mapping { .. }) {
            continue;
        }
        let (child_removal, emptied) = removals(doc, child, &below);
        if emptied {
            removal.indices.push(i);
        } else if !child_removal.indices.is_empty() || !child_removal.children.is_empty() {
            removal.children.push((child, child_removal));
        }
    }
    let emptied = !entries.is_empty() && removal.indices.len() == entries.len();
    (removal, emptied)
}

fn collect_removal_edits(sp: &mut ServicePlan<'_>, mapping: NodeId, removal: &Removal) {
    for (child, child_removal) in &removal.children {
        collect_removal_edits(sp, *child, child_removal);
    }
    if removal.indices.is_empty() {
        return;
    }
    match ops::remove_entries(sp.doc, mapping, &removal.indices) {
        Ok(edits) => sp.out.edits.extend(edits),
        Err(e) => sp.error(e.range, e.message, None),
    }
}
