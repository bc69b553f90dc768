//! The response reader on well-formed answers of every framing, on garbage, on answers past their bounds,
//! and on every answer cut into pieces at every byte.

use super::*;
use proptest::prelude::*;

const MAX_BODY: usize = 1024;

/// What reading `input` in pieces of `piece` bytes gives: the answer, or the error; and the bytes taken.
fn read_in(input: &[u8], piece: usize, max_body: usize) -> (Result<Response, Error>, usize) {
    let mut reader = ResponseReader::new(max_body);
    let mut taken = 0;
    for chunk in input.chunks(piece.max(1)) {
        match reader.push(chunk) {
            Ok(n) => taken += n,
            Err(error) => return (Err(error), taken),
        }
        if reader.is_complete() {
            break;
        }
    }
    if let Err(error) = reader.close() {
        return (Err(error), taken);
    }
    (Ok(reader.into_response().expect("complete")), taken)
}

/// [`read_in`] whole, after checking that every split of `input` into two pieces, and one byte at a time,
/// gives the same.
fn read(input: &[u8]) -> Result<Response, Error> {
    read_bounded(input, MAX_BODY)
}

fn read_bounded(input: &[u8], max_body: usize) -> Result<Response, Error> {
    let whole = read_in(input, input.len(), max_body);
    let by_byte = read_in(input, 1, max_body);
    assert_eq!(by_byte.0, whole.0, "byte by byte");
    if whole.0.is_ok() {
        assert_eq!(by_byte.1, whole.1, "byte by byte");
    }
    for split in 1..input.len() {
        let mut reader = ResponseReader::new(max_body);
        let first = reader.push(&input[..split]);
        let outcome = match first {
            Ok(n) if n < split => {
                assert!(reader.is_complete());
                (Ok(reader.into_response().unwrap()), n)
            }
            Ok(n) => match reader.push(&input[split..]) {
                Ok(m) => match reader.close() {
                    Ok(()) => (Ok(reader.into_response().unwrap()), n + m),
                    Err(error) => (Err(error), n + m),
                },
                Err(error) => (Err(error), n),
            },
            Err(error) => (Err(error), 0),
        };
        // Where an error stops the reading depends on the split; the outcome does not.
        assert_eq!(outcome.0, whole.0, "split at {split}");
        if whole.0.is_ok() {
            assert_eq!(outcome.1, whole.1, "split at {split}");
        }
    }
    whole.0
}

fn field(name: &str, value: &[u8]) -> Field {
    Field {
        name: name.into(),
        value: value.to_vec(),
    }
}

#[test]
fn a_content_length_body_keeps_the_connection() {
    let response = read(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 5\r\n\r\nhello",
    )
    .unwrap();
    assert_eq!(
        response,
        Response {
            version: Version::Http11,
            status: 200,
            fields: vec![
                field("content-type", b"application/json"),
                field("content-length", b"5")
            ],
            body: b"hello".to_vec(),
            persistent: true,
        }
    );
    assert_eq!(
        response.field("Content-Type"),
        Some(&b"application/json"[..])
    );
    assert_eq!(response.field("x-admin-protocol"), None);
}

#[test]
fn bytes_after_the_answer_are_not_taken() {
    let input = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nokHTTP/1.1 200 OK\r\n";
    let mut reader = ResponseReader::new(MAX_BODY);
    assert_eq!(reader.push(input), Ok(40));
    assert!(reader.is_complete());
    assert_eq!(reader.push(b"more"), Ok(0));
    assert_eq!(reader.into_response().unwrap().body, b"ok");
}

#[test]
fn a_chunked_body_with_extensions_and_trailers_is_joined() {
    let response = read(
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\
          5;name=value\r\nhello\r\n\
          1 ; a ; b=\"c\"\r\n \r\n\
          00006\r\nworld!\r\n\
          0\r\nExpires: never\r\nX-Checksum: 1\r\n\r\n",
    )
    .unwrap();
    assert_eq!(response.body, b"hello world!");
    assert!(response.persistent);
    assert_eq!(response.field("expires"), None, "trailers are dropped");
    let upper =
        read(b"HTTP/1.1 200 OK\r\ntransfer-encoding: Chunked\r\n\r\nA\r\n0123456789\r\n0\r\n\r\n");
    assert_eq!(upper.unwrap().body, b"0123456789");
}

