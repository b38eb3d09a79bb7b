//! The Grafana dashboard in `examples/grafana-dashboard.json` only queries what the collector
//! really serves: every metric name in its PromQL, every label it matches, groups by or shows in a
//! legend is read back from `/metrics` of collectors that sampled a simulated SQL Server 2019, a
//! simulated Managed Instance and a login that lacks VIEW SERVER STATE (for the error counters).

mod common;

use common::sim_named;
use cutover_collector::prom::{InstanceView, render};
use cutover_collector::sampler::Settings;
use cutover_sim::server::TlsMode;
use std::collections::{BTreeMap, BTreeSet};

const DASHBOARD: &str = include_str!("../examples/grafana-dashboard.json");

/// Metric name → the label names it is served with.
type Emitted = BTreeMap<String, BTreeSet<String>>;

/// What a PromQL expression refers to.
#[derive(Debug, Default)]
struct Refs {
    /// (metric, label names in its matchers)
    selectors: Vec<(String, Vec<String>)>,
    /// Labels in `by (…)`, `without (…)`, `on (…)`, `ignoring (…)`, `group_left/right (…)`.
    grouping: Vec<String>,
}

const FUNCTIONS: &[&str] = &[
    "abs",
    "absent",
    "avg",
    "avg_over_time",
    "bottomk",
    "ceil",
    "clamp_max",
    "clamp_min",
    "count",
    "count_over_time",
    "delta",
    "deriv",
    "floor",
    "histogram_quantile",
    "increase",
    "irate",
    "label_replace",
    "label_values",
    "max",
    "max_over_time",
    "min",
    "min_over_time",
    "quantile",
    "quantile_over_time",
    "rate",
    "round",
    "scalar",
    "sort",
    "sort_desc",
    "stddev",
    "sum",
    "sum_over_time",
    "time",
    "topk",
    "vector",
];
const GROUPING: &[&str] = &["by", "without", "on", "ignoring", "group_left", "group_right"];
const KEYWORDS: &[&str] = &["and", "or", "unless", "bool", "offset"];

fn is_ident_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_' || c == ':'
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == ':'
}

/// Scans a PromQL expression for metric names, matcher labels and grouping labels. Unknown
/// function names are errors, so a typo cannot hide as "a function".
fn scan(expr: &str) -> Result<Refs, String> {
    let chars: Vec<char> = expr.chars().collect();
    let mut refs = Refs::default();
    let mut i = 0;
    let mut last_metric: Option<usize> = None;
    while i < chars.len() {
        let c = chars[i];
        if c == '"' || c == '\'' || c == '`' {
            i = skip_string(&chars, i)?;
        } else if c == '{' {
            let (labels, end) = matchers(&chars, i)?;
            match last_metric {
                Some(m) => refs.selectors[m].1.extend(labels),
                None => return Err(format!("a selector without a metric name in {expr:?}")),
            }
            i = end;
        } else if c == '[' {
            i += chars[i..].iter().position(|&c| c == ']').ok_or(format!("unclosed [ in {expr:?}"))? + 1;
        } else if c == '$' {
            i += 1;
            while i < chars.len() && (is_ident(chars[i]) || chars[i] == '{' || chars[i] == '}') {
                i += 1;
            }
        } else if c.is_ascii_digit() || c == '.' {
            while i < chars.len() && (is_ident(chars[i]) || chars[i] == '.') {
                i += 1;
            }
        } else if is_ident_start(c) {
            let start = i;
            while i < chars.len() && is_ident(chars[i]) {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            let next = chars[i..].iter().find(|c| !c.is_whitespace()).copied();
            last_metric = None;
            if GROUPING.contains(&word.as_str()) {
                if next == Some('(') {
                    let open = i + chars[i..].iter().position(|&c| c == '(').unwrap_or(0);
                    let close = open + chars[open..].iter().position(|&c| c == ')').ok_or("unclosed (")?;
                    let list: String = chars[open + 1..close].iter().collect();
                    refs.grouping
                        .extend(list.split(',').map(|l| l.trim().to_string()).filter(|l| !l.is_empty()));
                    i = close + 1;
                }
            } else if KEYWORDS.contains(&word.as_str()) {
            } else if next == Some('(') || GROUPING.contains(&next_word(&chars, i).as_str()) {
                if !FUNCTIONS.contains(&word.as_str()) {
                    return Err(format!("unknown PromQL function {word:?} in {expr:?}"));
                }
            } else {
                refs.selectors.push((word, Vec::new()));
                last_metric = Some(refs.selectors.len() - 1);
            }
            continue;
        } else {
            i += 1;
        }
        if !matches!(c, '{') {
            last_metric = None;
        }
    }
    Ok(refs)
}

/// The identifier after `at` (past whitespace): `sum by (…)` is an aggregation, not a metric.
fn next_word(chars: &[char], at: usize) -> String {
    chars[at..].iter().skip_while(|c| c.is_whitespace()).take_while(|c| is_ident(**c)).collect()
}

fn skip_string(chars: &[char], start: usize) -> Result<usize, String> {
    let quote = chars[start];
    let mut i = start + 1;
    while i < chars.len() {
        match chars[i] {
            '\\' => i += 2,
            c if c == quote => return Ok(i + 1),
            _ => i += 1,
        }
    }
    Err("unclosed string".into())
}

/// The label names of `{a="x", b=~"y"}` starting at `open`; returns them and the index after `}`.
fn matchers(chars: &[char], open: usize) -> Result<(Vec<String>, usize), String> {
    let mut labels = Vec::new();
    let mut i = open + 1;
    let mut expect_label = true;
    while i < chars.len() {
        let c = chars[i];
        if c == '}' {
            return Ok((labels, i + 1));
        } else if c == '"' || c == '\'' || c == '`' {
            i = skip_string(chars, i)?;
            expect_label = false;
            continue;
        } else if c == ',' {
            expect_label = true;
        } else if expect_label && is_ident_start(c) {
            let start = i;
            while i < chars.len() && is_ident(chars[i]) {
                i += 1;
            }
            labels.push(chars[start..i].iter().collect());
            expect_label = false;
            continue;
        }
        i += 1;
    }
    Err("unclosed {".into())
}

/// Every (where, PromQL, legend) in the dashboard: panel targets and query variables.
fn queries(dashboard: &serde_json::Value) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    for panel in dashboard["panels"].as_array().into_iter().flatten() {
        let title = panel["title"].as_str().unwrap_or("?");
        let nested = panel["panels"].as_array().into_iter().flatten();
        for p in std::iter::once(panel).chain(nested) {
            for t in p["targets"].as_array().into_iter().flatten() {
                let legend = t["legendFormat"].as_str().unwrap_or_default().to_string();
                out.push((format!("panel {title:?}"), t["expr"].as_str().unwrap_or_default().into(), legend));
            }
        }
    }
    for var in dashboard["templating"]["list"].as_array().into_iter().flatten() {
        if var["type"] == "query" {
            let q = var["query"]["query"].as_str().or(var["query"].as_str()).unwrap_or_default();
            out.push((format!("variable {}", var["name"]), label_values_as_promql(q), String::new()));
        }
    }
    out
}

