//! Memory sizes exactly as Docker Compose reads them.
//!
//! Compose turns a size string into bytes in two steps: a plain decimal integer is taken as
//! bytes, anything else goes through go-units `RAMInBytes`. [`MemSize::parse`] reproduces both
//! steps byte for byte, including the corners of Go's `strconv.ParseFloat` that leak through
//! (`1e3m`, `1_000m`, `0x1p4m`, `.5g` and `1 ` are all accepted by Compose), so that
//! limitctl never calls a value valid that Compose rejects, or the other way round.

use std::fmt;
use std::str::FromStr;

/// A memory size in bytes, compared as bytes and never as text (`1g` = `1024m`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MemSize(u64);

const KIB: u64 = 1024;
const MIB: u64 = 1024 * KIB;

/// Units in the order [`MemSize`]'s `Display` prefers them: largest first.
const UNITS: [(char, u64); 5] = [
    ('p', 1 << 50),
    ('t', 1 << 40),
    ('g', 1 << 30),
    ('m', 1 << 20),
    ('k', 1 << 10),
];

/// Above this, an `f64` no longer holds every integer, so go-units (which goes through a float)
/// would round a plain byte count spelled with a `b` suffix.
const F64_EXACT_INTEGERS: u64 = 1 << 53;

/// 2^63 as a float: the first value that no longer fits Go's `int64`.
const INT64_LIMIT: f64 = 9_223_372_036_854_775_808.0;

impl MemSize {
    /// The smallest limit or reservation the Docker engine accepts: 6 MiB.
    pub const ENGINE_MINIMUM: MemSize = MemSize(6 * MIB);

    /// A size of exactly `bytes` bytes.
    pub const fn from_bytes(bytes: u64) -> MemSize {
        MemSize(bytes)
    }

    /// The size in bytes.
    pub const fn bytes(self) -> u64 {
        self.0
    }

    /// Whether the engine would refuse this as a limit or reservation (below 6 MiB).
    pub const fn below_engine_minimum(self) -> bool {
        self.0 < Self::ENGINE_MINIMUM.0
    }

    /// Parses a size string the way Docker Compose does.
    ///
    /// First as a plain decimal integer of bytes (`"1073741824"`), else with go-units
    /// `RAMInBytes`: a Go float literal, one optional space, then an optional suffix `b`, or
    /// `k m g t p` optionally followed by `b` or `ib`, case-insensitive and 1024-based, the
    /// product truncated to whole bytes. Anything Compose rejects, and anything that does not
    /// fit Docker's signed 64-bit byte count, is an error whose help says how to fix it.
    pub fn parse(input: &str) -> Result<MemSize, SizeError> {
        parse_bytes(input)
            .map(MemSize)
            .map_err(|raw| diagnose(input, raw))
    }
}

impl FromStr for MemSize {
    type Err = SizeError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        MemSize::parse(s)
    }
}

/// The shortest exact spelling in the largest whole unit: `1g`, `1536m`, `64k`, `100b`.
///
/// Every spelling parses back to the same number of bytes, in limitctl and in Compose. Byte
/// counts above 2^53 that are not a whole number of KiB print as a bare integer, because
/// Compose reads `<n>b` through a float and would round them; a bare integer it reads exactly.
/// Sizes above `i64::MAX` have no spelling Compose accepts; they print as a bare integer.
impl fmt::Display for MemSize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let bytes = self.0;
        if bytes != 0 {
            for (unit, multiplier) in UNITS {
                if bytes.is_multiple_of(multiplier) {
                    return write!(f, "{}{unit}", bytes / multiplier);
                }
            }
        }
        if bytes <= F64_EXACT_INTEGERS {
            write!(f, "{bytes}b")
        } else {
            write!(f, "{bytes}")
        }
    }
}

