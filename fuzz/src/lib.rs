//! The fuzz targets' bodies: one function per target, each taking the fuzzer's bytes and panicking when a
//! property fails. The libFuzzer binaries in `fuzz_targets/` call them, and so does the stable-toolchain
//! fallback (`tests/fuzz_fallback.rs` in the main workspace includes this file), so both run the same
//! checks. Only `euiccd`, `euiccd-core` and `euicc-asn1` are used here.

use euicc_asn1::Layout;
use euicc_asn1::registry::lookup;
use euiccd::daemon::control::{MAX_REQUEST, Reply, parse_request};
use euiccd::remote::es9p;
use euiccd::remote::esipa_json::{
    FUNCTIONS, decode_answer, decode_request, encode_answer, encode_request,
};
use euiccd::store::log::{self as store_log_format, End, HEADER, MAGIC, MAX_RECORD};
use euiccd_core::apdu::at_answer::parse_hex_answer;
use euiccd_core::apdu::command::Command;
use euiccd_core::apdu::response::Response;
use euiccd_core::at::Response as AtResponse;
use euiccd_core::at::{AtParser, Event};
use euiccd_core::connectivity::observer::{Observer, ObserverConfig};
use euiccd_core::dbus::{self, Arg, FIXED_HEADER, MAX_MESSAGE};
use euiccd_core::http::{self, MAX_FIELDS, ResponseReader};
use euiccd_core::mbim::message::{Frame, MAX_MESSAGE as MBIM_MAX_MESSAGE, frame_length};
use euiccd_core::mbim::reassembly::Reassembler;
use euiccd_core::mbim::uicc;
use euiccd_core::network::Form;
use euiccd_core::qmi::{self, Deframer, Message, ctl, uim};
use euiccd_core::sms::pdu::{decode, decode_hex};
use euiccd_core::sms::{
    DirectDelivery, MAX_RAW, MAX_TEXT, Read, Reassembly, SmsMode, parse_cmgl, parse_cmgr,
    parse_cmti,
};
use std::time::{Duration, Instant, SystemTime};

/// A target's body: takes the fuzzer's bytes, panics when a property fails.
pub type Target = fn(&[u8]);

/// Every target: its name (the `[[bin]]` in `fuzz/Cargo.toml` and the directory in `fuzz/corpus/`) and
/// its body.
pub const TARGETS: &[(&str, Target)] = &[
    ("at_line_parser", at_line_parser),
    ("apdu_response", apdu_response),
    ("asn1_es10", asn1_es10),
    ("asn1_es9p", asn1_es9p),
    ("asn1_esipa", asn1_esipa),
    ("asn1_package", asn1_package),
    ("esipa_json", esipa_json),
    ("es9p_json", es9p_json),
    ("sms_pdu", sms_pdu),
    ("network_urc", network_urc),
    ("control_request", control_request),
    ("dbus_message", dbus_message),
    ("mbim_frame", mbim_frame),
    ("qmi_frame", qmi_frame),
    ("http_response", http_response),
    ("store_log", store_log),
];

/// Longest error text a hostile body may cause: errors reach the log and the terminal.
const MAX_ERROR_TEXT: usize = 2048;

/// Decodes `data` as every type in `types` under both SGP.32 versions; panics if a decoded value does not
/// survive a re-encoding.
fn decode_family(types: &[&str], data: &[u8]) {
    for version in [Layout::V1_0, Layout::V1_2] {
        for name in types {
            let Some(entry) = lookup(name, version) else {
                continue;
            };
            let Ok(value) = (entry.decode)(data) else {
                continue;
            };
            let der = (entry.encode)(&value).expect("a decoded value re-encodes");
            let again = (entry.decode)(&der).expect("our own DER decodes");
            assert_eq!(again, value, "{name} changed across a re-encoding");
        }
    }
}

