//! TDS 7.4 wire format: packets, PRELOGIN, LOGIN7, tokens, type encoding, RPC decoding.
//!
//! A pure codec: nothing here owns a socket (only [`packet::read_packet`] and
//! [`packet::read_message`] read from an `AsyncRead`). The server glue reads client messages,
//! hands their payloads to the parsers and writes replies through a [`packet::MessageWriter`].
//!
//! | file | concept |
//! |---|---|
//! | [`packet`] | 8-byte packet header, reading packets, framing a reply into packets |
//! | [`prelogin`] | PRELOGIN request/response and the encryption negotiation |
//! | [`login7`] | the LOGIN7 record (password de-obfuscation, FEATUREEXT) |
//! | [`tokens`] | server tokens: LOGINACK, ENVCHANGE, INFO/ERROR, DONE*, COLMETADATA, ROW, … |
//! | [`typeinfo`] | the declarative `SqlType` → TYPE_INFO table, and TYPE_INFO decoding |
//! | [`values`] | encoding cells and values into ROW / RETURNVALUE data |
//! | [`params`] | decoding client parameter values (RPC) into [`crate::types::Value`] |
//! | [`temporal`], [`numeric`], [`guid`], [`codepage`] | per-domain wire conversions |
//! | [`rpc`], [`sqlbatch`], [`headers`] | the two request messages a client sends after login, and their ALL_HEADERS |
//! | [`tm`] | transaction-manager requests (begin, commit, rollback, save without T-SQL) |
//! | [`wire`] | bounds-checked reader and UTF-16 writers shared by all of the above |
//!
//! Malformed client input never panics: parsers return `std::io::Error` of kind `InvalidData`.
//! Conversions of stored data that do not fit a column type return a [`crate::SqlError`].

pub mod bulk;
pub mod codepage;
pub mod guid;
pub mod headers;
pub mod login7;
pub mod numeric;
pub mod packet;
pub mod params;
pub mod prelogin;
pub mod rpc;
pub mod sqlbatch;
pub mod temporal;
pub mod tm;
pub mod tokens;
pub mod typeinfo;
pub mod values;
pub mod wire;

/// SQL_Latin1_General_CP1_CI_AS: LCID 0x0409, flags 0xD0 (CI, AS, KS/WS off), sort id 52.
/// Sent in the collation ENVCHANGE and in every character column's TYPE_INFO.
pub const COLLATION: [u8; 5] = [0x09, 0x04, 0xD0, 0x00, 0x34];

/// TDS 7.4 as LOGIN7 carries it (read little-endian); LOGINACK writes it big-endian.
pub const TDS_74: u32 = 0x7400_0004;
