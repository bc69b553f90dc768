use super::*;

#[test]
fn registration_urcs_for_every_report_mode() {
    let r = parse_registration(Domain::Eps, "1", Form::Urc).unwrap();
    assert_eq!(r.status, RegStatus::Home);
    assert_eq!((r.area, r.cell, r.rat, r.reject), (None, None, None, None));
    let r = parse_registration(Domain::Eps, "5,\"1A2B\",\"01A2B3C\",9", Form::Urc).unwrap();
    assert_eq!(r.status, RegStatus::Roaming);
    assert_eq!(r.area, Some(0x1A2B));
    assert_eq!(r.cell, Some(0x01A2B3C));
    assert_eq!(r.rat, Some(Rat::NbIot));
    let r = parse_registration(Domain::Eps, "3,\"1A2B\",\"01A2B3C\",7,0,15", Form::Urc).unwrap();
    assert_eq!(r.status, RegStatus::Denied);
    assert_eq!(
        r.reject,
        Some(RejectCause {
            cause_type: 0,
            cause: 15
        })
    );
    // n=4 adds the PSM timers after the cause.
    let r = parse_registration(
        Domain::Eps,
        "1,\"1A2B\",\"01A2B3C\",7,,,\"00100100\",\"01000111\"",
        Form::Urc,
    )
    .unwrap();
    assert_eq!((r.status, r.reject), (RegStatus::Home, None));
}

#[test]
fn registration_queries_and_domain_layouts() {
    let r =
        parse_registration(Domain::Eps, "3,3,\"00C3\",\"0000ABCD\",7,0,11", Form::Query).unwrap();
    assert_eq!(r.status, RegStatus::Denied);
    assert_eq!(r.reject.map(|c| c.cause), Some(11));
    // +CGREG has <rac> before the cause; +C5GREG the NSSAI fields.
    let r =
        parse_registration(Domain::Gprs, "3,\"00C3\",\"ABCD\",2,\"01\",0,7", Form::Urc).unwrap();
    assert_eq!(
        (r.rat, r.reject.map(|c| c.cause)),
        (Some(Rat::Utran), Some(7))
    );
    let r = parse_registration(
        Domain::FiveGs,
        "3,\"000001\",\"0000000ABC\",13,,,0,62",
        Form::Urc,
    )
    .unwrap();
    assert_eq!(
        (r.rat, r.reject.map(|c| c.cause)),
        (Some(Rat::FiveG), Some(62))
    );
    let r = parse_registration(Domain::Cs, "0,2", Form::Query).unwrap();
    assert_eq!(r.status, RegStatus::Searching);
}

#[test]
fn malformed_registrations_are_errors() {
    for (params, form) in [
        ("", Form::Urc),
        ("1", Form::Query),
        ("12", Form::Urc),
        ("x", Form::Urc),
        ("1,\"GGGG\"", Form::Urc),
        ("1,\"123456789\"", Form::Urc),
        ("1,\"1A2B\",\"01A2B3C\",300", Form::Urc),
        ("1,\"1A2B", Form::Urc),
        ("3,,,,0,99999", Form::Urc),
    ] {
        assert!(
            parse_registration(Domain::Eps, params, form).is_err(),
            "{params}"
        );
    }
    let many = vec!["1"; 40].join(",");
    assert!(parse_registration(Domain::Eps, &many, Form::Urc).is_err());
}

#[test]
fn operator_in_numeric_and_long_form() {
    let op = parse_cops("0,2,\"26201\",7").unwrap();
    assert_eq!(
        op.name,
        Some(OperatorName::Numeric {
            mcc: "262".into(),
            mnc: "01".into()
        })
    );
    assert_eq!(op.rat, Some(Rat::Lte));
    let op = parse_cops("0,0,\"Telekom.de, LTE\",7").unwrap();
    assert_eq!(op.name, Some(OperatorName::Text("Telekom.de, LTE".into())));
    let op = parse_cops("0,2,\"310410\",13").unwrap();
    assert!(matches!(op.name, Some(OperatorName::Numeric { ref mnc, .. }) if mnc == "410"));
    assert_eq!(parse_cops("0").unwrap().name, None);
    assert!(parse_cops("0,2,\"2620\"").is_err());
    assert!(parse_cops("0,5,\"x\"").is_err());
    assert!(parse_cops(&format!("0,0,\"{}\"", "x".repeat(200))).is_err());
}

