//! D-Bus messages in the wire format (the D-Bus Specification, "Message Protocol"): a 16-byte fixed
//! header, an array of header fields, then the body, every value aligned to its size. The encoder writes
//! method calls in little-endian order with string and boolean arguments; the decoder reads a message of
//! either byte order, its header fields, and the first value of its body.

use super::DbusError;

/// Largest message accepted. The bus sends this client replies of a few dozen bytes and the
/// `NameAcquired` signal; the specification allows 128 MiB, which no reply here needs.
pub const MAX_MESSAGE: usize = 64 * 1024;

/// Bytes before the header fields: byte order, type, flags, version, body length, serial, fields length.
pub const FIXED_HEADER: usize = 16;

/// Header field codes.
const PATH: u8 = 1;
const INTERFACE: u8 = 2;
const MEMBER: u8 = 3;
const ERROR_NAME: u8 = 4;
const REPLY_SERIAL: u8 = 5;
const DESTINATION: u8 = 6;
const SENDER: u8 = 7;
const SIGNATURE: u8 = 8;

/// The four kinds of message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageType {
    /// A call.
    MethodCall,
    /// A call's successful reply.
    MethodReturn,
    /// A call's failed reply.
    Error,
    /// A broadcast or a unicast notice (the bus's `NameAcquired`).
    Signal,
}

/// An argument of a method call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arg<'a> {
    /// Type `s`.
    Str(&'a str),
    /// Type `b`.
    Bool(bool),
}

/// What the header of a received message says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// Its type.
    pub kind: MessageType,
    /// Its serial number (never 0).
    pub serial: u32,
    /// The call it answers (replies and errors).
    pub reply_serial: Option<u32>,
    /// The error's name (errors).
    pub error_name: Option<String>,
    /// The member called or signalled.
    pub member: Option<String>,
    /// The sender's unique name (set by the bus).
    pub sender: Option<String>,
}

/// The body of a received message, with the signature that describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Body {
    big_endian: bool,
    /// The body's bytes, starting 8-aligned like in the message, so alignment is relative to them.
    bytes: Vec<u8>,
    signature: String,
}

impl Body {
    /// The first value, which must be a string (type `s`).
    pub fn first_string(&self) -> Result<String, DbusError> {
        self.first('s', "a string")?.string()
    }

    /// The first value, which must be a boolean.
    pub fn first_bool(&self) -> Result<bool, DbusError> {
        self.first('b', "a boolean")?.boolean()
    }

    /// The signature of the body.
    pub fn signature(&self) -> &str {
        &self.signature
    }

