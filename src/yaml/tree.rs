//! A span tree of one YAML document: every key and value with its byte range in the text.
//!
//! The tree is built from saphyr-parser's events. saphyr reports positions as *character*
//! offsets and some of its spans are loose (a quoted scalar's span may run over a trailing
//! comment, a block scalar's span runs up to the next token, anchors and tags sit inside the
//! span), so every range here is recomputed in bytes from the text itself.

use std::collections::HashMap;
use std::ops::Range;

use saphyr_parser::{Event, Parser, ScalarStyle, ScanError, Span};

/// Index of a node in [`Document::nodes`].
pub type NodeId = usize;

/// How a scalar is written in the text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    /// Unquoted.
    Plain,
    /// `'…'`.
    SingleQuoted,
    /// `"…"`.
    DoubleQuoted,
    /// `|` block scalar.
    Literal,
    /// `>` block scalar.
    Folded,
}

impl From<ScalarStyle> for Style {
    fn from(style: ScalarStyle) -> Self {
        match style {
            ScalarStyle::Plain => Style::Plain,
            ScalarStyle::SingleQuoted => Style::SingleQuoted,
            ScalarStyle::DoubleQuoted => Style::DoubleQuoted,
            ScalarStyle::Literal => Style::Literal,
            ScalarStyle::Folded => Style::Folded,
        }
    }
}

/// One key/value pair of a mapping.
#[derive(Clone, Copy, Debug)]
pub struct Entry {
    /// The key node.
    pub key: NodeId,
    /// The value node.
    pub value: NodeId,
}

/// What a node is.
#[derive(Clone, Debug)]
pub enum NodeKind {
    /// A scalar with its parsed value (escapes resolved) and its style.
    Scalar {
        /// The value as YAML reads it.
        value: String,
        /// How it is written.
        style: Style,
        /// Whether it carries an explicit tag (`!!str 5`).
        tagged: bool,
    },
    /// A mapping; entries in text order.
    Mapping {
        /// The entries in text order.
        entries: Vec<Entry>,
        /// `{…}` rather than indented lines.
        flow: bool,
    },
    /// A sequence; items in text order.
    Sequence {
        /// The items in text order.
        items: Vec<NodeId>,
        /// `[…]` rather than `- ` lines.
        flow: bool,
    },
    /// `*name`, pointing at the anchored node.
    Alias {
        /// The node that carries the anchor.
        target: NodeId,
    },
}

/// A node of the tree with its byte ranges.
#[derive(Clone, Debug)]
pub struct Node {
    /// What the node is.
    pub kind: NodeKind,
    /// The bytes of the node itself, without anchor or tag: a quoted scalar includes its
    /// quotes, a flow collection its brackets, a block collection runs from its first key or
    /// item to the end of its last value's content.
    pub range: Range<usize>,
    /// Where the node starts including its anchor and tag, if any.
    pub props_start: usize,
    /// `&name` on this node.
    pub anchor: Option<String>,
}

/// A parse failure with its byte position.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    /// What is wrong, in the parser's words or ours.
    pub message: String,
    /// Where, in bytes.
    pub range: Range<usize>,
    /// How to fix it, when we know.
    pub help: Option<String>,
}

/// A parsed YAML stream: the span tree of every document in it.
#[derive(Clone, Debug)]
pub struct Document {
    text: String,
    nodes: Vec<Node>,
    roots: Vec<NodeId>,
}

impl Document {
    /// Parse `text` strictly: syntax errors, tabs in indentation, unknown aliases and
    /// duplicate keys are errors.
    pub fn parse(text: impl Into<String>) -> Result<Self, ParseError> {
        let text = text.into();
        let (nodes, roots) = Builder::new(&text).run()?;
        Ok(Document { text, nodes, roots })
    }

    /// The text this tree describes.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The root node of the only document, or `None` for an empty stream or several documents.
    pub fn root(&self) -> Option<NodeId> {
        match self.roots.as_slice() {
            [one] => Some(*one),
            _ => None,
        }
    }

    /// The node with this id.
    pub fn node(&self, id: NodeId) -> &Node {
        &self.nodes[id]
    }

