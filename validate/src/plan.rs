//! The SQL for one table: key texts and literals, range predicates in the server's key order,
//! segment checksums, boundaries, leaf rows and per-column hashes.

use crate::catalog::{ColumnDef, TableSchema};
use crate::encoding::{Family, Relax, field_sql, quote_ident, quote_nstr, row_hash_sql};
use crate::sums::AGGREGATE_SQL;

/// One key column.
#[derive(Debug, Clone)]
pub struct KeyCol {
    pub name: String,
    pub quoted: String,
    pub family: Family,
    pub unicode: bool,
}

impl KeyCol {
    pub fn new(c: &ColumnDef) -> Option<KeyCol> {
        let family = Family::of(&c.type_name);
        if family == Family::Excluded {
            return None;
        }
        let unicode =
            matches!(c.type_name.to_ascii_lowercase().as_str(), "nchar" | "nvarchar" | "sysname" | "ntext");
        Some(KeyCol { name: c.name.clone(), quoted: quote_ident(&c.name), family, unicode })
    }

    /// The server-side expression that renders the key value as exact, re-parsable text.
    pub fn text_sql(&self, col: &str) -> String {
        match self.family {
            Family::Text => format!("CAST({col} AS nvarchar(4000))"),
            Family::Integer => format!("CONVERT(varchar(20), {col})"),
            Family::Decimal | Family::Money => format!("CONVERT(varchar(50), {col})"),
            Family::Float => format!("CONVERT(varchar(30), {col}, 3)"),
            Family::Binary => format!("CONVERT(varchar(max), {col}, 1)"),
            Family::Guid => format!("CONVERT(char(36), {col})"),
            Family::Date => format!("CONVERT(varchar(10), {col}, 23)"),
            Family::DateTime => format!("CONVERT(varchar(23), {col}, 121)"),
            Family::SmallDateTime => format!("CONVERT(varchar(19), {col}, 120)"),
            Family::DateTime2 => format!("CONVERT(varchar(27), {col}, 121)"),
            Family::DateTimeOffset => format!("CONVERT(varchar(34), {col}, 121)"),
            Family::Time | Family::Excluded => format!("CONVERT(varchar(16), {col})"),
        }
    }

    /// A T-SQL literal of the key's type from its text.
    pub fn literal(&self, text: &str) -> String {
        let plain = |ok: fn(char) -> bool| !text.is_empty() && text.chars().all(ok);
        let cast = |t: &str| format!("CAST('{}' AS {t})", text.replace('\'', "''"));
        match self.family {
            Family::Text if self.unicode => quote_nstr(text),
            Family::Text => format!("'{}'", text.replace('\'', "''")),
            Family::Integer | Family::Decimal | Family::Money
                if plain(|c| c.is_ascii_digit() || c == '.' || c == '-') =>
            {
                text.to_string()
            }
            Family::Integer | Family::Decimal | Family::Money => cast("decimal(38,10)"),
            Family::Binary if text.starts_with("0x") && text[2..].chars().all(|c| c.is_ascii_hexdigit()) => {
                text.to_string()
            }
            Family::Binary => "NULL".to_string(),
            Family::Float => cast("float"),
            Family::Guid => cast("uniqueidentifier"),
            Family::Date => cast("date"),
            Family::DateTime => cast("datetime"),
            Family::SmallDateTime => cast("smalldatetime"),
            Family::DateTime2 => cast("datetime2(7)"),
            Family::DateTimeOffset => cast("datetimeoffset(7)"),
            Family::Time | Family::Excluded => cast("time(7)"),
        }
    }
}

/// A key range: `lo` inclusive, `hi` exclusive, as key texts; `None` is unbounded.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Range {
    pub lo: Option<Vec<String>>,
    pub hi: Option<Vec<String>>,
}

impl Range {
    /// `[start, (1000))`, `[(1000), (2000))`, `[(1000, 'b'), end)`.
    pub fn describe(&self) -> String {
        let bound = |b: &Option<Vec<String>>, none: &str| match b {
            None => none.to_string(),
            Some(k) => format!("({})", k.join(", ")),
        };
        format!("[{}, {})", bound(&self.lo, "start"), bound(&self.hi, "end"))
    }
}

