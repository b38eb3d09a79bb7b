//! Expressions: literals, names, operators, predicates, CASE, CAST/CONVERT, subqueries.
//!
//! Every T-SQL expression becomes an [`Ex`]: SQLite text plus the SQL Server type it has.
//! Where SQLite's semantics differ, the construct is rewritten: `+` on strings is `||`,
//! division by a non-integer is done in floating point, character comparisons get
//! `COLLATE tsql_ci`, LIKE is `tsql_like` (T-SQL patterns, case-insensitive), values compared
//! with dates or GUIDs are converted to their storage form first.

use sqlparser::ast::{BinaryOperator, CastKind, DataType, Expr, Ident, InTarget, UnaryOperator, Value};

use super::scope::{Ex, Lit, Tr, literal};
use super::types::{self, Arith};
use crate::engine::runtime::lexer::{self, Kind};
use crate::error::SqlError;
use crate::types::{Len, SqlType};

/// SQLite text for `ex` compared under SQL Server's default collation.
pub(super) fn collate(ex: &Ex) -> String {
    format!("({}) COLLATE tsql_ci", ex.sql)
}

impl Tr<'_> {
    pub fn expr(&mut self, e: &Expr) -> Result<Ex, SqlError> {
        match e {
            Expr::Identifier(i) => self.identifier(std::slice::from_ref(i)),
            Expr::CompoundIdentifier(parts) => self.identifier(parts),
            Expr::Value(v) => value(&v.value),
            Expr::Nested(inner) => {
                let mut ex = self.expr(inner)?;
                ex.sql = format!("({})", ex.sql);
                ex.column = false;
                Ok(ex)
            }
            Expr::BinaryOp { left, op, right } => self.binary(left, op, right),
            Expr::UnaryOp { op, expr } => self.unary(op, expr),
            Expr::IsNull(inner) => self.predicate(inner, "IS NULL"),
            Expr::IsNotNull(inner) => self.predicate(inner, "IS NOT NULL"),
            Expr::IsDistinctFrom(a, b) | Expr::IsNotDistinctFrom(a, b) => {
                let (l, r) = (self.expr(a)?, self.expr(b)?);
                let op = if matches!(e, Expr::IsDistinctFrom(..)) { "IS NOT" } else { "IS" };
                Ok(self.compare(l, op, r))
            }
            Expr::Between { expr, negated, low, high } => {
                let x = self.expr(expr)?;
                let (lo, hi) = (self.expr(low)?, self.expr(high)?);
                let lo = self.coerce_for_compare(&x, lo);
                let hi = self.coerce_for_compare(&x, hi);
                let x = self.coerce_for_compare(&lo, x);
                let not = if *negated { "NOT " } else { "" };
                if exact_compare(&x, &lo) || exact_compare(&x, &hi) {
                    let sql = format!(
                        "{not}(tsql_dec_cmp({x}, {lo}) >= 0 AND tsql_dec_cmp({x}, {hi}) <= 0)",
                        x = x.sql,
                        lo = lo.sql,
                        hi = hi.sql
                    );
                    return Ok(Ex::new(sql, None, true));
                }
                let xs = if x.is_char() && !x.collated && !lo.collated { collate(&x) } else { x.sql };
                Ok(Ex::new(format!("{xs} {not}BETWEEN {} AND {}", lo.sql, hi.sql), None, true))
            }
            Expr::In { expr, target, negated, .. } => self.in_(expr, target, *negated),
            Expr::Like { negated, expr, pattern, escape_char, any: false } => {
                let x = self.expr(expr)?;
                let p = self.expr(pattern)?;
                let esc = match escape_char {
                    Some(e) => self.expr(e)?.sql,
                    None => "NULL".to_string(),
                };
                let not = if *negated { "NOT " } else { "" };
                Ok(Ex::new(format!("{not}tsql_like({}, {}, {esc})", x.sql, p.sql), None, true))
            }
            Expr::Case { operand, conditions, else_result, .. } => {
                self.case(operand.as_deref(), conditions, else_result.as_deref())
            }
            Expr::Cast { kind, expr, data_type, format: None } => {
                let target = cast_target(data_type)?;
                let x = self.expr(expr)?;
                let try_ = !matches!(kind, CastKind::Cast | CastKind::DoubleColon);
                Ok(self.convert(x, target, None, try_))
            }
            Expr::Convert { is_try, expr, data_type: Some(dt), charset: None, styles, .. } => {
                let target = cast_target(dt)?;
                let x = self.expr(expr)?;
                let style = match styles.first() {
                    Some(s) => Some(self.expr(s)?),
                    None => None,
                };
                Ok(self.convert(x, target, style.as_ref(), *is_try))
            }
            Expr::Collate { expr, collation } => {
                let x = self.expr(expr)?;
                let name = collation.to_string().to_ascii_uppercase();
                let sqlite = if name.contains("_CS") || name.contains("_BIN") { "BINARY" } else { "tsql_ci" };
                let mut out = Ex::new(format!("({}) COLLATE {sqlite}", x.sql), x.ty, x.nullable);
                out.collated = true;
                Ok(out)
            }
            Expr::Function(f) => self.function(f),
            Expr::Substring { expr, substring_from, substring_for, .. } => {
                let x = self.expr(expr)?;
                let from = match substring_from {
                    Some(f) => self.expr(f)?.sql,
                    None => "1".to_string(),
                };
                let len = match substring_for {
                    Some(f) => self.expr(f)?.sql,
                    None => {
                        return Err(SqlError::new(174, 15, "The substring function requires 3 argument(s)."));
                    }
                };
                let ty = x.ty.map(|t| match t {
                    SqlType::Char(n) => SqlType::VarChar(Len::N(n)),
                    SqlType::NChar(n) => SqlType::NVarChar(Len::N(n)),
                    SqlType::Binary(n) => SqlType::VarBinary(Len::N(n)),
                    SqlType::Text => SqlType::VarChar(Len::Max),
                    SqlType::NText => SqlType::NVarChar(Len::Max),
                    other => other,
                });
                Ok(Ex::new(format!("tsql_substring({}, {from}, {len})", x.sql), ty, true))
            }
            Expr::Trim { expr, trim_where: None, trim_what: None, trim_characters } => {
                let x = self.expr(expr)?;
                let chars = match trim_characters.as_deref() {
                    Some([c]) => self.expr(c)?.sql,
                    Some(_) => return Err(SqlError::unsupported("TRIM with several character lists")),
                    None => "' '".to_string(),
                };
                Ok(Ex::new(format!("trim({}, {chars})", x.sql), x.ty, x.nullable))
            }
            Expr::Trim { expr, trim_what: Some(what), trim_where, .. } => {
                let x = self.expr(expr)?;
                let w = self.expr(what)?;
                let f = match trim_where {
                    Some(sqlparser::ast::TrimWhereField::Leading) => "ltrim",
                    Some(sqlparser::ast::TrimWhereField::Trailing) => "rtrim",
                    _ => "trim",
                };
                Ok(Ex::new(format!("{f}({}, {})", x.sql, w.sql), x.ty, x.nullable))
            }
            Expr::Ceil { expr, .. } | Expr::Floor { expr, .. } => {
                let x = self.expr(expr)?;
                let f = if matches!(e, Expr::Ceil { .. }) { "tsql_ceiling" } else { "tsql_floor" };
                Ok(Ex::new(format!("{f}({})", x.sql), x.ty.map(rounding_type), x.nullable))
            }
            Expr::Exists { subquery, negated } => {
                let (sql, _) = self.subquery(subquery)?;
                let not = if *negated { "NOT " } else { "" };
                Ok(Ex::new(format!("{not}EXISTS ({sql})"), None, false))
            }
            Expr::Subquery(q) => {
                let (sql, cols) = self.subquery(q)?;
                if cols.len() != 1 {
                    return Err(SqlError::new(
                        116,
                        16,
                        "Only one expression can be specified in the select list when the subquery is not introduced with EXISTS.",
                    ));
                }
                Ok(Ex::new(format!("({sql})"), cols[0].ty, true))
            }
            Expr::TypedString(ts) => {
                let target = cast_target(&ts.data_type)?;
                let x = value(&ts.value.value)?;
                Ok(self.convert(x, target, None, false))
            }
            Expr::Wildcard(_) | Expr::QualifiedWildcard(..) => Err(SqlError::syntax("*")),
            other => Err(SqlError::unsupported(&describe(other))),
        }
    }

    /// Variables (`@x`), globals (`@@VERSION`), niladic functions and column references.
    fn identifier(&mut self, parts: &[Ident]) -> Result<Ex, SqlError> {
        if let [one] = parts {
            let v = &one.value;
            if let Some(global) = v.strip_prefix("@@") {
                let ty = types::global_variable_type(global)
                    .ok_or_else(|| SqlError::unsupported(&format!("@@{global}")))?;
                let name = if global.eq_ignore_ascii_case("IDENTITY") { "IDENTITY" } else { global };
                return Ok(Ex::new(
                    format!("tsql_global({})", literal(&name.to_ascii_uppercase())),
                    Some(ty),
                    true,
                ));
            }
            if v.starts_with('@') {
                let ty = self.cat.variable_type(v).ok_or_else(|| SqlError::undeclared_variable(v))?;
                return Ok(Ex::new(v.clone(), Some(ty), true));
            }
            if one.quote_style.is_none() {
                let nv128 = Some(SqlType::NVarChar(Len::N(128)));
                match v.to_ascii_uppercase().as_str() {
                    "CURRENT_USER" | "SESSION_USER" | "USER" => {
                        return Ok(Ex::new("tsql_user_name(NULL)", nv128, false));
                    }
                    "SYSTEM_USER" => return Ok(Ex::new("tsql_suser_sname()", nv128, false)),
                    "CURRENT_TIMESTAMP" => {
                        return Ok(Ex::new("tsql_getdate()", Some(SqlType::DateTime), false));
                    }
                    "NULL" => return value(&Value::Null),
                    _ => {}
                }
            }
        }
        self.column(parts)
    }

    fn predicate(&mut self, inner: &Expr, op: &str) -> Result<Ex, SqlError> {
        let x = self.expr(inner)?;
        Ok(Ex::new(format!("{} {op}", x.sql), None, false))
    }

    fn unary(&mut self, op: &UnaryOperator, inner: &Expr) -> Result<Ex, SqlError> {
        let x = self.expr(inner)?;
        Ok(match op {
            UnaryOperator::Minus => match &x.lit {
                Some(Lit::Num(n)) => {
                    let negated = n.strip_prefix('-').map_or_else(|| format!("-{n}"), str::to_string);
                    number(&negated)
                }
                _ if x.is_decimal() => {
                    let ty = x.ty.map(|t| t.to_sql()).unwrap_or_default();
                    Ex::new(format!("tsql_dec('neg', {}, NULL, {})", x.sql, literal(&ty)), x.ty, x.nullable)
                }
                _ => Ex::new(format!("-{}", x.sql), x.ty, x.nullable),
            },
            UnaryOperator::Plus => x,
            UnaryOperator::Not => Ex::new(format!("NOT {}", x.sql), None, false),
            UnaryOperator::BitwiseNot => Ex::new(format!("~{}", x.sql), x.ty, x.nullable),
            other => return Err(SqlError::unsupported(&format!("unary operator {other}"))),
        })
    }

    fn binary(&mut self, left: &Expr, op: &BinaryOperator, right: &Expr) -> Result<Ex, SqlError> {
        let l = self.expr(left)?;
        let r = self.expr(right)?;
        let cmp = |o: &str| Some(o.to_string());
        let comparison = match op {
            BinaryOperator::Eq => cmp("="),
            BinaryOperator::NotEq => cmp("<>"),
            BinaryOperator::Lt => cmp("<"),
            BinaryOperator::LtEq => cmp("<="),
            BinaryOperator::Gt => cmp(">"),
            BinaryOperator::GtEq => cmp(">="),
            _ => None,
        };
        if let Some(o) = comparison {
            return Ok(self.compare(l, &o, r));
        }
        match op {
            BinaryOperator::And | BinaryOperator::Or => {
                let o = if matches!(op, BinaryOperator::And) { "AND" } else { "OR" };
                Ok(Ex::new(format!("{} {o} {}", l.sql, r.sql), None, false))
            }
            BinaryOperator::Plus => Ok(self.plus(l, r)),
            BinaryOperator::Minus => Ok(self.arith(Arith::Sub, "-", l, r)),
            BinaryOperator::Multiply => Ok(self.arith(Arith::Mul, "*", l, r)),
            BinaryOperator::Divide => Ok(self.arith(Arith::Div, "/", l, r)),
            BinaryOperator::Modulo => Ok(self.arith(Arith::Mod, "%", l, r)),
            BinaryOperator::BitwiseAnd | BinaryOperator::BitwiseOr | BinaryOperator::BitwiseXor => {
                let ty = match (l.ty, r.ty) {
                    (Some(a), Some(b)) => {
                        Some(if types::precedence(&a) >= types::precedence(&b) { a } else { b })
                    }
                    (a, b) => a.or(b),
                };
                let sql = match op {
                    BinaryOperator::BitwiseAnd => format!("({} & {})", l.sql, r.sql),
                    BinaryOperator::BitwiseOr => format!("({} | {})", l.sql, r.sql),
                    _ => format!("(({a} | {b}) - ({a} & {b}))", a = l.sql, b = r.sql),
                };
                Ok(Ex::new(sql, ty, l.nullable || r.nullable))
            }
            other => Err(SqlError::unsupported(&format!("operator {other}"))),
        }
    }

    /// `+`: concatenation when the result type is a string, date arithmetic on datetimes,
    /// addition otherwise.
    fn plus(&mut self, l: Ex, r: Ex) -> Ex {
        let nullable = l.nullable || r.nullable;
        let bin = |e: &Ex| e.ty.as_ref().is_some_and(types::is_binary);
        if (bin(&l) || l.ty.is_none()) && (bin(&r) || r.ty.is_none()) && (bin(&l) || bin(&r)) {
            // binary + binary concatenates the bytes (SQLite's || would read them as text).
            let len = match (l.ty.as_ref().and_then(types::char_len), r.ty.as_ref().and_then(types::char_len))
            {
                (Some(a), Some(b)) if a + b <= 8000 => Len::N((a + b) as u16),
                _ => Len::Max,
            };
            // A chain `a + b + c` becomes one call: one copy of the bytes, not one per `+`.
            let args = |e: &Ex| binconcat_args(&e.sql).unwrap_or(&e.sql).to_string();
            let sql = format!("tsql_binconcat({}, {})", args(&l), args(&r));
            return Ex::new(sql, Some(SqlType::VarBinary(len)), nullable);
        }
        let char_l = l.is_char() || (l.ty.is_none() && r.is_char());
        let char_r = r.is_char() || (r.ty.is_none() && l.is_char());
        if char_l && char_r {
            let ty = match (l.ty, r.ty) {
                (Some(a), Some(b)) => Some(types::concat_type(&a, &b)),
                (a, b) => a.or(b).map(|t| types::string_type(t.is_unicode(), None)),
            };
            return Ex::new(format!("({} || {})", l.sql, r.sql), ty, nullable);
        }
        if let Some(t) = l.ty.filter(SqlType::is_temporal)
            && r.ty.is_some_and(|t| types::is_numeric(&t))
        {
            return Ex::new(
                format!("tsql_dateadd('day', {}, {}, {})", r.sql, l.sql, literal(&t.to_sql())),
                Some(t),
                nullable,
            );
        }
        self.arith(Arith::Add, "+", l, r)
    }

    fn arith(&mut self, op: Arith, sym: &str, l: Ex, r: Ex) -> Ex {
        let nullable = l.nullable || r.nullable || matches!(op, Arith::Div | Arith::Mod);
        if op == Arith::Sub
            && let Some(t) = l.ty.filter(SqlType::is_temporal)
            && r.ty.is_some_and(|t| types::is_numeric(&t))
        {
            return Ex::new(
                format!("tsql_dateadd('day', -({}), {}, {})", r.sql, l.sql, literal(&t.to_sql())),
                Some(t),
                nullable,
            );
        }
        // A string operand of arithmetic converts to the other side's numeric type.
        let (l, r) = match (l.ty, r.ty) {
            (Some(a), Some(b)) if a.is_character() && types::is_numeric(&b) => (self.coerce(l, b), r),
            (Some(a), Some(b)) if b.is_character() && types::is_numeric(&a) => (l, self.coerce(r, a)),
            _ => (l, r),
        };
        let ty = match (l.ty, r.ty) {
            (Some(a), Some(b)) => Some(types::arithmetic(op, &a, &b)),
            (a, b) => a.or(b),
        };
        let integer = |t: Option<SqlType>| t.is_some_and(|t| t.is_integer() || t == SqlType::Bit);
        let ints = integer(l.ty) && integer(r.ty);
        let exact = |t: Option<SqlType>| t.as_ref().is_some_and(types::is_exact_numeric);
        if exact(l.ty) && exact(r.ty) && ty.as_ref().is_some_and(types::is_exact_decimal) {
            // decimal and money arithmetic is exact at the result's precision and scale.
            let ty_text = ty.map(|t| t.to_sql()).unwrap_or_default();
            let sql = format!("tsql_dec('{sym}', {}, {}, {})", l.sql, r.sql, literal(&ty_text));
            return Ex::new(sql, ty, nullable);
        }
        let sql = match op {
            Arith::Div if ints => format!("tsql_div_check({} / {}, {})", l.sql, r.sql, r.sql),
            Arith::Div => format!("tsql_div_check(CAST({} AS REAL) / {}, {})", l.sql, r.sql, r.sql),
            Arith::Mod if ints => format!("tsql_div_check({} % {}, {})", l.sql, r.sql, r.sql),
            Arith::Mod => format!("tsql_mod({}, {})", l.sql, r.sql),
            _ => format!("({} {sym} {})", l.sql, r.sql),
        };
        Ex::new(sql, ty, nullable)
    }

    /// A comparison, with SQL Server's implicit conversion of the lower-precedence side and
    /// its case-insensitive collation for strings.
    pub fn compare(&mut self, l: Ex, op: &str, r: Ex) -> Ex {
        let r = self.coerce_for_compare(&l, r);
        let l = self.coerce_for_compare(&r, l);
        if exact_compare(&l, &r) {
            return Ex::new(format!("tsql_dec_cmp({}, {}) {op} 0", l.sql, r.sql), None, false);
        }
        let char_cmp = (l.is_char() || r.is_char()) && !(l.collated || r.collated);
        let ls = if char_cmp { collate(&l) } else { l.sql.clone() };
        Ex::new(format!("{ls} {op} {}", r.sql), None, false)
    }

    /// Converts `x` to `other`'s type when SQL Server would (a string compared with a date,
    /// a GUID or a number), so SQLite compares storage forms.
    pub fn coerce_for_compare(&mut self, other: &Ex, x: Ex) -> Ex {
        match (other.ty, x.ty) {
            (Some(o), Some(t))
                if t.is_character()
                    && !o.is_character()
                    && (o.is_temporal() || o == SqlType::UniqueIdentifier || types::is_numeric(&o)) =>
            {
                self.coerce(x, o)
            }
            _ => x,
        }
    }

    fn in_(&mut self, expr: &Expr, target: &InTarget, negated: bool) -> Result<Ex, SqlError> {
        let x = self.expr(expr)?;
        let not = if negated { "NOT " } else { "" };
        let body = match target {
            InTarget::List(items) => {
                let mut parts = Vec::new();
                let mut any_collated = x.collated;
                for item in items {
                    let v = self.expr(item)?;
                    let v = self.coerce_for_compare(&x, v);
                    any_collated |= v.collated;
                    parts.push(v.sql);
                }
                let xs = if x.is_char() && !any_collated { collate(&x) } else { x.sql.clone() };
                return Ok(Ex::new(format!("{xs} {not}IN ({})", parts.join(", ")), None, false));
            }
            InTarget::Subquery(q) => self.subquery(q)?.0,
            _ => return Err(SqlError::unsupported("IN over UNNEST or a table")),
        };
        let xs = if x.is_char() && !x.collated { collate(&x) } else { x.sql };
        Ok(Ex::new(format!("{xs} {not}IN ({body})"), None, false))
    }

    fn case(
        &mut self,
        operand: Option<&Expr>,
        conditions: &[sqlparser::ast::CaseWhen],
        else_result: Option<&Expr>,
    ) -> Result<Ex, SqlError> {
        let op = match operand {
            Some(o) => Some(self.expr(o)?),
            None => None,
        };
        let mut sql = String::from("CASE");
        if let Some(o) = &op {
            let os = if o.is_char() && !o.collated { collate(o) } else { o.sql.clone() };
            sql.push_str(&format!(" {os}"));
        }
        let mut results = Vec::new();
        let mut whens = Vec::new();
        for w in conditions {
            let cond = self.expr(&w.condition)?;
            let cond = match &op {
                Some(o) => self.coerce_for_compare(o, cond),
                None => cond,
            };
            whens.push(cond.sql);
            results.push(self.expr(&w.result)?);
        }
        let else_ex = match else_result {
            Some(e) => Some(self.expr(e)?),
            None => None,
        };
        let ty = results
            .iter()
            .chain(else_ex.iter())
            .filter(|e| e.lit != Some(Lit::Null))
            .filter_map(|e| e.ty)
            .reduce(|a, b| types::combine(&a, &b));
        let ty = ty.or(Some(SqlType::Int));
        let nullable = else_ex.is_none() || results.iter().chain(else_ex.iter()).any(|e| e.nullable);
        for (cond, res) in whens.into_iter().zip(results) {
            let res = self.coerce_opt(res, ty);
            sql.push_str(&format!(" WHEN {cond} THEN {}", res.sql));
        }
        if let Some(e) = else_ex {
            let e = self.coerce_opt(e, ty);
            sql.push_str(&format!(" ELSE {}", e.sql));
        }
        sql.push_str(" END");
        Ok(Ex::new(sql, ty, nullable))
    }

    /// Coerces a branch of CASE/COALESCE to the combined type when its storage differs.
    pub fn coerce_opt(&mut self, x: Ex, ty: Option<SqlType>) -> Ex {
        match (x.ty, ty) {
            (Some(t), Some(target)) if needs_storage_change(&t, &target) => self.coerce(x, target),
            _ => x,
        }
    }

    /// `x` in the storage form of `target` (for INSERT/UPDATE values, variables, comparisons):
    /// unchanged when the storage already agrees, else `tsql_convert`.
    pub fn coerce(&mut self, x: Ex, target: SqlType) -> Ex {
        if x.lit == Some(Lit::Null) {
            return Ex::new("NULL", Some(target), true);
        }
        match x.ty {
            Some(t) if !needs_storage_change(&t, &target) => x,
            _ if literal_fits(&x, &target) => x,
            _ => self.convert(x, target, None, false),
        }
    }

    /// CAST/CONVERT: inline where SQLite is exact, `tsql_convert` otherwise.
    pub fn convert(&mut self, x: Ex, target: SqlType, style: Option<&Ex>, try_: bool) -> Ex {
        let nullable = x.nullable || try_;
        if let Some(src) = x.ty
            && style.is_none()
        {
            let same_storage = src == target
                || (src.is_integer()
                    && target.is_integer()
                    && types::precedence(&target) >= types::precedence(&src));
            let inline = if same_storage {
                Some(x.sql.clone())
            } else if types::is_numeric(&src)
                && matches!(target, SqlType::Float | SqlType::Real)
                && src != SqlType::Bit
            {
                Some(format!("CAST({} AS REAL)", x.sql))
            } else if src.is_character()
                && target.is_character()
                && !matches!(target, SqlType::Char(_) | SqlType::NChar(_))
                && (types::char_len(&target).is_none()
                    || types::char_len(&src).is_some_and(|s| Some(s) <= types::char_len(&target)))
            {
                Some(x.sql.clone())
            } else {
                None
            };
            if let Some(sql) = inline {
                let mut out = Ex::new(sql, Some(target), nullable);
                out.lit = x.lit.clone();
                return out;
            }
        }
        let f = if try_ { "tsql_try_convert" } else { "tsql_convert" };
        let style_sql = style.map(|s| s.sql.clone()).unwrap_or_else(|| "NULL".to_string());
        let src = x.ty.map(|t| t.to_sql()).unwrap_or_default();
        let sql = format!("{f}({}, {}, {style_sql}, {})", literal(&target.to_sql()), x.sql, literal(&src));
        Ex::new(sql, Some(target), nullable)
    }
}

