//! The HTTP API of `kith serve`, end to end: a real server on loopback per test, on
//! SQLite and on PostgreSQL, driven over HTTP.

mod common;

mod audit;
mod auth;
mod bad_input;
mod did_web;
mod exchange;
mod formats;
mod idempotency;
mod issue;
mod operations;
mod presentations;
mod rate_limit;
mod sd_jwt_status;
mod signed_requests;
mod status_lists;
mod trust_registry;
mod webvh;
