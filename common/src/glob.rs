//! The one wildcard match of names in flags and policy files: `*` (any run of characters) and
//! `?` (one character), ASCII case-insensitive. validate's `--tables`/`--exclude`/`--priority`
//! and compare's policy patterns (`wait*{category=buffer io}`) both use it.

/// True when `text` matches `pattern` in full.
///
/// The greedy scan with one backtrack point (the last `*`): linear for the patterns people
/// write, never exponential.
pub fn glob(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().map(|c| c.to_ascii_lowercase()).collect();
    let t: Vec<char> = text.chars().map(|c| c.to_ascii_lowercase()).collect();
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

#[cfg(test)]
mod tests {
    use super::glob;

    #[test]
    fn stars_and_question_marks_match_case_insensitively() {
        assert!(glob("io_read_latency_seconds{*}", "io_read_latency_seconds{database=shop,file_type=ROWS}"));
        assert!(glob("*", "anything") && glob("*", "") && glob("", ""));
        assert!(glob("wait*{category=buffer io}", "wait_category_seconds{category=Buffer IO}"));
        assert!(glob("dbo.*", "DBO.Orders") && glob("ord?rs", "orders") && glob("a*b*c", "aXbYbZc"));
        assert!(!glob("cpu_percent", "cpu_percent_x") && !glob("?", "") && !glob("a*b", "ac"));
        assert!(!glob("*log", "logs") && glob("*log", "auditlog"));
    }
}