/// Bytes from the modem, cut into arbitrary reads, with a command in flight or not: the parser must never
/// panic, never return a line over its limit, and only end a command that is in flight.
pub fn at_line_parser(data: &[u8]) {
    const MAX_LINE: usize = 64;
    let Some((&control, mut rest)) = data.split_first() else {
        return;
    };
    let mut parser = AtParser::new(MAX_LINE);
    let now = Instant::now();
    if control & 1 == 1 {
        parser.start_command("AT+CSIM=10,\"0070000001\"", now + Duration::from_secs(1));
    }
    let chunk = usize::from(control >> 1).max(1);
    while !rest.is_empty() {
        let (piece, tail) = rest.split_at(chunk.min(rest.len()));
        let busy_before = parser.is_busy();
        parser.feed(piece);
        while let Some(event) = parser.poll_event() {
            match event {
                Event::Line(line) => {
                    assert!(line.len() <= MAX_LINE * 3, "lossy UTF-8 at most triples")
                }
                Event::Urc(urc) => assert!(urc.line().len() <= MAX_LINE * 3),
                Event::Final(_) => assert!(busy_before),
                Event::Timeout => unreachable!("no time passed"),
                Event::Stray(_) | Event::Overlong { .. } => {}
            }
        }
        rest = tail;
    }
    parser.handle_timeout(now + Duration::from_secs(2));
    assert!(!parser.is_busy());
}

/// Card and modem answers: raw response APDUs, command APDUs (the simulated card's input) and the
/// `+CSIM:` / `+CGLA:` answer lines must parse or fail cleanly, and what parses re-encodes byte for byte.
pub fn apdu_response(data: &[u8]) {
    if let Ok(response) = Response::parse(data) {
        assert_eq!(response.to_bytes(), data);
        let _ = response.sw.name();
        let _ = response.sw.class();
    }
    if let Ok(command) = Command::parse(data) {
        assert_eq!(command.to_bytes().ok().as_deref(), Some(data));
    }
    let text = String::from_utf8_lossy(data);
    let answer = AtResponse::new(text.lines().map(str::to_owned).collect());
    let _ = parse_hex_answer("AT+CSIM", &answer, "+CSIM");
}

/// Responses of the eUICC to ES10 commands.
pub fn asn1_es10(data: &[u8]) {
    decode_family(
        &[
            "EUICCInfo1",
            "EUICCInfo2",
            "GetEuiccChallengeResponse",
            "GetEuiccDataResponse",
            "EuiccConfiguredAddressesResponse",
            "AuthenticateServerResponse",
            "PrepareDownloadResponse",
            "ProfileInstallationResult",
            "CancelSessionResponse",
            "ProfileInfoListResponse",
            "EnableProfileResponse",
            "DisableProfileResponse",
            "DeleteProfileResponse",
            "SetNicknameResponse",
            "ListNotificationResponse",
            "RetrieveNotificationsListResponse",
            "NotificationSentResponse",
            "GetRatResponse",
            "EuiccMemoryResetResponse",
            "AddInitialEimResponse",
            "GetEimConfigurationDataResponse",
            "GetCertsResponse",
            "ProfileRollbackResponse",
            "ImmediateEnableResponse",
            "ConfigureImmediateProfileEnablingResponse",
            "ExecuteFallbackMechanismResponse",
            "ReturnFromFallbackResponse",
            "GetConnectivityParametersResponse",
            "EuiccPackageResult",
        ],
        data,
    );
    es10_reads(data);
}

