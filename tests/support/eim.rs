//! The simulated eIM inside the test process, for tests that run the agent (`euiccd … eim poll`) over the
//! simulated modem of `sim serve`: the test queues packages and reads what the agent reported.
#![cfg(feature = "sim")]

use std::thread::JoinHandle;
use std::time::Duration;

use euiccd::sim::crypto::pki::CertAndKey;
use euiccd::sim::eim::SimEim;
use euiccd::sim::eim::server::{EimHandle, SmdpRelay, start_relaying};
use tokio::sync::oneshot;

/// The simulated eIM over HTTPS on 127.0.0.1, served by a runtime on its own thread (the test thread blocks
/// on child processes). Stopped on drop.
pub struct EimServer {
    handle: Option<EimHandle>,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl EimServer {
    /// Serves `eim` with the TLS certificate and key `tls` on a free loopback port, relaying indirect
    /// downloads through `relay` if given.
    pub fn start(eim: SimEim, tls: &CertAndKey, relay: Option<SmdpRelay>) -> Self {
        let tls = tls.clone();
        let (stop, stopped) = oneshot::channel::<()>();
        let (started, handle) = std::sync::mpsc::channel();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(async move {
                let listen = "127.0.0.1:0".parse().expect("address");
                let handle = start_relaying(eim, &tls, listen, relay).await;
                let _ = started.send(handle.expect("the eIM starts"));
                let _ = stopped.await;
            });
        });
        let handle = handle
            .recv_timeout(Duration::from_secs(10))
            .expect("the eIM started");
        Self {
            handle: Some(handle),
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    /// Where it listens, for `--eim-connect`.
    pub fn address(&self) -> String {
        self.handle().local_addr().to_string()
    }

    /// Runs `f` on the eIM (queue packages, read reports).
    pub fn with_eim<R>(&self, f: impl FnOnce(&mut SimEim) -> R) -> R {
        self.handle().with_eim(f)
    }

    fn handle(&self) -> &EimHandle {
        self.handle.as_ref().expect("running")
    }
}

impl Drop for EimServer {
    fn drop(&mut self) {
        drop(self.handle.take());
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
