//! Directory entries. Search is full-text (FTS5) over name, department, title and note, by any
//! word or its beginning, ranked (bm25); Chinese, Japanese and Korean text is indexed one
//! character a token, so any run of characters is found as a phrase (`經理` in `客房部經理`).
//!
//! A private entry's numbers (extension and outside number) are withheld from everyone but
//! managers, who see them; every time a private entry is shown, to anyone, an audit row says who
//! saw it, when, and whether its numbers were shown.

use crate::store::At;
use crate::store::Sql;
use chrono::{DateTime, Utc};
use std::sync::Arc;

use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

use crate::clock::SharedClock;
use crate::domain::identity::{Actor, Permission};
use crate::domain::validate::{Invalid, Text};
use crate::hotel::audit::{self, Change};
use crate::store::{Priority, Store, StoreError};

/// What desk and operator staff read where a private entry's numbers would be.
pub const WITHHELD_HINT: &str = "not disclosed: offer to take a message or to connect";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Department,
    Staff,
    External,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Department => "department",
            Kind::Staff => "staff",
            Kind::External => "external",
        }
    }
}

impl std::str::FromStr for Kind {
    type Err = Invalid;
    fn from_str(s: &str) -> Result<Kind, Invalid> {
        match s {
            "department" => Ok(Kind::Department),
            "staff" => Ok(Kind::Staff),
            "external" => Ok(Kind::External),
            other => Err(Invalid::new("kind", format!("{other:?} is not department, staff or external"))),
        }
    }
}

/// An entry as given (adding, importing) or changed (editing: only the fields given change).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewDirEntry {
    pub kind: Option<String>,
    pub name: Option<String>,
    pub department: Option<String>,
    pub title: Option<String>,
    pub extension: Option<String>,
    pub number: Option<String>,
    /// e.g. "EN, ZH".
    pub languages: Option<String>,
    pub note: Option<String>,
    pub private: Option<bool>,
}

