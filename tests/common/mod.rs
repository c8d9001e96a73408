//! Oracles shared by the property, corpus and regression tests.
//!
//! They judge the engine's output without using the engine's planner or verifier: the
//! semantic checks read the text with `yaml_serde` (the YAML organisation's parser, not the
//! saphyr span tree the engine edits), and the textual checks look at a line diff.

// Each test crate uses a different subset of these helpers.
#![allow(dead_code)]

pub mod docgen;

use std::ops::Range;

use limitctl::engine::{self, Edited, EngineError, Operation};
use limitctl::limits::{ServiceLimits, SizeSpec, WriteTargets};
use limitctl::render::{self, Paint};
use limitctl::size::MemSize;
use yaml_serde::{Mapping, Value};

/// The keys that lead to or are managed fields: a changed line must hold one of them.
pub const MANAGED_KEYS: [&str; 7] = [
    "mem_limit",
    "mem_reservation",
    "memory",
    "deploy",
    "resources",
    "limits",
    "reservations",
];

/// The paths of the four managed fields inside a service.
pub const MANAGED_PATHS: [&[&str]; 4] = [
    &["mem_limit"],
    &["mem_reservation"],
    &["deploy", "resources", "limits", "memory"],
    &["deploy", "resources", "reservations", "memory"],
];

/// A table entry as limits.toml would give it (spans are irrelevant to the engine).
pub fn limits(name: &str, limit: &str, reservation: Option<&str>) -> ServiceLimits {
    ServiceLimits {
        name: name.to_string(),
        mem_limit: size(limit),
        mem_reservation: reservation.map(size),
        file: None,
        hold: None,
        span: 0..0,
        line_span: 0..0,
        file_span: None,
    }
}

/// A size as the table would hold it.
pub fn size(text: &str) -> SizeSpec {
    SizeSpec {
        size: MemSize::parse(text).unwrap_or_else(|e| panic!("bad size {text:?} in a test: {e}")),
        text: text.to_string(),
        span: 0..0,
    }
}

/// Both forms, as the default `write` has it.
pub const BOTH: WriteTargets = WriteTargets {
    service: true,
    deploy: true,
};

/// Apply a table to a text.
pub fn apply(
    text: &str,
    table: &[ServiceLimits],
    write: WriteTargets,
) -> Result<Edited, EngineError> {
    engine::edit_text(text, Operation::Apply(table, write))
}

/// Strip services from a text.
pub fn strip(text: &str, services: &[&str]) -> Result<Edited, EngineError> {
    engine::edit_text(text, Operation::Strip(services))
}

/// A plain unified diff, for snapshots that show exactly which lines changed.
pub fn diff(old: &str, new: &str) -> String {
    let shown = |s: &str| s.replace('\r', "␍").replace('\u{feff}', "<BOM>");
    render::diff::unified(
        "compose.yml",
        &shown(old),
        &shown(new),
        Paint { color: false },
    )
}

/// The message of every planning error, or of the error itself.
pub fn error_text(e: &EngineError) -> String {
    match e {
        EngineError::Plan(errors) => errors
            .iter()
            .map(|e| {
                format!(
                    "{} [bytes {:?}]{}",
                    e.message,
                    e.range,
                    e.help
                        .as_ref()
                        .map(|h| format!("\nhelp: {h}"))
                        .unwrap_or_default()
                )
            })
            .collect::<Vec<_>>()
            .join("\n"),
        EngineError::Parse(p) => format!("{} [bytes {:?}]", p.message, p.range),
        other => other.to_string(),
    }
}

/// Read a compose text the way Compose would: without a BOM, merge keys resolved.
pub fn semantic(text: &str) -> Result<Value, String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut value: Value = yaml_serde::from_str(text).map_err(|e| e.to_string())?;
    value.apply_merge().map_err(|e| e.to_string())?;
    Ok(value)
}

/// Read a compose text without resolving merge keys (the shape as written).
pub fn literal(text: &str) -> Result<Value, String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    yaml_serde::from_str(text).map_err(|e| e.to_string())
}

fn get<'v>(value: &'v Value, path: &[&str]) -> Option<&'v Value> {
    path.iter().try_fold(value, |v, k| v.get(*k))
}

