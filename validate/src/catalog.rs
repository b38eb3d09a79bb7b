//! Reading one side's schema from the catalog views (sys.tables, sys.columns, sys.indexes, …).

use crate::cells::{flag, int, text, text_or_empty};
use crate::error::ValidateError;
use cutover_mssql::Connection;
use std::collections::BTreeMap;

/// `schema.table`, as SQL Server spells it.
pub type TableName = String;

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ColumnDef {
    pub name: String,
    pub type_name: String,
    pub max_length: i64,
    pub precision: i64,
    pub scale: i64,
    pub nullable: bool,
    pub collation: Option<String>,
    pub identity: bool,
    pub computed: bool,
}

impl ColumnDef {
    /// `varchar(10) NULL COLLATE … IDENTITY` – what schema comparison compares.
    pub fn signature(&self) -> String {
        let t = self.type_name.to_ascii_lowercase();
        let len = |bytes_per_char: i64| match self.max_length {
            -1 => "(max)".to_string(),
            n => format!("({})", n / bytes_per_char),
        };
        let mut s = match t.as_str() {
            "varchar" | "char" | "varbinary" | "binary" => format!("{t}{}", len(1)),
            "nvarchar" | "nchar" => format!("{t}{}", len(2)),
            "decimal" | "numeric" => format!("{t}({},{})", self.precision, self.scale),
            "datetime2" | "time" | "datetimeoffset" => format!("{t}({})", self.scale),
            "float" => format!("float({})", self.precision),
            _ => t,
        };
        s.push_str(if self.nullable { " NULL" } else { " NOT NULL" });
        if let Some(c) = &self.collation {
            s.push_str(&format!(" COLLATE {c}"));
        }
        if self.identity {
            s.push_str(" IDENTITY");
        }
        if self.computed {
            s.push_str(" COMPUTED");
        }
        s
    }
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct IndexDef {
    pub name: String,
    pub type_desc: String,
    pub primary_key: bool,
    pub unique: bool,
    pub unique_constraint: bool,
    /// Key columns in order, `col DESC` for descending ones.
    pub columns: Vec<String>,
    pub included: Vec<String>,
}

impl IndexDef {
    pub fn signature(&self) -> String {
        let kind = if self.primary_key {
            "PRIMARY KEY"
        } else if self.unique_constraint {
            "UNIQUE CONSTRAINT"
        } else if self.unique {
            "UNIQUE INDEX"
        } else {
            "INDEX"
        };
        let mut s = format!("{kind} {} ({})", self.type_desc, self.columns.join(", "));
        if !self.included.is_empty() {
            s.push_str(&format!(" INCLUDE ({})", self.included.join(", ")));
        }
        s
    }

