//! The binary on fixture trees: exit codes, output, the rewritten files, all-or-nothing.

use std::fs;
use std::path::{Path, PathBuf};

use assert_cmd::Command;

/// Copy the shipped example (limits.toml + fixtures/) into a fresh folder.
fn example() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    fs::copy(root.join("limits.toml"), dir.path().join("limits.toml")).expect("copy limits.toml");
    copy_tree(&root.join("fixtures"), &dir.path().join("fixtures"));
    dir
}

fn copy_tree(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.expect("walk fixtures");
        let target = to.join(entry.path().strip_prefix(from).expect("inside"));
        if entry.file_type().is_dir() {
            fs::create_dir_all(&target).expect("mkdir");
        } else {
            fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

/// Every file of a tree with its bytes, for before/after comparisons.
fn snapshot_tree(root: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files: Vec<(PathBuf, Vec<u8>)> = walkdir::WalkDir::new(root)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let bytes = fs::read(e.path()).expect("read");
            (
                e.path().strip_prefix(root).expect("inside").to_path_buf(),
                bytes,
            )
        })
        .collect();
    files.sort();
    files
}

fn limitctl(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("limitctl").expect("binary built");
    cmd.current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("CLICOLOR_FORCE");
    cmd
}

fn stdout(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn apply_rewrites_the_example_and_a_second_apply_changes_nothing() {
    let dir = example();
    let before = snapshot_tree(dir.path());
    let output = limitctl(dir.path()).arg("apply").output().expect("run");
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    insta::assert_snapshot!("apply_example_output", stdout(&output));
    let after = snapshot_tree(dir.path());
    for ((path, old), (_, new)) in before.iter().zip(&after) {
        let name = path.to_string_lossy().replace('\\', "/");
        if !name.starts_with("fixtures/compose/services/") {
            assert_eq!(old, new, "{name} must not change");
            continue;
        }
        let old = String::from_utf8_lossy(old);
        let new = String::from_utf8_lossy(new);
        insta::assert_snapshot!(
            format!(
                "apply_example__{}",
                path.file_name().unwrap_or_default().to_string_lossy()
            ),
            new
        );
        assert_changed_lines_are_managed(&old, &new);
    }

    let mtimes: Vec<_> = after
        .iter()
        .map(|(p, _)| {
            fs::metadata(dir.path().join(p))
                .and_then(|m| m.modified())
                .ok()
        })
        .collect();
    let output = limitctl(dir.path()).arg("apply").output().expect("run");
    assert_eq!(output.status.code(), Some(0));
    assert!(
        stdout(&output).contains("0 services updated in 0 files"),
        "{}",
        stdout(&output)
    );
    assert_eq!(
        snapshot_tree(dir.path()),
        after,
        "a second apply is a no-op"
    );
    let mtimes_again: Vec<_> = after
        .iter()
        .map(|(p, _)| {
            fs::metadata(dir.path().join(p))
                .and_then(|m| m.modified())
                .ok()
        })
        .collect();
    assert_eq!(mtimes, mtimes_again, "unchanged files are not rewritten");
}

/// Every line apply added or removed is a managed key or one of its parent keys.
fn assert_changed_lines_are_managed(old: &str, new: &str) {
    let allowed = [
        "mem_limit:",
        "mem_reservation:",
        "deploy:",
        "resources:",
        "limits:",
        "reservations:",
        "memory:",
    ];
    let diff = similar::TextDiff::from_lines(old, new);
    for change in diff.iter_all_changes() {
        if change.tag() == similar::ChangeTag::Equal {
            continue;
        }
        let line = change.value().trim_start();
        let flow_deploy = line.starts_with("deploy: {");
        assert!(
            allowed.iter().any(|k| line.starts_with(k)) || flow_deploy,
            "unexpected changed line: {line:?}"
        );
    }
}

#[test]
fn dry_run_with_diff_writes_nothing() {
    let dir = example();
    let before = snapshot_tree(dir.path());
    let output = limitctl(dir.path())
        .args(["apply", "--dry-run", "--diff", "--stage", "1"])
        .output()
        .expect("run");
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    insta::assert_snapshot!("apply_stage1_dry_run_diff", stdout(&output));
    assert_eq!(snapshot_tree(dir.path()), before);
}

#[test]
fn apply_selected_services_only() {
    let dir = example();
    let output = limitctl(dir.path())
        .args(["apply", "traefik", "inlock-db"])
        .output()
        .expect("run");
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let out = stdout(&output);
    assert!(out.contains("traefik") && out.contains("inlock-db"));
    assert!(!out.contains("grafana"));
    assert!(out.contains(
        "docker compose -f fixtures/compose/services/stack.yml up -d --force-recreate traefik\n"
    ));
    assert!(out.contains("docker compose -f fixtures/compose/services/inlock-db.yml up -d --force-recreate inlock-db\n"));
}

/// Run a failing apply and check: exit 2, no file changed, the message snapshot.
fn assert_refused(dir: &Path, args: &[&str], snapshot: &str) {
    let before = snapshot_tree(dir);
    let output = limitctl(dir).args(args).output().expect("run");
    assert_eq!(
        output.status.code(),
        Some(2),
        "stdout: {}\nstderr: {}",
        stdout(&output),
        stderr(&output)
    );
    assert_eq!(
        snapshot_tree(dir),
        before,
        "nothing may be written on error"
    );
    let err = stderr(&output);
    assert!(
        !err.contains("panicked") && !err.contains("RUST_BACKTRACE"),
        "{err}"
    );
    insta::assert_snapshot!(snapshot, err);
}

#[test]
fn malformed_compose_file_stops_everything() {
    let dir = example();
    let path = dir
        .path()
        .join("fixtures/compose/services/cockpit-proxy.yml");
    let text = fs::read_to_string(&path).expect("read");
    fs::write(&path, text.replacen("    image:", "   image:", 1)).expect("write");
    assert_refused(dir.path(), &["apply"], "refused_malformed_yaml");
}

#[test]
fn unknown_service_in_the_table_is_refused_with_a_suggestion() {
    let dir = example();
    let path = dir.path().join("limits.toml");
    let text = fs::read_to_string(&path).expect("read");
    fs::write(
        &path,
        text.replacen("traefik ", "treafik ", 1)
            .replace("\"traefik\"", "\"treafik\""),
    )
    .expect("write");
    assert_refused(dir.path(), &["apply"], "refused_unknown_service");
}

#[test]
fn service_in_two_files_needs_a_file_entry() {
    let dir = example();
    let extra = "services:\n  traefik:\n    image: traefik:v3\n";
    fs::write(
        dir.path().join("fixtures/compose/services/override.yml"),
        extra,
    )
    .expect("write");
    assert_refused(dir.path(), &["apply"], "refused_ambiguous_service");
    // Naming the file settles it.
    let path = dir.path().join("limits.toml");
    let text = fs::read_to_string(&path).expect("read");
    let text = text.replacen(
        "mem_reservation = \"64m\" }",
        "mem_reservation = \"64m\", file = \"fixtures/compose/services/stack.yml\" }",
        1,
    );
    fs::write(&path, text).expect("write");
    let output = limitctl(dir.path())
        .args(["apply", "--dry-run"])
        .output()
        .expect("run");
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
}

#[test]
fn bad_limits_toml_is_refused() {
    let dir = example();
    let path = dir.path().join("limits.toml");
    let text = fs::read_to_string(&path).expect("read");
    fs::write(
        &path,
        text.replacen("mem_limit = \"256m\"", "mem_limt = \"256m\"", 1),
    )
    .expect("write");
    assert_refused(dir.path(), &["apply"], "refused_bad_limits_toml");
}

#[test]
fn a_refusal_in_one_file_writes_no_other_file() {
    let dir = example();
    let path = dir.path().join("fixtures/compose/services/inlock-ai.yml");
    let text = fs::read_to_string(&path).expect("read");
    // A limit that only an environment variable sets cannot be rewritten.
    let text = text.replacen(
        "    logging:\n",
        "    mem_limit: ${INLOCK_AI_MEM}\n    logging:\n",
        1,
    );
    fs::write(&path, text).expect("write");
    assert_refused(
        dir.path(),
        &["apply"],
        "refused_interpolation_without_default",
    );
}

#[test]
fn config_is_found_in_a_parent_folder_or_by_flag() {
    let dir = example();
    let sub = dir.path().join("fixtures/compose");
    let output = limitctl(&sub)
        .args(["apply", "--dry-run", "traefik"])
        .output()
        .expect("run");
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(
        stdout(&output).contains("docker compose -f services/stack.yml"),
        "{}",
        stdout(&output)
    );
    let elsewhere = tempfile::tempdir().expect("temp dir");
    let output = limitctl(elsewhere.path())
        .args(["apply", "--dry-run"])
        .output()
        .expect("run");
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("no limits.toml"));
    let config = dir.path().join("limits.toml");
    let output = limitctl(elsewhere.path())
        .args(["apply", "--dry-run", "--config"])
        .arg(&config)
        .output()
        .expect("run");
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
}

