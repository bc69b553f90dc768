//! Real modem behaviours the simulated modem can reproduce, one switch each (`--quirk NAME`).

use std::fmt::Write as _;

/// The switches. All off is a well-behaved 3GPP TS 27.007 modem with a T=0 card behind it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Quirks {
    /// `echo`: command echo stays on even after `ATE0`. Every modem echoes after power-up (V.250 default),
    /// and a port whose echo setting does not stick shows the echoed command to the parser (lpac issue #173).
    pub echo: bool,
    /// `no-prefix`: answers without the `+CMD:` prefix, a bare session id after `AT+CCHO` and bare
    /// `<len>,"<hex>"` lines (Fibocom FM350-GL).
    pub no_prefix: bool,
    /// `upper-hex`: APDU hex in lower case is refused with `+CME ERROR` (Qualcomm firmware, Foxconn T99W696).
    pub upper_hex: bool,
    /// `modem-get-response`: the modem runs GET RESPONSE itself and returns data with `90 00` instead of
    /// passing `61 xx` on (seen on some modems and on readers; others pass `61 xx` through).
    pub modem_get_response: bool,
    /// `csim-basic-only`: AT+CSIM can open and close channels but refuses APDUs on a logical channel, while
    /// AT+CCHO/CGLA work (Quectel EG25-G).
    pub csim_basic_only: bool,
    /// `no-cgla`: AT+CCHO, AT+CGLA and AT+CCHC answer `ERROR`; only AT+CSIM works (Dell DW5821e).
    pub no_cgla: bool,
    /// `urcs`: unsolicited lines (`+CEREG`, `+CGEV`, `+QIND`, `+STIN`) before the answer and between the
    /// data line and `OK`, as a modem attaching to the network while the IPA talks to the card.
    pub urcs: bool,
    /// `noise`: garbage bytes at start-up and before answers (UART noise, boot messages of the baseband).
    pub noise: bool,
    /// `slow`: every APDU takes 700 ms, as a busy card or a modem polling the card in between.
    pub slow: bool,
    /// `lost-final`: the final result of the first command after each start is never sent (a modem that
    /// drops output while it finishes booting).
    pub lost_final: bool,
    /// `vanish`: the first APDU for a logical channel makes the port vanish for a second; it comes back as
    /// a freshly started modem with a reset card (USB modems re-enumerate when they reset).
    pub vanish: bool,
    /// `vanish-after=N`: like `vanish`, at the N-th APDU instead of the first (the port is lost in the middle
    /// of a procedure, e.g. a download); once.
    pub vanish_after: Option<u64>,
    /// `mute-after=N`: from the N-th APDU on the modem reads everything and answers nothing (a hung
    /// baseband), until it is restarted.
    pub mute_after: Option<u64>,
    /// `urc-storm=N`: like `urcs`, N unsolicited lines at each place instead of one (a modem flapping
    /// between cells while the IPA talks to the card).
    pub urc_storm: Option<u64>,
}

/// The names accepted by `--quirk`, with what they reproduce.
pub const QUIRKS: &[(&str, &str)] = &[
    ("echo", "echo stays on after ATE0 (lpac #173)"),
    (
        "no-prefix",
        "answers without +CMD: prefixes (Fibocom FM350-GL)",
    ),
    (
        "upper-hex",
        "lower-case APDU hex refused (Qualcomm, Foxconn T99W696)",
    ),
    (
        "modem-get-response",
        "the modem does GET RESPONSE itself instead of returning 61xx",
    ),
    (
        "csim-basic-only",
        "AT+CSIM refused on logical channels (Quectel EG25-G)",
    ),
    ("no-cgla", "no AT+CCHO/CGLA/CCHC, CSIM only (Dell DW5821e)"),
    ("urcs", "URCs before the answer and between data and OK"),
    ("noise", "garbage bytes at start-up and before answers"),
    ("slow", "every APDU takes 700 ms"),
    ("lost-final", "the first final result after start is lost"),
    (
        "vanish",
        "the port vanishes for 1 s at the first logical-channel APDU (USB re-enumeration)",
    ),
];

/// The faults that take a count (`NAME=N`), for `--quirk` like the switches.
pub const COUNTED_FAULTS: &[(&str, &str)] = &[
    (
        "vanish-after=N",
        "the port vanishes for 1 s at the N-th APDU (once), the card resets",
    ),
    ("mute-after=N", "from the N-th APDU on, nothing is answered"),
    (
        "urc-storm=N",
        "N URCs before every answer and N between its data and OK",
    ),
];

impl Quirks {
    /// Switches on the quirk called `name` (one of [`QUIRKS`]), or sets a counted fault `NAME=N` (one of
    /// [`COUNTED_FAULTS`]).
    pub fn enable(&mut self, name: &str) -> Result<(), String> {
        if let Some((fault, count)) = name.split_once('=') {
            let count: u64 = count
                .parse()
                .ok()
                .filter(|n| *n > 0)
                .ok_or_else(|| format!("{fault} needs a count above 0, not {count:?}"))?;
            let slot = match fault {
                "vanish-after" => &mut self.vanish_after,
                "mute-after" => &mut self.mute_after,
                "urc-storm" => &mut self.urc_storm,
                other => return Err(format!("unknown counted fault {other:?}")),
            };
            *slot = Some(count);
            return Ok(());
        }
        let flag = match name {
            "echo" => &mut self.echo,
            "no-prefix" => &mut self.no_prefix,
            "upper-hex" => &mut self.upper_hex,
            "modem-get-response" => &mut self.modem_get_response,
            "csim-basic-only" => &mut self.csim_basic_only,
            "no-cgla" => &mut self.no_cgla,
            "urcs" => &mut self.urcs,
            "noise" => &mut self.noise,
            "slow" => &mut self.slow,
            "lost-final" => &mut self.lost_final,
            "vanish" => &mut self.vanish,
            other => {
                let mut known = String::new();
                for (name, _) in QUIRKS {
                    let _ = write!(known, " {name}");
                }
                return Err(format!("unknown quirk {other:?}; known:{known}"));
            }
        };
        *flag = true;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_listed_quirk_switches_something_different() {
        let mut seen = Vec::new();
        for (name, _) in QUIRKS {
            let mut quirks = Quirks::default();
            quirks.enable(name).expect("listed quirks are known");
            assert_ne!(quirks, Quirks::default(), "{name}");
            assert!(!seen.contains(&quirks), "{name} duplicates another quirk");
            seen.push(quirks);
        }
        assert!(Quirks::default().enable("nonsense").is_err());
    }

    #[test]
    fn counted_faults_take_a_positive_count() {
        let mut quirks = Quirks::default();
        quirks.enable("vanish-after=40").unwrap();
        quirks.enable("mute-after=7").unwrap();
        assert_eq!(
            (quirks.vanish_after, quirks.mute_after),
            (Some(40), Some(7))
        );
        for bad in ["vanish-after=0", "mute-after=x", "late=3"] {
            assert!(Quirks::default().enable(bad).is_err(), "{bad}");
        }
    }
}
