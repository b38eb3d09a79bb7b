//! TDS packets: the 8-byte header, reading packets and messages, framing replies.
//!
//! Every TDS message travels as one or more packets of at most the negotiated packet size:
//! `type u8, status u8, length u16 BE (header included), spid u16 BE, packet id u8, window u8`.
//! The last packet of a message has status EOM (0x01); the server sends only 0x00 or 0x01
//! (clients reject combined values). [`MessageWriter`] frames a reply as it grows, so a large
//! result streams out packet by packet.

use super::wire::invalid;
use bytes::{Buf, BufMut, Bytes, BytesMut};
use std::io;
use tokio::io::{AsyncRead, AsyncReadExt};

/// Size of a packet header.
pub const HEADER_LEN: usize = 8;
/// Status: more packets of this message follow.
pub const STATUS_NORMAL: u8 = 0x00;
/// Status: end of message.
pub const STATUS_EOM: u8 = 0x01;
/// Status (client to server, with EOM): ignore this message, the client abandoned it.
pub const STATUS_IGNORE: u8 = 0x02;
/// Status (client to server): reset the session before this request (MS-TDS 2.2.3.1.2).
pub const STATUS_RESET_CONNECTION: u8 = 0x08;
/// Status (client to server): reset the session but keep its transaction (TDS 7.3+).
pub const STATUS_RESET_SKIP_TRAN: u8 = 0x10;
/// Smallest and largest packet sizes a client may negotiate.
pub const MIN_PACKET_SIZE: usize = 512;
pub const MAX_PACKET_SIZE: usize = 32767;
/// Packet size before LOGIN7 negotiates one.
pub const DEFAULT_PACKET_SIZE: usize = 4096;
/// Largest client message [`read_message`] accepts (bounds memory per connection).
pub const MAX_MESSAGE_LEN: usize = 256 * 1024 * 1024;

/// The type byte of a packet (MS-TDS 2.2.3.1.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum PacketType {
    SqlBatch = 1,
    PreTds7Login = 2,
    Rpc = 3,
    TabularResult = 4,
    Attention = 6,
    BulkLoad = 7,
    FedAuthToken = 8,
    TransactionManager = 14,
    Login7 = 16,
    Sspi = 17,
    PreLogin = 18,
}

impl TryFrom<u8> for PacketType {
    type Error = io::Error;

    fn try_from(b: u8) -> io::Result<Self> {
        use PacketType::*;
        Ok(match b {
            1 => SqlBatch,
            2 => PreTds7Login,
            3 => Rpc,
            4 => TabularResult,
            6 => Attention,
            7 => BulkLoad,
            8 => FedAuthToken,
            14 => TransactionManager,
            16 => Login7,
            17 => Sspi,
            18 => PreLogin,
            other => return Err(invalid(format!("unknown TDS packet type {other:#04x}"))),
        })
    }
}

/// A decoded packet header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PacketHeader {
    pub ptype: PacketType,
    /// 0x01 = end of message; clients may also set 0x02 (ignore), 0x08/0x10 (reset connection).
    pub status: u8,
    /// Packet length including the header.
    pub length: u16,
    pub spid: u16,
    pub packet_id: u8,
    pub window: u8,
}

impl PacketHeader {
    /// Encodes the header as 8 bytes.
    pub fn to_bytes(&self) -> [u8; HEADER_LEN] {
        let [l0, l1] = self.length.to_be_bytes();
        let [s0, s1] = self.spid.to_be_bytes();
        [self.ptype as u8, self.status, l0, l1, s0, s1, self.packet_id, self.window]
    }

    pub fn encode(&self, dst: &mut BytesMut) {
        dst.put_slice(&self.to_bytes());
    }

    /// Decodes and validates a header (known type, length ≥ 8).
    pub fn decode(src: &[u8; HEADER_LEN]) -> io::Result<Self> {
        let length = u16::from_be_bytes([src[2], src[3]]);
        if (length as usize) < HEADER_LEN {
            return Err(invalid(format!("TDS packet length {length} is shorter than its header")));
        }
        Ok(PacketHeader {
            ptype: PacketType::try_from(src[0])?,
            status: src[1],
            length,
            spid: u16::from_be_bytes([src[4], src[5]]),
            packet_id: src[6],
            window: src[7],
        })
    }

    pub fn is_eom(&self) -> bool {
        self.status & STATUS_EOM != 0
    }

    /// Client asked to reset the connection before this message (RESETCONNECTION 0x08 or
    /// RESETCONNECTIONSKIPTRAN 0x10).
    pub fn resets_connection(&self) -> bool {
        self.status & (STATUS_RESET_CONNECTION | STATUS_RESET_SKIP_TRAN) != 0
    }

    /// Payload length (packet length minus the header).
    pub fn payload_len(&self) -> usize {
        self.length as usize - HEADER_LEN
    }
}

