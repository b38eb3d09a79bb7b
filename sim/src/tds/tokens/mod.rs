//! Server tokens: the token stream of a TABULAR_RESULT message (MS-TDS 2.2.7).
//!
//! Each writer appends one token to a `BytesMut` (usually [`super::packet::MessageWriter::buf_mut`]).
//! Tokens with a length field have it computed exactly from what was written.
//!
//! | file | tokens |
//! |---|---|
//! | [`login`] | LOGINACK, ENVCHANGE, FEATUREEXTACK, and the whole [`login_response`] |
//! | [`message`] | ERROR, INFO |
//! | [`done`] | DONE, DONEPROC, DONEINPROC, RETURNSTATUS |
//! | [`result`] | COLMETADATA, RETURNVALUE (ROW/NBCROW are in [`super::values`]) |

pub mod done;
pub mod login;
pub mod message;
pub mod result;

pub use super::values::{write_nbc_row, write_row};
pub use done::{DoneKind, DoneStatus, write_done, write_return_status};
pub use login::{
    EnvChange, LoginResponse, login_response, write_env_change, write_env_collation, write_env_database,
    write_env_language, write_env_packet_size, write_feature_ext_ack, write_loginack,
};
pub use message::{write_error, write_info};
pub use result::{write_colmetadata, write_no_metadata, write_return_value};

use bytes::{BufMut, BytesMut};

/// Token type bytes.
pub mod token {
    pub const RETURNSTATUS: u8 = 0x79;
    pub const COLMETADATA: u8 = 0x81;
    pub const ERROR: u8 = 0xAA;
    pub const INFO: u8 = 0xAB;
    pub const RETURNVALUE: u8 = 0xAC;
    pub const LOGINACK: u8 = 0xAD;
    pub const FEATUREEXTACK: u8 = 0xAE;
    pub const ROW: u8 = 0xD1;
    pub const NBCROW: u8 = 0xD2;
    pub const ENVCHANGE: u8 = 0xE3;
    pub const DONE: u8 = 0xFD;
    pub const DONEPROC: u8 = 0xFE;
    pub const DONEINPROC: u8 = 0xFF;
}

/// Writes `token`, a 2-byte length placeholder, the body, then patches the length.
pub(crate) fn with_u16_len(dst: &mut BytesMut, token: u8, body: impl FnOnce(&mut BytesMut)) {
    dst.put_u8(token);
    let at = dst.len();
    dst.put_u16_le(0);
    body(dst);
    let len = (dst.len() - at - 2).min(u16::MAX as usize) as u16;
    dst[at..at + 2].copy_from_slice(&len.to_le_bytes());
}
