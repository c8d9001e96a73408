//! `limits.toml` → typed, validated [`Limits`], and the one edit limitctl makes to it
//! ([`set_hold`]).
//!
//! Everything here is pure: text in, data or errors out. Reading the file, resolving paths and
//! checking that a `file` exists belong to the I/O edge. Every error carries a byte range into
//! `limits.toml`, and parsing reports all of them at once, so a broken table is fixed in one
//! round instead of one error per run.

use std::collections::{HashMap, HashSet};
use std::ops::Range;
use std::path::Path;
use std::time::Duration;

use miette::{LabeledSpan, NamedSource, SourceSpan};
use toml_edit::{Document, InlineTable, Item, Key, TableLike};

use crate::size::{MemSize, SizeError};

/// The validated contents of `limits.toml`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    /// The `[compose]` table: where the compose files are and what to write.
    pub compose: ComposeConfig,
    /// One entry per service of `[services]`, in file order.
    pub services: Vec<ServiceLimits>,
    /// The `[[stages]]`, in file order.
    pub stages: Vec<Stage>,
}

impl Limits {
    /// The entry of the service called `name`.
    pub fn service(&self, name: &str) -> Option<&ServiceLimits> {
        self.services.iter().find(|service| service.name == name)
    }

    /// The stage selected by `selector`: its name, or its 1-based position (`"1"` is the first).
    ///
    /// Stage names that are numbers are rejected when parsing, so the two never collide.
    pub fn find_stage(&self, selector: &str) -> Option<&Stage> {
        self.stages
            .iter()
            .find(|stage| stage.name == selector)
            .or_else(|| {
                let position: usize = selector.parse().ok()?;
                self.stages.get(position.checked_sub(1)?)
            })
    }

    /// The stage that lists `service`, if any (a service is in at most one stage).
    pub fn stage_of(&self, service: &str) -> Option<&Stage> {
        self.stages.iter().find(|stage| stage.contains(service))
    }
}

/// The `[compose]` table.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ComposeConfig {
    /// The folder searched for compose files, relative to `limits.toml` as written.
    /// `None` with empty `files`: the folder of `limits.toml`.
    pub root: Option<String>,
    /// An explicit list of compose files (globs allowed), relative as written. Never set
    /// together with `root`.
    pub files: Vec<String>,
    /// Where limits are written.
    pub write: WriteTargets,
}

/// Where `apply` writes limits (the `write` list of `[compose]`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WriteTargets {
    /// `"service"`: `mem_limit` and `mem_reservation` on the service.
    pub service: bool,
    /// `"deploy"`: `deploy.resources.limits.memory` and `deploy.resources.reservations.memory`.
    pub deploy: bool,
}

impl Default for WriteTargets {
    /// Both, as when `write` is not given.
    fn default() -> Self {
        WriteTargets {
            service: true,
            deploy: true,
        }
    }
}

/// One entry of `[services]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceLimits {
    /// The compose service name (the key).
    pub name: String,
    /// The required `mem_limit`.
    pub mem_limit: SizeSpec,
    /// The optional `mem_reservation`, never above `mem_limit`.
    pub mem_reservation: Option<SizeSpec>,
    /// The compose file that defines the service, relative to `limits.toml` as written.
    pub file: Option<String>,
    /// Why the service is on hold: `apply` skips it and `check` reports it as held.
    pub hold: Option<String>,
    /// The service's key in `limits.toml` (inside the header for a `[services.NAME]` table).
    pub span: Range<usize>,
    /// The whole lines of the entry, from the start of its first line to the end of its last
    /// (trailing comment included, line break excluded). For dotted keys that are interleaved
    /// with other entries, this also covers the lines in between.
    pub line_span: Range<usize>,
    /// The value of `file`, quotes included.
    pub file_span: Option<Range<usize>>,
}

/// A size from `limits.toml` with the spelling it was written in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SizeSpec {
    /// The size in bytes.
    pub size: MemSize,
    /// The spelling as written, e.g. `1536m`: `apply` writes this text into compose files.
    pub text: String,
    /// The TOML string in `limits.toml`, quotes included.
    pub span: Range<usize>,
}

/// One `[[stages]]` entry of the rollout.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stage {
    /// The stage's name, unique and never a plain number.
    pub name: String,
    /// A free-form risk note such as `low`.
    pub risk: Option<String>,
    /// The services of the stage, each with the span of its string in `limits.toml`.
    pub services: Vec<(String, Range<usize>)>,
    /// How long to wait after recreating before verifying, e.g. `30s` (validated).
    pub settle: Option<String>,
    /// How long to wait before the next stage, e.g. `10m` (validated).
    pub soak: Option<String>,
    /// The stage's `[[stages]]` header, or its inline table.
    pub span: Range<usize>,
}

impl Stage {
    /// Whether the stage lists `service`.
    pub fn contains(&self, service: &str) -> bool {
        self.services.iter().any(|(name, _)| name == service)
    }

    /// The service names of the stage, in the order listed.
    pub fn service_names(&self) -> impl Iterator<Item = &str> {
        self.services.iter().map(|(name, _)| name.as_str())
    }

    /// `settle` as a duration.
    pub fn settle_duration(&self) -> Option<Duration> {
        self.settle.as_deref().and_then(|s| parse_duration(s).ok())
    }

    /// `soak` as a duration.
    pub fn soak_duration(&self) -> Option<Duration> {
        self.soak.as_deref().and_then(|s| parse_duration(s).ok())
    }
}

/// A `settle` or `soak` value that is not a duration.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error, miette::Diagnostic)]
#[error("{input:?} is not a duration")]
#[diagnostic(
    code(limitctl::duration),
    help(
        "write whole numbers with the units h, m and s, largest first, e.g. `30s`, `10m` or `1h30m`"
    )
)]
pub struct DurationError {
    /// The text as written.
    pub input: String,
}

/// Parses a stage duration: whole numbers with units `h`, `m`, `s`, each at most once and
/// largest first (`30s`, `10m`, `1h`, `1h30m`, `2m30s`).
///
/// Deliberately narrower than Go or humantime syntax: these values end up in a runbook that
/// people read at night, so `90m` and `1h30m` are fine but `1.5h`, `30` or `30 s` are not.
pub fn parse_duration(text: &str) -> Result<Duration, DurationError> {
    let error = || DurationError {
        input: text.to_string(),
    };
    if text.is_empty() {
        return Err(error());
    }
    let mut rest = text;
    let mut total: u64 = 0;
    // Ranks h=2, m=1, s=0 must strictly decrease, which also forbids repeats.
    let mut previous_rank = 3;
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return Err(error());
        }
        let amount: u64 = rest[..digits].parse().map_err(|_| error())?;
        rest = &rest[digits..];
        let (rank, seconds) = match rest.as_bytes().first() {
            Some(b'h') => (2, 3600),
            Some(b'm') => (1, 60),
            Some(b's') => (0, 1),
            _ => return Err(error()),
        };
        if rank >= previous_rank {
            return Err(error());
        }
        previous_rank = rank;
        rest = &rest[1..];
        total = amount
            .checked_mul(seconds)
            .and_then(|part| total.checked_add(part))
            .ok_or_else(error)?;
    }
    Ok(Duration::from_secs(total))
}

/// Every problem found in `limits.toml`.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("{path} has {}", count_errors(.errors.len()))]
pub struct LimitsErrors {
    /// The file as named to the user.
    path: String,
    /// The problems, in file order.
    #[related]
    errors: Vec<LimitsError>,
}

impl LimitsErrors {
    /// The file as named in the errors.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The problems, in file order.
    pub fn errors(&self) -> &[LimitsError] {
        &self.errors
    }

    /// The problems, in file order, by value.
    pub fn into_errors(self) -> Vec<LimitsError> {
        self.errors
    }
}

fn count_errors(count: usize) -> String {
    if count == 1 {
        "1 error".to_string()
    } else {
        format!("{count} errors")
    }
}

/// What kind of problem a [`LimitsError`] is, for callers and tests that match on it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LimitsErrorKind {
    /// Not valid TOML.
    Syntax,
    /// A key limitctl does not know, most likely a typo.
    UnknownKey,
    /// A value of the wrong TOML type (a number where a string belongs, …).
    WrongType,
    /// A size Compose would reject.
    InvalidSize(SizeError),
    /// A size written as a TOML number instead of a string.
    SizeNotString,
    /// A limit or reservation below the engine's 6 MiB.
    BelowEngineMinimum,
    /// `mem_reservation` above `mem_limit`.
    ReservationAboveLimit,
    /// A service without `mem_limit`.
    MissingMemLimit,
    /// A service name Compose would not accept.
    InvalidServiceName,
    /// An empty string or list where content is required.
    EmptyValue,
    /// `[services]` missing or empty.
    NoServices,
    /// `root` and `files` both set.
    RootAndFiles,
    /// A `write` value other than `service` or `deploy`.
    UnknownWriteTarget,
    /// The same value twice in one list.
    DuplicateValue,
    /// A stage without `name`.
    MissingStageName,
    /// A stage name that is a number, which would clash with selecting stages by position.
    NumericStageName,
    /// Two stages with one name.
    DuplicateStageName,
    /// A stage without services.
    EmptyStage,
    /// A stage naming a service that `[services]` does not have.
    UnknownService,
    /// A service listed in two stages.
    ServiceInTwoStages,
    /// A `settle` or `soak` that is not a duration.
    InvalidDuration,
}