/// A number literal that a decimal or money target holds exactly as written (`0` for a
/// decimal(10,2) DEFAULT): no conversion needed.
fn literal_fits(x: &Ex, target: &SqlType) -> bool {
    let (Some(Lit::Num(n)), SqlType::Decimal { precision, scale }) = (&x.lit, target) else { return false };
    crate::types::decimal::Dec::parse(n).is_some_and(|d| {
        d.scale <= *scale
            && d.at_scale(*scale).is_some_and(|m| m.unsigned_abs() < 10u128.pow(u32::from(*precision)))
    })
}

/// True when `l` and `r` must be compared by `tsql_dec_cmp`: a decimal or money side whose
/// cells may be TEXT (beyond 15 digits) met by a number, where SQLite would order every number
/// before every text. A base decimal column compares natively (its text and the other side,
/// given TEXT affinity, meet under its `tsql_decimal` collation), unless the other side is a
/// column of another numeric type (then SQLite would compare doubles). float and real
/// operands compare as floats, as in SQL Server.
pub(super) fn exact_compare(l: &Ex, r: &Ex) -> bool {
    let numeric = |e: &Ex| e.ty.is_none_or(|t| types::is_exact_numeric(&t));
    if !(l.is_decimal() || r.is_decimal()) || !numeric(l) || !numeric(r) {
        return false;
    }
    let other_column = |e: &Ex| e.column && e.collated && !e.is_decimal();
    let native = (l.is_decimal_column() && !other_column(r)) || (r.is_decimal_column() && !other_column(l));
    !native
}

