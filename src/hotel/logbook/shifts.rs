//! Shifts: one open at a time, closed by its operator (or force-closed by a manager), its
//! handover stored at close and acknowledged by the next operator before they open theirs.

use crate::store::At;
use crate::store::{Priority, Sql};
use rusqlite::params;

use super::book::Logbook;
use super::handover::{self, Handover};
use super::model::{get_shift, last_closed_shift, open_shift, LogError, Shift};
use crate::domain::identity::{Actor, Role};
use crate::hotel::audit::{self, Change};
use crate::hotel::journal::system_entry;
use crate::store::StoreError;

impl Logbook {
    pub async fn current_shift(&self) -> Result<Option<Shift>, LogError> {
        Ok(self.store.read(open_shift).await?)
    }

    /// Opens a shift for `actor`: none may be open, and the last handover must be acknowledged.
    pub async fn open_shift(&self, actor: &Actor) -> Result<Shift, LogError> {
        let now = self.now();
        let actor = actor.clone();
        self.store
            .write(Priority::Normal, move |tx| {
                let actor = &actor;
                if let Some(s) = open_shift(tx)? {
                    return Err(LogError::ShiftOpen { id: s.id, operator: s.operator });
                }
                if let Some(last) = last_closed_shift(tx)? {
                    if last.handover_acked_by.is_none() {
                        return Err(LogError::HandoverPending { id: last.id });
                    }
                }
                tx.exec("INSERT INTO shifts(operator, opened_at) VALUES (?1, ?2)", params![actor.login, At(now)])?;
                let id = tx.last_insert_rowid();
                crate::hotel::changes::record(tx, crate::domain::event::Event::ShiftChanged)?;
                audit::record(tx, now, actor, &Change::new("shift_open").subject(format!("shift {id}")))?;
                Ok(get_shift(tx, id)?.expect("just inserted"))
            })
            .await
    }

    /// Closes the open shift (its operator, or a manager with `force`) and stores its handover.
    pub async fn close_shift(&self, actor: &Actor, force: bool) -> Result<Handover, LogError> {
        let now = self.now();
        let actor = actor.clone();
        let me = self.clone();
        self.store
            .write(Priority::Normal, move |tx| {
                let actor = &actor;
                let me = &me;
                let shift = open_shift(tx)?.ok_or(LogError::NoShift)?;
                let forced = shift.operator != actor.login;
                if forced && !(force && actor.role == Role::Manager) {
                    return Err(LogError::NotYourShift { id: shift.id, operator: shift.operator });
                }
                if forced {
                    system_entry(
                        tx,
                        now,
                        "shift_forced",
                        None,
                        true,
                        &format!("shift {} of {} force-closed by {}", shift.id, shift.operator, actor.login),
                        &serde_json::json!({ "shift": shift.id, "operator": shift.operator, "by": actor.login }),
                    )?;
                }
                tx.exec(
                    "UPDATE shifts SET closed_at = ?2, closed_by = ?3, forced = ?4 WHERE id = ?1",
                    params![shift.id, At(now), actor.login, forced],
                )?;
                let sheet = handover::build(tx, me.tz, shift.id)?;
                let json = serde_json::to_string(&sheet).map_err(|e| StoreError::Corrupt(e.to_string()))?;
                tx.exec("UPDATE shifts SET handover = ?2 WHERE id = ?1", params![shift.id, json])?;
                crate::hotel::changes::record(tx, crate::domain::event::Event::ShiftChanged)?;
                let change = Change::new("shift_close").subject(format!("shift {}", shift.id)).after(if forced {
                    "force-closed"
                } else {
                    "closed"
                });
                audit::record(tx, now, actor, &change)?;
                Ok(sheet)
            })
            .await
    }

    /// The handover of the last closed shift, if any.
    pub async fn handover(&self) -> Result<Option<Handover>, LogError> {
        let tz = self.tz;
        self.store
            .read(move |c| {
                let Some(last) = last_closed_shift(c)? else { return Ok(None) };
                let json: Option<String> =
                    c.row("SELECT handover FROM shifts WHERE id = ?1", [last.id], |r| r.get(0))?;
                let mut sheet: Handover = match json {
                    Some(j) => serde_json::from_str(&j).map_err(|e| StoreError::Corrupt(e.to_string()))?,
                    None => handover::build(c, tz, last.id)?,
                };
                sheet.shift = last;
                Ok(Some(sheet))
            })
            .await
    }

    /// The incoming operator acknowledges the last handover (not the one who closed it).
    pub async fn ack_handover(&self, actor: &Actor) -> Result<Shift, LogError> {
        let now = self.now();
        let actor = actor.clone();
        self.store
            .write(Priority::Normal, move |tx| {
                let actor = &actor;
                let last =
                    last_closed_shift(tx)?.filter(|s| s.handover_acked_by.is_none()).ok_or(LogError::NoHandover)?;
                if last.operator == actor.login || last.closed_by.as_deref() == Some(actor.login.as_str()) {
                    return Err(LogError::OwnHandover { id: last.id });
                }
                tx.exec(
                    "UPDATE shifts SET handover_acked_by = ?2, handover_acked_at = ?3 WHERE id = ?1",
                    params![last.id, actor.login, At(now)],
                )?;
                crate::hotel::changes::record(tx, crate::domain::event::Event::ShiftChanged)?;
                system_entry(
                    tx,
                    now,
                    "handover_ack",
                    None,
                    false,
                    &format!("handover of shift {} acknowledged by {}", last.id, actor.login),
                    &serde_json::json!({ "shift": last.id, "by": actor.login }),
                )?;
                audit::record(tx, now, actor, &Change::new("handover_ack").subject(format!("shift {}", last.id)))?;
                Ok(get_shift(tx, last.id)?.expect("exists"))
            })
            .await
    }
}