/// One problem in `limits.toml`, pointing at the bytes it is about.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("{message}")]
pub struct LimitsError {
    kind: LimitsErrorKind,
    message: String,
    #[source_code]
    source_code: NamedSource<String>,
    #[label(primary, "{label}")]
    span: SourceSpan,
    label: String,
    #[label(collection)]
    notes: Vec<LabeledSpan>,
    #[help]
    help: Option<String>,
}

impl LimitsError {
    /// What kind of problem this is.
    pub fn kind(&self) -> &LimitsErrorKind {
        &self.kind
    }

    /// The one-line description.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The bytes of `limits.toml` the problem is about.
    pub fn span(&self) -> Range<usize> {
        self.span.offset()..self.span.offset() + self.span.len()
    }

    /// The short text shown at the span.
    pub fn label(&self) -> &str {
        &self.label
    }

    /// How to fix it.
    pub fn help(&self) -> Option<&str> {
        self.help.as_deref()
    }

    /// Secondary spans with their labels, e.g. where a duplicate was first listed.
    pub fn notes(&self) -> &[LabeledSpan] {
        &self.notes
    }

    fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    fn with_note(mut self, span: Range<usize>, label: impl Into<String>) -> Self {
        self.notes
            .push(LabeledSpan::new_with_span(Some(label.into()), span));
        self
    }
}

const TOP_KEYS: &[&str] = &["compose", "services", "stages"];
const COMPOSE_KEYS: &[&str] = &["root", "files", "write"];
const SERVICE_KEYS: &[&str] = &["mem_limit", "mem_reservation", "file", "hold"];
const STAGE_KEYS: &[&str] = &["name", "risk", "services", "settle", "soak"];
const WRITE_TARGETS: &[&str] = &["service", "deploy"];

/// Parses and validates the text of `limits.toml`; `path` only names the file in errors.
///
/// Returns every problem found, not just the first. A file that is not TOML at all yields the
/// single syntax error, since nothing after it can be trusted.
pub fn parse(text: &str, path: &Path) -> Result<Limits, LimitsErrors> {
    let mut parser = Parser {
        text,
        name: path.display().to_string(),
        errors: Vec::new(),
    };
    let limits = match Document::parse(text) {
        Ok(document) => Some(parser.document(document.as_table())),
        Err(error) => {
            let failure = parser.syntax_error(&error);
            parser.errors.push(failure);
            None
        }
    };
    match limits {
        Some(limits) if parser.errors.is_empty() => Ok(limits),
        _ => {
            let mut errors = parser.errors;
            // Errors are found table by table; file order reads better and snapshots stably.
            errors.sort_by_key(|error| error.span.offset());
            Err(LimitsErrors {
                path: parser.name,
                errors,
            })
        }
    }
}

/// Collects errors while walking the document; everything else is local to each step.
struct Parser<'t> {
    text: &'t str,
    name: String,
    errors: Vec<LimitsError>,
}

/// Where a service was first listed in a stage.
#[derive(Clone)]
struct StagedAt {
    /// The stage's 1-based position.
    position: usize,
    /// How messages name the stage: `` `name` ``, or `stage N` when it has none.
    reference: String,
    /// The service's string in that stage.
    span: Range<usize>,
}

/// A string value with where it is.
struct Located<'a> {
    value: &'a str,
    span: Range<usize>,
}

