//! One client connection: PRELOGIN, TLS, LOGIN7, then requests until the client leaves.
//!
//! The socket is read here, on the async side, the whole time a request runs, so an ATTENTION
//! (cancel) is seen mid-stream; the engine runs on the connection's worker thread and its
//! packets are written back by a writer task as they are produced.

use super::worker::{self, Request};
use super::{Shared, TlsMode};
use crate::error::SqlError;
use crate::tds::login7::Login7;
use crate::tds::packet::{self, Message, MessageWriter, PacketHeader, PacketType};
use crate::tds::prelogin::{self, PreLogin, TlsScope};
use crate::tds::{rpc, sqlbatch};
use bytes::{Bytes, BytesMut};
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::{mpsc, watch};

/// Any byte stream a connection can run over: plain TCP, or TLS over it.
pub(crate) trait Transport: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Transport for T {}
type Boxed = Box<dyn Transport>;

/// TLS record type "handshake": a TDS 8.0 (strict) client starts with TLS, not PRELOGIN.
const TLS_HANDSHAKE: u8 = 0x16;
/// Outgoing packets buffered between the worker and the socket (back-pressure beyond this).
const OUT_QUEUE: usize = 32;

pub(crate) async fn serve(
    stream: TcpStream,
    peer: SocketAddr,
    shared: Arc<Shared>,
    mut stop: watch::Receiver<bool>,
) -> io::Result<()> {
    let (transport, login) = tokio::select! {
        _ = stop.changed() => return Ok(()),
        handshake = handshake(stream, &shared) => handshake?,
    };
    run_session(transport, login, peer, shared, stop).await
}

/// PRELOGIN (and TLS) up to a decoded LOGIN7 record.
async fn handshake(mut stream: TcpStream, shared: &Shared) -> io::Result<(Boxed, Login7)> {
    let mut first = [0u8; 1];
    stream.peek(&mut first).await?;
    if first[0] == TLS_HANDSHAKE {
        let tls = shared.tls.as_ref().ok_or_else(|| {
            refused("TDS 8.0 strict encryption needs TLS; the simulator runs with --no-tls")
        })?;
        let mut transport: Boxed = Box::new(tls.accept_strict(stream).await?);
        let pre = read_prelogin(&mut transport).await?;
        send_prelogin_response(&mut transport, shared, &pre, prelogin::ENCRYPT_NOT_SUP).await?;
        let login = read_login(&mut transport).await?;
        return Ok((transport, login));
    }
    let pre = read_prelogin(&mut stream).await?;
    let supports = shared.tls.is_some();
    let requires = shared.tls_mode == TlsMode::Required;
    let Some(answer) = prelogin::negotiate_encryption(pre.encryption, supports, requires) else {
        return Err(refused("the client cannot encrypt and the simulator runs with --tls-required"));
    };
    send_prelogin_response(&mut stream, shared, &pre, answer).await?;
    match (prelogin::tls_scope(answer), shared.tls.as_ref()) {
        (TlsScope::None, _) | (_, None) => {
            let mut transport: Boxed = Box::new(stream);
            let login = read_login(&mut transport).await?;
            Ok((transport, login))
        }
        (TlsScope::LoginOnly, Some(tls)) => {
            let mut secured = tls.accept_in_prelogin(stream).await?;
            let login = read_login(&mut secured).await?;
            let (wrapped, _) = secured.into_inner();
            Ok((Box::new(wrapped.into_inner()), login))
        }
        (TlsScope::Full, Some(tls)) => {
            let mut transport: Boxed = Box::new(tls.accept_in_prelogin(stream).await?);
            let login = read_login(&mut transport).await?;
            Ok((transport, login))
        }
    }
}

async fn read_prelogin<S: AsyncRead + Unpin>(stream: &mut S) -> io::Result<PreLogin> {
    let msg = expect_message(stream).await?;
    if msg.header.ptype != PacketType::PreLogin {
        return Err(refused(&format!("expected PRELOGIN, got {:?}", msg.header.ptype)));
    }
    PreLogin::decode(&msg.payload)
}

