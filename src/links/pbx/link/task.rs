//! The link task: the one owner of the port. The shared driver ([`keep::run`]) opens the port
//! (reconnecting with back-off when the device vanishes or stops answering) and runs one
//! [`Session`] per connection; here is what the PBX side adds to it.

use std::collections::VecDeque;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::{mpsc, watch};
use tokio::time::Instant;

use super::context::LinkCtx;
use super::session::{log_link, Session, SessionEnd};
use crate::domain::link::{LinkState, LinkStatus};
use crate::links::handle::{LinkCommand, LinkHandle};
use crate::links::keep::{self, End, Outer, Role};

pub use crate::links::port::Connector;

/// Starts the link task.
pub fn spawn<C: Connector>(ctx: LinkCtx, connector: C) -> (LinkHandle, tokio::task::JoinHandle<()>) {
    let (cmd_tx, cmd_rx) = mpsc::channel(16);
    let (status_tx, status_rx) = watch::channel(LinkStatus::new(connector.describe()));
    let outer = Outer::new(Some(Instant::now()), false);
    let task = tokio::spawn(keep::run(PbxRole { ctx, status: status_tx }, connector, cmd_rx, outer));
    (LinkHandle { commands: cmd_tx, status: status_rx }, task)
}

/// The PBX link's part in [`keep::run`].
struct PbxRole {
    ctx: LinkCtx,
    status: watch::Sender<LinkStatus>,
}

impl Role for PbxRole {
    const PEER: &'static str = "PBX";

    async fn session<S: AsyncRead + AsyncWrite + Send + 'static>(
        &mut self,
        stream: S,
        framing: fias::Framing,
        _peer: Option<String>,
        commands: &mut mpsc::Receiver<LinkCommand>,
        outer: &mut Outer,
    ) -> End {
        self.status.send_modify(|s| s.last_error = None);
        let mut session = Session::new(&self.ctx, &self.status, framing);
        match session.run(stream, commands, outer).await {
            SessionEnd::Shutdown(done) => End::Shutdown(done),
            SessionEnd::Lost(why) => End::Lost(why.to_string()),
        }
    }

    async fn lost(&mut self, why: &str, outer: &mut Outer) {
        if outer.went_down() {
            let text = format!("PBX link down: {why}; changes wait in the queue");
            log_link(&self.ctx, "pbx_down", &text, serde_json::json!({})).await;
        }
        let since = self.ctx.now_text();
        self.status.send_modify(|s| {
            if s.link != LinkState::Down {
                s.since = Some(since);
            }
            s.link = LinkState::Down;
            s.last_error = Some(why.to_string());
            s.reconnects += 1;
            s.resync_in_progress = false;
        });
    }

    fn reconnect_max(&self) -> Duration {
        self.ctx.cfg.reconnect_max
    }
}

/// A connector over streams made beforehand (in-memory pipes in tests); each reconnect takes
/// the next one.
pub struct Streams<S>(pub VecDeque<S>, pub String);

impl<S: AsyncRead + AsyncWrite + Send + 'static> Connector for Streams<S> {
    type Stream = S;
    async fn connect(&mut self) -> Result<S, String> {
        self.0.pop_front().ok_or_else(|| "no more streams".to_string())
    }
    fn describe(&self) -> String {
        self.1.clone()
    }
}
