//! Code written once over both SGP.32 layouts.
//!
//! [`for_layout!`](crate::for_layout) is the one place that maps a [`Layout`](crate::Layout) to its module of types: it
//! compiles a body once per layout with a module alias bound to `v1_0` or `v1_2`, so the body is written once
//! and type-checked against each. What the two layouts name alike (most messages, most components) the body
//! names directly; where they differ, it reads through the traits here, which both layouts implement:
//! [`PackageResultView`] over an eUICC Package Result, [`NotificationsListView`] over what
//! RetrieveNotificationsList returns, [`EimConfigurationView`] over an eIM's configuration,
//! [`DataRequestView`] over an IpaEuiccDataRequest, [`EimPackageMessages`] over what the IPA sends in an
//! eIM poll cycle, [`AcknowledgementsView`] over the eIM's answer to a result, and [`Sgp32`] for what a
//! layout has or lacks. [`for_value!`](crate::for_value) does for a value of a layout-neutral enum what
//! `for_layout!` does for a layout.

use super::{v1_0, v1_2};
use crate::types::sgp22::{
    Certificate, DeviceInfo, EUICCInfo1, EUICCInfo2, NotificationSearchCriteria,
    PendingNotification,
};
use crate::{Eid, Null, Octets, Signed};

/// Runs `$body` with `$l` naming the module of the `$layout` layout (`v1_0` or `v1_2`): the one mapping from a
/// [`Layout`](crate::Layout) to its types. The body is compiled for both; its value must have one type (convert with
/// `.into()` where the layouts' types differ).
///
/// ```
/// use euicc_asn1::{Layout, for_layout, from_ber};
/// let nothing_to_do = [0xBF, 0x4F, 0x03, 0x02, 0x01, 0x01];
/// for layout in Layout::ALL {
///     let ok = for_layout!(layout, l => from_ber::<l::GetEimPackageResponse>(&nothing_to_do).is_ok());
///     assert!(ok);
/// }
/// ```
#[macro_export]
macro_rules! for_layout {
    ($layout:expr, $l:ident => $body:expr) => {
        match $layout {
            $crate::Layout::V1_0 => {
                #[allow(unused_imports)]
                use $crate::types::sgp32::v1_0 as $l;
                $body
            }
            $crate::Layout::V1_2 => {
                #[allow(unused_imports)]
                use $crate::types::sgp32::v1_2 as $l;
                $body
            }
        }
    };
}

/// `From` both layouts' `$ty` for `$enum`, a layout-neutral enum with the variants `V1_0` and `V1_2`: how an
/// owned message of either layout crosses to code that holds one of both.
#[macro_export]
macro_rules! from_layouts {
    ($enum:ty, $ty:ident) => {
        impl From<$crate::types::sgp32::v1_0::$ty> for $enum {
            fn from(value: $crate::types::sgp32::v1_0::$ty) -> Self {
                Self::V1_0(value)
            }
        }

        impl From<$crate::types::sgp32::v1_2::$ty> for $enum {
            fn from(value: $crate::types::sgp32::v1_2::$ty) -> Self {
                Self::V1_2(value)
            }
        }
    };
}

/// Declares a layout-neutral enum holding a `$ty` of either layout (variants `V1_0` and `V1_2`), with the
/// `From` impls of [`from_layouts!`](crate::from_layouts): a value that crosses code holding either layout,
/// read with [`for_value!`](crate::for_value).
///
/// ```
/// euicc_asn1::layout_neutral! {
///     /// A GetEimPackageResponse of either layout.
///     pub enum Answer(GetEimPackageResponse);
/// }
/// let answer: Answer = euicc_asn1::types::sgp32::v1_2::GetEimPackageResponse::EimPackageError(1).into();
/// assert!(matches!(answer, Answer::V1_2(_)));
/// ```
#[macro_export]
macro_rules! layout_neutral {
    ($(#[$meta:meta])* $vis:vis enum $name:ident($ty:ident);) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        $vis enum $name {
            /// SGP.32 v1.0 layout.
            V1_0($crate::types::sgp32::v1_0::$ty),
            /// SGP.32 v1.2 layout.
            V1_2($crate::types::sgp32::v1_2::$ty),
        }

        $crate::from_layouts!($name, $ty);
    };
}

/// Runs `$body` with `$v` bound to what the layout-neutral enum `$enum` (variants `V1_0` and `V1_2`, the
/// enums [`from_layouts!`](crate::from_layouts) writes `From` for) holds, and `$l` naming the module of its
/// layout: [`for_layout!`](crate::for_layout) for a value that carries its layout. `$enum` is the enum's
/// name in scope.
#[macro_export]
macro_rules! for_value {
    ($value:expr, $enum:ident, $l:ident, $v:ident => $body:expr) => {
        match $value {
            $enum::V1_0($v) => {
                #[allow(unused_imports)]
                use $crate::types::sgp32::v1_0 as $l;
                $body
            }
            $enum::V1_2($v) => {
                #[allow(unused_imports)]
                use $crate::types::sgp32::v1_2 as $l;
                $body
            }
        }
    };
}

