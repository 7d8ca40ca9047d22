//! The link task: the one owner of the port. It opens the port (reconnecting with back-off
//! when the device vanishes or stops answering) and runs one session per connection.

use std::collections::VecDeque;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::{mpsc, watch};
use tokio::time::Instant;

use super::context::LinkCtx;
use super::handle::{answering, stopped, LinkCommand, LinkHandle, Waited};
use super::session::{log_link, LinkError, Outer, Session, SessionEnd};
use crate::domain::link::{LinkState, LinkStatus};

pub use crate::links::port::Connector;

/// Starts the link task.
pub fn spawn<C: Connector>(ctx: LinkCtx, connector: C) -> (LinkHandle, tokio::task::JoinHandle<()>) {
    let (cmd_tx, cmd_rx) = mpsc::channel(16);
    let (status_tx, status_rx) = watch::channel(LinkStatus::new(connector.describe()));
    let task = tokio::spawn(run(ctx, connector, cmd_rx, status_tx));
    (LinkHandle { commands: cmd_tx, status: status_rx }, task)
}

async fn run<C: Connector>(
    ctx: LinkCtx,
    mut connector: C,
    mut commands: mpsc::Receiver<LinkCommand>,
    status: watch::Sender<LinkStatus>,
) {
    let mut backoff = Duration::from_millis(250);
    let mut outer = Outer { down_since: Instant::now(), resync_wanted: false, was_up: false, logged_down: false };
    loop {
        // Opening may wait (a listening port waits for the PBX to connect): keep answering.
        let opened = match answering(connector.connect(), &mut commands, &mut outer.resync_wanted).await {
            Waited::Done(r) => r,
            Waited::Stop(done) => return stopped(done),
        };
        let end = match opened {
            Ok(stream) => {
                backoff = Duration::from_millis(250);
                status.send_modify(|s| s.last_error = None);
                let mut session = Session::new(&ctx, &status, connector.framing());
                session.run(stream, &mut commands, &mut outer).await
            }
            Err(e) => SessionEnd::Lost(LinkError::Open(e)),
        };
        match end {
            SessionEnd::Shutdown(done) => return stopped(Some(done)),
            SessionEnd::Lost(why) => {
                tracing::warn!(port = %connector.describe(), "PBX link lost: {why}; retrying in {backoff:?}");
                if std::mem::take(&mut outer.was_up) {
                    outer.down_since = Instant::now();
                    outer.logged_down = true;
                    log_link(&ctx, "pbx_down", &format!("PBX link down: {why}; changes wait in the queue")).await;
                }
                status.send_modify(|s| {
                    if s.link != LinkState::Down {
                        s.since = Some(ctx.now_text());
                    }
                    s.link = LinkState::Down;
                    s.last_error = Some(why.to_string());
                    s.reconnects += 1;
                    s.resync_in_progress = false;
                });
            }
        }
        // Wait out the back-off, still answering commands.
        let until = Instant::now() + backoff;
        backoff = (backoff * 2).min(ctx.cfg.reconnect_max);
        if let Waited::Stop(done) =
            answering(tokio::time::sleep_until(until), &mut commands, &mut outer.resync_wanted).await
        {
            return stopped(done);
        }
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
