//! A TCP proxy on loopback that plays the network between the agent and a server: a cellular link's
//! latency and throughput, a carrier NAT that forgets idle flows, and faults on demand (a flow black-holed,
//! a connection cut in the middle of an answer). Tests and the benchmark put it in front of the simulated
//! eIM and SM-DP+ (the client's connect override points at [`LinkProxy::local_addr`]).
//!
//! Each direction of a flow is a pipe: a segment read at `t` leaves when the link is free (at the capped
//! throughput) and arrives one delay later; reading goes on meanwhile, as a link carries many segments at
//! once. A black-holed flow (or one the NAT forgot) drops whatever it gets in either direction and never
//! closes: no FIN, no RST, as a NAT does. Written for loopback tests: the proxy buffers what it reads without
//! bound, and its clock is tokio's.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::task::{JoinHandle, JoinSet};
use tokio::time::Instant;

/// The largest piece read and forwarded at once (a TCP segment on an Ethernet-sized path).
const SEGMENT: usize = 1460;

/// What the link between the client and the server is like.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LinkConfig {
    /// Delay of every segment, each way (half the round-trip time).
    pub one_way_delay: Duration,
    /// Throughput each way, bit/s; `None`: as fast as loopback.
    pub bits_per_sec: Option<u32>,
    /// A NAT on the way forgets a flow idle this long (no segment either way); its segments are then
    /// dropped without a word.
    pub nat_idle: Option<Duration>,
}

impl LinkConfig {
    /// A link with this round-trip time and throughput (kbit/s), no NAT.
    pub fn with_rtt(rtt: Duration, kbps: Option<u32>) -> Self {
        Self {
            one_way_delay: rtt / 2,
            bits_per_sec: kbps.map(|k| k.saturating_mul(1000)),
            nat_idle: None,
        }
    }
}

/// What the proxy saw and the faults it is told to make, shared by its flows.
#[derive(Debug, Default)]
struct Control {
    /// Server-to-client bytes forwarded, all flows together.
    answer_bytes: u64,
    /// Runs of server-to-client bytes: (offset of the first byte, length). A run starts when the server
    /// sends after the client did.
    bursts: Vec<(u64, u64)>,
    /// The last direction that carried bytes.
    last_up: bool,
    /// Cut the connection that carries server byte number `cut_at` (counted as `answer_bytes`), there.
    cut_at: Option<u64>,
    /// Bumped by [`LinkProxy::black_hole`]: flows older than this generation drop everything.
    holes: u32,
    /// Connections accepted.
    connections: u32,
    /// Flows the NAT forgot.
    nat_drops: u32,
}

/// The running proxy; dropping it stops it and closes its flows.
#[derive(Debug)]
pub struct LinkProxy {
    address: SocketAddr,
    control: Arc<Mutex<Control>>,
    task: JoinHandle<()>,
}

impl LinkProxy {
    /// Listens on a free loopback port and forwards each connection to `upstream` over a link of `config`.
    pub async fn start(upstream: SocketAddr, config: LinkConfig) -> std::io::Result<Self> {
        let listener = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0))).await?;
        let address = listener.local_addr()?;
        let control = Arc::new(Mutex::new(Control::default()));
        let shared = Arc::clone(&control);
        let task = tokio::spawn(async move {
            let mut flows = JoinSet::new();
            while let Ok((client, _)) = listener.accept().await {
                let generation = update(&shared, |c| {
                    c.connections += 1;
                    c.holes
                });
                flows.spawn(flow(
                    client,
                    upstream,
                    config,
                    Arc::clone(&shared),
                    generation,
                ));
                while flows.try_join_next().is_some() {}
            }
        });
        Ok(Self {
            address,
            control,
            task,
        })
    }

    /// Where clients connect.
    pub fn local_addr(&self) -> SocketAddr {
        self.address
    }

    /// Every open flow drops whatever it gets from now on, silently; new connections work.
    pub fn black_hole(&self) {
        update(&self.control, |c| c.holes += 1);
    }

    /// Cuts the connection that carries server byte number `offset` (counting every answer byte the proxy
    /// forwarded since it started), right there: the bytes before it arrive, then both ends are closed.
    pub fn cut_answer_at(&self, offset: u64) {
        update(&self.control, |c| c.cut_at = Some(offset));
    }

    /// The runs of server-to-client bytes so far: (offset, length); a run starts when the server sends
    /// after the client did (a TLS flight, an HTTP answer).
    pub fn answer_bursts(&self) -> Vec<(u64, u64)> {
        update(&self.control, |c| c.bursts.clone())
    }

    /// Server-to-client bytes forwarded so far, all flows together.
    pub fn answer_bytes(&self) -> u64 {
        update(&self.control, |c| c.answer_bytes)
    }

    /// Connections accepted so far.
    pub fn connections(&self) -> u32 {
        update(&self.control, |c| c.connections)
    }

    /// Flows the NAT forgot so far.
    pub fn nat_drops(&self) -> u32 {
        update(&self.control, |c| c.nat_drops)
    }
}

impl Drop for LinkProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn update<R>(control: &Mutex<Control>, change: impl FnOnce(&mut Control) -> R) -> R {
    change(&mut control.lock().unwrap_or_else(PoisonError::into_inner))
}

/// The state of one flow both directions share.
#[derive(Debug)]
struct Flow {
    generation: u32,
    last_segment: Instant,
    /// Black-holed or forgotten by the NAT: drop everything, close nothing.
    silent: bool,
    /// Cut: both directions stop and close.
    cut: bool,
}