/// What a layout has or lacks, for the functions SGP.32 changed between the layouts. Implemented by each
/// layout module's `Types` marker; read it as `<l::Types as Sgp32>::…` inside [`for_layout!`](crate::for_layout).
pub trait Sgp32 {
    /// The layout, for a value that carries its layout in its type (see [`for_value!`](crate::for_value)).
    const LAYOUT: crate::Layout;
    /// RetrieveNotificationsList returns stored eUICC Package Results only when asked for them with
    /// `euiccPackageResults` (v1.2); v1.0 returns them with the notifications.
    const RESULTS_ON_REQUEST: bool;
    /// The eUICC has SGP.32's own EuiccMemoryReset (`BF64`, v1.2); v1.0 cards take SGP.22's `BF34`.
    const OWN_MEMORY_RESET: bool;
    /// The fallback mechanism, emergency profiles and connectivity parameters exist (v1.2).
    const FALLBACK: bool;
    /// EimConfigurationData can say that the eIM supports indirect profile download (v1.2).
    const INDIRECT_PROFILE_DOWNLOAD_FLAG: bool;
    /// The function that enables the profile just downloaded.
    type ImmediateEnable: ImmediateEnable;
}

/// A layout's ES10b function that enables the profile just downloaded: v1.0's EnableUsingDD, v1.2's
/// ImmediateEnable.
pub trait ImmediateEnable: crate::Asn1 {
    /// The answer.
    type Response: crate::Asn1;
    /// The result codes of the answer.
    const RESULTS: crate::types::sgp22::codes::CodeTable;
    /// The request; v1.0's has no refresh flag.
    fn new(refresh: bool) -> Self;
    /// Whether the switch resets the card (REFRESH): as asked in v1.2, always in v1.0.
    fn refreshes(refresh: bool) -> bool;
    /// The result code of `response`.
    fn result(response: &Self::Response) -> i64;
}

/// An eUICC Package Result (`BF51`), in either layout.
pub trait PackageResultView {
    /// The sequence number under which the eUICC keeps a signed result; none for an error.
    fn seq_number(&self) -> Option<i64>;
    /// The result code of the first `enable` in the package, if the package has one.
    fn first_enable_result(&self) -> Option<i64>;
    /// Whether the package reports a rollback (`rollbackResult`).
    fn reports_rollback(&self) -> bool;
    /// The package's transaction identifier as the eUICC signed it into a result or an error (an unsigned
    /// error's is not covered by a signature and not read here).
    fn signed_transaction_id(&self) -> Option<&Octets>;
}

/// What RetrieveNotificationsList returned, in either layout.
pub trait NotificationsListView {
    /// The layout's eUICC Package Result.
    type PackageResult;
    /// The notifications and the stored package results, or the error code.
    #[allow(clippy::type_complexity)]
    fn into_lists(
        self,
    ) -> Result<
        (
            Vec<Signed<PendingNotification>>,
            Vec<Signed<Self::PackageResult>>,
        ),
        i64,
    >;
}

/// The configuration of one eIM (EimConfigurationData), in either layout: the part the layouts do not share.
pub trait EimConfigurationView {
    /// Whether the eIM announces indirect profile download (never in v1.0, which cannot say it).
    fn indirect_profile_download(&self) -> bool;
    /// Sets the flag; v1.0 cannot hold it (see [`Sgp32::INDIRECT_PROFILE_DOWNLOAD_FLAG`]) and ignores it.
    fn set_indirect_profile_download(&mut self, on: bool);
}

/// An IpaEuiccDataRequest (`BF52`), in either layout.
pub trait DataRequestView {
    /// The tags of the components asked for.
    fn tag_list(&self) -> &[u8];
    /// The CI key the certificates must lead to.
    fn ci_pk_id(&self) -> Option<&Octets>;
    /// Which notifications to return (v1.0 also asks for package results here).
    fn notification_criteria(&self) -> Option<NotificationSearchCriteria>;
    /// Which stored package result to return (v1.2).
    fn package_result_seq_number(&self) -> Option<i64>;
    /// The eIM's correlation identifier (v1.2).
    fn eim_transaction_id(&self) -> Option<&Octets>;
}

