//! The simulated MBIM function, sans-IO: bytes from the host in, messages to write out. It answers OPEN and
//! CLOSE, Microsoft's UICC low-level access service (ATR, OPEN_CHANNEL, CLOSE_CHANNEL, APDU) in front of the
//! simulated card, and every other service with NO_DEVICE_SUPPORT, as a modem without it does.

use super::wire::{self, Assembled, Commands, Request, Stream};
use crate::card::{IsdrApplet, SimCard};
use crate::iso7816::{LAST_CHANNEL, cla_on_channel};
use crate::modem::interpreter::Counters;

/// Microsoft's UICC low-level access service, `c2f6588e-f037-4bc9-8665-f4d44bd09367`.
const UICC_SERVICE: [u8; 16] = [
    0xc2, 0xf6, 0x58, 0x8e, 0xf0, 0x37, 0x4b, 0xc9, 0x86, 0x65, 0xf4, 0xd4, 0x4b, 0xd0, 0x93, 0x67,
];
const CID_ATR: u32 = 1;
const CID_OPEN_CHANNEL: u32 = 2;
const CID_CLOSE_CHANNEL: u32 = 3;
const CID_APDU: u32 = 4;
/// USB MBIM 1.0's basic connect service, `a289cc33-bcbb-8b4f-b6b0-133ec2aae6df`: only DEVICE_CAPS is
/// answered, which mbim-proxy and ModemManager query when they open a device.
const BASIC_CONNECT: [u8; 16] = [
    0xa2, 0x89, 0xcc, 0x33, 0xbc, 0xbb, 0x8b, 0x4f, 0xb6, 0xb0, 0x13, 0x3e, 0xc2, 0xaa, 0xe6, 0xdf,
];
const CID_DEVICE_CAPS: u32 = 1;

/// MBIM status codes (USB MBIM 1.0 Table 9-6, and the UICC extension's).
mod status {
    pub const SUCCESS: u32 = 0;
    pub const BUSY: u32 = 1;
    pub const NO_DEVICE_SUPPORT: u32 = 9;
    pub const INVALID_PARAMETERS: u32 = 21;
    pub const NO_LOGICAL_CHANNELS: u32 = 0x8743_0001;
    pub const SELECT_FAILED: u32 = 0x8743_0002;
    pub const INVALID_LOGICAL_CHANNEL: u32 = 0x8743_0003;
}

/// The ATR the simulated card answers with (a T=0/T=1 eUICC's, from the card's own description).
const ATR: [u8; 19] = [
    0x3B, 0x9F, 0x96, 0x80, 0x1F, 0xC7, 0x80, 0x31, 0xE0, 0x73, 0xFE, 0x21, 0x1B, 0x57, 0x3C, 0x86,
    0x60, 0xCD, 0x00,
];
/// Before OPEN says otherwise, answers go out in pieces of this many bytes (libmbim's default).
const DEFAULT_TRANSFER: usize = 4096;
/// The smallest transfer the device accepts: a header, a fragment header and some payload.
const MIN_TRANSFER: usize = 64;

/// Misbehaviours to test the host against (`sim serve --mbim-fault`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MbimFaults {
    /// Every UICC command is answered BUSY (another client holds the card).
    pub busy: bool,
    /// The firmware lacks the UICC low-level access service.
    pub no_uicc_service: bool,
    /// OPEN_CHANNEL is refused: the card has no free logical channel.
    pub channel_refused: bool,
    /// Commands are answered with FUNCTION_ERROR not-opened even after OPEN (a function reset behind the
    /// host's back).
    pub not_opened: bool,
    /// Answers are cut into pieces of at most this many bytes, whatever the host asked for.
    pub max_transfer: Option<usize>,
}

impl MbimFaults {
    /// Switches on the fault named `name` (`busy`, `no-uicc`, `channel-refused`, `not-opened`,
    /// `fragment=BYTES`).
    pub fn enable(&mut self, name: &str) -> Result<(), String> {
        match name {
            "busy" => self.busy = true,
            "no-uicc" => self.no_uicc_service = true,
            "channel-refused" => self.channel_refused = true,
            "not-opened" => self.not_opened = true,
            _ => {
                let bytes = name
                    .strip_prefix("fragment=")
                    .and_then(|n| n.parse::<usize>().ok())
                    .filter(|n| *n >= MIN_TRANSFER)
                    .ok_or_else(|| {
                        format!(
                            "unknown MBIM fault {name:?}: use busy, no-uicc, channel-refused, not-opened or fragment=BYTES (at least {MIN_TRANSFER})"
                        )
                    })?;
                self.max_transfer = Some(bytes);
            }
        }
        Ok(())
    }
}

