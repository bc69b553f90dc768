//! Declarations the v1.0 and v1.2 layouts share, written once.
//!
//! A type whose encoding is the same in both layouts and whose components are the same types lives in
//! [`super::common`]. The macros here are for the next case: a declaration the two layouts agree on, but whose
//! components name a type that differs between them (a package result holds the layout's `EuiccResultData`,
//! an `ESipa` CHOICE holds the layout's messages), or that differs only by a component's name. Each layout
//! module invokes the macro; the type names in the expansion resolve in that module, so `EuiccResultData` is
//! `v1_0::EuiccResultData` in `v1_0` and `v1_2::EuiccResultData` in `v1_2`. What differs is passed in: a
//! component's name, or the components one layout adds.

/// The eUICC Package Result (`BF51`) and its signed and error parts, given the name of the echoed
/// transaction identifier (`transactionId` in v1.0, `eimTransactionId` in v1.2). Needs `EuiccResultData`,
/// `EimIdInfo` and `EuiccPackageErrorUnsigned` in scope.
macro_rules! euicc_package_result {
    (transaction_id: $transaction_id:ident) => {
        /// EuiccPackageResult (`BF51`): the eUICC's signed result, its signed error, or an unsigned error.
        #[derive(Debug, Clone, PartialEq, Eq, crate::Asn1)]
        #[asn1(context = 81)]
        pub enum EuiccPackageResult {
            /// The package was carried out; one result per operation.
            #[asn1(context = 0)]
            EuiccPackageResultSigned(EuiccPackageResultSigned),
            /// The package was refused after its signature was verified.
            #[asn1(context = 1)]
            EuiccPackageErrorSigned(EuiccPackageErrorSigned),
            /// The package was refused before its signature could be verified.
            #[asn1(context = 2)]
            EuiccPackageErrorUnsigned(EuiccPackageErrorUnsigned),
            /// An alternative added by a later version, kept as received.
            #[asn1(other)]
            Other(crate::Raw),
        }

        /// The signed result of a package.
        #[derive(Debug, Clone, PartialEq, Eq, crate::Asn1)]
        pub struct EuiccPackageResultSigned {
            /// The signed part, with the exact bytes the signature covers.
            pub euicc_package_result_data_signed: crate::Signed<EuiccPackageResultDataSigned>,
            /// The eUICC's signature.
            #[asn1(application = 55, name = "euiccSignEPR")]
            pub euicc_sign_epr: crate::Octets,
        }

        /// The part of a package result the eUICC signs.
        #[derive(Debug, Clone, PartialEq, Eq, crate::Asn1)]
        pub struct EuiccPackageResultDataSigned {
            /// The eIM that sent the package.
            #[asn1(context = 0)]
            pub eim_id: String,
            /// The package's counter value.
            #[asn1(context = 1)]
            pub counter_value: i64,
            /// The package's transaction identifier, echoed.
            #[asn1(context = 2)]
            pub $transaction_id: Option<crate::Octets>,
            /// The number under which the eUICC keeps this result until it is acknowledged.
            #[asn1(context = 3)]
            pub seq_number: i64,
            /// One entry per operation, in order.
            pub euicc_result: Vec<EuiccResultData>,
        }

        /// The answer to `listEim`.
        #[derive(Debug, Clone, PartialEq, Eq, crate::Asn1)]
        pub enum ListEimResult {
            /// The configured eIMs.
            #[asn1(context = 0)]
            EimIdList(Vec<EimIdInfo>),
            /// Names: [`LIST_EIM_ERROR`].
            #[asn1(context = 1)]
            ListEimError(i64),
        }

        /// The signed error of a refused package.
        #[derive(Debug, Clone, PartialEq, Eq, crate::Asn1)]
        pub struct EuiccPackageErrorSigned {
            /// The signed part, with the exact bytes the signature covers.
            pub euicc_package_error_data_signed: crate::Signed<EuiccPackageErrorDataSigned>,
            /// The eUICC's signature.
            #[asn1(application = 55, name = "euiccSignEPE")]
            pub euicc_sign_epe: crate::Octets,
        }

        /// The part of a package error the eUICC signs.
        #[derive(Debug, Clone, PartialEq, Eq, crate::Asn1)]
        pub struct EuiccPackageErrorDataSigned {
            /// The eIM that sent the package.
            #[asn1(context = 0)]
            pub eim_id: String,
            /// The package's counter value.
            #[asn1(context = 1)]
            pub counter_value: i64,
            /// The package's transaction identifier, echoed.
            #[asn1(context = 2)]
            pub $transaction_id: Option<crate::Octets>,
            /// Names: [`EUICC_PACKAGE_ERROR_CODE`].
            pub euicc_package_error_code: i64,
        }
    };
}

