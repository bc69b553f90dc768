//! The local control socket: a Unix stream socket (mode 0600, owner only) speaking line-delimited JSON.
//!
//! One request per connection: a JSON object of at most [`MAX_REQUEST`] bytes on one line, e.g.
//! `{"command":"status"}`; one answer line, `{"ok":…}` or `{"error":"…"}`. `status` is answered from the
//! snapshot at once; `poll-now` answers when the poll cycle it caused has ended; `info` and `profiles` are
//! carried out by the main loop, which owns the eUICC, between poll cycles. This is how the CLI inspects
//! the card while the daemon holds the modem port.

use super::status::Board;
use crate::store::{RECENT_EVENTS, Store, StoreError};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt};
use tokio::net::{UnixListener, UnixStream};
use tokio::sync::{mpsc, oneshot};
use tokio::task::AbortHandle;

/// Largest request line accepted.
pub const MAX_REQUEST: usize = 4096;
/// Largest answer line a client accepts.
pub(crate) const MAX_REPLY: usize = 1024 * 1024;
/// How long the daemon waits for a client's request line.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);
/// Most control connections open at once; beyond it the oldest idle one is closed. Well under the unit's
/// `LimitNOFILE=`, so that idle clients cannot take the descriptors the modem, store and HTTPS need.
pub const MAX_CONNECTIONS: usize = 16;
/// Shortest interval between two warnings about the control socket's accept loop.
const WARNING_INTERVAL: Duration = Duration::from_secs(60);

/// A request to the daemon.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "command", rename_all = "kebab-case")]
pub enum Request {
    /// The status snapshot.
    Status,
    /// Poll the eIMs now; answered with the cycle's outcome.
    PollNow,
    /// What `euiccd info` shows.
    Info,
    /// What `euiccd profiles` shows.
    Profiles,
    /// The recent network and SMS events (`euiccd events`), from the store.
    Events,
}

/// The daemon's answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Reply {
    /// The result.
    Ok(Value),
    /// Why the request failed.
    Error(String),
}

/// What the control socket asks of the main loop.
#[derive(Debug)]
pub(crate) enum Command {
    /// Poll now and answer with the outcome.
    PollNow(oneshot::Sender<Reply>),
    /// Answer an inspection request ([`Request::Info`] or [`Request::Profiles`]) through the eUICC.
    Inspect(Request, oneshot::Sender<Reply>),
}

/// A failure of the control socket, on either side.
#[derive(Debug, thiserror::Error)]
pub enum ControlError {
    /// The socket could not be set up.
    #[error("cannot set up the control socket {path}")]
    Bind {
        /// The socket path.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The path names something other than a socket; it is never removed.
    #[error(
        "daemon.control_socket = {0}: exists and is not a socket; refusing to replace it (choose another path)"
    )]
    NotASocket(PathBuf),
    /// Another daemon answers on the socket.
    #[error("control socket {0}: another euiccd is running")]
    InUse(PathBuf),
    /// The daemon could not be reached or the exchange failed.
    #[error("cannot reach the daemon on its control socket {path} (is euiccd running?)")]
    Io {
        /// The socket path.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The daemon's answer is not a reply line.
    #[error("control socket: unreadable answer: {0}")]
    BadReply(String),
    /// The daemon refused or failed the request.
    #[error("{0}")]
    Daemon(String),
}

