//! What can be wrong with `limits.toml`, and the wording every message about it shares.
//!
//! The errors keep their fields private: the parser builds them through the constructors
//! below, and callers read them through accessors, so the miette layout can change freely.

use std::ops::Range;

use miette::{LabeledSpan, NamedSource, SourceSpan};

use crate::size::SizeError;

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
    /// The errors of the file named `path`, already in file order.
    pub(super) fn new(path: String, errors: Vec<LimitsError>) -> Self {
        LimitsErrors { path, errors }
    }

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

/// `1 error` or `N errors`, for the summary line.
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
    /// A problem at `span` of `source_code`, without help or notes: those are added with
    /// [`Self::with_help`] and [`Self::with_note`] where the parser has something to say.
    pub(super) fn new(
        kind: LimitsErrorKind,
        source_code: NamedSource<String>,
        span: Range<usize>,
        message: String,
        label: String,
    ) -> Self {
        LimitsError {
            kind,
            message,
            source_code,
            span: span.into(),
            label,
            notes: Vec::new(),
            help: None,
        }
    }

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

    /// This error with `help` as how to fix it.
    pub(super) fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// This error with a secondary `label` at `span`.
    pub(super) fn with_note(mut self, span: Range<usize>, label: impl Into<String>) -> Self {
        self.notes
            .push(LabeledSpan::new_with_span(Some(label.into()), span));
        self
    }
}

/// The candidate closest to `word` by edit distance (ignoring case), if it is close enough to
/// be a typo: within a third of the candidate's length, rounded up (`soke` → `soak`).
pub(super) fn did_you_mean<'c>(
    word: &str,
    candidates: impl IntoIterator<Item = &'c str>,
) -> Option<&'c str> {
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
pub(super) fn a(type_name: &str) -> String {
    let article = if type_name.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    };
    format!("{article} {type_name}")
}

/// `integers`, `inline tables`…
pub(super) fn plural_type(type_name: &str) -> String {
    format!("{type_name}s")
}

/// `` `a`, `b` and `c` ``
pub(super) fn list(items: &[&str]) -> String {
    let quoted: Vec<String> = items.iter().map(|item| format!("`{item}`")).collect();
    match quoted.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        Some((last, _)) => last.clone(),
        None => String::new(),
    }
}
