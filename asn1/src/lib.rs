//! SGP.22 / SGP.32 message types (work in progress).