/// The eIM's eUICC Package (`BF51`) around the operations, given the name of the transaction identifier.
/// Needs `Psmo` and `EimConfigurationData` in scope.
macro_rules! euicc_package {
    (transaction_id: $transaction_id:ident) => {
        /// EuiccPackageRequest (`BF51`): a package signed by the eIM, loaded into the eUICC byte for byte.
        #[derive(Debug, Clone, PartialEq, Eq, crate::Asn1)]
        #[asn1(context = 81)]
        pub struct EuiccPackageRequest {
            /// The signed part, with the exact bytes the signature covers.
            pub euicc_package_signed: crate::Signed<EuiccPackageSigned>,
            /// The eIM's signature over `euiccPackageSigned`.
            #[asn1(application = 55)]
            pub eim_signature: crate::Octets,
        }

        /// The part of an eUICC Package the eIM signs.
        #[derive(Debug, Clone, PartialEq, Eq, crate::Asn1)]
        pub struct EuiccPackageSigned {
            /// The sending eIM.
            #[asn1(context = 0)]
            pub eim_id: String,
            /// The target eUICC.
            #[asn1(application = 26)]
            pub eid_value: crate::Eid,
            /// Replay protection: must exceed the last value the eUICC accepted from this eIM.
            #[asn1(context = 1)]
            pub counter_value: i64,
            /// The eIM's correlation identifier, echoed in the result.
            #[asn1(context = 2)]
            pub $transaction_id: Option<crate::Octets>,
            /// The operations.
            pub euicc_package: EuiccPackage,
        }

        /// The operations of an eUICC Package: either profile operations or eIM configuration operations.
        #[derive(Debug, Clone, PartialEq, Eq, crate::Asn1)]
        pub enum EuiccPackage {
            /// Profile State Management Operations, carried out in order.
            #[asn1(context = 0)]
            PsmoList(Vec<Psmo>),
            /// eIM Configuration Operations, carried out in order.
            #[asn1(context = 1)]
            EcoList(Vec<Eco>),
        }

        /// An eIM Configuration Operation.
        #[derive(Debug, Clone, PartialEq, Eq, crate::Asn1)]
        pub enum Eco {
            /// Add an eIM.
            #[asn1(context = 8)]
            AddEim(EimConfigurationData),
            /// Remove an eIM.
            #[asn1(context = 9)]
            DeleteEim(super::DeleteEim),
            /// Replace an eIM's configuration.
            #[asn1(context = 10)]
            UpdateEim(EimConfigurationData),
            /// List the configured eIMs.
            #[asn1(context = 11)]
            ListEim(super::Empty),
            /// An operation added by a later version, kept as received.
            #[asn1(other)]
            Other(crate::Raw),
        }
    };
}