    /// Every node id, in the order the parser met the nodes.
    pub fn node_ids(&self) -> std::ops::Range<NodeId> {
        0..self.nodes.len()
    }

    /// The node, following an alias to its anchored target.
    pub fn resolve(&self, id: NodeId) -> NodeId {
        match self.nodes[id].kind {
            NodeKind::Alias { target } => target,
            _ => id,
        }
    }

    /// The string value of a scalar node.
    pub fn scalar(&self, id: NodeId) -> Option<&str> {
        match &self.nodes[id].kind {
            NodeKind::Scalar { value, .. } => Some(value),
            _ => None,
        }
    }

    /// The entries of a mapping node (not following aliases).
    pub fn entries(&self, id: NodeId) -> Option<&[Entry]> {
        match &self.nodes[id].kind {
            NodeKind::Mapping { entries, .. } => Some(entries),
            _ => None,
        }
    }

    /// Whether the node is a flow collection (`{…}` or `[…]`).
    pub fn is_flow(&self, id: NodeId) -> bool {
        matches!(
            self.nodes[id].kind,
            NodeKind::Mapping { flow: true, .. } | NodeKind::Sequence { flow: true, .. }
        )
    }

    /// The entry of `mapping` whose key is the plain string `key`.
    pub fn get(&self, mapping: NodeId, key: &str) -> Option<Entry> {
        self.entries(mapping)?
            .iter()
            .copied()
            .find(|e| self.scalar(e.key) == Some(key))
    }

    /// Whether the node is a null: an empty value, `~`, `null` (plain).
    pub fn is_null(&self, id: NodeId) -> bool {
        match &self.nodes[id].kind {
            NodeKind::Scalar {
                value,
                style: Style::Plain,
                tagged: false,
            } => matches!(value.as_str(), "" | "~" | "null" | "Null" | "NULL"),
            _ => false,
        }
    }

    /// The anchored node that holds `id` (or is `id`) and that an alias elsewhere uses: an
    /// edit inside it would change every place that alias appears.
    pub fn shared_anchor(&self, id: NodeId) -> Option<NodeId> {
        let range = &self.nodes[id].range;
        self.nodes.iter().find_map(|n| match n.kind {
            NodeKind::Alias { target } => {
                let t = &self.nodes[target].range;
                (t.start <= range.start && range.end <= t.end).then_some(target)
            }
            _ => None,
        })
    }
}

/// Maps saphyr's character offsets to byte offsets.
struct Offsets {
    /// Byte offset of every char index, plus one past the end; `None` when the text is ASCII.
    bytes: Option<Vec<usize>>,
    len: usize,
}

impl Offsets {
    fn new(text: &str) -> Self {
        let bytes = (!text.is_ascii()).then(|| {
            let mut v: Vec<usize> = text.char_indices().map(|(i, _)| i).collect();
            v.push(text.len());
            v
        });
        Offsets {
            bytes,
            len: text.len(),
        }
    }

    fn byte(&self, char_index: usize) -> usize {
        match &self.bytes {
            None => char_index.min(self.len),
            Some(v) => v.get(char_index).copied().unwrap_or(self.len),
        }
    }
}

enum Frame {
    Mapping { id: NodeId, key: Option<NodeId> },
    Sequence { id: NodeId },
}

struct Builder<'t> {
    text: &'t str,
    offsets: Offsets,
    nodes: Vec<Node>,
    roots: Vec<NodeId>,
    stack: Vec<Frame>,
    anchors: HashMap<usize, NodeId>,
}

impl<'t> Builder<'t> {
    fn new(text: &'t str) -> Self {
        Builder {
            text,
            offsets: Offsets::new(text),
            nodes: Vec::new(),
            roots: Vec::new(),
            stack: Vec::new(),
            anchors: HashMap::new(),
        }
    }

