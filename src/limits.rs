//! Interim limits.toml model (replaced by the validated parser).
use std::ops::Range;
use std::path::Path;

use crate::size::MemSize;

/// Errors.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("{0}")]
pub struct LimitsErrors(pub String);

/// Table.
#[derive(Debug, Clone)]
pub struct Limits {
    pub compose: ComposeConfig,
    pub services: Vec<ServiceLimits>,
    pub stages: Vec<Stage>,
}
/// Compose.
#[derive(Debug, Clone, Default)]
pub struct ComposeConfig {
    pub root: Option<String>,
    pub files: Vec<String>,
    pub write: WriteTargets,
}
/// Write.
#[derive(Debug, Clone, Copy)]
pub struct WriteTargets {
    pub service: bool,
    pub deploy: bool,
}
impl Default for WriteTargets {
    fn default() -> Self {
        WriteTargets {
            service: true,
            deploy: true,
        }
    }
}
/// Entry.
#[derive(Debug, Clone)]
pub struct ServiceLimits {
    pub name: String,
    pub mem_limit: SizeSpec,
    pub mem_reservation: Option<SizeSpec>,
    pub file: Option<String>,
    pub hold: Option<String>,
    pub span: Range<usize>,
    pub line_span: Range<usize>,
    pub file_span: Option<Range<usize>>,
}
/// Size.
#[derive(Debug, Clone)]
pub struct SizeSpec {
    pub size: MemSize,
    pub text: String,
    pub span: Range<usize>,
}
/// Stage.
#[derive(Debug, Clone)]
pub struct Stage {
    pub name: String,
    pub risk: Option<String>,
    pub services: Vec<(String, Range<usize>)>,
    pub settle: Option<String>,
    pub soak: Option<String>,
    pub span: Range<usize>,
}

impl Limits {
    /// Entry by name.
    pub fn service(&self, name: &str) -> Option<&ServiceLimits> {
        self.services.iter().find(|s| s.name == name)
    }
    /// Stage by name or number.
    pub fn find_stage(&self, sel: &str) -> Option<&Stage> {
        sel.parse::<usize>()
            .ok()
            .and_then(|n| self.stages.get(n.wrapping_sub(1)))
            .or_else(|| self.stages.iter().find(|s| s.name == sel))
    }
}

fn size(item: &toml_edit::Item) -> Option<SizeSpec> {
    let s = item.as_str()?;
    Some(SizeSpec {
        size: MemSize::parse(s).ok()?,
        text: s.to_string(),
        span: item.span().unwrap_or(0..0),
    })
}

/// Parse.
pub fn parse(text: &str, _path: &Path) -> Result<Limits, LimitsErrors> {
    let doc: toml_edit::Document<String> = text
        .parse()
        .map_err(|e: toml_edit::TomlError| LimitsErrors(e.to_string()))?;
    let mut compose = ComposeConfig::default();
    if let Some(c) = doc.get("compose") {
        compose.root = c.get("root").and_then(|v| v.as_str()).map(String::from);
    }
    let mut services = Vec::new();
    if let Some(t) = doc.get("services").and_then(|s| s.as_table_like()) {
        for (k, v) in t.iter() {
            let span = t.key(k).and_then(|k| k.span()).unwrap_or(0..0);
            services.push(ServiceLimits {
                name: k.to_string(),
                mem_limit: size(v.get("mem_limit").unwrap()).unwrap(),
                mem_reservation: v.get("mem_reservation").and_then(size),
                file: v.get("file").and_then(|f| f.as_str()).map(String::from),
                hold: v.get("hold").and_then(|f| f.as_str()).map(String::from),
                span: span.clone(),
                line_span: span,
                file_span: None,
            });
        }
    }
    let mut stages = Vec::new();
    if let Some(a) = doc.get("stages").and_then(|s| s.as_array_of_tables()) {
        for t in a.iter() {
            stages.push(Stage {
                name: t.get("name").and_then(|v| v.as_str()).unwrap_or("").into(),
                risk: t.get("risk").and_then(|v| v.as_str()).map(String::from),
                services: t
                    .get("services")
                    .and_then(|v| v.as_array())
                    .map(|a| {
                        a.iter()
                            .filter_map(|v| v.as_str())
                            .map(|s| (s.to_string(), 0..0))
                            .collect()
                    })
                    .unwrap_or_default(),
                settle: t.get("settle").and_then(|v| v.as_str()).map(String::from),
                soak: t.get("soak").and_then(|v| v.as_str()).map(String::from),
                span: 0..0,
            });
        }
    }
    Ok(Limits {
        compose,
        services,
        stages,
    })
}

/// Hold.
pub fn set_hold(text: &str, _service: &str, _reason: &str) -> Result<String, LimitsErrors> {
    Ok(text.to_string())
}
