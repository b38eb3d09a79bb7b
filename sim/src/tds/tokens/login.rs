//! The login reply: ENVCHANGE, LOGINACK, FEATUREEXTACK, and [`login_response`] in order.
//!
//! LOGINACK = interface 1 (T-SQL), TDS version **big-endian** (`74 00 00 04`), program name
//! B_VARCHAR, program version 4 bytes; tiberius derives the DONE row-count width from the
//! version, so the token length must be exact. ENVCHANGE = type, then new and old values
//! (B_VARCHAR strings, or B_VARBYTE for collation and transaction descriptors).

use super::done::{DoneKind, DoneStatus, write_done};
use super::message::write_info;
use super::{token, with_u16_len};
use crate::error::SqlError;
use crate::tds::COLLATION;
use crate::tds::login7::FEATURE_TERMINATOR;
use crate::tds::prelogin::ServerVersion;
use crate::tds::wire::put_b_varchar;
use bytes::{BufMut, BytesMut};

/// LOGINACK interface value for T-SQL.
pub const INTERFACE_TSQL: u8 = 1;

/// TDS versions a server may acknowledge, newest first (LOGIN7/LOGINACK values).
pub const TDS_VERSIONS: [u32; 7] =
    [0x7400_0004, 0x730B_0003, 0x730A_0003, 0x7209_0002, 0x7100_0001, 0x7100_0000, 0x7000_0000];

/// The version to acknowledge: the newest known version not above the client's. TDS 8.0
/// clients (0x08000000, login inside TLS) speak 7.4 data formats.
pub fn negotiate_tds_version(client: u32) -> u32 {
    if client >> 24 < 0x70 {
        return TDS_VERSIONS[0];
    }
    TDS_VERSIONS.iter().copied().find(|v| *v <= client).unwrap_or(TDS_VERSIONS[TDS_VERSIONS.len() - 1])
}

/// Appends LOGINACK.
pub fn write_loginack(dst: &mut BytesMut, tds_version: u32, prog_name: &str, version: ServerVersion) {
    with_u16_len(dst, token::LOGINACK, |dst| {
        dst.put_u8(INTERFACE_TSQL);
        dst.put_u32(tds_version);
        put_b_varchar(dst, prog_name);
        dst.put_slice(&version.to_bytes());
    });
}

/// An environment change the server reports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EnvChange<'a> {
    Database {
        new: &'a str,
        old: &'a str,
    },
    Language {
        new: &'a str,
        old: &'a str,
    },
    /// Both sizes as numbers; the old value must not be empty for tiberius.
    PacketSize {
        new: usize,
        old: usize,
    },
    /// The server collation ([`COLLATION`]).
    SqlCollation,
    BeginTransaction([u8; 8]),
    CommitTransaction([u8; 8]),
    RollbackTransaction([u8; 8]),
    /// Acknowledges a RESETCONNECTION request.
    ResetCompletion,
}

impl EnvChange<'_> {
    /// The ENVCHANGE type byte.
    pub fn type_byte(&self) -> u8 {
        match self {
            EnvChange::Database { .. } => 1,
            EnvChange::Language { .. } => 2,
            EnvChange::PacketSize { .. } => 4,
            EnvChange::SqlCollation => 7,
            EnvChange::BeginTransaction(_) => 8,
            EnvChange::CommitTransaction(_) => 9,
            EnvChange::RollbackTransaction(_) => 10,
            EnvChange::ResetCompletion => 18,
        }
    }
}

fn put_b_varbyte(dst: &mut BytesMut, bytes: &[u8]) {
    dst.put_u8(bytes.len() as u8);
    dst.put_slice(bytes);
}

