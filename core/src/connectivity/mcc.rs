//! The ISO 3166-1 country of a mobile country code (ITU-T E.212), for the `country` of events. A small
//! static table of the MCCs in common use; an MCC not in it (or a test network, 001) has no country.

/// MCC → ISO 3166-1 alpha-2, sorted by MCC (binary search).
const TABLE: &[(&str, &str)] = &[
    ("202", "GR"),
    ("204", "NL"),
    ("206", "BE"),
    ("208", "FR"),
    ("212", "MC"),
    ("213", "AD"),
    ("214", "ES"),
    ("216", "HU"),
    ("218", "BA"),
    ("219", "HR"),
    ("220", "RS"),
    ("222", "IT"),
    ("226", "RO"),
    ("228", "CH"),
    ("230", "CZ"),
    ("231", "SK"),
    ("232", "AT"),
    ("234", "GB"),
    ("235", "GB"),
    ("238", "DK"),
    ("240", "SE"),
    ("242", "NO"),
    ("244", "FI"),
    ("246", "LT"),
    ("247", "LV"),
    ("248", "EE"),
    ("250", "RU"),
    ("255", "UA"),
    ("257", "BY"),
    ("259", "MD"),
    ("260", "PL"),
    ("262", "DE"),
    ("266", "GI"),
    ("268", "PT"),
    ("270", "LU"),
    ("272", "IE"),
    ("274", "IS"),
    ("276", "AL"),
    ("278", "MT"),
    ("280", "CY"),
    ("282", "GE"),
    ("283", "AM"),
    ("284", "BG"),
    ("286", "TR"),
    ("288", "FO"),
    ("293", "SI"),
    ("294", "MK"),
    ("295", "LI"),
    ("297", "ME"),
    ("302", "CA"),
    ("310", "US"),
    ("311", "US"),
    ("312", "US"),
    ("313", "US"),
    ("334", "MX"),
    ("338", "JM"),
    ("404", "IN"),
    ("405", "IN"),
    ("410", "PK"),
    ("413", "LK"),
    ("414", "MM"),
    ("415", "LB"),
    ("416", "JO"),
    ("418", "IQ"),
    ("419", "KW"),
    ("420", "SA"),
    ("424", "AE"),
    ("425", "IL"),
    ("427", "QA"),
    ("432", "IR"),
    ("440", "JP"),
    ("441", "JP"),
    ("450", "KR"),
    ("452", "VN"),
    ("454", "HK"),
    ("455", "MO"),
    ("460", "CN"),
    ("466", "TW"),
    ("470", "BD"),
    ("502", "MY"),
    ("505", "AU"),
    ("510", "ID"),
    ("515", "PH"),
    ("520", "TH"),
    ("525", "SG"),
    ("530", "NZ"),
    ("602", "EG"),
    ("603", "DZ"),
    ("604", "MA"),
    ("605", "TN"),
    ("621", "NG"),
    ("639", "KE"),
    ("655", "ZA"),
    ("704", "GT"),
    ("706", "SV"),
    ("710", "NI"),
    ("712", "CR"),
    ("714", "PA"),
    ("716", "PE"),
    ("722", "AR"),
    ("724", "BR"),
    ("730", "CL"),
    ("732", "CO"),
    ("734", "VE"),
    ("740", "EC"),
    ("744", "PY"),
    ("748", "UY"),
];

/// The ISO 3166-1 alpha-2 code of `mcc`, if the table knows it.
pub fn iso_country(mcc: &str) -> Option<&'static str> {
    TABLE
        .binary_search_by(|(code, _)| (*code).cmp(mcc))
        .ok()
        .map(|i| TABLE[i].1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_and_unique() {
        assert!(TABLE.windows(2).all(|w| w[0].0 < w[1].0));
    }

    #[test]
    fn known_and_unknown_codes() {
        assert_eq!(iso_country("262"), Some("DE"));
        assert_eq!(iso_country("310"), Some("US"));
        assert_eq!(iso_country("748"), Some("UY"));
        assert_eq!(iso_country("001"), None);
        assert_eq!(iso_country("99"), None);
    }
}
