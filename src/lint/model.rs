//! What one table service looks like in its compose file, read once for every rule: the four
//! managed fields with the meaning Compose gives them, which of them the table expects, and
//! where the deploy blocks are.

use std::ops::Range;

use crate::compose::{self, Field, Found, Service};
use crate::interp::{self, InterpError};
use crate::limits::{ServiceLimits, SizeSpec};
use crate::size::MemSize;
use crate::value::{self, Reading};
use crate::workspace::Workspace;
use crate::yaml::{Document, NodeId, NodeKind};

use super::{Code, Finding, Source};

/// What Compose makes of a value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Meaning {
    /// A size it accepts (0 means "no limit").
    Size(MemSize),
    /// No value at all (`mem_limit:` or `~`): the field is unset.
    Null,
    /// A value it rejects or silently ignores.
    Invalid {
        /// Why, as the end of a sentence starting with the value (`is … which …`).
        reason: String,
        /// How to write it instead.
        help: Option<String>,
    },
    /// A `${…}` it cannot resolve (a syntax error or a missing required variable).
    Unresolvable(InterpError),
}

/// One managed field as found in the service (possibly inherited).
#[derive(Clone, Debug)]
pub struct Value {
    /// The field.
    pub field: Field,
    /// Where the value is written (inside the anchor when inherited).
    pub range: Range<usize>,
    /// The value as written (the scalar's value, or the text of a collection).
    pub written: String,
    /// The `${…}` expression and what it resolved to, when the value interpolates.
    pub interpolation: Option<(String, Option<String>)>,
    /// The anchor the value is inherited from, when it is not the service's own.
    pub anchor: Option<String>,
    /// What Compose makes of it.
    pub meaning: Meaning,
}

impl Value {
    /// The value Compose sees: the resolved text of an interpolation, else the value as written.
    pub fn actual(&self) -> String {
        match &self.interpolation {
            Some((_, Some(resolved))) => resolved.clone(),
            _ => self.written.clone(),
        }
    }

    /// The size, when Compose accepts the value.
    pub fn size(&self) -> Option<MemSize> {
        match self.meaning {
            Meaning::Size(s) => Some(s),
            _ => None,
        }
    }

    /// The value for a message: `` `512m` ``, or `` `${X:-512m}`, which resolves to `512m` ``.
    pub fn describe(&self) -> String {
        match &self.interpolation {
            Some((expr, Some(resolved))) if resolved.is_empty() => {
                format!("`{expr}`, which resolves to an empty string")
            }
            Some((expr, Some(resolved))) => format!("`{expr}`, which resolves to `{resolved}`"),
            Some((expr, None)) => format!("`{expr}`"),
            None => format!("`{}`", self.written),
        }
    }
}

/// A `deploy.resources.limits` or `reservations` mapping.
#[derive(Clone, Debug)]
pub struct Block {
    /// Where its key is (`limits:`), or the mapping itself when the key cannot be found.
    pub range: Range<usize>,
    /// The anchor it is inherited from, if any.
    pub anchor: Option<String>,
}

/// One table service, read from the compose file that defines it.
pub struct ServiceView<'a> {
    /// The table entry.
    pub entry: &'a ServiceLimits,
    /// The compose file (index into the workspace's files).
    pub file: usize,
    /// Its span tree.
    pub doc: &'a Document,
    /// The service's key in the file.
    pub key_range: Range<usize>,
    /// The anchor the whole service is an alias of, if it is one.
    pub service_anchor: Option<String>,
    /// The managed fields present (possibly null), in [`Field::ALL`] order.
    pub values: [Option<Value>; 4],
    /// The fields the table expects, in [`Field::ALL`] order: what `apply` would write.
    pub expected: [bool; 4],
    /// `deploy.resources.limits` and `deploy.resources.reservations`, when they are mappings.
    pub blocks: [Option<Block>; 2],
}

/// The position of a field in [`Field::ALL`].
pub fn slot(field: Field) -> usize {
    field.index()
}

