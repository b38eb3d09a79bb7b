//! RPC requests (MS-TDS 2.2.6.6): stored-procedure calls such as `sp_executesql`.
//!
//! ALL_HEADERS, then per call: the procedure as `0xFFFF` + well-known id or a US_VARCHAR name,
//! option flags u16, and parameters (`name B_VARCHAR, status u8, TYPE_INFO, value`). Several
//! calls may share a message, separated by a batch flag byte (0x80, 0xFF, or 0xFE "no exec").
//! tiberius sends every parameterised query as `sp_executesql` (id 10) with parameters named
//! `stmt`, `params`, then `@P1..@Pn`.

use super::headers::{self, AllHeaders};
use super::params::decode_typed;
use super::wire::{Reader, invalid, put_b_varchar, put_us_varchar};
use crate::types::Param;
use bytes::{BufMut, BytesMut};
use std::io;

/// Well-known procedure ids (sent as `0xFFFF` + id).
pub const SP_CURSOR: u16 = 1;
pub const SP_CURSOROPEN: u16 = 2;
pub const SP_CURSORPREPARE: u16 = 3;
pub const SP_CURSOREXECUTE: u16 = 4;
pub const SP_CURSORPREPEXEC: u16 = 5;
pub const SP_CURSORUNPREPARE: u16 = 6;
pub const SP_CURSORFETCH: u16 = 7;
pub const SP_CURSOROPTION: u16 = 8;
pub const SP_CURSORCLOSE: u16 = 9;
pub const SP_EXECUTESQL: u16 = 10;
pub const SP_PREPARE: u16 = 11;
pub const SP_EXECUTE: u16 = 12;
pub const SP_PREPEXEC: u16 = 13;
pub const SP_PREPEXECRPC: u16 = 14;
pub const SP_UNPREPARE: u16 = 15;

/// Parameter status flag: OUTPUT (by reference).
pub const STATUS_BY_REF: u8 = 0x01;
/// Parameter status flag: use the default value.
pub const STATUS_DEFAULT: u8 = 0x02;
/// Parameter status flag: Always Encrypted (unsupported).
pub const STATUS_ENCRYPTED: u8 = 0x08;

/// Batch separators between calls in one message.
const BATCH_FLAGS: [u8; 3] = [0x80, 0xFF, 0xFE];

/// The procedure an RPC calls.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RpcProc {
    Id(u16),
    Name(String),
}

impl RpcProc {
    /// The procedure name, for ids the `sp_` name they stand for.
    pub fn name(&self) -> String {
        const NAMES: [&str; 15] = [
            "sp_cursor",
            "sp_cursoropen",
            "sp_cursorprepare",
            "sp_cursorexecute",
            "sp_cursorprepexec",
            "sp_cursorunprepare",
            "sp_cursorfetch",
            "sp_cursoroption",
            "sp_cursorclose",
            "sp_executesql",
            "sp_prepare",
            "sp_execute",
            "sp_prepexec",
            "sp_prepexecrpc",
            "sp_unprepare",
        ];
        match self {
            RpcProc::Id(id) => NAMES
                .get((*id as usize).wrapping_sub(1))
                .map_or(format!("procedure id {id}"), |n| n.to_string()),
            RpcProc::Name(n) => n.clone(),
        }
    }

    /// True for `sp_executesql` by id or by (optionally `sys.`-qualified) name.
    pub fn is_executesql(&self) -> bool {
        match self {
            RpcProc::Id(id) => *id == SP_EXECUTESQL,
            RpcProc::Name(n) => {
                let n = n.trim_start_matches("sys.").trim_start_matches("[sys].");
                n.eq_ignore_ascii_case("sp_executesql") || n.eq_ignore_ascii_case("[sp_executesql]")
            }
        }
    }
}

/// One procedure call.
#[derive(Clone, Debug, PartialEq)]
pub struct RpcRequest {
    pub proc: RpcProc,
    /// OptionFlags: 0x01 WithRecompile, 0x02 NoMetaData, 0x04 ReuseMetaData.
    pub options: u16,
    pub params: Vec<Param>,
}

/// Decodes an RPC message holding exactly one call.
pub fn decode(payload: &[u8]) -> io::Result<RpcRequest> {
    let mut calls = decode_all(payload)?.1;
    if calls.len() != 1 {
        return Err(invalid(format!("RPC message with {} calls where one was expected", calls.len())));
    }
    Ok(calls.remove(0))
}

/// Decodes an RPC message: its ALL_HEADERS and every call in it.
pub fn decode_all(payload: &[u8]) -> io::Result<(AllHeaders, Vec<RpcRequest>)> {
    let mut r = Reader::new(payload);
    let headers = headers::read(&mut r)?;
    let mut calls = vec![decode_call(&mut r)?];
    while !r.is_empty() {
        r.u8()?; // the batch flag that ended the previous call
        if !r.is_empty() {
            calls.push(decode_call(&mut r)?);
        }
    }
    Ok((headers, calls))
}

fn decode_call(r: &mut Reader<'_>) -> io::Result<RpcRequest> {
    let name_len = r.u16_le()?;
    let proc = if name_len == 0xFFFF {
        RpcProc::Id(r.u16_le()?)
    } else {
        RpcProc::Name(r.utf16(name_len as usize)?)
    };
    let options = r.u16_le()?;
    let mut params = Vec::new();
    while !r.is_empty() && !BATCH_FLAGS.contains(&r.rest()[0]) {
        params.push(decode_param(r)?);
    }
    Ok(RpcRequest { proc, options, params })
}

