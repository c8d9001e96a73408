//! Unified diffs of edited files.

use similar::{ChangeTag, TextDiff};

use crate::render::Paint;

/// A unified diff of `old` → `new` with three lines of context, headed by the file's name.
pub fn unified(display: &str, old: &str, new: &str, paint: Paint) -> String {
    let diff = TextDiff::from_lines(old, new);
    let mut out = String::new();
    out.push_str(&paint.bold(&format!("--- a/{display}\n+++ b/{display}\n")));
    for hunk in diff.unified_diff().context_radius(3).iter_hunks() {
        out.push_str(&paint.cyan(&hunk.header().to_string()));
        out.push('\n');
        for change in hunk.iter_changes() {
            let (sign, painted): (&str, fn(Paint, &str) -> String) = match change.tag() {
                ChangeTag::Delete => ("-", Paint::red),
                ChangeTag::Insert => ("+", Paint::green),
                ChangeTag::Equal => (" ", |_, t| t.to_string()),
            };
            let line = change.as_str().unwrap_or("");
            let body = line.strip_suffix('\n').unwrap_or(line);
            let body = body.strip_suffix('\r').unwrap_or(body);
            out.push_str(&painted(paint, &format!("{sign}{body}")));
            out.push('\n');
            if change.missing_newline() {
                out.push_str("\\ No newline at end of file\n");
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diff_shows_changed_lines_with_context() {
        let out = unified(
            "a.yml",
            "a: 1\nb: 2\n",
            "a: 1\nb: 3\n",
            Paint { color: false },
        );
        assert_eq!(
            out,
            "--- a/a.yml\n+++ b/a.yml\n@@ -1,2 +1,2 @@\n a: 1\n-b: 2\n+b: 3\n"
        );
    }
}
