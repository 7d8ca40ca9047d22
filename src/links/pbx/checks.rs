//! What the PBX reports is range-checked before anything is stored or posted: a broken or hostile
//! PBX must put no credit, no wrapped total and no made-up value on a guest's bill or in a room.
//!
//! Pure: [`check`] takes a decoded record and names the first field that fails. The link stores
//! nothing of a refused record, counts and logs it, answers a refused posting `PA` with `AS`
//! `UR` (unprocessable, do not retry) and raises an alert for a person.

use fias::{Message, Posting, RoomEquipment};

/// The largest amount a posting may carry, in minor units (100,000.00 of the currency).
pub const MAX_AMOUNT: i64 = 10_000_000;
/// The longest call a posting may report (99:59:59).
pub const MAX_DURATION_S: u64 = 99 * 3600 + 59 * 60 + 59;
/// Meter pulses of one call, at most.
pub const MAX_PULSES: i64 = 1_000_000;
/// Dialled digits, at most.
pub const MAX_DIGITS: usize = 32;
/// Posting numbers run 1 to this (FIAS `P#`).
pub const MAX_POSTING_NUMBER: u64 = 99_999_999;
/// Voicemail counts have at most four digits (FIAS `VM`).
pub const MAX_VOICEMAIL: u32 = 9_999;
/// Minibar items of one posting, at most.
pub const MAX_ITEMS: u32 = 999;

/// Why a record from the PBX was refused: the field and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{record} {field} {shown}: {why}", shown = crate::logsafe::text(value))]
pub struct Refused {
    pub record: &'static str,
    pub field: &'static str,
    pub value: String,
    pub why: &'static str,
}

fn refuse(record: &'static str, field: &'static str, value: &str, why: &'static str) -> Refused {
    // Kept short: the value goes into logs and alerts.
    Refused { record, field, value: value.chars().take(40).collect(), why }
}

fn digits_only(v: &str) -> bool {
    !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit())
}

/// The first field of `msg` that is out of range, if any.
pub fn check(msg: &Message) -> Result<(), Refused> {
    match msg {
        Message::Posting(p) => posting(p),
        Message::RoomEquipment(e) => equipment(e),
        _ => Ok(()),
    }
}

fn posting(p: &Posting) -> Result<(), Refused> {
    let bad = |field, v: &str, why| Err(refuse("PS", field, v, why));
    if let Some(n) = &p.number {
        if !digits_only(n) || !n.parse::<u64>().is_ok_and(|n| (1..=MAX_POSTING_NUMBER).contains(&n)) {
            return bad("P#", n, "not a posting number from 1 to 99999999");
        }
    }
    let kind = p.kind.as_deref().unwrap_or("T");
    if !matches!(kind, "C" | "T" | "M") {
        return bad("PT", kind, "not a posting type (C pre-costed, T to be costed, M minibar)");
    }
    if let Some(a) = &p.amount {
        if !digits_only(a) {
            return bad("TA", a, "not an amount (whole minor units, no sign)");
        }
        if !a.parse::<i64>().is_ok_and(|n| n <= MAX_AMOUNT) {
            return bad("TA", a, "more than 10000000 minor units");
        }
    } else if kind == "C" || kind == "M" {
        return bad("TA", "", "missing: a pre-costed or minibar posting needs its amount");
    }
    if let Some(d) = &p.duration {
        let ok = if d.len() == 6 && digits_only(d) {
            d[2..4].parse::<u32>().is_ok_and(|m| m <= 59) && d[4..6].parse::<u32>().is_ok_and(|s| s <= 59)
        } else {
            digits_only(d) && d.parse::<u64>().is_ok_and(|s| s <= MAX_DURATION_S)
        };
        if !ok {
            return bad("DU", d, "not a duration (HHMMSS with minutes and seconds 00-59, or seconds)");
        }
    }
    if let Some(m) = &p.pulses {
        if !digits_only(m) || !m.parse::<i64>().is_ok_and(|n| n <= MAX_PULSES) {
            return bad("MP", m, "not a pulse count from 0 to 1000000");
        }
    }
    if let Some(d) = &p.digits {
        if d.chars().count() > MAX_DIGITS {
            return bad("DD", d, "more than 32 dialled digits");
        }
        if !d.bytes().all(|b| b.is_ascii_digit() || matches!(b, b'*' | b'#' | b'+')) {
            return bad("DD", d, "dialled digits hold only 0-9, *, # and +");
        }
    }
    if kind == "M" {
        match &p.article {
            None => return bad("MA", "", "missing: a minibar posting names its article"),
            Some(a) if a.is_empty() || a.len() > 20 || !a.bytes().all(|b| b.is_ascii_alphanumeric()) => {
                return bad("MA", a, "not an article number (1 to 20 letters or digits)")
            }
            Some(_) => {}
        }
        if let Some(c) = &p.count {
            if !digits_only(c) || !c.parse::<u32>().is_ok_and(|n| (1..=MAX_ITEMS).contains(&n)) {
                return bad("M#", c, "not an item count from 1 to 999");
            }
        }
    }
    Ok(())
}

