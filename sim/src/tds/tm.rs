//! Transaction-manager requests (packet type 14, MS-TDS 2.2.6.9): how drivers such as
//! python-tds and tedious begin, commit, roll back and save transactions without T-SQL.
//!
//! ALL_HEADERS, then the request type (u16) and its payload:
//! `TM_BEGIN_XACT` (5): isolation level (u8), name;
//! `TM_COMMIT_XACT` (7) / `TM_ROLLBACK_XACT` (8): name, flags (u8; 0x01 = begin a new
//! transaction right after, followed by its isolation level and name);
//! `TM_SAVE_XACT` (9): name. Isolation levels: 0 no change, 1 read uncommitted, 2 read
//! committed, 3 repeatable read, 4 serializable, 5 snapshot.
//!
//! A name is UTF-16 preceded by its length in bytes (B_VARBYTE), not in characters: so tedious
//! (`transaction.js`: `writeUInt8(name.length * 2)`) and Microsoft's own Rust driver
//! (`mssql-tds`, `transaction_management.rs`: `write_byte(name.len() * 2)`) write it, and both
//! run against SQL Server.

use super::headers;
use super::wire::Reader;
use std::io;

/// A new transaction to start after a commit or rollback (`fBeginXact`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Next {
    pub isolation: u8,
    pub name: String,
}

/// One transaction-manager request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TmRequest {
    Begin {
        isolation: u8,
        name: String,
    },
    Commit {
        name: String,
        next: Option<Next>,
    },
    Rollback {
        name: String,
        next: Option<Next>,
    },
    Save {
        name: String,
    },
    /// DTC requests (get address, propagate, promote): not simulated.
    Other(u16),
}

/// Decodes a transaction-manager message payload.
pub fn decode(payload: &[u8]) -> io::Result<TmRequest> {
    let mut r = Reader::new(payload);
    headers::read(&mut r)?;
    let kind = r.u16_le()?;
    Ok(match kind {
        5 => TmRequest::Begin { isolation: r.u8()?, name: tran_name(&mut r)? },
        7 | 8 => {
            let name = tran_name(&mut r)?;
            let flags = r.u8()?;
            let next = if flags & 1 == 1 {
                Some(Next { isolation: r.u8()?, name: tran_name(&mut r)? })
            } else {
                None
            };
            if kind == 7 { TmRequest::Commit { name, next } } else { TmRequest::Rollback { name, next } }
        }
        9 => TmRequest::Save { name: tran_name(&mut r)? },
        other => TmRequest::Other(other),
    })
}

/// A transaction name: a byte count, then that many bytes of UTF-16.
fn tran_name(r: &mut Reader<'_>) -> io::Result<String> {
    let bytes = usize::from(r.u8()?);
    Ok(super::wire::utf16_to_string(r.take(bytes)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::{BufMut, BytesMut};

    /// ALL_HEADERS with only the transaction-descriptor header, as python-tds writes it.
    fn with_headers(body: &[u8]) -> Vec<u8> {
        let mut b = BytesMut::new();
        b.put_u32_le(22);
        b.put_u32_le(18);
        b.put_u16_le(2);
        b.put_u64_le(0);
        b.put_u32_le(1);
        b.put_slice(body);
        b.to_vec()
    }

    #[test]
    fn python_tds_requests_decode() {
        // struct "<HBB": TM_BEGIN_XACT, isolation 2, empty name.
        assert_eq!(
            decode(&with_headers(&[5, 0, 2, 0])).unwrap(),
            TmRequest::Begin { isolation: 2, name: String::new() }
        );
        // commit(cont=True): "<HBB" + "<BB": name "", flags 1, isolation 2, name "".
        let commit = decode(&with_headers(&[7, 0, 0, 1, 2, 0])).unwrap();
        assert_eq!(
            commit,
            TmRequest::Commit { name: String::new(), next: Some(Next { isolation: 2, name: String::new() }) }
        );
        assert_eq!(
            decode(&with_headers(&[8, 0, 0, 0])).unwrap(),
            TmRequest::Rollback { name: String::new(), next: None }
        );
        assert!(decode(&with_headers(&[7, 0])).is_err());
    }

    #[test]
    fn tedious_names_count_bytes() {
        // tedious: beginTransaction(cb, 'ted', READ_COMMITTED) writes 5, 2, then 6 (bytes), "ted".
        let begin = decode(&with_headers(&[5, 0, 2, 6, b't', 0, b'e', 0, b'd', 0])).unwrap();
        assert_eq!(begin, TmRequest::Begin { isolation: 2, name: "ted".into() });
        let rollback = decode(&with_headers(&[8, 0, 6, b't', 0, b'e', 0, b'd', 0, 0])).unwrap();
        assert_eq!(rollback, TmRequest::Rollback { name: "ted".into(), next: None });
    }
}