/// The simulated MBIM function with its card.
#[derive(Debug)]
pub struct MbimDevice<A> {
    card: SimCard<A>,
    faults: MbimFaults,
    stream: Stream,
    commands: Commands,
    opened: bool,
    max_transfer: usize,
    counters: Counters,
}

impl<A: IsdrApplet> MbimDevice<A> {
    /// A closed function in front of `card`.
    pub fn new(card: SimCard<A>, faults: MbimFaults) -> Self {
        Self {
            card,
            faults,
            stream: Stream::default(),
            commands: Commands::default(),
            opened: false,
            max_transfer: DEFAULT_TRANSFER,
            counters: Counters::default(),
        }
    }

    /// What the device has done so far: messages (in `commands`), APDUs and bytes.
    pub fn counters(&self) -> Counters {
        self.counters
    }

    /// The host went away (the PTY was closed): a new host starts with OPEN.
    pub fn host_gone(&mut self) {
        self.stream = Stream::default();
        self.commands = Commands::default();
    }

    /// Takes bytes from the host; returns the messages to write, one write each.
    pub fn feed(&mut self, bytes: &[u8]) -> Vec<Vec<u8>> {
        self.counters.bytes_from_host += bytes.len() as u64;
        let messages = match self.stream.feed(bytes) {
            Ok(messages) => messages,
            Err(wire::Unframed) => {
                let error = wire::error_code::LENGTH_MISMATCH;
                return self.count(vec![wire::simple(wire::FUNCTION_ERROR, 0, error)]);
            }
        };
        let mut out = Vec::new();
        for message in messages {
            self.counters.commands += 1;
            out.extend(self.answer(message));
        }
        self.count(out)
    }

    fn count(&mut self, out: Vec<Vec<u8>>) -> Vec<Vec<u8>> {
        self.counters.bytes_to_host += out.iter().map(|m| m.len() as u64).sum::<u64>();
        out
    }

    fn answer(&mut self, message: wire::Raw) -> Vec<Vec<u8>> {
        let tid = message.transaction;
        match message.kind {
            wire::OPEN => {
                let asked = wire::field(&message.body, 0).unwrap_or(0) as usize;
                self.max_transfer = asked.clamp(MIN_TRANSFER, wire::MAX_MESSAGE);
                self.opened = true;
                self.commands = Commands::default();
                vec![wire::simple(wire::OPEN_DONE, tid, status::SUCCESS)]
            }
            wire::CLOSE => {
                self.opened = false;
                vec![wire::simple(wire::CLOSE_DONE, tid, status::SUCCESS)]
            }
            wire::COMMAND if !self.opened || self.faults.not_opened => {
                let error = wire::error_code::NOT_OPENED;
                vec![wire::simple(wire::FUNCTION_ERROR, tid, error)]
            }
            wire::COMMAND => match self.commands.push(tid, &message.body) {
                Assembled::Partial => Vec::new(),
                Assembled::Refused(error) => vec![wire::simple(wire::FUNCTION_ERROR, tid, error)],
                Assembled::Done(request) => {
                    let (status, info) = self.command(&request);
                    let transfer = self
                        .faults
                        .max_transfer
                        .map_or(self.max_transfer, |cap| cap.min(self.max_transfer));
                    wire::command_done(&request, status, &info, transfer)
                }
            },
            // HOST_ERROR and anything unknown: nothing to answer.
            _ => Vec::new(),
        }
    }

