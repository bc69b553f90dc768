//! The simulated QMI device, sans-IO: frames from the host in, answer frames out. It hands out UIM client
//! ids, reports its card slots (the eUICC in one of them, the slots before it empty or holding plain SIMs, as
//! on a multi-slot modem whose eUICC is soldered as slot 2), opens logical channels on the eUICC (MANAGE CHANNEL and SELECT, ETSI TS 102 221
//! §11.1.17 and §11.1.1, done by the modem as real firmwares do), forwards APDUs with the channel bits of CLA
//! set, and closes channels, when a client asks or is released.

use super::wire::{CTL, Framer, Request, UIM, parse_request, response, result_tlv};
use crate::card::{IsdrApplet, SimCard};
use crate::iso7816::{LAST_CHANNEL, cla_on_channel};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// QMI error codes the device answers with (libqmi's `QmiProtocolError`).
mod code {
    pub const CLIENT_IDS_EXHAUSTED: u16 = 5;
    pub const INVALID_CLIENT_ID: u16 = 7;
    pub const MISSING_ARGUMENT: u16 = 17;
    pub const DEVICE_IN_USE: u16 = 23;
    pub const DEVICE_NOT_READY: u16 = 52;
    pub const INVALID_SERVICE_TYPE: u16 = 31;
    pub const INVALID_ARGUMENT: u16 = 48;
    pub const INSUFFICIENT_RESOURCES: u16 = 68;
    pub const INVALID_QMI_COMMAND: u16 = 71;
    pub const SIM_FILE_NOT_FOUND: u16 = 80;
    pub const ACCESS_DENIED: u16 = 82;
}

/// Fault switches (`sim serve --qmi-fault`), for tests of what the host does when the modem misbehaves.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct QmiFaults {
    /// After this many APDUs the device forgets every client id once (a QMI subsystem restart): the next
    /// request of an old client is answered InvalidClientId.
    pub drop_cid_after: Option<u64>,
    /// Open Logical Channel is answered AccessDenied (as some Telit and SIMCom firmwares do).
    pub access_denied: bool,
    /// Every UIM request but card status is answered DeviceInUse.
    pub busy: bool,
    /// The UIM service does not exist: allocating a client for it fails.
    pub no_uim: bool,
}

/// A UIM slot number: 1 to 5, as the UIM service numbers them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CardSlot(u8);

impl CardSlot {
    /// The first slot, the only one of a one-slot device.
    pub const FIRST: Self = Self(1);

    /// Slot `number`, if the UIM service has it.
    pub fn new(number: u8) -> Option<Self> {
        (1..=5).contains(&number).then_some(Self(number))
    }
}

/// What the slots before the eUICC's hold.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum OtherSlots {
    /// Nothing: the card status says absent, and UIM requests there are refused DeviceNotReady.
    #[default]
    Empty,
    /// A plain SIM (no ISD-R): the card status says present, and its SELECT of any AID the host asks for
    /// fails with `6A 82` (not found), which the device reports as a real one does, SimFileNotFound with the
    /// card's status word.
    PlainSim,
}

/// What the device has done, printed as `{"sim_qmi": …}` when the server stops or on SIGUSR1.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct QmiCounters {
    /// Frames received from the host.
    pub requests: u64,
    /// Bytes received and sent.
    pub bytes_in: u64,
    /// Bytes sent to the host.
    pub bytes_out: u64,
    /// APDUs forwarded to the card with Send APDU.
    pub apdus: u64,
    /// Logical channels opened.
    pub channels_opened: u64,
    /// UIM client ids allocated.
    pub clients_allocated: u64,
}

/// The simulated device. See the module documentation.
#[derive(Debug)]
pub struct QmiDevice<A> {
    card: SimCard<A>,
    framer: Framer,
    faults: QmiFaults,
    /// The slot the card sits in.
    card_slot: u8,
    /// What the slots before it hold.
    others: OtherSlots,
    /// UIM client ids and the logical channels each holds.
    clients: BTreeMap<u8, BTreeSet<u8>>,
    next_client: u8,
    counters: QmiCounters,
}

