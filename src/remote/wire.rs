//! Bytes on the wire: a counting wrapper around the TCP stream under TLS, and the counters it feeds.
//!
//! On a metered cellular link what costs is every byte the socket moves: TLS records, handshakes and HTTP
//! headers included. [`WireStats`] is shared (an `Arc`) between a client and whoever measures it (the
//! benchmark, a daemon's statistics), so it can be read after the client has moved into a protocol client.

use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// Live counters of one client's connections. See the module documentation.
///
/// A mutex rather than atomics: 32-bit MIPS routers have no 64-bit atomics, and a byte count must not wrap
/// at 4 GiB on a long-lived daemon. It is never contended (one client, one connection at a time).
#[derive(Debug, Default)]
pub(crate) struct WireStats {
    counts: Mutex<WireCounts>,
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
}

impl WireCounts {
    /// Bytes both ways.
    #[cfg(any(test, feature = "sim"))]
    pub(crate) fn total(&self) -> u64 {
        self.sent + self.received
    }

    /// What happened between `earlier` and `self`.
    #[cfg(any(test, feature = "sim"))]
    pub(crate) fn since(&self, earlier: &WireCounts) -> WireCounts {
        WireCounts {
            sent: self.sent.saturating_sub(earlier.sent),
            received: self.received.saturating_sub(earlier.received),
            full_handshakes: self.full_handshakes.saturating_sub(earlier.full_handshakes),
            resumed_handshakes: self
                .resumed_handshakes
                .saturating_sub(earlier.resumed_handshakes),
        }
    }
}

impl WireStats {
    /// The counters now.
    pub(crate) fn snapshot(&self) -> WireCounts {
        *self.counts.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Counts one completed handshake, resumed or full.
    pub(crate) fn count_handshake(&self, resumed: bool) {
        self.update(|counts| match resumed {
            true => counts.resumed_handshakes += 1,
            false => counts.full_handshakes += 1,
        });
    }

    /// Applies `change` to the counters.
    fn update(&self, change: impl FnOnce(&mut WireCounts)) {
        change(&mut self.counts.lock().unwrap_or_else(PoisonError::into_inner));
    }
}

/// A stream that adds every byte it moves to a [`WireStats`].
#[derive(Debug)]
pub(crate) struct CountingStream<S> {
    inner: S,
    stats: Arc<WireStats>,
}

impl<S> CountingStream<S> {
    /// Wraps `inner`, counting into `stats`.
    pub(crate) fn new(inner: S, stats: Arc<WireStats>) -> Self {
        Self { inner, stats }
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
        let read = buf.filled().len().saturating_sub(before) as u64;
        self.stats.update(|counts| counts.received += read);
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
            let written = *written as u64;
            self.stats.update(|counts| counts.sent += written);
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
}
