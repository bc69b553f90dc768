//! The glue between the product and the simulators (crate `euiccd-sim`, feature `sim`, and every unit
//! test): the simulated card as the APDU layer's [`LocalCard`], so that `--sim`, the demo, the benchmark and
//! the tests run the real session over it while the APDU layer never imports the simulator.

use crate::apdu::inprocess::LocalCard;
use euicc_asn1::Layout;
use euiccd_sim::card::{IsdrApplet, SimCard};

/// The simulators' layout for the IPA's reading of the same SGP.32 layout (`--sgp32`, tests that run both
/// sides at one layout). The two enums stay separate so that neither side's reading leans on the other's.
pub(crate) fn layout(layout: Layout) -> euiccd_sim::Layout {
    match layout {
        Layout::V1_0 => euiccd_sim::Layout::V1_0,
        Layout::V1_2 => euiccd_sim::Layout::V1_2,
    }
}

impl<A: IsdrApplet + Send> LocalCard for SimCard<A> {
    fn process(&mut self, apdu: &[u8]) -> Vec<u8> {
        SimCard::process(self, apdu)
    }
}

/// The card client's session over the simulated card (moved from the simulator's tests, which may not see
/// the IPA's session).
#[cfg(test)]
mod tests {
    use crate::apdu::inprocess::InProcessChannel;
    use crate::apdu::{IsdrSession, SessionConfig};
    use euiccd_sim::card::{EchoApplet as Echo, IsdrApplet, ResponseMode, SimCard};
    use euiccd_sim::minimal_isdr::MinimalIsdr;

    fn in_process(
        applet: impl IsdrApplet + Send + 'static,
        mode: ResponseMode,
    ) -> InProcessChannel {
        InProcessChannel::new(SimCard::new(Box::new(applet), mode))
    }

    #[tokio::test]
    async fn session_reassembles_5_kib_at_every_block_size_in_both_modes() {
        let request: Vec<u8> = (0..5 * 1024).map(|i| (i % 253) as u8).collect();
        for mode in [ResponseMode::GetResponse, ResponseMode::Direct] {
            for block_size in [6, 120, 255] {
                let config = SessionConfig {
                    block_size,
                    ..SessionConfig::default()
                };
                let mut session = IsdrSession::new(in_process(Echo, mode), config).expect("valid");
                let answer = session.es10(&request).await.expect("echoed");
                assert_eq!(answer, request, "{mode:?}, block size {block_size}");
            }
        }
    }

    #[tokio::test]
    async fn session_survives_a_card_reset() {
        let mut session = IsdrSession::new(
            in_process(Echo, ResponseMode::GetResponse),
            SessionConfig::default(),
        )
        .expect("valid");
        assert_eq!(
            session.es10(&[0xFF, 0x01]).await.expect("switch"),
            [0xFF, 0x01]
        );
        // Every channel is gone now; the session notices and reopens.
        assert_eq!(session.es10(&[0x01]).await.expect("after reset"), [0x01]);
        assert_eq!(session.counters().channel_opens, 2);
    }

    #[tokio::test]
    async fn minimal_isdr_through_the_session() {
        let mut session = IsdrSession::new(
            in_process(MinimalIsdr::default(), ResponseMode::GetResponse),
            SessionConfig::default(),
        )
        .expect("valid");
        let eid = session
            .es10(&[0xBF, 0x3E, 0x03, 0x5C, 0x01, 0x5A])
            .await
            .expect("eid");
        assert_eq!(
            hex::encode_upper(eid),
            "BF3E125A1089049044900000000000000000102355"
        );
        session.close().await.expect("closed");
    }
}