/// The two top-level ESipa CHOICEs, over the layout's messages.
macro_rules! esipa_messages {
    () => {
        /// Every message the IPA sends to the eIM.
        #[derive(Debug, Clone, PartialEq, Eq, crate::Asn1)]
        pub enum EsipaMessageFromIpaToEim {
            /// `BF39`.
            InitiateAuthenticationRequestEsipa(super::InitiateAuthenticationRequestEsipa),
            /// `BF3B`.
            AuthenticateClientRequestEsipa(super::AuthenticateClientRequestEsipa),
            /// `BF3A`.
            GetBoundProfilePackageRequestEsipa(super::GetBoundProfilePackageRequestEsipa),
            /// `BF41`.
            CancelSessionRequestEsipa(super::CancelSessionRequestEsipa),
            /// `BF3D`.
            HandleNotificationEsipa(super::HandleNotificationEsipa),
            /// `BF4E`.
            TransferEimPackageResponse(super::TransferEimPackageResponse),
            /// `BF4F`.
            GetEimPackageRequest(super::GetEimPackageRequest),
            /// `BF50`.
            ProvideEimPackageResult(super::ProvideEimPackageResult),
        }

        /// Every message the eIM sends to the IPA.
        #[derive(Debug, Clone, PartialEq, Eq, crate::Asn1)]
        pub enum EsipaMessageFromEimToIpa {
            /// `BF39`.
            InitiateAuthenticationResponseEsipa(super::InitiateAuthenticationResponseEsipa),
            /// `BF3B`.
            AuthenticateClientResponseEsipa(super::AuthenticateClientResponseEsipa),
            /// `BF3A`.
            GetBoundProfilePackageResponseEsipa(super::GetBoundProfilePackageResponseEsipa),
            /// `BF41`.
            CancelSessionResponseEsipa(super::CancelSessionResponseEsipa),
            /// `BF4E`.
            TransferEimPackageRequest(super::TransferEimPackageRequest),
            /// `BF4F`.
            GetEimPackageResponse(super::GetEimPackageResponse),
            /// `BF50`.
            ProvideEimPackageResultResponse(super::ProvideEimPackageResultResponse),
        }
    };
}

/// InitiateAuthentication through the eIM (`BF39`), its answer and its successful part, given the components
/// the request adds after `euiccInfo1` and the component naming the CI key (its name differs).
macro_rules! initiate_authentication_esipa {
    (request_adds { $($request_adds:tt)* } ci_key { $($ci_key:tt)* }) => {
        /// InitiateAuthentication through the eIM (`BF39`): start an RSP session with the SM-DP+.
        #[derive(Debug, Clone, PartialEq, Eq, crate::Asn1)]
        #[asn1(context = 57)]
        pub struct InitiateAuthenticationRequestEsipa {
            /// From GetEuiccChallenge.
            #[asn1(context = 1)]
            pub euicc_challenge: crate::Octets,
            /// The SM-DP+ to contact; absent: the eIM's choice.
            #[asn1(context = 3)]
            pub smdp_address: Option<String>,
            /// From GetEuiccInfo1.
            pub euicc_info1: Option<crate::types::sgp22::EUICCInfo1>,
            $($request_adds)*
        }

        /// The eIM's answer to InitiateAuthenticationRequestEsipa.
        #[derive(Debug, Clone, PartialEq, Eq, crate::Asn1)]
        #[asn1(context = 57)]
        pub enum InitiateAuthenticationResponseEsipa {
            /// The SM-DP+ authenticated itself: the input of AuthenticateServer.
            #[asn1(context = 0)]
            InitiateAuthenticationOkEsipa(InitiateAuthenticationOkEsipa),
            /// Names: [`INITIATE_AUTHENTICATION_ERROR`].
            #[asn1(context = 1)]
            InitiateAuthenticationErrorEsipa(i64),
        }

        /// The SM-DP+ part of a successful InitiateAuthentication, passed to the eUICC in AuthenticateServer.
        #[derive(Debug, Clone, PartialEq, Eq, crate::Asn1)]
        pub struct InitiateAuthenticationOkEsipa {
            /// The RSP session.
            #[asn1(context = 0)]
            pub transaction_id: Option<crate::Octets>,
            /// Relayed as the SM-DP+ signed it.
            pub server_signed1: crate::Signed<crate::types::sgp22::ServerSigned1>,
            /// The SM-DP+ signature over `serverSigned1`.
            #[asn1(application = 55)]
            pub server_signature1: crate::Octets,
            $($ci_key)*
            /// The SM-DP+ authentication certificate.
            pub server_certificate: crate::types::sgp22::Certificate,
            /// The matching ID, when the eIM leaves ctxParams1 to the IPA.
            pub matching_id: Option<String>,
            /// The context parameters, when the eIM generates them.
            #[asn1(context = 2)]
            pub ctx_params1: Option<crate::types::sgp22::CtxParams1>,
        }
    };
}