/// The core's reading of `data` as the answer of every ES10 function, in both layouts: a value or a typed
/// error, never a panic.
fn es10_reads(data: &[u8]) {
    use euicc_asn1::{Iccid, Layout};
    use euiccd_core::es10::*;
    fn read<F: Es10Function>(function: F, data: &[u8]) {
        let _ = function.read(data.to_vec());
    }
    let iccid = Iccid::from_bytes([0x98, 0x94, 0x44, 0x99, 0x99, 0x99, 0x99, 0x09, 0x30, 0xF1])
        .expect("a valid ICCID");
    read(GetEid, data);
    read(GetEuiccInfo1, data);
    read(GetEuiccInfo2, data);
    read(GetEuiccChallenge, data);
    read(GetEuiccConfiguredAddresses, data);
    read(
        CancelSession {
            transaction_id: vec![1],
            reason: 0,
        },
        data,
    );
    read(GetProfilesInfo::default(), data);
    read(
        EnableProfile {
            iccid,
            refresh: true,
        },
        data,
    );
    read(
        DisableProfile {
            iccid,
            refresh: true,
        },
        data,
    );
    read(DeleteProfile { iccid }, data);
    read(ListNotification::default(), data);
    read(RemoveNotificationFromList { seq_number: 1 }, data);
    read(GetCerts::default(), data);
    read(LoadBoundProfilePackage(&[]), data);
    for layout in [Layout::V1_0, Layout::V1_2] {
        read(
            RetrieveNotificationsList {
                layout,
                criteria: None,
            },
            data,
        );
        read(
            LoadEuiccPackage {
                layout,
                package: &[],
            },
            data,
        );
        read(
            ProfileRollback {
                layout,
                refresh: true,
            },
            data,
        );
        read(GetEimConfigurationData { layout }, data);
        read(
            AddInitialEim {
                layout,
                configs: Vec::new(),
            },
            data,
        );
        read(
            ExecuteFallbackMechanism {
                layout,
                refresh: true,
            },
            data,
        );
        read(
            ReturnFromFallback {
                layout,
                refresh: true,
            },
            data,
        );
    }
    for sgp22_form in [false, true] {
        let options = MemoryResetOptions {
            delete_operational_profiles: true,
            ..Default::default()
        };
        read(
            EuiccMemoryReset {
                options,
                sgp22_form,
            },
            data,
        );
    }
}

/// ASN.1 bodies an SM-DP+ sends over ES9+ (inside the JSON binding's base64 fields).
pub fn asn1_es9p(data: &[u8]) {
    decode_family(
        &[
            "InitiateAuthenticationResponse",
            "AuthenticateClientResponseEs9",
            "GetBoundProfilePackageResponse",
            "CancelSessionResponseEs9",
            "BoundProfilePackage",
            "StoreMetadataRequest",
        ],
        data,
    );
}

/// Messages an eIM sends over ESipa.
pub fn asn1_esipa(data: &[u8]) {
    decode_family(
        &[
            "EsipaMessageFromEimToIpa",
            "GetEimPackageResponse",
            "ProvideEimPackageResultResponse",
            "TransferEimPackageRequest",
            "InitiateAuthenticationResponseEsipa",
            "AuthenticateClientResponseEsipa",
            "GetBoundProfilePackageResponseEsipa",
            "CancelSessionResponseEsipa",
        ],
        data,
    );
}

/// eUICC packages and data requests an eIM signs, and their results.
pub fn asn1_package(data: &[u8]) {
    decode_family(
        &[
            "EuiccPackageRequest",
            "IpaEuiccDataRequest",
            "ProfileDownloadTriggerRequest",
            "EuiccPackageResult",
            "EimConfigurationData",
        ],
        data,
    );
}

/// Bodies of the ESipa JSON binding, read by the IPA (answers) and by an eIM (requests): whatever reads
/// must survive writing it out again. The first byte picks the function.
pub fn esipa_json(data: &[u8]) {
    let Some((&selector, body)) = data.split_first() else {
        return;
    };
    let function = FUNCTIONS[usize::from(selector) % FUNCTIONS.len()];
    if let Ok(Some(answer)) = decode_answer(function, body) {
        let again = encode_answer(&answer).expect("a decoded answer encodes");
        let text = again.map(|v| v.to_string()).unwrap_or_default();
        let back = decode_answer(function, text.as_bytes()).expect("our own answer decodes");
        assert_eq!(back, Some(answer), "{function} answer changed");
    }
    if let Ok(request) = decode_request(function, body) {
        let (name, value) = encode_request(&request).expect("a decoded request encodes");
        assert_eq!(name, function);
        let back =
            decode_request(name, value.to_string().as_bytes()).expect("our own request decodes");
        assert_eq!(back, request, "{function} request changed");
    }
}

