//! A password written literally in a connection string — with every character that ends or
//! quotes a value somewhere (`& ; = ' " { } ,` and a space) — is found in no output stream and no
//! file of any command, whether the command succeeds or fails (wrong password, a server that
//! cannot be reached, a connection string that does not resolve).

mod common;

use common::cli::{cutover_async, scratch_dir, text};
use common::{DATABASE, TestServer, sim_with_login};
use cutover_sim::server::TlsMode;
use std::path::{Path, PathBuf};
use std::process::Output;

const LOGIN: &str = "leaky";
/// The password of `leaky`.
const SECRET: &str = "Zq7Wm&Se;cr'e\"t{X}=, Kv9Pd";
/// A wrong password, as secret as the right one.
const WRONG: &str = "Kv9Pd&No;pe'e\"t{Y}=, Zq7Wm";
/// Pieces that must not appear either: a leak of part of a value is a leak.
const FRAGMENTS: &[&str] = &[SECRET, WRONG, "Zq7Wm", "Kv9Pd", "Se;cr", "No;pe"];

/// `{…}` with `}` doubled: the one quoting that ADO.NET and JDBC share.
fn braced(password: &str) -> String {
    format!("{{{}}}", password.replace('}', "}}"))
}

fn conn(server: &TestServer, password: &str) -> String {
    let base = server.conn.replace("User Id=cutover", &format!("User Id={LOGIN}"));
    format!("{base};Password={}", braced(password))
}

/// A TOML basic string.
fn toml_str(value: &str) -> String {
    format!("\"{}\"", value.replace('\\', "\\\\").replace('"', "\\\""))
}

fn strings(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

/// Every file under `dir`, recursively.
fn files(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    entries
        .flatten()
        .flat_map(|e| if e.path().is_dir() { files(&e.path()) } else { vec![e.path()] })
        .collect()
}

/// Fails naming the command, the stream or file, and the fragment found.
fn assert_no_secret(what: &str, out: &Output, dir: &Path) {
    let mut places: Vec<(String, Vec<u8>)> =
        vec![("stdout".into(), out.stdout.clone()), ("stderr".into(), out.stderr.clone())];
    places.extend(files(dir).into_iter().map(|p| (p.display().to_string(), std::fs::read(&p).unwrap())));
    for (place, bytes) in &places {
        for fragment in FRAGMENTS {
            let found = bytes.windows(fragment.len()).any(|w| w == fragment.as_bytes());
            assert!(!found, "{what}: `{fragment}` appears in {place}\n{}", text(out));
        }
    }
}

async fn run(what: &str, args: Vec<String>, dir: &Path) -> Output {
    let out = cutover_async(args).await;
    assert_no_secret(what, &out, dir);
    out
}

/// Each command that talks to a server, writing under `dir`, with the connection string `c`.
fn commands(c: &str, dir: &Path) -> Vec<(&'static str, Vec<String>)> {
    let at = |name: &str| dir.join(name).display().to_string();
    vec![
        (
            "collect",
            strings(&[
                "collect",
                "--server",
                c,
                "--interval",
                "1s",
                "--duration",
                "2s",
                "--out",
                &at("baseline"),
            ]),
        ),
        (
            "replay",
            strings(&[
                "replay",
                "--server",
                c,
                "--workload",
                "orders",
                "--rate",
                "20/s",
                "--duration",
                "2s",
                "--warmup",
                "0s",
                "--allow-writes",
                "--out",
                &at("run"),
            ]),
        ),
        ("capture", strings(&["capture", "--server", c, "--duration", "1s", "--out", &at("capture")])),
        ("validate", strings(&["validate", "--source", c, "--target", c, "--out", &at("validate")])),
        ("probe", strings(&["probe", "--server", c, "--json"])),
    ]
}

/// The gate file (an input, so it lives beside `dir`, not in it) writing its report into `dir`.
fn gate_file(dir: &Path, source: &str, target: &str) -> String {
    let path = dir.with_extension("gate.toml");
    let text = format!(
        "source = {}\ntarget = {}\nout = {}\n[validate]\ntables = [\"dbo.*\"]\n",
        toml_str(source),
        toml_str(target),
        toml_str(&dir.join("gate-out").display().to_string())
    );
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_password_in_a_connection_string_appears_in_no_output_or_file() {
    let server = sim_with_login(TlsMode::Disabled, LOGIN, SECRET).await;
    let good = conn(&server, SECRET);
    let init = cutover_async(strings(&["workload", "init", "--server", &good, "--workload", "orders"])).await;
    assert_eq!(init.status.code(), Some(0), "{}", text(&init));

    let dir = scratch_dir("secrets-ok");
    for (what, args) in commands(&good, &dir) {
        let out = run(what, args, &dir).await;
        assert!(matches!(out.status.code(), Some(0 | 1)), "{what} ran: {}", text(&out));
    }
    let baseline = dir.join("baseline").display().to_string();
    let compare = strings(&["compare", "--baseline", &baseline, "--candidate", &baseline, "--out"]);
    run("compare", [compare, vec![dir.join("compare").display().to_string()]].concat(), &dir).await;
    let gate = gate_file(&dir, &good, &good);
    let out = run("gate", strings(&["gate", "--policy", &gate]), &dir).await;
    assert_eq!(out.status.code(), Some(0), "gate passes: {}", text(&out));
    assert!(std::fs::read_to_string(dir.join("gate-out/gate.json")).unwrap().contains(&format!("({LOGIN})")));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failing_command_shows_no_password_either() {
    let server = sim_with_login(TlsMode::Disabled, LOGIN, SECRET).await;
    let wrong = conn(&server, WRONG);
    let unreachable =
        format!("Server=tcp:127.0.0.1,1;Database={DATABASE};User Id={LOGIN};Password={}", braced(SECRET));
    let unresolvable = format!("{};Encrypt=maybe", conn(&server, SECRET));
    // A bare value ends at `;` only: `&` is part of it (a redactor that ended it at `&` leaked).
    let bare = format!("Server=tcp:127.0.0.1,1;User Id={LOGIN};Password=Zq7Wm&Kv9Pd;Encrypt=maybe");
    let cases = [
        ("wrong password", &wrong),
        ("unreachable", &unreachable),
        ("unresolvable", &unresolvable),
        ("unresolvable bare", &bare),
    ];
    for (case, c) in cases {
        let dir = scratch_dir(&format!("secrets-fail-{}", case.replace(' ', "-")));
        for (what, args) in commands(c, &dir) {
            let out = run(&format!("{what} ({case})"), args, &dir).await;
            assert_ne!(out.status.code(), Some(0), "{what} ({case}) cannot pass: {}", text(&out));
        }
        let gate = gate_file(&dir, c, c);
        let out = run(&format!("gate ({case})"), strings(&["gate", "--policy", &gate]), &dir).await;
        assert_eq!(out.status.code(), Some(2), "gate ({case}): {}", text(&out));
        assert!(dir.join("gate-out/gate.json").is_file(), "gate ({case}) still writes its report");
    }
}