#[test]
fn usage_errors_exit_2() {
    let dir = example();
    let output = limitctl(dir.path())
        .args(["apply", "--bogus"])
        .output()
        .expect("run");
    assert_eq!(output.status.code(), Some(2));
    let output = limitctl(dir.path())
        .args(["apply", "nosuch"])
        .output()
        .expect("run");
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("not in limits.toml"));
}

#[test]
fn strip_after_apply_removes_only_the_service_limits() {
    let dir = example();
    let stack = dir.path().join("fixtures/compose/services/stack.yml");
    let output = limitctl(dir.path()).arg("apply").output().expect("run");
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let applied = fs::read_to_string(&stack).expect("read");
    let limits_before = fs::read(dir.path().join("limits.toml")).expect("read");

    let output = limitctl(dir.path())
        .args(["strip", "traefik"])
        .output()
        .expect("run");
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    insta::assert_snapshot!("strip_traefik_output", stdout(&output));
    let stripped = fs::read_to_string(&stack).expect("read");
    insta::assert_snapshot!(
        "strip_traefik_diff",
        similar::TextDiff::from_lines(&applied, &stripped)
            .unified_diff()
            .to_string()
    );
    // Only deletions, only managed lines, only inside traefik.
    let traefik = applied.find("  traefik:\n").expect("traefik");
    let next = traefik
        + applied[traefik..]
            .find("\n  docker-socket-proxy:")
            .expect("next service");
    let mut offset = 0;
    for change in similar::TextDiff::from_lines(&applied, &stripped).iter_all_changes() {
        match change.tag() {
            similar::ChangeTag::Insert => panic!("strip inserted {:?}", change.value()),
            similar::ChangeTag::Delete => {
                assert!(
                    offset > traefik && offset < next,
                    "deleted outside traefik: {:?}",
                    change.value()
                );
                offset += change.value().len();
            }
            similar::ChangeTag::Equal => offset += change.value().len(),
        }
    }
    // Without --hold the table is untouched.
    assert_eq!(
        fs::read(dir.path().join("limits.toml")).expect("read"),
        limits_before
    );
    // Stripping again finds nothing.
    let output = limitctl(dir.path())
        .args(["strip", "traefik"])
        .output()
        .expect("run");
    assert_eq!(output.status.code(), Some(0));
    assert!(stdout(&output).contains("traefik: nothing to strip"));
}