/// GetEimPackage's answer and TransferEimPackage with its answer, over the layout's package, data request
/// and result types (all in scope).
macro_rules! eim_package_transfer {
    () => {
        /// The eIM's answer to GetEimPackage: a package, or `eimPackageError` (1: nothing to do).
        #[derive(Debug, Clone, PartialEq, Eq, crate::Asn1)]
        #[asn1(context = 79)]
        pub enum GetEimPackageResponse {
            /// A package for the eUICC, loaded byte for byte as received.
            EuiccPackageRequest(crate::Signed<EuiccPackageRequest>),
            /// A request for eUICC and IPA data.
            IpaEuiccDataRequest(IpaEuiccDataRequest),
            /// A profile download to carry out.
            ProfileDownloadTriggerRequest(super::ProfileDownloadTriggerRequest),
            /// Names: [`EIM_PACKAGE_ERROR`].
            EimPackageError(i64),
        }

        /// TransferEimPackage (`BF4E`): a package the eIM pushes to the IPA.
        #[derive(Debug, Clone, PartialEq, Eq, crate::Asn1)]
        #[asn1(context = 78)]
        pub enum TransferEimPackageRequest {
            /// A package for the eUICC, loaded byte for byte as received.
            EuiccPackageRequest(crate::Signed<EuiccPackageRequest>),
            /// A request for eUICC and IPA data.
            IpaEuiccDataRequest(IpaEuiccDataRequest),
            /// Acknowledgements of stored notifications and results.
            EimAcknowledgements(super::EimAcknowledgements),
            /// A profile download to carry out.
            ProfileDownloadTriggerRequest(super::ProfileDownloadTriggerRequest),
        }

        /// The IPA's answer to TransferEimPackage.
        #[derive(Debug, Clone, PartialEq, Eq, crate::Asn1)]
        #[asn1(context = 78)]
        pub enum TransferEimPackageResponse {
            /// The eUICC's package result.
            EuiccPackageResult(crate::Signed<EuiccPackageResult>),
            /// The eUICC's package result and the notifications it caused.
            #[asn1(name = "ePRAndNotifications")]
            EprAndNotifications(EprAndNotifications),
            /// The requested data.
            IpaEuiccDataResponse(IpaEuiccDataResponse),
            /// The package was received and will be processed.
            #[asn1(universal = 5)]
            EimPackageReceived,
            /// Names: `EIM_PACKAGE_RESULT_ERROR`.
            EimPackageError(i64),
        }
    };
}

/// ProfileRollback's answer, which carries the layout's `EuiccPackageResult` (in scope).
macro_rules! profile_rollback_response {
    () => {
        /// The answer to ProfileRollback (`BF58`).
        #[derive(Debug, Clone, PartialEq, Eq, crate::Asn1)]
        #[asn1(context = 88)]
        pub struct ProfileRollbackResponse {
            /// Names: `PROFILE_ROLLBACK_RESULT`.
            pub cmd_result: i64,
            /// The result of the rolled-back package, owed to the eIM; relayed as the eUICC signed it.
            #[asn1(name = "eUICCPackageResult")]
            pub e_uicc_package_result: Option<crate::Signed<EuiccPackageResult>>,
        }
    };
}

