//! The daemon's answers to `info` and `profiles` requests: the same reports the commands print, so that
//! both paths show the same thing.

use crate::apdu::Transport;
use crate::daemon::Inspector;
use crate::daemon::control::Request;
use crate::euicc::{Euicc, EuiccError};
use serde::Serialize;
use serde_json::Value;
use std::future::Future;
use std::pin::Pin;

/// Answers inspection requests with the CLI's reports.
pub(crate) struct CliInspector;

impl Inspector for CliInspector {
    fn inspect<'a>(
        &'a self,
        euicc: &'a mut Euicc<Transport>,
        request: Request,
    ) -> Pin<Box<dyn Future<Output = Result<Value, String>> + 'a>> {
        Box::pin(async move {
            match request {
                Request::Info => to_value(super::info::report(euicc).await),
                Request::Profiles => to_value(super::profiles::list(euicc).await),
                Request::Status | Request::PollNow | Request::Events => {
                    Err(format!("{request:?} is no inspection"))
                }
            }
        })
    }
}

fn to_value<T: Serialize>(report: Result<T, EuiccError>) -> Result<Value, String> {
    report
        .map_err(|error| format!("{:#}", super::card::failure(error).error))
        .and_then(|report| serde_json::to_value(report).map_err(|e| e.to_string()))
}
