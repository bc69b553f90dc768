//! The CloudEvents collector (`euiccd_sim::collector`) on loopback HTTPS, served by a runtime on its own
//! thread (the test thread blocks on child processes). Stopped on drop; a new one can take the same port.

use super::server::ServerThread;
use euiccd_sim::collector::Collector;
use euiccd_sim::crypto::pki::CertAndKey;
use serde_json::Value;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A running collector.
pub struct CollectorServer(ServerThread<Arc<Collector>>);

impl CollectorServer {
    /// Serves on `listen` (`127.0.0.1:0` for a free port) with `tls`.
    pub fn start(tls: &CertAndKey, listen: SocketAddr) -> Self {
        let tls = tls.clone();
        Self(ServerThread::spawn("the collector", move || async move {
            Arc::new(Collector::start(&tls, listen).await.expect("listen"))
        }))
    }

    /// Where it listens.
    pub fn address(&self) -> SocketAddr {
        self.collector().local_addr()
    }

    /// The events received so far, each once.
    pub fn events(&self) -> Vec<Value> {
        self.collector().events()
    }

    /// Waits until `done` holds for the events received; panics after `timeout`.
    pub fn wait_until(&self, timeout: Duration, done: impl Fn(&[Value]) -> bool) -> Vec<Value> {
        let deadline = Instant::now() + timeout;
        loop {
            let events = self.events();
            if done(&events) {
                return events;
            }
            assert!(
                Instant::now() < deadline,
                "the collector never got what was expected: {events:#?}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn collector(&self) -> &Collector {
        self.0.handle()
    }
}
