//! ISO/IEC 7816-4 APDUs without I/O: commands ([`command`]), responses ([`response`]) and status words
//! ([`status`]), the hex form AT+CSIM and AT+CGLA carry them in ([`at_answer`], 3GPP TS 27.007 §8.17 and
//! §8.43), and the STORE DATA chaining of an ES10 command ([`chaining`]). The daemon's ISD-R session drives
//! [`chaining::StoreData`] over a card transport.

pub mod at_answer;
pub mod chaining;
pub mod command;
pub mod response;
pub mod status;

use status::StatusWord;

/// What can go wrong encoding, parsing or chaining APDUs (the transport's own failures are the daemon's).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The command cannot be encoded (too long, bad channel, empty).
    #[error("invalid APDU: {0}")]
    InvalidCommand(&'static str),
    /// A response without the two status bytes.
    #[error("response of {0} bytes has no status word")]
    ShortResponse(usize),
    /// The card refused a command.
    #[error("{what}: the card answered {sw}")]
    Status {
        /// Which step failed.
        what: &'static str,
        /// The status word.
        sw: StatusWord,
    },
    /// The modem answered something that is not the expected form.
    #[error("{command}: unexpected answer from the modem: {answer:?}")]
    BadAnswer {
        /// The AT command.
        command: &'static str,
        /// The start of the answer (never a whole APDU payload).
        answer: String,
    },
    /// The logical channel is gone: the card answered `68 81` (reset behind our back, REFRESH).
    #[error("the logical channel to the ISD-R is gone (card reset or REFRESH)")]
    ChannelLost,
    /// The response grew past the configured limit.
    #[error("the response exceeds {0} bytes")]
    ResponseTooLarge(usize),
}