/// Why a string is not a size Compose accepts, and how to write it instead.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error, miette::Diagnostic)]
pub enum SizeError {
    /// Nothing but (possibly) whitespace.
    #[error("the size is empty")]
    #[diagnostic(
        code(limitctl::size::empty),
        help("write a number with an optional unit, e.g. `512m` or `1g`")
    )]
    Empty,

    /// No digit at all, e.g. `g` or `unlimited`.
    #[error("{input:?} is not a size: it has no number")]
    #[diagnostic(
        code(limitctl::size::no_number),
        help("write a number with an optional unit, e.g. `512m` or `1g`")
    )]
    NoNumber {
        /// The string as given.
        input: String,
    },

    /// The part before the unit is not a number Go's `ParseFloat` accepts, e.g. `1.5.5g`.
    #[error("{input:?} is not a size: {number:?} is not a number")]
    #[diagnostic(
        code(limitctl::size::invalid_number),
        help(
            "write a decimal number with an optional unit (b, k, m, g, t or p), e.g. `512m` or `1.5g`"
        )
    )]
    InvalidNumber {
        /// The string as given.
        input: String,
        /// The part read as the number.
        number: String,
    },

    /// Whitespace Compose rejects: leading, trailing after a unit, or more than one space.
    #[error("{input:?} has whitespace that Compose rejects")]
    #[diagnostic(
        code(limitctl::size::whitespace),
        help("at most one space may stand between the number and the unit; write `{fixed}`")
    )]
    Whitespace {
        /// The string as given.
        input: String,
        /// The same size without the offending whitespace.
        fixed: String,
    },

    /// A Kubernetes quantity such as `512Mi`.
    #[error("{input:?} uses the Kubernetes unit `{unit}`, which Compose rejects")]
    #[diagnostic(
        code(limitctl::size::kubernetes_unit),
        help("Compose does not accept Kubernetes-style units; write `{fixed}`")
    )]
    KubernetesUnit {
        /// The string as given.
        input: String,
        /// The unit as written, e.g. `Mi`.
        unit: String,
        /// The same size in Compose's syntax.
        fixed: String,
    },

    /// A comma, either as a decimal point (`1,5g`) or as a thousands separator (`1,000m`).
    #[error("{input:?} contains a comma, which Compose rejects")]
    #[diagnostic(
        code(limitctl::size::comma),
        help("use `.` as the decimal point (`1.5g`) and no thousands separators (`1000m`)")
    )]
    Comma {
        /// The string as given.
        input: String,
    },

    /// A hexadecimal integer such as `0x10`: Go reads hexadecimal only with a `p` exponent.
    #[error("{input:?} is hexadecimal, which Compose rejects")]
    #[diagnostic(
        code(limitctl::size::hexadecimal),
        help("write the size in decimal: `{fixed}`")
    )]
    Hexadecimal {
        /// The string as given.
        input: String,
        /// The same size in decimal.
        fixed: String,
    },

    /// Below zero, e.g. `-1g`.
    #[error("{input:?} is negative")]
    #[diagnostic(
        code(limitctl::size::negative),
        help("a memory size is a positive amount, e.g. `512m`")
    )]
    Negative {
        /// The string as given.
        input: String,
    },

    /// `inf` or `nan`, which Go's `ParseFloat` reads but no size can be.
    #[error("{input:?} is not a finite number")]
    #[diagnostic(
        code(limitctl::size::not_finite),
        help("write a number with an optional unit, e.g. `512m` or `1g`")
    )]
    NotFinite {
        /// The string as given.
        input: String,
    },

    /// A suffix that is not `b`, or `k m g t p` with an optional `b` or `ib`.
    #[error("{input:?} is not a size: `{unit}` is not a unit Compose accepts")]
    #[diagnostic(
        code(limitctl::size::invalid_unit),
        help(
            "units are b, k, m, g, t and p (powers of 1024, any case), optionally followed by `b` or `ib`: `512m`, `512MB` and `512MiB` are the same size"
        )
    )]
    InvalidUnit {
        /// The string as given.
        input: String,
        /// The suffix as written.
        unit: String,
    },

    /// 8 EiB or more, which does not fit Docker's signed 64-bit byte count.
    #[error("{input:?} is too large")]
    #[diagnostic(
        code(limitctl::size::too_large),
        help("Docker counts bytes in a signed 64-bit integer, so a size must stay below `8192p`")
    )]
    TooLarge {
        /// The string as given.
        input: String,
    },
}

/// Why go-units (or the integer step before it) refused a string, before it is explained.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Raw {
    /// No digit, dot or space anywhere: go-units' "invalid size".
    NoSeparator,
    /// `strconv.ParseFloat` refused the number part.
    BadNumber(String),
    Negative,
    NotFinite,
    BadSuffix(String),
    TooLarge,
}