#[test]
fn packet_events() {
    assert_eq!(
        parse_cgev("ME PDN ACT 1").unwrap(),
        PacketEvent::Activated { cid: 1 }
    );
    assert_eq!(
        parse_cgev("NW PDN ACT 3").unwrap(),
        PacketEvent::Activated { cid: 3 }
    );
    assert_eq!(
        parse_cgev("NW PDN DEACT 2").unwrap(),
        PacketEvent::Deactivated { cid: 2 }
    );
    assert_eq!(
        parse_cgev("ME ACT 1,2,1").unwrap(),
        PacketEvent::Activated { cid: 1 }
    );
    assert_eq!(
        parse_cgev("NW DEACT \"IP\",\"10.0.0.1\",1")
            .unwrap_err()
            .reason,
        "bad <cid>"
    );
    assert_eq!(parse_cgev("NW DETACH").unwrap(), PacketEvent::Detached);
    assert_eq!(
        parse_cgev("REJECT \"IP\",\"1.2.3.4\"").unwrap(),
        PacketEvent::Rejected
    );
    assert_eq!(parse_cgev("NW CLASS \"B\"").unwrap(), PacketEvent::Other);
    assert!(parse_cgev("").is_err());
    assert!(parse_cgev("ME PDN ACT x").is_err());
}

#[test]
fn contexts_and_their_details() {
    assert_eq!(parse_cgact("1,1").unwrap(), (1, true));
    assert_eq!(parse_cgact("2,0").unwrap(), (2, false));
    assert!(parse_cgact("1,2").is_err());
    let c = parse_cgcontrdp("1,5,\"iot.example\",\"10.64.0.2.255.255.255.0\"").unwrap();
    assert_eq!((c.cid, c.apn.as_str()), (1, "iot.example"));
    assert_eq!(c.ip, Some("10.64.0.2".parse().unwrap()));
    let c = parse_cgcontrdp("1,5,\"v6\",\"32.1.13.184.0.0.0.0.0.0.0.0.0.0.0.1.255.255.255.255.255.255.255.255.0.0.0.0.0.0.0.0\"").unwrap();
    assert_eq!(c.ip, Some("2001:db8::1".parse().unwrap()));
    let c = parse_cgcontrdp("1,5,\"x\",\"10.0.0.9 255.0.0.0\"").unwrap();
    assert_eq!(c.ip, Some("10.0.0.9".parse().unwrap()));
    assert_eq!(parse_cgcontrdp("1,5,\"x\"").unwrap().ip, None);
    assert!(parse_cgcontrdp("1,5,\"x\",\"10.0.0\"").is_err());
    assert!(parse_cgcontrdp("1,5,\"x\",\"300.0.0.1.0.0.0.0\"").is_err());
}

#[test]
fn signal_quality() {
    assert_eq!(parse_csq("20,99").unwrap(), Some(-73));
    assert_eq!(parse_csq("99,99").unwrap(), None);
    assert!(parse_csq("40,99").is_err());
    let s = parse_cesq("99,99,255,255,20,60").unwrap();
    assert_eq!((s.rsrp_dbm, s.rsrq_tenth_db), (Some(-81), Some(-100)));
    let s = parse_cesq("99,99,255,255,255,255").unwrap();
    assert_eq!((s.rsrp_dbm, s.rsrq_tenth_db), (None, None));
    assert!(parse_cesq("99,99,255,255,20").is_err());
    assert!(parse_cesq("99,99,255,255,35,60").is_err());
}

#[test]
fn reports_are_told_apart_by_their_name() {
    // The URC form starts with <stat>, the query form with <n>.
    let report = parse_report("+CEREG: 5", Form::Urc).unwrap();
    assert!(matches!(
        report,
        Some(Report::Registration(Registration {
            domain: Domain::Eps,
            status: RegStatus::Roaming,
            ..
        }))
    ));
    let report = parse_report("+CEREG: 2,5", Form::Query).unwrap();
    assert!(matches!(
        report,
        Some(Report::Registration(Registration {
            domain: Domain::Eps,
            status: RegStatus::Roaming,
            ..
        }))
    ));
    assert_eq!(
        parse_report("+CGACT: 1,1", Form::Query).unwrap(),
        Some(Report::ContextState(1, true))
    );
    assert_eq!(
        parse_report("+CSQ: 20,99", Form::Query).unwrap(),
        Some(Report::Rssi(Some(-73)))
    );
    // Lines of other commands are not network reports; a malformed network line is an error.
    assert_eq!(parse_report("+CPIN: READY", Form::Urc).unwrap(), None);
    assert_eq!(parse_report("OK", Form::Query).unwrap(), None);
    assert!(parse_report("+CSQ: 40,99", Form::Query).is_err());
}

#[test]
fn identities_are_bounded_digits() {
    let lines = |l: &str| vec![l.to_owned()];
    assert_eq!(
        parse_identity(&lines("+ICCID: 8949449999999990023F"), &["+CCID", "+ICCID"]),
        Some("8949449999999990023F".into())
    );
    assert_eq!(
        parse_identity(&lines("\"352906110000000\""), &[]),
        Some("352906110000000".into())
    );
    assert_eq!(parse_identity(&lines("ERROR 12"), &[]), None);
    assert_eq!(parse_identity(&lines(&"1".repeat(23)), &[]), None);
    assert_eq!(parse_identity(&[], &[]), None);
}