    /// Status and information buffer for one complete command.
    fn command(&mut self, request: &Request) -> (u32, Vec<u8>) {
        if request.service == BASIC_CONNECT
            && (request.cid, request.command_type) == (CID_DEVICE_CAPS, 0)
        {
            return (status::SUCCESS, device_caps());
        }
        if request.service != UICC_SERVICE || self.faults.no_uicc_service {
            return (status::NO_DEVICE_SUPPORT, Vec::new());
        }
        if self.faults.busy {
            return (status::BUSY, Vec::new());
        }
        let info = &request.info;
        match (request.cid, request.command_type) {
            (CID_ATR, 0) => (status::SUCCESS, wire::words_then_sized(&[], &ATR)),
            (CID_OPEN_CHANNEL, 1) => match wire::sized_bytes(info, 0) {
                Some(aid) if !aid.is_empty() && aid.len() <= 16 => {
                    let p2 = wire::field(info, 8).unwrap_or(0) as u8;
                    self.open_channel(aid, p2)
                }
                _ => (status::INVALID_PARAMETERS, Vec::new()),
            },
            (CID_CLOSE_CHANNEL, 1) => match wire::field(info, 0).and_then(channel_number) {
                Some(channel) if self.card.is_channel_open(channel) => {
                    let answer = self.card.process(&[0x00, 0x70, 0x80, channel, 0x00]);
                    (status::SUCCESS, sw_field(&answer).to_le_bytes().to_vec())
                }
                _ => (status::INVALID_LOGICAL_CHANNEL, Vec::new()),
            },
            (CID_APDU, 1) => {
                let channel = wire::field(info, 0).and_then(channel_number);
                match (channel, wire::sized_bytes(info, 12)) {
                    (Some(channel), Some(apdu)) if !apdu.is_empty() => self.apdu(channel, apdu),
                    _ => (status::INVALID_PARAMETERS, Vec::new()),
                }
            }
            _ => (status::NO_DEVICE_SUPPORT, Vec::new()),
        }
    }

    /// MANAGE CHANNEL open, then SELECT by name on the new channel, as the modem does for the host.
    fn open_channel(&mut self, aid: &[u8], p2: u8) -> (u32, Vec<u8>) {
        if self.faults.channel_refused {
            return (status::NO_LOGICAL_CHANNELS, Vec::new());
        }
        let opened = self.card.process(&[0x00, 0x70, 0x00, 0x00, 0x01]);
        let &[channel, 0x90, 0x00] = opened.as_slice() else {
            return (status::NO_LOGICAL_CHANNELS, Vec::new());
        };
        let mut select = vec![cla_on_channel(0, channel), 0xA4, 0x04, p2, aid.len() as u8];
        select.extend_from_slice(aid);
        let selected = self.card.process(&select);
        if !matches!(selected.as_slice(), [.., 0x90 | 0x91 | 0x61, _]) {
            self.card.process(&[0x00, 0x70, 0x80, channel, 0x00]);
            return (status::SELECT_FAILED, Vec::new());
        }
        let (data, _) = selected.split_at(selected.len() - 2);
        let info = wire::words_then_sized(&[sw_field(&selected), u32::from(channel)], data);
        (status::SUCCESS, info)
    }

    /// One APDU on an open channel; the modem owns the channel bits of CLA.
    fn apdu(&mut self, channel: u8, apdu: &[u8]) -> (u32, Vec<u8>) {
        if !self.card.is_channel_open(channel) {
            // Closed behind the host's back (REFRESH after a profile switch).
            return (status::INVALID_LOGICAL_CHANNEL, Vec::new());
        }
        self.counters.apdus += 1;
        let mut apdu = apdu.to_vec();
        apdu[0] = cla_on_channel(apdu[0], channel);
        let answer = self.card.process(&apdu);
        let (data, _) = answer.split_at(answer.len().saturating_sub(2));
        (
            status::SUCCESS,
            wire::words_then_sized(&[sw_field(&answer)], data),
        )
    }
}

/// MBIM_DEVICE_CAPS_INFO (USB MBIM 1.0 §10.5.1): an embedded LTE modem with a removable-class SIM, no
/// voice or SMS, one data session; then CustomDataClass, DeviceId, FirmwareInfo and HardwareInfo as
/// UTF-16LE strings (offset, then size in bytes).
fn device_caps() -> Vec<u8> {
    const EMBEDDED: u32 = 1;
    const GSM: u32 = 1;
    const NO_VOICE: u32 = 1;
    const SIM_REMOVABLE: u32 = 2;
    const LTE: u32 = 0x20;
    let words = [EMBEDDED, GSM, NO_VOICE, SIM_REMOVABLE, LTE, 0, 0, 1];
    let strings = ["", "euiccd-sim", "euiccd-sim 1", "simulated MBIM modem"];
    let mut fixed: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
    let mut data = Vec::new();
    let start = fixed.len() + 8 * strings.len();
    for text in strings {
        let bytes: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
        let offset = if bytes.is_empty() {
            0
        } else {
            start + data.len()
        };
        fixed.extend_from_slice(&(offset as u32).to_le_bytes());
        fixed.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
        data.extend_from_slice(&bytes);
        data.resize(data.len().next_multiple_of(4), 0);
    }
    fixed.extend_from_slice(&data);
    fixed
}

