//! IpaEuiccDataRequest (SGP.32 §2.11.1.2): the eIM asks for eUICC and IPA data by tag; the IPA collects
//! each item through ES10 (or from its own values) and answers with an `IpaEuiccDataResponse`.
//!
//! Signed objects (notifications, eUICC Package Results) are relayed as the eUICC encoded them. The reply as a
//! whole is not signed. A tag this IPA does not know is answered `incorrectTagList`; a CI key the eUICC does
//! not have, `euiccCiPKIdNotFound`.

use euicc_asn1::types::sgp22::{
    Certificate, DeviceInfo, EUICCInfo1, EUICCInfo2, NotificationSearchCriteria,
    PendingNotification,
};
use euicc_asn1::types::sgp32::common::{Certs, IpaCapabilities};
use euicc_asn1::types::sgp32::view::{
    COMMON_COMPONENTS, DataRequestView, IpaEuiccDataCommon, IpaEuiccDataView, PackageResultView,
    Sgp32,
};
use euicc_asn1::{BitString, DecodeError, Octets, Signed, for_layout, for_value, from_ber};

use super::download::{DownloadError, device_info};
use super::indirect::DownloadRoute;
use super::reconnect::Reconnect;
use crate::apdu::CardChannel;
use crate::euicc::{Euicc, EuiccError, RetrievedNotifications};
use crate::modem::modemmanager::Inhibitor;
use euicc_asn1::Layout;
use euiccd_core::cycle::{DataRequest as Received, DataResponse};
use euiccd_core::es10::Es10Error;

/// `ipaEuiccDataError` incorrectTagList.
pub(crate) const INCORRECT_TAG_LIST: i64 = 1;
/// `ipaEuiccDataError` euiccCiPKIdNotFound.
pub(crate) const EUICC_CI_PK_ID_NOT_FOUND: i64 = 5;
/// GetCerts `invalidCiPKId`.
const INVALID_CI_PK_ID: i64 = 1;
/// RetrieveNotificationsList `noResultAvailable`.
const NO_RESULT_AVAILABLE: i64 = 1;

/// What the IPA reports about itself and the eIM it serves, and how it serves that eIM: the route of
/// triggered downloads, and the wait for the network after a package enabled a profile.
#[derive(Debug, Clone)]
pub struct IpaOwnData {
    eim_id: String,
    imei: Option<String>,
    device_info: DeviceInfo,
    download_route: DownloadRoute,
    reconnect: Reconnect,
    /// What asks ModemManager to step aside while a package switches profiles (none: nothing to ask).
    modemmanager: Option<Inhibitor>,
}

impl IpaOwnData {
    /// The IPA polling the eIM `eim_id` (whose association token is the one reported) on a device with
    /// the IMEI `imei` (15 digits; none: a generic TAC).
    pub fn new(eim_id: impl Into<String>, imei: Option<String>) -> Result<Self, DownloadError> {
        Ok(Self {
            eim_id: eim_id.into(),
            device_info: device_info(imei.as_deref())?,
            imei,
            download_route: DownloadRoute::default(),
            reconnect: Reconnect::default(),
            modemmanager: None,
        })
    }

    /// The same IPA, downloading triggered profiles by `route`.
    pub(crate) fn with_download_route(mut self, route: DownloadRoute) -> Self {
        self.download_route = route;
        self
    }

    /// The same IPA, asking ModemManager to step aside while a package switches profiles.
    pub(crate) fn with_modemmanager(mut self, inhibitor: Option<Inhibitor>) -> Self {
        self.modemmanager = inhibitor;
        self
    }

    /// What asks ModemManager to step aside, if anything.
    pub(crate) fn modemmanager(&self) -> Option<&Inhibitor> {
        self.modemmanager.as_ref()
    }

    /// The same IPA, waiting after a profile switch as `reconnect` says (by default it does not wait).
    pub(crate) fn with_reconnect(mut self, reconnect: Reconnect) -> Self {
        self.reconnect = reconnect;
        self
    }

    /// The wait for the network after a package enabled a profile.
    pub(crate) fn reconnect(&self) -> &Reconnect {
        &self.reconnect
    }

    /// The eIM this IPA serves.
    pub(crate) fn eim_id(&self) -> &str {
        &self.eim_id
    }

    /// How triggered downloads reach the SM-DP+.
    pub(crate) fn download_route(&self) -> DownloadRoute {
        self.download_route
    }

    /// The device's IMEI, when known.
    pub(crate) fn imei(&self) -> Option<&str> {
        self.imei.as_deref()
    }

    /// The device, reported as DeviceInfo.
    #[cfg(test)]
    pub(crate) fn device_info(&self) -> &DeviceInfo {
        &self.device_info
    }
}