/// True when a value of `from` is stored differently from a value of `to`.
pub(super) fn needs_storage_change(from: &SqlType, to: &SqlType) -> bool {
    use SqlType as T;
    if from == to {
        return false;
    }
    let class = |t: &SqlType| -> u8 {
        match t {
            T::TinyInt | T::SmallInt | T::Int | T::BigInt => 1,
            T::Bit => 2,
            T::Real | T::Float => 3,
            T::Decimal { .. } | T::Money | T::SmallMoney => 4,
            t if t.is_character() => 5,
            t if types::is_binary(t) => 6,
            T::Date => 7,
            T::Time(_) => 8,
            T::DateTime | T::SmallDateTime | T::DateTime2(_) => 9,
            T::DateTimeOffset(_) => 10,
            T::UniqueIdentifier => 11,
            _ => 12,
        }
    };
    match (class(from), class(to)) {
        (5, 5) => matches!(to, T::Char(_) | T::NChar(_)),
        (1, 1) => types::precedence(to) < types::precedence(from),
        (1 | 4, 4) => !types::decimal_fits(from, to),
        (1 | 4, 3) => false,
        (9, 9) => !matches!(to, T::DateTime2(7)) || from.scale() > to.scale(),
        (a, b) => a != b,
    }
}

/// The type a CAST/CONVERT target names; character and binary types without a length are
/// 30 long in CAST and CONVERT (their declaration default is 1).
pub(super) fn cast_target(dt: &DataType) -> Result<SqlType, SqlError> {
    let text = dt.to_string();
    let ty = SqlType::parse(&text)
        .ok_or_else(|| SqlError::new(243, 16, format!("Type {text} is not a defined system type.")))?;
    if text.contains('(') {
        return Ok(ty);
    }
    Ok(match ty {
        SqlType::Char(_) => SqlType::Char(30),
        SqlType::NChar(_) => SqlType::NChar(30),
        SqlType::VarChar(_) => SqlType::VarChar(Len::N(30)),
        SqlType::NVarChar(_) => SqlType::NVarChar(Len::N(30)),
        SqlType::Binary(_) => SqlType::Binary(30),
        SqlType::VarBinary(_) => SqlType::VarBinary(Len::N(30)),
        other => other,
    })
}

