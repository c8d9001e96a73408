//! `limitctl check` end to end: the fixture with one instance of every finding, its rendered
//! output in every format, the shipped example before and after `apply`, and small trees in
//! layouts the fixture does not have.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn fixture() -> PathBuf {
    crate_dir().join("tests/fixtures/check")
}

/// The exit code, stdout and stderr of limitctl run in `dir` with a clean environment plus `env`.
fn run(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
    let mut cmd = Command::cargo_bin("limitctl").expect("the binary is built for tests");
    cmd.current_dir(dir).env_clear().args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("limitctl runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `check --format json` in `dir`: the exit code and (code, file, line, column) of each finding.
fn findings(
    dir: &Path,
    args: &[&str],
    env: &[(&str, &str)],
) -> (i32, Vec<(String, String, u64, u64)>) {
    let mut all = vec!["check", "--format", "json"];
    all.extend_from_slice(args);
    let (code, stdout, stderr) = run(dir, &all, env);
    if code == 2 {
        return (code, Vec::new());
    }
    let json: Value = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {stdout}\nstderr: {stderr}"));
    let list = json["findings"]
        .as_array()
        .expect("findings is an array")
        .iter()
        .map(|f| {
            (
                f["code"].as_str().unwrap_or_default().to_string(),
                f["file"].as_str().unwrap_or_default().to_string(),
                f["line"].as_u64().unwrap_or_default(),
                f["column"].as_u64().unwrap_or_default(),
            )
        })
        .collect();
    (code, list)
}

/// Write a tree of files into a new temporary folder.
fn tree(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temporary folder");
    for (path, text) in files {
        let path = dir.path().join(path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("create folders");
        }
        std::fs::write(path, text).expect("write a file");
    }
    dir
}

fn codes_and_lines(list: &[(String, String, u64, u64)]) -> Vec<(&str, u64)> {
    list.iter().map(|(c, _, l, _)| (c.as_str(), *l)).collect()
}

// ---------------------------------------------------------------- the fixture

#[test]
fn fixture_has_one_instance_of_every_finding() {
    let (code, list) = findings(&fixture(), &[], &[]);
    assert_eq!(code, 1);
    let got: Vec<(&str, &str, u64, u64)> = list
        .iter()
        .map(|(c, f, l, col)| (c.as_str(), f.as_str(), *l, *col))
        .collect();
    let stack = "compose/stack.yml";
    assert_eq!(
        got,
        vec![
            // anchored: both inherited values, located in the anchor.
            ("drift", stack, 4, 14),
            ("drift", stack, 8, 17),
            ("missing", stack, 23, 3),
            ("drift", stack, 29, 16),
            ("drift", stack, 33, 19),
            ("split", stack, 41, 9),
            ("drift", stack, 51, 19),
            ("split", stack, 51, 19),
            ("inverted", stack, 56, 22),
            ("invalid-size", stack, 64, 16),
            ("invalid-size", stack, 72, 16),
            ("invalid-size", stack, 84, 19),
            ("invalid-size", stack, 88, 16),
            ("unmanaged", stack, 94, 3),
            ("interpolated", stack, 102, 16),
            ("interpolated", stack, 106, 19),
            ("drift", stack, 111, 16),
            ("drift", stack, 115, 19),
            ("interpolated", stack, 119, 16),
            ("unknown-service", "limits.toml", 16, 1),
            ("held", "limits.toml", 17, 1),
        ]
    );
    let every: std::collections::BTreeSet<&str> = got.iter().map(|f| f.0).collect();
    let documented = limitctl::lint::CODES.iter().copied().collect();
    assert_eq!(every, documented, "every code has an instance");
}

fn snapshot_output(format: &str) -> String {
    let (code, stdout, stderr) = run(&fixture(), &["check", "--format", format], &[]);
    assert_eq!(code, 1, "{stderr}");
    assert!(!stdout.contains('\u{1b}'), "no colour codes on a pipe");
    stdout.replace(
        &format!("\"{}\"", env!("CARGO_PKG_VERSION")),
        "\"[VERSION]\"",
    )
}

#[test]
fn human_output() {
    insta::assert_snapshot!(snapshot_output("human"));
}

#[test]
fn json_output() {
    insta::assert_snapshot!(snapshot_output("json"));
}

#[test]
fn github_output() {
    insta::assert_snapshot!(snapshot_output("github"));
}

#[test]
fn sarif_output() {
    insta::assert_snapshot!(snapshot_output("sarif"));
}

#[test]
fn human_output_is_coloured_only_when_asked() {
    let (_, plain, _) = run(&fixture(), &["check"], &[]);
    assert!(!plain.contains('\u{1b}'));
    let (_, coloured, _) = run(&fixture(), &["--color", "always", "check"], &[]);
    assert!(coloured.contains('\u{1b}'));
}

// ------------------------------------------------------------ the JSON shape

/// A validator for the subset of JSON Schema that `render::json::schema` uses.
fn validate(schema: &Value, value: &Value, path: &str, errors: &mut Vec<String>) {
    if let Some(types) = schema.get("type") {
        let names: Vec<&str> = match types {
            Value::String(s) => vec![s.as_str()],
            Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        let ok = names.iter().any(|t| match *t {
            "object" => value.is_object(),
            "array" => value.is_array(),
            "string" => value.is_string(),
            "integer" => value.is_u64() || value.is_i64(),
            "null" => value.is_null(),
            _ => false,
        });
        if !ok {
            errors.push(format!("{path}: {value} is not {names:?}"));
        }
    }
    if let Some(Value::Array(allowed)) = schema.get("enum")
        && !allowed.contains(value)
    {
        errors.push(format!("{path}: {value} is not one of {allowed:?}"));
    }
    if let (Some(min), Some(n)) = (
        schema.get("minimum").and_then(Value::as_u64),
        value.as_u64(),
    ) && n < min
    {
        errors.push(format!("{path}: {n} < {min}"));
    }
    if let (Some(Value::Object(props)), Some(object)) =
        (schema.get("properties"), value.as_object())
    {
        for key in schema["required"].as_array().into_iter().flatten() {
            let key = key.as_str().unwrap_or_default();
            if !object.contains_key(key) {
                errors.push(format!("{path}: `{key}` is missing"));
            }
        }
        for (key, v) in object {
            match props.get(key) {
                Some(s) => validate(s, v, &format!("{path}.{key}"), errors),
                None => errors.push(format!("{path}: `{key}` is not documented")),
            }
        }
    }
    if let (Some(items), Some(array)) = (schema.get("items"), value.as_array()) {
        for (i, item) in array.iter().enumerate() {
            validate(items, item, &format!("{path}[{i}]"), errors);
        }
    }
}

#[test]
fn json_output_validates_against_its_documented_shape() {
    let schema = limitctl::render::json::schema();
    let (_, stdout, _) = run(&fixture(), &["check", "--format", "json"], &[]);
    let value: Value = serde_json::from_str(&stdout).expect("JSON");
    let mut errors = Vec::new();
    validate(&schema, &value, "$", &mut errors);
    assert_eq!(errors, Vec::<String>::new());
    assert_eq!(value["findings"].as_array().map(Vec::len), Some(21));
    // The validator itself rejects what does not fit.
    let mut bad = value.clone();
    bad["findings"][0]["line"] = Value::from(0);
    bad["findings"][0]["extra"] = Value::from(true);
    bad["summary"]
        .as_object_mut()
        .expect("summary is an object")
        .remove("match");
    let mut errors = Vec::new();
    validate(&schema, &bad, "$", &mut errors);
    assert_eq!(errors.len(), 3, "{errors:?}");
}

#[test]
fn json_summary_counts_services() {
    let (_, stdout, _) = run(&fixture(), &["check", "--format", "json"], &[]);
    let value: Value = serde_json::from_str(&stdout).expect("JSON");
    let s = &value["summary"];
    assert_eq!(s["checked"], 15);
    assert_eq!(s["drift"], 12);
    assert_eq!(s["match"], 3);
    assert_eq!(s["held"], 1);
    assert_eq!(s["unknown"], 1);
    assert_eq!(s["unmanaged"], 1);
    assert_eq!(s["errors"], 17);
    assert_eq!(s["warnings"], 1);
    assert_eq!(s["infos"], 3);
    assert_eq!(s["exit_code"], 1);
}

#[test]
fn sarif_has_one_rule_per_code_and_regions() {
    let (_, stdout, _) = run(&fixture(), &["check", "--format", "sarif"], &[]);
    let sarif: Value = serde_json::from_str(&stdout).expect("JSON");
    assert_eq!(sarif["version"], "2.1.0");
    let run = &sarif["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().expect("rules");
    let ids: Vec<&str> = rules.iter().filter_map(|r| r["id"].as_str()).collect();
    assert_eq!(ids, limitctl::lint::CODES);
    assert!(rules.iter().all(|r| r["help"]["text"].is_string()));
    for result in run["results"].as_array().expect("results") {
        let index = result["ruleIndex"].as_u64().expect("ruleIndex") as usize;
        assert_eq!(rules[index]["id"], result["ruleId"]);
        let region = &result["locations"][0]["physicalLocation"]["region"];
        assert!(region["startLine"].as_u64() >= Some(1));
        assert!(region["startColumn"].as_u64() >= Some(1));
    }
}

// ---------------------------------------------------------- the shipped example

fn copy_example() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let root = crate_dir();
    std::fs::copy(root.join("limits.toml"), dir.path().join("limits.toml")).expect("copy");
    for entry in walkdir::WalkDir::new(root.join("fixtures")) {
        let entry = entry.expect("walk");
        let rel = entry.path().strip_prefix(&root).expect("inside the crate");
        let to = dir.path().join(rel);
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&to).expect("mkdir");
        } else {
            std::fs::copy(entry.path(), &to).expect("copy");
        }
    }
    dir
}

#[test]
fn example_drifts_before_apply_and_is_clean_after() {
    let dir = copy_example();
    let (code, list) = findings(dir.path(), &[], &[]);
    assert_eq!(code, 1);
    let count = |c: &str| list.iter().filter(|f| f.0 == c).count();
    // traefik's mem_limit (512m) and grafana's two 1g values drift from the table.
    assert_eq!(count("drift"), 3);
    assert_eq!(count("unmanaged"), 2);
    assert_eq!(count("missing"), 76);
    assert_eq!(list.len(), 81);
    assert!(list.contains(&(
        "drift".into(),
        "fixtures/compose/services/stack.yml".into(),
        59,
        16
    )));

    let (code, _, stderr) = run(dir.path(), &["apply"], &[]);
    assert_eq!(code, 0, "{stderr}");
    let (code, list) = findings(dir.path(), &[], &[]);
    assert_eq!(code, 0, "{list:?}");
    assert!(list.iter().all(|f| f.0 == "unmanaged"), "{list:?}");
    let (code, stdout, _) = run(dir.path(), &["check"], &[]);
    assert_eq!(code, 0);
    assert!(
        stdout.contains("0 services drift, 20 match, 2 unmanaged"),
        "{stdout}"
    );
}

#[test]
fn check_is_read_only() {
    let dir = copy_example();
    let before: Vec<(PathBuf, Vec<u8>)> = walkdir::WalkDir::new(dir.path())
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            (
                e.path().to_path_buf(),
                std::fs::read(e.path()).expect("read"),
            )
        })
        .collect();
    #[cfg(unix)]
    for (path, _) in &before {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o444)).expect("chmod");
    }
    for format in ["human", "json", "github", "sarif"] {
        let (code, _, stderr) = run(dir.path(), &["check", "--format", format], &[]);
        assert_eq!(code, 1, "{stderr}");
    }
    for (path, bytes) in &before {
        assert_eq!(
            &std::fs::read(path).expect("read"),
            bytes,
            "{}",
            path.display()
        );
    }
    let after = walkdir::WalkDir::new(dir.path())
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .count();
    assert_eq!(after, before.len(), "no file was created");
}

