//! The STORE DATA chaining of one ES10 command, as a state machine without I/O (the STORE DATA command of
//! the GlobalPlatform Card Specification as SGP.22 uses it for ES10; GET RESPONSE and the status words
//! `61xx` and `6Cxx` of ISO/IEC 7816-4).
//!
//! An ES10 command is a DER-encoded request cut into STORE DATA blocks (`80 E2 11 nn`, the last one
//! `80 E2 91 nn`; the transport puts the logical channel into CLA). The answer comes with the last block,
//! directly or through GET RESPONSE on `61xx`. A `6Cxx` gets the command resent once with the right Le;
//! `91xx` (proactive command pending) counts as success; `68 81` means the logical channel is gone.
//!
//! The driver asks [`StoreData::start`] for the first [`Transmit`], sends it, and feeds each response to
//! [`StoreData::handle_response`], which says what to send next or gives the ES10 response.

use super::Error;
use super::command::Command;
use super::response::Response;
use super::status::{StatusWord, SwClass};

/// Smallest STORE DATA block size accepted (as lpac).
pub const MIN_BLOCK_SIZE: usize = 6;
/// Largest STORE DATA block size (a short APDU's data field).
pub const MAX_BLOCK_SIZE: usize = 255;

const INS_STORE_DATA: u8 = 0xE2;
const INS_GET_RESPONSE: u8 = 0xC0;
const P1_MORE_BLOCKS: u8 = 0x11;
const P1_LAST_BLOCK: u8 = 0x91;

/// Which timeout an APDU is sent with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wait {
    /// The last STORE DATA block: the card executes the ES10 command then (the caller's ES10 timeout).
    Execute,
    /// Any other block, and GET RESPONSE (the control timeout).
    Control,
}

/// An APDU to send, with the timeout that applies to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transmit {
    /// The command APDU (short form, logical channel 0 in CLA).
    pub apdu: Vec<u8>,
    /// Which timeout to wait for the answer with.
    pub wait: Wait,
}

/// What the machine wants after a response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Next {
    /// Send this APDU and feed its response.
    Transmit(Transmit),
    /// The ES10 command is done: the eUICC's response (DER).
    Done(Vec<u8>),
}

/// Where the exchange stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sent {
    /// A STORE DATA block.
    Block,
    /// A GET RESPONSE.
    GetResponse,
}

/// The APDU in flight and what it is.
#[derive(Debug)]
struct InFlight {
    command: Command,
    sent: Sent,
    wait: Wait,
    /// Already resent with the Le of a `6Cxx` (resent once only).
    le_fixed: bool,
}

/// The chaining of one ES10 command: see the module documentation.
#[derive(Debug)]
pub struct StoreData<'a> {
    blocks: std::slice::Chunks<'a, u8>,
    /// The number of the block in flight.
    number: usize,
    max_response: usize,
    /// CLA of GET RESPONSE: `00` first, `80` after a card answered `6E 00` to it.
    get_response_cla: u8,
    /// The response data collected for the block in flight.
    data: Vec<u8>,
    in_flight: InFlight,
}

impl<'a> StoreData<'a> {
    /// The chaining of `request` (the ES10 command's DER) in blocks of `block_size` bytes, collecting at
    /// most `max_response` bytes of response; `get_response_cla` is the CLA of GET RESPONSE that worked
    /// last ([`StoreData::get_response_cla`]; `00` at first). Returns the machine and the first APDU.
    pub fn start(
        request: &'a [u8],
        block_size: usize,
        max_response: usize,
        get_response_cla: u8,
    ) -> Result<(Self, Transmit), Error> {
        if !(MIN_BLOCK_SIZE..=MAX_BLOCK_SIZE).contains(&block_size) {
            return Err(Error::InvalidCommand(
                "the STORE DATA block size must be 6 to 255",
            ));
        }
        let mut blocks = request.chunks(block_size);
        let Some((command, wait)) = block(&mut blocks, 0) else {
            return Err(Error::InvalidCommand("an ES10 command is never empty"));
        };
        let machine = Self {
            blocks,
            number: 0,
            max_response,
            get_response_cla,
            data: Vec::new(),
            in_flight: InFlight {
                command,
                sent: Sent::Block,
                wait,
                le_fixed: false,
            },
        };
        let first = machine.transmit()?;
        Ok((machine, first))
    }

