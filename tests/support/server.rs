//! A simulator's loopback server served by a runtime on its own thread (the test thread blocks on child
//! processes), stopped on drop.

use std::future::Future;
use std::thread::JoinHandle;
use std::time::Duration;
use tokio::sync::oneshot;

/// A running server and the handle its start returned.
pub struct ServerThread<H> {
    handle: Option<H>,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl<H: Send + 'static> ServerThread<H> {
    /// Runs `start` on a new thread's runtime, which then serves until the drop; panics naming `what` if
    /// it does not start.
    pub fn spawn<F>(what: &'static str, start: impl FnOnce() -> F + Send + 'static) -> Self
    where
        F: Future<Output = H>,
    {
        let (stop, stopped) = oneshot::channel::<()>();
        let (started, handle) = std::sync::mpsc::channel();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(async move {
                let _ = started.send(start().await);
                let _ = stopped.await;
            });
        });
        let handle = handle
            .recv_timeout(Duration::from_secs(10))
            .unwrap_or_else(|_| panic!("{what} did not start"));
        Self {
            handle: Some(handle),
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    /// What the start returned.
    pub fn handle(&self) -> &H {
        self.handle.as_ref().expect("running")
    }
}

impl<H> Drop for ServerThread<H> {
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
