//! How cutover shows an error: its message and each cause once, redacted.
//!
//! Every error type in the workspace puts only its own words in its message and
//! chains the cause (`#[source]`); these functions are the one place that walks
//! the chain, on the terminal ([`causes`], printed by the CLI as `error:` and
//! `caused by:` lines) and in reports ([`one_line`]). A cause whose text the
//! message before it already holds (a foreign error that repeats its source)
//! is shown once.

use std::error::Error as StdError;

use crate::redact::redact;

/// The error's message, then each cause, redacted, with repeats dropped.
pub fn causes(error: &(dyn StdError + 'static)) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut next = Some(error);
    while let Some(e) = next {
        let text = redact(&e.to_string());
        let repeated = out.last().is_some_and(|last| last.contains(&text));
        if !text.is_empty() && !repeated {
            out.push(text);
        }
        next = e.source();
    }
    out
}

/// The chain on one line: `message; caused by: cause: inner cause`.
pub fn one_line(error: &(dyn StdError + 'static)) -> String {
    let mut parts = causes(error).into_iter();
    let head = parts.next().unwrap_or_default();
    let rest: Vec<String> = parts.collect();
    if rest.is_empty() { head } else { format!("{head}; caused by: {}", rest.join(": ")) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("cannot reach h:1433; check the host name")]
    struct Outer {
        source: std::io::Error,
    }

    #[derive(Debug, thiserror::Error)]
    #[error("wrapped: {source}")]
    struct Repeats {
        source: std::io::Error,
    }

    fn refused() -> std::io::Error {
        std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "Connection refused")
    }

    #[test]
    fn each_cause_once() {
        let e = Outer { source: refused() };
        assert_eq!(causes(&e), ["cannot reach h:1433; check the host name", "Connection refused"]);
        assert_eq!(one_line(&e), "cannot reach h:1433; check the host name; caused by: Connection refused");
    }

    #[test]
    fn a_cause_the_message_repeats_is_dropped() {
        let e = Repeats { source: refused() };
        assert_eq!(causes(&e), ["wrapped: Connection refused"]);
    }

    #[test]
    fn secrets_in_any_link_are_redacted() {
        let e = Outer { source: std::io::Error::other("login with Password=hunter2; failed") };
        assert!(!one_line(&e).contains("hunter2"), "{}", one_line(&e));
    }
}