/// Compose's two steps: decimal integer, else go-units `RAMInBytes`.
fn parse_bytes(input: &str) -> Result<u64, Raw> {
    match parse_decimal_integer(input) {
        Some(Ok(bytes)) => Ok(bytes),
        Some(Err(raw)) => Err(raw),
        None => ram_in_bytes(input),
    }
}

/// Go's `strconv.ParseInt(s, 10, 64)`: `None` when `s` is not `[+-]?[0-9]+` at all, so the
/// caller falls through to go-units. Out of range is final: go-units would only reach the same
/// number through a float, which Go then converts to an undefined `int64`.
fn parse_decimal_integer(input: &str) -> Option<Result<u64, Raw>> {
    let (negative, digits) = match input.as_bytes().first() {
        Some(b'-') => (true, &input[1..]),
        Some(b'+') => (false, &input[1..]),
        _ => (false, input),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let limit = i64::MAX.unsigned_abs();
    Some(match digits.parse::<u64>() {
        // Go reads "-0" as 0, and go-units accepts it as well: not negative.
        Ok(0) => Ok(0),
        Ok(_) if negative => Err(Raw::Negative),
        Ok(bytes) if bytes <= limit => Ok(bytes),
        _ if negative => Err(Raw::Negative),
        _ => Err(Raw::TooLarge),
    })
}

/// go-units `parseSize` with the binary unit map, step by step.
fn ram_in_bytes(input: &str) -> Result<u64, Raw> {
    // LastIndexAny(s, "01234567890. "): every character in that set is ASCII, so the byte
    // index never falls inside a multi-byte character and slicing at it is safe.
    let sep = input
        .bytes()
        .rposition(|b| b.is_ascii_digit() || b == b'.' || b == b' ')
        .ok_or(Raw::NoSeparator)?;
    let (number, suffix) = if input.as_bytes()[sep] == b' ' {
        (&input[..sep], &input[sep + 1..])
    } else {
        (&input[..=sep], &input[sep + 1..])
    };

    let size = go_parse_float(number).map_err(|e| match e {
        GoFloatError::Syntax => Raw::BadNumber(number.to_string()),
        GoFloatError::Range => Raw::TooLarge,
    })?;
    if size < 0.0 {
        return Err(Raw::Negative);
    }
    // Go would convert NaN and ±Inf to whatever int64 the CPU yields; no size comes of it.
    if !size.is_finite() {
        return Err(Raw::NotFinite);
    }
    if suffix.is_empty() {
        return go_int64(size);
    }

    // The length limit is checked on the bytes as written, before lowercasing.
    if suffix.len() > 3 {
        return Err(Raw::BadSuffix(suffix.to_string()));
    }
    let lower = go_to_lower(suffix);
    let bad = || Raw::BadSuffix(suffix.to_string());
    let multiplier: u64 = match lower.as_bytes().first() {
        Some(b'b') if lower.len() == 1 => return go_int64(size),
        Some(b'b') => return Err(bad()),
        Some(b'k') => 1 << 10,
        Some(b'm') => 1 << 20,
        Some(b'g') => 1 << 30,
        Some(b't') => 1 << 40,
        Some(b'p') => 1 << 50,
        _ => return Err(bad()),
    };
    match lower.len() {
        2 if lower.as_bytes()[1] != b'b' => return Err(bad()),
        3 if &lower[1..] != "ib" => return Err(bad()),
        _ => {}
    }
    // Multipliers are powers of two up to 2^50: exact as a float.
    go_int64(size * multiplier as f64)
}

/// Go's `int64(f)` for a finite `f >= 0`, with Go's undefined out-of-range cases made errors.
fn go_int64(value: f64) -> Result<u64, Raw> {
    if value.is_finite() && value < INT64_LIMIT {
        // Truncation toward zero is exactly Go's conversion; the range was checked above.
        Ok(value as u64)
    } else {
        Err(Raw::TooLarge)
    }
}

/// Go's `strings.ToLower`, as far as it matters here.
///
/// Go lowercases rune by rune with Unicode's simple mapping, so the Kelvin sign `K` becomes a
/// plain `k` (and `1K` is 1 KiB to Compose) and `İ` becomes `i`. Rust's `to_lowercase` agrees
/// except for `İ`, which it maps to two characters; only results in ASCII affect the outcome.
fn go_to_lower(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\u{0130}' => 'i',
            c => {
                let mut lower = c.to_lowercase();
                match (lower.next(), lower.next()) {
                    (Some(single), None) => single,
                    _ => c,
                }
            }
        })
        .collect()
}

