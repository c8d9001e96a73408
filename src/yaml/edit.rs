//! Text edits as byte-range splices: the only way limitctl changes a file.

use std::ops::Range;

/// Replace the bytes in `range` with `text` (an empty range inserts, empty text deletes).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Edit {
    /// The bytes replaced.
    pub range: Range<usize>,
    /// What they are replaced with.
    pub text: String,
}

impl Edit {
    /// Insert `text` at `at`.
    pub fn insert(at: usize, text: impl Into<String>) -> Self {
        Edit {
            range: at..at,
            text: text.into(),
        }
    }

    /// Replace `range` with `text`.
    pub fn replace(range: Range<usize>, text: impl Into<String>) -> Self {
        Edit {
            range,
            text: text.into(),
        }
    }

    /// Delete `range`.
    pub fn delete(range: Range<usize>) -> Self {
        Edit {
            range,
            text: String::new(),
        }
    }
}

/// Two planned edits touch the same bytes: a bug in the planner, reported rather than
/// spliced into a broken file.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("internal error: overlapping edits at bytes {first:?} and {second:?}")]
pub struct OverlapError {
    /// The earlier edit's range.
    pub first: Range<usize>,
    /// The later edit's range.
    pub second: Range<usize>,
}

/// Apply edits to `text`. Edits are sorted by position (stable, so insertions at one offset
/// keep the order they were planned in) and must not overlap; every range must lie on
/// character boundaries inside the text.
pub fn splice(text: &str, edits: &[Edit]) -> Result<String, OverlapError> {
    let mut sorted: Vec<&Edit> = edits.iter().collect();
    sorted.sort_by_key(|e| (e.range.start, e.range.end));
    let mut out =
        String::with_capacity(text.len() + edits.iter().map(|e| e.text.len()).sum::<usize>());
    let mut pos = 0;
    let mut previous: Option<&Range<usize>> = None;
    for edit in sorted {
        let bad_range = edit.range.start > edit.range.end
            || edit.range.end > text.len()
            || !text.is_char_boundary(edit.range.start)
            || !text.is_char_boundary(edit.range.end);
        if bad_range || edit.range.start < pos {
            return Err(OverlapError {
                first: previous.cloned().unwrap_or(0..0),
                second: edit.range.clone(),
            });
        }
        out.push_str(&text[pos..edit.range.start]);
        out.push_str(&edit.text);
        pos = edit.range.end;
        previous = Some(&edit.range);
    }
    out.push_str(&text[pos..]);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splices_in_order_and_keeps_the_rest() {
        let text = "a: 1\nb: 2\n";
        let out = splice(
            text,
            &[
                Edit::replace(8..9, "3"),
                Edit::insert(10, "c: 4\n"),
                Edit::delete(0..5),
            ],
        )
        .unwrap();
        assert_eq!(out, "b: 3\nc: 4\n");
    }

    #[test]
    fn insertions_at_one_offset_keep_their_planned_order() {
        let out = splice("ab", &[Edit::insert(1, "x"), Edit::insert(1, "y")]).unwrap();
        assert_eq!(out, "axyb");
    }

    #[test]
    fn overlapping_or_out_of_range_edits_are_refused() {
        assert!(splice("abcdef", &[Edit::delete(0..3), Edit::delete(2..4)]).is_err());
        assert!(splice("ab", &[Edit::delete(1..5)]).is_err());
        assert!(splice("é", &[Edit::delete(0..1)]).is_err());
    }
}
