//! The links to the hotel's other systems, each owned by one task: the PBX (FIAS today) and the
//! PMS (switchboard plays the PBX's part toward it), and where a peer is and how it is opened.
//!
//! Layout: [`keep`] (the one driver both roles run: open, one session per connection, back off,
//! answer commands meanwhile), [`handle`] (how the rest of the service talks to a link task),
//! [`pbx`] (the PBX link task, the FIAS mapping of PBX commands, the built-in simulator),
//! [`pms`] (the PMS link: records from the PMS as desk operations, and the queue toward it),
//! [`port`] (a serial device, `tcp://` or `tcp-listen://`, and how each is opened), [`smdr`]
//! (the PBX's call records as an SMDR text stream).

pub mod handle;
pub mod keep;
pub mod pbx;
pub mod pms;
pub mod port;
pub mod smdr;
