//! Bytes on the wire: a counting wrapper around the TCP stream under TLS, and the counters it feeds.
//!
//! On a metered cellular link what costs is every byte the socket moves: TLS records, handshakes and HTTP
//! headers included. [`WireStats`] is shared (an `Arc`) between a client and whoever measures it (the
//! benchmark, a daemon's statistics), so it can be read after the client has moved into a protocol client.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// Live counters of one client's connections. See the module documentation.
#[derive(Debug, Default)]
pub struct WireStats {
    sent: AtomicU64,
    received: AtomicU64,
    full_handshakes: AtomicU64,
    resumed_handshakes: AtomicU64,
}

/// A snapshot of [`WireStats`]; the difference of two snapshots is what one procedure cost.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct WireCounts {
    /// Bytes written to the socket.
    pub sent: u64,
    /// Bytes read from the socket.
    pub received: u64,
    /// TLS handshakes with a certificate exchange.
    pub full_handshakes: u64,
    /// TLS handshakes that resumed an earlier session.
    pub resumed_handshakes: u64,
}

impl WireCounts {
    /// Bytes both ways.
    pub fn total(&self) -> u64 {
        self.sent + self.received
    }

    /// What happened between `earlier` and `self`.
    pub fn since(&self, earlier: &WireCounts) -> WireCounts {
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
    pub fn snapshot(&self) -> WireCounts {
        WireCounts {
            sent: self.sent.load(Ordering::Relaxed),
            received: self.received.load(Ordering::Relaxed),
            full_handshakes: self.full_handshakes.load(Ordering::Relaxed),
            resumed_handshakes: self.resumed_handshakes.load(Ordering::Relaxed),
        }
    }

    /// Counts one completed handshake, resumed or full.
    pub(crate) fn count_handshake(&self, resumed: bool) {
        let counter = match resumed {
            true => &self.resumed_handshakes,
            false => &self.full_handshakes,
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }
}

/// A stream that adds every byte it moves to a [`WireStats`].
#[derive(Debug)]
pub struct CountingStream<S> {
    inner: S,
    stats: Arc<WireStats>,
}

impl<S> CountingStream<S> {
    /// Wraps `inner`, counting into `stats`.
    pub fn new(inner: S, stats: Arc<WireStats>) -> Self {
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
        self.stats.received.fetch_add(read, Ordering::Relaxed);
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
            self.stats
                .sent
                .fetch_add(*written as u64, Ordering::Relaxed);
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