/// What the IPA sends the eIM in a poll cycle (SGP.32 v1.2 section 5.14: GetEimPackage,
/// ProvideEimPackageResult), where the layouts shape it differently: v1.2 names the EID in a result and the
/// cause of a state change in a poll, v1.0 sends the outcome CHOICE alone and its notifications as
/// RetrieveNotificationsList returned them. Implemented by each layout module's `Types` marker; read it as
/// `<l::Types as EimPackageMessages>::…` inside [`for_layout!`](crate::for_layout). The outcome's
/// alternatives both layouts have are named `l::EimPackageResult::…` directly.
pub trait EimPackageMessages {
    /// The layout's EsipaMessageFromIpaToEim.
    type Message;
    /// The layout's outcome CHOICE (EimPackageResult).
    type Result;
    /// The layout's eUICC Package Result.
    type PackageResult;
    /// GetEimPackage for `eid`; `changed`: the state changed, for this cause (v1.0 carries only that it
    /// changed); `r_plmn`: the registered network.
    fn get_eim_package(eid: Eid, changed: Option<i64>, r_plmn: Option<Octets>) -> Self::Message;
    /// ProvideEimPackageResult for `eid` (v1.0 does not name it) with `result`.
    fn provide(eid: Eid, result: Self::Result) -> Self::Message;
    /// The result `epr` with the pending `notifications`.
    fn epr_and_notifications(
        epr: Signed<Self::PackageResult>,
        notifications: Vec<Signed<PendingNotification>>,
    ) -> Self::Result;
    /// The error result with `code` (`eimPackageResultErrorCode`).
    fn package_error(code: i64) -> Self::Result;
    /// The sequence numbers of the eUICC Package Results and notifications that `message` carries when it
    /// is a ProvideEimPackageResult; none for any other message.
    fn carried_seq_numbers(message: &Self::Message) -> Vec<i64>;
}

/// The eIM's answer to ProvideEimPackageResult, in either layout.
pub trait AcknowledgementsView {
    /// The sequence numbers the eIM acknowledged (none: it acknowledged nothing), or its error code
    /// (`provideEimPackageResultError`, v1.2).
    fn acknowledged(self) -> Result<Vec<i64>, i64>;
}

/// The sequence numbers of signed `results` and of `notifications`, in that order.
fn seq_numbers<'a, R: PackageResultView + crate::Asn1 + 'a>(
    results: impl IntoIterator<Item = &'a Signed<R>>,
    notifications: &[Signed<PendingNotification>],
) -> Vec<i64> {
    results
        .into_iter()
        .filter_map(|r| r.value().seq_number())
        .chain(
            notifications
                .iter()
                .filter_map(|n| n.value().metadata().map(|m| m.seq_number)),
        )
        .collect()
}

impl EimPackageMessages for v1_0::Types {
    type Message = v1_0::EsipaMessageFromIpaToEim;
    type Result = v1_0::ProvideEimPackageResult;
    type PackageResult = v1_0::EuiccPackageResult;

    fn get_eim_package(eid: Eid, changed: Option<i64>, r_plmn: Option<Octets>) -> Self::Message {
        Self::Message::GetEimPackageRequest(v1_0::GetEimPackageRequest {
            eid_value: eid,
            notify_state_change: changed.map(|_| Null),
            r_plmn,
        })
    }

    fn provide(_eid: Eid, result: Self::Result) -> Self::Message {
        Self::Message::ProvideEimPackageResult(result)
    }

    fn epr_and_notifications(
        epr: Signed<Self::PackageResult>,
        notifications: Vec<Signed<PendingNotification>>,
    ) -> Self::Result {
        Self::Result::EprAndNotifications(v1_0::EprAndNotifications {
            euicc_package_result: epr,
            notification_list: v1_0::RetrieveNotificationsListResponse::NotificationList(
                notifications,
            ),
        })
    }

    fn package_error(code: i64) -> Self::Result {
        Self::Result::EimPackageError(code)
    }

    fn carried_seq_numbers(message: &Self::Message) -> Vec<i64> {
        use v1_0::ProvideEimPackageResult as P;
        match message {
            Self::Message::ProvideEimPackageResult(P::EuiccPackageResult(epr)) => {
                seq_numbers([epr], &[])
            }
            Self::Message::ProvideEimPackageResult(P::EprAndNotifications(both)) => {
                let (notifications, results) = both
                    .notification_list
                    .clone()
                    .into_lists()
                    .unwrap_or_default();
                let mut numbers = seq_numbers([&both.euicc_package_result], &notifications);
                numbers.extend(seq_numbers(&results, &[]));
                numbers
            }
            _ => Vec::new(),
        }
    }
}

impl EimPackageMessages for v1_2::Types {
    type Message = v1_2::EsipaMessageFromIpaToEim;
    type Result = v1_2::EimPackageResult;
    type PackageResult = v1_2::EuiccPackageResult;

