//! The eIM's eUICC Package (`BF51`): PSMOs and eCOs, v1.0 layout.

use super::{ConfigureAutoProfileEnablingRequest, EimConfigurationData};

euicc_package!(transaction_id: transaction_id);

psmo! {
/// Configure automatic profile enabling.
#[asn1(context = 7)]
ConfigureAutoEnable(ConfigureAutoProfileEnablingRequest),
}
