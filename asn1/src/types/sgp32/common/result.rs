//! eUICC Package Result parts that are the same in v1.0 and v1.2.

use crate::Asn1;
use crate::types::sgp22::codes::CodeTable;

/// The result of an `addEim` eCO: the association token the eUICC assigned, or an error code.
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
pub enum AddEimResult {
    /// The eIM was added; the token to quote in its signatures.
    #[asn1(context = 4)]
    AssociationToken(i64),
    /// Names: `ADD_EIM_RESULT` of the version.
    AddEimResultCode(i64),
}

/// `ConfigureAutoEnableResult` (v1.0) and `ConfigureImmediateEnableResult` (v1.2).
pub const CONFIGURE_ENABLE_RESULT: CodeTable = &[
    (0, "ok"),
    (1, "insufficientMemory"),
    (7, "commandError"),
    (127, "undefinedError"),
];

/// `DeleteEimResult`.
pub const DELETE_EIM_RESULT: CodeTable = &[
    (0, "ok"),
    (1, "eimNotFound"),
    (2, "lastEimDeleted"),
    (7, "commandError"),
    (127, "undefinedError"),
];

/// `UpdateEimResult`.
pub const UPDATE_EIM_RESULT: CodeTable = &[
    (0, "ok"),
    (1, "eimNotFound"),
    (3, "ciPKUnknown"),
    (6, "counterValueOutOfRange"),
    (7, "commandError"),
    (127, "undefinedError"),
];

/// `RollbackProfileResult`.
pub const ROLLBACK_PROFILE_RESULT: CodeTable = &[(0, "ok"), (127, "undefinedError")];

/// `processingTerminated`: why the eUICC stopped before the end of the package.
pub const PROCESSING_TERMINATED: CodeTable = &[
    (1, "resultSizeOverflow"),
    (2, "unknownOrDamagedCommand"),
    (3, "interruption"),
    (127, "undefinedError"),
];
