//! The rest of the service's way to talk to a link task (the PBX link's, and the PMS link's,
//! which takes the same commands), and the one way a task waits while still answering them.

use std::future::Future;
use std::time::Duration;

use tokio::sync::{mpsc, oneshot, watch};

use crate::domain::link::LinkStatus;

/// Requests to a link task.
#[derive(Debug)]
pub enum LinkCommand {
    /// Bring the other side in line: the PBX link sends every room's full state; the PMS link
    /// asks the PMS for a database resync (`DR`).
    Resync,
    /// Say `LE` and stop; answered once the port is closed.
    Shutdown(oneshot::Sender<()>),
}

/// A link task's commands and status, for the rest of the service.
#[derive(Clone)]
pub struct Handle<S> {
    pub commands: mpsc::Sender<LinkCommand>,
    pub status: watch::Receiver<S>,
}

/// The PBX link's handle.
pub type LinkHandle = Handle<LinkStatus>;

impl<S: Clone> Handle<S> {
    pub fn status(&self) -> S {
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

/// How waiting while answering commands ended.
pub enum Waited<T> {
    Done(T),
    /// Stop: a shutdown (to be answered once the task has stopped), or nobody can ask any more.
    Stop(Option<oneshot::Sender<()>>),
}

/// Waits for `fut` (opening a port, a back-off pause) while answering commands: a resync asked
/// for meanwhile is remembered in `resync_wanted`, for when the link is up.
pub async fn answering<T>(
    fut: impl Future<Output = T>,
    commands: &mut mpsc::Receiver<LinkCommand>,
    resync_wanted: &mut bool,
) -> Waited<T> {
    tokio::pin!(fut);
    loop {
        tokio::select! {
            r = &mut fut => return Waited::Done(r),
            cmd = commands.recv() => match cmd {
                Some(LinkCommand::Resync) => *resync_wanted = true,
                Some(LinkCommand::Shutdown(done)) => return Waited::Stop(Some(done)),
                None => return Waited::Stop(None),
            },
        }
    }
}

/// The task stops: says so to whoever asked for the shutdown.
pub fn stopped(done: Option<oneshot::Sender<()>>) {
    if let Some(done) = done {
        let _ = done.send(());
    }
}
