//! The fills of the index and constraint views: sys.indexes, sys.index_columns,
//! sys.key_constraints, sys.foreign_keys, sys.foreign_key_columns, sys.default_constraints and
//! sys.check_constraints.

use super::{Ctx, Fill, object_exprs, objects_of, with};

/// `sys.indexes`.
pub(super) fn sys_indexes(_c: &Ctx) -> Fill {
    Fill {
        from: "{m}.\"__cutover_indexes\" i".into(),
        exprs: with(
            Vec::new(),
            &[
                ("object_id", "i.object_id"),
                ("name", "i.name"),
                ("index_id", "i.index_id"),
                ("type", "i.type"),
                (
                    "type_desc",
                    "CASE i.type WHEN 0 THEN 'HEAP' WHEN 1 THEN 'CLUSTERED' ELSE 'NONCLUSTERED' END",
                ),
                ("is_unique", "i.is_unique"),
                ("data_space_id", "1"),
                ("ignore_dup_key", "0"),
                ("is_primary_key", "i.is_primary_key"),
                ("is_unique_constraint", "i.is_unique_constraint"),
                ("is_padded", "0"),
                ("is_disabled", "0"),
                ("is_hypothetical", "0"),
                ("is_ignored_in_optimization", "0"),
                ("allow_row_locks", "1"),
                ("allow_page_locks", "1"),
                ("has_filter", "0"),
                ("suppress_dup_key_messages", "0"),
                ("auto_created", "0"),
                ("optimize_for_sequential_key", "0"),
            ],
        ),
    }
}

/// `sys.index_columns`.
pub(super) fn sys_index_columns(_c: &Ctx) -> Fill {
    Fill {
        from: "{m}.\"__cutover_index_columns\" ic".into(),
        exprs: with(
            Vec::new(),
            &[
                ("object_id", "ic.object_id"),
                ("index_id", "ic.index_id"),
                ("index_column_id", "ic.index_column_id"),
                ("column_id", "ic.column_id"),
                ("key_ordinal", "ic.key_ordinal"),
                ("is_descending_key", "ic.is_descending_key"),
                ("is_included_column", "ic.is_included_column"),
            ],
        ),
    }
}

/// `sys.key_constraints`.
pub(super) fn sys_key_constraints(_c: &Ctx) -> Fill {
    Fill {
        from: objects_of("'PK', 'UQ'"),
        exprs: with(
            object_exprs(),
            &[
                (
                    "unique_index_id",
                    "(SELECT i.index_id FROM {m}.\"__cutover_indexes\" i WHERE i.constraint_object_id = o.object_id)",
                ),
                ("is_system_named", "o.is_system_named"),
            ],
        ),
    }
}

/// `sys.foreign_keys`.
pub(super) fn sys_foreign_keys(_c: &Ctx) -> Fill {
    Fill {
        from: objects_of("'F'"),
        exprs: with(
            object_exprs(),
            &[
                (
                    "referenced_object_id",
                    "(SELECT f.referenced_object_id FROM {m}.\"__cutover_fk_columns\" f WHERE f.constraint_object_id = o.object_id LIMIT 1)",
                ),
                (
                    "key_index_id",
                    "(SELECT i.index_id FROM {m}.\"__cutover_indexes\" i WHERE i.is_unique = 1 AND i.object_id = \
                     (SELECT f.referenced_object_id FROM {m}.\"__cutover_fk_columns\" f WHERE f.constraint_object_id = o.object_id LIMIT 1) \
                     ORDER BY i.is_primary_key DESC LIMIT 1)",
                ),
                ("delete_referential_action", "0"),
                ("delete_referential_action_desc", "'NO_ACTION'"),
                ("update_referential_action", "0"),
                ("update_referential_action_desc", "'NO_ACTION'"),
                ("is_system_named", "o.is_system_named"),
            ],
        ),
    }
}

/// `sys.foreign_key_columns`.
pub(super) fn sys_foreign_key_columns(_c: &Ctx) -> Fill {
    Fill {
        from: "{m}.\"__cutover_fk_columns\" f".into(),
        exprs: with(
            Vec::new(),
            &[
                ("constraint_object_id", "f.constraint_object_id"),
                ("constraint_column_id", "f.constraint_column_id"),
                ("parent_object_id", "f.parent_object_id"),
                ("parent_column_id", "f.parent_column_id"),
                ("referenced_object_id", "f.referenced_object_id"),
                ("referenced_column_id", "f.referenced_column_id"),
            ],
        ),
    }
}

/// `sys.default_constraints`.
pub(super) fn sys_default_constraints(_c: &Ctx) -> Fill {
    Fill {
        from: objects_of("'D'"),
        exprs: with(
            object_exprs(),
            &[
                (
                    "parent_column_id",
                    "coalesce((SELECT c.column_id FROM {m}.\"__cutover_columns\" c WHERE c.default_object_id = o.object_id), 0)",
                ),
                ("definition", "o.definition"),
                ("is_system_named", "o.is_system_named"),
            ],
        ),
    }
}

/// `sys.check_constraints`.
pub(super) fn sys_check_constraints(_c: &Ctx) -> Fill {
    Fill {
        from: objects_of("'C'"),
        exprs: with(
            object_exprs(),
            &[
                ("definition", "o.definition"),
                ("uses_database_collation", "1"),
                ("is_system_named", "o.is_system_named"),
            ],
        ),
    }
}
