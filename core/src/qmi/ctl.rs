//! The control service (QMUX service `00`): client ids for the other services, and libqmi's
//! "Internal Proxy Open" that tells `qmi-proxy` which device a client wants (`qmi-service-ctl.json`).

use super::frame::Message;
use super::{Error, SERVICE_CTL};

/// Get Version Info: the services and versions the device offers.
pub const GET_VERSION_INFO: u16 = 0x0021;
/// Allocate CID: TLV `01` names the service; the answer's TLV `01` is (service, client id).
pub const ALLOCATE_CID: u16 = 0x0022;
/// Release CID: TLV `01` is (service, client id).
pub const RELEASE_CID: u16 = 0x0023;
/// Sync: the device drops every client id.
pub const SYNC: u16 = 0x0027;
/// libqmi's proxy open: TLV `01` is the device path (the whole TLV, no length prefix). Only `qmi-proxy`
/// answers it; a device never sees it.
pub const INTERNAL_PROXY_OPEN: u16 = 0xFF00;

/// TLV `01` of the client-id messages, and the device path of the proxy open.
const TLV_ALLOCATION: u8 = 0x01;

/// Asks for a client id of `service`.
pub fn allocate_cid(transaction: u8, service: u8) -> Message {
    Message::request(SERVICE_CTL, 0, transaction.into(), ALLOCATE_CID)
        .with_tlv(TLV_ALLOCATION, [service])
}

/// Gives client id `client` of `service` back.
pub fn release_cid(transaction: u8, service: u8, client: u8) -> Message {
    Message::request(SERVICE_CTL, 0, transaction.into(), RELEASE_CID)
        .with_tlv(TLV_ALLOCATION, [service, client])
}

/// Asks `qmi-proxy` to open `device` (the path as the client names it; the proxy resolves links).
pub fn proxy_open(transaction: u8, device: &[u8]) -> Message {
    Message::request(SERVICE_CTL, 0, transaction.into(), INTERNAL_PROXY_OPEN)
        .with_tlv(TLV_ALLOCATION, device)
}

/// The client id an Allocate CID response grants for `service`.
pub fn allocated_cid(response: &Message, service: u8) -> Result<u8, Error> {
    response.result()?;
    match response.tlv(TLV_ALLOCATION) {
        Some(&[s, client]) if s == service => Ok(client),
        _ => Err(Error::BadTlv {
            message: response.id,
            tlv: TLV_ALLOCATION,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::qmi::SERVICE_UIM;

    #[test]
    fn builds_what_qmicli_sends() {
        // qmicli 1.32.2 -v: Allocate CID for UIM, and through the proxy its open naming /tmp/qmiq/link.
        assert_eq!(
            hex::encode(allocate_cid(1, SERVICE_UIM).to_bytes().unwrap()),
            "010f000000000001220004000101000b"
        );
        assert_eq!(
            hex::encode(proxy_open(1, b"/tmp/qmiq/link").to_bytes().unwrap()),
            "011c00000000000100ff1100010e00\
             2f746d702f716d69712f6c696e6b"
        );
    }

    #[test]
    fn client_ids_as_qmicli_exchanges_them() {
        // qmicli 1.32.2 --verbose-full: the device's grant of client 1, then qmicli's release of it.
        let grant = Message::parse(
            &hex::decode("011700800000010122000c00020400000000000102000b01").unwrap(),
        )
        .unwrap();
        assert_eq!(allocated_cid(&grant, SERVICE_UIM), Ok(1));
        assert_eq!(
            hex::encode(release_cid(2, SERVICE_UIM, 1).to_bytes().unwrap()),
            "0110000000000002230005000102000b01"
        );
    }

    #[test]
    fn reads_the_proxy_answer_and_a_grant() {
        // qmi-proxy 1.32.2's answer to the open above.
        let answer =
            Message::parse(&hex::decode("011200800000010100ff070002040000000000").unwrap())
                .unwrap();
        assert_eq!(answer.id, INTERNAL_PROXY_OPEN);
        assert_eq!(answer.result(), Ok(()));
        let grant = Message {
            kind: crate::qmi::MessageKind::Response,
            ..Message::request(SERVICE_CTL, 0, 3, ALLOCATE_CID)
        }
        .with_tlv(crate::qmi::TLV_RESULT, [0, 0, 0, 0])
        .with_tlv(TLV_ALLOCATION, [SERVICE_UIM, 4]);
        assert_eq!(allocated_cid(&grant, SERVICE_UIM), Ok(4));
        assert!(allocated_cid(&grant, 0x01).is_err());
    }
}
