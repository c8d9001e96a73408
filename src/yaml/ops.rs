//! Structural edits on a span tree, expressed as byte-range [`Edit`]s: set a scalar, add
//! entries to a mapping, fill a null value, remove entries. Every operation keeps the style
//! around it: indentation of the siblings, block or flow, quoting, the file's newline.

use std::ops::Range;

use super::edit::Edit;
use super::tree::{Document, NodeId, NodeKind, Style};

/// A value to be written where there was none: a scalar already rendered as YAML text, or a
/// mapping of such values.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NewValue {
    /// YAML text of a scalar, quotes included if any (`256m`, `"256m"`).
    Scalar(String),
    /// Nested entries in the order they are written.
    Mapping(Vec<(String, NewValue)>),
}

impl NewValue {
    /// Add `value` at `path` below this mapping, creating mappings on the way.
    pub fn put(entries: &mut Vec<(String, NewValue)>, path: &[&str], value: String) {
        let Some((first, rest)) = path.split_first() else {
            return;
        };
        if rest.is_empty() {
            entries.push(((*first).to_string(), NewValue::Scalar(value)));
            return;
        }
        let index = match entries.iter().position(|(k, _)| k == first) {
            Some(i) => i,
            None => {
                entries.push(((*first).to_string(), NewValue::Mapping(Vec::new())));
                entries.len() - 1
            }
        };
        if let NewValue::Mapping(children) = &mut entries[index].1 {
            NewValue::put(children, rest, value);
        }
    }
}

/// Why an edit cannot be expressed without touching more than asked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EditError {
    /// What is in the way.
    pub message: String,
    /// Where.
    pub range: Range<usize>,
}

/// The newline used by the line that contains `offset`, else the file's first newline, else `\n`.
pub fn newline_at(text: &str, offset: usize) -> &'static str {
    let line_end = text[offset.min(text.len())..]
        .find('\n')
        .map(|n| offset + n)
        .or_else(|| text.find('\n'));
    match line_end {
        Some(n) if n > 0 && text.as_bytes()[n - 1] == b'\r' => "\r\n",
        _ => "\n",
    }
}

/// Start of the line holding `offset`.
pub fn line_start(text: &str, offset: usize) -> usize {
    text[..offset].rfind('\n').map_or(0, |n| n + 1)
}

/// The start of the line after the one where `offset` is (after a trailing comment and the
/// newline), or the end of the text; an offset already at a line start stays.
pub fn line_after(text: &str, offset: usize) -> usize {
    if offset > 0 && text.as_bytes()[offset - 1] == b'\n' {
        return offset;
    }
    text[offset..]
        .find('\n')
        .map_or(text.len(), |n| offset + n + 1)
}

/// The whitespace before a node that starts its line, or `None` when something else is there.
fn own_line_indent(text: &str, offset: usize) -> Option<&str> {
    let start = line_start(text, offset);
    let prefix = &text[start..offset];
    prefix.bytes().all(|b| b == b' ').then_some(prefix)
}

/// The indentation of a block mapping's keys, in the text, when every key starts its line.
fn key_indent(doc: &Document, mapping: NodeId) -> Option<&str> {
    let first = doc.entries(mapping)?.first()?;
    own_line_indent(doc.text(), doc.node(first.key).props_start)
}

/// How many spaces a block mapping indents its keys relative to the key that holds it.
pub fn indent_step(doc: &Document, parent_key: NodeId, mapping: NodeId) -> Option<usize> {
    let parent = columns(doc.text(), doc.node(parent_key).props_start);
    let child = key_indent(doc, mapping)?.len();
    child.checked_sub(parent).filter(|&s| s > 0)
}

fn columns(text: &str, offset: usize) -> usize {
    text[line_start(text, offset)..offset].chars().count()
}

/// Render `value` as a YAML scalar in `style`, when the style can hold it literally.
pub fn quote(value: &str, style: Style) -> String {
    match style {
        Style::SingleQuoted => format!("'{}'", value.replace('\'', "''")),
        Style::DoubleQuoted => format!("\"{}\"", value.replace('\\', "\\\\").replace('"', "\\\"")),
        _ => value.to_string(),
    }
}

