//! The answer to RetrieveNotificationsList (`BF2B`) in the SGP.32 v1.2 form, which also returns stored eUICC
//! Package Results. (The request is the one in `sgp22`, which already has the v1.2 form.)

use super::EuiccPackageResult;

retrieve_notifications_list_response!();
