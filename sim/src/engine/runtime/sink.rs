//! [`CollectSink`]: a [`ResultSink`] that keeps everything, for tests and in-process callers.

use crate::engine::{ResultSink, Stop, TransactionChange};
use crate::error::SqlError;
use crate::types::storage::from_cell;
use crate::types::{Cell, Column, Value};

/// One result set: its columns and rows as typed values.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ResultSet {
    pub columns: Vec<Column>,
    pub rows: Vec<Vec<Value>>,
}

impl ResultSet {
    /// The index of a column by name (case-insensitive).
    pub fn column_index(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.name.eq_ignore_ascii_case(name))
    }

    /// The value of `column` in row `row`.
    pub fn get(&self, row: usize, column: &str) -> Option<&Value> {
        self.rows.get(row)?.get(self.column_index(column)?)
    }
}

/// Collects result sets, errors, messages and DONE counts.
#[derive(Debug, Default)]
pub struct CollectSink {
    pub results: Vec<ResultSet>,
    pub errors: Vec<SqlError>,
    /// (number, message) of informational messages (PRINT, 5701, 3621).
    pub infos: Vec<(i32, String)>,
    /// Informational messages with their state, class and line (RAISERROR severity 0-10).
    pub messages: Vec<SqlError>,
    /// One entry per `done`, in order.
    pub counts: Vec<Option<u64>>,
    /// (from, to) per USE.
    pub database_changes: Vec<(String, String)>,
    /// Outermost transaction begins, commits and rollbacks, in order (the ENVCHANGEs).
    pub transactions: Vec<TransactionChange>,
    /// Cells that could not be read as their column's type: (result set, row, column).
    pub conversion_failures: Vec<(usize, usize, usize)>,
    /// Set to make the engine stop (as an ATTENTION would).
    pub cancel: bool,
    /// Stop (as a client disconnect would) after this many rows in total.
    pub stop_after_rows: Option<usize>,
    rows_seen: usize,
}

impl CollectSink {
    pub fn new() -> Self {
        CollectSink::default()
    }

    /// The only result set; panics in tests when there is not exactly one.
    pub fn single(&self) -> &ResultSet {
        assert_eq!(self.results.len(), 1, "expected one result set, errors: {:?}", self.errors);
        &self.results[0]
    }

    /// The numbers of the errors raised.
    pub fn error_numbers(&self) -> Vec<i32> {
        self.errors.iter().map(|e| e.number).collect()
    }
}

impl ResultSink for CollectSink {
    fn columns(&mut self, columns: &[Column]) -> Result<(), Stop> {
        self.results.push(ResultSet { columns: columns.to_vec(), rows: Vec::new() });
        Ok(())
    }

    fn row(&mut self, cells: &[Cell<'_>]) -> Result<(), Stop> {
        let set_index = self.results.len().saturating_sub(1);
        let Some(set) = self.results.last_mut() else { return Err(Stop) };
        let row_index = set.rows.len();
        let mut row = Vec::with_capacity(cells.len());
        for (i, cell) in cells.iter().enumerate() {
            let value = match set.columns.get(i) {
                Some(col) => from_cell(&col.ty, *cell),
                None => None,
            };
            row.push(value.unwrap_or_else(|| {
                self.conversion_failures.push((set_index, row_index, i));
                Value::Null
            }));
        }
        set.rows.push(row);
        self.rows_seen += 1;
        match self.stop_after_rows {
            Some(limit) if self.rows_seen >= limit => Err(Stop),
            _ => Ok(()),
        }
    }

    fn done(&mut self, rows: Option<u64>) {
        self.counts.push(rows);
    }

    fn error(&mut self, error: &SqlError) {
        self.errors.push(error.clone());
    }

    fn info(&mut self, number: i32, message: &str) {
        self.infos.push((number, message.to_string()));
    }

    fn message(&mut self, message: &SqlError) {
        self.infos.push((message.number, message.message.clone()));
        self.messages.push(message.clone());
    }

    fn database_changed(&mut self, from: &str, to: &str) {
        self.database_changes.push((from.to_string(), to.to_string()));
    }

    fn transaction_changed(&mut self, change: TransactionChange) {
        self.transactions.push(change);
    }

    fn cancelled(&self) -> bool {
        self.cancel
    }
}