impl Parser<'_> {
    fn error(
        &self,
        kind: LimitsErrorKind,
        span: Range<usize>,
        message: impl Into<String>,
        label: impl Into<String>,
    ) -> LimitsError {
        LimitsError {
            kind,
            message: message.into(),
            source_code: NamedSource::new(self.name.clone(), self.text.to_string()),
            span: span.into(),
            label: label.into(),
            notes: Vec::new(),
            help: None,
        }
    }

    fn syntax_error(&self, error: &toml_edit::TomlError) -> LimitsError {
        let span = error.span().unwrap_or(0..0);
        let message = error.message().trim_end();
        let first_line = message.lines().next().unwrap_or(message);
        let duplicate = first_line.starts_with("duplicate key");
        // toml_edit does not name the key; the span does.
        let message = match self.text.get(span.clone()) {
            Some(key) if duplicate && !key.is_empty() => {
                format!("invalid TOML: duplicate key `{key}`")
            }
            _ => format!("invalid TOML: {first_line}"),
        };
        let help = if duplicate {
            "a key may appear only once in a table; merge the two entries"
        } else {
            "fix the TOML syntax; limitctl checks nothing else until the file parses"
        };
        self.error(LimitsErrorKind::Syntax, span, message, "here")
            .with_help(help)
    }

    fn push(&mut self, error: LimitsError) {
        self.errors.push(error);
    }

    fn document(&mut self, root: &toml_edit::Table) -> Limits {
        self.check_keys(root, TOP_KEYS, "at the top level", 0..0);

        let compose = match root.get_key_value("compose") {
            Some((key, item)) => self.compose(item, key_span(key, 0..0)),
            None => ComposeConfig::default(),
        };
        let (services, names) = match root.get_key_value("services") {
            Some((key, item)) => self.services(item, key_span(key, 0..0)),
            None => {
                let error = self
                    .error(
                        LimitsErrorKind::NoServices,
                        0..0,
                        "there is no [services] table",
                        "expected [services]",
                    )
                    .with_help(
                        "add a [services] table with a `mem_limit` per service, e.g. `traefik = { mem_limit = \"256m\" }`",
                    );
                self.push(error);
                (Vec::new(), HashSet::new())
            }
        };
        let stages = match root.get_key_value("stages") {
            Some((key, item)) => self.stages(item, key_span(key, 0..0), &names),
            None => Vec::new(),
        };
        Limits {
            compose,
            services,
            stages,
        }
    }

    /// Reports keys of `table` outside `allowed`, suggesting the nearest allowed one. Returns
    /// the suggestions made, so that a caller can keep quiet about a key that is "missing" only
    /// because of the typo already reported.
    fn check_keys(
        &mut self,
        table: &dyn TableLike,
        allowed: &[&'static str],
        place: &str,
        fallback: Range<usize>,
    ) -> Vec<&'static str> {
        let mut suggested = Vec::new();
        for (name, item) in table.iter() {
            if allowed.contains(&name) {
                continue;
            }
            let span = table
                .key(name)
                .and_then(Key::span)
                .or_else(|| item.span())
                .unwrap_or_else(|| fallback.clone());
            let help = match did_you_mean(name, allowed.iter().copied()) {
                Some(suggestion) => {
                    suggested.push(suggestion);
                    format!("did you mean `{suggestion}`?")
                }
                None => format!("the keys allowed here are {}", list(allowed)),
            };
            let error = self
                .error(
                    LimitsErrorKind::UnknownKey,
                    span,
                    format!("unknown key `{name}` {place}"),
                    "unknown key",
                )
                .with_help(help);
            self.push(error);
        }
        suggested
    }

    /// `item` as a table (regular, inline or dotted), or an error saying what it is instead.
    fn table_like<'i>(
        &mut self,
        item: &'i Item,
        what: &str,
        span: Range<usize>,
        help: Option<String>,
    ) -> Option<&'i dyn TableLike> {
        if let Some(table) = item.as_table_like() {
            return Some(table);
        }
        let mut error = self.error(
            LimitsErrorKind::WrongType,
            item.span().unwrap_or(span),
            format!("{what} must be a table, not {}", a(item.type_name())),
            "expected a table",
        );
        if let Some(help) = help {
            error = error.with_help(help);
        }
        self.push(error);
        None
    }

    /// A string value, or an error naming `what` and the type found.
    fn string<'i>(
        &mut self,
        item: &'i Item,
        what: &str,
        fallback: Range<usize>,
        help: &str,
    ) -> Option<Located<'i>> {
        let span = item.span().unwrap_or(fallback);
        match item.as_str() {
            Some(value) => Some(Located { value, span }),
            None => {
                let error = self
                    .error(
                        LimitsErrorKind::WrongType,
                        span,
                        format!("{what} must be a string, not {}", a(item.type_name())),
                        "expected a string",
                    )
                    .with_help(help);
                self.push(error);
                None
            }
        }
    }

    /// A string that must not be empty (or only whitespace).
    fn non_empty_string<'i>(
        &mut self,
        item: &'i Item,
        what: &str,
        fallback: Range<usize>,
        help: &str,
    ) -> Option<Located<'i>> {
        let located = self.string(item, what, fallback, help)?;
        if located.value.trim().is_empty() {
            let error = self
                .error(
                    LimitsErrorKind::EmptyValue,
                    located.span,
                    format!("{what} is empty"),
                    "empty",
                )
                .with_help(help);
            self.push(error);
            return None;
        }
        Some(located)
    }

    /// An array of strings; elements of other types are reported and skipped.
    fn string_array<'i>(
        &mut self,
        item: &'i Item,
        what: &str,
        fallback: Range<usize>,
        help: &str,
    ) -> Option<(Vec<Located<'i>>, Range<usize>)> {
        let span = item.span().unwrap_or(fallback);
        let Some(array) = item.as_array() else {
            let error = self
                .error(
                    LimitsErrorKind::WrongType,
                    span,
                    format!(
                        "{what} must be a list of strings, not {}",
                        a(item.type_name())
                    ),
                    "expected a list",
                )
                .with_help(help);
            self.push(error);
            return None;
        };
        let mut strings = Vec::new();
        for value in array.iter() {
            let element_span = value.span().unwrap_or_else(|| span.clone());
            match value.as_str() {
                Some(text) => strings.push(Located {
                    value: text,
                    span: element_span,
                }),
                None => {
                    let error = self
                        .error(
                            LimitsErrorKind::WrongType,
                            element_span,
                            format!(
                                "{what} must list strings, not {}",
                                plural_type(value.type_name())
                            ),
                            "expected a string",
                        )
                        .with_help(help);
                    self.push(error);
                }
            }
        }
        Some((strings, span))
    }

    fn compose(&mut self, item: &Item, key_span: Range<usize>) -> ComposeConfig {
        let mut config = ComposeConfig::default();
        let Some(table) = self.table_like(item, "[compose]", key_span.clone(), None) else {
            return config;
        };
        self.check_keys(table, COMPOSE_KEYS, "in [compose]", key_span.clone());

        let mut root_span = None;
        if let Some((key, item)) = table.get_key_value("root") {
            let span = key_span_or(key, &key_span);
            if let Some(root) = self.non_empty_string(
                item,
                "`root` in [compose]",
                span.clone(),
                "write the folder to search for compose files, relative to limits.toml, e.g. `root = \"compose\"`; without `root`, the folder of limits.toml is searched",
            ) {
                config.root = Some(root.value.to_string());
                root_span = Some(span);
            }
        }

        if let Some((key, item)) = table.get_key_value("files") {
            let span = key_span_or(key, &key_span);
            let help = "list compose files relative to limits.toml, e.g. `files = [\"compose/services/stack.yml\"]`";
            if let Some((files, array_span)) =
                self.string_array(item, "`files` in [compose]", span.clone(), help)
            {
                if item.as_array().is_some_and(|array| array.is_empty()) {
                    let error = self
                        .error(
                            LimitsErrorKind::EmptyValue,
                            array_span,
                            "`files` in [compose] is empty",
                            "no files",
                        )
                        .with_help(format!(
                            "{help}, or remove `files` to search `root` or the folder of limits.toml"
                        ));
                    self.push(error);
                }
                for file in &files {
                    if file.value.trim().is_empty() {
                        let error = self
                            .error(
                                LimitsErrorKind::EmptyValue,
                                file.span.clone(),
                                "an entry of `files` in [compose] is empty",
                                "empty",
                            )
                            .with_help(help);
                        self.push(error);
                    }
                }
                config.files = files.iter().map(|file| file.value.to_string()).collect();
            }
            if let Some(root_span) = root_span {
                let error = self
                    .error(
                        LimitsErrorKind::RootAndFiles,
                        span,
                        "[compose] sets both `root` and `files`",
                        "files listed here",
                    )
                    .with_note(root_span, "root set here")
                    .with_help(
                        "keep `root` to search a folder for compose files, or `files` to list them, not both",
                    );
                self.push(error);
            }
        }

        if let Some((key, item)) = table.get_key_value("write") {
            config.write = self.write_targets(item, key_span_or(key, &key_span));
        }
        config
    }

    fn write_targets(&mut self, item: &Item, key_span: Range<usize>) -> WriteTargets {
        let help = "`write = [\"service\", \"deploy\"]` writes both `mem_limit`/`mem_reservation` and `deploy.resources`; leave out one to write only the other";
        let mut targets = WriteTargets {
            service: false,
            deploy: false,
        };
        let Some((values, array_span)) =
            self.string_array(item, "`write` in [compose]", key_span, help)
        else {
            return WriteTargets::default();
        };
        if item.as_array().is_some_and(|array| array.is_empty()) {
            let error = self
                .error(
                    LimitsErrorKind::EmptyValue,
                    array_span,
                    "`write` in [compose] is empty: limits would be written nowhere",
                    "no targets",
                )
                .with_help(help);
            self.push(error);
            return WriteTargets::default();
        }
        let mut seen: HashMap<&str, Range<usize>> = HashMap::new();
        for value in values {
            if let Some(first) = seen.get(value.value) {
                let error = self
                    .error(
                        LimitsErrorKind::DuplicateValue,
                        value.span.clone(),
                        format!("`{}` is listed twice in `write`", value.value),
                        "listed again",
                    )
                    .with_note(first.clone(), "first listed here")
                    .with_help("remove one of them");
                self.push(error);
                continue;
            }
            seen.insert(value.value, value.span.clone());
            match value.value {
                "service" => targets.service = true,
                "deploy" => targets.deploy = true,
                other => {
                    let help = match did_you_mean(other, WRITE_TARGETS.iter().copied()) {
                        Some(suggestion) => format!("did you mean `{suggestion}`?"),
                        None => "the targets are `service` (mem_limit and mem_reservation) and `deploy` (deploy.resources)".to_string(),
                    };
                    let error = self
                        .error(
                            LimitsErrorKind::UnknownWriteTarget,
                            value.span,
                            format!("unknown write target `{other}`"),
                            "unknown target",
                        )
                        .with_help(help);
                    self.push(error);
                }
            }
        }
        // An error above already fails the parse; the value returned then does not matter.
        if !targets.service && !targets.deploy {
            return WriteTargets::default();
        }
        targets
    }

    /// The services, and the names of every key in `[services]` (valid or not), so that stage
    /// checks do not pile "unknown service" onto a service whose entry is merely broken.
    fn services(
        &mut self,
        item: &Item,
        key_span: Range<usize>,
    ) -> (Vec<ServiceLimits>, HashSet<String>) {
        let mut services = Vec::new();
        let mut names = HashSet::new();
        let Some(table) = self.table_like(item, "[services]", key_span.clone(), None) else {
            return (services, names);
        };
        if table.is_empty() {
            let error = self
                .error(
                    LimitsErrorKind::NoServices,
                    item.span().unwrap_or_else(|| key_span.clone()),
                    "[services] is empty",
                    "no services",
                )
                .with_help(
                    "add a `mem_limit` per service, e.g. `traefik = { mem_limit = \"256m\" }`",
                );
            self.push(error);
        }
        for (name, entry) in table.iter() {
            names.insert(name.to_string());
            let span = table
                .key(name)
                .and_then(Key::span)
                .or_else(|| entry.span())
                .unwrap_or_else(|| key_span.clone());
            if let Some(service) = self.service(name, span, table.key(name), entry) {
                services.push(service);
            }
        }
        services.sort_by_key(|service| service.span.start);
        (services, names)
    }

    fn service(
        &mut self,
        name: &str,
        span: Range<usize>,
        key: Option<&Key>,
        item: &Item,
    ) -> Option<ServiceLimits> {
        if !is_service_name(name) {
            let error = self
                .error(
                    LimitsErrorKind::InvalidServiceName,
                    span.clone(),
                    format!("`{name}` is not a valid Compose service name"),
                    "invalid name",
                )
                .with_help(
                    "Compose service names use only letters, digits, `.`, `_` and `-`; write the name exactly as in the compose file",
                );
            self.push(error);
        }

        let shorthand = item
            .as_str()
            .map(|size| format!("write `{name} = {{ mem_limit = \"{size}\" }}`"));
        let what = format!("the entry of service `{name}`");
        let table = self.table_like(
            item,
            &what,
            span.clone(),
            Some(shorthand.unwrap_or_else(|| {
                format!("write `{name} = {{ mem_limit = \"256m\" }}` or a [services.{name}] table")
            })),
        )?;
        let suggested = self.check_keys(
            table,
            SERVICE_KEYS,
            &format!("in service `{name}`"),
            span.clone(),
        );

        let mem_limit = match table.get_key_value("mem_limit") {
            Some((key, value)) => self.size(name, "mem_limit", value, key_span_or(key, &span)),
            // `mem_limt = …` is already reported with "did you mean `mem_limit`?".
            None if suggested.contains(&"mem_limit") => None,
            None => {
                let error = self
                    .error(
                        LimitsErrorKind::MissingMemLimit,
                        span.clone(),
                        format!("service `{name}` has no `mem_limit`"),
                        "no mem_limit",
                    )
                    .with_help(
                        "every service in the table needs a limit, e.g. `mem_limit = \"256m\"`; remove the entry to leave the service unmanaged",
                    );
                self.push(error);
                None
            }
        };
        let mem_reservation = table
            .get_key_value("mem_reservation")
            .and_then(|(key, value)| {
                self.size(name, "mem_reservation", value, key_span_or(key, &span))
            });

        if let (Some(limit), Some(reservation)) = (&mem_limit, &mem_reservation)
            && reservation.size > limit.size
        {
            let error = self
                .error(
                    LimitsErrorKind::ReservationAboveLimit,
                    reservation.span.clone(),
                    format!(
                        "`mem_reservation` of service `{name}` ({}) is above its `mem_limit` ({})",
                        reservation.text, limit.text
                    ),
                    "above mem_limit",
                )
                .with_note(limit.span.clone(), "mem_limit set here")
                .with_help(format!(
                    "Docker refuses a reservation above the limit; lower `mem_reservation` to at most `{}` or raise `mem_limit`",
                    limit.text
                ));
            self.push(error);
        }

        let file = table.get_key_value("file").and_then(|(key, value)| {
            self.non_empty_string(
                value,
                &format!("`file` of service `{name}`"),
                key_span_or(key, &span),
                "write the compose file that defines the service, relative to limits.toml, e.g. `file = \"compose/services/stack.yml\"`",
            )
        });
        let hold = table.get_key_value("hold").and_then(|(key, value)| {
            self.non_empty_string(
                value,
                &format!("`hold` of service `{name}`"),
                key_span_or(key, &span),
                "write why the service is on hold, e.g. `hold = \"OOM-killed in stage 3\"`, or remove `hold`",
            )
        });

        let mut extent = span.clone();
        if let Some(key) = key {
            extend_with_key(&mut extent, key);
        }
        extend_with_item(&mut extent, item);
        Some(ServiceLimits {
            name: name.to_string(),
            mem_limit: mem_limit?,
            mem_reservation,
            file_span: file.as_ref().map(|file| file.span.clone()),
            file: file.map(|file| file.value.to_string()),
            hold: hold.map(|hold| hold.value.to_string()),
            span,
            line_span: whole_lines(self.text, extent),
        })
    }

    /// A size field of a service: a TOML string Compose accepts, at least 6 MiB.
    fn size(
        &mut self,
        service: &str,
        field: &str,
        item: &Item,
        key_span: Range<usize>,
    ) -> Option<SizeSpec> {
        let span = item.span().unwrap_or(key_span);
        let Some(text) = item.as_str() else {
            let help = match (item.as_integer(), item.as_float()) {
                (Some(bytes), _) if bytes >= 1 << 20 => format!(
                    "sizes in limits.toml are strings, as in compose files: write \"{}\" for the same number of bytes",
                    MemSize::from_bytes(bytes.unsigned_abs())
                ),
                (Some(number), _) if number >= 0 => format!(
                    "sizes in limits.toml are strings with a unit: write \"{number}m\" for {number} MiB"
                ),
                (_, Some(_)) => {
                    "sizes in limits.toml are strings with a unit, e.g. \"1536m\" or \"1.5g\""
                        .to_string()
                }
                _ => "sizes in limits.toml are strings with a unit, e.g. \"256m\"".to_string(),
            };
            let kind = if item.is_integer() || item.is_float() {
                LimitsErrorKind::SizeNotString
            } else {
                LimitsErrorKind::WrongType
            };
            let error = self
                .error(
                    kind,
                    span,
                    format!(
                        "`{field}` of service `{service}` must be a string, not {}",
                        a(item.type_name())
                    ),
                    "expected a string such as \"256m\"",
                )
                .with_help(help);
            self.push(error);
            return None;
        };

        let size = match MemSize::parse(text) {
            Ok(size) => size,
            Err(size_error) => {
                let help = miette::Diagnostic::help(&size_error).map(|help| help.to_string());
                let mut error = self.error(
                    LimitsErrorKind::InvalidSize(size_error.clone()),
                    span,
                    format!("invalid `{field}` for service `{service}`: {size_error}"),
                    "not a size Compose accepts",
                );
                error.help = help;
                self.push(error);
                return None;
            }
        };
        if size.below_engine_minimum() {
            let error = self
                .error(
                    LimitsErrorKind::BelowEngineMinimum,
                    span,
                    format!(
                        "`{field}` of service `{service}` is {text}, below the engine's minimum of 6 MiB"
                    ),
                    "below 6 MiB",
                )
                .with_help(format!(
                    "Docker refuses a memory limit or reservation under 6 MiB; write at least `{}`",
                    MemSize::ENGINE_MINIMUM
                ));
            self.push(error);
            return None;
        }
        Some(SizeSpec {
            size,
            text: text.to_string(),
            span,
        })
    }

    fn stages(
        &mut self,
        item: &Item,
        key_span: Range<usize>,
        services: &HashSet<String>,
    ) -> Vec<Stage> {
        // [[stages]] and `stages = [{ … }]` are the same TOML; accept both.
        let entries: Vec<(Option<&dyn TableLike>, Range<usize>, &'static str)> =
            if let Some(tables) = item.as_array_of_tables() {
                tables
                    .iter()
                    .map(|table| {
                        let span = table.span().unwrap_or_else(|| key_span.clone());
                        (Some(table as &dyn TableLike), span, "table")
                    })
                    .collect()
            } else if let Some(array) = item.as_array() {
                array
                    .iter()
                    .map(|value| {
                        let span = value.span().unwrap_or_else(|| key_span.clone());
                        let table = value.as_inline_table().map(|t| t as &dyn TableLike);
                        (table, span, value.type_name())
                    })
                    .collect()
            } else {
                let error = self
                    .error(
                        LimitsErrorKind::WrongType,
                        item.span().unwrap_or(key_span),
                        format!(
                            "`stages` must be a list of tables, not {}",
                            a(item.type_name())
                        ),
                        "expected [[stages]]",
                    )
                    .with_help("write each stage as a [[stages]] table with `name` and `services`");
                self.push(error);
                return Vec::new();
            };

        let mut stages = Vec::new();
        let mut stage_names: HashMap<String, Range<usize>> = HashMap::new();
        // Service → (stage name, span of the first listing).
        let mut staged: HashMap<String, StagedAt> = HashMap::new();
        for (index, (table, span, type_name)) in entries.into_iter().enumerate() {
            let position = index + 1;
            let Some(table) = table else {
                let error = self
                    .error(
                        LimitsErrorKind::WrongType,
                        span,
                        format!("stage {position} must be a table, not {}", a(type_name)),
                        "expected a table",
                    )
                    .with_help("write each stage as `{ name = \"…\", services = [\"…\"] }`");
                self.push(error);
                continue;
            };
            if let Some(stage) = self.stage(
                table,
                span,
                position,
                services,
                &mut stage_names,
                &mut staged,
            ) {
                stages.push(stage);
            }
        }
        stages
    }

    fn stage(
        &mut self,
        table: &dyn TableLike,
        span: Range<usize>,
        position: usize,
        known_services: &HashSet<String>,
        stage_names: &mut HashMap<String, Range<usize>>,
        staged: &mut HashMap<String, StagedAt>,
    ) -> Option<Stage> {
        self.check_keys(
            table,
            STAGE_KEYS,
            &format!("in stage {position}"),
            span.clone(),
        );

        let name = match table.get_key_value("name") {
            Some((key, item)) => self.non_empty_string(
                item,
                &format!("the name of stage {position}"),
                key_span_or(key, &span),
                "name the stage, e.g. `name = \"infrastructure\"`",
            ),
            None => {
                let error = self
                    .error(
                        LimitsErrorKind::MissingStageName,
                        span.clone(),
                        format!("stage {position} has no name"),
                        "no name",
                    )
                    .with_help(
                        "add `name = \"…\"`; a stage is selected with `--stage NAME` or by its position",
                    );
                self.push(error);
                None
            }
        };
        let label = match &name {
            Some(name) => format!("stage `{}`", name.value),
            None => format!("stage {position}"),
        };
        if let Some(name) = &name {
            if name.value.bytes().all(|b| b.is_ascii_digit()) {
                let error = self
                    .error(
                        LimitsErrorKind::NumericStageName,
                        name.span.clone(),
                        format!("stage name `{}` is a number", name.value),
                        "a number",
                    )
                    .with_help(format!(
                        "`--stage {}` selects a stage by position; give the stage a name with a letter in it",
                        name.value
                    ));
                self.push(error);
            }
            if let Some(first) = stage_names.get(name.value) {
                let error = self
                    .error(
                        LimitsErrorKind::DuplicateStageName,
                        name.span.clone(),
                        format!("two stages are named `{}`", name.value),
                        "second stage with this name",
                    )
                    .with_note(first.clone(), "first stage with this name")
                    .with_help("give every stage its own name; `--stage NAME` must select one");
                self.push(error);
            } else {
                stage_names.insert(name.value.to_string(), name.span.clone());
            }
        }

        let risk = table.get_key_value("risk").and_then(|(key, item)| {
            self.non_empty_string(
                item,
                &format!("`risk` of {label}"),
                key_span_or(key, &span),
                "describe the risk in a word or two, e.g. `risk = \"low\"`, or remove `risk`",
            )
        });
        let settle = self.duration(table, "settle", &label, &span);
        let soak = self.duration(table, "soak", &label, &span);

        let mut services = Vec::new();
        let services_help = "list the services this stage rolls out, e.g. `services = [\"traefik\", \"oauth2-proxy\"]`";
        match table.get_key_value("services") {
            None => {
                let error = self
                    .error(
                        LimitsErrorKind::EmptyStage,
                        span.clone(),
                        format!("{label} has no `services`"),
                        "no services",
                    )
                    .with_help(services_help);
                self.push(error);
            }
            Some((key, item)) => {
                let key_span = key_span_or(key, &span);
                if let Some((listed, array_span)) = self.string_array(
                    item,
                    &format!("`services` of {label}"),
                    key_span,
                    services_help,
                ) {
                    if item.as_array().is_some_and(|array| array.is_empty()) {
                        let error = self
                            .error(
                                LimitsErrorKind::EmptyStage,
                                array_span,
                                format!("{label} lists no services"),
                                "no services",
                            )
                            .with_help(services_help);
                        self.push(error);
                    }
                    let here = StagedAt {
                        position,
                        reference: name
                            .as_ref()
                            .map_or_else(|| label.clone(), |name| format!("`{}`", name.value)),
                        span: 0..0,
                    };
                    for service in listed {
                        if self.stage_service(&service, &label, &here, known_services, staged) {
                            services.push((service.value.to_string(), service.span));
                        }
                    }
                }
            }
        }

        Some(Stage {
            name: name?.value.to_string(),
            risk: risk.map(|risk| risk.value.to_string()),
            services,
            settle: settle.map(str::to_string),
            soak: soak.map(str::to_string),
            span,
        })
    }

    /// Checks one service listed in a stage; true when it is fine to keep.
    fn stage_service(
        &mut self,
        service: &Located<'_>,
        label: &str,
        here: &StagedAt,
        known_services: &HashSet<String>,
        staged: &mut HashMap<String, StagedAt>,
    ) -> bool {
        if !known_services.contains(service.value) {
            let mut candidates: Vec<&str> = known_services.iter().map(String::as_str).collect();
            // HashSet order is random; sort so that ties in the suggestion are stable.
            candidates.sort_unstable();
            let help = match did_you_mean(service.value, candidates) {
                Some(suggestion) => format!("did you mean `{suggestion}`?"),
                None => format!(
                    "add `{} = {{ mem_limit = \"…\" }}` to [services], or remove it from the stage",
                    service.value
                ),
            };
            let error = self
                .error(
                    LimitsErrorKind::UnknownService,
                    service.span.clone(),
                    format!(
                        "{label} names `{}`, which is not in [services]",
                        service.value
                    ),
                    "not in [services]",
                )
                .with_help(help);
            self.push(error);
            return false;
        }
        match staged.get(service.value) {
            Some(first) if first.position == here.position => {
                let error = self
                    .error(
                        LimitsErrorKind::DuplicateValue,
                        service.span.clone(),
                        format!("{label} lists `{}` twice", service.value),
                        "listed again",
                    )
                    .with_note(first.span.clone(), "first listed here")
                    .with_help("remove one of them");
                self.push(error);
                false
            }
            Some(first) => {
                // Two stages may share a name (reported on its own); positions tell them apart.
                let (first_stage, this_stage) = if first.reference == here.reference {
                    (
                        format!("{} (stage {})", first.reference, first.position),
                        format!("{} (stage {})", here.reference, here.position),
                    )
                } else {
                    (first.reference.clone(), here.reference.clone())
                };
                let error = self
                    .error(
                        LimitsErrorKind::ServiceInTwoStages,
                        service.span.clone(),
                        format!(
                            "service `{}` is in two stages: {first_stage} and {this_stage}",
                            service.value
                        ),
                        "second stage",
                    )
                    .with_note(first.span.clone(), format!("first listed in {first_stage}"))
                    .with_help("a service is rolled out once: remove it from one of the stages");
                self.push(error);
                false
            }
            None => {
                staged.insert(
                    service.value.to_string(),
                    StagedAt {
                        span: service.span.clone(),
                        ..here.clone()
                    },
                );
                true
            }
        }
    }

    fn duration<'i>(
        &mut self,
        table: &'i dyn TableLike,
        field: &str,
        label: &str,
        span: &Range<usize>,
    ) -> Option<&'i str> {
        let (key, item) = table.get_key_value(field)?;
        let help = match item.as_integer() {
            Some(seconds) if seconds >= 0 => {
                format!("durations are strings with a unit: write \"{seconds}s\"")
            }
            _ => "write a duration such as \"30s\", \"10m\" or \"1h30m\"".to_string(),
        };
        let located = self.string(
            item,
            &format!("`{field}` of {label}"),
            key_span_or(key, span),
            &help,
        )?;
        if let Err(duration_error) = parse_duration(located.value) {
            let error = self
                .error(
                    LimitsErrorKind::InvalidDuration,
                    located.span,
                    format!(
                        "`{field}` of {label} is not a duration: {:?}",
                        located.value
                    ),
                    "not a duration",
                )
                .with_help(
                    miette::Diagnostic::help(&duration_error)
                        .map(|help| help.to_string())
                        .unwrap_or_default(),
                );
            self.push(error);
            return None;
        }
        Some(located.value)
    }
}

