//! One compose text through plan → splice → verify: the whole edit of a file, as a pure
//! function. The command line uses it per file; tests and the fuzz target use it directly.

use crate::compose::{self, Service};
use crate::limits::{ServiceLimits, WriteTargets};
use crate::plan::{self, FilePlan, PlanError};
use crate::verify::{self, VerifyError};
use crate::yaml::{self, Document, ParseError};

/// Why a file could not be edited.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The text is not valid YAML (as limitctl reads it strictly).
    #[error("invalid YAML: {}", .0.message)]
    Parse(ParseError),
    /// The text is YAML but not a compose file.
    #[error("not a compose file: no top-level `services` mapping")]
    NotCompose,
    /// A service cannot be edited as asked.
    #[error("{}", .0.first().map_or("", |e| e.message.as_str()))]
    Plan(Vec<PlanError>),
    /// The planner produced overlapping edits (a bug).
    #[error(transparent)]
    Splice(#[from] yaml::edit::OverlapError),
    /// The edited text does not mean what was intended (a bug, or a construct we cannot edit).
    #[error(transparent)]
    Verify(#[from] VerifyError),
}

/// An edited file: the plan and the new text, verified.
#[derive(Clone, Debug)]
pub struct Edited {
    /// The plan that produced the text.
    pub plan: FilePlan,
    /// The new text (equal to the old one when nothing changed).
    pub text: String,
}

/// What to do to one file.
#[derive(Clone, Copy, Debug)]
pub enum Operation<'a> {
    /// Write the table's values for these services.
    Apply(&'a [ServiceLimits], WriteTargets),
    /// Remove the managed fields of these services.
    Strip(&'a [&'a str]),
}

/// Plan, splice and verify one parsed compose file. Services of the operation that the file
/// does not define are ignored.
pub fn edit_document(doc: &Document, operation: Operation<'_>) -> Result<Edited, EngineError> {
    let services_node = compose::services_mapping(doc).ok_or(EngineError::NotCompose)?;
    let services = compose::services(doc, services_node);
    let plan = match operation {
        Operation::Apply(table, write) => {
            let pairs: Vec<(&Service, &ServiceLimits)> = services
                .iter()
                .filter_map(|s| Some((s, table.iter().find(|t| t.name == s.name)?)))
                .collect();
            plan::plan_apply(doc, &pairs, write)
        }
        Operation::Strip(names) => {
            let selected: Vec<&Service> = services
                .iter()
                .filter(|s| names.contains(&s.name.as_str()))
                .collect();
            plan::plan_strip(doc, &selected)
        }
    }
    .map_err(EngineError::Plan)?;
    let text = yaml::splice(doc.text(), &plan.edits)?;
    if !plan.edits.is_empty() {
        verify::verify(doc.text(), &text, &plan.intents)?;
    }
    Ok(Edited { plan, text })
}

/// Parse `text` and edit it.
pub fn edit_text(text: &str, operation: Operation<'_>) -> Result<Edited, EngineError> {
    let doc = Document::parse(text).map_err(EngineError::Parse)?;
    edit_document(&doc, operation)
}
