//! The supervisors' [`SupervisionJournal`] kept in the store: one record, replaced in one transaction per
//! step, so a crash leaves either the old step or the new one.

use super::{Store, StoreError};
use crate::agent::journal::JournalError;
use crate::agent::supervisor::{Supervision, SupervisionJournal};

/// The supervision record in `store`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct StoreSupervision<'a> {
    store: &'a Store,
}

impl<'a> StoreSupervision<'a> {
    /// The supervision record of `store`.
    pub(crate) fn new(store: &'a Store) -> Self {
        Self { store }
    }
}

impl SupervisionJournal for StoreSupervision<'_> {
    fn load(&self) -> Result<Supervision, JournalError> {
        self.store.supervision().map_err(boxed)
    }

    fn save(&mut self, record: &Supervision) -> Result<(), JournalError> {
        self.store
            .write(|w| w.set_supervision(record))
            .map_err(boxed)
    }
}

fn boxed(error: StoreError) -> JournalError {
    JournalError(Box::new(error))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::agent::journal::RollbackSwitch;
    use crate::agent::supervisor::{Policy, Supervisor};
    use euiccd_core::supervisor::rollback::{Evidence, RollbackPolicy};

    #[test]
    fn the_record_survives_a_reopen_with_its_deadline() {
        let dir = tempfile::tempdir().unwrap();
        let supervisor = Supervisor::new(Policy {
            rollback: RollbackPolicy {
                deadline_secs: 90,
                require: Evidence::ALL,
            },
            fallback: None,
        });
        let switch = RollbackSwitch {
            eim_id: "eim-1".into(),
            iccid: "8949449999999990023".parse().unwrap(),
        };
        {
            let store = Store::open(dir.path()).unwrap();
            assert_eq!(
                StoreSupervision::new(&store).load().unwrap(),
                Supervision::default()
            );
            supervisor
                .arm(&mut StoreSupervision::new(&store), &switch, 1000)
                .unwrap();
        }
        let store = Store::open(dir.path()).unwrap();
        let record = StoreSupervision::new(&store).load().unwrap();
        let watch = record.rollback.unwrap();
        assert_eq!(
            (watch.deadline_unix, watch.iccid.as_str()),
            (1090, "8949449999999990023")
        );
    }

    #[test]
    fn an_unreadable_record_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        store
            .write(|w| {
                let key = crate::store::tables::SUPERVISION_KEY.as_bytes().to_vec();
                w.set(
                    crate::store::tables::Table::Supervision,
                    key,
                    b"{not json".to_vec(),
                );
                Ok(())
            })
            .unwrap();
        assert!(matches!(
            store.supervision(),
            Err(StoreError::BadSupervision(_))
        ));
    }
}