// ------------------------------------------------------------- unseen layouts

const ONE: &str = "[compose]\nroot = \"compose\"\n\n[services]\napp = { mem_limit = \"512m\", mem_reservation = \"128m\" }\n";

#[test]
fn equal_values_in_other_spellings_are_clean() {
    let dir = tree(&[
        ("limits.toml", ONE),
        (
            "compose/a.yml",
            "services:\n    app:\n        mem_limit: 536870912\n        mem_reservation: \"0.125g\"\n        deploy:\n            resources:\n                limits: {memory: \"524288k\"}\n                reservations: {memory: \"128MiB\"}\n",
        ),
    ]);
    let (code, list) = findings(dir.path(), &[], &[]);
    assert_eq!((code, list), (0, Vec::new()));
}

#[test]
fn four_space_flow_layout_reports_the_right_lines() {
    let dir = tree(&[
        ("limits.toml", ONE),
        (
            "compose/a.yml",
            "services:\n    app:\n        image: x\n        mem_limit: 1g\n        mem_reservation: 128m\n        deploy: {resources: {limits: {memory: \"1g\"}, reservations: {memory: \"128m\"}}}\n",
        ),
    ]);
    let (code, list) = findings(dir.path(), &[], &[]);
    assert_eq!(code, 1);
    assert_eq!(codes_and_lines(&list), vec![("drift", 4), ("drift", 6)]);
    assert_eq!(list[1].3, 47, "column of the flow value");
}

