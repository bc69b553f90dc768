use super::*;
use std::time::UNIX_EPOCH;

fn at(secs: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_800_000_000 + secs)
}

fn observer() -> Observer {
    let mut allowed = BTreeMap::new();
    allowed.insert("8988211000000000001".to_owned(), vec!["26201".to_owned()]);
    let mut o = Observer::new(ObserverConfig {
        update_interval: Some(Duration::from_secs(60)),
        allowed_networks: allowed,
    });
    o.set_identity(DeviceIdentity {
        eid: Some("89049032123451234512345678901235".into()),
        iccid: Some("8988211000000000001".into()),
        imei: Some("490154203237518".into()),
        imsi: Some("262011234567890".into()),
    });
    o
}

fn feed(o: &mut Observer, line: &str, form: Form, now: SystemTime) -> Step {
    o.feed(line, form, now).unwrap()
}

fn kinds(events: &[ConnectivityEvent]) -> Vec<EventKind> {
    events.iter().map(|e| e.kind).collect()
}

#[test]
fn attach_then_operator_then_session_with_bytes() {
    let mut o = observer();
    let step = feed(&mut o, "+CEREG: 1,\"1A2B\",\"01A2B3C\",7", Form::Urc, at(0));
    assert!(step.events.is_empty(), "waits for the operator");
    assert_eq!(step.queries, [Query::Operator]);
    assert!(o.state().is_attached());
    feed(&mut o, "+COPS: 0,2,\"26201\",7", Form::Query, at(0));
    feed(&mut o, "+COPS: 0,0,\"Telekom.de\",7", Form::Query, at(0));
    let attached = o.queries_done(at(0));
    assert_eq!(kinds(&attached), [EventKind::AttachAccepted]);
    assert_eq!(attached[0].network.mcc.as_deref(), Some("262"));
    assert_eq!(attached[0].network.operator.as_deref(), Some("Telekom.de"));
    o.counters(1000, 500);
    let step = feed(&mut o, "+CGEV: ME PDN ACT 1", Form::Urc, at(1));
    assert!(step.events.is_empty(), "waits for the APN and address");
    assert_eq!(step.queries, [Query::ContextDetails(1)]);
    let step = feed(
        &mut o,
        "+CGCONTRDP: 1,5,\"iot.example\",\"10.1.2.3.255.255.255.0\"",
        Form::Query,
        at(1),
    );
    assert_eq!(kinds(&step.events), [EventKind::SessionStarted]);
    let started = &step.events[0];
    assert_eq!(started.network.mcc.as_deref(), Some("262"));
    assert_eq!(started.network.mnc.as_deref(), Some("01"));
    assert_eq!(started.network.operator.as_deref(), Some("Telekom.de"));
    assert_eq!(started.network.country, Some("DE"));
    assert_eq!(started.network.rat, Some(Rat::Lte));
    assert_eq!(started.network.lac_tac, Some(0x1A2B));
    assert_eq!(started.network.cell_id, Some(0x01A2B3C));
    assert_eq!(started.apn.as_deref(), Some("iot.example"));
    assert_eq!(started.ip, Some("10.1.2.3".parse().unwrap()));
    assert_eq!(started.allowed, Some(true));
    assert_eq!(started.identity.imsi.as_deref(), Some("262011234567890"));
    assert_eq!((started.rx_bytes, started.tx_bytes), (Some(0), Some(0)));
    // Bytes count from the session start; a counter restart does not lose what came before.
    o.counters(3000, 900);
    o.counters(100, 50);
    assert!(o.tick(at(30)).is_empty(), "not due yet");
    let updated = o.tick(at(61));
    assert_eq!(kinds(&updated), [EventKind::SessionUpdated]);
    assert_eq!(
        (updated[0].rx_bytes, updated[0].tx_bytes),
        (Some(2100), Some(450))
    );
    assert!(
        o.tick(at(62)).is_empty(),
        "the next one is an interval later"
    );
    let step = feed(&mut o, "+CGEV: NW PDN DEACT 1", Form::Urc, at(90));
    assert_eq!(kinds(&step.events), [EventKind::SessionEnded]);
    assert_eq!(step.events[0].rx_bytes, Some(2100));
    assert!(!o.state().has_data_session());
    let json = serde_json::to_value(&step.events[0]).unwrap();
    assert_eq!(json["event"], "session_ended");
    assert_eq!(json["time"], "2027-01-15T08:01:30.000Z");
    assert_eq!(json["iccid"], "8988211000000000001");
    assert_eq!(json["rat"], "LTE");
}

#[test]
fn rejection_carries_its_cause_once() {
    let mut o = observer();
    feed(&mut o, "+CEREG: 2", Form::Urc, at(0));
    let step = feed(
        &mut o,
        "+CEREG: 3,\"1A2B\",\"01A2B3C\",7,0,15",
        Form::Urc,
        at(1),
    );
    let cause = Some(RejectCause {
        cause_type: 0,
        cause: 15,
    });
    assert_eq!(kinds(&step.events), [EventKind::AttachRejected { cause }]);
    assert_eq!(o.state().reject, cause);
    // The same denial read again (a query, another domain) is no news; a new cause is.
    assert!(
        feed(
            &mut o,
            "+CEREG: 3,3,\"1A2B\",\"01A2B3C\",7,0,15",
            Form::Query,
            at(2)
        )
        .events
        .is_empty()
    );
    assert!(feed(&mut o, "+CREG: 3", Form::Urc, at(2)).events.is_empty());
    let step = feed(
        &mut o,
        "+CEREG: 3,\"1A2B\",\"01A2B3C\",7,0,11",
        Form::Urc,
        at(3),
    );
    assert!(matches!(
        kinds(&step.events)[..],
        [EventKind::AttachRejected {
            cause: Some(RejectCause { cause: 11, .. })
        }]
    ));
    let json = serde_json::to_value(&step.events[0]).unwrap();
    assert_eq!(json["event"], "attach_rejected");
    assert_eq!(json["cause"]["cause"], 11);
}

