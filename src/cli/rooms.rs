//! Rooms, stays, guests, the PBX link and the audit trail.

use crate::domain::money::money;
use anyhow::bail;

use super::args::Command;
use super::client::Client;
use super::render::{self, on_off, or_dash};
use super::subcommands::{PbxCommand, PmsCommand, TariffCommand};
use crate::http::contract::{
    route, AuditQuery, CallsQuery, CheckIn, CheckOut, DateQuery, GuestQuery, HousekeepingQuery, MoveTo, PrintQuery,
    QuoteQuery, RoomView, SetClass, SetHousekeeping, SimCall, Stay, StaysQuery, Switch,
};

/// A room number as a path segment: letters and digits.
pub fn room_arg(room: &str) -> anyhow::Result<&str> {
    if room.is_empty() || !room.bytes().all(|b| b.is_ascii_alphanumeric()) {
        bail!("room {room:?} must be letters and digits");
    }
    Ok(room)
}

fn pbx_state(r: &RoomView) -> String {
    if r.pbx_synced {
        "synced".into()
    } else {
        format!("{} waiting", r.pbx_pending)
    }
}

fn room_row(r: &RoomView) -> Vec<String> {
    vec![
        r.room.clone(),
        if r.occupied { "occupied" } else { "vacant" }.into(),
        or_dash(r.guest_name.as_ref()),
        r.class_of_service.to_string(),
        on_off(r.message_lamp).into(),
        on_off(r.dnd).into(),
        pbx_state(r),
    ]
}

fn stay_row(st: &Stay) -> Vec<String> {
    vec![
        st.id.to_string(),
        st.room.clone(),
        st.guest_name.clone(),
        st.checked_in_at.clone(),
        or_dash(st.checked_out_at.as_ref()),
    ]
}