/// Why Go's `strconv.ParseFloat` returned an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum GoFloatError {
    /// `ErrSyntax`: not a float literal.
    Syntax,
    /// `ErrRange`: a finite literal too large for `f64`.
    Range,
}

/// Go's `strconv.ParseFloat(s, 64)`.
///
/// The grammar follows Go's `readFloat` and `underscoreOK`: optional sign; decimal digits with
/// one optional `.` and an optional `e` exponent; or `0x` hexadecimal digits with a required `p`
/// exponent; `_` only between digits (or after `0x`); plus `inf`, `infinity` and `nan`.
fn go_parse_float(s: &str) -> Result<f64, GoFloatError> {
    if let Some(special) = go_special_float(s) {
        return Ok(special);
    }
    let literal = read_go_float(s).ok_or(GoFloatError::Syntax)?;
    let value = if literal.hex {
        hex_float_value(s)
    } else {
        // Rust's float parser rounds correctly, as Go's does, and accepts every decimal form
        // read_go_float lets through once the underscores are gone.
        let cleaned: String = s.chars().filter(|&c| c != '_').collect();
        cleaned.parse::<f64>().map_err(|_| GoFloatError::Syntax)?
    };
    // A finite literal that overflows is ErrRange in Go.
    if value.is_finite() {
        Ok(value)
    } else {
        Err(GoFloatError::Range)
    }
}

/// Go's `special`: `[+-]?(inf|infinity)` or `nan`, case-insensitive, as the whole string.
fn go_special_float(s: &str) -> Option<f64> {
    let lower = s.to_ascii_lowercase();
    let (sign, rest) = match lower.as_bytes().first() {
        Some(b'+') => (1.0, &lower[1..]),
        Some(b'-') => (-1.0, &lower[1..]),
        _ => {
            if lower == "nan" {
                return Some(f64::NAN);
            }
            (1.0, lower.as_str())
        }
    };
    matches!(rest, "inf" | "infinity").then_some(sign * f64::INFINITY)
}

/// What `read_go_float` learned about a literal it accepted.
struct GoFloatLiteral {
    hex: bool,
}

/// The syntax check of Go's `readFloat` plus `underscoreOK`, over the whole string.
fn read_go_float(s: &str) -> Option<GoFloatLiteral> {
    let b = s.as_bytes();
    let mut i = 0;
    if matches!(b.first(), Some(b'+' | b'-')) {
        i += 1;
    }
    // Go requires at least one byte after "0x" before it switches to hexadecimal.
    let hex = i + 2 < b.len() && b[i] == b'0' && b[i + 1].eq_ignore_ascii_case(&b'x');
    if hex {
        i += 2;
    }
    let is_digit = |c: u8| c.is_ascii_digit() || (hex && c.is_ascii_hexdigit());

    let mut saw_dot = false;
    let mut saw_digits = false;
    let mut underscores = false;
    while i < b.len() {
        match b[i] {
            b'_' => underscores = true,
            b'.' if !saw_dot => saw_dot = true,
            c if is_digit(c) => saw_digits = true,
            _ => break,
        }
        i += 1;
    }
    if !saw_digits {
        return None;
    }

    let exponent_char = if hex { b'p' } else { b'e' };
    if i < b.len() && b[i].eq_ignore_ascii_case(&exponent_char) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if !b.get(i).is_some_and(u8::is_ascii_digit) {
            return None;
        }
        while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'_') {
            underscores |= b[i] == b'_';
            i += 1;
        }
    } else if hex {
        return None;
    }

    // ParseFloat fails unless readFloat consumed everything.
    if i != b.len() {
        return None;
    }
    if underscores && !go_underscore_ok(s) {
        return None;
    }
    Some(GoFloatLiteral { hex })
}

