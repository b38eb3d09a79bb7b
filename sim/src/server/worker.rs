//! A connection's engine thread: runs each request against the connection's session and
//! streams the results back as TDS packets.
//!
//! SQLite is blocking, so each connection gets one OS thread that owns its
//! [`Session`]; the async side only moves bytes.

use super::Shared;
use super::sink::TdsSink;
use crate::engine::ResultSink;
use crate::engine::runtime::xe::Completed;
use crate::engine::runtime::{BulkLoad, Session};
use crate::error::SqlError;
use crate::tds::bulk::BulkDecoder;
use crate::tds::login7::Login7;
use crate::tds::packet::{MessageWriter, PacketType};
use crate::tds::rpc::RpcRequest;
use crate::tds::tokens::{self, DoneKind, DoneStatus};
use bytes::{Bytes, BytesMut};
use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use tokio::sync::mpsc;

/// What the connection asks its worker to do.
pub(crate) enum Request {
    Batch(String),
    Rpc(RpcRequest),
    /// An RPC message the simulator cannot decode (a table-valued parameter, Always Encrypted):
    /// the whole message was read, so it is answered with an error and the connection stays.
    RpcRefused(SqlError),
    /// The client sent ATTENTION; answered here if no request consumed it.
    Attention,
    /// A request the client abandoned mid-message (status IGNORE with EOM): answered with one
    /// DONE and not run.
    Ignored,
    /// A transaction-manager request (begin/commit/rollback from drivers that use them).
    TransactionManager(Bytes),
    /// A packet of the bulk load announced by a preceding `INSERT BULK`; `true` on the last.
    BulkChunk(Bytes, bool),
    /// The next request's first packet carried RESETCONNECTION (or, keeping the transaction,
    /// RESETCONNECTIONSKIPTRAN): reset the session before running it.
    Reset {
        keep_transaction: bool,
    },
}

/// Starts the worker thread for one connection.
pub(crate) fn spawn(
    mut session: Session,
    mut requests: mpsc::UnboundedReceiver<Request>,
    out: mpsc::Sender<Bytes>,
    cancel: Arc<AtomicBool>,
    packet_size: usize,
    spid: u16,
    shared: Arc<Shared>,
) -> io::Result<JoinHandle<()>> {
    std::thread::Builder::new().name(format!("sim-spid-{spid}")).spawn(move || {
        let server_name = shared.server_name();
        let login_database = session.database();
        let mut bulk = BulkState::Idle;
        let mut prepared = super::rpc::Prepared::default();
        let mut reset: Option<Result<(), SqlError>> = None;
        let activity = session.activity();
        while let Some(request) = requests.blocking_recv() {
            // A reset comes right before the request it belongs to, whose response starts with it.
            let ack = std::cell::Cell::new(reset.take());
            let new_sink = |in_proc| {
                let mut sink = TdsSink::new(packet_size, spid, &out, &cancel, &server_name, in_proc);
                if let Some(outcome) = ack.take() {
                    sink.reset_acknowledged(outcome);
                }
                sink
            };
            match request {
                Request::Reset { keep_transaction } => {
                    reset = Some(session.reset(&login_database, keep_transaction));
                    continue;
                }
                Request::Batch(sql) => {
                    let mut sink = new_sink(false);
                    match super::bulk::insert_bulk_target(&sql) {
                        Some(target) => match session.bulk_begin(&target) {
                            Ok(load) => {
                                bulk = BulkState::Loading(load, BulkDecoder::default());
                                sink.done(None);
                            }
                            Err(e) => {
                                sink.error(&e);
                                sink.done(None);
                            }
                        },
                        None => {
                            let started = std::time::Instant::now();
                            session.execute(&sql, &[], &mut sink);
                            session.xe_completed(&Completed::Batch { text: &sql }, started);
                        }
                    }
                    sink.finish();
                }
                Request::BulkChunk(chunk, last) => {
                    bulk = bulk.push(&mut session, &chunk, last);
                    if last {
                        let mut sink = new_sink(false);
                        std::mem::take(&mut bulk).finish(&mut session, &mut sink);
                        sink.finish();
                    }
                }
                Request::Rpc(rpc) => {
                    let mut sink = new_sink(true);
                    super::rpc::run(&mut session, &mut prepared, rpc, &mut sink);
                    sink.finish();
                }
                Request::TransactionManager(payload) => {
                    let mut sink = new_sink(false);
                    run_transaction_manager(&mut session, &payload, &mut sink);
                    sink.finish();
                }
                Request::RpcRefused(error) => {
                    let mut sink = new_sink(true);
                    sink.error(&error);
                    sink.done(None);
                    sink.finish();
                }
                Request::Ignored => new_sink(false).finish(),
                Request::Attention => {
                    if cancel.swap(false, Ordering::SeqCst) {
                        let mut writer = MessageWriter::new(PacketType::TabularResult, packet_size, spid);
                        let _ = out.blocking_send(super::sink::attention_ack(&mut writer));
                    }
                }
            }
            // The request is answered (an ATTENTION with it): waits of later requests run out.
            activity.clear_attention();
        }
    })
}

