//! `check`: lint rules, one per file under [`rules`], each returning findings as data.
//!
//! [`check`] reads a loaded [`Workspace`] and returns every [`Finding`]; it never prints and
//! never touches the file system (the environment used to resolve `${…}` is handed in as
//! data). Positions are byte ranges; renderers in [`crate::render`] turn them into lines and
//! columns.

pub mod model;
pub mod rules;

use std::collections::HashMap;
use std::ops::Range;

use crate::compose::{self, Field, Service};
use crate::discover::Placement;
use crate::limits::ServiceLimits;
use crate::workspace::Workspace;

pub use model::ServiceView;

/// A stable finding code (DESIGN.md §6). The spelling returned by [`Code::as_str`] never changes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Code {
    /// A managed service lacks a field the table sets.
    Missing,
    /// A field's value differs from the table.
    Drift,
    /// The service-level key and the deploy key disagree (or the deploy block lacks memory).
    Split,
    /// A reservation above the limit in a compose file.
    Inverted,
    /// A value Compose rejects or silently ignores.
    InvalidSize,
    /// The table names a service no compose file defines.
    UnknownService,
    /// A compose service the table does not mention.
    Unmanaged,
    /// A value that comes from `${…}`.
    Interpolated,
    /// A service on hold.
    Held,
}

impl Code {
    /// Every code, in the order they are documented.
    pub const ALL: [Code; 9] = [
        Code::Missing,
        Code::Drift,
        Code::Split,
        Code::Inverted,
        Code::InvalidSize,
        Code::UnknownService,
        Code::Unmanaged,
        Code::Interpolated,
        Code::Held,
    ];

    /// The code as users type and read it.
    pub fn as_str(self) -> &'static str {
        self.rule().code
    }

    /// The code spelled `s`, if any.
    pub fn parse(s: &str) -> Option<Code> {
        Code::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// The documentation of the code's rule.
    pub fn rule(self) -> &'static rules::Rule {
        match self {
            Code::Missing => &rules::missing::RULE,
            Code::Drift => &rules::drift::RULE,
            Code::Split => &rules::split::RULE,
            Code::Inverted => &rules::inverted::RULE,
            Code::InvalidSize => &rules::invalid_size::RULE,
            Code::UnknownService => &rules::unknown_service::RULE,
            Code::Unmanaged => &rules::unmanaged::RULE,
            Code::Interpolated => &rules::interpolated::RULE,
            Code::Held => &rules::held::RULE,
        }
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How much a finding matters. Only [`Severity::Error`] makes `check` exit 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// The files are wrong: exit 1.
    Error,
    /// Worth a look; does not fail the check.
    Warning,
    /// For the record.
    Info,
}

impl Severity {
    /// `error`, `warning` or `info`, as in the JSON output.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

/// Which text a finding points into.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Source {
    /// A compose file: index into [`Workspace::files`].
    Compose(usize),
    /// limits.toml.
    Config,
}

/// One problem (or remark) about one place, as data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// The stable code.
    pub code: Code,
    /// How much it matters.
    pub severity: Severity,
    /// The file it points into.
    pub source: Source,
    /// The bytes it points at: the value, or the service key when the value is missing.
    pub range: Range<usize>,
    /// The service concerned.
    pub service: Option<String>,
    /// The field concerned.
    pub field: Option<Field>,
    /// The value the table asks for, in the table's spelling.
    pub expected: Option<String>,
    /// Where limits.toml sets the expected value (a byte range of limits.toml).
    pub expected_at: Option<Range<usize>>,
    /// The value Compose sees (after interpolation), as written.
    pub actual: Option<String>,
    /// One self-contained sentence: what is wrong, for whom, and what Compose does with it.
    pub message: String,
    /// A short text under the snippet, used when there is no expected value to show.
    pub label: Option<String>,
    /// How to fix it.
    pub help: Option<String>,
}

