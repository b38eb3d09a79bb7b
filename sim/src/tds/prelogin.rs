//! PRELOGIN: the first exchange, which fixes the encryption mode (MS-TDS 2.2.6.5).
//!
//! The payload is an option table (`token u8, offset u16 BE, length u16 BE`, terminated by
//! 0xFF) followed by the option data. The server's answer carries exactly VERSION, ENCRYPTION,
//! INSTOPT (0x00), THREADID (empty) and MARS (0): tiberius rejects any option it does not know.

use super::wire::{Reader, invalid};
use bytes::{BufMut, BytesMut};
use std::io;

pub const ENCRYPT_OFF: u8 = 0x00;
pub const ENCRYPT_ON: u8 = 0x01;
pub const ENCRYPT_NOT_SUP: u8 = 0x02;
pub const ENCRYPT_REQ: u8 = 0x03;
/// Flag a client may OR into its encryption byte to offer certificate authentication.
pub const ENCRYPT_CLIENT_CERT: u8 = 0x80;

/// Option tokens.
pub const VERSION: u8 = 0x00;
pub const ENCRYPTION: u8 = 0x01;
pub const INSTOPT: u8 = 0x02;
pub const THREADID: u8 = 0x03;
pub const MARS: u8 = 0x04;
pub const TRACEID: u8 = 0x05;
pub const FEDAUTHREQUIRED: u8 = 0x06;
pub const NONCEOPT: u8 = 0x07;
pub const TERMINATOR: u8 = 0xFF;

/// A PRELOGIN message (what the client sent, or what the server answers).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PreLogin {
    /// Version as 4 bytes big-endian (`major, minor, build hi, build lo`) plus sub-build.
    pub version: u32,
    pub sub_build: u16,
    pub encryption: u8,
    /// INSTOPT: instance name the client expects (empty = default instance).
    pub instance: String,
    pub thread_id: Option<u32>,
    pub mars: bool,
    /// TRACEID: 16-byte connection id, 16-byte activity id, 4-byte sequence.
    pub trace_id: Option<[u8; 36]>,
    pub fed_auth_required: bool,
    pub nonce: Option<[u8; 32]>,
}

impl PreLogin {
    /// Parses a PRELOGIN payload; unknown options are skipped (servers must tolerate them).
    pub fn decode(payload: &[u8]) -> io::Result<Self> {
        let mut table = Reader::new(payload);
        let mut out = PreLogin::default();
        loop {
            let token = table.u8()?;
            if token == TERMINATOR {
                return Ok(out);
            }
            let offset = table.u16_be()? as usize;
            let len = table.u16_be()? as usize;
            let data = payload
                .get(offset..offset + len)
                .ok_or_else(|| invalid(format!("PRELOGIN option {token} points outside the message")))?;
            out.apply(token, data)?;
        }
    }

    fn apply(&mut self, token: u8, data: &[u8]) -> io::Result<()> {
        let mut r = Reader::new(data);
        match token {
            VERSION => {
                self.version = r.u32_be()?;
                self.sub_build = if r.remaining() >= 2 { r.u16_be()? } else { 0 };
            }
            ENCRYPTION => self.encryption = r.u8()?,
            INSTOPT => {
                let name = data.split(|b| *b == 0).next().unwrap_or_default();
                self.instance = String::from_utf8_lossy(name).into_owned();
            }
            THREADID => self.thread_id = (data.len() >= 4).then(|| r.u32_be()).transpose()?,
            MARS => self.mars = data.first().is_some_and(|b| *b != 0),
            TRACEID => self.trace_id = data.try_into().ok(),
            FEDAUTHREQUIRED => self.fed_auth_required = data.first().is_some_and(|b| *b != 0),
            NONCEOPT => self.nonce = data.try_into().ok(),
            _ => {}
        }
        Ok(())
    }

    /// Encodes every option this struct carries (the client's view; for tests and tools).
    pub fn encode(&self, dst: &mut BytesMut) {
        let mut options: Vec<(u8, Vec<u8>)> = vec![
            (VERSION, [&self.version.to_be_bytes()[..], &self.sub_build.to_be_bytes()].concat()),
            (ENCRYPTION, vec![self.encryption]),
            (INSTOPT, [self.instance.as_bytes(), &[0]].concat()),
            (THREADID, self.thread_id.map(|t| t.to_be_bytes().to_vec()).unwrap_or_default()),
            (MARS, vec![self.mars as u8]),
        ];
        if let Some(trace) = self.trace_id {
            options.push((TRACEID, trace.to_vec()));
        }
        if self.fed_auth_required {
            options.push((FEDAUTHREQUIRED, vec![1]));
        }
        if let Some(nonce) = self.nonce {
            options.push((NONCEOPT, nonce.to_vec()));
        }
        encode_options(dst, &options);
    }
}

fn encode_options(dst: &mut BytesMut, options: &[(u8, Vec<u8>)]) {
    let mut offset = options.len() * 5 + 1;
    for (token, data) in options {
        dst.put_u8(*token);
        dst.put_u16(offset as u16);
        dst.put_u16(data.len() as u16);
        offset += data.len();
    }
    dst.put_u8(TERMINATOR);
    for (_, data) in options {
        dst.put_slice(data);
    }
}

/// The server's product version for the VERSION option, e.g. 16.0.4135 for SQL Server 2022.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ServerVersion {
    pub major: u8,
    pub minor: u8,
    pub build: u16,
}

impl ServerVersion {
    /// As LOGINACK's 4-byte program version (`major, minor, build hi, build lo`).
    pub fn to_bytes(self) -> [u8; 4] {
        let [hi, lo] = self.build.to_be_bytes();
        [self.major, self.minor, hi, lo]
    }
}

