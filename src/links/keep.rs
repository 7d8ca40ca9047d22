//! Keeping a link up: the one driver both FIAS roles run (the PBX link, where switchboard is the
//! PMS side, and the PMS link, where it plays the PBX's part). It opens the port (which may wait:
//! a listening port waits for its peer), runs one session per connection, and after a loss waits
//! out a doubling back-off, answering the rest of the service's commands all the while.
//!
//! A role brings what differs ([`Role`]): the session itself, what a loss writes (status,
//! logbook) and what a stop leaves behind.

use std::future::Future;
use std::time::Duration;

use fias::Framing;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;

use super::handle::{answering, stopped, LinkCommand, Waited};
use super::port::Connector;

/// The first pause after a loss; it doubles up to the role's [`Role::reconnect_max`].
const FIRST_BACKOFF: Duration = Duration::from_millis(250);

/// What outlives one connection.
#[derive(Debug)]
pub struct Outer {
    /// When the link went down (`None`: not up yet in this run, where the role says so).
    pub down_since: Option<Instant>,
    /// A resync is owed once the link is up (asked for by command, or data may have been lost).
    pub resync_wanted: bool,
    /// The link was up and its loss is not in the logbook yet.
    pub was_up: bool,
    /// A "link down" entry was written: the next "up" writes its counterpart.
    pub logged_down: bool,
}

impl Outer {
    pub fn new(down_since: Option<Instant>, resync_wanted: bool) -> Self {
        Outer { down_since, resync_wanted, was_up: false, logged_down: false }
    }

    /// The link is down: if it had been up, it is down since now and its loss is to be logged
    /// (once: `logged_down` asks the next "up" for its counterpart). Returns whether it had been up.
    pub fn went_down(&mut self) -> bool {
        let was_up = std::mem::take(&mut self.was_up);
        if was_up {
            self.down_since = Some(Instant::now());
            self.logged_down = true;
        }
        was_up
    }
}

/// How a session ended.
pub enum End {
    /// Asked to stop (`LE` said, port closed); answered once the task has stopped.
    Shutdown(oneshot::Sender<()>),
    /// The connection was lost or could not be opened: why.
    Lost(String),
}

/// What one role brings to the driver.
pub trait Role: Send {
    /// For the log: "PBX" or "PMS".
    const PEER: &'static str;

    /// Runs one session over `stream` until it ends. `peer`: who is on the other end, if known.
    fn session<S: AsyncRead + AsyncWrite + Send + 'static>(
        &mut self,
        stream: S,
        framing: Framing,
        peer: Option<String>,
        commands: &mut mpsc::Receiver<LinkCommand>,
        outer: &mut Outer,
    ) -> impl Future<Output = End> + Send;

    /// The link was lost (or the port did not open): status and logbook.
    fn lost(&mut self, why: &str, outer: &mut Outer) -> impl Future<Output = ()> + Send;

    /// The task stops, for good.
    fn stopping(&mut self) -> impl Future<Output = ()> + Send {
        async {}
    }

    /// The longest pause between two attempts.
    fn reconnect_max(&self) -> Duration;
}

/// Keeps the link up until told to stop (or nobody can tell it anything any more).
pub async fn run<C: Connector, R: Role>(
    mut role: R,
    mut connector: C,
    mut commands: mpsc::Receiver<LinkCommand>,
    mut outer: Outer,
) {
    let mut backoff = FIRST_BACKOFF;
    let done = loop {
        let opened = match answering(connector.connect(), &mut commands, &mut outer.resync_wanted).await {
            Waited::Done(r) => r,
            Waited::Stop(done) => break done,
        };
        let why = match opened {
            Ok(stream) => {
                backoff = FIRST_BACKOFF;
                let (framing, peer) = (connector.framing(), connector.peer());
                match role.session(stream, framing, peer, &mut commands, &mut outer).await {
                    End::Shutdown(done) => break Some(done),
                    End::Lost(why) => why,
                }
            }
            Err(e) => format!("cannot open the port: {e}"),
        };
        tracing::warn!(port = %connector.describe(), "{} link lost: {why}; retrying in {backoff:?}", R::PEER);
        role.lost(&why, &mut outer).await;
        let until = Instant::now() + backoff;
        backoff = (backoff * 2).min(role.reconnect_max());
        if let Waited::Stop(done) =
            answering(tokio::time::sleep_until(until), &mut commands, &mut outer.resync_wanted).await
        {
            break done;
        }
    };
    role.stopping().await;
    stopped(done);
}
