//! The client side of the SASL handshake with the `EXTERNAL` mechanism (the D-Bus Specification,
//! "Authentication Protocol"): the bus checks the caller's credentials on the socket, so the client only
//! names its user id.

use super::DbusError;

/// Longest server line accepted (`OK` and a 32-digit GUID fit many times).
pub const MAX_AUTH_LINE: usize = 512;

/// What the client sends first: the credentials NUL byte, `AUTH EXTERNAL` with the user id as hex of its
/// decimal digits, then `BEGIN`, which the bus reads once it answered `OK` (sent together: one round trip).
pub fn auth_request(uid: u32) -> Vec<u8> {
    let hex_uid = hex::encode(uid.to_string());
    format!("\0AUTH EXTERNAL {hex_uid}\r\nBEGIN\r\n").into_bytes()
}

/// The server's answer to `AUTH`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthReply {
    /// Accepted; the server's GUID.
    Ok(String),
    /// Refused; the mechanisms it would take.
    Rejected(String),
}

/// Reads one server line (without its `\r\n`).
pub fn parse_auth_reply(line: &[u8]) -> Result<AuthReply, DbusError> {
    let text = std::str::from_utf8(line)
        .ok()
        .filter(|t| line.len() <= MAX_AUTH_LINE && t.bytes().all(|b| (0x20..0x7F).contains(&b)));
    let refuse =
        || DbusError::AuthReply(String::from_utf8_lossy(&line[..line.len().min(80)]).into_owned());
    let text = text.ok_or_else(refuse)?;
    if let Some(guid) = text.strip_prefix("OK ") {
        if guid.len() == 32 && guid.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Ok(AuthReply::Ok(guid.to_owned()));
        }
    } else if text == "REJECTED" || text.starts_with("REJECTED ") {
        return Ok(AuthReply::Rejected(text[8..].trim().to_owned()));
    }
    Err(refuse())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_names_the_uid_in_hex_digits() {
        assert_eq!(auth_request(1000), b"\0AUTH EXTERNAL 31303030\r\nBEGIN\r\n");
    }

    #[test]
    fn replies() {
        let guid = "0123456789abcdef0123456789abcdef";
        assert_eq!(
            parse_auth_reply(format!("OK {guid}").as_bytes()),
            Ok(AuthReply::Ok(guid.into()))
        );
        assert_eq!(
            parse_auth_reply(b"REJECTED EXTERNAL ANONYMOUS"),
            Ok(AuthReply::Rejected("EXTERNAL ANONYMOUS".into()))
        );
        for bad in [&b"OK 12"[..], b"ERROR", b"DATA", b"OK \xff", b""] {
            assert!(parse_auth_reply(bad).is_err());
        }
    }
}
