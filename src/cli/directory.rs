//! `switchboard dir ...`: the operator's directory and dialling codes.

use anyhow::Context;

use super::client::Client;
use super::render::{self, or_dash};
use super::subcommands::{DirCommand, DirFields};
use crate::hotel::directory::exchange::Format;
use crate::http::contract::{route, CodeQuery, DirImport, DirQuery, ExportQuery, NewDirEntry};

fn entry(f: &DirFields) -> NewDirEntry {
    NewDirEntry {
        kind: f.kind.clone(),
        name: f.name.clone(),
        department: f.department.clone(),
        title: f.title.clone(),
        extension: f.extension.clone(),
        number: f.number.clone(),
        languages: f.languages.clone(),
        note: f.note.clone(),
        private: f.private.then_some(true),
    }
}

pub fn run(c: &Client, cmd: &DirCommand) -> anyhow::Result<()> {
    match cmd {
        DirCommand::Search { text, json } => {
            let found = c.call::<route::Directory>(&[], &DirQuery { q: Some(text.join(" ")) })?;
            let header = ["#ID", "KIND", "NAME", "DEPARTMENT", "TITLE", "EXTENSION", "NUMBER"];
            render::list(&found, *json, "nothing found", &header, |e| {
                let (ext, num) = if e.withheld {
                    ("-".to_string(), e.hint.clone().unwrap_or_default())
                } else {
                    (or_dash(e.extension.as_ref()), or_dash(e.number.as_ref()))
                };
                vec![
                    e.id.to_string(),
                    e.kind.as_str().into(),
                    e.name.clone(),
                    or_dash(e.department.as_ref()),
                    or_dash(e.title.as_ref()),
                    ext,
                    num,
                ]
            })?;
        }
        DirCommand::Add(f) => {
            let e = c.call::<route::AddDirEntry>(&[], &entry(f))?;
            println!("directory entry {} added: {}", e.id, e.name);
        }
        DirCommand::Edit { id, fields } => {
            let mut change = entry(fields);
            change.private = fields.private.then_some(true);
            let e = c.call::<route::EditDirEntry>(&[&id.to_string()], &change)?;
            println!("directory entry {} changed: {}", e.id, e.name);
        }
        DirCommand::Remove { id } => {
            c.call::<route::RemoveDirEntry>(&[&id.to_string()], &())?;
            println!("directory entry {id} removed");
        }
        DirCommand::Import { file } => {
            let format = Format::of_path(file).context("the file must end in .csv or .toml")?;
            let text = std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
            let r = c.call::<route::ImportDirectory>(&[], &DirImport { format, text })?;
            println!("{} entries imported", r.imported);
        }
        DirCommand::Export { format } => {
            print!("{}", c.call::<route::ExportDirectory>(&[], &ExportQuery { format: Some(*format) })?);
        }
        DirCommand::Code { place, json } => {
            let a = c.call::<route::DiallingCode>(&[], &CodeQuery { q: Some(place.join(" ")) })?;
            if *json {
                return render::json(&a);
            }
            println!("{} ({}): {}", a.place.join(" / "), a.country, a.international);
            if let Some(dial) = &a.dial_from_hotel {
                println!("from this hotel dial: {dial} and the number");
            }
        }
    }
    Ok(())
}
