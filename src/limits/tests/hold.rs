//! `set_hold` in every layout an entry can take, its errors, and that the result reads back.

use std::path::Path;

use proptest::prelude::*;

use super::parse_ok;
use crate::limits::{SetHoldError, parse, set_hold};

const HOLD_FILE: &str = r#"# Limits of the stack.   (header comment)
[compose]
root = "compose"

[services]
traefik  = { mem_limit = "256m", mem_reservation = "64m" }   # proxy
loki     = { mem_limit = "768m", hold = "old reason", mem_reservation = "256m" }
compact  = {mem_limit="1g"}
dot.mem_limit = "1g"   # dotted
dot.file = "x.yml"
other    = { mem_limit = "1g" }

[services.coolify]
mem_limit       = "1536m"   # big
# the reservation leaves headroom
mem_reservation = "512m"
# trailing comment in the table

[services.held]
mem_limit = "1g"
hold      = "x"   # why

[[stages]]
name = "one"
services = ["traefik"]
"#;

/// Asserts that `updated` differs from `HOLD_FILE` only by `inserted` at one place.
fn assert_only_inserted(updated: &str, inserted: &str) {
    let at = updated
        .find(inserted)
        .unwrap_or_else(|| panic!("{inserted:?} not in:\n{updated}"));
    let without = format!("{}{}", &updated[..at], &updated[at + inserted.len()..]);
    assert_eq!(without, HOLD_FILE, "unexpected changes:\n{updated}");
}

fn hold(text: &str, service: &str, reason: &str) -> String {
    set_hold(text, service, reason).unwrap_or_else(|e| panic!("set_hold({service}): {e}"))
}

#[test]
fn set_hold_in_an_inline_table() {
    let updated = hold(HOLD_FILE, "traefik", "OOM-killed in stage 3");
    assert_only_inserted(&updated, ", hold = \"OOM-killed in stage 3\"");
    assert!(updated.contains(
        "traefik  = { mem_limit = \"256m\", mem_reservation = \"64m\", hold = \"OOM-killed in stage 3\" }   # proxy\n"
    ));
}

#[test]
fn set_hold_keeps_a_compact_inline_style() {
    let updated = hold(HOLD_FILE, "compact", "r");
    assert!(
        updated.contains("compact  = {mem_limit=\"1g\",hold=\"r\"}\n"),
        "{updated}"
    );
    assert_only_inserted(&updated, ",hold=\"r\"");
}

#[test]
fn set_hold_replaces_an_existing_hold() {
    let updated = hold(HOLD_FILE, "loki", "new");
    assert_eq!(
        updated,
        HOLD_FILE.replace("hold = \"old reason\"", "hold = \"new\"")
    );

    let updated = hold(HOLD_FILE, "held", "because");
    assert_eq!(
        updated,
        HOLD_FILE.replace(
            "hold      = \"x\"   # why",
            "hold      = \"because\"   # why"
        )
    );
}

#[test]
fn set_hold_with_the_same_reason_changes_nothing() {
    assert_eq!(hold(HOLD_FILE, "loki", "old reason"), HOLD_FILE);
}

#[test]
fn set_hold_in_a_table_aligns_with_its_siblings() {
    let updated = hold(HOLD_FILE, "coolify", "r");
    assert_only_inserted(&updated, "hold            = \"r\"\n");
    assert!(updated.contains("mem_reservation = \"512m\"\nhold            = \"r\"\n# trailing"));
}

#[test]
fn set_hold_in_dotted_keys() {
    let updated = hold(HOLD_FILE, "dot", "r");
    assert_only_inserted(&updated, "dot.hold = \"r\"\n");
    assert!(updated.contains("dot.file = \"x.yml\"\ndot.hold = \"r\"\n"));
}