/// The size a managed value stands for, the way Compose resolves it with no variable set.
pub fn size_of(value: &Value) -> Result<MemSize, String> {
    match value {
        Value::Number(n) => n
            .as_u64()
            .map(MemSize::from_bytes)
            .ok_or_else(|| format!("{n} is not a byte count")),
        Value::String(s) => {
            let resolved = limitctl::interp::resolve(s, &|_| None).map_err(|e| e.to_string())?;
            MemSize::parse(&resolved).map_err(|e| e.to_string())
        }
        other => Err(format!("{other:?} is not a size")),
    }
}

/// What `check` must find after `apply`: for every selected service, each managed field the
/// write targets ask for is present, every managed field present holds the table's size
/// (deploy memory as a string, as the Compose schema demands), and the two forms agree
/// (a `limits`/`reservations` block next to a service-level key carries `memory`).
/// Reservations are judged only when the table sets one: otherwise the file's own stay.
pub fn check_applied(
    text: &str,
    table: &[ServiceLimits],
    write: WriteTargets,
) -> Result<(), String> {
    let doc = semantic(text)?;
    let services = doc
        .get("services")
        .ok_or("no services after apply")?
        .as_mapping()
        .ok_or("services is not a mapping after apply")?;
    for entry in table {
        let Some(service) = services.get(entry.name.as_str()) else {
            continue;
        };
        let pairs = [
            (Some(&entry.mem_limit), 0, 2, "limits"),
            (entry.mem_reservation.as_ref(), 1, 3, "reservations"),
        ];
        for (want, service_path, deploy_path, block) in pairs {
            let Some(want) = want else { continue };
            let service_field = get(service, MANAGED_PATHS[service_path]);
            let deploy_field = get(service, MANAGED_PATHS[deploy_path]);
            let name = &entry.name;
            if write.service && service_field.is_none() {
                return Err(format!(
                    "missing: {name} has no {}",
                    MANAGED_PATHS[service_path][0]
                ));
            }
            if write.deploy && deploy_field.is_none() {
                return Err(format!(
                    "missing: {name} has no deploy.resources.{block}.memory"
                ));
            }
            for (field, path) in [
                (service_field, MANAGED_PATHS[service_path]),
                (deploy_field, MANAGED_PATHS[deploy_path]),
            ] {
                let Some(field) = field else { continue };
                let size = size_of(field)
                    .map_err(|e| format!("drift: {name}.{} = {field:?}: {e}", path.join(".")))?;
                if size != want.size {
                    return Err(format!(
                        "drift: {name}.{} is {size}, the table says {}",
                        path.join("."),
                        want.size
                    ));
                }
                if path.len() > 1 && !field.is_string() {
                    return Err(format!(
                        "invalid: {name}.{} must be a string",
                        path.join(".")
                    ));
                }
            }
            let block_is_mapping =
                get(service, &["deploy", "resources", block]).is_some_and(Value::is_mapping);
            if service_field.is_some() && block_is_mapping && deploy_field.is_none() {
                return Err(format!(
                    "split: {name} sets {} but deploy.resources.{block} has no memory",
                    MANAGED_PATHS[service_path][0]
                ));
            }
        }
    }
    Ok(())
}

/// Remove the managed fields of `names` from a document (as written, merges unresolved), and
/// the `deploy`/`resources`/`limits`/`reservations` mappings that are left empty or null.
/// Two texts that differ only in the managed fields of those services normalise equal.
pub fn without_managed(mut doc: Value, names: &[&str]) -> Value {
    if let Some(Value::Mapping(services)) = doc.get_mut("services") {
        for name in names {
            if let Some(Value::Mapping(service)) = services.get_mut(*name) {
                for path in MANAGED_PATHS {
                    remove(service, path);
                }
            }
        }
    }
    doc
}

fn remove(map: &mut Mapping, path: &[&str]) {
    let Some((first, rest)) = path.split_first() else {
        return;
    };
    if rest.is_empty() {
        map.remove(*first);
        return;
    }
    if let Some(child) = map.get_mut(*first) {
        if let Value::Mapping(inner) = child {
            remove(inner, rest);
        }
        let prune = match child {
            Value::Null => true,
            Value::Mapping(m) => m.is_empty(),
            _ => false,
        };
        if prune {
            map.remove(*first);
        }
    }
}

/// Check that `after` means `before` except for the managed fields of `names`.
pub fn same_outside_managed(before: &str, after: &str, names: &[&str]) -> Result<(), String> {
    let old = without_managed(literal(before)?, names);
    let new = without_managed(literal(after)?, names);
    if old == new {
        Ok(())
    } else {
        Err(format!(
            "meaning changed outside the managed fields:\n before: {old:?}\n after:  {new:?}"
        ))
    }
}