/// The IPA's capabilities: direct (0) and indirect (1) profile download, over HTTPS retrieval.
pub(crate) fn ipa_capabilities() -> IpaCapabilities {
    IpaCapabilities {
        ipa_features: BitString::from_bits(&[0, 1]),
        ipa_supported_protocols: Some(BitString::from_bits(&[0])),
    }
}

/// One IpaEuiccData component.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Item {
    Notifications,
    PackageResults,
    DefaultSmdp,
    RootSmds,
    Info1,
    Info2,
    AssociationToken,
    EumCertificate,
    EuiccCertificate,
    Capabilities,
    DeviceInfo,
    /// v1.2's `eimTransactionId`: echoed whenever the request carries one, so asking for it adds nothing.
    TransactionId,
}

impl Item {
    /// The component a tag of the tagList names, in the layout of `version`: the tag of the IpaEuiccData
    /// component (SGP.32 v1.0.1 and v1.2 §2.11.2.2). v1.0 also takes `88` for ipaCapabilities (whose
    /// component is constructed, `A8`): v1.0 eIMs ask for it so, a public one documenting
    /// `80 BF20 BF22 83 84 A5 A6 88 A9 BF2B` as the list of every tag.
    fn from_tag(version: Layout, tag: u32) -> Option<Self> {
        let components =
            for_layout!(version, l => <l::IpaEuiccData as IpaEuiccDataView>::COMPONENTS);
        let (_, name) = components
            .iter()
            .chain(COMMON_COMPONENTS)
            .find(|(t, _)| *t == tag)?;
        Some(match *name {
            "notificationsList" => Self::Notifications,
            "euiccPackageResultList" => Self::PackageResults,
            "defaultSmdpAddress" => Self::DefaultSmdp,
            "rootSmdsAddress" => Self::RootSmds,
            "euiccInfo1" => Self::Info1,
            "euiccInfo2" => Self::Info2,
            "associationToken" => Self::AssociationToken,
            "eumCertificate" => Self::EumCertificate,
            "euiccCertificate" => Self::EuiccCertificate,
            "eimTransactionId" => Self::TransactionId,
            "ipaCapabilities" => Self::Capabilities,
            "deviceInfo" => Self::DeviceInfo,
            _ => return None,
        })
    }
}

/// The BER tags of a tagList; `None` if one is truncated.
fn tags(list: &[u8]) -> Option<Vec<u32>> {
    let mut tags = Vec::new();
    let mut bytes = list.iter().copied();
    while let Some(first) = bytes.next() {
        let mut tag = u32::from(first);
        if first & 0x1F == 0x1F {
            loop {
                let next = bytes.next()?;
                if tag > 0x00FF_FFFF {
                    return None;
                }
                tag = (tag << 8) | u32::from(next);
                if next & 0x80 == 0 {
                    break;
                }
            }
        }
        tags.push(tag);
    }
    Some(tags)
}

/// An IpaEuiccDataRequest, in either layout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct DataRequest {
    /// The components asked for; `None`: the tagList is empty or names an unknown tag.
    items: Option<Vec<Item>>,
    ci_pk_id: Option<Octets>,
    notifications: Option<NotificationSearchCriteria>,
    package_result: Option<i64>,
    /// The eIM's correlation identifier, echoed.
    pub(super) eim_transaction_id: Option<Octets>,
}

impl DataRequest {
    fn items(version: Layout, tag_list: &[u8]) -> Option<Vec<Item>> {
        let items = tags(tag_list)?
            .into_iter()
            .map(|tag| Item::from_tag(version, tag))
            .collect::<Option<Vec<_>>>()?;
        (!items.is_empty()).then_some(items)
    }

    /// A request of the `layout`.
    fn new(layout: Layout, request: &impl DataRequestView) -> Self {
        Self {
            items: Self::items(layout, request.tag_list()),
            ci_pk_id: request.ci_pk_id().cloned(),
            notifications: request.notification_criteria(),
            package_result: request.package_result_seq_number(),
            eim_transaction_id: request.eim_transaction_id().cloned(),
        }
    }

    /// The request as received, in the layout it came in (v1.0 has no transaction identifier and one
    /// search criterion for notifications and results).
    pub(super) fn received(request: Received) -> Self {
        for_value!(request, Received, l, r => Self::new(<l::Types as Sgp32>::LAYOUT, &r))
    }

    fn wants(&self, item: Item) -> bool {
        self.items
            .as_ref()
            .is_some_and(|items| items.contains(&item))
    }
}