    fn get_eim_package(eid: Eid, changed: Option<i64>, r_plmn: Option<Octets>) -> Self::Message {
        Self::Message::GetEimPackageRequest(v1_2::GetEimPackageRequest {
            eid_value: eid,
            notify_state_change: changed.map(|_| Null),
            state_change_cause: changed,
            r_plmn,
        })
    }

    fn provide(eid: Eid, result: Self::Result) -> Self::Message {
        Self::Message::ProvideEimPackageResult(v1_2::ProvideEimPackageResult {
            eid_value: Some(eid),
            eim_package_result: result,
        })
    }

    fn epr_and_notifications(
        epr: Signed<Self::PackageResult>,
        notifications: Vec<Signed<PendingNotification>>,
    ) -> Self::Result {
        Self::Result::EprAndNotifications(v1_2::EprAndNotifications {
            euicc_package_result: epr,
            notification_list: notifications,
        })
    }

    fn package_error(code: i64) -> Self::Result {
        Self::Result::EimPackageResultResponseError(v1_2::EimPackageResultResponseError {
            eim_transaction_id: None,
            eim_package_result_error_code: code,
        })
    }

    fn carried_seq_numbers(message: &Self::Message) -> Vec<i64> {
        use v1_2::EimPackageResult as P;
        let Self::Message::ProvideEimPackageResult(provided) = message else {
            return Vec::new();
        };
        match &provided.eim_package_result {
            P::EuiccPackageResult(epr) => seq_numbers([epr], &[]),
            P::EprAndNotifications(both) => {
                seq_numbers([&both.euicc_package_result], &both.notification_list)
            }
            _ => Vec::new(),
        }
    }
}

impl AcknowledgementsView for v1_0::ProvideEimPackageResultResponse {
    fn acknowledged(self) -> Result<Vec<i64>, i64> {
        Ok(self
            .eim_acknowledgements
            .map(|acks| acks.0.into_iter().map(|n| n.0).collect())
            .unwrap_or_default())
    }
}

impl AcknowledgementsView for v1_2::ProvideEimPackageResultResponse {
    fn acknowledged(self) -> Result<Vec<i64>, i64> {
        match self {
            Self::EimAcknowledgements(acks) => Ok(acks.0.into_iter().map(|n| n.0).collect()),
            Self::EmptyResponse(_) => Ok(Vec::new()),
            Self::ProvideEimPackageResultError(code) => Err(code),
        }
    }
}

/// The components of IpaEuiccData both layouts have, whatever their tags: what an IPA collects before it
/// knows which layout it answers in.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct IpaEuiccDataCommon {
    /// The eUICC's default SM-DP+ address.
    pub default_smdp_address: Option<String>,
    /// GetEuiccInfo1.
    pub euicc_info1: Option<EUICCInfo1>,
    /// GetEuiccInfo2.
    pub euicc_info2: Option<EUICCInfo2>,
    /// The eUICC's root SM-DS address.
    pub root_smds_address: Option<String>,
    /// The eIM's association token.
    pub association_token: Option<i64>,
    /// The EUM certificate.
    pub eum_certificate: Option<Certificate>,
    /// The eUICC certificate.
    pub euicc_certificate: Option<Certificate>,
    /// What the IPA supports.
    pub ipa_capabilities: Option<super::common::IpaCapabilities>,
    /// The device.
    pub device_info: Option<DeviceInfo>,
}

/// The components of IpaEuiccData with the same tag in both layouts, by tag and name.
pub const COMMON_COMPONENTS: &[(u32, &str)] = &[
    (0xBF20, "euiccInfo1"),
    (0xBF22, "euiccInfo2"),
    (0x83, "rootSmdsAddress"),
    (0x84, "associationToken"),
    (0xA5, "eumCertificate"),
    (0xA6, "euiccCertificate"),
    (0xA8, "ipaCapabilities"),
    (0xA9, "deviceInfo"),
];

/// IpaEuiccData and its response (`BF52`), in either layout.
pub trait IpaEuiccDataView: Sized {
    /// The layout's eUICC Package Result.
    type PackageResult;
    /// The layout's IpaEuiccDataResponse.
    type Response: From<Self>;
    /// The tag of each component in a tagList whose tag is the layout's own, and its name (v1.0 also takes
    /// `88`, the primitive form some v1.0 eIMs ask ipaCapabilities with); the others are
    /// [`COMMON_COMPONENTS`].
    const COMPONENTS: &'static [(u32, &'static str)];
    /// The data: the common components, the notifications and stored package results (v1.0 carries
    /// either, as RetrieveNotificationsList returned them; results win), and the request's transaction
    /// identifier, echoed (v1.2).
    fn new(
        common: IpaEuiccDataCommon,
        notifications: Option<Vec<Signed<PendingNotification>>>,
        package_results: Option<Vec<Signed<Self::PackageResult>>>,
        eim_transaction_id: Option<Octets>,
    ) -> Self;
    /// The error answer with `code` (`IPA_EUICC_DATA_ERROR` of the layout), echoing the transaction
    /// identifier (v1.2).
    fn error(code: i64, eim_transaction_id: Option<Octets>) -> Self::Response;
}

