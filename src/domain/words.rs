//! Closed sets of words the service stores and shows (a log entry's category, a follow-up's
//! state, ...), each one enum written once with `words!`: its text in the store and in JSON,
//! the list a person may choose from, and a refusal that names them.

/// Declares `enum $name { $Variant = "text", ... }` with `ALL`, `as_str`, `Display`, `FromStr`
/// (the error lists the words), serde as the text, and the store's mapping (`ToSql`/`FromSql`).
macro_rules! words {
    ($(#[$meta:meta])* $vis:vis enum $name:ident ($what:literal) { $($(#[$vmeta:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        $vis enum $name {
            $($(#[$vmeta])* #[serde(rename = $text)] $variant,)+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)+
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = String;

            fn from_str(s: &str) -> Result<Self, String> {
                $name::ALL.iter().copied().find(|w| w.as_str() == s).ok_or_else(|| {
                    let words: Vec<&str> = $name::ALL.iter().map(|w| w.as_str()).collect();
                    let shown: String = s.chars().take(40).collect();
                    format!("{shown:?} is not {}: use one of {}", $what, words.join(", "))
                })
            }
        }

        /// Compares with the stored/JSON text (`state == "done"` reads as it is shown).
        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.as_str() == *other
            }
        }

        impl rusqlite::types::ToSql for $name {
            fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
                Ok(rusqlite::types::ToSqlOutput::from(self.as_str()))
            }
        }

        impl rusqlite::types::FromSql for $name {
            fn column_result(value: rusqlite::types::ValueRef<'_>) -> rusqlite::types::FromSqlResult<Self> {
                value.as_str()?.parse().map_err(|e: String| rusqlite::types::FromSqlError::Other(e.into()))
            }
        }
    };
}

pub(crate) use words;

words! {
    /// What a logbook entry is about.
    pub enum Category ("a log entry's category") {
        Incident = "incident",
        GuestRequest = "guest_request",
        Maintenance = "maintenance",
        Security = "security",
        Note = "note",
    }
}

words! {
    /// How urgent a logbook entry is.
    pub enum Priority ("a priority") {
        Normal = "normal",
        High = "high",
    }
}

words! {
    /// Where a follow-up stands.
    pub enum FollowupState ("a follow-up state") {
        Open = "open",
        InProgress = "in_progress",
        Done = "done",
    }
}

words! {
    /// Whether a call's charge went on the guest's bill.
    pub enum CallState ("a call state") {
        /// On the stay's bill (and sent on to the PMS where there is one).
        Posted = "posted",
        /// Recorded with no stay to bill (vacant room, no-post stay, an administrative line).
        Unbilled = "unbilled",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Sql;

    #[test]
    fn each_word_reads_back_from_its_text_in_json_and_in_the_store() {
        let c = rusqlite::Connection::open_in_memory().unwrap();
        for s in FollowupState::ALL {
            assert_eq!(serde_json::to_string(s).unwrap(), format!("\"{s}\""));
            assert_eq!(s.as_str().parse::<FollowupState>(), Ok(*s));
            let back: FollowupState = c.row("SELECT ?1", [s], |r| r.get(0)).unwrap();
            assert_eq!(back, *s);
        }
        assert_eq!(Category::GuestRequest.as_str(), "guest_request");
        let refused = "later".parse::<FollowupState>().unwrap_err();
        assert!(refused.contains("open, in_progress, done"), "{refused}");
        assert!(c.row("SELECT 'asleep'", [], |r| r.get::<_, Priority>(0)).is_err());
    }
}