/// Reads one packet. `Ok(None)` on a clean EOF before the first header byte; EOF inside a
/// packet is `UnexpectedEof`.
pub async fn read_packet<R: AsyncRead + Unpin>(r: &mut R) -> io::Result<Option<(PacketHeader, Bytes)>> {
    let mut raw = [0u8; HEADER_LEN];
    let first = r.read(&mut raw[..1]).await?;
    if first == 0 {
        return Ok(None);
    }
    r.read_exact(&mut raw[1..]).await?;
    let header = PacketHeader::decode(&raw)?;
    let mut payload = vec![0u8; header.payload_len()];
    r.read_exact(&mut payload).await?;
    Ok(Some((header, Bytes::from(payload))))
}

/// A whole client message: the first packet's header and the concatenated payloads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    pub header: PacketHeader,
    pub payload: Bytes,
}

/// Reads packets until EOM. `Ok(None)` on a clean EOF before the message starts. An ATTENTION
/// packet is always a message of its own.
pub async fn read_message<R: AsyncRead + Unpin>(r: &mut R) -> io::Result<Option<Message>> {
    let Some((header, first)) = read_packet(r).await? else {
        return Ok(None);
    };
    if header.is_eom() || header.ptype == PacketType::Attention {
        return Ok(Some(Message { header, payload: first }));
    }
    let mut payload = BytesMut::from(&first[..]);
    loop {
        let (next, bytes) = read_packet(r).await?.ok_or_else(|| {
            io::Error::new(io::ErrorKind::UnexpectedEof, "connection closed inside a TDS message")
        })?;
        if payload.len() + bytes.len() > MAX_MESSAGE_LEN {
            return Err(invalid(format!("TDS message larger than {MAX_MESSAGE_LEN} bytes")));
        }
        payload.put_slice(&bytes);
        if next.is_eom() {
            return Ok(Some(Message { header, payload: payload.freeze() }));
        }
    }
}

/// Frames one outgoing message into packets of the negotiated size.
///
/// Append token bytes to [`MessageWriter::buf_mut`]; call [`MessageWriter::take_full_packets`]
/// whenever convenient to stream complete packets, and [`MessageWriter::finish`] once for the
/// final packet(s) with EOM. The writer can be reused for the next message after `finish`.
#[derive(Debug)]
pub struct MessageWriter {
    ptype: PacketType,
    packet_size: usize,
    spid: u16,
    next_id: u8,
    payload: BytesMut,
}

impl MessageWriter {
    /// `packet_size` is clamped to 512..=32767.
    pub fn new(ptype: PacketType, packet_size: usize, spid: u16) -> Self {
        let packet_size = packet_size.clamp(MIN_PACKET_SIZE, MAX_PACKET_SIZE);
        MessageWriter {
            ptype,
            packet_size,
            spid,
            next_id: 1,
            payload: BytesMut::with_capacity(packet_size * 2),
        }
    }

    /// The payload accumulated and not yet framed; append token bytes here.
    pub fn buf_mut(&mut self) -> &mut BytesMut {
        &mut self.payload
    }

    /// Bytes appended but not yet taken.
    pub fn pending(&self) -> usize {
        self.payload.len()
    }

    pub fn packet_size(&self) -> usize {
        self.packet_size
    }

    /// Changes the packet size for the packets framed from now on (after LOGIN7).
    pub fn set_packet_size(&mut self, packet_size: usize) {
        self.packet_size = packet_size.clamp(MIN_PACKET_SIZE, MAX_PACKET_SIZE);
    }

    fn chunk(&self) -> usize {
        self.packet_size - HEADER_LEN
    }

    /// All complete packets (status 0x00), keeping a non-empty remainder for `finish`.
    pub fn take_full_packets(&mut self) -> Option<Bytes> {
        let chunk = self.chunk();
        if self.payload.len() <= chunk {
            return None;
        }
        let packets = (self.payload.len() - 1) / chunk;
        let mut out = BytesMut::with_capacity(packets * self.packet_size);
        for _ in 0..packets {
            self.frame(&mut out, chunk, STATUS_NORMAL);
        }
        Some(out.freeze())
    }

    /// Frames everything left, the last packet with EOM; an empty message is one EOM packet.
    /// Packet ids restart at 1 for the next message.
    pub fn finish(&mut self) -> Bytes {
        let chunk = self.chunk();
        let packets = self.payload.len().div_ceil(chunk).max(1);
        let mut out = BytesMut::with_capacity(self.payload.len() + packets * HEADER_LEN);
        for i in 0..packets {
            let status = if i + 1 == packets { STATUS_EOM } else { STATUS_NORMAL };
            self.frame(&mut out, chunk.min(self.payload.len()), status);
        }
        self.next_id = 1;
        out.freeze()
    }

