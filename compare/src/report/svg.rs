//! Inline SVG charts with no dependencies: line charts (linear or "percentile" x axis, where x
//! is placed at log10(1 / (1 − q)) like HdrHistogram's plots) and horizontal bar charts.
//! Baseline is drawn in blue, candidate in orange, both with a legend.

use std::fmt::Write;

use cutover_common::xml::escape as esc;

pub const BASELINE: &str = "#1f77b4";
pub const CANDIDATE: &str = "#ff7f0e";

const W: f64 = 560.0;
const H: f64 = 240.0;
const L: f64 = 64.0;
const R: f64 = 16.0;
const T: f64 = 28.0;
const B: f64 = 36.0;

/// One line of a chart: label, colour, points.
pub type Line<'a> = (&'a str, &'a str, &'a [(f64, f64)]);

/// How the x axis maps values.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum XAxis {
    /// Seconds.
    Linear,
    /// Percentiles 0-100 on a log scale of 1/(1 − q).
    Percentile,
}

fn px(x: f64, axis: XAxis) -> f64 {
    match axis {
        XAxis::Linear => x,
        XAxis::Percentile => (1.0 / (1.0 - (x / 100.0).min(0.9999))).log10(),
    }
}

/// A line chart of named series `(label, colour, points)`; `y_fmt` prints tick values.
pub fn lines(
    title: &str,
    series: &[Line],
    axis: XAxis,
    x_label: &str,
    y_fmt: &dyn Fn(f64) -> String,
) -> String {
    let pts: Vec<(f64, f64)> = series
        .iter()
        .flat_map(|s| s.2.iter().map(|&(x, y)| (px(x, axis), y)))
        .filter(|p| p.0.is_finite() && p.1.is_finite())
        .collect();
    let mut out = String::new();
    let _ = write!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {W} {H}\" width=\"{W}\" height=\"{H}\" role=\"img\"><title>{}</title>",
        esc(title)
    );
    let _ =
        write!(out, "<text x=\"{L}\" y=\"16\" font-size=\"13\" font-weight=\"bold\">{}</text>", esc(title));
    if pts.is_empty() {
        let _ = write!(
            out,
            "<text x=\"{}\" y=\"{}\" font-size=\"12\">no data</text></svg>",
            W / 2.0 - 30.0,
            H / 2.0
        );
        return out;
    }
    let (x0, x1) = pts.iter().fold((f64::MAX, f64::MIN), |(a, b), p| (a.min(p.0), b.max(p.0)));
    let y1 = pts.iter().fold(0.0f64, |a, p| a.max(p.1)) * 1.1;
    let (x1, y1) = (if x1 > x0 { x1 } else { x0 + 1.0 }, if y1 > 0.0 { y1 } else { 1.0 });
    let sx = |x: f64| L + (x - x0) / (x1 - x0) * (W - L - R);
    let sy = |y: f64| H - B - y / y1 * (H - T - B);
    let _ = write!(
        out,
        "<rect x=\"{L}\" y=\"{T}\" width=\"{}\" height=\"{}\" fill=\"none\" stroke=\"#ccc\"/>",
        W - L - R,
        H - T - B
    );
    for i in 0..=4 {
        let y = y1 * f64::from(i) / 4.0;
        let _ = write!(
            out,
            "<line x1=\"{L}\" x2=\"{}\" y1=\"{:.1}\" y2=\"{:.1}\" stroke=\"#eee\"/><text x=\"{}\" y=\"{:.1}\" font-size=\"10\" text-anchor=\"end\">{}</text>",
            W - R,
            sy(y),
            sy(y),
            L - 4.0,
            sy(y) + 3.0,
            if i == 0 { "0".to_string() } else { esc(&y_fmt(y)) }
        );
    }
    let ticks: Vec<(f64, String)> = match axis {
        XAxis::Percentile => {
            [0.0, 90.0, 99.0, 99.9, 99.99].iter().map(|&p| (px(p, axis), format!("{p}%"))).collect()
        }
        XAxis::Linear => (0..=4)
            .map(|i| {
                let x = x0 + (x1 - x0) * f64::from(i) / 4.0;
                (x, format!("{x:.0}"))
            })
            .collect(),
    };
    for (x, label) in ticks {
        let _ = write!(
            out,
            "<text x=\"{:.1}\" y=\"{}\" font-size=\"10\" text-anchor=\"middle\">{}</text>",
            sx(x),
            H - B + 14.0,
            esc(&label)
        );
    }
    let _ = write!(
        out,
        "<text x=\"{}\" y=\"{}\" font-size=\"10\" text-anchor=\"middle\">{}</text>",
        (L + W - R) / 2.0,
        H - 6.0,
        esc(x_label)
    );
    for (i, (label, colour, points)) in series.iter().enumerate() {
        let path: Vec<String> = points
            .iter()
            .map(|&(x, y)| (px(x, axis), y))
            .filter(|p| p.0.is_finite() && p.1.is_finite())
            .map(|(x, y)| format!("{:.1},{:.1}", sx(x), sy(y)))
            .collect();
        let _ = write!(
            out,
            "<polyline fill=\"none\" stroke=\"{colour}\" stroke-width=\"1.8\" points=\"{}\"/>",
            path.join(" ")
        );
        // Bottom left, beside the axis label, so a long title never runs under it.
        let lx = L + i as f64 * 80.0;
        let _ = write!(
            out,
            "<rect x=\"{lx:.0}\" y=\"{:.0}\" width=\"10\" height=\"10\" fill=\"{colour}\"/><text x=\"{:.0}\" y=\"{:.0}\" font-size=\"11\">{}</text>",
            H - 15.0,
            lx + 14.0,
            H - 6.0,
            esc(label)
        );
    }
    out.push_str("</svg>");
    out
}

