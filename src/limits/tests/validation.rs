//! One test per validation rule: what is reported, where, and with which help.

use super::{SERVICES, only_error, parse_err, parse_ok, spanned};
use crate::limits::{LimitsError, LimitsErrorKind};
use crate::size::SizeError;

#[test]
fn unknown_keys_suggest_the_nearest() {
    let text = "[services]\ntraefik = { mem_limt = \"256m\", mem_limit = \"256m\" }\n";
    let error = only_error(text, LimitsErrorKind::UnknownKey);
    assert_eq!(spanned(text, &error), "mem_limt");
    assert_eq!(
        error.message(),
        "unknown key `mem_limt` in service `traefik`"
    );
    assert_eq!(error.help(), Some("did you mean `mem_limit`?"));

    let text = "[service]\nfoo = 1\n[services]\ntraefik = { mem_limit = \"256m\" }\n";
    let error = only_error(text, LimitsErrorKind::UnknownKey);
    assert_eq!(spanned(text, &error), "service");
    assert_eq!(error.help(), Some("did you mean `services`?"));

    let text = "[compose]\nroots = \"x\"\nbanana = 1\n[services]\na = { mem_limit = \"1g\" }\n";
    let errors = parse_err(text);
    assert_eq!(errors.len(), 2);
    assert_eq!(errors[0].help(), Some("did you mean `root`?"));
    assert_eq!(
        errors[1].help(),
        Some("the keys allowed here are `root`, `files` and `write`")
    );

    let text =
        format!("{SERVICES}[[stages]]\nname = \"a\"\nservices = [\"traefik\"]\nsoke = \"1m\"\n");
    let error = only_error(&text, LimitsErrorKind::UnknownKey);
    assert_eq!(error.message(), "unknown key `soke` in stage 1");
    assert_eq!(error.help(), Some("did you mean `soak`?"));

    let text = "[services]\nMem = { Mem_Limit = \"256m\" }\n";
    let errors = parse_err(text);
    let unknown = errors
        .iter()
        .find(|e| *e.kind() == LimitsErrorKind::UnknownKey);
    assert_eq!(
        unknown.and_then(LimitsError::help),
        Some("did you mean `mem_limit`?")
    );
}

#[test]
fn a_typo_in_mem_limit_is_reported_once() {
    let text = "[services]\ntraefik = { mem_limt = \"256m\" }\n";
    let error = only_error(text, LimitsErrorKind::UnknownKey);
    assert_eq!(error.help(), Some("did you mean `mem_limit`?"));

    let text = "[services]\ntraefik = { limit = \"256m\" }\n";
    let errors = parse_err(text);
    let kinds: Vec<_> = errors.iter().map(|e| e.kind().clone()).collect();
    assert_eq!(
        kinds,
        [
            LimitsErrorKind::MissingMemLimit,
            LimitsErrorKind::UnknownKey
        ]
    );
    assert_eq!(spanned(text, &errors[0]), "traefik");
    assert_eq!(errors[0].message(), "service `traefik` has no `mem_limit`");
}