fn key_span(key: &Key, fallback: Range<usize>) -> Range<usize> {
    key.span().unwrap_or(fallback)
}

fn key_span_or(key: &Key, fallback: &Range<usize>) -> Range<usize> {
    key.span().unwrap_or_else(|| fallback.clone())
}

fn extend(extent: &mut Range<usize>, span: Option<Range<usize>>) {
    if let Some(span) = span {
        extent.start = extent.start.min(span.start);
        extent.end = extent.end.max(span.end);
    }
}

fn extend_with_key(extent: &mut Range<usize>, key: &Key) {
    extend(extent, key.span());
}

/// Grows `extent` over `item` and everything inside it: a `[services.x]` table's span is only
/// its header, and a dotted table has none, so the keys and values below have to be visited.
fn extend_with_item(extent: &mut Range<usize>, item: &Item) {
    extend(extent, item.span());
    if let Some(table) = item.as_table() {
        for (name, child) in table.iter() {
            if let Some(key) = table.key(name) {
                extend_with_key(extent, key);
            }
            extend_with_item(extent, child);
        }
    }
}

/// `span` widened to whole lines, without the final line break (or a leading BOM).
fn whole_lines(text: &str, span: Range<usize>) -> Range<usize> {
    let end = span.end.min(text.len());
    let start = span.start.min(end);
    let mut line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    if line_start == 0 && text.starts_with('\u{feff}') {
        line_start = '\u{feff}'.len_utf8();
    }
    let mut line_end = text[end..].find('\n').map_or(text.len(), |i| end + i);
    if line_end > end && text[..line_end].ends_with('\r') {
        line_end -= 1;
    }
    line_start..line_end
}

