//! What people and programs reach over HTTP: the contract, the API serving it, the console.
//!
//! Layout: [`contract`] (every route's method, path, request and reply types, written once; the
//! live events' payloads), [`api`] (the HTTP API serving the contract), [`console`] (the web
//! console, English and 繁體中文, served at `/`), [`print`] (the printouts, in the reader's
//! language from the console's catalogue).

pub mod api;
pub mod console;
pub mod contract;
pub mod print;
