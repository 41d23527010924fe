//! Verifiable Credentials for Kith.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod datetime;
pub mod di;
mod error;
pub mod jcs;
pub mod jose;
pub mod json;
mod keys;
mod report;
mod verified;
pub mod model;
pub mod policy;
pub mod schema;
pub mod sd_jwt;
pub mod status;
pub mod verify;

pub use error::Error;
pub use report::{Check, CheckKind, Outcome, Report};
pub use verified::{Challenge, VerifiedProof};
pub use verify::{Format, MAX_INPUT_LEN, Verifier, detect};
pub use keys::{AuthorizedKey, did_key_method_id, resolve_authorized_key};
