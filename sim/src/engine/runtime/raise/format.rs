//! RAISERROR's printf-style message formatting, as "RAISERROR (Transact-SQL)" describes it:
//! `% [[flag] [width] [.precision] [{h | l}]] type` with the types d, i (signed integer),
//! o (unsigned octal), s (string), u (unsigned integer), x, X (unsigned hexadecimal), the
//! flags `-` (left-justify), `+` (sign), `0` (zero padding, ignored with `-`), `#` (0, 0x, 0X
//! prefix for o, x, X; ignored for d, i, u) and ` ` (space before a positive signed value,
//! ignored with `+`), `*` for a width or precision taken from the argument list, `%I64d` for
//! bigint, and `%%` for a percent sign.
//!
//! SQL Server's own messages for what the page does not describe (each as sys.messages words
//! it): 2786 when an argument's type does not match its specification (`%d` with a string,
//! `%s` with an int, `%d` with a bigint), 2787 for a specification it does not accept (`%c`,
//! `%p`, a lone `%` at the end). A missing or NULL argument prints `(null)`.

/// One substitution argument, as its declared type makes it.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Arg {
    Null,
    /// tinyint, smallint, int
    Int(i64),
    BigInt(i64),
    /// char, varchar, nchar, nvarchar
    Str(String),
}

/// Why a message could not be formatted.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum FormatError {
    /// 2787: Invalid format specification: '%c'.
    InvalidSpec(String),
    /// 2786: the data type of substitution parameter n (1-based) does not match.
    Mismatch(usize),
    /// What the simulator cannot format faithfully, named for the refusal.
    Unsupported(&'static str),
}

