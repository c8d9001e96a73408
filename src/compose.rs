//! The Compose view of a span tree: which file is a compose file, its services, and where each
//! managed field of a service lives (in the service itself, or inherited through a merge key).

use std::fmt;

use crate::limits::WriteTargets;
use crate::yaml::{Document, NodeId, NodeKind};

/// One of the four fields limitctl manages.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Field {
    /// `mem_limit`.
    MemLimit,
    /// `mem_reservation`.
    MemReservation,
    /// `deploy.resources.limits.memory`.
    LimitsMemory,
    /// `deploy.resources.reservations.memory`.
    ReservationsMemory,
}

impl Field {
    /// Every managed field, in the order they are reported.
    pub const ALL: [Field; 4] = [
        Field::MemLimit,
        Field::MemReservation,
        Field::LimitsMemory,
        Field::ReservationsMemory,
    ];

    /// The keys leading to the field inside a service.
    pub fn path(self) -> &'static [&'static str] {
        match self {
            Field::MemLimit => &["mem_limit"],
            Field::MemReservation => &["mem_reservation"],
            Field::LimitsMemory => &["deploy", "resources", "limits", "memory"],
            Field::ReservationsMemory => &["deploy", "resources", "reservations", "memory"],
        }
    }

    /// The field's position in [`Field::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }

    /// Whether the field lives under `deploy`.
    pub fn is_deploy(self) -> bool {
        matches!(self, Field::LimitsMemory | Field::ReservationsMemory)
    }

    /// Whether the field is a limit (as opposed to a reservation).
    pub fn is_limit(self) -> bool {
        matches!(self, Field::MemLimit | Field::LimitsMemory)
    }

    /// The field of the other form with the same meaning (`mem_limit` ↔ `limits.memory`).
    pub fn counterpart(self) -> Field {
        match self {
            Field::MemLimit => Field::LimitsMemory,
            Field::LimitsMemory => Field::MemLimit,
            Field::MemReservation => Field::ReservationsMemory,
            Field::ReservationsMemory => Field::MemReservation,
        }
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.path().join("."))
    }
}

/// Which managed fields `apply` writes for a service, indexed like [`Field::ALL`]: the
/// service-level keys when `write` has "service" or the key is there; the deploy keys when
/// `write` has "deploy", the key is there, or the service ends up with the service-level key
/// next to an existing `limits`/`reservations` mapping (Compose v2 refuses that pair unless
/// they agree, and a block without `memory` never does). Reservations only when the table
/// sets one. `check` expects exactly these, so that `check` after `apply` is clean.
pub fn expected_fields(
    doc: &Document,
    mapping: Option<NodeId>,
    reservation: bool,
    write: WriteTargets,
) -> [bool; 4] {
    let present = |f: Field| mapping.is_some_and(|m| lookup(doc, m, f.path()).is_some());
    let block_exists = |f: Field| {
        let path = f.path();
        mapping
            .and_then(|m| lookup(doc, m, &path[..path.len() - 1]))
            .is_some_and(|found| matches!(doc.node(found.node).kind, NodeKind::Mapping { .. }))
    };
    let mut expected = [false; 4];
    for (service_field, wanted) in [
        (Field::MemLimit, true),
        (Field::MemReservation, reservation),
    ] {
        if !wanted {
            continue;
        }
        let deploy_field = service_field.counterpart();
        let service_level = write.service || present(service_field);
        let deploy_level =
            write.deploy || present(deploy_field) || (service_level && block_exists(deploy_field));
        expected[service_field.index()] = service_level;
        expected[deploy_field.index()] = deploy_level;
    }
    expected
}

/// A service of a compose file.
#[derive(Clone, Debug)]
pub struct Service {
    /// Its name.
    pub name: String,
    /// The key node (for locating the service).
    pub key: NodeId,
    /// The value node, as written (may be an alias or a null).
    pub value: NodeId,
}

/// A merge key's source: the anchored mapping a value was inherited from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MergeOrigin {
    /// The anchor's name, without `&`.
    pub anchor: String,
    /// The anchored node.
    pub node: NodeId,
}

/// Where a path inside a service resolves.
#[derive(Clone, Debug)]
pub struct Found {
    /// The value node at the end of the path (aliases followed).
    pub node: NodeId,
    /// The node as written in the text (an alias when the value came through one).
    pub written: NodeId,
    /// Set when some key on the path came from a merge key (`<<: *anchor`).
    pub merged_from: Option<MergeOrigin>,
}

