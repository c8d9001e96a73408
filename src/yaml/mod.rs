//! The lossless YAML layer: a span tree over the text, and edits spliced into it by byte range.
//! The document is never re-serialised.

pub mod edit;
pub mod ops;
pub mod tree;

pub use edit::{Edit, splice};
pub use ops::NewValue;
pub use tree::{Document, Entry, NodeId, NodeKind, ParseError, Style};