#[test]
fn strip_with_hold_records_the_reason_and_apply_skips_the_service() {
    let dir = example();
    limitctl(dir.path()).arg("apply").output().expect("run");
    let config = dir.path().join("limits.toml");
    let before = fs::read_to_string(&config).expect("read");
    let output = limitctl(dir.path())
        .args(["strip", "traefik", "--hold", "OOM in stage 1"])
        .output()
        .expect("run");
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    insta::assert_snapshot!("strip_hold_output", stdout(&output));
    let after = fs::read_to_string(&config).expect("read");
    insta::assert_snapshot!(
        "strip_hold_limits_toml",
        similar::TextDiff::from_lines(&before, &after)
            .unified_diff()
            .to_string()
    );

    let output = limitctl(dir.path())
        .args(["apply", "--stage", "infrastructure"])
        .output()
        .expect("run");
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let out = stdout(&output);
    assert!(
        out.contains("held (skipped):\n  traefik: OOM in stage 1"),
        "{out}"
    );
    assert!(!out.contains("--force-recreate traefik"), "{out}");
}

#[test]
fn strip_refuses_unknown_services_and_writes_nothing() {
    let dir = example();
    assert_refused(
        dir.path(),
        &["strip", "traefik", "treafik"],
        "refused_strip_unknown",
    );
    let output = limitctl(dir.path()).args(["strip"]).output().expect("run");
    assert_eq!(
        output.status.code(),
        Some(2),
        "strip needs services, --stage or --all"
    );
}

#[test]
fn strip_works_for_services_outside_the_table() {
    let dir = example();
    let stack = dir.path().join("fixtures/compose/services/stack.yml");
    let text = fs::read_to_string(&stack).expect("read");
    let text = text.replacen("  homepage:\n", "  homepage:\n    mem_limit: 64m\n", 1);
    fs::write(&stack, &text).expect("write");
    let output = limitctl(dir.path())
        .args(["strip", "homepage"])
        .output()
        .expect("run");
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(
        !fs::read_to_string(&stack)
            .expect("read")
            .contains("mem_limit: 64m")
    );
    assert!(
        !stdout(&output).contains("still lists"),
        "{}",
        stdout(&output)
    );
}

#[test]
fn plan_prints_the_runbook() {
    let dir = example();
    let output = limitctl(dir.path()).arg("plan").output().expect("run");
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    insta::assert_snapshot!("plan_runbook", stdout(&output));
    let output = limitctl(dir.path())
        .args(["plan", "--stage", "9"])
        .output()
        .expect("run");
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn a_named_file_that_does_not_exist_is_refused() {
    let dir = example();
    let path = dir.path().join("limits.toml");
    let text = fs::read_to_string(&path).expect("read");
    let text = text.replacen(
        "mem_reservation = \"64m\" }",
        "mem_reservation = \"64m\", file = \"fixtures/compose/services/gone.yml\" }",
        1,
    );
    fs::write(&path, text).expect("write");
    assert_refused(dir.path(), &["apply"], "refused_missing_named_file");
}

#[cfg(unix)]
#[test]
fn a_symlinked_compose_file_stays_a_link() {
    let dir = example();
    let services = dir.path().join("fixtures/compose/services");
    let real = dir.path().join("inlock-ai.real.yml");
    fs::rename(services.join("inlock-ai.yml"), &real).expect("move");
    std::os::unix::fs::symlink(&real, services.join("inlock-ai.yml")).expect("link");
    let output = limitctl(dir.path())
        .args(["apply", "inlock-ai"])
        .output()
        .expect("run");
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let link = fs::symlink_metadata(services.join("inlock-ai.yml")).expect("stat");
    assert!(link.file_type().is_symlink());
    assert!(
        fs::read_to_string(&real)
            .expect("read")
            .contains("mem_limit: 768m")
    );
}