/// Everything needed to query one table the same way on both sides.
#[derive(Debug, Clone)]
pub struct TablePlan {
    pub table: String,
    pub from: String,
    /// Empty for a keyless table (compared as a bag of rows).
    pub key: Vec<KeyCol>,
    /// (quoted column, type name) of the hashed columns.
    pub hashed: Vec<(String, String)>,
    pub hashed_names: Vec<String>,
    pub relax: Relax,
    pub filter: Option<String>,
}

impl TablePlan {
    pub fn new(
        src: &TableSchema,
        tgt: &TableSchema,
        relax: &Relax,
        filter: Option<&str>,
        ignored: &dyn Fn(&str) -> bool,
        not_compared: &mut Vec<String>,
    ) -> TablePlan {
        let mut hashed = Vec::new();
        let mut hashed_names = Vec::new();
        for c in &src.columns {
            if ignored(&c.name) {
                not_compared.push(format!("{} (--ignore-column)", c.name));
            } else if tgt.column(&c.name).is_none() {
                not_compared.push(format!("{} (missing in target)", c.name));
            } else if Family::of(&c.type_name) == Family::Excluded {
                not_compared.push(format!("{} ({} has no stable encoding)", c.name, c.type_name));
            } else {
                hashed.push((quote_ident(&c.name), c.type_name.clone()));
                hashed_names.push(c.name.clone());
            }
        }
        let key = src
            .key()
            .and_then(|cols| cols.into_iter().map(KeyCol::new).collect::<Option<Vec<_>>>())
            .filter(|k| k.iter().all(|c| tgt.column(&c.name).is_some()))
            .unwrap_or_default();
        TablePlan {
            table: src.full_name(),
            from: src.quoted(),
            key,
            hashed,
            hashed_names,
            relax: relax.clone(),
            filter: filter.map(str::to_string),
        }
    }

    fn hash(&self) -> String {
        row_hash_sql(&self.hashed, &self.relax)
    }

    fn key_list(&self, prefix: &str) -> String {
        self.key.iter().map(|k| format!("{prefix}{}", k.quoted)).collect::<Vec<_>>().join(", ")
    }

    /// `(k1, k2) >= bound` (op `>`) or `< bound` (op `<`) as a tuple comparison.
    fn tuple(&self, bound: &[String], op: &str) -> String {
        let n = self.key.len().min(bound.len());
        let mut terms = Vec::new();
        for i in 0..n {
            let mut parts: Vec<String> = (0..i)
                .map(|j| format!("{} = {}", self.key[j].quoted, self.key[j].literal(&bound[j])))
                .collect();
            let last_op = if i + 1 == n && op == ">" { ">=" } else { op };
            parts.push(format!("{} {last_op} {}", self.key[i].quoted, self.key[i].literal(&bound[i])));
            terms.push(format!("({})", parts.join(" AND ")));
        }
        format!("({})", terms.join(" OR "))
    }

    pub fn predicate(&self, range: &Range) -> String {
        let mut p = Vec::new();
        if let Some(f) = &self.filter {
            p.push(format!("({f})"));
        }
        if let Some(lo) = &range.lo {
            p.push(self.tuple(lo, ">"));
        }
        if let Some(hi) = &range.hi {
            p.push(self.tuple(hi, "<"));
        }
        if p.is_empty() { "1 = 1".to_string() } else { p.join(" AND ") }
    }

    pub fn count_sql(&self) -> String {
        let filter = self.filter.as_deref().map(|f| format!(" WHERE ({f})")).unwrap_or_default();
        format!("SELECT COUNT_BIG(*) FROM {}{filter}", self.from)
    }

    pub fn checksum_sql(&self, range: &Range) -> String {
        format!(
            "SELECT {AGGREGATE_SQL} FROM (SELECT {} AS h FROM {} WHERE {}) x",
            self.hash(),
            self.from,
            self.predicate(range)
        )
    }