    fn frame(&mut self, out: &mut BytesMut, len: usize, status: u8) {
        let header = PacketHeader {
            ptype: self.ptype,
            status,
            length: (len + HEADER_LEN) as u16,
            spid: self.spid,
            packet_id: self.next_id,
            window: 0,
        };
        header.encode(out);
        out.put_slice(&self.payload[..len]);
        self.payload.advance(len);
        self.next_id = self.next_id.wrapping_add(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split_packets(mut wire: &[u8]) -> Vec<(PacketHeader, Vec<u8>)> {
        let mut out = Vec::new();
        while !wire.is_empty() {
            let header = PacketHeader::decode(wire[..8].try_into().unwrap()).unwrap();
            let len = header.length as usize;
            out.push((header, wire[8..len].to_vec()));
            wire = &wire[len..];
        }
        out
    }

    #[test]
    fn header_round_trips_big_endian() {
        let h = PacketHeader {
            ptype: PacketType::TabularResult,
            status: STATUS_EOM,
            length: 0x0102,
            spid: 0x0304,
            packet_id: 5,
            window: 0,
        };
        assert_eq!(h.to_bytes(), [4, 1, 1, 2, 3, 4, 5, 0]);
        assert_eq!(PacketHeader::decode(&h.to_bytes()).unwrap(), h);
    }

    #[test]
    fn bad_headers_are_errors() {
        assert!(PacketHeader::decode(&[5, 1, 0, 8, 0, 0, 1, 0]).is_err(), "unknown type 5");
        assert!(PacketHeader::decode(&[1, 1, 0, 7, 0, 0, 1, 0]).is_err(), "length < 8");
    }

    #[test]
    fn empty_message_is_one_eom_packet() {
        let mut w = MessageWriter::new(PacketType::TabularResult, 4096, 55);
        assert!(w.take_full_packets().is_none());
        assert_eq!(&w.finish()[..], &[4, 1, 0, 8, 0, 55, 1, 0]);
    }

    #[test]
    fn large_message_streams_full_packets_then_eom() {
        let mut w = MessageWriter::new(PacketType::TabularResult, 512, 7);
        let data: Vec<u8> = (0..2000u32).map(|i| i as u8).collect();
        w.buf_mut().put_slice(&data[..1000]);
        let first = w.take_full_packets().unwrap();
        assert_eq!(first.len(), 512, "one full packet of 504 payload bytes");
        w.buf_mut().put_slice(&data[1000..]);
        let mut wire = first.to_vec();
        wire.extend_from_slice(&w.take_full_packets().unwrap());
        wire.extend_from_slice(&w.finish());
        let packets = split_packets(&wire);
        assert_eq!(packets.len(), 4);
        for (i, (h, _)) in packets.iter().enumerate() {
            assert_eq!(h.packet_id as usize, i + 1);
            assert_eq!(h.spid, 7);
            assert_eq!(h.status, if i == 3 { STATUS_EOM } else { STATUS_NORMAL });
        }
        let joined: Vec<u8> = packets.into_iter().flat_map(|(_, p)| p).collect();
        assert_eq!(joined, data);
    }

    #[test]
    fn exact_multiple_keeps_payload_for_the_eom_packet() {
        let mut w = MessageWriter::new(PacketType::TabularResult, 512, 1);
        w.buf_mut().put_slice(&[9u8; 504 * 2]);
        let full = w.take_full_packets().unwrap();
        assert_eq!(full.len(), 512);
        let last = w.finish();
        assert_eq!(last.len(), 512);
        assert_eq!(&last[..2], &[4, STATUS_EOM]);
    }

    #[test]
    fn packet_ids_wrap_modulo_256() {
        let mut w = MessageWriter::new(PacketType::TabularResult, 512, 1);
        w.buf_mut().put_slice(&vec![0u8; 504 * 300]);
        let wire = w.finish();
        let ids: Vec<u8> = split_packets(&wire).iter().map(|(h, _)| h.packet_id).collect();
        assert_eq!(ids.len(), 300);
        assert_eq!((ids[254], ids[255], ids[256]), (255, 0, 1));
    }

    #[tokio::test]
    async fn read_message_joins_packets_and_reports_clean_eof() {
        let mut w = MessageWriter::new(PacketType::SqlBatch, 512, 0);
        w.buf_mut().put_slice(&[3u8; 1200]);
        let wire = w.finish();
        let mut src: &[u8] = &wire;
        let msg = read_message(&mut src).await.unwrap().unwrap();
        assert_eq!(msg.header.ptype, PacketType::SqlBatch);
        assert_eq!(msg.payload.len(), 1200);
        assert!(read_message(&mut src).await.unwrap().is_none());
        let mut truncated: &[u8] = &wire[..100];
        assert!(read_message(&mut truncated).await.is_err());
    }
}