    fn run(mut self) -> Result<(Vec<Node>, Vec<NodeId>), ParseError> {
        let text = self.text;
        let mut parser = Parser::new_from_str(text);
        while let Some(next) = parser.next_event() {
            let (event, span) = next.map_err(|e| self.scan_error(&e))?;
            match event {
                Event::StreamEnd => break,
                Event::Nothing
                | Event::StreamStart
                | Event::DocumentStart(_)
                | Event::DocumentEnd => {}
                Event::Alias(anchor_id) => {
                    let start = self.offsets.byte(span.start.index());
                    let end = self.offsets.byte(span.end.index()).max(start);
                    let Some(&target) = self.anchors.get(&anchor_id) else {
                        return Err(ParseError {
                            message: "alias to an unknown anchor".into(),
                            range: start..end,
                            help: Some("define the anchor (`&name`) before using it".into()),
                        });
                    };
                    let id = self.push(Node {
                        kind: NodeKind::Alias { target },
                        range: start..end,
                        props_start: start,
                        anchor: None,
                    });
                    self.attach(id)?;
                }
                Event::Scalar(value, style, anchor_id, tag) => {
                    let (props_start, mut content_start, anchor) = self.properties(&span);
                    let style = Style::from(style);
                    let end = if value.is_empty() && style == Style::Plain {
                        // An empty value has no text: place it right after its `:` (or after
                        // its anchor or tag), never on the next line or over a `}`.
                        content_start = self.empty_value_at(props_start, &span);
                        content_start
                    } else {
                        self.scalar_end(style, content_start, &span)?
                    };
                    if matches!(style, Style::Literal | Style::Folded) {
                        content_start = block_indicator(text, content_start);
                    }
                    let props_start = props_start.min(content_start);
                    let id = self.push(Node {
                        kind: NodeKind::Scalar {
                            value: value.into_owned(),
                            style,
                            tagged: tag.is_some(),
                        },
                        range: content_start..end,
                        props_start,
                        anchor,
                    });
                    self.remember_anchor(anchor_id, id);
                    self.attach(id)?;
                }
                Event::MappingStart(anchor_id, _) | Event::SequenceStart(anchor_id, _) => {
                    let is_mapping = matches!(event, Event::MappingStart(..));
                    let (props_start, content_start, anchor) = self.properties(&span);
                    let end = self.offsets.byte(span.end.index());
                    let open = if is_mapping { b'{' } else { b'[' };
                    let flow = end > content_start && text.as_bytes()[end - 1] == open;
                    let start = if flow {
                        end - 1
                    } else {
                        end.max(content_start)
                    };
                    let kind = if is_mapping {
                        NodeKind::Mapping {
                            entries: Vec::new(),
                            flow,
                        }
                    } else {
                        NodeKind::Sequence {
                            items: Vec::new(),
                            flow,
                        }
                    };
                    let id = self.push(Node {
                        kind,
                        range: start..start,
                        props_start: props_start.min(start),
                        anchor,
                    });
                    self.remember_anchor(anchor_id, id);
                    self.stack.push(if is_mapping {
                        Frame::Mapping { id, key: None }
                    } else {
                        Frame::Sequence { id }
                    });
                }
                Event::MappingEnd | Event::SequenceEnd => {
                    let id = match self.stack.pop() {
                        Some(Frame::Mapping { id, .. }) | Some(Frame::Sequence { id }) => id,
                        None => continue,
                    };
                    let end = if self.is_flow(id) {
                        self.offsets.byte(span.end.index())
                    } else {
                        self.last_child_end(id)
                    };
                    let node = &mut self.nodes[id];
                    node.range.end = end.max(node.range.start);
                    if let NodeKind::Mapping { .. } = self.nodes[id].kind {
                        self.check_duplicates(id)?;
                    }
                    self.attach(id)?;
                }
            }
        }
        Ok((self.nodes, self.roots))
    }

    fn push(&mut self, node: Node) -> NodeId {
        self.nodes.push(node);
        self.nodes.len() - 1
    }

    fn remember_anchor(&mut self, anchor_id: usize, id: NodeId) {
        if anchor_id != 0 {
            self.anchors.insert(anchor_id, id);
        }
    }

    fn is_flow(&self, id: NodeId) -> bool {
        matches!(
            self.nodes[id].kind,
            NodeKind::Mapping { flow: true, .. } | NodeKind::Sequence { flow: true, .. }
        )
    }

    /// The end of a block collection: the end of its last child's content.
    fn last_child_end(&self, id: NodeId) -> usize {
        let last = match &self.nodes[id].kind {
            NodeKind::Mapping { entries, .. } => entries.last().map(|e| e.value),
            NodeKind::Sequence { items, .. } => items.last().copied(),
            _ => None,
        };
        last.map_or(self.nodes[id].range.start, |c| self.nodes[c].range.end)
    }

