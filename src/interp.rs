//! Compose variable interpolation (`${VAR:-default}` …) and `.env` files.
//!
//! limitctl must see a value the way Docker Compose sees it: `check` compares
//! what Compose would resolve, and `apply` rewrites only the default inside
//! `${VAR:-default}` instead of replacing the expression with a literal. So
//! this module follows compose-go (`template/template.go`,
//! `dotenv/parser.go`) rather than a tidier grammar, quirks included, because
//! a stricter parser would reject or resolve differently values that Compose
//! accepts. What that means in practice:
//!
//! - A `$` that starts no expression (`a $ b`, `^x$`, `$1`, `$}`) is text.
//! - `$$` is a literal `$`.
//! - A braced expression with an operator first extends to the last `}` on its
//!   line, then is cut at the first `}` that balances the `{`s counted from
//!   `${` (compose-go's regex plus `getFirstBraceClosingIndex`, whose skip of
//!   the byte after each `{` is reproduced too). Whatever lies between the two
//!   is ordinary text: `${A-x}b}` is `x` followed by `b}`, and `${A:-{x}` is
//!   accepted with the default `{x`.
//! - An expression never spans lines.
//! - The word after an operator (default, error message, alternative value) is
//!   always resolved, even when it is not used, so an error inside it is an
//!   error of the whole value (`${SET:-${}}` fails although `SET` is set).
//!
//! Two deliberate differences: syntax errors anywhere in a value are reported
//! before a missing required variable (compose-go reports whichever comes
//! first), and nesting deeper than [`MAX_DEPTH`] is an error (Go's stack
//! grows; ours must not overflow on hostile input).
//!
//! All positions are byte ranges into the string that was given.

use std::collections::HashMap;
use std::ops::Range;

/// Deepest nesting of `${…}` inside operator words that is accepted.
///
/// compose-go has no limit; this one only exists so that a hostile value
/// cannot overflow the stack. Real values nest two or three levels.
pub const MAX_DEPTH: usize = 64;

/// Why a value could not be interpolated.
///
/// Every variant carries `range`: the byte range, in the string given to
/// [`resolve`] / [`default_slot`], of the expression at fault. The messages
/// follow Compose's (`Invalid template: …`, `required variable … is missing a
/// value: …`) and add what exactly is wrong, because Compose's
/// `Invalid template` alone does not say.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, miette::Diagnostic)]
pub enum InterpError {
    /// A `${` with no `}` after it on the same line.
    #[error("Invalid template: {template:?}: `${{` is not closed by `}}` on the same line")]
    #[diagnostic(
        code(limitctl::interp::unterminated),
        help("close the expression with `}}`, or write `$$` for a literal `$`")
    )]
    Unterminated {
        /// The whole value that was being interpolated.
        template: String,
        /// From the `${` to the end of its line.
        #[label("this `${{` is never closed")]
        range: Range<usize>,
    },

    /// A `${…}` whose inside is not a name optionally followed by an operator.
    #[error("Invalid template: {template:?}: `${{{inner}}}` is not a valid expression")]
    #[diagnostic(
        code(limitctl::interp::invalid_expression),
        help(
            "write `${{NAME}}` or `${{NAME<op>word}}`: NAME is a letter or `_` followed by \
             letters, digits or `_`, and <op> is one of `:-` `-` `:?` `?` `:+` `+`"
        )
    )]
    InvalidName {
        /// The whole value that was being interpolated.
        template: String,
        /// The text between `${` and the first `}`.
        inner: String,
        /// From the `${` to the first `}` after it, inclusive.
        #[label("not a valid expression")]
        range: Range<usize>,
    },

    /// `${VAR:?message}` with `VAR` unset or empty, or `${VAR?message}` with
    /// `VAR` unset.
    #[error("required variable {var} is missing a value{}", reason_suffix(reason))]
    #[diagnostic(
        code(limitctl::interp::required),
        help("set {var} in the shell environment or in the project's .env file")
    )]
    MissingRequired {
        /// The variable that has no value.
        var: String,
        /// The message written after `?` (already resolved), possibly empty.
        reason: String,
        /// The whole `${VAR:?message}` expression.
        #[label("required here")]
        range: Range<usize>,
    },

    /// Expressions nested inside operator words more than [`MAX_DEPTH`] deep.
    #[error(
        "Invalid template: {template:?}: expressions are nested more than {} levels deep",
        MAX_DEPTH
    )]
    #[diagnostic(code(limitctl::interp::too_deep))]
    TooDeep {
        /// The whole value that was being interpolated.
        template: String,
        /// The expression at which the limit was reached.
        #[label("nested too deeply")]
        range: Range<usize>,
    },
}

impl InterpError {
    /// The byte range of the offending expression in the interpolated string.
    #[must_use]
    pub fn range(&self) -> Range<usize> {
        match self {
            InterpError::Unterminated { range, .. }
            | InterpError::InvalidName { range, .. }
            | InterpError::MissingRequired { range, .. }
            | InterpError::TooDeep { range, .. } => range.clone(),
        }
    }
}

/// Compose prints the `: reason` part only when a reason was written.
fn reason_suffix(reason: &str) -> String {
    if reason.is_empty() {
        String::new()
    } else {
        format!(": {reason}")
    }
}

/// The operator of a `${VAR<op>default}` expression whose word is a default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DefaultOp {
    /// `:-`: the default is used when the variable is unset or empty.
    ColonDash,
    /// `-`: the default is used only when the variable is unset.
    Dash,
}

impl DefaultOp {
    /// The operator as written in the expression (`":-"` or `"-"`).
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            DefaultOp::ColonDash => ":-",
            DefaultOp::Dash => "-",
        }
    }
}

/// Where the default of a `${VAR:-default}` / `${VAR-default}` value is, so
/// that a caller can replace just that text.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DefaultSlot {
    /// The variable name.
    pub var: String,
    /// Which default operator the expression uses.
    pub op: DefaultOp,
    /// Byte range of the default text inside the value (empty for `${VAR:-}`).
    pub range: Range<usize>,
}

impl DefaultSlot {
    /// The current default text, taken from the value this slot was found in.
    ///
    /// `None` when `s` is not that value (the range does not fit it).
    #[must_use]
    pub fn default_text<'s>(&self, s: &'s str) -> Option<&'s str> {
        s.get(self.range.clone())
    }

    /// `s` with the default replaced by `new_default`.
    ///
    /// `None` when `new_default` is not [`is_literal_default`] (it would change
    /// how Compose parses the expression) or when `s` is not the value this
    /// slot was found in. When it returns `Some(t)`, resolving `t` with the
    /// variable unset yields exactly `new_default`.
    #[must_use]
    pub fn rewrite(&self, s: &str, new_default: &str) -> Option<String> {
        if !is_literal_default(new_default) {
            return None;
        }
        let head = s.get(..self.range.start)?;
        let tail = s.get(self.range.end..)?;
        Some(format!("{head}{new_default}{tail}"))
    }
}

/// Whether `text` can be written as a default and be taken literally.
///
/// `$` would start an expression or escape, `{` and `}` take part in
/// Compose's brace counting, and an expression cannot span a line break.
/// Memory sizes (`512m`, `1.5g`) always qualify.
#[must_use]
pub fn is_literal_default(text: &str) -> bool {
    !text.contains(['$', '{', '}', '\n'])
}

