//! What to capture: databases, client apps, logins and a minimum duration, applied twice: in
//! the event session's predicate (so the server does not record what is not wanted) and again
//! on each event read (so a server that ignores part of a predicate cannot leak events in). The
//! capture's own session and application name are always excluded.

use super::xml::XeEvent;

/// The application name the capture's own connections use.
pub const CAPTURE_APP: &str = "cutover-capture";

/// The capture's filters.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Filters {
    /// Only these databases (any, when empty).
    pub databases: Vec<String>,
    /// Only these client application names (any, when empty).
    pub apps: Vec<String>,
    /// Only these logins (any, when empty).
    pub logins: Vec<String>,
    /// Only events that ran at least this long (µs).
    pub min_duration_us: u64,
    /// The capture's own session id.
    pub own_session: Option<i64>,
}

impl Filters {
    /// The predicate of `login` / `existing_connection` (they have no duration).
    pub fn session_predicate(&self) -> String {
        Filters { min_duration_us: 0, ..self.clone() }.predicate()
    }

    /// The event session predicate (T-SQL), one per event.
    pub fn predicate(&self) -> String {
        let mut terms = vec![format!(
            "NOT [sqlserver].[equal_i_sql_unicode_string]([sqlserver].[client_app_name], N'{CAPTURE_APP}')"
        )];
        if let Some(spid) = self.own_session {
            terms.push(format!("[sqlserver].[session_id] <> ({spid})"));
        }
        if self.min_duration_us > 0 {
            terms.push(format!("[duration] >= ({})", self.min_duration_us));
        }
        for (field, values) in
            [("database_name", &self.databases), ("client_app_name", &self.apps), ("username", &self.logins)]
        {
            if values.is_empty() {
                continue;
            }
            let any: Vec<String> = values
                .iter()
                .map(|v| {
                    format!(
                        "[sqlserver].[equal_i_sql_unicode_string]([sqlserver].[{field}], N'{}')",
                        v.replace('\'', "''")
                    )
                })
                .collect();
            terms.push(format!("({})", any.join(" OR ")));
        }
        terms.join(" AND ")
    }

    /// True when an event read back passes every filter.
    pub fn keeps(&self, e: &XeEvent) -> bool {
        let one_of = |values: &[String], action: &str| {
            values.is_empty()
                || e.action(action).is_some_and(|v| values.iter().any(|x| x.eq_ignore_ascii_case(v)))
        };
        let app = e.action("client_app_name").unwrap_or("");
        let own = self.own_session.is_some_and(|s| e.action("session_id") == Some(s.to_string().as_str()));
        !own && !app.eq_ignore_ascii_case(CAPTURE_APP)
            && (e.number("duration").unwrap_or(0) >= self.min_duration_us
                || matches!(e.name.as_str(), "login" | "existing_connection"))
            && one_of(&self.databases, "database_name")
            && one_of(&self.apps, "client_app_name")
            && (self.logins.is_empty()
                || one_of(&self.logins, "username")
                || one_of(&self.logins, "server_principal_name"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_predicate_excludes_the_capture_and_filters_by_choice() {
        let f = Filters {
            databases: vec!["shop".into()],
            min_duration_us: 1000,
            own_session: Some(53),
            ..Filters::default()
        };
        let p = f.predicate();
        assert!(p.contains("N'cutover-capture'") && p.contains("<> (53)") && p.contains(">= (1000)"), "{p}");
        assert!(p.contains("[database_name], N'shop'"), "{p}");
    }

    #[test]
    fn events_read_back_are_filtered_again() {
        let mut e = XeEvent::default();
        e.data.insert("duration".into(), "5000".into());
        e.actions.insert("session_id".into(), "60".into());
        e.actions.insert("database_name".into(), "SHOP".into());
        e.actions.insert("client_app_name".into(), "orders".into());
        let f = Filters { databases: vec!["shop".into()], own_session: Some(53), ..Filters::default() };
        assert!(f.keeps(&e));
        assert!(!Filters { own_session: Some(60), ..f.clone() }.keeps(&e));
        assert!(!Filters { min_duration_us: 6000, ..f.clone() }.keeps(&e));
        e.actions.insert("client_app_name".into(), CAPTURE_APP.into());
        assert!(!f.keeps(&e));
    }
}
