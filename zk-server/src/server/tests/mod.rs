//! The core driven as a client would drive it, one concern per file. Every test runs in
//! virtual time and asserts what a client would see: Stat fields, error codes, event order.

mod acl;
mod four_letter;
mod handshake;
mod hostile;
mod multi;
mod personality;
mod read_only;
mod reaper;
mod sessions;
mod snapshot;
mod tree;
mod watches;
