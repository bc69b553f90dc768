//! The poll cycle's journal (ARCHITECTURE.md, "Durable before acting"; SGP.32 §3.3.1 and §3.7): what the agent records
//! before and after each step that changes the eUICC or is owed to the eIM, so that a cycle cut short by a crash or
//! a lost link is finished on the next one instead of being forgotten.
//!
//! One eIM package is one entry, identified by a `u64`, that moves through three steps:
//!
//! 1. [`Journal::package_received`]: the eIM's answer to GetEimPackage (the exact bytes), before the
//!    package is carried out;
//! 2. [`Journal::result_owed`]: the exact DER of the ProvideEimPackageResult to send, before it is sent;
//! 3. [`Journal::acknowledged`]: the sequence numbers to remove, decided from the eIM's answer (what it
//!    acknowledged among what the result carried, or what was delivered to an eIM that does not
//!    acknowledge), before they are removed from the eUICC;
//!
//! and [`Journal::finished`] drops it once those numbers are removed. The next cycle starts by
//! finishing every [`Journal::pending`] entry (our choice) before it polls. The trait is byte-oriented
//! and object-safe so that the daemon can keep it in its crash-safe store; [`MemoryJournal`] keeps it in
//! memory (tests, one-shot CLI commands).

use std::collections::BTreeMap;

pub(crate) use euiccd_core::cycle::{Pending, RollbackSwitch, Step};

/// A journal that could not record or read a step. The cycle stops: acting without the record could lose a
/// result.
#[derive(Debug, thiserror::Error)]
#[error("journal: {0}")]
pub struct JournalError(#[source] pub Box<dyn std::error::Error + Send + Sync>);

/// The durable record of the poll cycle. See the module documentation. Each method returns only once the
/// step is durable. `Send`, so that a cycle can run in a spawned task.
pub trait Journal: Send {
    /// Records the eIM's answer to GetEimPackage before the package is carried out; returns the new entry's
    /// id, which no entry the journal holds has (increasing ids keep [`Journal::pending`] in order).
    fn package_received(&mut self, answer: &[u8]) -> Result<u64, JournalError>;
    /// Records the exact ESipa message owed to the eIM for entry `id` (the DER of a ProvideEimPackageResult
    /// in the eUICC's layout, whatever the binding), before it is sent. It replaces the entry's step.
    fn result_owed(&mut self, id: u64, message: &[u8]) -> Result<(), JournalError>;
    /// Records the sequence numbers the eIM took for entry `id` (acknowledged, or delivered to an eIM that
    /// does not acknowledge, as its setting says), before they are removed from the eUICC.
    fn acknowledged(&mut self, id: u64, seq_numbers: &[i64]) -> Result<(), JournalError>;
    /// Drops entry `id`: nothing more is owed for it.
    fn finished(&mut self, id: u64) -> Result<(), JournalError>;
    /// The unfinished entries, oldest first.
    fn pending(&self) -> Result<Vec<Pending>, JournalError>;
    /// Records that an eUICC package just enabled a profile with `rollbackFlag` (SGP.32 §2.11.1.1.3, §5.9.16), before
    /// its result is sent: the rollback supervisor watches the new profile from now on, whether or not the
    /// result reaches the eIM. A journal without a supervisor ignores it.
    fn enabled_with_rollback(&mut self, switch: &RollbackSwitch) -> Result<(), JournalError> {
        let _ = switch;
        Ok(())
    }
}

/// A journal in memory: it survives a failed cycle, not a restart.
#[derive(Debug, Default)]
pub struct MemoryJournal {
    next_id: u64,
    entries: BTreeMap<u64, Step>,
}

impl MemoryJournal {
    /// An empty journal.
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// Sets the step of an existing entry.
    fn set(&mut self, id: u64, step: Step) -> Result<(), JournalError> {
        match self.entries.get_mut(&id) {
            Some(entry) => {
                *entry = step;
                Ok(())
            }
            None => Err(JournalError(format!("no entry {id}").into())),
        }
    }
}

impl Journal for MemoryJournal {
    fn package_received(&mut self, answer: &[u8]) -> Result<u64, JournalError> {
        self.next_id += 1;
        self.entries
            .insert(self.next_id, Step::Received(answer.to_vec()));
        Ok(self.next_id)
    }

    fn result_owed(&mut self, id: u64, message: &[u8]) -> Result<(), JournalError> {
        self.set(id, Step::ResultOwed(message.to_vec()))
    }

    fn acknowledged(&mut self, id: u64, seq_numbers: &[i64]) -> Result<(), JournalError> {
        self.set(id, Step::Acknowledged(seq_numbers.to_vec()))
    }

    fn finished(&mut self, id: u64) -> Result<(), JournalError> {
        self.entries.remove(&id);
        Ok(())
    }

    fn pending(&self) -> Result<Vec<Pending>, JournalError> {
        Ok(self
            .entries
            .iter()
            .map(|(&id, step)| Pending {
                id,
                step: step.clone(),
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_move_through_their_steps_and_go_when_finished() {
        let mut journal = MemoryJournal::new();
        let first = journal.package_received(b"\xBF\x4F\x01").unwrap();
        let second = journal.package_received(b"\xBF\x4F\x02").unwrap();
        assert_ne!(first, second);
        journal.result_owed(first, b"\xBF\x50").unwrap();
        journal.acknowledged(second, &[4, 9]).unwrap();
        assert_eq!(
            journal.pending().unwrap(),
            [
                Pending {
                    id: first,
                    step: Step::ResultOwed(b"\xBF\x50".to_vec())
                },
                Pending {
                    id: second,
                    step: Step::Acknowledged(vec![4, 9])
                },
            ]
        );
        journal.finished(first).unwrap();
        journal.finished(second).unwrap();
        assert!(journal.pending().unwrap().is_empty());
        assert!(journal.result_owed(first, b"").is_err());
    }
}
