//! One function decides every check: [`judge`] takes the two sides' values, their sample
//! counts and the Mann-Whitney result, applies a rule's [`Limits`], and returns the verdict,
//! the DEA class and the one-sentence reason. A difference fails only when it is beyond the
//! threshold **and** outside noise; absolute limits judge the candidate on its own.

use crate::model::{Class, Verdict};
use crate::policy::{Better, Limits, Severity};
use cutover_common::units::show;

/// What is known about one measure on both sides.
#[derive(Clone, Debug, Default)]
pub struct Evidence {
    pub baseline: Option<f64>,
    pub candidate: Option<f64>,
    pub n_baseline: u64,
    pub n_candidate: u64,
    /// Samples each side needs.
    pub min_n: u64,
    /// What the samples are called (`intervals`, `executions`).
    pub n_what: &'static str,
    /// Mann-Whitney two-sided p and P(candidate > baseline).
    pub test: Option<crate::stats::MannWhitney>,
    /// The measure's unit (for the sentence).
    pub unit: String,
    /// The measure's name (for the sentence), e.g. `p95`.
    pub measure: String,
}

/// A rule as [`judge`] sees it.
pub struct Rule<'a> {
    pub limits: &'a Limits,
    pub better: Better,
    pub severity: Severity,
    pub alpha: f64,
}

/// The outcome of one check.
#[derive(Clone, Debug, PartialEq)]
pub struct Judgement {
    pub verdict: Verdict,
    pub class: Class,
    pub change_pct: Option<f64>,
    pub reason: String,
}

fn finding(severity: Severity) -> Verdict {
    match severity {
        Severity::Fail => Verdict::Fail,
        Severity::Warn => Verdict::Warn,
    }
}

/// Judges one measure against one rule.
pub fn judge(rule: &Rule, ev: &Evidence) -> Judgement {
    let m = &ev.measure;
    let absolute_only = rule.limits.max_increase_pct.is_none();
    let (b, c) = match (ev.baseline, ev.candidate) {
        (Some(b), Some(c)) => (b, c),
        (None, Some(c)) if absolute_only => (f64::NAN, c),
        (None, Some(_)) => {
            return not_comparable(format!(
                "{m} is only measured on the candidate, so there is nothing to compare it with"
            ));
        }
        (Some(_), None) => {
            return not_comparable(format!(
                "{m} is not measured on the candidate, so the target cannot be judged on it"
            ));
        }
        (None, None) => return not_comparable(format!("{m} is measured on neither side")),
    };
    let change_pct = (b != 0.0 && b.is_finite()).then(|| (c - b) / b.abs() * 100.0);
    let short = |n: u64| n < ev.min_n;
    if (short(ev.n_baseline) && !b.is_nan()) || short(ev.n_candidate) {
        let (side, n) =
            if short(ev.n_candidate) { ("candidate", ev.n_candidate) } else { ("baseline", ev.n_baseline) };
        return Judgement {
            verdict: Verdict::Indeterminate,
            class: Class::Indeterminate,
            change_pct,
            reason: format!(
                "only {n} {} on the {side}; at least {} are needed for a verdict",
                ev.n_what, ev.min_n
            ),
        };
    }
    let unit = ev.unit.as_str();
    let (bs, cs) = (if b.is_nan() { "not measured".into() } else { show(b, unit) }, show(c, unit));
    // Beyond an absolute limit: a finding whatever the baseline did; degraded only when the
    // candidate is also worse than the baseline (or the baseline did not measure it).
    let worse_than_baseline = b.is_nan()
        || match rule.better {
            Better::Lower => c > b,
            Better::Higher => c < b,
        };
    let breach = |reason: String| Judgement {
        verdict: finding(rule.severity),
        class: if worse_than_baseline { Class::Degraded } else { Class::Unchanged },
        change_pct,
        reason,
    };
    let also = |beyond: bool| if beyond { ", beyond it too" } else { "" };
    if let Some(max) = rule.limits.max_value.filter(|max| c > *max) {
        let limit = show(max, unit);
        return breach(format!(
            "the candidate's {m} of {cs} is above the limit of {limit} (baseline {bs}{})",
            also(b > max)
        ));
    }
    if let Some(min) = rule.limits.min_value.filter(|min| c < *min) {
        let limit = show(min, unit);
        return breach(format!(
            "the candidate's {m} of {cs} is below the minimum of {limit} (baseline {bs}{})",
            also(b < min)
        ));
    }
    let Some(allowed) = rule.limits.max_increase_pct else {
        let limit =
            rule.limits.max_value.or(rule.limits.min_value).map(|v| show(v, unit)).unwrap_or_default();
        return Judgement {
            verdict: Verdict::Pass,
            class: Class::Unchanged,
            change_pct,
            reason: format!("the candidate's {m} of {cs} is within the limit of {limit} (baseline {bs})"),
        };
    };
    relative(rule, ev, b, c, allowed, change_pct)
}

