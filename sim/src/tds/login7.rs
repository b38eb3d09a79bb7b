//! LOGIN7: the client's login record (MS-TDS 2.2.6.4).
//!
//! A 94-byte fixed part — length, TDS version (little-endian), packet size, client program
//! version, pid, connection id, four flag bytes, time zone, LCID, then an offset/length table —
//! followed by the variable data the table points into. Strings are UTF-16LE with lengths in
//! characters; the password is obfuscated (nibble swap, XOR 0xA5). With `fExtension` set the
//! extension entry points at a 4-byte offset of the FEATUREEXT block (`id u8, len u32, data`,
//! terminated by 0xFF).

use super::wire::{Reader, invalid, utf16_to_string};
use bytes::{BufMut, Bytes, BytesMut};
use std::fmt;
use std::io;

/// Length of the fixed part (through cbSSPILong).
pub const FIXED_LEN: usize = 94;
/// OptionFlags3 bit: ibExtension/cbExtension are used.
pub const FLAG3_EXTENSION: u8 = 0x10;
/// TypeFlags bit: ApplicationIntent=ReadOnly.
pub const TYPE_READ_ONLY_INTENT: u8 = 0x20;
/// OptionFlags2 bit: integrated (SSPI) security.
pub const FLAG2_INTEGRATED_SECURITY: u8 = 0x80;

/// FEATUREEXT feature ids.
pub const FEATURE_SESSION_RECOVERY: u8 = 0x01;
pub const FEATURE_FEDAUTH: u8 = 0x02;
pub const FEATURE_COLUMN_ENCRYPTION: u8 = 0x04;
pub const FEATURE_GLOBAL_TRANSACTIONS: u8 = 0x05;
pub const FEATURE_AZURE_SQL_SUPPORT: u8 = 0x08;
pub const FEATURE_DATA_CLASSIFICATION: u8 = 0x09;
pub const FEATURE_UTF8_SUPPORT: u8 = 0x0A;
pub const FEATURE_AZURE_SQL_DNS_CACHING: u8 = 0x0B;
pub const FEATURE_TERMINATOR: u8 = 0xFF;

/// A parsed LOGIN7 record. `Debug` redacts the passwords.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Login7 {
    /// As the client sent it, e.g. 0x74000004 for TDS 7.4.
    pub tds_version: u32,
    /// Requested packet size (0 = use the server default).
    pub packet_size: u32,
    pub client_prog_version: u32,
    pub client_pid: u32,
    pub connection_id: u32,
    pub option_flags1: u8,
    pub option_flags2: u8,
    pub type_flags: u8,
    pub option_flags3: u8,
    /// Minutes from UTC.
    pub client_time_zone: i32,
    pub client_lcid: u32,
    pub hostname: String,
    pub username: String,
    pub password: String,
    pub app_name: String,
    pub server_name: String,
    /// Client interface (library) name, e.g. "ODBC" or "tiberius".
    pub library: String,
    pub language: String,
    pub database: String,
    /// Client id (usually a MAC address).
    pub client_id: [u8; 6],
    /// SSPI (integrated security) token.
    pub sspi: Bytes,
    pub attach_db_file: String,
    pub change_password: String,
    /// FEATUREEXT entries as (feature id, data), in client order.
    pub feature_ext: Vec<(u8, Bytes)>,
    /// TypeFlags `fReadOnlyIntent`.
    pub read_only_intent: bool,
}

impl fmt::Debug for Login7 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Login7")
            .field("tds_version", &format_args!("{:#010x}", self.tds_version))
            .field("packet_size", &self.packet_size)
            .field("client_pid", &self.client_pid)
            .field("hostname", &self.hostname)
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .field("app_name", &self.app_name)
            .field("server_name", &self.server_name)
            .field("library", &self.library)
            .field("language", &self.language)
            .field("database", &self.database)
            .field("sspi_len", &self.sspi.len())
            .field("change_password", &if self.change_password.is_empty() { "" } else { "<redacted>" })
            .field("feature_ext", &self.feature_ext.iter().map(|(id, d)| (*id, d.len())).collect::<Vec<_>>())
            .field("read_only_intent", &self.read_only_intent)
            .finish_non_exhaustive()
    }
}

