//! Why records for the PMS wait while the link is up, and for how long at most.
//!
//! - A database resync (`DS` ... `DE`): nothing of ours goes out (the FIAS engine refuses); one
//!   that has not ended after `[pms] resync_timeout` is abandoned.
//! - A night audit (`NS` ... `NE`): the PMS takes no postings, so `PS` rows wait (other records
//!   still go); one that has not ended after `[pms] night_audit_timeout` is abandoned.
//! - A posting answered `NA` (night audit running) or `RY` (retry): postings wait
//!   `[pms] posting_retry` before the next try, so a PMS that keeps refusing is not flooded.
//!
//! Pure state over [`Instant`]s: the link session asks [`Holds::expired`] at each wake-up and
//! sleeps no longer than [`Holds::deadline`].

use std::time::Duration;
use tokio::time::Instant;

/// A posting answered with this `AS` is to be tried again later, not dropped: `NA` (night audit
/// running) or `RY` (retry).
pub fn try_again_later(status: &str) -> bool {
    matches!(status, "NA" | "RY")
}

/// Postings wait because ...
#[derive(Debug, Clone, PartialEq, Eq)]
enum PostingHold {
    /// ... the PMS sent `NS` (at `since`) and no `NE` yet.
    NightAudit { since: Instant },
    /// ... the PMS answered a posting with this status; the next try is at `until`.
    Answered { status: String, until: Instant },
}

/// A hold that ran out without its end record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expired {
    Resync,
    NightAudit,
}