/// The listening socket; dropping it stops serving and removes the socket file.
#[derive(Debug)]
pub(crate) struct ControlServer {
    path: PathBuf,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for ControlServer {
    fn drop(&mut self) {
        self.task.abort();
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Binds the socket at `path` (mode 0600; a stale socket is replaced, a live one refused) and serves it:
/// status from `board`, everything else through `commands`. Must run inside the tokio runtime.
pub(crate) fn serve(
    path: &Path,
    board: Board,
    commands: mpsc::Sender<Command>,
    store: Option<Arc<Store>>,
) -> Result<ControlServer, ControlError> {
    let bind_error = |source| ControlError::Bind {
        path: path.to_owned(),
        source,
    };
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        use std::os::unix::fs::DirBuilderExt;
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(parent)
            .map_err(bind_error)?;
    }
    remove_stale_socket(path)?;
    let listener = UnixListener::bind(path).map_err(bind_error)?;
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).map_err(bind_error)?;
    let task = tokio::spawn(async move {
        let mut sessions = Sessions::default();
        let mut accept_warning = RateLimitedWarning::default();
        loop {
            match listener.accept().await {
                Ok((stream, _)) => {
                    if !sessions.make_room() {
                        // Every session is being answered: this client is refused (closed) rather than
                        // let the daemon's descriptors grow.
                        accept_warning.warn("control socket busy: a connection was refused");
                        continue;
                    }
                    let handlers = Handlers {
                        board: board.clone(),
                        commands: commands.clone(),
                        store: store.clone(),
                    };
                    let idle = Arc::new(AtomicBool::new(true));
                    let task = tokio::spawn(session(stream, handlers, idle.clone()));
                    sessions.add(task.abort_handle(), idle);
                }
                Err(error) => {
                    accept_warning.warn(&format!("control socket accept failed: {error}"));
                    // Out of descriptors: an idle client gives one back; otherwise wait for a session to end.
                    if !sessions.shed_oldest_idle() {
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                }
            }
        }
    });
    Ok(ControlServer {
        path: path.to_owned(),
        task,
    })
}

/// Clears the way for binding at `path`: nothing there, or a socket nobody answers on (a daemon killed with
/// SIGKILL), which is removed. A live socket, anything that is not a socket (the store, a log, a typo'd
/// path), or a socket that cannot be probed is left alone and refused.
fn remove_stale_socket(path: &Path) -> Result<(), ControlError> {
    use std::os::unix::fs::FileTypeExt;
    let metadata = match std::fs::symlink_metadata(path) {
        Ok(metadata) => metadata,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(source) => {
            return Err(ControlError::Bind {
                path: path.to_owned(),
                source,
            });
        }
    };
    if !metadata.file_type().is_socket() {
        return Err(ControlError::NotASocket(path.to_owned()));
    }
    match std::os::unix::net::UnixStream::connect(path) {
        Ok(_) => Err(ControlError::InUse(path.to_owned())),
        Err(error) if error.kind() == std::io::ErrorKind::ConnectionRefused => {
            tracing::info!(path = %path.display(), "removing a stale control socket");
            std::fs::remove_file(path).map_err(|source| ControlError::Bind {
                path: path.to_owned(),
                source,
            })
        }
        Err(source) => Err(ControlError::Bind {
            path: path.to_owned(),
            source,
        }),
    }
}

/// The open control connections, oldest first.
#[derive(Default)]
struct Sessions(VecDeque<Session>);

/// One open connection: its task, and whether it is still waiting for the client's request line.
struct Session {
    task: AbortHandle,
    idle: Arc<AtomicBool>,
}

impl Sessions {
    fn add(&mut self, task: AbortHandle, idle: Arc<AtomicBool>) {
        self.0.push_back(Session { task, idle });
    }

    /// Forgets ended sessions, then, at [`MAX_CONNECTIONS`], closes the oldest idle one. False when all
    /// [`MAX_CONNECTIONS`] are being answered.
    fn make_room(&mut self) -> bool {
        self.0.retain(|s| !s.task.is_finished());
        self.0.len() < MAX_CONNECTIONS || self.shed_oldest_idle()
    }

    /// Closes the oldest connection whose client has sent nothing yet; false if there is none.
    fn shed_oldest_idle(&mut self) -> bool {
        let Some(oldest) = self
            .0
            .iter()
            .position(|s| !s.task.is_finished() && s.idle.load(Ordering::Relaxed))
        else {
            return false;
        };
        if let Some(session) = self.0.remove(oldest) {
            // Dropping the session's future closes its stream.
            session.task.abort();
            tracing::debug!("control socket: closed the oldest idle connection");
        }
        true
    }
}

/// A warning logged at most once per [`WARNING_INTERVAL`], with the number of repeats left out.
#[derive(Default)]
struct RateLimitedWarning {
    last: Option<Instant>,
    suppressed: u32,
}

impl RateLimitedWarning {
    fn warn(&mut self, message: &str) {
        let now = Instant::now();
        if self
            .last
            .is_some_and(|last| now.duration_since(last) < WARNING_INTERVAL)
        {
            self.suppressed = self.suppressed.saturating_add(1);
            return;
        }
        tracing::warn!(suppressed = self.suppressed, "{message}");
        self.last = Some(now);
        self.suppressed = 0;
    }
}

/// What answers the requests of a connection.
struct Handlers {
    board: Board,
    commands: mpsc::Sender<Command>,
    store: Option<Arc<Store>>,
}

/// One connection: read one bounded request line, answer it, close. `idle` is cleared once the client has
/// sent its line; until then the connection may be shed for a newer one.
async fn session(stream: UnixStream, handlers: Handlers, idle: Arc<AtomicBool>) {
    let (read, mut write) = stream.into_split();
    let mut line = Vec::new();
    let mut reader = tokio::io::BufReader::new(read.take(MAX_REQUEST as u64 + 1));
    let read = tokio::time::timeout(REQUEST_TIMEOUT, reader.read_until(b'\n', &mut line)).await;
    idle.store(false, Ordering::Relaxed);
    let reply = match read {
        Err(_) => Reply::Error("no request line in time".into()),
        Ok(Err(error)) => Reply::Error(format!("reading the request: {error}")),
        Ok(Ok(_)) if line.len() > MAX_REQUEST => {
            Reply::Error(format!("request longer than {MAX_REQUEST} bytes"))
        }
        Ok(Ok(_)) => match parse_request(&line) {
            Err(error) => Reply::Error(format!("bad request: {error}")),
            Ok(request) => answer(request, &handlers).await,
        },
    };
    let mut bytes = serde_json::to_vec(&reply).expect("a reply always serializes");
    bytes.push(b'\n');
    if let Err(error) = write.write_all(&bytes).await {
        tracing::debug!(%error, "control client went away");
    }
    // Closing with unread bytes resets the connection, and the client may lose the reply: after a request
    // that was too long, end our side and discard a bounded amount of the rest first.
    if line.len() > MAX_REQUEST {
        let _ = write.shutdown().await;
        let mut rest = reader.into_inner().into_inner().take(DISCARD_LIMIT);
        let _ = tokio::time::timeout(
            REQUEST_TIMEOUT,
            tokio::io::copy(&mut rest, &mut tokio::io::sink()),
        )
        .await;
    }
}

/// The most the server reads and discards after an over-long request, so that its reply is not lost.
const DISCARD_LIMIT: u64 = 64 * 1024;

/// Reads a request line: an object with the one key `command` (serde's `deny_unknown_fields` does not
/// reach the unit variants of an internally tagged enum, hence the explicit check). Public for the
/// `control_request` fuzz target.
pub fn parse_request(line: &[u8]) -> Result<Request, String> {
    let object: serde_json::Map<String, Value> =
        serde_json::from_slice(line).map_err(|e| e.to_string())?;
    if let Some(key) = object.keys().find(|k| *k != "command") {
        return Err(format!("unknown field {key:?}"));
    }
    serde_json::from_value(Value::Object(object)).map_err(|e| e.to_string())
}

async fn answer(request: Request, handlers: &Handlers) -> Reply {
    let (reply, answer) = oneshot::channel();
    let command = match request {
        Request::Status => {
            let snapshot = handlers.board.snapshot();
            return Reply::Ok(serde_json::to_value(snapshot).expect("status serializes"));
        }
        Request::Events => {
            return match &handlers.store {
                Some(store) => match recent_events(store) {
                    Ok(events) => Reply::Ok(events),
                    Err(error) => Reply::Error(error.to_string()),
                },
                None => Reply::Error("this daemon keeps no events".into()),
            };
        }
        Request::PollNow => Command::PollNow(reply),
        Request::Info | Request::Profiles => Command::Inspect(request, reply),
    };
    if handlers.commands.send(command).await.is_err() {
        return Reply::Error("the daemon is stopping".into());
    }
    answer
        .await
        .unwrap_or_else(|_| Reply::Error("the daemon is stopping".into()))
}

/// The recent events in the store, oldest first, each with its `id` (what `euiccd events` prints).
pub(crate) fn recent_events(store: &Store) -> Result<Value, StoreError> {
    let events = store
        .recent_events(RECENT_EVENTS as usize)?
        .into_iter()
        .map(|(id, body)| {
            // Only this program writes the record; an unreadable one shows as null.
            let record: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
            serde_json::json!({ "id": id, "event": record })
        })
        .collect();
    Ok(Value::Array(events))
}

/// Sends `request` to the daemon at `path` and returns its result; waits at most `timeout` for the answer.
pub fn request(path: &Path, request: Request, timeout: Duration) -> Result<Value, ControlError> {
    let io = |source| ControlError::Io {
        path: path.to_owned(),
        source,
    };
    let mut stream = std::os::unix::net::UnixStream::connect(path).map_err(io)?;
    stream.set_read_timeout(Some(timeout)).map_err(io)?;
    stream.set_write_timeout(Some(timeout)).map_err(io)?;
    let mut line = serde_json::to_vec(&request).expect("a request always serializes");
    line.push(b'\n');
    stream.write_all(&line).map_err(io)?;
    let mut answer = Vec::new();
    BufReader::new(stream.take(MAX_REPLY as u64 + 1))
        .read_until(b'\n', &mut answer)
        .map_err(io)?;
    if answer.len() > MAX_REPLY {
        return Err(ControlError::BadReply(format!(
            "longer than {MAX_REPLY} bytes"
        )));
    }
    match serde_json::from_slice(&answer) {
        Ok(Reply::Ok(value)) => Ok(value),
        Ok(Reply::Error(message)) => Err(ControlError::Daemon(message)),
        Err(error) => Err(ControlError::BadReply(error.to_string())),
    }
}

#[cfg(test)]
mod tests;