/// The ES10b function that allows a downloaded profile to be enabled at once (`BF59`): v1.0's
/// ConfigureAutoProfileEnabling, v1.2's ConfigureImmediateProfileEnabling. The same three components and
/// answer under other names, which are passed in.
macro_rules! configure_enabling {
    (
        $request:ident { $flag:ident, $oid:ident, $address:ident },
        $response:ident { $result:ident: $table:ident }
    ) => {
        #[doc = concat!(stringify!($request), " (`BF59`); also the parameters of the PSMO of that name.")]
        #[derive(Debug, Clone, PartialEq, Eq, crate::Asn1)]
        #[asn1(context = 89)]
        pub struct $request {
            /// Present: a downloaded profile may be enabled at once, without an eIM package.
            #[asn1(context = 0)]
            pub $flag: Option<crate::Null>,
            /// The SM-DP+ whose profiles may be enabled at once.
            #[asn1(context = 1)]
            pub $oid: Option<crate::Oid>,
            /// The SM-DP+ address to download from.
            #[asn1(context = 2)]
            pub $address: Option<String>,
        }

        #[doc = concat!("The answer to ", stringify!($request), ".")]
        #[derive(Debug, Clone, PartialEq, Eq, crate::Asn1)]
        #[asn1(context = 89)]
        pub struct $response {
            #[doc = concat!("Names: [`", stringify!($table), "`].")]
            #[asn1(context = 0)]
            pub $result: i64,
        }
    };
}

/// ProfileDownloadTriggerResult (`BF54`) and its outcome CHOICE; the layout's `ProfileDownloadError` (in
/// scope) says why a download failed.
macro_rules! profile_download_trigger_result {
    () => {
        /// ProfileDownloadTriggerResult (`BF54`).
        #[derive(Debug, Clone, PartialEq, Eq, crate::Asn1)]
        #[asn1(context = 84)]
        pub struct ProfileDownloadTriggerResult {
            /// The trigger's transaction identifier, echoed.
            #[asn1(context = 2)]
            pub eim_transaction_id: Option<crate::Octets>,
            /// The installation result, or why the download failed.
            pub profile_download_trigger_result_data: ProfileDownloadTriggerResultData,
        }

        /// The outcome of a triggered download.
        #[derive(Debug, Clone, PartialEq, Eq, crate::Asn1)]
        pub enum ProfileDownloadTriggerResultData {
            /// The eUICC's installation result, relayed as signed.
            ProfileInstallationResult(
                crate::Signed<crate::types::sgp22::ProfileInstallationResult>,
            ),
            /// The download failed before the eUICC produced a result.
            ProfileDownloadError(ProfileDownloadError),
        }
    };
}

/// The answer to RetrieveNotificationsList (`BF2B`), given the alternatives the layout adds.
macro_rules! retrieve_notifications_list_response {
    ($($adds:tt)*) => {
        /// The answer to RetrieveNotificationsList.
        #[derive(Debug, Clone, PartialEq, Eq, crate::Asn1)]
        #[asn1(context = 43)]
        pub enum RetrieveNotificationsListResponse {
            /// Notifications, as the eUICC signed them.
            #[asn1(context = 0)]
            NotificationList(Vec<crate::Signed<crate::types::sgp22::PendingNotification>>),
            /// Names: `sgp22::codes::NOTIFICATIONS_LIST_ERROR`.
            #[asn1(context = 1)]
            NotificationsListResultError(i64),
            /// eUICC Package Results, as the eUICC signed them.
            #[asn1(context = 2)]
            EuiccPackageResultList(Vec<crate::Signed<EuiccPackageResult>>),
            $($adds)*
        }
    };
}

