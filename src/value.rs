//! What a managed field's value means to Docker Compose: bytes, an interpolation to resolve,
//! or something Compose rejects or ignores.

use crate::interp;
use crate::size::{MemSize, SizeError};
use crate::yaml::{Document, NodeId, NodeKind, Style};

/// The reading of one size value as written in a compose file.
#[derive(Clone, Debug, PartialEq)]
pub enum Reading {
    /// A YAML integer: bytes (not accepted in `deploy…memory`, which must be a string).
    Integer(MemSize),
    /// A string in Docker's size syntax.
    Text(MemSize),
    /// A string holding `${…}`: its meaning depends on the environment.
    Interpolated(String),
    /// A YAML float: Compose v2 silently ignores it.
    Float(String),
    /// A string Compose rejects.
    Invalid(String, SizeError),
    /// No value (`mem_limit:` or `~`).
    Null,
    /// A boolean, a mapping, a sequence: not a size at all.
    NotASize(String),
}

impl Reading {
    /// The size, when the value is one Compose accepts as written.
    pub fn size(&self) -> Option<MemSize> {
        match self {
            Reading::Integer(s) | Reading::Text(s) => Some(*s),
            _ => None,
        }
    }
}

/// The YAML value a scalar node holds, as the verifying parser reads it.
pub fn scalar_value(doc: &Document, node: NodeId) -> Option<yaml_serde::Value> {
    let NodeKind::Scalar {
        value,
        style,
        tagged,
    } = &doc.node(node).kind
    else {
        return None;
    };
    if *style != Style::Plain && !tagged {
        return Some(yaml_serde::Value::String(value.clone()));
    }
    let raw = if *tagged {
        &doc.text()[doc.node(node).props_start..doc.node(node).range.end]
    } else {
        value.as_str()
    };
    // A plain scalar's type (int, float, bool, null, string) is decided by its resolver.
    yaml_serde::from_str(raw)
        .ok()
        .or_else(|| Some(yaml_serde::Value::String(value.clone())))
}

/// Read a size value from a (resolved) node.
pub fn read(doc: &Document, node: NodeId) -> Reading {
    let text = || doc.text()[doc.node(node).range.clone()].to_string();
    match scalar_value(doc, node) {
        None => Reading::NotASize(text()),
        Some(yaml_serde::Value::Null) => Reading::Null,
        Some(yaml_serde::Value::Number(n)) => match n.as_u64() {
            Some(bytes) if n.is_u64() => Reading::Integer(MemSize::from_bytes(bytes)),
            _ if n.is_f64() => Reading::Float(text()),
            // A negative integer is not a size.
            _ => match MemSize::parse(&text()) {
                Ok(size) => Reading::Integer(size),
                Err(e) => Reading::Invalid(text(), e),
            },
        },
        Some(yaml_serde::Value::String(s)) => read_str(&s),
        Some(_) => Reading::NotASize(text()),
    }
}

/// Read a size from a string value (after interpolation, or from a quoted scalar).
pub fn read_str(s: &str) -> Reading {
    if interp::has_interpolation(s) {
        return Reading::Interpolated(s.to_string());
    }
    match MemSize::parse(s) {
        Ok(size) => Reading::Text(size),
        Err(e) => Reading::Invalid(s.to_string(), e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reading(yaml: &str) -> Reading {
        let doc = Document::parse(yaml).unwrap();
        let v = doc.get(doc.root().unwrap(), "m").unwrap().value;
        read(&doc, v)
    }

    #[test]
    fn reads_every_kind_of_value() {
        assert_eq!(
            reading("m: 1073741824\n"),
            Reading::Integer(MemSize::from_bytes(1 << 30))
        );
        assert_eq!(
            reading("m: 1g\n"),
            Reading::Text(MemSize::from_bytes(1 << 30))
        );
        assert_eq!(
            reading("m: '1024m'\n"),
            Reading::Text(MemSize::from_bytes(1 << 30))
        );
        assert_eq!(reading("m: 1.5\n"), Reading::Float("1.5".into()));
        assert!(matches!(reading("m: 1Gi\n"), Reading::Invalid(..)));
        assert_eq!(
            reading("m: ${X:-1g}\n"),
            Reading::Interpolated("${X:-1g}".into())
        );
        assert_eq!(reading("m:\n"), Reading::Null);
        assert!(matches!(reading("m: {a: 1}\n"), Reading::NotASize(_)));
        assert_eq!(
            reading("m: !!str 100\n"),
            Reading::Text(MemSize::from_bytes(100))
        );
    }
}
