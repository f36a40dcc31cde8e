//! The listening socket. Requests the HTTP library refuses before Census sees them (an address
//! over its 64 KiB limit, headers over its buffer, a request line it cannot parse) are answered
//! by the library itself with an empty body and the connection closed; this listener's
//! connections replace exactly those answers with the JSON error shape every other error has.

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};

/// A TCP listener whose connections answer the HTTP library's own refusals in JSON.
pub struct Listener(pub TcpListener);

/// The client's address, for `ConnectInfo` (axum's own impl is for its `TcpListener` only).
#[derive(Clone, Copy, Debug)]
pub struct ClientAddr(pub SocketAddr);

impl axum::extract::connect_info::Connected<axum::serve::IncomingStream<'_, Listener>>
    for ClientAddr
{
    fn connect_info(stream: axum::serve::IncomingStream<'_, Listener>) -> Self {
        ClientAddr(*stream.remote_addr())
    }
}

impl axum::serve::Listener for Listener {
    type Io = Connection;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Connection, SocketAddr) {
        loop {
            match self.0.accept().await {
                Ok((stream, addr)) => {
                    let _ = stream.set_nodelay(true);
                    return (
                        Connection {
                            inner: stream,
                            pending: Vec::new(),
                        },
                        addr,
                    );
                }
                // Out of file descriptors and the like: wait a moment, as axum does.
                Err(e) => {
                    tracing::warn!(error = %e, "accepting a connection failed");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                }
            }
        }
    }

    fn local_addr(&self) -> io::Result<SocketAddr> {
        self.0.local_addr()
    }
}

/// A connection; see the module's description.
pub struct Connection {
    inner: TcpStream,
    /// A replacement answer still to be written.
    pending: Vec<u8>,
}

/// The JSON answer for an empty refusal the HTTP library wrote (`head` is what it wrote), or
/// None for anything else. The library's refusals are exactly a status line, `connection:
/// close`, `content-length: 0` and a date: Census's own answers always have a body.
fn replacement(head: &[u8]) -> Option<Vec<u8>> {
    let text = std::str::from_utf8(head).ok()?;
    let (status, message) = match text.split("\r\n").next()? {
        "HTTP/1.1 400 Bad Request" | "HTTP/1.0 400 Bad Request" => {
            ("400 Bad Request", "The request is not valid HTTP.")
        }
        "HTTP/1.1 414 URI Too Long" | "HTTP/1.0 414 URI Too Long" => (
            "414 URI Too Long",
            "The address is longer than Census takes (16 KiB). Send fewer or shorter parameters.",
        ),
        "HTTP/1.1 431 Request Header Fields Too Large"
        | "HTTP/1.0 431 Request Header Fields Too Large" => (
            "431 Request Header Fields Too Large",
            "The request's headers are larger than Census takes.",
        ),
        _ => return None,
    };
    let lower = text.to_ascii_lowercase();
    if !(lower.contains("\r\ncontent-length: 0\r\n")
        && lower.contains("\r\nconnection: close\r\n")
        && text.ends_with("\r\n\r\n"))
    {
        return None;
    }
    let body = serde_json::json!({ "error": message }).to_string();
    Some(
        format!(
            "HTTP/1.1 {status}\r\nconnection: close\r\ncontent-type: application/json\r\n\
             x-content-type-options: nosniff\r\ncontent-length: {}\r\n\r\n{body}",
            body.len()
        )
        .into_bytes(),
    )
}

impl Connection {
    /// Write what is pending; Ready(Ok) once nothing is.
    fn drain(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while !self.pending.is_empty() {
            match Pin::new(&mut self.inner).poll_write(cx, &self.pending) {
                Poll::Ready(Ok(0)) => return Poll::Ready(Err(io::ErrorKind::WriteZero.into())),
                Poll::Ready(Ok(n)) => {
                    self.pending.drain(..n);
                }
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => return Poll::Pending,
            }
        }
        Poll::Ready(Ok(()))
    }
}

impl AsyncRead for Connection {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for Connection {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.drain(cx) {
            Poll::Ready(Ok(())) => {}
            Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
            Poll::Pending => return Poll::Pending,
        }
        // A refusal is small and written in one piece (this type does not take vectored
        // writes, so the library flattens its buffers).
        if buf.len() < 512
            && let Some(answer) = replacement(buf)
        {
            self.pending = answer;
            // The library's bytes count as written; ours follow on flush or the next write.
            let _ = self.drain(cx);
            return Poll::Ready(Ok(buf.len()));
        }
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.drain(cx) {
            Poll::Ready(Ok(())) => Pin::new(&mut self.inner).poll_flush(cx),
            other => other,
        }
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.drain(cx) {
            Poll::Ready(Ok(())) => Pin::new(&mut self.inner).poll_shutdown(cx),
            other => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_librarys_empty_refusals_are_replaced() {
        let refusal = b"HTTP/1.1 414 URI Too Long\r\nconnection: close\r\ncontent-length: 0\r\ndate: Tue, 01 Dec 2026 10:55:48 GMT\r\n\r\n";
        let out = String::from_utf8(replacement(refusal).unwrap()).unwrap();
        assert!(out.starts_with("HTTP/1.1 414 URI Too Long\r\n"));
        let body = out.split("\r\n\r\n").nth(1).unwrap();
        let j: serde_json::Value = serde_json::from_str(body).unwrap();
        assert!(j["error"].as_str().unwrap().contains("16 KiB"));
        assert!(out.contains(&format!("content-length: {}\r\n", body.len())));
        // Census's own answers have bodies or are other statuses: untouched.
        for other in [
            &b"HTTP/1.1 414 URI Too Long\r\ncontent-type: application/json\r\ncontent-length: 40\r\n\r\n"[..],
            b"HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-length: 0\r\n\r\n",
            b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n",
            b"{\"error\": \"HTTP/1.1 414 URI Too Long\"}",
        ] {
            assert!(replacement(other).is_none(), "{}", String::from_utf8_lossy(other));
        }
    }
}
