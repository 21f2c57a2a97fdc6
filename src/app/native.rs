//! Desktop-only facts the app starts with.

/// Profile names from the shared AWS files, honouring `AWS_CONFIG_FILE` and
/// `AWS_SHARED_CREDENTIALS_FILE` as the AWS CLI does.
pub fn aws_profiles() -> Vec<String> {
    let home = directories::BaseDirs::new().map(|d| d.home_dir().to_path_buf());
    let path = |var: &str, default: &str| {
        std::env::var_os(var)
            .map(std::path::PathBuf::from)
            .or_else(|| home.as_ref().map(|h| h.join(".aws").join(default)))
    };
    let read = |p: Option<std::path::PathBuf>| {
        p.and_then(|p| std::fs::read_to_string(p).ok())
            .unwrap_or_default()
    };
    crate::s3::connection::profile_names(
        &read(path("AWS_CONFIG_FILE", "config")),
        &read(path("AWS_SHARED_CREDENTIALS_FILE", "credentials")),
    )
}