/// Grafana's `label_values(metric, label)` as the PromQL it stands for: `count by (label) (metric)`.
fn label_values_as_promql(query: &str) -> String {
    let inner = query.trim().strip_prefix("label_values(").and_then(|q| q.strip_suffix(')'));
    match inner.and_then(|q| q.rsplit_once(',')) {
        Some((metric, label)) => format!("count by ({}) ({})", label.trim(), metric.trim()),
        None => query.to_string(),
    }
}

/// Every problem the dashboard has against what the collector emits.
fn problems(dashboard: &str, emitted: &Emitted) -> Vec<String> {
    let dashboard: serde_json::Value = match serde_json::from_str(dashboard) {
        Ok(d) => d,
        Err(e) => return vec![format!("the dashboard is not JSON: {e}")],
    };
    let mut out = Vec::new();
    for (place, expr, legend) in queries(&dashboard) {
        let refs = match scan(&expr) {
            Ok(r) => r,
            Err(e) => {
                out.push(format!("{place}: {e}"));
                continue;
            }
        };
        if refs.selectors.is_empty() {
            out.push(format!("{place}: no metric in {expr:?}"));
        }
        let mut available = BTreeSet::new();
        for (metric, labels) in &refs.selectors {
            let Some(known) = emitted.get(metric) else {
                out.push(format!("{place}: {metric} is not a metric the collector emits"));
                continue;
            };
            available.extend(known.iter().cloned());
            for l in labels.iter().filter(|l| !known.contains(*l)) {
                out.push(format!("{place}: {metric} has no label {l:?} (it has {known:?})"));
            }
        }
        let legend_labels = legend.split("{{").skip(1).filter_map(|s| s.split("}}").next()).map(str::trim);
        for l in refs.grouping.iter().map(String::as_str).chain(legend_labels) {
            if !available.contains(l) {
                out.push(format!("{place}: label {l:?} is on none of the metrics in {expr:?}"));
            }
        }
    }
    out
}

