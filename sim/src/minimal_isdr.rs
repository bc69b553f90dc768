//! A minimal ISD-R that answers GetEID and GetEuiccChallenge, hand-encoded. It stands in for the full
//! simulated eUICC (`sim::euicc`) so that the modem and APDU layers can be exercised end to end.

use super::card::{AppletOutcome, IsdrApplet};
use crate::iso7816::StatusWord;
use rand_core::{OsRng, RngCore};

/// GetEuiccDataRequest for the EID: `BF3E { 5C tagList = 5A }`.
const GET_EID: [u8; 5] = [0xBF, 0x3E, 0x03, 0x5C, 0x01];
/// GetEuiccChallengeRequest: `BF2E` with no content.
const GET_CHALLENGE: [u8; 3] = [0xBF, 0x2E, 0x00];

/// The applet. See the module documentation.
#[derive(Debug, Clone)]
pub struct MinimalIsdr {
    eid: [u8; 16],
}

impl MinimalIsdr {
    /// The EID of the SGP.26 test eUICC used in pySim's tests, as a default for the simulator.
    pub const DEFAULT_EID: [u8; 16] = [
        0x89, 0x04, 0x90, 0x44, 0x90, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x23,
        0x55,
    ];

    /// An ISD-R with this EID (16 bytes of BCD).
    pub fn new(eid: [u8; 16]) -> Self {
        Self { eid }
    }

    fn get_eid(&self) -> AppletOutcome {
        // GetEuiccDataResponse: BF3E { 5A eidValue }.
        let mut data = vec![0xBF, 0x3E, 0x12, 0x5A, 0x10];
        data.extend_from_slice(&self.eid);
        AppletOutcome::ok(data)
    }

    fn get_challenge() -> AppletOutcome {
        let mut challenge = [0u8; 16];
        if OsRng.try_fill_bytes(&mut challenge).is_err() {
            return AppletOutcome::error(StatusWord(0x6F00));
        }
        // GetEuiccChallengeResponse: BF2E { 80 euiccChallenge }.
        let mut data = vec![0xBF, 0x2E, 0x12, 0x80, 0x10];
        data.extend_from_slice(&challenge);
        AppletOutcome::ok(data)
    }
}

impl Default for MinimalIsdr {
    fn default() -> Self {
        Self::new(Self::DEFAULT_EID)
    }
}

impl IsdrApplet for MinimalIsdr {
    fn process(&mut self, command: &[u8]) -> AppletOutcome {
        match command {
            [head @ .., 0x5A] if *head == GET_EID => self.get_eid(),
            c if c == GET_CHALLENGE => Self::get_challenge(),
            // Anything else is beyond this stand-in: "incorrect data".
            _ => AppletOutcome::error(StatusWord(0x6A80)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn get_eid() {
        let outcome = MinimalIsdr::default().process(&[0xBF, 0x3E, 0x03, 0x5C, 0x01, 0x5A]);
        assert_eq!(outcome.sw, StatusWord::OK);
        assert_eq!(
            hex::encode_upper(&outcome.data),
            "BF3E125A1089049044900000000000000000102355"
        );
    }

    #[test]
    fn challenges_are_fresh() {
        let mut isdr = MinimalIsdr::default();
        let a = isdr.process(&GET_CHALLENGE);
        let b = isdr.process(&GET_CHALLENGE);
        assert_eq!(&a.data[..5], [0xBF, 0x2E, 0x12, 0x80, 0x10]);
        assert_eq!(a.data.len(), 21);
        assert_ne!(a.data, b.data);
    }

    #[test]
    fn anything_else_is_refused() {
        for command in [
            &b""[..],
            &[0xBF, 0x3E, 0x00],
            &[0xBF, 0x2D, 0x00],
            &[0xBF, 0x3E, 0x03, 0x5C, 0x01, 0x5B],
        ] {
            assert_eq!(
                MinimalIsdr::default().process(command).sw,
                StatusWord(0x6A80),
                "{command:02X?}"
            );
        }
    }
}
