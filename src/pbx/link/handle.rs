//! The rest of the service's way to talk to the link task.

use std::time::Duration;

use tokio::sync::{mpsc, oneshot, watch};

use super::status::LinkStatus;

/// Requests to the link task.
#[derive(Debug)]
pub enum LinkCommand {
    /// Send every room's full state to the PBX.
    Resync,
    /// Say `LE` and stop; answered once the port is closed.
    Shutdown(oneshot::Sender<()>),
}

/// The rest of the service's way to talk to the link task.
#[derive(Clone)]
pub struct LinkHandle {
    pub commands: mpsc::Sender<LinkCommand>,
    pub status: watch::Receiver<LinkStatus>,
}

impl LinkHandle {
    pub fn status(&self) -> LinkStatus {
        self.status.borrow().clone()
    }

    pub async fn resync(&self) -> bool {
        self.commands.send(LinkCommand::Resync).await.is_ok()
    }

    /// Sends `LE`, closes the port and waits (bounded) for the task to finish.
    pub async fn shutdown(&self, wait: Duration) {
        let (tx, rx) = oneshot::channel();
        if self.commands.send(LinkCommand::Shutdown(tx)).await.is_ok() {
            let _ = tokio::time::timeout(wait, rx).await;
        }
    }
}
