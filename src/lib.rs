//! limitctl keeps the memory limits of a Docker Compose stack equal to one table, `limits.toml`.

pub mod yaml;