fn relative(rule: &Rule, ev: &Evidence, b: f64, c: f64, allowed: f64, change_pct: Option<f64>) -> Judgement {
    let (m, unit) = (&ev.measure, ev.unit.as_str());
    let worse = match rule.better {
        Better::Lower => c - b,
        Better::Higher => b - c,
    };
    let worse_pct = if b != 0.0 {
        worse / b.abs() * 100.0
    } else if worse > 0.0 {
        f64::INFINITY
    } else {
        0.0
    };
    let big = worse.abs() >= rule.limits.min_delta && worse.abs() > 0.0;
    let (p, effect) = ev.test.map(|t| (t.p, t.effect)).unwrap_or((1.0, 0.5));
    let points_worse = match rule.better {
        Better::Lower => effect > 0.5,
        Better::Higher => effect < 0.5,
    };
    let significant = ev.test.is_some() && p < rule.alpha;
    let moved = match rule.better {
        Better::Lower if c >= b => "rose",
        Better::Higher if c <= b => "fell",
        Better::Lower => "fell",
        Better::Higher => "rose",
    };
    let what = if c == b {
        format!("{m} unchanged at {}", show(c, unit))
    } else {
        let pct =
            if b != 0.0 { format!("{:.0}%", ((c - b) / b.abs() * 100.0).abs()) } else { "from zero".into() };
        format!("{m} {moved} {pct} ({} → {})", show(b, unit), show(c, unit))
    };
    let noise = match ev.test {
        Some(t) => format!("Mann-Whitney {}", p_is(t.p)),
        None => "no test possible".into(),
    };
    let j = |verdict, class, reason| Judgement { verdict, class, change_pct, reason };
    if worse_pct > allowed && big {
        if significant && points_worse {
            return j(
                finding(rule.severity),
                Class::Degraded,
                format!("{what}, beyond the {allowed}% allowed and outside noise ({noise})"),
            );
        }
        return j(
            Verdict::Indeterminate,
            Class::Indeterminate,
            format!("{what}, beyond the {allowed}% allowed but within noise ({noise})"),
        );
    }
    if -worse_pct > allowed && big && significant && !points_worse {
        return j(Verdict::Pass, Class::Improved, format!("{what}: improved beyond noise ({noise})"));
    }
    let delta_note = if !big && worse_pct > allowed {
        format!(", a change below the {} that counts", show(rule.limits.min_delta, unit))
    } else {
        format!(", within the {allowed}% allowed")
    };
    j(Verdict::Pass, Class::Unchanged, format!("{what}{delta_note}"))
}

fn not_comparable(reason: String) -> Judgement {
    Judgement { verdict: Verdict::NotComparable, class: Class::Indeterminate, change_pct: None, reason }
}

/// A p-value for people: 3 significant digits, `< 0.0001` below.
pub fn fmt_p(p: f64) -> String {
    if p < 1e-4 { "< 0.0001".into() } else { format!("{p:.4}") }
}

