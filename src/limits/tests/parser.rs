//! The layouts the parser accepts, syntax errors, error order, and robustness.

use std::path::Path;

use proptest::prelude::*;

use super::{FULL_EXAMPLE, SERVICES, only_error, parse_err, parse_ok};
use crate::limits::{LimitsErrorKind, WriteTargets, parse};

#[test]
fn table_and_dotted_entries() {
    let text = r#"[services]
traefik = { mem_limit = "256m" }
loki.mem_limit = "768m"   # dotted
loki.hold = "under review"

[services.coolify]
mem_limit       = "1536m"   # big
mem_reservation = "512m"
file            = "compose/services/coolify.yml"

[[stages]]
name = "all"
services = ["coolify", "loki", "traefik"]
"#;
    let limits = parse_ok(text);
    let names: Vec<&str> = limits.services.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["traefik", "loki", "coolify"]);

    let coolify = limits.service("coolify").expect("table entry");
    assert_eq!(&text[coolify.span.clone()], "coolify");
    assert_eq!(
        &text[coolify.line_span.clone()],
        "[services.coolify]\nmem_limit       = \"1536m\"   # big\nmem_reservation = \"512m\"\nfile            = \"compose/services/coolify.yml\""
    );
    let loki = limits.service("loki").expect("dotted entry");
    assert_eq!(loki.hold.as_deref(), Some("under review"));
    assert_eq!(
        &text[loki.line_span.clone()],
        "loki.mem_limit = \"768m\"   # dotted\nloki.hold = \"under review\""
    );
}

#[test]
fn implicit_services_table_and_inline_stages() {
    let text = r#"stages = [{ name = "one", services = ["a"] }]

[services.a]
mem_limit = "1g"
"#;
    let limits = parse_ok(text);
    assert_eq!(limits.services[0].name, "a");
    assert_eq!(
        &text[limits.stages[0].span.clone()],
        "{ name = \"one\", services = [\"a\"] }"
    );
}

#[test]
fn compose_files_and_write_targets() {
    let limits = parse_ok(&format!(
        "[compose]\nfiles = [\"a.yml\", \"compose/*.yml\"]\nwrite = [\"deploy\"]\n{SERVICES}"
    ));
    assert_eq!(limits.compose.root, None);
    assert_eq!(limits.compose.files, ["a.yml", "compose/*.yml"]);
    assert_eq!(
        limits.compose.write,
        WriteTargets {
            service: false,
            deploy: true
        }
    );
}

#[test]
fn crlf_and_bom() {
    let text = "\u{feff}[services]\r\ntraefik = { mem_limit = \"256m\" }\r\n";
    let limits = parse_ok(text);
    let traefik = &limits.services[0];
    assert_eq!(&text[traefik.span.clone()], "traefik");
    assert_eq!(
        &text[traefik.line_span.clone()],
        "traefik = { mem_limit = \"256m\" }"
    );
}

#[test]
fn syntax_errors_point_into_the_file() {
    let text = "[services]\na = { mem_limit = \"1g\" }\na = 5\n";
    let error = only_error(text, LimitsErrorKind::Syntax);
    assert!(
        error.message().starts_with("invalid TOML: "),
        "{}",
        error.message()
    );
    assert_eq!(error.span().start, text.rfind("a =").unwrap_or_default());

    let text = "[services\n";
    let error = only_error(text, LimitsErrorKind::Syntax);
    assert_eq!(
        error.message(),
        "invalid TOML: unclosed table, expected `]`"
    );
    assert_eq!(error.span(), 9..9);
}

#[test]
fn all_errors_are_collected_in_file_order() {
    let text = r#"[compose]
root = "compose"
files = ["x.yml"]
write = ["servce"]

[services]
a = { mem_limt = "1g" }
b = { mem_limit = "512Mi", mem_reservation = "1g" }
c = { mem_limit = "1g", mem_reservation = "2g" }
d = { mem_limit = "1m" }

[[stages]]
services = ["a", "zzz"]

[[stages]]
name = "s"
services = []
"#;
    let errors = parse_err(text);
    let kinds: Vec<_> = errors
        .iter()
        .map(|e| match e.kind() {
            LimitsErrorKind::InvalidSize(_) => "InvalidSize".to_string(),
            kind => format!("{kind:?}"),
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "RootAndFiles",
            "UnknownWriteTarget",
            "UnknownKey",
            "InvalidSize",
            "ReservationAboveLimit",
            "BelowEngineMinimum",
            "MissingStageName",
            "UnknownService",
            "EmptyStage",
        ]
    );
    let starts: Vec<usize> = errors.iter().map(|e| e.span().start).collect();
    assert!(starts.windows(2).all(|pair| pair[0] <= pair[1]));
}

/// `text` with the characters `at..at + len` replaced by `insert`.
fn mutate(text: &str, at: usize, len: usize, insert: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let at = at % (chars.len() + 1);
    let end = (at + len).min(chars.len());
    let mut out: String = chars[..at].iter().collect();
    out.push_str(insert);
    out.extend(&chars[end..]);
    out
}

proptest! {
    #[test]
    fn parse_never_panics_and_spans_stay_in_the_text(
        at in 0usize..4000,
        len in 0usize..8,
        insert in "[a-z_\\[\\]{}=\",. \n0-9#-]{0,8}",
    ) {
        let text = mutate(FULL_EXAMPLE, at, len, &insert);
        if let Err(errors) = parse(&text, Path::new("limits.toml")) {
            prop_assert!(!errors.errors().is_empty());
            for error in errors.errors() {
                let span = error.span();
                prop_assert!(text.get(span.clone()).is_some(), "{span:?} outside the text");
                for note in error.notes() {
                    let note = note.offset()..note.offset() + note.len();
                    prop_assert!(text.get(note).is_some());
                }
            }
        }
    }
}