/// The services mapping of a compose file, or `None` when the document is not a compose file
/// (its top level is not a mapping with a `services` mapping).
pub fn services_mapping(doc: &Document) -> Option<NodeId> {
    let root = doc.resolve(doc.root()?);
    let services = doc.resolve(doc.get(root, "services")?.value);
    matches!(doc.node(services).kind, NodeKind::Mapping { .. }).then_some(services)
}

/// The services of a compose file, in text order.
pub fn services(doc: &Document, mapping: NodeId) -> Vec<Service> {
    doc.entries(mapping)
        .unwrap_or(&[])
        .iter()
        .filter_map(|e| {
            Some(Service {
                name: doc.scalar(e.key)?.to_string(),
                key: e.key,
                value: e.value,
            })
        })
        .collect()
}

/// The mappings merged into `mapping` by its `<<` key, in priority order.
pub fn merge_sources(doc: &Document, mapping: NodeId) -> Vec<MergeOrigin> {
    let Some(merge) = doc.get(mapping, "<<") else {
        return Vec::new();
    };
    let candidates: Vec<NodeId> = match &doc.node(merge.value).kind {
        NodeKind::Sequence { items, .. } => items.clone(),
        _ => vec![merge.value],
    };
    candidates
        .into_iter()
        .map(|written| {
            let node = doc.resolve(written);
            MergeOrigin {
                anchor: doc.node(node).anchor.clone().unwrap_or_default(),
                node,
            }
        })
        .filter(|m| matches!(doc.node(m.node).kind, NodeKind::Mapping { .. }))
        .collect()
}

/// Look up `path` below `mapping`, the way YAML merge keys resolve it: an explicit key wins,
/// then each merged mapping in order.
pub fn lookup(doc: &Document, mapping: NodeId, path: &[&str]) -> Option<Found> {
    lookup_depth(doc, doc.resolve(mapping), path, 0)
}

fn lookup_depth(doc: &Document, mapping: NodeId, path: &[&str], depth: usize) -> Option<Found> {
    // Merge chains are short; the bound only guards against pathological input.
    if depth > 32 {
        return None;
    }
    let (first, rest) = path.split_first()?;
    if let Some(entry) = doc.get(mapping, first) {
        let node = doc.resolve(entry.value);
        if rest.is_empty() {
            return Some(Found {
                node,
                written: entry.value,
                merged_from: None,
            });
        }
        return match doc.node(node).kind {
            NodeKind::Mapping { .. } => lookup_depth(doc, node, rest, depth + 1),
            _ => None,
        };
    }
    merge_sources(doc, mapping).into_iter().find_map(|origin| {
        let mut found = lookup_depth(doc, origin.node, path, depth + 1)?;
        found.merged_from.get_or_insert(origin);
        Some(found)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_services_only_in_compose_files() {
        let doc = Document::parse("services:\n  a: {image: x}\n  b:\n    image: y\n").unwrap();
        let m = services_mapping(&doc).unwrap();
        let names: Vec<_> = services(&doc, m).into_iter().map(|s| s.name).collect();
        assert_eq!(names, ["a", "b"]);
        for other in [
            "global:\n  scrape_interval: 15s\n",
            "services: [a]\n",
            "- a\n",
            "",
        ] {
            assert!(services_mapping(&Document::parse(other).unwrap()).is_none());
        }
    }

    #[test]
    fn lookup_prefers_explicit_keys_then_merges_in_order() {
        let text = "x-a: &a\n  mem_limit: 1g\n  deploy:\n    resources:\n      limits:\n        memory: 1g\nx-b: &b\n  mem_limit: 2g\nservices:\n  s:\n    <<: [*b, *a]\n  t:\n    <<: *a\n    mem_limit: 3g\n";
        let doc = Document::parse(text).unwrap();
        let m = services_mapping(&doc).unwrap();
        let s = doc.get(m, "s").unwrap().value;
        let found = lookup(&doc, s, Field::MemLimit.path()).unwrap();
        assert_eq!(doc.scalar(found.node), Some("2g"));
        assert_eq!(found.merged_from.unwrap().anchor, "b");
        let deploy = lookup(&doc, s, Field::LimitsMemory.path()).unwrap();
        assert_eq!(deploy.merged_from.unwrap().anchor, "a");
        let t = doc.get(m, "t").unwrap().value;
        let found = lookup(&doc, t, Field::MemLimit.path()).unwrap();
        assert_eq!(doc.scalar(found.node), Some("3g"));
        assert!(found.merged_from.is_none());
    }
}
