//! Rendering: everything limitctl prints is built here from library data.

pub mod diff;
pub mod findings;
pub mod github;
pub mod human;
pub mod json;
pub mod report;
pub mod runbook;
pub mod sarif;

use anstyle::{AnsiColor, Style};

/// Whether and how to colour output.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Paint {
    /// Emit ANSI colour codes.
    pub color: bool,
}

impl Paint {
    fn paint(self, style: Style, text: &str) -> String {
        if self.color {
            format!("{}{text}{}", style.render(), style.render_reset())
        } else {
            text.to_string()
        }
    }

    /// Bold text.
    pub fn bold(self, text: &str) -> String {
        self.paint(Style::new().bold(), text)
    }

    /// Dimmed text.
    pub fn dim(self, text: &str) -> String {
        self.paint(Style::new().dimmed(), text)
    }

    /// Red text (old values, removed lines).
    pub fn red(self, text: &str) -> String {
        self.paint(AnsiColor::Red.on_default(), text)
    }

    /// Green text (new values, added lines).
    pub fn green(self, text: &str) -> String {
        self.paint(AnsiColor::Green.on_default(), text)
    }

    /// Yellow text (warnings, held services).
    pub fn yellow(self, text: &str) -> String {
        self.paint(AnsiColor::Yellow.on_default(), text)
    }

    /// Cyan text (diff hunk headers).
    pub fn cyan(self, text: &str) -> String {
        self.paint(AnsiColor::Cyan.on_default(), text)
    }
}