/// The room, stay, guest, PBX and audit commands.
pub fn run(c: &Client, cmd: &Command) -> anyhow::Result<()> {
    match cmd {
        Command::Checkin {
            room,
            name,
            first_name,
            language,
            class,
            reservation,
            private,
            not_ready_ok,
            no_post,
            vip,
        } => {
            let req = CheckIn {
                name: name.clone(),
                first_name: first_name.clone(),
                language: language.clone(),
                class: *class,
                reservation: reservation.clone(),
                private: Some(*private),
                not_ready_ok: *not_ready_ok,
                no_post: *no_post,
                vip: *vip,
            };
            let stay = c.call::<route::CheckIn>(&[room_arg(room)?], &req)?;
            let name = crate::hotel::desk::whole_name(&stay.guest_name, stay.first_name.as_deref());
            println!("checked in {name} to room {} (stay {})", stay.room, stay.id);
        }
        Command::Checkout { room, discard_messages } => {
            let req = CheckOut { discard_messages: *discard_messages };
            let stay = c.call::<route::CheckOut>(&[room_arg(room)?], &req)?;
            println!("checked out {} from room {} (stay {})", stay.guest_name, stay.room, stay.id);
            let folio = c.call::<route::Folio>(&[room_arg(room)?], &())?;
            if folio.stay == Some(stay.id) {
                println!("calls: {} for {} {}", folio.count, money(folio.total_minor, &folio.currency), folio.currency);
            }
        }
        Command::Calls { room, stay, date, unbilled, json, csv } => {
            let q = CallsQuery { room: room.clone(), stay: *stay, date: date.clone(), unbilled: Some(*unbilled) };
            let calls = c.call::<route::Calls>(&[], &q)?;
            if *csv {
                let mut w = csv::Writer::from_writer(std::io::stdout());
                for call in &calls {
                    w.serialize(call)?;
                }
                w.flush()?;
                return Ok(());
            }
            let header = ["#ID", "ROOM", "STARTED", "#SECONDS", "DIALLED", "BAND", "#AMOUNT", "STATE"];
            render::list(&calls, *json, "no calls", &header, |call| {
                vec![
                    call.id.to_string(),
                    call.room.clone(),
                    call.started.clone(),
                    call.duration_s.to_string(),
                    or_dash(call.dialled.as_ref()),
                    call.band.clone(),
                    format!("{} {}", money(call.amount_minor, &call.currency), call.currency),
                    call.reason.clone().map_or(call.state.to_string(), |r| format!("{} ({r})", call.state)),
                ]
            })?;
        }
        Command::Tariff { command: TariffCommand::Show { json } } => {
            let t = c.call::<route::Tariff>(&[], &())?;
            if *json {
                return render::json(&t);
            }
            println!("Tariff {} ({})", t.currency, t.version);
            let header =
                ["BAND", "PREFIXES", "#SETUP", "#UNIT S", "#PER UNIT", "#MINIMUM", "#FREE UNDER S", "#SURCHARGE %"];
            let rows = t.bands.iter().map(|b| {
                vec![
                    b.name.clone(),
                    b.prefixes.join(" "),
                    b.setup.to_string(),
                    b.unit_s.to_string(),
                    b.per_unit.to_string(),
                    b.minimum.to_string(),
                    b.free_under_s.to_string(),
                    b.surcharge_percent.to_string(),
                ]
            });
            print!("{}", render::table(&header, rows));
            for b in &t.bands {
                for p in &b.periods {
                    println!("{}: {p}", b.name);
                }
            }
        }
        Command::Tariff { command: TariffCommand::Quote { number, minutes, at, json } } => {
            let q = QuoteQuery { number: Some(number.clone()), minutes: Some(*minutes), at: at.clone() };
            let quote = c.call::<route::TariffQuote>(&[], &q)?;
            if *json {
                return render::json(&quote);
            }
            println!(
                "{} for {} minute(s): {} {} ({})",
                quote.number,
                quote.minutes,
                money(quote.amount_minor, &quote.currency),
                quote.currency,
                quote.band
            );
        }
        Command::Tariff { command: TariffCommand::Reload } => {
            let r = c.call::<route::TariffReload>(&[], &())?;
            match (r.version, r.currency) {
                (Some(v), Some(cur)) => println!("tariff {v} in use: {} bands, {cur}", r.bands),
                _ => println!("no tariffs.toml: calls are recorded at the PBX's price from now on"),
            }
        }
        Command::Folio { room, html: true, lang, .. } => {
            let q = PrintQuery { lang: lang.clone(), room: None };
            print!("{}", c.call::<route::FolioPrint>(&[room_arg(room)?], &q)?);
        }
        Command::Folio { room, json, .. } => {
            let f = c.call::<route::Folio>(&[room_arg(room)?], &())?;
            if *json {
                return render::json(&f);
            }
            println!("Calls of room {} (stay {})", f.room, or_dash(f.stay));
            let rows = f.calls.iter().map(|call| {
                vec![
                    call.started.clone(),
                    or_dash(call.dialled.as_ref()),
                    call.duration_s.to_string(),
                    call.band.clone(),
                    money(call.amount_minor, &call.currency),
                ]
            });
            print!("{}", render::table(&["STARTED", "DIALLED", "#SECONDS", "BAND", "#AMOUNT"], rows));
            println!("{} call(s), total {} {}", f.count, money(f.total_minor, &f.currency), f.currency);
        }
        Command::Move { from, to, not_ready_ok } => {
            let req = MoveTo { to: to.clone(), not_ready_ok: *not_ready_ok };
            let stay = c.call::<route::Move>(&[room_arg(from)?], &req)?;
            println!("moved stay {} from room {from} to room {}", stay.id, stay.room);
        }
        Command::Dnd { room, state } => {
            let r = c.call::<route::Dnd>(&[room_arg(room)?], &Switch { on: state == "on" })?;
            println!("room {}: do-not-disturb {}", r.room, on_off(r.dnd));
        }
        Command::Class { room, class } => {
            let r = c.call::<route::Class>(&[room_arg(room)?], &SetClass { class: *class })?;
            println!("room {}: class of service {}", r.room, r.class_of_service);
        }
        Command::Rooms { json } => {
            let rooms = c.call::<route::Rooms>(&[], &())?;
            let header = ["ROOM", "STATE", "GUEST", "#CLASS", "LAMP", "DND", "PBX"];
            render::list(&rooms, *json, "no rooms", &header, room_row)?;
        }
        Command::Room { room, json } => {
            let r = c.call::<route::Room>(&[room_arg(room)?], &())?;
            if *json {
                return render::json(&r);
            }
            let fields = serde_json::to_value(&r)?;
            let rows = fields.as_object().into_iter().flatten().map(|(k, v)| vec![k.clone(), render::value(v)]);
            print!("{}", render::table(&["FIELD", "VALUE"], rows));
        }
        Command::Stays { all, json } => {
            let stays = c.call::<route::Stays>(&[], &StaysQuery { active: Some(!all) })?;
            let header = ["#STAY", "ROOM", "GUEST", "CHECKED IN", "CHECKED OUT"];
            render::list(&stays, *json, "no stays", &header, stay_row)?;
        }
        Command::Guests { name, json } => {
            let found = c.call::<route::Guests>(&[], &GuestQuery { name: Some(name.clone()) })?;
            render::list(&found, *json, "no guest by that name", &["ROOM", "GUEST", "#STAY"], |st| {
                vec![st.room.clone(), st.guest_name.clone(), st.id.to_string()]
            })?;
        }
        Command::Pbx { command: PbxCommand::Status { json } } => {
            let st = c.call::<route::PbxStatus>(&[], &())?;
            if *json {
                return render::json(&st);
            }
            let link = serde_json::to_value(st.link.link)?;
            println!(
                "link      {} (since {})",
                link.as_str().unwrap_or("?"),
                or_dash(st.link.since.as_deref().map(super::render::local))
            );
            println!("port      {}", st.link.port);
            println!("queued    {}", st.queued);
            if st.link.degraded {
                println!("degraded  yes ({} deliveries failed)", st.link.failed_deliveries);
            }
            if let Some(e) = &st.link.last_error {
                println!("error     {e}");
            }
        }
        Command::Housekeeping { status, json } => {
            let list = c.call::<route::Housekeeping>(&[], &HousekeepingQuery { status: *status })?;
            render::list(&list, *json, "no rooms", &["ROOM", "STATUS", "OCCUPIED", "SINCE", "BY"], |h| {
                vec![
                    h.room.clone(),
                    h.status.to_string(),
                    if h.occupied { "yes" } else { "no" }.into(),
                    or_dash(h.since.as_ref()),
                    or_dash(h.by.as_ref()),
                ]
            })?;
        }
        Command::HousekeepingReport { date, json } => {
            let r = c.call::<route::HousekeepingReport>(&[], &DateQuery { date: date.clone() })?;
            if *json {
                return render::json(&r);
            }
            println!("Housekeeping of {}", r.date);
            let rows = r.per_attendant.iter().map(|(who, n)| vec![who.clone(), n.to_string()]);
            print!("{}", render::table(&["BY", "#ROOMS READY"], rows));
            println!(
                "{} room(s) cleaned after a check-out; wait mean {} min, longest {} min",
                r.turnarounds,
                or_dash(r.mean_minutes),
                or_dash(r.longest_minutes)
            );
        }
        Command::RoomStatus { room, status } => {
            let r = c.call::<route::SetHousekeeping>(&[room_arg(room)?], &SetHousekeeping { status: *status })?;
            println!("room {}: {}", r.room, r.housekeeping);
        }
        Command::Pbx { command: PbxCommand::Call { room, digits, duration, amount, pulses } } => {
            let secs =
                crate::clock::parse_duration(duration).map_err(|e| anyhow::anyhow!("--duration: {e}"))?.as_secs();
            let req = SimCall {
                room: room.clone(),
                digits: digits.clone(),
                duration_s: secs.min(359_999) as u32,
                amount_minor: *amount,
                pulses: *pulses,
            };
            let r = c.call::<route::SimulateCall>(&[], &req)?;
            println!("the simulated PBX reported call {} from room {room} to {digits}", r.posting);
        }
        Command::Pms { command: PmsCommand::Status { json } } => {
            let st = c.call::<route::PmsStatus>(&[], &())?;
            if *json {
                return render::json(&st);
            }
            let link = serde_json::to_value(st.link)?;
            println!(
                "link      {} (since {})",
                link.as_str().unwrap_or("?"),
                or_dash(st.since.as_deref().map(super::render::local))
            );
            println!("port      {}", st.port);
            println!("peer      {}", or_dash(st.peer.as_ref()));
            println!("queued    {} record(s) for the PMS", st.queued);
            println!("stays     {}", if st.owns_stays { "managed by the PMS" } else { "desk and PMS" });
            let n = &st.counters;
            println!(
                "records   {} received, {} refused, {} malformed, {} sent; {} resync(s), {} reconnect(s)",
                n.received, n.refused, n.malformed, n.sent, n.resyncs, n.reconnects
            );
            if st.resync_in_progress {
                println!("resync    the PMS is sending every room now");
            }
            if let Some(why) = &st.held {
                println!("held      {why}");
            }
            if let Some(e) = &st.last_error {
                println!("error     {e}");
            }
        }
        Command::Pms { command: PmsCommand::Resync } => {
            c.call::<route::PmsResync>(&[], &())?;
            println!("database resync requested from the PMS");
        }
        Command::Pbx { command: PbxCommand::Resync } => {
            c.call::<route::PbxResync>(&[], &())?;
            println!("resync of every room requested");
        }
        Command::Audit { room, staff, since, json } => {
            let q = AuditQuery { room: room.clone(), staff: staff.clone(), since: since.clone(), limit: None };
            let rows = c.call::<route::Audit>(&[], &q)?;
            let header = ["TIME", "STAFF", "ACTION", "ROOM", "#STAY", "CHANGE"];
            render::list(&rows, *json, "no changes recorded", &header, |r| {
                let change = match (&r.before, &r.after) {
                    (Some(b), Some(a)) => format!("{b} -> {a}"),
                    (None, Some(a)) => a.clone(),
                    (Some(b), None) => b.clone(),
                    (None, None) => or_dash(r.subject.as_ref()),
                };
                vec![r.at.clone(), r.staff.clone(), r.action.clone(), or_dash(r.room.as_ref()), or_dash(r.stay), change]
            })?;
        }
        other => bail!("{other:?} is not a command of the API client"),
    }
    Ok(())
}