#[test]
fn both_forms_disagreeing_is_split_and_drift() {
    let dir = tree(&[
        ("limits.toml", ONE),
        (
            "compose/a.yml",
            "services:\n  app:\n    mem_limit: 512m\n    mem_reservation: 128m\n    deploy:\n      resources:\n        limits:\n          memory: 1g\n        reservations:\n          memory: 128m\n",
        ),
    ]);
    let (code, list) = findings(dir.path(), &[], &[]);
    assert_eq!(code, 1);
    assert_eq!(codes_and_lines(&list), vec![("drift", 8), ("split", 8)]);
}

#[test]
fn limits_blocks_without_memory_are_split() {
    let dir = tree(&[
        ("limits.toml", ONE),
        (
            "compose/a.yml",
            "services:\n  app:\n    mem_limit: 512m\n    mem_reservation: 128m\n    deploy:\n      resources:\n        limits:\n          cpus: \"1\"\n        reservations:\n          cpus: \"0.5\"\n",
        ),
    ]);
    let (code, list) = findings(dir.path(), &[], &[]);
    assert_eq!(code, 1);
    assert_eq!(codes_and_lines(&list), vec![("split", 7), ("split", 9)]);
    let (_, stdout, _) = run(dir.path(), &["check", "--format", "github"], &[]);
    assert!(stdout.contains("Compose v2 refuses this file"), "{stdout}");
    assert!(
        stdout.contains("Compose 1.29 silently drops the limit"),
        "{stdout}"
    );
}