/// Undoes the password obfuscation: XOR 0xA5, then swap nibbles.
fn deobfuscate(b: u8) -> u8 {
    (b ^ 0xA5).rotate_left(4)
}

/// Obfuscates a password byte: swap nibbles, then XOR 0xA5.
fn obfuscate(b: u8) -> u8 {
    b.rotate_left(4) ^ 0xA5
}

/// The ordered variable-data entries of the offset table (after the fixed header).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Slot {
    Hostname,
    Username,
    Password,
    AppName,
    ServerName,
    Extension,
    Library,
    Language,
    Database,
    ClientId,
    Sspi,
    AttachDbFile,
    ChangePassword,
}

const SLOTS: [Slot; 13] = [
    Slot::Hostname,
    Slot::Username,
    Slot::Password,
    Slot::AppName,
    Slot::ServerName,
    Slot::Extension,
    Slot::Library,
    Slot::Language,
    Slot::Database,
    Slot::ClientId,
    Slot::Sspi,
    Slot::AttachDbFile,
    Slot::ChangePassword,
];

/// Slices `len` bytes at `offset` of the record, or fails naming the field.
fn field<'a>(record: &'a [u8], offset: usize, len: usize, what: &str) -> io::Result<&'a [u8]> {
    record.get(offset..offset.saturating_add(len)).ok_or_else(|| {
        invalid(format!("LOGIN7 {what} (offset {offset}, {len} bytes) lies outside the record"))
    })
}

impl Login7 {
    /// Parses a LOGIN7 payload.
    pub fn decode(payload: &[u8]) -> io::Result<Self> {
        let mut r = Reader::new(payload);
        let length = r.u32_le()? as usize;
        if length < FIXED_LEN || length > payload.len() {
            return Err(invalid(format!(
                "LOGIN7 length {length} does not fit a {} byte message",
                payload.len()
            )));
        }
        let record = &payload[..length];
        let mut out = Login7 {
            tds_version: r.u32_le()?,
            packet_size: r.u32_le()?,
            client_prog_version: r.u32_le()?,
            client_pid: r.u32_le()?,
            connection_id: r.u32_le()?,
            option_flags1: r.u8()?,
            option_flags2: r.u8()?,
            type_flags: r.u8()?,
            option_flags3: r.u8()?,
            client_time_zone: r.i32_le()?,
            client_lcid: r.u32_le()?,
            ..Login7::default()
        };
        out.read_only_intent = out.type_flags & TYPE_READ_ONLY_INTENT != 0;
        let mut extension = None;
        let mut sspi = (0, 0);
        for slot in SLOTS {
            if slot == Slot::ClientId {
                out.client_id.copy_from_slice(r.take(6)?);
                continue;
            }
            let offset = r.u16_le()? as usize;
            let len = r.u16_le()? as usize;
            match slot {
                Slot::Extension => extension = Some((offset, len)),
                Slot::Sspi => sspi = (offset, len),
                _ => out.set_string(slot, field(record, offset, len * 2, "string")?),
            }
        }
        let sspi_long = r.u32_le()? as usize;
        let sspi_len = if sspi.1 == 0xFFFF { sspi_long } else { sspi.1 };
        out.sspi = Bytes::copy_from_slice(field(record, sspi.0, sspi_len, "SSPI")?);
        if out.option_flags3 & FLAG3_EXTENSION != 0 {
            out.feature_ext = read_feature_ext(record, extension)?;
        }
        Ok(out)
    }

    fn set_string(&mut self, slot: Slot, bytes: &[u8]) {
        let target = match slot {
            Slot::Hostname => &mut self.hostname,
            Slot::Username => &mut self.username,
            Slot::Password | Slot::ChangePassword => {
                let plain: Vec<u8> = bytes.iter().map(|b| deobfuscate(*b)).collect();
                let s = utf16_to_string(&plain);
                if slot == Slot::Password {
                    self.password = s
                } else {
                    self.change_password = s
                }
                return;
            }
            Slot::AppName => &mut self.app_name,
            Slot::ServerName => &mut self.server_name,
            Slot::Library => &mut self.library,
            Slot::Language => &mut self.language,
            Slot::Database => &mut self.database,
            Slot::AttachDbFile => &mut self.attach_db_file,
            Slot::Extension | Slot::ClientId | Slot::Sspi => return,
        };
        *target = utf16_to_string(bytes);
    }

