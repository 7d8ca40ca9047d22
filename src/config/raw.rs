//! hotel.toml as written: every section and key, unknown ones refused.

use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawConfig {
    pub hotel: RawHotel,
    pub rooms: RawRooms,
    #[serde(default)]
    pub pbx: RawPbx,
    pub pms: Option<RawPms>,
    #[serde(default)]
    pub api: RawApi,
    #[serde(default)]
    pub store: RawStore,
    #[serde(default)]
    pub auth: RawAuth,
    #[serde(default)]
    pub wakeup: RawWakeup,
    #[serde(default)]
    pub messages: RawMessages,
    #[serde(default)]
    pub charges: RawCharges,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawCharges {
    pub free_numbers: Option<Vec<String>>,
    pub emergency_numbers: Option<Vec<String>>,
    pub pulse_price: Option<i64>,
    pub mask_digits: Option<usize>,
    pub keep_digits_for: Option<String>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawMessages {
    pub keep_for: Option<String>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawWakeup {
    pub attempts: Option<u32>,
    pub retry_interval: Option<String>,
    pub ring_timeout: Option<String>,
    pub late_grace: Option<String>,
    pub max_concurrent: Option<u32>,
    pub vip_to_operator: Option<bool>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawAuth {
    pub idle_timeout: Option<String>,
    pub max_failures: Option<u32>,
    pub max_failures_per_address: Option<u32>,
    pub lockout: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawHotel {
    pub name: String,
    pub timezone: String,
    pub country: Option<String>,
    pub outside_line: Option<String>,
    pub address: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawRooms {
    pub numbers: Vec<String>,
    pub default_class: Option<u8>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawPbx {
    pub protocol: Option<String>,
    pub port: Option<String>,
    pub baud: Option<u32>,
    pub data_bits: Option<u8>,
    pub parity: Option<String>,
    pub stop_bits: Option<u8>,
    pub ack_timeout: Option<String>,
    pub link_check: Option<String>,
    pub resync_after: Option<String>,
    pub reconnect_max: Option<String>,
    pub encoding: Option<String>,
    pub max_field: Option<usize>,
    pub allow: Option<Vec<String>>,
    pub smdr_port: Option<String>,
    pub smdr_duration_hours: Option<usize>,
    pub smdr_caller_width: Option<usize>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawPms {
    pub port: Option<String>,
    pub baud: Option<u32>,
    pub data_bits: Option<u8>,
    pub parity: Option<String>,
    pub stop_bits: Option<u8>,
    pub interface: Option<String>,
    pub owns_stays: Option<bool>,
    pub encoding: Option<String>,
    pub max_field: Option<usize>,
    pub ack_timeout: Option<String>,
    pub link_check: Option<String>,
    pub reconnect_max: Option<String>,
    pub resync_after: Option<String>,
    pub resync_timeout: Option<String>,
    pub night_audit_timeout: Option<String>,
    pub posting_retry: Option<String>,
    pub allow: Option<Vec<String>>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawApi {
    pub listen: Option<String>,
    pub max_connections: Option<u32>,
    pub header_timeout: Option<String>,
    pub request_timeout: Option<String>,
    pub max_body: Option<String>,
    pub max_connections_per_address: Option<u32>,
    pub max_streams: Option<u32>,
    pub max_streams_per_user: Option<u32>,
    pub secure_cookies: Option<bool>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawStore {
    pub path: Option<String>,
}
