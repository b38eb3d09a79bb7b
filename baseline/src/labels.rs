//! The `labels` column: `key=value` pairs sorted by key, joined by `,`; `,` `=` and `\` inside a
//! value are escaped with `\` (`docs/baseline-format.md`). [`encode`] and [`decode`] are
//! inverse for any values and for keys without those three characters (keys are the
//! collector's own names).

/// `k=v,k=v` from pairs already sorted by key.
pub fn encode<K: AsRef<str>, V: AsRef<str>>(pairs: &[(K, V)]) -> String {
    let mut out = String::new();
    for (i, (k, v)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(k.as_ref());
        out.push('=');
        for c in v.as_ref().chars() {
            if matches!(c, ',' | '=' | '\\') {
                out.push('\\');
            }
            out.push(c);
        }
    }
    out
}

/// The pairs of `k=v,k=v`, in their stored order; `""` has none.
pub fn decode(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let (mut key, mut cur, mut in_value, mut escaped) = (String::new(), String::new(), false, false);
    for c in text.chars() {
        match (escaped, c) {
            (true, _) => {
                cur.push(c);
                escaped = false;
            }
            (false, '\\') => escaped = true,
            (false, '=') if !in_value => {
                key = std::mem::take(&mut cur);
                in_value = true;
            }
            (false, ',') => {
                out.push((std::mem::take(&mut key), std::mem::take(&mut cur)));
                in_value = false;
            }
            _ => cur.push(c),
        }
    }
    if in_value || !key.is_empty() {
        out.push((key, cur));
    }
    out
}

/// The value of `key` in `text`, if present.
pub fn get(text: &str, key: &str) -> Option<String> {
    decode(text).into_iter().find(|(k, _)| k == key).map(|(_, v)| v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn labels_are_canonical_and_escaped() {
        let l = vec![("database", "a,b".to_string()), ("file", "x=y".to_string())];
        assert_eq!(encode(&l), "database=a\\,b,file=x\\=y");
        assert_eq!(
            decode("database=a\\,b,file=x\\=y"),
            [("database".into(), "a,b".into()), ("file".into(), "x=y".into())]
        );
        assert_eq!(decode("counter=Page reads/sec,counter_instance=,object=Buffer Manager").len(), 3);
        assert!(decode("").is_empty());
        assert_eq!(get("wait_type=WRITELOG", "wait_type").as_deref(), Some("WRITELOG"));
    }

    proptest! {
        #[test]
        fn decode_inverts_encode(values in proptest::collection::vec(".*", 0..4)) {
            let pairs: Vec<(String, String)> =
                values.into_iter().enumerate().map(|(i, v)| (format!("k{i}"), v)).collect();
            prop_assert_eq!(decode(&encode(&pairs)), pairs);
        }
    }
}
