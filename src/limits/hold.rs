//! [`set_hold`], the one edit limitctl makes to `limits.toml`: a splice that leaves every
//! byte outside the service's entry as it was.

use std::ops::Range;

use toml_edit::{Document, InlineTable, Item, TableLike};

use super::error::did_you_mean;
// The parser's own idea of an entry's extent, so that the edit is checked against the same
// lines that `ServiceLimits::line_span` reports.
use super::parser::{extend_with_item, whole_lines};

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
