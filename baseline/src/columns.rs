//! The columns of a baseline's Parquet parts (`docs/baseline-format.md`): their names and the
//! Parquet schema the writer stores. Every reader names columns through these constants
//! (compare's polars scan, the row reader here), so a renamed column is renamed everywhere.

/// Milliseconds since 1970-01-01 UTC on the server's clock (`TIMESTAMP(MILLIS, true)`).
pub const TIMESTAMP: &str = "timestamp";

/// The sample's value (a rate per second, a gauge, a total), a double.
pub const VALUE: &str = "value";

/// The text columns naming a row's raw series, in this order.
pub const NAMES: [&str; 5] = [INSTANCE, FAMILY, METRIC, LABELS, UNIT];

pub const INSTANCE: &str = "instance";
pub const FAMILY: &str = "family";
pub const METRIC: &str = "metric";
/// `k=v,k=v` ([`crate::labels`]).
pub const LABELS: &str = "labels";
pub const UNIT: &str = "unit";

/// The Parquet schema of a part, in column order.
pub const SCHEMA: &str = "message baseline_series {
    REQUIRED INT64 timestamp (TIMESTAMP(MILLIS,true));
    REQUIRED BYTE_ARRAY instance (UTF8);
    REQUIRED BYTE_ARRAY family (UTF8);
    REQUIRED BYTE_ARRAY metric (UTF8);
    REQUIRED BYTE_ARRAY labels (UTF8);
    REQUIRED DOUBLE value;
    REQUIRED BYTE_ARRAY unit (UTF8);
}";

/// Every column in the order the schema stores them.
pub const ALL: [&str; 7] = [TIMESTAMP, INSTANCE, FAMILY, METRIC, LABELS, VALUE, UNIT];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schema_stores_every_named_column_in_order() {
        let parsed = parquet::schema::parser::parse_message_type(SCHEMA).unwrap();
        let names: Vec<&str> = parsed.get_fields().iter().map(|f| f.name()).collect();
        assert_eq!(names, ALL);
    }
}
