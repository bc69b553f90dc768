//! What the open store keeps in memory for the daemon's life: its records (it replays its log into
//! ordered maps when it opens) and little else; the file's bytes read at the open are not kept (README,
//! idle footprint). Measured by a counting allocator: the heap this process holds.

use euiccd::store::{Entry, Outbox, Store};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

/// The system allocator, counting the bytes allocated and not yet freed.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is passed on to the system allocator unchanged; only a counter is kept beside it.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract is the system allocator's.
        let ptr = unsafe { System.alloc(layout) };
        if !ptr.is_null() {
            LIVE.fetch_add(layout.size(), Ordering::Relaxed);
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as above.
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: as above.
        let new = unsafe { System.realloc(ptr, layout, new_size) };
        if !new.is_null() {
            LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
            LIVE.fetch_add(new_size, Ordering::Relaxed);
        }
        new
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// The records below hold 104,000 bytes of values; the maps' keys and nodes add a few per cent (111 KB
/// measured). The redb store held 0.6 MiB here, its free-page bitmaps most of it.
const HELD_BOUND: usize = 120 * 1024;

#[test]
fn an_open_store_holds_little_memory() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let entry = |body: &[u8]| Entry {
        recipient: "eim-1".into(),
        body: body.to_vec(),
    };
    // The store as a daemon finds it at start: created by an earlier run and holding something.
    {
        let store = Store::open(&state).unwrap();
        for i in 0..50u8 {
            store
                .write(|w| w.push(Outbox::Events, &entry(&[i; 2000])))
                .unwrap();
        }
    }

    let before = LIVE.load(Ordering::Relaxed);
    let store = Store::open(&state).unwrap();
    // A poll's worth of use: a package journaled, its result owed and delivered, the events read.
    store
        .write(|w| {
            w.journal_append(&entry(&[7; 4000]))?;
            let id = w.push(Outbox::Results, &entry(&[8; 4000]))?;
            w.remove(Outbox::Results, id)
        })
        .unwrap();
    assert_eq!(store.journal().unwrap().len(), 1);
    assert_eq!(store.pending(Outbox::Events).unwrap().len(), 50);
    let held = LIVE.load(Ordering::Relaxed).saturating_sub(before);
    println!("the open store holds {held} bytes");
    assert!(
        held < HELD_BOUND,
        "the open store holds {held} bytes (bound {HELD_BOUND})"
    );
}