async fn send_prelogin_response<S: AsyncWrite + Unpin>(
    stream: &mut S,
    shared: &Shared,
    _pre: &PreLogin,
    encryption: u8,
) -> io::Result<()> {
    let mut out = MessageWriter::new(PacketType::TabularResult, packet::DEFAULT_PACKET_SIZE, 0);
    prelogin::encode_response(out.buf_mut(), shared.server_version(), encryption);
    stream.write_all(&out.finish()).await?;
    stream.flush().await
}

async fn read_login<S: AsyncRead + Unpin>(stream: &mut S) -> io::Result<Login7> {
    let msg = expect_message(stream).await?;
    if msg.header.ptype != PacketType::Login7 {
        return Err(refused(&format!("expected LOGIN7, got {:?}", msg.header.ptype)));
    }
    Login7::decode(&msg.payload)
}

async fn expect_message<S: AsyncRead + Unpin>(stream: &mut S) -> io::Result<Message> {
    packet::read_message(stream)
        .await?
        .ok_or_else(|| io::Error::new(io::ErrorKind::UnexpectedEof, "client closed the connection"))
}

fn refused(why: &str) -> io::Error {
    io::Error::new(io::ErrorKind::ConnectionRefused, why.to_string())
}

/// Authenticates, answers the login, then serves requests until EOF, error or shutdown.
async fn run_session(
    transport: Boxed,
    login: Login7,
    peer: SocketAddr,
    shared: Arc<Shared>,
    mut stop: watch::Receiver<bool>,
) -> io::Result<()> {
    let (mut reader, mut writer) = tokio::io::split(transport);
    let packet_size = negotiated_packet_size(login.packet_size);
    let instance = shared.instance.clone();
    let login_for_engine = login.clone();
    let host = if login.hostname.is_empty() { peer.ip().to_string() } else { login.hostname.clone() };
    let session = tokio::task::spawn_blocking(move || {
        let l = &login_for_engine;
        let database = (!l.database.is_empty()).then_some(l.database.as_str());
        instance.connect(&l.username, &l.password, database, &l.app_name, &host)
    })
    .await
    .map_err(io::Error::other)?;
    let session = match session {
        Ok(session) => session,
        Err(error) => {
            writer.write_all(&login_failure(&error, &login.username, &shared)).await?;
            writer.flush().await?;
            return Ok(());
        }
    };
    session.set_client_address(peer);
    let spid = session.spid();
    let activity = session.activity();
    writer.write_all(&worker::login_response(&session, &shared, &login, packet_size)).await?;
    writer.flush().await?;

    let cancel = Arc::new(AtomicBool::new(false));
    let (out_tx, out_rx) = mpsc::channel::<Bytes>(OUT_QUEUE);
    let (req_tx, req_rx) = mpsc::unbounded_channel::<Request>();
    let interrupt = session.interrupt_handle();
    let worker = worker::spawn(session, req_rx, out_tx, cancel.clone(), packet_size, spid, shared.clone())?;
    let writer_task = tokio::spawn(write_loop(writer, out_rx));

    let mut assembler = Assembler::default();
    let result = loop {
        let packet = tokio::select! {
            _ = stop.changed() => break Ok(()),
            // Dropped by a fault or a restart: close the socket.
            _ = activity.kill.notified() => break Ok(()),
            packet = packet::read_packet(&mut reader) => packet,
        };
        let (header, payload) = match packet {
            Ok(Some(packet)) => packet,
            Ok(None) => break Ok(()),
            Err(e) => break Err(e),
        };
        let request = match assembler.push(header, payload) {
            Ok(Some(Request::Attention)) => {
                cancel.store(true, Ordering::SeqCst);
                activity.attention();
                interrupt.interrupt();
                Request::Attention
            }
            Ok(Some(request)) => request,
            Ok(None) => continue,
            Err(e) => break Err(e),
        };
        if let Some(reset) = assembler.take_reset()
            && req_tx.send(reset).is_err()
        {
            break Ok(());
        }
        if req_tx.send(request).is_err() {
            break Ok(());
        }
    };
    cancel.store(true, Ordering::SeqCst);
    interrupt.interrupt();
    drop(req_tx);
    let _ = tokio::task::spawn_blocking(move || worker.join()).await;
    writer_task.abort();
    result
}

