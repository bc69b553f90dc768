use super::*;

fn answer(network: &mut SimNetwork, name: &str, args: &str) -> Vec<String> {
    network
        .answer(name, args)
        .expect("a network command")
        .expect("accepted")
}

#[test]
fn defaults_answer_as_a_registered_modem() {
    let mut n = SimNetwork::default();
    assert_eq!(answer(&mut n, "AT+CEREG", "?"), ["+CEREG: 0,1"]);
    assert_eq!(
        answer(&mut n, "AT+COPS", "?"),
        ["+COPS: 0,0,\"euiccd sim\",7"]
    );
    answer(&mut n, "AT+COPS", "=3,2");
    assert_eq!(answer(&mut n, "AT+COPS", "?"), ["+COPS: 0,2,\"00101\",7"]);
    assert_eq!(answer(&mut n, "AT+CSQ", ""), ["+CSQ: 20,99"]);
    assert_eq!(answer(&mut n, "AT+CGACT", "?"), ["+CGACT: 1,0"]);
    assert!(answer(&mut n, "AT+CGCONTRDP", "=1").is_empty());
    assert_eq!(n.answer("AT+CEREG", "=9").unwrap(), Err("+CME ERROR: 50"));
    assert_eq!(n.answer("AT+CMGR", "=4").unwrap(), Err("+CMS ERROR: 321"));
    assert!(n.answer("AT+CGSN", "").is_none());
}

#[test]
fn denial_with_cause_is_reported_per_report_mode() {
    let mut n = SimNetwork::default();
    answer(&mut n, "AT+CEREG", "=3");
    answer(&mut n, "AT+CREG", "=1");
    answer(&mut n, "AT+CGREG", "=2");
    let change = NetworkChange::parse(r#"{"registration":"denied","reject_cause":15}"#).unwrap();
    let urcs = n.apply(&change);
    assert_eq!(
        urcs,
        [
            "+CREG: 3",
            "+CGREG: 3,\"1A2B\",\"01A2B3C\",7,",
            "+CEREG: 3,\"1A2B\",\"01A2B3C\",7,0,15"
        ]
    );
    assert_eq!(
        answer(&mut n, "AT+CEREG", "?"),
        ["+CEREG: 3,3,\"1A2B\",\"01A2B3C\",7,0,15"]
    );
    assert_eq!(answer(&mut n, "AT+COPS", "?"), ["+COPS: 0"]);
    // The same state again is no news.
    assert!(n.apply(&change).is_empty());
}

#[test]
fn data_session_goes_up_and_down_with_cgev() {
    let mut n = SimNetwork::default();
    let up = NetworkChange::parse(r#"{"pdp":{"active":true,"apn":"iot.example","ip":"10.1.2.3"}}"#)
        .unwrap();
    // Without AT+CGEREP nothing is reported, but the state changes.
    assert!(n.apply(&up).is_empty());
    assert_eq!(answer(&mut n, "AT+CGACT", "?"), ["+CGACT: 1,1"]);
    assert_eq!(
        answer(&mut n, "AT+CGCONTRDP", "=1"),
        ["+CGCONTRDP: 1,5,\"iot.example\",\"10.1.2.3.255.255.255.0\""]
    );
    answer(&mut n, "AT+CGEREP", "=2,1");
    let down = NetworkChange::parse(r#"{"pdp":{"active":false}}"#).unwrap();
    assert_eq!(n.apply(&down), ["+CGEV: NW PDN DEACT 1"]);
    assert_eq!(n.apply(&up), ["+CGEV: ME PDN ACT 1"]);
    // Losing the registration ends the session.
    let lost = NetworkChange::parse(r#"{"registration":"searching"}"#).unwrap();
    assert_eq!(n.apply(&lost), ["+CGEV: NW DETACH"]);
    assert_eq!(answer(&mut n, "AT+CGACT", "?"), ["+CGACT: 1,0"]);
    let reject = NetworkChange::parse(r#"{"pdp":{"reject":true}}"#).unwrap();
    assert_eq!(n.apply(&reject), ["+CGEV: REJECT \"IP\",\"10.1.2.3\""]);
}

#[test]
fn reset_reporting_silences_urcs() {
    let mut n = SimNetwork::default();
    answer(&mut n, "AT+CEREG", "=2");
    n.reset_reporting();
    let change = NetworkChange::parse(r#"{"registration":"searching"}"#).unwrap();
    assert!(n.apply(&change).is_empty());
}

#[test]
fn scenario_lines_are_validated() {
    let scenario = Scenario::parse(
        "# a comment\n\n{\"after_ms\":100,\"registration\":\"searching\"}\n{\"after_ms\":50,\"plmn\":\"26201\"}\n",
    )
    .unwrap();
    let steps: Vec<_> = scenario
        .steps()
        .map(|(after, _)| after.as_millis())
        .collect();
    assert_eq!(steps, [100, 50]);
    for bad in [
        r#"{"plmn":"12"}"#,
        r#"{"registration":"maybe"}"#,
        r#"{"colour":"blue"}"#,
        r#"{"pdp":{"ip":"not an ip"}}"#,
        r#"{"operator":"with \" quote"}"#,
        r#"{"cell":268435456}"#,
        r#"{"rssi":40}"#,
    ] {
        let error = Scenario::parse(&format!("\n{bad}")).unwrap_err();
        assert!(
            matches!(error, NetworkError::Invalid { line: 2, .. }),
            "{bad}: {error}"
        );
    }
}