fn equipment(e: &RoomEquipment) -> Result<(), Refused> {
    if let Some(rs) = e.room_status {
        // 1-6: dirty/clean/inspected, vacant/occupied; 8-10: DND on, make-up room, all off (Opera).
        if !matches!(rs, 1..=6 | 8..=10) {
            return Err(refuse("RE", "RS", &rs.to_string(), "not a room status (1-6, or 8-10)"));
        }
    }
    if let Some(vm) = e.voicemail.filter(|v| *v > MAX_VOICEMAIL) {
        return Err(refuse("RE", "VM", &vm.to_string(), "a voicemail count has at most 4 digits"));
    }
    if let Some(id) = &e.attendant {
        let ok =
            id.chars().count() <= 20 && !id.chars().any(|c| c.is_control() || crate::domain::validate::invisible(c));
        if !ok {
            return Err(refuse("RE", "ID", id, "not an attendant code (at most 20 visible characters)"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ps(f: impl FnOnce(&mut Posting)) -> Result<(), Refused> {
        let mut p = Posting {
            room: "101".into(),
            number: Some("1729".into()),
            kind: Some("C".into()),
            amount: Some("1050".into()),
            ..Default::default()
        };
        f(&mut p);
        check(&Message::Posting(Box::new(p)))
    }

    fn field(r: Result<(), Refused>) -> &'static str {
        r.expect_err("refused").field
    }

    #[test]
    fn postings_out_of_range_are_refused_with_the_field_named() {
        assert_eq!(ps(|_| {}), Ok(()));
        assert_eq!(field(ps(|p| p.amount = Some("-5000".into()))), "TA", "a credit");
        assert_eq!(field(ps(|p| p.amount = Some("9223372036854775807".into()))), "TA", "a wrap");
        assert_eq!(field(ps(|p| p.amount = Some("12.50".into()))), "TA", "not whole minor units");
        assert_eq!(field(ps(|p| p.amount = None)), "TA", "pre-costed without an amount");
        assert_eq!(ps(|p| p.amount = Some("10000000".into())), Ok(()));
        assert_eq!(field(ps(|p| p.number = Some("0".into()))), "P#");
        assert_eq!(field(ps(|p| p.number = Some("9".repeat(40)))), "P#");
        assert_eq!(field(ps(|p| p.kind = Some("X".into()))), "PT");
        let t = |p: &mut Posting| {
            p.kind = Some("T".into());
            p.amount = None;
            p.digits = Some("004989920920".into());
            p.duration = Some("000135".into());
        };
        assert_eq!(ps(t), Ok(()));
        for du in ["006000", "000060", "1:30", "-5", "9999999"] {
            assert_eq!(
                field(ps(|p| {
                    t(p);
                    p.duration = Some(du.into())
                })),
                "DU",
                "{du}"
            );
        }
        assert_eq!(
            ps(|p| {
                t(p);
                p.duration = Some("95".into())
            }),
            Ok(()),
            "plain seconds"
        );
        for dd in ["0049abc", &"1".repeat(33), "00 49", "0049\u{1b}"] {
            assert_eq!(
                field(ps(|p| {
                    t(p);
                    p.digits = Some(dd.into())
                })),
                "DD",
                "{dd:?}"
            );
        }
        assert_eq!(
            ps(|p| {
                t(p);
                p.digits = Some("+41*44#".into())
            }),
            Ok(())
        );
        assert_eq!(
            field(ps(|p| {
                t(p);
                p.digits = None;
                p.pulses = Some("-3".into())
            })),
            "MP"
        );
        // Minibar: an article and a count.
        let m = |p: &mut Posting| {
            p.kind = Some("M".into());
            p.article = Some("12".into());
            p.count = Some("2".into());
        };
        assert_eq!(ps(m), Ok(()));
        assert_eq!(
            field(ps(|p| {
                m(p);
                p.article = None
            })),
            "MA"
        );
        assert_eq!(
            field(ps(|p| {
                m(p);
                p.count = Some("0".into())
            })),
            "M#"
        );
    }

    #[test]
    fn room_reports_out_of_range_are_refused() {
        let re = |f: fn(&mut RoomEquipment)| {
            let mut e = RoomEquipment { room: "101".into(), ..Default::default() };
            f(&mut e);
            check(&Message::RoomEquipment(e))
        };
        assert_eq!(re(|e| e.room_status = Some(3)), Ok(()));
        assert_eq!(re(|e| e.room_status = Some(9)), Ok(()));
        for rs in [0, 7, 11, 99] {
            let mut e = RoomEquipment { room: "101".into(), room_status: Some(rs), ..Default::default() };
            assert_eq!(field(check(&Message::RoomEquipment(std::mem::take(&mut e)))), "RS", "{rs}");
        }
        assert_eq!(re(|e| e.voicemail = Some(9999)), Ok(()));
        assert_eq!(field(re(|e| e.voicemail = Some(10_000))), "VM");
        assert_eq!(field(re(|e| e.attendant = Some("maid\u{1b}[2J".into()))), "ID");
    }
}