/// What a value is, from the point of view of rewriting its default.
///
/// `apply` needs to tell apart: a plain value it may replace, a value whose
/// default it may rewrite, a value that only names a variable (refuse: "no
/// default to rewrite"), and anything else it must not touch.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Slot {
    /// No expression at all (possibly `$$` escapes or a lone `$`): a literal
    /// that Compose uses as it resolves, see [`resolve`].
    Literal,
    /// The whole value is one `${VAR:-default}` or `${VAR-default}` whose
    /// default contains no `$` (so it is used verbatim).
    Default(DefaultSlot),
    /// The whole value is one expression without a default: `$VAR`, `${VAR}`,
    /// `${VAR:?message}` or `${VAR?message}`. Its value must come from the
    /// environment or the `.env` file.
    NoDefault {
        /// The variable name.
        var: String,
    },
    /// Anything else: text around an expression, several expressions, a
    /// default that is itself interpolated, or `${VAR:+alt}` / `${VAR+alt}`.
    Complex {
        /// Why the value is not a single rewritable default, for messages.
        reason: &'static str,
    },
}

/// Whether `s` contains a `$` expression other than the `$$` escape.
///
/// A malformed `${` counts: Compose would try to interpolate it and fail, so
/// the value is not a literal either. [`resolve`] reports the error.
#[must_use]
pub fn has_interpolation(s: &str) -> bool {
    match Parser::new(s).parse_all() {
        Ok(nodes) => nodes.iter().any(Node::is_expression),
        Err(_) => true,
    }
}

/// Interpolates `s` the way Docker Compose does.
///
/// `lookup` returns the value of a variable, `None` when it is unset (which
/// differs from set to the empty string for `-`, `?` and `+`). Compose looks
/// in the shell environment first and then in the project's `.env` file.
/// Unset variables without an operator resolve to the empty string, as in
/// Compose (which also prints a warning; callers may use [`has_interpolation`]
/// and their own lookup to do the same).
///
/// # Errors
///
/// A malformed expression ([`InterpError::Unterminated`],
/// [`InterpError::InvalidName`], [`InterpError::TooDeep`]) anywhere in `s`,
/// else the first `${VAR:?…}` / `${VAR?…}` whose variable lacks a value
/// ([`InterpError::MissingRequired`]).
pub fn resolve(s: &str, lookup: &dyn Fn(&str) -> Option<String>) -> Result<String, InterpError> {
    let parser = Parser::new(s);
    let nodes = parser.parse_all()?;
    let mut out = String::with_capacity(s.len());
    parser.eval(&nodes, lookup, &mut out)?;
    Ok(out)
}

/// Classifies `s` for rewriting its default; see [`Slot`].
///
/// # Errors
///
/// The syntax error [`resolve`] would report in any environment; a missing
/// required variable is not an error here.
pub fn default_slot(s: &str) -> Result<Slot, InterpError> {
    let parser = Parser::new(s);
    let nodes = parser.parse_all()?;
    if !nodes.iter().any(Node::is_expression) {
        return Ok(Slot::Literal);
    }
    let [single] = nodes.as_slice() else {
        return Ok(Slot::Complex {
            reason: "the value is not a single `${…}` expression",
        });
    };
    let slot = match single {
        Node::Var(name) => Slot::NoDefault {
            var: parser.text(name).to_owned(),
        },
        Node::Expr { name, op, word, .. } => {
            let var = parser.text(name).to_owned();
            match op {
                Op::ColonDash | Op::Dash if parser.text(word).contains('$') => Slot::Complex {
                    reason: "the default is itself interpolated",
                },
                Op::ColonDash => Slot::Default(DefaultSlot {
                    var,
                    op: DefaultOp::ColonDash,
                    range: word.clone(),
                }),
                Op::Dash => Slot::Default(DefaultSlot {
                    var,
                    op: DefaultOp::Dash,
                    range: word.clone(),
                }),
                Op::ColonQuestion | Op::Question => Slot::NoDefault { var },
                Op::ColonPlus | Op::Plus => Slot::Complex {
                    reason: "`${VAR:+alt}` / `${VAR+alt}` has an alternative value, not a default",
                },
            }
        }
        // `is_expression` held for some node and there is only this one.
        Node::Text(_) | Node::Dollar => Slot::Literal,
    };
    Ok(slot)
}

/// The six operators of a braced expression.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    /// `:-` default when unset or empty.
    ColonDash,
    /// `-` default when unset.
    Dash,
    /// `:?` error when unset or empty.
    ColonQuestion,
    /// `?` error when unset.
    Question,
    /// `:+` alternative when set and not empty.
    ColonPlus,
    /// `+` alternative when set.
    Plus,
}

/// One piece of a parsed value; ranges index the parser's source.
#[derive(Debug)]
enum Node {
    /// Literal text, copied as is.
    Text(Range<usize>),
    /// `$$`, which stands for one `$`.
    Dollar,
    /// `$NAME` or `${NAME}`; the range is the name.
    Var(Range<usize>),
    /// `${NAME<op>word}`.
    Expr {
        name: Range<usize>,
        op: Op,
        word: Range<usize>,
        nodes: Vec<Node>,
        span: Range<usize>,
    },
}

impl Node {
    fn is_expression(&self) -> bool {
        matches!(self, Node::Var(_) | Node::Expr { .. })
    }
}

/// compose-go matches names with `(?i)[_a-z][_a-z0-9]*`; Go's case folding
/// makes that class also match the Kelvin sign and the long s.
fn is_name_start(c: char) -> bool {
    c == '_' || c.is_ascii_alphabetic() || c == '\u{212A}' || c == '\u{17F}'
}

fn is_name_char(c: char) -> bool {
    is_name_start(c) || c.is_ascii_digit()
}

/// compose-go's `getFirstBraceClosingIndex`: the index of the `}` that brings
/// the count of `{` back to zero. After each `{` the next byte is skipped
/// unexamined; that quirk decides where some odd values end, so it stays.
fn first_brace_closing(bytes: &[u8]) -> Option<usize> {
    let mut open: i64 = 0;
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'}' {
            open -= 1;
            if open == 0 {
                return Some(i);
            }
        }
        if bytes[i] == b'{' {
            open += 1;
            i += 1;
        }
        i += 1;
    }
    None
}

/// The line of the source an expression starts on, within the parsed range.
struct Line {
    /// Position of the line's `\n`, or the end of the range.
    end: usize,
    /// Position of the line's last `}`.
    last_close: Option<usize>,
}

struct Parser<'a> {
    src: &'a str,
}

impl<'a> Parser<'a> {
    fn new(src: &'a str) -> Self {
        Parser { src }
    }