/// Metric names and their labels from the text exposition format.
fn parse_exposition(text: &str, into: &mut Emitted) {
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let name = rest.split(' ').next().unwrap_or_default();
            into.entry(name.to_string()).or_default();
        } else if !line.starts_with('#') && !line.is_empty() {
            let name_end = line.find(['{', ' ']).unwrap_or(line.len());
            let labels = into.entry(line[..name_end].to_string()).or_default();
            if let Some(body) = line[name_end..].strip_prefix('{') {
                let chars: Vec<char> = format!("{{{body}").chars().collect();
                if let Ok((names, _)) = matchers(&chars, 0) {
                    labels.extend(names);
                }
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn every_metric_and_label_the_dashboard_queries_is_one_the_collector_emits() {
    let source = sim_named(TlsMode::Enabled, "sqlserver-2019").await;
    let target = sim_named(TlsMode::Enabled, "mi-gp").await;
    for server in [&source, &target] {
        common::age(server.sim.as_ref().unwrap().instance(), std::time::Duration::from_secs(120));
    }
    let nostate = source.conn.replace("User Id=cutover", "User Id=nostate");
    // A little work first, so waits, file IO and query stats have something in them.
    for server in [&source, &target] {
        let mut conn = common::connect(server).await;
        conn.simple_query(
            "CREATE TABLE dbo.t (id int PRIMARY KEY, v nvarchar(20)); INSERT INTO dbo.t VALUES (1, N'a');",
        )
        .await
        .unwrap();
        conn.simple_query("SELECT * FROM dbo.t").await.unwrap();
    }
    let servers = vec![
        ("src".to_string(), common::target(&source.conn)),
        ("tgt".to_string(), common::target(&target.conn)),
        ("nostate".to_string(), common::target(&nostate)),
    ];
    let settings = Settings { query_interval: std::time::Duration::from_secs(1), ..Settings::default() };
    let mut views: BTreeMap<String, InstanceView> = BTreeMap::new();
    for round in cutover_collector::run::once(servers, settings).await {
        views.entry(round.instance.clone()).or_default().update(round);
    }
    assert!(views["src"].up && views["tgt"].up, "both simulators were sampled");
    let mut emitted = Emitted::new();
    parse_exposition(&render(&views).unwrap(), &mut emitted);
    assert!(emitted.contains_key("mssql_collection_errors_total"), "{:?}", emitted.keys());

    let problems = problems(DASHBOARD, &emitted);
    assert!(
        problems.is_empty(),
        "the dashboard queries what the collector does not emit:\n{}",
        problems.join("\n")
    );
}

fn known() -> Emitted {
    let mut e = Emitted::new();
    parse_exposition(
        "# TYPE mssql_up gauge\nmssql_up{sql_instance=\"a\"} 1\n\
         # TYPE mssql_batch_requests_total counter\nmssql_batch_requests_total{sql_instance=\"a\"} 5\n",
        &mut e,
    );
    e
}

fn dashboard_with(expr: &str, legend: &str) -> String {
    serde_json::json!({ "panels": [{ "title": "p", "targets": [{ "expr": expr, "legendFormat": legend }] }] })
        .to_string()
}

#[test]
fn a_misspelt_metric_name_is_caught() {
    let good = dashboard_with(
        "rate(mssql_batch_requests_total{sql_instance=~\"$sql_instance\"}[$__rate_interval])",
        "{{sql_instance}}",
    );
    assert_eq!(problems(&good, &known()), Vec::<String>::new());
    let bad = dashboard_with("rate(mssql_batch_request_total[5m])", "");
    let found = problems(&bad, &known());
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].contains("mssql_batch_request_total is not a metric"), "{found:?}");
}

#[test]
fn a_wrong_label_or_function_is_caught() {
    let label = dashboard_with("sum by (database) (mssql_up{instance=\"x\"})", "{{wait_type}}");
    let found = problems(&label, &known());
    assert_eq!(found.len(), 3, "{found:?}");
    assert!(found[0].contains("no label \"instance\""), "{found:?}");
    let function = dashboard_with("rates(mssql_up[5m])", "");
    assert!(problems(&function, &known())[0].contains("unknown PromQL function \"rates\""));
}

#[test]
fn the_scanner_reads_binary_expressions_and_skips_strings_and_ranges() {
    let refs = scan(
        "sum by (a, b) (rate(x_total{c=~\"y{z}\", d!=\"1\"}[5m])) / on (a) group_left(e) y offset 5m > 0.5",
    )
    .unwrap();
    let names: Vec<&str> = refs.selectors.iter().map(|(m, _)| m.as_str()).collect();
    assert_eq!(names, ["x_total", "y"]);
    assert_eq!(refs.selectors[0].1, ["c", "d"]);
    assert_eq!(refs.grouping, ["a", "b", "a", "e"]);
}