/// Appends the server's PRELOGIN answer: VERSION, ENCRYPTION, INSTOPT 0x00, THREADID (empty),
/// MARS 0 — nothing else.
pub fn encode_response(dst: &mut BytesMut, version: ServerVersion, encryption: u8) {
    let options = [
        (VERSION, [&version.to_bytes()[..], &[0, 0]].concat()),
        (ENCRYPTION, vec![encryption]),
        (INSTOPT, vec![0]),
        (THREADID, vec![]),
        (MARS, vec![0]),
    ];
    encode_options(dst, &options);
}

/// How much of the connection the negotiated answer puts under TLS.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TlsScope {
    /// No TLS at all (answer NOT_SUP).
    None,
    /// TLS for the LOGIN7 exchange only, then plain TDS (answer OFF).
    LoginOnly,
    /// TLS for the whole connection (answer ON or REQ).
    Full,
}

/// The scope that a server answer implies.
pub fn tls_scope(server_answer: u8) -> TlsScope {
    match server_answer & !ENCRYPT_CLIENT_CERT {
        ENCRYPT_OFF => TlsScope::LoginOnly,
        ENCRYPT_NOT_SUP => TlsScope::None,
        _ => TlsScope::Full,
    }
}

/// The server's ENCRYPTION answer to the client's value (MS-TDS 2.2.6.5 negotiation table).
/// `None` when the connection must be refused: the server requires TLS and the client cannot
/// do it. A client that demands TLS from a server without it gets NOT_SUP and disconnects.
pub fn negotiate_encryption(client: u8, server_supports_tls: bool, server_requires_tls: bool) -> Option<u8> {
    let client = client & !ENCRYPT_CLIENT_CERT;
    if !server_supports_tls {
        return Some(ENCRYPT_NOT_SUP);
    }
    Some(match (client, server_requires_tls) {
        (ENCRYPT_NOT_SUP, true) => return None,
        (ENCRYPT_NOT_SUP, false) => ENCRYPT_NOT_SUP,
        (ENCRYPT_OFF, false) => ENCRYPT_OFF,
        (ENCRYPT_OFF, true) => ENCRYPT_REQ,
        _ => ENCRYPT_ON,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_prelogin_round_trips() {
        let msg = PreLogin {
            version: 0x0900_0000,
            sub_build: 0,
            encryption: ENCRYPT_NOT_SUP,
            instance: "MSSQLSERVER".into(),
            thread_id: Some(1234),
            mars: false,
            trace_id: Some([7; 36]),
            fed_auth_required: true,
            nonce: Some([9; 32]),
        };
        let mut buf = BytesMut::new();
        msg.encode(&mut buf);
        assert_eq!(PreLogin::decode(&buf).unwrap(), msg);
    }

    #[test]
    fn server_response_has_exactly_five_options() {
        let mut buf = BytesMut::new();
        encode_response(&mut buf, ServerVersion { major: 16, minor: 0, build: 4135 }, ENCRYPT_NOT_SUP);
        let expected: &[u8] = &[
            0x00, 0x00, 0x1A, 0x00, 0x06, // VERSION at 26, 6 bytes
            0x01, 0x00, 0x20, 0x00, 0x01, // ENCRYPTION at 32
            0x02, 0x00, 0x21, 0x00, 0x01, // INSTOPT at 33
            0x03, 0x00, 0x22, 0x00, 0x00, // THREADID at 34, empty
            0x04, 0x00, 0x22, 0x00, 0x01, // MARS at 34
            0xFF, 16, 0, 0x10, 0x27, 0, 0, // version 16.0.4135, sub-build 0
            0x02, 0x00, 0x00,
        ];
        assert_eq!(&buf[..], expected);
        let back = PreLogin::decode(&buf).unwrap();
        assert_eq!((back.encryption, back.instance.as_str(), back.mars), (ENCRYPT_NOT_SUP, "", false));
        assert_eq!(back.thread_id, None);
    }

    #[test]
    fn malformed_prelogin_is_an_error() {
        assert!(PreLogin::decode(&[]).is_err(), "no terminator");
        assert!(PreLogin::decode(&[0x00, 0x00, 0x50, 0x00, 0x06, 0xFF]).is_err(), "offset outside");
        assert!(PreLogin::decode(&[0x01, 0x00, 0x06, 0x00, 0x00, 0xFF]).is_err(), "empty encryption");
    }

    #[test]
    fn encryption_negotiation_follows_ms_tds() {
        use super::negotiate_encryption as n;
        for client in [ENCRYPT_OFF, ENCRYPT_ON, ENCRYPT_NOT_SUP, ENCRYPT_REQ] {
            assert_eq!(n(client, false, false), Some(ENCRYPT_NOT_SUP));
        }
        assert_eq!(n(ENCRYPT_OFF, true, false), Some(ENCRYPT_OFF));
        assert_eq!(n(ENCRYPT_ON, true, false), Some(ENCRYPT_ON));
        assert_eq!(n(ENCRYPT_NOT_SUP, true, false), Some(ENCRYPT_NOT_SUP));
        assert_eq!(n(ENCRYPT_REQ, true, false), Some(ENCRYPT_ON));
        assert_eq!(n(ENCRYPT_OFF, true, true), Some(ENCRYPT_REQ));
        assert_eq!(n(ENCRYPT_ON | ENCRYPT_CLIENT_CERT, true, true), Some(ENCRYPT_ON));
        assert_eq!(n(ENCRYPT_NOT_SUP, true, true), None);
        assert_eq!(tls_scope(ENCRYPT_OFF), TlsScope::LoginOnly);
        assert_eq!(tls_scope(ENCRYPT_NOT_SUP), TlsScope::None);
        assert_eq!(tls_scope(ENCRYPT_REQ), TlsScope::Full);
    }
}
