//! DONE, DONEPROC, DONEINPROC and RETURNSTATUS.
//!
//! DONE* = token, status u16, current command u16, row count u64 (TDS ≥ 7.2). Set MORE on
//! every statement's DONE but the last, COUNT whenever the row count is meaningful (a stray
//! DONE without it still adds a 0 to tiberius's counts), ERROR after an ERROR token, ATTN to
//! acknowledge a cancel.

use super::token;
use bytes::{BufMut, BytesMut};

/// Which DONE token: end of a batch statement, of a stored procedure, or of a statement inside one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DoneKind {
    Done,
    DoneProc,
    DoneInProc,
}

impl DoneKind {
    pub fn token(self) -> u8 {
        match self {
            DoneKind::Done => token::DONE,
            DoneKind::DoneProc => token::DONEPROC,
            DoneKind::DoneInProc => token::DONEINPROC,
        }
    }
}

/// The status bits of a DONE token, plus its current-command field.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DoneStatus {
    /// 0x01: more results follow in this message.
    pub more: bool,
    /// 0x02: the statement raised an error.
    pub error: bool,
    /// 0x04: a transaction is in progress.
    pub in_xact: bool,
    /// 0x10: the row count is valid.
    pub count: bool,
    /// 0x20: acknowledges an ATTENTION.
    pub attention: bool,
    /// 0x100: a severe error; discard the results.
    pub server_error: bool,
    /// The token of the current command (e.g. 0xC1 SELECT); informational, 0 is fine.
    pub cur_cmd: u16,
}

impl DoneStatus {
    pub const MORE: u16 = 0x01;
    pub const ERROR: u16 = 0x02;
    pub const INXACT: u16 = 0x04;
    pub const COUNT: u16 = 0x10;
    pub const ATTN: u16 = 0x20;
    pub const SRVERROR: u16 = 0x100;

    /// The status word.
    pub fn bits(&self) -> u16 {
        [
            (self.more, Self::MORE),
            (self.error, Self::ERROR),
            (self.in_xact, Self::INXACT),
            (self.count, Self::COUNT),
            (self.attention, Self::ATTN),
            (self.server_error, Self::SRVERROR),
        ]
        .iter()
        .filter(|(on, _)| *on)
        .fold(0, |acc, (_, bit)| acc | bit)
    }
}

/// Appends a DONE / DONEPROC / DONEINPROC token with a 64-bit row count.
pub fn write_done(dst: &mut BytesMut, kind: DoneKind, status: DoneStatus, rows: u64) {
    dst.put_u8(kind.token());
    dst.put_u16_le(status.bits());
    dst.put_u16_le(status.cur_cmd);
    dst.put_u64_le(rows);
}

/// Appends RETURNSTATUS (a stored procedure's return value).
pub fn write_return_status(dst: &mut BytesMut, value: i32) {
    dst.put_u8(token::RETURNSTATUS);
    dst.put_i32_le(value);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn done_bytes() {
        let mut buf = BytesMut::new();
        let status = DoneStatus { more: true, count: true, cur_cmd: 0xC1, ..Default::default() };
        write_done(&mut buf, DoneKind::Done, status, 3);
        assert_eq!(&buf[..], &[0xFD, 0x11, 0x00, 0xC1, 0x00, 3, 0, 0, 0, 0, 0, 0, 0]);
        let mut buf = BytesMut::new();
        write_done(
            &mut buf,
            DoneKind::DoneProc,
            DoneStatus { error: true, attention: true, ..Default::default() },
            0,
        );
        assert_eq!(&buf[..], &[0xFE, 0x22, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        let mut buf = BytesMut::new();
        write_done(
            &mut buf,
            DoneKind::DoneInProc,
            DoneStatus { server_error: true, in_xact: true, ..Default::default() },
            u64::MAX,
        );
        assert_eq!(&buf[..3], &[0xFF, 0x04, 0x01]);
        assert_eq!(&buf[5..], &[0xFF; 8]);
    }

    #[test]
    fn return_status_bytes() {
        let mut buf = BytesMut::new();
        write_return_status(&mut buf, -1);
        assert_eq!(&buf[..], &[0x79, 0xFF, 0xFF, 0xFF, 0xFF]);
    }
}
