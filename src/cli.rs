//! What the user typed: clap definitions only.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Keep the memory limits of a Docker Compose stack equal to limits.toml.
#[derive(Debug, Parser)]
#[command(name = "limitctl", version, about, long_about = None)]
pub struct Cli {
    /// The command.
    #[command(subcommand)]
    pub command: Command,
    /// limits.toml to use (default: ./limits.toml or the nearest parent folder's).
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// When to colour the output.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

/// Colour output: on a terminal only (auto), always or never. `NO_COLOR` is honoured by auto.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// Colour when writing to a terminal and `NO_COLOR` is not set.
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Write the table's limits into the compose files.
    Apply(ApplyArgs),
    /// Report drift between the compose files and the table (read-only; exit 1 on drift).
    Check(CheckArgs),
    /// Remove the memory limits of services again (the rollback edit).
    Strip(StripArgs),
    /// Print the rollout runbook of the table's stages.
    Plan(PlanArgs),
    /// Explain a finding code of `check`.
    Explain(ExplainArgs),
}

/// Which services a command works on.
#[derive(Debug, Args)]
pub struct Selection {
    /// Services to work on (default: every service of the table).
    #[arg(value_name = "SERVICE")]
    pub services: Vec<String>,
    /// Only the services of this stage, by name or 1-based number.
    #[arg(long, value_name = "NAME|NUMBER", conflicts_with = "services")]
    pub stage: Option<String>,
}

/// Writing commands' output options.
#[derive(Debug, Args)]
pub struct WriteOptions {
    /// Show what would change; write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Print a unified diff of every changed file.
    #[arg(long)]
    pub diff: bool,
}

/// `limitctl apply`.
#[derive(Debug, Args)]
pub struct ApplyArgs {
    /// Which services.
    #[command(flatten)]
    pub selection: Selection,
    /// Output options.
    #[command(flatten)]
    pub write: WriteOptions,
}

/// Output format of `check`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Diagnostics with source snippets, then a summary.
    Human,
    /// One JSON object: findings and summary.
    Json,
    /// GitHub Actions workflow commands.
    Github,
    /// SARIF 2.1.0.
    Sarif,
}

/// Findings that `--deny` can raise to errors.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Deniable {
    /// Compose services that the table does not mention.
    Unmanaged,
}

/// `limitctl check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Which services.
    #[command(flatten)]
    pub selection: Selection,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Treat these warnings as errors.
    #[arg(long, value_enum, value_name = "CODE")]
    pub deny: Vec<Deniable>,
    /// The .env file used to resolve `${…}` (default: `.env` beside each compose file).
    #[arg(long, value_name = "PATH")]
    pub env_file: Option<PathBuf>,
}

/// `limitctl strip`.
#[derive(Debug, Args)]
pub struct StripArgs {
    /// Services whose limits go (they need not be in the table).
    #[arg(value_name = "SERVICE", required_unless_present_any = ["stage", "all"])]
    pub services: Vec<String>,
    /// Every service of this stage, by name or 1-based number.
    #[arg(long, value_name = "NAME|NUMBER", conflicts_with_all = ["services", "all"])]
    pub stage: Option<String>,
    /// Every service of the table.
    #[arg(long, conflicts_with = "services")]
    pub all: bool,
    /// Also record `hold = "REASON"` in limits.toml so apply skips the service.
    #[arg(long, value_name = "REASON")]
    pub hold: Option<String>,
    /// Output options.
    #[command(flatten)]
    pub write: WriteOptions,
}

/// `limitctl plan`.
#[derive(Debug, Args)]
pub struct PlanArgs {
    /// Only this stage, by name or 1-based number.
    #[arg(long, value_name = "NAME|NUMBER")]
    pub stage: Option<String>,
}

/// `limitctl explain`.
#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// A finding code, such as `split`.
    pub code: String,
}
