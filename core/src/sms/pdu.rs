//! SMS-DELIVER PDUs (3GPP TS 23.040 §9.2.2.1) as `+CMGR`/`+CMT` show them in PDU mode (with the SMSC
//! address in front, 27.005 §3.1): sender, timestamp, data coding (GSM 7-bit default alphabet with its
//! extension table, UCS2, 8-bit) and the concatenation header (IEI 00 and 08). Every length and index is
//! checked against the PDU; a malformed PDU is a [`PduError`], never a panic.

/// The longest PDU (with SMSC address) a modem shows: 12 + 164 octets.
pub const MAX_PDU: usize = 176;

/// Why a PDU was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("SMS PDU: {0}")]
pub struct PduError(pub &'static str);

/// How the user data is coded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Coding {
    /// GSM 7-bit default alphabet.
    Gsm7,
    /// 8-bit data.
    Bits8,
    /// UCS2 (UTF-16BE).
    Ucs2,
}

/// One part of a concatenated message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Concat {
    /// The reference shared by the parts.
    pub reference: u16,
    /// How many parts.
    pub total: u8,
    /// This part's number, from 1.
    pub seq: u8,
}

/// A decoded SMS-DELIVER.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deliver {
    /// The originating address (`+` and digits, or alphanumeric).
    pub sender: String,
    /// The service centre time stamp, RFC 3339 with its offset.
    pub timestamp: String,
    /// The data coding.
    pub coding: Coding,
    /// The text (8-bit data as lower-case hex).
    pub text: String,
    /// The concatenation header, if this is one part of several.
    pub concat: Option<Concat>,
}

/// A cursor over the PDU that refuses to read past its end.
struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn byte(&mut self, what: &'static str) -> Result<u8, PduError> {
        let b = *self.bytes.get(self.at).ok_or(PduError(what))?;
        self.at += 1;
        Ok(b)
    }

    fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], PduError> {
        let end = self.at.checked_add(n).ok_or(PduError(what))?;
        let slice = self.bytes.get(self.at..end).ok_or(PduError(what))?;
        self.at = end;
        Ok(slice)
    }
}

/// Decodes the hex of a PDU as the modem shows it (SMSC address first).
pub fn decode_hex(hex: &str) -> Result<Deliver, PduError> {
    let hex = hex.trim();
    if hex.len() > 2 * MAX_PDU {
        return Err(PduError("longer than an SMS"));
    }
    let bytes = hex::decode(hex).map_err(|_| PduError("not hex"))?;
    decode(&bytes)
}

/// Decodes a PDU (SMSC address first).
pub fn decode(pdu: &[u8]) -> Result<Deliver, PduError> {
    if pdu.len() > MAX_PDU {
        return Err(PduError("longer than an SMS"));
    }
    let mut r = Reader { bytes: pdu, at: 0 };
    let smsc = r.byte("no SMSC length")?;
    r.take(usize::from(smsc), "SMSC address cut short")?;
    let first = r.byte("no first octet")?;
    if first & 0x03 != 0 {
        return Err(PduError("not an SMS-DELIVER"));
    }
    let has_udh = first & 0x40 != 0;
    let sender = address(&mut r)?;
    let _pid = r.byte("no protocol identifier")?;
    let coding = coding(r.byte("no data coding scheme")?)?;
    let timestamp = timestamp(r.take(7, "time stamp cut short")?)?;
    let udl = usize::from(r.byte("no user data length")?);
    let rest = &pdu[r.at..];
    let (text, concat) = match coding {
        Coding::Gsm7 => {
            if udl > 160 || rest.len() < (udl * 7).div_ceil(8) {
                return Err(PduError("user data shorter than its length"));
            }
            let (header_septets, concat) = match has_udh {
                true => {
                    let udhl = usize::from(*rest.first().ok_or(PduError("no header length"))?);
                    let header_bytes = rest.get(1..1 + udhl).ok_or(PduError("header cut short"))?;
                    (((udhl + 1) * 8).div_ceil(7), header(header_bytes)?)
                }
                false => (0, None),
            };
            if header_septets > udl {
                return Err(PduError("header longer than the user data"));
            }
            let septets = unpack(rest, udl);
            (gsm7_text(&septets[header_septets..])?, concat)
        }
        Coding::Ucs2 | Coding::Bits8 => {
            if udl > 140 || rest.len() < udl {
                return Err(PduError("user data shorter than its length"));
            }
            let data = &rest[..udl];
            let (body, concat) = match has_udh {
                true => {
                    let udhl = usize::from(*data.first().ok_or(PduError("no header length"))?);
                    let header_bytes = data.get(1..1 + udhl).ok_or(PduError("header cut short"))?;
                    (&data[1 + udhl..], header(header_bytes)?)
                }
                false => (data, None),
            };
            let text = match coding {
                Coding::Ucs2 => ucs2_text(body)?,
                _ => hex::encode(body),
            };
            (text, concat)
        }
    };
    Ok(Deliver {
        sender,
        timestamp,
        coding,
        text,
        concat,
    })
}

