//! The upstream event outbox's policy and the record of recent events.
//!
//! Each event goes into the outbox with a [`Retention`] (kept in the entry's recipient field) and into
//! the bounded record of recent events that `euiccd events` shows. When the outbox is over its bound,
//! room is made in this order: older `update` events go first (a newer update supersedes them: the
//! updates are coalesced), then `droppable` ones, oldest first; only then the oldest event that must be
//! kept, and that loss is counted ([`Store::events_lost`]) so that the receiver is told how many it
//! missed: nothing is dropped silently. The outbox never holds more than its bound.

use super::seal::{self, Key};
use super::writer::Writer;
use super::{Entry, EntryTable, MAX_EVENTS, NamedTable, Outbox, Store, StoreError};
use redb::{ReadableTable, ReadableTableMetadata, TableDefinition, TableHandle};

/// The most events the record of recent events keeps.
pub const RECENT_EVENTS: u64 = 200;

/// The recent events: id → sealed body (delivered or not).
pub(super) const RECENT: EntryTable = TableDefinition::new("events.recent");
/// Counters (sealed u64): events lost to the bound since the receiver was last told.
pub(super) const COUNTERS: NamedTable = TableDefinition::new("counters");
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
        let id = self.next_id()?;
        self.insert(Outbox::Events.table(), id, &entry)?;
        self.remember_recent(id, body)?;
        let mut lost = 0;
        {
            let mut table = self.tx().open_table(Outbox::Events.table())?;
            while table.len()? > bound {
                let victim = {
                    let mut oldest_update = None;
                    let mut oldest_droppable = None;
                    let mut oldest = None;
                    for item in table.iter()? {
                        let (key, value) = item?;
                        let key = key.value();
                        oldest.get_or_insert(key);
                        let entry = seal::unseal_entry(Outbox::Events.name(), key, value.value())?;
                        match entry.recipient.as_str() {
                            "update" if key != id => {
                                oldest_update.get_or_insert(key);
                            }
                            "droppable" if key != id => {
                                oldest_droppable.get_or_insert(key);
                            }
                            _ => {}
                        }
                        if oldest_update.is_some() {
                            break;
                        }
                    }
                    match (oldest_update, oldest_droppable, oldest) {
                        (Some(key), _, _) | (None, Some(key), _) => key,
                        (None, None, Some(key)) => {
                            lost += 1;
                            key
                        }
                        (None, None, None) => break,
                    }
                };
                table.remove(victim)?;
            }
        }
        if lost > 0 {
            let before = self.counter(COUNTERS, LOST)?.unwrap_or(0);
            self.set_counter(COUNTERS, LOST, before.saturating_add(lost))?;
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
            let before = self.counter(COUNTERS, LOST)?.unwrap_or(0);
            self.set_counter(COUNTERS, LOST, before.saturating_sub(lost_reported))?;
        }
        Ok(())
    }

    fn remember_recent(&mut self, id: u64, body: &[u8]) -> Result<(), StoreError> {
        let mut table = self.tx().open_table(RECENT)?;
        table.insert(id, seal::seal(RECENT.name(), Key::Id(id), body).as_slice())?;
        while table.len()? > RECENT_EVENTS {
            table.pop_first()?;
        }
        Ok(())
    }
}

impl Store {
    /// Events lost to the outbox bound that the receiver has not been told of yet.
    pub fn events_lost(&self) -> Result<u64, StoreError> {
        let tx = self.db.begin_read()?;
        match tx.open_table(COUNTERS)?.get(LOST)? {
            Some(sealed) => seal::unseal_u64(COUNTERS.name(), LOST, sealed.value()),
            None => Ok(0),
        }
    }

    /// The last `limit` events recorded (delivered or not), oldest first, with their ids.
    pub fn recent_events(&self, limit: usize) -> Result<Vec<(u64, Vec<u8>)>, StoreError> {
        let tx = self.db.begin_read()?;
        let table = tx.open_table(RECENT)?;
        let mut events = Vec::new();
        for item in table.iter()?.rev().take(limit) {
            let (id, sealed) = item?;
            let id = id.value();
            let body = seal::unseal(RECENT.name(), Key::Id(id), sealed.value())?;
            events.push((id, body.to_vec()));
        }
        events.reverse();
        Ok(events)
    }
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
