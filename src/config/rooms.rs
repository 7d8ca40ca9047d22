//! Room numbers: `["101-120", "200"]` expanded, checked for overlaps and FIAS length.

use super::types::{invalid, ConfigError};

/// The floor a room is on, as its number says: all but the last two digits ("305" -> "3",
/// "1204" -> "12"); a number of two digits or fewer is its own floor.
pub fn floor_of(room: &str) -> &str {
    if room.len() > 2 && room.is_char_boundary(room.len() - 2) {
        &room[..room.len() - 2]
    } else {
        room
    }
}

/// Expands `["101-103", "200"]` into every room number, checking for overlaps.
pub fn expand_rooms(specs: &[String]) -> Result<Vec<String>, ConfigError> {
    let mut rooms: Vec<String> = Vec::new();
    let mut seen = std::collections::HashMap::new();
    for (i, spec) in specs.iter().enumerate() {
        let key = format!("rooms.numbers[{i}]");
        let spec = spec.trim();
        let list: Vec<String> = match spec.split_once('-') {
            Some((a, b)) => {
                let (a, b) = (a.trim(), b.trim());
                let num = |x: &str| -> Result<u64, ConfigError> {
                    if x.is_empty() || !x.bytes().all(|c| c.is_ascii_digit()) {
                        return Err(invalid(&key, format!("{spec:?} is not a range like \"101-120\"")));
                    }
                    x.parse().map_err(|_| invalid(&key, format!("{spec:?} is out of range")))
                };
                let (lo, hi) = (num(a)?, num(b)?);
                if lo > hi {
                    return Err(invalid(&key, format!("{spec:?} runs backwards")));
                }
                if hi - lo >= 10_000 {
                    return Err(invalid(&key, format!("{spec:?} spans more than 10000 rooms")));
                }
                // Keep zero padding: "0101-0105" gives "0101".."0105".
                let width = if a.starts_with('0') { a.len() } else { 0 };
                (lo..=hi).map(|n| format!("{n:0width$}")).collect()
            }
            None => vec![spec.to_string()],
        };
        for room in list {
            if room.is_empty() || room.len() > 8 || !room.bytes().all(|c| c.is_ascii_alphanumeric()) {
                return Err(invalid(&key, format!("room {room:?} must be 1 to 8 letters or digits (FIAS RN)")));
            }
            if let Some(prev) = seen.insert(room.clone(), i) {
                return Err(invalid(&key, format!("room {room} is already listed in rooms.numbers[{prev}]")));
            }
            rooms.push(room);
        }
    }
    if rooms.is_empty() {
        return Err(invalid("rooms.numbers", "lists no rooms"));
    }
    Ok(rooms)
}