    /// Hang a finished node under the collection being built (or make it a document root).
    fn attach(&mut self, id: NodeId) -> Result<(), ParseError> {
        match self.stack.last_mut() {
            None => self.roots.push(id),
            Some(Frame::Sequence { id: seq }) => {
                if let NodeKind::Sequence { items, .. } = &mut self.nodes[*seq].kind {
                    items.push(id);
                }
            }
            Some(Frame::Mapping { id: map, key }) => match key.take() {
                None => *key = Some(id),
                Some(k) => {
                    if let NodeKind::Mapping { entries, .. } = &mut self.nodes[*map].kind {
                        entries.push(Entry { key: k, value: id });
                    }
                }
            },
        }
        Ok(())
    }

    /// Split a node's span into its properties (`&anchor`, `!tag`) and its content.
    fn properties(&self, span: &Span) -> (usize, usize, Option<String>) {
        let text = self.text;
        let bytes = text.as_bytes();
        let start = self.offsets.byte(span.start.index());
        let mut pos = start;
        let mut anchor = None;
        while let Some(&sigil @ (b'&' | b'!')) = bytes.get(pos) {
            let token_end = text[pos..]
                .find(|c: char| c.is_whitespace() || c == ',' || c == '}' || c == ']')
                .map_or(text.len(), |n| pos + n);
            if sigil == b'&' {
                anchor = Some(text[pos + 1..token_end].to_string());
            }
            pos = skip_space_and_comments(text, token_end);
        }
        (start, pos, anchor)
    }

    /// Where an empty plain scalar sits: after the properties on its own line, else after
    /// the `:` that saphyr puts its span on, else where the span starts.
    fn empty_value_at(&self, props_start: usize, span: &Span) -> usize {
        let text = self.text;
        let bytes = text.as_bytes();
        let mut pos = props_start;
        while let Some(&(b'&' | b'!')) = bytes.get(pos) {
            pos = text[pos..]
                .find(|c: char| c.is_whitespace() || c == ',' || c == '}' || c == ']')
                .map_or(text.len(), |n| pos + n);
            let spaces = text[pos..].len() - text[pos..].trim_start_matches([' ', '\t']).len();
            if matches!(bytes.get(pos + spaces), Some(b'&' | b'!')) {
                pos += spaces;
            }
        }
        if pos == props_start {
            pos = self.offsets.byte(span.start.index());
            if bytes.get(pos) == Some(&b':') {
                pos += 1;
            }
        }
        pos
    }

    /// The true end of a scalar's content, in bytes.
    fn scalar_end(&self, style: Style, start: usize, span: &Span) -> Result<usize, ParseError> {
        let text = self.text;
        let bytes = text.as_bytes();
        let span_end = self.offsets.byte(span.end.index()).max(start);
        match style {
            Style::Plain => Ok(span_end),
            Style::SingleQuoted => {
                let mut i = start + 1;
                while i < bytes.len() {
                    if bytes[i] == b'\'' {
                        if bytes.get(i + 1) == Some(&b'\'') {
                            i += 2;
                            continue;
                        }
                        return Ok(i + 1);
                    }
                    i += 1;
                }
                Err(self.unterminated(start))
            }
            Style::DoubleQuoted => {
                let mut i = start + 1;
                while i < bytes.len() {
                    match bytes[i] {
                        b'\\' => i += 2,
                        b'"' => return Ok(i + 1),
                        _ => i += 1,
                    }
                }
                Err(self.unterminated(start))
            }
            Style::Literal | Style::Folded => {
                let body = &text[start..span_end];
                let header = &text[block_indicator(text, start)..start];
                let keep = header
                    .lines()
                    .next()
                    .is_some_and(|h| h.split('#').next().unwrap_or("").contains('+'));
                // Trailing blank lines are content only with keep chomping (`|+`); otherwise
                // the scalar ends with its last non-blank line, and so does its mapping.
                let end = if keep {
                    // Up to the last line break, unless content follows it: the last line
                    // of a file without a final newline.
                    match body.rfind('\n') {
                        Some(n) if body[n + 1..].trim().is_empty() => Some(n + 1),
                        _ => Some(body.len()),
                    }
                } else {
                    let last = body.trim_end_matches([' ', '\t', '\r', '\n']).len();
                    Some(body[last..].find('\n').map_or(body.len(), |n| last + n + 1))
                };
                Ok(end.map_or(span_end, |n| start + n))
            }
        }
    }

