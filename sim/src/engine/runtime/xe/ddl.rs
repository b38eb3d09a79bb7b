//! Reading `CREATE/ALTER/DROP EVENT SESSION` and `CREATE/DROP CREDENTIAL` by hand: sqlparser
//! does not know them, so the session routes a batch that starts with one here before parsing.
//!
//! ```sql
//! CREATE EVENT SESSION [cap] ON SERVER
//!   ADD EVENT sqlserver.rpc_completed (ACTION (sqlserver.session_id, sqlserver.sql_text)
//!     WHERE sqlserver.session_id <> 53 AND duration >= 1000),
//!   ADD EVENT sqlserver.sql_batch_completed (ACTION (sqlserver.session_id))
//!   ADD TARGET package0.event_file (SET filename = N'C:\xe\cap.xel', max_file_size = (100))
//!   WITH (MAX_DISPATCH_LATENCY = 1 SECONDS, STARTUP_STATE = OFF);
//! ALTER EVENT SESSION [cap] ON SERVER STATE = START;
//! DROP EVENT SESSION [cap] ON SERVER;
//! ```

use super::predicate::{Predicate, Tok, parse_predicate};
use super::{EVENTS, EventSession, EventSpec};
use crate::engine::runtime::lexer::{self, Tok as Lexed};
use crate::error::SqlError;

/// A statement this module runs.
#[derive(Debug)]
pub(crate) enum Statement {
    Create(EventSession),
    Start(String),
    Stop(String),
    Drop(String),
    CreateCredential(String),
    DropCredential(String),
}

/// True when a batch starts with an event-session or credential statement.
pub(crate) fn is_xe_ddl(sql: &str) -> bool {
    let head: String = sql.trim_start().chars().take(64).collect();
    let toks = tokenize(&head);
    let w = |i: usize| match toks.get(i) {
        Some(Tok::Word(w)) => w.to_ascii_uppercase(),
        _ => String::new(),
    };
    matches!(w(0).as_str(), "CREATE" | "ALTER" | "DROP")
        && (w(1) == "EVENT" && w(2) == "SESSION" || w(1) == "CREDENTIAL" && w(0) != "ALTER")
}

/// Parses the batch; `None` when it is not one of these statements.
pub(crate) fn parse(sql: &str) -> Option<Result<Statement, SqlError>> {
    if !is_xe_ddl(sql) {
        return None;
    }
    let toks = tokenize(sql);
    let mut p = Cursor { toks, at: 0 };
    Some(p.statement())
}

fn syntax(near: &str) -> SqlError {
    SqlError::new(102, 15, format!("Incorrect syntax near '{near}'."))
}

struct Cursor {
    toks: Vec<Tok>,
    at: usize,
}

