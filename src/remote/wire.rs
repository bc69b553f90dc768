//! Bytes on the wire: a counting wrapper around the TCP stream under TLS, and the counters it feeds.
//!
//! On a metered cellular link what costs is every byte the socket moves: TLS records, handshakes and HTTP
//! headers included. [`WireStats`] is shared (an `Arc`) between a client and whoever measures it (the
//! benchmark, a daemon's statistics), so it can be read after the client has moved into a protocol client.
//!
//! The bytes are also split by what they carried ([`WireParts`]). Under TLS the wrapper sees only ciphertext,
//! but every record starts with a 5-byte header in the clear (content type, version, length), so it splits
//! each direction into records ([`RecordSplitter`]) and classifies each record whole, by its header:
//!
//! - every record before the handshake completed (the HTTPS client says when, [`CountingStream::tls_established`])
//!   is *handshake*, whatever its type: the TLS 1.3 encrypted handshake travels as application data;
//! - after it, an application-data record carries `length - expansion` bytes of plaintext, the expansion being
//!   the suite's (17 in TLS 1.3: the AEAD tag and the inner content type; 24 in TLS 1.2 AES-GCM: the explicit
//!   nonce and the tag); its 5-byte header and the expansion are *record* overhead;
//! - the HTTP layer knows the plaintext it wrote and read and how much of it was body, and settles each
//!   exchange ([`WireStats::settle`]): received plaintext that is not HTTP is the TLS 1.3 NewSessionTickets
//!   (they travel encrypted as application data, and a server sends them right after the handshake, so they
//!   are the records that come first); *tickets* are those records whole, header and expansion included;
//! - anything else (alerts, close_notify, records of an exchange that failed before it was settled) is *other*.
//!
//! How exact: the handshake, the record overhead of what the client sends and the HTTP head and body are exact.
//! The ticket bytes are exact as a sum (received plaintext minus HTTP plaintext); the number of records they
//! took (hence how much framing is the tickets' rather than HTTP's) is found by matching the leading records'
//! lengths, exact for a server that neither pads records nor sends other post-handshake messages (a TLS 1.3
//! KeyUpdate would count as a ticket). HTTP "head" is every HTTP byte that is not body: the request or status
//! line, the headers, and chunked framing if a server uses it.

use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// The clear header of every TLS record: content type, legacy version, length (RFC 8446 §5.1).
const RECORD_HEADER: usize = 5;
/// The content type of application data (and, in TLS 1.3, of every encrypted record).
const APPLICATION_DATA: u8 = 23;
/// How many leading records of an exchange's answer are remembered to tell tickets from HTTP: a server
/// sends one to a few tickets (rustls and OpenSSL: 2).
const LEADING_RECORDS: usize = 8;

/// Live counters of one client's connections. See the module documentation.
///
/// A mutex rather than atomics: 32-bit MIPS routers have no 64-bit atomics, and a byte count must not wrap
/// at 4 GiB on a long-lived daemon. It is never contended (one client, one connection at a time).
#[derive(Debug, Default)]
pub(crate) struct WireStats {
    state: Mutex<State>,
}

/// The counters and the records of the current exchange not yet settled.
#[derive(Debug, Default)]
struct State {
    counts: WireCounts,
    unsettled: Unsettled,
}

/// Application-data records since the last [`WireStats::settle`], not yet attributed to HTTP or tickets.
#[derive(Debug, Default)]
struct Unsettled {
    /// Framing (header and expansion) of one record on the current connection.
    framing: u64,
    sent_records: u64,
    sent_plaintext: u64,
    received_records: u64,
    received_plaintext: u64,
    /// The plaintext lengths of the first [`LEADING_RECORDS`] received records.
    leading: Vec<u64>,
}

impl Unsettled {
    /// Every byte of these records.
    fn bytes(&self) -> (u64, u64) {
        (
            self.sent_plaintext + self.sent_records * self.framing,
            self.received_plaintext + self.received_records * self.framing,
        )
    }
}