impl<A: IsdrApplet> QmiDevice<A> {
    /// A one-slot device with `card` in it.
    pub fn new(card: SimCard<A>, faults: QmiFaults) -> Self {
        Self {
            card,
            framer: Framer::default(),
            faults,
            card_slot: 1,
            others: OtherSlots::Empty,
            clients: BTreeMap::new(),
            next_client: 1,
            counters: QmiCounters::default(),
        }
    }

    /// The device with as many slots as `slot` says, the card in the last of them and `others` in the slots
    /// before it.
    pub fn with_card_in_slot(self, slot: CardSlot, others: OtherSlots) -> Self {
        Self {
            card_slot: slot.0,
            others,
            ..self
        }
    }

    /// What the device has done so far.
    pub fn counters(&self) -> QmiCounters {
        self.counters
    }

    /// Takes bytes from the host and returns the answer frames, one per complete request (none for frames
    /// that are not requests, as a real device stays silent on garbage).
    pub fn feed(&mut self, bytes: &[u8]) -> Vec<Vec<u8>> {
        self.counters.bytes_in += bytes.len() as u64;
        let mut answers = Vec::new();
        for frame in self.framer.feed(bytes) {
            self.counters.requests += 1;
            let Ok(request) = parse_request(&frame) else {
                continue;
            };
            let (tlvs, client) = match request.service {
                CTL => (self.control(&request), 0),
                UIM => (self.uim(&request), request.client),
                // No other service is offered: libqmi treats a missing answer as a timeout, so say so.
                _ => (
                    vec![result_tlv(Some(code::INVALID_SERVICE_TYPE))],
                    request.client,
                ),
            };
            let answer = response(
                request.service,
                client,
                request.transaction,
                request.message,
                &tlvs,
            );
            self.counters.bytes_out += answer.len() as u64;
            answers.push(answer);
        }
        answers
    }

    fn control(&mut self, request: &Request) -> Vec<(u8, Vec<u8>)> {
        match request.message {
            // Get Version Info: CTL 1.5 and UIM 1.46 (a list of service, major, minor).
            0x0021 => {
                let mut list = vec![2];
                for (service, major, minor) in [(CTL, 1u16, 5u16), (UIM, 1, 46)] {
                    list.push(service);
                    list.extend_from_slice(&major.to_le_bytes());
                    list.extend_from_slice(&minor.to_le_bytes());
                }
                vec![result_tlv(None), (0x01, list)]
            }
            0x0022 => self.allocate(request),
            0x0023 => match request.tlv(0x01) {
                Some(&[UIM, client]) if self.clients.contains_key(&client) => {
                    self.release(client);
                    vec![result_tlv(None), (0x01, vec![UIM, client])]
                }
                Some(&[_, _]) => vec![result_tlv(Some(code::INVALID_CLIENT_ID))],
                _ => vec![result_tlv(Some(code::MISSING_ARGUMENT))],
            },
            // Sync: every client id is released.
            0x0027 => {
                let clients: Vec<u8> = self.clients.keys().copied().collect();
                clients.into_iter().for_each(|client| self.release(client));
                vec![result_tlv(None)]
            }
            _ => vec![result_tlv(Some(code::INVALID_QMI_COMMAND))],
        }
    }

