//! Property tests: no generated password or token ever reaches `Display`,
//! `Debug`, serde output, error text or `redact`ed strings.

use std::collections::HashMap;

use cutover_mssql::{ServerSpec, ServerTarget, SqlServerError, redact};
use proptest::prelude::*;

const SECRET_CHARS: &str = "[A-Za-z0-9!#%&*()_+=;{}'\" @.,:\\-]{8,24}";

/// Every printable ASCII character, space included.
const PRINTABLE: &str = "[ -~]{8,24}";

/// The three ways a password is written in an ADO.NET string: bare (only when
/// the parser reads it back whole), quoted, braced.
fn ado_forms(pw: &str) -> Vec<String> {
    let mut forms = vec![ado_quote(pw), format!("\"{}\"", pw.replace('"', "\"\"")), jdbc_brace(pw)];
    let bare_ok = !pw.contains(';') && !pw.starts_with(['\'', '"', '{']) && pw.trim() == pw;
    if bare_ok {
        forms.push(pw.to_string());
    }
    forms
}

fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

/// `'…'` with inner quotes doubled: the ADO.NET way to quote anything.
fn ado_quote(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

/// `{…}` with `}` doubled: the JDBC way.
fn jdbc_brace(value: &str) -> String {
    format!("{{{}}}", value.replace('}', "}}"))
}

/// Every rendering of a target that could reach a user.
fn renderings(target: &ServerTarget) -> String {
    format!("{target}\n{target:?}\n{target:#?}\n{}", serde_json::to_string(target).unwrap_or_default())
}

fn baseline() -> String {
    let p = ServerTarget::parse("Server=tcp:sql1,1433;User Id=u;Password=X;Database=d", &env(&[])).unwrap();
    renderings(&p.target) + &p.warnings.join("\n")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn ado_password_never_shows(pw in SECRET_CHARS) {
        prop_assume!(!baseline().contains(&pw));
        let conn = format!("Server=tcp:sql1,1433;User Id=u;Password={};Database=d", ado_quote(&pw));
        let parsed = ServerTarget::parse(&conn, &env(&[])).unwrap();
        prop_assert_eq!(parsed.target.password.as_ref().map(|s| s.expose().to_string()), Some(pw.clone()));
        let shown = renderings(&parsed.target) + &parsed.warnings.join("\n");
        prop_assert!(!shown.contains(&pw), "{}", shown);
        prop_assert!(!redact(&conn).contains(&pw));
    }

    #[test]
    fn jdbc_password_never_shows(pw in SECRET_CHARS) {
        prop_assume!(!baseline().contains(&pw));
        let conn = format!("jdbc:sqlserver://sql1:1433;user=u;password={};databaseName=d", jdbc_brace(&pw));
        let parsed = ServerTarget::parse(&conn, &env(&[])).unwrap();
        prop_assert_eq!(parsed.target.password.as_ref().map(|s| s.expose().to_string()), Some(pw.clone()));
        prop_assert!(!renderings(&parsed.target).contains(&pw));
        prop_assert!(!redact(&conn).contains(&pw));
    }

    #[test]
    fn env_password_and_token_never_show(pw in SECRET_CHARS, token in "[A-Za-z0-9._-]{16,64}") {
        prop_assume!(!baseline().contains(&pw) && !baseline().contains(&token));
        let e = env(&[("PW", &pw), ("TOK", &token)]);
        let with_pw = ServerTarget::parse("Server=h;User Id=u;Password=${PW}", &e).unwrap().target;
        let with_token = ServerTarget::parse("Server=h;AccessToken=${TOK}", &e).unwrap().target;
        let shown = renderings(&with_pw) + &renderings(&with_token);
        prop_assert!(!shown.contains(&pw) && !shown.contains(&token));
    }

    #[test]
    fn errors_never_show_the_password(pw in SECRET_CHARS, bad_port in "[a-z]{1,5}|[7-9][0-9]{4}") {
        prop_assume!(!pw.contains(&bad_port));
        let inputs = [
            format!("Server=tcp:h,{bad_port};User Id=u;Password={}", ado_quote(&pw)),
            format!("Password={};Server=tcp:h,{bad_port}", ado_quote(&pw)),
            format!("Password={};Encrypt={bad_port}", ado_quote(&pw)),
            format!("User Id=u;Password={}", ado_quote(&pw)),
            // A mis-quoted password: the tokenizer must not echo any part of it.
            format!("Server=h;Password={pw};Database=d"),
            format!("Server=h;Password='{pw}"),
        ];
        for input in inputs {
            if let Err(err) = ServerTarget::parse(&input, &env(&[])) {
                let text = format!("{err}\n{err:?}");
                prop_assert!(!text.contains(&pw), "{}", text);
            }
        }
    }

    #[test]
    fn server_messages_are_redacted(pw in "[A-Za-z0-9!#%&*_+@.-]{8,24}") {
        let message = redact(&format!("Cannot alter: ALTER LOGIN x WITH PASSWORD = '{pw}' failed"));
        let err = SqlServerError {
            number: 15118,
            class: 16,
            state: 1,
            server: "SQL1".into(),
            message,
            statement_first_line: Some(redact(&format!("ALTER LOGIN x WITH PASSWORD='{pw}'"))),
            fix: None,
        };
        let text = format!("{err}\n{err:?}\n{}", serde_json::to_string(&err).unwrap());
        prop_assert!(!text.contains(&pw), "{}", text);
    }

    #[test]
    fn server_spec_and_redact_hide_every_printable_password(pw in PRINTABLE) {
        let neutral = "Server=tcp:sql1,1433;User Id=u;Password=***;Database=d";
        prop_assume!(!format!("{neutral} {:?}", ServerSpec::new(neutral)).contains(&pw));
        for form in ado_forms(&pw) {
            let conn = format!("Server=tcp:sql1,1433;User Id=u;Password={form};Database=d");
            let parsed = ServerTarget::parse(&conn, &env(&[])).unwrap();
            prop_assert_eq!(parsed.target.password.as_ref().map(|s| s.expose().to_string()), Some(pw.clone()));
            let spec = ServerSpec::new(conn.clone());
            let shown = format!("{spec}\n{spec:?}\n{}", serde_json::to_string(&spec).unwrap());
            prop_assert!(!shown.contains(&pw), "{} -> {}", conn, shown);
            prop_assert!(!redact(&conn).contains(&pw), "{} -> {}", conn, redact(&conn));
        }
        let jdbc = format!("jdbc:sqlserver://sql1:1433;user=u;password={};databaseName=d", jdbc_brace(&pw));
        let spec = ServerSpec::new(jdbc.clone());
        prop_assert!(!spec.to_string().contains(&pw) && !redact(&jdbc).contains(&pw), "{}", spec);
    }

    #[test]
    fn a_misquoted_password_is_not_shown_whole(pw in "[ -~]{4,12};[ -~]{4,12}") {
        // An unquoted `;` ends the value: the string either does not parse (and is not shown)
        // or parses into pieces, each masked unless it is a known, non-secret key.
        let reference = ServerSpec::new("Server=h;Password=a;b;Database=d").to_string();
        prop_assume!(!reference.contains(pw.trim()));
        let shown = ServerSpec::new(format!("Server=h;Password={pw};Database=d")).to_string();
        prop_assert!(!shown.contains(pw.trim()), "{}", shown);
    }

    #[test]
    fn arbitrary_input_never_panics(input in "\\PC{0,80}", key in "(Server|Password|pwd|Encrypt|jdbc:sqlserver://)") {
        let _ = redact(&input);
        let _ = ServerTarget::parse(&input, &env(&[]));
        let _ = ServerTarget::parse(&format!("{key}={input}"), &env(&[]));
        let _ = redact(&format!("{key}={input}"));
        let _ = ServerTarget::parse(&format!("{key}{input}"), &env(&[]));
    }
}
