//! Guest messages and the message lamp, over the simulated PBX in virtual time.

use std::time::Duration;
use switchboard::store::Priority;

use pbx_sim::{Command, SimOptions};
use serde_json::Value;
use switchboard::hotel::desk::{CheckIn, DeskError};
use switchboard::hotel::messages::{self, NewMessage};

use crate::wakeups::{mem_store, sys, utc, Site, T0};

const T: Duration = Duration::from_secs(120);

fn msg(room: &str, text: &str) -> NewMessage {
    NewMessage {
        room: room.into(),
        text: text.into(),
        from: Some("Bob Caller".into()),
        callback: Some("+41 44 555 01 01".into()),
        pms_id: None,
    }
}

impl Site {
    fn lamp(&self, room: &str) -> bool {
        self.sim.state().rooms.get(room).is_some_and(|r| r.message_lamp)
    }

    async fn synced(&self, room: &str) -> bool {
        self.services.app.desk.room(room).await.unwrap().pbx_synced
    }

    async fn lamp_is(&self, room: &str, on: bool) {
        self.until(&format!("lamp of {room} {}", if on { "on" } else { "off" }), T, async |s| {
            s.synced(room).await && s.lamp(room) == on
        })
        .await;
        assert_eq!(self.services.app.desk.room(room).await.unwrap().message_lamp, on, "the desk agrees");
    }
}

#[tokio::test(start_paused = true)]
async fn the_lamp_follows_leave_deliver_and_clear_and_texts_reach_the_display() {
    let s = Site::start(mem_store(), utc(T0), "").await;
    s.link_up().await;
    s.check_in("101").await;
    s.lamp_is("101", false).await;
    let a = s.services.app.messages.leave(&sys(), &msg("101", "Call Bob\nabout dinner")).await.unwrap();
    s.lamp_is("101", true).await;
    let b = s.services.app.messages.leave(&sys(), &msg("101", "Taxi at 8")).await.unwrap();
    s.until("both texts on the display", T, async |s| s.sim.state().rooms["101"].messages.len() == 2).await;
    assert_eq!(s.sim.state().rooms["101"].messages[&a.id.to_string()], "Call Bob / about dinner");
    let delivered = s.services.app.messages.deliver(&sys(), a.id).await.unwrap();
    assert!(delivered.delivered && delivered.delivered_by.as_deref() == Some("system"));
    s.lamp_is("101", true).await;
    s.services.app.messages.clear(&sys(), b.id).await.unwrap();
    s.lamp_is("101", false).await;
    s.until("the display emptied (XD)", T, async |s| s.sim.state().rooms["101"].messages.is_empty()).await;
    assert_eq!(s.services.app.messages.get(b.id).await.unwrap().text, None, "a cleared message's text is purged");
}

#[tokio::test(start_paused = true)]
async fn xd_from_the_handset_delivers_and_voicemail_counts_toward_the_lamp() {
    let s = Site::start(mem_store(), utc(T0), "").await;
    s.link_up().await;
    s.check_in("102").await;
    let m = s.services.app.messages.leave(&sys(), &msg("102", "Your parcel arrived")).await.unwrap();
    s.lamp_is("102", true).await;
    s.sim.command(Command::MessageDeleted { room: "102".into(), id: m.id.to_string() });
    s.until("read on the handset", T, async |s| s.services.app.messages.get(m.id).await.unwrap().delivered).await;
    assert_eq!(s.services.app.messages.get(m.id).await.unwrap().delivered_by.as_deref(), Some("handset"));
    s.lamp_is("102", false).await;
    s.sim.command(Command::Voicemail { room: "102".into(), count: 2 });
    s.lamp_is("102", true).await;
    assert_eq!(s.services.app.desk.room("102").await.unwrap().voicemail, 2);
    s.sim.command(Command::Voicemail { room: "102".into(), count: 0 });
    s.lamp_is("102", false).await;
}

