//! The open live-event streams, counted against `[api] max_streams` (all together) and
//! `max_streams_per_user`: a stream holds a connection while it is open, so a few users' browser
//! tabs must not take the places every request needs.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use super::error::ApiError;

/// The open streams, all together and per staff member.
#[derive(Debug)]
pub struct Streams {
    max: u32,
    per_user: u32,
    open: Mutex<HashMap<i64, u32>>,
}

/// One open stream's place; given back when dropped (the stream ended).
pub struct StreamSlot {
    streams: Arc<Streams>,
    staff_id: i64,
}

impl Streams {
    pub fn new(max: u32, per_user: u32) -> Streams {
        Streams { max, per_user, open: Mutex::new(HashMap::new()) }
    }

    /// A place for one more stream of `staff_id`, or why not.
    pub fn open(self: &Arc<Self>, staff_id: i64) -> Result<StreamSlot, ApiError> {
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        let total: u32 = open.values().sum();
        let mine = open.get(&staff_id).copied().unwrap_or(0);
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
        *open.entry(staff_id).or_default() += 1;
        Ok(StreamSlot { streams: self.clone(), staff_id })
    }

    /// Streams open now.
    pub fn count(&self) -> u32 {
        self.open.lock().unwrap_or_else(|p| p.into_inner()).values().sum()
    }
}

impl Drop for StreamSlot {
    fn drop(&mut self) {
        let mut open = self.streams.open.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(n) = open.get_mut(&self.staff_id) {
            *n -= 1;
            if *n == 0 {
                open.remove(&self.staff_id);
            }
        }
    }
}