/// What `check` was asked to look at.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Services named on the command line (empty: the whole table).
    pub services: Vec<String>,
    /// `--stage`.
    pub stage: Option<String>,
    /// `--deny unmanaged`: unmanaged services are errors.
    pub deny_unmanaged: bool,
}

impl Options {
    /// Whether the whole table is checked (only then are unmanaged services reported).
    pub fn whole_table(&self) -> bool {
        self.services.is_empty() && self.stage.is_none()
    }
}

/// The variables Compose would see: `lookup(file, name)` answers for compose file `file`
/// (shell environment first, then that file's `.env` or `--env-file`).
pub type Lookup<'a> = dyn Fn(usize, &str) -> Option<String> + 'a;

/// What `check` found, and how the services fared.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CheckReport {
    /// Every finding, in file order (compose files first, then limits.toml).
    pub findings: Vec<Finding>,
    /// Per-service counts.
    pub summary: Summary,
}

/// Counts for the summary line and the JSON `summary` object.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Summary {
    /// Table services checked (selected, not held, defined in a file).
    pub checked: usize,
    /// Of those, services with at least one error-level finding.
    pub drift: usize,
    /// Of those, services with none.
    #[serde(rename = "match")]
    pub matching: usize,
    /// Selected services on hold.
    pub held: usize,
    /// Selected services no compose file defines.
    pub unknown: usize,
    /// Compose services the table does not mention (only counted for the whole table).
    pub unmanaged: usize,
    /// Findings of level error.
    pub errors: usize,
    /// Findings of level warning.
    pub warnings: usize,
    /// Findings of level info.
    pub infos: usize,
}

impl CheckReport {
    /// Whether `check` fails: any error-level finding.
    pub fn failed(&self) -> bool {
        self.summary.errors > 0
    }
}

/// Every finding code, in documentation order.
pub const CODES: &[&str] = &[
    "missing",
    "drift",
    "split",
    "inverted",
    "invalid-size",
    "unknown-service",
    "unmanaged",
    "interpolated",
    "held",
];

/// The long explanation of a finding code (`limitctl explain CODE`): what it means, why it
/// matters, how to fix it, and an example.
pub fn explain(code: &str) -> Option<String> {
    let rule = Code::parse(code)?.rule();
    let mut out = format!("{} ({} by default)\n\n", rule.code, rule.severity.as_str());
    out.push_str(&wrap(rule.summary));
    for (title, text) in [
        ("What it means", rule.what),
        ("Why it matters", rule.why),
        ("How to fix it", rule.fix),
    ] {
        out.push_str(&format!("\n## {title}\n\n{}", wrap(text)));
    }
    out.push_str("\n## Example\n\n```yaml\n");
    out.push_str(rule.example);
    out.push_str("\n```\n");
    Some(out)
}

/// Fill `text` into lines of at most 88 characters (longer words stay whole), as terminals
/// and `less` do not wrap prose nicely.
fn wrap(text: &str) -> String {
    const WIDTH: usize = 88;
    let mut out = String::new();
    let mut line_len = 0;
    for word in text.split_whitespace() {
        let len = word.chars().count();
        if line_len > 0 && line_len + 1 + len > WIDTH {
            out.push('\n');
            line_len = 0;
        } else if line_len > 0 {
            out.push(' ');
            line_len += 1;
        }
        out.push_str(word);
        line_len += len;
    }
    out.push('\n');
    out
}