    fn allocate(&mut self, request: &Request) -> Vec<(u8, Vec<u8>)> {
        match request.tlv(0x01) {
            Some(&[UIM]) if !self.faults.no_uim => {}
            Some(&[_]) => return vec![result_tlv(Some(code::INVALID_SERVICE_TYPE))],
            _ => return vec![result_tlv(Some(code::MISSING_ARGUMENT))],
        }
        let Some(client) = (0..255u8)
            .map(|i| self.next_client.wrapping_add(i))
            .find(|c| *c != 0 && !self.clients.contains_key(c))
        else {
            return vec![result_tlv(Some(code::CLIENT_IDS_EXHAUSTED))];
        };
        self.next_client = client.wrapping_add(1);
        self.clients.insert(client, BTreeSet::new());
        self.counters.clients_allocated += 1;
        vec![result_tlv(None), (0x01, vec![UIM, client])]
    }

    /// Frees `client` and closes the channels it held.
    fn release(&mut self, client: u8) {
        for channel in self.clients.remove(&client).unwrap_or_default() {
            self.close_on_card(channel);
        }
    }

    fn uim(&mut self, request: &Request) -> Vec<(u8, Vec<u8>)> {
        if !self.clients.contains_key(&request.client) {
            return vec![result_tlv(Some(code::INVALID_CLIENT_ID))];
        }
        if self.faults.busy && request.message != 0x002F {
            return vec![result_tlv(Some(code::DEVICE_IN_USE))];
        }
        if request.message == 0x002F {
            return vec![
                result_tlv(None),
                (0x10, card_status(self.card_slot, self.others)),
            ];
        }
        if !matches!(request.message, 0x0042 | 0x003B | 0x003F) {
            return vec![result_tlv(Some(code::INVALID_QMI_COMMAND))];
        }
        match request.tlv(0x01) {
            Some(&[slot]) if slot == self.card_slot => {}
            Some(&[slot]) if (1..self.card_slot).contains(&slot) => {
                return self.other_slot(request);
            }
            Some(&[_]) => return vec![result_tlv(Some(code::INVALID_ARGUMENT))],
            _ => return vec![result_tlv(Some(code::MISSING_ARGUMENT))],
        }
        match request.message {
            0x0042 => self.open_channel(request),
            0x003B => self.send_apdu(request),
            _ => self.close_channel(request),
        }
    }

    /// A request for a slot before the eUICC's.
    fn other_slot(&self, request: &Request) -> Vec<(u8, Vec<u8>)> {
        match (self.others, request.message) {
            // A slot the modem has, with no card in it: the card is not ready.
            (OtherSlots::Empty, _) => vec![result_tlv(Some(code::DEVICE_NOT_READY))],
            // The plain SIM opened the channel, found nothing to SELECT and closed it again.
            (OtherSlots::PlainSim, 0x0042) => vec![
                result_tlv(Some(code::SIM_FILE_NOT_FOUND)),
                (0x11, vec![0x6A, 0x82]),
            ],
            // No channel can be open on it.
            (OtherSlots::PlainSim, _) => vec![result_tlv(Some(code::INVALID_ARGUMENT))],
        }
    }

    fn open_channel(&mut self, request: &Request) -> Vec<(u8, Vec<u8>)> {
        if self.faults.access_denied {
            return vec![result_tlv(Some(code::ACCESS_DENIED))];
        }
        let aid = match request.tlv(0x10) {
            Some([len, aid @ ..])
                if usize::from(*len) == aid.len() && (1..=16).contains(&aid.len()) =>
            {
                aid.to_vec()
            }
            _ => return vec![result_tlv(Some(code::MISSING_ARGUMENT))],
        };
        let opened = self.card.process(&[0x00, 0x70, 0x00, 0x00, 0x01]);
        let &[channel @ 1..=LAST_CHANNEL, 0x90, 0x00] = opened.as_slice() else {
            return vec![result_tlv(Some(code::INSUFFICIENT_RESOURCES))];
        };
        let mut select = vec![
            cla_on_channel(0, channel),
            0xA4,
            0x04,
            0x00,
            aid.len() as u8,
        ];
        select.extend_from_slice(&aid);
        let mut selected = self.card.process(&select);
        // The modem fetches the FCI itself and hands it over with the channel.
        if let [.., 0x61, le] = selected.as_slice() {
            let le = *le;
            selected = self
                .card
                .process(&[cla_on_channel(0, channel), 0xC0, 0x00, 0x00, le]);
        }
        let (fci, sw) = selected.split_at(selected.len().saturating_sub(2));
        if !matches!(sw, [0x90 | 0x91, _]) {
            self.close_on_card(channel);
            return vec![
                result_tlv(Some(code::SIM_FILE_NOT_FOUND)),
                (0x11, sw.to_vec()),
            ];
        }
        if let Some(channels) = self.clients.get_mut(&request.client) {
            channels.insert(channel);
        }
        self.counters.channels_opened += 1;
        let mut fci_tlv = vec![fci.len().min(255) as u8];
        fci_tlv.extend_from_slice(&fci[..fci.len().min(255)]);
        vec![
            result_tlv(None),
            (0x10, vec![channel]),
            (0x11, sw.to_vec()),
            (0x12, fci_tlv),
        ]
    }