/// Compose's service name pattern, `^[a-zA-Z0-9._-]+$`.
fn is_service_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// The candidate closest to `word` by edit distance (ignoring case), if it is close enough to
/// be a typo: within a third of the candidate's length, rounded up (`soke` → `soak`).
fn did_you_mean<'c>(word: &str, candidates: impl IntoIterator<Item = &'c str>) -> Option<&'c str> {
    let word = word.to_lowercase();
    candidates
        .into_iter()
        .map(|candidate| {
            (
                strsim::levenshtein(&word, &candidate.to_lowercase()),
                candidate,
            )
        })
        .filter(|(distance, candidate)| *distance <= candidate.chars().count().div_ceil(3))
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate)
}

/// `a string`, `an integer`, `an array`…
fn a(type_name: &str) -> String {
    let article = if type_name.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    };
    format!("{article} {type_name}")
}

/// `integers`, `inline tables`…
fn plural_type(type_name: &str) -> String {
    format!("{type_name}s")
}

/// `` `a`, `b` and `c` ``
fn list(items: &[&str]) -> String {
    let quoted: Vec<String> = items.iter().map(|item| format!("`{item}`")).collect();
    match quoted.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        Some((last, _)) => last.clone(),
        None => String::new(),
    }
}

/// Why [`set_hold`] could not put a service on hold.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error, miette::Diagnostic)]
pub enum SetHoldError {
    /// The file is not TOML.
    #[error("limits.toml is not valid TOML: {message}")]
    #[diagnostic(
        code(limitctl::hold::syntax),
        help("fix the TOML syntax of limits.toml first")
    )]
    Syntax {
        /// The parser's description.
        message: String,
        /// Where the parser stopped.
        span: Option<Range<usize>>,
    },

    /// The reason is empty or only whitespace.
    #[error("the hold reason is empty")]
    #[diagnostic(
        code(limitctl::hold::empty_reason),
        help("say why the service is held, e.g. `--hold \"OOM-killed in stage 3\"`")
    )]
    EmptyReason,

    /// `[services]` has no entry for the service.
    #[error("service `{service}` has no entry in limits.toml")]
    #[diagnostic(code(limitctl::hold::no_entry))]
    NoEntry {
        /// The service asked for.
        service: String,
        /// A near miss, or how to add an entry.
        #[help]
        help: String,
    },

    /// The entry is not a table, so there is nowhere to put `hold`.
    #[error("the entry of service `{service}` in limits.toml is not a table")]
    #[diagnostic(
        code(limitctl::hold::not_a_table),
        help("write it as `{service} = {{ mem_limit = \"…\" }}` first")
    )]
    NotATable {
        /// The service asked for.
        service: String,
    },

    /// The edit would have changed bytes outside the service's entry, or did not read back.
    #[error(
        "refusing to write limits.toml: setting the hold of `{service}` would change more than its entry"
    )]
    #[diagnostic(
        code(limitctl::hold::unverified),
        help(
            "this is a bug in limitctl; add `hold = \"…\"` to the entry by hand and please report it"
        )
    )]
    Unverified {
        /// The service asked for.
        service: String,
    },
}

