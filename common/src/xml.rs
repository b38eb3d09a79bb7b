//! XML escaping for text and attribute values (`&`, `<`, `>`, `"`, `'`). Control characters
//! other than tab, newline and carriage return are not allowed in XML 1.0 at all: they become
//! a space, so a server message holding one still gives a well-formed report.

/// `text` escaped for an XML text node or a quoted attribute value.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if (c as u32) < 0x20 && !matches!(c, '\n' | '\t' | '\r') => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn markup_and_control_characters_are_made_safe() {
        assert_eq!(escape(r#"1 <row> & "it's""#), "1 &lt;row&gt; &amp; &quot;it&apos;s&quot;");
        assert_eq!(escape("a\u{1}b\nc"), "a b\nc");
    }
}
