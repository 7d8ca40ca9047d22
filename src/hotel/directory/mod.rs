//! The operator's directory: the hotel's departments and staff, local services, consulates,
//! each with extension and outside number; private numbers kept private; and the dialling codes
//! of cities at home and abroad.
//!
//! Layout: [`entries`] (the entries: adding, editing, removing, searching, and what each role
//! may see of a private one), [`exchange`] (import and export as CSV or TOML), [`codes`] (the
//! domain's dialling codes, [`crate::domain::dialling`]: country and area codes both ways, and
//! how to dial them from the hotel).

pub use crate::domain::dialling as codes;
pub mod entries;
pub mod exchange;

pub use crate::domain::dialling::{CodeAnswer, Dialling};
pub use entries::{DirEntry, DirError, Directory, Kind, NewDirEntry, WITHHELD_HINT};