/// `with_common` and the data response's `From` for a layout's IpaEuiccData.
macro_rules! ipa_euicc_data_common {
    ($v:ident) => {
        impl $v::IpaEuiccData {
            /// The data with the components both layouts have set from `c`.
            fn with_common(self, c: IpaEuiccDataCommon) -> Self {
                Self {
                    default_smdp_address: c.default_smdp_address,
                    euicc_info1: c.euicc_info1,
                    euicc_info2: c.euicc_info2,
                    root_smds_address: c.root_smds_address,
                    association_token: c.association_token,
                    eum_certificate: c.eum_certificate,
                    euicc_certificate: c.euicc_certificate,
                    ipa_capabilities: c.ipa_capabilities,
                    device_info: c.device_info,
                    ..self
                }
            }
        }

        impl From<$v::IpaEuiccData> for $v::IpaEuiccDataResponse {
            fn from(data: $v::IpaEuiccData) -> Self {
                Self::IpaEuiccData(data)
            }
        }
    };
}

ipa_euicc_data_common!(v1_0);
ipa_euicc_data_common!(v1_2);

impl IpaEuiccDataView for v1_0::IpaEuiccData {
    type PackageResult = v1_0::EuiccPackageResult;
    type Response = v1_0::IpaEuiccDataResponse;
    const COMPONENTS: &'static [(u32, &'static str)] = &[
        (0x80, "defaultSmdpAddress"),
        (0x88, "ipaCapabilities"),
        (0xBF2B, "notificationsList"),
    ];

    fn new(
        c: IpaEuiccDataCommon,
        notifications: Option<Vec<Signed<PendingNotification>>>,
        package_results: Option<Vec<Signed<Self::PackageResult>>>,
        _eim_transaction_id: Option<Octets>,
    ) -> Self {
        use v1_0::RetrieveNotificationsListResponse as List;
        let notifications_list = match (notifications, package_results) {
            (Some(_), Some(results)) => Some(List::EuiccPackageResultList(results)),
            (notifications, _) => notifications.map(List::NotificationList),
        };
        Self {
            notifications_list,
            ..Default::default()
        }
        .with_common(c)
    }

    fn error(code: i64, _eim_transaction_id: Option<Octets>) -> Self::Response {
        v1_0::IpaEuiccDataResponse::IpaEuiccDataError(code)
    }
}

impl IpaEuiccDataView for v1_2::IpaEuiccData {
    type PackageResult = v1_2::EuiccPackageResult;
    type Response = v1_2::IpaEuiccDataResponse;
    const COMPONENTS: &'static [(u32, &'static str)] = &[
        (0xA0, "notificationsList"),
        (0x81, "defaultSmdpAddress"),
        (0xA2, "euiccPackageResultList"),
        (0x87, "eimTransactionId"),
    ];

    fn new(
        c: IpaEuiccDataCommon,
        notifications: Option<Vec<Signed<PendingNotification>>>,
        package_results: Option<Vec<Signed<Self::PackageResult>>>,
        eim_transaction_id: Option<Octets>,
    ) -> Self {
        Self {
            notifications_list: notifications,
            euicc_package_result_list: package_results,
            eim_transaction_id,
            ..Default::default()
        }
        .with_common(c)
    }

    fn error(code: i64, eim_transaction_id: Option<Octets>) -> Self::Response {
        v1_2::IpaEuiccDataResponse::IpaEuiccDataResponseError(v1_2::IpaEuiccDataResponseError {
            eim_transaction_id,
            ipa_euicc_data_error_code: code,
        })
    }
}

/// InitiateAuthentication through the eIM (`BF39`), in either layout.
pub trait InitiateAuthenticationRequest {
    /// The request; v1.0 cannot carry the trigger's `eim_transaction_id` and leaves it out.
    fn new(
        euicc_challenge: Octets,
        smdp_address: Option<String>,
        euicc_info1: EUICCInfo1,
        eim_transaction_id: Option<Octets>,
    ) -> Self;
}

impl InitiateAuthenticationRequest for v1_0::InitiateAuthenticationRequestEsipa {
    fn new(
        euicc_challenge: Octets,
        smdp_address: Option<String>,
        euicc_info1: EUICCInfo1,
        _eim_transaction_id: Option<Octets>,
    ) -> Self {
        Self {
            euicc_challenge,
            smdp_address,
            euicc_info1: Some(euicc_info1),
        }
    }
}

