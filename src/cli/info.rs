//! `euiccd info`: what the eUICC says about itself. For now its EID (ES10c GetEID); the full EuiccInfo
//! comes with the typed ES10 client.

use super::Failure;
use super::target::{TargetArgs, runtime};
use crate::apdu::{CardChannel, IsdrSession};
use anyhow::anyhow;

/// GetEuiccDataRequest with tagList = EID (`BF3E { 5C 5A }`).
const GET_EID: [u8; 6] = [0xBF, 0x3E, 0x03, 0x5C, 0x01, 0x5A];

/// Reads the EID and prints it (`{"eid": …, "transport": …, "apdus": …}` with `--json`).
pub fn run(target: &TargetArgs, json: bool) -> Result<(), Failure> {
    super::logging::init();
    let (eid, transport, apdus) = runtime()?.block_on(async {
        let mut session = IsdrSession::new(target.connect()?, target.session_config())?;
        let answer = session.es10(&GET_EID).await;
        // Leave the card as we found it even when GetEID failed; that failure is the one to report.
        let closed = session.close().await;
        let answer = answer?;
        closed?;
        let eid = parse_eid(&answer)
            .ok_or_else(|| anyhow!("malformed GetEID response {}", hex::encode_upper(&answer)))?;
        Ok::<_, Failure>((eid, session.card().name(), session.counters().apdus))
    })?;
    if json {
        println!(
            "{}",
            serde_json::json!({ "eid": eid, "transport": transport, "apdus": apdus })
        );
    } else {
        println!("EID {eid} (via {transport})");
    }
    Ok(())
}

/// The EID, as 32 upper-case hex digits, from `BF3E 12 5A 10 <16 bytes>`.
fn parse_eid(response: &[u8]) -> Option<String> {
    let [0xBF, 0x3E, length, rest @ ..] = response else {
        return None;
    };
    if usize::from(*length) != rest.len() {
        return None;
    }
    let [0x5A, 0x10, eid @ ..] = rest else {
        return None;
    };
    (eid.len() == 16).then(|| hex::encode_upper(eid))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eid_from_get_eid() {
        let good = hex::decode("BF3E125A1089049044900000000000000000102355").expect("hex");
        assert_eq!(
            parse_eid(&good).as_deref(),
            Some("89049044900000000000000000102355")
        );
        for bad in [
            "",
            "BF3E",
            "BF3E135A1089049044900000000000000000102355",
            "BF3E125B1089049044900000000000000000102355",
            "BF3E035A0100",
        ] {
            assert_eq!(parse_eid(&hex::decode(bad).expect("hex")), None, "{bad}");
        }
    }
}
