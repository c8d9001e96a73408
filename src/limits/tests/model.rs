//! The model's accessors and defaults, and stage durations.

use std::time::Duration;

use super::{FULL_EXAMPLE, SERVICES, parse_err, parse_ok, spanned};
use crate::limits::{ComposeConfig, LimitsErrorKind, Stage, WriteTargets, parse_duration};
use crate::size::MemSize;

#[test]
fn full_example() {
    let limits = parse_ok(FULL_EXAMPLE);
    assert_eq!(limits.compose.root.as_deref(), Some("compose"));
    assert!(limits.compose.files.is_empty());
    assert_eq!(limits.compose.write, WriteTargets::default());
    assert_eq!(limits.services.len(), 20);
    assert_eq!(limits.stages.len(), 5);

    let names: Vec<&str> = limits.services.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        names[..3],
        ["docker-socket-proxy", "traefik", "oauth2-proxy"]
    );
    assert_eq!(names[19], "cockpit-proxy");

    let coolify = limits
        .service("coolify")
        .expect("coolify is in the example");
    assert_eq!(coolify.mem_limit.size, MemSize::from_bytes(1536 << 20));
    assert_eq!(coolify.mem_limit.text, "1536m");
    assert_eq!(&FULL_EXAMPLE[coolify.mem_limit.span.clone()], "\"1536m\"");
    let reservation = coolify.mem_reservation.as_ref().expect("has a reservation");
    assert_eq!(reservation.size, MemSize::from_bytes(512 << 20));
    assert_eq!(
        coolify.file.as_deref(),
        Some("compose/services/coolify.yml")
    );
    assert_eq!(
        coolify.file_span.clone().map(|span| &FULL_EXAMPLE[span]),
        Some("\"compose/services/coolify.yml\"")
    );
    assert_eq!(&FULL_EXAMPLE[coolify.span.clone()], "coolify");
    assert!(FULL_EXAMPLE[coolify.line_span.clone()].starts_with("coolify             = {"));
    assert!(FULL_EXAMPLE[coolify.line_span.clone()].ends_with('}'));

    let loki = limits.service("loki").expect("loki is in the example");
    assert_eq!(
        loki.hold.as_deref(),
        Some("OOM-killed in stage 3; under review")
    );
    assert_eq!(
        limits.service("traefik").and_then(|s| s.hold.as_ref()),
        None
    );

    let stage = limits.find_stage("coolify").expect("stage by name");
    assert_eq!(stage.risk.as_deref(), Some("high"));
    assert_eq!(
        stage.service_names().collect::<Vec<_>>(),
        [
            "coolify-redis",
            "coolify-soketi",
            "coolify-postgres",
            "coolify"
        ]
    );
    assert_eq!(&FULL_EXAMPLE[stage.span.clone()], "[[stages]]");
    assert_eq!(
        &FULL_EXAMPLE[stage.services[0].1.clone()],
        "\"coolify-redis\""
    );
    assert_eq!(stage.settle_duration(), Some(Duration::from_secs(60)));
    assert_eq!(stage.soak_duration(), Some(Duration::from_secs(30 * 60)));

    assert_eq!(
        limits.find_stage("1").map(|s| s.name.as_str()),
        Some("infrastructure")
    );
    assert_eq!(
        limits.find_stage("5").map(|s| s.name.as_str()),
        Some("applications")
    );
    assert_eq!(
        limits.find_stage("5").and_then(Stage::soak_duration),
        Some(Duration::from_secs(3600))
    );
    assert!(limits.find_stage("0").is_none());
    assert!(limits.find_stage("6").is_none());
    assert!(limits.find_stage("nope").is_none());
    assert_eq!(
        limits.stage_of("loki").map(|s| s.name.as_str()),
        Some("management")
    );

    let staged: usize = limits.stages.iter().map(|s| s.services.len()).sum();
    assert_eq!(staged, 20);
}

#[test]
fn minimal_file_and_defaults() {
    let limits = parse_ok(SERVICES);
    assert_eq!(limits.compose, ComposeConfig::default());
    assert_eq!(
        limits.compose.write,
        WriteTargets {
            service: true,
            deploy: true
        }
    );
    assert!(limits.stages.is_empty());
    let traefik = &limits.services[0];
    assert_eq!(traefik.mem_reservation, None);
    assert_eq!(traefik.file, None);
    assert_eq!(traefik.hold, None);
    assert_eq!(
        &SERVICES[traefik.line_span.clone()],
        "traefik = { mem_limit = \"256m\" }"
    );
}

#[test]
fn durations() {
    let ok = [
        ("30s", 30),
        ("10m", 600),
        ("1h", 3600),
        ("1h30m", 5400),
        ("2m30s", 150),
        ("1h0m5s", 3605),
        ("90m", 5400),
        ("0s", 0),
    ];
    for (text, seconds) in ok {
        assert_eq!(
            parse_duration(text),
            Ok(Duration::from_secs(seconds)),
            "{text}"
        );
    }
    let bad = [
        "",
        "30",
        "s",
        "1.5h",
        "30 s",
        " 30s",
        "30s ",
        "1m1h",
        "1m1m",
        "1ms",
        "1d",
        "-1s",
        "+1s",
        "1H",
        "99999999999999999999s",
        "18446744073709551615h",
    ];
    for text in bad {
        assert!(parse_duration(text).is_err(), "{text:?} should be rejected");
    }
    assert_eq!(
        parse_duration("30 s").map_err(|e| e.to_string()),
        Err("\"30 s\" is not a duration".to_string())
    );

    let text = format!(
        "{SERVICES}[[stages]]\nname = \"x\"\nservices = [\"traefik\"]\nsettle = \"30 s\"\nsoak = 600\n"
    );
    let errors = parse_err(&text);
    assert_eq!(errors.len(), 2);
    assert_eq!(*errors[0].kind(), LimitsErrorKind::InvalidDuration);
    assert_eq!(spanned(&text, &errors[0]), "\"30 s\"");
    assert_eq!(
        errors[0].message(),
        "`settle` of stage `x` is not a duration: \"30 s\""
    );
    assert_eq!(*errors[1].kind(), LimitsErrorKind::WrongType);
    assert_eq!(
        errors[1].help(),
        Some("durations are strings with a unit: write \"600s\"")
    );
}