/// Returns `text` with `hold = "REASON"` added to (or replaced in) the entry of `service`.
///
/// Works for every form an entry can take: an inline table (the new key joins the same line,
/// with the separators its siblings use), a `[services.NAME]` table (a new line after the last
/// key, aligned like its siblings when they are aligned) or dotted keys (`NAME.hold = …`).
///
/// The edit is a splice at positions taken from toml_edit's spans rather than a re-render of a
/// `DocumentMut`, because re-rendering turns every CRLF of the file into LF. Every byte outside
/// the entry stays as it was; the result is parsed again and checked for exactly that before
/// it is returned.
pub fn set_hold(text: &str, service: &str, reason: &str) -> Result<String, SetHoldError> {
    if reason.trim().is_empty() {
        return Err(SetHoldError::EmptyReason);
    }
    let document = Document::parse(text).map_err(|error| SetHoldError::Syntax {
        message: error.message().trim_end().to_string(),
        span: error.span(),
    })?;
    let services = document
        .get("services")
        .and_then(Item::as_table_like)
        .ok_or_else(|| no_entry(service, &[]))?;
    let Some((key, entry)) = services.get_key_value(service) else {
        let names: Vec<&str> = services.iter().map(|(name, _)| name).collect();
        return Err(no_entry(service, &names));
    };
    let not_a_table = || SetHoldError::NotATable {
        service: service.to_string(),
    };
    let unverified = || SetHoldError::Unverified {
        service: service.to_string(),
    };
    let table = entry.as_table_like().ok_or_else(not_a_table)?;
    if table.get("hold").and_then(Item::as_str) == Some(reason) {
        return Ok(text.to_string());
    }

    let hold = basic_string(reason);
    let splice = if let Some(existing) = table.get("hold") {
        Splice {
            range: existing.span().ok_or_else(unverified)?,
            text: hold,
        }
    } else if let Some(inline) = entry.as_inline_table() {
        hold_in_inline_table(text, inline, &hold).ok_or_else(unverified)?
    } else if let Some(table) = entry.as_table() {
        hold_in_table(text, table, &hold).ok_or_else(unverified)?
    } else {
        return Err(not_a_table());
    };

    let mut extent = key.span().ok_or_else(unverified)?;
    extend_with_item(&mut extent, entry);
    let entry_lines = whole_lines(text, extent);

    let mut updated = String::with_capacity(text.len() + splice.text.len());
    updated.push_str(text.get(..splice.range.start).ok_or_else(unverified)?);
    updated.push_str(&splice.text);
    updated.push_str(text.get(splice.range.end..).ok_or_else(unverified)?);
    verify_hold(text, &updated, entry_lines, service, reason).ok_or_else(unverified)?;
    Ok(updated)
}

/// Replace `range` of the text with `text`.
struct Splice {
    range: Range<usize>,
    text: String,
}

fn no_entry(service: &str, names: &[&str]) -> SetHoldError {
    let help = match did_you_mean(service, names.iter().copied()) {
        Some(suggestion) => format!("did you mean `{suggestion}`?"),
        None => format!(
            "only services in [services] can be held; add `{service} = {{ mem_limit = \"…\" }}` first"
        ),
    };
    SetHoldError::NoEntry {
        service: service.to_string(),
        help,
    }
}

/// `reason` as a single-line TOML basic string: an inline table must stay on one line, and an
/// explicit basic string keeps the spelling predictable.
fn basic_string(reason: &str) -> String {
    let mut repr = String::with_capacity(reason.len() + 2);
    repr.push('"');
    for c in reason.chars() {
        match c {
            '"' => repr.push_str("\\\""),
            '\\' => repr.push_str("\\\\"),
            '\n' => repr.push_str("\\n"),
            '\r' => repr.push_str("\\r"),
            '\t' => repr.push_str("\\t"),
            c if c.is_control() => repr.push_str(&format!("\\u{:04X}", u32::from(c))),
            c => repr.push(c),
        }
    }
    repr.push('"');
    repr
}

/// One key-value pair of a table, by position in the text.
struct Pair {
    key: Range<usize>,
    value: Range<usize>,
}

fn pairs(table: &dyn TableLike) -> Vec<Pair> {
    let mut pairs: Vec<Pair> = table
        .iter()
        .filter_map(|(name, item)| {
            Some(Pair {
                key: table.key(name)?.span()?,
                value: item.span()?,
            })
        })
        .collect();
    pairs.sort_by_key(|pair| pair.value.end);
    pairs
}

/// `hold = …` after the last value of an inline table, separated like its siblings.
fn hold_in_inline_table(text: &str, table: &InlineTable, hold: &str) -> Option<Splice> {
    let braces = table.span()?;
    let pairs = pairs(table);
    let Some(last) = pairs.last() else {
        return Some(Splice {
            range: braces,
            text: format!("{{ hold = {hold} }}"),
        });
    };
    let separator = match pairs.len().checked_sub(2).and_then(|i| pairs.get(i)) {
        // Between the last two entries: `, `, `,` or `,` + line break + indentation.
        Some(previous) => entry_separator(text.get(previous.value.end..last.key.start)?),
        None => {
            // A single entry: follow the spacing after `{`.
            let inside = text.get(braces.start + 1..last.key.start)?;
            match inside.rfind('\n') {
                Some(newline) => format!(",\n{}", &inside[newline + 1..]),
                None if inside.is_empty() => ",".to_string(),
                None => ", ".to_string(),
            }
        }
    };
    let equals = equals_of(text.get(last.key.end..last.value.start)?);
    Some(Splice {
        range: last.value.end..last.value.end,
        text: format!("{separator}hold{equals}{hold}"),
    })
}

/// The separator between two inline-table entries, without any comment in it.
fn entry_separator(between: &str) -> String {
    match between.rfind('\n') {
        Some(newline) => format!(",\n{}", &between[newline + 1..]),
        None if between.trim() == "," => between.to_string(),
        None => ", ".to_string(),
    }
}

/// ` = ` or `=`, following whether the file puts spaces around a key's `=`; wider padding
/// belonged to the sibling's own key length.
fn equals_of(between: &str) -> String {
    let (before, after) = between.split_once('=').unwrap_or((" ", " "));
    let space = |side: &str| if side.is_empty() { "" } else { " " };
    format!("{}={}", space(before), space(after))
}

/// A new `hold = …` line after the last key of a `[services.NAME]` table or of dotted keys.
fn hold_in_table(text: &str, table: &toml_edit::Table, hold: &str) -> Option<Splice> {
    let pairs = pairs(table);
    let (anchor, prefix, equals) = match pairs.last() {
        Some(last) => {
            let line_start = line_start(text, last.key.start);
            // For dotted keys this is `NAME.` (or `services.NAME.`), for a table the indentation.
            let prefix = text.get(line_start..last.key.start)?;
            let equals = text.get(last.key.end..last.value.start)?;
            let equals = match aligned_column(text, &pairs) {
                Some(column) if column > prefix.len() + "hold".len() => format!(
                    "{}={}",
                    " ".repeat(column - prefix.len() - "hold".len()),
                    equals.split_once('=').map_or(" ", |(_, after)| after)
                ),
                _ => equals_of(equals),
            };
            (last.value.end, prefix.to_string(), equals)
        }
        // A bare `[services.NAME]` header: the new key goes right below it.
        None => (table.span()?.end, String::new(), " = ".to_string()),
    };
    let line = format!("{prefix}hold{equals}{hold}");
    Some(match text.get(anchor..)?.find('\n') {
        Some(offset) => {
            let newline_at = anchor + offset;
            let newline = if text.get(..newline_at)?.ends_with('\r') {
                "\r\n"
            } else {
                "\n"
            };
            Splice {
                range: newline_at + 1..newline_at + 1,
                text: format!("{line}{newline}"),
            }
        }
        // The entry ends the file without a final line break: keep it without one.
        None => {
            let newline = if text.contains("\r\n") { "\r\n" } else { "\n" };
            Splice {
                range: text.len()..text.len(),
                text: format!("{newline}{line}"),
            }
        }
    })
}

