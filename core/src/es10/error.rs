//! What the eUICC's answer to an ES10 function can say besides success.

use euicc_asn1::types::sgp22::codes::{self, CodeTable};
use euicc_asn1::{DecodeError, Layout};

/// A function the eUICC refused or answered with bytes that are not its response, or a request the function
/// cannot express. Named by the ES10 function (`EnableProfile`, `GetEimConfigurationData`…). Faults of the
/// link below (the modem, the channel, a status word) are the driver's.
#[derive(Debug, thiserror::Error)]
pub enum Es10Error {
    /// The eUICC answered bytes that are not the function's response; the codec names the field path and
    /// the byte offset.
    #[error("{function}: undecodable response")]
    Undecodable {
        /// The ES10 function.
        function: &'static str,
        /// Where decoding stopped.
        #[source]
        source: DecodeError,
    },
    /// The eUICC executed the function and answered with a result code other than ok.
    #[error("{function}: the eUICC answered {} ({code})", name.unwrap_or("an unknown code"))]
    Refused {
        /// The ES10 function.
        function: &'static str,
        /// The result or error code.
        code: i64,
        /// Its ASN.1 name, when the function's code list defines it.
        name: Option<&'static str>,
    },
    /// The function does not exist in the SGP.32 version the eUICC implements.
    #[error("{function} is not available on an SGP.32 {version} eUICC")]
    Unsupported {
        /// The ES10 function.
        function: &'static str,
        /// The eUICC's SGP.32 version.
        version: Layout,
    },
    /// The caller asked for something the function cannot express.
    #[error("{function}: {reason}")]
    InvalidRequest {
        /// The ES10 function.
        function: &'static str,
        /// What is wrong.
        reason: &'static str,
    },
}

impl Es10Error {
    /// A [`Es10Error::Refused`] for `code`, named from `table`.
    pub fn refused(function: &'static str, table: CodeTable, code: i64) -> Self {
        Self::Refused {
            function,
            code,
            name: codes::name(table, code),
        }
    }
}

/// `Ok(())` for result code 0 (ok in every ES10 result list), [`Es10Error::Refused`] otherwise.
pub(crate) fn check(function: &'static str, table: CodeTable, code: i64) -> Result<(), Es10Error> {
    match code {
        0 => Ok(()),
        other => Err(Es10Error::refused(function, table, other)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_carry_the_code_name() {
        let error = Es10Error::refused("EnableProfile", codes::ENABLE_RESULT, 3);
        assert_eq!(
            error.to_string(),
            "EnableProfile: the eUICC answered disallowedByPolicy (3)"
        );
        let unknown = Es10Error::refused("EnableProfile", codes::ENABLE_RESULT, 42);
        assert_eq!(
            unknown.to_string(),
            "EnableProfile: the eUICC answered an unknown code (42)"
        );
        assert!(check("DeleteProfile", codes::DELETE_RESULT, 0).is_ok());
    }
}