impl InitiateAuthenticationRequest for v1_2::InitiateAuthenticationRequestEsipa {
    fn new(
        euicc_challenge: Octets,
        smdp_address: Option<String>,
        euicc_info1: EUICCInfo1,
        eim_transaction_id: Option<Octets>,
    ) -> Self {
        Self {
            euicc_challenge,
            smdp_address,
            euicc_info1: Some(euicc_info1),
            eim_transaction_id,
        }
    }
}

/// A download the eIM triggered that failed before the eUICC produced a result (ProfileDownloadError), in
/// either layout.
pub trait DownloadFailure {
    /// The failure with the reason `undefinedError` where the layout carries a reason (v1.2).
    fn undefined() -> Self;
}

impl DownloadFailure for v1_0::ProfileDownloadError {
    fn undefined() -> Self {
        Self {
            error_response: None,
        }
    }
}

impl DownloadFailure for v1_2::ProfileDownloadError {
    fn undefined() -> Self {
        Self {
            profile_download_error_reason: 127,
            error_response: None,
        }
    }
}

/// [`PackageResultView`] for a layout, whose `EuiccResultData` names its alternatives alike.
macro_rules! package_result_view {
    ($v:ident, $transaction_id:ident) => {
        impl PackageResultView for $v::EuiccPackageResult {
            fn seq_number(&self) -> Option<i64> {
                match self {
                    Self::EuiccPackageResultSigned(signed) => {
                        Some(signed.euicc_package_result_data_signed.value().seq_number)
                    }
                    _ => None,
                }
            }

            fn first_enable_result(&self) -> Option<i64> {
                let Self::EuiccPackageResultSigned(signed) = self else {
                    return None;
                };
                signed
                    .euicc_package_result_data_signed
                    .value()
                    .euicc_result
                    .iter()
                    .find_map(|r| match r {
                        $v::EuiccResultData::EnableResult(code) => Some(*code),
                        _ => None,
                    })
            }

            fn reports_rollback(&self) -> bool {
                match self {
                    Self::EuiccPackageResultSigned(signed) => signed
                        .euicc_package_result_data_signed
                        .value()
                        .euicc_result
                        .iter()
                        .any(|r| matches!(r, $v::EuiccResultData::RollbackResult(_))),
                    _ => false,
                }
            }

            fn signed_transaction_id(&self) -> Option<&Octets> {
                match self {
                    Self::EuiccPackageResultSigned(signed) => signed
                        .euicc_package_result_data_signed
                        .value()
                        .$transaction_id
                        .as_ref(),
                    Self::EuiccPackageErrorSigned(signed) => signed
                        .euicc_package_error_data_signed
                        .value()
                        .$transaction_id
                        .as_ref(),
                    _ => None,
                }
            }
        }
    };
}

package_result_view!(v1_0, transaction_id);
package_result_view!(v1_2, eim_transaction_id);

impl Sgp32 for v1_0::Types {
    const LAYOUT: crate::Layout = crate::Layout::V1_0;
    const RESULTS_ON_REQUEST: bool = false;
    const OWN_MEMORY_RESET: bool = false;
    const FALLBACK: bool = false;
    const INDIRECT_PROFILE_DOWNLOAD_FLAG: bool = false;
    type ImmediateEnable = v1_0::EnableUsingDDRequest;
}

impl Sgp32 for v1_2::Types {
    const LAYOUT: crate::Layout = crate::Layout::V1_2;
    const RESULTS_ON_REQUEST: bool = true;
    const OWN_MEMORY_RESET: bool = true;
    const FALLBACK: bool = true;
    const INDIRECT_PROFILE_DOWNLOAD_FLAG: bool = true;
    type ImmediateEnable = v1_2::ImmediateEnableRequest;
}

impl ImmediateEnable for v1_0::EnableUsingDDRequest {
    type Response = v1_0::EnableUsingDDResponse;
    const RESULTS: crate::types::sgp22::codes::CodeTable = v1_0::ENABLE_USING_DD_RESULT;

    fn new(_refresh: bool) -> Self {
        Self {}
    }

    fn refreshes(_refresh: bool) -> bool {
        true
    }

    fn result(response: &Self::Response) -> i64 {
        response.enable_using_dd_result
    }
}

impl ImmediateEnable for v1_2::ImmediateEnableRequest {
    type Response = v1_2::ImmediateEnableResponse;
    const RESULTS: crate::types::sgp22::codes::CodeTable = v1_2::IMMEDIATE_ENABLE_RESULT;

    fn new(refresh: bool) -> Self {
        Self(super::common::RefreshFlag {
            refresh_flag: refresh,
        })
    }

    fn refreshes(refresh: bool) -> bool {
        refresh
    }

    fn result(response: &Self::Response) -> i64 {
        response.immediate_enable_result
    }
}