/// Check the selected table services against the compose files.
///
/// `selected` are the table entries to check (see [`Workspace::select`]); entries that are
/// ambiguous or not in their named file must have been refused by the caller (they are input
/// errors, not findings) and are skipped here.
pub fn check(
    ws: &Workspace,
    selected: &[&ServiceLimits],
    options: &Options,
    lookup: &Lookup<'_>,
) -> CheckReport {
    let mut findings = Vec::new();
    let mut summary = Summary::default();
    // Each file's services by name, built once: a table of n services over a file of n
    // services must not cost n² lookups.
    let services: Vec<HashMap<String, Service>> = ws
        .files
        .iter()
        .map(|f| {
            compose::services(&f.doc, f.services)
                .into_iter()
                .map(|s| (s.name.clone(), s))
                .collect()
        })
        .collect();
    for &entry in selected {
        if entry.hold.is_some() {
            summary.held += 1;
            rules::held::check(ws, entry, &mut findings);
            continue;
        }
        match ws.placements.get(&entry.name) {
            Some(Placement::File(file)) => {
                let before = findings.len();
                let env = |name: &str| lookup(*file, name);
                let service = services.get(*file).and_then(|m| m.get(&entry.name));
                let view = ServiceView::new(ws, entry, *file, service, &env);
                rules::invalid_size::check(&view, &mut findings);
                rules::interpolated::check(&view, &mut findings);
                rules::missing::check(&view, &mut findings);
                rules::drift::check(&view, &mut findings);
                rules::split::check(&view, &mut findings);
                rules::inverted::check(&view, &mut findings);
                summary.checked += 1;
                if findings[before..]
                    .iter()
                    .any(|f| f.severity == Severity::Error)
                {
                    summary.drift += 1;
                } else {
                    summary.matching += 1;
                }
            }
            Some(Placement::Unknown { suggestion }) => {
                summary.unknown += 1;
                rules::unknown_service::check(ws, entry, suggestion.as_deref(), &mut findings);
            }
            // Input errors, refused before linting.
            Some(Placement::Ambiguous(_) | Placement::NotInNamedFile { .. }) | None => {}
        }
    }
    if options.whole_table() {
        let before = findings.len();
        rules::unmanaged::check(ws, options.deny_unmanaged, &mut findings);
        summary.unmanaged = findings.len() - before;
    }
    findings.sort_by(|a, b| {
        (a.source, a.range.start, &a.service, a.field, a.code).cmp(&(
            b.source,
            b.range.start,
            &b.service,
            b.field,
            b.code,
        ))
    });
    for f in &findings {
        match f.severity {
            Severity::Error => summary.errors += 1,
            Severity::Warning => summary.warnings += 1,
            Severity::Info => summary.infos += 1,
        }
    }
    CheckReport { findings, summary }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::path::PathBuf;

    use proptest::prelude::*;

    use super::*;
    use crate::compose;
    use crate::discover::{self, ServiceIndex};
    use crate::workspace::ComposeFile;
    use crate::yaml::Document;

    const TABLE: &str = "[services]\napp = { mem_limit = \"512m\", mem_reservation = \"128m\" }\nother = { mem_limit = \"256m\" }\n";

    /// A workspace over one compose text, built in memory.
    fn workspace(text: &str) -> Option<Workspace> {
        let doc = Document::parse(text).ok()?;
        let services = compose::services_mapping(&doc)?;
        let limits = crate::limits::parse(TABLE, std::path::Path::new("limits.toml")).ok()?;
        let mut index = ServiceIndex::default();
        for s in compose::services(&doc, services) {
            index.add(&s.name, 0);
        }
        let placements: BTreeMap<String, Placement> =
            discover::place(&limits, &index, &|_, _| false);
        Some(Workspace {
            config_path: PathBuf::from("limits.toml"),
            config_display: "limits.toml".into(),
            config_text: TABLE.into(),
            limits,
            files: vec![ComposeFile {
                path: PathBuf::from("a.yml"),
                display: "a.yml".into(),
                doc,
                services,
            }],
            index,
            placements,
        })
    }

    fn value() -> impl Strategy<Value = &'static str> {
        prop::sample::select(vec![
            "512m",
            "\"512m\"",
            "536870912",
            "1g",
            "128m",
            "'0.125g'",
            "1.5",
            "1Gi",
            "4m",
            "0",
            "\"\"",
            "~",
            "",
            "{a: 1}",
            "[1]",
            "true",
            "${MEM:-512m}",
            "\"${MEM:?no}\"",
            "${",
            "\"${UNSET}\"",
            "*v",
            "!!str 5",
            "\"1g \"",
        ])
    }

    fn compose_text() -> impl Strategy<Value = String> {
        (
            prop::collection::vec((0usize..4, value()), 0..6),
            prop::sample::select(vec![
                "",
                "deploy: ~",
                "deploy: {resources: {limits: {cpus: 1}}}",
            ]),
            any::<bool>(),
            any::<bool>(),
        )
            .prop_map(|(fields, extra, merge, alias_service)| {
                let mut s = String::from(
                    "x-v: &v 512m\nx-m: &m\n  mem_limit: 1g\nservices:\n  app:\n    image: x\n",
                );
                if merge {
                    s.push_str("    <<: *m\n");
                }
                let mut values: [Option<&str>; 4] = [None; 4];
                for (i, v) in fields {
                    values[i] = Some(v);
                }
                for (field, v) in compose::Field::ALL.iter().zip(values) {
                    if let (Some(v), [key]) = (v, field.path()) {
                        s.push_str(&format!("    {key}: {v}\n"));
                    }
                }
                if values[2].is_some() || values[3].is_some() {
                    s.push_str("    deploy:\n      resources:\n");
                    for (block, v) in [("limits", values[2]), ("reservations", values[3])] {
                        if let Some(v) = v {
                            s.push_str(&format!("        {block}:\n          memory: {v}\n"));
                        }
                    }
                } else if !extra.is_empty() {
                    s.push_str(&format!("    {extra}\n"));
                }
                s.push_str(if alias_service {
                    "  other: *m\n"
                } else {
                    "  other: {image: y}\n"
                });
                s
            })
    }

    proptest! {
        #[test]
        fn never_panics_and_points_inside_the_text(text in compose_text()) {
            // Every generated text is valid YAML; the guard keeps the property total.
            let Some(ws) = workspace(&text) else {
                return Ok(());
            };
            let selected: Vec<&ServiceLimits> = ws.limits.services.iter().collect();
            let lookup = |_: usize, name: &str| (name == "MEM").then(|| "1g".to_string());
            let report = check(&ws, &selected, &Options::default(), &lookup);
            for f in &report.findings {
                let text = match f.source {
                    Source::Compose(i) => ws.files[i].doc.text(),
                    Source::Config => ws.config_text.as_str(),
                };
                prop_assert!(text.get(f.range.clone()).is_some(), "{f:?} in {text:?}");
                prop_assert!(!f.message.is_empty());
            }
            let counted = report.summary.errors + report.summary.warnings + report.summary.infos;
            prop_assert_eq!(counted, report.findings.len());
            prop_assert_eq!(report.summary.checked, report.summary.drift + report.summary.matching);
        }
    }

    #[test]
    fn equal_sizes_in_any_spelling_match() {
        let text = "services:\n  app:\n    mem_limit: 536870912\n    mem_reservation: '0.125g'\n    deploy: {resources: {limits: {memory: \"524288k\"}, reservations: {memory: 128MiB}}}\n  other: {mem_limit: 256m, deploy: {resources: {limits: {memory: \"0.25g\"}}}}\n";
        let ws = workspace(text).expect("a compose text");
        let selected: Vec<&ServiceLimits> = ws.limits.services.iter().collect();
        let report = check(&ws, &selected, &Options::default(), &|_, _| None);
        assert_eq!(report.findings, Vec::new());
        assert_eq!(report.summary.matching, 2);
    }

    #[test]
    fn every_code_has_documentation() {
        assert_eq!(CODES.len(), Code::ALL.len());
        for (code, name) in Code::ALL.iter().zip(CODES) {
            assert_eq!(code.as_str(), *name);
            assert_eq!(Code::parse(name), Some(*code));
            let text = explain(name).expect("documented");
            assert!(text.starts_with(name));
            let prose = text.split("## Example").next().unwrap_or_default();
            assert!(prose.lines().all(|l| l.chars().count() <= 88), "{text}");
            assert!(text.contains("## How to fix it") && text.contains("```yaml"));
        }
        assert_eq!(explain("nope"), None);
    }
}
