//! Event predicates: `WHERE` on actions (`sqlserver.session_id`, `sqlserver.database_name`,
//! `sqlserver.client_app_name`, `sqlserver.username`, `sqlserver.server_principal_name`,
//! `sqlserver.client_hostname`) and event fields (`duration`, `cpu_time`, `logical_reads`,
//! `row_count`), compared with `= <> != > >= < <=`, combined with AND/OR/NOT and parentheses;
//! plus `sqlserver.like_i_sql_unicode_string(field, N'pattern')` and the
//! `equal_/not_equal_i_sql_unicode_string` comparators.

use super::Measures;
use super::event::Context;
use crate::error::SqlError;

/// A token of the DDL text.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Tok {
    Word(String),
    Str(String),
    Num(String),
    Punct(String),
}

impl Tok {
    pub fn text(&self) -> String {
        match self {
            Tok::Word(s) | Tok::Num(s) | Tok::Punct(s) => s.clone(),
            Tok::Str(s) => format!("N'{s}'"),
        }
    }
}

/// A parsed predicate.
#[derive(Clone, Debug)]
pub(crate) enum Predicate {
    And(Box<Predicate>, Box<Predicate>),
    Or(Box<Predicate>, Box<Predicate>),
    Not(Box<Predicate>),
    Compare { field: String, op: String, value: String },
    Like { field: String, pattern: String },
}

/// Parses a predicate from the start of `toks` up to the `)` that closes the event; returns it
/// and the tokens used.
pub(crate) fn parse_predicate(toks: &[Tok]) -> Result<(Predicate, usize), SqlError> {
    let mut p = Parser { toks, at: 0 };
    let pred = p.or()?;
    Ok((pred, p.at))
}

struct Parser<'a> {
    toks: &'a [Tok],
    at: usize,
}

