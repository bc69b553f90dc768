use super::*;
use EchoApplet as Echo;

fn send(card: &mut SimCard<impl IsdrApplet>, apdu_hex: &str) -> String {
    hex::encode_upper(card.process(&hex::decode(apdu_hex).expect("hex")))
}

const SELECT_ISDR_ON_1: &str = "01A4040010A0000005591010FFFFFFFF8900000100";
const FCI: &str = "6F128410A0000005591010FFFFFFFF8900000100";

#[test]
fn manage_channel_open_and_close() {
    let mut card = SimCard::new(Echo, ResponseMode::GetResponse);
    assert_eq!(send(&mut card, "0070000001"), "019000");
    assert_eq!(send(&mut card, "0070000001"), "029000");
    assert!(card.is_channel_open(2));
    assert_eq!(send(&mut card, "0070800200"), "9000");
    assert!(!card.is_channel_open(2));
    assert_eq!(send(&mut card, "0070800200"), "6881");
    assert_eq!(send(&mut card, "0070800000"), "6A86");
    for _ in 2..=19 {
        send(&mut card, "0070000001");
    }
    assert_eq!(
        send(&mut card, "0070000001"),
        "6A81",
        "all 19 channels in use"
    );
}

#[test]
fn select_with_61xx_and_get_response() {
    let mut card = SimCard::new(Echo, ResponseMode::GetResponse);
    send(&mut card, "0070000001");
    assert_eq!(send(&mut card, SELECT_ISDR_ON_1), "6114");
    assert_eq!(
        send(&mut card, "01C0000020"),
        "6C14",
        "Le too long: 6C with the right one"
    );
    assert_eq!(send(&mut card, "01C0000014"), format!("{FCI}9000"));
    assert_eq!(send(&mut card, "01C0000014"), "6985", "nothing left");
}

#[test]
fn select_direct_and_unknown_aid() {
    let mut card = SimCard::new(Echo, ResponseMode::Direct);
    send(&mut card, "0070000001");
    assert_eq!(send(&mut card, SELECT_ISDR_ON_1), format!("{FCI}9000"));
    assert_eq!(send(&mut card, "01A4040002A000"), "6A82");
    assert_eq!(
        send(&mut card, "81E2910003BF2E00"),
        "6985",
        "STORE DATA needs the ISD-R selected"
    );
}

#[test]
fn closed_channels_and_bad_commands() {
    let mut card = SimCard::new(Echo, ResponseMode::Direct);
    assert_eq!(send(&mut card, "81E2910003BF2E00"), "6881");
    assert_eq!(send(&mut card, "00B0"), "6700");
    assert_eq!(send(&mut card, "00B0000000"), "6D00");
}

#[test]
fn block_numbers_are_checked() {
    let mut card = SimCard::new(Echo, ResponseMode::Direct);
    send(&mut card, "0070000001");
    send(&mut card, SELECT_ISDR_ON_1);
    assert_eq!(send(&mut card, "81E2110001AA"), "9000");
    assert_eq!(send(&mut card, "81E2910201BB"), "6A86", "block 1 skipped");
    assert_eq!(
        send(&mut card, "81E2510001BB"),
        "6A86",
        "P1 neither 11 nor 91"
    );
    assert_eq!(
        send(&mut card, "81E2910001CC"),
        "CC9000",
        "starts over after an error"
    );
}

#[test]
fn reset_after_delivery_closes_the_channels() {
    let mut card = SimCard::new(Echo, ResponseMode::GetResponse);
    send(&mut card, "0070000001");
    send(&mut card, SELECT_ISDR_ON_1);
    assert_eq!(send(&mut card, "81E2910001FF"), "6101");
    assert!(
        card.is_channel_open(1),
        "still open until the response is delivered"
    );
    assert_eq!(send(&mut card, "01C0000001"), "FF9110");
    assert!(!card.is_channel_open(1));
}

/// Counts what reaches it, so that tests see what a fault kept from the applet.
#[derive(Default)]
struct Recorder {
    commands: Vec<Vec<u8>>,
    power_losses: usize,
}

impl IsdrApplet for Recorder {
    fn process(&mut self, command: &[u8]) -> AppletOutcome {
        self.commands.push(command.to_vec());
        AppletOutcome::ok(Vec::new())
    }

    fn power_loss(&mut self) {
        self.power_losses += 1;
    }
}

/// Opens channel 1 and selects the ISD-R on it.
fn open_isdr(card: &mut SimCard<Recorder>) {
    assert_eq!(send(card, "0070000001"), "019000");
    let select = format!("01A4040010{}", hex::encode_upper(ISDR_AID));
    assert!(send(card, &select).ends_with("9000"));
}

#[test]
fn power_loss_mid_chain_drops_the_partial_command() {
    let mut card = SimCard::new(Recorder::default(), ResponseMode::Direct);
    open_isdr(&mut card);
    card.set_faults(CardFaults {
        power_loss_after_block: Some(2),
        ..CardFaults::default()
    });
    assert_eq!(send(&mut card, "81E2110002BF22"), "9000");
    assert_eq!(send(&mut card, "81E2110101AA"), "6F00");
    // The card restarted: channel 1 is gone, the applet never saw the command and dropped its RAM state.
    assert!(!card.is_channel_open(1));
    assert!(card.applet.commands.is_empty());
    assert_eq!(card.applet.power_losses, 1);
    // After reopening, a complete command goes through.
    open_isdr(&mut card);
    assert_eq!(send(&mut card, "81E2910002BF20"), "9000");
    assert_eq!(card.applet.commands, vec![vec![0xBF, 0x20]]);
}

#[test]
fn a_chosen_apdu_fails_with_a_chosen_status_word() {
    let mut card = SimCard::new(Recorder::default(), ResponseMode::Direct);
    open_isdr(&mut card);
    card.set_faults(CardFaults {
        fail_apdu: Some((4, StatusWord(0x6601))),
        ..CardFaults::default()
    });
    assert_eq!(send(&mut card, "81E2110002BF22"), "9000");
    assert_eq!(send(&mut card, "81E2910101AA"), "6601");
    assert!(card.applet.commands.is_empty());
}