/// The originating address: length in digits, type, then swapped BCD digits or packed GSM 7-bit text.
fn address(r: &mut Reader<'_>) -> Result<String, PduError> {
    let digits = usize::from(r.byte("no sender length")?);
    if digits > 20 {
        return Err(PduError("sender longer than 20 digits"));
    }
    let toa = r.byte("no sender type")?;
    let bytes = r.take(digits.div_ceil(2), "sender cut short")?;
    if toa & 0x70 == 0x50 {
        // Alphanumeric: `digits` semi-octets of packed 7-bit characters.
        let septets = unpack(bytes, digits * 4 / 7);
        return gsm7_text(&septets);
    }
    let mut out = String::with_capacity(digits + 1);
    if toa & 0x70 == 0x10 {
        out.push('+');
    }
    for i in 0..digits {
        let b = bytes[i / 2];
        let nibble = if i % 2 == 0 { b & 0x0F } else { b >> 4 };
        out.push(match nibble {
            0..=9 => char::from(b'0' + nibble),
            0x0A => '*',
            0x0B => '#',
            0x0C..=0x0E => char::from(b'a' + nibble - 0x0C),
            _ => return Err(PduError("bad digit in the sender")),
        });
    }
    Ok(out)
}

/// The alphabet of a data coding scheme (TS 23.038 §4); compressed and reserved codings are refused.
fn coding(dcs: u8) -> Result<Coding, PduError> {
    match dcs >> 4 {
        0x0..=0x7 => {
            if dcs & 0x20 != 0 {
                return Err(PduError("compressed text"));
            }
            match (dcs >> 2) & 0x03 {
                0 => Ok(Coding::Gsm7),
                1 => Ok(Coding::Bits8),
                2 => Ok(Coding::Ucs2),
                _ => Err(PduError("reserved alphabet")),
            }
        }
        0xC | 0xD => Ok(Coding::Gsm7),
        0xE => Ok(Coding::Ucs2),
        0xF => Ok(if dcs & 0x04 == 0 {
            Coding::Gsm7
        } else {
            Coding::Bits8
        }),
        _ => Err(PduError("reserved coding group")),
    }
}

/// The SCTS: swapped semi-octets YY MM DD hh mm ss, then the zone in quarter hours (bit 3: negative).
fn timestamp(b: &[u8]) -> Result<String, PduError> {
    let semi = |x: u8| -> Result<u32, PduError> {
        let (lo, hi) = (u32::from(x & 0x0F), u32::from(x >> 4));
        if lo > 9 || hi > 9 {
            return Err(PduError("bad time stamp digit"));
        }
        Ok(lo * 10 + hi)
    };
    let [year, month, day, hour, minute, second] = [
        semi(b[0])?,
        semi(b[1])?,
        semi(b[2])?,
        semi(b[3])?,
        semi(b[4])?,
        semi(b[5])?,
    ];
    if !(1..=12).contains(&month)
        || !(1..=31).contains(&day)
        || hour > 23
        || minute > 59
        || second > 59
    {
        return Err(PduError("time stamp out of range"));
    }
    let zone = b[6];
    let quarters = semi(zone & 0xF7)?;
    let minutes = quarters * 15;
    let sign = if zone & 0x08 != 0 { '-' } else { '+' };
    Ok(format!(
        "20{year:02}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}{sign}{:02}:{:02}",
        minutes / 60,
        minutes % 60
    ))
}