    fn string(&self, slot: Slot) -> &str {
        match slot {
            Slot::Hostname => &self.hostname,
            Slot::Username => &self.username,
            Slot::Password => &self.password,
            Slot::AppName => &self.app_name,
            Slot::ServerName => &self.server_name,
            Slot::Library => &self.library,
            Slot::Language => &self.language,
            Slot::Database => &self.database,
            Slot::AttachDbFile => &self.attach_db_file,
            Slot::ChangePassword => &self.change_password,
            Slot::Extension | Slot::ClientId | Slot::Sspi => "",
        }
    }

    /// Encodes the record as a client would (for tests and tools). `read_only_intent` sets the
    /// type flag; a non-empty `feature_ext` sets `fExtension` and is written at the end.
    pub fn encode(&self, dst: &mut BytesMut) {
        let start = dst.len();
        let mut data = BytesMut::new();
        let mut table = BytesMut::new();
        let mut flags3 = self.option_flags3 & !FLAG3_EXTENSION;
        let mut ext_slot = None;
        for slot in SLOTS {
            let offset = FIXED_LEN + data.len();
            match slot {
                Slot::ClientId => table.put_slice(&self.client_id),
                Slot::Extension => {
                    ext_slot = Some(table.len());
                    table.put_u16_le(offset as u16);
                    table.put_u16_le(0);
                }
                Slot::Sspi => {
                    data.put_slice(&self.sspi);
                    table.put_u16_le(offset as u16);
                    table.put_u16_le(self.sspi.len().min(0xFFFF) as u16);
                }
                _ => {
                    let before = data.len();
                    let units = super::wire::put_utf16(&mut data, self.string(slot));
                    if matches!(slot, Slot::Password | Slot::ChangePassword) {
                        data[before..].iter_mut().for_each(|b| *b = obfuscate(*b));
                    }
                    table.put_u16_le(offset as u16);
                    table.put_u16_le(units as u16);
                }
            }
        }
        table.put_u32_le(if self.sspi.len() >= 0xFFFF { self.sspi.len() as u32 } else { 0 });
        if !self.feature_ext.is_empty() {
            flags3 |= FLAG3_EXTENSION;
            let pointer_at = FIXED_LEN + data.len();
            let at = ext_slot.unwrap_or_default();
            table[at..at + 4]
                .copy_from_slice(&[(pointer_at as u16).to_le_bytes(), 4u16.to_le_bytes()].concat());
            data.put_u32_le((pointer_at + 4) as u32);
            encode_feature_ext(&mut data, &self.feature_ext);
        }
        let type_flags = (self.type_flags & !TYPE_READ_ONLY_INTENT)
            | if self.read_only_intent { TYPE_READ_ONLY_INTENT } else { 0 };
        dst.put_u32_le((FIXED_LEN + data.len()) as u32);
        for v in [
            self.tds_version,
            self.packet_size,
            self.client_prog_version,
            self.client_pid,
            self.connection_id,
        ] {
            dst.put_u32_le(v);
        }
        dst.put_slice(&[self.option_flags1, self.option_flags2, type_flags, flags3]);
        dst.put_i32_le(self.client_time_zone);
        dst.put_u32_le(self.client_lcid);
        dst.put_slice(&table);
        debug_assert_eq!(dst.len() - start, FIXED_LEN);
        dst.put_slice(&data);
    }
}

/// Follows the extension entry (a 4-byte offset of the FEATUREEXT block) and parses the block.
fn read_feature_ext(record: &[u8], extension: Option<(usize, usize)>) -> io::Result<Vec<(u8, Bytes)>> {
    let Some((offset, _)) = extension.filter(|(_, len)| *len >= 4) else {
        return Ok(Vec::new());
    };
    let at = field(record, offset, 4, "extension offset")?;
    let feature_offset = u32::from_le_bytes([at[0], at[1], at[2], at[3]]) as usize;
    let block = record
        .get(feature_offset..)
        .ok_or_else(|| invalid(format!("LOGIN7 FEATUREEXT offset {feature_offset} is outside the record")))?;
    decode_feature_ext(block)
}

