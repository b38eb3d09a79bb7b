//! Exact decimal arithmetic for `decimal`/`numeric`, `money` and `smallmoney`.
//!
//! A [`Dec`] is `mantissa / 10^scale` with at most 38 digits, as SQL Server keeps it. Sums,
//! differences, products, quotients and remainders are computed exactly in 256 bits and then
//! brought to the result scale the translator derived (rounding half away from zero, as the
//! "Precision, scale, and length (Transact-SQL)" page says a reduced scale is rounded). SQLite
//! alone would compute these in doubles and lose digits beyond the 15th.
//!
//! [`compare_text`] is the `tsql_decimal` collation of decimal columns (numeric order over
//! their text); [`sort_key`] is a byte string whose order is numeric order, for ORDER BY over
//! decimal expressions whose cells may be INTEGER, REAL or TEXT.

use std::cmp::Ordering;

use ethnum::I256;

/// The most digits a decimal has in SQL Server.
pub const MAX_DIGITS: u32 = 38;

/// An exact decimal: `mantissa / 10^scale`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Dec {
    pub mantissa: i128,
    pub scale: u8,
}

/// The arithmetic operators of T-SQL on exact numerics.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Add,
    Sub,
    Mul,
    Div,
    Rem,
}

impl Op {
    /// `+`, `-`, `*`, `/`, `%`.
    pub fn from_symbol(s: &str) -> Option<Op> {
        Some(match s {
            "+" => Op::Add,
            "-" => Op::Sub,
            "*" => Op::Mul,
            "/" => Op::Div,
            "%" => Op::Rem,
            _ => return None,
        })
    }
}

/// Why an exact operation has no result.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DecError {
    /// The result does not fit 38 digits (SQL Server's 8115).
    Overflow,
    /// Division or remainder by zero (8134).
    DivideByZero,
}

fn pow10(n: u32) -> I256 {
    I256::from(10i128).pow(n)
}

impl Dec {
    pub const ZERO: Dec = Dec { mantissa: 0, scale: 0 };

    pub fn new(mantissa: i128, scale: u8) -> Dec {
        Dec { mantissa, scale }
    }

