//! The upstream event outbox's policy and the record of recent events.
//!
//! Each event goes into the outbox with a [`Retention`] (kept in the entry's recipient field) and into
//! the bounded record of recent events that `euiccd events` shows. When the outbox is over its bound,
//! room is made in this order: older `update` events go first (a newer update supersedes them: the
//! updates are coalesced), then `droppable` ones, oldest first; only then the oldest event that must be
//! kept, and that loss is counted ([`Store::events_lost`]) so that the receiver is told how many it
//! missed: nothing is dropped silently. The outbox never holds more than its bound.

use super::tables::{self, Table};
use super::writer::Writer;
use super::{Entry, MAX_EVENTS, Outbox, Store, StoreError};

/// The most events the record of recent events keeps.
pub const RECENT_EVENTS: u64 = 200;

/// The counter of events lost to the bound since the receiver was last told.
const LOST: &str = "events_lost";

/// How an event may give way when the outbox is full.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retention {
    /// Must reach the receiver (session start and end, rejections, SMS): dropped last, and counted.
    Keep,
    /// A periodic update that a newer one supersedes.
    Update,
    /// Useful but repetitive (attach flapping in poor coverage): dropped before what must be kept.
    Droppable,
}

impl Retention {
    fn tag(self) -> &'static str {
        match self {
            Self::Keep => "keep",
            Self::Update => "update",
            Self::Droppable => "droppable",
        }
    }
}

impl Writer<'_> {
    /// Appends an event (`body`, a JSON document) to the outbox and to the recent events, making room
    /// as the module documentation says so that the outbox holds at most `bound` (1..=[`MAX_EVENTS`])
    /// events. Returns the event's id.
    pub fn push_event(
        &mut self,
        retention: Retention,
        body: &[u8],
        bound: u64,
    ) -> Result<u64, StoreError> {
        let bound = bound.clamp(1, MAX_EVENTS);
        let entry = Entry {
            recipient: retention.tag().to_owned(),
            body: body.to_vec(),
        };
        // Not `push`: its plain drop-the-oldest backstop must not pre-empt the policy below.
        let id = self.next_id();
        self.insert(Table::Events, id, &entry)?;
        self.remember(id, body, RECENT_EVENTS)?;
        let mut lost = 0;
        while self.tables().map(Table::Events).len() as u64 > bound {
            let mut oldest_update = None;
            let mut oldest_droppable = None;
            let mut oldest = None;
            for (key, value) in self.tables().map(Table::Events) {
                let key = tables::key_id(key);
                oldest.get_or_insert(key);
                match tables::entry(Table::Events, key, value)?.recipient.as_str() {
                    "update" if key != id => {
                        oldest_update.get_or_insert(key);
                        break;
                    }
                    "droppable" if key != id => {
                        oldest_droppable.get_or_insert(key);
                    }
                    _ => {}
                }
            }
            let victim = match (oldest_update, oldest_droppable, oldest) {
                (Some(key), _, _) | (None, Some(key), _) => key,
                (None, None, Some(key)) => {
                    lost += 1;
                    key
                }
                (None, None, None) => break,
            };
            self.delete(Table::Events, &tables::id_key(victim));
        }
        if lost > 0 {
            let before = self.counter(Table::Counters, LOST).unwrap_or(0);
            self.set_counter(Table::Counters, LOST, before.saturating_add(lost));
        }
        Ok(id)
    }

    /// The receiver acknowledged the events `ids` and a loss report of `lost_reported` events.
    pub(crate) fn acknowledge_events(
        &mut self,
        ids: &[u64],
        lost_reported: u64,
    ) -> Result<(), StoreError> {
        for &id in ids {
            self.remove(Outbox::Events, id)?;
        }
        if lost_reported > 0 {
            let before = self.counter(Table::Counters, LOST).unwrap_or(0);
            self.set_counter(Table::Counters, LOST, before.saturating_sub(lost_reported));
        }
        Ok(())
    }
}

impl Store {
    /// Events lost to the outbox bound that the receiver has not been told of yet.
    pub fn events_lost(&self) -> Result<u64, StoreError> {
        Ok(self.read(lost))
    }

    /// The last `limit` events recorded (delivered or not), oldest first, with their ids.
    pub fn recent_events(&self, limit: usize) -> Result<Vec<(u64, Vec<u8>)>, StoreError> {
        let mut events: Vec<(u64, Vec<u8>)> = self.read(|t| {
            let recent = t.map(Table::Recent).iter().rev().take(limit);
            recent
                .map(|(key, body)| (tables::key_id(key), body.clone()))
                .collect()
        });
        events.reverse();
        Ok(events)
    }
}