/// Go's `underscoreOK`: every `_` sits between two digits, or between `0x` and a digit.
fn go_underscore_ok(s: &str) -> bool {
    let mut b = s.as_bytes();
    if matches!(b.first(), Some(b'+' | b'-')) {
        b = &b[1..];
    }
    #[derive(PartialEq)]
    enum Saw {
        Start,
        Digit,
        Underscore,
        Other,
    }
    let mut saw = Saw::Start;
    let mut i = 0;
    let mut hex = false;
    if b.len() >= 2 && b[0] == b'0' && matches!(b[1].to_ascii_lowercase(), b'b' | b'o' | b'x') {
        i = 2;
        // A base prefix counts as a digit, so "0x_1" is fine.
        saw = Saw::Digit;
        hex = b[1].eq_ignore_ascii_case(&b'x');
    }
    for &c in &b[i..] {
        if c.is_ascii_digit() || (hex && c.is_ascii_hexdigit()) {
            saw = Saw::Digit;
        } else if c == b'_' {
            if saw != Saw::Digit {
                return false;
            }
            saw = Saw::Underscore;
        } else if saw == Saw::Underscore {
            return false;
        } else {
            saw = Saw::Other;
        }
    }
    saw != Saw::Underscore
}

/// The value of a hexadecimal float literal that `read_go_float` accepted, correctly rounded
/// as Go rounds it (nearest, ties to even).
fn hex_float_value(s: &str) -> f64 {
    let (negative, rest) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    // Skip "0x"; the exponent 'p' is required, so the split always finds it.
    let body = &rest[2..];
    let (mantissa_text, exponent_text) = body.split_once(['p', 'P']).unwrap_or((body, "0"));

    // Keep up to 32 significant hex digits (128 bits); later non-zero digits only matter as a
    // sticky bit for rounding, and 128 bits leave far more than 53 + 2 bits of headroom.
    let mut mantissa: u128 = 0;
    let mut significant = 0usize;
    let mut sticky = false;
    let mut exponent: i64 = 0;
    let mut after_dot = false;
    for c in mantissa_text.chars() {
        let digit = match c {
            '.' => {
                after_dot = true;
                continue;
            }
            '_' => continue,
            c => match c.to_digit(16) {
                Some(d) => d,
                None => continue,
            },
        };
        if after_dot {
            exponent -= 4;
        }
        if significant == 0 && digit == 0 {
            continue;
        }
        if significant < 32 {
            mantissa = (mantissa << 4) | u128::from(digit);
            significant += 1;
        } else {
            sticky |= digit != 0;
            exponent += 4;
        }
    }

    let (exponent_negative, exponent_digits) = match exponent_text.as_bytes().first() {
        Some(b'-') => (true, &exponent_text[1..]),
        Some(b'+') => (false, &exponent_text[1..]),
        _ => (false, exponent_text),
    };
    // Go stops accumulating at 10000, far beyond where f64 over- or underflows.
    let mut written: i64 = 0;
    for c in exponent_digits.bytes().filter(u8::is_ascii_digit) {
        if written < 10_000 {
            written = written * 10 + i64::from(c - b'0');
        }
    }
    exponent += if exponent_negative { -written } else { written };

    let magnitude = if mantissa == 0 {
        0.0
    } else {
        if sticky {
            mantissa |= 1;
        }
        // u128 → f64 rounds to nearest, ties to even; scaling by powers of two is exact
        // except in the subnormal range, where any size truncates to 0 bytes anyway.
        scale_by_power_of_two(mantissa as f64, exponent)
    };
    if negative { -magnitude } else { magnitude }
}

/// `value * 2^exponent`, in steps so that no intermediate power of two overflows.
fn scale_by_power_of_two(mut value: f64, exponent: i64) -> f64 {
    let mut remaining = exponent.clamp(-4000, 4000);
    while remaining != 0 {
        let step = remaining.clamp(-1000, 1000);
        // |step| <= 1000, well inside i32 and inside the exponent range of f64.
        value *= 2f64.powi(step as i32);
        remaining -= step;
    }
    value
}

