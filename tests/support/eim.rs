//! The simulated eIM inside the test process, for tests that run the agent (`euiccd … eim poll`) over the
//! simulated modem of `sim serve`: the test queues packages and reads what the agent reported.

use super::server::ServerThread;
use euiccd_sim::crypto::pki::CertAndKey;
use euiccd_sim::eim::SimEim;
use euiccd_sim::eim::server::{EimHandle, SmdpRelay, start_relaying};

/// The simulated eIM over HTTPS on 127.0.0.1, stopped on drop.
pub struct EimServer(ServerThread<EimHandle>);

impl EimServer {
    /// Serves `eim` with the TLS certificate and key `tls` on a free loopback port, relaying indirect
    /// downloads through `relay` if given.
    pub fn start(eim: SimEim, tls: &CertAndKey, relay: Option<SmdpRelay>) -> Self {
        let tls = tls.clone();
        Self(ServerThread::spawn("the eIM", move || async move {
            let listen = "127.0.0.1:0".parse().expect("address");
            let handle = start_relaying(eim, &tls, listen, relay).await;
            handle.expect("the eIM starts")
        }))
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
        self.0.handle()
    }
}
