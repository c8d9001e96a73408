//! The walk over `limits.toml` that builds [`Limits`] and collects every [`LimitsError`] on
//! the way, so that one run reports all of them.

use std::collections::{HashMap, HashSet};
use std::ops::Range;

use miette::NamedSource;
use toml_edit::{Document, Item, Key, TableLike};

use super::error::{LimitsError, LimitsErrorKind, a, did_you_mean, list, plural_type};
use super::{ComposeConfig, Limits, ServiceLimits, SizeSpec, Stage, WriteTargets, parse_duration};
use crate::size::MemSize;

const TOP_KEYS: &[&str] = &["compose", "services", "stages"];
const COMPOSE_KEYS: &[&str] = &["root", "files", "write"];
/// The keys of a service entry; visible to the tests, which check suggestions against them.
pub(super) const SERVICE_KEYS: &[&str] = &["mem_limit", "mem_reservation", "file", "hold"];
const STAGE_KEYS: &[&str] = &["name", "risk", "services", "settle", "soak"];
const WRITE_TARGETS: &[&str] = &["service", "deploy"];

/// Walks `text`, naming the file `name` in errors. Returns the limits when the TOML parses
/// (valid or not) and every error found, in the order found.
pub(super) fn parse_document(text: &str, name: &str) -> (Option<Limits>, Vec<LimitsError>) {
    let mut parser = Parser {
        text,
        name: name.to_string(),
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
    (limits, parser.errors)
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
        LimitsError::new(
            kind,
            NamedSource::new(self.name.clone(), self.text.to_string()),
            span,
            message.into(),
            label.into(),
        )
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
                if let Some(help) = help {
                    error = error.with_help(help);
                }
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
pub(super) fn extend_with_item(extent: &mut Range<usize>, item: &Item) {
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
pub(super) fn whole_lines(text: &str, span: Range<usize>) -> Range<usize> {
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