    /// Every `step`-th key of the range, in the server's order (its collation, GUID order).
    pub fn boundaries_sql(&self, range: &Range, step: u64) -> String {
        let texts: Vec<String> = self.key.iter().map(|k| k.text_sql(&format!("x.{}", k.quoted))).collect();
        format!(
            "SELECT {} FROM (SELECT {}, ROW_NUMBER() OVER (ORDER BY {}) AS rn__ FROM {} WHERE {}) x \
             WHERE x.rn__ > 1 AND (x.rn__ - 1) % {step} = 0 ORDER BY {}",
            texts.join(", "),
            self.key_list(""),
            self.key_list(""),
            self.from,
            self.predicate(range),
            self.key_list("x.")
        )
    }

    /// The key `rows` rows after `lo` (inclusive) in the server's key order: the exclusive end
    /// of a segment of `rows` rows starting at `lo`; no row when fewer remain.
    pub fn carve_sql(&self, lo: &Option<Vec<String>>, rows: u64) -> String {
        let texts: Vec<String> = self.key.iter().map(|k| k.text_sql(&k.quoted)).collect();
        let range = Range { lo: lo.clone(), hi: None };
        format!(
            "SELECT {} FROM {} WHERE {} ORDER BY {} OFFSET {rows} ROWS FETCH NEXT 1 ROWS ONLY",
            texts.join(", "),
            self.from,
            self.predicate(&range),
            self.key_list("")
        )
    }

    /// The same table hashed over its key columns only: segment sums of this plan match when
    /// both sides hold the same keys, whatever the other columns hold (deletions without
    /// hashing rows).
    pub fn keys_only(&self, types: &dyn Fn(&str) -> Option<String>) -> TablePlan {
        let hashed: Vec<(String, String)> = self
            .key
            .iter()
            .map(|k| (k.quoted.clone(), types(&k.name).unwrap_or_else(|| "nvarchar".into())))
            .collect();
        TablePlan {
            hashed_names: self.key.iter().map(|k| k.name.clone()).collect(),
            hashed,
            relax: Relax::default(),
            ..self.clone()
        }
    }

    /// Matches any of `keys` (key texts): `k IN (…)` for one key column, else ORs of tuples.
    fn key_in(&self, keys: &[Vec<String>]) -> String {
        if let [k] = self.key.as_slice() {
            let lits: Vec<String> = keys.iter().map(|v| k.literal(&v[0])).collect();
            return format!("{} IN ({})", k.quoted, lits.join(", "));
        }
        let terms: Vec<String> = keys
            .iter()
            .map(|v| {
                let eq: Vec<String> =
                    self.key.iter().zip(v).map(|(k, x)| format!("{} = {}", k.quoted, k.literal(x))).collect();
                format!("({})", eq.join(" AND "))
            })
            .collect();
        format!("({})", terms.join(" OR "))
    }

    /// (key texts…, row hash) of the rows with these keys (an incremental run's lookups).
    pub fn lookup_sql(&self, keys: &[Vec<String>]) -> String {
        let texts: Vec<String> = self.key.iter().map(|k| k.text_sql(&k.quoted)).collect();
        format!(
            "SELECT {}, {} AS h FROM {} WHERE {} AND {}",
            texts.join(", "),
            self.hash(),
            self.from,
            self.predicate(&Range::default()),
            self.key_in(keys)
        )
    }

    /// The keys of rows inserted or updated after `watermark` (`0x…`): rowversion above it.
    pub fn changed_since_sql(&self, rowversion_column: &str, watermark: &str) -> String {
        let texts: Vec<String> = self.key.iter().map(|k| k.text_sql(&k.quoted)).collect();
        let hex_ok = watermark.starts_with("0x") && watermark[2..].chars().all(|c| c.is_ascii_hexdigit());
        let mark = if hex_ok { watermark } else { "NULL" };
        format!(
            "SELECT {} FROM {} WHERE {} AND {} > {mark}",
            texts.join(", "),
            self.from,
            self.predicate(&Range::default()),
            quote_ident(rowversion_column)
        )
    }

    /// The keys Change Tracking lists as changed after `version`, with `I`, `U` or `D`.
    pub fn tracked_changes_sql(&self, version: i64) -> String {
        let texts: Vec<String> = self.key.iter().map(|k| k.text_sql(&format!("c.{}", k.quoted))).collect();
        format!(
            "SELECT {}, c.SYS_CHANGE_OPERATION FROM CHANGETABLE(CHANGES {}, {version}) AS c",
            texts.join(", "),
            self.from
        )
    }