/// Answers of an SM-DP+ over the ES9+ JSON binding (`src/remote/es9p.rs`); the first byte picks the
/// function. They decode or fail with a bounded error; a bound profile package is exactly the base64
/// content of its field.
pub fn es9p_json(data: &[u8]) {
    let Some((&selector, body)) = data.split_first() else {
        return;
    };
    let error = match selector % 4 {
        0 => es9p::decode_initiate_authentication(body).err(),
        1 => es9p::decode_authenticate_client(body).err(),
        2 => match es9p::decode_bound_profile_package(body) {
            Ok(bpp) => {
                assert_eq!(bpp.get(..2), Some(&[0xBF, 0x36][..]));
                let fields: serde_json::Value = serde_json::from_slice(body).expect("it was JSON");
                let text = fields["boundProfilePackage"].as_str().expect("a string");
                assert!(text.len() >= bpp.len(), "base64 is longer than its bytes");
                None
            }
            Err(error) => Some(error),
        },
        _ => es9p::decode_status("cancelSession", body).err(),
    };
    if let Some(error) = error {
        let text = error.to_string();
        assert!(
            text.len() <= MAX_ERROR_TEXT,
            "{} bytes of error",
            text.len()
        );
    }
}

/// SMS-DELIVER PDUs from the modem (`+CMGR`, `+CMGL`, `+CMT`), raw and as hex, and their reassembly:
/// decoding must never panic, and a decoded text stays within what an SMS can carry.
pub fn sms_pdu(data: &[u8]) {
    let mut reassembly = Reassembly::default();
    if let Ok(deliver) = decode(data) {
        // 160 septets with escapes, or 70 UCS2 units, or 140 bytes as hex.
        assert!(deliver.text.chars().count() <= 280);
        for (sms, _) in reassembly.add(Read::Pdu(deliver), 1, Duration::ZERO) {
            assert!(sms.text.len() <= MAX_TEXT);
        }
    }
    let text = String::from_utf8_lossy(data);
    let _ = decode_hex(&text);
    let _ = parse_cmti(&text);
    let lines: Vec<String> = text.lines().map(str::to_owned).collect();
    for mode in [SmsMode::Text, SmsMode::Pdu] {
        let mut reads: Vec<Read> = parse_cmgr(&lines, mode).into_iter().collect();
        for (_, listed) in parse_cmgl(&lines, mode).into_iter().flatten() {
            match listed {
                Ok(read) => reads.push(read),
                // An undecodable message is journaled raw: its copy stays within the bound.
                Err(undecodable) => assert!(undecodable.raw.len() <= MAX_RAW),
            }
        }
        let mut direct = DirectDelivery::default();
        reads.extend(lines.iter().filter_map(|l| direct.feed(l, mode)).flatten());
        for read in reads {
            for (sms, _) in reassembly.add(read, 2, Duration::ZERO) {
                assert!(sms.text.len() <= MAX_TEXT);
            }
        }
    }
}

/// Network lines from the modem (`+CREG/+CGREG/+CEREG/+C5GREG`, `+COPS`, `+CGEV`, `+CGACT`,
/// `+CGCONTRDP`, `+CSQ`, `+CESQ`), as URCs and as query answers, fed to the connectivity observer:
/// parsing must never panic, and a refused line leaves the state as it was. The first byte of each line
/// picks the name and the form.
pub fn network_urc(data: &[u8]) {
    const NAMES: [&str; 10] = [
        "+CREG",
        "+CGREG",
        "+CEREG",
        "+C5GREG",
        "+COPS",
        "+CGEV",
        "+CGACT",
        "+CGCONTRDP",
        "+CSQ",
        "+CESQ",
    ];
    let mut observer = Observer::new(ObserverConfig {
        update_interval: Some(Duration::from_secs(1)),
        ..ObserverConfig::default()
    });
    let mut now = SystemTime::UNIX_EPOCH;
    for line in String::from_utf8_lossy(data).lines() {
        let Some((&selector, _)) = line.as_bytes().split_first() else {
            continue;
        };
        let name = NAMES[usize::from(selector) % NAMES.len()];
        let form = if selector & 0x80 == 0 {
            Form::Urc
        } else {
            Form::Query
        };
        let full = format!("{name}: {}", line.get(1..).unwrap_or(""));
        let before = observer.state().clone();
        if observer.feed(&full, form, now).is_err() {
            assert_eq!(observer.state(), &before);
        }
        now += Duration::from_secs(1);
        observer.counters(u64::from(selector), u64::from(selector) * 2);
        let _ = observer.tick(now);
        let _ = observer.queries_done(now);
    }
}

