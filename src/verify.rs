//! Verification: read the edited text again with an independent parser (yaml_serde) and
//! check that it means the old text plus the intended changes, and nothing else.

use yaml_serde::{Mapping, Value};

use crate::plan::Intent;
use crate::yaml::Document;

/// An edit that would change more, or other, than intended.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct VerifyError {
    /// What differs; names the service or top-level key.
    pub message: String,
}

/// Check that `new_text` is `old_text` with exactly `intents` applied.
pub fn verify(old_text: &str, new_text: &str, intents: &[Intent]) -> Result<(), VerifyError> {
    // The result must also pass the strict parser that later runs will use.
    Document::parse(new_text).map_err(|e| VerifyError {
        message: format!("the edited file no longer parses: {}", e.message),
    })?;
    let old = parse(old_text, "before the edit")?;
    let new = parse(new_text, "after the edit")?;
    let mut expected = old;
    for intent in intents {
        apply_intent(&mut expected, intent)?;
    }
    if expected == new {
        return Ok(());
    }
    Err(VerifyError {
        message: describe_difference(&expected, &new),
    })
}

fn parse(text: &str, when: &str) -> Result<Value, VerifyError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    yaml_serde::from_str(text).map_err(|e| VerifyError {
        message: format!("the file does not parse {when}: {e}"),
    })
}

fn key(name: &str) -> Value {
    Value::String(name.to_string())
}

/// Whether a mapping key is the service `name`: service names such as `123` or `1.5` are
/// numbers to a YAML reader, and still names to Compose.
fn key_is(key: &Value, name: &str) -> bool {
    match key {
        Value::String(s) => s == name,
        Value::Number(n) => n.to_string() == name,
        Value::Bool(b) => b.to_string() == name,
        _ => false,
    }
}

/// Apply one intent to the semantic tree of the old file.
fn apply_intent(doc: &mut Value, intent: &Intent) -> Result<(), VerifyError> {
    let missing = || VerifyError {
        message: format!("service `{}` is not in the file any more", intent.service),
    };
    let service = doc
        .get_mut("services")
        .and_then(Value::as_mapping_mut)
        .and_then(|services| {
            services
                .iter_mut()
                .find(|(key, _)| key_is(key, &intent.service))
                .map(|(_, value)| value)
        })
        .ok_or_else(missing)?;
    let path = intent.field.path();
    match &intent.value {
        Some(value) => {
            let mut node = service;
            for part in &path[..path.len() - 1] {
                if node.is_null() {
                    *node = Value::Mapping(Mapping::new());
                }
                let Value::Mapping(map) = node else {
                    return Err(missing());
                };
                node = map.entry(key(part)).or_insert(Value::Null);
            }
            if node.is_null() {
                *node = Value::Mapping(Mapping::new());
            }
            let Value::Mapping(map) = node else {
                return Err(missing());
            };
            map.insert(key(path[path.len() - 1]), value.clone());
        }
        None => remove_path(service, path),
    }
    Ok(())
}

/// Remove the leaf of `path`; a mapping on the path left empty goes too.
fn remove_path(node: &mut Value, path: &[&str]) {
    let Value::Mapping(map) = node else {
        return;
    };
    let Some((first, rest)) = path.split_first() else {
        return;
    };
    if rest.is_empty() {
        map.remove(*first);
        return;
    }
    if let Some(child) = map.get_mut(*first) {
        remove_path(child, rest);
        if matches!(child, Value::Mapping(m) if m.is_empty()) {
            map.remove(*first);
        }
    }
}

/// Name the first service (or top-level key) whose meaning differs.
fn describe_difference(expected: &Value, actual: &Value) -> String {
    let services = |v: &Value| v.get("services").and_then(Value::as_mapping).cloned();
    if let (Some(e), Some(a)) = (services(expected), services(actual)) {
        for (name, value) in &e {
            if a.get(name) != Some(value) {
                let name = name.as_str().unwrap_or("?");
                return format!("the edit would change service `{name}` beyond its managed fields");
            }
        }
        if let Some((name, _)) = a.iter().find(|(name, _)| !e.contains_key(*name)) {
            let name = name.as_str().unwrap_or("?");
            return format!("the edit would add service `{name}`");
        }
    }
    if let (Value::Mapping(e), Value::Mapping(a)) = (expected, actual) {
        for (name, value) in e {
            if a.get(name) != Some(value) {
                return format!(
                    "the edit would change the top-level key `{}`",
                    name.as_str().unwrap_or("?")
                );
            }
        }
    }
    "the edit would change the document beyond the managed fields".to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compose::Field;

    fn set(service: &str, field: Field, v: &str) -> Intent {
        Intent {
            service: service.into(),
            field,
            value: Some(Value::String(v.into())),
        }
    }

    #[test]
    fn accepts_exactly_the_intended_change() {
        let old = "services:\n  a:\n    image: x\n  b:\n    image: y\n";
        let new = "services:\n  a:\n    image: x\n    mem_limit: 1g\n    deploy:\n      resources:\n        limits:\n          memory: \"1g\"\n  b:\n    image: y\n";
        let intents = [
            set("a", Field::MemLimit, "1g"),
            set("a", Field::LimitsMemory, "1g"),
        ];
        verify(old, new, &intents).unwrap();
        // Stripping prunes the emptied mappings.
        let strip: Vec<Intent> = intents
            .iter()
            .map(|i| Intent {
                value: None,
                ..i.clone()
            })
            .collect();
        verify(new, old, &strip).unwrap();
    }

    #[test]
    fn numeric_service_names_are_found() {
        let old = "services:\n  123:\n    image: x\n";
        let new = "services:\n  123:\n    image: x\n    mem_limit: 1g\n";
        verify(old, new, &[set("123", Field::MemLimit, "1g")]).unwrap();
    }

    #[test]
    fn refuses_any_other_difference_and_names_the_service() {
        let old = "services:\n  a:\n    image: x\n  b:\n    image: y\n";
        let new = "services:\n  a:\n    image: x\n    mem_limit: 1g\n  b:\n    image: z\n";
        let err = verify(old, new, &[set("a", Field::MemLimit, "1g")]).unwrap_err();
        assert!(err.message.contains("`b`"), "{}", err.message);
        let wrong_value = verify(
            old,
            new.replace("image: z", "image: y").as_str(),
            &[set("a", Field::MemLimit, "2g")],
        );
        assert!(wrong_value.unwrap_err().message.contains("`a`"));
        let broken = verify(old, "services:\n  a: [\n", &[]);
        assert!(broken.is_err());
    }
}