/// Events lost to the bound in `tables` that the receiver has not been told of yet.
pub(super) fn lost(tables: &tables::Tables) -> u64 {
    tables.counter(Table::Counters, LOST).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn open() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("state")).unwrap();
        (dir, store)
    }

    fn push(store: &Store, retention: Retention, body: &str, bound: u64) -> u64 {
        store
            .write(|w| w.push_event(retention, body.as_bytes(), bound))
            .unwrap()
    }

    fn bodies(store: &Store) -> Vec<String> {
        store
            .pending(Outbox::Events)
            .unwrap()
            .into_iter()
            .map(|(_, e)| String::from_utf8(e.body).unwrap())
            .collect()
    }

    #[test]
    fn updates_are_coalesced_before_anything_else_goes() {
        let (_dir, store) = open();
        push(&store, Retention::Keep, "start", 4);
        push(&store, Retention::Update, "u1", 4);
        push(&store, Retention::Droppable, "attach", 4);
        push(&store, Retention::Update, "u2", 4);
        push(&store, Retention::Update, "u3", 4);
        assert_eq!(bodies(&store), ["start", "attach", "u2", "u3"]);
        push(&store, Retention::Update, "u4", 4);
        assert_eq!(bodies(&store), ["start", "attach", "u3", "u4"]);
        push(&store, Retention::Keep, "end", 4);
        assert_eq!(bodies(&store), ["start", "attach", "u4", "end"]);
        // The last update goes, then (no update left) the droppable one.
        push(&store, Retention::Keep, "start 2", 4);
        assert_eq!(bodies(&store), ["start", "attach", "end", "start 2"]);
        push(&store, Retention::Keep, "end 2", 4);
        assert_eq!(bodies(&store), ["start", "end", "start 2", "end 2"]);
        assert_eq!(
            store.events_lost().unwrap(),
            0,
            "nothing that must be kept went"
        );
    }

    #[test]
    fn kept_events_give_way_last_and_are_counted() {
        let (_dir, store) = open();
        for n in 0..10 {
            push(&store, Retention::Keep, &format!("k{n}"), 3);
            assert!(store.len(Outbox::Events).unwrap() <= 3, "the bound holds");
        }
        assert_eq!(bodies(&store), ["k7", "k8", "k9"]);
        assert_eq!(store.events_lost().unwrap(), 7);
        let ids: Vec<u64> = store
            .pending(Outbox::Events)
            .unwrap()
            .iter()
            .map(|(id, _)| *id)
            .collect();
        store.write(|w| w.acknowledge_events(&ids[..2], 5)).unwrap();
        assert_eq!(bodies(&store), ["k9"]);
        assert_eq!(
            store.events_lost().unwrap(),
            2,
            "losses counted meanwhile stay"
        );
    }

    #[test]
    fn at_the_largest_bound_updates_still_give_way_first() {
        let (_dir, store) = open();
        push(&store, Retention::Keep, "first", MAX_EVENTS);
        for n in 1..MAX_EVENTS {
            push(&store, Retention::Update, &format!("u{n}"), MAX_EVENTS);
        }
        push(&store, Retention::Keep, "last", MAX_EVENTS);
        let kept = bodies(&store);
        assert_eq!(kept.len() as u64, MAX_EVENTS);
        assert_eq!(kept.first().map(String::as_str), Some("first"));
        assert_eq!(kept.last().map(String::as_str), Some("last"));
        assert_eq!(store.events_lost().unwrap(), 0);
    }

    #[test]
    fn recent_events_are_bounded_and_outlive_delivery() {
        let (_dir, store) = open();
        let total = RECENT_EVENTS + 5;
        for n in 0..total {
            let id = push(&store, Retention::Keep, &format!("e{n}"), 10);
            store.write(|w| w.acknowledge_events(&[id], 0)).unwrap();
        }
        assert_eq!(store.len(Outbox::Events).unwrap(), 0);
        let recent = store.recent_events(1000).unwrap();
        assert_eq!(recent.len() as u64, RECENT_EVENTS);
        assert_eq!(
            recent.last().unwrap().1,
            format!("e{}", total - 1).as_bytes()
        );
        let last_two = store.recent_events(2).unwrap();
        assert_eq!(last_two[0].1, format!("e{}", total - 2).as_bytes());
    }
}