/// FLOOR/CEILING/ROUND keep integer and money types; decimals keep their precision at scale 0.
pub(super) fn rounding_type(t: SqlType) -> SqlType {
    match t {
        SqlType::Decimal { precision, .. } => SqlType::Decimal { precision, scale: 0 },
        SqlType::Bit | SqlType::TinyInt | SqlType::SmallInt | SqlType::Int | SqlType::BigInt => t,
        SqlType::Money | SqlType::SmallMoney | SqlType::Real => t,
        _ => SqlType::Float,
    }
}

/// A literal value.
pub(super) fn value(v: &Value) -> Result<Ex, SqlError> {
    Ok(match v {
        Value::Number(n, _) => number(n),
        Value::SingleQuotedString(s) => {
            let mut ex =
                Ex::new(literal(s), Some(types::string_type(false, Some(s.chars().count() as u32))), false);
            ex.lit = Some(Lit::Str(s.clone()));
            ex
        }
        Value::NationalStringLiteral(s) => {
            let units = s.encode_utf16().count() as u32;
            let mut ex = Ex::new(literal(s), Some(types::string_type(true, Some(units))), false);
            ex.lit = Some(Lit::Str(s.clone()));
            ex
        }
        Value::HexStringLiteral(h) => {
            let h = if h.len() % 2 == 1 { format!("0{h}") } else { h.clone() };
            let n = (h.len() / 2).max(1) as u32;
            let ty =
                if n <= 8000 { SqlType::VarBinary(Len::N(n as u16)) } else { SqlType::VarBinary(Len::Max) };
            Ex::new(format!("X'{h}'"), Some(ty), false)
        }
        Value::Null => {
            let mut ex = Ex::new("NULL", Some(SqlType::Int), true);
            ex.lit = Some(Lit::Null);
            ex
        }
        Value::Placeholder(p) => return Err(SqlError::unsupported(&format!("placeholder {p}"))),
        other => return Err(SqlError::unsupported(&format!("literal {other}"))),
    })
}