impl<'a> ServiceView<'a> {
    /// Read `entry`'s service (`service`, found in compose file `file`); `env` resolves
    /// variables.
    pub fn new(
        ws: &'a Workspace,
        entry: &'a ServiceLimits,
        file: usize,
        service: Option<&Service>,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Self {
        let doc = &ws.files[file].doc;
        let (key_range, mapping) = match service {
            Some(s) => (doc.node(s.key).range.clone(), Some(doc.resolve(s.value))),
            None => (0..0, None),
        };
        let service_anchor = service.and_then(|s| {
            let resolved = doc.resolve(s.value);
            (resolved != s.value)
                .then(|| doc.node(resolved).anchor.clone())
                .flatten()
        });
        // A service that is not a mapping (`svc:` alone) has none of the fields.
        let mapping = mapping.filter(|&m| matches!(doc.node(m).kind, NodeKind::Mapping { .. }));
        let values = Field::ALL.map(|field| {
            let found = compose::lookup(doc, mapping?, field.path())?;
            Some(read_value(
                doc,
                field,
                &found,
                service_anchor.as_deref(),
                env,
            ))
        });
        let blocks = [Field::LimitsMemory, Field::ReservationsMemory]
            .map(|field| find_block(doc, mapping?, field, service_anchor.as_deref()));
        let expected = compose::expected_fields(
            doc,
            mapping,
            entry.mem_reservation.is_some(),
            ws.limits.compose.write,
        );
        ServiceView {
            entry,
            file,
            doc,
            key_range,
            service_anchor,
            values,
            expected,
            blocks,
        }
    }

    /// The field's value, if present.
    pub fn value(&self, field: Field) -> Option<&Value> {
        self.values[slot(field)].as_ref()
    }

    /// Whether the table expects the field.
    pub fn expects(&self, field: Field) -> bool {
        self.expected[slot(field)]
    }

    /// The table's value for a field.
    pub fn want(&self, field: Field) -> Option<&'a SizeSpec> {
        if field.is_limit() {
            Some(&self.entry.mem_limit)
        } else {
            self.entry.mem_reservation.as_ref()
        }
    }

    /// The limits or reservations block that holds `field` (a deploy field).
    pub fn block(&self, field: Field) -> Option<&Block> {
        if field.is_limit() {
            self.blocks[0].as_ref()
        } else {
            self.blocks[1].as_ref()
        }
    }

    /// Where a value inherited from an anchor comes from, as the end of a message.
    pub fn inherited(&self, anchor: Option<&str>) -> String {
        match anchor {
            Some(a) => format!(
                " (the value is in the anchor `&{a}`, inherited by `{}`)",
                self.entry.name
            ),
            None => String::new(),
        }
    }

    /// A finding about this service, at `range` of its compose file.
    pub fn finding(
        &self,
        code: Code,
        range: Range<usize>,
        field: Option<Field>,
        message: String,
    ) -> Finding {
        let rule = code.rule();
        Finding {
            code,
            severity: rule.severity,
            source: Source::Compose(self.file),
            range,
            service: Some(self.entry.name.clone()),
            field,
            expected: None,
            expected_at: None,
            actual: None,
            message,
            label: None,
            help: None,
        }
    }

    /// A finding about `field` that compares with the table: expected value and its place set.
    pub fn compared(
        &self,
        code: Code,
        range: Range<usize>,
        field: Field,
        message: String,
    ) -> Finding {
        let mut f = self.finding(code, range, Some(field), message);
        if let Some(want) = self.want(field) {
            f.expected = Some(want.text.clone());
            f.expected_at = Some(want.span.clone());
        }
        f
    }
}

