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

/// How a quirk is set: a switch, or a fault that takes a count (`NAME=N`).
#[derive(Clone, Copy)]
enum Setting {
    Switch(fn(&mut Quirks) -> &mut bool),
    Counted(fn(&mut Quirks) -> &mut Option<u64>),
}

/// One entry of [`QUIRKS`]: what `--quirk` accepts and `sim quirks` lists.
#[derive(Clone, Copy)]
pub struct QuirkSpec {
    /// The name given to `--quirk`.
    pub name: &'static str,
    /// What real modem behaviour it reproduces.
    pub what: &'static str,
    setting: Setting,
}

impl QuirkSpec {
    const fn switch(
        name: &'static str,
        what: &'static str,
        field: fn(&mut Quirks) -> &mut bool,
    ) -> Self {
        Self {
            name,
            what,
            setting: Setting::Switch(field),
        }
    }

    const fn counted(
        name: &'static str,
        what: &'static str,
        field: fn(&mut Quirks) -> &mut Option<u64>,
    ) -> Self {
        Self {
            name,
            what,
            setting: Setting::Counted(field),
        }
    }

    /// How it is written: `NAME`, or `NAME=N` for a counted fault.
    pub fn usage(&self) -> String {
        match self.setting {
            Setting::Switch(_) => self.name.to_owned(),
            Setting::Counted(_) => format!("{}=N", self.name),
        }
    }
}

/// Every quirk of the simulated modem: the one table that `--quirk` parses and `sim quirks` lists.
pub const QUIRKS: &[QuirkSpec] = &[
    QuirkSpec::switch("echo", "echo stays on after ATE0 (lpac #173)", |q| {
        &mut q.echo
    }),
    QuirkSpec::switch(
        "no-prefix",
        "answers without +CMD: prefixes (Fibocom FM350-GL)",
        |q| &mut q.no_prefix,
    ),
    QuirkSpec::switch(
        "upper-hex",
        "lower-case APDU hex refused (Qualcomm, Foxconn T99W696)",
        |q| &mut q.upper_hex,
    ),
    QuirkSpec::switch(
        "modem-get-response",
        "the modem does GET RESPONSE itself instead of returning 61xx",
        |q| &mut q.modem_get_response,
    ),
    QuirkSpec::switch(
        "csim-basic-only",
        "AT+CSIM refused on logical channels (Quectel EG25-G)",
        |q| &mut q.csim_basic_only,
    ),
    QuirkSpec::switch(
        "no-cgla",
        "no AT+CCHO/CGLA/CCHC, CSIM only (Dell DW5821e)",
        |q| &mut q.no_cgla,
    ),
    QuirkSpec::switch(
        "urcs",
        "URCs before the answer and between data and OK",
        |q| &mut q.urcs,
    ),
    QuirkSpec::switch(
        "noise",
        "garbage bytes at start-up and before answers",
        |q| &mut q.noise,
    ),
    QuirkSpec::switch("slow", "every APDU takes 700 ms", |q| &mut q.slow),
    QuirkSpec::switch(
        "lost-final",
        "the first final result after start is lost",
        |q| &mut q.lost_final,
    ),
    QuirkSpec::switch(
        "vanish",
        "the port vanishes for 1 s at the first logical-channel APDU (USB re-enumeration)",
        |q| &mut q.vanish,
    ),
    QuirkSpec::counted(
        "vanish-after",
        "the port vanishes for 1 s at the N-th APDU (once), the card resets",
        |q| &mut q.vanish_after,
    ),
    QuirkSpec::counted(
        "mute-after",
        "from the N-th APDU on, nothing is answered",
        |q| &mut q.mute_after,
    ),
    QuirkSpec::counted(
        "urc-storm",
        "N URCs before every answer and N between its data and OK",
        |q| &mut q.urc_storm,
    ),
];

impl Quirks {
    /// Switches on the quirk `NAME` or sets the counted fault `NAME=N`, one of [`QUIRKS`].
    pub fn enable(&mut self, text: &str) -> Result<(), String> {
        let (name, count) = match text.split_once('=') {
            Some((name, count)) => (name, Some(count)),
            None => (text, None),
        };
        let Some(spec) = QUIRKS.iter().find(|q| q.name == name) else {
            let mut known = String::new();
            for spec in QUIRKS {
                let _ = write!(known, " {}", spec.usage());
            }
            return Err(format!("unknown quirk {name:?}; known:{known}"));
        };
        match (spec.setting, count) {
            (Setting::Switch(field), None) => *field(self) = true,
            (Setting::Counted(field), Some(count)) => {
                let count = count
                    .parse()
                    .ok()
                    .filter(|n| *n > 0)
                    .ok_or_else(|| format!("{name} needs a count above 0, not {count:?}"))?;
                *field(self) = Some(count);
            }
            (Setting::Switch(_), Some(_)) => return Err(format!("{name} takes no count")),
            (Setting::Counted(_), None) => return Err(format!("{name} needs a count: {name}=N")),
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Enables the quirk `spec` as `--quirk` would take it.
    fn enabled(spec: &QuirkSpec) -> Quirks {
        let mut quirks = Quirks::default();
        quirks
            .enable(&spec.usage().replace("=N", "=3"))
            .expect("listed quirks are known");
        quirks
    }

    #[test]
    fn every_listed_quirk_switches_something_different() {
        let mut seen = Vec::new();
        for spec in QUIRKS {
            let quirks = enabled(spec);
            assert_ne!(quirks, Quirks::default(), "{}", spec.name);
            assert!(!seen.contains(&quirks), "{} duplicates another", spec.name);
            seen.push(quirks);
        }
        assert!(Quirks::default().enable("nonsense").is_err());
    }

    #[test]
    fn every_quirk_is_listed() {
        let mut all = Quirks::default();
        for spec in QUIRKS {
            all.enable(&spec.usage().replace("=N", "=3")).unwrap();
        }
        // No `..`: a new field of `Quirks` fails to compile here until it is checked, and it is only set
        // above if it has an entry in the table.
        let Quirks {
            echo,
            no_prefix,
            upper_hex,
            modem_get_response,
            csim_basic_only,
            no_cgla,
            urcs,
            noise,
            slow,
            lost_final,
            vanish,
            vanish_after,
            mute_after,
            urc_storm,
        } = all;
        let switches = [
            echo,
            no_prefix,
            upper_hex,
            modem_get_response,
            csim_basic_only,
            no_cgla,
            urcs,
            noise,
            slow,
            lost_final,
            vanish,
        ];
        assert!(switches.iter().all(|on| *on), "{all:?}");
        assert!(
            [vanish_after, mute_after, urc_storm]
                .iter()
                .all(|n| *n == Some(3)),
            "{all:?}"
        );
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
        for bad in [
            "vanish-after=0",
            "mute-after=x",
            "late=3",
            "mute-after",
            "echo=2",
        ] {
            assert!(Quirks::default().enable(bad).is_err(), "{bad}");
        }
    }
}