    fn unterminated(&self, start: usize) -> ParseError {
        ParseError {
            message: "quoted scalar without its closing quote".into(),
            range: start..start + 1,
            help: None,
        }
    }

    fn check_duplicates(&self, id: NodeId) -> Result<(), ParseError> {
        let NodeKind::Mapping { entries, .. } = &self.nodes[id].kind else {
            return Ok(());
        };
        let mut seen: HashMap<&str, NodeId> = HashMap::new();
        for entry in entries {
            if let NodeKind::Scalar { value, .. } = &self.nodes[entry.key].kind
                && let Some(first) = seen.insert(value.as_str(), entry.key)
            {
                let first_line = line_of(self.text, self.nodes[first].range.start);
                return Err(ParseError {
                        message: format!("duplicate key `{value}` (first defined on line {first_line})"),
                        range: self.nodes[entry.key].range.clone(),
                        help: Some(
                            "YAML forbids a key twice in one mapping and Compose rejects the file: keep one"
                                .into(),
                        ),
                    });
            }
        }
        Ok(())
    }

    fn scan_error(&self, e: &ScanError) -> ParseError {
        let at = self.offsets.byte(e.marker().index());
        let end = self.text[at..]
            .chars()
            .next()
            .map_or(at, |c| at + c.len_utf8());
        let info = e.info();
        let help = if info.contains("tab") {
            Some("indent with spaces: YAML does not allow tabs in indentation".to_string())
        } else if info.contains("unknown anchor") {
            Some("define the anchor (`&name`) before the alias that uses it".to_string())
        } else if info.contains("did not find expected key") || info.contains("mapping values") {
            Some("check the indentation of this line against the keys above it".to_string())
        } else {
            None
        };
        ParseError {
            message: info.to_string(),
            range: at..end,
            help,
        }
    }
}

/// saphyr starts a block scalar's span at its first content line: step back to its `|`/`>`.
fn block_indicator(text: &str, content: usize) -> usize {
    let header_end = text[..content].rfind('\n').unwrap_or(0);
    let header_start = text[..header_end].rfind('\n').map_or(0, |n| n + 1);
    text[header_start..content]
        .rfind(['|', '>'])
        .map_or(content, |n| header_start + n)
}

/// Skip spaces, line breaks and `#` comments from `pos`.
fn skip_space_and_comments(text: &str, mut pos: usize) -> usize {
    let bytes = text.as_bytes();
    while pos < bytes.len() {
        match bytes[pos] {
            b' ' | b'\t' | b'\r' | b'\n' => pos += 1,
            b'#' => {
                pos = text[pos..].find('\n').map_or(text.len(), |n| pos + n);
            }
            _ => break,
        }
    }
    pos
}