/// [`NotificationsListView`] for a layout, given the alternatives it adds and how to read them.
macro_rules! notifications_list_view {
    ($v:ident $(, $added:pat => $lists:expr)*) => {
        impl NotificationsListView for $v::RetrieveNotificationsListResponse {
            type PackageResult = $v::EuiccPackageResult;

            fn into_lists(
                self,
            ) -> Result<(Vec<Signed<PendingNotification>>, Vec<Signed<Self::PackageResult>>), i64>
            {
                match self {
                    Self::NotificationList(notifications) => Ok((notifications, Vec::new())),
                    Self::EuiccPackageResultList(results) => Ok((Vec::new(), results)),
                    Self::NotificationsListResultError(code) => Err(code),
                    $($added => $lists,)*
                }
            }
        }
    };
}

notifications_list_view!(
    v1_0,
    Self::NotificationAndEprList(both) => Ok((both.notification_list, both.euicc_package_result_list))
);
notifications_list_view!(v1_2);

impl EimConfigurationView for v1_0::EimConfigurationData {
    fn indirect_profile_download(&self) -> bool {
        false
    }

    fn set_indirect_profile_download(&mut self, _on: bool) {}
}

impl EimConfigurationView for v1_2::EimConfigurationData {
    fn indirect_profile_download(&self) -> bool {
        self.indirect_profile_download.is_some()
    }

    fn set_indirect_profile_download(&mut self, on: bool) {
        self.indirect_profile_download = on.then_some(Null);
    }
}

impl DataRequestView for v1_0::IpaEuiccDataRequest {
    fn tag_list(&self) -> &[u8] {
        &self.tag_list.0
    }

    fn ci_pk_id(&self) -> Option<&Octets> {
        self.euicc_ci_pk_id.as_ref()
    }

    fn notification_criteria(&self) -> Option<NotificationSearchCriteria> {
        self.search_criteria.clone()
    }

    fn package_result_seq_number(&self) -> Option<i64> {
        None
    }

    fn eim_transaction_id(&self) -> Option<&Octets> {
        None
    }
}

impl DataRequestView for v1_2::IpaEuiccDataRequest {
    fn tag_list(&self) -> &[u8] {
        &self.tag_list.0
    }

    fn ci_pk_id(&self) -> Option<&Octets> {
        self.euicc_ci_pk_identifier_to_be_used.as_ref()
    }

    fn notification_criteria(&self) -> Option<NotificationSearchCriteria> {
        use v1_2::SearchCriteriaNotification as N;
        self.search_criteria_notification
            .clone()
            .map(|criteria| match criteria {
                N::SeqNumber(n) => NotificationSearchCriteria::SeqNumber(n),
                N::ProfileManagementOperation(bits) => {
                    NotificationSearchCriteria::ProfileManagementOperation(bits)
                }
            })
    }

    fn package_result_seq_number(&self) -> Option<i64> {
        self.search_criteria_euicc_package_result
            .as_ref()
            .map(|v1_2::SearchCriteriaEuiccPackageResult::SeqNumber(n)| *n)
    }