/// One proxied connection.
async fn flow(
    client: TcpStream,
    upstream: SocketAddr,
    config: LinkConfig,
    control: Arc<Mutex<Control>>,
    generation: u32,
) {
    let Ok(server) = TcpStream::connect(upstream).await else {
        return;
    };
    let _ = (client.set_nodelay(true), server.set_nodelay(true));
    let state = Arc::new(Mutex::new(Flow {
        generation,
        last_segment: Instant::now(),
        silent: false,
        cut: false,
    }));
    let (client_read, client_write) = client.into_split();
    let (server_read, server_write) = server.into_split();
    let up = Direction {
        config,
        control: Arc::clone(&control),
        state: Arc::clone(&state),
        answers: false,
    };
    let down = Direction {
        answers: true,
        ..up.clone()
    };
    tokio::join!(
        up.pump(client_read, server_write),
        down.pump(server_read, client_write)
    );
}

/// One direction of a flow.
#[derive(Debug, Clone)]
struct Direction {
    config: LinkConfig,
    control: Arc<Mutex<Control>>,
    state: Arc<Mutex<Flow>>,
    /// Server to client.
    answers: bool,
}

/// What to do with a segment just read.
enum Verdict {
    /// Forward these many bytes of it.
    Forward(usize),
    /// Forward these many bytes, then cut the connection.
    CutAfter(usize),
    /// Drop it.
    Drop,
}

impl Direction {
    /// Reads from `from` and delivers to `to` over the link until either side ends or the flow is cut.
    async fn pump(self, mut from: OwnedReadHalf, to: OwnedWriteHalf) {
        let (queue, segments) = mpsc::unbounded_channel();
        let writer = tokio::spawn(deliver(segments, to));
        let mut buffer = vec![0u8; SEGMENT];
        let mut link_free = Instant::now();
        loop {
            let read = from.read(&mut buffer).await.unwrap_or(0);
            if self.cut() {
                break;
            }
            if read == 0 {
                if self.silenced(Instant::now()) {
                    // A silent flow never passes on a close: keep the other end waiting.
                    std::future::pending::<()>().await;
                }
                let _ = queue.send(None);
                break;
            }
            let (count, cut) = match self.judge(read) {
                Verdict::Drop => continue,
                Verdict::Forward(count) => (count, false),
                Verdict::CutAfter(count) => (count, true),
            };
            let now = Instant::now();
            link_free = link_free.max(now) + self.transmission(count);
            let arrival = link_free + self.config.one_way_delay;
            let _ = queue.send(Some((arrival, buffer[..count].to_vec())));
            if cut {
                let _ = queue.send(None);
                break;
            }
        }
        drop(queue);
        let _ = writer.await;
    }

    /// Whether the flow was cut (by either direction).
    fn cut(&self) -> bool {
        self.state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .cut
    }

    /// Whether the flow drops everything at `now`: black-holed, or idle past the NAT's timeout (it then
    /// stays forgotten).
    fn silenced(&self, now: Instant) -> bool {
        let holes = update(&self.control, |c| c.holes);
        let mut flow = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let forgotten = self
            .config
            .nat_idle
            .is_some_and(|idle| now.duration_since(flow.last_segment) > idle);
        if forgotten && !flow.silent {
            update(&self.control, |c| c.nat_drops += 1);
        }
        flow.silent |= forgotten || flow.generation < holes;
        flow.silent
    }

    /// What to do with `read` bytes just read: counts them, and applies a silence or a cut.
    fn judge(&self, read: usize) -> Verdict {
        let now = Instant::now();
        if self.silenced(now) {
            return Verdict::Drop;
        }
        let mut flow = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        flow.last_segment = now;
        update(&self.control, |c| {
            if !self.answers {
                c.last_up = true;
                return Verdict::Forward(read);
            }
            if c.last_up || c.bursts.is_empty() {
                c.bursts.push((c.answer_bytes, 0));
                c.last_up = false;
            }
            let start = c.answer_bytes;
            let end = start + read as u64;
            let verdict = match c.cut_at {
                Some(at) if (start..end).contains(&at) => {
                    c.cut_at = None;
                    flow.cut = true;
                    Verdict::CutAfter((at - start) as usize)
                }
                _ => Verdict::Forward(read),
            };
            let forwarded = match verdict {
                Verdict::CutAfter(count) | Verdict::Forward(count) => count as u64,
                Verdict::Drop => 0,
            };
            c.answer_bytes += forwarded;
            if let Some(burst) = c.bursts.last_mut() {
                burst.1 += forwarded;
            }
            verdict
        })
    }

    /// How long `bytes` take on the link at its throughput.
    fn transmission(&self, bytes: usize) -> Duration {
        match self.config.bits_per_sec {
            Some(rate) if rate > 0 => Duration::from_secs_f64(bytes as f64 * 8.0 / f64::from(rate)),
            _ => Duration::ZERO,
        }
    }
}

/// Writes each segment to `to` at its arrival time; `None` closes the write side.
async fn deliver(
    mut segments: mpsc::UnboundedReceiver<Option<(Instant, Vec<u8>)>>,
    mut to: OwnedWriteHalf,
) {
    while let Some(Some((arrival, bytes))) = segments.recv().await {
        tokio::time::sleep_until(arrival).await;
        if to.write_all(&bytes).await.is_err() {
            return;
        }
    }
    let _ = to.shutdown().await;
}
