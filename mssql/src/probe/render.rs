//! The terminal rendering of a [`ProbeReport`]: an aligned block of fields, then the
//! permissions, the capabilities and the GRANTs to run.

use std::fmt::Write as _;

use super::{Capability, CapabilityStatus, PermissionStatus, Principal, ProbeReport};
use crate::identity::ServerIdentity;

impl ProbeReport {
    /// The terminal rendering: an aligned block.
    pub fn render_text(&self) -> String {
        let mut out = String::new();
        let id = &self.identity;
        field(&mut out, "server", &self.target);
        field(&mut out, "name", &format!("{} (machine {})", id.server_name, id.machine_name));
        field(&mut out, "kind", &format!("{} — engine edition {}", id.family.label(), id.engine_edition));
        field(&mut out, "edition", &id.edition);
        field(&mut out, "version", &format!("{} {}", id.product_version, id.product_level));
        field(&mut out, "cpu / memory", &hardware(id));
        if let Some(start) = id.start_time {
            field(&mut out, "started", &start.format("%Y-%m-%d %H:%M:%S").to_string());
        }
        let l = &self.latency;
        field(
            &mut out,
            "latency",
            &format!("min {:.2} ms, median {:.2} ms ({} × SELECT 1)", l.min_ms, l.median_ms, l.samples),
        );
        field(&mut out, "login", &principal_line(&self.principal));
        out.push_str("\npermissions\n");
        for p in self.permissions.iter().filter(|p| p.status != PermissionStatus::NotApplicable) {
            item(&mut out, &p.permission, permission_word(p.status));
        }
        out.push_str("\ncan collect\n");
        for c in &self.capabilities {
            item(&mut out, &c.name, &capability_word(c));
        }
        if !self.grants.is_empty() {
            out.push_str("\nto fix, run as an administrator (server grants in master):\n");
            for grant in &self.grants {
                let _ = writeln!(out, "  {grant}");
            }
        }
        out
    }
}

const KEY_WIDTH: usize = 13;
const ITEM_WIDTH: usize = 42;

fn field(out: &mut String, key: &str, value: &str) {
    let _ = writeln!(out, "{key:<KEY_WIDTH$} {value}");
}

fn item(out: &mut String, name: &str, value: &str) {
    let _ = writeln!(out, "  {name:<ITEM_WIDTH$} {value}");
}

fn hardware(id: &ServerIdentity) -> String {
    match (id.cpu_count, id.memory_mb) {
        (None, None) => "not visible (sys.dm_os_sys_info)".into(),
        (cpu, mem) => format!(
            "{} CPUs, {} MB",
            cpu.map_or("?".into(), |c| c.to_string()),
            mem.map_or("?".into(), |m| m.to_string())
        ),
    }
}

fn principal_line(p: &Principal) -> String {
    let or_unknown = |v: &Option<String>| v.clone().unwrap_or_else(|| "?".into());
    format!("{} as user {} in {}", or_unknown(&p.login), or_unknown(&p.user), or_unknown(&p.database))
}

fn permission_word(status: PermissionStatus) -> &'static str {
    match status {
        PermissionStatus::Held => "held",
        PermissionStatus::Missing => "MISSING",
        PermissionStatus::Unknown => "unknown",
        PermissionStatus::NotApplicable => "n/a",
    }
}

fn capability_word(c: &Capability) -> String {
    match (c.status, &c.needs) {
        (CapabilityStatus::Available, _) => "yes".into(),
        (CapabilityStatus::Unknown, _) => "unknown".into(),
        (CapabilityStatus::Unavailable, Some(needs)) => format!("no (needs {needs})"),
        (CapabilityStatus::Unavailable, None) => "no".into(),
    }
}