    fn send_apdu(&mut self, request: &Request) -> Vec<(u8, Vec<u8>)> {
        let mut apdu = match request.tlv(0x02) {
            Some([l0, l1, apdu @ ..])
                if usize::from(u16::from_le_bytes([*l0, *l1])) == apdu.len() && apdu.len() >= 4 =>
            {
                apdu.to_vec()
            }
            _ => return vec![result_tlv(Some(code::MISSING_ARGUMENT))],
        };
        let channel = match request.tlv(0x10) {
            None => 0,
            Some(&[channel]) => channel,
            Some(_) => return vec![result_tlv(Some(code::INVALID_ARGUMENT))],
        };
        let owned = self
            .clients
            .get(&request.client)
            .is_some_and(|c| c.contains(&channel));
        if channel != 0 && !(owned && self.card.is_channel_open(channel)) {
            // The card was reset (REFRESH after a profile switch) or the channel is someone else's.
            if let Some(channels) = self.clients.get_mut(&request.client) {
                channels.remove(&channel);
            }
            return vec![result_tlv(Some(code::INVALID_ARGUMENT))];
        }
        self.counters.apdus += 1;
        apdu[0] = cla_on_channel(apdu[0], channel);
        let answer = self.card.process(&apdu);
        if self.faults.drop_cid_after == Some(self.counters.apdus) {
            // The QMI subsystem restarts right after this answer: every client id (and channel) is gone.
            let clients: Vec<u8> = self.clients.keys().copied().collect();
            clients.into_iter().for_each(|client| self.release(client));
        }
        let mut value = (answer.len() as u16).to_le_bytes().to_vec();
        value.extend_from_slice(&answer);
        vec![result_tlv(None), (0x10, value)]
    }

    fn close_channel(&mut self, request: &Request) -> Vec<(u8, Vec<u8>)> {
        let Some(&[channel]) = request.tlv(0x11) else {
            return vec![result_tlv(Some(code::MISSING_ARGUMENT))];
        };
        let held = self
            .clients
            .get_mut(&request.client)
            .is_some_and(|channels| channels.remove(&channel));
        if !held {
            return vec![result_tlv(Some(code::INVALID_ARGUMENT))];
        }
        self.close_on_card(channel);
        vec![result_tlv(None)]
    }

    fn close_on_card(&mut self, channel: u8) {
        if self.card.is_channel_open(channel) {
            self.card.process(&[0x00, 0x70, 0x80, channel, 0x00]);
        }
    }
}

/// The Card Status TLV: no primary or secondary application indexes, then one entry per slot up to
/// `card_slot`: absent or present for the slots before it as `others` says, present for it, with no
/// applications listed (the IPA needs only the card). An entry is the card state, UPIN state and retries, the
/// card error and the application count.
fn card_status(card_slot: u8, others: OtherSlots) -> Vec<u8> {
    const ABSENT: [u8; 6] = [0, 0, 0, 0, 0, 0];
    const PRESENT: [u8; 6] = [1, 0, 0, 0, 0, 0];
    let mut status = vec![0xFF; 8];
    status.push(card_slot);
    for _ in 1..card_slot {
        status.extend_from_slice(match others {
            OtherSlots::Empty => &ABSENT,
            OtherSlots::PlainSim => &PRESENT,
        });
    }
    status.extend_from_slice(&PRESENT);
    status
}

