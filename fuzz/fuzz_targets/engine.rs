//! Arbitrary bytes as a compose file through plan, splice and verify: apply (every write
//! target) and strip for every service the file defines, plus the reading `check` does.
//! Nothing may panic; whatever apply accepts must parse again and be a fixed point of a
//! second apply.

#![no_main]

use libfuzzer_sys::fuzz_target;
use limitctl::compose::{self, Field};
use limitctl::engine::{Operation, edit_text};
use limitctl::limits::{ServiceLimits, SizeSpec, WriteTargets};
use limitctl::size::MemSize;
use limitctl::value;
use limitctl::yaml::Document;

fn spec(text: &str, bytes: u64) -> SizeSpec {
    SizeSpec {
        size: MemSize::from_bytes(bytes),
        text: text.to_string(),
        span: 0..0,
    }
}

fn limits(name: &str) -> ServiceLimits {
    ServiceLimits {
        name: name.to_string(),
        mem_limit: spec("256m", 256 << 20),
        mem_reservation: Some(spec("64m", 64 << 20)),
        file: None,
        hold: None,
        span: 0..0,
        line_span: 0..0,
        file_span: None,
    }
}

fuzz_target!(|data: &[u8]| {
    // Compose files are UTF-8; anything else is refused before the engine sees it.
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let names: Vec<String> = match Document::parse(text) {
        Ok(doc) => match compose::services_mapping(&doc) {
            Some(mapping) => {
                let services = compose::services(&doc, mapping);
                for service in &services {
                    for field in Field::ALL {
                        if let Some(found) = compose::lookup(&doc, service.value, field.path()) {
                            let _ = value::read(&doc, found.node);
                        }
                    }
                }
                services.into_iter().map(|s| s.name).collect()
            }
            None => Vec::new(),
        },
        Err(_) => Vec::new(),
    };
    let table: Vec<ServiceLimits> = names.iter().map(|n| limits(n)).collect();
    for write in WriteTargets::ALL {
        if let Ok(edited) = edit_text(text, Operation::Apply(&table, write)) {
            assert!(
                Document::parse(edited.text.as_str()).is_ok(),
                "apply wrote text that does not parse"
            );
            match edit_text(&edited.text, Operation::Apply(&table, write)) {
                Ok(again) => assert!(again.plan.edits.is_empty(), "apply is not idempotent"),
                Err(e) => panic!("apply accepted its own output once but not twice: {e}"),
            }
        }
    }
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let _ = edit_text(text, Operation::Strip(&refs));
});
