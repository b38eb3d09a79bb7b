//! The fills of the INFORMATION_SCHEMA views (TABLES, COLUMNS, TABLE_CONSTRAINTS,
//! KEY_COLUMN_USAGE).

use super::{Ctx, Fill, with};
use crate::engine::runtime::database::literal;

/// `INFORMATION_SCHEMA.TABLES`.
pub(super) fn information_schema_tables(c: &Ctx) -> Fill {
    let dbl = literal(c.db);
    Fill {
        from: "{m}.\"__cutover_objects\" o JOIN {m}.\"__cutover_schemas\" s ON s.schema_id = o.schema_id WHERE o.type IN ('U', 'V')"
            .into(),
        exprs: vec![
            ("TABLE_CATALOG", dbl.clone()),
            ("TABLE_SCHEMA", "s.name".into()),
            ("TABLE_NAME", "o.name".into()),
            ("TABLE_TYPE", "CASE o.type WHEN 'U' THEN 'BASE TABLE' ELSE 'VIEW' END".into()),
        ],
    }
}

/// `INFORMATION_SCHEMA.COLUMNS`.
pub(super) fn information_schema_columns(c: &Ctx) -> Fill {
    let dbl = literal(c.db);
    Fill {
        from: "{m}.\"__cutover_columns\" c JOIN {m}.\"__cutover_objects\" o ON o.object_id = c.object_id \
               JOIN {m}.\"__cutover_schemas\" s ON s.schema_id = o.schema_id WHERE o.type IN ('U', 'V')"
            .into(),
        exprs: with(
            vec![("TABLE_CATALOG", dbl.clone())],
            &[
                ("TABLE_SCHEMA", "s.name"),
                ("TABLE_NAME", "o.name"),
                ("COLUMN_NAME", "c.name"),
                ("ORDINAL_POSITION", "c.column_id"),
                ("COLUMN_DEFAULT", "c.default_text"),
                ("IS_NULLABLE", "CASE WHEN c.is_nullable THEN 'YES' ELSE 'NO' END"),
                ("DATA_TYPE", "CASE c.type_name WHEN 'sysname' THEN 'nvarchar' ELSE c.type_name END"),
                (
                    "CHARACTER_MAXIMUM_LENGTH",
                    "CASE WHEN c.max_length = -1 AND c.system_type_id IN (165, 167, 231, 241) THEN -1 \
                     WHEN c.system_type_id IN (231, 239) THEN c.max_length / 2 \
                     WHEN c.system_type_id IN (165, 167, 173, 175) THEN c.max_length \
                     WHEN c.system_type_id IN (35, 34) THEN 2147483647 WHEN c.system_type_id = 99 THEN 1073741823 END",
                ),
                (
                    "CHARACTER_OCTET_LENGTH",
                    "CASE WHEN c.max_length = -1 AND c.system_type_id IN (165, 167, 231, 241) THEN -1 \
                     WHEN c.system_type_id IN (165, 167, 173, 175, 231, 239) THEN c.max_length \
                     WHEN c.system_type_id IN (35, 34, 99) THEN 2147483647 END",
                ),
                (
                    "NUMERIC_PRECISION",
                    "CASE WHEN c.system_type_id IN (48, 52, 56, 127, 59, 62, 106, 108, 60, 122) THEN c.precision END",
                ),
                (
                    "NUMERIC_PRECISION_RADIX",
                    "CASE WHEN c.system_type_id IN (59, 62) THEN 2 WHEN c.system_type_id IN (48, 52, 56, 127, 106, 108, 60, 122) THEN 10 END",
                ),
                (
                    "NUMERIC_SCALE",
                    "CASE WHEN c.system_type_id IN (48, 52, 56, 127, 106, 108, 60, 122) THEN c.scale END",
                ),
                (
                    "DATETIME_PRECISION",
                    "CASE WHEN c.system_type_id IN (40, 58) THEN 0 WHEN c.system_type_id = 61 THEN 3 \
                     WHEN c.system_type_id IN (41, 42, 43) THEN c.scale END",
                ),
                (
                    "CHARACTER_SET_NAME",
                    "CASE WHEN c.system_type_id IN (167, 175, 35) THEN 'iso_1' WHEN c.system_type_id IN (231, 239, 99) THEN 'UNICODE' END",
                ),
                ("COLLATION_NAME", "c.collation_name"),
            ],
        ),
    }
}

/// `INFORMATION_SCHEMA.TABLE_CONSTRAINTS`.
pub(super) fn information_schema_table_constraints(c: &Ctx) -> Fill {
    let dbl = literal(c.db);
    Fill {
        from: "{m}.\"__cutover_objects\" o JOIN {m}.\"__cutover_objects\" p ON p.object_id = o.parent_object_id \
               JOIN {m}.\"__cutover_schemas\" s ON s.schema_id = p.schema_id WHERE o.type IN ('PK', 'UQ', 'F', 'C')"
            .into(),
        exprs: with(
            vec![("CONSTRAINT_CATALOG", dbl.clone()), ("TABLE_CATALOG", dbl.clone())],
            &[
                ("CONSTRAINT_SCHEMA", "s.name"),
                ("CONSTRAINT_NAME", "o.name"),
                ("TABLE_SCHEMA", "s.name"),
                ("TABLE_NAME", "p.name"),
                (
                    "CONSTRAINT_TYPE",
                    "CASE o.type WHEN 'PK' THEN 'PRIMARY KEY' WHEN 'UQ' THEN 'UNIQUE' WHEN 'F' THEN 'FOREIGN KEY' ELSE 'CHECK' END",
                ),
                ("IS_DEFERRABLE", "'NO'"),
                ("INITIALLY_DEFERRED", "'NO'"),
            ],
        ),
    }
}

/// `INFORMATION_SCHEMA.KEY_COLUMN_USAGE`.
pub(super) fn information_schema_key_column_usage(c: &Ctx) -> Fill {
    let dbl = literal(c.db);
    Fill {
        from: "(SELECT i.constraint_object_id AS cid, ic.object_id AS tid, ic.column_id AS col, ic.key_ordinal AS ord \
               FROM {m}.\"__cutover_indexes\" i JOIN {m}.\"__cutover_index_columns\" ic ON ic.object_id = i.object_id \
               AND ic.index_id = i.index_id WHERE i.constraint_object_id <> 0 AND ic.is_included_column = 0 \
               UNION ALL SELECT constraint_object_id, parent_object_id, parent_column_id, constraint_column_id \
               FROM {m}.\"__cutover_fk_columns\") k \
               JOIN {m}.\"__cutover_objects\" o ON o.object_id = k.cid \
               JOIN {m}.\"__cutover_objects\" p ON p.object_id = k.tid \
               JOIN {m}.\"__cutover_schemas\" s ON s.schema_id = p.schema_id \
               JOIN {m}.\"__cutover_columns\" c ON c.object_id = k.tid AND c.column_id = k.col"
            .into(),
        exprs: with(
            vec![("CONSTRAINT_CATALOG", dbl.clone()), ("TABLE_CATALOG", dbl)],
            &[
                ("CONSTRAINT_SCHEMA", "s.name"),
                ("CONSTRAINT_NAME", "o.name"),
                ("TABLE_SCHEMA", "s.name"),
                ("TABLE_NAME", "p.name"),
                ("COLUMN_NAME", "c.name"),
                ("ORDINAL_POSITION", "k.ord"),
            ],
        ),
    }
}
