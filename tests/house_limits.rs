//! The house limits (`/work/shared/design/style.md`, issue 19): no Rust source file over 700
//! lines and no function over 150 lines, unless a reason is written at its top.
//!
//! The rule, as this test applies it to every `.rs` file of the repository (`target/` and
//! hidden folders left out; nothing is vendored):
//!
//! - a **file** is over the limit when it has more than [`FILE_LIMIT`] lines;
//! - a **function** is over the limit when it spans more than [`FN_LIMIT`] lines, counted from
//!   the line of its `fn` keyword to the line of its closing brace (a nested function counts in
//!   its parent too). Braces inside comments, strings, raw strings and character literals are
//!   not counted; a declaration without a body (`fn f();`) is not a function here;
//! - either is allowed when its leading comment holds the word `Reason:` followed by why: for a
//!   file, the comment lines it starts with (`//!` or `//`); for a function, the comment and
//!   attribute lines directly above its `fn` line.

use std::path::{Path, PathBuf};

/// Lines a file may have.
const FILE_LIMIT: usize = 700;
/// Lines a function may span.
const FN_LIMIT: usize = 150;

/// Something over a limit with no reason given.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Over {
    /// 1-based line: 1 for a file, the `fn` line for a function.
    line: usize,
    /// `None` for the file itself, else the function's name.
    function: Option<String>,
    /// Lines it has or spans.
    lines: usize,
}

/// A function found by [`functions`].
#[derive(Debug, Clone, PartialEq, Eq)]
struct Function {
    name: String,
    /// 0-based index of the line holding `fn`.
    start: usize,
    /// 0-based index of the line holding its closing brace.
    end: usize,
}

/// What in `text` is over the limits without a `Reason:`.
fn over_limits(text: &str) -> Vec<Over> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    if lines.len() > FILE_LIMIT && !leading_comment_has_reason(&lines) {
        out.push(Over { line: 1, function: None, lines: lines.len() });
    }
    for f in functions(text) {
        let span = f.end - f.start + 1;
        if span > FN_LIMIT && !comment_above_has_reason(&lines, f.start) {
            out.push(Over { line: f.start + 1, function: Some(f.name), lines: span });
        }
    }
    out
}

/// The comment lines a file starts with hold `Reason:`.
fn leading_comment_has_reason(lines: &[&str]) -> bool {
    lines.iter().map(|l| l.trim_start()).take_while(|l| l.starts_with("//")).any(|l| l.contains("Reason:"))
}

/// The comment and attribute lines directly above line `at` hold `Reason:`.
fn comment_above_has_reason(lines: &[&str], at: usize) -> bool {
    lines[..at]
        .iter()
        .rev()
        .map(|l| l.trim_start())
        .take_while(|l| l.starts_with("//") || l.starts_with("#["))
        .any(|l| l.starts_with("//") && l.contains("Reason:"))
}

/// Every function with a body in `text`: a brace-matching scan that skips comments, strings,
/// raw strings and character literals.
fn functions(text: &str) -> Vec<Function> {
    let chars: Vec<char> = text.chars().collect();
    let (mut i, mut line) = (0, 0);
    // Open braces: Some(index into `found`) when the brace opened a function's body.
    let mut braces: Vec<Option<usize>> = Vec::new();
    // Parentheses and brackets open: a `;` inside them (`[u8; 4]`) does not end a signature.
    let mut nest = 0usize;
    // A `fn name` seen whose body has not opened yet: (name, line, nest at the keyword).
    let mut pending: Option<(String, usize, usize)> = None;
    let mut found: Vec<Function> = Vec::new();
    let at = |i: usize, s: &str| s.chars().enumerate().all(|(k, c)| chars.get(i + k) == Some(&c));
    let ident = |c: Option<&char>| c.is_some_and(|c| c.is_alphanumeric() || *c == '_');
    while i < chars.len() {
        let c = chars[i];
        if c == '\n' {
            line += 1;
            i += 1;
        } else if at(i, "//") {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if at(i, "/*") {
            let mut depth = 0;
            while i < chars.len() {
                if at(i, "/*") {
                    depth += 1;
                    i += 2;
                } else if at(i, "*/") {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    line += usize::from(chars[i] == '\n');
                    i += 1;
                }
            }
        } else if let Some(hashes) = raw_string_start(&chars, i) {
            // r"…", r#"…"#, br"…": ends at a quote followed by the same number of #.
            i += chars[i..].iter().position(|c| *c == '"').unwrap_or(0) + 1;
            let close: String = std::iter::once('"').chain(std::iter::repeat_n('#', hashes)).collect();
            while i < chars.len() && !at(i, &close) {
                line += usize::from(chars[i] == '\n');
                i += 1;
            }
            i += close.len();
        } else if c == '"' {
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                if chars[i] == '\\' {
                    i += 1;
                }
                line += usize::from(chars.get(i) == Some(&'\n'));
                i += 1;
            }
            i += 1;
        } else if c == '\'' && chars.get(i + 1) == Some(&'\\') {
            // An escaped character literal ('\'', '\\', '\u{7b}').
            i += 3;
            while i < chars.len() && chars[i] != '\'' {
                i += 1;
            }
            i += 1;
        } else if c == '\'' && chars.get(i + 2) == Some(&'\'') {
            // A character literal ('{'); a lifetime ('a) has no closing quote.
            i += 3;
        } else if at(i, "fn")
            && !ident(i.checked_sub(1).and_then(|p| chars.get(p)))
            && !ident(chars.get(i + 2))
        {
            let mut j = i + 2;
            while chars.get(j).is_some_and(|c| c.is_whitespace()) {
                j += 1;
            }
            let name: String = chars[j..].iter().take_while(|c| c.is_alphanumeric() || **c == '_').collect();
            if !name.is_empty() {
                pending = Some((name, line, nest));
            }
            i += 2;
        } else {
            match c {
                '(' | '[' => nest += 1,
                ')' | ']' => nest = nest.saturating_sub(1),
                ';' if pending.as_ref().is_some_and(|p| p.2 == nest) => pending = None,
                '{' => match pending.take() {
                    Some((name, start, n)) if n == nest => {
                        found.push(Function { name, start, end: start });
                        braces.push(Some(found.len() - 1));
                    }
                    other => {
                        pending = other;
                        braces.push(None);
                    }
                },
                '}' => {
                    if let Some(Some(f)) = braces.pop() {
                        found[f].end = line;
                    }
                }
                _ => {}
            }
            i += 1;
        }
    }
    found
}