#[test]
fn integers_in_deploy_memory_are_invalid() {
    let dir = tree(&[
        ("limits.toml", ONE),
        (
            "compose/a.yml",
            "services:\n  app:\n    mem_limit: 536870912\n    mem_reservation: 134217728\n    deploy:\n      resources:\n        limits:\n          memory: 536870912\n        reservations:\n          memory: \"128m\"\n",
        ),
    ]);
    let (code, list) = findings(dir.path(), &[], &[]);
    assert_eq!(code, 1);
    assert_eq!(codes_and_lines(&list), vec![("invalid-size", 8)]);
}

#[test]
fn invalid_spellings_floats_and_tiny_sizes() {
    let limits = "[compose]\nroot = \"compose\"\n\n[services]\na = { mem_limit = \"512m\" }\nb = { mem_limit = \"512m\" }\nc = { mem_limit = \"512m\" }\nd = { mem_limit = \"512m\" }\n";
    let dir = tree(&[
        ("limits.toml", limits),
        (
            "compose/a.yml",
            "services:\n  a: {mem_limit: 512Mi, deploy: {resources: {limits: {memory: 512m}}}}\n  b: {mem_limit: 0.5, deploy: {resources: {limits: {memory: 512m}}}}\n  c: {mem_limit: \"1g \", deploy: {resources: {limits: {memory: 512m}}}}\n  d: {mem_limit: 1k, deploy: {resources: {limits: {memory: 512m}}}}\n",
        ),
    ]);
    let (code, list) = findings(dir.path(), &[], &[]);
    assert_eq!(code, 1);
    assert_eq!(
        codes_and_lines(&list),
        vec![
            ("invalid-size", 2),
            ("invalid-size", 3),
            ("invalid-size", 4),
            ("invalid-size", 5)
        ]
    );
}