#[test]
fn wrong_types() {
    let text = "[services]\ntraefik = { mem_limit = \"256m\", file = 5, hold = true }\n";
    let errors = parse_err(text);
    assert_eq!(errors.len(), 2);
    assert!(
        errors
            .iter()
            .all(|e| *e.kind() == LimitsErrorKind::WrongType)
    );
    assert_eq!(
        errors[0].message(),
        "`file` of service `traefik` must be a string, not an integer"
    );
    assert_eq!(spanned(text, &errors[0]), "5");
    assert_eq!(
        errors[1].message(),
        "`hold` of service `traefik` must be a string, not a boolean"
    );

    let text = "[services]\ntraefik = \"256m\"\n";
    let error = only_error(text, LimitsErrorKind::WrongType);
    assert_eq!(
        error.message(),
        "the entry of service `traefik` must be a table, not a string"
    );
    assert_eq!(
        error.help(),
        Some("write `traefik = { mem_limit = \"256m\" }`")
    );

    let text = format!("[compose]\nwrite = \"service\"\n{SERVICES}");
    let error = only_error(&text, LimitsErrorKind::WrongType);
    assert_eq!(
        error.message(),
        "`write` in [compose] must be a list of strings, not a string"
    );

    let text = format!("[compose]\nfiles = [\"a.yml\", 3]\n{SERVICES}");
    let error = only_error(&text, LimitsErrorKind::WrongType);
    assert_eq!(spanned(&text, &error), "3");

    let text = format!("compose = 3\n{SERVICES}");
    let error = only_error(&text, LimitsErrorKind::WrongType);
    assert_eq!(error.message(), "[compose] must be a table, not an integer");

    let text = format!("stages = 3\n{SERVICES}");
    let error = only_error(&text, LimitsErrorKind::WrongType);
    assert_eq!(
        error.message(),
        "`stages` must be a list of tables, not an integer"
    );

    let text = format!("stages = [3]\n{SERVICES}");
    let error = only_error(&text, LimitsErrorKind::WrongType);
    assert_eq!(error.message(), "stage 1 must be a table, not an integer");

    let text = format!("{SERVICES}[[stages]]\nname = \"a\"\nservices = \"traefik\"\n");
    only_error(&text, LimitsErrorKind::WrongType);

    let text = "[[services]]\nname = \"a\"\n";
    only_error(text, LimitsErrorKind::WrongType);
}

#[test]
fn sizes_must_be_strings() {
    let text = "[services]\ntraefik = { mem_limit = 256 }\n";
    let error = only_error(text, LimitsErrorKind::SizeNotString);
    assert_eq!(spanned(text, &error), "256");
    assert_eq!(
        error.message(),
        "`mem_limit` of service `traefik` must be a string, not an integer"
    );
    assert_eq!(
        error.help(),
        Some("sizes in limits.toml are strings with a unit: write \"256m\" for 256 MiB")
    );

    let text = "[services]\ntraefik = { mem_limit = 268435456 }\n";
    let error = only_error(text, LimitsErrorKind::SizeNotString);
    assert_eq!(
        error.help(),
        Some(
            "sizes in limits.toml are strings, as in compose files: write \"256m\" for the same number of bytes"
        )
    );

    let text = "[services]\ntraefik = { mem_limit = 1.5 }\n";
    let error = only_error(text, LimitsErrorKind::SizeNotString);
    assert!(error.help().is_some_and(|h| h.contains("\"1536m\"")));

    let text = "[services]\ntraefik = { mem_limit = \"256m\", mem_reservation = [1] }\n";
    only_error(text, LimitsErrorKind::WrongType);
}

#[test]
fn bad_size_syntax_wraps_the_size_error() {
    let text = "[services]\ntraefik = { mem_limit = \"512Mi\" }\n";
    let error = only_error(
        text,
        LimitsErrorKind::InvalidSize(SizeError::KubernetesUnit {
            input: "512Mi".into(),
            unit: "Mi".into(),
            fixed: "512m".into(),
        }),
    );
    assert_eq!(spanned(text, &error), "\"512Mi\"");
    assert_eq!(
        error.message(),
        "invalid `mem_limit` for service `traefik`: \"512Mi\" uses the Kubernetes unit `Mi`, which Compose rejects"
    );
    assert_eq!(
        error.help(),
        Some("Compose does not accept Kubernetes-style units; write `512m`")
    );

    let text = "[services]\ntraefik = { mem_limit = \"256m\", mem_reservation = \"64m \" }\n";
    let errors = parse_err(text);
    assert!(matches!(
        errors[0].kind(),
        LimitsErrorKind::InvalidSize(SizeError::Whitespace { .. })
    ));
}

#[test]
fn below_engine_minimum() {
    let text = "[services]\na = { mem_limit = \"4m\", mem_reservation = \"6291455\" }\n";
    let errors = parse_err(text);
    assert_eq!(errors.len(), 2);
    assert!(
        errors
            .iter()
            .all(|e| *e.kind() == LimitsErrorKind::BelowEngineMinimum)
    );
    assert_eq!(spanned(text, &errors[0]), "\"4m\"");
    assert_eq!(
        errors[0].message(),
        "`mem_limit` of service `a` is 4m, below the engine's minimum of 6 MiB"
    );
    assert_eq!(
        errors[0].help(),
        Some("Docker refuses a memory limit or reservation under 6 MiB; write at least `6m`")
    );
    assert_eq!(spanned(text, &errors[1]), "\"6291455\"");

    parse_ok("[services]\na = { mem_limit = \"6m\", mem_reservation = \"6291456\" }\n");
}