    /// The text of a range produced by this parser. Ranges are built only from
    /// positions of ASCII bytes and ends of scanned characters, so they are
    /// always character boundaries; the empty fallback keeps a bug from
    /// turning into a panic.
    fn text(&self, range: &Range<usize>) -> &'a str {
        debug_assert!(self.src.get(range.clone()).is_some(), "bad range {range:?}");
        self.src.get(range.clone()).unwrap_or_default()
    }

    fn parse_all(&self) -> Result<Vec<Node>, InterpError> {
        self.parse(0, self.src.len(), 0)
    }

    /// Parses `src[start..end]` (a whole value or an operator word).
    fn parse(&self, start: usize, end: usize, depth: usize) -> Result<Vec<Node>, InterpError> {
        let bytes = self.src.as_bytes();
        let mut nodes = Vec::new();
        let mut text_start = start;
        let mut i = start;
        // Cached for the current line, so that a long line with many
        // expressions is not rescanned for each of them.
        let mut line = Line {
            end: start,
            last_close: None,
        };
        while let Some(off) = bytes
            .get(i..end)
            .and_then(|b| b.iter().position(|&c| c == b'$'))
        {
            let dollar = i + off;
            let flush = |nodes: &mut Vec<Node>| {
                if text_start < dollar {
                    nodes.push(Node::Text(text_start..dollar));
                }
            };
            let next = if dollar + 1 < end {
                bytes.get(dollar + 1).copied()
            } else {
                None
            };
            match next {
                Some(b'$') => {
                    flush(&mut nodes);
                    nodes.push(Node::Dollar);
                    i = dollar + 2;
                    text_start = i;
                }
                Some(b'{') => {
                    flush(&mut nodes);
                    if line.end <= dollar {
                        line.end = bytes
                            .get(dollar..end)
                            .and_then(|b| b.iter().position(|&c| c == b'\n'))
                            .map_or(end, |p| dollar + p);
                        line.last_close = bytes
                            .get(dollar..line.end)
                            .and_then(|b| b.iter().rposition(|&c| c == b'}'))
                            .map(|p| dollar + p);
                    }
                    let (node, after) = self.braced(dollar, end, &line, depth)?;
                    nodes.push(node);
                    i = after;
                    text_start = i;
                }
                _ => {
                    let name_end = self.name_end(dollar + 1, end);
                    if name_end > dollar + 1 {
                        flush(&mut nodes);
                        nodes.push(Node::Var(dollar + 1..name_end));
                        i = name_end;
                        text_start = i;
                    } else {
                        // Nothing Compose's pattern matches: the `$` is text.
                        i = dollar + 1;
                    }
                }
            }
        }
        if text_start < end {
            nodes.push(Node::Text(text_start..end));
        }
        Ok(nodes)
    }

    /// End of the name starting at `start` (equal to `start` when none).
    fn name_end(&self, start: usize, end: usize) -> usize {
        let Some(rest) = self.src.get(start..end) else {
            return start;
        };
        let mut len = 0;
        for (k, c) in rest.char_indices() {
            let ok = if k == 0 {
                is_name_start(c)
            } else {
                is_name_char(c)
            };
            if !ok {
                break;
            }
            len = k + c.len_utf8();
        }
        start + len
    }

    /// Parses the expression whose `$` is at `dollar` (followed by `{`);
    /// returns it and the position after it.
    fn braced(
        &self,
        dollar: usize,
        end: usize,
        line: &Line,
        depth: usize,
    ) -> Result<(Node, usize), InterpError> {
        let line_end = line.end;
        let bytes = self.src.as_bytes();
        let at = |p: usize| if p < end { bytes.get(p).copied() } else { None };
        let name_start = dollar + 2;
        let name_end = self.name_end(name_start, end);
        if name_end == name_start {
            return Err(self.bad_brace(dollar, line_end));
        }
        let (op, op_end) = match at(name_end) {
            Some(b'}') => return Ok((Node::Var(name_start..name_end), name_end + 1)),
            Some(b':') => match at(name_end + 1) {
                Some(b'-') => (Op::ColonDash, name_end + 2),
                Some(b'?') => (Op::ColonQuestion, name_end + 2),
                Some(b'+') => (Op::ColonPlus, name_end + 2),
                _ => return Err(self.bad_brace(dollar, line_end)),
            },
            Some(b'-') => (Op::Dash, name_end + 1),
            Some(b'?') => (Op::Question, name_end + 1),
            Some(b'+') => (Op::Plus, name_end + 1),
            _ => return Err(self.bad_brace(dollar, line_end)),
        };
        // Compose's `(.*)}` is greedy and `.` stops at a line break: the match
        // runs to the last `}` of the line.
        let last_close = line
            .last_close
            .filter(|&close| close >= op_end)
            .ok_or_else(|| self.bad_brace(dollar, line_end))?;
        let match_end = last_close + 1;
        let expr_end = bytes
            .get(dollar..match_end)
            .and_then(first_brace_closing)
            .map_or(match_end, |c| dollar + c + 1);
        let span = dollar..expr_end;
        if depth >= MAX_DEPTH {
            return Err(InterpError::TooDeep {
                template: self.src.to_owned(),
                range: span,
            });
        }
        // The closing `}` lies after the operator: nothing before it is a brace.
        let word = op_end..expr_end - 1;
        let nodes = self.parse(word.start, word.end, depth + 1)?;
        let node = Node::Expr {
            name: name_start..name_end,
            op,
            word,
            nodes,
            span,
        };
        Ok((node, expr_end))
    }

    /// The error for a `${` that Compose's pattern does not accept: an invalid
    /// expression when a `}` follows on the line, else an unclosed one.
    fn bad_brace(&self, dollar: usize, line_end: usize) -> InterpError {
        let bytes = self.src.as_bytes();
        let inner_start = dollar + 2;
        let close = bytes
            .get(inner_start..line_end)
            .and_then(|b| b.iter().position(|&c| c == b'}'))
            .map(|p| inner_start + p);
        match close {
            Some(close) => InterpError::InvalidName {
                template: self.src.to_owned(),
                inner: self.text(&(inner_start..close)).to_owned(),
                range: dollar..close + 1,
            },
            None => InterpError::Unterminated {
                template: self.src.to_owned(),
                range: dollar..line_end.max(inner_start),
            },
        }
    }

    fn eval(
        &self,
        nodes: &[Node],
        lookup: &dyn Fn(&str) -> Option<String>,
        out: &mut String,
    ) -> Result<(), InterpError> {
        for node in nodes {
            match node {
                Node::Text(range) => out.push_str(self.text(range)),
                Node::Dollar => out.push('$'),
                Node::Var(name) => {
                    if let Some(value) = lookup(self.text(name)) {
                        out.push_str(&value);
                    }
                }
                Node::Expr {
                    name,
                    op,
                    nodes,
                    span,
                    ..
                } => {
                    // Compose resolves the word before looking at the variable.
                    let mut word = String::new();
                    self.eval(nodes, lookup, &mut word)?;
                    let name = self.text(name);
                    let value = lookup(name);
                    let non_empty = value.as_deref().is_some_and(|v| !v.is_empty());
                    let missing = || InterpError::MissingRequired {
                        var: name.to_owned(),
                        reason: word.clone(),
                        range: span.clone(),
                    };
                    let chosen = match op {
                        Op::ColonDash if non_empty => value.unwrap_or_default(),
                        Op::ColonDash => word,
                        Op::Dash => value.unwrap_or(word),
                        Op::ColonQuestion if non_empty => value.unwrap_or_default(),
                        Op::ColonQuestion => return Err(missing()),
                        Op::Question => value.ok_or_else(missing)?,
                        Op::ColonPlus if non_empty => word,
                        Op::ColonPlus => value.unwrap_or_default(),
                        Op::Plus if value.is_some() => word,
                        Op::Plus => String::new(),
                    };
                    out.push_str(&chosen);
                }
            }
        }
        Ok(())
    }
}

/// Why a `.env` file could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, miette::Diagnostic)]
#[error("line {line}: {kind}")]
#[diagnostic(code(limitctl::dotenv))]
pub struct DotenvError {
    /// 1-based line of the problem.
    pub line: usize,
    /// Byte range in the file text of the offending part.
    #[label("here")]
    pub range: Range<usize>,
    /// What is wrong.
    pub kind: DotenvErrorKind,
}

