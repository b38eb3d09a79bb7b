//! SQL Server errors as the simulator raises them: the real numbers, classes and states, so
//! clients (and cutover's own error classifier) see what a real server would send.

use std::fmt;

/// An error to send to the client as an ERROR token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SqlError {
    pub number: i32,
    pub state: u8,
    pub class: u8,
    pub message: String,
    /// Line number within the batch (1-based).
    pub line: i32,
    /// Procedure name, if raised inside one.
    pub procedure: String,
}

impl SqlError {
    pub fn new(number: i32, class: u8, message: impl Into<String>) -> Self {
        SqlError { number, state: 1, class, message: message.into(), line: 1, procedure: String::new() }
    }

    pub fn with_state(mut self, state: u8) -> Self {
        self.state = state;
        self
    }

    pub fn at_line(mut self, line: i32) -> Self {
        self.line = line;
        self
    }

    /// 102: Incorrect syntax near '...'.
    pub fn syntax(near: &str) -> Self {
        SqlError::new(102, 15, format!("Incorrect syntax near '{near}'."))
    }

    /// 208: Invalid object name '...'.
    pub fn invalid_object(name: &str) -> Self {
        SqlError::new(208, 16, format!("Invalid object name '{name}'."))
    }

    /// 207: Invalid column name '...'.
    pub fn invalid_column(name: &str) -> Self {
        SqlError::new(207, 16, format!("Invalid column name '{name}'."))
    }

    /// 137: Must declare the scalar variable "...".
    pub fn undeclared_variable(name: &str) -> Self {
        SqlError::new(137, 15, format!("Must declare the scalar variable \"{name}\"."))
    }

    /// 18456: Login failed for user '...'.
    pub fn login_failed(user: &str) -> Self {
        SqlError::new(18456, 14, format!("Login failed for user '{user}'.")).with_state(8)
    }

    /// 4060: Cannot open database "..." requested by the login. The login failed.
    pub fn cannot_open_database(db: &str) -> Self {
        SqlError::new(
            4060,
            11,
            format!("Cannot open database \"{db}\" requested by the login. The login failed."),
        )
    }

    /// 911: Database '...' does not exist. Make sure that the name is entered correctly.
    pub fn no_such_database(db: &str) -> Self {
        SqlError::new(
            911,
            16,
            format!("Database '{db}' does not exist. Make sure that the name is entered correctly."),
        )
    }

    /// 300: VIEW SERVER STATE permission was denied on object 'server', database 'master'.
    pub fn view_server_state_denied() -> Self {
        SqlError::new(
            300,
            14,
            "VIEW SERVER STATE permission was denied on object 'server', database 'master'.",
        )
    }

    /// 297: The user does not have permission to perform this action.
    pub fn no_permission() -> Self {
        SqlError::new(297, 16, "The user does not have permission to perform this action.")
    }

    /// 229: The SELECT permission was denied on the object '...', database '...', schema '...'.
    pub fn object_permission(action: &str, object: &str, db: &str, schema: &str) -> Self {
        SqlError::new(
            229,
            14,
            format!(
                "The {action} permission was denied on the object '{object}', database '{db}', schema '{schema}'."
            ),
        )
    }

    /// 3701: Cannot drop the table '...', because it does not exist or you do not have permission.
    pub fn cannot_drop(name: &str) -> Self {
        SqlError::new(
            3701,
            11,
            format!(
                "Cannot drop the table '{name}', because it does not exist or you do not have permission."
            ),
        )
    }

    /// 2714: There is already an object named '...' in the database.
    pub fn already_exists(name: &str) -> Self {
        SqlError::new(2714, 16, format!("There is already an object named '{name}' in the database."))
    }

    /// 2627: Violation of PRIMARY KEY constraint.
    pub fn duplicate_key(detail: &str) -> Self {
        SqlError::new(2627, 14, format!("Violation of PRIMARY KEY or UNIQUE constraint. {detail}"))
    }

    /// 515: Cannot insert the value NULL into column.
    pub fn null_not_allowed(detail: &str) -> Self {
        SqlError::new(
            515,
            16,
            format!("Cannot insert the value NULL into a column that does not allow nulls. {detail}"),
        )
    }

    /// 245 / 8114: Conversion failed.
    pub fn conversion(detail: &str) -> Self {
        SqlError::new(245, 16, format!("Conversion failed {detail}."))
    }

    /// 8134: Divide by zero error encountered.
    pub fn divide_by_zero() -> Self {
        SqlError::new(8134, 16, "Divide by zero error encountered.")
    }

    /// 40000-range feature refusals use 40517 (Keyword or statement option is not supported).
    pub fn unsupported(construct: &str) -> Self {
        SqlError::new(
            40517,
            16,
            format!("'{construct}' is not supported by the cutover simulator (see docs/simulator-tsql.md)."),
        )
    }

    /// 3621 + cancel: The statement has been terminated.
    pub fn statement_terminated() -> Self {
        SqlError::new(3621, 0, "The statement has been terminated.")
    }
}

impl fmt::Display for SqlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Msg {}, Level {}, State {}, Line {}: {}",
            self.number, self.class, self.state, self.line, self.message
        )
    }
}

impl std::error::Error for SqlError {}
