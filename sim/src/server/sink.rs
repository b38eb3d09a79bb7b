//! The engine's results as TDS: a [`ResultSink`] that writes tokens into packets and streams
//! full packets to the connection's writer as they fill.
//!
//! The DONE of each statement is held back until the next token shows whether more follow, so
//! every DONE but the last carries MORE (clients count a stray DONE as a zero row count). In an
//! RPC, statements end in DONEINPROC and the call ends in RETURNSTATUS + DONEPROC.

use crate::engine::{ResultSink, Stop, TransactionChange};
use crate::error::SqlError;
use crate::tds::packet::{MessageWriter, PacketType};
use crate::tds::tokens::{self, DoneKind, DoneStatus, EnvChange};
use crate::tds::values;
use crate::types::{Cell, Column};
use bytes::Bytes;
use std::sync::atomic::{AtomicBool, Ordering};
use tokio::sync::mpsc;

/// A statement's DONE, not yet written.
#[derive(Clone, Copy)]
struct PendingDone {
    rows: Option<u64>,
    error: bool,
}

pub(crate) struct TdsSink<'a> {
    out: MessageWriter,
    tx: &'a mpsc::Sender<Bytes>,
    cancel: &'a AtomicBool,
    server_name: &'a str,
    columns: Vec<Column>,
    pending: Option<PendingDone>,
    statement_error: bool,
    any_error: bool,
    in_proc: bool,
    /// The client is gone: stop producing.
    broken: bool,
    /// A row that could not be encoded: reported at the statement's DONE.
    row_error: Option<SqlError>,
    /// An RPC's OUTPUT parameters, written after its RETURNSTATUS.
    return_values: Vec<ReturnValue>,
}

/// An OUTPUT parameter's value for RETURNVALUE (MS-TDS 2.2.7.19): its ordinal among the call's
/// parameters, its name as the client sent it, its type and its value.
pub(crate) struct ReturnValue {
    pub ordinal: u16,
    pub name: String,
    pub ty: crate::types::SqlType,
    pub value: crate::types::Value,
}

impl<'a> TdsSink<'a> {
    pub fn new(
        packet_size: usize,
        spid: u16,
        tx: &'a mpsc::Sender<Bytes>,
        cancel: &'a AtomicBool,
        server_name: &'a str,
        in_proc: bool,
    ) -> Self {
        TdsSink {
            out: MessageWriter::new(PacketType::TabularResult, packet_size, spid),
            tx,
            cancel,
            server_name,
            columns: Vec::new(),
            pending: None,
            statement_error: false,
            any_error: false,
            in_proc,
            broken: false,
            row_error: None,
            return_values: Vec::new(),
        }
    }

    /// Ends the response to a SQL batch (or an RPC, with RETURNSTATUS and DONEPROC).
    ///
    /// A cancelled request ends its response message (the statement DONEs written so far, then
    /// a final DONE) and acknowledges the ATTENTION in a message of its own: one DONE with the
    /// ATTN bit (0x20) (MS-TDS 2.2.1.7, 2.2.2.9, 3.3.5.9). Clients read the acknowledgement as
    /// the next response: tedious, once it has sent ATTENTION, lets the response in flight run
    /// out and then reads exactly one more message, waiting for the DONE with ATTN there.
    pub fn finish(mut self) {
        let cancelled = self.cancel.swap(false, Ordering::SeqCst);
        if cancelled {
            let status = DoneStatus { error: self.any_error, ..Default::default() };
            if self.in_proc {
                self.flush_pending(true);
                tokens::write_done(self.out.buf_mut(), DoneKind::DoneProc, status, 0);
            } else if self.pending.is_some() {
                self.flush_pending(false);
            } else {
                tokens::write_done(self.out.buf_mut(), DoneKind::Done, status, 0);
            }
            let response = self.out.finish();
            self.send(response);
            let ack = attention_ack(&mut self.out);
            self.send(ack);
            return;
        } else if self.in_proc {
            // MS-TDS 2.2.2.5/2.2.2.6: an RPC returns a status (RETURNSTATUS) and one RETURNVALUE
            // per OUTPUT parameter; SQL Server sends them in that order, before DONEPROC.
            self.flush_pending(true);
            tokens::write_return_status(self.out.buf_mut(), 0);
            for rv in std::mem::take(&mut self.return_values) {
                let mark = self.out.pending();
                let written =
                    tokens::write_return_value(self.out.buf_mut(), rv.ordinal, &rv.name, &rv.ty, &rv.value);
                if let Err(e) = written {
                    self.out.buf_mut().truncate(mark);
                    tokens::write_error(self.out.buf_mut(), &e, self.server_name);
                    self.any_error = true;
                }
            }
            let status = DoneStatus { error: self.any_error, ..Default::default() };
            tokens::write_done(self.out.buf_mut(), DoneKind::DoneProc, status, 0);
        } else if self.pending.is_some() {
            self.flush_pending(false);
        } else {
            tokens::write_done(self.out.buf_mut(), DoneKind::Done, DoneStatus::default(), 0);
        }
        let last = self.out.finish();
        self.send(last);
    }

