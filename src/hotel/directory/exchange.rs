//! Import and export: CSV (a header row of the field names) or TOML (`[[entry]]` tables), the
//! same fields both ways, so an export imports back to the same directory.

use serde::{Deserialize, Serialize};

use super::entries::{DirEntry, NewDirEntry};
use crate::domain::validate::Invalid;

/// The two file formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Csv,
    Toml,
}

impl Format {
    /// The format a file's name says (`.csv`, `.toml`).
    pub fn of_path(path: &std::path::Path) -> Option<Format> {
        match path.extension()?.to_str()? {
            "csv" => Some(Format::Csv),
            "toml" => Some(Format::Toml),
            _ => None,
        }
    }
}

impl std::str::FromStr for Format {
    type Err = Invalid;
    fn from_str(s: &str) -> Result<Format, Invalid> {
        match s {
            "csv" => Ok(Format::Csv),
            "toml" => Ok(Format::Toml),
            other => Err(Invalid::new("format", format!("{other:?} is not csv or toml"))),
        }
    }
}

#[derive(Serialize, Deserialize)]
struct TomlFile {
    #[serde(default)]
    entry: Vec<NewDirEntry>,
}

fn to_new(e: &DirEntry) -> NewDirEntry {
    NewDirEntry {
        kind: Some(e.kind.as_str().into()),
        name: Some(e.name.clone()),
        department: e.department.clone(),
        title: e.title.clone(),
        extension: e.extension.clone(),
        number: e.number.clone(),
        languages: e.languages.clone(),
        note: e.note.clone(),
        private: Some(e.private),
    }
}

/// The entries as a file.
pub fn export(entries: &[DirEntry], format: Format) -> Result<String, Invalid> {
    let rows: Vec<NewDirEntry> = entries.iter().map(to_new).collect();
    match format {
        Format::Toml => toml::to_string(&TomlFile { entry: rows }).map_err(|e| Invalid::new("format", e.to_string())),
        Format::Csv => {
            let mut w = csv::Writer::from_writer(Vec::new());
            for r in &rows {
                w.serialize(r).map_err(|e| Invalid::new("format", e.to_string()))?;
            }
            let bytes = w.into_inner().map_err(|e| Invalid::new("format", e.to_string()))?;
            String::from_utf8(bytes).map_err(|e| Invalid::new("format", e.to_string()))
        }
    }
}

/// Entries read from a file (not yet validated: importing does that, naming the entry).
pub fn parse(text: &str, format: Format) -> Result<Vec<NewDirEntry>, Invalid> {
    match format {
        Format::Toml => {
            let file: TomlFile = toml::from_str(text).map_err(|e| Invalid::new("file", e.to_string()))?;
            Ok(file.entry)
        }
        Format::Csv => {
            let mut r = csv::Reader::from_reader(text.as_bytes());
            let mut out = Vec::new();
            for (i, row) in r.deserialize::<NewDirEntry>().enumerate() {
                let mut e = row.map_err(|e| Invalid::new("file", format!("line {}: {e}", i + 2)))?;
                // CSV has no null: an empty cell is no value.
                for v in
                    [&mut e.department, &mut e.title, &mut e.extension, &mut e.number, &mut e.languages, &mut e.note]
                {
                    if v.as_deref() == Some("") {
                        *v = None;
                    }
                }
                out.push(e);
            }
            Ok(out)
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use chrono::TimeZone;

    use super::super::entries::Directory;
    use super::*;
    use crate::clock::FakeClock;
    use crate::domain::identity::Actor;
    use crate::store::Store;

    fn dir() -> Directory {
        let store = Arc::new(Store::open_in_memory().unwrap());
        Directory::new(store, Arc::new(FakeClock::new(chrono::Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap())))
    }

    #[tokio::test]
    async fn export_imports_back_to_the_same_directory_in_both_formats() {
        let sample = include_str!("../../../directory.toml");
        let entries = parse(sample, Format::Toml).unwrap();
        assert!(entries.len() >= 10, "the demo hotel's sample directory");
        let a = dir();
        a.import(&Actor::system(), &entries).await.unwrap();
        let strip = |v: Vec<DirEntry>| {
            v.into_iter()
                .map(|mut e| {
                    e.id = 0;
                    e
                })
                .collect::<Vec<_>>()
        };
        for format in [Format::Csv, Format::Toml] {
            let text = export(&a.export(&Actor::system()).await.unwrap(), format).unwrap();
            let b = dir();
            b.import(&Actor::system(), &parse(&text, format).unwrap()).await.unwrap();
            assert_eq!(
                strip(b.export(&Actor::system()).await.unwrap()),
                strip(a.export(&Actor::system()).await.unwrap()),
                "{format:?}:\n{text}"
            );
        }
        assert!(
            parse("kind,name\nstaff\n", Format::Csv).is_err()
                || parse("kind,name\nstaff\n", Format::Csv).unwrap()[0].name.is_none()
        );
        let bad = a.import(&Actor::system(), &parse("kind,name,number\nstaff,X,call me\n", Format::Csv).unwrap()).await;
        assert!(bad.unwrap_err().to_string().contains("entry 1"), "the bad entry is named");
    }
}
