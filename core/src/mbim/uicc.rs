//! Microsoft's MBIM extension for low-level UICC access (service `c2f6588e-f037-4bc9-8665-f4d44bd09367`):
//! the modem opens a logical channel with the application selected, carries APDUs on it and closes it.
//!
//! Byte arrays in this service are given size first, then offset (libmbim's `uicc-ref-byte-array`); the
//! status of an answer holds SW1 in its low byte and SW2 in the next, as libmbim and lpac read it.

use super::buffer::{Builder, Fields};
use super::{Error, Uuid};
use crate::apdu::response::Response;
use crate::apdu::status::StatusWord;

/// The service's UUID.
pub const SERVICE: Uuid = Uuid([
    0xc2, 0xf6, 0x58, 0x8e, 0xf0, 0x37, 0x4b, 0xc9, 0x86, 0x65, 0xf4, 0xd4, 0x4b, 0xd0, 0x93, 0x67,
]);

/// The service's commands.
pub mod cid {
    /// Query the card's answer to reset.
    pub const ATR: u32 = 1;
    /// Open a logical channel with an application selected.
    pub const OPEN_CHANNEL: u32 = 2;
    /// Close a logical channel (or a channel group).
    pub const CLOSE_CHANNEL: u32 = 3;
    /// Send one APDU on a channel.
    pub const APDU: u32 = 4;
    /// Tell the card the terminal's capabilities.
    pub const TERMINAL_CAPABILITY: u32 = 5;
    /// Reset the card or take over its power.
    pub const RESET: u32 = 6;
}

/// The channel group the IPA's channels belong to, so one CLOSE_CHANNEL of the group cleans up after a crash.
pub const CHANNEL_GROUP: u32 = 1;

/// OPEN_CHANNEL set: select `aid` with `p2` on a new channel in `group`.
pub fn open_channel(aid: &[u8], p2: u8, group: u32) -> Vec<u8> {
    Builder::default()
        .size_offset(aid)
        .u32(u32::from(p2))
        .u32(group)
        .finish()
}

/// The answer to OPEN_CHANNEL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenChannelAnswer {
    /// The card's status word for the SELECT.
    pub sw: StatusWord,
    /// The channel the modem opened.
    pub channel: u32,
    /// The SELECT's response data.
    pub response: Vec<u8>,
}

/// Parses the answer to OPEN_CHANNEL.
pub fn parse_open_channel(info: &[u8]) -> Result<OpenChannelAnswer, Error> {
    let mut fields = Fields::new(info, "UICC open channel answer");
    let sw = status_word(fields.u32()?);
    let channel = fields.u32()?;
    let response = fields.size_offset()?.to_vec();
    Ok(OpenChannelAnswer {
        sw,
        channel,
        response,
    })
}

/// CLOSE_CHANNEL set: close `channel` (0: every channel of `group`).
pub fn close_channel(channel: u32, group: u32) -> Vec<u8> {
    Builder::default().u32(channel).u32(group).finish()
}

/// Parses the answer to CLOSE_CHANNEL: the status word.
pub fn parse_close_channel(info: &[u8]) -> Result<StatusWord, Error> {
    Ok(status_word(
        Fields::new(info, "UICC close channel answer").u32()?,
    ))
}

/// APDU set: `apdu` on `channel`, without secure messaging, CLA of the inter-industry kind.
pub fn apdu(channel: u32, apdu: &[u8]) -> Vec<u8> {
    const SECURE_MESSAGING_NONE: u32 = 0;
    const CLASS_BYTE_INTER_INDUSTRY: u32 = 0;
    Builder::default()
        .u32(channel)
        .u32(SECURE_MESSAGING_NONE)
        .u32(CLASS_BYTE_INTER_INDUSTRY)
        .size_offset(apdu)
        .finish()
}

/// Parses the answer to APDU: the card's response data and status word.
pub fn parse_apdu(info: &[u8]) -> Result<Response, Error> {
    let mut fields = Fields::new(info, "UICC APDU answer");
    let sw = status_word(fields.u32()?);
    let data = fields.size_offset()?.to_vec();
    Ok(Response { data, sw })
}

/// Parses the answer to ATR: the card's answer to reset.
pub fn parse_atr(info: &[u8]) -> Result<Vec<u8>, Error> {
    Ok(Fields::new(info, "UICC ATR answer").size_offset()?.to_vec())
}

