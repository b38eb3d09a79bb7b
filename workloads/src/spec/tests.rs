use super::*;

const GOOD: &str = r#"
[workload]
name = "orders"
seed = 9
rate = "200/s"
arrival = "fixed"
connections = 4
duration = "30s"
warmup = "5s"
timeout = "2s"

[params]
customer = { type = "key", min = 1, max = 1000, distribution = "zipf", s = 1.1 }

[[template]]
name = "by_customer"
weight = 5
sql = "SELECT TOP (10) * FROM orders WHERE customer_id = @customer AND placed >= @since"
[template.params]
since = { type = "date", min = 2024-01-01, max = 2024-12-31 }

[[template]]
name = "new_order"
weight = 1
statements = [
  "INSERT INTO orders (customer_id, total) VALUES (@customer, @total)",
  "UPDATE customers SET orders = orders + 1 WHERE id = @customer",
]
timeout = "500ms"
[template.params]
total = { type = "decimal", min = "1.00", max = "500.00" }
"#;

fn parse(text: &str) -> Result<Workload> {
    Workload::parse("w.toml", text, Path::new("."))
}

fn invalid(text: &str) -> (usize, String, String) {
    match parse(text) {
        Err(Error::Invalid { file, line, field, message, .. }) => {
            assert_eq!(file, "w.toml");
            (line, field, message)
        }
        other => panic!("expected a validation error, got {other:?}"),
    }
}

#[test]
fn a_full_workload_reads() {
    let w = parse(GOOD).unwrap();
    assert_eq!(w.load, Load::Open { rate: 200.0, arrival: Arrival::Fixed, connections: 4 });
    assert_eq!(w.stop, Stop::Duration(Duration::from_secs(30)));
    assert_eq!(w.warmup, Duration::from_secs(5));
    let read = &w.templates[0];
    assert_eq!(read.access, Access::Read);
    assert_eq!(
        read.statements[0].sql,
        "SELECT TOP (10) * FROM orders WHERE customer_id = @P1 AND placed >= @P2"
    );
    assert_eq!(read.params, vec!["customer", "since"]);
    let write = &w.templates[1];
    assert_eq!(write.access, Access::Write, "inferred from INSERT");
    assert!(write.transaction, "several statements run in a transaction");
    assert_eq!(write.statements[1].sql, "UPDATE customers SET orders = orders + 1 WHERE id = @P1");
    assert_eq!(write.statements[1].args, vec![0], "@customer is the template's first parameter");
    assert_eq!(write.timeout, Some(Duration::from_millis(500)));
    assert_eq!(w.writing_templates(), vec!["new_order"]);
}

#[test]
fn errors_give_the_line_and_the_field() {
    let (line, field, msg) = invalid(&GOOD.replace("weight = 5", "weight = -5"));
    assert_eq!((line, field.as_str()), (17, "template[0] by_customer.weight"), "{msg}");

    let (line, field, _) = invalid(&GOOD.replace("max = \"500.00\"", "max = \"0.50\""));
    assert_eq!((line, field.as_str()), (31, "template[1] new_order.params.total.max"));

    let (line, field, msg) = invalid(&GOOD.replace("rate = \"200/s\"", "rate = \"fast\""));
    assert_eq!((line, field.as_str()), (5, "workload.rate"), "{msg}");

    let (line, field, msg) = invalid(&GOOD.replace("@since", "@sinse"));
    assert_eq!(field, "template[0] by_customer.sql");
    assert!(msg.contains("@sinse"), "{msg}");
    assert_eq!(line, 18);

    let (line, field, msg) = invalid(&GOOD.replace("duration = \"30s\"", "duration = \"30 fortnights\""));
    assert_eq!((line, field.as_str()), (8, "workload.duration"), "{msg}");

    let (line, field, msg) = invalid(&GOOD.replace("connections = 4", "conections = 4"));
    assert_eq!((line, field.as_str()), (7, "syntax"));
    assert!(msg.contains("conections"), "{msg}");

    let (line, _, _) = invalid("[workload]\nname = \"x\"\nrate = 1\n[[template]\n");
    assert_eq!(line, 4);

    let (_, field, msg) = invalid(&GOOD.replace("weight = 1\n", "weight = 1\naccess = \"read\"\n"));
    assert_eq!(field, "template[1] new_order.access");
    assert!(msg.contains("INSERT"), "{msg}");
}

#[test]
fn batches_split_on_go() {
    assert_eq!(
        split_batches("CREATE TABLE a (x int)\nGO\n\ngo  \nCREATE TABLE b (y int)\n"),
        vec!["CREATE TABLE a (x int)\n", "CREATE TABLE b (y int)\n"]
    );
}