    fn first(&self, code: char, expected: &'static str) -> Result<Reader<'_>, DbusError> {
        if !self.signature.starts_with(code) {
            return Err(DbusError::BodyType {
                expected,
                signature: self.signature.clone(),
            });
        }
        Ok(Reader {
            bytes: &self.bytes,
            pos: 0,
            big_endian: self.big_endian,
        })
    }
}

/// The length of the whole message whose first [`FIXED_HEADER`] bytes are `fixed`, so a reader knows how
/// much more to read; refuses a message larger than [`MAX_MESSAGE`] before it is read.
pub fn frame_length(fixed: &[u8; FIXED_HEADER]) -> Result<usize, DbusError> {
    let big_endian = byte_order(fixed[0])?;
    let word = |at: usize| {
        let bytes = [fixed[at], fixed[at + 1], fixed[at + 2], fixed[at + 3]];
        u64::from(if big_endian {
            u32::from_be_bytes(bytes)
        } else {
            u32::from_le_bytes(bytes)
        })
    };
    let fields = word(12);
    let total = (FIXED_HEADER as u64 + fields).next_multiple_of(8) + word(4);
    if total > MAX_MESSAGE as u64 {
        return Err(DbusError::TooLarge(total));
    }
    Ok(total as usize)
}

fn byte_order(byte: u8) -> Result<bool, DbusError> {
    match byte {
        b'l' => Ok(false),
        b'B' => Ok(true),
        other => Err(DbusError::ByteOrder(other)),
    }
}

/// Decodes one whole message (exactly [`frame_length`] bytes).
pub fn decode(message: &[u8]) -> Result<(Header, Body), DbusError> {
    let fixed: &[u8; FIXED_HEADER] = message
        .get(..FIXED_HEADER)
        .and_then(|f| f.try_into().ok())
        .ok_or(DbusError::Truncated(message.len()))?;
    let total = frame_length(fixed)?;
    if message.len() < total {
        return Err(DbusError::Truncated(message.len()));
    }
    if message.len() > total {
        return Err(DbusError::TooLarge(message.len() as u64));
    }
    let mut r = Reader {
        bytes: message,
        pos: 0,
        big_endian: byte_order(message[0])?,
    };
    r.pos = 1;
    let kind = match r.u8()? {
        1 => MessageType::MethodCall,
        2 => MessageType::MethodReturn,
        3 => MessageType::Error,
        4 => MessageType::Signal,
        other => return Err(DbusError::MessageType(other)),
    };
    let _flags = r.u8()?;
    match r.u8()? {
        1 => {}
        other => return Err(DbusError::Version(other)),
    }
    let body_len = r.u32()? as usize;
    let serial = r.u32()?;
    let fields_len = r.u32()? as usize;
    let fields_end = FIXED_HEADER + fields_len;
    let mut header = Header {
        kind,
        serial,
        reply_serial: None,
        error_name: None,
        member: None,
        sender: None,
    };
    let (mut path, mut interface, mut signature) = (false, false, String::new());
    while r.pos < fields_end {
        r.align(8)?;
        let code = r.u8()?;
        let field_signature = r.signature()?;
        let mismatch = |wanted: &str| {
            (field_signature != wanted).then(|| DbusError::FieldSignature {
                code,
                signature: field_signature.clone(),
            })
        };
        let wanted = match code {
            PATH => "o",
            INTERFACE | MEMBER | ERROR_NAME | DESTINATION | SENDER => "s",
            REPLY_SERIAL => "u",
            SIGNATURE => "g",
            _ => {
                r.skip_basic(code, &field_signature)?;
                continue;
            }
        };
        if let Some(error) = mismatch(wanted) {
            return Err(error);
        }
        match code {
            PATH => path = !r.string()?.is_empty(),
            INTERFACE => interface = !r.string()?.is_empty(),
            MEMBER => header.member = Some(r.string()?),
            ERROR_NAME => header.error_name = Some(r.string()?),
            SENDER => header.sender = Some(r.string()?),
            DESTINATION => {
                r.string()?;
            }
            REPLY_SERIAL => header.reply_serial = Some(r.u32()?),
            _ => signature = r.signature()?,
        }
    }
    if r.pos != fields_end {
        return Err(DbusError::Truncated(r.pos));
    }
    r.align(8)?;
    if serial == 0 {
        return Err(DbusError::MissingField("serial"));
    }
    let missing = match kind {
        MessageType::MethodCall if !path => Some("PATH"),
        MessageType::MethodCall if header.member.is_none() => Some("MEMBER"),
        MessageType::Signal if !(path && interface && header.member.is_some()) => {
            Some("PATH, INTERFACE or MEMBER")
        }
        MessageType::MethodReturn | MessageType::Error if header.reply_serial.is_none() => {
            Some("REPLY_SERIAL")
        }
        MessageType::Error if header.error_name.is_none() => Some("ERROR_NAME"),
        _ => None,
    };
    if let Some(field) = missing {
        return Err(DbusError::MissingField(field));
    }
    if r.pos + body_len != total || (body_len > 0) == signature.is_empty() {
        return Err(DbusError::BodyType {
            expected: "a body that matches its signature",
            signature,
        });
    }
    let body = Body {
        big_endian: r.big_endian,
        bytes: message[r.pos..].to_vec(),
        signature,
    };
    Ok((header, body))
}

/// Reads values from a message or a body.
struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
    big_endian: bool,
}

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Result<&[u8], DbusError> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|&end| end <= self.bytes.len());
        let end = end.ok_or(DbusError::Truncated(self.pos))?;
        let taken = &self.bytes[self.pos..end];
        self.pos = end;
        Ok(taken)
    }

    fn align(&mut self, to: usize) -> Result<(), DbusError> {
        let at = self.pos;
        let padding = self.pos.next_multiple_of(to) - self.pos;
        if self.take(padding)?.iter().any(|&b| b != 0) {
            return Err(DbusError::BadPadding(at));
        }
        Ok(())
    }

    fn u8(&mut self) -> Result<u8, DbusError> {
        Ok(self.take(1)?[0])
    }

    fn u32(&mut self) -> Result<u32, DbusError> {
        self.align(4)?;
        let bytes: [u8; 4] = self.take(4)?.try_into().expect("4 bytes");
        Ok(match self.big_endian {
            true => u32::from_be_bytes(bytes),
            false => u32::from_le_bytes(bytes),
        })
    }

    fn boolean(&mut self) -> Result<bool, DbusError> {
        let at = self.pos;
        match self.u32()? {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(DbusError::BadBool(at)),
        }
    }

    /// A string of `len` bytes and its NUL.
    fn text(&mut self, len: usize) -> Result<String, DbusError> {
        let at = self.pos;
        let bytes = self.take(len.saturating_add(1))?;
        let (nul, text) = bytes.split_last().ok_or(DbusError::BadString(at))?;
        match (nul, std::str::from_utf8(text)) {
            (0, Ok(text)) if !text.contains('\0') => Ok(text.to_owned()),
            _ => Err(DbusError::BadString(at)),
        }
    }

    fn string(&mut self) -> Result<String, DbusError> {
        let len = self.u32()? as usize;
        self.text(len)
    }

    fn signature(&mut self) -> Result<String, DbusError> {
        let len = usize::from(self.u8()?);
        let at = self.pos;
        let text = self.text(len)?;
        if !text.bytes().all(|b| b"ybnqiuxtdsoghav(){}".contains(&b)) {
            return Err(DbusError::BadString(at));
        }
        Ok(text)
    }

    /// Skips a header field of a single basic type (the specification says unknown fields are ignored).
    fn skip_basic(&mut self, code: u8, signature: &str) -> Result<(), DbusError> {
        let size = match signature {
            "y" => 1,
            "n" | "q" => 2,
            "b" | "i" | "u" | "h" => 4,
            "x" | "t" | "d" => 8,
            "s" | "o" => return self.string().map(drop),
            "g" => return self.signature().map(drop),
            _ => {
                return Err(DbusError::FieldSignature {
                    code,
                    signature: signature.to_owned(),
                });
            }
        };
        self.align(size)?;
        self.take(size).map(drop)
    }
}

