//! The ISO 7816 side of the simulated eUICC: logical channels, SELECT, GET RESPONSE and STORE DATA
//! reassembly, in front of an [`IsdrApplet`] that only ever sees complete ES10 commands.
//!
//! The card is sans-IO: [`SimCard::process`] takes one command APDU and returns the response bytes. The
//! simulated modem and the in-process transport both sit on it.

use super::iso7816::{CommandApdu, ISDR_AID, LAST_CHANNEL, StatusWord, channel_of_cla};

/// Largest ES10 command the card reassembles (a BPP segment is far smaller).
const MAX_COMMAND: usize = 256 * 1024;
const CHANNELS: usize = LAST_CHANNEL as usize + 1;

/// What the ISD-R application returns for one complete ES10 command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppletOutcome {
    /// The DER response (may be empty).
    pub data: Vec<u8>,
    /// The status word (`90 00`, or `91 xx` when a proactive command such as REFRESH is pending).
    pub sw: StatusWord,
    /// The command switched profiles: the card is reset once the response is delivered, which closes every
    /// logical channel, as the modem's REFRESH handling does on a real device.
    pub reset_card: bool,
}

impl AppletOutcome {
    /// A successful response with `data`.
    pub fn ok(data: Vec<u8>) -> Self {
        Self {
            data,
            sw: StatusWord::OK,
            reset_card: false,
        }
    }

    /// A refusal with `sw` and no data.
    pub fn error(sw: StatusWord) -> Self {
        Self {
            data: Vec::new(),
            sw,
            reset_card: false,
        }
    }
}

/// An ISD-R application behind the simulated card: the minimal one here, the full simulated eUICC later.
pub trait IsdrApplet {
    /// Executes one complete ES10 command (the reassembled STORE DATA payload).
    fn process(&mut self, command: &[u8]) -> AppletOutcome;

    /// The card lost power: drop what a real card keeps only in RAM (sessions, challenges, one-time keys).
    fn power_loss(&mut self) {}
}

impl<A: IsdrApplet + ?Sized> IsdrApplet for Box<A> {
    fn process(&mut self, command: &[u8]) -> AppletOutcome {
        (**self).process(command)
    }

    fn power_loss(&mut self) {
        (**self).power_loss()
    }
}

/// Fault switches at the APDU level, for tests of what the host does when a card misbehaves mid-chain.
/// Both count from 1 since the card was created; the applet has switches of its own at the command level.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CardFaults {
    /// Answer APDU number N with this status word without processing it.
    pub fail_apdu: Option<(u64, StatusWord)>,
    /// Lose power right after STORE DATA block number N was received: a partly received command is gone, the
    /// applet drops its volatile state, every logical channel closes and the answer is `6F 00`.
    pub power_loss_after_block: Option<u64>,
}

/// How response data leaves the card.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResponseMode {
    /// As a T=0 card: `61 xx`, and the data comes with GET RESPONSE in pieces of up to 256 bytes.
    GetResponse,
    /// All data at once with the status word, as a reader or modem that did the GET RESPONSE itself.
    Direct,
}

/// The state of one open logical channel.
#[derive(Debug, Default)]
struct Channel {
    isdr_selected: bool,
    /// STORE DATA blocks received so far, and the block number expected next.
    command: Vec<u8>,
    next_block: u8,
    /// Response data waiting for GET RESPONSE, and the status word that follows it.
    pending: Vec<u8>,
    pending_sw: Option<StatusWord>,
    /// Reset the card once `pending` is delivered.
    reset_after: bool,
}

/// The simulated card. See the module documentation.
#[derive(Debug)]
pub struct SimCard<A> {
    applet: A,
    mode: ResponseMode,
    channels: [Option<Channel>; CHANNELS],
    faults: CardFaults,
    apdus: u64,
    blocks: u64,
}

impl<A: IsdrApplet> SimCard<A> {
    /// A freshly powered card: only the basic channel is open.
    pub fn new(applet: A, mode: ResponseMode) -> Self {
        let mut card = Self {
            applet,
            mode,
            channels: std::array::from_fn(|_| None),
            faults: CardFaults::default(),
            apdus: 0,
            blocks: 0,
        };
        card.reset();
        card
    }

