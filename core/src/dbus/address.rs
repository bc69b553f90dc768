//! Bus addresses (the D-Bus Specification, "Server Addresses"): `transport:key=value,…` entries separated
//! by `;`, values with `%XX` escapes. Only Unix sockets, by path or abstract name.

use super::DbusError;

/// Longest address accepted: it comes from the environment.
const MAX_ADDRESS: usize = 1024;

/// Where the bus listens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Address {
    /// A socket file (`unix:path=`).
    Path(String),
    /// A Linux abstract socket name (`unix:abstract=`), without the leading NUL.
    Abstract(String),
}

/// The first Unix socket entry of `address`.
pub fn parse_address(address: &str) -> Result<Address, DbusError> {
    let refuse = || DbusError::Address(address.chars().take(80).collect());
    if address.len() > MAX_ADDRESS {
        return Err(refuse());
    }
    for entry in address.split(';') {
        let Some(keys) = entry.strip_prefix("unix:") else {
            continue;
        };
        for pair in keys.split(',') {
            let found = match pair.split_once('=') {
                Some(("path", value)) => unescape(value).map(Address::Path),
                Some(("abstract", value)) => unescape(value).map(Address::Abstract),
                _ => continue,
            };
            return found
                .filter(|a| !matches!(a, Address::Path(p) | Address::Abstract(p) if p.is_empty()))
                .ok_or_else(refuse);
        }
    }
    Err(refuse())
}

/// Undoes the `%XX` escapes of an address value.
fn unescape(value: &str) -> Option<String> {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_abstract_names_and_escapes() {
        assert_eq!(
            parse_address("unix:path=/run/dbus/system_bus_socket"),
            Ok(Address::Path("/run/dbus/system_bus_socket".into()))
        );
        assert_eq!(
            parse_address("tcp:host=x,port=1;unix:abstract=/tmp/dbus-X,guid=00"),
            Ok(Address::Abstract("/tmp/dbus-X".into()))
        );
        assert_eq!(
            parse_address("unix:guid=1,path=/tmp/a%20b"),
            Ok(Address::Path("/tmp/a b".into()))
        );
        for bad in [
            "",
            "tcp:host=x",
            "unix:path=",
            "unix:path=%4",
            "unix:path=%zz",
        ] {
            assert!(parse_address(bad).is_err(), "{bad}");
        }
        assert!(parse_address(&format!("unix:path=/{}", "a".repeat(2000))).is_err());
    }
}
