//! Unit tests of `limits`, one file per module, sharing the fixtures and helpers below.

mod error;
mod hold;
mod model;
mod parser;
mod validation;

use std::path::Path;

use super::{Limits, LimitsError, LimitsErrorKind, parse};

fn parse_ok(text: &str) -> Limits {
    match parse(text, Path::new("limits.toml")) {
        Ok(limits) => limits,
        Err(errors) => panic!("expected valid limits, got {errors:#?}"),
    }
}

fn parse_err(text: &str) -> Vec<LimitsError> {
    match parse(text, Path::new("limits.toml")) {
        Ok(limits) => panic!("expected errors, got {limits:#?}"),
        Err(errors) => errors.into_errors(),
    }
}

/// The single error of `text`, which must be of `kind`.
fn only_error(text: &str, kind: LimitsErrorKind) -> LimitsError {
    let mut errors = parse_err(text);
    let kinds: Vec<_> = errors.iter().map(|e| e.kind().clone()).collect();
    assert_eq!(kinds, vec![kind], "{errors:#?}");
    errors.remove(0)
}

fn spanned<'t>(text: &'t str, error: &LimitsError) -> &'t str {
    &text[error.span()]
}

const SERVICES: &str = "[services]\ntraefik = { mem_limit = \"256m\" }\n";

const FULL_EXAMPLE: &str = r#"# Memory limits of the inlock stack, rolled out in five stages.
[compose]
root  = "compose"                 # folder searched for compose files
write = ["service", "deploy"]

[services]
# Stage 1: infrastructure
docker-socket-proxy = { mem_limit = "128m",  mem_reservation = "32m" }
traefik             = { mem_limit = "256m",  mem_reservation = "64m" }
oauth2-proxy        = { mem_limit = "256m",  mem_reservation = "64m" }
# Stage 2: monitoring
node-exporter       = { mem_limit = "128m",  mem_reservation = "32m" }
blackbox-exporter   = { mem_limit = "128m",  mem_reservation = "32m" }
postgres-exporter   = { mem_limit = "128m",  mem_reservation = "32m" }
alertmanager        = { mem_limit = "256m",  mem_reservation = "64m" }
promtail            = { mem_limit = "256m",  mem_reservation = "64m" }
# Stage 3: management and observability
portainer           = { mem_limit = "384m",  mem_reservation = "128m" }
cadvisor            = { mem_limit = "384m",  mem_reservation = "128m" }
loki                = { mem_limit = "768m",  mem_reservation = "256m", hold = "OOM-killed in stage 3; under review" }
prometheus          = { mem_limit = "1536m", mem_reservation = "512m" }
grafana             = { mem_limit = "512m",  mem_reservation = "128m" }
# Stage 4: coolify
coolify-redis       = { mem_limit = "512m",  mem_reservation = "128m", file = "compose/services/coolify.yml" }
coolify-soketi      = { mem_limit = "512m",  mem_reservation = "128m", file = "compose/services/coolify.yml" }
coolify-postgres    = { mem_limit = "1g",    mem_reservation = "256m", file = "compose/services/coolify.yml" }
coolify             = { mem_limit = "1536m", mem_reservation = "512m", file = "compose/services/coolify.yml" }
# Stage 5: applications
inlock-db           = { mem_limit = "768m",  mem_reservation = "256m", file = "compose/services/inlock-db.yml" }
inlock-ai           = { mem_limit = "768m",  mem_reservation = "256m", file = "compose/services/inlock-ai.yml" }
cockpit-proxy       = { mem_limit = "128m",  mem_reservation = "32m",  file = "compose/services/cockpit-proxy.yml" }

[[stages]]
name     = "infrastructure"
risk     = "low"
services = ["docker-socket-proxy", "traefik", "oauth2-proxy"]
settle   = "30s"
soak     = "10m"

[[stages]]
name     = "monitoring"
risk     = "medium"
services = ["node-exporter", "blackbox-exporter", "postgres-exporter", "alertmanager", "promtail"]
settle   = "30s"
soak     = "15m"

[[stages]]
name     = "management"
risk     = "medium-high"
services = ["portainer", "cadvisor", "loki", "prometheus", "grafana"]
settle   = "60s"
soak     = "20m"

[[stages]]
name     = "coolify"
risk     = "high"
services = ["coolify-redis", "coolify-soketi", "coolify-postgres", "coolify"]
settle   = "60s"
soak     = "30m"

[[stages]]
name     = "applications"
risk     = "highest"
services = ["inlock-db", "inlock-ai", "cockpit-proxy"]
settle   = "90s"
soak     = "1h"
"#;
