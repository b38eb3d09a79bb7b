//! XML escaping, one loop over a table of replacements per form:
//!
//! - [`escape`]: for the reports cutover writes (JUnit, HTML, SVG): `&`, `<`, `>`, `"`, `'`.
//!   Control characters other than tab, newline and carriage return are not allowed in XML 1.0
//!   at all: they become a space, so a server message holding one still gives a well-formed
//!   report.
//! - [`escape_as_sql_server`]: what SQL Server's own XML serializer writes (Extended Events'
//!   `event_data`, showplans), which the simulator reproduces: `&`, `<`, `>`, `"` as entities,
//!   a carriage return as `&#xD;` (XML parsers would otherwise fold it into a newline), the
//!   apostrophe as it is.

/// The replacements of [`escape`]; `None` means "a space" (a control character).
fn report_form(c: char) -> Option<Option<&'static str>> {
    Some(Some(match c {
        '&' => "&amp;",
        '<' => "&lt;",
        '>' => "&gt;",
        '"' => "&quot;",
        '\'' => "&apos;",
        c if (c as u32) < 0x20 && !matches!(c, '\n' | '\t' | '\r') => return Some(None),
        _ => return None,
    }))
}

/// The replacements of [`escape_as_sql_server`].
fn sql_server_form(c: char) -> Option<Option<&'static str>> {
    Some(Some(match c {
        '&' => "&amp;",
        '<' => "&lt;",
        '>' => "&gt;",
        '"' => "&quot;",
        '\r' => "&#xD;",
        _ => return None,
    }))
}

/// The one loop: `form(c)` is `None` to keep `c`, `Some(None)` for a space, `Some(Some(s))`
/// for `s`.
fn escape_with(text: &str, form: fn(char) -> Option<Option<&'static str>>) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match form(c) {
            None => out.push(c),
            Some(None) => out.push(' '),
            Some(Some(s)) => out.push_str(s),
        }
    }
    out
}

/// `text` escaped for an XML text node or a quoted attribute value of a report.
pub fn escape(text: &str) -> String {
    escape_with(text, report_form)
}

/// `text` escaped as SQL Server's XML serializer writes it (see the module doc).
pub fn escape_as_sql_server(text: &str) -> String {
    escape_with(text, sql_server_form)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_and_control_characters_are_made_safe() {
        assert_eq!(escape(r#"1 <row> & "it's""#), "1 &lt;row&gt; &amp; &quot;it&apos;s&quot;");
        assert_eq!(escape("a\u{1}b\nc"), "a b\nc");
    }

    #[test]
    fn sql_servers_form_keeps_the_apostrophe_and_writes_a_carriage_return_as_a_reference() {
        assert_eq!(
            escape_as_sql_server("select '<a>' & \"b\"\r\n"),
            "select '&lt;a&gt;' &amp; &quot;b&quot;&#xD;\n"
        );
    }
}
