# Writes pycrate.rs: the pycrate (PyPI asn1play) DER and JER of the SGP.22 messages that sgp22_messages.rs
# builds, for byte-for-byte comparison. Usage: python gen_pycrate.py > pycrate.rs
import json
from asn1_play.generated_code.asn1.GSMA.SGP_32.v1_2.python_gen.sgp32 import sgp32 as m
R = m.RSPDefinitions; S = m.SGP32Definitions
h = bytes.fromhex
ICCID = h('98001032547698103214'); EID = h('89049032123451234512345678901235')
TX = h('0102030405060708090a0b0c0d0e0f10'); SKI = h('81370f5125d0b1d408d4c3b232e6d25e795bebfb')
CERT = lambda serial: h('3056304402010' + str(serial) + '300a06082a8648ce3d0403023000301e170d3230303130313030303030305a170d3330303130313030303030305a3000300f300906072a8648ce3d020103020004300a06082a8648ce3d04030203020000')
def cert(serial):
    c = R.AuthenticateResponseOk._cont['euiccCertificate']; c.from_der(CERT(serial)); return c.get_val()
def bits(*ns):
    n = max(ns) + 1 if ns else 0
    v = 0
    for b in ns: v |= 1 << (n - 1 - b)
    return (v, n)
EUICCINFO2 = {'profileVersion': h('020301'), 'svn': h('020300'), 'euiccFirmwareVer': h('010203'),
  'extCardResource': h('8101008204000100008302ffff'), 'uiccCapability': bits(1,2,16,17), 'ts102241Version': h('090200'),
  'globalplatformVersion': h('020300'), 'rspCapability': bits(0,2), 'euiccCiPKIdListForVerification': [SKI],
  'euiccCiPKIdListForSigning': [SKI], 'euiccCategory': 2, 'ppVersion': h('000100'), 'sasAcreditationNumber': 'GI-BA-UP-0419',
  'certificationDataObject': {'platformLabel': 'PlatformX', 'discoveryBaseURL': 'https://x.example'},
  'ipaMode': 0, 'iotSpecificInfo': {'iotVersion': [h('010200')], 'fallbackSupported': 0}}
EUICCINFO2_MIN = {'profileVersion': h('020301'), 'svn': h('020300'), 'euiccFirmwareVer': h('010203'),
  'extCardResource': h('810100'), 'uiccCapability': bits(1), 'rspCapability': bits(0), 'euiccCiPKIdListForVerification': [SKI],
  'euiccCiPKIdListForSigning': [SKI], 'ppVersion': h('000100'), 'sasAcreditationNumber': 'SAS'}
SS1 = {'transactionId': TX, 'euiccChallenge': bytes(range(16)), 'serverAddress': 'smdp.example.com', 'serverChallenge': bytes(range(16, 32))}
CTX = ('ctxParamsForCommonAuthentication', {'matchingId': 'ABC-123', 'deviceInfo': {'tac': h('35290611'),
  'deviceCapabilities': {'gsmSupportedRelease': h('0d0000'), 'eutranEpcSupportedRelease': h('0f0000')}, 'imei': h('3592061112345678')}})
ES1 = {'transactionId': TX, 'serverAddress': 'smdp.example.com', 'serverChallenge': bytes(range(16, 32)), 'euiccInfo2': EUICCINFO2_MIN, 'ctxParams1': CTX}
SIG = bytes([0xAB]) * 64
NM = lambda seq, op, iccid=True: dict({'seqNumber': seq, 'profileManagementOperation': bits(op), 'notificationAddress': 'smdp.example.com'}, **({'iccid': ICCID} if iccid else {}))
PIR = {'profileInstallationResultData': {'transactionId': TX, 'notificationMetadata': NM(1, 0), 'smdpOid': (1,3,6,1,4,1,31746),
  'finalResult': ('successResult', {'aid': h('a0000005591010ffffffff8900001100'), 'simaResponse': h('300a')})}, 'euiccSignPIR': SIG}
PIR_ERR = {'profileInstallationResultData': {'transactionId': TX, 'notificationMetadata': NM(2, 0), 'smdpOid': (1,3,6,1,4,1,31746),
  'finalResult': ('errorResult', {'bppCommandId': 5, 'errorReason': 12, 'simaResponse': h('3003')})}, 'euiccSignPIR': SIG}