/// The configuration of one eIM as the eUICC stores it, given the components after `associationToken`
/// (v1.0 reads withdrawn tags besides, v1.2 adds one), and the two commands that carry a list of them.
macro_rules! eim_configuration_data {
    ($($rest:tt)*) => {
        /// The configuration of one eIM, as stored by the eUICC.
        #[derive(Debug, Clone, PartialEq, Eq, Default, crate::Asn1)]
        pub struct EimConfigurationData {
            /// The eIM's identifier.
            #[asn1(context = 0)]
            pub eim_id: String,
            /// Where the IPA reaches the eIM (may carry `:port`).
            #[asn1(context = 1)]
            pub eim_fqdn: Option<String>,
            /// Names: `EIM_ID_TYPE`.
            #[asn1(context = 2)]
            pub eim_id_type: Option<i64>,
            /// The initial replay counter.
            #[asn1(context = 3)]
            pub counter_value: Option<i64>,
            /// The token the eUICC assigned to this association.
            #[asn1(context = 4)]
            pub association_token: Option<i64>,
            $($rest)*
        }

        /// AddInitialEim (`BF57`): the first eIMs, configured without a signed eCO.
        #[derive(Debug, Clone, PartialEq, Eq, crate::Asn1)]
        #[asn1(context = 87)]
        pub struct AddInitialEimRequest {
            /// The eIMs to add.
            #[asn1(context = 0)]
            pub eim_configuration_data_list: Vec<EimConfigurationData>,
        }

        /// The answer to GetEimConfigurationData.
        #[derive(Debug, Clone, PartialEq, Eq, crate::Asn1)]
        #[asn1(context = 85)]
        pub struct GetEimConfigurationDataResponse {
            /// The configurations found.
            #[asn1(context = 0)]
            pub eim_configuration_data_list: Vec<EimConfigurationData>,
        }
    };
}

/// The eUICC and IPA data an IpaEuiccDataRequest asked for: the components both layouts have, in order,
/// with what each layout puts before them (`head`), between the certificates and the IPA's capabilities
/// (`middle`) and after the device (`tail`).
macro_rules! ipa_euicc_data {
    (head { $($head:tt)* } middle { $($middle:tt)* } tail { $($tail:tt)* }) => {
        /// The eUICC and IPA data an IpaEuiccDataRequest asked for.
        #[derive(Debug, Clone, PartialEq, Eq, Default, crate::Asn1)]
        pub struct IpaEuiccData {
            $($head)*
            /// GetEuiccInfo1.
            pub euicc_info1: Option<crate::types::sgp22::EUICCInfo1>,
            /// GetEuiccInfo2.
            pub euicc_info2: Option<crate::types::sgp22::EUICCInfo2>,
            /// The eUICC's root SM-DS address.
            #[asn1(context = 3)]
            pub root_smds_address: Option<String>,
            /// The eIM's association token.
            #[asn1(context = 4)]
            pub association_token: Option<i64>,
            /// The EUM certificate.
            #[asn1(context = 5)]
            pub eum_certificate: Option<crate::types::sgp22::Certificate>,
            /// The eUICC certificate.
            #[asn1(context = 6)]
            pub euicc_certificate: Option<crate::types::sgp22::Certificate>,
            $($middle)*
            /// What this IPA supports.
            #[asn1(context = 8)]
            pub ipa_capabilities: Option<super::IpaCapabilities>,
            /// The device (SGP.22 DeviceInfo).
            #[asn1(context = 9)]
            pub device_info: Option<crate::types::sgp22::DeviceInfo>,
            $($tail)*
        }
    };
}

