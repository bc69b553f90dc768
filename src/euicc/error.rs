//! What can go wrong calling an eUICC function.

use crate::apdu::ApduError;
use crate::apdu::CardError;
use euicc_asn1::DecodeError;
use euicc_asn1::types::sgp22::codes::{self, CodeTable};
use euiccd_core::apdu::status::StatusWord;

/// Status words with which an eUICC says it does not know or does not allow an ES10 command.
const NOT_SUPPORTED: [StatusWord; 4] = [
    StatusWord(0x6A80),
    StatusWord(0x6A88),
    StatusWord(0x6D00),
    StatusWord(0x6985),
];

/// A failed eUICC function, named by its ES10 function name (`EnableProfile`, `GetEimConfigurationData`…).
#[derive(Debug, thiserror::Error)]
pub enum EuiccError {
    /// The APDU layer below failed: the modem, the link, the logical channel, or a status word.
    #[error("{function}")]
    Transport {
        /// The ES10 function.
        function: &'static str,
        /// What the APDU layer reported.
        #[source]
        source: ApduError,
    },
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
    /// The eUICC refuses local profile management (ES10c on an IoT eUICC, or a policy refusal).
    #[error(
        "{function}: the eUICC refuses local profile management ({reason}); an IoT eUICC takes profile \
         changes (enable, disable, delete) from its eIM, as signed eUICC packages"
    )]
    LocalManagementRefused {
        /// The ES10c function.
        function: &'static str,
        /// The result code name or status word the eUICC answered.
        reason: String,
    },
    /// The function does not exist in the SGP.32 version the eUICC implements.
    #[error("{function} is not available on an SGP.32 {version} eUICC")]
    Unsupported {
        /// The ES10 function.
        function: &'static str,
        /// The eUICC's SGP.32 version.
        version: euicc_asn1::Layout,
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

impl EuiccError {
    /// A [`EuiccError::Refused`] for `code`, named from `table`.
    pub(crate) fn refused(function: &'static str, table: CodeTable, code: i64) -> Self {
        Self::Refused {
            function,
            code,
            name: codes::name(table, code),
        }
    }

    /// True when the eUICC answered a status word saying it does not know or allow the command (the sign
    /// of a function from another version, or of ES10c on an eUICC that only takes eIM packages).
    pub(crate) fn is_not_supported(&self) -> bool {
        matches!(
            self,
            Self::Transport { source: ApduError::Card(CardError::Status { sw, .. }), .. } if NOT_SUPPORTED.contains(sw)
        )
    }
}

/// `Ok(())` for result code 0, [`EuiccError::Refused`] otherwise.
pub(crate) fn check(function: &'static str, table: CodeTable, code: i64) -> Result<(), EuiccError> {
    match code {
        0 => Ok(()),
        other => Err(EuiccError::refused(function, table, other)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_carry_the_code_name() {
        let error = EuiccError::refused("EnableProfile", codes::ENABLE_RESULT, 3);
        assert_eq!(
            error.to_string(),
            "EnableProfile: the eUICC answered disallowedByPolicy (3)"
        );
        let unknown = EuiccError::refused("EnableProfile", codes::ENABLE_RESULT, 42);
        assert_eq!(
            unknown.to_string(),
            "EnableProfile: the eUICC answered an unknown code (42)"
        );
        assert!(check("DeleteProfile", codes::DELETE_RESULT, 0).is_ok());
    }

    #[test]
    fn not_supported_status_words() {
        let status = |sw| EuiccError::Transport {
            function: "EuiccMemoryReset",
            source: ApduError::Card(CardError::Status {
                what: "STORE DATA",
                sw: StatusWord(sw),
            }),
        };
        assert!(status(0x6A80).is_not_supported());
        assert!(status(0x6D00).is_not_supported());
        assert!(!status(0x6F00).is_not_supported());
    }
}
