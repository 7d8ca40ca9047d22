//! What the PBX reported that another part of the service acts on (the wake-up scheduler).

/// A report from the PBX for the rest of the service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PbxReport {
    /// The final result of a wake-up ring (`WA`); `at` echoes the ring's time.
    WakeAnswer { room: String, at: chrono::NaiveDateTime, status: String },
    /// A guest booked a wake-up call on the handset (`WR`).
    HandsetBooking { room: String, at: chrono::NaiveDateTime },
    /// A guest cancelled one on the handset (`WC`).
    HandsetClear { room: String, at: chrono::NaiveDateTime },
}
