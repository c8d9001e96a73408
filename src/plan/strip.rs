//! `strip`: remove every managed field of a selected service, and the mappings that this
//! leaves empty.

use super::{FilePlan, PlanError, ServicePlan};
use crate::compose::{self, Field, Service};
use crate::yaml::ops;
use crate::yaml::tree::line_of;
use crate::yaml::{Document, Edit, NodeId, NodeKind};

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
            Ok(p) => plan.absorb(&service.name, p, "nothing to strip"),
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
