//! Verifiable Credentials for Kith.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod datetime;
mod error;
pub mod jcs;
pub mod json;
mod keys;
mod report;
mod verified;
pub mod model;

pub use error::Error;
pub use report::{Check, CheckKind, Outcome, Report};
pub use verified::{Challenge, VerifiedProof};
pub use keys::{AuthorizedKey, did_key_method_id, resolve_authorized_key};
