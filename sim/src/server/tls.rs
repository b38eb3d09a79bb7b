//! TLS for the simulator, the way TDS does it.
//!
//! TDS 7.x runs the TLS handshake *inside* PRELOGIN packets: every handshake record the client
//! sends arrives wrapped in a TDS packet header, and the server must wrap its own records the
//! same way. Once the handshake completes, TLS records flow bare on the socket.
//! [`PreloginWrapped`] does that framing so a stock rustls acceptor can drive the handshake.
//! TDS 8.0 ("strict") starts TLS directly on the socket; [`Tls::accept_strict`] handles it.
//!
//! Versions follow SQL Server: inside TDS 7.x PRELOGIN it negotiates TLS 1.2 (older servers also
//! 1.0/1.1), never TLS 1.3, which it offers only with TDS 8.0 strict encryption (MS-TDS 2.2.6.5
//! and "TDS 8.0" in Microsoft's SQL Server docs: TLS 1.3 needs `Encrypt=Strict`). A TDS 7.x client
//! met with TLS 1.3 in PRELOGIN packets may fail after the handshake: GnuTLS FreeTDS reports
//! "Bad record MAC" and tedious waits for a Finished that never comes, because TLS 1.3 ends the
//! server's flight with encrypted records the client reads as bare ones.
//!
//! The certificate is generated at start-up (self-signed for `localhost` and `127.0.0.1`), so
//! clients must trust it explicitly (`TrustServerCertificate=true`), as with a fresh SQL Server.

use bytes::{Buf, BufMut, BytesMut};
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::{self, pki_types};

const HEADER: usize = 8;
const PRELOGIN: u8 = 0x12;
const MAX_WRAPPED_PAYLOAD: usize = 4088;
/// TDS 7.x: TLS inside PRELOGIN is TLS 1.2, as SQL Server negotiates it.
pub const PRELOGIN_VERSIONS: &[&rustls::SupportedProtocolVersion] = &[&rustls::version::TLS12];
/// TDS 8.0 strict: TLS 1.3 preferred, TLS 1.2 accepted (SQL Server 2022 and Azure SQL).
pub const STRICT_VERSIONS: &[&rustls::SupportedProtocolVersion] =
    &[&rustls::version::TLS13, &rustls::version::TLS12];

/// The server's TLS identity: a certificate generated at start-up and an acceptor built on it.
#[derive(Clone)]
pub struct Tls {
    acceptor: TlsAcceptor,
    strict_acceptor: TlsAcceptor,
    certificate_der: Arc<Vec<u8>>,
}

impl Tls {
    /// Generates a self-signed certificate for `localhost`/`127.0.0.1` and a rustls acceptor.
    pub fn generate() -> io::Result<Tls> {
        let names = vec!["localhost".to_string(), "127.0.0.1".to_string()];
        let certified = rcgen::generate_simple_self_signed(names).map_err(io::Error::other)?;
        let cert_der = certified.cert.der().to_vec();
        let key_der = certified.signing_key.serialize_der();
        let build = |alpn: Vec<Vec<u8>>, versions: &[&'static rustls::SupportedProtocolVersion]| {
            let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
            let mut config = rustls::ServerConfig::builder_with_provider(provider)
                .with_protocol_versions(versions)
                .map_err(io::Error::other)?
                .with_no_client_auth()
                .with_single_cert(
                    vec![pki_types::CertificateDer::from(cert_der.clone())],
                    pki_types::PrivateKeyDer::Pkcs8(key_der.clone().into()),
                )
                .map_err(io::Error::other)?;
            config.alpn_protocols = alpn;
            // No TLS 1.3 session tickets (strict mode): clients never resume a TDS session.
            config.send_tls13_tickets = 0;
            Ok::<_, io::Error>(TlsAcceptor::from(Arc::new(config)))
        };
        Ok(Tls {
            acceptor: build(Vec::new(), PRELOGIN_VERSIONS)?,
            strict_acceptor: build(vec![b"tds/8.0".to_vec()], STRICT_VERSIONS)?,
            certificate_der: Arc::new(cert_der.clone()),
        })
    }

    /// The certificate in DER form (tests may pin it).
    pub fn certificate_der(&self) -> &[u8] {
        &self.certificate_der
    }

    /// TDS 7.x: runs the handshake inside PRELOGIN packets, then passes records through.
    pub async fn accept_in_prelogin<S>(
        &self,
        stream: S,
    ) -> io::Result<tokio_rustls::server::TlsStream<PreloginWrapped<S>>>
    where
        S: AsyncRead + AsyncWrite + Unpin,
    {
        let mut tls = self.acceptor.accept(PreloginWrapped::new(stream)).await?;
        tls.get_mut().0.handshake_done();
        Ok(tls)
    }