/// Appends an ENVCHANGE token.
pub fn write_env_change(dst: &mut BytesMut, change: &EnvChange<'_>) {
    with_u16_len(dst, token::ENVCHANGE, |dst| {
        dst.put_u8(change.type_byte());
        match change {
            EnvChange::Database { new, old } | EnvChange::Language { new, old } => {
                put_b_varchar(dst, new);
                put_b_varchar(dst, old);
            }
            EnvChange::PacketSize { new, old } => {
                put_b_varchar(dst, &new.to_string());
                put_b_varchar(dst, &old.to_string());
            }
            EnvChange::SqlCollation => {
                put_b_varbyte(dst, &COLLATION);
                put_b_varbyte(dst, &[]);
            }
            EnvChange::BeginTransaction(d) => {
                put_b_varbyte(dst, d);
                put_b_varbyte(dst, &[]);
            }
            EnvChange::CommitTransaction(d) | EnvChange::RollbackTransaction(d) => {
                put_b_varbyte(dst, &[]);
                put_b_varbyte(dst, d);
            }
            EnvChange::ResetCompletion => dst.put_slice(&[0, 0]),
        }
    });
}

/// ENVCHANGE database (type 1).
pub fn write_env_database(dst: &mut BytesMut, new: &str, old: &str) {
    write_env_change(dst, &EnvChange::Database { new, old });
}

/// ENVCHANGE language (type 2).
pub fn write_env_language(dst: &mut BytesMut, new: &str, old: &str) {
    write_env_change(dst, &EnvChange::Language { new, old });
}

/// ENVCHANGE SQL collation (type 7) with SQL_Latin1_General_CP1_CI_AS.
pub fn write_env_collation(dst: &mut BytesMut) {
    write_env_change(dst, &EnvChange::SqlCollation);
}

/// ENVCHANGE packet size (type 4).
pub fn write_env_packet_size(dst: &mut BytesMut, new: usize, old: usize) {
    write_env_change(dst, &EnvChange::PacketSize { new, old });
}

/// Appends FEATUREEXTACK: (feature id, data) entries, then the 0xFF terminator. Acknowledge
/// only features the client asked for (tiberius rejects any but FEDAUTH).
pub fn write_feature_ext_ack(dst: &mut BytesMut, features: &[(u8, &[u8])]) {
    dst.put_u8(token::FEATUREEXTACK);
    for (id, data) in features {
        dst.put_u8(*id);
        dst.put_u32_le(data.len() as u32);
        dst.put_slice(data);
    }
    dst.put_u8(FEATURE_TERMINATOR);
}

/// What a successful login reports.
#[derive(Clone, Debug)]
pub struct LoginResponse<'a> {
    pub database: &'a str,
    pub language: &'a str,
    pub packet_size: usize,
    /// The packet size before the login (the default, 4096).
    pub old_packet_size: usize,
    /// The acknowledged version (see [`negotiate_tds_version`]).
    pub tds_version: u32,
    pub server_name: &'a str,
    pub prog_name: &'a str,
    pub server_version: ServerVersion,
    /// FEATUREEXTACK entries; none → no FEATUREEXTACK token.
    pub feature_acks: &'a [(u8, &'a [u8])],
}