/// Replace a scalar's text with `rendered` (the caller chose the quoting).
pub fn set_scalar(doc: &Document, node: NodeId, rendered: &str) -> Edit {
    Edit::replace(doc.node(node).range.clone(), rendered)
}

fn render_block(
    out: &mut String,
    indent: &str,
    step: usize,
    entries: &[(String, NewValue)],
    nl: &str,
) {
    for (key, value) in entries {
        match value {
            NewValue::Scalar(s) => {
                out.push_str(&format!("{indent}{key}: {s}{nl}"));
            }
            NewValue::Mapping(children) => {
                out.push_str(&format!("{indent}{key}:{nl}"));
                let deeper = format!("{indent}{}", " ".repeat(step));
                render_block(out, &deeper, step, children, nl);
            }
        }
    }
}

/// Render entries in flow style: `a: 1, b: {c: 2}`.
pub fn render_flow(entries: &[(String, NewValue)]) -> String {
    entries
        .iter()
        .map(|(key, value)| match value {
            NewValue::Scalar(s) => format!("{key}: {s}"),
            NewValue::Mapping(children) => format!("{key}: {{{}}}", render_flow(children)),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Text to insert at `at` so that block lines appear there, dealing with a file that does
/// not end in a newline.
fn block_insert(text: &str, at: usize, lines: String, nl: &str) -> Edit {
    if at == text.len() && !text.is_empty() && !text.ends_with('\n') {
        let body = lines.strip_suffix(nl).unwrap_or(&lines);
        Edit::insert(at, format!("{nl}{body}"))
    } else {
        Edit::insert(at, lines)
    }
}

/// Add entries at the end of a mapping, in its own style. `step` is the indentation used for
/// nested levels of new block mappings.
pub fn insert_entries(
    doc: &Document,
    mapping: NodeId,
    entries: &[(String, NewValue)],
    step: usize,
) -> Result<Edit, EditError> {
    let text = doc.text();
    let node = doc.node(mapping);
    let existing = doc.entries(mapping).unwrap_or(&[]);
    if doc.is_flow(mapping) {
        let flow = render_flow(entries);
        return Ok(match existing.last() {
            Some(last) => Edit::insert(doc.node(last.value).range.end, format!(", {flow}")),
            None => Edit::insert(node.range.start + 1, flow),
        });
    }
    let indent = key_indent(doc, mapping).ok_or_else(|| EditError {
        message: "the mapping's first key does not start its own line".into(),
        range: node.range.clone(),
    })?;
    let at = line_after(text, node.range.end);
    let nl = newline_at(text, node.range.end);
    let mut lines = String::new();
    render_block(&mut lines, indent, step, entries, nl);
    if let Some(before) = before_open_block_scalar(doc, mapping, at) {
        return Ok(Edit::insert(before, lines));
    }
    Ok(block_insert(text, at, lines, nl))
}

/// The deepest last value of `node`: the node whose content ends it in the text.
fn last_leaf(doc: &Document, mut node: NodeId) -> Option<NodeId> {
    loop {
        node = match &doc.node(node).kind {
            NodeKind::Mapping { entries, .. } => entries.last()?.value,
            NodeKind::Sequence { items, .. } => *items.last()?,
            _ => return Some(node),
        };
    }
}

/// The chomping indicators of a block scalar's header (`|+`, `>2-`), comment excluded.
fn block_header(doc: &Document, node: NodeId) -> Option<&str> {
    let NodeKind::Scalar {
        style: Style::Literal | Style::Folded,
        ..
    } = doc.node(node).kind
    else {
        return None;
    };
    let header = doc.text()[doc.node(node).range.start..].lines().next()?;
    header.split('#').next()
}

/// Whether `node` ends in a block scalar with keep chomping (`|+`), whose trailing blank lines
/// are part of its value.
fn ends_in_keep_scalar(doc: &Document, node: NodeId) -> bool {
    last_leaf(doc, node)
        .and_then(|leaf| block_header(doc, leaf))
        .is_some_and(|h| h.contains('+'))
}

/// Where to insert instead of the end of a mapping that ends the file, without a final
/// newline, in a block scalar that would keep a final line break (`|`, `>`, `|+`): text after
/// it would give the scalar a line break it does not have, so the new lines go before the
/// mapping's last entry. `None` when appending is safe.
fn before_open_block_scalar(doc: &Document, mapping: NodeId, at: usize) -> Option<usize> {
    let text = doc.text();
    if at != text.len() || text.ends_with('\n') {
        return None;
    }
    let last = *doc.entries(mapping)?.last()?;
    // The value whose content ends the file.
    let leaf = last_leaf(doc, last.value)?;
    if block_header(doc, leaf)?.contains('-') {
        return None;
    }
    let key_start = doc.node(last.key).props_start;
    own_line_indent(text, key_start)?;
    Some(line_start(text, key_start))
}

/// Turn a null value (`deploy:`, `deploy: ~`) into a mapping holding `entries`.
pub fn fill_null(
    doc: &Document,
    key: NodeId,
    value: NodeId,
    parent_flow: bool,
    entries: &[(String, NewValue)],
    step: usize,
) -> Result<Vec<Edit>, EditError> {
    let text = doc.text();
    let value_range = doc.node(value).range.clone();
    if parent_flow {
        let flow = format!("{{{}}}", render_flow(entries));
        return Ok(vec![if value_range.is_empty() {
            Edit::insert(value_range.start, format!(" {flow}"))
        } else {
            Edit::replace(value_range, flow)
        }]);
    }
    let key_node = doc.node(key);
    let indent = own_line_indent(text, key_node.props_start).ok_or_else(|| EditError {
        message: "the key does not start its own line".into(),
        range: key_node.range.clone(),
    })?;
    let mut edits = Vec::new();
    if !value_range.is_empty() {
        // `deploy: ~` → `deploy:` followed by the new lines.
        let colon = text[key_node.range.end..value_range.start]
            .find(':')
            .map_or(key_node.range.end, |n| key_node.range.end + n + 1);
        edits.push(Edit::delete(colon..value_range.end));
    }
    let at = line_after(text, value_range.end);
    let nl = newline_at(text, value_range.end);
    let mut lines = String::new();
    let deeper = format!("{indent}{}", " ".repeat(step));
    render_block(&mut lines, &deeper, step, entries, nl);
    edits.push(block_insert(text, at, lines, nl));
    Ok(edits)
}

/// Remove the entries at `indices` (sorted, distinct) from a mapping; a block mapping must
/// keep at least one entry, a flow mapping may become `{}`. Block entries go with their whole lines, their trailing comments and their line
/// endings; flow entries go with the comma that joined them.
pub fn remove_entries(
    doc: &Document,
    mapping: NodeId,
    indices: &[usize],
) -> Result<Vec<Edit>, EditError> {
    let text = doc.text();
    let entries = doc.entries(mapping).unwrap_or(&[]);
    let removed = |i: usize| indices.contains(&i);
    let mut ranges: Vec<Range<usize>> = Vec::new();
    if doc.is_flow(mapping) {
        // Runs of consecutive removed entries: cut from the end of the kept entry before the
        // run, or, for a run at the start, up to the key of the kept entry after it.
        let mut i = 0;
        while i < entries.len() {
            if !removed(i) {
                i += 1;
                continue;
            }
            let run_start = i;
            while i < entries.len() && removed(i) {
                i += 1;
            }
            let run_end = i - 1;
            let range = if run_start > 0 {
                doc.node(entries[run_start - 1].value).range.end
                    ..doc.node(entries[run_end].value).range.end
            } else if i < entries.len() {
                doc.node(entries[0].key).props_start..doc.node(entries[i].key).props_start
            } else {
                // Every entry goes: `{a: 1, b: 2}` becomes `{}`.
                doc.node(entries[0].key).props_start..doc.node(entries[run_end].value).range.end
            };
            ranges.push(range);
        }
    } else {
        for &i in indices {
            let entry = entries[i];
            let key_start = doc.node(entry.key).props_start;
            if own_line_indent(text, key_start).is_none() {
                return Err(EditError {
                    message: "the key does not start its own line".into(),
                    range: doc.node(entry.key).range.clone(),
                });
            }
            let start = line_start(text, key_start);
            let end = line_after(text, doc.node(entry.value).range.end);
            match ranges.last_mut() {
                Some(last) if last.end == start => last.end = end,
                _ => ranges.push(start..end),
            }
        }
        // A `|+` scalar keeps its trailing blank lines: removing the keys between it and a
        // blank line would make that line part of its value.
        for &i in indices {
            if i == 0 || removed(i - 1) || !ends_in_keep_scalar(doc, entries[i - 1].value) {
                continue;
            }
            let Some(range) = ranges.iter().find(|r| {
                r.start <= doc.node(entries[i].key).props_start
                    && doc.node(entries[i].key).props_start < r.end
            }) else {
                continue;
            };
            // Only a blank line with its line break joins the scalar: a last line of spaces
            // without one, at the end of the file, is no content.
            let rest = &text[range.end..];
            if rest.find('\n').is_some_and(|n| rest[..n].trim().is_empty()) {
                return Err(EditError {
                    message: "removing this key would make the blank line after it part of the `|+` block scalar above it".into(),
                    range: doc.node(entries[i].key).range.clone(),
                });
            }
        }
    }
    Ok(ranges.into_iter().map(Edit::delete).collect())
}

/// Make the deletions of one file final: deletions that touch (the lines of a mapping and of
/// one nested in it) become one, and whole lines deleted up to the end of a file without a
/// final newline take the newline before them instead, so the file still ends without one,
/// unless that newline is the last line break of a block scalar, which keeps it.
pub fn join_deletions(doc: &Document, mut edits: Vec<Edit>) -> Vec<Edit> {
    let text = doc.text();
    edits.sort_by_key(|e| (e.range.start, e.range.end));
    let mut joined: Vec<Edit> = Vec::with_capacity(edits.len());
    for edit in edits {
        match joined.last_mut() {
            Some(last)
                if last.text.is_empty()
                    && edit.text.is_empty()
                    && last.range.end >= edit.range.start =>
            {
                last.range.end = last.range.end.max(edit.range.end);
            }
            _ => joined.push(edit),
        }
    }
    if let Some(last) = joined.last_mut()
        && last.text.is_empty()
        && last.range.end == text.len()
        && !text.ends_with('\n')
        && last.range.start > 0
        && text.as_bytes()[last.range.start - 1] == b'\n'
        && !ends_block_scalar(doc, last.range.start)
    {
        let nl = if text[..last.range.start].ends_with("\r\n") {
            2
        } else {
            1
        };
        last.range.start -= nl;
    }
    joined
}

/// Whether a block scalar that keeps its final line break (`|`, `>`, `|+`) ends at `offset`.
fn ends_block_scalar(doc: &Document, offset: usize) -> bool {
    doc.node_ids().any(|id| {
        doc.node(id).range.end == offset
            && block_header(doc, id).is_some_and(|header| !header.contains('-'))
    })
}

#[cfg(test)]
mod tests {
    use super::super::edit::splice;
    use super::*;

    fn service(doc: &Document, name: &str) -> (NodeId, NodeId) {
        let services = doc.get(doc.root().unwrap(), "services").unwrap().value;
        let e = doc.get(services, name).unwrap();
        (e.key, e.value)
    }

    fn mem(v: &str) -> Vec<(String, NewValue)> {
        vec![("mem_limit".into(), NewValue::Scalar(v.into()))]
    }

    #[test]
    fn block_insert_takes_sibling_indent_and_lands_before_trailing_comments() {
        let text =
            "services:\n    a:\n        image: x  # c\n        # later\n    b:\n        image: y\n";
        let doc = Document::parse(text).unwrap();
        let (_, a) = service(&doc, "a");
        let edit = insert_entries(&doc, a, &mem("256m"), 4).unwrap();
        let out = splice(text, &[edit]).unwrap();
        assert_eq!(
            out,
            "services:\n    a:\n        image: x  # c\n        mem_limit: 256m\n        # later\n    b:\n        image: y\n"
        );
    }

    #[test]
    fn nested_block_insert_uses_step_and_crlf() {
        let text = "services:\r\n  a:\r\n    image: x\r\n";
        let doc = Document::parse(text).unwrap();
        let (_, a) = service(&doc, "a");
        let mut entries = Vec::new();
        NewValue::put(
            &mut entries,
            &["deploy", "resources", "limits", "memory"],
            "\"1g\"".into(),
        );
        let out = splice(text, &[insert_entries(&doc, a, &entries, 2).unwrap()]).unwrap();
        assert_eq!(
            out,
            "services:\r\n  a:\r\n    image: x\r\n    deploy:\r\n      resources:\r\n        limits:\r\n          memory: \"1g\"\r\n"
        );
    }

    #[test]
    fn insert_and_remove_without_final_newline_round_trip() {
        let text = "services:\n  a:\n    image: x";
        let doc = Document::parse(text).unwrap();
        let (_, a) = service(&doc, "a");
        let out = splice(text, &[insert_entries(&doc, a, &mem("1g"), 2).unwrap()]).unwrap();
        assert_eq!(out, "services:\n  a:\n    image: x\n    mem_limit: 1g");
        let doc2 = Document::parse(&out).unwrap();
        let (_, a2) = service(&doc2, "a");
        let removal = join_deletions(&doc2, remove_entries(&doc2, a2, &[1]).unwrap());
        let back = splice(&out, &removal).unwrap();
        assert_eq!(back, text);
    }

    #[test]
    fn flow_insert_and_remove_round_trip() {
        let text = "services:\n  a: {image: x, restart: always}\n";
        let doc = Document::parse(text).unwrap();
        let (_, a) = service(&doc, "a");
        let out = splice(text, &[insert_entries(&doc, a, &mem("1g"), 2).unwrap()]).unwrap();
        assert_eq!(
            out,
            "services:\n  a: {image: x, restart: always, mem_limit: 1g}\n"
        );
        let doc2 = Document::parse(&out).unwrap();
        let (_, a2) = service(&doc2, "a");
        assert_eq!(
            splice(&out, &remove_entries(&doc2, a2, &[2]).unwrap()).unwrap(),
            text
        );
        // A removed run at the start takes the comma after it.
        assert_eq!(
            splice(&out, &remove_entries(&doc2, a2, &[0, 1]).unwrap()).unwrap(),
            "services:\n  a: {mem_limit: 1g}\n"
        );
    }

    #[test]
    fn fill_null_in_block_and_flow() {
        let text = "services:\n  a:\n    deploy: ~  # none yet\n    image: x\n";
        let doc = Document::parse(text).unwrap();
        let (_, a) = service(&doc, "a");
        let d = doc.get(a, "deploy").unwrap();
        let mut entries = Vec::new();
        NewValue::put(
            &mut entries,
            &["resources", "limits", "memory"],
            "\"1g\"".into(),
        );
        let out = splice(
            text,
            &fill_null(&doc, d.key, d.value, false, &entries, 2).unwrap(),
        )
        .unwrap();
        assert_eq!(
            out,
            "services:\n  a:\n    deploy:  # none yet\n      resources:\n        limits:\n          memory: \"1g\"\n    image: x\n"
        );
        let text = "services:\n  a: {deploy: null}\n";
        let doc = Document::parse(text).unwrap();
        let (_, a) = service(&doc, "a");
        let d = doc.get(a, "deploy").unwrap();
        let out = splice(
            text,
            &fill_null(&doc, d.key, d.value, true, &entries, 2).unwrap(),
        )
        .unwrap();
        assert_eq!(
            out,
            "services:\n  a: {deploy: {resources: {limits: {memory: \"1g\"}}}}\n"
        );
    }

    #[test]
    fn block_removal_takes_trailing_comment_and_block_scalar() {
        let text = "a:\n  x: 1  # gone\n  cmd: |\n    run\n\n  y: 2\n";
        let doc = Document::parse(text).unwrap();
        let a = doc.get(doc.root().unwrap(), "a").unwrap().value;
        let out = splice(text, &remove_entries(&doc, a, &[0, 1]).unwrap()).unwrap();
        // The blank line after a clipped block scalar is not part of it.
        assert_eq!(out, "a:\n\n  y: 2\n");
    }
}