OSN = {'tbsOtherNotification': NM(3, 1), 'euiccNotificationSignature': SIG, 'euiccCertificate': cert(1), 'eumCertificate': cert(2)}
SS2 = {'transactionId': TX, 'ccRequiredFlag': True}
META = {'iccid': ICCID, 'serviceProviderName': 'Operator', 'profileName': 'Profile 1', 'iconType': 1, 'icon': h('89504e47'),
  'profileClass': 2, 'notificationConfigurationInfo': [{'profileManagementOperation': bits(0, 1, 2, 3), 'notificationAddress': 'smdp.example.com'}],
  'profileOwner': {'mccMnc': h('00f110'), 'gid1': h('01')}, 'profilePolicyRules': bits(1),
  'serviceSpecificDataStoredInEuicc': [{'vendorOid': (1,2,3), 'vendorSpecificData': ('_unk_004', h('aa'))}], 'fallbackAllowed': True}
BPP = {'initialiseSecureChannelRequest': {'remoteOpId': 1, 'transactionId': TX, 'controlRefTemplate': {'keyType': h('88'), 'keyLen': h('10'), 'hostId': b'smdp'},
  'smdpOtpk': h('04' + '11' * 64), 'smdpSign': SIG}, 'firstSequenceOf87': [h('aa' * 8)], 'sequenceOf88': [h('bb' * 8), h('cc' * 4)],
  'sequenceOf86': [h('dd' * 300), h('ee' * 5)]}
PDR_OK = ('downloadResponseOk', {'euiccSigned2': {'transactionId': TX, 'euiccOtpk': h('04' + '22' * 64), 'hashCc': bytes(32)}, 'euiccSignature2': SIG})
CSR_OK = ('cancelSessionResponseOk', {'euiccCancelSessionSigned': {'transactionId': TX, 'smdpOid': (1,3,6,1,4,1,31746), 'reason': 0}, 'euiccCancelSessionSignature': SIG})
ICON = bytes(i % 256 for i in range(300))

