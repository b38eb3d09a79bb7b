//! Comparing two sides' schemas: every difference named by table and object.

use crate::catalog::{Schema, TableSchema};
use std::collections::BTreeMap;

/// Differences at database level (compatibility level, collation).
pub fn database_differences(src: &Schema, tgt: &Schema) -> Vec<String> {
    let mut out = Vec::new();
    if src.database.compatibility_level != tgt.database.compatibility_level {
        out.push(format!(
            "compatibility level: source {:?}, target {:?}",
            src.database.compatibility_level, tgt.database.compatibility_level
        ));
    }
    if src.database.collation != tgt.database.collation {
        out.push(format!(
            "database collation: source {:?}, target {:?}",
            src.database.collation, tgt.database.collation
        ));
    }
    out
}

fn compare_maps(
    what: &str,
    src: &BTreeMap<String, String>,
    tgt: &BTreeMap<String, String>,
    out: &mut Vec<String>,
) {
    for (k, v) in src {
        match tgt.get(k) {
            None => out.push(format!("{what} {k} missing in target ({v})")),
            Some(t) if t != v => out.push(format!("{what} {k}: source {v}, target {t}")),
            _ => {}
        }
    }
    for (k, v) in tgt {
        if !src.contains_key(k) {
            out.push(format!("{what} {k} extra in target ({v})"));
        }
    }
}

/// Differences between one table's two definitions.
pub fn table_differences(src: &TableSchema, tgt: &TableSchema) -> Vec<String> {
    let mut out = Vec::new();
    let cols = |t: &TableSchema| -> BTreeMap<String, String> {
        t.columns.iter().map(|c| (c.name.clone(), c.signature())).collect()
    };
    compare_maps("column", &cols(src), &cols(tgt), &mut out);
    let src_order: Vec<&str> = src.columns.iter().map(|c| c.name.as_str()).collect();
    let tgt_order: Vec<&str> = tgt.columns.iter().map(|c| c.name.as_str()).collect();
    if out.is_empty() && src_order != tgt_order {
        out.push(format!(
            "column order: source ({}), target ({})",
            src_order.join(", "),
            tgt_order.join(", ")
        ));
    }
    let indexes = |t: &TableSchema| -> BTreeMap<String, String> {
        t.indexes
            .iter()
            .map(|i| {
                let key = if i.primary_key {
                    "PRIMARY KEY".to_string()
                } else if i.generated_name() {
                    i.signature()
                } else {
                    i.name.clone()
                };
                (key, i.signature())
            })
            .collect()
    };
    compare_maps("index", &indexes(src), &indexes(tgt), &mut out);
    compare_maps("foreign key", &src.foreign_keys, &tgt.foreign_keys, &mut out);
    compare_maps("default on", &src.defaults, &tgt.defaults, &mut out);
    let checks = |t: &TableSchema| -> BTreeMap<String, String> {
        t.checks.iter().map(|c| (c.clone(), c.clone())).collect()
    };
    compare_maps("check constraint", &checks(src), &checks(tgt), &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{ColumnDef, IndexDef};

    fn table() -> TableSchema {
        TableSchema {
            schema: "dbo".into(),
            name: "t".into(),
            columns: vec![ColumnDef {
                name: "id".into(),
                type_name: "int".into(),
                max_length: 4,
                precision: 10,
                scale: 0,
                nullable: false,
                collation: None,
                identity: false,
                computed: false,
            }],
            indexes: vec![IndexDef {
                name: "PK__t__1".into(),
                type_desc: "CLUSTERED".into(),
                primary_key: true,
                unique: true,
                unique_constraint: false,
                columns: vec!["id".into()],
                included: vec![],
            }],
            ..Default::default()
        }
    }

    #[test]
    fn generated_pk_names_do_not_count_but_types_and_indexes_do() {
        let a = table();
        let mut b = table();
        b.indexes[0].name = "PK__t__2".into();
        assert!(table_differences(&a, &b).is_empty());
        b.columns[0].type_name = "bigint".into();
        b.indexes.push(IndexDef {
            name: "ix".into(),
            primary_key: false,
            unique: false,
            ..a.indexes[0].clone()
        });
        let d = table_differences(&a, &b);
        assert!(d.iter().any(|d| d.contains("column id") && d.contains("bigint")), "{d:?}");
        assert!(d.iter().any(|d| d.contains("index ix extra in target")), "{d:?}");
    }
}