/// Turns go-units' terse refusal into an error that says what to write instead.
fn diagnose(input: &str, raw: Raw) -> SizeError {
    let owned = || input.to_string();
    if input.trim().is_empty() {
        return SizeError::Empty;
    }

    if input.chars().any(char::is_whitespace) {
        let trimmed = input.trim();
        let candidates = [trimmed.to_string(), without_space_before_unit(trimmed)];
        if let Some(fixed) = candidates
            .into_iter()
            .find(|candidate| parse_bytes(candidate).is_ok())
        {
            return SizeError::Whitespace {
                input: owned(),
                fixed,
            };
        }
        // The whitespace is not the only problem: explain the rest, which is what is left to
        // fix once the string is trimmed.
        if trimmed != input
            && let Err(raw) = parse_bytes(trimmed)
        {
            return diagnose(trimmed, raw);
        }
    }

    match raw {
        Raw::NoSeparator => SizeError::NoNumber { input: owned() },
        Raw::Negative => SizeError::Negative { input: owned() },
        Raw::NotFinite => SizeError::NotFinite { input: owned() },
        Raw::TooLarge => SizeError::TooLarge { input: owned() },
        Raw::BadNumber(number) => {
            if input.contains(',') {
                SizeError::Comma { input: owned() }
            } else if let Some(fixed) = hexadecimal_fix(input) {
                SizeError::Hexadecimal {
                    input: owned(),
                    fixed,
                }
            } else {
                SizeError::InvalidNumber {
                    input: owned(),
                    number,
                }
            }
        }
        Raw::BadSuffix(unit) => {
            if input.contains(',') {
                return SizeError::Comma { input: owned() };
            }
            let lower = unit.to_ascii_lowercase();
            if matches!(lower.as_str(), "ki" | "mi" | "gi" | "ti" | "pi") {
                let number = &input[..input.len() - unit.len()];
                SizeError::KubernetesUnit {
                    fixed: format!("{}{}", number.trim_end(), &lower[..1]),
                    input: owned(),
                    unit,
                }
            } else {
                SizeError::InvalidUnit {
                    input: owned(),
                    unit,
                }
            }
        }
    }
}

/// `s` without whitespace that stands before a letter: `1  g` → `1g`, while `1 1` stays.
fn without_space_before_unit(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut pending = String::new();
    for c in s.chars() {
        if c.is_whitespace() {
            pending.push(c);
            continue;
        }
        if !c.is_alphabetic() {
            out.push_str(&pending);
        }
        pending.clear();
        out.push(c);
    }
    out.push_str(&pending);
    out
}