/// The column of `=` when every pair (at least two) puts it in the same column.
fn aligned_column(text: &str, pairs: &[Pair]) -> Option<usize> {
    if pairs.len() < 2 {
        return None;
    }
    let mut columns = pairs.iter().map(|pair| {
        let equals = text.get(pair.key.end..pair.value.start)?.find('=')?;
        Some(pair.key.end + equals - line_start(text, pair.key.start))
    });
    let first = columns.next()??;
    columns.all(|column| column == Some(first)).then_some(first)
}

fn line_start(text: &str, at: usize) -> usize {
    text.get(..at)
        .and_then(|before| before.rfind('\n'))
        .map_or(0, |newline| newline + 1)
}

/// Checks that `updated` equals `original` outside `entry` and that the hold reads back.
fn verify_hold(
    original: &str,
    updated: &str,
    entry: Range<usize>,
    service: &str,
    reason: &str,
) -> Option<()> {
    let before = original.get(..entry.start)?;
    let after = original.get(entry.end..)?;
    let unchanged_outside = updated.len() >= before.len() + after.len()
        && updated.starts_with(before)
        && updated.ends_with(after);
    let reads_back = Document::parse(updated).ok().is_some_and(|document| {
        document
            .get("services")
            .and_then(|services| services.get(service))
            .and_then(|entry| entry.get("hold"))
            .and_then(Item::as_str)
            == Some(reason)
    });
    (unchanged_outside && reads_back).then_some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_ok(text: &str) -> Limits {
        match parse(text, Path::new("limits.toml")) {
            Ok(limits) => limits,
            Err(errors) => panic!("expected valid limits, got {errors:#?}"),
        }
    }

    fn parse_err(text: &str) -> Vec<LimitsError> {
        match parse(text, Path::new("limits.toml")) {
            Ok(limits) => panic!("expected errors, got {limits:#?}"),
            Err(errors) => errors.into_errors(),
        }
    }

    /// The single error of `text`, which must be of `kind`.
    fn only_error(text: &str, kind: LimitsErrorKind) -> LimitsError {
        let mut errors = parse_err(text);
        let kinds: Vec<_> = errors.iter().map(|e| e.kind().clone()).collect();
        assert_eq!(kinds, vec![kind], "{errors:#?}");
        errors.remove(0)
    }

    fn spanned<'t>(text: &'t str, error: &LimitsError) -> &'t str {
        &text[error.span()]
    }

    const SERVICES: &str = "[services]\ntraefik = { mem_limit = \"256m\" }\n";

    const FULL_EXAMPLE: &str = r#"# Memory limits of the inlock stack, rolled out in five stages.
[compose]
root  = "compose"                 # folder searched for compose files
write = ["service", "deploy"]

[services]
# Stage 1: infrastructure
docker-socket-proxy = { mem_limit = "128m",  mem_reservation = "32m" }
traefik             = { mem_limit = "256m",  mem_reservation = "64m" }
oauth2-proxy        = { mem_limit = "256m",  mem_reservation = "64m" }
# Stage 2: monitoring
node-exporter       = { mem_limit = "128m",  mem_reservation = "32m" }
blackbox-exporter   = { mem_limit = "128m",  mem_reservation = "32m" }
postgres-exporter   = { mem_limit = "128m",  mem_reservation = "32m" }
alertmanager        = { mem_limit = "256m",  mem_reservation = "64m" }
promtail            = { mem_limit = "256m",  mem_reservation = "64m" }
# Stage 3: management and observability
portainer           = { mem_limit = "384m",  mem_reservation = "128m" }
cadvisor            = { mem_limit = "384m",  mem_reservation = "128m" }
loki                = { mem_limit = "768m",  mem_reservation = "256m", hold = "OOM-killed in stage 3; under review" }
prometheus          = { mem_limit = "1536m", mem_reservation = "512m" }
grafana             = { mem_limit = "512m",  mem_reservation = "128m" }
# Stage 4: coolify
coolify-redis       = { mem_limit = "512m",  mem_reservation = "128m", file = "compose/services/coolify.yml" }
coolify-soketi      = { mem_limit = "512m",  mem_reservation = "128m", file = "compose/services/coolify.yml" }
coolify-postgres    = { mem_limit = "1g",    mem_reservation = "256m", file = "compose/services/coolify.yml" }
coolify             = { mem_limit = "1536m", mem_reservation = "512m", file = "compose/services/coolify.yml" }
# Stage 5: applications
inlock-db           = { mem_limit = "768m",  mem_reservation = "256m", file = "compose/services/inlock-db.yml" }
inlock-ai           = { mem_limit = "768m",  mem_reservation = "256m", file = "compose/services/inlock-ai.yml" }
cockpit-proxy       = { mem_limit = "128m",  mem_reservation = "32m",  file = "compose/services/cockpit-proxy.yml" }

[[stages]]
name     = "infrastructure"
risk     = "low"
services = ["docker-socket-proxy", "traefik", "oauth2-proxy"]
settle   = "30s"
soak     = "10m"

[[stages]]
name     = "monitoring"
risk     = "medium"
services = ["node-exporter", "blackbox-exporter", "postgres-exporter", "alertmanager", "promtail"]
settle   = "30s"
soak     = "15m"

[[stages]]
name     = "management"
risk     = "medium-high"
services = ["portainer", "cadvisor", "loki", "prometheus", "grafana"]
settle   = "60s"
soak     = "20m"

[[stages]]
name     = "coolify"
risk     = "high"
services = ["coolify-redis", "coolify-soketi", "coolify-postgres", "coolify"]
settle   = "60s"
soak     = "30m"

[[stages]]
name     = "applications"
risk     = "highest"
services = ["inlock-db", "inlock-ai", "cockpit-proxy"]
settle   = "90s"
soak     = "1h"
"#;

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

        let text = format!(
            "{SERVICES}[[stages]]\nname = \"a\"\nservices = [\"traefik\"]\nsoke = \"1m\"\n"
        );
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
        let text = "[services]\na = { mem_limit = \"1Gi\" }\n[[stages]]\nname = \"x\"\nservices = [\"a\"]\n";
        let errors = parse_err(text);
        assert_eq!(errors.len(), 1);
        assert!(matches!(errors[0].kind(), LimitsErrorKind::InvalidSize(_)));
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

    #[test]
    fn errors_render_with_file_name_and_labels() {
        let text = "[services]\ntraefik = { mem_limt = \"256m\", mem_limit = \"256m\" }\n";
        let errors = match parse(text, Path::new("conf/limits.toml")) {
            Ok(_) => panic!("the typo must be reported"),
            Err(errors) => errors,
        };
        assert_eq!(errors.to_string(), "conf/limits.toml has 1 error");
        let mut rendered = String::new();
        let handler =
            miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::unicode_nocolor());
        handler
            .render_report(&mut rendered, &errors)
            .map_err(|e| e.to_string())
            .unwrap_or_else(|e| panic!("rendering failed: {e}"));
        assert!(rendered.contains("conf/limits.toml:2:13"), "{rendered}");
        assert!(rendered.contains("unknown key"), "{rendered}");
        assert!(rendered.contains("did you mean `mem_limit`?"), "{rendered}");
    }

    #[test]
    fn did_you_mean_finds_close_keys() {
        assert_eq!(
            did_you_mean("memory_limit", SERVICE_KEYS.iter().copied()),
            Some("mem_limit")
        );
        assert_eq!(did_you_mean("limit", SERVICE_KEYS.iter().copied()), None);
        assert_eq!(
            did_you_mean("files", SERVICE_KEYS.iter().copied()),
            Some("file")
        );
    }

    const HOLD_FILE: &str = r#"# Limits of the stack.   (header comment)
[compose]
root = "compose"

[services]
traefik  = { mem_limit = "256m", mem_reservation = "64m" }   # proxy
loki     = { mem_limit = "768m", hold = "old reason", mem_reservation = "256m" }
compact  = {mem_limit="1g"}
dot.mem_limit = "1g"   # dotted
dot.file = "x.yml"
other    = { mem_limit = "1g" }

[services.coolify]
mem_limit       = "1536m"   # big
# the reservation leaves headroom
mem_reservation = "512m"
# trailing comment in the table

[services.held]
mem_limit = "1g"
hold      = "x"   # why

