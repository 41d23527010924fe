//! QR codes as inline SVG, so a phone wallet can scan an offer or a request link.

use qrcode::render::svg;
use qrcode::{EcLevel, QrCode};

/// An SVG QR code (error correction M) of `data`, with an accessible label; `None`
/// when the data is too long for any QR version.
pub fn svg(data: &str, label: &str) -> Option<String> {
    let code = QrCode::with_error_correction_level(data.as_bytes(), EcLevel::M).ok()?;
    let image = code
        .render::<svg::Color<'_>>()
        .min_dimensions(256, 256)
        .quiet_zone(true)
        .build();
    // The renderer starts with an XML declaration; inline SVG must not.
    let start = image.find("<svg")?;
    let svg = &image[start..];
    Some(svg.replacen(
        "<svg",
        &format!(
            "<svg role=\"img\" aria-label=\"{}\"",
            super::html::escape(label)
        ),
        1,
    ))
}

#[cfg(test)]
mod tests {
    #[test]
    fn renders_a_labelled_svg() {
        let svg = super::svg("openid4vp://?client_id=x&request_uri=y", "request").unwrap();
        assert!(svg.starts_with("<svg role=\"img\" aria-label=\"request\""));
        assert!(svg.contains("<path") || svg.contains("<rect"));
    }

    #[test]
    fn too_long_data_is_none() {
        assert!(super::svg(&"x".repeat(8000), "x").is_none());
    }
}
