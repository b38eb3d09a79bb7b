//! The one small HTTP server of the workspace (axum): a function from a request line's method
//! and target (`/stall?ms=500`) to a plain-text reply. `/metrics` ([`crate::metrics`]) and the
//! simulator's admin interface (`cutover sim --admin`) are both served through it, so request
//! parsing (any size, keep-alive, partial reads) is axum's, not hand-rolled.

use axum::http::{Method, StatusCode, Uri, header};

/// What a request gets back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reply {
    pub status: u16,
    pub content_type: &'static str,
    pub body: String,
}

impl Reply {
    /// `200 OK` with `body` as plain text.
    pub fn ok(body: String) -> Reply {
        Reply { status: 200, content_type: "text/plain; charset=utf-8", body }
    }

    /// `status` with `body` as plain text.
    pub fn status(status: u16, body: String) -> Reply {
        Reply { status, content_type: "text/plain; charset=utf-8", body }
    }
}

/// Serves every request on `listener` with `handle(method, target)` (on a blocking thread) until the returned future
/// is dropped (abort the task it runs on to stop) or fails.
pub async fn serve<F>(listener: tokio::net::TcpListener, handle: F) -> std::io::Result<()>
where
    F: Fn(&str, &str) -> Reply + Clone + Send + Sync + 'static,
{
    let app = axum::Router::new().fallback(move |method: Method, uri: Uri| {
        let handle = handle.clone();
        async move {
            let target = uri.path_and_query().map_or(uri.path(), |p| p.as_str()).to_string();
            // Off the runtime's workers: rendering a large /metrics (or a deliberate stall)
            // must not delay the tasks that sample on schedule.
            let reply = tokio::task::spawn_blocking(move || handle(method.as_str(), &target))
                .await
                .unwrap_or_else(|e| Reply::status(500, format!("the handler failed: {e}\n")));
            let status = StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            (status, [(header::CONTENT_TYPE, reply.content_type)], reply.body)
        }
    });
    axum::serve(listener, app).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// One request, the whole answer (status line, headers, body).
    pub(crate) async fn request(addr: std::net::SocketAddr, head: &str) -> String {
        let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
        s.write_all(format!("{head}\r\nhost: x\r\nconnection: close\r\n\r\n").as_bytes()).await.unwrap();
        let mut text = String::new();
        s.read_to_string(&mut text).await.unwrap();
        text
    }

    #[tokio::test]
    async fn the_handler_sees_method_path_and_query_and_long_requests_are_read_whole() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = tokio::spawn(serve(listener, |method, target| match method {
            "POST" => Reply::ok(format!("{method} {target}")),
            _ => Reply::status(400, "use POST".into()),
        }));
        let text = request(addr, "POST /stall?ms=500 HTTP/1.1").await;
        assert!(text.starts_with("HTTP/1.1 200") && text.ends_with("POST /stall?ms=500"), "{text}");
        // A request line longer than one 4 KiB read (the simulator's old server cut it there).
        let long = "x".repeat(6000);
        let text = request(addr, &format!("POST /fail?match={long} HTTP/1.1")).await;
        assert!(text.ends_with(&long), "{}", &text[..200]);
        assert!(request(addr, "GET /status HTTP/1.1").await.starts_with("HTTP/1.1 400"));
        server.abort();
    }
}