    /// Resets the card (power cycle, REFRESH): every logical channel but the basic one is closed.
    pub fn reset(&mut self) {
        self.channels = std::array::from_fn(|_| None);
        self.channels[0] = Some(Channel::default());
    }

    /// The card loses power and comes back (a modem that re-enumerates power-cycles its SIM slot): what the
    /// applet keeps only in RAM is gone, and only the basic channel is open.
    pub fn power_cycle(&mut self) {
        self.applet.power_loss();
        self.reset();
    }

    /// True when logical channel `channel` is open.
    pub fn is_channel_open(&self, channel: u8) -> bool {
        self.channels
            .get(usize::from(channel))
            .is_some_and(Option::is_some)
    }

    /// How response data leaves the card from now on.
    pub fn set_response_mode(&mut self, mode: ResponseMode) {
        self.mode = mode;
    }

    /// Switches APDU-level faults on (or off with the default).
    pub fn set_faults(&mut self, faults: CardFaults) {
        self.faults = faults;
    }

    /// Processes one command APDU and returns the response (data and status word).
    pub fn process(&mut self, apdu: &[u8]) -> Vec<u8> {
        self.apdus += 1;
        if let Some((n, sw)) = self.faults.fail_apdu {
            if n == self.apdus {
                return sw.bytes().to_vec();
            }
        }
        let response = match CommandApdu::parse(apdu) {
            Ok(command) => self.dispatch(&command),
            Err(_) => status(StatusWord::WRONG_LENGTH),
        };
        super::iso7816::response(&response.data, response.sw)
    }

    fn dispatch(&mut self, command: &CommandApdu) -> Response {
        let Some(number) = channel_of_cla(command.cla) else {
            return status(StatusWord::CLA_NOT_SUPPORTED);
        };
        if !self.is_channel_open(number) {
            return status(StatusWord::CHANNEL_NOT_SUPPORTED);
        }
        let index = usize::from(number);
        if command.ins == 0xC0 {
            return self.get_response(index, command.le.unwrap_or(256));
        }
        if let Some(channel) = self.channels[index].as_mut() {
            channel.pending.clear();
            channel.pending_sw = None;
        }
        match command.ins {
            0x70 => self.manage_channel(command),
            0xA4 => self.select(index, command),
            0xE2 => self.store_data(index, command),
            _ => status(StatusWord::INS_NOT_SUPPORTED),
        }
    }

    fn manage_channel(&mut self, command: &CommandApdu) -> Response {
        match (command.p1, command.p2) {
            (0x00, 0x00) => match (1..CHANNELS).find(|&n| self.channels[n].is_none()) {
                Some(free) => {
                    self.channels[free] = Some(Channel::default());
                    // `free` is at most 19.
                    Response {
                        data: vec![free as u8],
                        sw: StatusWord::OK,
                    }
                }
                None => status(StatusWord::FUNCTION_NOT_SUPPORTED),
            },
            (0x80, 1..=LAST_CHANNEL) if self.is_channel_open(command.p2) => {
                self.channels[usize::from(command.p2)] = None;
                status(StatusWord::OK)
            }
            (0x80, 1..=LAST_CHANNEL) => status(StatusWord::CHANNEL_NOT_SUPPORTED),
            _ => status(StatusWord::WRONG_P1_P2),
        }
    }

    fn select(&mut self, index: usize, command: &CommandApdu) -> Response {
        let found = command.p1 == 0x04 && command.data == ISDR_AID;
        let Some(channel) = self.channels[index].as_mut() else {
            return status(StatusWord::CHANNEL_NOT_SUPPORTED);
        };
        channel.isdr_selected = found;
        channel.command.clear();
        channel.next_block = 0;
        if !found {
            return status(StatusWord::NOT_FOUND);
        }
        // FCI: 6F { 84 <DF name> }.
        let mut fci = vec![0x6F, 2 + ISDR_AID.len() as u8, 0x84, ISDR_AID.len() as u8];
        fci.extend_from_slice(&ISDR_AID);
        self.respond(index, fci, StatusWord::OK, false)
    }

