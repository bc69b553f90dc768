//! SGP.32 ES10b functions of the IoT profile assistant (SGP.32 §5.9): eUICC packages, rollback and
//! fallback.

use super::error::check;
use super::{Es10Error, Es10Function, decode};
use euicc_asn1::types::sgp32::common::{
    PROFILE_ROLLBACK_RESULT, ProfileRollbackRequest, RefreshFlag,
};
use euicc_asn1::types::sgp32::v1_2;
use euicc_asn1::{Layout, for_layout, to_der};

/// LoadEuiccPackage: the eIM's EuiccPackageRequest (`BF51 …`) byte for byte; the answer is the eUICC
/// Package Result exactly as the eUICC produced it (checked to decode).
#[derive(Debug, Clone, Copy)]
pub struct LoadEuiccPackage<'a> {
    /// The eUICC's layout.
    pub layout: Layout,
    /// The signed package as the eIM sent it.
    pub package: &'a [u8],
}

impl Es10Function for LoadEuiccPackage<'_> {
    const NAME: &'static str = "LoadEuiccPackage";
    type Output = Vec<u8>;

    fn request(&self) -> Result<Vec<u8>, Es10Error> {
        Ok(self.package.to_vec())
    }

    fn read(self, answer: Vec<u8>) -> Result<Vec<u8>, Es10Error> {
        for_layout!(self.layout, l => decode::<l::EuiccPackageResult>(Self::NAME, &answer).map(drop))?;
        Ok(answer)
    }
}

/// The answer to ProfileRollback.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RollbackOutcome {
    /// The eUICC Package Result of the rolled-back package (`BF51 …`), as the eUICC signed it; it is owed
    /// to the eIM.
    pub package_result: Option<Vec<u8>>,
}

/// ProfileRollback: re-enables the profile enabled before the last `enable` package.
#[derive(Debug, Clone, Copy)]
pub struct ProfileRollback {
    /// The eUICC's layout.
    pub layout: Layout,
    /// Ask for REFRESH.
    pub refresh: bool,
}

impl Es10Function for ProfileRollback {
    const NAME: &'static str = "ProfileRollback";
    type Output = RollbackOutcome;

    fn request(&self) -> Result<Vec<u8>, Es10Error> {
        Ok(to_der(&ProfileRollbackRequest(RefreshFlag {
            refresh_flag: self.refresh,
        })))
    }

    fn read(self, answer: Vec<u8>) -> Result<RollbackOutcome, Es10Error> {
        let (code, package_result) = for_layout!(self.layout, l => {
            let r: l::ProfileRollbackResponse = decode(Self::NAME, &answer)?;
            (r.cmd_result, r.e_uicc_package_result.map(|s| s.raw().to_vec()))
        });
        check(Self::NAME, PROFILE_ROLLBACK_RESULT, code)?;
        Ok(RollbackOutcome { package_result })
    }
}

/// Fails with [`Es10Error::Unsupported`] unless `layout` has the fallback functions (v1.2).
fn require_fallback(function: &'static str, layout: Layout) -> Result<(), Es10Error> {
    match layout.fallback() {
        true => Ok(()),
        false => Err(Es10Error::Unsupported {
            function,
            version: layout,
        }),
    }
}

/// ExecuteFallbackMechanism (v1.2): enables the profile with the fallback attribute.
#[derive(Debug, Clone, Copy)]
pub struct ExecuteFallbackMechanism {
    /// The eUICC's layout (v1.0 has no fallback).
    pub layout: Layout,
    /// Ask for REFRESH.
    pub refresh: bool,
}

impl Es10Function for ExecuteFallbackMechanism {
    const NAME: &'static str = "ExecuteFallbackMechanism";
    type Output = ();

    fn request(&self) -> Result<Vec<u8>, Es10Error> {
        require_fallback(Self::NAME, self.layout)?;
        Ok(to_der(&v1_2::ExecuteFallbackMechanismRequest(
            RefreshFlag {
                refresh_flag: self.refresh,
            },
        )))
    }

    fn read(self, answer: Vec<u8>) -> Result<(), Es10Error> {
        let r: v1_2::ExecuteFallbackMechanismResponse = decode(Self::NAME, &answer)?;
        check(
            Self::NAME,
            v1_2::EXECUTE_FALLBACK_MECHANISM_RESULT,
            r.execute_fallback_mechanism_result,
        )
    }
}

/// ReturnFromFallback (v1.2): re-enables the profile that was enabled before the fallback.
#[derive(Debug, Clone, Copy)]
pub struct ReturnFromFallback {
    /// The eUICC's layout (v1.0 has no fallback).
    pub layout: Layout,
    /// Ask for REFRESH.
    pub refresh: bool,
}

impl Es10Function for ReturnFromFallback {
    const NAME: &'static str = "ReturnFromFallback";
    type Output = ();

    fn request(&self) -> Result<Vec<u8>, Es10Error> {
        require_fallback(Self::NAME, self.layout)?;
        Ok(to_der(&v1_2::ReturnFromFallbackRequest(RefreshFlag {
            refresh_flag: self.refresh,
        })))
    }

    fn read(self, answer: Vec<u8>) -> Result<(), Es10Error> {
        let r: v1_2::ReturnFromFallbackResponse = decode(Self::NAME, &answer)?;
        check(
            Self::NAME,
            v1_2::RETURN_FROM_FALLBACK_RESULT,
            r.return_from_fallback_result,
        )
    }
}
