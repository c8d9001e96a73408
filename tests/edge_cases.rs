//! One small case per edge of the edit engine (layout) and of what apply writes (rules).
//! Each snapshot is the unified diff apply makes; every case is also checked to be
//! idempotent, and, where the input had no limits, to be undone byte for byte by strip.

mod common;

use common::{BOTH, apply, diff, error_text, limits, strip};
use limitctl::limits::{ServiceLimits, WriteTargets};

/// Apply, snapshot the diff, and check the invariants that hold for every case.
fn case(name: &str, input: &str, table: &[ServiceLimits], write: WriteTargets, reversible: bool) {
    let edited =
        apply(input, table, write).unwrap_or_else(|e| panic!("{name}: {}", error_text(&e)));
    insta::assert_snapshot!(name, diff(input, &edited.text));
    let again = apply(&edited.text, table, write).expect("a second apply succeeds");
    assert!(
        again.plan.edits.is_empty(),
        "{name}: second apply changed {:?}",
        again.plan.changes
    );
    assert_eq!(again.text, edited.text);
    if reversible {
        let names: Vec<&str> = table.iter().map(|e| e.name.as_str()).collect();
        let back = strip(&edited.text, &names).expect("strip succeeds");
        assert_eq!(
            back.text, input,
            "{name}: strip did not give the original bytes back"
        );
    }
}

fn default_case(name: &str, input: &str) {
    case(
        name,
        input,
        &[limits("web", "256m", Some("64m"))],
        BOTH,
        true,
    );
}

fn refused(input: &str, table: &[ServiceLimits]) -> String {
    match apply(input, table, BOTH) {
        Ok(e) => panic!("expected a refusal, got:\n{}", e.text),
        Err(e) => error_text(&e),
    }
}

// ---- item 6: the layout of the file ----------------------------------------------------

#[test]
fn two_space_indentation() {
    default_case(
        "two_space",
        "services:\n  web:\n    image: nginx\n  db:\n    image: postgres\n",
    );
}

#[test]
fn four_space_indentation() {
    default_case(
        "four_space",
        "services:\n    web:\n        image: nginx\n    db:\n        image: postgres\n",
    );
}

#[test]
fn mixed_indentation_takes_the_service_own_step() {
    default_case(
        "mixed_indent",
        "services:\n  web:\n      image: nginx\n      restart: always\n  db:\n    image: postgres\n",
    );
}

#[test]
fn sequences_indented_and_not_as_last_value() {
    default_case(
        "sequence_last_indented",
        "services:\n  web:\n    image: nginx\n    ports:\n      - \"80:80\"\n      - \"443:443\"\n",
    );
    default_case(
        "sequence_last_flush",
        "services:\n  web:\n    image: nginx\n    labels:\n    - a=b\n    - c=d\n  db:\n    image: postgres\n",
    );
}

#[test]
fn comments_at_the_end_of_the_service_stay_after_it() {
    default_case(
        "trailing_comments",
        "services:\n  web:\n    image: nginx  # pinned\n    # ports:\n    #   - 80:80\n\n  # the database\n  db:\n    image: postgres\n",
    );
}

#[test]
fn whole_service_as_flow_mapping() {
    default_case(
        "flow_service",
        "services:\n  web: {image: nginx, restart: always}\n  db: { image: postgres }\n",
    );
    default_case("flow_service_empty", "services:\n  web: {}\n");
}

#[test]
fn flow_deploy() {
    default_case(
        "flow_deploy",
        "services:\n  web:\n    image: nginx\n    deploy: {resources: {limits: {cpus: '0.5'}}}\n",
    );
}

#[test]
fn empty_or_null_deploy_becomes_a_mapping() {
    // Not reversible by design: strip removes the emptied `deploy` rather than restoring null.
    let table = [limits("web", "256m", Some("64m"))];
    case(
        "null_deploy_empty",
        "services:\n  web:\n    image: nginx\n    deploy:\n    restart: always\n",
        &table,
        BOTH,
        false,
    );
    case(
        "null_deploy_tilde",
        "services:\n  web:\n    deploy: ~  # later\n    image: nginx\n",
        &table,
        BOTH,
        false,
    );
}

