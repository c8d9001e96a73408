//! `limitctl plan`: the rollout runbook, stage by stage, from the table.

use std::fmt::Write;

use miette::Report;

use crate::diag::PlainDiagnostic;
use crate::workspace::Workspace;

/// Render the runbook of every stage, or of one.
pub fn render(ws: &Workspace, only: Option<&str>) -> Result<String, Report> {
    let stages: Vec<(usize, &crate::limits::Stage)> = match only {
        Some(sel) => {
            let stage = ws.limits.find_stage(sel).ok_or_else(|| {
                Report::new(PlainDiagnostic::new(
                    format!("no stage `{sel}` in {}", ws.config_display),
                    None,
                ))
            })?;
            let number = ws
                .limits
                .stages
                .iter()
                .position(|s| std::ptr::eq(s, stage))
                .unwrap_or(0);
            vec![(number, stage)]
        }
        None => ws.limits.stages.iter().enumerate().collect(),
    };
    if stages.is_empty() {
        return Err(Report::new(PlainDiagnostic::new(
            format!("{} defines no [[stages]]", ws.config_display),
            Some("add [[stages]] tables with name, services, settle and soak".into()),
        )));
    }
    let mut out = String::new();
    for (i, stage) in stages {
        let names: Vec<&str> = stage.services.iter().map(|(n, _)| n.as_str()).collect();
        let risk = stage
            .risk
            .as_deref()
            .map(|r| format!(" (risk: {r})"))
            .unwrap_or_default();
        let _ = writeln!(out, "## Stage {}: {}{risk}", i + 1, stage.name);
        let _ = writeln!(out, "services: {}\n", names.join(", "));
        let mut steps = Vec::new();
        steps.push(format!("limitctl apply --stage {}", i + 1));
        // One recreate command per file, in the stage's order.
        let mut by_file: Vec<(usize, Vec<&str>)> = Vec::new();
        for name in &names {
            let Some(file) = ws.file_of(name) else {
                continue;
            };
            let held = ws.limits.service(name).and_then(|s| s.hold.as_deref());
            if held.is_some() {
                continue;
            }
            match by_file.iter_mut().find(|(f, _)| *f == file) {
                Some((_, list)) => list.push(name),
                None => by_file.push((file, vec![name])),
            }
        }
        for (file, list) in &by_file {
            steps.push(format!(
                "docker compose -f {} up -d --force-recreate {}",
                ws.files[*file].display,
                list.join(" ")
            ));
        }
        if let Some(settle) = &stage.settle {
            steps.push(format!(
                "wait {settle}, then: docker stats --no-stream {}",
                names.join(" ")
            ));
        }
        steps.push(format!("limitctl check --stage {}", i + 1));
        if let Some(soak) = &stage.soak {
            steps.push(format!("soak {soak} before the next stage"));
        }
        for (n, step) in steps.iter().enumerate() {
            let _ = writeln!(out, "{}. {step}", n + 1);
        }
        let _ = writeln!(
            out,
            "rollback: limitctl strip SERVICE --hold \"REASON\", then recreate it\n"
        );
        for name in &names {
            if let Some(reason) = ws.limits.service(name).and_then(|s| s.hold.as_deref()) {
                let _ = writeln!(out, "held: {name} ({reason})");
            }
        }
    }
    Ok(out)
}