    /// Names SQL Server generated (`PK__orders__3213E83F…`) differ between servers.
    pub fn generated_name(&self) -> bool {
        ["PK__", "UQ__"].iter().any(|p| self.name.starts_with(p))
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct TableSchema {
    pub schema: String,
    pub name: String,
    pub columns: Vec<ColumnDef>,
    pub indexes: Vec<IndexDef>,
    /// `(cols) REFERENCES schema.table (cols)` per foreign key.
    pub foreign_keys: BTreeMap<String, String>,
    /// column → default definition.
    pub defaults: BTreeMap<String, String>,
    /// Check constraint definitions.
    pub checks: Vec<String>,
}

impl TableSchema {
    pub fn full_name(&self) -> TableName {
        format!("{}.{}", self.schema, self.name)
    }

    pub fn quoted(&self) -> String {
        format!("{}.{}", crate::encoding::quote_ident(&self.schema), crate::encoding::quote_ident(&self.name))
    }

    /// The primary key, else the first unique index on NOT NULL columns.
    pub fn key(&self) -> Option<Vec<&ColumnDef>> {
        let non_null = |ix: &IndexDef| {
            ix.columns.iter().all(|c| self.column(c.trim_end_matches(" DESC")).is_some_and(|c| !c.nullable))
        };
        let ix = self
            .indexes
            .iter()
            .find(|i| i.primary_key)
            .or_else(|| self.indexes.iter().find(|i| i.unique && non_null(i)))?;
        ix.columns.iter().map(|c| self.column(c.trim_end_matches(" DESC"))).collect()
    }

    pub fn column(&self, name: &str) -> Option<&ColumnDef> {
        self.columns.iter().find(|c| c.name.eq_ignore_ascii_case(name))
    }
}

/// The database's settings that matter after a move.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct DatabaseInfo {
    pub name: String,
    pub compatibility_level: Option<i64>,
    pub collation: Option<String>,
}

/// Everything read from one side.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Schema {
    pub database: DatabaseInfo,
    pub tables: BTreeMap<TableName, TableSchema>,
    /// Row counts from sys.dm_db_partition_stats (heap or clustered index), when readable.
    pub metadata_counts: BTreeMap<TableName, i64>,
}

pub const COLUMNS_SQL: &str = "SELECT s.name, t.name, c.name, ty.name, c.max_length, c.precision, c.scale, \
c.is_nullable, c.collation_name, c.is_identity, c.is_computed \
FROM sys.tables t JOIN sys.schemas s ON s.schema_id = t.schema_id \
JOIN sys.columns c ON c.object_id = t.object_id \
JOIN sys.types ty ON ty.user_type_id = c.user_type_id \
ORDER BY s.name, t.name, c.column_id";

pub const INDEXES_SQL: &str = "SELECT s.name, t.name, i.name, i.type_desc, i.is_primary_key, i.is_unique, \
i.is_unique_constraint, c.name, ic.is_descending_key, ic.is_included_column \
FROM sys.indexes i JOIN sys.tables t ON t.object_id = i.object_id \
JOIN sys.schemas s ON s.schema_id = t.schema_id \
JOIN sys.index_columns ic ON ic.object_id = i.object_id AND ic.index_id = i.index_id \
JOIN sys.columns c ON c.object_id = ic.object_id AND c.column_id = ic.column_id \
WHERE i.index_id > 0 ORDER BY s.name, t.name, i.name, ic.key_ordinal, ic.index_column_id";

pub const FOREIGN_KEYS_SQL: &str = "SELECT ps.name, pt.name, fk.name, pc.name, rs.name, rt.name, rc.name \
FROM sys.foreign_keys fk \
JOIN sys.foreign_key_columns fkc ON fkc.constraint_object_id = fk.object_id \
JOIN sys.tables pt ON pt.object_id = fk.parent_object_id JOIN sys.schemas ps ON ps.schema_id = pt.schema_id \
JOIN sys.tables rt ON rt.object_id = fk.referenced_object_id JOIN sys.schemas rs ON rs.schema_id = rt.schema_id \
JOIN sys.columns pc ON pc.object_id = fkc.parent_object_id AND pc.column_id = fkc.parent_column_id \
JOIN sys.columns rc ON rc.object_id = fkc.referenced_object_id AND rc.column_id = fkc.referenced_column_id \
ORDER BY ps.name, pt.name, fk.name, fkc.constraint_column_id";

pub const DEFAULTS_SQL: &str = "SELECT s.name, t.name, c.name, d.definition FROM sys.default_constraints d \
JOIN sys.tables t ON t.object_id = d.parent_object_id JOIN sys.schemas s ON s.schema_id = t.schema_id \
JOIN sys.columns c ON c.object_id = d.parent_object_id AND c.column_id = d.parent_column_id";

pub const CHECKS_SQL: &str = "SELECT s.name, t.name, cc.definition FROM sys.check_constraints cc \
JOIN sys.tables t ON t.object_id = cc.parent_object_id JOIN sys.schemas s ON s.schema_id = t.schema_id";

pub const METADATA_COUNTS_SQL: &str = "SELECT s.name, t.name, SUM(p.row_count) FROM sys.dm_db_partition_stats p \
JOIN sys.tables t ON t.object_id = p.object_id JOIN sys.schemas s ON s.schema_id = t.schema_id \
WHERE p.index_id IN (0, 1) GROUP BY s.name, t.name";

pub const DATABASE_SQL: &str =
    "SELECT DB_NAME(), compatibility_level, collation_name FROM sys.databases WHERE name = DB_NAME()";

/// Reads the schema of the connection's current database.
pub async fn read_schema(conn: &mut Connection) -> Result<Schema, ValidateError> {
    let side = conn.target().to_string();
    let q = |e| ValidateError::Catalog { server: side.clone(), source: Box::new(e) };
    let mut schema = Schema::default();
    if let Some(row) = conn.query_rows(DATABASE_SQL, &[]).await.map_err(q)?.first() {
        schema.database = DatabaseInfo {
            name: text_or_empty(row, 0),
            compatibility_level: int(row, 1).map(|v| v as i64),
            collation: text(row, 2),
        };
    }
    let name = |row: &tiberius::Row| format!("{}.{}", text_or_empty(row, 0), text_or_empty(row, 1));
    for row in conn.query_rows(COLUMNS_SQL, &[]).await.map_err(q)? {
        let table = schema.tables.entry(name(&row)).or_insert_with(|| TableSchema {
            schema: text_or_empty(&row, 0),
            name: text_or_empty(&row, 1),
            ..Default::default()
        });
        table.columns.push(ColumnDef {
            name: text_or_empty(&row, 2),
            type_name: text_or_empty(&row, 3),
            max_length: int(&row, 4).unwrap_or(0) as i64,
            precision: int(&row, 5).unwrap_or(0) as i64,
            scale: int(&row, 6).unwrap_or(0) as i64,
            nullable: flag(&row, 7),
            collation: text(&row, 8),
            identity: flag(&row, 9),
            computed: flag(&row, 10),
        });
    }
    for row in conn.query_rows(INDEXES_SQL, &[]).await.map_err(q)? {
        let Some(table) = schema.tables.get_mut(&name(&row)) else { continue };
        let ix_name = text_or_empty(&row, 2);
        if table.indexes.last().is_none_or(|i| i.name != ix_name) {
            table.indexes.push(IndexDef {
                name: ix_name,
                type_desc: text_or_empty(&row, 3),
                primary_key: flag(&row, 4),
                unique: flag(&row, 5),
                unique_constraint: flag(&row, 6),
                columns: Vec::new(),
                included: Vec::new(),
            });
        }
        if let Some(ix) = table.indexes.last_mut() {
            let col = text_or_empty(&row, 7);
            if flag(&row, 9) {
                ix.included.push(col);
            } else if flag(&row, 8) {
                ix.columns.push(format!("{col} DESC"));
            } else {
                ix.columns.push(col);
            }
        }
    }
    // (table, fk name) → (columns, referenced table, referenced columns)
    type Fk = (Vec<String>, String, Vec<String>);
    let mut fks: BTreeMap<(String, String), Fk> = BTreeMap::new();
    for row in conn.query_rows(FOREIGN_KEYS_SQL, &[]).await.map_err(q)? {
        let entry = fks.entry((name(&row), text_or_empty(&row, 2))).or_insert_with(|| {
            (Vec::new(), format!("{}.{}", text_or_empty(&row, 4), text_or_empty(&row, 5)), Vec::new())
        });
        entry.0.push(text_or_empty(&row, 3));
        entry.2.push(text_or_empty(&row, 6));
    }
    for ((table, fk_name), (cols, referenced, ref_cols)) in fks {
        if let Some(t) = schema.tables.get_mut(&table) {
            let sig = format!("({}) REFERENCES {referenced} ({})", cols.join(", "), ref_cols.join(", "));
            let key = if fk_name.starts_with("FK__") { sig.clone() } else { fk_name };
            t.foreign_keys.insert(key, sig);
        }
    }
    for row in conn.query_rows(DEFAULTS_SQL, &[]).await.map_err(q)? {
        if let Some(t) = schema.tables.get_mut(&name(&row)) {
            t.defaults.insert(text_or_empty(&row, 2), text_or_empty(&row, 3));
        }
    }
    for row in conn.query_rows(CHECKS_SQL, &[]).await.map_err(q)? {
        if let Some(t) = schema.tables.get_mut(&name(&row)) {
            t.checks.push(text_or_empty(&row, 2));
            t.checks.sort();
        }
    }
    // Metadata counts need VIEW DATABASE STATE; without it the exact counts still run.
    if let Ok(rows) = conn.query_rows(METADATA_COUNTS_SQL, &[]).await {
        for row in rows {
            schema.metadata_counts.insert(name(&row), int(&row, 2).unwrap_or(0) as i64);
        }
    }
    Ok(schema)
}
