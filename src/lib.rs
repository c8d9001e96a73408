//! limitctl keeps the memory limits of a Docker Compose stack equal to one table, `limits.toml`.
//!
//! Data flows one way: load → plan → verify → write/report. The planner ([`plan`]), the edit
//! engine ([`yaml`]) and the lint rules ([`lint`]) are pure functions of text; only [`app`]
//! reads and writes files.

pub mod app;
pub mod cli;
pub mod compose;
pub mod diag;
pub mod discover;
pub mod engine;
pub mod interp;
pub mod limits;
pub mod lint;
pub mod plan;
pub mod render;
pub mod size;
pub mod value;
pub mod verify;
pub mod workspace;
pub mod yaml;