/// The registry of a layout's top-level message types: those both layouts have, then `$own`.
macro_rules! layout_types {
    ($($own:ty),* $(,)?) => {
        /// Every top-level SGP.32 message type of this layout, for look-up by name.
        pub(crate) const TYPES: &[crate::registry::TypeEntry] = {
            use crate::registry::entry;
            &[
                // eIM packages and their results
                entry::<EuiccPackageRequest>(),
                entry::<EuiccPackageSigned>(),
                entry::<EuiccPackageResult>(),
                entry::<EuiccPackageResultDataSigned>(),
                entry::<EuiccPackageErrorDataSigned>(),
                entry::<IpaEuiccDataRequest>(),
                entry::<IpaEuiccDataResponse>(),
                entry::<ProfileDownloadTriggerRequest>(),
                entry::<ProfileDownloadTriggerResult>(),
                entry::<EimAcknowledgements>(),
                entry::<EimConfigurationData>(),
                // ES10b
                entry::<AddInitialEimRequest>(),
                entry::<AddInitialEimResponse>(),
                entry::<GetEimConfigurationDataRequest>(),
                entry::<GetEimConfigurationDataResponse>(),
                entry::<GetCertsRequest>(),
                entry::<GetCertsResponse>(),
                entry::<ProfileRollbackRequest>(),
                entry::<ProfileRollbackResponse>(),
                entry::<RetrieveNotificationsListResponse>(),
                // ESipa
                entry::<EsipaMessageFromIpaToEim>(),
                entry::<EsipaMessageFromEimToIpa>(),
                entry::<InitiateAuthenticationRequestEsipa>(),
                entry::<InitiateAuthenticationResponseEsipa>(),
                entry::<AuthenticateClientRequestEsipa>(),
                entry::<AuthenticateClientResponseEsipa>(),
                entry::<GetBoundProfilePackageRequestEsipa>(),
                entry::<GetBoundProfilePackageResponseEsipa>(),
                entry::<HandleNotificationEsipa>(),
                entry::<CancelSessionRequestEsipa>(),
                entry::<CancelSessionResponseEsipa>(),
                entry::<GetEimPackageRequest>(),
                entry::<GetEimPackageResponse>(),
                entry::<ProvideEimPackageResult>(),
                entry::<ProvideEimPackageResultResponse>(),
                entry::<TransferEimPackageRequest>(),
                entry::<TransferEimPackageResponse>(),
                // this layout's own
                $(entry::<$own>(),)*
            ]
        };
    };
}

/// The result of one operation of a package (`EuiccResultData`): the alternatives both layouts have, with the
/// layout's configure-enable result (its name differs), what it adds after `rollbackResult`, and what it adds
/// after `processingTerminated`.
macro_rules! euicc_result_data {
    (
        configure_enable { $($configure_enable:tt)* }
        after_rollback { $($after_rollback:tt)* }
        after_terminated { $($after_terminated:tt)* }
    ) => {
        /// The result of one operation of a package.
        #[derive(Debug, Clone, PartialEq, Eq, crate::Asn1)]
        pub enum EuiccResultData {
            /// Names: [`ENABLE_PROFILE_RESULT`].
            #[asn1(context = 3)]
            EnableResult(i64),
            /// Names: [`DISABLE_PROFILE_RESULT`].
            #[asn1(context = 4)]
            DisableResult(i64),
            /// Names: [`DELETE_PROFILE_RESULT`].
            #[asn1(context = 5)]
            DeleteResult(i64),
            /// The profile list.
            #[asn1(context = 45)]
            ListProfileInfoResult(crate::types::sgp22::ProfileInfoListResponse),
            /// The Rules Authorisation Table.
            #[asn1(context = 6, name = "getRATResult")]
            GetRatResult(Vec<crate::types::sgp22::ProfilePolicyAuthorisationRule>),
            $($configure_enable)*
            /// The association token or an error code.
            #[asn1(context = 8)]
            AddEimResult(super::AddEimResult),
            /// Names: `DELETE_EIM_RESULT`.
            #[asn1(context = 9)]
            DeleteEimResult(i64),
            /// Names: `UPDATE_EIM_RESULT`.
            #[asn1(context = 10)]
            UpdateEimResult(i64),
            /// The configured eIMs.
            #[asn1(context = 11)]
            ListEimResult(ListEimResult),
            /// The eUICC rolled back an `enable`; names: `ROLLBACK_PROFILE_RESULT`.
            #[asn1(context = 12)]
            RollbackResult(i64),
            $($after_rollback)*
            /// The eUICC stopped here; the remaining operations were not carried out. Names:
            /// `PROCESSING_TERMINATED`.
            ProcessingTerminated(i64),
            $($after_terminated)*
            /// A result added by a later version, kept as received.
            #[asn1(other)]
            Other(crate::Raw),
        }
    };
}

