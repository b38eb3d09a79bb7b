//! The statements of each command, for one edition, from the code and tables that send them:
//! one file per command, each calling the functions and constants its crate uses at run time.

mod assess;
mod capture;
mod collect;
mod instance;
mod probe;
mod replay;
mod validate;

use crate::edition::Edition;
use crate::statement::Statement;

/// Every statement the product can send to a server of `edition`, in command order.
pub fn statements(edition: Edition) -> Vec<Statement> {
    [
        probe::statements(edition),
        collect::statements(edition),
        capture::statements(edition),
        validate::statements(),
        assess::statements(edition),
        instance::statements(),
        replay::statements(),
    ]
    .concat()
}

/// An example database name in statements that run once per database (a valid delimited name).
pub const EXAMPLE_DATABASE: &str = "<database>";