    /// Queues an OUTPUT parameter's RETURNVALUE for the end of the RPC.
    pub fn return_value(&mut self, value: ReturnValue) {
        self.return_values.push(value);
    }

    /// Starts the response with the outcome of a RESETCONNECTION: ENVCHANGE type 18 ("Reset
    /// Completion Acknowledgement", MS-TDS 2.2.7.9, empty old and new values) once the session
    /// was reset, or the error that stopped the reset.
    pub fn reset_acknowledged(&mut self, outcome: Result<(), SqlError>) {
        match outcome {
            Ok(()) => tokens::write_env_change(self.out.buf_mut(), &tokens::EnvChange::ResetCompletion),
            Err(e) => tokens::write_error(self.out.buf_mut(), &e, self.server_name),
        }
    }

    /// Writes the held-back DONE; `more` when further tokens follow it.
    fn flush_pending(&mut self, more: bool) {
        let Some(done) = self.pending.take() else { return };
        let kind = if self.in_proc { DoneKind::DoneInProc } else { DoneKind::Done };
        let status = DoneStatus { more, error: done.error, count: done.rows.is_some(), ..Default::default() };
        tokens::write_done(self.out.buf_mut(), kind, status, done.rows.unwrap_or(0));
    }

    fn stream_full_packets(&mut self) -> Result<(), Stop> {
        if let Some(packets) = self.out.take_full_packets() {
            self.send(packets);
        }
        if self.broken { Err(Stop) } else { Ok(()) }
    }

    fn send(&mut self, bytes: Bytes) {
        if !self.broken && self.tx.blocking_send(bytes).is_err() {
            self.broken = true;
        }
    }
}

/// The attention acknowledgement: a message holding one DONE with the ATTN bit (0x20).
pub(crate) fn attention_ack(out: &mut MessageWriter) -> Bytes {
    tokens::write_done(
        out.buf_mut(),
        DoneKind::Done,
        DoneStatus { attention: true, ..Default::default() },
        0,
    );
    out.finish()
}

impl ResultSink for TdsSink<'_> {
    fn columns(&mut self, columns: &[Column]) -> Result<(), Stop> {
        self.flush_pending(true);
        self.columns = columns.to_vec();
        tokens::write_colmetadata(self.out.buf_mut(), columns);
        self.stream_full_packets()
    }

    fn row(&mut self, cells: &[Cell<'_>]) -> Result<(), Stop> {
        let mark = self.out.pending();
        if let Err(e) = values::write_row(self.out.buf_mut(), &self.columns, cells) {
            self.out.buf_mut().truncate(mark);
            self.row_error = Some(e);
            return Err(Stop);
        }
        if self.out.pending() >= self.out.packet_size() {
            self.stream_full_packets()?;
        }
        Ok(())
    }

    fn take_row_error(&mut self) -> Option<SqlError> {
        self.row_error.take()
    }

    fn done(&mut self, rows: Option<u64>) {
        if let Some(e) = self.row_error.take() {
            self.error(&e);
        }
        self.flush_pending(true);
        self.pending = Some(PendingDone { rows, error: self.statement_error });
        self.statement_error = false;
        let _ = self.stream_full_packets();
    }

    fn error(&mut self, error: &SqlError) {
        self.flush_pending(true);
        tokens::write_error(self.out.buf_mut(), error, self.server_name);
        self.statement_error = true;
        self.any_error = true;
    }

    fn info(&mut self, number: i32, message: &str) {
        self.flush_pending(true);
        tokens::write_info(self.out.buf_mut(), &SqlError::new(number, 0, message), self.server_name);
    }

    fn message(&mut self, message: &SqlError) {
        self.flush_pending(true);
        tokens::write_info(self.out.buf_mut(), message, self.server_name);
    }

    fn database_changed(&mut self, from: &str, to: &str) {
        self.flush_pending(true);
        tokens::write_env_database(self.out.buf_mut(), to, from);
    }

    fn transaction_changed(&mut self, change: TransactionChange) {
        self.flush_pending(true);
        let env = match change {
            TransactionChange::Begin(d) => EnvChange::BeginTransaction(d.to_le_bytes()),
            TransactionChange::Commit(d) => EnvChange::CommitTransaction(d.to_le_bytes()),
            TransactionChange::Rollback(d) => EnvChange::RollbackTransaction(d.to_le_bytes()),
        };
        tokens::write_env_change(self.out.buf_mut(), &env);
    }

    fn cancelled(&self) -> bool {
        self.broken || self.cancel.load(Ordering::Relaxed)
    }
}
