//! The one `/metrics` HTTP server (on [`crate::http`]): `collect --listen` and `replay --listen` hand it a
//! function that renders the Prometheus text exposition format at each scrape.

use std::net::SocketAddr;

use crate::http::Reply;

/// The content type of the Prometheus text format 0.0.4.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4";

/// Binds `addr` and serves `GET /metrics` with `render`'s text until the process ends (or the
/// runtime shuts down). Fails at once, with the bind error, when the address is taken; a
/// rendering error answers 500 with its message.
pub async fn serve<F>(addr: SocketAddr, render: F) -> std::io::Result<SocketAddr>
where
    F: Fn() -> Result<String, String> + Clone + Send + Sync + 'static,
{
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let bound = listener.local_addr()?;
    let handle = move |method: &str, target: &str| {
        let path = target.split_once('?').map_or(target, |(p, _)| p);
        match (method, path) {
            ("GET", "/metrics") => match render() {
                Ok(body) => Reply { status: 200, content_type: CONTENT_TYPE, body },
                Err(e) => Reply::status(500, e),
            },
            _ => Reply::status(404, "not found: scrape GET /metrics\n".into()),
        }
    };
    tokio::spawn(async move {
        if let Err(e) = crate::http::serve(listener, handle).await {
            tracing::warn!(error = %e, "the /metrics server stopped");
        }
    });
    Ok(bound)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    async fn get(addr: SocketAddr) -> String {
        let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
        s.write_all(b"GET /metrics HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n").await.unwrap();
        let mut text = String::new();
        s.read_to_string(&mut text).await.unwrap();
        text
    }

    #[tokio::test]
    async fn serves_what_the_function_renders_and_refuses_a_taken_port() {
        let addr = serve("127.0.0.1:0".parse().unwrap(), || Ok("up 1\n".to_string())).await.unwrap();
        let text = get(addr).await;
        assert!(text.starts_with("HTTP/1.1 200"), "{text}");
        assert!(text.contains(CONTENT_TYPE) && text.ends_with("up 1\n"), "{text}");
        assert!(serve(addr, || Ok(String::new())).await.is_err());
        let failing = serve("127.0.0.1:0".parse().unwrap(), || Err("no".to_string())).await.unwrap();
        assert!(get(failing).await.starts_with("HTTP/1.1 500"));
    }
}