impl Cursor {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.at)
    }

    fn next(&mut self) -> Option<Tok> {
        let t = self.toks.get(self.at).cloned();
        self.at += 1;
        t
    }

    fn word(&mut self) -> Result<String, SqlError> {
        match self.next() {
            Some(Tok::Word(w)) => Ok(w),
            Some(t) => Err(syntax(&t.text())),
            None => Err(syntax("end of batch")),
        }
    }

    fn is_word(&self, w: &str) -> bool {
        matches!(self.peek(), Some(Tok::Word(x)) if x.eq_ignore_ascii_case(w))
    }

    fn expect_word(&mut self, w: &str) -> Result<(), SqlError> {
        if self.is_word(w) {
            self.at += 1;
            Ok(())
        } else {
            Err(syntax(&self.peek().map(Tok::text).unwrap_or_default()))
        }
    }

    fn eat(&mut self, punct: &str) -> bool {
        if matches!(self.peek(), Some(Tok::Punct(p)) if p == punct) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, punct: &str) -> Result<(), SqlError> {
        if self.eat(punct) { Ok(()) } else { Err(syntax(&self.peek().map(Tok::text).unwrap_or_default())) }
    }

    /// `a.b.c` → the last part (package prefixes dropped).
    fn dotted(&mut self) -> Result<String, SqlError> {
        let mut name = self.word()?;
        while self.eat(".") {
            name = self.word()?;
        }
        Ok(name)
    }

    fn statement(&mut self) -> Result<Statement, SqlError> {
        let verb = self.word()?.to_ascii_uppercase();
        if self.is_word("CREDENTIAL") {
            self.at += 1;
            let name = self.word()?;
            return Ok(match verb.as_str() {
                "CREATE" => Statement::CreateCredential(name),
                _ => Statement::DropCredential(name),
            });
        }
        self.expect_word("EVENT")?;
        self.expect_word("SESSION")?;
        let name = self.word()?;
        self.expect_word("ON")?;
        let _scope = self.word()?;
        match verb.as_str() {
            "CREATE" => self.create(name).map(Statement::Create),
            "DROP" => Ok(Statement::Drop(name)),
            _ => {
                self.expect_word("STATE")?;
                self.expect("=")?;
                match self.word()?.to_ascii_uppercase().as_str() {
                    "START" => Ok(Statement::Start(name)),
                    "STOP" => Ok(Statement::Stop(name)),
                    other => Err(syntax(other)),
                }
            }
        }
    }

    fn create(&mut self, name: String) -> Result<EventSession, SqlError> {
        let mut s = EventSession {
            id: 0,
            name,
            events: Vec::new(),
            filename: String::new(),
            max_dispatch_latency_s: 30,
            startup_state: false,
            running: None,
        };
        loop {
            self.eat(",");
            if self.is_word("ADD") {
                self.at += 1;
                if self.is_word("EVENT") {
                    self.at += 1;
                    s.events.push(self.event()?);
                } else {
                    self.expect_word("TARGET")?;
                    s.filename = self.target()?;
                }
            } else if self.is_word("WITH") {
                self.at += 1;
                self.options(&mut s)?;
            } else if self.eat(";") || self.peek().is_none() {
                break;
            } else {
                return Err(syntax(&self.peek().map(Tok::text).unwrap_or_default()));
            }
        }
        if s.events.is_empty() {
            return Err(SqlError::new(25713, 16, "The event session must have at least one event."));
        }
        if s.filename.is_empty() {
            return Err(SqlError::unsupported("an event session without an event_file target"));
        }
        Ok(s)
    }

    fn event(&mut self) -> Result<EventSpec, SqlError> {
        let name = self.dotted()?.to_ascii_lowercase();
        if !EVENTS.contains(&name.as_str()) {
            return Err(SqlError::new(
                25623,
                16,
                format!("The event name, \"sqlserver.{name}\", is invalid, or the object could not be found"),
            ));
        }
        let mut spec = EventSpec { name, actions: Vec::new(), predicate: None, collect_options_text: false };
        if !self.eat("(") {
            return Ok(spec);
        }
        while !self.eat(")") {
            if self.is_word("SET") {
                self.at += 1;
                let start = self.at;
                self.skip_assignments();
                // The one customisation the events here honour.
                spec.collect_options_text |= self.toks[start..self.at].windows(4).any(|w| {
                    matches!(&w[0], Tok::Word(n) if n.eq_ignore_ascii_case("collect_options_text"))
                        && w[1..].iter().any(|t| t.text() == "1")
                });
            } else if self.is_word("ACTION") {
                self.at += 1;
                self.expect("(")?;
                while !self.eat(")") {
                    self.eat(",");
                    spec.actions.push(self.dotted()?.to_ascii_lowercase());
                }
            } else if self.is_word("WHERE") {
                self.at += 1;
                let (predicate, used): (Predicate, usize) = parse_predicate(&self.toks[self.at..])?;
                self.at += used;
                spec.predicate = Some(predicate);
            } else {
                return Err(syntax(&self.peek().map(Tok::text).unwrap_or_default()));
            }
        }
        Ok(spec)
    }

    /// `SET a = (1), b = N'x'`: skipped (event customisations and unknown target options).
    fn skip_assignments(&mut self) {
        while let Some(t) = self.peek() {
            if matches!(t, Tok::Word(w) if w.eq_ignore_ascii_case("ACTION") || w.eq_ignore_ascii_case("WHERE"))
                || matches!(t, Tok::Punct(p) if p == ")")
            {
                break;
            }
            self.at += 1;
            if matches!(self.toks.get(self.at - 1), Some(Tok::Punct(p)) if p == "(") {
                self.skip_group();
            }
        }
    }

    fn skip_group(&mut self) {
        let mut depth = 1;
        while let Some(t) = self.next() {
            match t {
                Tok::Punct(p) if p == "(" => depth += 1,
                Tok::Punct(p) if p == ")" => {
                    depth -= 1;
                    if depth == 0 {
                        return;
                    }
                }
                _ => {}
            }
        }
    }

    fn target(&mut self) -> Result<String, SqlError> {
        let target = self.dotted()?.to_ascii_lowercase();
        if target != "event_file" {
            return Err(SqlError::unsupported(&format!("the {target} target (use package0.event_file)")));
        }
        let mut filename = String::new();
        self.expect("(")?;
        while !self.eat(")") {
            self.eat(",");
            self.eat_word("SET");
            let key = self.word()?.to_ascii_lowercase();
            self.expect("=")?;
            let value = self.value()?;
            if key == "filename" {
                filename = value;
            }
        }
        if filename.is_empty() {
            return Err(SqlError::new(
                25629,
                16,
                "For target, \"package0.event_file\", the customizable attribute, \"filename\", does not exist.",
            ));
        }
        Ok(filename)
    }

    fn eat_word(&mut self, w: &str) {
        if self.is_word(w) {
            self.at += 1;
        }
    }

    /// `N'x'`, `(5)`, `5`, `ON`.
    fn value(&mut self) -> Result<String, SqlError> {
        let parenthesised = self.eat("(");
        let v = match self.next() {
            Some(Tok::Str(s)) | Some(Tok::Word(s)) | Some(Tok::Num(s)) => s,
            Some(t) => return Err(syntax(&t.text())),
            None => return Err(syntax("end of batch")),
        };
        if parenthesised {
            self.expect(")")?;
        }
        Ok(v)
    }

    fn options(&mut self, s: &mut EventSession) -> Result<(), SqlError> {
        self.expect("(")?;
        while !self.eat(")") {
            self.eat(",");
            let key = self.word()?.to_ascii_uppercase();
            self.expect("=")?;
            let value = self.value()?;
            match key.as_str() {
                "MAX_DISPATCH_LATENCY" => {
                    s.max_dispatch_latency_s = value.parse().unwrap_or(30);
                    self.eat_word("SECONDS");
                }
                "STARTUP_STATE" => s.startup_state = value.eq_ignore_ascii_case("ON"),
                "MAX_MEMORY" | "MAX_EVENT_SIZE" => {
                    if let Some(Tok::Word(_)) = self.peek() {
                        self.at += 1;
                    }
                }
                _ => {}
            }
        }
        Ok(())
    }
}