    fn eim_transaction_id(&self) -> Option<&Octets> {
        self.eim_transaction_id.as_ref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{BitString, Layout, from_ber, to_der};

    /// A signed package result (eIM `eim`, counter 1, sequence number 7: disable ok, enable
    /// profileNotInDisabledState, rollback ok; a signature of 64 zero bytes), which both layouts encode
    /// alike.
    fn signed_result() -> Vec<u8> {
        let mut der =
            hex_bytes("BF515D A05B 3016 800365696D 810101 830107 3009 840100 830102 8C0100 5F3740");
        der.extend([0; 64]);
        der
    }

    /// An unsigned package error of the eIM `eim`.
    const UNSIGNED_ERROR: &str = "BF5107 A205 800365696D";

    fn hex_bytes(text: &str) -> Vec<u8> {
        hex::decode(text.replace(' ', "")).unwrap()
    }

    #[test]
    fn package_results_read_alike_in_both_layouts() {
        for layout in Layout::ALL {
            let (seq, enable, rollback, error_seq, transaction_id) = for_layout!(layout, l => {
                let result: l::EuiccPackageResult = from_ber(&signed_result()).unwrap();
                let error: l::EuiccPackageResult = from_ber(&hex_bytes(UNSIGNED_ERROR)).unwrap();
                (
                    result.seq_number(),
                    result.first_enable_result(),
                    result.reports_rollback(),
                    error.seq_number(),
                    result.signed_transaction_id().cloned(),
                )
            });
            assert_eq!(transaction_id, None, "{layout}");
            assert_eq!(seq, Some(7), "{layout}");
            assert_eq!(enable, Some(2), "{layout}");
            assert!(rollback, "{layout}");
            assert_eq!(error_seq, None, "{layout}");
        }
    }

    #[test]
    fn poll_cycle_messages_read_alike_in_both_layouts() {
        // ProvideEimPackageResultResponse acknowledging 3 and 5: v1.2's CHOICE and v1.0's SEQUENCE
        // encode it with the same bytes.
        let acks = hex_bytes("BF5009 BF5306 800103 800105");
        let eid = Eid::from_bytes([0x89; 16]).unwrap();
        for layout in Layout::ALL {
            let (acked, carried) = for_layout!(layout, l => {
                let read = |der: &[u8]| from_ber::<l::ProvideEimPackageResultResponse>(der).unwrap();
                let epr: Signed<l::EuiccPackageResult> = from_ber(&signed_result()).unwrap();
                let message = <l::Types as EimPackageMessages>::provide(
                    eid,
                    <l::Types as EimPackageMessages>::epr_and_notifications(epr, Vec::new()),
                );
                let message: l::EsipaMessageFromIpaToEim = from_ber(&to_der(&message)).unwrap();
                (
                    read(&acks).acknowledged(),
                    <l::Types as EimPackageMessages>::carried_seq_numbers(&message),
                )
            });
            assert_eq!(acked, Ok(vec![3, 5]), "{layout}");
            assert_eq!(carried, vec![7], "{layout}");
        }
    }

    #[test]
    fn v1_0_lists_carry_notifications_and_results_together() {
        let result: Signed<v1_0::EuiccPackageResult> = from_ber(&signed_result()).unwrap();
        let both = v1_0::RetrieveNotificationsListResponse::NotificationAndEprList(
            v1_0::NotificationAndEprList {
                notification_list: Vec::new(),
                euicc_package_result_list: vec![result.clone()],
            },
        );
        assert_eq!(both.into_lists(), Ok((Vec::new(), vec![result])));
        let refused = v1_2::RetrieveNotificationsListResponse::NotificationsListResultError(1);
        assert_eq!(refused.into_lists(), Err(1));
    }

    #[test]
    fn ipa_euicc_data_puts_results_where_each_layout_has_them() {
        let common = IpaEuiccDataCommon {
            default_smdp_address: Some("smdp.example".into()),
            ..Default::default()
        };
        let result = from_ber(&signed_result()).unwrap();
        let v10 = v1_0::IpaEuiccData::new(
            common.clone(),
            Some(Vec::new()),
            Some(vec![result]),
            Some(Octets(vec![1])),
        );
        assert!(matches!(
            v10.notifications_list,
            Some(v1_0::RetrieveNotificationsListResponse::EuiccPackageResultList(ref r)) if r.len() == 1
        ));
        assert_eq!(v10.default_smdp_address.as_deref(), Some("smdp.example"));
        let v12 = v1_2::IpaEuiccData::new(common, None, None, Some(Octets(vec![1])));
        assert_eq!(v12.eim_transaction_id, Some(Octets(vec![1])));
        assert_eq!(v12.default_smdp_address.as_deref(), Some("smdp.example"));
        assert_eq!(
            to_der(&v1_2::IpaEuiccData::error(5, None)),
            hex_bytes("BF5205 A103 020105")
        );
        assert_eq!(
            to_der(&v1_0::IpaEuiccData::error(5, None)),
            hex_bytes("BF5203 810105")
        );
    }

    #[test]
    fn eim_configurations_hold_the_indirect_flag_only_in_v1_2() {
        let mut v10 = v1_0::EimConfigurationData::default();
        v10.set_indirect_profile_download(true);
        assert!(!v10.indirect_profile_download());
        let mut v12 = v1_2::EimConfigurationData::default();
        v12.set_indirect_profile_download(true);
        assert!(v12.indirect_profile_download());
        assert!(!Layout::V1_0.indirect_profile_download_flag());
        assert!(Layout::V1_2.indirect_profile_download_flag());
    }

    #[test]
    fn data_requests_read_alike() {
        let v12 = v1_2::IpaEuiccDataRequest {
            tag_list: Octets(vec![0x81]),
            euicc_ci_pk_identifier_to_be_used: None,
            search_criteria_notification: Some(
                v1_2::SearchCriteriaNotification::ProfileManagementOperation(BitString::from_bits(
                    &[1],
                )),
            ),
            search_criteria_euicc_package_result: Some(
                v1_2::SearchCriteriaEuiccPackageResult::SeqNumber(3),
            ),
            eim_transaction_id: Some(Octets(vec![9])),
        };
        assert_eq!(v12.tag_list(), &[0x81]);
        assert_eq!(
            v12.notification_criteria(),
            Some(NotificationSearchCriteria::ProfileManagementOperation(
                BitString::from_bits(&[1])
            ))
        );
        assert_eq!(v12.package_result_seq_number(), Some(3));
        assert_eq!(v12.eim_transaction_id(), Some(&Octets(vec![9])));
    }
}