    /// TDS 8.0 strict: TLS straight on the socket, ALPN `tds/8.0`.
    pub async fn accept_strict<S>(&self, stream: S) -> io::Result<tokio_rustls::server::TlsStream<S>>
    where
        S: AsyncRead + AsyncWrite + Unpin,
    {
        self.strict_acceptor.accept(stream).await
    }
}

/// Frames TLS handshake records in TDS PRELOGIN packets until [`handshake_done`] is called,
/// then passes bytes through untouched.
///
/// Each flight of handshake records (everything written between two flushes) travels as one
/// PRELOGIN *message*: packets with status 0x00 and EOM (0x01) on the last, as SQL Server
/// sends it. Clients read one message per flight: tedious feeds each whole message to its TLS
/// layer and waits for the next flight, so a flight split over two messages (ChangeCipherSpec
/// in one, Finished in the next) leaves it waiting until its connect timeout.
///
/// [`handshake_done`]: PreloginWrapped::handshake_done
pub struct PreloginWrapped<S> {
    inner: S,
    wrapping: bool,
    /// Payload bytes left in the current incoming packet.
    read_left: usize,
    header: [u8; HEADER],
    header_len: usize,
    /// Bytes of `header` still to hand out as data (a bare TLS record header read as if framed).
    pushback_len: usize,
    /// Handshake bytes of the current flight, framed when it is flushed.
    flight: BytesMut,
    /// Framed bytes waiting to be written to `inner`.
    pending: BytesMut,
}

impl<S> PreloginWrapped<S> {
    fn new(inner: S) -> Self {
        PreloginWrapped {
            inner,
            wrapping: true,
            read_left: 0,
            header: [0; HEADER],
            header_len: 0,
            pushback_len: 0,
            flight: BytesMut::new(),
            pending: BytesMut::new(),
        }
    }

    /// Stops framing: from now on TLS records flow bare.
    pub fn handshake_done(&mut self) {
        self.wrapping = false;
    }

    /// The raw stream, for the login-only encryption mode that drops TLS after LOGIN7.
    pub fn into_inner(self) -> S {
        self.inner
    }
}

impl<S: AsyncRead + Unpin> PreloginWrapped<S> {
    /// Reads the 8-byte header of the next wrapped packet.
    fn poll_header(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while self.header_len < HEADER {
            let mut buf = ReadBuf::new(&mut self.header[self.header_len..]);
            ready!(Pin::new(&mut self.inner).poll_read(cx, &mut buf))?;
            if buf.filled().is_empty() {
                return Poll::Ready(Err(io::ErrorKind::UnexpectedEof.into()));
            }
            self.header_len += buf.filled().len();
        }
        self.header_len = 0;
        if self.header[0] != PRELOGIN {
            // A bare TLS record: the peer finished its handshake (rustls may read ahead of the
            // moment we learn that ours is done). Hand these bytes back as data.
            self.wrapping = false;
            self.pushback_len = HEADER;
            return Poll::Ready(Ok(()));
        }
        let length = u16::from_be_bytes([self.header[2], self.header[3]]) as usize;
        if length < HEADER {
            return Poll::Ready(Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "TDS packet shorter than its header",
            )));
        }
        self.read_left = length - HEADER;
        Poll::Ready(Ok(()))
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for PreloginWrapped<S> {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        while this.wrapping && this.read_left == 0 {
            ready!(this.poll_header(cx))?;
        }
        if this.pushback_len > 0 {
            let n = this.pushback_len.min(buf.remaining());
            buf.put_slice(&this.header[HEADER - this.pushback_len..HEADER - this.pushback_len + n]);
            this.pushback_len -= n;
            return Poll::Ready(Ok(()));
        }
        if !this.wrapping {
            return Pin::new(&mut this.inner).poll_read(cx, buf);
        }
        let want = this.read_left.min(buf.remaining());
        let mut limited = ReadBuf::new(buf.initialize_unfilled_to(want));
        ready!(Pin::new(&mut this.inner).poll_read(cx, &mut limited))?;
        let n = limited.filled().len();
        if n == 0 {
            return Poll::Ready(Err(io::ErrorKind::UnexpectedEof.into()));
        }
        buf.advance(n);
        this.read_left -= n;
        Poll::Ready(Ok(()))
    }
}

impl<S> PreloginWrapped<S> {
    /// Frames the flight written so far as one PRELOGIN message.
    fn frame_flight(&mut self) {
        while !self.flight.is_empty() {
            let n = self.flight.len().min(MAX_WRAPPED_PAYLOAD);
            let last = n == self.flight.len();
            self.pending.put_u8(PRELOGIN);
            self.pending.put_u8(if last { 0x01 } else { 0x00 });
            self.pending.put_u16((n + HEADER) as u16);
            self.pending.put_u32(0x0000_0100);
            self.pending.extend_from_slice(&self.flight.split_to(n));
        }
    }
}