#[test]
fn existing_deploy_keeps_its_other_keys() {
    default_case(
        "deploy_restart_policy",
        "services:\n  web:\n    image: nginx\n    deploy:\n      restart_policy:\n        condition: on-failure\n      replicas: 2\n    restart: always\n",
    );
    default_case(
        "deploy_cpus",
        "services:\n  web:\n    image: nginx\n    deploy:\n      resources:\n        limits:\n          cpus: \"0.50\"\n          pids: 100\n",
    );
}

#[test]
fn block_scalar_as_last_value() {
    default_case(
        "block_scalar_last",
        "services:\n  web:\n    image: nginx\n    command: >\n      nginx -g\n      'daemon off;'\n\n  db:\n    image: postgres\n",
    );
    default_case(
        "block_scalar_keep",
        "services:\n  web:\n    image: nginx\n    entrypoint: |+\n      run\n\n  db:\n    image: postgres\n",
    );
}

#[test]
fn quoted_keys_and_values_keep_their_quotes() {
    case(
        "quoted",
        "services:\n  \"web\":\n    'image': \"nginx\"\n    \"mem_limit\": '512m'\n    deploy:\n      resources:\n        limits:\n          \"memory\": \"512m\"\n",
        &[limits("web", "256m", Some("64m"))],
        BOTH,
        false,
    );
}

#[test]
fn crlf_line_endings() {
    default_case(
        "crlf",
        "services:\r\n  web:\r\n    image: nginx\r\n  db:\r\n    image: postgres\r\n",
    );
}

#[test]
fn byte_order_mark() {
    default_case("bom", "\u{feff}services:\n  web:\n    image: nginx\n");
}

#[test]
fn non_ascii_before_the_edited_node() {
    default_case(
        "non_ascii",
        "# Übersicht: café ☕ — 日本語\nservices:\n  web:\n    image: nginx  # « le serveur »\n    environment:\n      GREETING: \"héllo wörld\"\n",
    );
}

#[test]
fn no_final_newline() {
    default_case("no_final_newline", "services:\n  web:\n    image: nginx");
    default_case(
        "no_final_newline_crlf",
        "services:\r\n  web:\r\n    image: nginx",
    );
}

#[test]
fn document_start_marker() {
    default_case(
        "document_start",
        "---\n# stack\nservices:\n  web:\n    image: nginx\n",
    );
}

#[test]
fn malformed_yaml_is_refused_with_a_location() {
    let table = [limits("web", "256m", None)];
    let cases = [
        (
            "duplicate",
            "services:\n  web:\n    image: a\n    image: b\n",
        ),
        ("tab", "services:\n  web:\n\timage: a\n"),
        (
            "bad_indent",
            "services:\n  web:\n    image: a\n   restart: always\n",
        ),
        ("unknown_alias", "services:\n  web:\n    logging: *log\n"),
    ];
    let mut out = String::new();
    for (name, input) in cases {
        out.push_str(&format!("{name}: {}\n", refused(input, &table)));
    }
    insta::assert_snapshot!("malformed", out);
}

// ---- item 7: what apply writes ----------------------------------------------------------

#[test]
fn write_service_only_still_fills_an_existing_limits_block() {
    let write = WriteTargets {
        service: true,
        deploy: false,
    };
    case(
        "write_service_limits_block",
        "services:\n  web:\n    image: nginx\n    deploy:\n      resources:\n        limits:\n          cpus: '1'\n",
        &[limits("web", "256m", Some("64m"))],
        write,
        true,
    );
    case(
        "write_service_only",
        "services:\n  web:\n    image: nginx\n",
        &[limits("web", "256m", Some("64m"))],
        write,
        true,
    );
}

#[test]
fn write_deploy_only_still_updates_a_present_service_key() {
    let write = WriteTargets {
        service: false,
        deploy: true,
    };
    case(
        "write_deploy_only",
        "services:\n  web:\n    image: nginx\n    mem_limit: 1g\n",
        &[limits("web", "256m", None)],
        write,
        false,
    );
}

