//! Splitting a batch into statements.
//!
//! sqlparser parses the SQL statements; the session statements whose T-SQL forms it does not
//! know (`SET NOCOUNT ON`, `SET @i += 1`, `DECLARE @a int = 1, @b …`, `BEGIN TRAN`,
//! `COMMIT TRAN`, `USE`, `PRINT`, `CREATE DATABASE`) are read here from its token stream.
//! A syntax error anywhere fails the whole batch, as SQL Server does (102, class 15).

use std::ops::Range;

use sqlparser::ast::{BinaryOperator, Statement};
use sqlparser::dialect::MsSqlDialect;
use sqlparser::keywords::Keyword;
use sqlparser::parser::{Parser, ParserError, ParserOptions};
use sqlparser::tokenizer::{Location, Token};

use super::prepass::{self, KeyHint};
use super::{Kind, Parsed};
use crate::engine::runtime::lexer;
use crate::error::SqlError;
use crate::types::SqlType;

/// Leading words of statements the simulator refuses, with the construct named in the error.
const REFUSED: &[(&[&str], &str)] = &[
    (&["IF"], "IF … ELSE"),
    (&["WHILE"], "WHILE loops"),
    (&["BEGIN", "TRY"], "BEGIN TRY … END CATCH"),
    (&["BEGIN", "CATCH"], "BEGIN TRY … END CATCH"),
    (&["BEGIN"], "BEGIN … END blocks"),
    (&["EXEC"], "EXECUTE"),
    (&["EXECUTE"], "EXECUTE"),
    (&["MERGE"], "MERGE"),
    (&["DBCC"], "DBCC"),
    (&["CREATE", "PROCEDURE"], "CREATE PROCEDURE"),
    (&["CREATE", "PROC"], "CREATE PROCEDURE"),
    (&["CREATE", "OR"], "CREATE OR ALTER"),
    (&["CREATE", "FUNCTION"], "CREATE FUNCTION"),
    (&["CREATE", "TRIGGER"], "CREATE TRIGGER"),
    (&["CREATE", "TYPE"], "CREATE TYPE"),
    (&["CREATE", "SCHEMA"], "CREATE SCHEMA"),
    (&["CREATE", "LOGIN"], "CREATE LOGIN"),
    (&["CREATE", "USER"], "CREATE USER"),
    (&["CREATE", "ROLE"], "CREATE ROLE"),
    (&["CREATE", "SEQUENCE"], "CREATE SEQUENCE"),
    (&["CREATE", "SYNONYM"], "CREATE SYNONYM"),
    (&["CREATE", "STATISTICS"], "CREATE STATISTICS"),
    (&["ALTER", "PROCEDURE"], "ALTER PROCEDURE"),
    (&["ALTER", "PROC"], "ALTER PROCEDURE"),
    (&["ALTER", "VIEW"], "ALTER VIEW"),
    (&["ALTER", "FUNCTION"], "ALTER FUNCTION"),
    (&["ALTER", "DATABASE"], "ALTER DATABASE"),
    (&["ALTER", "INDEX"], "ALTER INDEX"),
    (&["ALTER", "LOGIN"], "ALTER LOGIN"),
    (&["ALTER", "USER"], "ALTER USER"),
    (&["ALTER", "SERVER"], "ALTER SERVER"),
    (&["ALTER", "AUTHORIZATION"], "ALTER AUTHORIZATION"),
    (&["DELETE", "TOP"], "DELETE TOP (n)"),
    (&["UPDATE", "TOP"], "UPDATE TOP (n)"),
    (&["INSERT", "TOP"], "INSERT TOP (n)"),
    (&["WAITFOR"], "WAITFOR"),
    (&["GRANT"], "GRANT"),
    (&["DENY"], "DENY"),
    (&["REVOKE"], "REVOKE"),
    (&["BACKUP"], "BACKUP"),
    (&["RESTORE"], "RESTORE"),
    (&["BULK"], "BULK INSERT"),
    (&["RETURN"], "RETURN"),
    (&["GOTO"], "GOTO"),
    (&["KILL"], "KILL"),
    (&["RECONFIGURE"], "RECONFIGURE"),
    (&["CHECKPOINT"], "CHECKPOINT"),
    (&["OPEN"], "cursors"),
    (&["FETCH"], "cursors"),
    (&["CLOSE"], "cursors"),
    (&["DEALLOCATE"], "cursors"),
    (&["ENABLE"], "ENABLE TRIGGER"),
    (&["DISABLE"], "DISABLE TRIGGER"),
    (&["UPDATE", "STATISTICS"], "UPDATE STATISTICS"),
];

