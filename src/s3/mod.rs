//! S3 access: connections, clients, errors and the operations the front ends use.
//! Nothing here knows about egui.

pub mod address;
pub mod bucket_setup;
pub mod buckets;
pub mod client;
pub mod commands;
pub mod connection;
pub mod copy;
pub mod cors;
pub mod deletes;
pub mod error;
pub mod key_encoding;
pub mod listing;
pub mod naming;
pub mod object_io;
pub mod object_lock;
pub mod object_read;
pub mod objects;
pub mod paging;
pub mod retry;
pub mod share;
#[cfg(not(target_arch = "wasm32"))]
pub mod sso_login;
pub mod uploads;
pub mod versions;
#[cfg(target_arch = "wasm32")]
mod web_http;

pub use connection::{Connection, ConnectionSpec, CustomEndpoint, Secret, StaticEndpoint};
pub use error::{S3Error, Target};