/// A Profile State Management Operation (`Psmo`): the operations both layouts have, then the layout's own
/// (configure-enable, whose name differs, and what v1.2 adds).
macro_rules! psmo {
    ($($own:tt)*) => {
        /// A Profile State Management Operation.
        #[derive(Debug, Clone, PartialEq, Eq, crate::Asn1)]
        pub enum Psmo {
            /// Enable a profile.
            #[asn1(context = 3)]
            Enable(super::EnableParams),
            /// Disable a profile.
            #[asn1(context = 4)]
            Disable(super::ProfileIccid),
            /// Delete a profile.
            #[asn1(context = 5)]
            Delete(super::ProfileIccid),
            /// List profiles (SGP.22 GetProfilesInfo).
            #[asn1(context = 45)]
            ListProfileInfo(crate::types::sgp22::ProfileInfoListRequest),
            /// Read the Rules Authorisation Table.
            #[asn1(context = 6, name = "getRAT")]
            GetRat(super::Empty),
            $($own)*
            /// An operation added by a later version, kept as received.
            #[asn1(other)]
            Other(crate::Raw),
        }
    };
}

/// The eIM's two keys as EimConfigurationData holds them, each a public key or a certificate, given the
/// attributes of the four alternatives (v1.0 also reads the withdrawn tags).
macro_rules! eim_keys {
    (
        eim_public_key { $(#[$eim_public_key:meta])* }
        eim_certificate { $(#[$eim_certificate:meta])* }
        trusted_eim_pk_tls { $(#[$trusted_eim_pk_tls:meta])* }
        trusted_certificate_tls { $(#[$trusted_certificate_tls:meta])* }
    ) => {
        /// The eIM's signing key: a bare public key or a certificate.
        #[derive(Debug, Clone, PartialEq, Eq, crate::Asn1)]
        pub enum EimPublicKeyData {
            /// A public key.
            $(#[$eim_public_key])*
            EimPublicKey(super::SubjectPublicKeyInfo),
            /// A certificate.
            $(#[$eim_certificate])*
            EimCertificate(crate::types::sgp22::Certificate),
        }

        /// The TLS trust anchor of the eIM: its public key, or the eIM's or a CA's certificate.
        #[derive(Debug, Clone, PartialEq, Eq, crate::Asn1)]
        pub enum TrustedPublicKeyDataTls {
            /// A public key.
            $(#[$trusted_eim_pk_tls])*
            TrustedEimPkTls(super::SubjectPublicKeyInfo),
            /// A certificate.
            $(#[$trusted_certificate_tls])*
            TrustedCertificateTls(crate::types::sgp22::Certificate),
        }
    };
}

/// An eIM in the answer to `listEim`, given the attributes of `eimIdType` (its tag differs).
macro_rules! eim_id_info {
    (eim_id_type { $(#[$eim_id_type:meta])* }) => {
        /// An eIM in the answer to `listEim`.
        #[derive(Debug, Clone, PartialEq, Eq, crate::Asn1)]
        pub struct EimIdInfo {
            /// The eIM's identifier.
            #[asn1(context = 0)]
            pub eim_id: String,
            /// Names: `EIM_ID_TYPE`.
            $(#[$eim_id_type])*
            pub eim_id_type: Option<i64>,
        }
    };
}

/// The unsigned error of a package, given what the layout has between `eimId` and `associationToken`.
macro_rules! euicc_package_error_unsigned {
    ($($middle:tt)*) => {
        /// The unsigned error of a package whose signature could not be verified.
        #[derive(Debug, Clone, PartialEq, Eq, crate::Asn1)]
        pub struct EuiccPackageErrorUnsigned {
            /// The eIM named in the package.
            #[asn1(context = 0)]
            pub eim_id: String,
            $($middle)*
            /// The association token of the eIM, if known.
            #[asn1(context = 4)]
            pub association_token: Option<i64>,
        }
    };
}