/// The 1-based line of a byte offset.
pub fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slice(doc: &Document, id: NodeId) -> &str {
        &doc.text()[doc.node(id).range.clone()]
    }

    #[test]
    fn quoted_scalars_end_at_their_quote_not_at_the_comment() {
        let text = "a: \"x\"   # c\nb: 'it''s'  # d\n";
        let doc = Document::parse(text).unwrap();
        let root = doc.root().unwrap();
        assert_eq!(slice(&doc, doc.get(root, "a").unwrap().value), "\"x\"");
        assert_eq!(slice(&doc, doc.get(root, "b").unwrap().value), "'it''s'");
    }

    #[test]
    fn offsets_are_bytes_with_bom_crlf_and_non_ascii() {
        let text = "\u{feff}# café ☕\r\nservices:\r\n  é:\r\n    image: \"ü\"\r\n";
        let doc = Document::parse(text).unwrap();
        let root = doc.root().unwrap();
        let services = doc.get(root, "services").unwrap().value;
        let svc = doc.get(services, "é").unwrap();
        assert_eq!(slice(&doc, svc.key), "é");
        assert_eq!(
            slice(&doc, doc.get(svc.value, "image").unwrap().value),
            "\"ü\""
        );
    }

    #[test]
    fn anchors_are_outside_the_content_range() {
        let text = "x: &log\n  driver: json\ny: &v 'q'\nz: *log\n";
        let doc = Document::parse(text).unwrap();
        let root = doc.root().unwrap();
        let x = doc.get(root, "x").unwrap().value;
        assert_eq!(doc.node(x).anchor.as_deref(), Some("log"));
        assert_eq!(slice(&doc, x), "driver: json");
        let y = doc.get(root, "y").unwrap().value;
        assert_eq!(slice(&doc, y), "'q'");
        let z = doc.get(root, "z").unwrap().value;
        assert_eq!(doc.resolve(z), x);
        assert_eq!(doc.shared_anchor(x), Some(x));
    }

    #[test]
    fn block_scalar_ends_after_its_content_or_kept_blank_lines() {
        let text = "a:\n  cmd: |\n    x\n\n  # note\nb: 1\n";
        let doc = Document::parse(text).unwrap();
        let a = doc.get(doc.root().unwrap(), "a").unwrap().value;
        let cmd = doc.get(a, "cmd").unwrap().value;
        assert_eq!(slice(&doc, cmd), "|\n    x\n");
        let text = "a:\n  cmd: |+\n    x\n\n  # note\nb: 1\n";
        let doc = Document::parse(text).unwrap();
        let a = doc.get(doc.root().unwrap(), "a").unwrap().value;
        assert_eq!(
            slice(&doc, doc.get(a, "cmd").unwrap().value),
            "|+\n    x\n\n"
        );
        assert_eq!(doc.node(a).range.end, doc.node(cmd).range.end);
    }

    #[test]
    fn flow_collections_include_their_brackets() {
        let text = "s: {image: x, deploy: {resources: {}}}\nl: [1, 2]\n";
        let doc = Document::parse(text).unwrap();
        let root = doc.root().unwrap();
        let s = doc.get(root, "s").unwrap().value;
        assert!(doc.is_flow(s));
        assert_eq!(slice(&doc, s), "{image: x, deploy: {resources: {}}}");
        assert_eq!(slice(&doc, doc.get(root, "l").unwrap().value), "[1, 2]");
    }

    #[test]
    fn empty_values_sit_after_their_colon_or_anchor() {
        let text = "a:\n  m:\n  d: &d\n  c: 1\nf: {image: x, foo}\n";
        let doc = Document::parse(text).unwrap();
        let root = doc.root().unwrap();
        let a = doc.get(root, "a").unwrap().value;
        assert_eq!(doc.node(doc.get(a, "m").unwrap().value).range, 7..7);
        assert_eq!(doc.node(doc.get(a, "d").unwrap().value).range, 15..15);
        let f = doc.get(root, "f").unwrap().value;
        let foo = doc.get(f, "foo").unwrap().value;
        assert_eq!(doc.node(foo).range, 40..40);
        assert_eq!(&text[40..41], "}");
    }

    #[test]
    fn empty_value_is_null_at_the_colon() {
        let doc = Document::parse("a:\nb: ~\n").unwrap();
        let root = doc.root().unwrap();
        assert!(doc.is_null(doc.get(root, "a").unwrap().value));
        assert!(doc.is_null(doc.get(root, "b").unwrap().value));
    }

    #[test]
    fn errors_are_located_in_bytes() {
        let dup = Document::parse("é: 1\nb: 1\nb: 2\n").unwrap_err();
        assert_eq!(dup.range, 11..12);
        assert!(dup.message.contains("line 2"));
        let tab = Document::parse("a:\n\tb: 1\n").unwrap_err();
        assert!(tab.help.unwrap().contains("spaces"));
        let alias = Document::parse("a: *x\n").unwrap_err();
        assert!(alias.message.contains("anchor"));
        let indent = Document::parse("a:\n  b: 1\n c: 2\n").unwrap_err();
        assert_eq!(line_of("a:\n  b: 1\n c: 2\n", indent.range.start), 3);
    }
}