/// A logical channel number the card can have (the basic channel is not the host's to use).
fn channel_number(value: u32) -> Option<u8> {
    u8::try_from(value)
        .ok()
        .filter(|c| (1..=LAST_CHANNEL).contains(c))
}

/// The status field of an answer: SW1 in the low byte, SW2 in the next.
fn sw_field(response: &[u8]) -> u32 {
    match response {
        [.., sw1, sw2] => u32::from_le_bytes([*sw1, *sw2, 0, 0]),
        _ => 0x006F,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::card::{EchoApplet, ResponseMode};
    use crate::iso7816::ISDR_AID;

    fn opened(faults: MbimFaults) -> MbimDevice<EchoApplet> {
        let mut device = MbimDevice::new(SimCard::new(EchoApplet, ResponseMode::Direct), faults);
        let open = hex::decode("01000000100000000100000000100000").unwrap();
        assert_eq!(
            device.feed(&open),
            [hex::decode("01000080100000000100000000000000").unwrap()]
        );
        device
    }

    fn command(tid: u32, cid: u32, info: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        for word in [3, 48 + info.len() as u32, tid, 1, 0] {
            out.extend_from_slice(&word.to_le_bytes());
        }
        out.extend_from_slice(&UICC_SERVICE);
        let command_type = u32::from(cid != CID_ATR);
        for word in [cid, command_type, info.len() as u32] {
            out.extend_from_slice(&word.to_le_bytes());
        }
        out.extend_from_slice(info);
        out
    }

    /// Status and information buffer of a one-piece COMMAND_DONE.
    fn done(answer: &[Vec<u8>]) -> (u32, Vec<u8>) {
        assert_eq!(answer.len(), 1);
        let m = &answer[0];
        (wire::field(m, 40).unwrap(), m[48..].to_vec())
    }

    #[test]
    fn open_channel_apdu_close() {
        let mut device = opened(MbimFaults::default());
        let open = wire::words_then_sized(&[], &ISDR_AID);
        let mut open_info = open[..8].to_vec();
        open_info.extend_from_slice(&[0; 8]);
        open_info[4] = 16;
        open_info.extend_from_slice(&ISDR_AID);
        let (status, info) = done(&device.feed(&command(2, CID_OPEN_CHANNEL, &open_info)));
        assert_eq!(status, status::SUCCESS);
        let channel = wire::field(&info, 4).unwrap();
        assert!((1..=3).contains(&channel));
        let apdu = wire::words_then_sized(&[channel, 0, 0], &[0x00, 0xCA, 0x00, 0x5A, 0x00]);
        let (status, _) = done(&device.feed(&command(3, CID_APDU, &apdu)));
        assert_eq!(status, status::SUCCESS);
        let close = [channel.to_le_bytes(), 1u32.to_le_bytes()].concat();
        let (status, info) = done(&device.feed(&command(4, CID_CLOSE_CHANNEL, &close)));
        assert_eq!((status, info), (status::SUCCESS, vec![0x90, 0, 0, 0]));
        let (status, _) = done(&device.feed(&command(5, CID_APDU, &apdu)));
        assert_eq!(status, status::INVALID_LOGICAL_CHANNEL);
    }

    #[test]
    fn faults_and_unknown_services() {
        let mut device = opened(MbimFaults {
            busy: true,
            ..MbimFaults::default()
        });
        let (status, _) = done(&device.feed(&command(2, CID_ATR, &[])));
        assert_eq!(status, status::BUSY);
        let mut closed = MbimDevice::new(
            SimCard::new(EchoApplet, ResponseMode::Direct),
            MbimFaults::default(),
        );
        assert_eq!(
            closed.feed(&command(1, CID_ATR, &[])),
            [wire::simple(
                wire::FUNCTION_ERROR,
                1,
                wire::error_code::NOT_OPENED
            )]
        );
        let mut faults = MbimFaults::default();
        assert!(faults.enable("fragment=10").is_err());
        faults.enable("fragment=64").unwrap();
        let mut device = opened(faults);
        let answer = device.feed(&command(2, CID_ATR, &[]));
        assert!(answer.len() > 1 && answer.iter().all(|m| m.len() <= 64));
    }
}