    /// Parses a decimal literal keeping every digit it has (`-12.340` → 12340 at scale 3,
    /// `1e3` → 1000). `None` for text that is not a number or has more than 38 digits after
    /// leading zeros (extra fraction digits are rounded away first).
    pub fn parse(text: &str) -> Option<Dec> {
        let t = text.trim();
        if let Some((m, e)) = t.split_once(['e', 'E']) {
            let base = Dec::parse(m)?;
            let exp: i32 = e.trim_start_matches('+').parse().ok()?;
            return base.shifted(exp);
        }
        let (neg, body) = match t.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, t.strip_prefix('+').unwrap_or(t)),
        };
        let (int, frac) = body.split_once('.').unwrap_or((body, ""));
        if (int.is_empty() && frac.is_empty()) || !int.bytes().chain(frac.bytes()).all(|c| c.is_ascii_digit())
        {
            return None;
        }
        let int = int.trim_start_matches('0');
        if int.len() > MAX_DIGITS as usize {
            return None;
        }
        // Keep as many fraction digits as fit in 38 digits, rounding the rest away.
        let room = (MAX_DIGITS as usize - int.len()).min(frac.len());
        let mut mantissa: i128 = 0;
        for c in int.bytes().chain(frac[..room].bytes()) {
            mantissa = mantissa * 10 + i128::from(c - b'0');
        }
        if frac.len() > room && frac.as_bytes()[room] >= b'5' {
            mantissa += 1;
        }
        let mantissa = if neg { -mantissa } else { mantissa };
        Dec { mantissa, scale: room as u8 }.normalized_overflow()
    }

    /// The exact decimal a double holds, written in its shortest round-trip form (0.1 → 0.1).
    pub fn from_f64(f: f64) -> Option<Dec> {
        if !f.is_finite() {
            return None;
        }
        Dec::parse(&format!("{f}"))
    }

    /// `self × 10^exp`, `None` when it no longer fits 38 digits.
    fn shifted(self, exp: i32) -> Option<Dec> {
        let scale = i32::from(self.scale) - exp;
        if (0..=MAX_DIGITS as i32).contains(&scale) {
            return Some(Dec { mantissa: self.mantissa, scale: scale as u8 });
        }
        if scale < 0 {
            let m = I256::from(self.mantissa).checked_mul(pow10(scale.unsigned_abs()))?;
            return Some(Dec { mantissa: fit(m)?, scale: 0 });
        }
        let m = div_round(I256::from(self.mantissa), pow10((scale - MAX_DIGITS as i32) as u32));
        Some(Dec { mantissa: fit(m)?, scale: MAX_DIGITS as u8 })
    }

    /// A carry from rounding may leave 39 digits: `None` then.
    fn normalized_overflow(self) -> Option<Dec> {
        (self.mantissa.unsigned_abs() < 10u128.pow(MAX_DIGITS)).then_some(self)
    }

    /// The mantissa at `scale`, rounding half away from zero; `None` beyond 38 digits.
    pub fn at_scale(self, scale: u8) -> Option<i128> {
        fit(rescale(I256::from(self.mantissa), self.scale, scale))
    }

    /// The greatest integer ≤ `self` (`up`: the least integer ≥ `self`), as FLOOR/CEILING.
    pub fn integral(self, up: bool) -> i128 {
        let unit = 10i128.pow(u32::from(self.scale));
        let (q, r) = (self.mantissa / unit, self.mantissa % unit);
        match (up, r.signum()) {
            (false, -1) => q - 1,
            (true, 1) => q + 1,
            _ => q,
        }
    }

    /// Exact comparison across scales.
    pub fn cmp_exact(self, other: Dec) -> Ordering {
        let s = self.scale.max(other.scale);
        rescale(I256::from(self.mantissa), self.scale, s).cmp(&rescale(
            I256::from(other.mantissa),
            other.scale,
            s,
        ))
    }

    /// The mantissa of `self op other` at `scale`.
    pub fn apply(self, op: Op, other: Dec, scale: u8) -> Result<i128, DecError> {
        let (a, b) = (I256::from(self.mantissa), I256::from(other.mantissa));
        let exact = match op {
            Op::Add | Op::Sub | Op::Rem => {
                let s = self.scale.max(other.scale);
                let (a, b) = (rescale(a, self.scale, s), rescale(b, other.scale, s));
                let r = match op {
                    Op::Add => a + b,
                    Op::Sub => a - b,
                    _ if b == 0 => return Err(DecError::DivideByZero),
                    // T-SQL's % keeps the dividend's sign, as Rust's does.
                    _ => a % b,
                };
                rescale(r, s, scale)
            }
            Op::Mul => rescale(a * b, self.scale + other.scale, scale),
            Op::Div => {
                if b == 0 {
                    return Err(DecError::DivideByZero);
                }
                // quotient × 10^scale = a × 10^(scale + s_b − s_a) / b
                let e = i32::from(scale) + i32::from(other.scale) - i32::from(self.scale);
                let (num, den) = if e >= 0 {
                    (a.checked_mul(pow10(e as u32)).ok_or(DecError::Overflow)?, b)
                } else {
                    (a, b.checked_mul(pow10(e.unsigned_abs())).ok_or(DecError::Overflow)?)
                };
                div_round(num, den)
            }
        };
        fit(exact).ok_or(DecError::Overflow)
    }
}

/// `value` (at scale `from`) at scale `to`, rounding half away from zero.
fn rescale(value: I256, from: u8, to: u8) -> I256 {
    match to.cmp(&from) {
        Ordering::Equal => value,
        Ordering::Greater => value * pow10(u32::from(to - from)),
        Ordering::Less => div_round(value, pow10(u32::from(from - to))),
    }
}

/// `num / den` rounded half away from zero.
fn div_round(num: I256, den: I256) -> I256 {
    let (q, r) = (num / den, num % den);
    if r.unsigned_abs() * 2 >= den.unsigned_abs() {
        if (num < 0) != (den < 0) { q - 1 } else { q + 1 }
    } else {
        q
    }
}

/// The value as an i128 mantissa when it has at most 38 digits.
fn fit(v: I256) -> Option<i128> {
    (v.unsigned_abs() < pow10(MAX_DIGITS).unsigned_abs()).then(|| v.as_i128())
}

/// The `tsql_decimal` collation: decimal texts in numeric order (`9.5` < `10`, `1.50` = `1.5`);
/// text that is not a number sorts after every number, by its bytes.
pub fn compare_text(a: &str, b: &str) -> Ordering {
    match (Dec::parse(a), Dec::parse(b)) {
        (Some(x), Some(y)) => x.cmp_exact(y),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => a.cmp(b),
    }
}

