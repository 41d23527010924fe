//! Shared helpers of the kith-did integration tests.
pub mod chain;