/// Turns packets into requests for the worker. Bulk-load packets go through one by one, so a
/// large load streams into the table instead of being held in memory; other messages are
/// gathered up to their end-of-message packet.
#[derive(Default)]
struct Assembler {
    first: Option<PacketHeader>,
    payload: BytesMut,
    /// The last complete message asked for a session reset first (see [`Assembler::take_reset`]).
    reset: Option<Request>,
}

impl Assembler {
    fn push(&mut self, header: PacketHeader, payload: Bytes) -> io::Result<Option<Request>> {
        match header.ptype {
            PacketType::Attention => return Ok(Some(Request::Attention)),
            PacketType::BulkLoad => return Ok(Some(Request::BulkChunk(payload, header.is_eom()))),
            _ => {}
        }
        if self.payload.len() + payload.len() > packet::MAX_MESSAGE_LEN {
            return Err(refused("a client message larger than 256 MiB"));
        }
        let first = *self.first.get_or_insert(header);
        self.payload.extend_from_slice(&payload);
        if !header.is_eom() {
            return Ok(None);
        }
        self.first = None;
        if header.status & packet::STATUS_IGNORE != 0 {
            // The client gave up on this request before sending all of it (MS-TDS 2.2.1.7):
            // nothing of it runs; the answer is a single DONE, not an attention acknowledgement.
            self.payload.clear();
            return Ok(Some(Request::Ignored));
        }
        self.reset = reset_request(&first);
        decode_request(Message { header: first, payload: self.payload.split().freeze() })
    }

    /// The reset the message just assembled asked for, to run before it.
    fn take_reset(&mut self) -> Option<Request> {
        self.reset.take()
    }
}

/// RESETCONNECTION (0x08) or RESETCONNECTIONSKIPTRAN (0x10) in the status of a message's first
/// packet (MS-TDS 2.2.3.1.2; set only on SQL batch, RPC and transaction-manager requests, and
/// "SHOULD be ignored" on later packets of the message).
fn reset_request(first: &PacketHeader) -> Option<Request> {
    let resettable =
        matches!(first.ptype, PacketType::SqlBatch | PacketType::Rpc | PacketType::TransactionManager);
    (resettable && first.resets_connection())
        .then(|| Request::Reset { keep_transaction: first.status & packet::STATUS_RESET_SKIP_TRAN != 0 })
}

/// Turns a client message into a request for the worker.
fn decode_request(msg: Message) -> io::Result<Option<Request>> {
    Ok(Some(match msg.header.ptype {
        PacketType::SqlBatch => Request::Batch(sqlbatch::decode(&msg.payload)?),
        // A message that is whole but holds what the simulator cannot read is refused with an
        // error naming it; the connection stays usable (as it would on SQL Server, which reads
        // these messages).
        PacketType::Rpc => match rpc::decode(&msg.payload) {
            Ok(call) => Request::Rpc(call),
            Err(e) => Request::RpcRefused(SqlError::new(
                40517,
                16,
                format!("This RPC request is not supported by the cutover simulator: {e}."),
            )),
        },
        PacketType::TransactionManager => Request::TransactionManager(msg.payload),
        other => return Err(refused(&format!("unexpected {other:?} message after login"))),
    }))
}

async fn write_loop<W: AsyncWrite + Unpin>(mut writer: W, mut out: mpsc::Receiver<Bytes>) -> io::Result<()> {
    while let Some(bytes) = out.recv().await {
        writer.write_all(&bytes).await?;
        if out.is_empty() {
            writer.flush().await?;
        }
    }
    writer.flush().await
}

fn negotiated_packet_size(requested: u32) -> usize {
    match requested {
        0 => packet::DEFAULT_PACKET_SIZE,
        n => (n as usize).clamp(packet::MIN_PACKET_SIZE, packet::MAX_PACKET_SIZE),
    }
}