#[cfg(test)]
mod tests {
    use super::super::wire::request;
    use super::*;
    use crate::card::{EchoApplet, ResponseMode};

    fn device(faults: QmiFaults) -> QmiDevice<EchoApplet> {
        QmiDevice::new(SimCard::new(EchoApplet, ResponseMode::GetResponse), faults)
    }

    fn answer(device: &mut QmiDevice<EchoApplet>, frame: &[u8]) -> Request {
        let mut answers = device.feed(frame);
        assert_eq!(answers.len(), 1);
        // Read the answer back with the request reader by clearing the device's sender and type flags.
        let mut frame = answers.remove(0);
        frame[3] = 0;
        frame[6] = 0;
        parse_request(&frame).unwrap()
    }

    fn allocate(device: &mut QmiDevice<EchoApplet>) -> u8 {
        let granted = answer(device, &request(CTL, 0, 1, 0x22, &[(0x01, &[UIM])]));
        assert_eq!(granted.tlv(0x02), Some(&[0, 0, 0, 0][..]));
        granted.tlv(0x01).unwrap()[1]
    }

    #[test]
    fn opens_a_channel_sends_apdus_and_closes_it() {
        let mut device = device(QmiFaults::default());
        let client = allocate(&mut device);
        let aid = crate::iso7816::ISDR_AID;
        let mut aid_tlv = vec![aid.len() as u8];
        aid_tlv.extend_from_slice(&aid);
        let opened = answer(
            &mut device,
            &request(UIM, client, 2, 0x42, &[(0x01, &[1]), (0x10, &aid_tlv)]),
        );
        assert_eq!(opened.tlv(0x02), Some(&[0, 0, 0, 0][..]));
        let channel = opened.tlv(0x10).unwrap()[0];
        assert!(channel >= 1);
        let apdu = [0x80, 0xCA, 0x00, 0x5A, 0x00];
        let mut apdu_tlv = (apdu.len() as u16).to_le_bytes().to_vec();
        apdu_tlv.extend_from_slice(&apdu);
        let sent = answer(
            &mut device,
            &request(
                UIM,
                client,
                3,
                0x3B,
                &[(0x01, &[1]), (0x02, &apdu_tlv), (0x10, &[channel])],
            ),
        );
        assert_eq!(sent.tlv(0x02), Some(&[0, 0, 0, 0][..]));
        assert!(sent.tlv(0x10).unwrap().len() >= 4);
        let closed = answer(
            &mut device,
            &request(UIM, client, 4, 0x3F, &[(0x01, &[1]), (0x11, &[channel])]),
        );
        assert_eq!(closed.tlv(0x02), Some(&[0, 0, 0, 0][..]));
        let again = answer(
            &mut device,
            &request(
                UIM,
                client,
                5,
                0x3B,
                &[(0x01, &[1]), (0x02, &apdu_tlv), (0x10, &[channel])],
            ),
        );
        assert_eq!(again.tlv(0x02), Some(&[1, 0, 48, 0][..]));
    }

