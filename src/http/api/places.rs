//! Places counted per key (a client address, a staff member), each given back when its holder is
//! dropped: what the per-address connection limit and the live-event stream limits count with.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex};

/// The places taken, per key and in all.
#[derive(Debug)]
pub struct Places<K> {
    open: Mutex<(HashMap<K, u32>, u32)>,
}

/// One place of `key`; given back when dropped.
#[derive(Debug)]
pub struct Place<K: Hash + Eq + Copy> {
    places: Arc<Places<K>>,
    key: K,
}

impl<K: Hash + Eq + Copy> Places<K> {
    pub fn new() -> Arc<Places<K>> {
        Arc::new(Places { open: Mutex::new((HashMap::new(), 0)) })
    }

    /// A place for `key`, if `allowed(taken by key, taken in all)` says so (else its error).
    pub fn take<E>(self: &Arc<Self>, key: K, allowed: impl FnOnce(u32, u32) -> Result<(), E>) -> Result<Place<K>, E> {
        let mut guard = self.open.lock().unwrap_or_else(|p| p.into_inner());
        let (by_key, total) = &mut *guard;
        allowed(by_key.get(&key).copied().unwrap_or(0), *total)?;
        *by_key.entry(key).or_default() += 1;
        *total += 1;
        Ok(Place { places: self.clone(), key })
    }
}

impl<K: Hash + Eq + Copy> Drop for Place<K> {
    fn drop(&mut self) {
        let mut guard = self.places.open.lock().unwrap_or_else(|p| p.into_inner());
        let (by_key, total) = &mut *guard;
        if let Some(n) = by_key.get_mut(&self.key) {
            *n -= 1;
            *total -= 1;
            if *n == 0 {
                by_key.remove(&self.key);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn places_are_counted_per_key_and_in_all_and_given_back_when_dropped() {
        let places = Places::<u8>::new();
        let at_most = |mine: u32, all: u32| if mine < 2 && all < 3 { Ok(()) } else { Err((mine, all)) };
        let a1 = places.take(1, at_most).unwrap();
        let _a2 = places.take(1, at_most).unwrap();
        assert_eq!(places.take(1, at_most).unwrap_err(), (2, 2), "the key's limit");
        let _b1 = places.take(2, at_most).unwrap();
        assert_eq!(places.take(3, at_most).unwrap_err(), (0, 3), "the limit in all");
        drop(a1);
        let _a3 = places.take(1, at_most).unwrap();
    }
}