    fn store_data(&mut self, index: usize, command: &CommandApdu) -> Response {
        match self.channels[index].as_ref().map(|c| c.isdr_selected) {
            None => return status(StatusWord::CHANNEL_NOT_SUPPORTED),
            Some(false) => return status(StatusWord::CONDITIONS_NOT_SATISFIED),
            Some(true) => {}
        }
        let last = match command.p1 {
            0x11 => false,
            0x91 => true,
            _ => return status(StatusWord::WRONG_P1_P2),
        };
        self.blocks += 1;
        if self.faults.power_loss_after_block == Some(self.blocks) {
            self.applet.power_loss();
            self.reset();
            return status(StatusWord::NO_PRECISE_DIAGNOSIS);
        }
        let Some(channel) = self.channels[index].as_mut() else {
            return status(StatusWord::CHANNEL_NOT_SUPPORTED);
        };
        let refusal = if command.p2 != channel.next_block {
            Some(StatusWord::WRONG_P1_P2)
        } else if channel.command.len() + command.data.len() > MAX_COMMAND {
            Some(StatusWord::NOT_ENOUGH_MEMORY)
        } else {
            None
        };
        if let Some(sw) = refusal {
            channel.command.clear();
            channel.next_block = 0;
            return status(sw);
        }
        channel.command.extend_from_slice(&command.data);
        channel.next_block = channel.next_block.wrapping_add(1);
        if !last {
            return status(StatusWord::OK);
        }
        let es10 = std::mem::take(&mut channel.command);
        channel.next_block = 0;
        let outcome = self.applet.process(&es10);
        self.respond(index, outcome.data, outcome.sw, outcome.reset_card)
    }

    /// Returns `data` and `sw` according to the response mode, and resets the card after delivery if asked.
    fn respond(&mut self, index: usize, data: Vec<u8>, sw: StatusWord, reset: bool) -> Response {
        if data.is_empty() || self.mode == ResponseMode::Direct {
            if reset {
                self.reset();
            }
            return Response { data, sw };
        }
        let available = more_data(data.len());
        if let Some(channel) = self.channels[index].as_mut() {
            channel.pending = data;
            channel.pending_sw = Some(sw);
            channel.reset_after = reset;
        }
        available
    }

    fn get_response(&mut self, index: usize, le: u16) -> Response {
        let Some(channel) = self.channels[index].as_mut() else {
            return status(StatusWord::CHANNEL_NOT_SUPPORTED);
        };
        let Some(final_sw) = channel.pending_sw else {
            return status(StatusWord::CONDITIONS_NOT_SATISFIED);
        };
        let available = channel.pending.len();
        let wanted = usize::from(le);
        if wanted < 256 && wanted > available {
            return status(StatusWord::wrong_le(available));
        }
        let take = wanted.min(available);
        let data: Vec<u8> = channel.pending.drain(..take).collect();
        if !channel.pending.is_empty() {
            return Response {
                data,
                ..more_data(channel.pending.len())
            };
        }
        channel.pending_sw = None;
        if std::mem::take(&mut channel.reset_after) {
            self.reset();
        }
        Response { data, sw: final_sw }
    }
}

/// What the card answers to one APDU, before it is put on the wire.
#[derive(Debug)]
struct Response {
    data: Vec<u8>,
    sw: StatusWord,
}

fn status(sw: StatusWord) -> Response {
    Response {
        data: Vec::new(),
        sw,
    }
}

/// `61 xx` for `available` bytes (`61 00` means 256 or more).
fn more_data(available: usize) -> Response {
    status(StatusWord::more_data(available))
}

/// A test applet: answers every command with the command itself; a command starting with `FF` also resets the
/// card (the status `91 10` a REFRESH proactive command gives). For tests of what carries APDUs.
pub struct EchoApplet;

impl IsdrApplet for EchoApplet {
    fn process(&mut self, command: &[u8]) -> AppletOutcome {
        let reset_card = command.first() == Some(&0xFF);
        let sw = if reset_card {
            StatusWord(0x9110)
        } else {
            StatusWord::OK
        };
        AppletOutcome {
            data: command.to_vec(),
            sw,
            reset_card,
        }
    }
}

#[cfg(test)]
mod tests;