#[test]
fn lost_registration_fails_the_attach_and_ends_the_session() {
    let mut o = observer();
    feed(&mut o, "+CEREG: 1", Form::Urc, at(0));
    feed(&mut o, "+CGACT: 1,1", Form::Query, at(0));
    // No operator or details came: both are reported as they are once the queries are done.
    assert_eq!(
        kinds(&o.queries_done(at(0))),
        [EventKind::AttachAccepted, EventKind::SessionStarted]
    );
    let step = feed(&mut o, "+CEREG: 2", Form::Urc, at(5));
    assert_eq!(
        kinds(&step.events),
        [EventKind::SessionEnded, EventKind::AttachFailed]
    );
    assert_eq!(o.state().operator, Operator::default());
    // Searching that gives up is a failed attach too.
    let step = feed(&mut o, "+CEREG: 0", Form::Urc, at(9));
    assert_eq!(kinds(&step.events), [EventKind::AttachFailed]);
}

#[test]
fn rejected_session_and_disallowed_network() {
    let mut o = observer();
    feed(&mut o, "+CEREG: 5", Form::Urc, at(0));
    feed(&mut o, "+COPS: 0,2,\"20404\",7", Form::Query, at(0));
    // Registered and lost before the queries were done: accepted, then failed.
    let mut flapping = observer();
    feed(&mut flapping, "+CEREG: 1", Form::Urc, at(0));
    let step = feed(&mut flapping, "+CEREG: 2", Form::Urc, at(1));
    assert_eq!(
        kinds(&step.events),
        [EventKind::AttachAccepted, EventKind::AttachFailed]
    );
    let step = feed(&mut o, "+CGEV: REJECT \"IP\",\"0.0.0.0\"", Form::Urc, at(1));
    assert_eq!(kinds(&step.events), [EventKind::SessionFailed]);
    assert_eq!(step.events[0].allowed, Some(false));
    assert_eq!(step.events[0].network.country, Some("NL"));
    // A profile without a list: no `allowed`.
    o.set_identity(DeviceIdentity::default());
    let step = feed(&mut o, "+CGEV: REJECT \"IP\",\"0.0.0.0\"", Form::Urc, at(2));
    assert_eq!(step.events[0].allowed, None);
}

#[test]
fn other_lines_are_ignored_and_bad_ones_change_nothing() {
    let mut o = observer();
    assert_eq!(feed(&mut o, "RDY", Form::Urc, at(0)), Step::default());
    assert_eq!(
        feed(&mut o, "+QIND: \"csq\",20,99", Form::Urc, at(0)),
        Step::default()
    );
    assert!(o.feed("+CEREG: 12", Form::Urc, at(0)).is_err());
    assert!(o.state().registrations.is_empty());
    feed(&mut o, "+CSQ: 20,99", Form::Query, at(0));
    feed(&mut o, "+CESQ: 99,99,255,255,20,60", Form::Query, at(0));
    assert_eq!(o.state().signal.rssi_dbm, Some(-73));
    assert_eq!(o.state().signal.rsrp_dbm, Some(-81));
}

#[test]
fn the_registered_plmn_is_reported_in_bcd_while_registered() {
    let mut o = observer();
    assert_eq!(o.state().registered_plmn(), None, "nothing known yet");
    feed(&mut o, "+CEREG: 1,\"1A2B\",\"01A2B3C\",7", Form::Urc, at(0));
    feed(&mut o, "+COPS: 0,2,\"26201\",7", Form::Query, at(0));
    assert_eq!(o.state().registered_plmn(), Some([0x62, 0xF2, 0x10]));
    feed(&mut o, "+COPS: 0,2,\"310410\",7", Form::Query, at(1));
    assert_eq!(o.state().registered_plmn(), Some([0x13, 0x00, 0x14]));
    feed(&mut o, "+CEREG: 2", Form::Urc, at(2));
    assert_eq!(o.state().registered_plmn(), None, "searching");
}

#[test]
fn a_plmn_that_is_not_mcc_and_mnc_digits_has_no_bcd_form() {
    let operator = |mcc: &str, mnc: &str| Operator {
        mcc: Some(mcc.into()),
        mnc: Some(mnc.into()),
        name: None,
    };
    assert_eq!(operator("001", "01").plmn(), Some([0x00, 0xF1, 0x10]));
    assert_eq!(operator("26", "01").plmn(), None);
    assert_eq!(operator("262", "1").plmn(), None);
    assert_eq!(operator("262", "0123").plmn(), None);
    assert_eq!(operator("2a2", "01").plmn(), None);
    assert_eq!(Operator::default().plmn(), None);
}