/// The kinds of [`DotenvError`]; messages follow compose-go's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DotenvErrorKind {
    /// A character that cannot be part of a variable name before `=`.
    #[error("unexpected character {:?} in variable name {name:?}", ch.to_string())]
    UnexpectedChar {
        /// The character.
        ch: char,
        /// The rest of the line from the start of the name.
        name: String,
    },
    /// A name with a space inside (`A B=1`).
    #[error("key cannot contain a space")]
    KeyWithSpace,
    /// An opening quote without its closing quote.
    #[error("unterminated quoted value {text}")]
    UnterminatedQuote {
        /// The value from its opening quote to the end of that line.
        text: String,
    },
    /// `export` followed by blanks and the end of the file.
    #[error("expected a variable name after \"export\"")]
    MissingKey,
    /// A value whose interpolation failed. The error's range is relative to
    /// the value as interpolated (after quote and escape processing); the
    /// [`DotenvError::range`] around it points into the file.
    #[error("{0}")]
    Interpolation(InterpError),
}

/// Parses a `.env` file without any outside environment.
///
/// See [`parse_dotenv_with_lookup`]; here `${VAR}` in a value sees only the
/// keys defined above it, and a line with a bare `KEY` defines nothing.
///
/// # Errors
///
/// As [`parse_dotenv_with_lookup`].
pub fn parse_dotenv(text: &str) -> Result<Vec<(String, String)>, DotenvError> {
    parse_dotenv_with_lookup(text, &|_| None)
}

