//! A table definition as SQL text and names: the checks before any SQLite DDL runs, each
//! column's SQLite definition (declared type, collation, length CHECK, defaults), constraint
//! names generated the way SQL Server does, and the IDENTITY triggers. Pure functions over the
//! parsed definition; `ddl/` runs what they produce.

use super::database::quote;
use super::objects::display_name;
use crate::engine::{ColumnDef, KeyDef, TableDef};
use crate::error::SqlError;
use crate::types::{Len, SqlType, storage};

use super::ddl::{CI, GUID};

/// Checks a table definition before any SQLite DDL runs.
pub(super) fn validate_table(def: &TableDef) -> Result<(), SqlError> {
    let table = display_name(&def.name);
    for (i, c) in def.columns.iter().enumerate() {
        if def.columns[..i].iter().any(|o| o.name.eq_ignore_ascii_case(&c.name)) {
            return Err(SqlError::new(
                2705,
                16,
                format!(
                    "Column names in each table must be unique. Column name '{}' in table '{table}' is specified more than once.",
                    c.name
                ),
            ));
        }
        if c.identity.is_some() {
            let ok = c.ty.is_integer() || matches!(c.ty, SqlType::Decimal { scale: 0, .. });
            if !ok {
                return Err(SqlError::new(
                    2749,
                    16,
                    format!(
                        "Identity column '{}' must be of data type int, bigint, smallint, tinyint, or decimal or numeric with a scale of 0, and constrained to be nonnullable.",
                        c.name
                    ),
                ));
            }
        }
    }
    if def.columns.iter().filter(|c| c.identity.is_some()).count() > 1 {
        return Err(SqlError::new(
            2744,
            16,
            format!(
                "Multiple identity columns specified for table '{}'. Only one identity column per table is allowed.",
                def.name.name
            ),
        ));
    }
    let keys = def.primary_key.iter().chain(&def.uniques);
    for key in keys {
        for (col, _) in &key.columns {
            if !def.columns.iter().any(|c| c.name.eq_ignore_ascii_case(col)) {
                return Err(SqlError::new(
                    1911,
                    16,
                    format!("Column name '{col}' does not exist in the target table or view."),
                ));
            }
        }
    }
    if def.uniques.iter().chain(def.primary_key.iter()).filter(|k| k.clustered).count() > 1 {
        return Err(SqlError::new(
            8112,
            16,
            format!("Cannot add more than one clustered index for constraints on table '{}'.", def.name.name),
        ));
    }
    Ok(())
}

/// A column's SQLite definition: SQL Server type text as the declared type, collation, NOT
/// NULL, DEFAULT, generated expression.
pub(super) fn column_sql(col: &ColumnDef, rowid_alias: bool, forced_not_null: bool) -> String {
    if rowid_alias {
        return format!("{} INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL", quote(&col.name));
    }
    // The type is quoted so `nvarchar(max)` is legal; SQLite keeps the text as the declared type.
    let mut s = format!("{} {}", quote(&col.name), quote(&storage::declared_type(&col.ty)));
    if let Some((_, expr)) = &col.computed {
        s.push_str(&format!(" GENERATED ALWAYS AS ({expr}) VIRTUAL"));
        return s;
    }
    if col.ty.is_character() {
        let binary = col.collation.as_deref().is_some_and(|c| {
            let c = c.to_ascii_uppercase();
            c.contains("_CS") || c.ends_with("_BIN") || c.ends_with("_BIN2")
        });
        s.push_str(" COLLATE ");
        s.push_str(if binary { "BINARY" } else { CI });
    } else if col.ty == SqlType::UniqueIdentifier {
        s.push_str(" COLLATE ");
        s.push_str(GUID);
    } else if let Some(collation) = storage::decimal_collation(&col.ty) {
        s.push_str(" COLLATE ");
        s.push_str(collation);
    }
    // Identity and rowversion columns are filled by a trigger after the insert.
    if (!col.nullable || forced_not_null) && col.identity.is_none() && !col.rowversion {
        s.push_str(" NOT NULL");
    }
    if let Some((_, expr)) = &col.default {
        s.push_str(&format!(" DEFAULT ({expr})"));
    }
    s
}