/// For `0x10` or `0x10m`, the decimal spelling `16` or `16m`; `None` if it is not that.
fn hexadecimal_fix(input: &str) -> Option<String> {
    let rest = input
        .strip_prefix("0x")
        .or_else(|| input.strip_prefix("0X"))?;
    let digits_end = rest
        .find(|c: char| !c.is_ascii_hexdigit())
        .unwrap_or(rest.len());
    let value = u64::from_str_radix(&rest[..digits_end], 16).ok()?;
    let fixed = format!("{value}{}", &rest[digits_end..]);
    parse_bytes(&fixed).is_ok().then_some(fixed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const K: u64 = 1 << 10;
    const M: u64 = 1 << 20;
    const G: u64 = 1 << 30;
    const T: u64 = 1 << 40;
    const P: u64 = 1 << 50;

    #[test]
    fn accepted_spellings() {
        let table: &[(&str, u64)] = &[
            // Plain byte counts, exact even beyond 2^53 (the integer step comes first).
            ("100", 100),
            ("0", 0),
            ("+5", 5),
            ("-0", 0),
            ("1073741824", G),
            ("9007199254740993", 9_007_199_254_740_993),
            ("9223372036854775807", i64::MAX as u64),
            // Units, any case, with an optional b or ib.
            ("100b", 100),
            ("100B", 100),
            ("512m", 512 * M),
            ("512M", 512 * M),
            ("512mb", 512 * M),
            ("512MB", 512 * M),
            ("512MiB", 512 * M),
            ("512mIb", 512 * M),
            ("1k", K),
            ("1kb", K),
            ("1kib", K),
            ("1KiB", K),
            ("1g", G),
            ("1gb", G),
            ("1GiB", G),
            ("2t", 2 * T),
            ("1p", P),
            ("1536m", 1536 * M),
            ("1024m", G),
            // One space between number and unit, or after a bare number.
            ("1 g", G),
            ("1 GiB", G),
            ("1 b", 1),
            ("512 ", 512),
            ("1.5 ", 1),
            // Go float literals.
            ("1.5g", 1_610_612_736),
            (".5g", G / 2),
            ("5.g", 5 * G),
            ("5.", 5),
            ("+5m", 5 * M),
            ("1e3m", 1000 * M),
            ("1E3m", 1000 * M),
            ("1e+3m", 1000 * M),
            ("1e3", 1000),
            ("2e-1g", 214_748_364),
            ("1_000m", 1000 * M),
            ("1_2.5_0k", 12_800),
            ("0x1p4", 16),
            ("0x1p4m", 16 * M),
            ("0X1.8P1g", 3 * G),
            ("0x_1p4", 16),
            ("-0.0m", 0),
            ("-0x0p0", 0),
            // Truncated to whole bytes.
            ("1.9", 1),
            ("0.5", 0),
            ("0.3m", 314_572),
            ("1.0000001k", 1024),
            // The Kelvin sign lowercases to a plain k in Go.
            ("1\u{212a}", K),
            // Just below Docker's int64 ceiling.
            ("8191p", 8191 * P),
            ("8191.999p", 9_223_370_910_954_868_736),
        ];
        for &(input, bytes) in table {
            match MemSize::parse(input) {
                Ok(size) => assert_eq!(size.bytes(), bytes, "{input:?}"),
                Err(e) => panic!("{input:?} should parse to {bytes}, got {e:?}"),
            }
        }
    }

    #[test]
    fn rejected_spellings() {
        let table: &[&str] = &[
            "",
            " ",
            "g",
            "max",
            "1Gi",
            "512Mi",
            "1ki",
            "-1g",
            "-1",
            "-5",
            "1g ",
            " 1g",
            " 1",
            "1  g",
            "1\tg",
            "1g\n",
            "0x10",
            "0x10m",
            "0x1",
            "0x",
            "1,5g",
            "1,000m",
            "1bb",
            "1kbb",
            "1mbb",
            "1e",
            "1e3e",
            "1ee3",
            "1kibb",
            "1gig",
            "1x",
            "1 x",
            "1.5.5g",
            ".",
            ".g",
            "1__000",
            "_1000",
            "1000_",
            "1_.5",
            "1._5",
            "1e_3",
            "inf",
            "Infinity",
            "inf g",
            "nan m",
            "NaN ",
            "+nan ",
            "-inf ",
            "1e400",
            "1e400m",
            "8192p",
            "9223372036854775808",
            "99999999999999999999",
            "1e19",
            "1\u{212a}b",
            "1\u{130}b",
            "1mİ",
            "٣m",
            "1 1",
        ];
        for &input in table {
            if let Ok(size) = MemSize::parse(input) {
                panic!("{input:?} should be rejected, parsed as {size:?}");
            }
        }
    }

    #[test]
    fn errors_explain_the_fix() {
        use miette::Diagnostic;
        let help = |input: &str| {
            let e = MemSize::parse(input).expect_err("test input is invalid");
            e.help().map(|h| h.to_string()).unwrap_or_default()
        };
        let err = |input: &str| MemSize::parse(input).expect_err("test input is invalid");

        assert_eq!(
            err("512Mi"),
            SizeError::KubernetesUnit {
                input: "512Mi".into(),
                unit: "Mi".into(),
                fixed: "512m".into()
            }
        );
        assert_eq!(
            help("512Mi"),
            "Compose does not accept Kubernetes-style units; write `512m`"
        );
        assert_eq!(
            help("1.5Gi"),
            "Compose does not accept Kubernetes-style units; write `1.5g`"
        );
        assert_eq!(
            err("1g "),
            SizeError::Whitespace {
                input: "1g ".into(),
                fixed: "1g".into()
            }
        );
        assert_eq!(
            err("1g ").to_string(),
            r#""1g " has whitespace that Compose rejects"#
        );
        assert!(help(" 1g").ends_with("write `1g`"));
        assert!(help("1  g").ends_with("write `1g`"));
        assert!(help("1g\n").ends_with("write `1g`"));
        assert_eq!(err(""), SizeError::Empty);
        assert_eq!(err("  "), SizeError::Empty);
        assert!(matches!(err("-1g"), SizeError::Negative { .. }));
        assert!(matches!(err("-5"), SizeError::Negative { .. }));
        assert!(matches!(err("g"), SizeError::NoNumber { .. }));
        assert!(matches!(err("1,5g"), SizeError::Comma { .. }));
        assert_eq!(
            err("0x10m"),
            SizeError::Hexadecimal {
                input: "0x10m".into(),
                fixed: "16m".into()
            }
        );
        assert!(matches!(err("1.5.5g"), SizeError::InvalidNumber { .. }));
        assert_eq!(
            err("1.5.5g").to_string(),
            r#""1.5.5g" is not a size: "1.5.5" is not a number"#
        );
        assert!(matches!(err("inf g"), SizeError::NotFinite { .. }));
        assert!(matches!(err("8192p"), SizeError::TooLarge { .. }));
        assert!(matches!(err("1e400"), SizeError::TooLarge { .. }));
        assert!(matches!(err("1 1"), SizeError::InvalidNumber { .. }));
        assert!(matches!(
            err(" 512Mi "),
            SizeError::KubernetesUnit { fixed, .. } if fixed == "512m"
        ));
        assert_eq!(
            err("1bb"),
            SizeError::InvalidUnit {
                input: "1bb".into(),
                unit: "bb".into()
            }
        );
        assert!(help("1bb").contains("`512MiB`"));
    }

    #[test]
    fn display_uses_the_largest_whole_unit() {
        let table: &[(u64, &str)] = &[
            (0, "0b"),
            (1, "1b"),
            (100, "100b"),
            (1023, "1023b"),
            (K, "1k"),
            (64 * K, "64k"),
            (1536 * K, "1536k"),
            (M, "1m"),
            (1536 * M, "1536m"),
            (G, "1g"),
            (3 * G / 2, "1536m"),
            (T, "1t"),
            (P, "1p"),
            (8191 * P, "8191p"),
            (MemSize::ENGINE_MINIMUM.bytes(), "6m"),
            ((1 << 53) + 1, "9007199254740993"),
            (1 << 53, "8p"),
        ];
        for &(bytes, text) in table {
            assert_eq!(MemSize::from_bytes(bytes).to_string(), text);
        }
    }

    #[test]
    fn engine_minimum() {
        assert_eq!(MemSize::ENGINE_MINIMUM.bytes(), 6 * 1024 * 1024);
        assert!(MemSize::from_bytes(6 * M - 1).below_engine_minimum());
        assert!(!MemSize::from_bytes(6 * M).below_engine_minimum());
        assert!(MemSize::from_bytes(0).below_engine_minimum());
    }

    #[test]
    fn compares_bytes_not_text() {
        let parse = |s: &str| s.parse::<MemSize>().expect("valid test size");
        assert_eq!(parse("1g"), parse("1024m"));
        assert_eq!(parse("1g"), parse("1073741824"));
        assert_eq!(parse("1g"), parse("1GiB"));
        assert!(parse("1536m") > parse("1g"));
    }

    proptest! {
        #[test]
        fn display_round_trips(bytes in 0..=i64::MAX as u64) {
            let size = MemSize::from_bytes(bytes);
            prop_assert_eq!(MemSize::parse(&size.to_string()), Ok(size));
        }

        #[test]
        fn display_round_trips_unit_multiples(n in 0u64..(1 << 20), shift in 0u32..5) {
            let bytes = n << (10 * shift);
            let size = MemSize::from_bytes(bytes);
            prop_assert_eq!(MemSize::parse(&size.to_string()), Ok(size));
        }

        #[test]
        fn any_unit_spelling_means_the_same(
            n in 0u64..(1 << 13),
            unit in prop::sample::select(vec!['k', 'm', 'g', 't', 'p']),
            tail in prop::sample::select(vec!["", "b", "ib"]),
            upper in any::<bool>(),
            space in any::<bool>(),
        ) {
            let multiplier = UNITS.iter().find(|(u, _)| *u == unit).map(|(_, m)| *m);
            let mut text = format!("{n}{}{unit}{tail}", if space { " " } else { "" });
            if upper {
                text = text.to_uppercase();
            }
            prop_assert_eq!(
                MemSize::parse(&text).map(MemSize::bytes),
                Ok(n * multiplier.unwrap_or(0))
            );
        }

        #[test]
        fn never_panics(input in "\\PC{0,12}") {
            let _ = MemSize::parse(&input);
        }

        #[test]
        fn never_panics_on_size_like_text(input in "[-+ 0-9.eExXpP_,kKmMgGtTiIbB]{0,10}") {
            let _ = MemSize::parse(&input);
        }
    }
}
