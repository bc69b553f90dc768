# Writes pycrate.rs: the pycrate (PyPI asn1play) DER and JER of SGP.32 messages of both versions, which
# sgp32_messages.rs checks byte for byte. Usage: python gen_pycrate.py > pycrate.rs
import json, importlib

SPKI_DER = bytes.fromhex('3059301306072a8648ce3d020106082a8648ce3d030107034200' + '04' + '11' * 64)


def opaque_jer(value):
    """Our model keeps public keys as their DER, so their JER is its hex rather than pycrate's structure."""
    if isinstance(value, dict):
        if set(value) == {'algorithm', 'subjectPublicKey'}:
            return SPKI_DER.hex()
        return {k: opaque_jer(v) for k, v in value.items()}
    if isinstance(value, list):
        return [opaque_jer(v) for v in value]
    return value


def vectors(ver):
    m = importlib.import_module(f"asn1_play.generated_code.asn1.GSMA.SGP_32.{ver}.python_gen.sgp32.sgp32")
    S = m.SGP32Definitions
    rows = []
    EID = bytes.fromhex('89049032123451234512345678901235')
    ICCID = bytes.fromhex('98001032547698103214')
    ICCID2 = bytes.fromhex('98001032547698103294')
    SIG = bytes(range(64))
    spki = m.PKIX1Explicit88.SubjectPublicKeyInfo
    spki.from_der(SPKI_DER)
    SPKI = spki.get_val()
    v12 = ver == 'v1_2'
    TX = 'eimTransactionId' if v12 else 'transactionId'

    def out(name, tname, val):
        o = getattr(S, tname)
        o.set_val(val)
        jer = json.dumps(opaque_jer(json.loads(o.to_jer())), separators=(',', ':'), sort_keys=True)
        rows.append((name, tname, o.to_der().hex(), jer))

    psmos = [('enable', {'iccid': ICCID, 'rollbackFlag': 0}), ('disable', {'iccid': ICCID}), ('delete', {'iccid': ICCID2}),
             ('listProfileInfo', {}), ('getRAT', {})]
    if v12:
        psmos += [('configureImmediateEnable', {'immediateEnableFlag': 0, 'defaultSmdpAddress': 'smdp.example.com'}),
                  ('setFallbackAttribute', {'iccid': ICCID}), ('unsetFallbackAttribute', {}),
                  ('setDefaultDpAddress', {'defaultDpAddress': 'dp.example.com'})]
    else:
        psmos += [('configureAutoEnable', {'autoEnableFlag': 0, 'smdpOid': (1, 3, 6, 1, 4, 1, 31746), 'smdpAddress': 'smdp.example.com'})]
    signed = {'eimId': 'eim.example.com', 'eidValue': EID, 'counterValue': 200, TX: b'\x01\x02', 'euiccPackage': ('psmoList', psmos)}
    out('package_psmo', 'EuiccPackageRequest', {'euiccPackageSigned': signed, 'eimSignature': SIG})

    cfg = {'eimId': 'eim2', 'eimFqdn': 'eim2.example.com:8443', 'eimIdType': 2, 'counterValue': 1, 'associationToken': 7,
           'eimPublicKeyData': ('eimPublicKey', SPKI), 'eimSupportedProtocol': (0b10100, 5), 'euiccCiPKId': bytes(range(20))}
    if v12:
        cfg['indirectProfileDownload'] = 0
    ecos = [('addEim', cfg), ('deleteEim', {'eimId': 'eim3'}), ('updateEim', {'eimId': 'eim2', 'counterValue': 5}), ('listEim', {})]
    out('package_eco', 'EuiccPackageRequest', {'euiccPackageSigned': {'eimId': 'eim1', 'eidValue': EID, 'counterValue': 201, 'euiccPackage': ('ecoList', ecos)}, 'eimSignature': SIG})

    results = [('enableResult', 0), ('disableResult', 2), ('deleteResult', 1),
               ('listProfileInfoResult', ('profileInfoListError', 11)), ('getRATResult', []),
               ('configureImmediateEnableResult' if v12 else 'configureAutoEnableResult', 0),
               ('addEimResult', ('associationToken', 9)), ('addEimResult', ('addEimResultCode', 3)),
               ('deleteEimResult', 0), ('updateEimResult', 6),
               ('listEimResult', ('eimIdList', [{'eimId': 'eim1', 'eimIdType': 2}, {'eimId': 'eim2'}])),
               ('listEimResult', ('listEimError', 127)), ('rollbackResult', 0)]
    if v12:
        results += [('setFallbackAttributeResult', 3), ('unsetFallbackAttributeResult', 2),
                    ('setDefaultDpAddressResult', {'setDefaultDpAddressResult': 0})]
    results += [('processingTerminated', 3)]
    epr = ('euiccPackageResultSigned', {'euiccPackageResultDataSigned': {'eimId': 'eim1', 'counterValue': 200, TX: b'\x01\x02', 'seqNumber': 12, 'euiccResult': results}, 'euiccSignEPR': SIG})
    out('epr_signed', 'EuiccPackageResult', epr)
    out('epr_error_signed', 'EuiccPackageResult', ('euiccPackageErrorSigned', {'euiccPackageErrorDataSigned': {'eimId': 'eim1', 'counterValue': 5, 'euiccPackageErrorCode': 6}, 'euiccSignEPE': SIG}))
    uns = {'eimId': 'eim1', 'associationToken': 3}
    if v12: uns['eimTransactionId'] = b'\x09'
    out('epr_error_unsigned', 'EuiccPackageResult', ('euiccPackageErrorUnsigned', uns))

    small_epr = ('euiccPackageErrorUnsigned', {'eimId': 'eim1'})
    gr = {'eidValue': EID, 'notifyStateChange': 0, 'rPLMN': bytes.fromhex('62f210')}
    if v12: gr['stateChangeCause'] = 3
    out('get_eim_package_request', 'EsipaMessageFromIpaToEim', ('getEimPackageRequest', gr))
    out('no_package', 'EsipaMessageFromEimToIpa', ('getEimPackageResponse', ('eimPackageError', 1)))
    out('get_eim_package_with_request', 'GetEimPackageResponse', ('euiccPackageRequest', {'euiccPackageSigned': {'eimId': 'e', 'eidValue': EID, 'counterValue': 1, 'euiccPackage': ('psmoList', [('getRAT', {})])}, 'eimSignature': b'\xAA'}))

    if v12:
        ir = {'tagList': bytes.fromhex('80a2a8'), 'euiccCiPKIdentifierToBeUsed': bytes(20), 'searchCriteriaNotification': ('profileManagementOperation', (0b0100, 4)),
              'searchCriteriaEuiccPackageResult': ('seqNumber', 4), 'eimTransactionId': b'\x05'}
    else:
        ir = {'tagList': bytes.fromhex('80a2a8'), 'euiccCiPKId': bytes(20), 'searchCriteria': ('euiccPackageResults', 0)}
    out('ipa_euicc_data_request', 'IpaEuiccDataRequest', ir)
    caps = {'ipaFeatures': (0b010001, 6), 'ipaSupportedProtocols': (0b1, 1)}
    if v12:
        data = {'defaultSmdpAddress': 'smdp.example.com', 'euiccPackageResultList': [small_epr], 'rootSmdsAddress': 'smds.example.com', 'associationToken': 7, 'eimTransactionId': b'\x05', 'ipaCapabilities': caps}
    else:
        data = {'defaultSmdpAddress': 'smdp.example.com', 'rootSmdsAddress': 'smds.example.com', 'associationToken': 7, 'ipaCapabilities': caps,
                'notificationsList': ('notificationAndEprList', {'notificationList': [], 'euiccPackageResultList': [small_epr]})}
    out('ipa_euicc_data_response', 'IpaEuiccDataResponse', ('ipaEuiccData', data))
    if v12:
        out('ipa_euicc_data_error', 'IpaEuiccDataResponse', ('ipaEuiccDataResponseError', {'eimTransactionId': b'\x05', 'ipaEuiccDataErrorCode': 104}))
    else:
        out('ipa_euicc_data_error', 'IpaEuiccDataResponse', ('ipaEuiccDataError', 1))

    out('download_trigger', 'ProfileDownloadTriggerRequest', {'profileDownloadData': ('activationCode', '1$smdp.example.com$MATCH'), 'eimTransactionId': b'\x07'})
    out('download_trigger_smds', 'ProfileDownloadTriggerRequest', {'profileDownloadData': ('contactSmds', {'smdsAddress': 'smds.example.com'})})
    err = {'profileDownloadErrorReason': 104, 'errorResponse': b'\x01'} if v12 else {'errorResponse': b'\x01'}
    out('download_result', 'ProfileDownloadTriggerResult', {'eimTransactionId': b'\x07', 'profileDownloadTriggerResultData': ('profileDownloadError', err)})

    if v12:
        out('provide_result', 'EsipaMessageFromIpaToEim', ('provideEimPackageResult', {'eidValue': EID, 'eimPackageResult': ('ePRAndNotifications', {'euiccPackageResult': small_epr, 'notificationList': []})}))
        out('provide_result_error', 'ProvideEimPackageResult', {'eimPackageResult': ('eimPackageResultResponseError', {'eimTransactionId': b'\x01', 'eimPackageResultErrorCode': 1})})
        out('provide_result_acks', 'EsipaMessageFromEimToIpa', ('provideEimPackageResultResponse', ('eimAcknowledgements', [12, 13, 300])))
        out('provide_result_empty', 'ProvideEimPackageResultResponse', ('emptyResponse', {}))
        out('handle_notification_epr', 'HandleNotificationEsipa', ('provideEimPackageResult', {'eimPackageResult': ('euiccPackageResult', small_epr)}))
    else:
        out('provide_result', 'EsipaMessageFromIpaToEim', ('provideEimPackageResult', ('ePRAndNotifications', {'euiccPackageResult': small_epr, 'notificationList': ('euiccPackageResultList', [small_epr])})))
        out('provide_result_error', 'ProvideEimPackageResult', ('eimPackageError', 2))
        out('provide_result_acks', 'EsipaMessageFromEimToIpa', ('provideEimPackageResultResponse', {'eimAcknowledgements': [12, 13, 300]}))
        out('provide_result_empty', 'ProvideEimPackageResultResponse', {})
        out('handle_notification_epr', 'HandleNotificationEsipa', ('provideEimPackageResult', ('euiccPackageResult', small_epr)))
    out('transfer_received', 'TransferEimPackageResponse', ('eimPackageReceived', 0))
    out('transfer_acks', 'TransferEimPackageRequest', ('eimAcknowledgements', [1]))
    out('cancel_session_esipa_ok', 'EsipaMessageFromEimToIpa', ('cancelSessionResponseEsipa', ('cancelSessionOk', {})))
    out('bpp_error', 'GetBoundProfilePackageResponseEsipa', ('getBoundProfilePackageErrorEsipa', 95))
    out('init_auth_error', 'InitiateAuthenticationResponseEsipa', ('initiateAuthenticationErrorEsipa', 50))
    iar = {'euiccChallenge': bytes(range(16)), 'smdpAddress': 'smdp.example.com'}
    if v12: iar['eimTransactionId'] = b'\x07'
    out('init_auth_request', 'InitiateAuthenticationRequestEsipa', iar)

    # ES10b
    out('add_initial_eim', 'AddInitialEimRequest', {'eimConfigurationDataList': [cfg]})
    out('add_initial_eim_ok', 'AddInitialEimResponse', ('addInitialEimOk', [('associationToken', 1), ('addOk', 0)]))
    out('add_initial_eim_error', 'AddInitialEimResponse', ('addInitialEimError', 2))
    out('get_eim_config', 'GetEimConfigurationDataRequest', {'searchCriteria': ('eimId', 'eim1')} if v12 else {})
    out('get_eim_config_response', 'GetEimConfigurationDataResponse', {'eimConfigurationDataList': [{'eimId': 'eim1', 'eimFqdn': 'eim.example.com', 'counterValue': 3}]})
    out('get_certs', 'GetCertsRequest', {'euiccCiPKId': bytes(range(20))})
    out('get_certs_error', 'GetCertsResponse', ('getCertsError', 1))
    out('rollback', 'ProfileRollbackRequest', {'refreshFlag': True})
    out('rollback_response', 'ProfileRollbackResponse', {'cmdResult': 0, 'eUICCPackageResult': small_epr})
    if v12:
        out('configure', 'ConfigureImmediateProfileEnablingRequest', {'immediateEnableFlag': 0, 'defaultSmdpOid': (1, 3, 6, 1, 4, 1, 31746), 'defaultSmdpAddress': 'smdp.example.com'})
        out('configure_response', 'ConfigureImmediateProfileEnablingResponse', {'configImmediateEnableResult': 2})
        out('immediate_enable', 'ImmediateEnableRequest', {'refreshFlag': False})
        out('immediate_enable_response', 'ImmediateEnableResponse', {'immediateEnableResult': 1})
        out('emergency_enable', 'EnableEmergencyProfileRequest', {'refreshFlag': True})
        out('emergency_disable_response', 'DisableEmergencyProfileResponse', {'disableEmergencyProfileResult': 2})
        out('fallback', 'ExecuteFallbackMechanismRequest', {'refreshFlag': True})
        out('fallback_response', 'ExecuteFallbackMechanismResponse', {'executeFallbackMechanismResult': 104})
        out('return_fallback', 'ReturnFromFallbackRequest', {'refreshFlag': False})
        out('return_fallback_response', 'ReturnFromFallbackResponse', {'returnFromFallbackResult': 6})
        out('connectivity', 'GetConnectivityParametersRequest', {})
        out('connectivity_response', 'GetConnectivityParametersResponse', ('connectivityParameters', {'httpParams': b'\x01\x02'}))
        out('default_dp', 'SetDefaultDpAddressRequest', {'defaultDpAddress': 'dp.example.com'})
        out('default_dp_response', 'SetDefaultDpAddressResponse', {'setDefaultDpAddressResult': 0})
        out('memory_reset', 'EuiccMemoryResetRequest', {'resetOptions': (0b0000011, 7)})
        out('memory_reset_response', 'EuiccMemoryResetResponse', {'resetResult': 0, 'resetEimResult': 2, 'resetImmediateEnableConfigResult': 1})
    else:
        out('configure', 'ConfigureAutoProfileEnablingRequest', {'autoEnableFlag': 0, 'smdpAddress': 'smdp.example.com'})
        out('configure_response', 'ConfigureAutoProfileEnablingResponse', {'configAutoEnableResult': 2})
        out('enable_using_dd', 'EnableUsingDDRequest', {})
        out('enable_using_dd_response', 'EnableUsingDDResponse', {'enableUsingDDResult': 1})
        out('retrieve_notifications_response', 'RetrieveNotificationsListResponse', ('euiccPackageResultList', [small_epr]))

    return rows


print('//! DER and JER of SGP.32 messages as encoded by pycrate (PyPI asn1play, SGP.32 v1.0 and v1.2 modules).')
print('//! Generated by `python gen_pycrate.py > pycrate.rs`; do not edit.')
print()
for ver, const in [('v1_0', 'V1_0'), ('v1_2', 'V1_2')]:
    print(f'/// `(id, ASN.1 type, DER hex, JER)` of SGP.32 {ver.replace("_", ".")} messages.')
    print(f'pub const {const}: &[(&str, &str, &str, &str)] = &[')
    for name, tname, der, jer in vectors(ver):
        print(f'    ("{name}", "{tname}", "{der}", r#"{jer}"#),')
    print('];')
