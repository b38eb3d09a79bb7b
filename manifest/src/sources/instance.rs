//! `cutover validate --instance-objects`: the instance-level inventory, one query per section.

use cutover_assess::instance::{ENGINE_EDITION_SQL, SECTIONS};

use crate::statement::Statement;

const INSTANCE: &[&str] = &["validate"];

pub fn statements() -> Vec<Statement> {
    let mut out = vec![Statement::read(
        "instance.engine_edition",
        INSTANCE,
        "--instance-objects: whether the server is a Managed Instance",
        ENGINE_EDITION_SQL,
    )];
    for s in SECTIONS {
        out.push(Statement::read(
            format!("instance.{}", s.name.replace(' ', "_")),
            INSTANCE,
            format!("--instance-objects: the {} of each server, compared by {}", s.name, s.key.join(", ")),
            s.query,
        ));
    }
    out
}