#[test]
fn reservation_above_limit_compares_bytes() {
    let text = "[services]\na = { mem_limit = \"1g\", mem_reservation = \"1025m\" }\n";
    let error = only_error(text, LimitsErrorKind::ReservationAboveLimit);
    assert_eq!(spanned(text, &error), "\"1025m\"");
    assert_eq!(error.notes().len(), 1);
    assert_eq!(
        error.notes()[0].offset(),
        text.find("\"1g\"").unwrap_or_default()
    );
    assert_eq!(
        error.message(),
        "`mem_reservation` of service `a` (1025m) is above its `mem_limit` (1g)"
    );
    // Equal in bytes though spelled differently: fine.
    parse_ok("[services]\na = { mem_limit = \"1g\", mem_reservation = \"1024m\" }\n");
}

#[test]
fn invalid_service_names() {
    let text = "[services]\n\"traefik proxy\" = { mem_limit = \"256m\" }\n";
    let error = only_error(text, LimitsErrorKind::InvalidServiceName);
    assert_eq!(spanned(text, &error), "\"traefik proxy\"");
    let text = "[services]\n\"\" = { mem_limit = \"256m\" }\n";
    only_error(text, LimitsErrorKind::InvalidServiceName);
}

#[test]
fn empty_values() {
    let text = "[services]\na = { mem_limit = \"1g\", hold = \" \", file = \"\" }\n";
    let errors = parse_err(text);
    assert_eq!(errors.len(), 2);
    assert!(
        errors
            .iter()
            .all(|e| *e.kind() == LimitsErrorKind::EmptyValue)
    );
    assert_eq!(errors[0].message(), "`hold` of service `a` is empty");

    let text = format!("[compose]\nroot = \"\"\n{SERVICES}");
    only_error(&text, LimitsErrorKind::EmptyValue);
    let text = format!("[compose]\nfiles = []\n{SERVICES}");
    only_error(&text, LimitsErrorKind::EmptyValue);
    let text = format!("[compose]\nfiles = [\"\"]\n{SERVICES}");
    only_error(&text, LimitsErrorKind::EmptyValue);
}

#[test]
fn no_services() {
    let error = only_error("", LimitsErrorKind::NoServices);
    assert_eq!(error.span(), 0..0);
    only_error("[services]\n", LimitsErrorKind::NoServices);
    only_error("[compose]\nroot = \"x\"\n", LimitsErrorKind::NoServices);
}

#[test]
fn root_and_files_exclude_each_other() {
    let text = format!("[compose]\nroot = \"compose\"\nfiles = [\"a.yml\"]\n{SERVICES}");
    let error = only_error(&text, LimitsErrorKind::RootAndFiles);
    assert_eq!(spanned(&text, &error), "files");
    assert_eq!(error.notes().len(), 1);
    assert_eq!(error.message(), "[compose] sets both `root` and `files`");
}

#[test]
fn write_targets_are_checked() {
    let text = format!("[compose]\nwrite = []\n{SERVICES}");
    let error = only_error(&text, LimitsErrorKind::EmptyValue);
    assert_eq!(spanned(&text, &error), "[]");

    let text = format!("[compose]\nwrite = [\"services\", \"swarm\"]\n{SERVICES}");
    let errors = parse_err(&text);
    assert_eq!(errors.len(), 2);
    assert!(
        errors
            .iter()
            .all(|e| *e.kind() == LimitsErrorKind::UnknownWriteTarget)
    );
    assert_eq!(spanned(&text, &errors[0]), "\"services\"");
    assert_eq!(errors[0].help(), Some("did you mean `service`?"));
    assert_eq!(errors[1].message(), "unknown write target `swarm`");
    assert!(
        errors[1]
            .help()
            .is_some_and(|h| h.contains("`deploy` (deploy.resources)"))
    );

    let text = format!("[compose]\nwrite = [\"deploy\", \"deploy\"]\n{SERVICES}");
    only_error(&text, LimitsErrorKind::DuplicateValue);
}