#[test]
fn set_hold_escapes_the_reason() {
    let reason = "said \"no\"\\ then\nleft\t\u{7}";
    let updated = hold(HOLD_FILE, "other", reason);
    assert!(
        updated.contains(r#"hold = "said \"no\"\\ then\nleft\t\u0007" }"#),
        "{updated}"
    );
    let limits = parse_ok(&updated);
    assert_eq!(
        limits.service("other").and_then(|s| s.hold.as_deref()),
        Some(reason)
    );
}

#[test]
fn set_hold_result_still_parses() {
    let mut text = HOLD_FILE.to_string();
    for service in [
        "traefik", "loki", "compact", "dot", "other", "coolify", "held",
    ] {
        text = hold(&text, service, "on hold");
    }
    let limits = parse_ok(&text);
    assert!(
        limits
            .services
            .iter()
            .all(|s| s.hold.as_deref() == Some("on hold"))
    );
    // Nothing outside [services] moved.
    assert!(text.starts_with(
        "# Limits of the stack.   (header comment)\n[compose]\nroot = \"compose\"\n\n[services]\n"
    ));
    assert!(text.ends_with("[[stages]]\nname = \"one\"\nservices = [\"traefik\"]\n"));
}

#[test]
fn set_hold_with_crlf_and_an_empty_inline_table() {
    let text = "[services]\r\na = {}\r\nb = { mem_limit = \"1g\" }\r\n";
    let updated = hold(text, "a", "r");
    assert_eq!(
        updated,
        "[services]\r\na = { hold = \"r\" }\r\nb = { mem_limit = \"1g\" }\r\n"
    );
    let updated = hold(text, "b", "r");
    assert_eq!(
        updated,
        "[services]\r\na = {}\r\nb = { mem_limit = \"1g\", hold = \"r\" }\r\n"
    );
}

#[test]
fn set_hold_in_other_layouts() {
    let cases: &[(&str, &str)] = &[
        // Trailing comma (TOML 1.1).
        (
            "[services]\na = { mem_limit = \"1g\", }\n",
            "[services]\na = { mem_limit = \"1g\", hold = \"r\", }\n",
        ),
        // An inline table spread over lines, with a comment between entries.
        (
            "[services]\na = {\n  mem_limit = \"1g\", # c\n  file = \"x\"\n}\n",
            "[services]\na = {\n  mem_limit = \"1g\", # c\n  file = \"x\",\n  hold = \"r\"\n}\n",
        ),
        // A bare table header, and a file without a final line break.
        (
            "[services.a]\n\n[services.b]\nmem_limit = \"1g\"",
            "[services.a]\nhold = \"r\"\n\n[services.b]\nmem_limit = \"1g\"",
        ),
        (
            "[services.a]\nmem_limit = \"1g\"",
            "[services.a]\nmem_limit = \"1g\"\nhold = \"r\"",
        ),
        // Dotted keys from the top level, interleaved with another service.
        (
            "services.a.mem_limit = \"1g\"\nservices.b.mem_limit = \"1g\"\nservices.a.file = \"x\"\n",
            "services.a.mem_limit = \"1g\"\nservices.b.mem_limit = \"1g\"\nservices.a.file = \"x\"\nservices.a.hold = \"r\"\n",
        ),
        // Indented keys and a multi-line value as the last key.
        (
            "[services.a]\n  mem_limit = \"1g\"\n  file = \"\"\"\nx\"\"\" # f\n[x]\n",
            "[services.a]\n  mem_limit = \"1g\"\n  file = \"\"\"\nx\"\"\" # f\n  hold = \"r\"\n[x]\n",
        ),
        // Keys not aligned: a plain ` = `.
        (
            "[services.a]\nmem_limit = \"1g\"\nfile  = \"x\"\n",
            "[services.a]\nmem_limit = \"1g\"\nfile  = \"x\"\nhold = \"r\"\n",
        ),
        // A nested inline table under an inline [services].
        (
            "services = { a = { mem_limit = \"1g\" } }\n",
            "services = { a = { mem_limit = \"1g\", hold = \"r\" } }\n",
        ),
    ];
    for (text, expected) in cases {
        assert_eq!(&hold(text, "a", "r"), expected, "from {text:?}");
    }
}

#[test]
fn set_hold_keeps_crlf() {
    let text = "[services]\r\na = { mem_limit = \"1g\" }\r\n\r\n[services.b]\r\nmem_limit = \"1g\"\r\n# end\r\n";
    assert_eq!(
        hold(text, "a", "r"),
        "[services]\r\na = { mem_limit = \"1g\", hold = \"r\" }\r\n\r\n[services.b]\r\nmem_limit = \"1g\"\r\n# end\r\n"
    );
    assert_eq!(
        hold(text, "b", "r"),
        "[services]\r\na = { mem_limit = \"1g\" }\r\n\r\n[services.b]\r\nmem_limit = \"1g\"\r\nhold = \"r\"\r\n# end\r\n"
    );
}

#[test]
fn set_hold_errors() {
    assert_eq!(
        set_hold(HOLD_FILE, "traefik", "  "),
        Err(SetHoldError::EmptyReason)
    );
    assert_eq!(
        set_hold(HOLD_FILE, "trafik", "r"),
        Err(SetHoldError::NoEntry {
            service: "trafik".into(),
            help: "did you mean `traefik`?".into()
        })
    );
    assert!(matches!(
        set_hold(HOLD_FILE, "grafana", "r"),
        Err(SetHoldError::NoEntry { .. })
    ));
    assert!(matches!(
        set_hold("[compose]\n", "a", "r"),
        Err(SetHoldError::NoEntry { .. })
    ));
    assert!(matches!(
        set_hold("[services]\na = \"1g\"\n", "a", "r"),
        Err(SetHoldError::NotATable { .. })
    ));
    assert!(matches!(
        set_hold("[services\n", "a", "r"),
        Err(SetHoldError::Syntax { span: Some(_), .. })
    ));
}

proptest! {
    #[test]
    fn set_hold_reads_back_any_reason(
        reason in "(?s).{0,10}[a-z].{0,10}",
        service in prop::sample::select(vec![
            "traefik", "loki", "compact", "dot", "other", "coolify", "held",
        ]),
    ) {
        let updated = set_hold(HOLD_FILE, service, &reason);
        prop_assert!(updated.is_ok(), "{updated:?}");
        let updated = updated.unwrap_or_default();
        let limits = parse(&updated, Path::new("limits.toml"));
        prop_assert!(limits.is_ok());
        let hold = limits
            .ok()
            .and_then(|limits| limits.service(service).and_then(|s| s.hold.clone()));
        prop_assert_eq!(hold.as_deref(), Some(reason.as_str()));
    }
}
