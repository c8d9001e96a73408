//! `limits.toml` → typed, validated [`Limits`], and the one edit limitctl makes to it
//! ([`set_hold`]).
//!
//! Everything here is pure: text in, data or errors out. Reading the file, resolving paths and
//! checking that a `file` exists belong to the I/O edge. Every error carries a byte range into
//! `limits.toml`, and parsing reports all of them at once, so a broken table is fixed in one
//! round instead of one error per run.
//!
//! This module holds the model and the [`parse`] entry point. The walk that builds the model
//! lives in `parser`, the errors it reports and their wording in `error`, and the hold edit in
//! `hold`, so each job can be read and changed on its own. Everything callers use is
//! re-exported here, so `crate::limits::X` stays the only path they need.

mod error;
mod hold;
mod parser;
#[cfg(test)]
mod tests;

use std::ops::Range;
use std::path::Path;
use std::time::Duration;

use crate::size::MemSize;

pub use error::{LimitsError, LimitsErrorKind, LimitsErrors};
pub use hold::{SetHoldError, set_hold};

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

impl WriteTargets {
    /// Every valid setting of `write`: both forms, service-level only, deploy only.
    pub const ALL: [WriteTargets; 3] = [
        WriteTargets {
            service: true,
            deploy: true,
        },
        WriteTargets {
            service: true,
            deploy: false,
        },
        WriteTargets {
            service: false,
            deploy: true,
        },
    ];
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

/// Parses and validates the text of `limits.toml`; `path` only names the file in errors.
///
/// Returns every problem found, not just the first. A file that is not TOML at all yields the
/// single syntax error, since nothing after it can be trusted.
pub fn parse(text: &str, path: &Path) -> Result<Limits, LimitsErrors> {
    let name = path.display().to_string();
    let (limits, mut errors) = parser::parse_document(text, &name);
    match limits {
        Some(limits) if errors.is_empty() => Ok(limits),
        _ => {
            // Errors are found table by table; file order reads better and snapshots stably.
            errors.sort_by_key(|error| error.span().start);
            Err(LimitsErrors::new(name, errors))
        }
    }
}
