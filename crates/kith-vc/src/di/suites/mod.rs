//! One file per cryptosuite, named after its `cryptosuite` id. Each holds the suite's
//! row (or rows) of the table in [`super::suite`].

pub mod bbs_2023;
mod ecdsa_jcs_2019;
mod ecdsa_rdfc_2019;
mod eddsa_jcs_2022;
mod eddsa_rdfc_2022;

pub use bbs_2023::BBS_2023;
pub use ecdsa_jcs_2019::{ECDSA_JCS_2019_P256, ECDSA_JCS_2019_P384};
pub use ecdsa_rdfc_2019::{ECDSA_RDFC_2019_P256, ECDSA_RDFC_2019_P384};
pub use eddsa_jcs_2022::EDDSA_JCS_2022;
pub use eddsa_rdfc_2022::EDDSA_RDFC_2022;
