//! The CloudEvents collector (`euiccd::sim::collector`) on loopback HTTPS, served by a runtime on its own
//! thread (the test thread blocks on child processes). Stopped on drop; a new one can take the same port.
#![cfg(feature = "sim")]

use euiccd::sim::collector::Collector;
use euiccd::sim::crypto::pki::CertAndKey;
use serde_json::Value;
use std::net::SocketAddr;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};
use tokio::sync::oneshot;

/// A running collector.
pub struct CollectorServer {
    collector: Option<Arc<Collector>>,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl CollectorServer {
    /// Serves on `listen` (`127.0.0.1:0` for a free port) with `tls`.
    pub fn start(tls: &CertAndKey, listen: SocketAddr) -> Self {
        let tls = tls.clone();
        let (stop, stopped) = oneshot::channel::<()>();
        let (started, collector) = std::sync::mpsc::channel();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(async move {
                let collector = Arc::new(Collector::start(&tls, listen).await.expect("listen"));
                let _ = started.send(collector.clone());
                let _ = stopped.await;
            });
        });
        let collector = collector
            .recv_timeout(Duration::from_secs(10))
            .expect("the collector started");
        Self {
            collector: Some(collector),
            stop: Some(stop),
            thread: Some(thread),
        }
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
        self.collector.as_ref().expect("running")
    }
}

impl Drop for CollectorServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
        drop(self.collector.take());
    }
}