/// Words that start a statement: a transaction name is never one of them.
const STATEMENT_WORDS: &[&str] = &[
    "SELECT",
    "INSERT",
    "UPDATE",
    "DELETE",
    "SET",
    "DECLARE",
    "PRINT",
    "IF",
    "WHILE",
    "BEGIN",
    "COMMIT",
    "ROLLBACK",
    "CREATE",
    "DROP",
    "ALTER",
    "TRUNCATE",
    "USE",
    "EXEC",
    "EXECUTE",
    "WITH",
    "RETURN",
    "MERGE",
    "SAVE",
    "GRANT",
    "DENY",
    "REVOKE",
    "DBCC",
    "RAISERROR",
    "THROW",
    "WAITFOR",
    "END",
    "ELSE",
];

/// Parses a T-SQL batch into statements. A syntax error fails the whole batch with SQL
/// Server's error 102 (or 105 for an unclosed quote), carrying the line.
pub fn parse_batch(sql: &str) -> Result<Vec<Parsed>, SqlError> {
    let prepared = prepass::run(sql);
    if let Some((construct, line)) = &prepared.unsupported {
        return Err(SqlError::unsupported(construct).at_line(*line as i32));
    }
    let text = prepared.text.as_str();
    let dialect = MsSqlDialect {};
    let options =
        ParserOptions { trailing_commas: false, unescape: true, require_semicolon_stmt_delimiter: false };
    let mut p =
        Parser::new(&dialect).with_options(options).try_with_sql(text).map_err(|e| syntax_error(&e, text))?;
    let lines = LineIndex::new(text);
    let mut out = Vec::new();
    loop {
        while p.peek_token().token == Token::SemiColon {
            p.next_token();
        }
        let first = p.peek_token();
        if first.token == Token::EOF {
            break;
        }
        let start = first.span.start;
        let line = start.line as i32;
        if let Some(to_eof) = instance_claim(&p) {
            skip_statement(&mut p, to_eof);
        } else if let Some(construct) = refused(&p) {
            return Err(SqlError::unsupported(construct).at_line(line));
        }
        let kinds = if p.peek_token().span.start != start {
            Ok(vec![Kind::InstanceObject])
        } else {
            statement(&mut p)
        };
        let kinds = kinds.map_err(|e| match e {
            Parse::Syntax(e) => syntax_error(&e, text),
            Parse::Sql(e) => e.at_line(line),
        })?;
        let end_tok = p.peek_token();
        let end = if end_tok.token == Token::EOF { None } else { Some(end_tok.span.start) };
        let statement_text =
            lines.slice(text, start, end).trim().trim_end_matches(';').trim_end().to_string();
        let span = source_span(sql, &prepared.origin, lines.range(text, start, end));
        let keys: Vec<KeyHint> = prepared
            .hints
            .iter()
            .filter(|(l, c, _)| {
                let at = (*l, *c);
                at >= (start.line, start.column) && end.is_none_or(|e| at < (e.line, e.column))
            })
            .map(|h| h.2)
            .collect();
        for kind in kinds {
            out.push(Parsed {
                kind,
                line,
                text: statement_text.clone(),
                span: span.clone(),
                keys: keys.clone(),
            });
        }
    }
    Ok(out)
}

pub(super) enum Parse {
    Syntax(ParserError),
    Sql(SqlError),
}

impl From<ParserError> for Parse {
    fn from(e: ParserError) -> Self {
        Parse::Syntax(e)
    }
}

fn upper_word(p: &Parser<'_>, n: usize) -> Option<String> {
    match p.peek_nth_token(n).token {
        Token::Word(w) if w.quote_style.is_none() => Some(w.value.to_ascii_uppercase()),
        _ => None,
    }
}

/// Server-level statements (logins, Agent procedures, ALTER DATABASE options, …) belong to
/// `runtime::instance_objects`; `Some(to_eof)` when it claims the next statement.
fn instance_claim(p: &Parser<'_>) -> Option<bool> {
    let words: Vec<String> = (0..8)
        .map(|n| p.peek_nth_token(n).token)
        .take_while(|t| *t != Token::EOF && *t != Token::SemiColon)
        .map(|t| match t {
            Token::Word(w) if w.quote_style.is_none() => w.value,
            other => other.to_string(),
        })
        .collect();
    crate::engine::runtime::instance_objects::claims(&words)
}