/// A number literal. A decimal with more than 15 significant digits (or an integer beyond
/// bigint) is written as SQLite text, which the exact functions read digit for digit: as a
/// SQLite number literal it would become a double.
fn number(n: &str) -> Ex {
    let ty = types::number_literal(n);
    let significant = n.trim_start_matches('-').trim_start_matches(['0', '.']).replace('.', "");
    let exact_text = matches!(ty, SqlType::Decimal { .. })
        && (significant.trim_end_matches('0').len() > 15 || (!n.contains('.') && n.parse::<i64>().is_err()));
    let sql = if exact_text { literal(n) } else { n.to_string() };
    let mut ex = Ex::new(sql, Some(ty), false);
    ex.lit = Some(Lit::Num(n.to_string()));
    ex
}

/// A short name for an expression kind, for refusals.
fn describe(e: &Expr) -> String {
    let debug = format!("{e:?}");
    let kind = debug.split(['(', ' ', '{']).next().unwrap_or("expression");
    format!("expression {kind} ({e})")
}

/// The argument list of `sql` when it is exactly one `tsql_binconcat(…)` call (the opening
/// parenthesis closes at the end; strings and quoted identifiers skipped by the one lexer).
fn binconcat_args(sql: &str) -> Option<&str> {
    let inner = sql.strip_prefix("tsql_binconcat(")?.strip_suffix(')')?;
    let (spans, unclosed) = lexer::scan(inner);
    let mut depth = 0i32;
    for s in &spans {
        match s.kind {
            Kind::Punct('(') => depth += 1,
            Kind::Punct(')') if depth == 0 => return None,
            Kind::Punct(')') => depth -= 1,
            _ => {}
        }
    }
    (depth == 0 && !unclosed).then_some(inner)
}

#[cfg(test)]
mod tests {
    use super::binconcat_args;

    #[test]
    fn only_a_whole_binconcat_call_is_flattened() {
        assert_eq!(binconcat_args("tsql_binconcat(X'01', f(a, ')'))"), Some("X'01', f(a, ')')"));
        assert_eq!(binconcat_args("tsql_binconcat(a, b) || tsql_binconcat(c, d)"), None);
        assert_eq!(binconcat_args("tsql_binconcat(a, 'it''s (')"), Some("a, 'it''s ('"));
        assert_eq!(binconcat_args("CASE WHEN x THEN tsql_binconcat(a, b) END"), None);
    }
}