fn login_failure(error: &SqlError, user: &str, shared: &Shared) -> Bytes {
    let mut out = MessageWriter::new(PacketType::TabularResult, packet::DEFAULT_PACKET_SIZE, 0);
    worker::write_login_failure(out.buf_mut(), error, user, shared);
    out.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn batch_packet(status: u8, sql: &str) -> (PacketHeader, Bytes) {
        let mut payload = BytesMut::new();
        sqlbatch::encode(&mut payload, sql);
        let length = (payload.len() + packet::HEADER_LEN) as u16;
        let header =
            PacketHeader { ptype: PacketType::SqlBatch, status, length, spid: 0, packet_id: 1, window: 0 };
        (header, payload.freeze())
    }

    fn assemble(packets: &[(u8, &str)]) -> (Option<Request>, Option<Request>) {
        let mut assembler = Assembler::default();
        let mut last = None;
        for (status, sql) in packets {
            let (header, payload) = batch_packet(*status, sql);
            last = assembler.push(header, payload).unwrap();
        }
        (last, assembler.take_reset())
    }

    /// MS-TDS 2.2.3.1.2: RESETCONNECTION (0x08) and RESETCONNECTIONSKIPTRAN (0x10) on a request's
    /// first packet ask for a reset before it runs; the request itself is decoded as usual.
    #[test]
    fn reset_bits_on_the_first_packet_ask_for_a_reset_before_the_request() {
        let (request, reset) = assemble(&[(0x09, "SELECT 1")]);
        assert!(matches!(request, Some(Request::Batch(ref sql)) if sql == "SELECT 1"));
        assert!(matches!(reset, Some(Request::Reset { keep_transaction: false })));
        let (_, reset) = assemble(&[(0x11, "SELECT 1")]);
        assert!(matches!(reset, Some(Request::Reset { keep_transaction: true })));
        let (_, reset) = assemble(&[(0x01, "SELECT 1")]);
        assert!(reset.is_none());
        // On a later packet of the message the bit is ignored.
        let (request, reset) = assemble(&[(0x00, "SELECT 1"), (0x09, "")]);
        assert!(matches!(request, Some(Request::Batch(_))) && reset.is_none());
    }

    /// A table-valued parameter (TYPE_INFO 0xF3, MS-TDS 2.2.5.5.5) is refused with an error that
    /// names it; the connection is not dropped.
    #[test]
    fn a_table_valued_parameter_is_refused_not_fatal() {
        let mut payload = BytesMut::new();
        crate::tds::headers::encode(
            &mut payload,
            &crate::tds::headers::AllHeaders { transaction_descriptor: 0, outstanding_requests: 1 },
        );
        payload.extend_from_slice(&[0xFF, 0xFF, 10, 0, 0, 0]); // sp_executesql, no options
        payload.extend_from_slice(&[2, b'@', 0, b't', 0, 0, 0xF3]); // @t, status 0, TVP
        let header =
            PacketHeader { ptype: PacketType::Rpc, status: 1, length: 0, spid: 0, packet_id: 1, window: 0 };
        let msg = Message { header, payload: payload.freeze() };
        match decode_request(msg).unwrap() {
            Some(Request::RpcRefused(e)) => assert!(e.message.contains("table-valued"), "{}", e.message),
            _ => panic!("a TVP call should be refused"),
        }
    }

    /// MS-TDS 2.2.1.7: a message ended with IGNORE (0x02) and EOM is abandoned: nothing of it runs.
    #[test]
    fn an_ignored_message_is_not_run() {
        let (request, reset) = assemble(&[(0x00, "DELETE FROM dbo.t WHERE"), (0x03, "")]);
        assert!(matches!(request, Some(Request::Ignored)) && reset.is_none());
        // The next message starts afresh.
        let mut assembler = Assembler::default();
        for (status, sql) in [(0x00, "DELETE"), (0x03, ""), (0x01, "SELECT 2")] {
            let (header, payload) = batch_packet(status, sql);
            if let Some(Request::Batch(sql)) = assembler.push(header, payload).unwrap() {
                assert_eq!(sql, "SELECT 2");
            }
        }
    }
}