cases = [
  ('EUICC_INFO2', S.EUICCInfo2, EUICCINFO2),
  ('GET_EID_RESPONSE', R.GetEuiccDataResponse, {'eidValue': EID}),
  ('CHALLENGE_RESPONSE', R.GetEuiccChallengeResponse, {'euiccChallenge': bytes(range(16))}),
  ('PROFILE_INFO_LIST', S.ProfileInfoListResponse, ('profileInfoListOk', [
     {'iccid': ICCID, 'isdpAid': h('a0000005591010ffffffff8900001100'), 'profileState': 1, 'profileNickname': 'work',
      'serviceProviderName': 'Operator', 'profileName': 'Profile 1', 'iconType': 1, 'icon': ICON, 'profileClass': 2,
      'profilePolicyRules': bits(1), 'ecallIndication': False, 'fallbackAttribute': True, 'fallbackAllowed': True},
     {'iccid': ICCID, 'profileState': 0, 'profileOwner': {'mccMnc': h('00f110')}, 'dpProprietaryData': {'dpOid': (1,3,6,1,4,1,31746)}}])),
  ('PROFILE_INFO_LIST_ERROR', S.ProfileInfoListResponse, ('profileInfoListError', 11)),
  ('ENABLE_REQUEST', R.EnableProfileRequest, {'profileIdentifier': ('iccid', ICCID), 'refreshFlag': True}),
  ('DISABLE_REQUEST', R.DisableProfileRequest, {'profileIdentifier': ('isdpAid', h('a0000005591010ffffffff8900001100')), 'refreshFlag': False}),
  ('DELETE_REQUEST', R.DeleteProfileRequest, ('iccid', ICCID)),
  ('ENABLE_RESPONSE', R.EnableProfileResponse, {'enableResult': 2}),
  ('SET_NICKNAME', R.SetNicknameRequest, {'iccid': ICCID, 'profileNickname': 'work'}),
  ('LIST_NOTIFICATION_RESPONSE', R.ListNotificationResponse, ('notificationMetadataList', [NM(1, 0), NM(2, 3, False)])),
  ('RETRIEVE_REQUEST', S.RetrieveNotificationsListRequest, {'searchCriteria': ('seqNumber', 5)}),
  ('RETRIEVE_REQUEST_EPR', S.RetrieveNotificationsListRequest, {'searchCriteria': ('euiccPackageResults', 0)}),
  ('RETRIEVE_RESPONSE', S.RetrieveNotificationsListResponse, ('notificationList', [('profileInstallationResult', PIR), ('otherSignedNotification', OSN)])),
  ('PIR_ERROR', S.ProfileInstallationResult, PIR_ERR),
  ('NOTIFICATION_SENT', R.NotificationSentRequest, {'seqNumber': 300}),
  ('AUTHENTICATE_SERVER_REQUEST', R.AuthenticateServerRequest, {'serverSigned1': SS1, 'serverSignature1': SIG, 'euiccCiPKIdToBeUsed': SKI, 'serverCertificate': cert(1), 'ctxParams1': CTX}),
  ('AUTHENTICATE_SERVER_RESPONSE', S.AuthenticateServerResponse, ('authenticateResponseOk', {'euiccSigned1': ES1, 'euiccSignature1': SIG, 'euiccCertificate': cert(1), 'eumCertificate': cert(2)})),
  ('AUTHENTICATE_SERVER_ERROR', S.AuthenticateServerResponse, ('authenticateResponseError', {'transactionId': TX, 'authenticateErrorCode': 6})),
  ('PREPARE_DOWNLOAD_REQUEST', R.PrepareDownloadRequest, {'smdpSigned2': SS2, 'smdpSignature2': SIG, 'hashCc': bytes(32), 'smdpCertificate': cert(2)}),
  ('PREPARE_DOWNLOAD_RESPONSE', S.PrepareDownloadResponse, PDR_OK),
  ('PREPARE_DOWNLOAD_ERROR', S.PrepareDownloadResponse, ('downloadResponseError', {'transactionId': TX, 'downloadErrorCode': 5})),
  ('BPP', R.BoundProfilePackage, BPP),
  ('STORE_METADATA', S.StoreMetadataRequest, META),
  ('CANCEL_SESSION_REQUEST', R.CancelSessionRequest, {'transactionId': TX, 'reason': 127}),
  ('CANCEL_SESSION_RESPONSE', S.CancelSessionResponse, CSR_OK),
  ('GET_RAT_RESPONSE', R.GetRatResponse, {'rat': [{'pprIds': bits(1, 2), 'allowedOperators': [{'mccMnc': h('00f110')}], 'pprFlags': bits(0)}]}),
  ('CONFIGURED_ADDRESSES', R.EuiccConfiguredAddressesResponse, {'defaultDpAddress': 'smdp.example.com', 'rootDsAddress': 'lpa.ds.gsma.com'}),
  ('MEMORY_RESET_BF34', R.EuiccMemoryResetRequest, {'resetOptions': bits(0)}),
  ('INITIATE_AUTHENTICATION_RESPONSE', R.InitiateAuthenticationResponse, ('initiateAuthenticationOk', {'transactionId': TX, 'serverSigned1': SS1, 'serverSignature1': SIG, 'euiccCiPKIdToBeUsed': SKI, 'serverCertificate': cert(1)})),
  ('AUTHENTICATE_CLIENT_RESPONSE', R.AuthenticateClientResponseEs9, ('authenticateClientOk', {'transactionId': TX, 'profileMetaData': {'iccid': ICCID, 'serviceProviderName': 'Operator', 'profileName': 'Profile 1'}, 'smdpSigned2': SS2, 'smdpSignature2': SIG, 'smdpCertificate': cert(2)})),
  ('GET_BPP_REQUEST', R.GetBoundProfilePackageRequest, {'transactionId': TX, 'prepareDownloadResponse': PDR_OK}),
  ('HANDLE_NOTIFICATION', R.HandleNotification, {'pendingNotification': ('profileInstallationResult', PIR_ERR)}),
  ('CANCEL_SESSION_ES9', R.CancelSessionRequestEs9, {'transactionId': TX, 'cancelSessionResponse': ('cancelSessionResponseError', 5)}),
]
print('//! DER and JER of SGP.22 messages as encoded by pycrate (PyPI asn1play, SGP.32 v1.2 module).')
print('//! Generated by `python gen_pycrate.py > pycrate.rs`; do not edit.')
print()
for name, t, v in cases:
    t.set_val(v)
    der = t.to_der()
    t.from_der(der)
    print(f'pub const {name}: &str = "{der.hex()}";')
    print(f'pub const {name}_JER: &str = r#"{json.dumps(json.loads(t.to_jer()), separators=(",", ":"))}"#;')