    #[test]
    fn a_card_in_slot_2_leaves_slot_1_empty() {
        assert_eq!(CardSlot::new(0), None);
        assert_eq!(CardSlot::new(6), None);
        let mut device = device(QmiFaults::default())
            .with_card_in_slot(CardSlot::new(2).unwrap(), OtherSlots::Empty);
        let client = allocate(&mut device);
        let status = answer(&mut device, &request(UIM, client, 2, 0x2F, &[]));
        let mut expected = vec![0xFF; 8];
        expected.extend_from_slice(&[2, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0]);
        assert_eq!(status.tlv(0x10), Some(&expected[..]));
        let aid = crate::iso7816::ISDR_AID;
        let mut aid_tlv = vec![aid.len() as u8];
        aid_tlv.extend_from_slice(&aid);
        let open = |slot: u8| request(UIM, client, 3, 0x42, &[(0x01, &[slot]), (0x10, &aid_tlv)]);
        // Slot 1 is there but empty; slot 3 is not there.
        let empty = answer(&mut device, &open(1));
        assert_eq!(empty.tlv(0x02), Some(&[1, 0, 52, 0][..]));
        let missing = answer(&mut device, &open(3));
        assert_eq!(missing.tlv(0x02), Some(&[1, 0, 48, 0][..]));
        assert_eq!(device.counters().channels_opened, 0);
        let opened = answer(&mut device, &open(2));
        assert_eq!(opened.tlv(0x02), Some(&[0, 0, 0, 0][..]));
        let channel = opened.tlv(0x10).unwrap()[0];
        let close =
            |slot: u8| request(UIM, client, 4, 0x3F, &[(0x01, &[slot]), (0x11, &[channel])]);
        let wrong_slot = answer(&mut device, &close(1));
        assert_eq!(wrong_slot.tlv(0x02), Some(&[1, 0, 52, 0][..]));
        let closed = answer(&mut device, &close(2));
        assert_eq!(closed.tlv(0x02), Some(&[0, 0, 0, 0][..]));
    }

    #[test]
    fn a_plain_sim_in_slot_1_has_no_isdr() {
        let mut device = device(QmiFaults::default())
            .with_card_in_slot(CardSlot::new(2).unwrap(), OtherSlots::PlainSim);
        let client = allocate(&mut device);
        let status = answer(&mut device, &request(UIM, client, 2, 0x2F, &[]));
        let mut expected = vec![0xFF; 8];
        expected.extend_from_slice(&[2, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0]);
        assert_eq!(status.tlv(0x10), Some(&expected[..]));
        let aid = crate::iso7816::ISDR_AID;
        let mut aid_tlv = vec![aid.len() as u8];
        aid_tlv.extend_from_slice(&aid);
        let refused = answer(
            &mut device,
            &request(UIM, client, 3, 0x42, &[(0x01, &[1]), (0x10, &aid_tlv)]),
        );
        assert_eq!(refused.tlv(0x02), Some(&[1, 0, 80, 0][..]));
        assert_eq!(refused.tlv(0x11), Some(&[0x6A, 0x82][..]));
        let opened = answer(
            &mut device,
            &request(UIM, client, 4, 0x42, &[(0x01, &[2]), (0x10, &aid_tlv)]),
        );
        assert_eq!(opened.tlv(0x02), Some(&[0, 0, 0, 0][..]));
    }

    #[test]
    fn faults_answer_their_errors() {
        let mut denied = device(QmiFaults {
            access_denied: true,
            ..QmiFaults::default()
        });
        let client = allocate(&mut denied);
        let refused = answer(
            &mut denied,
            &request(UIM, client, 2, 0x42, &[(0x01, &[1]), (0x10, &[1, 0xA0])]),
        );
        assert_eq!(refused.tlv(0x02), Some(&[1, 0, 82, 0][..]));
        let mut no_uim = device(QmiFaults {
            no_uim: true,
            ..QmiFaults::default()
        });
        let refused = answer(&mut no_uim, &request(CTL, 0, 1, 0x22, &[(0x01, &[UIM])]));
        assert_eq!(refused.tlv(0x02), Some(&[1, 0, 31, 0][..]));
        let stranger = answer(&mut no_uim, &request(UIM, 9, 1, 0x2F, &[]));
        assert_eq!(stranger.tlv(0x02), Some(&[1, 0, 7, 0][..]));
    }
}
