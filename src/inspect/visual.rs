//! Images: PNG, JPEG, WebP and GIF (its first frame), read whole up to a bound and shown fitted;
//! their pixel size read from the header first, so that an image bomb is named, not decoded.

use std::io::Cursor;

use bytes::Bytes;
use serde::Serialize;

use super::detect::image_magic;
use super::{IMAGE_BYTES, InspectError, Reader};

/// More pixels than this are not decoded (a 16-bit RGBA image this size takes 512 MiB).
const MAX_PIXELS: u64 = 64 << 20;
/// The preview's longer side.
const THUMBNAIL_SIDE: u32 = 1024;

#[derive(Debug, Clone, Serialize)]
pub struct ImagePreview {
    pub format: String,
    pub width: u32,
    pub height: u32,
    pub thumbnail: Option<Thumbnail>,
    /// Why there is no thumbnail, where there is none.
    pub note: Option<String>,
}

/// RGBA pixels, row by row.
#[derive(Clone, Serialize)]
pub struct Thumbnail {
    pub width: u32,
    pub height: u32,
    #[serde(skip)]
    pub rgba: Vec<u8>,
}

impl std::fmt::Debug for Thumbnail {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Thumbnail({}x{})", self.width, self.height)
    }
}

pub async fn image(reader: &Reader, head: Bytes) -> Result<ImagePreview, InspectError> {
    let format = image_magic(&head).unwrap_or("image").to_owned();
    let bad = |e: image::ImageError| InspectError::invalid("image", e.to_string());
    let guessed = || {
        image::ImageReader::new(Cursor::new(&head[..]))
            .with_guessed_format()
            .map_err(|e| InspectError::invalid("image", e.to_string()))
    };
    let (width, height) = guessed()?.into_dimensions().map_err(bad)?;
    let mut preview = ImagePreview {
        format,
        width,
        height,
        thumbnail: None,
        note: None,
    };
    if reader.size > IMAGE_BYTES {
        preview.note = Some(format!(
            "Larger than {}: not previewed.",
            crate::format::human_bytes(IMAGE_BYTES)
        ));
        return Ok(preview);
    }
    if width as u64 * height as u64 > MAX_PIXELS {
        preview.note = Some(format!(
            "{width} × {height} pixels is more than Skiff decodes for a preview."
        ));
        return Ok(preview);
    }
    let mut decoder = guessed()?;
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(width.max(1));
    limits.max_image_height = Some(height.max(1));
    limits.max_alloc = Some(512 << 20);
    decoder.limits(limits);
    let decoded = decoder.decode().map_err(bad)?;
    let fitted = if width > THUMBNAIL_SIDE || height > THUMBNAIL_SIDE {
        decoded.thumbnail(THUMBNAIL_SIDE, THUMBNAIL_SIDE)
    } else {
        decoded
    };
    let rgba = fitted.to_rgba8();
    preview.thumbnail = Some(Thumbnail {
        width: rgba.width(),
        height: rgba.height(),
        rgba: rgba.into_raw(),
    });
    Ok(preview)
}
