//! `INSERT BULK table (…)` announces a bulk load; the rows follow in a BulkLoad message. The
//! statement only makes sense in that protocol exchange, so it is recognised here rather than in
//! the T-SQL translator; the column list is taken from the BulkLoad's COLMETADATA.

use crate::engine::ObjectName;
use crate::engine::runtime::lexer::{self, Kind};

/// The target of an `INSERT BULK` statement, or `None` when `sql` is not one.
pub(crate) fn insert_bulk_target(sql: &str) -> Option<ObjectName> {
    let rest = strip_keyword(strip_keyword(sql.trim_start(), "INSERT")?, "BULK")?;
    let end = name_end(rest);
    let parts = lexer::split_name(&rest[..end]);
    let (name, schema, database) = match parts.as_slice() {
        [n] => (n.clone(), None, None),
        [s, n] => (n.clone(), Some(s.clone()), None),
        [d, s, n] => (n.clone(), Some(s.clone()).filter(|s| !s.is_empty()), Some(d.clone())),
        _ => return None,
    };
    (!name.is_empty()).then_some(ObjectName { database, schema, name })
}

fn strip_keyword<'a>(text: &'a str, keyword: &str) -> Option<&'a str> {
    let head = text.get(..keyword.len())?;
    let rest = &text[keyword.len()..];
    (head.eq_ignore_ascii_case(keyword) && rest.starts_with(char::is_whitespace)).then(|| rest.trim_start())
}

/// Where the table name ends: at the column list's `(` or whitespace outside brackets.
fn name_end(text: &str) -> usize {
    lexer::spans(text)
        .iter()
        .find(|s| matches!(s.kind, Kind::Punct('(') | Kind::Space | Kind::Comment))
        .map_or(text.len(), |s| s.start)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_insert_bulk_with_the_names_clients_send() {
        let t = insert_bulk_target("INSERT BULK [dbo].[wide] ([id] BigInt, [name] NVarChar(40))").unwrap();
        assert_eq!((t.schema.as_deref(), t.name.as_str()), (Some("dbo"), "wide"));
        let t = insert_bulk_target("insert bulk shop..orders(id int)").unwrap();
        assert_eq!((t.database.as_deref(), t.schema, t.name.as_str()), (Some("shop"), None, "orders"));
        let t = insert_bulk_target("INSERT BULK [odd.name]]x] (a int)").unwrap();
        assert_eq!(t.name, "odd.name]x");
    }

    #[test]
    fn ignores_ordinary_inserts() {
        assert_eq!(insert_bulk_target("INSERT INTO t VALUES (1)"), None);
        assert_eq!(insert_bulk_target("INSERT BULKY t"), None);
        assert_eq!(insert_bulk_target("SELECT 1"), None);
    }
}
