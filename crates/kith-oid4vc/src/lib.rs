//! OpenID for Verifiable Credential Issuance 1.0 (`vci`) and OpenID for Verifiable
//! Presentations 1.0 with the Digital Credentials Query Language (`vp`, `dcql`):
//! the protocol logic of issuers, verifiers and wallets. No HTTP framework lives here:
//! kith-server maps routes onto these functions, and the wallet side takes an HTTP
//! client seam so tests and the demo talk to real endpoints.
#![forbid(unsafe_code)]

pub mod dcql;
pub mod holder;
pub mod vci;
pub mod vp;