/// Consumes a claimed statement: to `;`, the end of the batch, or (unless `to_eof`) the next
/// statement's first word at parenthesis depth 0.
fn skip_statement(p: &mut Parser<'_>, to_eof: bool) {
    let mut depth = 0i32;
    // The pre-pass puts `;` before `SET`: in `ALTER DATABASE d SET …` that one is not an end.
    let alter_database =
        upper_word(p, 0).as_deref() == Some("ALTER") && upper_word(p, 1).as_deref() == Some("DATABASE");
    p.next_token();
    loop {
        let t = p.peek_token().token;
        match &t {
            Token::EOF => break,
            Token::SemiColon if alter_database && upper_word(p, 1).as_deref() == Some("SET") => {}
            Token::SemiColon if !to_eof => break,
            Token::LParen => depth += 1,
            Token::RParen => depth -= 1,
            Token::Word(w)
                if !to_eof
                    && depth == 0
                    && w.quote_style.is_none()
                    && (STATEMENT_WORDS.contains(&w.value.to_ascii_uppercase().as_str())
                        || w.value.eq_ignore_ascii_case("RECONFIGURE"))
                    && !matches!(w.value.to_ascii_uppercase().as_str(), "SET" | "WITH" | "END" | "ELSE") =>
            {
                break;
            }
            _ => {}
        }
        p.next_token();
    }
}

