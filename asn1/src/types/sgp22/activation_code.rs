//! Activation codes (SGP.22 §4.1): `[LPA:]1$<SM-DP+ FQDN>$<matching ID>[$<SM-DP+ OID>[$<CC required "1">]]`.
//!
//! The matching ID is a secret of the profile order: whoever holds it can download the profile. `Debug` and
//! `Display` therefore print `***` in its place.

use crate::Oid;
use std::fmt;
use std::str::FromStr;

/// The longest activation code accepted (SGP.32 `ProfileDownloadData.activationCode` is `SIZE(0..255)`).
pub const MAX_LEN: usize = 255;

/// A parsed activation code.
#[derive(Clone, PartialEq, Eq)]
pub struct ActivationCode {
    /// The SM-DP+ FQDN (optionally with `:port`).
    pub smdp_address: String,
    /// The AC token, sent as `matchingId` in AuthenticateServer; may be empty.
    pub matching_id: String,
    /// The SM-DP+ OID, which the server certificate must carry.
    pub smdp_oid: Option<Oid>,
    /// Whether the user must enter a confirmation code.
    pub confirmation_code_required: bool,
}

/// Why an activation code was rejected. No variant carries the matching ID.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ActivationCodeError {
    /// Longer than [`MAX_LEN`] bytes.
    #[error("activation code of {0} bytes exceeds {MAX_LEN}")]
    TooLong(usize),
    /// The first field is not `1`.
    #[error("unsupported activation code format (the first field must be 1)")]
    UnsupportedFormat,
    /// A mandatory field (SM-DP+ address or matching ID) is absent.
    #[error("activation code has no {0} field")]
    MissingField(&'static str),
    /// The SM-DP+ address is empty or not a host name.
    #[error("invalid SM-DP+ address in activation code")]
    InvalidSmdpAddress,
    /// The matching ID has characters other than letters, digits and `-`.
    #[error("invalid matching ID in activation code (only letters, digits and '-' are allowed)")]
    InvalidMatchingId,
    /// The SM-DP+ OID is not a dotted object identifier.
    #[error("invalid SM-DP+ OID in activation code")]
    InvalidSmdpOid,
    /// The confirmation code flag is neither empty nor `1`.
    #[error("invalid confirmation code flag in activation code (must be 1 or empty)")]
    InvalidConfirmationCodeFlag,
}

fn valid_host(address: &str) -> bool {
    let (host, port) = match address.rsplit_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (address, None),
    };
    let host_ok = !host.is_empty()
        && host.split('.').all(|label| {
            !label.is_empty()
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        });
    let port_ok =
        port.is_none_or(|p| !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()));
    host_ok && port_ok
}

impl FromStr for ActivationCode {
    type Err = ActivationCodeError;

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        let input = input.trim();
        if input.len() > MAX_LEN {
            return Err(ActivationCodeError::TooLong(input.len()));
        }
        let code = match input.get(..4) {
            Some(prefix) if prefix.eq_ignore_ascii_case("LPA:") => &input[4..],
            _ => input,
        };
        let mut fields = code.split('$');
        if fields.next() != Some("1") {
            return Err(ActivationCodeError::UnsupportedFormat);
        }
        let smdp_address = fields
            .next()
            .ok_or(ActivationCodeError::MissingField("SM-DP+ address"))?;
        if !valid_host(smdp_address) {
            return Err(ActivationCodeError::InvalidSmdpAddress);
        }
        let matching_id = fields
            .next()
            .ok_or(ActivationCodeError::MissingField("matching ID"))?;
        if !matching_id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        {
            return Err(ActivationCodeError::InvalidMatchingId);
        }
        let smdp_oid = match fields.next() {
            None | Some("") => None,
            Some(oid) => Some(
                oid.parse()
                    .map_err(|_| ActivationCodeError::InvalidSmdpOid)?,
            ),
        };
        let confirmation_code_required = match fields.next() {
            None | Some("") => false,
            Some("1") => true,
            Some(_) => return Err(ActivationCodeError::InvalidConfirmationCodeFlag),
        };
        // Fields after the confirmation code flag are reserved for later versions and ignored.
        Ok(Self {
            smdp_address: smdp_address.to_owned(),
            matching_id: matching_id.to_owned(),
            smdp_oid,
            confirmation_code_required,
        })
    }
}

impl fmt::Display for ActivationCode {
    /// The code with the matching ID replaced by `***`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "1${}$***", self.smdp_address)?;
        match (&self.smdp_oid, self.confirmation_code_required) {
            (None, false) => Ok(()),
            (oid, cc) => {
                write!(
                    f,
                    "${}",
                    oid.as_ref().map(Oid::to_string).unwrap_or_default()
                )?;
                if cc { f.write_str("$1") } else { Ok(()) }
            }
        }
    }
}