fn syntax(near: &str) -> SqlError {
    SqlError::new(102, 15, format!("Incorrect syntax near '{near}'."))
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.at)
    }

    fn is_word(&self, w: &str) -> bool {
        matches!(self.peek(), Some(Tok::Word(x)) if x.eq_ignore_ascii_case(w))
    }

    fn eat(&mut self, p: &str) -> bool {
        if matches!(self.peek(), Some(Tok::Punct(x)) if x == p) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    fn or(&mut self) -> Result<Predicate, SqlError> {
        let mut left = self.and()?;
        while self.is_word("OR") {
            self.at += 1;
            left = Predicate::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Predicate, SqlError> {
        let mut left = self.unary()?;
        while self.is_word("AND") {
            self.at += 1;
            left = Predicate::And(Box::new(left), Box::new(self.unary()?));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Predicate, SqlError> {
        if self.is_word("NOT") {
            self.at += 1;
            return Ok(Predicate::Not(Box::new(self.unary()?)));
        }
        if self.eat("(") {
            let inner = self.or()?;
            if !self.eat(")") {
                return Err(syntax(&self.peek().map(Tok::text).unwrap_or_default()));
            }
            return Ok(inner);
        }
        let name = self.dotted()?;
        if self.eat("(") {
            let field = self.dotted()?;
            self.eat(",");
            let value = self.literal()?;
            if !self.eat(")") {
                return Err(syntax(&name));
            }
            return match name.as_str() {
                "like_i_sql_unicode_string" => Ok(Predicate::Like { field, pattern: value }),
                "equal_i_sql_unicode_string" => Ok(Predicate::Compare { field, op: "=".into(), value }),
                "not_equal_i_sql_unicode_string" => Ok(Predicate::Compare { field, op: "<>".into(), value }),
                other => Err(SqlError::unsupported(&format!("the predicate comparator {other}"))),
            };
        }
        let op = match self.toks.get(self.at) {
            Some(Tok::Punct(p)) if matches!(p.as_str(), "=" | "<>" | "!=" | ">" | ">=" | "<" | "<=") => {
                p.clone()
            }
            other => return Err(syntax(&other.map(Tok::text).unwrap_or_default())),
        };
        self.at += 1;
        let value = self.literal()?;
        Ok(Predicate::Compare { field: name, op, value })
    }

    /// `sqlserver.session_id`, `[sqlserver].[session_id]`, `duration` → lower-case last part.
    fn dotted(&mut self) -> Result<String, SqlError> {
        let mut name = match self.toks.get(self.at) {
            Some(Tok::Word(w)) => w.to_ascii_lowercase(),
            other => return Err(syntax(&other.map(Tok::text).unwrap_or_default())),
        };
        self.at += 1;
        while self.eat(".") {
            match self.toks.get(self.at) {
                Some(Tok::Word(w)) => name = w.to_ascii_lowercase(),
                other => return Err(syntax(&other.map(Tok::text).unwrap_or_default())),
            }
            self.at += 1;
        }
        Ok(name)
    }

    /// `N'x'`, `5`, `(5)`.
    fn literal(&mut self) -> Result<String, SqlError> {
        let parenthesised = self.eat("(");
        let v = match self.toks.get(self.at) {
            Some(Tok::Str(s)) | Some(Tok::Num(s)) => s.clone(),
            other => return Err(syntax(&other.map(Tok::text).unwrap_or_default())),
        };
        self.at += 1;
        if parenthesised && !self.eat(")") {
            return Err(syntax(&v));
        }
        Ok(v)
    }
}

impl Predicate {
    /// True when the event passes.
    pub fn holds(&self, ctx: &Context, m: &Measures) -> bool {
        match self {
            Predicate::And(a, b) => a.holds(ctx, m) && b.holds(ctx, m),
            Predicate::Or(a, b) => a.holds(ctx, m) || b.holds(ctx, m),
            Predicate::Not(a) => !a.holds(ctx, m),
            Predicate::Like { field, pattern } => {
                field_value(field, ctx, m).is_some_and(|v| like(&v.to_lowercase(), &pattern.to_lowercase()))
            }
            Predicate::Compare { field, op, value } => {
                let Some(actual) = field_value(field, ctx, m) else { return false };
                let ord = match (actual.parse::<f64>(), value.parse::<f64>()) {
                    (Ok(a), Ok(b)) => a.partial_cmp(&b),
                    _ => Some(actual.to_lowercase().cmp(&value.to_lowercase())),
                };
                let Some(ord) = ord else { return false };
                match op.as_str() {
                    "=" => ord.is_eq(),
                    "<>" | "!=" => ord.is_ne(),
                    ">" => ord.is_gt(),
                    ">=" => ord.is_ge(),
                    "<" => ord.is_lt(),
                    _ => ord.is_le(),
                }
            }
        }
    }
}

fn field_value(field: &str, ctx: &Context, m: &Measures) -> Option<String> {
    Some(match field {
        "session_id" => ctx.spid.to_string(),
        "database_name" => ctx.database.clone(),
        "client_app_name" => ctx.app_name.clone(),
        "client_hostname" => ctx.host_name.clone(),
        "username" | "server_principal_name" | "nt_username" => ctx.login.clone(),
        "duration" => m.duration_us.to_string(),
        "cpu_time" => m.cpu_us.to_string(),
        "logical_reads" => m.logical_reads.to_string(),
        "row_count" => m.row_count.to_string(),
        _ => return None,
    })
}

/// SQL LIKE with `%` and `_` (already lower-cased).
fn like(text: &str, pattern: &str) -> bool {
    let t: Vec<char> = text.chars().collect();
    let p: Vec<char> = pattern.chars().collect();
    fn go(t: &[char], p: &[char]) -> bool {
        match p.first() {
            None => t.is_empty(),
            Some('%') => (0..=t.len()).any(|i| go(&t[i..], &p[1..])),
            Some('_') => !t.is_empty() && go(&t[1..], &p[1..]),
            Some(c) => t.first() == Some(c) && go(&t[1..], &p[1..]),
        }
    }
    go(&t, &p)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::runtime::xe::ddl::tokenize;

    fn ctx() -> Context {
        Context {
            spid: 55,
            database: "shop".into(),
            app_name: "orders-api".into(),
            host_name: "web1".into(),
            login: "app".into(),
            now: chrono::NaiveDateTime::default(),
        }
    }

    fn holds(text: &str, duration_us: u64) -> bool {
        let (p, _) = parse_predicate(&tokenize(text)).unwrap();
        p.holds(&ctx(), &Measures { duration_us, ..Measures::default() })
    }

    #[test]
    fn compares_actions_and_fields() {
        assert!(holds("[sqlserver].[session_id] <> (53) AND duration >= 1000", 1000));
        assert!(!holds("sqlserver.session_id <> 55", 0));
        assert!(holds("(sqlserver.database_name = N'SHOP' OR sqlserver.database_name = N'x')", 0));
        assert!(holds("sqlserver.like_i_sql_unicode_string(sqlserver.client_app_name, N'orders%')", 0));
        assert!(holds(
            "NOT sqlserver.equal_i_sql_unicode_string(sqlserver.client_app_name, N'cutover-capture')",
            0
        ));
        assert!(!holds("duration > 5", 5));
    }
}