/// Check the bytes: every line removed or added by the edit (a line diff) names a managed key,
/// or is a line of the other side with only such text cut out of it (a flow mapping that
/// gained or lost `mem_limit: 256m`); so comments, blank lines, quoting and indentation
/// elsewhere are untouched. The newline style and the BOM of the file are kept.
pub fn only_managed_lines_changed(before: &str, after: &str) -> Result<(), String> {
    lines_changed(before, after, false)
}

/// [`only_managed_lines_changed`] for strip, which removes a `limits:`/`resources:` block
/// whole when it empties it: a comment line inside such a block (removed lines naming managed
/// keys on both sides of it) goes with it. A comment anywhere else must stay.
pub fn only_managed_lines_removed(before: &str, after: &str) -> Result<(), String> {
    lines_changed(before, after, true)
}

fn lines_changed(before: &str, after: &str, interior_comments: bool) -> Result<(), String> {
    use similar::{ChangeTag, TextDiff};
    if before.starts_with('\u{feff}') != after.starts_with('\u{feff}') {
        return Err("the BOM changed".into());
    }
    let lf_only = |t: &str| t.replace("\r\n", "").contains('\n');
    if before.contains("\r\n") && !lf_only(before) && lf_only(after) {
        return Err("a CRLF file gained an LF-only line".into());
    }
    if !before.contains('\r') && after.contains('\r') {
        return Err("an LF file gained a CR".into());
    }
    let names_managed = |line: &str| MANAGED_KEYS.iter().any(|k| line.contains(k));
    // A missing final newline would make the last line differ from itself with one.
    let terminated = |t: &str| {
        let nl = if t.contains("\r\n") { "\r\n" } else { "\n" };
        if t.ends_with('\n') {
            t.to_string()
        } else {
            format!("{t}{nl}")
        }
    };
    let (before_lines, after_lines) = (terminated(before), terminated(after));
    // Patience anchors on lines that occur once (a service's key), so the diff does not
    // match an inserted `mem_reservation: 64m` with the same line of the next service.
    let diff = TextDiff::configure()
        .algorithm(similar::Algorithm::Patience)
        .diff_lines(&before_lines, &after_lines);
    let mut deleted = Vec::new();
    let mut added = Vec::new();
    // Runs of consecutive deleted lines, for comments inside a removed block.
    let mut runs: Vec<Vec<&str>> = vec![Vec::new()];
    for change in diff.iter_all_changes() {
        let line = change.value().trim_end_matches(['\r', '\n']);
        match change.tag() {
            ChangeTag::Equal | ChangeTag::Insert => {
                if !runs.last().is_some_and(Vec::is_empty) {
                    runs.push(Vec::new());
                }
                if change.tag() == ChangeTag::Insert {
                    added.push(line);
                }
            }
            ChangeTag::Delete => {
                if let Some(run) = runs.last_mut() {
                    run.push(line);
                }
            }
        }
    }
    // The diff ends in a deletion: the last run of deleted lines reaches the end of the file.
    let at_end = diff
        .iter_all_changes()
        .last()
        .is_some_and(|c| c.tag() == ChangeTag::Delete);
    let last_run = runs.iter().rposition(|r| !r.is_empty());
    for (r, run) in runs.iter().enumerate() {
        for (i, line) in run.iter().enumerate() {
            // Removing the last lines of a file without a final newline takes the newline
            // before them; when that line is blank, the blank line goes (no other choice
            // keeps the file unterminated).
            let trailing_blank = interior_comments
                && at_end
                && !before.ends_with('\n')
                && Some(r) == last_run
                && line.trim().is_empty();
            let inside = trailing_blank
                || interior_comments
                    && line.trim_start().starts_with('#')
                    && run[..i].iter().any(|l| names_managed(l))
                    && run[i + 1..].iter().any(|l| names_managed(l));
            if !inside {
                deleted.push(*line);
            }
        }
    }
    // A line removed in one place and added verbatim in another is the diff pairing twins
    // differently, not a change: cancel such pairs.
    let mut pool = added.clone();
    deleted.retain(|line| match pool.iter().position(|a| a == line) {
        Some(i) => {
            pool.remove(i);
            false
        }
        None => true,
    });
    let added = pool;
    for (lines, others, what) in [
        (&deleted, &added, "changed or removed"),
        (&added, &deleted, "added"),
    ] {
        for line in lines.iter().filter(|l| !names_managed(l)) {
            let widened = others
                .iter()
                .any(|o| names_managed(o) && is_subsequence(line, o));
            if !widened {
                return Err(format!(
                    "{what} a line that names no managed key: {line:?}\n--- before\n{before}\n--- after\n{after}"
                ));
            }
        }
    }
    Ok(())
}

