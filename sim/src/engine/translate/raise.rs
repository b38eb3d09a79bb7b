//! `RAISERROR ( msg_id | msg_str | @local_variable, severity, state [, argument …] )
//! [WITH LOG | NOWAIT | SETERROR …]` and `THROW number, message, state`, parsed and translated
//! as "RAISERROR (Transact-SQL)" and "THROW (Transact-SQL)" describe them. Every argument is a
//! constant or a variable (an expression is a syntax error there, as on SQL Server); the
//! values are read and checked when the statement runs (`runtime::raise`).

use sqlparser::ast::{Expr, UnaryOperator, Value};
use sqlparser::parser::Parser;
use sqlparser::tokenizer::Token;

use super::batch::Parse;
use super::scope::Tr;
use crate::engine::{RaiseArg, RaiseStep, Step};
use crate::error::SqlError;
use crate::types::SqlType;

/// RAISERROR's WITH options.
#[derive(Clone, Debug, Default)]
pub(super) struct RaiseOptions {
    log: bool,
    nowait: bool,
    seterror: bool,
}

/// Reads `RAISERROR ( … ) [WITH …]`, the parser at RAISERROR.
pub(super) fn parse_raiserror(p: &mut Parser<'_>) -> Result<(Vec<Expr>, RaiseOptions), Parse> {
    p.next_token();
    p.expect_token(&Token::LParen)?;
    let mut args = vec![constant_or_variable(p)?];
    while p.consume_token(&Token::Comma) {
        args.push(constant_or_variable(p)?);
    }
    p.expect_token(&Token::RParen)?;
    if args.len() < 3 {
        return Err(Parse::Sql(SqlError::syntax(")")));
    }
    let mut options = RaiseOptions::default();
    if p.parse_keyword(sqlparser::keywords::Keyword::WITH) {
        loop {
            let tok = p.next_token();
            match &tok.token {
                Token::Word(w) if w.value.eq_ignore_ascii_case("LOG") => options.log = true,
                Token::Word(w) if w.value.eq_ignore_ascii_case("NOWAIT") => options.nowait = true,
                Token::Word(w) if w.value.eq_ignore_ascii_case("SETERROR") => options.seterror = true,
                other => return Err(Parse::Sql(SqlError::syntax(&other.to_string()))),
            }
            if !p.consume_token(&Token::Comma) {
                break;
            }
        }
    }
    Ok((args, options))
}

/// Reads `THROW number, message, state`, the parser at THROW. `THROW` alone re-raises the error
/// of a CATCH block; outside one it is SQL Server's compile error 10704.
pub(super) fn parse_throw(p: &mut Parser<'_>) -> Result<Vec<Expr>, Parse> {
    p.next_token();
    if matches!(p.peek_token().token, Token::SemiColon | Token::EOF) {
        return Err(Parse::Sql(SqlError::new(
            10704,
            15,
            "To rethrow an error, a THROW statement must be used inside a CATCH block. Insert the THROW statement inside a CATCH block, or add error parameters to the THROW statement.",
        )));
    }
    let mut args = vec![constant_or_variable(p)?];
    for _ in 0..2 {
        p.expect_token(&Token::Comma)?;
        args.push(constant_or_variable(p)?);
    }
    Ok(args)
}

/// A constant (optionally signed) or a `@variable`; anything else is 102 near it.
fn constant_or_variable(p: &mut Parser<'_>) -> Result<Expr, Parse> {
    let e = p.parse_expr()?;
    let ok = match &e {
        Expr::Value(_) => true,
        Expr::Identifier(i) => i.quote_style.is_none() && i.value.starts_with('@'),
        Expr::UnaryOp { op: UnaryOperator::Minus | UnaryOperator::Plus, expr } => {
            matches!(expr.as_ref(), Expr::Value(v) if matches!(v.value, Value::Number(..)))
        }
        _ => false,
    };
    if ok { Ok(e) } else { Err(Parse::Sql(SqlError::syntax(&e.to_string()))) }
}

impl Tr<'_> {
    pub fn raiserror(&mut self, args: &[Expr], options: &RaiseOptions) -> Result<Step, SqlError> {
        if args.len() > 23 {
            // Sys.messages 2747, class 16.
            return Err(SqlError::new(
                2747,
                16,
                "Too many substitution parameters for RAISERROR. Cannot exceed 20 substitution parameters.",
            ));
        }
        let message = self.expr(&args[0])?;
        let by_id = match message.ty {
            Some(t) if t.is_character() => false,
            Some(SqlType::TinyInt | SqlType::SmallInt | SqlType::Int | SqlType::BigInt) => true,
            Some(SqlType::Decimal { scale: 0, .. }) => true,
            _ => {
                return Err(SqlError::unsupported(
                    "RAISERROR with a message that is neither a number nor a string",
                ));
            }
        };
        let severity = self.expr(&args[1])?.sql;
        let state = self.expr(&args[2])?.sql;
        let mut subs = Vec::with_capacity(args.len() - 3);
        for (i, arg) in args[3..].iter().enumerate() {
            let ex = self.expr(arg)?;
            // "RAISERROR": arguments are tinyint, smallint, int, char, varchar, nchar,
            // nvarchar, binary or varbinary (bigint for %I64d); others are 2748.
            let kind = match ex.ty {
                None => RaiseArg::Null,
                Some(SqlType::TinyInt | SqlType::SmallInt | SqlType::Int) => RaiseArg::Int,
                Some(SqlType::BigInt) => RaiseArg::BigInt,
                Some(t) if t.is_character() => RaiseArg::Text,
                Some(SqlType::Binary(_) | SqlType::VarBinary(_)) => {
                    return Err(SqlError::unsupported("RAISERROR with a binary substitution argument"));
                }
                Some(t) => {
                    return Err(SqlError::new(
                        2748,
                        16,
                        format!(
                            "Cannot specify {} data type (parameter {}) as a substitution parameter.",
                            t.name(),
                            i + 4
                        ),
                    ));
                }
            };
            subs.push((ex.sql, kind));
        }
        Ok(Step::Raise(Box::new(RaiseStep {
            message: message.sql,
            by_id,
            severity,
            state,
            args: subs,
            log: options.log,
            nowait: options.nowait,
            seterror: options.seterror,
        })))
    }

    pub fn throw(&mut self, args: &[Expr]) -> Result<Step, SqlError> {
        let number = self.expr(&args[0])?.sql;
        let message = self.expr(&args[1])?.sql;
        let state = self.expr(&args[2])?.sql;
        Ok(Step::Throw { number, message, state })
    }
}
