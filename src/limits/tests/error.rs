//! How errors render, and the suggestions their help text makes.

use std::path::Path;

use crate::limits::error::did_you_mean;
use crate::limits::parse;
use crate::limits::parser::SERVICE_KEYS;

#[test]
fn errors_render_with_file_name_and_labels() {
    let text = "[services]\ntraefik = { mem_limt = \"256m\", mem_limit = \"256m\" }\n";
    let errors = match parse(text, Path::new("conf/limits.toml")) {
        Ok(_) => panic!("the typo must be reported"),
        Err(errors) => errors,
    };
    assert_eq!(errors.to_string(), "conf/limits.toml has 1 error");
    let mut rendered = String::new();
    let handler =
        miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::unicode_nocolor());
    handler
        .render_report(&mut rendered, &errors)
        .map_err(|e| e.to_string())
        .unwrap_or_else(|e| panic!("rendering failed: {e}"));
    assert!(rendered.contains("conf/limits.toml:2:13"), "{rendered}");
    assert!(rendered.contains("unknown key"), "{rendered}");
    assert!(rendered.contains("did you mean `mem_limit`?"), "{rendered}");
}

#[test]
fn did_you_mean_finds_close_keys() {
    assert_eq!(
        did_you_mean("memory_limit", SERVICE_KEYS.iter().copied()),
        Some("mem_limit")
    );
    assert_eq!(did_you_mean("limit", SERVICE_KEYS.iter().copied()), None);
    assert_eq!(
        did_you_mean("files", SERVICE_KEYS.iter().copied()),
        Some("file")
    );
}