impl Expired {
    /// The alert's kind, facts and English text; `waiting`: records for the PMS in the outbox now.
    pub fn alert(
        self,
        cfg: &crate::config::PmsLinkConfig,
        waiting: u64,
    ) -> (crate::hotel::alerts::Kind, serde_json::Value, String) {
        let human = crate::clock::human;
        let timeout = match self {
            Expired::Resync => cfg.resync_timeout,
            Expired::NightAudit => cfg.night_audit_timeout,
        };
        let facts = serde_json::json!({ "minutes": timeout.as_secs().div_ceil(60), "waiting": waiting });
        match self {
            Expired::Resync => (
                crate::hotel::alerts::Kind::PmsResyncAbandoned,
                facts,
                format!(
                    "the PMS began a database resync (DS) and sent no DE within {}: switchboard stopped waiting \
                     and sends the {waiting} record(s) held for the PMS; ask the PMS side whether its resync finished",
                    human(cfg.resync_timeout)
                ),
            ),
            Expired::NightAudit => (
                crate::hotel::alerts::Kind::PmsNightAuditAbandoned,
                facts,
                format!(
                    "the PMS began its night audit (NS) and sent no NE within {}: switchboard sends the call \
                     charges it held ({waiting} record(s) wait for the PMS); ask the PMS side whether the audit finished",
                    human(cfg.night_audit_timeout)
                ),
            ),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Holds {
    resync_timeout: Duration,
    night_audit_timeout: Duration,
    /// How long postings wait after the PMS answered one `NA` or `RY` outside a night audit.
    retry_pause: Duration,
    resync_since: Option<Instant>,
    postings: Option<PostingHold>,
}

impl Holds {
    pub fn new(resync_timeout: Duration, night_audit_timeout: Duration, retry_pause: Duration) -> Self {
        Holds { resync_timeout, night_audit_timeout, retry_pause, resync_since: None, postings: None }
    }

    pub fn resync_started(&mut self, now: Instant) {
        self.resync_since = Some(now);
    }

    pub fn resync_ended(&mut self) {
        self.resync_since = None;
    }

    pub fn night_audit_started(&mut self, now: Instant) {
        if !matches!(self.postings, Some(PostingHold::NightAudit { .. })) {
            self.postings = Some(PostingHold::NightAudit { since: now });
        }
    }

    /// Returns whether a night audit was running.
    pub fn night_audit_ended(&mut self) -> bool {
        let was = matches!(self.postings, Some(PostingHold::NightAudit { .. }));
        if was {
            self.postings = None;
        }
        was
    }

    /// The PMS answered a posting `NA` or `RY`: postings pause, unless a night audit holds them
    /// already (its `NE` releases them).
    pub fn posting_refused(&mut self, now: Instant, status: &str) {
        if !matches!(self.postings, Some(PostingHold::NightAudit { .. })) {
            self.postings = Some(PostingHold::Answered { status: status.into(), until: now + self.retry_pause });
        }
    }

    pub fn night_audit(&self) -> bool {
        matches!(self.postings, Some(PostingHold::NightAudit { .. }))
    }

    /// Whether `PS` rows wait now (a retry pause that has run out holds nothing).
    pub fn postings_held(&self, now: Instant) -> bool {
        match &self.postings {
            Some(PostingHold::NightAudit { .. }) => true,
            Some(PostingHold::Answered { until, .. }) => now < *until,
            None => false,
        }
    }

    /// The next moment a hold runs out.
    pub fn deadline(&self) -> Option<Instant> {
        let resync = self.resync_since.map(|t| t + self.resync_timeout);
        let postings = match &self.postings {
            Some(PostingHold::NightAudit { since }) => Some(*since + self.night_audit_timeout),
            Some(PostingHold::Answered { until, .. }) => Some(*until),
            None => None,
        };
        resync.into_iter().chain(postings).min()
    }

    /// Ends the holds that ran out by `now`; returns those that were abandoned without their end
    /// record (a retry pause simply ends).
    pub fn expired(&mut self, now: Instant) -> Vec<Expired> {
        let mut out = Vec::new();
        if self.resync_since.is_some_and(|t| now >= t + self.resync_timeout) {
            self.resync_since = None;
            out.push(Expired::Resync);
        }
        match &self.postings {
            Some(PostingHold::NightAudit { since }) if now >= *since + self.night_audit_timeout => {
                self.postings = None;
                out.push(Expired::NightAudit);
            }
            Some(PostingHold::Answered { until, .. }) if now >= *until => self.postings = None,
            _ => {}
        }
        out
    }

    /// Why records wait, for `pms status` (none: nothing is held).
    pub fn describe(&self, now: Instant) -> Option<String> {
        let mut why = Vec::new();
        if self.resync_since.is_some() {
            why.push("everything waits: the PMS is sending a database resync (DS without DE yet)".to_string());
        }
        match &self.postings {
            Some(PostingHold::NightAudit { .. }) => {
                why.push("postings wait: the PMS is running its night audit (NS without NE yet)".into())
            }
            Some(PostingHold::Answered { status, until }) if now < *until => why.push(format!(
                "postings wait: the PMS answered the last one {status}; next try in {}s",
                (*until - now).as_secs().max(1)
            )),
            _ => {}
        }
        (!why.is_empty()).then(|| why.join("; "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: Duration = Duration::from_secs(60);
    const RETRY_PAUSE: Duration = MIN;

    fn holds() -> Holds {
        Holds::new(10 * MIN, 120 * MIN, RETRY_PAUSE)
    }

    #[test]
    fn a_resync_without_de_runs_out_once() {
        let t = Instant::now();
        let mut h = holds();
        h.resync_started(t);
        assert_eq!(h.deadline(), Some(t + 10 * MIN));
        assert!(h.expired(t + 9 * MIN).is_empty());
        assert!(h.describe(t).unwrap().contains("database resync"));
        assert_eq!(h.expired(t + 10 * MIN), vec![Expired::Resync]);
        assert!(h.expired(t + 11 * MIN).is_empty());
        assert_eq!(h.deadline(), None);
        assert_eq!(h.describe(t), None);
    }

    #[test]
    fn a_night_audit_holds_postings_until_ne_or_its_time_out() {
        let t = Instant::now();
        let mut h = holds();
        h.night_audit_started(t);
        h.night_audit_started(t + MIN); // a repeated NS does not restart the clock
        assert!(h.postings_held(t + 60 * MIN));
        assert!(h.night_audit_ended());
        assert!(!h.postings_held(t + 60 * MIN));
        assert!(!h.night_audit_ended());

        h.night_audit_started(t);
        assert_eq!(h.deadline(), Some(t + 120 * MIN));
        assert_eq!(h.expired(t + 120 * MIN), vec![Expired::NightAudit]);
        assert!(!h.postings_held(t + 120 * MIN));
    }

    #[test]
    fn a_refused_posting_pauses_postings_without_ending_a_night_audit() {
        let t = Instant::now();
        let mut h = holds();
        h.posting_refused(t, "RY");
        assert!(h.postings_held(t));
        assert!(h.describe(t).unwrap().contains("answered the last one RY"));
        assert!(!h.postings_held(t + RETRY_PAUSE));
        assert!(h.expired(t + RETRY_PAUSE).is_empty(), "a pause is not an abandoned hold");
        assert_eq!(h.deadline(), None);

        h.night_audit_started(t);
        h.posting_refused(t, "NA");
        assert!(h.night_audit(), "NE still ends it");
        assert!(h.postings_held(t + 100 * MIN));
    }
}