/// Horizontal bars `(label, value %)`, positive in orange (worse), negative in blue.
pub fn bars(title: &str, items: &[(String, f64)]) -> String {
    let h = T + 22.0 * items.len().max(1) as f64 + 10.0;
    let mut out = String::new();
    let _ = write!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {W} {h}\" width=\"{W}\" height=\"{h}\" role=\"img\"><title>{}</title>",
        esc(title)
    );
    let _ = write!(out, "<text x=\"8\" y=\"16\" font-size=\"13\" font-weight=\"bold\">{}</text>", esc(title));
    let max = items.iter().map(|i| i.1.abs()).filter(|v| v.is_finite()).fold(1.0f64, f64::max);
    let (label_w, mid) = (220.0, 220.0 + (W - 220.0 - 60.0) / 2.0);
    let half = (W - label_w - 60.0) / 2.0;
    for (i, (label, v)) in items.iter().enumerate() {
        let y = T + 22.0 * i as f64;
        let v = if v.is_finite() { *v } else { max };
        let len = v.abs() / max * half;
        let (x, colour) = if v >= 0.0 { (mid, CANDIDATE) } else { (mid - len, BASELINE) };
        let short: String = label.chars().take(34).collect();
        let _ = write!(
            out,
            "<text x=\"8\" y=\"{:.0}\" font-size=\"11\">{}</text><rect x=\"{x:.1}\" y=\"{:.0}\" width=\"{len:.1}\" height=\"14\" fill=\"{colour}\"/><text x=\"{:.1}\" y=\"{:.0}\" font-size=\"10\">{v:+.0}%</text>",
            y + 11.0,
            esc(&short),
            y,
            mid + half + 6.0,
            y + 11.0
        );
    }
    let _ = write!(
        out,
        "<line x1=\"{mid}\" x2=\"{mid}\" y1=\"{T}\" y2=\"{:.0}\" stroke=\"#999\"/></svg>",
        h - 6.0
    );
    out
}
