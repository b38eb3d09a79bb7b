//! Histogram tags of a trace replay: one per statement fingerprint (`q1`, `q2`, … in order of
//! first appearance), at most [`MAX_TAGS`], then `other`; `invalid` for lines that are not
//! valid events; `sp_prepare: …` and `sp_unprepare: …` for those calls on a prepared statement.

use std::collections::HashMap;

use super::event::Bound;

/// A tag, announced before its first item.
#[derive(Clone, Debug, PartialEq)]
pub struct TagDef {
    /// `q1`, `q2`, …, `other`, `invalid`.
    pub name: String,
    /// The fingerprint (or what the tag stands for).
    pub text: String,
    /// Its statements may write.
    pub writes: bool,
}

/// Distinct statement fingerprints that get a tag of their own; the rest share `other`.
pub const MAX_TAGS: usize = 1000;
/// The tag of statements past [`MAX_TAGS`].
pub const OTHER_TAG: &str = "other";
/// The tag of lines that are not valid events.
pub const INVALID_TAG: &str = "invalid";

/// Tags by fingerprint, and the new ones not yet announced.
#[derive(Default)]
pub(super) struct Tags {
    pub by_text: HashMap<String, usize>,
    pub defs: Vec<TagDef>,
    pub fresh: Vec<TagDef>,
    other: Option<usize>,
    invalid: Option<usize>,
}

impl Tags {
    fn add(&mut self, def: TagDef) -> usize {
        self.defs.push(def.clone());
        self.fresh.push(def);
        self.defs.len() - 1
    }

    pub fn of(&mut self, bound: &Bound) -> usize {
        if let Some(&t) = bound.tag.get() {
            return t;
        }
        let t = match self.by_text.get(&bound.fingerprint) {
            Some(&t) => t,
            None if self.by_text.len() < MAX_TAGS => {
                let t = self.add(TagDef {
                    name: format!("q{}", self.by_text.len() + 1),
                    text: bound.fingerprint.clone(),
                    writes: bound.writes,
                });
                self.by_text.insert(bound.fingerprint.clone(), t);
                t
            }
            None => self.special(false),
        };
        if Some(t) == self.other && bound.writes {
            self.defs[t].writes = true;
        }
        let _ = bound.tag.set(t);
        t
    }

    /// The tag of a call on a prepared statement that is not its execution (`sp_prepare: …`).
    pub fn of_call(&mut self, call: &str, bound: &Bound) -> usize {
        let text = format!("{call}: {}", bound.fingerprint);
        match self.by_text.get(&text) {
            Some(&t) => t,
            None if self.by_text.len() < MAX_TAGS => {
                let def = TagDef {
                    name: format!("q{}", self.by_text.len() + 1),
                    text: text.clone(),
                    writes: bound.writes,
                };
                let t = self.add(def);
                self.by_text.insert(text, t);
                t
            }
            None => self.special(false),
        }
    }

    /// The `other` (false) or `invalid` (true) tag.
    pub fn special(&mut self, invalid: bool) -> usize {
        let slot = if invalid { self.invalid } else { self.other };
        if let Some(t) = slot {
            return t;
        }
        let def = if invalid {
            TagDef { name: INVALID_TAG.into(), text: "lines that are not valid events".into(), writes: false }
        } else {
            TagDef {
                name: OTHER_TAG.into(),
                text: format!("statements beyond the first {MAX_TAGS} distinct fingerprints"),
                writes: false,
            }
        };
        let t = self.add(def);
        if invalid {
            self.invalid = Some(t);
        } else {
            self.other = Some(t);
        }
        t
    }
}
