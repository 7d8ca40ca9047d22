//! The schema as an append-only list of migrations, tracked by `PRAGMA user_version`.
//!
//! Never edit a migration that has shipped: add a new one at the end. All pending migrations run
//! in one transaction when the store opens.

use rusqlite::Connection;

pub const MIGRATIONS: &[&str] = &[
    // 1: rooms, stays, the durable PBX outbox, and what the PBX told us.
    r#"
    CREATE TABLE rooms (
        number           TEXT PRIMARY KEY,
        position         INTEGER NOT NULL,
        in_config        INTEGER NOT NULL DEFAULT 1,
        class_of_service INTEGER NOT NULL DEFAULT 0,
        message_lamp     INTEGER NOT NULL DEFAULT 0,
        dnd              INTEGER NOT NULL DEFAULT 0,
        room_status      INTEGER,
        voicemail        INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE stays (
        id               INTEGER PRIMARY KEY AUTOINCREMENT,
        room             TEXT NOT NULL REFERENCES rooms(number),
        guest_name       TEXT NOT NULL,
        first_name       TEXT,
        language         TEXT,
        class_of_service INTEGER NOT NULL,
        reservation      TEXT,
        checked_in_at    TEXT NOT NULL,
        checked_out_at   TEXT
    );
    CREATE UNIQUE INDEX stays_one_active_per_room ON stays(room) WHERE checked_out_at IS NULL;
    CREATE TABLE outbox (
        id         INTEGER PRIMARY KEY AUTOINCREMENT,
        room       TEXT NOT NULL,
        attr       TEXT NOT NULL,
        priority   INTEGER NOT NULL DEFAULT 0,
        command    TEXT NOT NULL,
        created_at TEXT NOT NULL
    );
    CREATE INDEX outbox_by_room_attr ON outbox(room, attr, id);
    CREATE INDEX outbox_by_priority ON outbox(priority DESC, id);
    CREATE TABLE pbx_events (
        id     INTEGER PRIMARY KEY AUTOINCREMENT,
        at     TEXT NOT NULL,
        room   TEXT,
        kind   TEXT NOT NULL,
        detail TEXT NOT NULL
    );
    "#,
    // 2: staff accounts, sign-in sessions, the append-only audit trail, incognito stays.
    r#"
    CREATE TABLE staff (
        id            INTEGER PRIMARY KEY AUTOINCREMENT,
        login         TEXT NOT NULL UNIQUE,
        display_name  TEXT NOT NULL,
        role          TEXT NOT NULL CHECK (role IN ('desk', 'operator', 'manager')),
        active        INTEGER NOT NULL DEFAULT 1,
        password_hash TEXT NOT NULL,
        created_at    TEXT NOT NULL
    );
    CREATE TABLE sessions (
        token_hash TEXT PRIMARY KEY,
        staff_id   INTEGER NOT NULL REFERENCES staff(id),
        created_at TEXT NOT NULL,
        last_used  TEXT NOT NULL,
        revoked    INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE login_failures (
        login        TEXT PRIMARY KEY,
        failures     INTEGER NOT NULL,
        last_failure TEXT NOT NULL
    );
    CREATE TABLE audit (
        id      INTEGER PRIMARY KEY AUTOINCREMENT,
        at      TEXT NOT NULL,
        staff   TEXT NOT NULL,
        action  TEXT NOT NULL,
        room    TEXT,
        stay    INTEGER,
        subject TEXT,
        before  TEXT,
        after   TEXT
    );
    CREATE INDEX audit_by_room ON audit(room, id);
    CREATE INDEX audit_by_staff ON audit(staff, id);
    CREATE TRIGGER audit_is_append_only_u BEFORE UPDATE ON audit
        BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
    CREATE TRIGGER audit_is_append_only_d BEFORE DELETE ON audit
        BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
    ALTER TABLE stays ADD COLUMN private INTEGER NOT NULL DEFAULT 0;
    "#,
    // 3: wake-up bookings, every attempt, and alerts a person must acknowledge.
    r#"
    CREATE TABLE wakeups (
        id             INTEGER PRIMARY KEY AUTOINCREMENT,
        stay           INTEGER NOT NULL REFERENCES stays(id),
        room           TEXT NOT NULL,
        rule           TEXT NOT NULL,
        status         TEXT NOT NULL,
        next_due       TEXT,
        next_local     TEXT,
        occurrence_due TEXT,
        attempt        INTEGER NOT NULL DEFAULT 0,
        ring_deadline  TEXT,
        ring_local     TEXT,
        source         TEXT NOT NULL,
        created_by     TEXT NOT NULL,
        created_at     TEXT NOT NULL,
        ended_by       TEXT,
        ended_at       TEXT,
        end_reason     TEXT
    );
    CREATE INDEX wakeups_due ON wakeups(status, next_due);
    CREATE INDEX wakeups_by_stay ON wakeups(stay);
    CREATE TABLE wakeup_attempts (
        id             INTEGER PRIMARY KEY AUTOINCREMENT,
        wakeup         INTEGER NOT NULL REFERENCES wakeups(id),
        room           TEXT NOT NULL,
        occurrence_due TEXT NOT NULL,
        attempt        INTEGER NOT NULL,
        started_at     TEXT NOT NULL,
        result         TEXT,
        result_at      TEXT
    );
    CREATE INDEX wakeup_attempts_by_wakeup ON wakeup_attempts(wakeup, id);
    CREATE INDEX wakeup_attempts_by_time ON wakeup_attempts(occurrence_due);
    CREATE TABLE alerts (
        id       INTEGER PRIMARY KEY AUTOINCREMENT,
        at       TEXT NOT NULL,
        kind     TEXT NOT NULL,
        room     TEXT,
        wakeup   INTEGER,
        message  TEXT NOT NULL,
        acked_by TEXT,
        acked_at TEXT
    );
    CREATE INDEX alerts_open ON alerts(acked_at, id);
    "#,
    // 4: guest messages; a manual message-lamp override per room.
    r#"
    CREATE TABLE messages (
        id           INTEGER PRIMARY KEY AUTOINCREMENT,
        stay         INTEGER NOT NULL REFERENCES stays(id),
        room         TEXT NOT NULL,
        status       TEXT NOT NULL,
        text         TEXT,
        caller       TEXT,
        callback     TEXT,
        taken_by     TEXT NOT NULL,
        left_at      TEXT NOT NULL,
        delivered_at TEXT,
        delivered_by TEXT
    );
    CREATE INDEX messages_by_status ON messages(status, id);
    CREATE INDEX messages_by_room ON messages(room, status, id);
    CREATE INDEX messages_by_stay ON messages(stay, id);
    ALTER TABLE rooms ADD COLUMN lamp_override INTEGER;
    "#,
    // 5: the operator's logbook: shifts with their handover, entries (append-only, searchable),
    // follow-ups.
    r#"
    CREATE TABLE shifts (
        id                INTEGER PRIMARY KEY AUTOINCREMENT,
        operator          TEXT NOT NULL,
        opened_at         TEXT NOT NULL,
        closed_at         TEXT,
        closed_by         TEXT,
        forced            INTEGER NOT NULL DEFAULT 0,
        handover          TEXT,
        handover_acked_by TEXT,
        handover_acked_at TEXT
    );
    CREATE TABLE log_entries (
        id       INTEGER PRIMARY KEY AUTOINCREMENT,
        shift    INTEGER REFERENCES shifts(id),
        at       TEXT NOT NULL,
        author   TEXT NOT NULL,
        category TEXT NOT NULL,
        priority TEXT NOT NULL,
        room     TEXT,
        text     TEXT NOT NULL,
        amends   INTEGER REFERENCES log_entries(id),
        followup INTEGER,
        kind     TEXT
    );
    CREATE INDEX log_entries_by_time ON log_entries(at);
    CREATE INDEX log_entries_by_shift ON log_entries(shift, id);
    CREATE TRIGGER log_entries_append_only_u BEFORE UPDATE ON log_entries
        BEGIN SELECT RAISE(ABORT, 'log entries are never edited: amend them'); END;
    CREATE TRIGGER log_entries_append_only_d BEFORE DELETE ON log_entries
        BEGIN SELECT RAISE(ABORT, 'log entries are never deleted: amend them'); END;
    CREATE VIRTUAL TABLE log_fts USING fts5(text, content='log_entries', content_rowid='id');
    CREATE TRIGGER log_entries_fts AFTER INSERT ON log_entries
        BEGIN INSERT INTO log_fts(rowid, text) VALUES (new.id, new.text); END;
    CREATE TABLE followups (
        id         INTEGER PRIMARY KEY AUTOINCREMENT,
        entry      INTEGER NOT NULL REFERENCES log_entries(id),
        owner      TEXT NOT NULL,
        due        TEXT,
        state      TEXT NOT NULL CHECK (state IN ('open', 'in_progress', 'done')),
        updated_at TEXT NOT NULL
    );
    CREATE INDEX followups_by_state ON followups(state, id);
    "#,
    // 6: the inbox: a PBX report another part acts on (wake-up answers, handset bookings) is
    // kept with `pending` set until its effect is committed, in the same transaction.
    r#"
    ALTER TABLE pbx_events ADD COLUMN report TEXT;
    ALTER TABLE pbx_events ADD COLUMN pending INTEGER NOT NULL DEFAULT 0;
    CREATE INDEX pbx_events_pending ON pbx_events(id) WHERE pending = 1;
    "#,
    // 7: housekeeping status per room, with who set it and when (rooms start clean: a new
    // installation must be able to check guests in).
    r#"
    ALTER TABLE rooms ADD COLUMN housekeeping TEXT NOT NULL DEFAULT 'clean'
        CHECK (housekeeping IN ('dirty', 'clean', 'inspected', 'out-of-order', 'out-of-service'));
    ALTER TABLE rooms ADD COLUMN housekeeping_since TEXT;
    ALTER TABLE rooms ADD COLUMN housekeeping_by TEXT;
    "#,
    // 8: the operator's directory, searchable (one CJK character a token, accents folded).
    r#"
    CREATE TABLE directory (
        id         INTEGER PRIMARY KEY AUTOINCREMENT,
        kind       TEXT NOT NULL CHECK (kind IN ('department', 'staff', 'external')),
        name       TEXT NOT NULL,
        department TEXT,
        title      TEXT,
        extension  TEXT,
        number     TEXT,
        languages  TEXT,
        note       TEXT,
        private    INTEGER NOT NULL DEFAULT 0,
        updated_at TEXT NOT NULL
    );
    CREATE VIRTUAL TABLE directory_fts USING fts5(words, tokenize = 'unicode61 remove_diacritics 2');
    "#,
    // 9: the call ledger: every call the PBX reported, priced once and never repriced; stays
    // that may not post charges.
    r#"
    CREATE TABLE calls (
        id             INTEGER PRIMARY KEY AUTOINCREMENT,
        posting        TEXT UNIQUE,
        record_key     TEXT NOT NULL UNIQUE,
        room           TEXT NOT NULL,
        stay           INTEGER REFERENCES stays(id),
        guest          TEXT,
        dialled        TEXT,
        started        TEXT NOT NULL,
        duration_s     INTEGER NOT NULL,
        pulses         INTEGER,
        band           TEXT NOT NULL,
        amount_minor   INTEGER NOT NULL,
        currency       TEXT NOT NULL,
        tariff_version TEXT,
        state          TEXT NOT NULL CHECK (state IN ('posted', 'unbilled')),
        reason         TEXT,
        recorded_at    TEXT NOT NULL
    );
    CREATE INDEX calls_by_stay ON calls(stay, id);
    CREATE INDEX calls_by_room ON calls(room, started);
    ALTER TABLE stays ADD COLUMN no_post INTEGER NOT NULL DEFAULT 0;
    "#,
    // 10: the PMS link. What the PMS must hear waits in pms_outbox; triggers queue it in the same
    // transaction as the change itself, so nothing is lost between a change and its record. They
    // fire only for what came from the PMS (a booking with pms_at, a message with pms_id) or,
    // for what the PBX reports, while pms_link.enabled is set (the service sets it from [pms]).
    // pms_link.clean_stop says the last run ended the PMS link with LE; if not, records the
    // PMS sent may have been lost, and the next link-up asks it for a resync (DR).
    // Second guests of a shared room ride on the room's stay as sharers.
    r#"
    CREATE TABLE pms_link (
        id         INTEGER PRIMARY KEY CHECK (id = 1),
        enabled    INTEGER NOT NULL,
        clean_stop INTEGER NOT NULL DEFAULT 1
    );
    INSERT INTO pms_link(id, enabled) VALUES (1, 0);
    CREATE TABLE pms_outbox (
        id   INTEGER PRIMARY KEY AUTOINCREMENT,
        room TEXT NOT NULL,
        kind TEXT NOT NULL,
        data TEXT NOT NULL
    );
    ALTER TABLE wakeups ADD COLUMN pms_at TEXT;
    ALTER TABLE messages ADD COLUMN pms_id TEXT;
    CREATE INDEX messages_by_pms_id ON messages(pms_id) WHERE pms_id IS NOT NULL;
    CREATE TABLE stay_sharers (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        stay        INTEGER NOT NULL REFERENCES stays(id),
        reservation TEXT NOT NULL,
        guest_name  TEXT NOT NULL,
        first_name  TEXT,
        language    TEXT,
        joined_at   TEXT NOT NULL,
        left_at     TEXT
    );
    CREATE INDEX stay_sharers_by_stay ON stay_sharers(stay) WHERE left_at IS NULL;
    CREATE TRIGGER pms_wake_result AFTER UPDATE OF status ON wakeups
        WHEN NEW.pms_at IS NOT NULL AND OLD.status IN ('scheduled', 'ringing', 'retrying')
             AND NEW.status IN ('done', 'failed', 'missed')
        BEGIN
            INSERT INTO pms_outbox(room, kind, data) VALUES (NEW.room, 'WA', json_object(
                'wakeup', NEW.id, 'at', NEW.pms_at, 'status', NEW.status,
                'result', (SELECT result FROM wakeup_attempts WHERE wakeup = NEW.id ORDER BY id DESC LIMIT 1)));
        END;
    CREATE TRIGGER pms_wake_cancelled AFTER UPDATE OF status ON wakeups
        WHEN NEW.pms_at IS NOT NULL AND OLD.status IN ('scheduled', 'ringing', 'retrying')
             AND NEW.status = 'cancelled' AND COALESCE(NEW.ended_by, '') != 'pms'
        BEGIN
            INSERT INTO pms_outbox(room, kind, data) VALUES (NEW.room, 'WC', json_object('wakeup', NEW.id, 'at', NEW.pms_at));
        END;
    CREATE TRIGGER pms_message_read AFTER UPDATE OF status ON messages
        WHEN NEW.pms_id IS NOT NULL AND OLD.status = 'waiting' AND NEW.status = 'delivered'
        BEGIN
            INSERT INTO pms_outbox(room, kind, data) VALUES (NEW.room, 'XD', json_object(
                'id', NEW.pms_id, 'reservation', (SELECT reservation FROM stays WHERE id = NEW.stay)));
        END;
    CREATE TRIGGER pms_room_status AFTER UPDATE OF housekeeping_since ON rooms
        WHEN (NEW.housekeeping_by = 'handset' OR NEW.housekeeping_by LIKE 'attendant:%')
             AND (SELECT enabled FROM pms_link WHERE id = 1) = 1
        BEGIN
            INSERT INTO pms_outbox(room, kind, data) VALUES (NEW.number, 'RS', json_object(
                'housekeeping', NEW.housekeeping,
                'occupied', EXISTS (SELECT 1 FROM stays WHERE room = NEW.number AND checked_out_at IS NULL),
                'attendant', CASE WHEN NEW.housekeeping_by LIKE 'attendant:%' THEN substr(NEW.housekeeping_by, 11) END));
        END;
    CREATE TRIGGER pms_voicemail AFTER UPDATE OF voicemail ON rooms
        WHEN OLD.voicemail != NEW.voicemail AND (SELECT enabled FROM pms_link WHERE id = 1) = 1
        BEGIN
            INSERT INTO pms_outbox(room, kind, data) VALUES (NEW.number, 'VM', json_object('count', NEW.voicemail));
        END;
    CREATE TRIGGER pms_call_posted AFTER INSERT ON calls
        WHEN NEW.state = 'posted' AND NEW.stay IS NOT NULL AND (SELECT enabled FROM pms_link WHERE id = 1) = 1
        BEGIN
            INSERT INTO pms_outbox(room, kind, data) VALUES (NEW.room, 'PS', json_object('call', NEW.id));
        END;
    "#,
    // 11: minibar postings (`PS` with `PT` M) are kept as such, article and count, beside calls.
    r#"
    ALTER TABLE calls ADD COLUMN article TEXT;
    ALTER TABLE calls ADD COLUMN items INTEGER;
    "#,
    // 12: the PMS outbox is filled in Rust from each change's events (`pms::outbox::queue_for`),
    // in the same transaction as before; migration 10's triggers go. Rows already queued stay.
    r#"
    DROP TRIGGER pms_wake_result;
    DROP TRIGGER pms_wake_cancelled;
    DROP TRIGGER pms_message_read;
    DROP TRIGGER pms_room_status;
    DROP TRIGGER pms_voicemail;
    DROP TRIGGER pms_call_posted;
    "#,
    // 13: an alert carries its facts as JSON beside its English text, for the console to say
    // in the reader's language (`alerts::Kind::params`).
    r#"
    ALTER TABLE alerts ADD COLUMN params TEXT NOT NULL DEFAULT '{}';
    "#,
    // 14: an audit row carries the change's facts as JSON beside its English before/after
    // (`audit::Change::params`), for the room history in the reader's language.
    r#"
    ALTER TABLE audit ADD COLUMN params TEXT;
    "#,
    // 15: a logbook entry the service writes itself carries its facts as JSON (an alert's entry:
    // the alert's), for the logbook in the reader's language.
    r#"
    ALTER TABLE log_entries ADD COLUMN params TEXT;
    "#,
    // 16: a stay may be a VIP's (from the desk, or the PMS's `GV`): the board marks it, and with
    // `[wakeup] vip_to_operator` an unanswered wake-up ring goes to a person at once.
    r#"
    ALTER TABLE stays ADD COLUMN vip INTEGER NOT NULL DEFAULT 0;
    "#,
    // 17: a booking is told from another of its room by its occurrence's time since wake-ups
    // may be handed to the PBX ahead of it (`next_due` is then the hand-over): the duplicate
    // check at every booking looks it up by room and that time, not by scanning the active ones.
    r#"
    CREATE INDEX wakeups_by_room_occurrence ON wakeups(room, occurrence_due);
    "#,
];

/// Brings the schema up to date; returns the version reached.
pub fn migrate(conn: &mut Connection) -> rusqlite::Result<usize> {
    // Exclusive from the start: a deferred transaction that read the version and then wanted to
    // write could find another process (`staff add` beside the service) had migrated meanwhile.
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Exclusive)?;
    let current: usize = tx.query_row("PRAGMA user_version", [], |r| r.get::<_, i64>(0))? as usize;
    if current > MIGRATIONS.len() {
        // A newer switchboard wrote this file; refuse rather than guess.
        return Err(rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_MISMATCH),
            Some(format!(
                "the store is at schema version {current}, newer than this switchboard knows ({})",
                MIGRATIONS.len()
            )),
        ));
    }
    for sql in &MIGRATIONS[current..] {
        tx.execute_batch(sql)?;
    }
    tx.pragma_update(None, "user_version", MIGRATIONS.len() as i64)?;
    tx.commit()?;
    Ok(MIGRATIONS.len())
}
