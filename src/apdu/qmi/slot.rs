//! Which card slot the UIM service's requests name: multi-slot modems carry a card per slot, and the IPA
//! must talk to the one with the eUICC.

use std::fmt;
use std::str::FromStr;

/// The UIM slot of the card the IPA talks to (`--qmi-slot`, `modem.qmi_slot`): 1 (the default) to 5, as the
/// UIM service numbers them in libqmi's `qmi-service-uim.json`. A multi-slot modem may carry its soldered
/// eUICC in another slot than the SIM tray's, often 2 beside the tray's 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QmiSlot(u8);

impl QmiSlot {
    /// The first slot, which single-slot modems have alone.
    pub const FIRST: Self = Self(1);
    /// The highest slot number the UIM service knows.
    pub const LAST: u8 = 5;

    /// The slot's number on the wire.
    pub fn number(self) -> u8 {
        self.0
    }

    /// Every slot, in order (a card status lists its cards in this order).
    pub fn all() -> impl Iterator<Item = Self> {
        (1..=Self::LAST).map(Self)
    }
}

impl Default for QmiSlot {
    fn default() -> Self {
        Self::FIRST
    }
}

/// A slot number outside 1 to [`QmiSlot::LAST`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("QMI UIM slot {0} does not exist: slots are numbered 1 to {last}", last = QmiSlot::LAST)]
pub struct SlotOutOfRange(pub i64);

impl TryFrom<i64> for QmiSlot {
    type Error = SlotOutOfRange;

    fn try_from(number: i64) -> Result<Self, SlotOutOfRange> {
        match u8::try_from(number) {
            Ok(slot @ 1..=Self::LAST) => Ok(Self(slot)),
            _ => Err(SlotOutOfRange(number)),
        }
    }
}

impl FromStr for QmiSlot {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let number: i64 = text.parse().map_err(|_| {
            format!(
                "QMI UIM slot {text:?} is not a number from 1 to {}",
                Self::LAST
            )
        })?;
        Self::try_from(number).map_err(|error| error.to_string())
    }
}

impl fmt::Display for QmiSlot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_1_to_5() {
        assert_eq!("2".parse::<QmiSlot>().map(QmiSlot::number), Ok(2));
        assert_eq!(QmiSlot::try_from(5).map(QmiSlot::number), Ok(5));
        assert_eq!(QmiSlot::default(), QmiSlot::FIRST);
        for refused in ["0", "6", "256", "-1", "two", ""] {
            let error = refused.parse::<QmiSlot>().unwrap_err();
            assert!(error.contains("1 to 5"), "{refused}: {error}");
        }
        assert_eq!(QmiSlot::try_from(0), Err(SlotOutOfRange(0)));
        let numbers: Vec<u8> = QmiSlot::all().map(QmiSlot::number).collect();
        assert_eq!(numbers, [1, 2, 3, 4, 5]);
    }
}