fn decode_param(r: &mut Reader<'_>) -> io::Result<Param> {
    let name = r.b_varchar()?;
    let status = r.u8()?;
    if status & STATUS_ENCRYPTED != 0 {
        return Err(invalid(format!(
            "parameter {name} is Always Encrypted, which the simulator does not support"
        )));
    }
    let (ty, value) = decode_typed(r)?;
    Ok(Param { name, ty, value, output: status & STATUS_BY_REF != 0 })
}

/// Encodes an RPC message with one call as a client does (for tests and tools).
pub fn encode(dst: &mut BytesMut, request: &RpcRequest) -> Result<(), crate::error::SqlError> {
    headers::encode(dst, &AllHeaders { transaction_descriptor: 0, outstanding_requests: 1 });
    encode_call(dst, request)
}

/// Encodes one call (no ALL_HEADERS, no batch flag).
pub fn encode_call(dst: &mut BytesMut, request: &RpcRequest) -> Result<(), crate::error::SqlError> {
    match &request.proc {
        RpcProc::Id(id) => {
            dst.put_u16_le(0xFFFF);
            dst.put_u16_le(*id);
        }
        RpcProc::Name(name) => put_us_varchar(dst, name),
    }
    dst.put_u16_le(request.options);
    for p in &request.params {
        put_b_varchar(dst, &p.name);
        dst.put_u8(if p.output { STATUS_BY_REF } else { 0 });
        super::typeinfo::write_type_info(dst, &p.ty);
        super::values::encode_value(dst, &p.ty, &p.value)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::storage::parse_datetime;
    use crate::types::{Len, SqlType, Value};

    fn param(name: &str, ty: SqlType, value: Value) -> Param {
        Param { name: name.into(), ty, value, output: false }
    }

    fn sample() -> RpcRequest {
        RpcRequest {
            proc: RpcProc::Id(SP_EXECUTESQL),
            options: 0,
            params: vec![
                param("stmt", SqlType::NVarChar(Len::Max), Value::Str("SELECT @P1, @P2".into())),
                param(
                    "params",
                    SqlType::NVarChar(Len::N(4000)),
                    Value::Str("@P1 int, @P2 datetime2(7)".into()),
                ),
                param("@P1", SqlType::Int, Value::Int(42)),
                param(
                    "@P2",
                    SqlType::DateTime2(7),
                    Value::DateTime(parse_datetime("2024-01-02 03:04:05.1234567").unwrap()),
                ),
                param("@P3", SqlType::NVarChar(Len::Max), Value::Str("x".repeat(5000))),
                param(
                    "@P4",
                    SqlType::Decimal { precision: 38, scale: 4 },
                    Value::Decimal { value: -123_456, scale: 4 },
                ),
                param("@P5", SqlType::UniqueIdentifier, Value::Null),
                Param { output: true, ..param("@out", SqlType::BigInt, Value::Null) },
            ],
        }
    }

    #[test]
    fn rpc_round_trips_and_is_consumed() {
        let request = sample();
        let mut buf = BytesMut::new();
        encode(&mut buf, &request).unwrap();
        assert_eq!(&buf[22..26], &[0xFF, 0xFF, 0x0A, 0x00], "proc id switch after ALL_HEADERS");
        assert_eq!(decode(&buf).unwrap(), request);
    }

    #[test]
    fn named_procs_and_batched_calls() {
        let named = RpcRequest { proc: RpcProc::Name("dbo.usp_report".into()), options: 2, params: vec![] };
        let mut buf = BytesMut::new();
        encode(&mut buf, &sample()).unwrap();
        buf.put_u8(0x80);
        encode_call(&mut buf, &named).unwrap();
        buf.put_u8(0xFF);
        let (_, calls) = decode_all(&buf).unwrap();
        assert_eq!(calls, vec![sample(), named]);
        assert!(decode(&buf).is_err(), "decode insists on a single call");
    }

    #[test]
    fn proc_names() {
        assert_eq!(RpcProc::Id(SP_EXECUTESQL).name(), "sp_executesql");
        assert_eq!(RpcProc::Id(SP_UNPREPARE).name(), "sp_unprepare");
        assert_eq!(RpcProc::Id(99).name(), "procedure id 99");
        assert!(RpcProc::Name("sys.sp_executesql".into()).is_executesql());
        assert!(!RpcProc::Id(SP_PREPEXEC).is_executesql());
    }

    #[test]
    fn malformed_rpc_is_an_error() {
        let mut buf = BytesMut::new();
        encode(&mut buf, &sample()).unwrap();
        for cut in [3, 23, 30, buf.len() - 1] {
            assert!(decode(&buf[..cut]).is_err(), "cut at {cut}");
        }
        let mut encrypted = BytesMut::new();
        encode(
            &mut encrypted,
            &RpcRequest { params: vec![param("@P1", SqlType::Int, Value::Int(1))], ..sample() },
        )
        .unwrap();
        let status_at = encrypted.len() - 8;
        encrypted[status_at] = STATUS_ENCRYPTED;
        assert!(decode(&encrypted).is_err());
    }
}