/// An entry as shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DirEntry {
    pub id: i64,
    pub kind: Kind,
    pub name: String,
    pub department: Option<String>,
    pub title: Option<String>,
    pub extension: Option<String>,
    pub number: Option<String>,
    pub languages: Option<String>,
    pub note: Option<String>,
    pub private: bool,
    /// The numbers of this private entry are not shown to the reader; `hint` says what to do.
    #[serde(default)]
    pub withheld: bool,
    #[serde(default)]
    pub hint: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum DirError {
    #[error("directory entry {0} does not exist")]
    Unknown(i64),
    #[error(transparent)]
    Invalid(#[from] Invalid),
    #[error(transparent)]
    Store(#[from] StoreError),
}

crate::store::sql_errors_into!(DirError);

const NAME: Text = Text::line(80);
const FIELD: Text = Text::line(80);
const NOTE: Text = Text::lines(500);

/// A phone number or extension: digits, spaces and `+ - ( ) / .`, at most 30 characters.
fn phone(field: &'static str, v: Option<&str>) -> Result<Option<String>, Invalid> {
    let v = Text::line(30).optional(field, v)?;
    if let Some(v) = &v {
        if !v.chars().all(|c| c.is_ascii_digit() || " +-()/.".contains(c)) || !v.chars().any(|c| c.is_ascii_digit()) {
            return Err(Invalid::new(field, format!("{v:?} is not a phone number")));
        }
    }
    Ok(v)
}

fn is_cjk(c: char) -> bool {
    matches!(c as u32, 0x3040..=0x30FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xAC00..=0xD7AF | 0xF900..=0xFAFF)
}

/// Text as indexed and searched: each Chinese, Japanese or Korean character a word of its own.
fn spaced(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 2);
    for c in text.chars() {
        if is_cjk(c) {
            out.push(' ');
            out.push(c);
            out.push(' ');
        } else {
            out.push(c);
        }
    }
    out
}

/// The FTS5 query for what a person typed: every word must match (its beginning, or as a
/// phrase for CJK text); punctuation and FTS5 operators are plain text.
fn fts_query(q: &str) -> Result<String, Invalid> {
    if q.chars().count() > 100 {
        return Err(Invalid::new("q", "is longer than 100 characters"));
    }
    let mut parts = Vec::new();
    for word in q.split_whitespace() {
        let tokens: Vec<String> =
            spaced(word).split(|c: char| !c.is_alphanumeric()).filter(|t| !t.is_empty()).map(str::to_string).collect();
        match tokens.len() {
            0 => {}
            1 if !tokens[0].chars().any(is_cjk) => parts.push(format!("\"{}\"*", tokens[0])),
            _ => parts.push(format!("\"{}\"", tokens.join(" "))),
        }
    }
    if parts.is_empty() {
        return Err(Invalid::new("q", format!("{q:?} has no words to search for")));
    }
    Ok(parts.join(" "))
}

const COLUMNS: &str =
    "d.id, d.kind, d.name, d.department, d.title, d.extension, d.number, d.languages, d.note, d.private";

fn from_row(r: &rusqlite::Row) -> rusqlite::Result<DirEntry> {
    let kind: String = r.get(1)?;
    Ok(DirEntry {
        id: r.get(0)?,
        kind: kind.parse().unwrap_or(Kind::External),
        name: r.get(2)?,
        department: r.get(3)?,
        title: r.get(4)?,
        extension: r.get(5)?,
        number: r.get(6)?,
        languages: r.get(7)?,
        note: r.get(8)?,
        private: r.get(9)?,
        withheld: false,
        hint: None,
    })
}

/// The audit row of a private entry's numbers shown to (or withheld from) `actor`.
fn record_shown(
    tx: &Connection,
    now: DateTime<Utc>,
    actor: &Actor,
    id: i64,
    name: &str,
    what: &str,
) -> Result<(), DirError> {
    audit::record(
        tx,
        now,
        actor,
        &Change::new("dir_private_shown").subject(format!("directory {id}: {name}")).after(what),
    )?;
    Ok(())
}

fn get(c: &Connection, id: i64) -> Result<Option<DirEntry>, DirError> {
    Ok(c.row(&format!("SELECT {COLUMNS} FROM directory d WHERE d.id = ?1"), [id], from_row).optional()?)
}

fn index(tx: &Connection, e: &DirEntry) -> Result<(), DirError> {
    tx.exec("DELETE FROM directory_fts WHERE rowid = ?1", [e.id])?;
    let words = [Some(&e.name), e.department.as_ref(), e.title.as_ref(), e.note.as_ref()]
        .into_iter()
        .flatten()
        .map(|s| spaced(s))
        .collect::<Vec<_>>()
        .join(" ");
    tx.exec("INSERT INTO directory_fts(rowid, words) VALUES (?1, ?2)", params![e.id, words])?;
    crate::hotel::changes::record(tx, crate::domain::event::Event::DirectoryChanged)?;
    Ok(())
}

/// The directory over the store.
#[derive(Clone)]
pub struct Directory {
    store: Arc<Store>,
    clock: SharedClock,
}

impl Directory {
    pub fn new(store: Arc<Store>, clock: SharedClock) -> Self {
        Directory { store, clock }
    }

    /// Validates an entry to add (kind and name required).
    fn validated(e: &NewDirEntry, base: Option<&DirEntry>) -> Result<DirEntry, Invalid> {
        let kind = match (&e.kind, base) {
            (Some(k), _) => k.parse()?,
            (None, Some(b)) => b.kind,
            (None, None) => return Err(Invalid::new("kind", "give department, staff or external")),
        };
        let pick = |new: &Option<String>, old: Option<&Option<String>>| -> Option<String> {
            match new {
                Some(v) => Some(v.clone()),
                None => old.cloned().flatten(),
            }
        };
        let name = match (&e.name, base) {
            (Some(n), _) => NAME.required("name", n)?,
            (None, Some(b)) => b.name.clone(),
            (None, None) => return Err(Invalid::new("name", "must not be empty")),
        };
        Ok(DirEntry {
            id: base.map_or(0, |b| b.id),
            kind,
            name,
            department: FIELD.optional("department", pick(&e.department, base.map(|b| &b.department)).as_deref())?,
            title: FIELD.optional("title", pick(&e.title, base.map(|b| &b.title)).as_deref())?,
            extension: phone("extension", pick(&e.extension, base.map(|b| &b.extension)).as_deref())?,
            number: phone("number", pick(&e.number, base.map(|b| &b.number)).as_deref())?,
            languages: FIELD.optional("languages", pick(&e.languages, base.map(|b| &b.languages)).as_deref())?,
            note: NOTE.optional("note", pick(&e.note, base.map(|b| &b.note)).as_deref())?,
            private: e.private.or(base.map(|b| b.private)).unwrap_or(false),
            withheld: false,
            hint: None,
        })
    }

    /// Adds an entry inside the caller's transaction (imports add many in one).
    pub fn add_in(
        &self,
        tx: &Connection,
        actor: &Actor,
        e: &NewDirEntry,
        now: DateTime<Utc>,
    ) -> Result<DirEntry, DirError> {
        let mut d = Self::validated(e, None)?;
        tx.exec(
            "INSERT INTO directory(kind, name, department, title, extension, number, languages, note, private, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            params![d.kind.as_str(), d.name, d.department, d.title, d.extension, d.number, d.languages, d.note, d.private, At(now)],
        )?;
        d.id = tx.last_insert_rowid();
        index(tx, &d)?;
        let private = if d.private { " (private)" } else { "" };
        audit::record(
            tx,
            now,
            actor,
            &Change::new("dir_add").subject(format!("directory {}: {}{private}", d.id, d.name)),
        )?;
        Ok(d)
    }

    pub async fn add(&self, actor: &Actor, e: &NewDirEntry) -> Result<DirEntry, DirError> {
        let now = self.clock.now();
        let actor = actor.clone();
        let e = e.clone();
        let me = self.clone();
        self.store
            .write(Priority::Normal, move |tx| {
                let actor = &actor;
                let e = &e;
                let me = &me;
                me.add_in(tx, actor, e, now)
            })
            .await
    }

    /// Changes the fields given.
    pub async fn edit(&self, actor: &Actor, id: i64, e: &NewDirEntry) -> Result<DirEntry, DirError> {
        let now = self.clock.now();
        let actor = actor.clone();
        let e = e.clone();
        self.store
            .write(Priority::Normal, move |tx| {
                let actor = &actor;
                let e = &e;
                let old = get(tx, id)?.ok_or(DirError::Unknown(id))?;
                let d = Self::validated(e, Some(&old))?;
                tx.exec(
                "UPDATE directory SET kind = ?2, name = ?3, department = ?4, title = ?5, extension = ?6, number = ?7,
                 languages = ?8, note = ?9, private = ?10, updated_at = ?11 WHERE id = ?1",
                params![
                    id,
                    d.kind.as_str(),
                    d.name,
                    d.department,
                    d.title,
                    d.extension,
                    d.number,
                    d.languages,
                    d.note,
                    d.private,
                    At(now)
                ],
            )?;
                index(tx, &d)?;
                audit::record(tx, now, actor, &Change::new("dir_edit").subject(format!("directory {id}: {}", d.name)))?;
                if d.private {
                    // The reply shows the whole entry: that is a showing like any other.
                    record_shown(tx, now, actor, id, &d.name, "numbers shown")?;
                }
                Ok(d)
            })
            .await
    }

    pub async fn remove(&self, actor: &Actor, id: i64) -> Result<(), DirError> {
        let now = self.clock.now();
        let actor = actor.clone();
        self.store
            .write(Priority::Normal, move |tx| {
                let actor = &actor;
                let old = get(tx, id)?.ok_or(DirError::Unknown(id))?;
                tx.exec("DELETE FROM directory WHERE id = ?1", [id])?;
                tx.exec("DELETE FROM directory_fts WHERE rowid = ?1", [id])?;
                crate::hotel::changes::record(tx, crate::domain::event::Event::DirectoryChanged)?;
                audit::record(
                    tx,
                    now,
                    actor,
                    &Change::new("dir_remove").subject(format!("directory {id}: {}", old.name)),
                )?;
                Ok(())
            })
            .await
    }

    /// What `actor` may see of these entries; private ones shown are written to the audit trail.
    async fn shown(&self, actor: &Actor, mut list: Vec<DirEntry>) -> Result<Vec<DirEntry>, DirError> {
        let see = actor.can(Permission::SeePrivate);
        let private: Vec<(i64, String)> = list.iter().filter(|e| e.private).map(|e| (e.id, e.name.clone())).collect();
        if !private.is_empty() {
            let now = self.clock.now();
            let actor = actor.clone();
            self.store
                .write(Priority::Normal, move |tx| {
                    let actor = &actor;
                    for (id, name) in &private {
                        record_shown(
                            tx,
                            now,
                            actor,
                            *id,
                            name,
                            if see { "numbers shown" } else { "numbers withheld" },
                        )?;
                    }
                    Ok::<_, DirError>(())
                })
                .await?;
        }
        if !see {
            for e in list.iter_mut().filter(|e| e.private) {
                e.extension = None;
                e.number = None;
                e.withheld = true;
                e.hint = Some(WITHHELD_HINT.into());
            }
        }
        Ok(list)
    }

    /// Entries matching every word of `q` (or their beginnings), best first; at most 100.
    pub async fn search(&self, actor: &Actor, q: &str) -> Result<Vec<DirEntry>, DirError> {
        let fts = fts_query(q.trim())?;
        let list = self
            .store
            .read(move |c| {
                let mut stmt = c.prepare_cached(&format!(
                    "SELECT {COLUMNS} FROM directory_fts f JOIN directory d ON d.id = f.rowid
                 WHERE directory_fts MATCH ?1 ORDER BY bm25(directory_fts), d.name LIMIT 100"
                ))?;
                let rows = stmt.query_map([&fts], from_row)?.collect::<Result<Vec<_>, _>>()?;
                Ok::<_, DirError>(rows)
            })
            .await?;
        self.shown(actor, list).await
    }

    /// One entry.
    pub async fn get(&self, actor: &Actor, id: i64) -> Result<DirEntry, DirError> {
        let e = self.store.read(move |c| get(c, id)).await?.ok_or(DirError::Unknown(id))?;
        Ok(self.shown(actor, vec![e]).await?.remove(0))
    }

    /// Every entry, in name order, whole (for export by a manager); every private entry is
    /// written to the audit trail as shown.
    pub async fn export(&self, actor: &Actor) -> Result<Vec<DirEntry>, DirError> {
        let now = self.clock.now();
        let actor = actor.clone();
        self.store
            .write(Priority::Normal, move |tx| {
                let actor = &actor;
                let mut stmt =
                    tx.prepare_cached(&format!("SELECT {COLUMNS} FROM directory d ORDER BY d.kind, d.name, d.id"))?;
                let rows = stmt.query_map([], from_row)?.collect::<Result<Vec<_>, _>>()?;
                for e in rows.iter().filter(|e| e.private) {
                    record_shown(tx, now, actor, e.id, &e.name, "numbers shown (export)")?;
                }
                Ok(rows)
            })
            .await
    }

    pub async fn is_empty(&self) -> Result<bool, DirError> {
        Ok(self
            .store
            .read(move |c| c.row("SELECT COUNT(*) = 0 FROM directory", [], |r| r.get(0)).map_err(StoreError::from))
            .await?)
    }

    /// Adds every entry, all or none.
    pub async fn import(&self, actor: &Actor, entries: &[NewDirEntry]) -> Result<usize, DirError> {
        let now = self.clock.now();
        let actor = actor.clone();
        let entries = entries.to_vec();
        let me = self.clone();
        self.store
            .write(Priority::Normal, move |tx| {
                let actor = &actor;
                let entries = &entries[..];
                let me = &me;
                for (i, e) in entries.iter().enumerate() {
                    me.add_in(tx, actor, e, now).map_err(|err| match err {
                        DirError::Invalid(inv) => {
                            DirError::Invalid(Invalid::new(inv.field, format!("entry {}: {}", i + 1, inv.msg)))
                        }
                        other => other,
                    })?;
                }
                Ok(entries.len())
            })
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::FakeClock;
    use crate::domain::identity::Role;
    use chrono::TimeZone;

    fn dir() -> Directory {
        let store = Arc::new(Store::open_in_memory().unwrap());
        Directory::new(store, Arc::new(FakeClock::new(chrono::Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap())))
    }

    fn entry(kind: &str, name: &str, dept: &str, title: &str, number: &str, private: bool) -> NewDirEntry {
        NewDirEntry {
            kind: Some(kind.into()),
            name: Some(name.into()),
            department: Some(dept.into()),
            title: Some(title.into()),
            number: Some(number.into()),
            private: Some(private),
            ..Default::default()
        }
    }

    fn actor(role: Role) -> Actor {
        Actor { id: 1, login: role.as_str().into(), display_name: "x".into(), role }
    }

    #[tokio::test]
    async fn search_in_both_scripts_by_words_and_beginnings() {
        let d = dir();
        let m = actor(Role::Manager);
        d.add(&m, &entry("staff", "王大明", "客房部", "客房部經理", "2101", false)).await.unwrap();
        d.add(&m, &entry("staff", "Anna Müller", "Front Office", "Front Office Manager", "2001", false)).await.unwrap();
        d.add(&m, &entry("external", "Consulate of Japan", "", "consulate", "+886 2 2713 8000", false)).await.unwrap();
        let names = async |q: &str| d.search(&m, q).await.unwrap().into_iter().map(|e| e.name).collect::<Vec<_>>();
        assert_eq!(names("經理").await, ["王大明"], "a word inside a longer Chinese title");
        assert_eq!(names("客房").await, ["王大明"]);
        assert_eq!(names("大明").await, ["王大明"]);
        assert_eq!(names("mull").await, ["Anna Müller"], "beginnings, accents folded");
        assert_eq!(names("front manager").await, ["Anna Müller"], "every word");
        assert_eq!(names("japan").await, ["Consulate of Japan"]);
        assert!(names("manager 客房").await.is_empty());
        assert!(matches!(d.search(&m, "\"*").await, Err(DirError::Invalid(_))));
        assert!(d.search(&m, "NEAR( AND OR").await.is_ok(), "operators are plain words");
    }

    #[tokio::test]
    async fn private_numbers_are_withheld_but_shown_to_managers_and_every_showing_is_audited() {
        let d = dir();
        let m = actor(Role::Manager);
        let gm = d
            .add(
                &m,
                &entry("staff", "Li General", "Executive Office", "General Manager (mobile)", "+886 912 345 678", true),
            )
            .await
            .unwrap();
        for role in [Role::Desk, Role::Operator] {
            let found = d.search(&actor(role), "general").await.unwrap();
            assert_eq!(found.len(), 1);
            assert!(found[0].withheld && found[0].number.is_none() && found[0].extension.is_none(), "{role:?}");
            assert_eq!(found[0].hint.as_deref(), Some(WITHHELD_HINT));
        }
        let seen = d.get(&m, gm.id).await.unwrap();
        assert_eq!(seen.number.as_deref(), Some("+886 912 345 678"));
        assert!(!seen.withheld);
        let rows = d.store.read(move |c| audit::query(c, &Default::default())).await.unwrap();
        let shown: Vec<(String, Option<String>)> = rows
            .iter()
            .filter(|r| r.action == "dir_private_shown")
            .map(|r| (r.staff.clone(), r.after.clone()))
            .collect();
        assert_eq!(shown.len(), 3, "{shown:?}");
        assert!(shown.contains(&("manager".into(), Some("numbers shown".into()))));
        assert!(shown.contains(&("desk".into(), Some("numbers withheld".into()))));
    }

    #[tokio::test]
    async fn an_export_and_an_edit_reply_are_showings_too() {
        let d = dir();
        let m = actor(Role::Manager);
        let gm = d.add(&m, &entry("staff", "Li General", "Office", "GM", "+886 912 345 678", true)).await.unwrap();
        d.add(&m, &entry("department", "Housekeeping", "", "", "2300", false)).await.unwrap();
        let shown = async |d: &Directory| {
            d.store
                .read(move |c| audit::query(c, &Default::default()))
                .await
                .unwrap()
                .into_iter()
                .filter(|r| r.action == "dir_private_shown")
                .map(|r| r.after.unwrap_or_default())
                .collect::<Vec<_>>()
        };
        let all = d.export(&m).await.unwrap();
        assert_eq!(all.len(), 2);
        assert_eq!(shown(&d).await, ["numbers shown (export)"], "one row, for the private entry only");
        let edited = d.edit(&m, gm.id, &NewDirEntry { title: Some("CEO".into()), ..Default::default() }).await.unwrap();
        assert_eq!(edited.number.as_deref(), Some("+886 912 345 678"));
        assert_eq!(shown(&d).await.len(), 2, "the edit's reply showed the number");
    }

    #[tokio::test]
    async fn entries_are_validated_edited_and_removed() {
        let d = dir();
        let m = actor(Role::Manager);
        assert!(d
            .add(&m, &NewDirEntry { name: Some("X".into()), ..Default::default() })
            .await
            .unwrap_err()
            .to_string()
            .starts_with("kind:"));
        assert!(d
            .add(&m, &entry("staff", "X", "", "", "call me", false))
            .await
            .unwrap_err()
            .to_string()
            .starts_with("number:"));
        let e = d.add(&m, &entry("department", "Housekeeping", "", "", "2300", false)).await.unwrap();
        let e = d.edit(&m, e.id, &NewDirEntry { extension: Some("23".into()), ..Default::default() }).await.unwrap();
        assert_eq!(
            (e.name.as_str(), e.extension.as_deref(), e.number.as_deref()),
            ("Housekeeping", Some("23"), Some("2300"))
        );
        assert_eq!(d.search(&m, "housekeeping").await.unwrap()[0].extension.as_deref(), Some("23"));
        d.remove(&m, e.id).await.unwrap();
        assert!(d.search(&m, "housekeeping").await.unwrap().is_empty());
        assert!(matches!(d.remove(&m, e.id).await, Err(DirError::Unknown(_))));
    }
}