/// A byte string whose byte order is the numeric order of `d`: zero is `0x80`; a positive
/// value `0.d1d2…dn × 10^E` (d1 ≠ 0) is `0xC0`, `E + 128`, its digits; a negative one `0x40`,
/// `127 − E`, its digits complemented and a `0xFF` end (so a longer digit run sorts lower).
pub fn sort_key(d: Dec) -> Vec<u8> {
    if d.mantissa == 0 {
        return vec![0x80];
    }
    let digits = d.mantissa.unsigned_abs().to_string();
    let significant = digits.trim_end_matches('0');
    let exponent = digits.len() as i32 - i32::from(d.scale);
    let mut key = Vec::with_capacity(significant.len() + 3);
    if d.mantissa > 0 {
        key.push(0xC0);
        key.push((exponent + 128) as u8);
        key.extend_from_slice(significant.as_bytes());
    } else {
        key.push(0x40);
        key.push((127 - exponent) as u8);
        key.extend(significant.bytes().map(|c| b'9' - c + b'0'));
        key.push(0xFF);
    }
    key
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(text: &str) -> Dec {
        Dec::parse(text).unwrap_or_else(|| panic!("{text} parses"))
    }

    #[test]
    fn thirty_eight_digits_survive() {
        let x = d("12345678901234567890.1234567891");
        assert_eq!(x, Dec::new(123_456_789_012_345_678_901_234_567_891, 10));
        assert_eq!(d("99999999999999999999999999999999999999").scale, 0);
        assert_eq!(Dec::parse("999999999999999999999999999999999999999"), None);
        assert_eq!(d("1e3"), Dec::new(1000, 0));
        assert_eq!(d("-2.5E-2"), Dec::new(-25, 3));
        assert_eq!(Dec::parse("abc"), None);
        assert_eq!((d("-1.5").integral(false), d("-1.5").integral(true)), (-2, -1));
        assert_eq!((d("2.01").integral(false), d("2.01").integral(true)), (2, 3));
    }

    #[test]
    fn arithmetic_follows_the_result_scale() {
        // 1.0/3 is decimal(13,12): 0.333333333333; × 3 at scale 12 is 0.999999999999.
        let third = d("1.0").apply(Op::Div, d("3"), 12).unwrap();
        assert_eq!(third, 333_333_333_333);
        assert_eq!(Dec::new(third, 12).apply(Op::Mul, d("3"), 12), Ok(999_999_999_999));
        // "Precision, scale, and length": 0.0000009000 × 1.0000000000 at decimal(38,6) is 0.000001.
        assert_eq!(d("0.0000009000").apply(Op::Mul, d("1.0000000000"), 6), Ok(1));
        assert_eq!(d("2.0").apply(Op::Div, d("3"), 12), Ok(666_666_666_667));
        assert_eq!(d("-7.5").apply(Op::Rem, d("2"), 1), Ok(-15));
        assert_eq!(d("1").apply(Op::Div, d("0"), 6), Err(DecError::DivideByZero));
        let big = d("99999999999999999999999999999999999999");
        assert_eq!(big.apply(Op::Add, d("1"), 0), Err(DecError::Overflow));
        assert_eq!(
            d("12345678901234567890.1234567891").apply(Op::Add, d("0.0000000009"), 10),
            Ok(123_456_789_012_345_678_901_234_567_900)
        );
    }

    #[test]
    fn texts_compare_as_numbers() {
        assert_eq!(compare_text("9.5", "10"), Ordering::Less);
        assert_eq!(compare_text("1.50", "1.5"), Ordering::Equal);
        assert_eq!(compare_text("-1", "-0.5"), Ordering::Less);
        assert_eq!(compare_text("12345678901234567890.1", "12345678901234567890.09"), Ordering::Greater);
        assert_eq!(compare_text("x", "1"), Ordering::Greater);
    }

    proptest! {
        #[test]
        fn sort_keys_order_like_the_numbers(a in -10_000_000i128..10_000_000, sa in 0u8..6, b in -10_000_000i128..10_000_000, sb in 0u8..6) {
            let (x, y) = (Dec::new(a, sa), Dec::new(b, sb));
            prop_assert_eq!(sort_key(x).cmp(&sort_key(y)), x.cmp_exact(y));
        }

        #[test]
        fn text_order_is_a_total_order(a in -1000i64..1000, b in -1000i64..1000) {
            let (x, y) = (format!("{}.{:02}", a / 100, (a % 100).abs()), b.to_string());
            prop_assert_eq!(compare_text(&x, &y), compare_text(&y, &x).reverse());
        }
    }
}
