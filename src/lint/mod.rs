//! `check`: lint rules, one per file, each returning findings as data.

/// Every finding code.
pub const CODES: &[&str] = &[];

/// The long explanation of a finding code.
pub fn explain(_code: &str) -> Option<String> {
    None
}
