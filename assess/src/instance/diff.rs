//! Source inventory against target: what is missing on the target, what differs (field by
//! field), and what only the target has (listed, not a failure).

use serde::Serialize;

use super::{Inventory, Item};

#[derive(Clone, Debug, Serialize)]
pub struct FieldDiff {
    pub field: String,
    pub source: String,
    pub target: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct Different {
    pub section: &'static str,
    pub key: String,
    pub fields: Vec<FieldDiff>,
}

#[derive(Clone, Debug, Serialize)]
pub struct InstanceDiff {
    pub source: String,
    pub target: String,
    pub missing: Vec<Item>,
    pub different: Vec<Different>,
    pub extra: Vec<Item>,
    /// Sections one side could not read: the comparison is incomplete.
    pub unreadable: Vec<String>,
}

impl InstanceDiff {
    pub fn has_differences(&self) -> bool {
        !self.missing.is_empty() || !self.different.is_empty()
    }
}

fn normalise(field: &str, v: &str) -> String {
    let t = v.trim();
    if field == "definition" { t.split_whitespace().collect::<Vec<_>>().join(" ") } else { t.to_string() }
}

pub fn diff(source: &Inventory, target: &Inventory) -> InstanceDiff {
    let mut out = InstanceDiff {
        source: source.server.clone(),
        target: target.server.clone(),
        missing: Vec::new(),
        different: Vec::new(),
        extra: Vec::new(),
        unreadable: source
            .unreadable
            .iter()
            .map(|(s, e)| format!("source {s}: {e}"))
            .chain(target.unreadable.iter().map(|(s, e)| format!("target {s}: {e}")))
            .collect(),
    };
    for item in &source.items {
        match target.find(item.section, &item.key) {
            None => out.missing.push(item.clone()),
            Some(t) => {
                let fields: Vec<FieldDiff> = item
                    .fields
                    .iter()
                    .filter(|(f, v)| {
                        normalise(f, v) != normalise(f, t.fields.get(*f).map_or("", String::as_str))
                    })
                    .map(|(f, v)| FieldDiff {
                        field: f.clone(),
                        source: v.clone(),
                        target: t.fields.get(f).cloned().unwrap_or_default(),
                    })
                    .collect();
                if !fields.is_empty() {
                    out.different.push(Different { section: item.section, key: item.key.clone(), fields });
                }
            }
        }
    }
    out.extra = target.items.iter().filter(|t| source.find(t.section, &t.key).is_none()).cloned().collect();
    out
}
