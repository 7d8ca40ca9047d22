//! The PMS link (placeholder while it is being built).