#[test]
fn merged_values_are_judged_at_the_anchor_for_each_service() {
    let limits = "[compose]\nroot = \"compose\"\n\n[services]\na = { mem_limit = \"512m\" }\nb = { mem_limit = \"256m\" }\n";
    let dir = tree(&[
        ("limits.toml", limits),
        (
            "compose/a.yml",
            "x-mem: &mem\n  mem_limit: 512m\nx-deploy: &deploy\n  deploy:\n    resources:\n      limits:\n        memory: 512m\nservices:\n  a:\n    <<: [*mem, *deploy]\n  b:\n    <<: [*mem, *deploy]\n",
        ),
    ]);
    let (code, list) = findings(dir.path(), &[], &[]);
    assert_eq!(code, 1);
    assert_eq!(codes_and_lines(&list), vec![("drift", 2), ("drift", 7)]);
    let (_, stdout, _) = run(dir.path(), &["check", "--format", "json"], &[]);
    let json: Value = serde_json::from_str(&stdout).expect("JSON");
    for f in json["findings"].as_array().expect("array") {
        assert_eq!(f["service"], "b");
        assert!(
            f["message"]
                .as_str()
                .is_some_and(|m| m.contains("anchor `&") && m.contains("inherited by `b`")),
            "{f}"
        );
    }
}