/// The concatenation information element of a user data header, if any (other elements are skipped).
fn header(mut h: &[u8]) -> Result<Option<Concat>, PduError> {
    let mut concat = None;
    while let [iei, len, rest @ ..] = h {
        let len = usize::from(*len);
        let data = rest
            .get(..len)
            .ok_or(PduError("header element cut short"))?;
        let found = match (iei, data) {
            (0x00, &[reference, total, seq]) => Some((u16::from(reference), total, seq)),
            (0x08, &[hi, lo, total, seq]) => Some((u16::from_be_bytes([hi, lo]), total, seq)),
            (0x00 | 0x08, _) => return Err(PduError("bad concatenation element")),
            _ => None,
        };
        if let Some((reference, total, seq)) = found {
            concat = Some(Concat {
                reference,
                total,
                seq,
            });
        }
        h = &rest[len..];
    }
    if !h.is_empty() {
        return Err(PduError("header cut short"));
    }
    match concat {
        Some(c) if c.total == 0 || c.seq == 0 || c.seq > c.total => {
            Err(PduError("bad concatenation numbers"))
        }
        other => Ok(other),
    }
}

/// The first `count` septets packed in `bytes` (LSB first); missing bits read as 0.
fn unpack(bytes: &[u8], count: usize) -> Vec<u8> {
    (0..count)
        .map(|i| {
            let bit = i * 7;
            let (byte, shift) = (bit / 8, bit % 8);
            let low = u16::from(*bytes.get(byte).unwrap_or(&0));
            let high = u16::from(*bytes.get(byte + 1).unwrap_or(&0));
            (((high << 8 | low) >> shift) & 0x7F) as u8
        })
        .collect()
}

/// The GSM 03.38 default alphabet.
const GSM7: [char; 128] = [
    '@', '£', '$', '¥', 'è', 'é', 'ù', 'ì', 'ò', 'Ç', '\n', 'Ø', 'ø', '\r', 'Å', 'å', //
    'Δ', '_', 'Φ', 'Γ', 'Λ', 'Ω', 'Π', 'Ψ', 'Σ', 'Θ', 'Ξ', '\u{1b}', 'Æ', 'æ', 'ß', 'É', //
    ' ', '!', '"', '#', '¤', '%', '&', '\'', '(', ')', '*', '+', ',', '-', '.', '/', //
    '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', ':', ';', '<', '=', '>', '?', //
    '¡', 'A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'I', 'J', 'K', 'L', 'M', 'N', 'O', //
    'P', 'Q', 'R', 'S', 'T', 'U', 'V', 'W', 'X', 'Y', 'Z', 'Ä', 'Ö', 'Ñ', 'Ü', '§', //
    '¿', 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o', //
    'p', 'q', 'r', 's', 't', 'u', 'v', 'w', 'x', 'y', 'z', 'ä', 'ö', 'ñ', 'ü', 'à', //
];

/// The extension table (after the escape 0x1B); unknown codes read as a space, as 23.038 says.
fn gsm7_extension(code: u8) -> char {
    match code {
        0x0A => '\u{c}',
        0x14 => '^',
        0x28 => '{',
        0x29 => '}',
        0x2F => '\\',
        0x3C => '[',
        0x3D => '~',
        0x3E => ']',
        0x40 => '|',
        0x65 => '€',
        _ => ' ',
    }
}

/// The text of unpacked septets.
pub fn gsm7_text(septets: &[u8]) -> Result<String, PduError> {
    let mut out = String::with_capacity(septets.len());
    let mut escaped = false;
    for &s in septets {
        let s = s & 0x7F;
        if escaped {
            out.push(gsm7_extension(s));
            escaped = false;
        } else if s == 0x1B {
            escaped = true;
        } else {
            out.push(GSM7[usize::from(s)]);
        }
    }
    Ok(out)
}

/// The GSM 7-bit code of `c` (with the escape for extension characters), if the alphabet has it.
pub fn gsm7_code(c: char) -> Option<Vec<u8>> {
    if let Some(code) = GSM7.iter().position(|&g| g == c && g != '\u{1b}') {
        return Some(vec![code as u8]);
    }
    (0..0x80u8)
        .find(|&code| gsm7_extension(code) == c && c != ' ')
        .map(|code| vec![0x1B, code])
}

fn ucs2_text(body: &[u8]) -> Result<String, PduError> {
    if body.len() % 2 != 0 {
        return Err(PduError("UCS2 text of an odd length"));
    }
    let units: Vec<u16> = body
        .chunks_exact(2)
        .map(|p| u16::from_be_bytes([p[0], p[1]]))
        .collect();
    Ok(char::decode_utf16(units)
        .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
        .collect())
}

#[cfg(test)]
mod tests;