/// Why collecting the data failed.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    /// An ES10 function failed.
    #[error(transparent)]
    Euicc(#[from] EuiccError),
    /// A stored eUICC Package Result does not decode in the eUICC's layout.
    #[error("a stored eUICC Package Result does not decode")]
    BadResult(#[source] DecodeError),
}

/// The collected components, in neither layout yet.
#[derive(Debug, Default)]
struct Collected {
    notifications: Option<Vec<Signed<PendingNotification>>>,
    package_results: Option<Vec<Vec<u8>>>,
    default_smdp: Option<String>,
    root_smds: Option<String>,
    info1: Option<EUICCInfo1>,
    info2: Option<EUICCInfo2>,
    association_token: Option<i64>,
    certs: Option<Certs>,
    capabilities: Option<IpaCapabilities>,
    device_info: Option<DeviceInfo>,
}

/// Collects what `request` asks for and builds the answer in the `version` layout (the eIM's); the error
/// form when the tagList is incorrect or the CI key unknown.
pub(super) async fn answer<C: CardChannel>(
    euicc: &mut Euicc<C>,
    request: &DataRequest,
    own: &IpaOwnData,
    version: Layout,
) -> Result<DataResponse, DataError> {
    if request.items.is_none() {
        return Ok(error_answer(version, request, INCORRECT_TAG_LIST));
    }
    let collected = match collect(euicc, request, own).await {
        Err(DataError::Euicc(EuiccError::Es10(Es10Error::Refused {
            function: "GetCerts",
            code: INVALID_CI_PK_ID,
            ..
        }))) => {
            return Ok(error_answer(version, request, EUICC_CI_PK_ID_NOT_FOUND));
        }
        other => other?,
    };
    for_layout!(version, l => Ok(build::<l::IpaEuiccData>(collected, request)?.into()))
}

async fn collect<C: CardChannel>(
    euicc: &mut Euicc<C>,
    request: &DataRequest,
    own: &IpaOwnData,
) -> Result<Collected, DataError> {
    let mut c = Collected::default();
    if request.wants(Item::DefaultSmdp) || request.wants(Item::RootSmds) {
        let addresses = euicc.configured_addresses().await?;
        c.default_smdp = addresses
            .default_dp_address
            .filter(|_| request.wants(Item::DefaultSmdp));
        c.root_smds = Some(addresses.root_ds_address).filter(|_| request.wants(Item::RootSmds));
    }
    if request.wants(Item::Info1) {
        c.info1 = Some(euicc.euicc_info1().await?);
    }
    if request.wants(Item::Info2) {
        c.info2 = Some(euicc.euicc_info2().await?.clone());
    }
    if request.wants(Item::AssociationToken) {
        let configs = euicc.eim_configuration().await?;
        c.association_token = configs
            .into_iter()
            .find(|config| config.eim_id == own.eim_id)
            .and_then(|config| config.association_token);
    }
    if request.wants(Item::EumCertificate) || request.wants(Item::EuiccCertificate) {
        c.certs = Some(euicc.certs(request.ci_pk_id.clone()).await?);
    }
    if request.wants(Item::Notifications) {
        // v1.0 asks for results here too, with the criterion euiccPackageResults.
        let retrieved = retrieve(euicc, request.notifications.clone()).await?;
        c.notifications = Some(retrieved.notifications);
        c.package_results = Some(retrieved.package_results).filter(|r| !r.is_empty());
    }
    if request.wants(Item::PackageResults) {
        let criteria = Some(NotificationSearchCriteria::EuiccPackageResults);
        c.package_results = Some(retrieve(euicc, criteria).await?.package_results);
    }
    if request.wants(Item::Capabilities) {
        c.capabilities = Some(ipa_capabilities());
    }
    if request.wants(Item::DeviceInfo) {
        c.device_info = Some(own.device_info.clone());
    }
    Ok(c)
}

/// RetrieveNotificationsList, with noResultAvailable read as an empty list.
pub(super) async fn retrieve<C: CardChannel>(
    euicc: &mut Euicc<C>,
    criteria: Option<NotificationSearchCriteria>,
) -> Result<RetrievedNotifications, EuiccError> {
    match euicc.retrieve_notifications(criteria).await {
        Err(EuiccError::Es10(Es10Error::Refused {
            code: NO_RESULT_AVAILABLE,
            ..
        })) => Ok(Default::default()),
        other => other,
    }
}

/// The error answer with `code`, in the `layout`.
fn error_answer(layout: Layout, request: &DataRequest, code: i64) -> DataResponse {
    tracing::warn!(code, "IpaEuiccDataRequest not served");
    let transaction_id = request.eim_transaction_id.clone();
    for_layout!(layout, l => <l::IpaEuiccData as IpaEuiccDataView>::error(code, transaction_id).into())
}

/// The answer with the collected components, in the layout of `D`.
fn build<D: IpaEuiccDataView>(c: Collected, request: &DataRequest) -> Result<D::Response, DataError>
where
    D::PackageResult: euicc_asn1::Asn1 + PackageResultView,
{
    let package_results = c
        .package_results
        .map(|raw| decode_results::<D::PackageResult>(&raw))
        .transpose()?
        .map(|results| match request.package_result {
            None => results,
            Some(seq) => results
                .into_iter()
                .filter(|r| r.value().seq_number() == Some(seq))
                .collect(),
        });
    let (eum_certificate, euicc_certificate) = split_certs(c.certs, request);
    let common = IpaEuiccDataCommon {
        default_smdp_address: c.default_smdp,
        euicc_info1: c.info1,
        euicc_info2: c.info2,
        root_smds_address: c.root_smds,
        association_token: c.association_token,
        eum_certificate,
        euicc_certificate,
        ipa_capabilities: c.capabilities,
        device_info: c.device_info,
    };
    let data = D::new(
        common,
        c.notifications,
        package_results,
        request.eim_transaction_id.clone(),
    );
    Ok(data.into())
}

/// The certificates asked for.
fn split_certs(
    certs: Option<Certs>,
    request: &DataRequest,
) -> (Option<Certificate>, Option<Certificate>) {
    match certs {
        None => (None, None),
        Some(certs) => (
            Some(certs.eum_certificate).filter(|_| request.wants(Item::EumCertificate)),
            Some(certs.euicc_certificate).filter(|_| request.wants(Item::EuiccCertificate)),
        ),
    }
}

/// Decodes stored eUICC Package Results, keeping their bytes.
fn decode_results<T>(raw: &[Vec<u8>]) -> Result<Vec<Signed<T>>, DataError>
where
    Signed<T>: euicc_asn1::Asn1,
{
    raw.iter()
        .map(|r| from_ber(r).map_err(DataError::BadResult))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tag_lists_are_split_into_ber_tags() {
        assert_eq!(
            tags(&[0xBF, 0x20, 0x81, 0xA0, 0xBF, 0x22]),
            Some(vec![0xBF20, 0x81, 0xA0, 0xBF22])
        );
        assert_eq!(tags(&[0x81, 0xBF]), None);
    }

    /// Every component of IpaEuiccData in each layout (the tags of SGP.32 v1.0.1's and v1.2's ASN.1, as in
    /// asn1play's `v1_0_1` and `v1_2` modules), and the tags of the other layout that name nothing here.
    #[test]
    fn each_layouts_tags_name_its_components() {
        use Item::*;
        let v1_2 = [
            (0xA0, Notifications),
            (0x81, DefaultSmdp),
            (0xA2, PackageResults),
            (0xBF20, Info1),
            (0xBF22, Info2),
            (0x83, RootSmds),
            (0x84, AssociationToken),
            (0xA5, EumCertificate),
            (0xA6, EuiccCertificate),
            (0x87, TransactionId),
            (0xA8, Capabilities),
            (0xA9, DeviceInfo),
        ];
        let v1_0 = [
            (0x80, DefaultSmdp),
            (0xBF20, Info1),
            (0xBF22, Info2),
            (0x83, RootSmds),
            (0x84, AssociationToken),
            (0xA5, EumCertificate),
            (0xA6, EuiccCertificate),
            (0xA8, Capabilities),
            (0x88, Capabilities),
            (0xA9, DeviceInfo),
            (0xBF2B, Notifications),
        ];
        for (tag, item) in v1_2 {
            assert_eq!(
                Item::from_tag(Layout::V1_2, tag),
                Some(item),
                "v1.2 {tag:X}"
            );
        }
        for (tag, item) in v1_0 {
            assert_eq!(
                Item::from_tag(Layout::V1_0, tag),
                Some(item),
                "v1.0 {tag:X}"
            );
        }
        for tag in [0x80, 0x88, 0xBF2B] {
            assert_eq!(Item::from_tag(Layout::V1_2, tag), None, "v1.2 {tag:X}");
        }
        for tag in [0xA0, 0x81, 0xA2, 0x87] {
            assert_eq!(Item::from_tag(Layout::V1_0, tag), None, "v1.0 {tag:X}");
        }
    }

    /// The tag list of a public v1.0 eIM's documentation, "all possible tags", is answered in full.
    #[test]
    fn the_documented_v1_0_tag_list_names_every_component() {
        let list = hex::decode("80BF20BF228384A5A688A9BF2B").unwrap();
        let items = DataRequest::items(Layout::V1_0, &list).expect("a correct tag list");
        assert_eq!(items.len(), 10);
        assert!(items.contains(&Item::Capabilities));
    }

    #[test]
    fn unknown_or_empty_tag_lists_are_incorrect() {
        assert_eq!(
            DataRequest::items(Layout::V1_2, &[0x81, 0xA8]),
            Some(vec![Item::DefaultSmdp, Item::Capabilities])
        );
        assert_eq!(DataRequest::items(Layout::V1_2, &[0x81, 0x99]), None);
        assert_eq!(DataRequest::items(Layout::V1_0, &[0xA0]), None);
        assert_eq!(DataRequest::items(Layout::V1_0, &[]), None);
    }
}