/// Parses a `.env` file the way compose-go's `dotenv` parser does.
///
/// - A UTF-8 BOM is skipped. Blank lines and lines starting with `#` are
///   skipped.
/// - A statement is `KEY=VALUE` or `KEY: VALUE`, optionally prefixed by
///   `export `. Blanks around the key and before the value are dropped. Key
///   characters are letters, digits, `_ . - [ ]`.
/// - An unquoted value runs to the end of the line, is cut at the first ` #`
///   (space, hash) and right-trimmed. `FOO=a#b` keeps `a#b`.
/// - `'single'` quotes are literal except that `\'` is a quote. `"double"`
///   quotes take the escapes `\n \r \t \a \b \f \v \" \\ \$` and `\0` plus three
///   octal digits; other backslashes stay. Both may span lines; text after the
///   closing quote on its line is read as further statements, as in Compose.
/// - Unquoted and double-quoted values are interpolated like [`resolve`]; a
///   variable is looked up with `lookup` first (Compose passes the shell
///   environment) and then among the keys defined above.
/// - A bare `KEY` line takes the value of `lookup(KEY)` if any.
///
/// The result has each key once, at its first definition, with its last
/// value. Differences from compose-go, none of which change a variable that a
/// compose file can reference: statements with an empty key (`=x`) are
/// dropped instead of defining `""`, and a last line `KEY` without a newline
/// is read as a bare `KEY` (Compose turns it into the value of key `""`).
///
/// # Errors
///
/// The first malformed statement: an invalid character in a key, a key with
/// a space, an unterminated quote, `export` with no key, or a value whose
/// interpolation fails; see [`DotenvErrorKind`].
pub fn parse_dotenv_with_lookup(
    text: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<Vec<(String, String)>, DotenvError> {
    let mut parser = Dotenv {
        text,
        lookup,
        out: Vec::new(),
        index: HashMap::new(),
    };
    parser.run()?;
    Ok(parser.out)
}

/// compose-go's `isSpace`: blank but not a line break.
fn is_space(c: char) -> bool {
    matches!(
        c,
        '\t' | '\u{B}' | '\u{C}' | '\r' | ' ' | '\u{85}' | '\u{A0}'
    )
}

/// compose-go accepts `unicode.IsLetter`/`IsNumber`; Rust's `is_alphabetic`
/// also admits a few combining marks, a difference no real key exercises.
fn is_key_char(c: char) -> bool {
    matches!(c, '_' | '.' | '-' | '[' | ']') || c.is_alphabetic() || c.is_numeric()
}

struct Dotenv<'t, 'l> {
    text: &'t str,
    lookup: &'l dyn Fn(&str) -> Option<String>,
    out: Vec<(String, String)>,
    index: HashMap<String, usize>,
}

impl Dotenv<'_, '_> {
    fn line_of(&self, pos: usize) -> usize {
        let before = self
            .text
            .as_bytes()
            .get(..pos)
            .unwrap_or(self.text.as_bytes());
        1 + before.iter().filter(|&&b| b == b'\n').count()
    }

    fn error(&self, range: Range<usize>, kind: DotenvErrorKind) -> DotenvError {
        DotenvError {
            line: self.line_of(range.start),
            range,
            kind,
        }
    }

    /// `text[from..]`, or empty past the end.
    fn rest(&self, from: usize) -> &str {
        self.text.get(from..).unwrap_or_default()
    }

    /// End of the line containing `pos` (the position of its `\n`, or the end).
    fn line_end(&self, pos: usize) -> usize {
        self.rest(pos)
            .find('\n')
            .map_or(self.text.len(), |k| pos + k)
    }

    fn set(&mut self, key: &str, value: String) {
        if key.is_empty() {
            return;
        }
        match self.index.get(key) {
            Some(&i) => {
                if let Some(slot) = self.out.get_mut(i) {
                    slot.1 = value;
                }
            }
            None => {
                self.index.insert(key.to_owned(), self.out.len());
                self.out.push((key.to_owned(), value));
            }
        }
    }

    fn run(&mut self) -> Result<(), DotenvError> {
        let mut pos = if self.text.starts_with('\u{FEFF}') {
            '\u{FEFF}'.len_utf8()
        } else {
            0
        };
        loop {
            // Skip blank space and comment lines up to the next statement.
            let Some((k, c)) = self
                .rest(pos)
                .char_indices()
                .find(|(_, c)| !c.is_whitespace())
            else {
                return Ok(());
            };
            pos += k;
            if c == '#' {
                match self.rest(pos).find('\n') {
                    Some(nl) => pos += nl,
                    None => return Ok(()),
                }
                continue;
            }
            pos = self.statement(pos)?;
        }
    }

    /// Reads the statement starting at `start`; returns where the next begins.
    fn statement(&mut self, start: usize) -> Result<usize, DotenvError> {
        let mut p = start;
        // compose-go: `^export\s+`, where Go's `\s` is `[\t\n\f\r ]`.
        if let Some(after) = self.rest(p).strip_prefix("export")
            && after.starts_with(['\t', '\n', '\u{C}', '\r', ' '])
        {
            p += "export".len();
            p += self.rest(p).len() - self.rest(p).trim_start_matches(is_space).len();
            if p >= self.text.len() {
                return Err(self.error(start..p, DotenvErrorKind::MissingKey));
            }
        }
        let key_start = p;
        let mut terminator = None;
        for (k, c) in self.rest(p).char_indices() {
            if is_space(c) || is_key_char(c) {
                continue;
            }
            if matches!(c, '=' | ':' | '\n') {
                terminator = Some((p + k, c));
                break;
            }
            let name = self
                .rest(key_start)
                .lines()
                .next()
                .unwrap_or_default()
                .to_owned();
            let at = p + k;
            return Err(self.error(
                at..at + c.len_utf8(),
                DotenvErrorKind::UnexpectedChar { ch: c, name },
            ));
        }
        let (key_end, after, inherited) = match terminator {
            Some((at, c)) => (at, at + 1, c == '\n'),
            None => (self.text.len(), self.text.len(), true),
        };
        let key = self
            .text
            .get(key_start..key_end)
            .unwrap_or_default()
            .trim_end();
        if key.contains(' ') {
            return Err(self.error(
                key_start..key_start + key.len(),
                DotenvErrorKind::KeyWithSpace,
            ));
        }
        let key = key.to_owned();
        if inherited {
            if !key.is_empty()
                && let Some(value) = (self.lookup)(&key)
            {
                self.set(&key, value);
            }
            return Ok(after);
        }
        let value_start =
            after + self.rest(after).len() - self.rest(after).trim_start_matches(is_space).len();
        let (value, next) = self.value(value_start)?;
        self.set(&key, value);
        Ok(next)
    }

    /// Reads the value starting at `start`; returns it and where the next
    /// statement may begin.
    fn value(&self, start: usize) -> Result<(String, usize), DotenvError> {
        let Some(quote @ ('"' | '\'')) = self.rest(start).chars().next() else {
            return self.unquoted_value(start);
        };
        let body = start + 1;
        let mut chars = String::new();
        let mut escaped = false;
        for (k, c) in self.rest(body).char_indices() {
            if escaped {
                escaped = false;
                // An escaped quote loses its backslash; any other escaped
                // character keeps it, for the escape pass below.
                if c != quote {
                    chars.push('\\');
                }
                chars.push(c);
            } else if c == '\\' {
                escaped = true;
            } else if c == quote {
                let close = body + k;
                let value = if quote == '"' {
                    self.interpolate(&expand_escapes(&chars)).map_err(|e| {
                        self.error(start..close + 1, DotenvErrorKind::Interpolation(e))
                    })?
                } else {
                    chars
                };
                return Ok((value, close + 1));
            } else {
                chars.push(c);
            }
        }
        let line_end = self.line_end(start);
        let text = self
            .text
            .get(start..line_end)
            .unwrap_or_default()
            .to_owned();
        Err(self.error(start..line_end, DotenvErrorKind::UnterminatedQuote { text }))
    }

    /// The rest of the line, without an inline comment, interpolated.
    fn unquoted_value(&self, start: usize) -> Result<(String, usize), DotenvError> {
        let line_end = self.line_end(start);
        let next = (line_end + 1).min(self.text.len());
        let mut raw = self.text.get(start..line_end).unwrap_or_default();
        if let Some(k) = raw.find(" #") {
            raw = raw.get(..k).unwrap_or_default();
        }
        let raw = raw.trim_end();
        let value = self.interpolate(raw).map_err(|e| {
            // The value is a slice of the file, so the error maps back exactly.
            let r = e.range();
            self.error(
                start + r.start..start + r.end,
                DotenvErrorKind::Interpolation(e),
            )
        })?;
        Ok((value, next))
    }

    fn interpolate(&self, value: &str) -> Result<String, InterpError> {
        let lookup = |name: &str| {
            (self.lookup)(name).or_else(|| {
                let i = *self.index.get(name)?;
                self.out.get(i).map(|(_, v)| v.clone())
            })
        };
        resolve(value, &lookup)
    }
}

/// compose-go's `expandEscapes`: the escapes matched by
/// `\\(?:[abcfnrtv$"\\]|0\d{0,3})`, decoded by Go's `strconv.UnquoteChar`.
/// `\$` becomes `$$` so that interpolation yields a literal `$`. An escape
/// that `UnquoteChar` rejects (`\c`, or `\0` with fewer than three octal
/// digits or a value above 255) is left as Go leaves it: for `\0…` that is
/// the text without its `0` (`\012` becomes `\12`).
fn expand_escapes(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.char_indices().peekable();
    while let Some((_, c)) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let Some(&(_, e)) = chars.peek() else {
            out.push('\\');
            continue;
        };
        let simple = match e {
            'a' => Some("\u{7}"),
            'b' => Some("\u{8}"),
            'f' => Some("\u{C}"),
            'n' => Some("\n"),
            'r' => Some("\r"),
            't' => Some("\t"),
            'v' => Some("\u{B}"),
            '"' => Some("\""),
            '\\' => Some("\\"),
            '$' => Some("$$"),
            'c' => Some("\\c"),
            _ => None,
        };
        if let Some(replacement) = simple {
            chars.next();
            out.push_str(replacement);
            continue;
        }
        if e != '0' {
            // Not an escape: the backslash stays and `e` is read normally.
            out.push('\\');
            continue;
        }
        chars.next();
        let mut digits = String::new();
        while digits.len() < 3 {
            match chars.peek() {
                Some(&(_, d)) if d.is_ascii_digit() => {
                    digits.push(d);
                    chars.next();
                }
                _ => break,
            }
        }
        let octal = (digits.len() == 3)
            .then(|| u32::from_str_radix(&digits, 8).ok())
            .flatten()
            .filter(|&v| v <= 255)
            .and_then(char::from_u32);
        match octal {
            Some(ch) => out.push(ch),
            None => {
                out.push('\\');
                out.push_str(&digits);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + use<> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |k| map.get(k).cloned()
    }

    /// The mapping of compose-go's template tests: FOO set, BAR set but empty.
    fn compose_env() -> impl Fn(&str) -> Option<String> {
        env(&[("FOO", "first"), ("BAR", "")])
    }

    fn empty(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn resolves_like_compose_go() {
        let cases: &[(&str, &str)] = &[
            // escapes and text
            ("$${foo}", "${foo}"),
            ("$$", "$"),
            ("$$$FOO", "$first"),
            ("foo", "foo"),
            ("", ""),
            ("a $ string", "a $ string"),
            ("^REGEX$", "^REGEX$"),
            ("$}", "$}"),
            ("$", "$"),
            ("$1", "$1"),
            ("$-x", "$-x"),
            ("$é", "$é"),
            ("größe ${X:-1g} ü", "größe 1g ü"),
            // plain variables
            ("$FOO-bar", "first-bar"),
            ("This ${missing} var", "This  var"),
            ("This ${BAR} var", "This  var"),
            ("This $FOO var", "This first var"),
            ("This ${FOO} var", "This first var"),
            ("$FOO$FOO", "firstfirst"),
            ("${FOO}${FOO}", "firstfirst"),
            ("$foo", ""),
            ("$FOO_", ""),
            ("$FOO.x", "first.x"),
            // :- and -
            ("ok ${missing:-def}", "ok def"),
            ("ok ${missing-def}", "ok def"),
            ("ok ${BAR:-def}", "ok def"),
            ("ok ${FOO:-def}", "ok first"),
            ("ok ${BAR-def}", "ok "),
            ("ok ${FOO-def}", "ok first"),
            ("${missing:-}", ""),
            ("ok ${BAR:-/non:-alphanumeric}", "ok /non:-alphanumeric"),
            // :+ and +
            ("ok ${UNSET_VAR:+presence_value}", "ok "),
            ("ok ${UNSET_VAR+presence_value}", "ok "),
            ("ok ${FOO:+presence_value}", "ok presence_value"),
            ("ok ${FOO+presence_value}", "ok presence_value"),
            ("ok ${BAR+presence_value}", "ok presence_value"),
            ("ok ${BAR:+presence_value}", "ok "),
            // :? and ? with a value
            ("ok ${FOO:?err}", "ok first"),
            ("ok ${FOO?err}", "ok first"),
            ("ok ${BAR?err}", "ok "),
            // operators outside the expression do not interfere
            ("-ok ${BAR:-defaultValue}", "-ok defaultValue"),
            ("+ok ${UNSET:-${BAR-defaultValue}}", "+ok "),
            ("-ok ${FOO:-defaultValue}", "-ok first"),
            (":-ok ${UNSET-defaultValue}", ":-ok defaultValue"),
            (":-ok ${BAR-defaultValue}", ":-ok "),
            (":?ok ${BAR-defaultValue}", ":?ok "),
            (":?ok ${BAR:-defaultValue}", ":?ok defaultValue"),
            (":+ok ${BAR:-defaultValue}", ":+ok defaultValue"),
            ("+ok ${BAR-defaultValue}", "+ok "),
            ("?ok ${BAR:-defaultValue}", "?ok defaultValue"),
            // precedence: the first operator after the name wins
            ("${UNSET_VAR-myerror?msg}", "myerror?msg"),
            ("${FOO?bar-baz}", "first"),
            (
                "${BAR:-default_value_for_empty_var}",
                "default_value_for_empty_var",
            ),
            // nesting
            ("ok ${UNSET_VAR-$FOO}", "ok first"),
            ("ok ${UNSET_VAR-${FOO}}", "ok first"),
            ("ok ${UNSET_VAR-${FOO} ${FOO}}", "ok first first"),
            ("ok ${BAR:-$FOO}", "ok first"),
            ("ok ${BAR:-${FOO}}", "ok first"),
            ("ok ${BAR:-${FOO} ${FOO}}", "ok first first"),
            ("ok ${BAR+$FOO}", "ok first"),
            ("ok ${BAR+$FOO ${FOO:+second}}", "ok first second"),
            ("${A:-${B:-${C:-deep}}}", "deep"),
            ("${A:-${B:-x}}-${C:-y}", "x-y"),
            ("${A:-$$}", "$"),
            ("${A:-$}", "$"),
            // expressions end at the balancing brace, the rest is text
            ("${A-x}b}", "xb}"),
            ("${A:-}}", "}"),
            ("${A:-{x}}", "{x}"),
            ("${A:-{}}", "{}"),
            // compose-go quirks kept on purpose (see the module doc)
            ("${A:-{x}", "{x"),
            ("${A-{}}x}", "{}}x"),
            // one expression per line
            ("${A:-x}\n${B:-y}", "x\ny"),
            ("${A:-x}\n}", "x\n}"),
        ];
        let lookup = compose_env();
        for (template, expected) in cases {
            assert_eq!(
                resolve(template, &lookup).as_deref(),
                Ok(*expected),
                "template {template:?}"
            );
        }
    }

    #[test]
    fn kelvin_sign_and_long_s_are_name_characters_as_in_go() {
        let lookup = env(&[("\u{212A}", "kelvin")]);
        assert_eq!(resolve("$\u{212A}", &lookup).as_deref(), Ok("kelvin"));
        assert_eq!(resolve("${\u{17F}:-x}", &lookup).as_deref(), Ok("x"));
    }

    #[test]
    fn missing_required_variables_are_errors() {
        let cases: &[(&str, &str, &str, Range<usize>)] = &[
            (
                "not ok ${UNSET_VAR:?Mandatory Variable Unset}",
                "UNSET_VAR",
                "Mandatory Variable Unset",
                7..45,
            ),
            (
                "not ok ${BAR:?Mandatory Variable Empty}",
                "BAR",
                "Mandatory Variable Empty",
                7..39,
            ),
            ("not ok ${UNSET_VAR:?}", "UNSET_VAR", "", 7..21),
            (
                "not ok ${UNSET_VAR?Mandatory}",
                "UNSET_VAR",
                "Mandatory",
                7..29,
            ),
            ("not ok ${UNSET_VAR?}", "UNSET_VAR", "", 7..20),
            ("${UNSET_VAR?bar-baz}", "UNSET_VAR", "bar-baz", 0..20),
            (
                "x ${UNSET_VAR:?Variable ${FOO}}",
                "UNSET_VAR",
                "Variable first",
                2..31,
            ),
            (
                "x ${UNSET_VAR?Variable ${FOO}}",
                "UNSET_VAR",
                "Variable first",
                2..30,
            ),
            // the word is resolved even when the variable is set
            ("${FOO:?${INNER:?inner}}", "INNER", "inner", 7..22),
            ("${FOO:-${INNER?}}", "INNER", "", 7..16),
        ];
        let lookup = compose_env();
        for (template, var, reason, range) in cases {
            let expected = InterpError::MissingRequired {
                var: (*var).to_owned(),
                reason: (*reason).to_owned(),
                range: range.clone(),
            };
            assert_eq!(
                resolve(template, &lookup),
                Err(expected),
                "template {template:?}"
            );
        }
    }

    #[test]
    fn required_messages_match_compose() {
        let err = resolve("${X:?set X}", &empty).unwrap_err();
        assert_eq!(
            err.to_string(),
            "required variable X is missing a value: set X"
        );
        let err = resolve("${X?}", &empty).unwrap_err();
        assert_eq!(err.to_string(), "required variable X is missing a value");
    }

    #[test]
    fn invalid_templates_are_errors_with_ranges() {
        fn unterminated(t: &str, range: Range<usize>) -> InterpError {
            InterpError::Unterminated {
                template: t.to_owned(),
                range,
            }
        }
        fn invalid(t: &str, inner: &str, range: Range<usize>) -> InterpError {
            InterpError::InvalidName {
                template: t.to_owned(),
                inner: inner.to_owned(),
                range,
            }
        }
        let cases: Vec<(&str, InterpError)> = vec![
            ("${", unterminated("${", 0..2)),
            ("x ${FOO", unterminated("x ${FOO", 2..7)),
            ("${FOO:-1g", unterminated("${FOO:-1g", 0..9)),
            ("${A:-x\ny}", unterminated("${A:-x\ny}", 0..6)),
            ("${A-${B}", unterminated("${A-${B}", 4..7)),
            ("${A:-${}}", invalid("${A:-${}}", "", 5..8)),
            ("${}", invalid("${}", "", 0..3)),
            ("${ }", invalid("${ }", " ", 0..4)),
            ("x ${ foo}", invalid("x ${ foo}", " foo", 2..9)),
            ("${foo }", invalid("${foo }", "foo ", 0..7)),
            ("${foo!}", invalid("${foo!}", "foo!", 0..7)),
            ("${A:}", invalid("${A:}", "A:", 0..5)),
            ("${1A}", invalid("${1A}", "1A", 0..5)),
            ("${a.b:-x}", invalid("${a.b:-x}", "a.b:-x", 0..9)),
            ("ok ${FOO} ${", unterminated("ok ${FOO} ${", 10..12)),
        ];
        for (template, expected) in cases {
            assert_eq!(
                resolve(template, &compose_env()),
                Err(expected),
                "template {template:?}"
            );
        }
        let err = resolve("${", &empty).unwrap_err();
        assert_eq!(
            err.to_string(),
            "Invalid template: \"${\": `${` is not closed by `}` on the same line"
        );
    }

    #[test]
    fn syntax_errors_win_even_when_the_variable_is_set() {
        // compose-go resolves the default eagerly, so its error surfaces.
        assert!(matches!(
            resolve("${FOO:-${}}", &compose_env()),
            Err(InterpError::InvalidName { .. })
        ));
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let depth = 10_000;
        let s = format!("{}x{}", "${A:-".repeat(depth), "}".repeat(depth));
        assert!(matches!(
            resolve(&s, &empty),
            Err(InterpError::TooDeep { .. })
        ));
        let ok = format!("{}x{}", "${A:-".repeat(MAX_DEPTH), "}".repeat(MAX_DEPTH));
        assert_eq!(resolve(&ok, &empty).as_deref(), Ok("x"));
    }

    #[test]
    fn has_interpolation_cases() {
        let cases: &[(&str, bool)] = &[
            ("1g", false),
            ("", false),
            ("$$", false),
            ("$${X}", false),
            ("a $ b", false),
            ("$1", false),
            ("cost: 5$", false),
            ("$X", true),
            ("${X}", true),
            ("${X:-1g}", true),
            ("a$$b$X", true),
            ("${", true),
            ("${ bad}", true),
        ];
        for (s, expected) in cases {
            assert_eq!(has_interpolation(s), *expected, "value {s:?}");
        }
    }

    #[test]
    fn default_slot_cases() {
        fn slot(var: &str, op: DefaultOp, range: Range<usize>) -> Slot {
            Slot::Default(DefaultSlot {
                var: var.to_owned(),
                op,
                range,
            })
        }
        fn no_default(var: &str) -> Slot {
            Slot::NoDefault {
                var: var.to_owned(),
            }
        }
        let cases: Vec<(&str, Slot)> = vec![
            ("1g", Slot::Literal),
            ("", Slot::Literal),
            ("$$5", Slot::Literal),
            ("a $ b", Slot::Literal),
            ("${MEM:-512m}", slot("MEM", DefaultOp::ColonDash, 7..11)),
            ("${MEM-512m}", slot("MEM", DefaultOp::Dash, 6..10)),
            ("${MEM:-}", slot("MEM", DefaultOp::ColonDash, 7..7)),
            ("${MEM:-1 g}", slot("MEM", DefaultOp::ColonDash, 7..10)),
            ("${MEM:-{1g}}", slot("MEM", DefaultOp::ColonDash, 7..11)),
            ("${MEM:-größe}", slot("MEM", DefaultOp::ColonDash, 7..14)),
            ("${MEM}", no_default("MEM")),
            ("$MEM", no_default("MEM")),
            ("${MEM:?set it}", no_default("MEM")),
            ("${MEM?}", no_default("MEM")),
        ];
        for (s, expected) in cases {
            assert_eq!(default_slot(s), Ok(expected), "value {s:?}");
        }
        let complex = [
            "${MEM:+1g}",
            "${MEM+1g}",
            "${MEM:-${OTHER:-1g}}",
            "${MEM:-$OTHER}",
            "${MEM:-$$}",
            "x${MEM:-1g}",
            "${MEM:-1g} ",
            "${A:-1g}${B:-2g}",
            "${MEM:-1g}}",
            "$A$B",
            "$$$MEM",
        ];
        for s in complex {
            assert!(
                matches!(default_slot(s), Ok(Slot::Complex { .. })),
                "value {s:?}"
            );
        }
        for s in ["${", "${MEM:-1g", "${ MEM}", "x ${MEM:-${}}"] {
            assert!(default_slot(s).is_err(), "value {s:?}");
        }
    }

    #[test]
    fn rewriting_a_default() {
        let s = "${MEM:-512m}";
        let Ok(Slot::Default(slot)) = default_slot(s) else {
            panic!("not a default slot: {s:?}");
        };
        assert_eq!(slot.default_text(s), Some("512m"));
        let new = slot.rewrite(s, "1g");
        assert_eq!(new.as_deref(), Some("${MEM:-1g}"));
        assert_eq!(slot.rewrite(s, "1}g"), None);
        assert_eq!(slot.rewrite(s, "$X"), None);
        assert_eq!(slot.rewrite("short", "1g"), None);
        assert_eq!(DefaultOp::ColonDash.as_str(), ":-");
        assert_eq!(DefaultOp::Dash.as_str(), "-");
    }

    #[test]
    fn dotenv_forms() {
        let cases: &[(&str, &[(&str, &str)])] = &[
            ("", &[]),
            ("\n\n  \n", &[]),
            ("FOO=bar", &[("FOO", "bar")]),
            ("FOO=bar\n", &[("FOO", "bar")]),
            ("export FOO=bar", &[("FOO", "bar")]),
            ("export\tFOO=bar", &[("FOO", "bar")]),
            ("export=1", &[("export", "1")]),
            ("  FOO = bar  ", &[("FOO", "bar")]),
            ("FOO: bar", &[("FOO", "bar")]),
            ("FOO=", &[("FOO", "")]),
            ("FOO=\nBAR=1", &[("FOO", ""), ("BAR", "1")]),
            (
                "# comment\nFOO=bar\n\n  # c2\nBAZ=qux",
                &[("FOO", "bar"), ("BAZ", "qux")],
            ),
            ("FOO=bar # comment", &[("FOO", "bar")]),
            ("FOO=bar#not a comment", &[("FOO", "bar#not a comment")]),
            (
                "FOO=bar\t#tab is not a comment",
                &[("FOO", "bar\t#tab is not a comment")],
            ),
            ("FOO= #bar", &[("FOO", "#bar")]),
            ("FOO=a b c", &[("FOO", "a b c")]),
            ("FOO='bar # x'", &[("FOO", "bar # x")]),
            ("FOO='a\\nb'", &[("FOO", "a\\nb")]),
            ("FOO='it\\'s'", &[("FOO", "it's")]),
            ("FOO='$BAR'", &[("FOO", "$BAR")]),
            ("FOO='multi\nline'", &[("FOO", "multi\nline")]),
            ("FOO=\"\"", &[("FOO", "")]),
            ("FOO=''", &[("FOO", "")]),
            ("FOO=\"a\\nb\"", &[("FOO", "a\nb")]),
            (
                "FOO=\"a\\r\\t\\v\\f\\a\\b\"",
                &[("FOO", "a\r\t\u{B}\u{C}\u{7}\u{8}")],
            ),
            ("FOO=\"a\\\"b\"", &[("FOO", "a\"b")]),
            ("FOO=\"a\\\\b\"", &[("FOO", "a\\b")]),
            ("FOO=\"a\\\\nb\"", &[("FOO", "a\\nb")]),
            ("FOO=\"a\\xb\\c\"", &[("FOO", "a\\xb\\c")]),
            ("FOO=\"\\0123\"", &[("FOO", "S")]),
            ("FOO=\"\\012\"", &[("FOO", "\\12")]),
            ("FOO=\"\\0\"", &[("FOO", "\\")]),
            ("FOO=\"\\0400\"", &[("FOO", "\\400")]),
            ("FOO=\"\\01234\"", &[("FOO", "S4")]),
            ("FOO=\"line1\nline2\"", &[("FOO", "line1\nline2")]),
            ("FOO=\"bar\" # comment\nX=1", &[("FOO", "bar"), ("X", "1")]),
            ("FOO=\"a\" BAR=b", &[("FOO", "a"), ("BAR", "b")]),
            ("FOO=\"\\$BAR\"", &[("FOO", "$BAR")]),
            ("FOO=\"\\${BAR}\"", &[("FOO", "${BAR}")]),
            ("FOO=$$BAR", &[("FOO", "$BAR")]),
            ("A=1\nB=${A}2", &[("A", "1"), ("B", "12")]),
            ("A=1\nB=\"$A\"", &[("A", "1"), ("B", "1")]),
            ("A=1\nB='$A'", &[("A", "1"), ("B", "$A")]),
            ("B=${A:-def}", &[("B", "def")]),
            ("B=$A\nA=1", &[("B", ""), ("A", "1")]),
            ("A=x\nA=${A}y", &[("A", "xy")]),
            ("FOO=bar\r\nBAZ=qux\r\n", &[("FOO", "bar"), ("BAZ", "qux")]),
            ("FOO=\"bar\"\r\nBAZ=qux", &[("FOO", "bar"), ("BAZ", "qux")]),
            ("\u{FEFF}FOO=bar", &[("FOO", "bar")]),
            ("FOO", &[]),
            ("FOO\nBAR=1", &[("BAR", "1")]),
            ("FOO=1\nFOO=2\nBAR=3", &[("FOO", "2"), ("BAR", "3")]),
            ("my.key-x[0]=1", &[("my.key-x[0]", "1")]),
            ("ключ=значение", &[("ключ", "значение")]),
            ("FOO=größe 1g", &[("FOO", "größe 1g")]),
            ("=orphan\nFOO=1", &[("FOO", "1")]),
            ("export\nFOO=1", &[("FOO", "1")]),
        ];
        for (text, expected) in cases {
            let expected: Vec<(String, String)> = expected
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect();
            assert_eq!(parse_dotenv(text), Ok(expected), "dotenv {text:?}");
        }
    }

    #[test]
    fn dotenv_lookup_comes_first_and_fills_bare_keys() {
        let shell = env(&[("A", "shell"), ("BARE", "from shell")]);
        let parsed = parse_dotenv_with_lookup("A=file\nB=$A\nBARE\nMISSING\n", &shell);
        let expected = vec![
            ("A".to_owned(), "file".to_owned()),
            ("B".to_owned(), "shell".to_owned()),
            ("BARE".to_owned(), "from shell".to_owned()),
        ];
        assert_eq!(parsed, Ok(expected));
    }

    #[test]
    fn dotenv_errors() {
        let cases: &[(&str, usize, Range<usize>, &str)] = &[
            ("FOO BAR=1", 1, 0..7, "line 1: key cannot contain a space"),
            (
                "A=1\nFO$O=1",
                2,
                6..7,
                "line 2: unexpected character \"$\" in variable name \"FO$O=1\"",
            ),
            (
                "A=1\nB=\"unterminated\nC=2",
                2,
                6..19,
                "line 2: unterminated quoted value \"unterminated",
            ),
            ("A='x", 1, 2..4, "line 1: unterminated quoted value 'x"),
            (
                "A=${",
                1,
                2..4,
                "line 1: Invalid template: \"${\": `${` is not closed by `}` on the same line",
            ),
            (
                "A=1\n\nB=x ${X:?need X} # c",
                3,
                9..21,
                "line 3: required variable X is missing a value: need X",
            ),
            (
                "A=\"multi\nline ${X?}\"",
                1,
                2..20,
                "line 1: required variable X is missing a value",
            ),
            (
                "export ",
                1,
                0..7,
                "line 1: expected a variable name after \"export\"",
            ),
        ];
        for (text, line, range, message) in cases {
            let err = parse_dotenv(text).unwrap_err();
            assert_eq!(err.line, *line, "dotenv {text:?}");
            assert_eq!(err.range, *range, "dotenv {text:?}");
            assert_eq!(err.to_string(), *message, "dotenv {text:?}");
        }
    }

    /// Strings rich in the characters the parsers care about.
    fn tricky() -> impl Strategy<Value = String> {
        proptest::collection::vec(
            prop_oneof![
                Just("$".to_owned()),
                Just("${".to_owned()),
                Just("}".to_owned()),
                Just("{".to_owned()),
                Just(":-".to_owned()),
                Just("-".to_owned()),
                Just(":?".to_owned()),
                Just("?".to_owned()),
                Just(":+".to_owned()),
                Just("+".to_owned()),
                Just("\n".to_owned()),
                Just("\\".to_owned()),
                Just("\"".to_owned()),
                Just("'".to_owned()),
                Just("=".to_owned()),
                Just("#".to_owned()),
                Just(" ".to_owned()),
                Just("export ".to_owned()),
                Just("é".to_owned()),
                Just("\u{212A}".to_owned()),
                "[A-Za-z_0-9]{1,4}",
            ],
            0..24,
        )
        .prop_map(|parts| parts.concat())
    }

    fn any_value() -> impl Strategy<Value = String> {
        prop_oneof![any::<String>(), tricky()]
    }

    fn some_env(name: &str) -> Option<String> {
        match name.len() % 3 {
            0 => None,
            1 => Some(String::new()),
            _ => Some("v".to_owned()),
        }
    }

    proptest! {
        #[test]
        fn nothing_panics_and_results_agree(s in any_value()) {
            let interpolates = has_interpolation(&s);
            let _ = resolve(&s, &some_env);
            let _ = parse_dotenv(&s);
            let _ = parse_dotenv_with_lookup(&s, &some_env);
            match default_slot(&s) {
                Err(e) => {
                    prop_assert!(interpolates);
                    prop_assert!(s.get(e.range()).is_some());
                    prop_assert_eq!(resolve(&s, &empty), Err(e));
                }
                Ok(Slot::Literal) => prop_assert!(!interpolates),
                Ok(Slot::Default(slot)) => {
                    prop_assert!(interpolates);
                    let default = slot.default_text(&s).map(str::to_owned);
                    prop_assert_eq!(resolve(&s, &empty).ok(), default);
                    let new = slot.rewrite(&s, "768m");
                    prop_assert!(new.is_some());
                    if let Some(new) = new {
                        prop_assert_eq!(resolve(&new, &empty), Ok("768m".to_owned()));
                    }
                }
                Ok(_) => prop_assert!(interpolates),
            }
        }

        #[test]
        fn rewritten_default_resolves_to_new_default(
            name in "[A-Za-z_][A-Za-z0-9_]{0,8}",
            colon in any::<bool>(),
            old in "[^${}\n]{0,12}",
            new in "[^${}\n]{0,12}",
        ) {
            let op = if colon { ":-" } else { "-" };
            let s = format!("${{{name}{op}{old}}}");
            let slot = match default_slot(&s) {
                Ok(Slot::Default(slot)) => slot,
                other => return Err(TestCaseError::fail(format!("{s:?} gave {other:?}"))),
            };
            prop_assert_eq!(&slot.var, &name);
            prop_assert_eq!(slot.op, if colon { DefaultOp::ColonDash } else { DefaultOp::Dash });
            prop_assert_eq!(slot.default_text(&s), Some(old.as_str()));
            let rewritten = slot.rewrite(&s, &new);
            prop_assert_eq!(rewritten.clone(), Some(format!("${{{name}{op}{new}}}")));
            if let Some(rewritten) = rewritten {
                prop_assert_eq!(resolve(&rewritten, &empty), Ok(new.clone()));
                // The variable still wins when it is set (and, for `:-`, not empty).
                let set = |k: &str| (k == name).then(|| "set".to_owned());
                prop_assert_eq!(resolve(&rewritten, &set), Ok("set".to_owned()));
            }
        }
    }
}
