//! DID methods: each module turns a method-specific id into a document.

pub mod ethr;
pub mod jwk;
pub mod key;
pub mod web;
pub mod webvh;
