//! Properties of the edit engine over generated compose documents (see `common/gen.rs` for
//! the styles generated). Each property runs `PROPTEST_CASES` cases (default 256) and no
//! fork, so CI stays within minutes; a failure prints the shrunk document and table.

mod common;

use common::docgen::{self as generate, Allow, Doc};
use limitctl::compose::{self, Field};
use limitctl::engine::{EngineError, Operation, edit_text};
use limitctl::limits::{ServiceLimits, WriteTargets};
use limitctl::value;
use limitctl::yaml::Document;
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

/// 256 cases per property unless `PROPTEST_CASES` says otherwise (a longer local campaign).
fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(256);
    ProptestConfig {
        cases,
        // Every case is cheap; a failing case should shrink to something readable.
        max_shrink_iters: 4096,
        // Failures become named tests in tests/regressions.rs, not opaque seed files.
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// The table sizes: (limit, reservation), reservation never above the limit.
const SIZES: [(&str, Option<&str>); 7] = [
    ("256m", Some("64m")),
    ("1g", Some("512m")),
    ("1.5g", None),
    ("300000000", Some("100m")),
    ("512M", Some("512m")),
    ("2GiB", Some("1g")),
    ("768m", None),
];

/// A generated case: the document, the table (a subset of its services plus one the file
/// does not define), and the write targets.
#[derive(Clone, Debug)]
struct Case {
    doc: Doc,
    table: Vec<ServiceLimits>,
    write: WriteTargets,
}

impl Case {
    fn text(&self) -> String {
        self.doc.render()
    }

    fn names(&self) -> Vec<&str> {
        self.table.iter().map(|t| t.name.as_str()).collect()
    }
}

fn write_targets() -> impl Strategy<Value = WriteTargets> {
    prop_oneof![
        2 => Just(WriteTargets { service: true, deploy: true }),
        1 => Just(WriteTargets { service: true, deploy: false }),
        1 => Just(WriteTargets { service: false, deploy: true }),
    ]
}

fn case(allow: Allow) -> impl Strategy<Value = Case> {
    generate::doc(allow).prop_flat_map(|doc| {
        let n = doc.services.len();
        (
            Just(doc),
            prop::collection::vec(
                proptest::option::weighted(0.8, prop::sample::select(SIZES.to_vec())),
                n,
            ),
            write_targets(),
        )
            .prop_map(|(doc, picks, write)| {
                let mut table: Vec<ServiceLimits> = doc
                    .services
                    .iter()
                    .zip(picks)
                    .filter_map(|(s, pick)| {
                        let (limit, reservation) = pick?;
                        Some(common::limits(&s.name, limit, reservation))
                    })
                    .collect();
                // The engine ignores table entries for services the file does not define.
                table.push(common::limits("not-in-this-file", "1g", None));
                Case { doc, table, write }
            })
    })
}

fn ok<T>(result: Result<T, String>) -> Result<T, TestCaseError> {
    result.map_err(TestCaseError::fail)
}

/// Whether the table leaves a file's own reservation in place that is above the new limit:
/// the one case in which apply must refuse these generated documents.
fn reservation_above_limit(text: &str, table: &[ServiceLimits]) -> bool {
    let Ok(doc) = common::semantic(text) else {
        return false;
    };
    table.iter().any(|t| {
        let Some(service) = doc.get("services").and_then(|s| s.get(t.name.as_str())) else {
            return false;
        };
        t.mem_reservation.is_none()
            && [common::MANAGED_PATHS[1], common::MANAGED_PATHS[3]]
                .iter()
                .filter_map(|p| p.iter().try_fold(service, |v, k| v.get(*k)))
                // An interpolated reservation is judged by its default: see
                // `interpolated_reservation_above_new_limit` in tests/regressions.rs.
                .filter_map(|v| match v.as_str() {
                    Some(s) if s.contains("${") => match limitctl::interp::default_slot(s) {
                        Ok(limitctl::interp::Slot::Default(slot)) => {
                            limitctl::size::MemSize::parse(&s[slot.range]).ok()
                        }
                        _ => None,
                    },
                    _ => common::size_of(v).ok(),
                })
                .any(|size| size > t.mem_limit.size)
    })
}

/// Apply, expecting success unless the one predictable refusal applies.
fn apply(case: &Case, text: &str) -> Result<Option<String>, TestCaseError> {
    let result = edit_text(text, Operation::Apply(&case.table, case.write));
    if reservation_above_limit(text, &case.table) {
        match result {
            Err(EngineError::Plan(errors)) => {
                prop_assert!(
                    errors
                        .iter()
                        .all(|e| e.message.contains("above the new limit"))
                );
                return Ok(None);
            }
            other => {
                return Err(TestCaseError::fail(format!(
                    "expected a refusal (reservation above the new limit), got {other:?}"
                )));
            }
        }
    }
    match result {
        Ok(edited) => Ok(Some(edited.text)),
        Err(e) => Err(TestCaseError::fail(format!(
            "apply refused a generated document: {e}\n{text}"
        ))),
    }
}

proptest! {
    #![proptest_config(config())]

    /// Our own documents are valid YAML that both parsers accept: otherwise every other
    /// property would be testing the generator.
    #[test]
    fn generated_documents_parse(case in case(Allow { managed: true, null_deploy: true })) {
        let text = case.text();
        prop_assert!(Document::parse(text.as_str()).is_ok(), "saphyr refuses:\n{}", text);
        ok(common::semantic(&text).map(|_| ()))?;
    }

    /// apply's output re-parses, means the input except for the managed fields of the
    /// selected services, changes no line that does not name a managed key, and keeps the
    /// BOM and newline style.
    #[test]
    fn apply_changes_only_managed_fields(case in case(Allow { managed: true, null_deploy: true })) {
        let text = case.text();
        let Some(out) = apply(&case, &text)? else { return Ok(()) };
        prop_assert!(Document::parse(out.as_str()).is_ok(), "strict parser refuses the output:\n{}", out);
        ok(common::same_outside_managed(&text, &out, &case.names()))?;
        ok(common::only_managed_lines_changed(&text, &out))?;
        prop_assert_eq!(out.ends_with('\n'), text.ends_with('\n'), "final newline changed");
        let steps = case.doc.steps;
        if steps.iter().all(|s| *s == steps[0]) {
            ok(common::added_lines_on_grid(&text, &out, steps[0]))?;
        }
    }

    /// A second apply changes nothing.
    #[test]
    fn apply_is_idempotent(case in case(Allow { managed: true, null_deploy: true })) {
        let text = case.text();
        let Some(once) = apply(&case, &text)? else { return Ok(()) };
        let twice = edit_text(&once, Operation::Apply(&case.table, case.write));
        let twice = ok(twice.map_err(|e| format!("second apply failed: {e}\n{once}")))?;
        prop_assert!(twice.plan.edits.is_empty(), "second apply planned {:?}\n{}", twice.plan.changes, once);
        prop_assert_eq!(twice.text, once);
    }

    /// On documents without managed fields (and without a null `deploy`), strip after apply
    /// gives back the original bytes.
    #[test]
    fn strip_after_apply_is_identity(case in case(Allow { managed: false, null_deploy: false })) {
        let text = case.text();
        let Some(applied) = apply(&case, &text)? else { return Ok(()) };
        let names = case.names();
        let stripped = edit_text(&applied, Operation::Strip(&names));
        let stripped = ok(stripped.map_err(|e| format!("strip failed: {e}\n{applied}")))?;
        prop_assert_eq!(stripped.text, text, "applied:\n{}", applied);
    }

    /// The known non-identities (a null `deploy`, managed fields already in the file): strip
    /// after apply still changes only managed lines, removes every managed field of the
    /// stripped services, and means the original outside them.
    #[test]
    fn strip_after_apply_removes_only_managed_fields(
        case in case(Allow { managed: true, null_deploy: true })
    ) {
        let text = case.text();
        let Some(applied) = apply(&case, &text)? else { return Ok(()) };
        let names = case.names();
        match edit_text(&applied, Operation::Strip(&names)) {
            Ok(stripped) => {
                ok(common::same_outside_managed(&text, &stripped.text, &names))?;
                ok(common::only_managed_lines_removed(&text, &stripped.text))?;
                let literal = ok(common::literal(&stripped.text))?;
                for name in &names {
                    let Some(service) = literal.get("services").and_then(|s| s.get(*name)) else { continue };
                    for path in common::MANAGED_PATHS {
                        prop_assert!(
                            path.iter().try_fold(service, |v, k| v.get(*k)).is_none(),
                            "{} still has {}", name, path.join(".")
                        );
                    }
                }
            }
            // A limit merged from the anchor cannot be stripped from one service alone. And the
            // two located refusals pinned in tests/regressions.rs (a `|+` scalar followed by a
            // blank line, a block scalar's line break at the end of a file).
            Err(EngineError::Plan(errors)) => {
                prop_assert!(
                    errors.iter().all(|e| e.message.contains("inherited from `*common`")
                        || (applied.contains("|+") && e.message.contains("`|+` block scalar"))
                        // Known, refused with a location: see
                        // `strip_after_block_scalar_at_end_of_file_without_final_newline`.
                        || (!applied.ends_with('\n') && e.message.contains("line break of the block scalar"))),
                    "unexpected refusal: {:?}", errors
                );
            }
            Err(e) => return Err(TestCaseError::fail(format!("strip failed: {e}\n{applied}"))),
        }
    }
}

/// What `check` must report after apply: nothing missing, no drift, no split. Judged twice:
/// by `check` itself (the lint rules, on a workspace of this file and table), and by an
/// independent reading of the output (yaml_serde with merge keys resolved).
fn check_after_apply(case: &Case) -> Result<(), TestCaseError> {
    let text = case.text();
    let Some(out) = apply(case, &text)? else {
        return Ok(());
    };
    // A reservation the table does not set is the file's own: apply leaves it, and a split
    // it already had (a `reservations` block without `memory`) is check's to report.
    let table_sets = |f: &common::LintFinding| {
        let entry = case
            .table
            .iter()
            .find(|t| Some(&t.name) == f.service.as_ref());
        let reservation = f.field.is_some_and(|field| !field.is_limit());
        !(reservation && entry.is_some_and(|t| t.mem_reservation.is_none()))
    };
    let drift: Vec<common::LintFinding> = common::lint_text(&out, &case.table, case.write)
        .into_iter()
        .filter(|f| {
            matches!(
                f.code.as_str(),
                "missing" | "drift" | "split" | "unparsable"
            )
        })
        .filter(table_sets)
        .collect();
    prop_assert!(
        drift.is_empty(),
        "check after apply found {drift:?}\n--- input\n{text}\n--- output\n{out}"
    );
    ok(common::check_applied(&out, &case.table, case.write)
        .map_err(|e| format!("{e}\n--- input\n{text}\n--- output\n{out}")))
}

proptest! {
    #![proptest_config(config())]

    /// check after apply reports no `missing`, `drift` or `split` finding.
    #[test]
    fn check_after_apply_is_clean(case in case(Allow { managed: true, null_deploy: true })) {
        check_after_apply(&case)?;
    }
}

/// Run apply (every write target), strip and the reading `check` does on `text`; none may
/// panic. When apply succeeds, its output must re-parse and a second apply must be a no-op.
fn never_panics(text: &str) -> Result<(), TestCaseError> {
    let names: Vec<String> = Document::parse(text)
        .ok()
        .and_then(|doc| {
            let mapping = compose::services_mapping(&doc)?;
            // `check` reads every managed field of every service: that reading must not panic.
            for service in compose::services(&doc, mapping) {
                for field in Field::ALL {
                    if let Some(found) = compose::lookup(&doc, service.value, field.path()) {
                        let _ = value::read(&doc, found.node);
                    }
                }
            }
            Some(
                compose::services(&doc, mapping)
                    .into_iter()
                    .map(|s| s.name)
                    .collect(),
            )
        })
        .unwrap_or_else(|| vec!["web".to_string()]);
    let table: Vec<ServiceLimits> = names
        .iter()
        .map(|n| common::limits(n, "256m", Some("64m")))
        .collect();
    for write in WriteTargets::ALL {
        if let Ok(edited) = edit_text(text, Operation::Apply(&table, write)) {
            prop_assert!(Document::parse(edited.text.as_str()).is_ok());
            let again = edit_text(&edited.text, Operation::Apply(&table, write));
            let again = ok(again.map_err(|e| format!("apply accepted its own output once but not twice: {e}\n--- input\n{text}\n--- output\n{}", edited.text)))?;
            prop_assert!(
                again.plan.edits.is_empty(),
                "apply is not idempotent on\n{}\n--- output\n{}",
                text,
                edited.text
            );
        }
    }
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let _ = edit_text(text, Operation::Strip(&refs));
    Ok(())
}

/// Characters that make YAML interesting to break.
const YAML_BYTES: &str = ":-{}[]#&*!|>'\"%@`,? \t\r\n\u{feff}é~<0";

#[derive(Clone, Debug)]
enum Mutation {
    Insert(usize, char),
    Delete(usize, usize),
    DuplicateLine(usize),
    Indent(usize, bool),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let chars: Vec<char> = YAML_BYTES.chars().collect();
    prop_oneof![
        (any::<usize>(), prop::sample::select(chars)).prop_map(|(i, c)| Mutation::Insert(i, c)),
        (any::<usize>(), 1..8usize).prop_map(|(i, n)| Mutation::Delete(i, n)),
        any::<usize>().prop_map(Mutation::DuplicateLine),
        (any::<usize>(), any::<bool>()).prop_map(|(i, more)| Mutation::Indent(i, more)),
    ]
}

fn mutate(text: &str, mutations: &[Mutation]) -> String {
    let mut text = text.to_string();
    for m in mutations {
        let boundaries: Vec<usize> = text
            .char_indices()
            .map(|(i, _)| i)
            .chain([text.len()])
            .collect();
        let at = |i: usize| boundaries[i % boundaries.len()];
        match m {
            Mutation::Insert(i, c) => text.insert(at(*i), *c),
            Mutation::Delete(i, n) => {
                let start = i % boundaries.len();
                let end = (start + n).min(boundaries.len() - 1);
                text.replace_range(boundaries[start]..boundaries[end], "");
            }
            Mutation::DuplicateLine(i) => {
                let lines: Vec<&str> = text.split_inclusive('\n').collect();
                if !lines.is_empty() {
                    let k = i % lines.len();
                    let mut out: Vec<&str> = lines[..=k].to_vec();
                    out.extend_from_slice(&lines[k..]);
                    text = out.concat();
                }
            }
            Mutation::Indent(i, more) => {
                let lines: Vec<&str> = text.split_inclusive('\n').collect();
                if !lines.is_empty() {
                    let k = i % lines.len();
                    let mut out: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
                    if *more {
                        out[k].insert(0, ' ');
                    } else if out[k].starts_with(' ') {
                        out[k].remove(0);
                    }
                    text = out.concat();
                }
            }
        }
    }
    text
}

proptest! {
    #![proptest_config(config())]

    /// Arbitrary text never makes the engine panic.
    #[test]
    fn arbitrary_text_never_panics(text in any::<String>()) {
        never_panics(&text)?;
    }

    /// Text built from YAML's special characters never makes the engine panic.
    #[test]
    fn yaml_soup_never_panics(text in proptest::string::string_regex("(services:\n|  [a-z]+:|[ :\\-{}\\[\\]#&*!|>'\"\n,~]|mem_limit|deploy|resources|limits|memory|<<|1g){0,40}").unwrap()) {
        never_panics(&text)?;
    }

    /// Generated documents broken in small ways (a character inserted or deleted, a line
    /// duplicated or re-indented) never make the engine panic, and whatever it accepts it
    /// handles idempotently.
    #[test]
    fn mutated_documents_never_panic(
        case in case(Allow { managed: true, null_deploy: true }),
        mutations in prop::collection::vec(mutation(), 1..4),
    ) {
        never_panics(&mutate(&case.text(), &mutations))?;
    }
}

/// The intended non-identities of strip after apply, pinned: a null `deploy` (`deploy:`,
/// `deploy: ~`, in block or flow style) becomes a mapping on apply, and strip removes it with
/// the line it was on (comment included), because it holds nothing but limits by then.
#[test]
fn null_deploy_becomes_a_mapping_and_strip_removes_it() {
    let cases = [
        (
            "services:\n  web:\n    image: x\n    deploy:\n    restart: always\n",
            "services:\n  web:\n    image: x\n    deploy:\n      resources:\n        limits:\n          memory: \"256m\"\n    restart: always\n    mem_limit: 256m\n",
            "services:\n  web:\n    image: x\n    restart: always\n",
        ),
        (
            "services:\n  web:\n    image: x\n    deploy: ~  # later\n    restart: always\n",
            "services:\n  web:\n    image: x\n    deploy:  # later\n      resources:\n        limits:\n          memory: \"256m\"\n    restart: always\n    mem_limit: 256m\n",
            "services:\n  web:\n    image: x\n    restart: always\n",
        ),
        (
            "services:\n  web: {image: x, deploy: ~}\n",
            "services:\n  web: {image: x, deploy: {resources: {limits: {memory: \"256m\"}}}, mem_limit: 256m}\n",
            "services:\n  web: {image: x}\n",
        ),
    ];
    let table = [common::limits("web", "256m", None)];
    for (original, applied, stripped) in cases {
        let a = edit_text(original, Operation::Apply(&table, WriteTargets::default())).unwrap();
        assert_eq!(a.text, applied);
        let s = edit_text(&a.text, Operation::Strip(&["web"])).unwrap();
        assert_eq!(s.text, stripped);
    }
}

/// The other intended non-identity: limits already in the file are replaced by apply, and
/// strip removes them rather than restoring the old values.
#[test]
fn existing_limits_are_replaced_and_strip_removes_them() {
    let original = "services:\n  web:\n    image: x\n    mem_limit: 1g  # old\n";
    let table = [common::limits("web", "256m", None)];
    let write = WriteTargets {
        service: true,
        deploy: false,
    };
    let applied = edit_text(original, Operation::Apply(&table, write)).unwrap();
    assert_eq!(
        applied.text,
        "services:\n  web:\n    image: x\n    mem_limit: 256m  # old\n"
    );
    let stripped = edit_text(&applied.text, Operation::Strip(&["web"])).unwrap();
    assert_eq!(stripped.text, "services:\n  web:\n    image: x\n");
}

/// What strip does with comments near the limits, pinned: a comment inside a block it removes
/// whole goes with the block; a comment after the block's last value stays where it was.
#[test]
fn strip_removes_comments_inside_removed_blocks_only() {
    let text = "services:\n  web:\n    image: x\n    deploy:\n      replicas: 2\n      resources:\n        limits:\n          memory: 1g\n          # inside\n        reservations:\n          memory: 64m\n          # after\n      restart_policy:\n        condition: on-failure\n";
    let stripped = edit_text(text, Operation::Strip(&["web"])).unwrap();
    assert_eq!(
        stripped.text,
        "services:\n  web:\n    image: x\n    deploy:\n      replicas: 2\n          # after\n      restart_policy:\n        condition: on-failure\n"
    );
}

/// The lint oracle of `check_after_apply` does see drift: a file without limits has every
/// field missing, and one with another value drifts.
#[test]
fn the_lint_oracle_reports_missing_and_drift() {
    let table = [common::limits("web", "256m", Some("64m"))];
    let both = WriteTargets {
        service: true,
        deploy: true,
    };
    let codes = |text: &str| -> Vec<String> {
        common::lint_text(text, &table, both)
            .into_iter()
            .map(|f| f.code)
            .collect()
    };
    assert_eq!(codes("services:\n  web:\n    image: x\n"), ["missing"; 4]);
    let drifted = codes(
        "services:\n  web:\n    image: x\n    mem_limit: 512m\n    mem_reservation: 64m\n    deploy:\n      resources:\n        limits:\n          memory: 256m\n        reservations:\n          memory: 64m\n",
    );
    assert!(
        drifted.contains(&"drift".to_string()) && drifted.contains(&"split".to_string()),
        "{drifted:?}"
    );
}
