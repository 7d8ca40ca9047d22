//! Follow-ups: what cannot be solved at once gets an owner and a state, changed by entries that
//! reference it, and carries over from shift to shift until done.

use crate::store::At;
use crate::store::{Priority, Sql};
use rusqlite::{params, Connection, OptionalExtension};

use super::book::Logbook;
use super::model::{check_text, open_shift, Followup, LogError};
use crate::domain::identity::Actor;
use crate::domain::words::FollowupState;
use crate::hotel::audit::{self, Change};
use crate::store::StoreError;

impl Logbook {
    /// Moves a follow-up to `state`, with an entry that says so.
    pub async fn update_followup(
        &self,
        actor: &Actor,
        id: i64,
        state: FollowupState,
        text: Option<&str>,
    ) -> Result<Followup, LogError> {
        let text = match text {
            Some(t) => check_text(t)?,
            None => format!("follow-up {id}: {}", state.as_str().replace('_', " ")),
        };
        let now = self.now();
        let actor = actor.clone();
        let me = self.clone();
        self.store
            .write(Priority::Normal, move |tx| {
                let actor = &actor;
                let me = &me;
                let f = me.get_followup_in(tx, id)?;
                if open_shift(tx)?.is_none() {
                    return Err(LogError::NoShift);
                }
                tx.exec(
                    "INSERT INTO log_entries(shift, at, author, category, priority, room, text, followup)
                 VALUES ((SELECT id FROM shifts WHERE closed_at IS NULL), ?1, ?2, 'note', 'normal', ?3, ?4, ?5)",
                    params![At(now), actor.login, f.room, text, id],
                )?;
                crate::hotel::changes::record(
                    tx,
                    crate::domain::event::Event::LogWritten { id: tx.last_insert_rowid() },
                )?;
                tx.exec("UPDATE followups SET state = ?2, updated_at = ?3 WHERE id = ?1", params![id, state, At(now)])?;
                crate::hotel::changes::record(tx, crate::domain::event::Event::ShiftChanged)?;
                let change = Change::new("followup_update")
                    .subject(format!("follow-up {id}"))
                    .before(f.state.as_str())
                    .after(state.as_str());
                audit::record(tx, now, actor, &change)?;
                me.get_followup_in(tx, id)
            })
            .await
    }

    fn get_followup_in(&self, c: &Connection, id: i64) -> Result<Followup, LogError> {
        c.row(
            "SELECT f.id, f.entry, f.owner, f.due, f.state, f.updated_at, e.text, e.room
             FROM followups f JOIN log_entries e ON e.id = f.entry WHERE f.id = ?1",
            [id],
            followup_from_row,
        )
        .optional()?
        .ok_or(LogError::UnknownFollowup(id))
    }

    pub async fn followups(&self, open_only: bool) -> Result<Vec<Followup>, LogError> {
        self.store.read(move |c| Ok(followups(c, open_only)?)).await
    }
}

fn followup_from_row(r: &rusqlite::Row) -> rusqlite::Result<Followup> {
    Ok(Followup {
        id: r.get(0)?,
        entry: r.get(1)?,
        owner: r.get(2)?,
        due: r.get(3)?,
        state: r.get(4)?,
        updated_at: r.get(5)?,
        text: r.get(6)?,
        room: r.get(7)?,
    })
}

pub fn followups(c: &Connection, open_only: bool) -> Result<Vec<Followup>, StoreError> {
    let filter = if open_only { "WHERE f.state != 'done'" } else { "" };
    let mut stmt = c.prepare_cached(&format!(
        "SELECT f.id, f.entry, f.owner, f.due, f.state, f.updated_at, e.text, e.room
         FROM followups f JOIN log_entries e ON e.id = f.entry {filter} ORDER BY f.id"
    ))?;
    let rows = stmt.query_map([], followup_from_row)?.collect::<Result<_, _>>()?;
    Ok(rows)
}