/// A snapshot of [`WireStats`]; the difference of two snapshots is what one procedure cost.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub(crate) struct WireCounts {
    /// Bytes written to the socket.
    pub(crate) sent: u64,
    /// Bytes read from the socket.
    pub(crate) received: u64,
    /// TLS handshakes with a certificate exchange.
    pub(crate) full_handshakes: u64,
    /// TLS handshakes that resumed an earlier session.
    pub(crate) resumed_handshakes: u64,
    /// `sent` and `received` by what they carried.
    pub(crate) parts: WireParts,
}

/// The bytes of each direction by what they carried (see the module documentation for how and how exactly);
/// each direction's parts add up to its total.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct WireParts {
    /// What the client wrote.
    pub(crate) sent: Parts,
    /// What the client read.
    pub(crate) received: Parts,
}

/// The parts of one direction, bytes on the wire.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct Parts {
    /// Every record before the handshake completed.
    pub(crate) handshake: u64,
    /// TLS 1.3 NewSessionTicket records, whole (received only).
    pub(crate) tickets: u64,
    /// Record headers and AEAD expansion of the records that carried HTTP.
    pub(crate) records: u64,
    /// HTTP request or status line and headers.
    pub(crate) http_head: u64,
    /// HTTP body (the ESipa or ES9+ message).
    pub(crate) http_body: u64,
    /// Alerts and records of exchanges that never completed.
    pub(crate) other: u64,
}

impl Parts {
    /// The sum of the parts (the benchmark's table and the tests).
    #[cfg(any(test, feature = "sim"))]
    pub(crate) fn total(&self) -> u64 {
        self.handshake + self.tickets + self.records + self.http_head + self.http_body + self.other
    }

    fn since(&self, earlier: &Parts) -> Parts {
        Parts {
            handshake: self.handshake.saturating_sub(earlier.handshake),
            tickets: self.tickets.saturating_sub(earlier.tickets),
            records: self.records.saturating_sub(earlier.records),
            http_head: self.http_head.saturating_sub(earlier.http_head),
            http_body: self.http_body.saturating_sub(earlier.http_body),
            other: self.other.saturating_sub(earlier.other),
        }
    }
}

/// The HTTP bytes of one exchange, as the HTTP layer counted them: plaintext written and read, and how much
/// of each was body.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct HttpBytes {
    /// Request plaintext.
    pub(crate) sent: u64,
    /// Of which body.
    pub(crate) sent_body: u64,
    /// Response plaintext.
    pub(crate) received: u64,
    /// Of which body.
    pub(crate) received_body: u64,
}

impl WireCounts {
    /// Bytes both ways.
    #[cfg(any(test, feature = "sim"))]
    pub(crate) fn total(&self) -> u64 {
        self.sent + self.received
    }

    /// What happened between `earlier` and `self`.
    pub(crate) fn since(&self, earlier: &WireCounts) -> WireCounts {
        WireCounts {
            sent: self.sent.saturating_sub(earlier.sent),
            received: self.received.saturating_sub(earlier.received),
            full_handshakes: self.full_handshakes.saturating_sub(earlier.full_handshakes),
            resumed_handshakes: self
                .resumed_handshakes
                .saturating_sub(earlier.resumed_handshakes),
            parts: WireParts {
                sent: self.parts.sent.since(&earlier.parts.sent),
                received: self.parts.received.since(&earlier.parts.received),
            },
        }
    }
}

impl WireStats {
    /// The counters now; records not settled yet count as `other`.
    pub(crate) fn snapshot(&self) -> WireCounts {
        self.with(|state| {
            let mut counts = state.counts;
            let (sent, received) = state.unsettled.bytes();
            counts.parts.sent.other += sent;
            counts.parts.received.other += received;
            counts
        })
    }