#[test]
fn transfer_encoding_overrides_content_length_and_ends_reuse() {
    let response = read(
        b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n",
    )
    .unwrap();
    assert_eq!(
        (response.body.as_slice(), response.persistent),
        (&b"ok"[..], false)
    );
}

#[test]
fn a_body_without_length_runs_to_the_close_and_ends_reuse() {
    let input = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nall of this";
    let mut reader = ResponseReader::new(MAX_BODY);
    assert_eq!(reader.push(input), Ok(input.len()));
    assert!(!reader.is_complete(), "more may come until the close");
    reader.close().unwrap();
    let response = reader.into_response().unwrap();
    assert_eq!(
        (response.body.as_slice(), response.persistent),
        (&b"all of this"[..], false)
    );
    assert_eq!(read(input).unwrap().body, b"all of this");
}

#[test]
fn connection_close_and_http_1_0_end_reuse() {
    for input in [
        &b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"[..],
        b"HTTP/1.1 200 OK\r\nConnection: upgrade, CLOSE\r\nContent-Length: 0\r\n\r\n",
        b"HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n",
        b"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n",
    ] {
        let response = read(input).unwrap();
        assert!(!response.persistent, "{}", String::from_utf8_lossy(input));
    }
    let later = read(b"HTTP/1.2 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n");
    assert_eq!(later.unwrap().version, Version::Http11);
}

