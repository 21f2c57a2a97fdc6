//! What storage costs a month, per storage class: a rough estimate to show beside a change of
//! class or a folder's size. The table is AWS's us-east-1 list price for the first 50 TB a
//! month; other regions and providers charge differently, and requests, retrievals, transfer and
//! minimum storage durations are not in it.

use crate::s3::listing::StorageClass;

/// Where the prices come from, shown beside every estimate.
pub const SOURCE: &str =
    "AWS S3 list prices, us-east-1, first 50 TB/month (aws.amazon.com/s3/pricing, as of 2025)";

/// US dollars per GB-month (GB = 10^9 bytes, as AWS bills), or `None` for a class with no list
/// price (Outposts, unknown).
pub fn usd_per_gb_month(class: StorageClass) -> Option<f64> {
    Some(match class {
        StorageClass::Standard => 0.023,
        StorageClass::ReducedRedundancy => 0.024,
        // The frequent-access tier, which new objects start in.
        StorageClass::IntelligentTiering => 0.023,
        StorageClass::StandardIa => 0.0125,
        StorageClass::OnezoneIa => 0.01,
        StorageClass::GlacierIr => 0.004,
        StorageClass::Glacier => 0.0036,
        StorageClass::DeepArchive => 0.00099,
        StorageClass::ExpressOnezone => 0.11,
        StorageClass::Outposts | StorageClass::Other => return None,
    })
}

/// AWS's list price of LIST requests (ListObjectsV2, ListObjectVersions, ListParts), us-east-1,
/// S3 Standard: US dollars per 1,000.
pub const LIST_USD_PER_1000: f64 = 0.005;

/// Prices per storage class that a user may edit for another region or provider; the default is
/// [`usd_per_gb_month`]'s AWS table, with its [`SOURCE`].
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct PriceTable {
    /// Where the prices come from, shown beside every estimate.
    pub source: String,
    /// US dollars per GB-month (10^9 bytes), by storage class name (`STANDARD`, `GLACIER_IR`…).
    pub usd_per_gb_month: std::collections::BTreeMap<String, f64>,
    pub list_usd_per_1000: f64,
}

impl Default for PriceTable {
    fn default() -> Self {
        use StorageClass::*;
        let classes = [
            Standard,
            ReducedRedundancy,
            IntelligentTiering,
            StandardIa,
            OnezoneIa,
            GlacierIr,
            Glacier,
            DeepArchive,
            ExpressOnezone,
        ];
        Self {
            source: SOURCE.to_owned(),
            usd_per_gb_month: (classes.into_iter())
                .filter_map(|c| Some((c.as_str().to_owned(), usd_per_gb_month(c)?)))
                .collect(),
            list_usd_per_1000: LIST_USD_PER_1000,
        }
    }
}

impl PriceTable {
    /// The monthly cost of `bytes` in `class`, or `None` for a class the table does not price.
    pub fn monthly_usd(&self, bytes: u64, class: StorageClass) -> Option<f64> {
        (self.usd_per_gb_month.get(class.as_str())).map(|price| bytes as f64 / 1e9 * price)
    }

    /// What `requests` LIST requests cost.
    pub fn list_usd(&self, requests: u64) -> f64 {
        requests as f64 / 1000.0 * self.list_usd_per_1000
    }
}

/// The monthly cost of `bytes` in `class`, in US dollars.
pub fn monthly_usd(bytes: u64, class: StorageClass) -> Option<f64> {
    usd_per_gb_month(class).map(|price| bytes as f64 / 1e9 * price)
}

/// "$1,234.56", "$0.42", "< $0.01".
pub fn usd(amount: f64) -> String {
    if amount > 0.0 && amount < 0.01 {
        return "< $0.01".into();
    }
    let cents = (amount * 100.0).round() as u64;
    format!(
        "${}.{:02}",
        crate::format::thousands(cents / 100),
        cents % 100
    )
}

/// "≈ $2.30", or "< $0.01" (not "≈ < $0.01").
pub fn approx_usd(amount: f64) -> String {
    let text = usd(amount);
    if text.starts_with('<') {
        text
    } else {
        format!("≈ {text}")
    }
}

/// The monthly storage cost of some objects (bytes per class) now and in `to`: "≈ $2.30 a
/// month now, ≈ $0.36 as GLACIER_IR".
pub fn change_estimate(bytes_by_class: &[(StorageClass, u64)], to: StorageClass) -> Option<String> {
    let mut now = 0.0;
    for (class, bytes) in bytes_by_class {
        now += monthly_usd(*bytes, *class)?;
    }
    let total: u64 = bytes_by_class.iter().map(|(_, b)| b).sum();
    let then = monthly_usd(total, to)?;
    Some(format!(
        "≈ {} a month now, ≈ {} as {} (storage only)",
        usd(now),
        usd(then),
        to.as_str()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_terabyte_of_standard_costs_23_dollars_a_month() {
        assert_eq!(
            usd(monthly_usd(1_000_000_000_000, StorageClass::Standard).unwrap()),
            "$23.00"
        );
        assert_eq!(usd(0.004), "< $0.01");
        assert_eq!(usd(1234.5), "$1,234.50");
        let text = change_estimate(
            &[
                (StorageClass::Standard, 500_000_000_000),
                (StorageClass::StandardIa, 500_000_000_000),
            ],
            StorageClass::DeepArchive,
        )
        .unwrap();
        assert_eq!(
            text,
            "≈ $17.75 a month now, ≈ $0.99 as DEEP_ARCHIVE (storage only)"
        );
        assert_eq!(
            change_estimate(&[(StorageClass::Other, 1)], StorageClass::Standard),
            None
        );
    }

    #[test]
    fn the_editable_table_starts_as_the_aws_list() {
        let mut table = PriceTable::default();
        assert_eq!(
            table.monthly_usd(2_000_000_000, StorageClass::GlacierIr),
            Some(0.008)
        );
        assert_eq!(table.monthly_usd(1, StorageClass::Other), None);
        assert_eq!(usd(table.list_usd(20_000)), "$0.10");
        table.usd_per_gb_month.insert("STANDARD".into(), 0.006);
        assert_eq!(
            usd(table
                .monthly_usd(1_000_000_000_000, StorageClass::Standard)
                .unwrap()),
            "$6.00"
        );
    }
}