/// Read a found field's value the way Compose does.
fn read_value(
    doc: &Document,
    field: Field,
    found: &Found,
    service_anchor: Option<&str>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Value {
    let node = found.node;
    let range = doc.node(node).range.clone();
    let written = match doc.scalar(node) {
        Some(s) => s.to_string(),
        None => doc.text()[range.clone()].to_string(),
    };
    let anchor = found
        .merged_from
        .as_ref()
        .map(|m| m.anchor.clone())
        .or_else(|| alias_anchor(doc, found))
        .or_else(|| service_anchor.map(str::to_string));
    let mut interpolation = None;
    let meaning = match value::read(doc, node) {
        Reading::Integer(size) if field.is_deploy() => Meaning::Invalid {
            reason: "an integer, which Compose's schema refuses here: it accepts only a string"
                .into(),
            help: Some(format!("write it as a string: `\"{size}\"`")),
        },
        Reading::Integer(size) | Reading::Text(size) => size_meaning(size),
        Reading::Float(_) => Meaning::Invalid {
            reason: "a YAML float, which Compose v2 silently ignores (no limit at all)".into(),
            help: Some("write a size with a unit, such as `1536m`".into()),
        },
        Reading::Invalid(_, e) => invalid_text(&e),
        Reading::Null => Meaning::Null,
        Reading::NotASize(_) => Meaning::Invalid {
            reason: "not a size at all".into(),
            help: Some("write a size such as `256m`".into()),
        },
        Reading::Interpolated(expr) => match interp::resolve(&expr, env) {
            Ok(resolved) => {
                interpolation = Some((expr, Some(resolved.clone())));
                match value::read_str(&resolved) {
                    Reading::Text(size) => size_meaning(size),
                    // `${VAR}` with VAR unset resolves to nothing: say so rather than "empty".
                    _ if resolved.is_empty() => Meaning::Invalid {
                        reason: "so Compose has no size to use: its variables are unset or empty here".into(),
                        help: Some(
                            "set the variable (shell or .env, or pass the host's file with --env-file), or give it a default: `${VAR:-512m}`"
                                .into(),
                        ),
                    },
                    Reading::Invalid(_, e) => invalid_text(&e),
                    // A resolved value is plain text; `$` in it is not interpolated again.
                    _ => Meaning::Invalid {
                        reason: "not a size".into(),
                        help: Some("make the variable hold a size such as `256m`".into()),
                    },
                }
            }
            Err(e) => {
                interpolation = Some((expr, None));
                Meaning::Unresolvable(e)
            }
        },
    };
    Value {
        field,
        range,
        written,
        interpolation,
        anchor,
        meaning,
    }
}

fn size_meaning(size: MemSize) -> Meaning {
    // 0 is Docker's "no limit", not a size below the minimum.
    if size.bytes() > 0 && size.below_engine_minimum() {
        Meaning::Invalid {
            reason: format!(
                "below the engine's minimum of {}, so the container would not start",
                MemSize::ENGINE_MINIMUM
            ),
            help: Some(format!("use at least {}", MemSize::ENGINE_MINIMUM)),
        }
    } else {
        Meaning::Size(size)
    }
}

fn invalid_text(e: &crate::size::SizeError) -> Meaning {
    use miette::Diagnostic;
    Meaning::Invalid {
        reason: format!("not a size Compose accepts: {e}"),
        help: e.help().map(|h| h.to_string()),
    }
}

/// `mem_limit: *name`: the anchor the alias points at.
fn alias_anchor(doc: &Document, found: &Found) -> Option<String> {
    (found.written != found.node)
        .then(|| doc.node(found.node).anchor.clone())
        .flatten()
}

/// The `limits`/`reservations` mapping above a deploy field, with the place of its key.
fn find_block(
    doc: &Document,
    mapping: NodeId,
    field: Field,
    service_anchor: Option<&str>,
) -> Option<Block> {
    let path = field.path();
    let (block_path, resources_path) = (&path[..path.len() - 1], &path[..path.len() - 2]);
    let found = compose::lookup(doc, mapping, block_path)?;
    if !matches!(doc.node(found.node).kind, NodeKind::Mapping { .. }) {
        return None;
    }
    let name = block_path.last().copied().unwrap_or_default();
    let key = compose::lookup(doc, mapping, resources_path)
        .and_then(|resources| doc.get(resources.node, name))
        .map(|entry| doc.node(entry.key).range.clone());
    Some(Block {
        range: key.unwrap_or_else(|| doc.node(found.node).range.clone()),
        anchor: found
            .merged_from
            .map(|m| m.anchor)
            .or_else(|| service_anchor.map(str::to_string)),
    })
}