#[test]
fn interim_answers_are_skipped() {
    let response = read(
        b"HTTP/1.1 100 Continue\r\n\r\n\
          HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n\
          HTTP/1.1 201 Created\r\nContent-Length: 1\r\n\r\n!",
    )
    .unwrap();
    assert_eq!(response.status, 201);
    assert_eq!(response.fields, [field("content-length", b"1")]);
    assert_eq!(
        read(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n\r\n"),
        Err(Error::SwitchingProtocols)
    );
}

#[test]
fn no_content_and_not_modified_have_no_body() {
    for status in [204, 304] {
        let input = format!("HTTP/1.1 {status} X\r\nContent-Length: 10\r\n\r\n");
        let response = read(input.as_bytes()).unwrap();
        assert_eq!((response.status, response.body.len()), (status, 0));
        assert!(response.persistent);
    }
}

#[test]
fn bare_line_feeds_obs_folds_and_a_missing_reason_are_read() {
    let response =
        read(b"HTTP/1.1 200\nX-Long: one\n  two\n\tthree\nContent-Length: 2\n\nok").unwrap();
    assert_eq!(response.status, 200);
    assert_eq!(response.field("x-long"), Some(&b"one two three"[..]));
    assert_eq!(response.body, b"ok");
    let stray = read(b"\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
    assert_eq!(stray.unwrap().status, 200);
}

#[test]
fn equal_content_lengths_are_one() {
    for input in [
        &b"HTTP/1.1 200 OK\r\nContent-Length: 2, 2\r\n\r\nok"[..],
        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nok",
    ] {
        assert_eq!(read(input).unwrap().body, b"ok");
    }
}

#[test]
fn a_body_over_the_bound_is_refused() {
    let over = |input: &[u8]| read_bounded(input, 4);
    assert_eq!(
        over(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n"),
        Err(Error::BodyTooLarge(4))
    );
    assert_eq!(
        over(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\n"),
        Err(Error::BodyTooLarge(4))
    );
    assert_eq!(
        over(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffffffffff\r\n"),
        Err(Error::BodyTooLarge(4))
    );
    assert_eq!(
        over(b"HTTP/1.1 200 OK\r\n\r\n12345"),
        Err(Error::BodyTooLarge(4))
    );
    assert_eq!(
        over(b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\n1234")
            .unwrap()
            .body,
        b"1234"
    );
    assert_eq!(over(b"HTTP/1.1 200 OK\r\n\r\n1234").unwrap().body, b"1234");
}

#[test]
fn a_head_over_its_bounds_is_refused() {
    let mut long = b"HTTP/1.1 200 OK\r\nX-Pad: ".to_vec();
    long.resize(MAX_HEAD + 1, b'a');
    assert_eq!(
        read_in(&long, long.len(), MAX_BODY).0,
        Err(Error::HeadTooLarge)
    );
    assert_eq!(read_in(&long, 1, MAX_BODY).0, Err(Error::HeadTooLarge));
    // Interim heads count too.
    let interim = b"HTTP/1.1 100 Continue\r\n\r\n".repeat(MAX_HEAD / 25 + 1);
    assert_eq!(read_in(&interim, 100, MAX_BODY).0, Err(Error::HeadTooLarge));
    let mut many = b"HTTP/1.1 200 OK\r\n".to_vec();
    for i in 0..MAX_FIELDS {
        many.extend_from_slice(format!("x-{i}: v\r\n").as_bytes());
    }
    let fits = [&many[..], b"\r\n"].concat();
    assert_eq!(
        read_in(&fits, 64, MAX_BODY).0.unwrap().fields.len(),
        MAX_FIELDS
    );
    many.extend_from_slice(b"x-last: v\r\n\r\n");
    assert_eq!(read_in(&many, 64, MAX_BODY).0, Err(Error::TooManyFields));
}

#[test]
fn chunk_framing_over_its_bounds_is_refused() {
    let head = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
    let long_line = [&head[..], b"1;", &[b'x'; MAX_CHUNK_LINE], b"\r\n"].concat();
    assert_eq!(read_in(&long_line, 7, MAX_BODY).0, Err(Error::Chunk));
    // Extensions within the line bound, over the total one.
    let mut many = head.to_vec();
    let extension = [&b";"[..], &[b'e'; 1000]].concat();
    for _ in 0..=MAX_HEAD / 1000 {
        many.extend_from_slice(b"1");
        many.extend_from_slice(&extension);
        many.extend_from_slice(b"\r\nx\r\n");
    }
    assert_eq!(
        read_in(&many, 100, MAX_BODY).0,
        Err(Error::ChunkFramingTooLarge)
    );
    let trailers = [
        &head[..],
        b"0\r\n",
        &b"t: v\r\n".repeat(MAX_FIELDS + 1),
        b"\r\n",
    ]
    .concat();
    assert_eq!(read_in(&trailers, 9, MAX_BODY).0, Err(Error::TooManyFields));
    let long_trailer = [&head[..], b"0\r\nt: ", &vec![b'v'; MAX_HEAD], b"\r\n\r\n"].concat();
    assert_eq!(
        read_in(&long_trailer, 9, MAX_BODY).0,
        Err(Error::ChunkFramingTooLarge)
    );
}

#[test]
fn garbage_is_a_typed_error() {
    let cases: &[(&[u8], Error)] = &[
        (b"\x16\x03\x01\x00\x05hello\n", Error::StatusLine),
        (b"<html>\n", Error::StatusLine),
        (b"HTTP/2 200\r\n", Error::Version),
        (b"HTTP/2.0 200 OK\r\n", Error::Version),
        (b"HTTP/1.1 20 OK\r\n", Error::StatusLine),
        (b"HTTP/1.1 2000 OK\r\n", Error::StatusLine),
        (b"HTTP/1.1 099 OK\r\n", Error::StatusLine),
        (b"HTTP/1.1  200 OK\r\n", Error::StatusLine),
        (b"HTTP/1.1 200 O\x00K\r\n", Error::StatusLine),
        (b"HTTP/1.1 200 OK\r\nno colon\r\n", Error::Field),
        (b"HTTP/1.1 200 OK\r\nName : v\r\n", Error::Field),
        (b"HTTP/1.1 200 OK\r\n: v\r\n", Error::Field),
        (b"HTTP/1.1 200 OK\r\nA: b\rc\r\n", Error::Field),
        (b"HTTP/1.1 200 OK\r\nA: \x01\r\n", Error::Field),
        (b"HTTP/1.1 200 OK\r\n folded first\r\n", Error::Field),
        (
            b"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
            Error::ContentLength,
        ),
        (
            b"HTTP/1.1 200 OK\r\nContent-Length: \r\n\r\n",
            Error::ContentLength,
        ),
        (
            b"HTTP/1.1 200 OK\r\nContent-Length: 0x10\r\n\r\n",
            Error::ContentLength,
        ),
        (
            b"HTTP/1.1 200 OK\r\nContent-Length: 1, 2\r\n\r\n",
            Error::ContentLength,
        ),
        (
            b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\ncontent-length: 2\r\n\r\n",
            Error::ContentLength,
        ),
        (
            b"HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999999\r\n\r\n",
            Error::ContentLength,
        ),
        (
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n",
            Error::TransferEncoding,
        ),
        (
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n",
            Error::TransferEncoding,
        ),
        (
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n",
            Error::TransferEncoding,
        ),
        (
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding:\r\n\r\n",
            Error::TransferEncoding,
        ),
        (
            b"HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
            Error::TransferEncoding,
        ),
        (
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nz\r\n",
            Error::Chunk,
        ),
        (
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\r\n",
            Error::Chunk,
        ),
        (
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2 2\r\n",
            Error::Chunk,
        ),
        (
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2;\x00\r\n",
            Error::Chunk,
        ),
        (
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nokX\r\n",
            Error::Chunk,
        ),
        (
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\r\n",
            Error::Chunk,
        ),
        (
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nbad trailer\r\n",
            Error::Field,
        ),
    ];
    for (input, error) in cases {
        assert_eq!(
            read(input).as_ref(),
            Err(error),
            "{}",
            String::from_utf8_lossy(input)
        );
    }
}

#[test]
fn an_error_is_repeated() {
    let mut reader = ResponseReader::new(MAX_BODY);
    assert_eq!(reader.push(b"garbage\r\n"), Err(Error::StatusLine));
    assert_eq!(reader.push(b"HTTP/1.1 200 OK\r\n"), Err(Error::StatusLine));
    assert_eq!(reader.close(), Err(Error::StatusLine));
    assert!(!reader.is_complete());
    assert_eq!(reader.into_response(), None);
}

#[test]
fn a_close_inside_the_answer_is_truncation() {
    let whole: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nbody";
    assert_eq!(read(b""), Err(Error::Closed));
    for cut in 1..whole.len() {
        assert_eq!(read(&whole[..cut]), Err(Error::Truncated), "cut at {cut}");
    }
    let chunked: &[u8] =
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n";
    for cut in 1..chunked.len() {
        assert_eq!(read(&chunked[..cut]), Err(Error::Truncated), "cut at {cut}");
    }
    assert_eq!(read(chunked).unwrap().body, b"ok");
}

proptest! {
    /// Any bytes: no panic, an outcome independent of how reads split them, bounds kept.
    #[test]
    fn any_input_in_any_pieces_gives_one_outcome(
        input in proptest::collection::vec(any::<u8>(), 0..400),
        piece in 1usize..50,
        max_body in 0usize..64,
    ) {
        let whole = read_in(&input, input.len(), max_body);
        prop_assert_eq!(&read_in(&input, piece, max_body).0, &whole.0);
        if let Ok(response) = &whole.0 {
            prop_assert!(response.body.len() <= max_body);
            prop_assert!(response.fields.len() <= MAX_FIELDS);
        }
    }

    /// Any body, chunked in any sizes, read in any pieces, comes back whole.
    #[test]
    fn a_chunked_body_survives_any_chunking(
        body in proptest::collection::vec(any::<u8>(), 0..300),
        sizes in proptest::collection::vec(1usize..40, 1..20),
        piece in 1usize..30,
    ) {
        let mut input = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
        let mut rest = &body[..];
        for size in sizes.iter().cycle() {
            if rest.is_empty() {
                break;
            }
            let (chunk, after) = rest.split_at((*size).min(rest.len()));
            input.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
            input.extend_from_slice(chunk);
            input.extend_from_slice(b"\r\n");
            rest = after;
        }
        input.extend_from_slice(b"0\r\n\r\n");
        let (response, taken) = read_in(&input, piece, body.len());
        prop_assert_eq!(taken, input.len());
        prop_assert_eq!(response.unwrap().body, body);
    }
}
