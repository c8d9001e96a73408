//! The planner: from a compose file's span tree and the table, the edits that `apply` or
//! `strip` make, what they change (for the report) and what they mean (for verification).
//! Pure: text in, edits out.

mod apply;
mod strip;

pub use apply::plan_apply;
pub use strip::plan_strip;

use std::collections::BTreeMap;
use std::ops::Range;

use crate::compose::{self, Field, Service};
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

impl FilePlan {
    /// Add one service's plan to the file's; a service with no change is listed as unchanged
    /// with `reason`.
    fn absorb(&mut self, service: &str, plan: FilePlan, reason: &'static str) {
        if plan.changes.is_empty() {
            self.unchanged.push((service.to_string(), reason));
        }
        self.edits.extend(plan.edits);
        self.changes.extend(plan.changes);
        self.intents.extend(plan.intents);
    }
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