/// The formatted message and how many substitutions it made.
pub(crate) fn format(template: &str, args: &[Arg]) -> Result<(String, usize), FormatError> {
    let chars: Vec<char> = template.chars().collect();
    let mut out = String::with_capacity(template.len());
    let mut next = 0usize; // the next argument to consume
    let mut substitutions = 0usize;
    let mut i = 0usize;
    while i < chars.len() {
        if chars[i] != '%' {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        if chars.get(i + 1) == Some(&'%') {
            out.push('%');
            i += 2;
            continue;
        }
        let (spec, end) = parse_spec(&chars, i)?;
        i = end;
        let width = match spec.width {
            Count::Star => Some(star(args, &mut next)?),
            Count::Fixed(n) => Some(n as i64),
            Count::None => None,
        };
        let precision = match spec.precision {
            Count::Star => Some(star(args, &mut next)?.max(0) as usize),
            Count::Fixed(n) => Some(n),
            Count::None => None,
        };
        let mut flags = spec.flags;
        let width = width.map(|w| {
            if w < 0 {
                flags.left = true;
            }
            w.unsigned_abs() as usize
        });
        let index = next + 1;
        let arg = args.get(next).cloned().unwrap_or(Arg::Null);
        next += 1;
        substitutions += 1;
        let body = match (&arg, spec.conversion) {
            (Arg::Null, _) => "(null)".to_string(),
            (Arg::Str(s), 's') => {
                if flags.zero {
                    return Err(FormatError::Unsupported("RAISERROR: the 0 flag with %s"));
                }
                match precision {
                    Some(p) => s.chars().take(p).collect(),
                    None => s.clone(),
                }
            }
            (Arg::Int(v), c) if c != 's' && !spec.wide => {
                if spec.short && i16::try_from(*v).is_err() {
                    return Err(FormatError::Unsupported("RAISERROR: %h with a value beyond smallint"));
                }
                integer(*v, false, c, &flags, precision)
            }
            (Arg::BigInt(v), c) if c != 's' && spec.wide => integer(*v, true, c, &flags, precision),
            (Arg::Int(_), c) if c != 's' => {
                return Err(FormatError::Unsupported("RAISERROR: %I64 with an int argument"));
            }
            _ => return Err(FormatError::Mismatch(index)),
        };
        let numeric_zero_pad = flags.zero && !flags.left && precision.is_none() && spec.conversion != 's';
        out.push_str(&pad(body, width.unwrap_or(0), flags.left, numeric_zero_pad && arg != Arg::Null));
    }
    Ok((out, substitutions))
}

#[derive(Clone, Copy, Debug, Default)]
struct Flags {
    left: bool,
    plus: bool,
    zero: bool,
    alternate: bool,
    space: bool,
}

#[derive(Clone, Copy, Debug)]
enum Count {
    None,
    Star,
    Fixed(usize),
}

struct Spec {
    flags: Flags,
    width: Count,
    precision: Count,
    /// `h`: a short value.
    short: bool,
    /// `I64`: a bigint value.
    wide: bool,
    conversion: char,
}

/// Reads the specification starting at `chars[start] == '%'`; returns it and the index after it.
fn parse_spec(chars: &[char], start: usize) -> Result<(Spec, usize), FormatError> {
    let invalid = |end: usize| {
        let end = end.min(chars.len().saturating_sub(1));
        FormatError::InvalidSpec(chars[start..=end].iter().collect())
    };
    let mut i = start + 1;
    let mut flags = Flags::default();
    while let Some(c) = chars.get(i) {
        match c {
            '-' => flags.left = true,
            '+' => flags.plus = true,
            '0' => flags.zero = true,
            '#' => flags.alternate = true,
            ' ' => flags.space = true,
            _ => break,
        }
        i += 1;
    }
    let count = |i: &mut usize| -> Count {
        if chars.get(*i) == Some(&'*') {
            *i += 1;
            return Count::Star;
        }
        let from = *i;
        while chars.get(*i).is_some_and(|c| c.is_ascii_digit()) {
            *i += 1;
        }
        if *i == from {
            Count::None
        } else {
            Count::Fixed(chars[from..*i].iter().collect::<String>().parse().unwrap_or(usize::MAX))
        }
    };
    let width = count(&mut i);
    let precision = if chars.get(i) == Some(&'.') {
        i += 1;
        match count(&mut i) {
            Count::None => Count::Fixed(0),
            other => other,
        }
    } else {
        Count::None
    };
    let (mut short, mut wide) = (false, false);
    match chars.get(i) {
        Some('h') => {
            short = true;
            i += 1;
        }
        Some('l') => i += 1, // long is 32 bits, as int
        Some('I') if chars.get(i + 1) == Some(&'6') && chars.get(i + 2) == Some(&'4') => {
            wide = true;
            i += 3;
        }
        _ => {}
    }
    match chars.get(i) {
        Some(&c @ ('d' | 'i' | 'o' | 's' | 'u' | 'x' | 'X')) => {
            if wide && c == 's' {
                return Err(invalid(i));
            }
            Ok((Spec { flags, width, precision, short, wide, conversion: c }, i + 1))
        }
        _ => Err(invalid(i)),
    }
}

/// A `*` width or precision: the next argument, an integer.
fn star(args: &[Arg], next: &mut usize) -> Result<i64, FormatError> {
    let index = *next + 1;
    let arg = args.get(*next).cloned();
    *next += 1;
    match arg {
        Some(Arg::Int(v)) => Ok(v),
        None | Some(Arg::Null) => Err(FormatError::Unsupported("RAISERROR: a missing or NULL * argument")),
        Some(_) => Err(FormatError::Mismatch(index)),
    }
}

/// An integer conversion with its sign or prefix, precision (minimum digits) and flags;
/// width padding is applied by the caller.
fn integer(v: i64, wide: bool, conversion: char, flags: &Flags, precision: Option<usize>) -> String {
    let unsigned = if wide { v as u64 } else { u64::from(v as i32 as u32) };
    let (sign, digits) = match conversion {
        'd' | 'i' => {
            let sign = if v < 0 {
                "-"
            } else if flags.plus {
                "+"
            } else if flags.space {
                " "
            } else {
                ""
            };
            (sign, v.unsigned_abs().to_string())
        }
        'u' => ("", unsigned.to_string()),
        'o' => (if flags.alternate && unsigned != 0 { "0" } else { "" }, format!("{unsigned:o}")),
        'x' => (if flags.alternate && unsigned != 0 { "0x" } else { "" }, format!("{unsigned:x}")),
        _ => (if flags.alternate && unsigned != 0 { "0X" } else { "" }, format!("{unsigned:X}")),
    };
    let digits = match precision {
        Some(0) if digits == "0" => String::new(),
        Some(p) if digits.len() < p => format!("{}{digits}", "0".repeat(p - digits.len())),
        _ => digits,
    };
    format!("{sign}{digits}")
}

/// Pads to `width` characters: spaces on the left (right when left-justified), or zeros after
/// the sign or prefix for a zero-padded number.
fn pad(body: String, width: usize, left: bool, zeros: bool) -> String {
    let len = body.chars().count();
    if len >= width {
        return body;
    }
    let fill = width - len;
    if left {
        return format!("{body}{}", " ".repeat(fill));
    }
    if zeros {
        let prefix_len = ["0x", "0X", "-", "+", " "]
            .iter()
            .find(|p| body.starts_with(**p) && body.len() > p.len())
            .map_or(0, |p| p.len());
        let (prefix, digits) = body.split_at(prefix_len);
        return format!("{prefix}{}{digits}", "0".repeat(fill));
    }
    format!("{}{body}", " ".repeat(fill))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(template: &str, args: &[Arg]) -> String {
        format(template, args).unwrap().0
    }

    #[test]
    fn the_pages_examples_format_as_documented() {
        // "RAISERROR (Transact-SQL)", examples: width and precision from the argument list or
        // written in the specification give the same "<<    abc>>".
        let abcde = Arg::Str("abcde".into());
        assert_eq!(f("<<%*.*s>>", &[Arg::Int(7), Arg::Int(3), abcde.clone()]), "<<    abc>>");
        assert_eq!(f("<<%7.3s>>", &[abcde]), "<<    abc>>");
        assert_eq!(
            f("This is message %s %d.", &[Arg::Str("number".into()), Arg::Int(5)]),
            "This is message number 5."
        );
    }

    #[test]
    fn integer_specifications_follow_their_flags() {
        assert_eq!(
            f(
                "%5d|%-5d|%05d|%+d|% d|%.3d",
                &[Arg::Int(42), Arg::Int(42), Arg::Int(-42), Arg::Int(7), Arg::Int(7), Arg::Int(7)]
            ),
            "   42|42   |-0042|+7| 7|007"
        );
        assert_eq!(
            f("%u %x %X %o", &[Arg::Int(-1), Arg::Int(255), Arg::Int(255), Arg::Int(8)]),
            "4294967295 ff FF 10"
        );
        assert_eq!(
            f("%#x %#X %#o %#d", &[Arg::Int(255), Arg::Int(255), Arg::Int(8), Arg::Int(3)]),
            "0xff 0XFF 010 3"
        );
        assert_eq!(
            f("%I64d %ld %i", &[Arg::BigInt(5_000_000_000), Arg::Int(3), Arg::Int(4)]),
            "5000000000 3 4"
        );
        assert_eq!(f("100%% %s", &[Arg::Str("sure".into())]), "100% sure");
    }

    #[test]
    fn missing_and_null_arguments_print_null() {
        assert_eq!(f("a=%d b=%s", &[Arg::Null]), "a=(null) b=(null)");
    }

    #[test]
    fn wrong_types_and_unknown_specifications_are_sql_servers_errors() {
        assert_eq!(format("%d", &[Arg::Str("x".into())]), Err(FormatError::Mismatch(1)));
        assert_eq!(format("%s %s", &[Arg::Str("x".into()), Arg::Int(1)]), Err(FormatError::Mismatch(2)));
        assert_eq!(format("%d", &[Arg::BigInt(1)]), Err(FormatError::Mismatch(1)));
        assert_eq!(format("%c", &[Arg::Int(1)]), Err(FormatError::InvalidSpec("%c".into())));
        assert_eq!(format("50%", &[]), Err(FormatError::InvalidSpec("%".into())));
    }
}
