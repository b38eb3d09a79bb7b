//! TLS for the simulator, the way TDS does it.
//!
//! TDS 7.x runs the TLS handshake *inside* PRELOGIN packets: every handshake record the client
//! sends arrives wrapped in a TDS packet header, and the server must wrap its own records the
//! same way. Once the handshake completes, TLS records flow bare on the socket.
//! [`PreloginWrapped`] does that framing so a stock rustls acceptor can drive the handshake.
//! TDS 8.0 ("strict") starts TLS directly on the socket; [`Tls::accept_strict`] handles it.
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
        let build = |alpn: Vec<Vec<u8>>| -> io::Result<TlsAcceptor> {
            let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
            let mut config = rustls::ServerConfig::builder_with_provider(provider)
                .with_safe_default_protocol_versions()
                .map_err(io::Error::other)?
                .with_no_client_auth()
                .with_single_cert(
                    vec![pki_types::CertificateDer::from(cert_der.clone())],
                    pki_types::PrivateKeyDer::Pkcs8(key_der.clone().into()),
                )
                .map_err(io::Error::other)?;
            config.alpn_protocols = alpn;
            // No TLS 1.3 session tickets: they would follow the handshake while the client has
            // already stopped reading PRELOGIN-framed records.
            config.send_tls13_tickets = 0;
            Ok(TlsAcceptor::from(Arc::new(config)))
        };
        Ok(Tls {
            acceptor: build(Vec::new())?,
            strict_acceptor: build(vec![b"tds/8.0".to_vec()])?,
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
        ready!(this.poll_drain(cx))?;
        if !this.wrapping {
            return Pin::new(&mut this.inner).poll_write(cx, data);
        }
        let n = data.len().min(MAX_WRAPPED_PAYLOAD);
        this.pending.put_u8(PRELOGIN);
        this.pending.put_u8(0x01);
        this.pending.put_u16((n + HEADER) as u16);
        this.pending.put_u32(0x0000_0100);
        this.pending.extend_from_slice(&data[..n]);
        Poll::Ready(Ok(n))
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.poll_drain(cx))?;
        Pin::new(&mut this.inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.poll_drain(cx))?;
        Pin::new(&mut this.inner).poll_shutdown(cx)
    }
}