    /// Counts one completed handshake, resumed or full.
    pub(crate) fn count_handshake(&self, resumed: bool) {
        self.with(|state| match resumed {
            true => state.counts.resumed_handshakes += 1,
            false => state.counts.full_handshakes += 1,
        });
    }

    /// Attributes the application-data records since the last call to the HTTP exchange `http` and, on the
    /// received side, the plaintext that was not HTTP to tickets (module documentation).
    pub(crate) fn settle(&self, http: HttpBytes) {
        self.with(|state| {
            let framing = state.unsettled.framing;
            let unsettled = std::mem::replace(
                &mut state.unsettled,
                Unsettled {
                    framing,
                    ..Unsettled::default()
                },
            );
            let sent = &mut state.counts.parts.sent;
            sent.http_head += http.sent.saturating_sub(http.sent_body);
            sent.http_body += http.sent_body;
            sent.records += unsettled.sent_records * framing;
            sent.other += unsettled.sent_plaintext.saturating_sub(http.sent);
            let tickets = unsettled.received_plaintext.saturating_sub(http.received);
            let ticket_records = leading_records_holding(&unsettled.leading, tickets);
            let received = &mut state.counts.parts.received;
            received.http_head += http.received.saturating_sub(http.received_body);
            received.http_body += http.received_body;
            received.tickets += tickets + ticket_records * framing;
            received.records += unsettled.received_records.saturating_sub(ticket_records) * framing;
        });
    }

    /// A new connection: what the last one left unsettled is `other`.
    fn connection_started(&self) {
        self.with(|state| {
            let (sent, received) = state.unsettled.bytes();
            state.counts.parts.sent.other += sent;
            state.counts.parts.received.other += received;
            state.unsettled = Unsettled::default();
        });
    }

    /// Counts `bytes` moved, `sent` or received.
    fn count_bytes(&self, sent: bool, bytes: u64) {
        self.with(|state| match sent {
            true => state.counts.sent += bytes,
            false => state.counts.received += bytes,
        });
    }

    /// Counts one record (`content_type`, `length` bytes after its header) moved on a connection whose
    /// handshake is over when `expansion` (the suite's per-record expansion) is known.
    fn count_record(&self, sent: bool, content_type: u8, length: u64, expansion: Option<u64>) {
        self.with(|state| {
            let whole = RECORD_HEADER as u64 + length;
            let parts = match sent {
                true => &mut state.counts.parts.sent,
                false => &mut state.counts.parts.received,
            };
            let Some(expansion) = expansion else {
                parts.handshake += whole;
                return;
            };
            if content_type != APPLICATION_DATA || length < expansion {
                parts.other += whole;
                return;
            }
            let unsettled = &mut state.unsettled;
            unsettled.framing = RECORD_HEADER as u64 + expansion;
            let plaintext = length - expansion;
            if sent {
                unsettled.sent_records += 1;
                unsettled.sent_plaintext += plaintext;
            } else {
                unsettled.received_records += 1;
                unsettled.received_plaintext += plaintext;
                if unsettled.leading.len() < LEADING_RECORDS {
                    unsettled.leading.push(plaintext);
                }
            }
        });
    }