fn refused(p: &Parser<'_>) -> Option<&'static str> {
    let words: Vec<Option<String>> = (0..3).map(|n| upper_word(p, n)).collect();
    // `DBCC SQLPERF(…)` is translated (see `dbcc`).
    if words[0].as_deref() == Some("DBCC") && words[1].as_deref() == Some("SQLPERF") {
        return None;
    }
    // `BEGIN TRAN`, `BEGIN DISTRIBUTED TRAN` are fine.
    if words[0].as_deref() == Some("BEGIN")
        && matches!(words[1].as_deref(), Some("TRAN" | "TRANSACTION" | "DISTRIBUTED"))
    {
        return None;
    }
    REFUSED
        .iter()
        .find(|(lead, _)| lead.iter().enumerate().all(|(i, w)| words[i].as_deref() == Some(*w)))
        .map(|(_, construct)| *construct)
}

fn statement(p: &mut Parser<'_>) -> Result<Vec<Kind>, Parse> {
    let first = upper_word(p, 0);
    let second = upper_word(p, 1);
    match (first.as_deref(), second.as_deref()) {
        (Some("SET"), _) => set(p),
        (Some("DECLARE"), _) => declare(p),
        (Some("PRINT"), _) => {
            p.next_token();
            Ok(vec![Kind::Print(Box::new(p.parse_expr()?))])
        }
        (Some("USE"), _) => {
            p.next_token();
            let name = p.parse_identifier()?;
            Ok(vec![Kind::Use(name.value)])
        }
        (Some("BEGIN"), _) => {
            p.next_token();
            if upper_word(p, 0).as_deref() == Some("DISTRIBUTED") {
                p.next_token();
            }
            p.next_token(); // TRAN / TRANSACTION
            let name = transaction_name(p)?;
            if p.parse_keyword(Keyword::WITH) {
                return Err(Parse::Sql(SqlError::unsupported("BEGIN TRANSACTION … WITH MARK")));
            }
            Ok(vec![Kind::Begin(name)])
        }
        (Some("COMMIT" | "ROLLBACK"), _) => {
            let commit = first.as_deref() == Some("COMMIT");
            p.next_token();
            if matches!(upper_word(p, 0).as_deref(), Some("TRAN" | "TRANSACTION" | "WORK")) {
                p.next_token();
            }
            let name = transaction_name(p)?;
            Ok(vec![if commit { Kind::Commit } else { Kind::Rollback(name) }])
        }
        (Some("SAVE"), Some("TRAN" | "TRANSACTION")) => {
            p.next_token();
            p.next_token();
            match transaction_name(p)? {
                Some(name) => Ok(vec![Kind::Save(name)]),
                None => {
                    let tok = p.peek_token();
                    p.expected("a savepoint name", tok).map_err(Parse::Syntax)
                }
            }
        }
        (Some("DBCC"), Some("SQLPERF")) => dbcc(p),
        (Some("RAISERROR"), _) => {
            let (args, options) = super::raise::parse_raiserror(p)?;
            Ok(vec![Kind::Raise(args, options)])
        }
        (Some("THROW"), _) => Ok(vec![Kind::Throw(super::raise::parse_throw(p)?)]),
        (Some("CREATE"), Some("DATABASE")) => {
            p.next_token();
            p.next_token();
            let name = p.parse_identifier()?;
            if p.parse_keyword(Keyword::COLLATE) {
                p.parse_identifier()?;
            }
            Ok(vec![Kind::CreateDatabase(name.value)])
        }
        _ => {
            let stmt = p.parse_statement()?;
            Ok(split_alter(stmt).into_iter().map(|s| Kind::Sql(Box::new(s))).collect())
        }
    }
}

/// `DBCC name ( arg [, arg …] ) [WITH option [, …]]`: the arguments as written (string
/// literals unquoted, words upper-cased).
fn dbcc(p: &mut Parser<'_>) -> Result<Vec<Kind>, Parse> {
    p.next_token();
    let command = upper_word(p, 0).unwrap_or_default();
    p.next_token();
    let mut args = Vec::new();
    if p.consume_token(&Token::LParen) {
        loop {
            match p.next_token().token {
                Token::RParen => break,
                Token::Comma => {}
                Token::SingleQuotedString(s) | Token::NationalStringLiteral(s) => args.push(s),
                Token::Word(w) => args.push(w.value.to_ascii_uppercase()),
                Token::Number(n, _) => args.push(n),
                Token::EOF => return Err(Parse::Syntax(ParserError::ParserError("DBCC: missing )".into()))),
                other => args.push(other.to_string()),
            }
        }
    }
    if p.parse_keyword(Keyword::WITH) {
        while let Token::Word(_) | Token::Comma = p.peek_token().token {
            p.next_token();
        }
    }
    Ok(vec![Kind::Dbcc { command, args }])
}

/// `ALTER TABLE t ADD a int, b int` and `DROP TABLE a, b` → one statement per object.
fn split_alter(stmt: Statement) -> Vec<Statement> {
    match stmt {
        Statement::AlterTable(alter) if alter.operations.len() > 1 => alter
            .operations
            .iter()
            .map(|op| {
                let mut one = alter.clone();
                one.operations = vec![op.clone()];
                Statement::AlterTable(one)
            })
            .collect(),
        Statement::Drop { object_type, if_exists, names, cascade, restrict, purge, temporary, table }
            if names.len() > 1 =>
        {
            names
                .into_iter()
                .map(|n| Statement::Drop {
                    object_type,
                    if_exists,
                    names: vec![n],
                    cascade,
                    restrict,
                    purge,
                    temporary,
                    table: table.clone(),
                })
                .collect()
        }
        other => vec![other],
    }
}

/// The transaction or savepoint name after BEGIN/COMMIT/ROLLBACK/SAVE TRAN, if any (case
/// kept: SQL Server compares these names case-sensitively). A name held in a variable is refused.
fn transaction_name(p: &mut Parser<'_>) -> Result<Option<String>, Parse> {
    if let Token::Word(w) = p.peek_token().token
        && (w.quote_style.is_some() || !STATEMENT_WORDS.contains(&w.value.to_ascii_uppercase().as_str()))
    {
        if w.quote_style.is_none() && w.value.starts_with('@') {
            return Err(Parse::Sql(SqlError::unsupported("transaction names in variables")));
        }
        p.next_token();
        return Ok(Some(w.value));
    }
    Ok(None)
}

fn set(p: &mut Parser<'_>) -> Result<Vec<Kind>, Parse> {
    p.next_token();
    if let Token::Word(w) = p.peek_token().token
        && w.value.starts_with('@')
        && !w.value.starts_with("@@")
    {
        p.next_token();
        let op = match p.next_token().token {
            Token::Eq => None,
            compound => {
                let op = match compound {
                    Token::Plus => BinaryOperator::Plus,
                    Token::Minus => BinaryOperator::Minus,
                    Token::Mul => BinaryOperator::Multiply,
                    Token::Div => BinaryOperator::Divide,
                    Token::Mod => BinaryOperator::Modulo,
                    Token::Ampersand => BinaryOperator::BitwiseAnd,
                    Token::Pipe => BinaryOperator::BitwiseOr,
                    Token::Caret => BinaryOperator::BitwiseXor,
                    other => return Err(Parse::Syntax(ParserError::ParserError(format!("found: {other}")))),
                };
                let eq = p.next_token();
                if eq.token != Token::Eq {
                    return p.expected("=", eq).map_err(Parse::Syntax);
                }
                Some(op)
            }
        };
        let value = p.parse_expr()?;
        return Ok(vec![Kind::SetVariable { name: w.value, op, value: Box::new(value) }]);
    }
    let mut names = Vec::new();
    loop {
        let tok = p.next_token();
        match tok.token {
            Token::Word(w) => names.push(w.value.to_ascii_uppercase()),
            _ => return p.expected("a SET option", tok).map_err(Parse::Syntax),
        }
        if p.peek_token().token == Token::Comma {
            p.next_token();
        } else {
            break;
        }
    }
    let first = names[0].clone();
    let value = match first.as_str() {
        "TRANSACTION" => {
            for expected in ["ISOLATION", "LEVEL"] {
                if upper_word(p, 0).as_deref() != Some(expected) {
                    let tok = p.peek_token();
                    return p.expected(expected, tok).map_err(Parse::Syntax);
                }
                p.next_token();
            }
            let level = match (upper_word(p, 0).as_deref(), upper_word(p, 1).as_deref()) {
                (Some("READ"), Some(second @ ("COMMITTED" | "UNCOMMITTED"))) => format!("READ {second}"),
                (Some("REPEATABLE"), Some("READ")) => "REPEATABLE READ".to_string(),
                (Some(one @ ("SNAPSHOT" | "SERIALIZABLE")), _) => one.to_string(),
                _ => {
                    let tok = p.peek_token();
                    return p.expected("an isolation level", tok).map_err(Parse::Syntax);
                }
            };
            for _ in 0..level.split(' ').count() {
                p.next_token();
            }
            names = vec!["TRANSACTION ISOLATION LEVEL".to_string()];
            level
        }
        "STATISTICS" => {
            let what = upper_word(p, 0).unwrap_or_default();
            p.next_token();
            names = vec![format!("STATISTICS {what}")];
            option_value(p)?
        }
        "IDENTITY_INSERT" => {
            let table = p.parse_object_name(false)?;
            format!("{table} {}", option_value(p)?)
        }
        _ => option_value(p)?,
    };
    Ok(names.into_iter().map(|name| Kind::SetOption { name, value: value.clone() }).collect())
}

/// One option value: ON/OFF, a word, a number (optionally negative), a string or a variable.
fn option_value(p: &mut Parser<'_>) -> Result<String, Parse> {
    let tok = p.next_token();
    Ok(match tok.token {
        Token::Word(w) => w.value.to_ascii_uppercase(),
        Token::Number(n, _) => n,
        Token::Minus => match p.next_token().token {
            Token::Number(n, _) => format!("-{n}"),
            other => return Err(Parse::Syntax(ParserError::ParserError(format!("found: {other}")))),
        },
        Token::SingleQuotedString(s) | Token::NationalStringLiteral(s) => s,
        _ => return p.expected("a SET option value", tok).map_err(Parse::Syntax),
    })
}

fn declare(p: &mut Parser<'_>) -> Result<Vec<Kind>, Parse> {
    p.next_token();
    let mut out = Vec::new();
    loop {
        let tok = p.next_token();
        let name = match &tok.token {
            Token::Word(w) if w.value.starts_with('@') => w.value.clone(),
            _ => return Err(Parse::Sql(SqlError::unsupported("cursors (DECLARE name CURSOR)"))),
        };
        let _ = p.parse_keyword(Keyword::AS);
        match upper_word(p, 0).as_deref() {
            Some("TABLE") => {
                return Err(Parse::Sql(SqlError::unsupported("table variables (DECLARE @t TABLE)")));
            }
            Some("CURSOR") => return Err(Parse::Sql(SqlError::unsupported("cursors (DECLARE name CURSOR)"))),
            _ => {}
        }
        let data_type = p.parse_data_type()?;
        let text = data_type.to_string();
        let ty = SqlType::parse(&text).ok_or_else(|| {
            Parse::Sql(SqlError::new(
                2715,
                16,
                format!("Column, parameter, or variable #{}: Cannot find data type {text}.", out.len() + 1),
            ))
        })?;
        let init = if p.peek_token().token == Token::Eq {
            p.next_token();
            Some(Box::new(p.parse_expr()?))
        } else {
            None
        };
        out.push(Kind::Declare { name, ty, init });
        if p.peek_token().token == Token::Comma {
            p.next_token();
        } else {
            break;
        }
    }
    Ok(out)
}

/// SQL Server's 102 (or 105) from a sqlparser error message.
fn syntax_error(e: &ParserError, text: &str) -> SqlError {
    let msg = match e {
        ParserError::TokenizerError(m) | ParserError::ParserError(m) => m.clone(),
        ParserError::RecursionLimitExceeded => {
            return SqlError::new(191, 15, "Some part of your SQL statement is nested too deeply.");
        }
    };
    let line = msg
        .rsplit_once("Line: ")
        .and_then(|(_, rest)| rest.split(|c: char| !c.is_ascii_digit()).next()?.parse::<i32>().ok())
        .unwrap_or(1);
    if msg.contains("Unterminated string") {
        // The one lexer finds the unclosed string and words SQL Server's 105.
        let unclosed = lexer::tokenize(text).err().unwrap_or_else(|| {
            SqlError::new(105, 15, "Unclosed quotation mark after the character string ''.")
        });
        return unclosed.at_line(line);
    }
    let near = msg
        .split_once("found: ")
        .map(|(_, rest)| rest.split(" at Line:").next().unwrap_or(rest).trim().to_string())
        .filter(|n| n != "EOF")
        .unwrap_or_else(|| last_word(text));
    SqlError::syntax(&near).at_line(line)
}

fn last_word(text: &str) -> String {
    text.split_whitespace().last().unwrap_or("").trim_end_matches(';').to_string()
}

/// Byte offsets of line starts, to cut a statement's text out by sqlparser locations.
struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    fn new(text: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { starts }
    }

    fn offset(&self, text: &str, at: Location) -> usize {
        let Some(&line_start) = self.starts.get((at.line as usize).saturating_sub(1)) else {
            return text.len();
        };
        let col = (at.column as usize).saturating_sub(1);
        text[line_start..].char_indices().nth(col).map(|(i, _)| line_start + i).unwrap_or(text.len())
    }

    fn slice<'t>(&self, text: &'t str, start: Location, end: Option<Location>) -> &'t str {
        text.get(self.range(text, start, end)).unwrap_or("")
    }

    fn range(&self, text: &str, start: Location, end: Option<Location>) -> Range<usize> {
        let a = self.offset(text, start);
        let b = end.map(|e| self.offset(text, e)).unwrap_or(text.len());
        a..b.max(a)
    }
}

