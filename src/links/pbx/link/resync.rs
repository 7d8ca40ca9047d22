//! A full resync: every room's state, as the PBX should have it, sent as one database swap.
//!
//! `DS`, then `GI` (occupied) or `GO` (vacant) with `SF` for every room, then `DE`, then one `RE`
//! per room with class of service, message lamp and DND (GI/GO carry neither lamp nor DND), then
//! the display text (`XL`) of every waiting message (skipped where the PBX has no `XL`). The
//! snapshot notes the newest outbox row: once the PBX has acknowledged the whole swap, every
//! normal row up to it is delivered.

use std::collections::VecDeque;

use fias::{Guest, Message, RoomEquipment};

use crate::hotel::messages;
use crate::links::pbx::command::Fias;
use crate::store::{outbox, rooms, Store, StoreError};

#[derive(Debug)]
pub struct Job {
    queue: VecDeque<Message>,
    retry: Option<Message>,
    remaining: usize,
    rooms: usize,
    upto: i64,
}

impl Job {
    /// Reads every room's state and the outbox position, in one consistent read.
    pub async fn snapshot(store: &Store, tz: chrono_tz::Tz) -> Result<Job, StoreError> {
        let (list, waiting, upto) = store
            .read(move |c| Ok::<_, StoreError>((rooms::list(c)?, messages::all_waiting(c)?, outbox::max_id(c)?)))
            .await?;
        let mut queue = VecDeque::with_capacity(list.len() * 2 + 2);
        queue.push_back(Message::ResyncStart);
        for r in &list {
            queue.push_back(match r.stay_id {
                Some(stay) => Message::GuestIn(Guest {
                    room: r.room.clone(),
                    stay: Some(stay.to_string()),
                    name: if r.private { None } else { r.guest_name.clone() },
                    first_name: if r.private { None } else { r.first_name.clone() },
                    language: r.language.clone(),
                    class_of_service: Some(r.class_of_service),
                    swap: true,
                    ..Guest::default()
                }),
                None => Message::GuestOut { room: r.room.clone(), stay: None, swap: true },
            });
        }
        queue.push_back(Message::ResyncEnd);
        for r in &list {
            queue.push_back(Message::RoomEquipment(RoomEquipment {
                room: r.room.clone(),
                class_of_service: Some(r.class_of_service),
                message_lamp: Some(r.message_lamp),
                dnd: Some(r.dnd),
                ..Default::default()
            }));
        }
        for m in &waiting {
            if let Some(cmd) = messages::display_of(m, tz) {
                queue.push_back(cmd.to_fias(&m.room, |_| true));
            }
        }
        Ok(Job::from_records(queue.into(), list.len(), upto))
    }

    /// A job that sends `records` (a snapshot covering `rooms` rooms and the outbox up to row
    /// `upto`).
    pub fn from_records(records: Vec<Message>, rooms: usize, upto: i64) -> Job {
        Job { remaining: records.len(), queue: records.into(), retry: None, rooms, upto }
    }

    /// The next record to send (a failed one first).
    pub fn next_record(&mut self) -> Option<Message> {
        self.retry.take().or_else(|| self.queue.pop_front())
    }

    /// Puts a record back to be sent again.
    pub fn retry(&mut self, msg: Message) {
        debug_assert!(self.retry.is_none());
        self.retry = Some(msg);
    }

    pub fn delivered(&mut self) {
        self.remaining = self.remaining.saturating_sub(1);
    }

    pub fn is_finished(&self) -> bool {
        self.remaining == 0
    }

    pub fn rooms(&self) -> usize {
        self.rooms
    }

    pub fn upto(&self) -> i64 {
        self.upto
    }
}