    fn with<T>(&self, change: impl FnOnce(&mut State) -> T) -> T {
        change(&mut self.state.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

/// How many of the `leading` records' plaintexts it takes to make `bytes`: the records the tickets took.
fn leading_records_holding(leading: &[u64], bytes: u64) -> u64 {
    let mut sum = 0;
    let mut records = 0;
    for length in leading {
        if sum >= bytes {
            break;
        }
        sum += length;
        records += 1;
    }
    records
}

/// Splits one direction's byte stream into TLS records by their clear 5-byte headers.
#[derive(Debug, Default)]
struct RecordSplitter {
    header: [u8; RECORD_HEADER],
    /// Header bytes of the next record seen so far.
    have: usize,
    /// Bytes of the current record still to come.
    remaining: usize,
}

impl RecordSplitter {
    /// Feeds the next `bytes`; `record(content_type, length)` is called when a record's header is whole.
    fn feed(&mut self, mut bytes: &[u8], mut record: impl FnMut(u8, u64)) {
        while !bytes.is_empty() {
            if self.remaining > 0 {
                let skip = self.remaining.min(bytes.len());
                self.remaining -= skip;
                bytes = &bytes[skip..];
                continue;
            }
            let take = (RECORD_HEADER - self.have).min(bytes.len());
            self.header[self.have..self.have + take].copy_from_slice(&bytes[..take]);
            self.have += take;
            bytes = &bytes[take..];
            if self.have == RECORD_HEADER {
                self.have = 0;
                self.remaining = usize::from(u16::from_be_bytes([self.header[3], self.header[4]]));
                record(self.header[0], self.remaining as u64);
            }
        }
    }
}

/// The record state of a TLS connection's TCP stream.
#[derive(Debug, Default)]
struct Records {
    sent: RecordSplitter,
    received: RecordSplitter,
    /// The suite's per-record expansion, once the handshake is over.
    expansion: Option<u64>,
}

/// A stream that adds every byte it moves to a [`WireStats`]; under TLS ([`CountingStream::tls`]) it also
/// splits them into records and parts.
#[derive(Debug)]
pub(crate) struct CountingStream<S> {
    inner: S,
    stats: Arc<WireStats>,
    records: Option<Records>,
}

impl<S> CountingStream<S> {
    /// Wraps `inner`, counting bytes into `stats`.
    pub(crate) fn new(inner: S, stats: Arc<WireStats>) -> Self {
        Self {
            inner,
            stats,
            records: None,
        }
    }

    /// Wraps `inner`, the TCP stream of a new TLS connection, counting bytes and records into `stats`.
    pub(crate) fn tls(inner: S, stats: Arc<WireStats>) -> Self {
        stats.connection_started();
        Self {
            inner,
            stats,
            records: Some(Records::default()),
        }
    }

    /// The handshake is over; records from now on expand their plaintext by `expansion` bytes besides the
    /// header (17 for TLS 1.3, 24 for TLS 1.2 AES-GCM).
    pub(crate) fn tls_established(&mut self, expansion: u64) {
        if let Some(records) = &mut self.records {
            records.expansion = Some(expansion);
        }
    }

    fn count(&mut self, sent: bool, bytes: &[u8]) {
        self.stats.count_bytes(sent, bytes.len() as u64);
        if let Some(records) = &mut self.records {
            let stats = &self.stats;
            let expansion = records.expansion;
            let splitter = match sent {
                true => &mut records.sent,
                false => &mut records.received,
            };
            splitter.feed(bytes, |content_type, length| {
                stats.count_record(sent, content_type, length, expansion)
            });
        }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for CountingStream<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let poll = Pin::new(&mut self.inner).poll_read(cx, buf);
        self.count(false, &buf.filled()[before..]);
        poll
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for CountingStream<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let poll = Pin::new(&mut self.inner).poll_write(cx, buf);
        if let Poll::Ready(Ok(written)) = &poll {
            let written = &buf[..*written];
            self.count(true, written);
        }
        poll
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}
#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    #[test]
    fn bytes_both_ways_are_counted() {
        let stats = Arc::new(WireStats::default());
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        runtime.block_on(async {
            let (near, mut far) = tokio::io::duplex(64);
            let mut counted = CountingStream::new(near, Arc::clone(&stats));
            counted.write_all(b"hello").await.unwrap();
            far.write_all(b"abc").await.unwrap();
            let mut buf = [0u8; 3];
            counted.read_exact(&mut buf).await.unwrap();
        });
        let before = WireCounts::default();
        stats.count_handshake(true);
        let counts = stats.snapshot().since(&before);
        assert_eq!((counts.sent, counts.received, counts.total()), (5, 3, 8));
        assert_eq!((counts.full_handshakes, counts.resumed_handshakes), (0, 1));
    }

    /// A record of `content_type` with `length` body bytes (zeros).
    fn record(content_type: u8, length: u16) -> Vec<u8> {
        let mut bytes = vec![content_type, 3, 3];
        bytes.extend_from_slice(&length.to_be_bytes());
        bytes.resize(RECORD_HEADER + usize::from(length), 0);
        bytes
    }

    #[test]
    fn records_split_across_reads_are_found_by_their_headers() {
        let mut stream = record(22, 300);
        stream.extend(record(20, 1));
        stream.extend(record(23, 70));
        let mut found = Vec::new();
        let mut splitter = RecordSplitter::default();
        // Byte by byte, then in odd pieces: the same records.
        for chunk in stream.chunks(1).chain(stream.chunks(7)) {
            splitter.feed(chunk, |content_type, length| {
                found.push((content_type, length))
            });
        }
        let once = [(22, 300), (20, 1), (23, 70)];
        assert_eq!(found, [once, once].concat());
    }

    #[test]
    fn parts_tell_handshake_tickets_framing_and_http_apart_and_add_up() {
        let stats = Arc::new(WireStats::default());
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        // A TLS 1.3 exchange: hello each way, then a request; two tickets and the answer come back.
        let (head, body, answer_head, answer_body) = (60u16, 21u16, 40u16, 7u16);
        let mut from_server = record(22, 90);
        from_server.extend(record(23, 400));
        from_server.extend(record(23, 200 + 17));
        from_server.extend(record(23, 201 + 17));
        from_server.extend(record(23, answer_head + answer_body + 17));
        runtime.block_on(async {
            let (near, mut far) = tokio::io::duplex(4096);
            let mut counted = CountingStream::tls(near, Arc::clone(&stats));
            counted.write_all(&record(22, 250)).await.unwrap();
            far.write_all(&from_server[..495 + 5]).await.unwrap();
            let mut buf = vec![0; 495 + 5];
            counted.read_exact(&mut buf).await.unwrap();
            counted.tls_established(17);
            counted
                .write_all(&record(23, head + body + 17))
                .await
                .unwrap();
            far.write_all(&from_server[500..]).await.unwrap();
            let mut buf = vec![0; from_server.len() - 500];
            counted.read_exact(&mut buf).await.unwrap();
        });
        stats.settle(HttpBytes {
            sent: u64::from(head + body),
            sent_body: u64::from(body),
            received: u64::from(answer_head + answer_body),
            received_body: u64::from(answer_body),
        });
        let counts = stats.snapshot();
        let (sent, received) = (counts.parts.sent, counts.parts.received);
        assert_eq!(
            sent,
            Parts {
                handshake: 255,
                records: 22,
                http_head: 60,
                http_body: 21,
                ..Parts::default()
            }
        );
        assert_eq!(
            received,
            Parts {
                handshake: 95 + 405,
                tickets: 222 + 223,
                records: 22,
                http_head: 40,
                http_body: 7,
                other: 0,
            }
        );
        assert_eq!(sent.total(), counts.sent);
        assert_eq!(received.total(), counts.received);
    }

    proptest::proptest! {
        /// Any byte stream, however a socket cuts it, is split into the same records as when read whole.
        #[test]
        fn garbage_splits_into_the_same_records_whatever_the_reads(
            stream in proptest::collection::vec(proptest::num::u8::ANY, 0..2000),
            cuts in proptest::collection::vec(1usize..300, 1..20),
        ) {
            let mut whole = Vec::new();
            RecordSplitter::default().feed(&stream, |t, len| whole.push((t, len)));
            let mut pieces = Vec::new();
            let mut splitter = RecordSplitter::default();
            let mut rest = &stream[..];
            for cut in cuts.iter().cycle() {
                if rest.is_empty() {
                    break;
                }
                let (now, later) = rest.split_at((*cut).min(rest.len()));
                splitter.feed(now, |t, len| pieces.push((t, len)));
                rest = later;
            }
            proptest::prop_assert_eq!(whole, pieces);
        }
    }
}