/// A statement's byte range in the batch as sent: its range in the rewritten text mapped back,
/// without the whitespace and `;` that follow it.
fn source_span(sql: &str, origin: &prepass::OffsetMap, at: Range<usize>) -> Range<usize> {
    let floor = |mut i: usize| {
        i = i.min(sql.len());
        while !sql.is_char_boundary(i) {
            i -= 1;
        }
        i
    };
    let start = floor(origin.source(at.start));
    let end = floor(origin.source(at.end)).max(start);
    let body = sql[start..end].trim_end().trim_end_matches(';').trim_end();
    start..start + body.len()
}

#[cfg(test)]
mod span_tests {
    /// Each statement's span, cut from the batch as sent.
    fn spans(sql: &str) -> Vec<&str> {
        super::parse_batch(sql).unwrap().iter().map(|p| &sql[p.span()]).collect()
    }

    #[test]
    fn spans_are_the_statements_as_sent_despite_the_prepass_rewrites() {
        // The pre-pass inserts `FROM`, a `;` before SET and blanks hints; spans ignore all that.
        let sql =
            "/* marker */ DELETE orders WHERE id = 1 SET NOCOUNT ON\nSELECT N'é' FROM t WITH (NOLOCK);\n";
        assert_eq!(
            spans(sql),
            vec!["DELETE orders WHERE id = 1", "SET NOCOUNT ON", "SELECT N'é' FROM t WITH (NOLOCK)"]
        );
    }
}