#[test]
fn values_equal_in_bytes_are_left_alone() {
    let input = "services:\n  web:\n    mem_limit: 1024m\n    mem_reservation: 268435456\n    deploy:\n      resources:\n        limits:\n          memory: 1GiB\n        reservations:\n          memory: '256M'\n";
    let edited = apply(input, &[limits("web", "1g", Some("256m"))], BOTH).unwrap();
    assert!(edited.plan.edits.is_empty(), "{:?}", edited.plan.changes);
}

#[test]
fn deploy_memory_is_always_a_string() {
    case(
        "deploy_integer",
        "services:\n  web:\n    image: nginx\n    mem_limit: 268435456\n    deploy:\n      resources:\n        limits:\n          memory: 268435456\n",
        &[limits("web", "256m", None)],
        BOTH,
        false,
    );
}

#[test]
fn interpolated_defaults_are_rewritten_and_bare_variables_refused() {
    case(
        "interpolated",
        "services:\n  web:\n    image: nginx\n    mem_limit: ${WEB_MEM:-512m}\n    mem_reservation: \"${WEB_RES-128m}\"\n",
        &[limits("web", "256m", Some("64m"))],
        WriteTargets {
            service: true,
            deploy: false,
        },
        false,
    );
    let message = refused(
        "services:\n  web:\n    mem_limit: ${WEB_MEM}\n",
        &[limits("web", "256m", None)],
    );
    insta::assert_snapshot!("interpolated_no_default", message);
}

#[test]
fn merged_service_keys_are_overridden_and_merged_deploy_refused() {
    case(
        "merged_mem_limit",
        "x-base: &base\n  restart: always\n  mem_limit: 1g\nservices:\n  web:\n    <<: *base\n    image: nginx\n",
        &[limits("web", "256m", None)],
        WriteTargets {
            service: true,
            deploy: false,
        },
        false,
    );
    let message = refused(
        "x-base: &base\n  restart: always\n  deploy:\n    replicas: 2\nservices:\n  web:\n    <<: *base\n    image: nginx\n",
        &[limits("web", "256m", None)],
    );
    insta::assert_snapshot!("merged_deploy_refused", message);
}

#[test]
fn shared_anchors_are_never_edited() {
    let message = refused(
        "services:\n  web:\n    image: nginx\n    deploy: &dep\n      replicas: 2\n  api:\n    image: api\n    deploy: *dep\n",
        &[limits("web", "256m", None)],
    );
    insta::assert_snapshot!("shared_anchor_refused", message);
}

#[test]
fn reservation_is_written_only_when_the_table_has_one() {
    case(
        "no_reservation",
        "services:\n  web:\n    image: nginx\n",
        &[limits("web", "256m", None)],
        BOTH,
        true,
    );
    let message = refused(
        "services:\n  web:\n    mem_reservation: 1g\n",
        &[limits("web", "256m", None)],
    );
    insta::assert_snapshot!("reservation_above_new_limit", message);
}

#[test]
fn only_selected_services_change() {
    let input =
        "services:\n  web:\n    image: nginx\n  db:\n    image: postgres\n    mem_limit: 2g\n";
    let edited = apply(input, &[limits("web", "256m", None)], BOTH).unwrap();
    assert!(
        edited
            .text
            .ends_with("  db:\n    image: postgres\n    mem_limit: 2g\n")
    );
}

#[test]
fn an_empty_value_is_filled_after_its_colon() {
    case(
        "empty_value",
        "services:\n  web:\n    image: nginx\n    mem_limit:\n    deploy: &d\n    restart: always\n",
        &[limits("web", "256m", None)],
        BOTH,
        false,
    );
}

#[test]
fn an_alias_to_an_interpolation_is_refused_and_a_string_alias_kept() {
    let message = refused(
        "x-m: &m ${MEM:-1g}\nservices:\n  web:\n    image: nginx\n    mem_limit: *m\n",
        &[limits("web", "256m", None)],
    );
    insta::assert_snapshot!("alias_to_interpolation_refused", message);
    let input = "x-m: &m \"256m\"\nservices:\n  web:\n    image: nginx\n    mem_limit: *m\n    deploy:\n      resources:\n        limits:\n          memory: *m\n";
    let edited = apply(input, &[limits("web", "256m", None)], BOTH).expect("apply");
    assert!(edited.plan.edits.is_empty(), "{:?}", edited.plan.changes);
}