impl<S: AsyncWrite + Unpin> PreloginWrapped<S> {
    fn poll_drain(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while !self.pending.is_empty() {
            let n = ready!(Pin::new(&mut self.inner).poll_write(cx, &self.pending))?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            self.pending.advance(n);
        }
        Poll::Ready(Ok(()))
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for PreloginWrapped<S> {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, data: &[u8]) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if !this.wrapping {
            this.frame_flight();
            ready!(this.poll_drain(cx))?;
            return Pin::new(&mut this.inner).poll_write(cx, data);
        }
        this.flight.extend_from_slice(data);
        Poll::Ready(Ok(data.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        this.frame_flight();
        ready!(this.poll_drain(cx))?;
        Pin::new(&mut this.inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        this.frame_flight();
        ready!(this.poll_drain(cx))?;
        Pin::new(&mut this.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio_rustls::TlsConnector;
    use tokio_rustls::rustls::ProtocolVersion;

    /// A rustls client that trusts the simulator's certificate and offers TLS 1.2 and 1.3.
    fn connector(tls: &Tls, alpn: &[u8]) -> TlsConnector {
        let mut roots = rustls::RootCertStore::empty();
        roots.add(pki_types::CertificateDer::from(tls.certificate_der().to_vec())).unwrap();
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let mut config = rustls::ClientConfig::builder_with_provider(provider)
            .with_protocol_versions(STRICT_VERSIONS)
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth();
        if !alpn.is_empty() {
            config.alpn_protocols = vec![alpn.to_vec()];
        }
        TlsConnector::from(Arc::new(config))
    }

    fn localhost() -> pki_types::ServerName<'static> {
        pki_types::ServerName::try_from("localhost").unwrap()
    }

    /// A client offering TLS 1.3 inside TDS 7.x PRELOGIN gets TLS 1.2, as from SQL Server.
    #[tokio::test]
    async fn prelogin_tls_is_negotiated_as_tls_1_2_even_when_the_client_offers_1_3() {
        let tls = Tls::generate().unwrap();
        let (client_io, server_io) = tokio::io::duplex(64 * 1024);
        let client = connector(&tls, b"").connect(localhost(), PreloginWrapped::new(client_io));
        let (client, server) = tokio::join!(client, tls.accept_in_prelogin(server_io));
        let (client, server) = (client.unwrap(), server.unwrap());
        assert_eq!(client.get_ref().1.protocol_version(), Some(ProtocolVersion::TLSv1_2));
        assert_eq!(server.get_ref().1.protocol_version(), Some(ProtocolVersion::TLSv1_2));
    }

    /// A flight written in pieces goes out as one PRELOGIN message: status 0x00 on every
    /// packet but the last, EOM (0x01) on the last (what tedious waits for).
    #[tokio::test]
    async fn a_flight_is_one_prelogin_message_of_several_packets() {
        use tokio::io::AsyncWriteExt;
        let mut wrapped = PreloginWrapped::new(Vec::new());
        wrapped.write_all(&[0x14; 6]).await.unwrap();
        wrapped.write_all(&[0x16; 5000]).await.unwrap();
        wrapped.flush().await.unwrap();
        let out = wrapped.into_inner();
        let first_len = u16::from_be_bytes([out[2], out[3]]) as usize;
        assert_eq!((out[0], out[1], first_len), (PRELOGIN, 0x00, HEADER + MAX_WRAPPED_PAYLOAD));
        let second = &out[first_len..];
        let second_len = u16::from_be_bytes([second[2], second[3]]) as usize;
        assert_eq!((second[0], second[1], second_len), (PRELOGIN, 0x01, HEADER + 5006 - MAX_WRAPPED_PAYLOAD));
        assert_eq!(out.len(), first_len + second_len);
    }

    /// TDS 8.0 strict keeps TLS 1.3 (and ALPN `tds/8.0`).
    #[tokio::test]
    async fn strict_tls_is_negotiated_as_tls_1_3_with_alpn_tds_8() {
        let tls = Tls::generate().unwrap();
        let (client_io, server_io) = tokio::io::duplex(64 * 1024);
        let client = connector(&tls, b"tds/8.0").connect(localhost(), client_io);
        let (client, server) = tokio::join!(client, tls.accept_strict(server_io));
        let (client, server) = (client.unwrap(), server.unwrap());
        assert_eq!(client.get_ref().1.protocol_version(), Some(ProtocolVersion::TLSv1_3));
        assert_eq!(server.get_ref().1.alpn_protocol(), Some(&b"tds/8.0"[..]));
    }
}
