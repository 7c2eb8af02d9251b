//! HTTP plumbing shared by the APISmith and ScheduleHub clients: building a rustls client (OS roots plus an optional
//! CA file per connection), timeouts, the retry strategy, bearer-token sessions with one refresh-and-repeat on 401,
//! request logging without credentials, and the typed error every call returns.

mod config;
mod error;
mod notes;
pub mod retry;
mod session;
pub(crate) mod util;

pub use config::{build_client, read_ca_file, ConnectionConfig, Credentials};
pub use error::HttpError;
pub use notes::ErrorLog;
pub use retry::RetryPolicy;
pub(crate) use session::Session;
