//! kith-store behaviour, each test on SQLite and on PostgreSQL.

mod common;

mod api_keys;
mod audit;
mod idempotency;
mod issuance;
mod keys;
mod seal;
mod send;
mod status;
mod store;