#[tokio::test(start_paused = true)]
async fn a_move_carries_messages_and_lamp_and_check_out_purges() {
    let s = Site::start(mem_store(), utc(T0), "").await;
    s.link_up().await;
    s.check_in("103").await;
    let m = s.services.app.messages.leave(&sys(), &msg("103", "Meeting moved to 10:00")).await.unwrap();
    s.lamp_is("103", true).await;
    s.services.app.desk.move_room(&sys(), "103", "104").await.unwrap();
    s.lamp_is("104", true).await;
    s.lamp_is("103", false).await;
    assert_eq!(s.services.app.messages.get(m.id).await.unwrap().room, "104");
    assert_eq!(s.services.app.desk.room("104").await.unwrap().messages_waiting, 1);

    match s.services.app.desk.check_out(&sys(), "104", false).await {
        Err(DeskError::UndeliveredMessages { ids, .. }) => assert_eq!(ids, vec![m.id]),
        other => panic!("check-out must be refused with the list: {other:?}"),
    }
    assert!(s.services.app.desk.room("104").await.unwrap().occupied, "nothing changed");
    s.services.app.desk.check_out(&sys(), "104", true).await.unwrap();
    s.lamp_is("104", false).await;
    let after = s.services.app.messages.get(m.id).await.unwrap();
    assert_eq!((after.text, after.from, after.callback), (None, None, None), "texts purged at check-out");
    assert_eq!(after.status.as_str(), "discarded");
    assert_eq!(after.taken_by, "system", "the facts remain");
    let audit =
        s.services.app.store.read(move |c| switchboard::hotel::audit::query(c, &Default::default())).await.unwrap();
    assert!(audit
        .iter()
        .any(|r| r.action == "checkout"
            && r.after.as_deref().unwrap_or("").contains("1 undelivered message(s) discarded")));
}

#[tokio::test(start_paused = true)]
async fn after_a_move_the_new_rooms_display_has_the_first_name_and_texts_and_so_has_a_resync() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hotel.db");
    let open = || std::sync::Arc::new(switchboard::store::Store::open(&path).unwrap());
    let shows = |st: &pbx_sim::SimState, room: &str, id: &str| {
        st.rooms.get(room).is_some_and(|r| {
            r.occupied
                && r.first_name.as_deref() == Some("Ada")
                && r.messages.get(id).map(String::as_str) == Some("Call Bob")
        })
    };
    let id = {
        let s = Site::start(open(), utc(T0), "").await;
        s.link_up().await;
        let guest = CheckIn { name: "Lovelace".into(), first_name: Some("Ada".into()), ..Default::default() };
        s.services.app.desk.check_in(&sys(), "103", guest).await.unwrap();
        let note = NewMessage { room: "103".into(), text: "Call Bob".into(), from: None, callback: None, pms_id: None };
        let id = s.services.app.messages.leave(&sys(), &note).await.unwrap().id.to_string();
        s.sim.wait_for(T, |st| shows(st, "103", &id)).await.expect("the first room shows it");
        s.services.app.desk.move_room(&sys(), "103", "104").await.unwrap();
        let st = s.sim.wait_for(T, |st| shows(st, "104", &id)).await.unwrap_or_else(|st| {
            panic!("after the move, 104 should show the first name and the text: {:?}", st.rooms.get("104"))
        });
        assert!(!st.rooms["103"].occupied && st.rooms["103"].messages.is_empty(), "{:?}", st.rooms["103"]);
        id
    };
    // A PBX that lost everything (a new one here): a resync shows the same again.
    let s = Site::start(open(), utc(T0), "").await;
    s.link_up().await;
    assert!(!shows(&s.sim.state(), "104", &id));
    assert!(s.services.app.link.resync().await);
    s.sim.wait_for(T, |st| shows(st, "104", &id)).await.unwrap_or_else(|st| {
        panic!("after a resync, 104 should show the first name and the text: {:?}", st.rooms.get("104"))
    });
}

#[tokio::test(start_paused = true)]
async fn messages_left_during_a_pbx_outage_end_with_the_right_lamp() {
    let s = Site::start(mem_store(), utc(T0), "").await;
    s.link_up().await;
    s.check_in("105").await;
    s.check_in("106").await;
    s.lamp_is("106", false).await;
    s.sim.go_silent(Duration::from_secs(60));
    let a = s.services.app.messages.leave(&sys(), &msg("105", "one")).await.unwrap();
    s.services.app.messages.leave(&sys(), &msg("105", "two")).await.unwrap();
    let c = s.services.app.messages.leave(&sys(), &msg("106", "three")).await.unwrap();
    s.services.app.messages.deliver(&sys(), a.id).await.unwrap();
    s.services.app.messages.deliver(&sys(), c.id).await.unwrap();
    assert!(!s.synced("105").await, "the PBX is not listening");
    s.until("the link back after the outage", Duration::from_secs(600), async |s| {
        s.synced("105").await && s.synced("106").await
    })
    .await;
    s.lamp_is("105", true).await;
    s.lamp_is("106", false).await;
}

#[tokio::test(start_paused = true)]
async fn expiry_puts_the_lamp_out_and_a_manual_lamp_holds_until_the_next_change() {
    let s = Site::start(mem_store(), utc(T0), "").await;
    s.link_up().await;
    s.check_in("107").await;
    let m = s.services.app.messages.leave(&sys(), &msg("107", "old news")).await.unwrap();
    s.lamp_is("107", true).await;
    s.services.app.messages.set_lamp(&sys(), "107", false).await.unwrap();
    s.lamp_is("107", false).await;
    s.services.app.messages.leave(&sys(), &msg("107", "new news")).await.unwrap();
    s.lamp_is("107", true).await;
    // Everything older than "now + 1 minute" expires.
    let now = s.now();
    let later = s.now() + chrono::Duration::minutes(1);
    let n = s.services.app.store.write(Priority::Normal, move |tx| messages::expire(tx, now, later)).await.unwrap();
    assert_eq!(n, 2);
    s.lamp_is("107", false).await;
    assert_eq!(s.services.app.messages.get(m.id).await.unwrap().status.as_str(), "expired");
}

