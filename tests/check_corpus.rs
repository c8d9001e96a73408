//! `check` over the real-world compose corpus (the folder named by `LIMITCTL_CORPUS`, as in
//! tests/corpus.rs):
//! it never panics, and after a successful `apply` of a table naming every service it is
//! clean — check agrees with what apply writes, on layouts nobody wrote for limitctl.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use limitctl::compose;
use limitctl::yaml::Document;

/// The corpus folder: unset, the test is skipped; named but missing, it fails.
fn corpus() -> Option<PathBuf> {
    let folder = PathBuf::from(std::env::var_os("LIMITCTL_CORPUS")?);
    assert!(
        folder.is_dir(),
        "LIMITCTL_CORPUS names {}, which is not a folder",
        folder.display()
    );
    Some(folder)
}

fn run(dir: &Path, args: &[&str]) -> (i32, String) {
    let out = Command::cargo_bin("limitctl")
        .expect("the binary is built for tests")
        .current_dir(dir)
        .env_clear()
        .args(args)
        .output()
        .expect("limitctl runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn check_after_apply_is_clean_on_the_corpus() {
    let Some(folder) = corpus() else {
        eprintln!("corpus check skipped: set LIMITCTL_CORPUS to a folder of compose files");
        return;
    };
    let entries = std::fs::read_dir(&folder).expect("the corpus folder is readable");
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "yml" || x == "yaml"))
        .collect();
    files.sort();
    let mut applied = 0;
    for path in &files {
        let text = std::fs::read_to_string(path).expect("corpus files are UTF-8");
        let names: Vec<String> = match Document::parse(text.as_str()) {
            Ok(doc) => match compose::services_mapping(&doc) {
                Some(m) => compose::services(&doc, m)
                    .into_iter()
                    .map(|s| s.name)
                    .collect(),
                None => continue,
            },
            Err(_) => continue,
        };
        let dir = tempfile::tempdir().expect("a temporary folder");
        std::fs::create_dir(dir.path().join("compose")).expect("mkdir");
        let name = path.file_name().expect("a file name");
        std::fs::copy(path, dir.path().join("compose").join(name)).expect("copy");
        let mut limits = String::from("[compose]\nroot = \"compose\"\n\n[services]\n");
        for (i, service) in names.iter().enumerate() {
            let key = serde_json::to_string(service).expect("a string serializes");
            // Every other service also gets a reservation, so both shapes are exercised.
            let reservation = if i % 2 == 0 {
                ", mem_reservation = \"64m\""
            } else {
                ""
            };
            limits.push_str(&format!(
                "{key} = {{ mem_limit = \"256m\"{reservation} }}\n"
            ));
        }
        std::fs::write(dir.path().join("limits.toml"), limits).expect("write");
        let shown = path.display();

        for format in ["human", "json", "github", "sarif"] {
            let (code, stderr) = run(dir.path(), &["check", "--format", format]);
            assert!(matches!(code, 0..=2), "{shown}: exit {code}\n{stderr}");
            assert!(!stderr.contains("panicked"), "{shown}: {stderr}");
        }
        let (code, stderr) = run(dir.path(), &["apply"]);
        assert!(!stderr.contains("panicked"), "{shown}: {stderr}");
        if code != 0 {
            continue;
        }
        applied += 1;
        let (code, stderr) = run(dir.path(), &["check", "--format", "github"]);
        assert_eq!(code, 0, "{shown}: check after apply\n{stderr}");
    }
    assert!(applied > 0, "apply succeeded on no corpus file");
}