/// The shared tokenizer's tokens (`engine::runtime::lexer`) as this parser reads them: names are
/// words, punctuation and operators are text, an unclosed string runs to the end.
pub(crate) fn tokenize(sql: &str) -> Vec<Tok> {
    lexer::tokenize_lenient(sql)
        .into_iter()
        .map(|t| match t {
            Lexed::Word(s) | Lexed::Name(s) => Tok::Word(s),
            Lexed::Str(s) => Tok::Str(s),
            Lexed::Num(s) => Tok::Num(s),
            Lexed::Punct(c) => Tok::Punct(c.to_string()),
            Lexed::Op(op) => Tok::Punct(op.to_string()),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_capture_session() {
        let sql = "CREATE EVENT SESSION [cutover_capture_1] ON SERVER \
            ADD EVENT sqlserver.rpc_completed (SET collect_statement = (1) \
              ACTION (sqlserver.session_id, sqlserver.database_name, sqlserver.client_app_name) \
              WHERE ([sqlserver].[session_id] <> (53) AND [duration] >= (1000))), \
            ADD EVENT sqlserver.sql_batch_completed (ACTION (sqlserver.session_id)), \
            ADD EVENT sqlserver.login (SET collect_options_text = (1) ACTION (sqlserver.session_id)) \
            ADD TARGET package0.event_file (SET filename = N'C:\\xe\\cap.xel', max_file_size = (100)) \
            WITH (MAX_DISPATCH_LATENCY = 1 SECONDS, STARTUP_STATE = OFF)";
        let Some(Ok(Statement::Create(s))) = parse(sql) else { panic!("parsed: {:?}", parse(sql)) };
        assert_eq!(s.name, "cutover_capture_1");
        assert_eq!(s.events.len(), 3);
        assert_eq!(s.events[0].actions, ["session_id", "database_name", "client_app_name"]);
        assert!(s.events[2].collect_options_text && !s.events[0].collect_options_text);
        assert!(s.events[0].predicate.is_some());
        assert_eq!(s.filename, "C:\\xe\\cap.xel");
        assert_eq!(s.max_dispatch_latency_s, 1);
    }

    #[test]
    fn reads_state_changes_and_drops() {
        assert!(
            matches!(parse("ALTER EVENT SESSION x ON SERVER STATE = START"), Some(Ok(Statement::Start(n))) if n == "x")
        );
        assert!(matches!(
            parse("alter event session [x] on server state=stop;"),
            Some(Ok(Statement::Stop(_)))
        ));
        assert!(matches!(parse("DROP EVENT SESSION x ON SERVER"), Some(Ok(Statement::Drop(_)))));
        assert!(matches!(
            parse("CREATE CREDENTIAL [https://a.blob.core.windows.net/xe] WITH IDENTITY = 'SHARED ACCESS SIGNATURE', SECRET = 'sv=x'"),
            Some(Ok(Statement::CreateCredential(n))) if n == "https://a.blob.core.windows.net/xe"
        ));
        assert!(parse("SELECT 1").is_none());
        assert!(
            matches!(parse("CREATE EVENT SESSION x ON SERVER ADD EVENT sqlserver.lock_acquired"), Some(Err(e)) if e.number == 25623)
        );
    }
}