    /// The CLA of GET RESPONSE the card accepts, for the next command's machine.
    pub fn get_response_cla(&self) -> u8 {
        self.get_response_cla
    }

    /// Takes the card's response to the APDU last returned; says what to send next or gives the result.
    pub fn handle_response(&mut self, response: Response) -> Result<Next, Error> {
        if response.sw == StatusWord::CHANNEL_NOT_SUPPORTED {
            return Err(Error::ChannelLost);
        }
        if let SwClass::WrongLe(le) = response.sw.class() {
            if !self.in_flight.le_fixed {
                self.in_flight.command = self.in_flight.command.clone().with_le(le.into());
                self.in_flight.le_fixed = true;
                return self.transmit().map(Next::Transmit);
            }
        }
        let sw = match self.in_flight.sent {
            Sent::Block => {
                self.data = response.data;
                response.sw
            }
            Sent::GetResponse => {
                if response.sw == StatusWord::CLA_NOT_SUPPORTED && self.get_response_cla == 0x00 {
                    self.get_response_cla = 0x80;
                    self.in_flight.command.cla = self.get_response_cla;
                    self.in_flight.le_fixed = false;
                    return self.transmit().map(Next::Transmit);
                }
                if response.data.is_empty() && matches!(response.sw.class(), SwClass::MoreData(_)) {
                    return Err(status_error("GET RESPONSE (no data)", response.sw));
                }
                self.data.extend_from_slice(&response.data);
                if self.data.len() > self.max_response {
                    return Err(Error::ResponseTooLarge(self.max_response));
                }
                response.sw
            }
        };
        if let SwClass::MoreData(available) = sw.class() {
            self.in_flight = InFlight {
                command: Command::new(self.get_response_cla, INS_GET_RESPONSE, 0, 0)
                    .with_le(available.into()),
                sent: Sent::GetResponse,
                wait: Wait::Control,
                le_fixed: false,
            };
            return self.transmit().map(Next::Transmit);
        }
        match block(&mut self.blocks, self.number + 1) {
            None if sw.is_success() => Ok(Next::Done(std::mem::take(&mut self.data))),
            Some((command, wait)) if sw == StatusWord::OK => {
                self.number += 1;
                self.data.clear();
                self.in_flight = InFlight {
                    command,
                    sent: Sent::Block,
                    wait,
                    le_fixed: false,
                };
                self.transmit().map(Next::Transmit)
            }
            _ => Err(status_error("STORE DATA", sw)),
        }
    }

    /// The APDU in flight, encoded.
    fn transmit(&self) -> Result<Transmit, Error> {
        Ok(Transmit {
            apdu: self.in_flight.command.to_bytes()?,
            wait: self.in_flight.wait,
        })
    }
}

/// The STORE DATA command of the next block, numbered `number`, and its wait; `None` after the last.
fn block(blocks: &mut std::slice::Chunks<'_, u8>, number: usize) -> Option<(Command, Wait)> {
    let data = blocks.next()?;
    let is_last = blocks.len() == 0;
    let (p1, wait) = if is_last {
        (P1_LAST_BLOCK, Wait::Execute)
    } else {
        (P1_MORE_BLOCKS, Wait::Control)
    };
    // The block number is one byte; it wraps on commands longer than 256 blocks.
    let command = Command::new(0x80, INS_STORE_DATA, p1, (number % 256) as u8).with_data(data);
    Some((command, wait))
}

fn status_error(what: &'static str, sw: StatusWord) -> Error {
    Error::Status { what, sw }
}

#[cfg(test)]
mod tests;
