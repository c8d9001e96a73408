//! strip: removes exactly the managed fields, the mappings they leave empty, and nothing else;
//! after apply on a file without limits it gives back the original bytes.

mod common;

use common::{BOTH, apply, diff, error_text, limits, strip};

fn stripped(input: &str, services: &[&str]) -> String {
    strip(input, services)
        .unwrap_or_else(|e| panic!("{}", error_text(&e)))
        .text
}

#[test]
fn partial_deploy_blocks_keep_their_other_keys() {
    let input = "services:\n  web:\n    image: nginx\n    mem_limit: 512m\n    deploy:\n      replicas: 2\n      resources:\n        limits:\n          cpus: '0.5'\n          memory: 512m\n        reservations:\n          memory: 128m\n      restart_policy:\n        condition: on-failure\n    restart: always\n";
    insta::assert_snapshot!("partial_deploy", diff(input, &stripped(input, &["web"])));
}

#[test]
fn emptied_mappings_go_up_to_deploy() {
    let input = "services:\n  web:\n    image: nginx\n    mem_limit: 512m\n    mem_reservation: 128m\n    deploy:\n      resources:\n        limits:\n          memory: 512m\n        reservations:\n          memory: 128m\n    restart: always\n";
    assert_eq!(
        stripped(input, &["web"]),
        "services:\n  web:\n    image: nginx\n    restart: always\n"
    );
}

#[test]
fn flow_mappings_lose_the_key_and_its_comma() {
    let input = "services:\n  web: {image: nginx, mem_limit: 512m, deploy: {resources: {limits: {memory: 512m, cpus: '1'}}}}\n  db: {mem_limit: 1g, image: postgres}\n";
    insta::assert_snapshot!("flow", diff(input, &stripped(input, &["web", "db"])));
}

#[test]
fn comments_on_removed_lines_go_others_stay() {
    let input = "services:\n  web:\n    image: nginx\n    # limits below were sized in March\n    mem_limit: 512m  # hard cap\n    deploy:\n      resources:\n        limits:\n          memory: 512m\n      # keep two replicas\n      replicas: 2\n    # end of web\n  db:\n    image: postgres\n";
    insta::assert_snapshot!("comments", diff(input, &stripped(input, &["web"])));
}

#[test]
fn crlf_and_no_final_newline() {
    let input = "services:\r\n  web:\r\n    image: nginx\r\n    mem_limit: 512m\r\n    mem_reservation: 64m";
    assert_eq!(
        stripped(input, &["web"]),
        "services:\r\n  web:\r\n    image: nginx"
    );
}

#[test]
fn nothing_to_strip_is_not_an_error() {
    let input = "services:\n  web:\n    image: nginx\n";
    let edited = strip(input, &["web"]).expect("strip succeeds");
    assert_eq!(edited.text, input);
    assert_eq!(
        edited.plan.unchanged,
        [("web".to_string(), "nothing to strip")]
    );
}

#[test]
fn a_merged_limit_cannot_be_stripped_from_the_service_alone() {
    let input = "x-base: &base\n  mem_limit: 1g\n  restart: always\nservices:\n  web:\n    <<: *base\n    image: nginx\n    mem_limit: 512m\n";
    let err = strip(input, &["web"]).expect_err("refused");
    insta::assert_snapshot!("merged_refused", error_text(&err));
}

#[test]
fn strip_after_apply_is_the_identity_on_files_without_limits() {
    let inputs = [
        "services:\n  web:\n    image: nginx\n",
        "services:\n    web:\n        image: nginx\n        ports:\n        - 80:80\n",
        "services:\n  web: {image: nginx}\n",
        "services:\r\n  web:\r\n    image: nginx\r\n    # trailing\r\n",
        "\u{feff}---\nservices:\n  web:\n    image: nginx\n    deploy:\n      replicas: 2\n      resources:\n        limits:\n          cpus: '1'\n    command: |\n      run\n",
        "services:\n  web:\n    image: nginx\n    deploy: {restart_policy: {condition: any}}",
    ];
    for input in inputs {
        let applied = apply(input, &[limits("web", "256m", Some("64m"))], BOTH).expect("apply");
        assert_ne!(applied.text, input);
        assert_eq!(stripped(&applied.text, &["web"]), input, "for {input:?}");
    }
}

#[test]
fn strip_after_apply_on_every_fixture_file() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/compose/services");
    let mut checked = 0;
    for file in std::fs::read_dir(&dir).expect("fixtures") {
        let path = file.expect("entry").path();
        let text = std::fs::read_to_string(&path).expect("read");
        let doc = limitctl::yaml::Document::parse(text.as_str()).expect("fixtures parse");
        let services_node = limitctl::compose::services_mapping(&doc).expect("compose file");
        let names: Vec<String> = limitctl::compose::services(&doc, services_node)
            .into_iter()
            .map(|s| s.name)
            .collect();
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        // Without the limits some fixtures already carry, the file has none: the identity holds.
        let bare = stripped(&text, &refs);
        let table: Vec<_> = names
            .iter()
            .map(|n| limits(n, "256m", Some("64m")))
            .collect();
        let applied = apply(&bare, &table, BOTH).expect("apply");
        assert_eq!(stripped(&applied.text, &refs), bare, "{}", path.display());
        checked += 1;
    }
    assert_eq!(checked, 5);
}
