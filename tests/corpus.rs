//! The real-world corpus: every compose file in the folder named by `LIMITCTL_CORPUS`
//! (`.ci/run` points it at the corpus beside the checkout) goes through apply, check and strip with
//! every service given a limit, and the invariants of DESIGN.md §3 must hold on each; or the
//! engine refuses with a located error, which must be one of [`EXPECTED_REFUSALS`].
//!
//! Unset, the test says it was skipped and passes (a clone without the corpus); set to a
//! folder that does not exist, it fails.

mod common;

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use limitctl::compose;
use limitctl::engine::{EngineError, Operation, edit_text};
use limitctl::limits::{ServiceLimits, WriteTargets};
use limitctl::yaml::Document;

/// Refusals a user would find correct: (file, write targets or `*` for all, what the message
/// says). Any other refusal fails the test, and so does a listed one that no longer happens
/// (update the list, and the note in the README).
const EXPECTED_REFUSALS: &[(&str, &str, &str)] = &[
    // `nil: #left intentionally empty`: a service with no definition has nowhere to hold a
    // limit (compose-go's own test fixture for an empty service).
    (
        "compose-spec__compose-go__loader__testdata__extends__base.yaml",
        "*",
        "25:3: service `nil` is not a mapping",
    ),
    // `memory: ${VARIABLE}`: no default to rewrite, and replacing the variable with a literal
    // would silently drop the operator's override.
    (
        "compose-spec__compose-go__schema__using-variables.yaml",
        "*",
        "21:19: `deploy.resources.limits.memory` of `foo` is `${VARIABLE}`, with no default",
    ),
    (
        "eea__eea.rancher.catalog__templates__www-plone__362__docker-compose.yml",
        "*",
        "5:16: `mem_limit` of `auth-instance` is `${AUTH_MEM_LIMIT}`, with no default",
    ),
    // `netbox: &netbox`, merged into netbox-worker and netbox-housekeeping: a limit written
    // into netbox would change them too.
    (
        "netbox-community__netbox-docker__docker-compose.yml",
        "*",
        "2:3: service `netbox` is the anchor `&netbox`, used elsewhere",
    ),
];

const TARGETS: [(&str, WriteTargets); 3] = [
    (
        "both",
        WriteTargets {
            service: true,
            deploy: true,
        },
    ),
    (
        "service",
        WriteTargets {
            service: true,
            deploy: false,
        },
    ),
    (
        "deploy",
        WriteTargets {
            service: false,
            deploy: true,
        },
    ),
];

fn corpus_files(folder: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(folder)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", folder.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "yml" || x == "yaml"))
        .collect();
    files.sort();
    files
}

/// Every property of one file under one set of write targets; `Err` is a broken invariant,
/// `Ok(Some(…))` a located refusal.
fn check_file(text: &str, write: WriteTargets) -> Result<Option<String>, String> {
    let doc = Document::parse(text).map_err(|e| {
        let (line, col) = common::line_col(text, e.range.start);
        format!(
            "the strict parser refuses it at {line}:{col}: {}",
            e.message
        )
    })?;
    let Some(mapping) = compose::services_mapping(&doc) else {
        return Err("not a compose file".into());
    };
    let names: Vec<String> = compose::services(&doc, mapping)
        .into_iter()
        .map(|s| s.name)
        .collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let table: Vec<ServiceLimits> = names
        .iter()
        .map(|n| common::limits(n, "256m", Some("64m")))
        .collect();

    // Rollback without a prior apply: a result or a located refusal, never a panic.
    match edit_text(text, Operation::Strip(&refs)) {
        Ok(stripped) => {
            common::same_outside_managed(text, &stripped.text, &refs)?;
            common::only_managed_lines_removed(text, &stripped.text)?;
        }
        Err(EngineError::Plan(errors)) => located(text, &errors)?,
        Err(e) => return Err(format!("strip failed: {e}")),
    }

    let applied = match edit_text(text, Operation::Apply(&table, write)) {
        Ok(edited) => edited.text,
        Err(EngineError::Plan(errors)) => {
            located(text, &errors)?;
            let mut message = String::new();
            for e in &errors {
                let (line, col) = common::line_col(text, e.range.start);
                let _ = write!(message, "{line}:{col}: {}; ", e.message);
            }
            return Ok(Some(message.trim_end_matches("; ").to_string()));
        }
        Err(e) => return Err(format!("apply failed without a located refusal: {e}")),
    };
    Document::parse(applied.as_str())
        .map_err(|e| format!("the output does not parse: {}", e.message))?;
    common::same_outside_managed(text, &applied, &refs)?;
    common::only_managed_lines_changed(text, &applied)?;
    if applied.ends_with('\n') != text.ends_with('\n') {
        return Err("the final newline changed".into());
    }
    common::check_applied(&applied, &table, write)?;
    let again = edit_text(&applied, Operation::Apply(&table, write))
        .map_err(|e| format!("the second apply failed: {e}"))?;
    if again.text != applied || !again.plan.edits.is_empty() {
        return Err(format!("apply is not idempotent: {:?}", again.plan.changes));
    }
    match edit_text(&applied, Operation::Strip(&refs)) {
        Ok(stripped) if !common::has_managed_fields(text) => {
            if stripped.text != text {
                return Err("strip after apply did not give the original bytes back".into());
            }
        }
        Ok(stripped) => {
            common::same_outside_managed(text, &stripped.text, &refs)?;
            common::only_managed_lines_removed(text, &stripped.text)?;
        }
        Err(EngineError::Plan(errors)) if common::has_managed_fields(text) => {
            located(&applied, &errors)?;
        }
        Err(e) => return Err(format!("strip after apply failed: {e}")),
    }
    Ok(None)
}