    /// (key texts…, row hash) in key order.
    pub fn leaf_sql(&self, range: &Range) -> String {
        let texts: Vec<String> = self.key.iter().map(|k| k.text_sql(&k.quoted)).collect();
        format!(
            "SELECT {}, {} AS h FROM {} WHERE {} ORDER BY {}",
            texts.join(", "),
            self.hash(),
            self.from,
            self.predicate(range),
            self.key_list("")
        )
    }

    /// One hash per hashed column for the row with this key.
    pub fn columns_sql(&self, key: &[String]) -> String {
        let hashes: Vec<String> = self
            .hashed
            .iter()
            .filter_map(|(c, t)| field_sql(c, t, &self.relax))
            .map(|f| format!("HASHBYTES('SHA2_256', {f})"))
            .collect();
        let eq: Vec<String> =
            self.key.iter().zip(key).map(|(k, v)| format!("{} = {}", k.quoted, k.literal(v))).collect();
        format!("SELECT {} FROM {} WHERE {}", hashes.join(", "), self.from, eq.join(" AND "))
    }

    /// Keyless tables: checksums grouped by the first `len` bytes of the row hash, under `prefix`.
    pub fn buckets_sql(&self, prefix: &[u8]) -> String {
        let len = prefix.len() + 1;
        format!(
            "SELECT SUBSTRING(h, 1, {len}) AS p, {AGGREGATE_SQL} FROM (SELECT {} AS h FROM {} WHERE {}) x{} GROUP BY SUBSTRING(h, 1, {len})",
            self.hash(),
            self.from,
            self.predicate(&Range::default()),
            prefix_filter(prefix, " WHERE")
        )
    }

    /// Keyless tables: each distinct row hash under `prefix` with its multiplicity.
    pub fn bag_rows_sql(&self, prefix: &[u8]) -> String {
        format!(
            "SELECT h, COUNT_BIG(*) AS n FROM (SELECT {} AS h FROM {} WHERE {}) x{} GROUP BY h",
            self.hash(),
            self.from,
            self.predicate(&Range::default()),
            prefix_filter(prefix, " WHERE")
        )
    }
}

fn prefix_filter(prefix: &[u8], word: &str) -> String {
    if prefix.is_empty() {
        return String::new();
    }
    let hex: String = prefix.iter().map(|b| format!("{b:02X}")).collect();
    format!("{word} SUBSTRING(h, 1, {}) = 0x{hex}", prefix.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan() -> TablePlan {
        TablePlan {
            table: "dbo.t".into(),
            from: "[dbo].[t]".into(),
            key: vec![
                KeyCol { name: "a".into(), quoted: "[a]".into(), family: Family::Text, unicode: true },
                KeyCol { name: "b".into(), quoted: "[b]".into(), family: Family::Integer, unicode: false },
            ],
            hashed: vec![("[a]".into(), "nvarchar".into())],
            hashed_names: vec!["a".into()],
            relax: Relax::default(),
            filter: None,
        }
    }

    #[test]
    fn composite_keys_compare_as_tuples_and_literals_are_quoted() {
        let p = plan();
        let r = Range { lo: Some(vec!["O'Neil".into(), "5".into()]), hi: None };
        assert_eq!(p.predicate(&r), "(([a] > N'O''Neil') OR ([a] = N'O''Neil' AND [b] >= 5))");
        let r = Range { lo: None, hi: Some(vec!["x".into(), "7".into()]) };
        assert_eq!(p.predicate(&r), "(([a] < N'x') OR ([a] = N'x' AND [b] < 7))");
        let g = KeyCol { name: "g".into(), quoted: "[g]".into(), family: Family::Guid, unicode: false };
        assert_eq!(g.literal("AB'"), "CAST('AB''' AS uniqueidentifier)");
        let i = KeyCol { family: Family::Integer, ..g };
        assert_eq!(i.literal("1; DROP TABLE x"), "CAST('1; DROP TABLE x' AS decimal(38,10))");
    }
}