impl fmt::Debug for ActivationCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ActivationCode")
            .field("smdp_address", &self.smdp_address)
            .field("matching_id", &"***")
            .field("smdp_oid", &self.smdp_oid.as_ref().map(Oid::to_string))
            .field(
                "confirmation_code_required",
                &self.confirmation_code_required,
            )
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ActivationCodeError as E;

    fn parse(s: &str) -> Result<ActivationCode, ActivationCodeError> {
        s.parse()
    }

    #[test]
    fn full_code_with_prefix_in_any_case() {
        for prefix in ["", "LPA:", "lpa:", "Lpa:"] {
            let ac = parse(&format!(
                "{prefix}1$smdp.example.com$ABC-123$1.3.6.1.4.1.31746$1"
            ))
            .unwrap();
            assert_eq!(ac.smdp_address, "smdp.example.com");
            assert_eq!(ac.matching_id, "ABC-123");
            assert_eq!(ac.smdp_oid, Some("1.3.6.1.4.1.31746".parse().unwrap()));
            assert!(ac.confirmation_code_required);
        }
    }

    #[test]
    fn optional_fields() {
        let ac = parse("1$smdp.example.com$").unwrap();
        assert_eq!(ac.matching_id, "");
        assert_eq!((ac.smdp_oid, ac.confirmation_code_required), (None, false));
        let ac = parse("1$smdp.example.com:8443$X$$1").unwrap();
        assert_eq!(ac.smdp_address, "smdp.example.com:8443");
        assert_eq!((ac.smdp_oid, ac.confirmation_code_required), (None, true));
        // Extra fields are ignored; surrounding whitespace (a scanned QR code's newline) too.
        let ac = parse("  LPA:1$a.b$X$2.999.1$$future$fields\n").unwrap();
        assert!(!ac.confirmation_code_required);
        assert_eq!(ac.smdp_oid, Some("2.999.1".parse().unwrap()));
    }

    #[test]
    fn rejects_garbage_naming_the_problem() {
        assert_eq!(parse(""), Err(E::UnsupportedFormat));
        assert_eq!(parse("2$a.b$X"), Err(E::UnsupportedFormat));
        assert_eq!(parse("LPA:"), Err(E::UnsupportedFormat));
        assert_eq!(parse("https://example.com"), Err(E::UnsupportedFormat));
        assert_eq!(parse("1"), Err(E::MissingField("SM-DP+ address")));
        assert_eq!(parse("1$a.b"), Err(E::MissingField("matching ID")));
        assert_eq!(parse("1$$X"), Err(E::InvalidSmdpAddress));
        assert_eq!(parse("1$a..b$X"), Err(E::InvalidSmdpAddress));
        assert_eq!(parse("1$a b$X"), Err(E::InvalidSmdpAddress));
        assert_eq!(parse("1$a.b:port$X"), Err(E::InvalidSmdpAddress));
        assert_eq!(parse("1$a.b$X Y"), Err(E::InvalidMatchingId));
        assert_eq!(parse("1$a.b$Ä"), Err(E::InvalidMatchingId));
        assert_eq!(parse("1$a.b$X$not-an-oid"), Err(E::InvalidSmdpOid));
        assert_eq!(
            parse("1$a.b$X$1.2$yes"),
            Err(E::InvalidConfirmationCodeFlag)
        );
        assert_eq!(
            parse(&format!("1$a.b${}", "A".repeat(300))),
            Err(E::TooLong(306))
        );
        assert_eq!(parse("\u{0}$\u{1}"), Err(E::UnsupportedFormat));
        assert_eq!(parse("LPA\u{e9}1$a$b"), Err(E::UnsupportedFormat));
    }

    #[test]
    fn never_prints_the_matching_id() {
        let ac = parse("LPA:1$smdp.example.com$SECRET-TOKEN$1.2.3$1").unwrap();
        let shown = format!("{ac} {ac:?}");
        assert!(!shown.contains("SECRET"), "{shown}");
        assert_eq!(ac.to_string(), "1$smdp.example.com$***$1.2.3$1");
        assert!(format!("{ac:?}").contains(r#"matching_id: "***""#));
        assert_eq!(parse("1$a.b$T$$1").unwrap().to_string(), "1$a.b$***$$1");
        assert_eq!(parse("1$a.b$T").unwrap().to_string(), "1$a.b$***");
        let err = parse("1$a.b$SECRET TOKEN").unwrap_err();
        assert!(!format!("{err} {err:?}").contains("SECRET"));
    }
}