#[tokio::test(start_paused = true)]
async fn a_pbx_without_xl_still_gets_its_lamps() {
    let mut opts = SimOptions::default();
    opts.declarations.retain(|(id, _)| *id != fias::ids::XL && *id != fias::ids::XD);
    let s = Site::start_with(mem_store(), utc(T0), "", opts).await;
    s.link_up().await;
    s.check_in("108").await;
    let m = s.services.app.messages.leave(&sys(), &msg("108", "hello")).await.unwrap();
    s.lamp_is("108", true).await;
    s.services.app.messages.deliver(&sys(), m.id).await.unwrap();
    s.lamp_is("108", false).await;
    assert!(s.sim.state().rooms["108"].messages.is_empty(), "no XL was sent to a PBX without it");
    assert_eq!(s.services.app.link.status().dropped_unsupported, 0, "an optional record is skipped quietly");
}

#[tokio::test(start_paused = true)]
async fn the_night_round_and_bad_input() {
    let s = Site::start(mem_store(), utc(T0), "").await;
    s.check_in("101").await;
    s.check_in("102").await;
    let first = s.services.app.messages.leave(&sys(), &msg("102", "first")).await.unwrap();
    let second = s.services.app.messages.leave(&sys(), &msg("101", "second")).await.unwrap();
    let round = s.services.app.messages.list(None, true).await.unwrap();
    assert_eq!(round.iter().map(|m| m.id).collect::<Vec<_>>(), [first.id, second.id], "oldest first");
    let m = &s.services.app.messages;
    let err = |r: Result<messages::MessageView, messages::MessageError>| r.unwrap_err().to_string();
    assert!(err(m.leave(&sys(), &msg("101", "   ")).await).starts_with("text: must not be empty"));
    assert!(err(m.leave(&sys(), &msg("101", &"x".repeat(2001))).await).contains("at most 2000"));
    assert!(err(m.leave(&sys(), &msg("101", "esc\u{1b}[2J")).await).contains("control character"));
    assert_eq!(err(m.leave(&sys(), &msg("999", "hi")).await), "room 999 does not exist");
    assert!(err(m.leave(&sys(), &msg("103", "hi")).await).contains("vacant"));
    assert!(err(m.leave(&sys(), &NewMessage { callback: Some("call me maybe".into()), ..msg("101", "hi") }).await)
        .starts_with("callback"));
    assert_eq!(err(m.deliver(&sys(), 999).await), "message 999 does not exist");
    m.deliver(&sys(), first.id).await.unwrap();
    assert_eq!(err(m.deliver(&sys(), first.id).await), format!("message {} is already delivered", first.id));
    assert_eq!(m.list(None, true).await.unwrap().len(), 1);
    let json: Value = serde_json::to_value(m.list(Some("101"), false).await.unwrap()).unwrap();
    for key in ["id", "room", "text", "delivered"] {
        assert!(json[0].get(key).is_some(), "msg list --json items carry {key}");
    }
}

#[tokio::test(start_paused = true)]
async fn a_command_the_pbx_keeps_refusing_is_set_aside_with_an_alert() {
    let s = Site::start(mem_store(), utc(T0), "").await;
    s.link_up().await;
    s.sim.set_faults(pbx_sim::Faults { refuse_record: Some(*b"GC"), ..Default::default() });
    s.check_in("101").await;
    s.services.app.desk.move_room(&sys(), "101", "102").await.unwrap();
    s.check_in("103").await;
    s.until("the refused move set aside and the rest delivered", Duration::from_secs(600), async |s| {
        s.services.app.desk.room("103").await.unwrap().pbx_synced
            && s.services.app.desk.room("102").await.unwrap().pbx_synced
    })
    .await;
    assert!(s.sim.state().rooms["103"].occupied, "commands behind the refused one were not held up");
    let alerts = s.services.app.store.read(move |c| switchboard::hotel::alerts::list(c, true)).await.unwrap();
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    assert_eq!((alerts[0].kind.as_str(), alerts[0].room.as_deref()), ("pbx_refused", Some("102")));
    assert!(alerts[0].message.contains("pbx resync"));
    assert!(s.sim.state().bad_frames >= 12, "three rounds of four attempts");
}
