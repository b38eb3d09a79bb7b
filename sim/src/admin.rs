//! A small HTTP admin interface for a running simulator (`cutover sim --admin ADDR`): faults
//! and lifecycle from a shell, e.g. `curl -X POST 'http://127.0.0.1:14331/stall?ms=500'`.
//!
//! | request | effect |
//! |---|---|
//! | `GET /status` | profile, start time, sessions, batch requests |
//! | `POST /restart` | restart: counters reset, start time moves, connections drop, data kept |
//! | `POST /drop?spid=N` / `POST /drop` | drop one connection / all |
//! | `POST /stall?ms=N` | every statement waits until N ms from now |
//! | `POST /fail?error=N[&match=TEXT][&login=L]` | the next matching statement fails with error N |
//! | `POST /revoke?login=L` / `POST /grant?login=L` | VIEW SERVER STATE |
//! | `POST /clear-waits` | DBCC SQLPERF('sys.dm_os_wait_stats', CLEAR) |
//! | `POST /extra?latency_ms=N&cpu_ms=M` | plant a regression (0 removes it) |
//!
//! Answers are one line of plain text; 200 on success, 400 for a bad request.

use std::sync::atomic::Ordering::Relaxed;
use std::time::Duration;

use cutover_common::http::Reply;
use tokio::net::TcpListener;

use crate::engine::runtime::Instance;

/// Serves admin requests on `listener` (through the workspace's one HTTP server,
/// [`cutover_common::http`]) until the task is dropped or aborted.
pub async fn serve(listener: TcpListener, instance: Instance) {
    let answer = move |method: &str, target: &str| match handle(&instance, method, target) {
        Ok(body) => Reply::ok(format!("{body}\n")),
        Err(body) => Reply::status(400, format!("{body}\n")),
    };
    if let Err(e) = cutover_common::http::serve(listener, answer).await {
        tracing::warn!(error = %e, "the simulator's admin interface stopped");
    }
}

/// Runs one admin request; `Ok` carries the reply text.
pub fn handle(instance: &Instance, method: &str, target: &str) -> Result<String, String> {
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let arg = |name: &str| {
        query.split('&').filter_map(|kv| kv.split_once('=')).find(|(k, _)| *k == name).map(|(_, v)| decode(v))
    };
    let number = |name: &str| -> Result<u64, String> {
        arg(name).ok_or(format!("missing {name}="))?.parse::<u64>().map_err(|e| format!("{name}: {e}"))
    };
    let faults = instance.faults();
    if method == "GET" && path == "/status" {
        let load = instance.load();
        return Ok(format!(
            "profile={} start_time={} sessions={} batch_requests={}",
            instance.profile().name,
            instance.start_time(),
            instance.sessions().len(),
            load.counters.batch_requests.load(Relaxed)
        ));
    }
    if method != "POST" {
        return Err(format!("use POST for {path} (GET only for /status)"));
    }
    match path {
        "/restart" => {
            faults.restart();
            Ok("restarted".into())
        }
        "/drop" => match arg("spid") {
            Some(spid) => {
                let spid: u16 = spid.parse().map_err(|e| format!("spid: {e}"))?;
                if faults.drop_connection(spid) {
                    Ok(format!("dropped {spid}"))
                } else {
                    Err(format!("no session {spid}"))
                }
            }
            None => Ok(format!("dropped {}", faults.drop_all_connections())),
        },
        "/stall" => {
            let ms = number("ms")?;
            faults.stall(Duration::from_millis(ms));
            Ok(format!("stalled for {ms} ms"))
        }
        "/fail" => {
            let error = number("error")? as i32;
            let pattern = arg("match").unwrap_or_default();
            match arg("login") {
                Some(login) => faults.fail_next_for(&login, &pattern, error),
                None => faults.fail_next(&pattern, error),
            }
            Ok(format!("next statement matching {pattern:?} fails with {error}"))
        }
        "/revoke" | "/grant" => {
            let login = arg("login").ok_or("missing login=")?;
            faults.set_view_server_state(&login, path == "/grant").map_err(|e| e.message)?;
            Ok(format!("{} VIEW SERVER STATE for {login}", &path[1..]))
        }
        "/clear-waits" => {
            faults.clear_wait_stats();
            Ok("wait stats cleared".into())
        }
        "/extra" => {
            let latency =
                arg("latency_ms").map(|v| v.parse::<u64>()).transpose().map_err(|e| e.to_string())?;
            let cpu = arg("cpu_ms").map(|v| v.parse::<u64>()).transpose().map_err(|e| e.to_string())?;
            instance.knobs().set_extra(
                Duration::from_millis(latency.unwrap_or(0)),
                Duration::from_millis(cpu.unwrap_or(0)),
            );
            Ok(format!(
                "extra latency {} ms, cpu {} ms per statement",
                latency.unwrap_or(0),
                cpu.unwrap_or(0)
            ))
        }
        other => Err(format!("unknown admin path {other}")),
    }
}

/// Percent-decoding for query values (`+` is a space).
fn decode(v: &str) -> String {
    let bytes = v.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3])
                    .ok()
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                match hex {
                    Some(b) => {
                        out.push(b);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::runtime::{InstanceConfig, LoginDef};

    #[test]
    fn admin_requests_drive_faults() {
        let inst = Instance::start(InstanceConfig::for_profile(
            "A",
            crate::profile::Profile::named("mi-gp").unwrap(),
            vec![LoginDef::sysadmin("sa", "x")],
        ))
        .unwrap();
        assert!(handle(&inst, "GET", "/status").unwrap().starts_with("profile=mi-gp"));
        assert!(handle(&inst, "POST", "/stall?ms=abc").is_err());
        handle(&inst, "POST", "/fail?error=1205&match=select+1").unwrap();
        let mut s = inst.connect("sa", "x", None, "", "").unwrap();
        let mut sink = crate::engine::runtime::CollectSink::new();
        s.execute("SELECT 1", &[], &mut sink);
        assert_eq!(sink.error_numbers(), vec![1205]);
        assert_eq!(decode("a%20b+c"), "a b c");
        handle(&inst, "POST", "/restart").unwrap();
        assert!(handle(&inst, "POST", "/nope").is_err());
    }

    /// Over HTTP, as `curl` sends it: a request longer than the 4 KiB the old hand-rolled
    /// server read in one go is read whole.
    #[tokio::test]
    async fn a_long_request_over_http_is_read_whole() {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let inst = Instance::start(InstanceConfig::for_profile(
            "A",
            crate::profile::Profile::named("mi-gp").unwrap(),
            vec![LoginDef::sysadmin("sa", "x")],
        ))
        .unwrap();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = tokio::spawn(serve(listener, inst));
        let pattern = "x".repeat(6000);
        let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
        let head = format!(
            "POST /fail?error=1205&match={pattern} HTTP/1.1\r\nhost: sim\r\nconnection: close\r\n\r\n"
        );
        s.write_all(head.as_bytes()).await.unwrap();
        let mut reply = String::new();
        s.read_to_string(&mut reply).await.unwrap();
        assert!(reply.starts_with("HTTP/1.1 200"), "{}", &reply[..100.min(reply.len())]);
        assert!(reply.ends_with(&format!("next statement matching \"{pattern}\" fails with 1205\n")));
        server.abort();
    }
}
