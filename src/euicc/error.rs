//! What can go wrong calling an eUICC function.

use crate::apdu::ApduError;
use crate::apdu::CardError;
use euiccd_core::apdu::status::StatusWord;
use euiccd_core::es10::Es10Error;

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
    /// The eUICC answered and the function's reading of the answer failed: a refusal, undecodable bytes, a
    /// function of another SGP.32 version, or a request the function cannot express.
    #[error(transparent)]
    Es10(#[from] Es10Error),
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
}

impl EuiccError {
    /// True when the eUICC answered a status word saying it does not know or allow the command (the sign
    /// of a function from another version, or of ES10c on an eUICC that only takes eIM packages).
    pub(crate) fn is_not_supported(&self) -> bool {
        matches!(
            self,
            Self::Transport { source: ApduError::Card(CardError::Status { sw, .. }), .. } if NOT_SUPPORTED.contains(sw)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