/// `p = 0.0304`, or `p < 0.0001` (never `p = < 0.0001`), for a sentence.
pub fn p_is(p: f64) -> String {
    if p < 1e-4 { "p < 0.0001".into() } else { format!("p = {p:.4}") }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::MannWhitney;

    fn ev(b: f64, c: f64, p: f64, effect: f64) -> Evidence {
        Evidence {
            baseline: Some(b),
            candidate: Some(c),
            n_baseline: 100,
            n_candidate: 100,
            min_n: 15,
            n_what: "executions",
            test: Some(MannWhitney { p, effect }),
            unit: "ms".into(),
            measure: "response p95".into(),
        }
    }

    fn rule(limits: &Limits) -> Rule<'_> {
        Rule { limits, better: Better::Lower, severity: Severity::Fail, alpha: 0.01 }
    }

    #[test]
    fn a_significant_rise_beyond_the_threshold_fails_and_says_why() {
        let limits = Limits { max_increase_pct: Some(10.0), min_delta: 1.0, ..Default::default() };
        let j = judge(&rule(&limits), &ev(10.0, 15.0, 1e-6, 0.9));
        assert_eq!((j.verdict, j.class), (Verdict::Fail, Class::Degraded));
        assert_eq!(
            j.reason,
            "response p95 rose 50% (10.0 ms → 15.0 ms), beyond the 10% allowed and outside noise (Mann-Whitney p < 0.0001)"
        );
    }

    #[test]
    fn the_same_rise_within_noise_is_indeterminate_and_small_changes_pass() {
        let limits = Limits { max_increase_pct: Some(10.0), min_delta: 1.0, ..Default::default() };
        assert_eq!(judge(&rule(&limits), &ev(10.0, 15.0, 0.3, 0.6)).verdict, Verdict::Indeterminate);
        assert_eq!(judge(&rule(&limits), &ev(10.0, 10.5, 1e-9, 0.7)).class, Class::Unchanged);
        assert_eq!(
            judge(&rule(&limits), &ev(0.2, 0.5, 1e-9, 0.99)).class,
            Class::Unchanged,
            "below min_delta"
        );
        assert_eq!(judge(&rule(&limits), &ev(15.0, 10.0, 1e-9, 0.1)).class, Class::Improved);
    }

    #[test]
    fn too_few_executions_or_a_missing_side_never_pass_silently() {
        let limits = Limits { max_increase_pct: Some(10.0), ..Default::default() };
        let mut e = ev(10.0, 30.0, 1e-9, 0.99);
        e.n_candidate = 9;
        let j = judge(&rule(&limits), &e);
        assert_eq!(j.verdict, Verdict::Indeterminate);
        assert!(j.reason.contains("only 9 executions on the candidate"), "{}", j.reason);
        e.candidate = None;
        assert_eq!(judge(&rule(&limits), &e).verdict, Verdict::NotComparable);
    }

    #[test]
    fn absolute_limits_judge_the_candidate_alone() {
        let limits = Limits { max_value: Some(80.0), ..Default::default() };
        let mut e = ev(50.0, 85.0, 0.5, 0.5);
        e.unit = "percent".into();
        let j = judge(&rule(&limits), &e);
        assert_eq!(j.verdict, Verdict::Fail);
        assert!(j.reason.contains("above the limit of 80.0%"), "{}", j.reason);
        assert_eq!(j.class, Class::Degraded);
    }

    #[test]
    fn a_limit_the_baseline_already_broke_is_a_finding_but_not_a_degradation() {
        let limits = Limits { min_value: Some(300.0), ..Default::default() };
        let mut e = ev(10.0, 24.0, 0.5, 0.5);
        e.unit = "seconds".into();
        e.measure = "avg".into();
        let j = judge(&Rule { better: Better::Higher, ..rule(&limits) }, &e);
        assert_eq!((j.verdict, j.class), (Verdict::Fail, Class::Unchanged));
        assert_eq!(
            j.reason,
            "the candidate's avg of 24 s is below the minimum of 300 s (baseline 10 s, beyond it too)"
        );
    }

    #[test]
    fn nothing_on_either_side_reads_as_unchanged() {
        let limits = Limits { max_increase_pct: Some(100.0), min_delta: 0.05, ..Default::default() };
        let mut e = ev(0.0, 0.0, 1.0, 0.5);
        e.unit = "seconds/s".into();
        e.measure = "avg".into();
        let j = judge(&rule(&limits), &e);
        assert_eq!(
            (j.verdict, j.reason.as_str()),
            (Verdict::Pass, "avg unchanged at 0.000 s/s, within the 100% allowed")
        );
    }
}