/// Parses FEATUREEXT entries up to the 0xFF terminator.
pub fn decode_feature_ext(src: &[u8]) -> io::Result<Vec<(u8, Bytes)>> {
    let mut r = Reader::new(src);
    let mut out = Vec::new();
    loop {
        let id = r.u8()?;
        if id == FEATURE_TERMINATOR {
            return Ok(out);
        }
        let len = r.u32_le()? as usize;
        out.push((id, Bytes::copy_from_slice(r.take(len)?)));
    }
}

/// Writes FEATUREEXT entries and the terminator.
pub fn encode_feature_ext(dst: &mut BytesMut, features: &[(u8, Bytes)]) {
    for (id, data) in features {
        dst.put_u8(*id);
        dst.put_u32_le(data.len() as u32);
        dst.put_slice(data);
    }
    dst.put_u8(FEATURE_TERMINATOR);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Login7 {
        Login7 {
            tds_version: 0x7400_0004,
            packet_size: 4096,
            client_prog_version: 7,
            client_pid: 4242,
            connection_id: 0,
            option_flags1: 0xE0,
            option_flags2: 0x03,
            type_flags: 0,
            option_flags3: 0x08,
            client_time_zone: -120,
            client_lcid: 0x0409,
            hostname: "build-01".into(),
            username: "sa".into(),
            password: "Pa$$w0rd-ü😀".into(),
            app_name: "cutover".into(),
            server_name: "localhost,1433".into(),
            library: "tiberius".into(),
            language: "us_english".into(),
            database: "shop".into(),
            client_id: [1, 2, 3, 4, 5, 6],
            sspi: Bytes::new(),
            attach_db_file: String::new(),
            change_password: String::new(),
            feature_ext: vec![
                (FEATURE_UTF8_SUPPORT, Bytes::new()),
                (FEATURE_FEDAUTH, Bytes::from_static(&[2, 0])),
            ],
            read_only_intent: true,
        }
    }

    #[test]
    fn login7_round_trips_with_feature_ext() {
        let login = sample();
        let mut buf = BytesMut::new();
        login.encode(&mut buf);
        assert_eq!(u32::from_le_bytes(buf[..4].try_into().unwrap()) as usize, buf.len());
        assert_eq!(&buf[4..8], &[0x04, 0x00, 0x00, 0x74], "TDS version little-endian");
        let back = Login7::decode(&buf).unwrap();
        let expected =
            Login7 { option_flags3: 0x08 | FLAG3_EXTENSION, type_flags: TYPE_READ_ONLY_INTENT, ..login };
        assert_eq!(back, expected);
    }

    #[test]
    fn login7_without_extension_round_trips() {
        let login = Login7 {
            feature_ext: vec![],
            read_only_intent: false,
            sspi: Bytes::from_static(b"NTLM"),
            ..sample()
        };
        let mut buf = BytesMut::new();
        login.encode(&mut buf);
        assert_eq!(Login7::decode(&buf).unwrap(), login);
    }

    #[test]
    fn password_obfuscation_matches_ms_tds() {
        // 'a' = 0x61 0x00 in UTF-16LE → swap nibbles 0x16 0x00 → XOR 0xA5 → 0xB3 0xA5.
        assert_eq!((obfuscate(0x61), obfuscate(0x00)), (0xB3, 0xA5));
        assert_eq!((deobfuscate(0xB3), deobfuscate(0xA5)), (0x61, 0x00));
    }

    #[test]
    fn debug_redacts_the_password() {
        let text = format!("{:?}", sample());
        assert!(!text.contains("Pa$$w0rd"), "{text}");
        assert!(text.contains("<redacted>"));
        assert!(text.contains("build-01"));
    }

    #[test]
    fn malformed_login7_is_an_error() {
        let mut buf = BytesMut::new();
        sample().encode(&mut buf);
        assert!(Login7::decode(&buf[..50]).is_err(), "truncated fixed part");
        let mut bad = buf.to_vec();
        bad[36..38].copy_from_slice(&0xFFF0u16.to_le_bytes()); // hostname offset past the end
        assert!(Login7::decode(&bad).is_err());
        let mut bad = buf.to_vec();
        bad[0..4].copy_from_slice(&10_000u32.to_le_bytes());
        assert!(Login7::decode(&bad).is_err(), "length larger than payload");
    }
}