fn located(text: &str, errors: &[limitctl::plan::PlanError]) -> Result<(), String> {
    for e in errors {
        if !common::located(text, &e.range) || e.message.is_empty() {
            return Err(format!("a refusal without a location: {e:?}"));
        }
    }
    Ok(())
}

#[test]
fn every_corpus_file_keeps_the_invariants() {
    let Some(folder) = std::env::var_os("LIMITCTL_CORPUS") else {
        // Written to the stream itself, not through `println!`, which the test harness
        // captures: the skip must show in a normal `cargo test` run.
        let _ = writeln!(
            std::io::stderr(),
            "corpus test skipped: set LIMITCTL_CORPUS to a folder of compose files to run it"
        );
        return;
    };
    let folder = PathBuf::from(folder);
    assert!(
        folder.is_dir(),
        "LIMITCTL_CORPUS names {}, which is not a folder",
        folder.display()
    );
    let files = corpus_files(&folder);
    assert!(
        !files.is_empty(),
        "no .yml/.yaml files in {}",
        folder.display()
    );
    let mut failures = Vec::new();
    let mut refusals = Vec::new();
    let mut passed = 0;
    for path in &files {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let text = match std::fs::read(path).map(String::from_utf8) {
            Ok(Ok(text)) => text,
            _ => {
                failures.push(format!("{name}: not readable as UTF-8"));
                continue;
            }
        };
        for (target, write) in TARGETS {
            // A panic is a failure of this file, reported with the others.
            let outcome = std::panic::catch_unwind(|| check_file(&text, write))
                .unwrap_or_else(|_| Err("panicked".into()));
            match outcome {
                Ok(None) => passed += 1,
                Ok(Some(message)) => {
                    let expected = EXPECTED_REFUSALS.iter().any(|(f, t, m)| {
                        *f == name && (*t == "*" || *t == target) && message.contains(m)
                    });
                    println!("refused  {name} [{target}]: {message}");
                    if expected {
                        refusals.push((name.clone(), target));
                    } else {
                        failures.push(format!("{name} [{target}]: unexpected refusal: {message}"));
                    }
                }
                Err(e) => failures.push(format!("{name} [{target}]: {e}")),
            }
        }
    }
    for (file, target, _) in EXPECTED_REFUSALS {
        if !refusals
            .iter()
            .any(|(f, t)| f == file && (*target == "*" || t == target))
        {
            failures.push(format!(
                "{file} [{target}]: listed as a refusal but was not refused"
            ));
        }
    }
    println!(
        "corpus: {} files, {passed} file×target runs passed, {} expected refusals",
        files.len(),
        refusals.len()
    );
    assert!(
        failures.is_empty(),
        "{} corpus failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
