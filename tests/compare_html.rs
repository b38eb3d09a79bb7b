//! The HTML report opens in a real browser (Debian's headless `chromium`) with no network and
//! no errors: the page parses, every chart is there as inline SVG, nothing is fetched. Skipped
//! when chromium is absent, unless `CUTOVER_REQUIRE_CHROMIUM=1` (CI) makes that a failure.

mod compare_support;

use compare_support::regressed_comparison;
use cutover_compare::{Format, write_reports};
use std::path::Path;
use std::process::Command;

const CHROMIUM: &str = "/usr/bin/chromium";

#[test]
fn the_html_report_renders_in_headless_chromium_without_errors() {
    if !Path::new(CHROMIUM).exists() {
        assert!(
            std::env::var("CUTOVER_REQUIRE_CHROMIUM").as_deref() != Ok("1"),
            "CUTOVER_REQUIRE_CHROMIUM=1 but {CHROMIUM} is missing (apt-get install chromium)"
        );
        eprintln!("skipped: {CHROMIUM} not installed");
        return;
    }
    let root = std::env::temp_dir().join(format!("cutover-compare-html-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let c = regressed_comparison(&root);
    let written = write_reports(&c, &root.join("report"), &[Format::Html]).unwrap();
    let page = std::fs::canonicalize(&written[0]).unwrap();
    let profile = root.join("chromium-profile");
    let out = Command::new(CHROMIUM)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg("--dump-dom")
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("chromium runs");
    let (dom, log) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "chromium failed: {log}");
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(dom.contains("FAIL: ") && dom.contains("Checks, worst first"), "the page rendered: {dom:.500}");
    assert_eq!(dom.matches("<svg").count(), html.matches("<svg").count(), "every chart parsed as SVG");
    assert!(dom.matches("<polyline").count() >= 8, "percentile curves and overlays are drawn");
    for bad in ["Uncaught", "Failed to load resource", "net::ERR_", "CONSOLE("] {
        assert!(!log.contains(bad), "{bad} in chromium's log:\n{log}");
    }
    let _ = std::fs::remove_dir_all(&root);
}
