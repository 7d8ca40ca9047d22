//! The open live-event streams, counted against `[api] max_streams` (all together) and
//! `max_streams_per_user`: a stream holds a connection while it is open, so a few users' browser
//! tabs must not take the places every request needs.

use std::sync::Arc;

use super::error::ApiError;
use super::places::{Place, Places};

/// The open streams, all together and per staff member.
#[derive(Debug)]
pub struct Streams {
    max: u32,
    per_user: u32,
    places: Arc<Places<i64>>,
}

/// One open stream's place; given back when dropped (the stream ended).
pub type StreamSlot = Place<i64>;

impl Streams {
    pub fn new(max: u32, per_user: u32) -> Streams {
        Streams { max, per_user, places: Places::new() }
    }

    /// A place for one more stream of `staff_id`, or why not.
    pub fn open(&self, staff_id: i64) -> Result<StreamSlot, ApiError> {
        self.places.take(staff_id, |mine, total| {
            if mine >= self.per_user {
                return Err(ApiError::TooManyRequests(format!(
                    "you already have {mine} live-event streams open (at most {}, api.max_streams_per_user): close one first",
                    self.per_user
                )));
            }
            if total >= self.max {
                return Err(ApiError::TooManyRequests(format!(
                    "{total} live-event streams are open (at most {}, api.max_streams): try again later",
                    self.max
                )));
            }
            Ok(())
        })
    }
}