/// A request line on the control socket (at most [`MAX_REQUEST`] bytes reach the parser), and a reply
/// line as the CLI reads it: a request that parses is one the CLI could have sent, and reads back the
/// same; a refusal says why in bounded text.
pub fn control_request(data: &[u8]) {
    if data.len() <= MAX_REQUEST {
        match parse_request(data) {
            Ok(request) => {
                let line = serde_json::to_vec(&request).expect("a request serializes");
                assert_eq!(parse_request(&line), Ok(request));
            }
            Err(reason) => assert!(reason.len() <= MAX_REQUEST + 256, "{reason}"),
        }
    }
    if let Ok(reply) = serde_json::from_slice::<Reply>(data) {
        let line = serde_json::to_vec(&reply).expect("a reply serializes");
        assert!(serde_json::from_slice::<Reply>(&line).is_ok());
    }
}

/// What the system bus sends the ModemManager client (`src/modem/modemmanager.rs`): a SASL line and D-Bus
/// messages in either byte order. Reading never panics, a frame length is bounded before anything is read,
/// a decoded message has a serial and its body reads as far as its signature says, errors are short; a call
/// the client could send, made of the input, reads back with the same first argument.
pub fn dbus_message(data: &[u8]) {
    match dbus::parse_auth_reply(data) {
        Ok(dbus::AuthReply::Ok(guid)) => assert_eq!(guid.len(), 32),
        Ok(dbus::AuthReply::Rejected(_)) => {}
        Err(error) => assert!(error.to_string().len() <= MAX_ERROR_TEXT),
    }
    if let Some(fixed) = data
        .get(..FIXED_HEADER)
        .and_then(|f| <&[u8; FIXED_HEADER]>::try_from(f).ok())
    {
        if let Ok(total) = dbus::frame_length(fixed) {
            assert!((FIXED_HEADER..=MAX_MESSAGE).contains(&total));
        }
    }
    match dbus::decode(data) {
        Ok((header, body)) => {
            assert_ne!(header.serial, 0);
            if let Ok(text) = body.first_string() {
                assert!(text.len() < data.len());
            }
            let _ = body.first_bool();
        }
        Err(error) => assert!(error.to_string().len() <= MAX_ERROR_TEXT),
    }
    let text = String::from_utf8_lossy(data).replace('\0', "");
    let call = dbus::encode_method_call(
        1,
        "a.b",
        "/a",
        "a.b",
        "M",
        &[Arg::Str(&text), Arg::Bool(true)],
    );
    let (_, body) = dbus::decode(&call).expect("our own call decodes");
    assert_eq!(body.first_string().expect("a string first"), text);
}

/// MBIM control messages as a device or mbim-proxy sends them (USB MBIM 1.0): the bytes are cut into
/// messages by their length field and reassembled; each whole message re-encodes and parses back to
/// itself, and the UICC low-level access answers parse or fail cleanly, within their buffer.
pub fn mbim_frame(data: &[u8]) {
    let mut rest = data;
    let mut reassembler = Reassembler::new();
    while let Ok(Some(length)) = frame_length(rest) {
        assert!(length <= MBIM_MAX_MESSAGE);
        let Ok(frame) = Frame::parse(&rest[..length]) else {
            break;
        };
        rest = &rest[length..];
        let Ok(Some(message)) = reassembler.push(frame) else {
            continue;
        };
        let pieces = message
            .to_fragments(MBIM_MAX_MESSAGE)
            .expect("a parsed message re-encodes");
        let mut again = Reassembler::new();
        let mut back = None;
        for piece in &pieces {
            let frame = Frame::parse(piece).expect("an encoded piece parses");
            back = again.push(frame).expect("encoded pieces reassemble");
        }
        assert_eq!(back.as_ref(), Some(&message));
    }
    for info in [data, rest] {
        if let Ok(opened) = uicc::parse_open_channel(info) {
            assert!(opened.response.len() <= info.len());
        }
        if let Ok(response) = uicc::parse_apdu(info) {
            assert!(response.data.len() <= info.len());
        }
        let _ = uicc::parse_close_channel(info);
        let _ = uicc::parse_atr(info);
    }
}

