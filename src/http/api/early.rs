//! Errors answered before the application sees a request (a path too long: 414, too many or too
//! large headers: 431, a request that is not HTTP/1.1 such as a TLS hello: 400). hyper writes
//! them itself with an empty body; [`JsonErrors`] wraps a connection and gives them the API's
//! `{"error": ..., "code": ...}` body like every other error.
//!
//! hyper's own error answers are the only ones that close the connection with an empty body and
//! an error status; the application's errors always carry JSON, so nothing else is touched.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use super::codes::Code;

/// A connection whose early error answers carry a JSON body.
pub struct JsonErrors<S> {
    inner: S,
    /// A rewritten answer still being written, and how much of it is out.
    pending: Vec<u8>,
    written: usize,
}

impl<S> JsonErrors<S> {
    pub fn new(inner: S) -> Self {
        JsonErrors { inner, pending: Vec::new(), written: 0 }
    }
}

/// What an early error says, by status.
/// The text and the code of hyper's own error answers (the codes `api::error` gives too).
fn message(status: u16) -> (&'static str, Code) {
    match status {
        414 => ("the request's path is too long", Code::UriTooLong),
        431 => ("the request's headers are too many or too large", Code::HeadersTooLarge),
        400 => (
            "not an HTTP/1.1 request (the API speaks plain HTTP: put a TLS proxy in front for HTTPS)",
            Code::BadRequest,
        ),
        408 => ("the request's headers took too long (api.header_timeout)", Code::Timeout),
        413 => ("the request body is too large", Code::PayloadTooLarge),
        _ => ("the request cannot be served", Code::Unavailable),
    }
}

/// hyper's empty-bodied error answer, rewritten with a JSON body; `None` for anything else.
pub fn rewrite(head: &[u8]) -> Option<Vec<u8>> {
    let text = std::str::from_utf8(head).ok()?;
    let rest = text.strip_prefix("HTTP/1.1 ")?;
    let status: u16 = rest.get(..3)?.parse().ok()?;
    if !(400..600).contains(&status) || !text.ends_with("\r\n\r\n") {
        return None;
    }
    let lower = text.to_ascii_lowercase();
    if !lower.contains("\r\ncontent-length: 0\r\n") || !lower.contains("\r\nconnection: close\r\n") {
        return None;
    }
    let (text_of, code) = message(status);
    let body = serde_json::json!({ "error": text_of, "code": code.as_str(), "params": {} }).to_string();
    let mut out = String::with_capacity(text.len() + body.len() + 48);
    for line in text.trim_end_matches("\r\n").split("\r\n") {
        if line.to_ascii_lowercase().starts_with("content-length:") {
            out.push_str(&format!("content-type: application/json\r\ncontent-length: {}", body.len()));
        } else {
            out.push_str(line);
        }
        out.push_str("\r\n");
    }
    out.push_str("\r\n");
    out.push_str(&body);
    Some(out.into_bytes())
}

impl<S: AsyncWrite + Unpin> JsonErrors<S> {
    /// Writes out what is pending; ready when nothing is.
    fn drain(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while self.written < self.pending.len() {
            let n = std::task::ready!(Pin::new(&mut self.inner).poll_write(cx, &self.pending[self.written..]))?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            self.written += n;
        }
        self.pending.clear();
        self.written = 0;
        Poll::Ready(Ok(()))
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for JsonErrors<S> {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for JsonErrors<S> {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        std::task::ready!(self.drain(cx))?;
        if buf.starts_with(b"HTTP/1.1 4") || buf.starts_with(b"HTTP/1.1 5") {
            if let Some(answer) = rewrite(buf) {
                self.pending = answer;
                // Taken whole: what is not out yet goes at the next write, flush or shutdown.
                let _ = self.drain(cx)?;
                return Poll::Ready(Ok(buf.len()));
            }
        }
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        std::task::ready!(self.drain(cx))?;
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        std::task::ready!(self.drain(cx))?;
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }

    // hyper then writes each answer's head as one buffer, which `rewrite` can see whole.
    fn is_write_vectored(&self) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hypers_empty_error_answers_get_a_json_body_and_nothing_else_is_touched() {
        let head = b"HTTP/1.1 431 Request Header Fields Too Large\r\nconnection: close\r\ncontent-length: 0\r\ndate: Fri, 04 Dec 2026 20:24:06 GMT\r\n\r\n";
        let out = String::from_utf8(rewrite(head).unwrap()).unwrap();
        let (head, body) = out.split_once("\r\n\r\n").unwrap();
        assert!(head.contains("content-type: application/json"), "{head}");
        assert!(head.contains(&format!("content-length: {}", body.len())), "{head}");
        let v: serde_json::Value = serde_json::from_str(body).unwrap();
        assert!(v["error"].as_str().unwrap().contains("headers"));
        // An application's answer (a body, or no connection: close) is left alone.
        assert!(rewrite(b"HTTP/1.1 404 Not Found\r\ncontent-type: application/json\r\ncontent-length: 12\r\n\r\n")
            .is_none());
        assert!(rewrite(b"HTTP/1.1 204 No Content\r\nconnection: close\r\ncontent-length: 0\r\n\r\n").is_none());
        assert!(rewrite(b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n").is_none());
    }
}