/// Appends the whole login reply: ENVCHANGE database, INFO 5701, ENVCHANGE language, INFO
/// 5703, ENVCHANGE collation, ENVCHANGE packet size, LOGINACK, [FEATUREEXTACK], DONE.
pub fn login_response(dst: &mut BytesMut, r: &LoginResponse<'_>) {
    write_env_database(dst, r.database, "master");
    let changed_db =
        SqlError::new(5701, 0, format!("Changed database context to '{}'.", r.database)).with_state(2);
    write_info(dst, &changed_db, r.server_name);
    write_env_language(dst, r.language, "");
    let changed_lang = SqlError::new(5703, 0, format!("Changed language setting to {}.", r.language));
    write_info(dst, &changed_lang, r.server_name);
    write_env_collation(dst);
    write_env_packet_size(dst, r.packet_size, r.old_packet_size);
    write_loginack(dst, r.tds_version, r.prog_name, r.server_version);
    if !r.feature_acks.is_empty() {
        write_feature_ext_ack(dst, r.feature_acks);
    }
    write_done(dst, DoneKind::Done, DoneStatus::default(), 0);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tds::wire::Reader;

    #[test]
    fn loginack_bytes() {
        let mut buf = BytesMut::new();
        write_loginack(&mut buf, 0x7400_0004, "SQL", ServerVersion { major: 16, minor: 0, build: 4135 });
        assert_eq!(
            &buf[..],
            &[
                0xAD, 16, 0, // length: 1 + 4 + 1 + 6 + 4
                1, // interface
                0x74, 0x00, 0x00, 0x04, // TDS 7.4 big-endian
                3, b'S', 0, b'Q', 0, b'L', 0, // program name
                16, 0, 0x10, 0x27, // version 16.0.4135
            ]
        );
    }

    #[test]
    fn env_packet_size_bytes() {
        let mut buf = BytesMut::new();
        write_env_packet_size(&mut buf, 8192, 4096);
        assert_eq!(
            &buf[..],
            &[
                0xE3, 19, 0, 4, // token, length, type
                4, b'8', 0, b'1', 0, b'9', 0, b'2', 0, // new
                4, b'4', 0, b'0', 0, b'9', 0, b'6', 0, // old
            ]
        );
    }

    #[test]
    fn env_collation_and_transactions() {
        let mut buf = BytesMut::new();
        write_env_collation(&mut buf);
        assert_eq!(&buf[..], &[0xE3, 8, 0, 7, 5, 0x09, 0x04, 0xD0, 0x00, 0x34, 0]);
        let mut buf = BytesMut::new();
        write_env_change(&mut buf, &EnvChange::BeginTransaction([1, 2, 3, 4, 5, 6, 7, 8]));
        assert_eq!(&buf[..], &[0xE3, 11, 0, 8, 8, 1, 2, 3, 4, 5, 6, 7, 8, 0]);
        let mut buf = BytesMut::new();
        write_env_change(&mut buf, &EnvChange::CommitTransaction([9; 8]));
        assert_eq!(&buf[..5], &[0xE3, 11, 0, 9, 0]);
        let mut buf = BytesMut::new();
        write_env_change(&mut buf, &EnvChange::ResetCompletion);
        assert_eq!(&buf[..], &[0xE3, 3, 0, 18, 0, 0]);
    }

    #[test]
    fn env_database_round_trips() {
        let mut buf = BytesMut::new();
        write_env_database(&mut buf, "shop", "master");
        let mut r = Reader::new(&buf);
        assert_eq!(r.u8().unwrap(), 0xE3);
        assert_eq!(r.u16_le().unwrap() as usize, r.remaining());
        assert_eq!(r.u8().unwrap(), 1);
        assert_eq!(r.b_varchar().unwrap(), "shop");
        assert_eq!(r.b_varchar().unwrap(), "master");
        r.expect_end("ENVCHANGE").unwrap();
    }

    #[test]
    fn tds_version_steps_down() {
        assert_eq!(negotiate_tds_version(0x7400_0004), 0x7400_0004);
        assert_eq!(negotiate_tds_version(0x7500_0000), 0x7400_0004);
        assert_eq!(negotiate_tds_version(0x0800_0000), 0x7400_0004);
        assert_eq!(negotiate_tds_version(0x730B_0003), 0x730B_0003);
        assert_eq!(negotiate_tds_version(0x7200_0000), 0x7100_0001);
        assert_eq!(negotiate_tds_version(0x7100_0001), 0x7100_0001);
    }

    #[test]
    fn login_response_token_order() {
        let mut buf = BytesMut::new();
        login_response(
            &mut buf,
            &LoginResponse {
                database: "shop",
                language: "us_english",
                packet_size: 4096,
                old_packet_size: 4096,
                tds_version: 0x7400_0004,
                server_name: "SIM",
                prog_name: "Microsoft SQL Server",
                server_version: ServerVersion { major: 16, minor: 0, build: 1000 },
                feature_acks: &[(0x0A, &[1])],
            },
        );
        let mut r = Reader::new(&buf);
        let mut seen = Vec::new();
        while !r.is_empty() {
            let t = r.u8().unwrap();
            seen.push(t);
            match t {
                0xFD => r.skip(12).unwrap(),
                0xAE => {
                    while r.u8().unwrap() != 0xFF {
                        let n = r.u32_le().unwrap() as usize;
                        r.skip(n).unwrap();
                    }
                }
                _ => {
                    let n = r.u16_le().unwrap() as usize;
                    r.skip(n).unwrap();
                }
            }
        }
        assert_eq!(seen, vec![0xE3, 0xAB, 0xE3, 0xAB, 0xE3, 0xE3, 0xAD, 0xAE, 0xFD]);
    }
}
