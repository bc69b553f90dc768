//! The least a procedure's card traffic can cost on an AT serial link, and the time that takes.
//!
//! For the APDUs a procedure actually exchanged (its [`LinkEvent`]s), the minimum is what AT+CCHO/CGLA/CCHC
//! (3GPP TS 27.007 §8.45–8.46, the transport the benchmark uses) needs with echo off and no URCs: every byte
//! of the command and response as two hex digits, plus the framing no modem can leave out:
//!
//! | event | host → modem | modem → host |
//! |---|---|---|
//! | APDU of `n` bytes, answer of `m` (SW included) | `AT+CGLA=c,<2n>,"<hex>"` CR: `13 + digits(c) + digits(2n) + 2n` | CR LF `+CGLA: <2m>,"<hex>"` CR LF CR LF `OK` CR LF: `20 + digits(2m) + 2m` |
//! | channel opening with AID of `a` bytes | `AT+CCHO="<hex>"` CR: `11 + 2a` | CR LF `+CCHO: c` CR LF CR LF `OK` CR LF: `17 + digits(c)` |
//! | channel closing | `AT+CCHC=c` CR: `9 + digits(c)` | CR LF `OK` CR LF: `6` |
//!
//! with `c = 1`, the first channel. A cold start adds the lines the AT engine exchanges when it opens the
//! port ([`cold_open_min_bytes`]): each command and CR, then CR LF final CR LF (an echo overlaps the line it
//! echoes: a UART is full duplex).
//! At 8N1 a byte is 10 bits on the line, so the bound in seconds is
//! `min_bytes × 10 / baud`.

use super::apdu_log::LinkEvent;
#[cfg(any(test, feature = "sim"))]
use crate::modem::engine::{AtLine, clean_open_lines};

/// Bits on the line per byte at 8N1.
pub(crate) const BITS_PER_BYTE: u64 = 10;
/// The logical channel number assumed (the first one).
const CHANNEL: usize = 1;

fn digits(n: usize) -> usize {
    n.checked_ilog10().map_or(1, |d| d as usize + 1)
}

/// Minimum bytes of one event each way: (host → modem, modem → host).
pub(crate) fn min_bytes(event: &LinkEvent) -> (usize, usize) {
    match event {
        LinkEvent::Apdu {
            command,
            response_len,
            ..
        } => {
            let (n, m) = (2 * command.len(), 2 * response_len);
            // AT+CGLA=  c  ,  n  ,"  hex  "  CR
            let tx = 8 + digits(CHANNEL) + 1 + digits(n) + 2 + n + 1 + 1;
            // CR LF +CGLA:SP  m  ,"  hex  "  CR LF  CR LF OK CR LF
            let rx = 2 + 7 + digits(m) + 2 + m + 1 + 2 + 6;
            (tx, rx)
        }
        LinkEvent::Open { aid } => {
            // AT+CCHO="  hex  "  CR        CR LF +CCHO:SP c CR LF  CR LF OK CR LF
            (9 + 2 * aid.len() + 1 + 1, 2 + 7 + digits(CHANNEL) + 2 + 6)
        }
        // AT+CCHC= c CR                    CR LF OK CR LF
        LinkEvent::Close => (8 + digits(CHANNEL) + 1, 6),
    }
}

/// Minimum bytes of all `events`, both ways.
pub(crate) fn link_min_bytes(events: &[LinkEvent]) -> u64 {
    events
        .iter()
        .map(|e| {
            let (tx, rx) = min_bytes(e);
            (tx + rx) as u64
        })
        .sum()
}

/// Minimum bytes of an AT line outside the card traffic, each way: the command and CR; CR LF final result
/// CR LF. Its echo is not counted: it crosses the line while the command still arrives.
#[cfg(any(test, feature = "sim"))]
pub(crate) fn at_line_bytes(line: &AtLine) -> (usize, usize) {
    (line.command_len + 1, 2 + line.final_result.len() + 2)
}

/// Minimum bytes, both ways, of what the AT engine exchanges to open the port before any card traffic
/// (getting in step, echo off: [`clean_open_lines`]): what a cold start adds to the APDUs' bound.
#[cfg(any(test, feature = "sim"))]
pub(crate) fn cold_open_min_bytes() -> u64 {
    clean_open_lines()
        .iter()
        .map(|line| {
            let (tx, rx) = at_line_bytes(line);
            (tx + rx) as u64
        })
        .sum()
}

/// Seconds `bytes` take on a UART at `baud`, 8N1.
pub(crate) fn link_seconds(bytes: u64, baud: u32) -> f64 {
    (bytes * BITS_PER_BYTE) as f64 / f64::from(baud.max(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn framing_matches_the_written_forms() {
        // AT+CGLA=1,10,"80E2910000"\r  →  \r\n+CGLA: 4,"9000"\r\n\r\nOK\r\n
        let apdu = LinkEvent::Apdu {
            command: vec![0x80, 0xE2, 0x91, 0x00, 0x00],
            response_len: 2,
            channel_lost: false,
        };
        let (tx, rx) = min_bytes(&apdu);
        assert_eq!(tx, "AT+CGLA=1,10,\"80E2910000\"\r".len());
        assert_eq!(rx, "\r\n+CGLA: 4,\"9000\"\r\n\r\nOK\r\n".len());
        let open = LinkEvent::Open {
            aid: vec![0xA0, 0x00],
        };
        assert_eq!(
            min_bytes(&open),
            (
                "AT+CCHO=\"A000\"\r".len(),
                "\r\n+CCHO: 1\r\n\r\nOK\r\n".len()
            )
        );
        assert_eq!(
            min_bytes(&LinkEvent::Close),
            ("AT+CCHC=1\r".len(), "\r\nOK\r\n".len())
        );
        assert_eq!(link_min_bytes(&[apdu, open, LinkEvent::Close]), 100);
    }

    #[test]
    fn a_cold_open_costs_its_three_lines() {
        assert_eq!(
            at_line_bytes(&AtLine {
                command_len: 4,
                final_result: "OK"
            }),
            ("ATE0\r".len(), "\r\nOK\r\n".len())
        );
        // The marker: the process id, the attempt, the clock's nanoseconds.
        let marker = "AT+EUICCDSYNC=0000A1B2000C0FFEE".len();
        // ATE1 CR, CR LF OK CR LF; the marker and CR, CR LF ERROR CR LF; ATE0 as ATE1.
        let expected = (5 + 6) + (marker + 1 + 9) + (5 + 6);
        assert_eq!(cold_open_min_bytes(), expected as u64);
    }

    #[test]
    fn the_bound_is_ten_bits_a_byte() {
        assert_eq!(link_seconds(11_520, 115_200), 1.0);
        assert_eq!(digits(0), 1);
        assert_eq!(digits(510), 3);
    }
}