/// At `i`, the start of a raw string (`r"`, `r#"`, `br"`…): the number of `#`.
fn raw_string_start(chars: &[char], i: usize) -> Option<usize> {
    if i > 0 && (chars[i - 1].is_alphanumeric() || chars[i - 1] == '_') {
        return None;
    }
    let mut j = i + usize::from(chars.get(i) == Some(&'b'));
    if chars.get(j) != Some(&'r') {
        return None;
    }
    j += 1;
    let hashes = chars[j..].iter().take_while(|c| **c == '#').count();
    (chars.get(j + hashes) == Some(&'"')).then_some(hashes)
}

/// Every `.rs` file under `dir`, relative to it, sorted; `target/` and hidden folders skipped.
fn sources(root: &Path, dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if path.is_dir() {
            if name != "target" && !name.starts_with('.') {
                sources(root, &path, out);
            }
        } else if name.ends_with(".rs") {
            out.push(path.strip_prefix(root).unwrap().to_path_buf());
        }
    }
}

#[test]
fn no_file_or_function_is_over_the_house_limits_without_a_reason() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    sources(root, root, &mut files);
    files.sort();
    assert!(files.len() > 100, "the walk found the workspace's sources: {}", files.len());
    let mut failures = Vec::new();
    for file in &files {
        let shown = file.to_string_lossy().replace('\\', "/");
        let text = std::fs::read_to_string(root.join(file)).unwrap();
        for over in over_limits(&text) {
            failures.push(match over.function {
                None => format!(
                    "{shown}:1: the file has {} lines (limit {FILE_LIMIT}): split it by concept, or write `Reason: …` in its leading comment",
                    over.lines
                ),
                Some(name) => format!(
                    "{shown}:{}: fn {name} spans {} lines (limit {FN_LIMIT}): split it, or write `Reason: …` in the comment above it",
                    over.line, over.lines
                ),
            });
        }
    }
    assert!(failures.is_empty(), "over the house limits:\n{}", failures.join("\n"));
}

/// The scanner itself: it finds what is over, and only that.
mod scanner {
    use super::*;

    /// A file of `n` lines: the `leading` line, then code.
    fn source(n: usize, leading: &str) -> String {
        let mut s = format!("{leading}\n");
        s.extend(std::iter::repeat_n("const _: u8 = 0;\n", n - 1));
        s
    }

    fn function(name: &str, span: usize, above: &str) -> String {
        let mut s = format!("{above}\nfn {name}() {{\n");
        s.extend(std::iter::repeat_n("    let x = 1;\n", span - 2));
        s.push_str("}\n");
        s
    }

    #[test]
    fn a_file_of_701_lines_fails_and_700_pass() {
        assert_eq!(
            over_limits(&source(701, "//! a file")),
            vec![Over { line: 1, function: None, lines: 701 }]
        );
        assert!(over_limits(&source(700, "//! a file")).is_empty());
    }

    #[test]
    fn a_reason_in_the_leading_comment_allows_a_long_file() {
        assert!(over_limits(&source(701, "//! Reason: one table of 700 rows reads best whole.")).is_empty());
        // A reason further down is not the leading comment.
        let mut text = source(701, "//! a file");
        text.push_str("// Reason: too late\n");
        assert_eq!(over_limits(&text).len(), 1);
    }

    #[test]
    fn a_function_of_151_lines_fails_and_150_pass() {
        let over = over_limits(&function("long", 151, "/// Does much."));
        assert_eq!(over, vec![Over { line: 2, function: Some("long".into()), lines: 151 }]);
        assert!(over_limits(&function("fits", 150, "")).is_empty());
        let allowed =
            function("long", 151, "/// Reason: one match over every token kind.\n#[allow(clippy::all)]");
        assert!(over_limits(&allowed).is_empty());
    }

    #[test]
    fn braces_in_strings_comments_and_characters_are_not_counted() {
        let text = r###"
fn a(x: [u8; 4]) -> &'static str {
    let _ = '{';
    let _ = '\'';
    let _ = "}\"}";
    let _ = r#"}"}"#;
    let _ = br"}";
    // }
    /* } /* nested } */ } */
    "done"
}
trait T {
    fn declared(&self);
    fn defaulted(&self) {
        fn inner<'a>(s: &'a str) -> &'a str { s }
    }
}
"###;
        let found = functions(text);
        let names: Vec<(&str, usize, usize)> =
            found.iter().map(|f| (f.name.as_str(), f.start, f.end)).collect();
        assert_eq!(names, vec![("a", 1, 10), ("defaulted", 13, 15), ("inner", 14, 14)]);
    }
}