#[test]
fn interpolation_resolves_like_compose() {
    let limits = "[compose]\nroot = \"compose\"\n\n[services]\na = { mem_limit = \"512m\" }\nb = { mem_limit = \"512m\" }\nc = { mem_limit = \"512m\" }\nd = { mem_limit = \"512m\" }\n";
    let compose = "services:\n  a:\n    mem_limit: ${A_MEM:-256m}\n    deploy: {resources: {limits: {memory: \"${A_MEM:-256m}\"}}}\n  b:\n    mem_limit: ${B_MEM-1g}\n    deploy: {resources: {limits: {memory: \"${B_MEM-1g}\"}}}\n  c:\n    mem_limit: ${C_SET:+512m}\n    deploy: {resources: {limits: {memory: \"512m\"}}}\n  d:\n    mem_limit: ${D_MEM}\n    deploy: {resources: {limits: {memory: \"512m\"}}}\n";
    let dir = tree(&[
        ("limits.toml", limits),
        ("compose/a.yml", compose),
        // The shell beats .env; `-` keeps an empty value; `:+` needs a non-empty one.
        (
            "compose/.env",
            "A_MEM=1g\nB_MEM=\nC_SET=yes\nexport D_MEM='512m'\n",
        ),
    ]);
    let (code, list) = findings(dir.path(), &[], &[("A_MEM", "512m")]);
    assert_eq!(code, 1);
    assert_eq!(
        codes_and_lines(&list),
        vec![
            ("interpolated", 3),
            ("interpolated", 4),
            // B_MEM is set to "" in .env: `${B_MEM-1g}` is empty, which Compose rejects.
            ("invalid-size", 6),
            ("invalid-size", 7),
            ("interpolated", 9),
            ("interpolated", 12),
        ]
    );
    // Without the shell variable, .env's 1g wins over the default and drifts.
    let (_, list) = findings(dir.path(), &[], &[]);
    assert_eq!(&codes_and_lines(&list)[..2], &[("drift", 3), ("drift", 4)]);
    let (_, stdout, _) = run(dir.path(), &["check", "--format", "github"], &[]);
    assert!(
        stdout.contains("`${A_MEM:-256m}`, which resolves to `1g`"),
        "{stdout}"
    );
    // --env-file replaces the .env of the project folder.
    let other = dir.path().join("other.env");
    std::fs::write(&other, "B_MEM=512m\nC_SET=1\nD_MEM=512m\n").expect("write");
    let (code, list) = findings(dir.path(), &["--env-file", "other.env"], &[]);
    assert_eq!(code, 1);
    assert_eq!(
        codes_and_lines(&list),
        vec![
            ("drift", 3),
            ("drift", 4),
            ("interpolated", 6),
            ("interpolated", 7),
            ("interpolated", 9),
            ("interpolated", 12),
        ]
    );
}

#[test]
fn unresolvable_interpolation_is_an_error() {
    let dir = tree(&[
        ("limits.toml", ONE),
        (
            "compose/a.yml",
            "services:\n  app:\n    mem_limit: ${APP_MEM:?set APP_MEM}\n    mem_reservation: 128m\n    deploy: {resources: {limits: {memory: \"${APP_MEM:-512m\"}, reservations: {memory: 128m}}}\n",
        ),
    ]);
    let (code, list) = findings(dir.path(), &[], &[]);
    assert_eq!(code, 1);
    assert_eq!(
        codes_and_lines(&list),
        vec![("interpolated", 3), ("interpolated", 5)]
    );
}

#[test]
fn missing_fields_point_at_the_service_key() {
    let dir = tree(&[
        ("limits.toml", ONE),
        (
            "compose/a.yml",
            "services:\n  other: {image: x}\n  app:\n    image: x\n",
        ),
    ]);
    let (code, list) = findings(dir.path(), &[], &[]);
    assert_eq!(code, 1);
    assert_eq!(
        codes_and_lines(&list),
        vec![
            ("unmanaged", 2),
            ("missing", 3),
            ("missing", 3),
            ("missing", 3),
            ("missing", 3)
        ]
    );
    // A selection checks only the named services and says nothing of unmanaged ones.
    let (_, list) = findings(dir.path(), &["app"], &[]);
    assert_eq!(list.len(), 4);
    assert!(list.iter().all(|f| f.0 == "missing"));
}

#[test]
fn unmanaged_is_a_warning_unless_denied() {
    let dir = tree(&[
        ("limits.toml", ONE),
        (
            "compose/a.yml",
            "services:\n  app:\n    mem_limit: 512m\n    mem_reservation: 128m\n    deploy: {resources: {limits: {memory: 512m}, reservations: {memory: 128m}}}\n  extra: {image: x}\n",
        ),
    ]);
    let (code, list) = findings(dir.path(), &[], &[]);
    assert_eq!((code, codes_and_lines(&list)), (0, vec![("unmanaged", 6)]));
    let (code, _) = findings(dir.path(), &["--deny", "unmanaged"], &[]);
    assert_eq!(code, 1);
}