/// Writes values in little-endian order.
struct Writer(Vec<u8>);

impl Writer {
    fn align(&mut self, to: usize) {
        let len = self.0.len().next_multiple_of(to);
        self.0.resize(len, 0);
    }

    fn u32(&mut self, value: u32) {
        self.align(4);
        self.0.extend_from_slice(&value.to_le_bytes());
    }

    fn string(&mut self, text: &str) {
        self.u32(text.len() as u32);
        self.0.extend_from_slice(text.as_bytes());
        self.0.push(0);
    }

    fn signature(&mut self, text: &str) {
        self.0.push(text.len() as u8);
        self.0.extend_from_slice(text.as_bytes());
        self.0.push(0);
    }

    fn field(&mut self, code: u8, signature: &str, write: impl FnOnce(&mut Self)) {
        self.align(8);
        self.0.push(code);
        self.signature(signature);
        write(self);
    }
}

/// A method call with serial `serial` (not 0) to `member` of `interface` on the object `path` of
/// `destination`, with `args` (strings of names and ids this program chose: each under 64 KiB).
pub fn encode_method_call(
    serial: u32,
    destination: &str,
    path: &str,
    interface: &str,
    member: &str,
    args: &[Arg<'_>],
) -> Vec<u8> {
    let mut body = Writer(Vec::new());
    let mut signature = String::new();
    for arg in args {
        match arg {
            Arg::Str(text) => {
                signature.push('s');
                body.string(text);
            }
            Arg::Bool(value) => {
                signature.push('b');
                body.u32(u32::from(*value));
            }
        }
    }
    // Byte order, METHOD_CALL, no flags, version 1; body length, serial, fields length follow.
    let mut w = Writer(vec![b'l', 1, 0, 1]);
    w.u32(body.0.len() as u32);
    w.u32(serial);
    w.u32(0);
    w.field(PATH, "o", |w| w.string(path));
    w.field(INTERFACE, "s", |w| w.string(interface));
    w.field(MEMBER, "s", |w| w.string(member));
    w.field(DESTINATION, "s", |w| w.string(destination));
    if !signature.is_empty() {
        w.field(SIGNATURE, "g", |w| w.signature(&signature));
    }
    let fields = (w.0.len() - FIXED_HEADER) as u32;
    w.0[12..16].copy_from_slice(&fields.to_le_bytes());
    w.align(8);
    w.0.extend_from_slice(&body.0);
    w.0
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A METHOD_RETURN as dbus-daemon sends one to `Hello` (big-endian, as on a MIPS router), written
    /// out by hand from the specification's layout.
    fn hello_reply_be() -> Vec<u8> {
        let mut m = vec![b'B', 2, 1, 1];
        m.extend_from_slice(&12u32.to_be_bytes()); // body: the length 7, then ":1.4242" and its NUL
        m.extend_from_slice(&5u32.to_be_bytes()); // serial
        let mut fields = Vec::new();
        // REPLY_SERIAL u 1
        fields.extend_from_slice(&[5, 1, b'u', 0]);
        fields.extend_from_slice(&1u32.to_be_bytes());
        // SENDER s "org.freedesktop.DBus" (20 bytes), 8-aligned start at 8
        fields.extend_from_slice(&[7, 1, b's', 0]);
        fields.extend_from_slice(&20u32.to_be_bytes());
        fields.extend_from_slice(b"org.freedesktop.DBus\0");
        fields.extend_from_slice(&[0, 0, 0]); // to 8-alignment (16+8+8+21=53 → 56)
        // SIGNATURE g "s"
        fields.extend_from_slice(&[8, 1, b'g', 0, 1, b's', 0]);
        m.extend_from_slice(&(fields.len() as u32).to_be_bytes());
        m.extend_from_slice(&fields);
        while m.len() % 8 != 0 {
            m.push(0);
        }
        m.extend_from_slice(&7u32.to_be_bytes());
        m.extend_from_slice(b":1.4242\0");
        m
    }

    #[test]
    fn a_big_endian_reply_from_the_specification_layout() {
        let message = hello_reply_be();
        let fixed: &[u8; 16] = message[..16].try_into().unwrap();
        assert_eq!(frame_length(fixed), Ok(message.len()));
        let (header, body) = decode(&message).unwrap();
        assert_eq!(header.kind, MessageType::MethodReturn);
        assert_eq!(header.serial, 5);
        assert_eq!(header.reply_serial, Some(1));
        assert_eq!(header.sender.as_deref(), Some("org.freedesktop.DBus"));
        assert_eq!(body.first_string().unwrap(), ":1.4242");
        assert!(body.first_bool().is_err());
    }

    #[test]
    fn a_call_reads_back_and_has_the_specification_layout() {
        let call = encode_method_call(
            7,
            "org.freedesktop.ModemManager1",
            "/org/freedesktop/ModemManager1",
            "org.freedesktop.ModemManager1",
            "InhibitDevice",
            &[Arg::Str("/sys/devices/usb1/1-1"), Arg::Bool(true)],
        );
        assert_eq!(&call[..4], b"l\x01\x00\x01");
        assert_eq!(&call[8..12], &7u32.to_le_bytes());
        // Body: u32 length 21, the uid, its NUL, 2 bytes of padding, then TRUE as a u32.
        let body = &call[call.len() - 32..];
        assert_eq!(&body[..4], &21u32.to_le_bytes());
        assert_eq!(&body[4..26], b"/sys/devices/usb1/1-1\0");
        assert_eq!(&body[26..32], &[0, 0, 1, 0, 0, 0]);
        let (header, body) = decode(&call).unwrap();
        assert_eq!(header.kind, MessageType::MethodCall);
        assert_eq!(header.member.as_deref(), Some("InhibitDevice"));
        assert_eq!(body.signature(), "sb");
        assert_eq!(body.first_string().unwrap(), "/sys/devices/usb1/1-1");
    }

    #[test]
    fn malformed_messages_are_refused_with_their_reason() {
        let good = hello_reply_be();
        let mut bad = good.clone();
        bad[0] = b'x';
        assert_eq!(decode(&bad).unwrap_err(), DbusError::ByteOrder(b'x'));
        let mut bad = good.clone();
        bad[3] = 2;
        assert_eq!(decode(&bad).unwrap_err(), DbusError::Version(2));
        assert!(matches!(
            decode(&good[..good.len() - 1]),
            Err(DbusError::Truncated(_))
        ));
        let mut bad = good.clone();
        bad[12..16].copy_from_slice(&u32::MAX.to_be_bytes());
        assert!(matches!(decode(&bad), Err(DbusError::TooLarge(_))));
        // The last body byte is the string's NUL.
        let mut bad = good.clone();
        *bad.last_mut().unwrap() = b'x';
        assert!(matches!(
            decode(&bad).unwrap().1.first_string(),
            Err(DbusError::BadString(_))
        ));
        // Padding after the SENDER string.
        let mut bad = good.clone();
        bad[16 + 8 + 8 + 21] = 1;
        assert!(matches!(decode(&bad), Err(DbusError::BadPadding(_))));
    }
}
