//! One test per engine bug the property tests, the fuzzer or the corpus found: the smallest
//! input that showed it, so the bug stays fixed (or, when `#[ignore]`d, stays documented).

mod common;

use limitctl::engine::{EngineError, Operation, edit_text};
use limitctl::limits::WriteTargets;

const BOTH: WriteTargets = WriteTargets {
    service: true,
    deploy: true,
};

fn apply(text: &str, limit: &str, reservation: Option<&str>) -> Result<String, EngineError> {
    let table = [common::limits("proxy", limit, reservation)];
    edit_text(text, Operation::Apply(&table, BOTH)).map(|e| e.text)
}

fn strip(text: &str) -> Result<String, EngineError> {
    edit_text(text, Operation::Strip(&["proxy"])).map(|e| e.text)
}

/// Found by `strip_after_apply_is_identity`: in a file without a final newline, stripping a
/// service whose last keys are limits and whose `deploy` loses its `resources` planned two
/// deletions that overlap by the newline before the last line, and strip failed with
/// "internal error: overlapping edits".
#[test]
fn strip_at_end_of_file_without_final_newline_with_nested_removal() {
    let original = "services:\n  proxy:\n    image: x\n    deploy:\n      replicas: 2";
    let applied = apply(original, "256m", Some("64m")).unwrap();
    assert_eq!(
        applied,
        "services:\n  proxy:\n    image: x\n    deploy:\n      replicas: 2\n      resources:\n        limits:\n          memory: \"256m\"\n        reservations:\n          memory: \"64m\"\n    mem_limit: 256m\n    mem_reservation: 64m"
    );
    assert_eq!(strip(&applied).unwrap(), original);
    let crlf = original.replace('\n', "\r\n");
    let applied = apply(&crlf, "256m", Some("64m")).unwrap();
    assert_eq!(strip(&applied).unwrap(), crlf);
    // Three deletions in a row up to the end: `reservations.memory` (its block keeps `cpus`),
    // the emptied `limits` block, and the service-level keys.
    let text = "services:\n  proxy:\n    image: x\n    deploy:\n      resources:\n        reservations:\n          cpus: '0.5'\n          memory: 64m\n        limits:\n          memory: 256m\n    mem_limit: 256m\n    mem_reservation: 64m".replace('\n', "\r\n");
    assert_eq!(
        strip(&text).unwrap(),
        "services:\n  proxy:\n    image: x\n    deploy:\n      resources:\n        reservations:\n          cpus: '0.5'".replace('\n', "\r\n")
    );
}

/// Found by `apply_changes_only_managed_fields`: with no reservation in the table, apply keeps
/// the file's own reservation and refuses when it is above the new limit ("the engine would
/// refuse the container"), but only for a literal size. An interpolated reservation whose
/// default is above the new limit is not compared, so apply writes a stack that Compose starts
/// with reservation 2g > limit 256m whenever `MEM` is unset, and the engine refuses it.
///
/// Fixed: the planner judges an interpolation by its default, the value Compose uses when the
/// variable is unset (the one case the file alone decides); `check` judges the resolved value.
#[test]
fn interpolated_reservation_above_new_limit() {
    let text = "services:\n  proxy:\n    image: x\n    mem_reservation: ${MEM:-2g}\n";
    match apply(text, "256m", None) {
        Err(EngineError::Plan(errors)) => {
            assert!(errors[0].message.contains("above the new limit"));
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
}

/// Found by `apply_changes_only_managed_fields`: a service that ends the file with a block
/// scalar (`command: |`) and no final newline. Keys appended after it give the scalar a line
/// break it did not have (`"…1g"` becomes `"…1g\n"`), so verification refused a valid file
/// ("the edit would change service `proxy` beyond its managed fields").
#[test]
fn apply_after_block_scalar_at_end_of_file_without_final_newline() {
    for header in ["|", ">", "|+", "|2"] {
        let original = format!(
            "services:\n  proxy:\n    image: x\n    command: {header}\n      echo start\n      exec app"
        );
        let applied = apply(&original, "256m", None)
            .unwrap_or_else(|e| panic!("apply refused `command: {header}`: {e}"));
        assert_eq!(
            common::semantic(&applied).unwrap()["services"]["proxy"]["command"],
            common::semantic(&original).unwrap()["services"]["proxy"]["command"],
        );
        common::only_managed_lines_changed(&original, &applied).unwrap();
        assert_eq!(strip(&applied).unwrap(), original);
    }
    // With strip chomping the scalar never ends in a line break: appending stays correct.
    let original = "services:\n  proxy:\n    image: x\n    command: |-\n      exec app";
    let applied = apply(original, "256m", None).unwrap();
    assert!(applied.ends_with("exec app\n    mem_limit: 256m\n    deploy:\n      resources:\n        limits:\n          memory: \"256m\""));
}

/// Found by `strip_after_apply_removes_only_managed_fields`: a keep-chomped block scalar
/// (`|+`) directly followed by limits and then a blank line. Removing the limit lines makes
/// the blank line follow the scalar, and with `|+` trailing blank lines are content, so the
/// scalar's value would change. Verification caught it (nothing was written), with an
/// unlocated "the edit would change service `proxy` beyond its managed fields"; strip now
/// refuses up front with a located error (the test below).
///
///
/// Decided: this stays a located refusal. Keeping the scalar's meaning would need the blank
/// line removed too, a byte outside the managed fields; the user moves the limits (or the
/// blank line) by hand, and strip works from then on.
#[test]
fn strip_between_keep_block_scalar_and_blank_line_is_a_located_refusal() {
    let text = "services:\n  proxy:\n    image: x\n    command: |+\n      exec app\n\n    mem_limit: 256m\n\n  web:\n    image: y\n";
    match strip(text) {
        Err(EngineError::Plan(errors)) => {
            assert_eq!(&text[errors[0].range.clone()], "mem_limit");
            assert!(
                errors[0].message.contains("`|+` block scalar"),
                "{}",
                errors[0].message
            );
        }
        other => panic!("expected a located refusal, got {other:?}"),
    }
    // Without the blank line after it, the key goes as usual.
    let text = text.replace("256m\n\n  web", "256m\n  web");
    assert!(strip(&text).is_ok());
}

/// Found by `strip_after_apply_removes_only_managed_fields` (10,000 cases): limits that end a
/// file without a final newline, right after a block scalar (`command: >`). Removing them
/// took the newline before them, which is the scalar's final line break, so its value would
/// change (verification refused). The deletion now leaves that line break in place: the file
/// then ends with it, and the scalar keeps its value. Strip chomping has no line break to
/// keep, so there the file still ends without one.
#[test]
fn strip_after_block_scalar_at_end_of_file_without_final_newline() {
    let text =
        "services:\n  proxy:\n    image: x\n    command: >\n      exec app\n    mem_limit: 256m";
    let stripped = strip(text).unwrap();
    assert_eq!(
        stripped,
        "services:\n  proxy:\n    image: x\n    command: >\n      exec app\n"
    );
    assert_eq!(
        common::semantic(&stripped).unwrap()["services"]["proxy"]["command"],
        common::semantic(text).unwrap()["services"]["proxy"]["command"],
    );
    let text = text.replace("command: >", "command: >-");
    assert_eq!(
        strip(&text).unwrap(),
        "services:\n  proxy:\n    image: x\n    command: >-\n      exec app"
    );
}