[[stages]]
name = "one"
services = ["traefik"]
"#;

    /// Asserts that `updated` differs from `HOLD_FILE` only by `inserted` at one place.
    fn assert_only_inserted(updated: &str, inserted: &str) {
        let at = updated
            .find(inserted)
            .unwrap_or_else(|| panic!("{inserted:?} not in:\n{updated}"));
        let without = format!("{}{}", &updated[..at], &updated[at + inserted.len()..]);
        assert_eq!(without, HOLD_FILE, "unexpected changes:\n{updated}");
    }

    fn hold(text: &str, service: &str, reason: &str) -> String {
        set_hold(text, service, reason).unwrap_or_else(|e| panic!("set_hold({service}): {e}"))
    }

    #[test]
    fn set_hold_in_an_inline_table() {
        let updated = hold(HOLD_FILE, "traefik", "OOM-killed in stage 3");
        assert_only_inserted(&updated, ", hold = \"OOM-killed in stage 3\"");
        assert!(updated.contains(
            "traefik  = { mem_limit = \"256m\", mem_reservation = \"64m\", hold = \"OOM-killed in stage 3\" }   # proxy\n"
        ));
    }

    #[test]
    fn set_hold_keeps_a_compact_inline_style() {
        let updated = hold(HOLD_FILE, "compact", "r");
        assert!(
            updated.contains("compact  = {mem_limit=\"1g\",hold=\"r\"}\n"),
            "{updated}"
        );
        assert_only_inserted(&updated, ",hold=\"r\"");
    }

    #[test]
    fn set_hold_replaces_an_existing_hold() {
        let updated = hold(HOLD_FILE, "loki", "new");
        assert_eq!(
            updated,
            HOLD_FILE.replace("hold = \"old reason\"", "hold = \"new\"")
        );

        let updated = hold(HOLD_FILE, "held", "because");
        assert_eq!(
            updated,
            HOLD_FILE.replace(
                "hold      = \"x\"   # why",
                "hold      = \"because\"   # why"
            )
        );
    }

    #[test]
    fn set_hold_with_the_same_reason_changes_nothing() {
        assert_eq!(hold(HOLD_FILE, "loki", "old reason"), HOLD_FILE);
    }

    #[test]
    fn set_hold_in_a_table_aligns_with_its_siblings() {
        let updated = hold(HOLD_FILE, "coolify", "r");
        assert_only_inserted(&updated, "hold            = \"r\"\n");
        assert!(
            updated.contains("mem_reservation = \"512m\"\nhold            = \"r\"\n# trailing")
        );
    }

    #[test]
    fn set_hold_in_dotted_keys() {
        let updated = hold(HOLD_FILE, "dot", "r");
        assert_only_inserted(&updated, "dot.hold = \"r\"\n");
        assert!(updated.contains("dot.file = \"x.yml\"\ndot.hold = \"r\"\n"));
    }

    #[test]
    fn set_hold_escapes_the_reason() {
        let reason = "said \"no\"\\ then\nleft\t\u{7}";
        let updated = hold(HOLD_FILE, "other", reason);
        assert!(
            updated.contains(r#"hold = "said \"no\"\\ then\nleft\t\u0007" }"#),
            "{updated}"
        );
        let limits = parse_ok(&updated);
        assert_eq!(
            limits.service("other").and_then(|s| s.hold.as_deref()),
            Some(reason)
        );
    }

    #[test]
    fn set_hold_result_still_parses() {
        let mut text = HOLD_FILE.to_string();
        for service in [
            "traefik", "loki", "compact", "dot", "other", "coolify", "held",
        ] {
            text = hold(&text, service, "on hold");
        }
        let limits = parse_ok(&text);
        assert!(
            limits
                .services
                .iter()
                .all(|s| s.hold.as_deref() == Some("on hold"))
        );
        // Nothing outside [services] moved.
        assert!(text.starts_with("# Limits of the stack.   (header comment)\n[compose]\nroot = \"compose\"\n\n[services]\n"));
        assert!(text.ends_with("[[stages]]\nname = \"one\"\nservices = [\"traefik\"]\n"));
    }

    #[test]
    fn set_hold_with_crlf_and_an_empty_inline_table() {
        let text = "[services]\r\na = {}\r\nb = { mem_limit = \"1g\" }\r\n";
        let updated = hold(text, "a", "r");
        assert_eq!(
            updated,
            "[services]\r\na = { hold = \"r\" }\r\nb = { mem_limit = \"1g\" }\r\n"
        );
        let updated = hold(text, "b", "r");
        assert_eq!(
            updated,
            "[services]\r\na = {}\r\nb = { mem_limit = \"1g\", hold = \"r\" }\r\n"
        );
    }

    #[test]
    fn set_hold_in_other_layouts() {
        let cases: &[(&str, &str)] = &[
            // Trailing comma (TOML 1.1).
            (
                "[services]\na = { mem_limit = \"1g\", }\n",
                "[services]\na = { mem_limit = \"1g\", hold = \"r\", }\n",
            ),
            // An inline table spread over lines, with a comment between entries.
            (
                "[services]\na = {\n  mem_limit = \"1g\", # c\n  file = \"x\"\n}\n",
                "[services]\na = {\n  mem_limit = \"1g\", # c\n  file = \"x\",\n  hold = \"r\"\n}\n",
            ),
            // A bare table header, and a file without a final line break.
            (
                "[services.a]\n\n[services.b]\nmem_limit = \"1g\"",
                "[services.a]\nhold = \"r\"\n\n[services.b]\nmem_limit = \"1g\"",
            ),
            (
                "[services.a]\nmem_limit = \"1g\"",
                "[services.a]\nmem_limit = \"1g\"\nhold = \"r\"",
            ),
            // Dotted keys from the top level, interleaved with another service.
            (
                "services.a.mem_limit = \"1g\"\nservices.b.mem_limit = \"1g\"\nservices.a.file = \"x\"\n",
                "services.a.mem_limit = \"1g\"\nservices.b.mem_limit = \"1g\"\nservices.a.file = \"x\"\nservices.a.hold = \"r\"\n",
            ),
            // Indented keys and a multi-line value as the last key.
            (
                "[services.a]\n  mem_limit = \"1g\"\n  file = \"\"\"\nx\"\"\" # f\n[x]\n",
                "[services.a]\n  mem_limit = \"1g\"\n  file = \"\"\"\nx\"\"\" # f\n  hold = \"r\"\n[x]\n",
            ),
            // Keys not aligned: a plain ` = `.
            (
                "[services.a]\nmem_limit = \"1g\"\nfile  = \"x\"\n",
                "[services.a]\nmem_limit = \"1g\"\nfile  = \"x\"\nhold = \"r\"\n",
            ),
            // A nested inline table under an inline [services].
            (
                "services = { a = { mem_limit = \"1g\" } }\n",
                "services = { a = { mem_limit = \"1g\", hold = \"r\" } }\n",
            ),
        ];
        for (text, expected) in cases {
            assert_eq!(&hold(text, "a", "r"), expected, "from {text:?}");
        }
    }

    #[test]
    fn set_hold_keeps_crlf() {
        let text = "[services]\r\na = { mem_limit = \"1g\" }\r\n\r\n[services.b]\r\nmem_limit = \"1g\"\r\n# end\r\n";
        assert_eq!(
            hold(text, "a", "r"),
            "[services]\r\na = { mem_limit = \"1g\", hold = \"r\" }\r\n\r\n[services.b]\r\nmem_limit = \"1g\"\r\n# end\r\n"
        );
        assert_eq!(
            hold(text, "b", "r"),
            "[services]\r\na = { mem_limit = \"1g\" }\r\n\r\n[services.b]\r\nmem_limit = \"1g\"\r\nhold = \"r\"\r\n# end\r\n"
        );
    }

    #[test]
    fn set_hold_errors() {
        assert_eq!(
            set_hold(HOLD_FILE, "traefik", "  "),
            Err(SetHoldError::EmptyReason)
        );
        assert_eq!(
            set_hold(HOLD_FILE, "trafik", "r"),
            Err(SetHoldError::NoEntry {
                service: "trafik".into(),
                help: "did you mean `traefik`?".into()
            })
        );
        assert!(matches!(
            set_hold(HOLD_FILE, "grafana", "r"),
            Err(SetHoldError::NoEntry { .. })
        ));
        assert!(matches!(
            set_hold("[compose]\n", "a", "r"),
            Err(SetHoldError::NoEntry { .. })
        ));
        assert!(matches!(
            set_hold("[services]\na = \"1g\"\n", "a", "r"),
            Err(SetHoldError::NotATable { .. })
        ));
        assert!(matches!(
            set_hold("[services\n", "a", "r"),
            Err(SetHoldError::Syntax { span: Some(_), .. })
        ));
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

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

            #[test]
            fn set_hold_reads_back_any_reason(
                reason in "(?s).{0,10}[a-z].{0,10}",
                service in prop::sample::select(vec![
                    "traefik", "loki", "compact", "dot", "other", "coolify", "held",
                ]),
            ) {
                let updated = set_hold(HOLD_FILE, service, &reason);
                prop_assert!(updated.is_ok(), "{updated:?}");
                let updated = updated.unwrap_or_default();
                let limits = parse(&updated, Path::new("limits.toml"));
                prop_assert!(limits.is_ok());
                let hold = limits
                    .ok()
                    .and_then(|limits| limits.service(service).and_then(|s| s.hold.clone()));
                prop_assert_eq!(hold.as_deref(), Some(reason.as_str()));
            }
        }
    }
}