/// A CHECK that enforces a character/binary column's declared length (error 2628).
pub(super) fn length_check(col: &ColumnDef) -> Option<String> {
    let n = match col.ty {
        SqlType::Char(n) | SqlType::NChar(n) | SqlType::Binary(n) => n,
        SqlType::VarChar(Len::N(n)) | SqlType::NVarChar(Len::N(n)) | SqlType::VarBinary(Len::N(n)) => n,
        _ => return None,
    };
    if col.computed.is_some() {
        return None;
    }
    Some(format!(
        "CONSTRAINT {} CHECK (length({}) <= {n})",
        quote(&format!("__trunc__{}", col.name)),
        quote(&col.name)
    ))
}

pub(super) fn key_columns(key: &KeyDef) -> String {
    key.columns
        .iter()
        .map(|(c, desc)| format!("{}{}", quote(c), if *desc { " DESC" } else { "" }))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The given constraint name, or one generated the way SQL Server does
/// (`PK__orders__3213E83F0B5A8E21`, `DF__orders__status__5EBF139D`); the flag says generated.
pub(super) fn constraint_name(
    given: &Option<String>,
    prefix: &str,
    table: &str,
    column: Option<&str>,
    id: i64,
) -> (String, bool) {
    if let Some(n) = given {
        return (n.clone(), false);
    }
    let t: String = table.chars().take(if column.is_some() { 9 } else { 8 }).collect();
    let name = match column {
        Some(c) => {
            let c: String = c.chars().take(5).collect();
            format!("{prefix}__{t}__{c}__{:08X}", id as u32)
        }
        None => format!("{prefix}__{t}__{:08X}{:08X}", (id as u32).rotate_left(13) ^ 0x3213_E83F, id as u32),
    };
    (name, true)
}

/// A default's definition as sys.default_constraints shows it: `((0))`, `(getdate())`.
pub(super) fn default_definition(text: &str) -> String {
    let mut t = text.trim();
    while t.starts_with('(') && t.ends_with(')') && balanced(&t[1..t.len() - 1]) {
        t = t[1..t.len() - 1].trim();
    }
    if t.parse::<f64>().is_ok() { format!("(({t}))") } else { format!("({t})") }
}

pub(super) fn balanced(s: &str) -> bool {
    let mut depth = 0i32;
    for c in s.chars() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth < 0 {
                    return false;
                }
            }
            _ => {}
        }
    }
    depth == 0
}

/// Triggers that fill an IDENTITY column SQLite cannot make a rowid alias.
pub(super) fn identity_triggers(alias: &str, table: &str, column: &str, object_id: i64) -> String {
    let trigger = |suffix: &str| quote(&format!("{table}$identity{suffix}"));
    let (a, t, c) = (quote(alias), quote(table), quote(column));
    format!(
        "CREATE TRIGGER {a}.{} AFTER INSERT ON {t} FOR EACH ROW WHEN NEW.{c} IS NULL BEGIN \
           UPDATE \"__cutover_identity\" SET last_value = CASE WHEN last_value IS NULL THEN seed ELSE last_value + increment END WHERE object_id = {object_id}; \
           UPDATE {t} SET {c} = (SELECT last_value FROM \"__cutover_identity\" WHERE object_id = {object_id}) WHERE rowid = NEW.rowid; \
         END; \
         CREATE TRIGGER {a}.{} AFTER INSERT ON {t} FOR EACH ROW WHEN NEW.{c} IS NOT NULL BEGIN \
           UPDATE \"__cutover_identity\" SET last_value = CASE WHEN last_value IS NULL OR (increment > 0 AND NEW.{c} > last_value) \
             OR (increment < 0 AND NEW.{c} < last_value) THEN NEW.{c} ELSE last_value END WHERE object_id = {object_id}; \
         END;",
        trigger(""),
        trigger("_explicit"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_shown_the_way_sql_server_stores_them() {
        assert_eq!(default_definition("0"), "((0))");
        assert_eq!(default_definition("(0)"), "((0))");
        assert_eq!(default_definition("getdate()"), "(getdate())");
        assert_eq!(default_definition("'new'"), "('new')");
    }

    #[test]
    fn generated_constraint_names_look_like_sql_servers() {
        let (pk, generated) = constraint_name(&None, "PK", "customers", None, 581_577_110);
        assert!(
            generated && pk.starts_with("PK__customer__") && pk.len() == "PK__customer__".len() + 16,
            "{pk}"
        );
        let (df, _) = constraint_name(&None, "DF", "orders", Some("status"), 1);
        assert_eq!(df, "DF__orders__statu__00000001");
    }
}
