//! The event XML of `sys.fn_xe_file_target_read_file`, read with quick-xml into
//! [`XeEvent`]: the event name, its timestamp, and every `<data>` and `<action>` value by name.
//!
//! ```xml
//! <event name="rpc_completed" package="sqlserver" timestamp="2026-11-26T13:00:00.123Z">
//!   <data name="duration"><value>180</value></data>
//!   <data name="result"><value>0</value><text>OK</text></data>
//!   <action name="session_id" package="sqlserver"><value>53</value></action>
//! </event>
//! ```

use std::collections::HashMap;

use chrono::{DateTime, NaiveDateTime};
use quick_xml::Reader;
use quick_xml::events::Event;

/// One parsed event.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct XeEvent {
    /// `rpc_completed`, `sql_batch_completed`.
    pub name: String,
    /// Completion time, UTC.
    pub timestamp: NaiveDateTime,
    /// `<data>` values by name (the `<value>`, not the `<text>` of a map).
    pub data: HashMap<String, String>,
    /// `<action>` values by name.
    pub actions: HashMap<String, String>,
}

impl XeEvent {
    /// A data field as a number.
    pub fn number(&self, name: &str) -> Option<u64> {
        self.data.get(name).and_then(|v| v.trim().parse().ok())
    }

    /// An action value (empty values are `None`).
    pub fn action(&self, name: &str) -> Option<&str> {
        self.actions.get(name).map(String::as_str).filter(|v| !v.is_empty())
    }
}

/// Where the reader is inside the event.
enum Slot {
    None,
    Data(String),
    Action(String),
}

/// Parses one `event_data` document. The error says what was wrong with it.
pub fn parse_event(xml: &str) -> Result<XeEvent, String> {
    let mut reader = Reader::from_str(xml);
    let mut event = XeEvent::default();
    let mut slot = Slot::None;
    let mut in_value = false;
    let mut seen_event = false;
    loop {
        match reader.read_event().map_err(|e| format!("not well-formed XML: {e}"))? {
            Event::Start(e) | Event::Empty(e) if e.name().as_ref() == b"event" => {
                seen_event = true;
                for a in e.attributes().flatten() {
                    let value = a.unescape_value().map_err(|e| e.to_string())?.into_owned();
                    match a.key.as_ref() {
                        b"name" => event.name = value,
                        b"timestamp" => event.timestamp = parse_timestamp(&value)?,
                        _ => {}
                    }
                }
            }
            Event::Start(e) if matches!(e.name().as_ref(), b"data" | b"action") => {
                let name = e
                    .attributes()
                    .flatten()
                    .find(|a| a.key.as_ref() == b"name")
                    .and_then(|a| a.unescape_value().ok().map(|v| v.into_owned()))
                    .unwrap_or_default();
                slot = if e.name().as_ref() == b"data" { Slot::Data(name) } else { Slot::Action(name) };
            }
            Event::Start(e) if e.name().as_ref() == b"value" => {
                in_value = true;
                store(&mut event, &slot, String::new(), false);
            }
            Event::Empty(e) if e.name().as_ref() == b"value" => {
                store(&mut event, &slot, String::new(), false)
            }
            Event::End(e) if e.name().as_ref() == b"value" => in_value = false,
            Event::End(e) if matches!(e.name().as_ref(), b"data" | b"action") => slot = Slot::None,
            Event::Text(t) if in_value => {
                let text = t.decode().map_err(|e| format!("bad text: {e}"))?;
                store(&mut event, &slot, text.into_owned(), true);
            }
            Event::GeneralRef(r) if in_value => {
                let text = match r.resolve_char_ref().map_err(|e| format!("bad character reference: {e}"))? {
                    Some(c) => c.to_string(),
                    None => {
                        let name = r.decode().map_err(|e| format!("bad entity: {e}"))?;
                        quick_xml::escape::resolve_predefined_entity(&name)
                            .ok_or_else(|| format!("unknown entity &{name};"))?
                            .to_string()
                    }
                };
                store(&mut event, &slot, text, true);
            }
            Event::CData(t) if in_value => {
                store(&mut event, &slot, String::from_utf8_lossy(&t).into_owned(), true);
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if !seen_event || event.name.is_empty() {
        return Err("no <event name=…> element".into());
    }
    Ok(event)
}

fn store(event: &mut XeEvent, slot: &Slot, text: String, append: bool) {
    let map = match slot {
        Slot::Data(n) => event.data.entry(n.clone()),
        Slot::Action(n) => event.actions.entry(n.clone()),
        Slot::None => return,
    };
    let value = map.or_default();
    if append {
        value.push_str(&text);
    } else {
        *value = text;
    }
}

/// `2026-11-26T13:00:00.123Z`, with any number of fraction digits or an offset.
fn parse_timestamp(text: &str) -> Result<NaiveDateTime, String> {
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Ok(t.naive_utc());
    }
    NaiveDateTime::parse_from_str(text.trim_end_matches('Z'), "%Y-%m-%dT%H:%M:%S%.f")
        .map_err(|_| format!("timestamp `{text}` is not ISO 8601"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_data_actions_maps_and_entities() {
        let xml = r#"<event name="rpc_completed" package="sqlserver" timestamp="2026-11-26T13:00:00.1234567Z"><data name="duration"><value>180</value></data><data name="result"><value>0</value><text>OK</text></data><data name="statement"><value>exec sp_executesql N'SELECT 1 WHERE 2 &lt; 3 &amp; @P1 = 1',N'@P1 int',@P1=1</value></data><data name="data_stream"><value /></data><action name="session_id" package="sqlserver"><value>53</value></action></event>"#;
        let e = parse_event(xml).unwrap();
        assert_eq!(e.name, "rpc_completed");
        assert_eq!(e.number("duration"), Some(180));
        assert_eq!(e.data["result"], "0");
        assert_eq!(e.data["data_stream"], "");
        assert!(e.data["statement"].contains("2 < 3 & @P1"));
        assert_eq!(e.action("session_id"), Some("53"));
        assert_eq!(e.timestamp.and_utc().timestamp_subsec_micros(), 123_456);
    }

    #[test]
    fn rejects_what_is_not_an_event() {
        assert!(parse_event("<x/>").is_err());
        assert!(parse_event("<event name=\"a\" timestamp=\"yesterday\"/>").is_err());
    }
}
