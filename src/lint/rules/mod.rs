//! The lint rules, one per file, each with its stable code and its documentation.

pub mod drift;
pub mod held;
pub mod interpolated;
pub mod invalid_size;
pub mod inverted;
pub mod missing;
pub mod split;
pub mod unknown_service;
pub mod unmanaged;

use super::Severity;

/// A rule's code and documentation: what `limitctl explain` prints and SARIF's rule metadata.
#[derive(Debug)]
pub struct Rule {
    /// The stable code.
    pub code: &'static str,
    /// The level of its findings (`unmanaged` is raised to error by `--deny unmanaged`).
    pub severity: Severity,
    /// One line.
    pub summary: &'static str,
    /// What a finding means.
    pub what: &'static str,
    /// Why it matters.
    pub why: &'static str,
    /// How to fix it.
    pub fix: &'static str,
    /// A compose (or limits.toml) snippet that has the finding.
    pub example: &'static str,
}

/// The message end shared by `split` findings: what each Compose version does with the file.
pub(crate) const SPLIT_CONSEQUENCE: &str =
    "Compose v2 refuses this file, and Compose 1.29 silently uses the deploy value";
