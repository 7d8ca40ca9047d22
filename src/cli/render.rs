//! How the CLI shows answers: `--json` as the service sent them, lists as tables whose columns
//! line up with Chinese names too (comfy-table measures East Asian wide characters), and a
//! plain sentence for an empty list. Times are shown in the hotel's zone ([`set_zone`]): the
//! service speaks UTC (`...Z`), people read local time.

use std::sync::OnceLock;

use chrono_tz::Tz;
use comfy_table::{presets, CellAlignment, ColumnConstraint, Table};
use serde::Serialize;

static ZONE: OnceLock<Tz> = OnceLock::new();

/// The hotel's zone, for every time shown from now on (set once, by the client at start).
pub fn set_zone(tz: Tz) {
    let _ = ZONE.set(tz);
}

/// `text` as the hotel's local time (`YYYY-MM-DD HH:MM`) if it is a UTC instant; else as it is.
pub fn local(text: &str) -> String {
    match (ZONE.get(), text.ends_with('Z').then(|| crate::clock::parse_utc(text)).flatten()) {
        (Some(tz), Some(t)) => t.with_timezone(tz).format("%Y-%m-%d %H:%M").to_string(),
        _ => text.to_string(),
    }
}

/// Prints `v` as pretty JSON.
pub fn json<T: Serialize + ?Sized>(v: &T) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(v)?);
    Ok(())
}

/// A value or "-".
pub fn or_dash<T: ToString>(v: Option<T>) -> String {
    v.map(|v| v.to_string()).unwrap_or_else(|| "-".into())
}

/// A JSON value as a cell: strings bare, null as "-".
pub fn value(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Null => "-".into(),
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

pub fn on_off(b: bool) -> &'static str {
    if b {
        "on"
    } else {
        "off"
    }
}

/// A borderless table; columns whose header starts with '#' are right-aligned numbers.
pub fn table(header: &[&str], rows: impl IntoIterator<Item = Vec<String>>) -> String {
    let mut t = Table::new();
    t.load_preset(presets::NOTHING);
    t.set_header(header.iter().map(|h| h.trim_start_matches('#')));
    for row in rows {
        t.add_row(row.iter().map(|cell| local(cell)));
    }
    for (i, h) in header.iter().enumerate() {
        if let Some(col) = t.column_mut(i) {
            if h.starts_with('#') {
                col.set_cell_alignment(CellAlignment::Right);
            }
            col.set_constraint(ColumnConstraint::ContentWidth);
        }
    }
    t.to_string().lines().map(|l| l.trim_end().to_string() + "\n").collect()
}

/// The one way lists are shown: JSON with `--json`, else `empty` for none, else a table with
/// one row per item.
pub fn list<T: Serialize>(
    items: &[T],
    json_out: bool,
    empty: &str,
    header: &[&str],
    row: impl Fn(&T) -> Vec<String>,
) -> anyhow::Result<()> {
    if json_out {
        return json(items);
    }
    if items.is_empty() {
        println!("{empty}");
        return Ok(());
    }
    print!("{}", table(header, items.iter().map(row)));
    Ok(())
}

/// Like [`list`], for items shown as a block of lines each (messages, log entries).
pub fn blocks<T: Serialize>(
    items: &[T],
    json_out: bool,
    empty: &str,
    block: impl Fn(&T) -> String,
) -> anyhow::Result<()> {
    if json_out {
        return json(items);
    }
    if items.is_empty() {
        println!("{empty}");
    }
    for item in items {
        print!("{}", block(item));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use unicode_width::UnicodeWidthStr;

    #[test]
    fn columns_line_up_with_chinese_names() {
        let out = table(
            &["ROOM", "GUEST", "#CLASS"],
            [vec!["101".into(), "王小明".into(), "3".into()], vec!["102".into(), "Smith John".into(), "12".into()]],
        );
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), 3, "{out}");
        // The CLASS column starts at the same display column on every line.
        let col = |l: &str, pat: &str| l[..l.find(pat).unwrap()].width();
        assert_eq!(col(lines[1], "王"), col(lines[2], "Smith"));
        assert_eq!(lines[1].width(), lines[2].width(), "right-aligned numbers end together:\n{out}");
    }
}