/// SW1 in the low byte, SW2 in the next.
fn status_word(status: u32) -> StatusWord {
    let [sw1, sw2, _, _] = status.to_le_bytes();
    StatusWord::new(sw1, sw2)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mbim::message::{Command, CommandType, Frame, Message};

    fn unhex(text: &str) -> Vec<u8> {
        hex::decode(text).expect("hex")
    }

    /// `mbimcli -d LINK --ms-set-uicc-open-channel=application-id=A0000005591010FFFFFFFF8900000100,
    /// selectp2arg=0,channel-group=1` (libmbim 1.28.2), as it reached the device.
    const MBIMCLI_OPEN_CHANNEL: &str = "0300000050000000020000000100000000000000c2f6588ef0374bc98665f4d44bd0936702000000010000002000000010000000100000000000000001000000a0000005591010ffffffff8900000100";
    /// `mbimcli ... --ms-set-uicc-apdu=channel=2,secure-message=none,classbyte-type=inter-industry,
    /// command=80E2910006BF3E035C015A`.
    const MBIMCLI_APDU: &str = "0300000050000000020000000100000000000000c2f6588ef0374bc98665f4d44bd093670400000001000000200000000200000000000000000000000b0000001400000080e2910006bf3e035c015a00";
    /// `mbimcli ... --ms-set-uicc-close-channel=channel=2,channel-group=1`.
    const MBIMCLI_CLOSE_CHANNEL: &str = "0300000038000000020000000100000000000000c2f6588ef0374bc98665f4d44bd093670300000001000000080000000200000001000000";

    fn command(info: Vec<u8>, cid: u32) -> Vec<u8> {
        let message = Message::Command(Command {
            transaction: 2,
            service: SERVICE,
            cid,
            command_type: CommandType::Set,
            info,
        });
        let mut fragments = message.to_fragments(4096).expect("fits");
        assert_eq!(fragments.len(), 1);
        fragments.remove(0)
    }

    #[test]
    fn requests_match_what_mbimcli_sends() {
        let isdr_like = unhex("A0000005591010FFFFFFFF8900000100");
        assert_eq!(
            command(
                open_channel(&isdr_like, 0, CHANNEL_GROUP),
                cid::OPEN_CHANNEL
            ),
            unhex(MBIMCLI_OPEN_CHANNEL)
        );
        assert_eq!(
            command(apdu(2, &unhex("80E2910006BF3E035C015A")), cid::APDU),
            unhex(MBIMCLI_APDU)
        );
        assert_eq!(
            command(close_channel(2, CHANNEL_GROUP), cid::CLOSE_CHANNEL),
            unhex(MBIMCLI_CLOSE_CHANNEL)
        );
        let Frame::Whole(Message::Command(parsed)) =
            Frame::parse(&unhex(MBIMCLI_APDU)).expect("parses")
        else {
            panic!("not a command");
        };
        assert_eq!(parsed.service, SERVICE);
        assert_eq!(parsed.cid, cid::APDU);
    }

    #[test]
    fn answers_as_mbimcli_reads_them() {
        // mbimcli printed "status: 36864, channel: 2, response: 01:02:03:04" for this buffer: the status
        // field is little-endian (0x9000), and its low byte is SW1 (here 00), the next SW2 (90).
        let open = parse_open_channel(&unhex("0090000002000000040000001000000001020304")).unwrap();
        assert_eq!(open.channel, 2);
        assert_eq!(open.response, [1, 2, 3, 4]);
        assert_eq!(open.sw, StatusWord(0x0090));
        let answer = parse_apdu(&unhex("90000000040000000c0000000a0b0c0d")).unwrap();
        assert_eq!(answer.sw, StatusWord::OK);
        assert_eq!(answer.data, [0x0a, 0x0b, 0x0c, 0x0d]);
        assert_eq!(
            parse_close_channel(&unhex("6a820000")).unwrap(),
            StatusWord(0x6a82)
        );
        assert!(matches!(
            parse_apdu(&unhex("90000000050000000c0000000a0b0c0d")),
            Err(Error::BadReference { .. })
        ));
        assert!(parse_apdu(&unhex("900000")).is_err());
    }
}
