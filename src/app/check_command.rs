//! `limitctl check`.

use std::path::Path;

use crate::app::{CommandResult, Context};
use crate::cli::CheckArgs;

/// Run `check`.
pub fn check(_ctx: &mut Context<'_>, _config: Option<&Path>, _args: &CheckArgs) -> CommandResult {
    Err(vec![miette::Report::msg("check is not built yet")])
}
