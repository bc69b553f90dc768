use super::*;
use std::os::unix::fs::PermissionsExt;

/// Runs `client` on a thread (the client blocks) while the test's runtime serves the socket.
async fn on_thread<T: Send + 'static>(client: impl FnOnce() -> T + Send + 'static) -> T {
    tokio::task::spawn_blocking(client).await.unwrap()
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn requests_are_answered_and_bad_ones_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("run/control.sock");
    runtime().block_on(async {
        let board = Board::default();
        board.update(|s| s.eid = Some("89049032123451234512345678901235".into()));
        let (commands, mut inbox) = mpsc::channel(4);
        let server = serve(&path, board, commands, None).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);

        let p = path.clone();
        let status = on_thread(move || request(&p, Request::Status, Duration::from_secs(5))).await;
        assert_eq!(status.unwrap()["eid"], "89049032123451234512345678901235");

        // poll-now goes to the main loop, and its reply comes back.
        let p = path.clone();
        let client = tokio::spawn(on_thread(move || {
            request(&p, Request::PollNow, Duration::from_secs(5))
        }));
        match inbox.recv().await.unwrap() {
            Command::PollNow(reply) => reply.send(Reply::Ok("polled".into())).unwrap(),
            other => panic!("{other:?}"),
        }
        assert_eq!(client.await.unwrap().unwrap(), "polled");

        let p = path.clone();
        let client = tokio::spawn(on_thread(move || {
            request(&p, Request::Profiles, Duration::from_secs(5))
        }));
        match inbox.recv().await.unwrap() {
            Command::Inspect(Request::Profiles, reply) => {
                reply.send(Reply::Error("no card".into())).unwrap()
            }
            other => panic!("{other:?}"),
        }
        let error = client.await.unwrap().unwrap_err();
        assert!(
            matches!(error, ControlError::Daemon(ref m) if m == "no card"),
            "{error}"
        );

        for (line, expected) in [
            ("{\"command\":\"reboot\"}\n".to_owned(), "bad request"),
            (
                "{\"command\":\"status\",\"x\":1}\n".to_owned(),
                "bad request",
            ),
            (format!("{}\n", "x".repeat(MAX_REQUEST + 10)), "longer than"),
        ] {
            let p = path.clone();
            let answer = on_thread(move || {
                let mut stream = std::os::unix::net::UnixStream::connect(&p).unwrap();
                stream.write_all(line.as_bytes()).unwrap();
                let mut answer = String::new();
                stream.read_to_string(&mut answer).unwrap();
                answer
            })
            .await;
            let reply: Reply = serde_json::from_str(&answer).unwrap();
            assert!(
                matches!(&reply, Reply::Error(m) if m.contains(expected)),
                "{reply:?}"
            );
        }

        // A second daemon is refused while this one serves; the socket goes when the server does.
        let (other, _inbox) = mpsc::channel(1);
        assert!(matches!(
            serve(&path, Board::default(), other.clone(), None),
            Err(ControlError::InUse(_))
        ));
        drop(server);
        assert!(!path.exists());
        // A stale socket file (a daemon killed with SIGKILL) is replaced.
        drop(std::os::unix::net::UnixListener::bind(&path).unwrap());
        assert!(path.exists());
        let _server = serve(&path, Board::default(), other, None).unwrap();
    });
}

#[test]
fn a_missing_daemon_is_an_io_error() {
    let dir = tempfile::tempdir().unwrap();
    let error = request(
        &dir.path().join("none.sock"),
        Request::Status,
        Duration::from_secs(1),
    )
    .unwrap_err();
    assert!(matches!(error, ControlError::Io { .. }), "{error}");
}

#[test]
fn an_existing_file_at_the_socket_path_is_refused_and_kept() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(crate::store::FILE_NAME);
    std::fs::write(&path, b"the store").unwrap();
    runtime().block_on(async {
        let (commands, _inbox) = mpsc::channel(1);
        let error = serve(&path, Board::default(), commands.clone(), None).unwrap_err();
        assert!(matches!(error, ControlError::NotASocket(_)), "{error}");
        assert!(
            error.to_string().contains("daemon.control_socket"),
            "{error}"
        );
        assert_eq!(std::fs::read(&path).unwrap(), b"the store");
        // Nor is a directory touched.
        let error = serve(dir.path(), Board::default(), commands, None).unwrap_err();
        assert!(matches!(error, ControlError::NotASocket(_)), "{error}");
    });
}

#[test]
fn the_oldest_idle_connection_is_shed_for_a_new_one() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("control.sock");
    runtime().block_on(async {
        let (commands, _inbox) = mpsc::channel(1);
        let _server = serve(&path, Board::default(), commands, None).unwrap();
        let p = path.clone();
        let (oldest, answer) = on_thread(move || {
            let oldest = std::os::unix::net::UnixStream::connect(&p).unwrap();
            // Idle clients up to the cap and beyond, each connected and silent.
            let idle: Vec<_> = (0..MAX_CONNECTIONS * 2)
                .map(|_| std::os::unix::net::UnixStream::connect(&p).unwrap())
                .collect();
            let answer = request(&p, Request::Status, Duration::from_secs(2));
            drop(idle);
            (oldest, answer)
        })
        .await;
        assert!(answer.is_ok(), "{answer:?}");
        // The oldest was closed without an answer, long before the request deadline.
        let read = on_thread(move || {
            let mut oldest = oldest;
            oldest.set_read_timeout(Some(REQUEST_TIMEOUT / 5)).unwrap();
            let mut answer = Vec::new();
            oldest.read_to_end(&mut answer).map(|_| answer)
        })
        .await;
        assert_eq!(
            read.unwrap(),
            b"",
            "the oldest idle connection is still open"
        );
    });
}
