//! The report of `apply` and `strip`: what changed per file and service, what was skipped, and
//! the commands that make the change take effect.

use std::fmt::Write;

use crate::plan::Change;
use crate::render::Paint;

/// Which command the report is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `apply`.
    Apply,
    /// `strip`.
    Strip,
}

/// What happened in one file.
#[derive(Clone, Debug)]
pub struct FileReport {
    /// The file as shown to the user.
    pub display: String,
    /// The changes in file order.
    pub changes: Vec<Change>,
    /// Selected services left as they were, with the reason.
    pub unchanged: Vec<(String, &'static str)>,
}

impl FileReport {
    /// The services with a change, each once, in file order.
    pub fn changed_services(&self) -> Vec<&str> {
        let mut names: Vec<&str> = Vec::new();
        for change in &self.changes {
            if !names.contains(&change.service.as_str()) {
                names.push(&change.service);
            }
        }
        names
    }
}

/// Everything the report says.
#[derive(Clone, Debug)]
pub struct EditReport {
    /// apply or strip.
    pub kind: Kind,
    /// Per file, in path order.
    pub files: Vec<FileReport>,
    /// Services skipped because they are on hold, with the reason.
    pub held: Vec<(String, String)>,
    /// Services put on hold in limits.toml by this run (strip --hold).
    pub new_holds: Vec<(String, String)>,
    /// limits.toml as shown to the user.
    pub config_display: String,
    /// Nothing is written.
    pub dry_run: bool,
    /// Changed services that limits.toml lists (strip: `check` will report them as missing).
    pub listed: Vec<String>,
}

/// Render the report.
pub fn render(report: &EditReport, paint: Paint) -> String {
    let mut out = String::new();
    let mut changed_services = 0;
    let mut unchanged = 0;
    for file in &report.files {
        if file.changes.is_empty() && file.unchanged.is_empty() {
            continue;
        }
        let _ = writeln!(out, "{}", paint.bold(&file.display));
        for service in file.changed_services() {
            changed_services += 1;
            let _ = writeln!(out, "  {}", paint.bold(service));
            let changes: Vec<&Change> = file
                .changes
                .iter()
                .filter(|c| c.service == service)
                .collect();
            let width = changes
                .iter()
                .map(|c| c.field.to_string().len())
                .max()
                .unwrap_or(0);
            for change in changes {
                let what = match (&change.old, &change.new) {
                    (Some(old), Some(new)) => format!("{} → {}", paint.red(old), paint.green(new)),
                    (None, Some(new)) => format!("added {}", paint.green(new)),
                    (Some(old), None) => format!("removed (was {})", paint.red(old)),
                    (None, None) => String::new(),
                };
                let note = change
                    .note
                    .as_ref()
                    .map(|n| format!("  ({n})"))
                    .unwrap_or_default();
                let _ = writeln!(out, "    {:width$}  {what}{note}", change.field.to_string());
            }
        }
        for (service, reason) in &file.unchanged {
            unchanged += 1;
            let _ = writeln!(out, "  {service}: {}", paint.dim(reason));
        }
    }
    if !report.held.is_empty() {
        let _ = writeln!(out, "{}", paint.yellow("held (skipped):"));
        for (service, reason) in &report.held {
            let _ = writeln!(out, "  {service}: {reason}");
        }
    }
    if !report.new_holds.is_empty() {
        let _ = writeln!(out, "{}", paint.bold(&report.config_display));
        for (service, reason) in &report.new_holds {
            let _ = writeln!(
                out,
                "  {service}: hold = {reason:?} (apply skips it, check reports it as held)"
            );
        }
    }
    let commands: Vec<String> = report
        .files
        .iter()
        .filter(|f| !f.changes.is_empty())
        .map(|f| {
            format!(
                "docker compose -f {} up -d --force-recreate {}",
                shell_word(&f.display),
                f.changed_services().join(" ")
            )
        })
        .collect();
    if !commands.is_empty() {
        let _ = writeln!(
            out,
            "\n{}",
            if report.dry_run {
                "After writing, run to take effect:"
            } else {
                "Run to take effect:"
            }
        );
        for command in &commands {
            let _ = writeln!(out, "  {command}");
        }
    }
    if report.kind == Kind::Strip && !report.listed.is_empty() && report.new_holds.is_empty() {
        let _ = writeln!(
            out,
            "\nlimits.toml still lists {}: `limitctl check` reports {} as missing until applied again or put on hold (`--hold REASON`).",
            report.listed.join(", "),
            if report.listed.len() == 1 {
                "it"
            } else {
                "them"
            }
        );
    }
    let files_changed = report
        .files
        .iter()
        .filter(|f| !f.changes.is_empty())
        .count();
    let verb = match report.kind {
        Kind::Apply => "updated",
        Kind::Strip => "stripped",
    };
    let mut summary = format!(
        "\n{changed_services} service{} {verb} in {files_changed} file{}",
        plural(changed_services),
        plural(files_changed)
    );
    if unchanged > 0 {
        let _ = write!(summary, ", {unchanged} unchanged");
    }
    if !report.held.is_empty() {
        let _ = write!(summary, ", {} held", report.held.len());
    }
    if report.dry_run {
        summary.push_str(" (dry run: nothing written)");
    }
    let _ = writeln!(out, "{summary}");
    out
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// Quote a path for a shell command line when it needs it.
fn shell_word(word: &str) -> String {
    if word
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "/._-+:@%".contains(c))
    {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}