/// Where a connection's bulk load stands between packets.
#[derive(Default)]
enum BulkState {
    #[default]
    Idle,
    Loading(BulkLoad, BulkDecoder),
    /// Failed part-way: the rest of the stream is read and dropped, then the error is reported.
    Failed(Option<BulkLoad>, SqlError),
}

impl BulkState {
    /// Decodes a packet of rows and inserts them.
    fn push(self, session: &mut Session, chunk: &[u8], last: bool) -> BulkState {
        match self {
            BulkState::Idle => BulkState::Failed(
                None,
                SqlError::new(4804, 16, "Bulk load data arrived without a preceding INSERT BULK statement."),
            ),
            BulkState::Loading(mut load, mut decoder) => {
                let inserted = decoder
                    .push(chunk, last)
                    .map_err(|e| {
                        SqlError::new(4804, 16, format!("The bulk load data could not be read: {e}."))
                    })
                    .and_then(|rows| {
                        let columns: Vec<String> =
                            decoder.columns().unwrap_or_default().iter().map(|c| c.name.clone()).collect();
                        session.bulk_rows(&mut load, &columns, &rows)
                    });
                match inserted {
                    Ok(()) => BulkState::Loading(load, decoder),
                    Err(e) => BulkState::Failed(Some(load), e),
                }
            }
            failed @ BulkState::Failed(..) => failed,
        }
    }

    /// Commits (or rolls back) and answers the client.
    fn finish(self, session: &mut Session, sink: &mut TdsSink<'_>) {
        let outcome = match self {
            BulkState::Loading(load, _) => session.bulk_end(load, true),
            BulkState::Failed(load, e) => {
                if let Some(load) = load {
                    let _ = session.bulk_end(load, false);
                }
                Err(e)
            }
            BulkState::Idle => Ok(0),
        };
        match outcome {
            Ok(rows) => sink.done(Some(rows)),
            Err(e) => {
                sink.error(&e);
                sink.done(None);
            }
        }
    }
}

/// A transaction-manager request (begin/commit/rollback/save from drivers that use them).
fn run_transaction_manager(session: &mut Session, payload: &[u8], sink: &mut TdsSink<'_>) {
    match crate::tds::tm::decode(payload) {
        Ok(request) => session.transaction_request(&request, sink),
        Err(e) => {
            sink.error(&SqlError::new(
                4002,
                16,
                format!("The incoming tabular data stream (TDS) protocol stream is incorrect: {e}."),
            ));
            sink.done(None);
        }
    }
}

/// The successful login reply: database, language, collation and packet-size changes, the
/// informational messages SQL Server sends, LOGINACK, DONE.
pub(crate) fn login_response(
    session: &Session,
    shared: &Shared,
    login: &Login7,
    packet_size: usize,
) -> Bytes {
    let mut out = MessageWriter::new(PacketType::TabularResult, packet_size, session.spid());
    let buf = out.buf_mut();
    let server = shared.server_name();
    let database = session.database();
    tokens::write_env_database(buf, &database, "master");
    let msg = format!("Changed database context to '{database}'.");
    tokens::write_info(buf, &SqlError::new(5701, 0, msg).with_state(2), &server);
    tokens::write_env_language(buf, "us_english", "");
    tokens::write_info(
        buf,
        &SqlError::new(5703, 0, "Changed language setting to us_english.").with_state(1),
        &server,
    );
    tokens::write_env_collation(buf);
    tokens::write_env_packet_size(buf, packet_size, crate::tds::packet::DEFAULT_PACKET_SIZE);
    let version = tokens::login::negotiate_tds_version(login.tds_version);
    tokens::write_loginack(buf, version, "Microsoft SQL Server", shared.server_version());
    tokens::write_done(buf, DoneKind::Done, DoneStatus::default(), 0);
    out.finish()
}

/// The failed-login reply: ERROR (e.g. 18456) and DONE with the error bit. A missing database
/// (4060, "Cannot open database … requested by the login. The login failed.") is followed by
/// 18456 "Login failed for user …" (class 14, state 1 as clients see it), as SQL Server sends
/// them: drivers treat the pair as a failed login and stop, where 4060 alone looks transient.
pub(crate) fn write_login_failure(buf: &mut BytesMut, error: &SqlError, user: &str, shared: &Shared) {
    let server = shared.server_name();
    tokens::write_error(buf, error, &server);
    if error.number == 4060 {
        tokens::write_error(buf, &SqlError::login_failed(user).with_state(1), &server);
    }
    tokens::write_done(buf, DoneKind::Done, DoneStatus { error: true, ..Default::default() }, 0);
}