#[test]
fn held_services_are_reported_not_compared() {
    let limits = "[compose]\nroot = \"compose\"\n\n[services]\napp = { mem_limit = \"512m\", hold = \"OOM\" }\n";
    let dir = tree(&[
        ("limits.toml", limits),
        ("compose/a.yml", "services:\n  app:\n    mem_limit: 2g\n"),
    ]);
    let (code, list) = findings(dir.path(), &[], &[]);
    assert_eq!(code, 0);
    assert_eq!(list, vec![("held".into(), "limits.toml".into(), 5, 1)]);
}

#[test]
fn stages_select_their_services() {
    let limits = "[compose]\nroot = \"compose\"\n\n[services]\na = { mem_limit = \"512m\" }\nb = { mem_limit = \"512m\" }\n\n[[stages]]\nname = \"first\"\nservices = [\"a\"]\n\n[[stages]]\nname = \"second\"\nservices = [\"b\"]\n";
    let dir = tree(&[
        ("limits.toml", limits),
        (
            "compose/a.yml",
            "services:\n  a: {mem_limit: 512m, deploy: {resources: {limits: {memory: 512m}}}}\n  b: {mem_limit: 1g}\n  c: {image: x}\n",
        ),
    ]);
    let (code, list) = findings(dir.path(), &["--stage", "first"], &[]);
    assert_eq!((code, list.len()), (0, 0));
    let (code, list) = findings(dir.path(), &["--stage", "2"], &[]);
    assert_eq!(code, 1);
    assert_eq!(codes_and_lines(&list), vec![("missing", 3), ("drift", 3)]);
}

// --------------------------------------------------------------- exit code 2

#[test]
fn unreadable_input_exits_2() {
    // Malformed compose YAML.
    let dir = tree(&[
        ("limits.toml", ONE),
        ("compose/a.yml", "services:\n  app:\n    mem_limit: [512m\n"),
    ]);
    let (code, stdout, stderr) = run(dir.path(), &["check"], &[]);
    assert_eq!(code, 2, "{stdout}");
    assert!(stderr.contains("a.yml"), "{stderr}");

    // A service defined in two files, with no `file =` to choose.
    let dir = tree(&[
        ("limits.toml", ONE),
        ("compose/a.yml", "services:\n  app: {image: x}\n"),
        ("compose/b.yml", "services:\n  app: {image: y}\n"),
    ]);
    let (code, _, stderr) = run(dir.path(), &["check"], &[]);
    assert_eq!(code, 2);
    assert!(stderr.contains("several files"), "{stderr}");

    // A broken .env, and a missing --env-file.
    let dir = tree(&[
        ("limits.toml", ONE),
        (
            "compose/a.yml",
            "services:\n  app: {mem_limit: \"${X:-512m}\"}\n",
        ),
        ("compose/.env", "A='unterminated\n"),
    ]);
    let (code, _, stderr) = run(dir.path(), &["check"], &[]);
    assert_eq!(code, 2);
    assert!(stderr.contains(".env"), "{stderr}");
    let (code, _, _) = run(dir.path(), &["check", "--env-file", "nope.env"], &[]);
    assert_eq!(code, 2);

    // A service name that is not in the table.
    let (code, _, stderr) = run(dir.path(), &["check", "nope"], &[]);
    assert_eq!(code, 2);
    assert!(stderr.contains("not in"), "{stderr}");
}

// ----------------------------------------------------------------- explain

#[test]
fn every_code_is_explained() {
    for code in limitctl::lint::CODES {
        let (exit, stdout, _) = run(&fixture(), &["explain", code], &[]);
        assert_eq!(exit, 0);
        for section in ["What it means", "Why it matters", "How to fix it"] {
            assert!(stdout.contains(section), "{code}: {stdout}");
        }
    }
    let (exit, _, stderr) = run(&fixture(), &["explain", "nope"], &[]);
    assert_eq!(exit, 2);
    assert!(stderr.contains("missing, drift, split"), "{stderr}");
}