/// Bytes from a QMI control device or qmi-proxy: a parsed frame survives a re-encoding, the stream deframer
/// gives the same messages however the bytes are split, and the answer readers never panic.
pub fn qmi_frame(data: &[u8]) {
    if let Ok(message) = Message::parse(data) {
        let again = message.to_bytes().expect("a parsed frame re-encodes");
        assert_eq!(Message::parse(&again).as_ref(), Ok(&message));
        let _ = ctl::allocated_cid(&message, qmi::SERVICE_UIM);
        let _ = uim::opened_channel(&message);
        let _ = uim::card_result(&message);
        let _ = uim::apdu_response(&message);
        let _ = uim::card_states(&message);
    }
    let whole = deframe(data, data.len().max(1));
    let pieces = deframe(data, 7);
    // Garbage is reported per stretch read, so only the messages must not depend on the split.
    let messages = |results: &[Result<Message, qmi::Error>]| -> Vec<Message> {
        results
            .iter()
            .filter_map(|r| r.as_ref().ok().cloned())
            .collect()
    };
    assert_eq!(
        messages(&whole),
        messages(&pieces),
        "the deframer's messages depend on how reads split the stream"
    );
    for error in whole.iter().chain(&pieces).filter_map(|r| r.as_ref().err()) {
        assert!(error.to_string().len() < MAX_ERROR_TEXT);
    }
}

/// Every result of a deframer fed `data` in chunks of `chunk` bytes.
fn deframe(data: &[u8], chunk: usize) -> Vec<Result<Message, qmi::Error>> {
    let mut deframer = Deframer::new();
    let mut out = Vec::new();
    for piece in data.chunks(chunk) {
        deframer.push(piece);
        while let Some(next) = deframer.next_message() {
            out.push(next);
        }
    }
    out
}

/// An HTTP/1.1 answer of an eIM or SM-DP+ (the first byte sets the body bound, 16 bytes a step), read whole,
/// in pieces of 7 bytes and byte by byte: no panic, one outcome whatever the reads, and the bounds kept.
pub fn http_response(data: &[u8]) {
    let Some((&bound, stream)) = data.split_first() else {
        return;
    };
    let max_body = usize::from(bound) * 16;
    let whole = read_response(stream, stream.len(), max_body);
    for piece in [7, 1] {
        assert_eq!(
            read_response(stream, piece, max_body),
            whole,
            "the answer depends on how reads split the stream"
        );
    }
    match &whole {
        Ok(response) => {
            assert!(response.body.len() <= max_body);
            assert!(response.fields.len() <= MAX_FIELDS);
        }
        Err(error) => assert!(error.to_string().len() < MAX_ERROR_TEXT),
    }
}

/// The answer a reader makes of `stream` read in pieces of `piece` bytes, then closed.
fn read_response(
    stream: &[u8],
    piece: usize,
    max_body: usize,
) -> Result<http::Response, http::Error> {
    let mut reader = ResponseReader::new(max_body);
    for chunk in stream.chunks(piece.max(1)) {
        reader.push(chunk)?;
        if reader.is_complete() {
            break;
        }
    }
    reader.close()?;
    Ok(reader
        .into_response()
        .expect("a reader closed without an error holds its answer"))
}
/// A store file (the daemon's state directory): the log's replay never panics and stops within the file;
/// what it keeps (the whole records before a torn tail or damage) replays alone to the same state with
/// a clean end; and that state survives a snapshot, what compaction writes.
pub fn store_log(data: &[u8]) {
    let replay = store_log_format::replay(data);
    assert!(replay.valid_len <= data.len());
    match &replay.end {
        End::Clean => assert_eq!(replay.valid_len, data.len()),
        End::Torn => {}
        End::Damaged(reason) => assert!(reason.len() < MAX_ERROR_TEXT, "{reason}"),
    }
    let kept = store_log_format::replay(&data[..replay.valid_len]);
    assert_eq!((&kept.end, &kept.tables), (&End::Clean, &replay.tables));
    let snapshot = store_log_format::snapshot(&replay.tables);
    if snapshot.len() <= MAGIC.len() + HEADER + MAX_RECORD {
        let again = store_log_format::replay(&snapshot);
        assert_eq!((&again.end, &again.tables), (&End::Clean, &replay.tables));
    }
}