fn is_subsequence(short: &str, long: &str) -> bool {
    let mut rest = long.chars();
    short.chars().all(|c| rest.any(|d| d == c))
}

/// Whether any service of the document has a managed field, written or merged, or a null
/// `deploy` (which `apply` turns into a mapping and `strip` then removes).
pub fn has_managed_fields(text: &str) -> bool {
    let Ok(doc) = semantic(text) else {
        return false;
    };
    let Some(services) = doc.get("services").and_then(Value::as_mapping) else {
        return false;
    };
    services.values().any(|service| {
        MANAGED_PATHS.iter().any(|p| get(service, p).is_some())
            || service.get("deploy").is_some_and(Value::is_null)
    })
}

/// The 1-based line and column of a byte offset, for located refusals.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

/// A range lies inside the text on character boundaries (a refusal points somewhere real).
pub fn located(text: &str, range: &Range<usize>) -> bool {
    range.start <= range.end
        && range.end <= text.len()
        && text.is_char_boundary(range.start)
        && text.is_char_boundary(range.end)
}

/// In a file indented by `step` throughout, every line an edit adds is indented by a multiple
/// of `step`: new keys take the indentation of their siblings and the file's step for new
/// levels.
pub fn added_lines_on_grid(before: &str, after: &str, step: usize) -> Result<(), String> {
    use similar::{ChangeTag, TextDiff};
    let diff = TextDiff::from_lines(before, after);
    for change in diff.iter_all_changes() {
        if change.tag() != ChangeTag::Insert {
            continue;
        }
        let line = change.value();
        let indent = line.len() - line.trim_start_matches(' ').len();
        if indent % step != 0 {
            return Err(format!(
                "added line {line:?} is indented by {indent}, not a multiple of the file's {step}\n--- after\n{after}"
            ));
        }
    }
    Ok(())
}

/// A finding of `check`, reduced to what the tests compare.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LintFinding {
    /// The code (`missing`, `drift`…).
    pub code: String,
    /// The service, if any.
    pub service: Option<String>,
    /// The field, if any.
    pub field: Option<limitctl::compose::Field>,
    /// The message.
    pub message: String,
}

/// `check` on one compose text, as the command runs it on a workspace holding that file
/// alone.
pub fn lint_text(text: &str, table: &[ServiceLimits], write: WriteTargets) -> Vec<LintFinding> {
    let failure = |code: &str, message: &str| LintFinding {
        code: code.into(),
        service: None,
        field: None,
        message: message.into(),
    };
    use limitctl::app::workspace::{ComposeFile, Workspace};
    use limitctl::discover::{self, ServiceIndex};
    use limitctl::limits::{ComposeConfig, Limits};

    let Ok(doc) = limitctl::yaml::Document::parse(text) else {
        return vec![failure("unparsable", "the text does not parse")];
    };
    let Some(services) = limitctl::compose::services_mapping(&doc) else {
        return vec![failure("not-compose", "no services mapping")];
    };
    let mut index = ServiceIndex::default();
    for service in limitctl::compose::services(&doc, services) {
        index.add(&service.name, 0);
    }
    let limits = Limits {
        compose: ComposeConfig {
            write,
            ..ComposeConfig::default()
        },
        services: table.to_vec(),
        stages: Vec::new(),
    };
    let placements = discover::place(&limits, &index, &|_, _| false);
    let ws = Workspace {
        config_path: "limits.toml".into(),
        config_display: "limits.toml".into(),
        config_text: String::new(),
        limits,
        files: vec![ComposeFile {
            path: "compose.yml".into(),
            display: "compose.yml".into(),
            doc,
            services,
        }],
        index,
        placements,
    };
    let selected: Vec<&ServiceLimits> = ws.limits.services.iter().collect();
    let options = limitctl::lint::Options {
        services: Vec::new(),
        stage: None,
        deny_unmanaged: false,
    };
    limitctl::lint::check(&ws, &selected, &options, &|_, _| None)
        .findings
        .into_iter()
        .map(|f| LintFinding {
            code: f.code.as_str().to_string(),
            service: f.service,
            field: f.field,
            message: f.message,
        })
        .collect()
}