#[test]
fn stage_validation() {
    let base = "[services]\na = { mem_limit = \"1g\" }\nb = { mem_limit = \"1g\" }\n";

    let text = format!("{base}[[stages]]\nservices = [\"a\"]\n");
    let error = only_error(&text, LimitsErrorKind::MissingStageName);
    assert_eq!(spanned(&text, &error), "[[stages]]");
    assert_eq!(error.message(), "stage 1 has no name");

    let text = format!("{base}[[stages]]\nname = \"x\"\n");
    let error = only_error(&text, LimitsErrorKind::EmptyStage);
    assert_eq!(error.message(), "stage `x` has no `services`");

    let text = format!("{base}[[stages]]\nname = \"x\"\nservices = []\n");
    let error = only_error(&text, LimitsErrorKind::EmptyStage);
    assert_eq!(spanned(&text, &error), "[]");

    let text = format!("{base}[[stages]]\nname = \"2\"\nservices = [\"a\"]\n");
    let error = only_error(&text, LimitsErrorKind::NumericStageName);
    assert_eq!(spanned(&text, &error), "\"2\"");

    let text = format!(
        "{base}[[stages]]\nname = \"x\"\nservices = [\"a\"]\n[[stages]]\nname = \"x\"\nservices = [\"b\"]\n"
    );
    let error = only_error(&text, LimitsErrorKind::DuplicateStageName);
    assert_eq!(error.span().start, text.rfind("\"x\"").unwrap_or_default());
    assert_eq!(
        error.notes()[0].offset(),
        text.find("\"x\"").unwrap_or_default()
    );

    let text = format!("{base}[[stages]]\nname = \"x\"\nservices = [\"a\", \"c\", \"bb\"]\n");
    let errors = parse_err(&text);
    assert_eq!(errors.len(), 2);
    assert!(
        errors
            .iter()
            .all(|e| *e.kind() == LimitsErrorKind::UnknownService)
    );
    assert_eq!(spanned(&text, &errors[0]), "\"c\"");
    assert_eq!(
        errors[0].message(),
        "stage `x` names `c`, which is not in [services]"
    );
    assert_eq!(errors[1].help(), Some("did you mean `b`?"));

    let text = format!(
        "{base}[[stages]]\nname = \"x\"\nservices = [\"a\"]\n[[stages]]\nname = \"y\"\nservices = [\"b\", \"a\"]\n"
    );
    let error = only_error(&text, LimitsErrorKind::ServiceInTwoStages);
    assert_eq!(error.span().start, text.rfind("\"a\"").unwrap_or_default());
    assert_eq!(error.message(), "service `a` is in two stages: `x` and `y`");
    assert_eq!(error.notes()[0].label(), Some("first listed in `x`"));

    let text = format!("{base}[[stages]]\nname = \"x\"\nservices = [\"a\", \"a\"]\n");
    only_error(&text, LimitsErrorKind::DuplicateValue);

    let text = format!(
        "{base}[[stages]]\nname = \"x\"\nservices = [\"a\"]\n[[stages]]\nname = \"x\"\nservices = [\"a\"]\n"
    );
    let errors = parse_err(&text);
    let kinds: Vec<_> = errors.iter().map(|e| e.kind().clone()).collect();
    assert_eq!(
        kinds,
        [
            LimitsErrorKind::DuplicateStageName,
            LimitsErrorKind::ServiceInTwoStages
        ]
    );
    assert_eq!(
        errors[1].message(),
        "service `a` is in two stages: `x` (stage 1) and `x` (stage 2)"
    );

    let text = format!(
        "{base}[[stages]]\nservices = [\"a\"]\n[[stages]]\nname = \"y\"\nservices = [\"a\"]\n"
    );
    let errors = parse_err(&text);
    assert_eq!(
        errors[1].message(),
        "service `a` is in two stages: stage 1 and `y`"
    );
}

#[test]
fn a_broken_service_is_not_also_unknown_to_stages() {
    let text =
        "[services]\na = { mem_limit = \"1Gi\" }\n[[stages]]\nname = \"x\"\nservices = [\"a\"]\n";
    let errors = parse_err(text);
    assert_eq!(errors.len(), 1);
    assert!(matches!(errors[0].kind(), LimitsErrorKind::InvalidSize(_)));
}
